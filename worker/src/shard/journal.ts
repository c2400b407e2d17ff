/**
 * What a shard attempt has done so far, on disk, written atomically after every step that matters (a checkpoint
 * reported, artifacts stored, the submission signed). After a crash the daemon reads it back with the chain's
 * state and continues from there: resumes training from the last checkpoint, re-uses stored artifacts, and
 * re-broadcasts the signed submission instead of signing another.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Hex } from "viem";
import { type SignedTx, versionOf } from "../chain/send.js";

export interface JournalCheckpoint {
  index: number;
  step: number;
  /** File name inside the attempt's checkpoints folder. */
  file: string;
}

export interface ShardJournal {
  taskId: number;
  shardIndex: number;
  epoch: number;
  startedAt: string;
  /** Checkpoints the container reported, in order (resumed ones included). */
  checkpoints: JournalCheckpoint[];
  /** Set once the artifacts are on IPFS. */
  stored?: {
    manifestCid: string;
    checkpoints: Array<{ step: number; hash: Hex }>;
  };
  /**
   * The signed submitResult transaction: one nonce, and every version of it (replacements with higher fees), each
   * recorded before it is broadcast. At most one of them can be mined.
   */
  submission?: SignedTx;
  /** Journals written before fee bumping held the one signed version here; `read` turns it into `submission`. */
  signed?: { raw: Hex; hash: Hex };
  /** Final: submitted (receipt seen) or released. */
  done?: { kind: "submitted" | "released"; tx?: Hex; reason?: string };
  /** When the artifacts were unpinned, the shard being over on-chain (daemon/retention.ts). */
  unpinnedAt?: string;
}

export function attemptName(taskId: number, shardIndex: number, epoch: number): string {
  return `${taskId}-${shardIndex}-e${epoch}`;
}

export class JournalStore {
  constructor(private readonly dir: string) {}

  private path(name: string): string {
    return join(this.dir, `${name}.json`);
  }

  async read(name: string): Promise<ShardJournal | undefined> {
    try {
      return migrate(JSON.parse(await readFile(this.path(name), "utf8")) as ShardJournal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  async write(name: string, journal: ShardJournal): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tmp = `${this.path(name)}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(journal, null, 2));
    await rename(tmp, this.path(name));
  }

  async list(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5));
    } catch {
      return [];
    }
  }

  async remove(name: string): Promise<void> {
    await rm(this.path(name), { force: true });
  }
}

/** A journal of an older worker as this one writes it: a single signed version becomes a one-version submission. */
export function migrate(journal: ShardJournal): ShardJournal {
  const { signed, ...rest } = journal;
  if (signed === undefined) return journal;
  if (rest.submission !== undefined) return rest;
  const { nonce, ...version } = versionOf(signed.raw);
  return { ...rest, submission: { nonce, versions: [{ ...version, hash: signed.hash }] } };
}
