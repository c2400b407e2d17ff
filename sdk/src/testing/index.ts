export * from "./anvil.js";
export * from "./devnet.js";
export * from "./fixtures.js";
export * from "./foundry.js";
export * from "./ports.js";
