#!/usr/bin/env node
// Runs the keeper's CLI from its TypeScript sources (tsx), with @neural/sdk resolved to its sources too.
// SIGINT / SIGTERM are passed on, so `keeper start` drains gracefully under a process manager.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const tsx = join(dirname(require.resolve("tsx/package.json")), "dist", "loader.mjs");
const child = spawn(
  process.execPath,
  [
    "--conditions=@neural/source",
    "--import",
    tsx,
    join(here, "..", "src", "cli.ts"),
    ...process.argv.slice(2),
  ],
  { stdio: "inherit" },
);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
