// Holds the lock on this indexer's state (state-lock.mjs) for the life of the Ponder process. Called from
// ponder.config.ts, which Ponder evaluates before it opens the database.
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Env } from "./config.js";
import {
  acquireStateLock,
  describeState,
  releaseStateLock,
  StateLockError,
  stateLockPath,
  watchStateLock,
} from "./state-lock.mjs";

const indexerRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** A value of Ponder's CLI (`--port 42069` or `--port=42069`), from this process's arguments. */
function cliValue(names: string[]): string | undefined {
  const args = process.argv;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? "";
    for (const n of names) {
      if (a === n) return args[i + 1];
      if (a.startsWith(`${n}=`)) return a.slice(n.length + 1);
    }
  }
  return undefined;
}

type Held = { path: string; token: string };
const g = globalThis as { __neuralStateLock?: Held };

/**
 * Takes the lock or stops the process with one line naming the indexer that holds it. Idempotent within a
 * process (`ponder dev` evaluates the config again on every change).
 */
export function holdStateLock(env: Env): void {
  if (g.__neuralStateLock) return;
  const schema = cliValue(["--schema"]) ?? process.env.DATABASE_SCHEMA ?? "public";
  const target = {
    databaseUrl: env.DATABASE_URL,
    schema,
    pgliteDir: env.NEURAL_PGLITE_DIR,
    cwd: indexerRoot,
  };
  const path = stateLockPath(target);
  const state = describeState(target);
  const port = cliValue(["--port", "-p"]) ?? process.env.PORT ?? "42069";
  const host = cliValue(["--hostname", "-H"]) ?? "127.0.0.1";
  const url = `http://${host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host}:${port}`;
  let held: Held;
  try {
    const info = acquireStateLock(path, { url, state });
    held = { path, token: info.token };
  } catch (error) {
    if (error instanceof StateLockError) {
      console.error(
        `[indexer] refusing to start: ${error.message}. Stop it first, or give this one its own state (NEURAL_PGLITE_DIR or --schema).`,
      );
      process.exit(75);
    }
    throw error;
  }
  g.__neuralStateLock = held;
  process.on("exit", () => releaseStateLock(held.path, held.token));
  watchStateLock(held.path, held.token, (now) => {
    console.error(
      `[indexer] lost the lock on ${state}: ${now ? `pid ${now.pid} took it over` : `${held.path} was removed`}. ` +
        "Stopping, so this indexer no longer reports ready on data it does not own.",
    );
    // No graceful shutdown: Ponder's would unlock the schema that another indexer may now hold.
    process.exit(75);
  });
}
