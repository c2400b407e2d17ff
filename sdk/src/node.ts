/** @neural/sdk for Node: the browser-safe API plus the Helia storage node and the deployment file loader. */
export * from "./contracts/deployments-fs.js";
export * from "./index.js";
export * from "./storage/node.js";
