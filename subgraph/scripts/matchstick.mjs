#!/usr/bin/env node
// Runs the matchstick mapping tests (tests/*.test.ts) when a matchstick binary is available, else says so.
// `graph test` downloads its binary from GitHub, which this project's machines cannot reach; so this runner
// takes the binary from $MATCHSTICK_BIN, or from graph-cli's download cache where `graph test` left one.
// Before running it writes the ABIs and runs `graph codegen` (the tests import the generated types).
//
//   node scripts/matchstick.mjs            exit 0 when the tests pass or no binary exists (printed clearly)
//   MATCHSTICK_BIN=/path/to/binary-linux-22 node scripts/matchstick.mjs
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const subgraphDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = resolve(subgraphDir, "..");
const graphCli = join(repoRoot, "node_modules", "@graphprotocol", "graph-cli");

/** The mapping test files matchstick would run. */
export function mappingTestFiles(dir = join(subgraphDir, "tests")) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".test.ts"))
    .sort();
}

const executable = (file) => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * Path of a matchstick binary: $MATCHSTICK_BIN (an error when it is set but not executable), else one
 * `graph test` downloaded into graph-cli's cache (dist/commands/node_modules/.bin/matchstick-*), else null.
 */
export function findMatchstick(env = process.env) {
  if (env.MATCHSTICK_BIN) {
    if (!executable(env.MATCHSTICK_BIN)) {
      throw new Error(`MATCHSTICK_BIN=${env.MATCHSTICK_BIN} is not an executable file`);
    }
    return resolve(env.MATCHSTICK_BIN);
  }
  const cache = join(graphCli, "dist", "commands", "node_modules", ".bin");
  if (!existsSync(cache)) return null;
  const found = readdirSync(cache).find((f) => f.startsWith("matchstick-") && executable(join(cache, f)));
  return found ? join(cache, found) : null;
}

export function notAvailableMessage(count = mappingTestFiles().length) {
  return (
    `matchstick not available: ${count} mapping test files NOT run ` +
    "(set MATCHSTICK_BIN to a matchstick binary to run them; `graph test` would download one from GitHub)"
  );
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: subgraphDir, stdio: "inherit" });
  if (r.status !== 0) throw new Error(`${[cmd, ...args].join(" ")} exited with ${r.status ?? r.signal}`);
}

/** Generates what the tests import, then runs the binary in the subgraph directory; returns its exit code. */
export function runMatchstick(binary) {
  run(process.execPath, [join(subgraphDir, "scripts", "abis.mjs")]);
  run(process.execPath, [join(graphCli, "bin", "run.js"), "codegen"]);
  const r = spawnSync(binary, [], { cwd: subgraphDir, stdio: "inherit" });
  return r.status ?? 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const binary = findMatchstick();
    if (!binary) {
      console.log(notAvailableMessage());
      process.exit(0);
    }
    console.log(`running ${mappingTestFiles().length} mapping test files with ${binary}`);
    process.exit(runMatchstick(binary));
  } catch (err) {
    console.error(`matchstick: ${err.message}`);
    process.exit(1);
  }
}
