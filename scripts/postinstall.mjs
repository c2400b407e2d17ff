#!/usr/bin/env node
// Runs after `npm install`: builds @neural/sdk (the contracts' ABIs, then tsc into sdk/dist), so that plain Node
// code can `import "@neural/sdk"` right away. TypeScript tools of the workspace (Vitest, Ponder, the hardhat tasks)
// read the SDK's sources directly and do not need it. A failure is reported in one line and does not fail the
// install: `npm run build -w @neural/sdk` retries it and shows the whole output.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(fileURLToPath(import.meta.url), "..", "..");
if (process.env.NEURAL_SKIP_SDK_BUILD === "1") process.exit(0);
// A partial install (no forge yet) has nothing to build with.
if (!existsSync(join(root, "node_modules", "@foundry-rs", "forge-linux-amd64", "bin", "forge")))
  process.exit(0);
const res = spawnSync("npm", ["run", "build", "-w", "@neural/sdk"], { cwd: root, encoding: "utf8" });
if (res.status === 0) {
  console.log('@neural/sdk built (sdk/dist): `import "@neural/sdk"` works from plain Node');
} else {
  const last = `${res.stdout ?? ""}\n${res.stderr ?? ""}`.trim().split("\n").slice(-3).join(" | ");
  console.warn(
    `warning: could not build @neural/sdk (${last}); run \`npm run build -w @neural/sdk\` to see why`,
  );
}
