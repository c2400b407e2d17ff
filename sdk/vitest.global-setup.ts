/**
 * Regenerates src/generated/abis.ts before the tests: forge build of the contracts (native binary, cached)
 * then wagmi generate, so tests always run against the current contracts.
 */
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export default function setup(): void {
  const sdk = dirname(fileURLToPath(import.meta.url));
  const root = join(sdk, "..");
  const require = createRequire(import.meta.url);
  const forge = join(dirname(require.resolve("@foundry-rs/forge-linux-amd64/package.json")), "bin", "forge");
  // Only contracts/src matters for the ABIs: test helpers under contracts/test never block the SDK.
  execFileSync(forge, ["build", "--skip", "test", "--skip", "script", "--skip", "contracts/test/**"], {
    cwd: root,
    stdio: "inherit",
  });
  const wagmi = join(dirname(require.resolve("@wagmi/cli/package.json")), "dist", "esm", "cli.js");
  execFileSync(process.execPath, [wagmi, "generate"], { cwd: sdk, stdio: "inherit" });
}
