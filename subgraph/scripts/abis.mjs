#!/usr/bin/env node
// Writes subgraph/abis/<DataSource>.json (generated, git-ignored) from the forge artifacts in contracts/out,
// so no ABI is ever edited by hand. Each file holds the event fragments of the contract (the mappings make
// no contract calls, and fewer fragments mean less generated AssemblyScript to compile).
//
// Source of each ABI, first match wins:
//   1. the implementation's artifact (contracts/out/NodeRegistry.sol/NodeRegistry.json, ...);
//   2. until that contract is merged: its interface's artifact plus the events of the base contracts the
//      implementation inherits (Governed = AccessControl + IParameters; ERC20Permit's IERC5267), so the
//      manifest's handlers match the implementation's events either way.
// When an artifact is missing, forge builds the contracts first (the native binary from npm).
//
//   node scripts/abis.mjs [--out-dir DIR] [--artifacts DIR] [--no-build]
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const subgraphDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = resolve(subgraphDir, "..");

/** Data source name -> implementation artifact, and the fallback (interface + inherited bases). */
export const SOURCES = {
  // OpenZeppelin's TimelockController: the admin of every governed contract.
  NeuralTimelock: { implementation: "NeuralTimelock", fallback: ["TimelockController"] },
  NeuralToken: { implementation: "NeuralToken", fallback: ["INeuralToken", "IERC5267"] },
  NodeRegistry: { implementation: "NodeRegistry", fallback: ["INodeRegistry", "Governed"] },
  // TaskManager's DELEGATECALL extension: at its own address it emits only its AccessControl setup.
  TaskManagerExtension: { implementation: "TaskManagerExtension", fallback: ["Governed"] },
  // The dataset library; the TaskManager emits the usage of its datasets (TaskUsesDataset, DatasetUsagePaid).
  DatasetRegistry: { implementation: "DatasetRegistry", fallback: ["IDatasetRegistry", "Governed"] },
  TaskManager: { implementation: "TaskManager", fallback: ["ITaskManager", "Governed"] },
  Sortition: { implementation: "Sortition", fallback: ["ISortition", "Governed"] },
  DisputeManager: { implementation: "DisputeManager", fallback: ["IDisputeManager", "Governed"] },
  ModelRegistry: { implementation: "ModelRegistry", fallback: ["IModelRegistry"] },
};

const artifactPath = (artifactsDir, name) => join(artifactsDir, `${name}.sol`, `${name}.json`);

/** Canonical signature of an event fragment, e.g. "Staked(uint256,uint256,uint256)". */
export function eventSignature(fragment) {
  const type = (p) =>
    p.type.startsWith("tuple")
      ? `(${p.components.map(type).join(",")})${p.type.slice("tuple".length)}`
      : p.type;
  return `${fragment.name}(${fragment.inputs.map(type).join(",")})`;
}

/** The artifacts a data source's ABI comes from (see the header), or null when some are missing. */
export function sourceArtifacts(dataSource, artifactsDir) {
  const { implementation, fallback } = SOURCES[dataSource];
  if (existsSync(artifactPath(artifactsDir, implementation))) return [implementation];
  if (fallback.every((n) => existsSync(artifactPath(artifactsDir, n)))) return fallback;
  return null;
}

/** Event fragments of the given artifacts, deduplicated by signature and sorted by name. */
export function eventAbi(artifactNames, artifactsDir) {
  const bySignature = new Map();
  for (const name of artifactNames) {
    const { abi } = JSON.parse(readFileSync(artifactPath(artifactsDir, name), "utf8"));
    for (const fragment of abi) {
      if (fragment.type === "event") bySignature.set(eventSignature(fragment), fragment);
    }
  }
  return [...bySignature.values()].sort(
    (a, b) => a.name.localeCompare(b.name) || eventSignature(a).localeCompare(eventSignature(b)),
  );
}

/** Writes every data source's ABI into `outDir`; returns { dataSource: artifact names used }. */
export function writeAbis({ outDir, artifactsDir, build = true }) {
  const missing = () => Object.keys(SOURCES).filter((ds) => !sourceArtifacts(ds, artifactsDir));
  if (missing().length > 0 && build) {
    const forge = join(repoRoot, "node_modules", "@foundry-rs", "forge-linux-amd64", "bin", "forge");
    execFileSync(forge, ["build", "--skip", "test", "--skip", "script", "--skip", "contracts/test/**"], {
      cwd: repoRoot,
      stdio: "inherit",
    });
  }
  const still = missing();
  if (still.length > 0) {
    throw new Error(`no forge artifacts for ${still.join(", ")} under ${artifactsDir} (run forge build)`);
  }
  mkdirSync(outDir, { recursive: true });
  const used = {};
  for (const dataSource of Object.keys(SOURCES)) {
    const names = sourceArtifacts(dataSource, artifactsDir);
    used[dataSource] = names;
    writeFileSync(
      join(outDir, `${dataSource}.json`),
      `${JSON.stringify(eventAbi(names, artifactsDir), null, 2)}\n`,
    );
  }
  return used;
}

function main() {
  const { values } = parseArgs({
    options: {
      "out-dir": { type: "string", default: join(subgraphDir, "abis") },
      artifacts: { type: "string", default: join(repoRoot, "contracts", "out") },
      "no-build": { type: "boolean", default: false },
    },
  });
  const used = writeAbis({
    outDir: resolve(values["out-dir"]),
    artifactsDir: resolve(values.artifacts),
    build: !values["no-build"],
  });
  for (const [dataSource, names] of Object.entries(used)) {
    console.log(`abis/${dataSource}.json <- ${names.join(" + ")}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (err) {
    console.error(`abis: ${err.message}`);
    process.exit(1);
  }
}
