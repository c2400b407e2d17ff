// The build as a devnet step of the service shape: `forge build`, the SDK's ABIs and its JavaScript build
// (`npm run build -w @neural/sdk`), so the chain, the indexer and the SDK (also from plain Node) agree with the
// contracts.
// Its output (forge's lint notes and size warnings included) goes to the log file only.
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { repoRoot } from "../lib/tools.mjs";

export const build = {
  name: "build",
  /** @param {{ logFile: string, signal?: AbortSignal }} config */
  start(config) {
    let child;
    const ready = new Promise((ok, fail) => {
      const out = createWriteStream(config.logFile, { flags: "a" });
      child = spawn("npm", ["run", "build", "-w", "@neural/sdk"], {
        cwd: repoRoot,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
      });
      child.stdout.pipe(out, { end: false });
      child.stderr.pipe(out, { end: false });
      child.on("error", fail);
      child.on("close", (code, signal) =>
        out.end(() =>
          code === 0
            ? ok()
            : fail(
                new Error(
                  `npm run build -w @neural/sdk failed (${signal ?? `exit ${code}`}): see ${config.logFile}`,
                ),
              ),
        ),
      );
    });
    return {
      ready,
      async stop() {
        if (child && child.exitCode === null) child.kill("SIGTERM");
        await ready.catch(() => {});
      },
    };
  },
};
