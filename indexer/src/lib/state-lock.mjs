// One indexer per database state. Ponder locks a PostgreSQL schema itself (a heartbeat row), but not a
// PGlite directory: two processes on one directory each keep their own copy in memory and overwrite each
// other's files, and the second one "recovers" the first one's data. So every indexer holds a lock file for
// its state (the PGlite directory, or the PostgreSQL database + schema), taken inside the Ponder process
// (ponder.config.ts) before the database is opened, released when the process exits, and watched while it
// runs: an indexer whose lock is gone or taken over stops (exit 75), so it no longer answers /ready.
//
// Plain JavaScript so the launcher (scripts/start.mjs) and the Ponder config share it.
import { createHash, randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, resolve } from "node:path";

export class StateLockError extends Error {
  name = "StateLockError";
  constructor(message, holder) {
    super(message);
    this.holder = holder;
  }
}

/** The lock file of an indexer's state: `<pglite dir>.lock`, or one per PostgreSQL database + schema. */
export function stateLockPath({ databaseUrl, schema, pgliteDir, cwd = process.cwd() }) {
  if (databaseUrl) {
    const u = new URL(databaseUrl);
    const key = `${u.hostname}:${u.port || 5432}${u.pathname}#${schema}`;
    const hash = createHash("sha256").update(key).digest("hex").slice(0, 16);
    return resolve(tmpdir(), `neural-indexer-${hash}.lock`);
  }
  return `${resolve(cwd, pgliteDir)}.lock`;
}

/** Words for the state behind a lock: "PGlite <dir>" or "PostgreSQL schema <s> on <host>/<db>". */
export function describeState({ databaseUrl, schema, pgliteDir, cwd = process.cwd() }) {
  if (databaseUrl) {
    const u = new URL(databaseUrl);
    return `PostgreSQL schema "${schema}" on ${u.hostname}:${u.port || 5432}${u.pathname}`;
  }
  return `PGlite ${resolve(cwd, pgliteDir)}`;
}

export function processAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === "EPERM";
  }
}

function readLock(path) {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return null;
  }
}

/** The live holder of a lock ({pid, url, state, token, since}), or null when free or stale. */
export function readStateLock(path) {
  const holder = readLock(path);
  return holder && processAlive(holder.pid) ? holder : null;
}

export function holderLine(holder) {
  return `an indexer (pid ${holder.pid}${holder.url ? `, ${holder.url}` : ""}) is using ${holder.state}`;
}

/**
 * Takes the lock for this process; throws StateLockError naming the holder when a live process holds it.
 * A lock left by a dead process is taken over. Taking it again in the same process returns the same token.
 */
export function acquireStateLock(path, { url, state } = {}) {
  mkdirSync(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    const token = randomUUID();
    const info = {
      pid: process.pid,
      url: url ?? null,
      state: state ?? path,
      token,
      since: new Date().toISOString(),
    };
    try {
      writeFileSync(path, `${JSON.stringify(info)}\n`, { flag: "wx" });
      return info;
    } catch (err) {
      if (err.code !== "EEXIST") throw err;
    }
    const holder = readLock(path);
    if (holder?.pid === process.pid) return holder;
    if (holder && processAlive(holder.pid)) {
      throw new StateLockError(`${holderLine(holder)} (lock ${path})`, holder);
    }
    try {
      unlinkSync(path); // stale: its process is gone
    } catch {
      // someone else removed it first
    }
  }
  throw new StateLockError(`could not take the lock ${path}`);
}

/** Removes the lock if it is still this token's. */
export function releaseStateLock(path, token) {
  if (readLock(path)?.token === token) {
    try {
      unlinkSync(path);
    } catch {
      // gone already
    }
  }
}

/** Calls onLost once when the lock file no longer holds `token` (removed, or taken by another process). */
export function watchStateLock(path, token, onLost, intervalMs = 1000) {
  const timer = setInterval(() => {
    const now = readLock(path);
    if (now?.token !== token) {
      clearInterval(timer);
      onLost(now);
    }
  }, intervalMs);
  timer.unref?.();
  return () => clearInterval(timer);
}
