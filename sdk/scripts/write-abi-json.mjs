#!/usr/bin/env node
// Writes dist/abi/<Contract>.json (each deployable contract's ABI with every Neural error merged in) and
// dist/abi/NeuralErrors.json (every custom error any Neural contract can revert with, one per selector), from the
// built SDK. A call can revert with another contract's error (a ModelRegistry call with a token error, a TaskManager
// call with a NodeRegistry one): decode reverts against NeuralErrors.json, or use the merged per-contract ABIs.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const sdk = await import(join(root, "dist", "index.js"));
const out = join(root, "dist", "abi");
mkdirSync(out, { recursive: true });

const errors = sdk.NEURAL_ERRORS_ABI;
writeFileSync(join(out, "NeuralErrors.json"), `${JSON.stringify(errors, null, 2)}\n`);

const contracts = {
  NeuralToken: sdk.neuralTokenAbi,
  NodeRegistry: sdk.nodeRegistryAbi,
  TaskManager: sdk.taskManagerAbi,
  DisputeManager: sdk.disputeManagerAbi,
  ModelRegistry: sdk.modelRegistryAbi,
  DatasetRegistry: sdk.datasetRegistryAbi,
  Sortition: sdk.sortitionAbi,
  BlockhashRandomness: sdk.blockhashRandomnessAbi,
  NeuralTimelock: sdk.neuralTimelockAbi,
};
const signature = (e) => `${e.name}(${e.inputs.map((i) => i.type).join(",")})`;
for (const [name, abi] of Object.entries(contracts)) {
  const own = new Set(abi.filter((i) => i.type === "error").map(signature));
  const merged = [...abi, ...errors.filter((e) => !own.has(signature(e)))];
  writeFileSync(join(out, `${name}.json`), `${JSON.stringify(merged, null, 2)}\n`);
}
console.log(`wrote ${Object.keys(contracts).length + 1} ABIs (${errors.length} errors) to ${out}`);
