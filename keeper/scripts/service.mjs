// The keeper as a service of the common devnet shape (`start(config) -> { ready, stop }`), runnable from plain
// Node: it starts `keeper start` (src/cli.ts through tsx, @neural/sdk from its sources) as a child process with
// the KEEPER_* environment built from `config`, and is ready when the keeper's /health answers.
//
//   import { keeper } from "@neural/keeper/service";
//   const running = keeper.start({ rpcUrl, privateKey, deploymentFile, redisUrl, port, logFile });
//   await running.ready; running.url; await running.stop();
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

export const keeper = {
  name: "keeper",
  /**
   * @param {object} config
   * @param {string} config.rpcUrl
   * @param {string} config.privateKey an account holding KEEPER_ROLE
   * @param {string} config.deploymentFile
   * @param {string} config.redisUrl
   * @param {number} config.port the status API's port
   * @param {string} [config.host="127.0.0.1"]
   * @param {number} [config.confirmations=0] 0 on an automining devnet (blocks only come with transactions)
   * @param {string} [config.ipfsDir] enables the IPFS endpoints
   * @param {string} [config.logFile] the keeper's JSON logs are appended here
   * @param {Record<string,string>} [config.env] more KEEPER_* variables
   * @returns {{ ready: Promise<void>, stop: () => Promise<void>, url: string, exited: Promise<number|null> }}
   */
  start(config) {
    const host = config.host ?? "127.0.0.1";
    const url = `http://${host}:${config.port}`;
    const tsx = join(dirname(require.resolve("tsx/package.json")), "dist", "loader.mjs");
    const child = spawn(
      process.execPath,
      ["--conditions=@neural/source", "--import", tsx, join(here, "..", "src", "cli.ts"), "start"],
      {
        env: {
          ...process.env,
          KEEPER_RPC_URL: config.rpcUrl,
          KEEPER_PRIVATE_KEY: config.privateKey,
          KEEPER_DEPLOYMENT: config.deploymentFile,
          KEEPER_REDIS_URL: config.redisUrl,
          KEEPER_API_HOST: host,
          KEEPER_API_PORT: String(config.port),
          KEEPER_CONFIRMATIONS: String(config.confirmations ?? 0),
          ...(config.ipfsDir ? { KEEPER_IPFS_DIR: config.ipfsDir } : {}),
          ...config.env,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    if (config.logFile) {
      const out = createWriteStream(config.logFile, { flags: "a" });
      child.stdout.pipe(out, { end: false });
      child.stderr.pipe(out, { end: false });
    } else {
      child.stdout.resume();
      child.stderr.resume();
    }
    let exitCode;
    const exited = new Promise((resolve) => {
      child.on("exit", (code) => {
        exitCode = code;
        resolve(code);
      });
      child.on("error", () => resolve(127));
    });
    const ready = (async () => {
      const deadline = Date.now() + 120_000;
      for (;;) {
        if (exitCode !== undefined)
          throw new Error(`the keeper exited (code ${exitCode}) before its API answered`);
        try {
          const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
          if (res.ok) return;
        } catch {}
        if (Date.now() > deadline) throw new Error(`the keeper's API did not answer on ${url}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    return {
      ready,
      url,
      exited,
      async stop() {
        if (exitCode !== undefined) return;
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 35_000);
        await exited;
        clearTimeout(timer);
      },
    };
  },
};
