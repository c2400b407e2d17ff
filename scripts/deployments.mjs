#!/usr/bin/env node
// Generates deployments/<chainId>.json from forge's broadcast output of contracts/script/Deploy.s.sol.
// Nothing is copied by hand: addresses come from the broadcast's CREATE transactions, transaction hashes and
// start blocks from their receipts, the roles from the values the script's run() returned. Format: docs/deployments.md.
//
//   node scripts/deployments.mjs [--chain-id 31337] [--broadcast-dir broadcast] [--out-dir deployments]
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { getAddress } from "viem";
import { repoRoot } from "./lib/tools.mjs";

/** Contracts the deploy script creates, in deployment order. Every one must appear in the broadcast. */
export const CONTRACTS = [
  "NeuralTimelock",
  "NeuralToken",
  "NodeRegistry",
  "TaskManagerExtension",
  "DatasetRegistry",
  "TaskManager",
  "BlockhashRandomness",
  "Sortition",
  "DisputeManager",
  "ModelRegistry",
];

/** Role holders run() returns (named return values of Deploy.run). */
export const ROLES = ["governor", "keeper", "treasury", "admin"];

export const DEPLOY_SCRIPT = "Deploy.s.sol";
export const defaultBroadcastDir = join(repoRoot, "broadcast");
export const defaultDeploymentsDir = join(repoRoot, "deployments");

/** Path of forge's latest broadcast of the deploy script for a chain. */
export function broadcastFile(chainId, broadcastDir = defaultBroadcastDir) {
  return join(broadcastDir, DEPLOY_SCRIPT, String(chainId), "run-latest.json");
}

/** Chain ids forge has a broadcast of the deploy script for. */
export function broadcastChainIds(broadcastDir = defaultBroadcastDir) {
  const dir = join(broadcastDir, DEPLOY_SCRIPT);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((d) => /^\d+$/.test(d) && existsSync(join(dir, d, "run-latest.json")))
    .map(Number);
}

const toNumber = (v) => (typeof v === "string" ? Number(BigInt(v)) : Number(v));
const lower = (a) => (typeof a === "string" ? a.toLowerCase() : a);

/**
 * Builds the deployment object from the parsed run-latest.json of the deploy script.
 * Throws when a contract is missing, a receipt is missing or failed, or a role was not returned.
 */
export function deploymentFromBroadcast(run, { generatedAt = new Date().toISOString() } = {}) {
  const chainId = toNumber(run.chain);
  if (!Number.isSafeInteger(chainId)) throw new Error("broadcast has no chain id");
  // Receipts are matched by contract address, not by transaction hash: forge 1.7 can record the wrong
  // `hash` on the entries of `transactions` when it sends them concurrently, while each receipt is what the
  // node returned (its hash, block and created address agree with the chain).
  const receipts = new Map(
    (run.receipts ?? []).filter((r) => r.contractAddress).map((r) => [lower(r.contractAddress), r]),
  );

  const contracts = {};
  for (const tx of run.transactions ?? []) {
    if (tx.transactionType !== "CREATE" && tx.transactionType !== "CREATE2") continue;
    if (!CONTRACTS.includes(tx.contractName)) continue;
    if (contracts[tx.contractName]) {
      throw new Error(`${tx.contractName} was created twice in one broadcast`);
    }
    const receipt = receipts.get(lower(tx.contractAddress));
    if (!receipt) {
      throw new Error(`no receipt for the ${tx.contractName} deployment at ${tx.contractAddress}`);
    }
    if (toNumber(receipt.status) !== 1) {
      throw new Error(`the ${tx.contractName} deployment ${receipt.transactionHash} failed`);
    }
    contracts[tx.contractName] = {
      address: getAddress(tx.contractAddress),
      startBlock: toNumber(receipt.blockNumber),
      txHash: receipt.transactionHash,
    };
  }
  const missing = CONTRACTS.filter((n) => !contracts[n]);
  if (missing.length) throw new Error(`broadcast lacks the deployment of ${missing.join(", ")}`);

  const roles = {};
  for (const role of ROLES) {
    const value = run.returns?.[role]?.value;
    if (!/^0x[0-9a-fA-F]{40}$/.test(value ?? "")) {
      throw new Error(`broadcast has no "${role}" return value (Deploy.run must return it)`);
    }
    roles[role] = getAddress(value);
  }

  // Keep the deployment order of CONTRACTS for a stable, readable file.
  const ordered = Object.fromEntries(CONTRACTS.map((n) => [n, contracts[n]]));
  return { chainId, contracts: ordered, roles, generatedAt };
}

/** Reads the broadcast of `chainId` and returns its deployment object. */
export function readBroadcastDeployment(chainId, broadcastDir = defaultBroadcastDir) {
  const file = broadcastFile(chainId, broadcastDir);
  if (!existsSync(file)) {
    throw new Error(`no broadcast at ${file}: run contracts/script/Deploy.s.sol with --broadcast first`);
  }
  return deploymentFromBroadcast(JSON.parse(readFileSync(file, "utf8")));
}

/** Writes deployments/<chainId>.json atomically and returns its path. */
export function writeDeployment(deployment, outDir = defaultDeploymentsDir) {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${deployment.chainId}.json`);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(deployment, null, 2)}\n`);
  renameSync(tmp, file);
  return file;
}

/** Reads deployments/<chainId>.json. */
export function readDeployment(chainId, dir = defaultDeploymentsDir) {
  const file = join(dir, `${chainId}.json`);
  if (!existsSync(file)) {
    throw new Error(`no deployment file ${file}: run \`npm run devnet\` or the hardhat deploy task first`);
  }
  return JSON.parse(readFileSync(file, "utf8"));
}

function main() {
  const { values } = parseArgs({
    options: {
      "chain-id": { type: "string" },
      "broadcast-dir": { type: "string", default: defaultBroadcastDir },
      "out-dir": { type: "string", default: defaultDeploymentsDir },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(
      "usage: node scripts/deployments.mjs [--chain-id N] [--broadcast-dir DIR] [--out-dir DIR]\n" +
        "Writes <out-dir>/<chainId>.json from <broadcast-dir>/Deploy.s.sol/<chainId>/run-latest.json " +
        "(every chain with a broadcast when --chain-id is not given).",
    );
    return;
  }
  const broadcastDir = resolve(values["broadcast-dir"]);
  const chainIds = values["chain-id"] ? [Number(values["chain-id"])] : broadcastChainIds(broadcastDir);
  if (!chainIds.length) throw new Error(`no broadcast of ${DEPLOY_SCRIPT} under ${broadcastDir}`);
  for (const chainId of chainIds) {
    const file = writeDeployment(readBroadcastDeployment(chainId, broadcastDir), resolve(values["out-dir"]));
    console.log(`wrote ${file}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (err) {
    console.error(`deployments: ${err.message}`);
    process.exit(1);
  }
}
