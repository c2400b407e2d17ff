#!/usr/bin/env node
// Starts the Neural indexer (`ponder start`) as a child process and waits until it has indexed the chain.
//
// As a library (used by `npm run devnet`, the tests and the benchmarks):
//   import { startIndexer } from "./indexer/scripts/start.mjs";
//   const indexer = await startIndexer({ rpcUrl, deployment: "deployments/31337.json", port: 42069 });
//   ... indexer.url ... ; await indexer.stop();
//
// As a command (configuration from the environment, see indexer/README.md):
//   node indexer/scripts/start.mjs [--port 42069] [--schema neural]
//
// The devnet and other services start the indexer through its service entry (scripts/service.mjs,
// `@neural/indexer/service`), which wraps startIndexer in the common `start(config) -> { ready, stop }` shape.
//
// Nothing is touched while another indexer runs on the same state or port: the port is probed and the state's
// lock (src/lib/state-lock.mjs) checked before `fresh` deletes anything, and Ponder itself takes the lock
// before it opens the database.
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { holderLine, readStateLock, stateLockPath } from "../src/lib/state-lock.mjs";

/** A port that was free a moment ago. */
export function freePort(host = "127.0.0.1") {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, host, () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

/** Resolves when `port` can be bound on `host`, rejects with a one-line message when it is in use. */
export function assertPortFree(port, host = "127.0.0.1", what = "the indexer") {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once("error", (err) =>
      fail(
        new Error(
          err.code === "EADDRINUSE"
            ? `port ${port} on ${host} is in use (another indexer or devnet?): pick another port for ${what}`
            : `cannot bind ${host}:${port}: ${err.message}`,
        ),
      ),
    );
    server.listen(port, host, () => server.close(() => ok()));
  });
}

export const indexerDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = resolve(indexerDir, "..");

/** Path of Ponder's CLI entry (workspace-local or hoisted install). */
export function ponderBin() {
  for (const base of [indexerDir, repoRoot]) {
    const bin = join(base, "node_modules", "ponder", "dist", "esm", "bin", "ponder.js");
    if (existsSync(bin)) return bin;
  }
  throw new Error("ponder is not installed: run `npm install` at the repository root");
}

/**
 * The indexer imports the contracts' ABIs from @neural/sdk, whose src/generated/abis.ts is generated from
 * the forge artifacts (`npm run generate -w @neural/sdk`). Generates it when missing.
 */
export async function ensureSdkAbis({ logFile } = {}) {
  if (existsSync(join(repoRoot, "sdk", "src", "generated", "abis.ts"))) return;
  await new Promise((ok, fail) => {
    const out = logFile ? createWriteStream(logFile, { flags: "a" }) : null;
    const child = spawn("npm", ["run", "generate", "-w", "@neural/sdk"], {
      cwd: repoRoot,
      stdio: out ? ["ignore", "pipe", "pipe"] : "inherit",
    });
    child.stdout?.pipe(out, { end: false });
    child.stderr?.pipe(out, { end: false });
    child.on("error", fail);
    child.on("close", (code) => {
      out?.end();
      code === 0
        ? ok()
        : fail(
            new Error(
              `npm run generate -w @neural/sdk exited with ${code}${logFile ? ` (output in ${logFile})` : ""}`,
            ),
          );
    });
  });
}

/**
 * Forgets everything indexed before: for a chain that was started anew (anvil), whose block numbers and
 * chain id repeat with other contents. PGlite: removes the data directory. PostgreSQL: drops the app's
 * schema and deletes this chain's rows from Ponder's RPC cache `ponder_sync` (shared by every app in the
 * database; other chains' rows are left alone, so concurrent indexers of other chain ids are safe).
 */
export async function resetIndexerData({ databaseUrl, schema = "neural", pgliteDir, chainId = 31337 }) {
  if (databaseUrl) {
    const { default: pg } = await import("pg");
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS "${schema.replaceAll('"', '""')}" CASCADE`);
      const { rows } = await client.query(
        `SELECT table_name FROM information_schema.columns
         WHERE table_schema = 'ponder_sync' AND column_name = 'chain_id'`,
      );
      for (const { table_name } of rows) {
        await client.query(`DELETE FROM ponder_sync."${table_name}" WHERE chain_id = $1`, [chainId]);
      }
    } finally {
      await client.end();
    }
  } else if (pgliteDir) {
    rmSync(resolve(indexerDir, pgliteDir), { recursive: true, force: true });
  }
}

/**
 * Starts `ponder start` and resolves once `/ready` answers 200 (historical indexing complete).
 * Refuses (rejects with one line, touching nothing) when the port is in use or another indexer holds the state.
 * @param {object} [options]
 * @param {string} [options.rpcUrl] JSON-RPC URL (NEURAL_RPC_URL)
 * @param {string} [options.deployment] deployment file (NEURAL_DEPLOYMENT); default deployments/<chainId>.json
 * @param {number} [options.chainId] NEURAL_CHAIN_ID (default 31337)
 * @param {number} [options.port] HTTP port; default a free one
 * @param {string} [options.hostname] default 127.0.0.1
 * @param {string} [options.schema] database schema (`ponder start --schema`), default "neural"
 * @param {string} [options.databaseUrl] PostgreSQL URL; default: PGlite
 * @param {string} [options.pgliteDir] PGlite directory (NEURAL_PGLITE_DIR)
 * @param {number} [options.pollingIntervalMs] NEURAL_POLLING_INTERVAL_MS
 * @param {Record<string,string>} [options.env] extra environment
 * @param {"inherit"|"pipe"|"ignore"} [options.stdio] child output: inherit, or keep the tail in memory (pipe)
 * @param {string} [options.logFile] also append the child's output (and the ABI generation's) to this file
 * @param {boolean} [options.fresh] forget previously indexed data first (see resetIndexerData): for a new anvil
 * @param {(line: string) => void} [options.onLine] called with each output line (stdio "pipe")
 * @param {string} [options.root] Ponder project directory (default indexer/; the benchmark's floor uses another)
 * @param {string[]} [options.nodeArgs] extra arguments to node before Ponder's CLI (e.g. --cpu-prof)
 * @param {number} [options.readyTimeoutMs] give up waiting for /ready after this long (default 10 min)
 * @param {AbortSignal} [options.signal] aborting it during startup stops Ponder and rejects
 * @returns {Promise<{url: string, port: number, schema: string, pid: number, logs: () => string,
 *   exited: Promise<number|null>, stop: () => Promise<void>}>}
 */
