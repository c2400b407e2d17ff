#!/usr/bin/env node
// Deep invariant campaigns: the same invariant suites `npm test` runs with a fixed seed and 32 runs x 64 calls,
// here with many more runs and a deeper call sequence (default 1000 runs x 200 calls, a fresh random seed), so
// the adversarial handlers get far more chances to break a property. Records runs, calls, time and the result
// of each suite in the `invariant` section of docs/benchmarks.md.
//
//   node scripts/bench/invariants.mjs [--runs 1000] [--depth 200] [--seed 0x...] [--match Protocol] [--no-write]
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { writeBenchSection } from "../lib/bench-report.mjs";
import { foundryBin, repoRoot } from "../lib/tools.mjs";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "1000" },
    depth: { type: "string", default: "200" },
    seed: { type: "string" },
    match: { type: "string", default: "" },
    "no-write": { type: "boolean", default: false },
  },
});
const runs = Number(values.runs);
const depth = Number(values.depth);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(depth) || depth < 1) {
  console.error("--runs and --depth take whole numbers of at least 1");
  process.exit(2);
}
const seed = values.seed ?? `0x${randomBytes(8).toString("hex")}`;

const SUITES = [
  {
    contract: "ProtocolInvariantTest",
    what: "whole protocol, honest and adversarial actors (E1-E6, P1-P24)",
  },
  { contract: "DisputeManagerInvariantTest", what: "disputes: bonds, payouts, commitments" },
  { contract: "TaskManagerInvariantTest", what: "escrow, shard states, disputes hold payment" },
  { contract: "NodeRegistryInvariantTest", what: "stake books, collateral, stake tree" },
].filter((s) => s.contract.includes(values.match));

const rows = [];
let failed = false;
for (const suite of SUITES) {
  const started = process.hrtime.bigint();
  const res = spawnSync(
    foundryBin("forge"),
    ["test", "--match-contract", `^${suite.contract}$`, "--match-test", "^invariant_", "--fuzz-seed", seed],
    {
      cwd: repoRoot,
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
      env: { ...process.env, FOUNDRY_INVARIANT_RUNS: String(runs), FOUNDRY_INVARIANT_DEPTH: String(depth) },
    },
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const out = `${res.stdout}\n${res.stderr}`;
  const summary = [...out.matchAll(/(\d+) tests passed, (\d+) failed/g)].pop();
  const passed = summary ? Number(summary[1]) : 0;
  const fails = summary ? Number(summary[2]) : 1;
  const ok = res.status === 0 && fails === 0 && passed > 0;
  if (!ok) {
    failed = true;
    process.stderr.write(out.split("\n").slice(-60).join("\n"));
  }
  const calls = [...out.matchAll(/runs: (\d+), calls: (\d+), reverts: (\d+)/g)];
  const totalCalls = calls.reduce((sum, m) => sum + Number(m[2]), 0);
  rows.push(
    `| ${suite.contract} | ${suite.what} | ${passed + fails} | ${runs} × ${depth} | ${totalCalls.toLocaleString("en-US")} | ${seconds.toFixed(0)} s | ${ok ? "pass" : "**FAIL**"} |`,
  );
  console.log(rows.at(-1));
}

const body = [
  `Deep campaigns of every invariant suite, fuzz seed \`${seed}\`, ${runs} runs × ${depth} calls each (CI runs`,
  "the same suites with a fixed seed at 32 × 64). Calls are handler calls counted by forge.",
  "",
  "| suite | properties | invariants | runs × depth | calls | time | result |",
  "|---|---|---|---|---|---|---|",
  ...rows,
].join("\n");
if (!values["no-write"]) console.log(`wrote ${writeBenchSection("invariant", body)}`);
process.exit(failed ? 1 : 0);
