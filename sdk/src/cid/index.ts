export * from "./cid.js";
