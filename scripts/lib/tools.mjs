// Paths to the native Foundry binaries. The npm wrappers in node_modules/.bin always exit 0,
// which would hide failing tests, so every script calls the platform binary directly.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

const platformDir = () => {
  const arch = process.arch === "arm64" ? "arm64" : "amd64";
  const os = process.platform === "darwin" ? "darwin" : "linux";
  return `${os}-${arch}`;
};

/** Absolute path of the native forge / anvil / cast binary installed by npm. */
export function foundryBin(tool) {
  const bin = join(repoRoot, "node_modules", "@foundry-rs", `${tool}-${platformDir()}`, "bin", tool);
  if (!existsSync(bin)) {
    throw new Error(`${tool} binary not found at ${bin}. Run \`npm install\` at the repository root first.`);
  }
  return bin;
}
