// Browser-safe storage: the trustless gateway reader. The Helia node is Node-only: "@neural/sdk/node".
export * from "./gateway.js";
