export * from "./canonical.js";
export * from "./common.js";
export * from "./container.js";
export * from "./document.js";
export * from "./manifest.js";
export * from "./messages.js";
export * from "./spec.js";
export * from "./streams.js";
