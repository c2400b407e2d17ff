import { createConfig } from "ponder";
import {
  datasetRegistryAbi,
  disputeManagerAbi,
  modelRegistryAbi,
  neuralTimelockAbi,
  neuralTokenAbi,
  nodeRegistryAbi,
  sortitionAbi,
  taskManagerAbi,
  taskManagerExtensionAbi,
} from "./src/lib/abis.js";
import { ponderRpc, serviceConfig } from "./src/lib/config.js";
import { holdStateLock } from "./src/lib/lock.js";

const { env, deployment } = serviceConfig();
// Before Ponder opens the database: one indexer per PGlite directory / PostgreSQL schema.
holdStateLock(env);
const { contracts } = deployment;

const at = (name: keyof typeof contracts & string) => {
  const c = contracts[name];
  if (!c) throw new Error(`deployment has no ${name}`);
  return { chain: "anvil" as const, address: c.address as `0x${string}`, startBlock: c.startBlock };
};

export default createConfig({
  database: env.DATABASE_URL
    ? { kind: "postgres", connectionString: env.DATABASE_URL, poolConfig: { max: env.DATABASE_POOL_MAX } }
    : { kind: "pglite", directory: env.NEURAL_PGLITE_DIR },
  chains: {
    anvil: {
      id: env.NEURAL_CHAIN_ID,
      rpc: ponderRpc(env),
      pollingInterval: env.NEURAL_POLLING_INTERVAL_MS,
    },
  },
  contracts: {
    NeuralTimelock: { abi: neuralTimelockAbi, ...at("NeuralTimelock") },
    NeuralToken: { abi: neuralTokenAbi, ...at("NeuralToken") },
    NodeRegistry: { abi: nodeRegistryAbi, ...at("NodeRegistry") },
    TaskManagerExtension: { abi: taskManagerExtensionAbi, ...at("TaskManagerExtension") },
    DatasetRegistry: { abi: datasetRegistryAbi, ...at("DatasetRegistry") },
    TaskManager: { abi: taskManagerAbi, ...at("TaskManager") },
    Sortition: { abi: sortitionAbi, ...at("Sortition") },
    DisputeManager: { abi: disputeManagerAbi, ...at("DisputeManager") },
    ModelRegistry: { abi: modelRegistryAbi, ...at("ModelRegistry") },
  },
});
