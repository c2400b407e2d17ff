#!/usr/bin/env node
// `npm test`: every test of the project, then one plain closing line "N passed, N failed".
// Steps: lints (forge fmt, solhint, biome), forge build + tests (unit, fuzz, invariant, integration)
// with gas snapshots checked, then the TypeScript suites (Vitest, one project per workspace).
// Each step's own exit status decides; counts are read from the runners' summaries.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireNode } from "./lib/node-version.mjs";
import { foundryBin, repoRoot } from "./lib/tools.mjs";

requireNode("npm test"); // first, before any tool runs

const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];

function run(label, cmd, args, { env = {}, capture = false } = {}) {
  return new Promise((resolve) => {
    process.stdout.write(`\n=== ${label} ===\n`);
    const child = spawn(cmd, args, {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: capture ? ["ignore", "pipe", "pipe"] : "inherit",
    });
    let out = "";
    if (capture) {
      child.stdout.on("data", (d) => {
        out += d;
        process.stdout.write(d);
      });
      child.stderr.on("data", (d) => {
        out += d;
        process.stderr.write(d);
      });
    }
    child.on("error", (err) => resolve({ code: 127, out: String(err) }));
    child.on("close", (code) => resolve({ code: code ?? 1, out }));
  });
}

function step(label, ok) {
  if (!ok) failures.push(label);
}

const forge = foundryBin("forge");

// 1. Lints
step(
  "forge fmt --check",
  (await run("forge fmt --check", forge, ["fmt", "--check", "contracts"])).code === 0,
);
step(
  "solhint",
  (await run("solhint", "npx", ["--no-install", "solhint", "--max-warnings", "0", "contracts/src/**/*.sol"]))
    .code === 0,
);
step("biome", (await run("biome check", "npx", ["--no-install", "biome", "check", "."])).code === 0);

// 2. Solidity: build (sizes under the 24 KiB limit) and every forge test, gas snapshots checked.
const build = await run("forge build --sizes", forge, [
  "build",
  "--sizes",
  "--skip",
  "test",
  "--skip",
  "script",
]);
step("forge build (contract sizes)", build.code === 0);
const forgeTest = await run("forge test", forge, ["test"], {
  capture: true,
  env: { FOUNDRY_PROFILE: process.env.FOUNDRY_PROFILE ?? "default" },
});
const forgeSummary = [...forgeTest.out.matchAll(/(\d+) tests passed, (\d+) failed, (\d+) skipped/g)].pop();
if (forgeSummary) {
  totals.passed += Number(forgeSummary[1]);
  totals.failed += Number(forgeSummary[2]);
  totals.skipped += Number(forgeSummary[3]);
}
step("forge test", forgeTest.code === 0 && forgeSummary !== undefined);
// The committed gas snapshot of the gas benchmarks: any change in gas is a diff someone must commit.
// Regenerate with: forge snapshot --match-path 'contracts/test/unit/*Gas.t.sol' --snap contracts/.gas-snapshot
const snapshot = await run("forge snapshot --check", forge, [
  "snapshot",
  "--check",
  "contracts/.gas-snapshot",
  "--match-path",
  "contracts/test/unit/*Gas.t.sol",
]);
step("gas snapshot (contracts/.gas-snapshot)", snapshot.code === 0);

// 3. TypeScript suites: one Vitest run over every workspace project, with the services they use
//    (PostgreSQL for the indexer) installed and started first.
const services = await run("ensure services", "bash", ["scripts/ensure-services.sh"]);
step("ensure services (scripts/ensure-services.sh)", services.code === 0);
if (services.code === 0 && existsSync(join(repoRoot, "vitest.config.ts"))) {
  const dir = mkdtempSync(join(tmpdir(), "neural-vitest-"));
  const report = join(dir, "report.json");
  const vitest = await run("vitest", "npx", [
    "--no-install",
    "vitest",
    "run",
    "--reporter=default",
    `--reporter=json`,
    `--outputFile.json=${report}`,
  ]);
  if (existsSync(report)) {
    const r = JSON.parse(readFileSync(report, "utf8"));
    totals.passed += r.numPassedTests;
    totals.failed += r.numFailedTests;
    totals.skipped += r.numPendingTests + r.numTodoTests;
  }
  rmSync(dir, { recursive: true, force: true });
  step("vitest", vitest.code === 0);
}

console.log("");
if (failures.length) console.log(`Failed steps: ${failures.join(", ")}`);
console.log(
  `${totals.passed} passed, ${totals.failed + (failures.length && !totals.failed ? failures.length : 0)} failed, ${totals.skipped} skipped`,
);
process.exit(failures.length ? 1 : 0);
