// Hardhat prints the stack trace of its own usage errors (HH305 "Unrecognized param --shard", HH303 unknown
// task) whenever it thinks it runs on CI, which includes any Linux without a display. A usage error is the
// user's typo, not a bug: print its one line (hardhat already did) and a hint instead of the stack.
import { HardhatError, HardhatPluginError } from "hardhat/internal/core/errors";

export function quietUsageErrors(): void {
  if (process.argv.includes("--show-stack-traces") || process.argv.includes("--verbose")) return;
  const original = console.error.bind(console);
  console.error = (...args: unknown[]) => {
    const [error] = args;
    if (
      args.length === 1 &&
      (HardhatError.isHardhatError(error) || HardhatPluginError.isHardhatPluginError(error))
    ) {
      const task = process.argv.slice(2).find((a) => !a.startsWith("-"));
      original(
        `${task ? `Its options: npx hardhat help ${task}. ` : ""}The stack trace: add --show-stack-traces.`,
      );
      return;
    }
    original(...args);
  };
}