export async function startIndexer(options = {}) {
  const { signal } = options;
  signal?.throwIfAborted();
  const hostname = options.hostname ?? "127.0.0.1";
  const schema = options.schema ?? "neural";
  // Probe first: Ponder would silently move to the next port, and our /ready poll would then ask the
  // indexer that already runs on this one.
  const port = options.port ?? (await freePort(hostname));
  if (options.port) await assertPortFree(port, hostname);
  await ensureSdkAbis({ logFile: options.logFile });
  const env = { ...process.env, PONDER_TELEMETRY_DISABLED: "true", ...options.env };
  const set = (name, value) => {
    if (value !== undefined && value !== null) env[name] = String(value);
  };
  set("NEURAL_RPC_URL", options.rpcUrl);
  set("NEURAL_DEPLOYMENT", options.deployment && resolve(options.deployment));
  set("NEURAL_CHAIN_ID", options.chainId);
  set("NEURAL_PGLITE_DIR", options.pgliteDir && resolve(options.pgliteDir));
  set("NEURAL_POLLING_INTERVAL_MS", options.pollingIntervalMs);
  if (options.databaseUrl !== undefined) {
    if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
    else delete env.DATABASE_URL;
  }
  const root = options.root ?? indexerDir;
  const target = {
    databaseUrl: env.DATABASE_URL,
    schema,
    pgliteDir: env.NEURAL_PGLITE_DIR ?? ".ponder/pglite",
    cwd: root,
  };
  const holder = readStateLock(stateLockPath(target));
  if (holder) throw new Error(`${holderLine(holder)}: stop it first, or give this indexer its own state`);

  if (options.fresh) {
    await resetIndexerData({
      databaseUrl: env.DATABASE_URL,
      schema,
      pgliteDir: target.pgliteDir,
      chainId: Number(env.NEURAL_CHAIN_ID ?? 31337),
    });
  }

  const stdio = options.stdio ?? "pipe";
  const logOut = options.logFile ? createWriteStream(options.logFile, { flags: "a" }) : null;
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      ponderBin(),
      "start",
      "--schema",
      schema,
      "--port",
      String(port),
      "--hostname",
      hostname,
      "--log-format",
      "pretty",
    ],
    { cwd: root, env, stdio: ["ignore", logOut ? "pipe" : stdio, logOut ? "pipe" : stdio] },
  );
  let tail = "";
  let partial = "";
  let movedPort = false;
  const keep = (chunk) => {
    logOut?.write(chunk);
    if (stdio === "inherit") process.stdout.write(chunk);
    tail = (tail + chunk).slice(-64_000);
    const lines = (partial + chunk).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      if (/Port in use/.test(line)) movedPort = true;
      options.onLine?.(line);
    }
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise((ok) => child.on("exit", (code) => ok(code)));
  let running = true;
  exited.then(() => {
    running = false;
    logOut?.end();
  });

  const url = `http://${hostname === "0.0.0.0" ? "127.0.0.1" : hostname}:${port}`;
  const stop = async () => {
    if (!running) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  };
  const onAbort = () => void stop();
  signal?.addEventListener("abort", onAbort, { once: true });

  try {
    const timeoutMs = options.readyTimeoutMs ?? 600_000;
    const deadline = Date.now() + timeoutMs;
    while (true) {
      if (signal?.aborted) throw new Error("indexer start aborted");
      if (!running) {
        const code = await exited;
        const refused = tail.match(/\[indexer\] refusing to start: [^\n]*/);
        throw new Error(
          refused ? refused[0] : `ponder exited with code ${code} before it was ready:\n${tail.slice(-8000)}`,
        );
      }
      if (movedPort) throw new Error(`port ${port} was taken while Ponder started: pick another port`);
      try {
        const res = await fetch(`${url}/ready`);
        if (res.status === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline)
        throw new Error(`ponder was not ready within ${timeoutMs} ms:\n${tail.slice(-8000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    await stop();
    throw err;
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
  return { url, port, schema, pid: child.pid, logs: () => tail, exited, stop };
}

// CLI
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const flag = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const abort = new AbortController();
  let indexer;
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, () => {
      abort.abort();
      (indexer?.stop() ?? Promise.resolve()).then(() => process.exit(0));
    });
  }
  try {
    indexer = await startIndexer({
      port: Number(flag("--port") ?? process.env.PORT ?? 42069),
      hostname: flag("--hostname") ?? "0.0.0.0",
      schema: flag("--schema") ?? process.env.NEURAL_DB_SCHEMA ?? "neural",
      stdio: "inherit",
      signal: abort.signal,
    });
  } catch (err) {
    if (abort.signal.aborted) process.exit(0);
    console.error(`[indexer] ${err.message}`);
    process.exit(1);
  }
  console.log(`indexer ready: ${indexer.url}/graphql`);
  process.exitCode = (await indexer.exited) ?? 0;
}
