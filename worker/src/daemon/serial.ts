/**
 * One transaction at a time from the worker key. With several shards running at once (NEURAL_MAX_SHARDS > 1), two
 * attempts could otherwise sign with the same pending nonce and one would replace or lose the other. Every chain
 * write of the daemon goes through `serializeWrites(chain)`, which queues the listed methods behind one lock.
 * A result submission holds the lock only until it is broadcast (its `journal.broadcast` callback): the next
 * transaction then reads a pending nonce that already counts it, and a slow block never delays, say, a ping's
 * answer by more than one broadcast.
 */
import type { NeuralChain } from "../chain/index.js";

/** The NeuralChain methods that send a transaction from an actor's key. */
export const WRITE_METHODS = [
  "submitResultOnce",
  "releaseShard",
  "challenge",
  "recordAudit",
  "commitVote",
  "revealVote",
  "claimShard",
  "answerPing",
] as const satisfies readonly (keyof NeuralChain)[];

/** A FIFO lock: `acquire()` resolves with the function that releases it (idempotent). */
export class Lock {
  private tail: Promise<void> = Promise.resolve();

  acquire(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      let done = false;
      release = () => {
        if (!done) {
          done = true;
          resolve();
        }
      };
    });
    const ready = this.tail.then(() => release);
    this.tail = this.tail.then(() => held);
    return ready;
  }
}

type Journal = { broadcast?: () => Promise<void> } & Record<string, unknown>;

/** `chain` with its write methods serialized behind one lock (reads untouched). */
export function serializeWrites<T extends object>(chain: T, lock = new Lock()): T {
  const writes = new Set<PropertyKey>(WRITE_METHODS);
  return new Proxy(chain, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== "function" || !writes.has(key)) {
        return typeof value === "function" ? value.bind(target) : value;
      }
      return async (...args: unknown[]) => {
        const release = await lock.acquire();
        try {
          if (key === "submitResultOnce" && args[2] && typeof args[2] === "object") {
            const journal = args[2] as Journal;
            const broadcast = journal.broadcast;
            args[2] = {
              ...journal,
              broadcast: async () => {
                release();
                await broadcast?.();
              },
            };
          }
          return await value.apply(target, args);
        } finally {
          release();
        }
      };
    },
  });
}
