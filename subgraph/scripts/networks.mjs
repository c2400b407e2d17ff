#!/usr/bin/env node
// Writes subgraph/networks.json (graph-cli's networks file, generated and git-ignored) from a deployment
// file deployments/<chainId>.json, so contract addresses and start blocks are never copied by hand.
// `graph build --network <name>` / `graph deploy --network <name>` then put them into the manifest.
//
//   node scripts/networks.mjs [--deployment FILE | --chain-id N] [--network NAME] [--out FILE]
//
// Defaults: chain id $NEURAL_CHAIN_ID or 31337 (the devnet), network name "neural-devnet" (the name the
// graph-node's Ethereum RPC is configured under). Other networks already in the output file are kept.
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const subgraphDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = resolve(subgraphDir, "..");

/** The manifest's data sources; each is named after its contract in the deployment file. */
export const DATA_SOURCES = [
  "NeuralTimelock",
  "NeuralToken",
  "NodeRegistry",
  "TaskManagerExtension",
  "DatasetRegistry",
  "TaskManager",
  "Sortition",
  "DisputeManager",
  "ModelRegistry",
];
export const DEFAULT_NETWORK = "neural-devnet";
export const DEFAULT_CHAIN_ID = 31337;

/** graph-cli networks entry ({ DataSource: { address, startBlock } }) of one deployment object. */
export function networkConfig(deployment) {
  const contracts = deployment?.contracts ?? {};
  const missing = DATA_SOURCES.filter((name) => !contracts[name]);
  if (missing.length > 0) throw new Error(`deployment lacks ${missing.join(", ")}`);
  const out = {};
  for (const name of DATA_SOURCES) {
    const { address, startBlock } = contracts[name];
    if (!/^0x[0-9a-fA-F]{40}$/.test(address ?? "")) throw new Error(`${name}: bad address ${address}`);
    if (!Number.isSafeInteger(startBlock) || startBlock < 0) {
      throw new Error(`${name}: bad startBlock ${startBlock}`);
    }
    out[name] = { address: address.toLowerCase(), startBlock };
  }
  return out;
}

/** `existing` networks file content with `network` set from `deployment`. */
export function mergeNetworks(existing, network, deployment) {
  return { ...(existing ?? {}), [network]: networkConfig(deployment) };
}

export function deploymentPath(chainId) {
  return join(repoRoot, "deployments", `${chainId}.json`);
}

/** Reads the deployment, writes the networks file; returns { file, network, config }. */
export function writeNetworks({ deploymentFile, network = DEFAULT_NETWORK, outFile }) {
  if (!existsSync(deploymentFile)) {
    throw new Error(
      `no deployment file ${deploymentFile}: run \`npm run devnet\` first, or pass --deployment FILE`,
    );
  }
  const deployment = JSON.parse(readFileSync(deploymentFile, "utf8"));
  const existing = existsSync(outFile) ? JSON.parse(readFileSync(outFile, "utf8")) : {};
  const merged = mergeNetworks(existing, network, deployment);
  const tmp = `${outFile}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(merged, null, 2)}\n`);
  renameSync(tmp, outFile);
  return { file: outFile, network, config: merged[network] };
}

function main() {
  const { values } = parseArgs({
    options: {
      deployment: { type: "string" },
      "chain-id": { type: "string" },
      network: { type: "string", default: DEFAULT_NETWORK },
      out: { type: "string", default: join(subgraphDir, "networks.json") },
    },
  });
  const chainId = Number(values["chain-id"] ?? process.env.NEURAL_CHAIN_ID ?? DEFAULT_CHAIN_ID);
  const deploymentFile = values.deployment ? resolve(values.deployment) : deploymentPath(chainId);
  const { file, network } = writeNetworks({
    deploymentFile,
    network: values.network,
    outFile: resolve(values.out),
  });
  console.log(`wrote ${file} (network ${network} from ${deploymentFile})`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (err) {
    console.error(`networks: ${err.message}`);
    process.exit(1);
  }
}
