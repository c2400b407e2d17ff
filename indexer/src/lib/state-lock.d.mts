// Types of state-lock.mjs.
export type StateTarget = { databaseUrl?: string; schema: string; pgliteDir: string; cwd?: string };
export type LockHolder = { pid: number; url: string | null; state: string; token: string; since: string };
export declare class StateLockError extends Error {
  holder?: LockHolder;
}
export declare function stateLockPath(target: StateTarget): string;
export declare function describeState(target: StateTarget): string;
export declare function processAlive(pid: number): boolean;
export declare function readStateLock(path: string): LockHolder | null;
export declare function holderLine(holder: LockHolder): string;
export declare function acquireStateLock(path: string, info?: { url?: string; state?: string }): LockHolder;
export declare function releaseStateLock(path: string, token: string): void;
export declare function watchStateLock(
  path: string,
  token: string,
  onLost: (now: LockHolder | null) => void,
  intervalMs?: number,
): () => void;
