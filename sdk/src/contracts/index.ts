export * from "./abis.js";
export * from "./client.js";
export * from "./datasets.js";
export * from "./deployments.js";
export * from "./enums.js";
export * from "./errors.js";
export * from "./lineage.js";
