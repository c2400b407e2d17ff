#!/usr/bin/env node
// `npm run bench`: the gas benchmark on anvil, the deep invariant campaigns, then every workspace's own `bench`
// script.
// Each writes its section of docs/benchmarks.md.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./lib/tools.mjs";

const run = (cmd, args) => spawnSync(cmd, args, { cwd: repoRoot, stdio: "inherit" }).status === 0;
const failed = [];
if (!run(process.execPath, ["scripts/bench/gas.mjs"])) failed.push("gas");
if (!run(process.execPath, ["scripts/bench/invariants.mjs"])) failed.push("invariants");
const { workspaces = [] } = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8"));
for (const ws of workspaces) {
  const pkg = JSON.parse(readFileSync(join(repoRoot, ws, "package.json"), "utf8"));
  if (pkg.scripts?.bench && !run("npm", ["run", "bench", "-w", pkg.name])) failed.push(pkg.name);
}
if (failed.length) {
  console.error(`benchmarks failed: ${failed.join(", ")}`);
  process.exit(1);
}
