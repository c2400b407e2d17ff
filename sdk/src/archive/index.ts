export * from "./arweave.js";
