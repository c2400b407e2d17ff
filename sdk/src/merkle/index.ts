export * from "./checkpoints.js";
