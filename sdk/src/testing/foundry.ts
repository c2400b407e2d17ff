/**
 * Native Foundry binaries (the npm `.bin` wrappers exit 0 even on failure, so never use them), located
 * through the `@foundry-rs/<tool>-linux-amd64` packages installed at the repo root.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Abi, Hex } from "viem";
import { ConfigError, NotFoundError } from "../errors/errors.js";

const require = createRequire(import.meta.url);

export type FoundryTool = "forge" | "anvil" | "cast";

/** Path of a native Foundry binary; `NEURAL_<TOOL>_BIN` overrides it. */
export function foundryBinary(tool: FoundryTool): string {
  const override = process.env[`NEURAL_${tool.toUpperCase()}_BIN`];
  if (override) return override;
  const platform = `${process.platform === "darwin" ? "darwin" : "linux"}-${process.arch === "arm64" ? "arm64" : "amd64"}`;
  try {
    const pkg = require.resolve(`@foundry-rs/${tool}-${platform}/package.json`);
    const bin = join(dirname(pkg), "bin", tool);
    if (existsSync(bin)) return bin;
  } catch {
    // fall through
  }
  throw new ConfigError(
    `native ${tool} binary not found: install @foundry-rs/${tool} or set NEURAL_${tool.toUpperCase()}_BIN`,
  );
}

/** The repository root (the folder holding foundry.toml), searched upwards from this file. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "foundry.toml"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new ConfigError("foundry.toml not found above the SDK");
    dir = parent;
  }
}

/**
 * Runs `forge build` in the repository root with the native binary (only `paths` when given, e.g. one
 * test-only contract); rejects with forge's output on failure.
 */
export function forgeBuild(paths: readonly string[] = [], root = repoRoot()): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      foundryBinary("forge"),
      ["build", ...paths],
      { cwd: root, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new ConfigError(`forge build failed:\n${stdout}\n${stderr}`, { cause: error }));
        else resolvePromise();
      },
    );
  });
}

export interface ForgeArtifact {
  abi: Abi;
  bytecode: Hex;
}

/** Reads `contracts/out/<Name>.sol/<Name>.json` (or `<file>.sol/<Name>.json`). */
export async function readForgeArtifact(
  name: string,
  file = `${name}.sol`,
  root = repoRoot(),
): Promise<ForgeArtifact> {
  const path = resolve(root, "contracts", "out", file, `${name}.json`);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new NotFoundError(`forge artifact ${path} not found: run forge build`, { cause });
  }
  const json = JSON.parse(text) as { abi: Abi; bytecode: { object: Hex } };
  return { abi: json.abi, bytecode: json.bytecode.object };
}
