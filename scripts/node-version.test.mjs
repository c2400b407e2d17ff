// The Node.js check every entry script runs first.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { NODE_RANGE, nodeVersionOk } from "./lib/node-version.mjs";
import { repoRoot } from "./lib/tools.mjs";

/** Runs an entry script under a Node that reports `version` (process.version patched before it loads). */
function runAs(version, script, env = {}) {
  const patch = `Object.defineProperty(process, "versions", { value: { ...process.versions, node: "${version}" } }); Object.defineProperty(process, "version", { value: "v${version}" });`;
  return spawnSync(
    process.execPath,
    ["--import", `data:text/javascript,${encodeURIComponent(patch)}`, script],
    {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      encoding: "utf8",
    },
  );
}

describe("Node.js version", () => {
  it("accepts 20.19+, 22.12+ and later majors, nothing older", () => {
    for (const v of ["20.19.0", "20.20.2", "22.12.0", "24.1.0", "v23.0.0"])
      expect(nodeVersionOk(v), v).toBe(true);
    for (const v of ["18.20.0", "20.10.0", "20.18.9", "21.7.3", "22.11.0"])
      expect(nodeVersionOk(v), v).toBe(false);
  });

  it("is the range package.json declares in engines", () => {
    expect(JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")).engines.node).toBe(NODE_RANGE);
  });

  it("stops npm run devnet and npm test first, in one line, before anything is touched", () => {
    const root = mkdtempSync(join(tmpdir(), "neural-node-check-"));
    rmSync(root, { recursive: true });
    for (const script of ["scripts/devnet.mjs", "scripts/test.mjs", "scripts/seed.mjs"]) {
      const r = runAs("20.10.0", script, { NEURAL_DEVNET_DIR: root });
      expect(r.status, script).toBe(1);
      expect(r.stdout, script).toBe("");
      expect(r.stderr.trim().split("\n"), script).toHaveLength(1);
      expect(r.stderr, script).toContain(
        `needs Node.js ${NODE_RANGE}; this is v20.10.0. Install Node.js 22 LTS`,
      );
    }
    expect(existsSync(root)).toBe(false);
  });
});
