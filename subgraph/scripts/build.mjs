#!/usr/bin/env node
// Builds the subgraph for a deployed network, and optionally deploys it to a graph-node:
//   1. abis/*.json from the forge artifacts (scripts/abis.mjs);
//   2. networks.json from deployments/<chainId>.json (scripts/networks.mjs);
//   3. graph codegen, then graph build --network <name> (with --ipfs: also uploads the build);
//   4. with --node: graph create (once) and graph deploy --ipfs-hash of that upload.
// graph-cli writes the network's addresses into subgraph.yaml itself; this script puts the checked-in
// manifest back afterwards, so only build/subgraph.yaml carries deployed addresses.
//
//   node scripts/build.mjs [--deployment FILE | --chain-id N] [--network neural-devnet] [--artifacts DIR]
//                          [--ipfs http://localhost:5001 [--node http://localhost:8020 [--name neural/subgraph]]]
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { writeAbis } from "./abis.mjs";
import { DEFAULT_CHAIN_ID, DEFAULT_NETWORK, deploymentPath, writeNetworks } from "./networks.mjs";

const subgraphDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** `rel` in the closest node_modules above `from` (the workspace's packages are hoisted to the root). */
export function findInNodeModules(rel, from = subgraphDir) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", rel);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`node_modules/${rel} not found above ${from}`);
  }
}

function graph(args, { capture = false } = {}) {
  const bin = findInNodeModules(join("@graphprotocol", "graph-cli", "bin", "run.js"));
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: subgraphDir,
    encoding: "utf8",
    stdio: capture ? ["ignore", "pipe", "pipe"] : "inherit",
  });
  if (capture) process.stdout.write(`${r.stdout ?? ""}${r.stderr ?? ""}`);
  return { code: r.status ?? 1, out: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

function must({ code }, what) {
  if (code !== 0) throw new Error(`${what} failed (exit ${code})`);
}

function main() {
  const { values } = parseArgs({
    options: {
      deployment: { type: "string" },
      "chain-id": { type: "string" },
      network: { type: "string", default: DEFAULT_NETWORK },
      artifacts: { type: "string", default: join(subgraphDir, "..", "contracts", "out") },
      ipfs: { type: "string" },
      node: { type: "string" },
      name: { type: "string", default: "neural/subgraph" },
      "version-label": { type: "string" },
    },
  });
  if (values.node && !values.ipfs)
    throw new Error("--node needs --ipfs (the build is deployed by its IPFS hash)");
  const chainId = Number(values["chain-id"] ?? process.env.NEURAL_CHAIN_ID ?? DEFAULT_CHAIN_ID);
  const deploymentFile = values.deployment ? resolve(values.deployment) : deploymentPath(chainId);

  writeAbis({ outDir: join(subgraphDir, "abis"), artifactsDir: resolve(values.artifacts) });
  writeNetworks({ deploymentFile, network: values.network, outFile: join(subgraphDir, "networks.json") });
  must(graph(["codegen"]), "graph codegen");

  const manifestFile = join(subgraphDir, "subgraph.yaml");
  const manifest = readFileSync(manifestFile, "utf8");
  let build;
  try {
    const args = ["build", "--network", values.network];
    if (values.ipfs) args.push("--ipfs", values.ipfs);
    build = graph(args, { capture: Boolean(values.ipfs) });
  } finally {
    writeFileSync(manifestFile, manifest);
  }
  must(build, "graph build");
  console.log(`built build/subgraph.yaml for ${values.network} from ${deploymentFile}`);
  if (!values.node) return;

  const hash = /Build completed: (\w+)/.exec(build.out)?.[1];
  if (!hash) throw new Error("graph build --ipfs printed no IPFS hash");
  const created = graph(["create", "--node", values.node, values.name], { capture: true });
  if (created.code !== 0 && !/already exists/i.test(created.out)) must(created, "graph create");
  const deploy = ["deploy", "--node", values.node, "--ipfs", values.ipfs, "--ipfs-hash", hash];
  deploy.push("--version-label", values["version-label"] ?? `v${Date.now()}`, values.name);
  must(graph(deploy), "graph deploy");
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (err) {
    console.error(`build: ${err.message}`);
    process.exit(1);
  }
}
