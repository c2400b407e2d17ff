/**
 * @neural/sdk: everything that runs in browsers and Node alike. Node-only parts (the Helia storage node,
 * reading deployment files from disk) are in "@neural/sdk/node"; Arweave archiving in "@neural/sdk/archive";
 * test helpers (anvil, forge artifacts, fixtures) in "@neural/sdk/testing".
 */
export * from "./cid/index.js";
export * from "./contracts/index.js";
export * from "./errors/index.js";
export * from "./formats/index.js";
export * from "./merkle/index.js";
export * from "./storage/index.js";
