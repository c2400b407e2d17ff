/**
 * Artifact retention. Every artifact of a submitted shard (manifest, checkpoints, final weights, logs) stays pinned
 * on this node while it can still matter: during the challenge window, while a dispute is open, and while the shard
 * may be re-run from them (a lost dispute re-queues the shard to resume from the last good checkpoint of this
 * manifest). Once the shard is terminal (Finalized, Failed or Cancelled) with no dispute open, or its task is closed,
 * nothing on-chain can ask for them any more: the sweeper unpins them, garbage-collects the store and records it in
 * the attempt's journal (so it happens once). Keeping published weights available afterwards is the client's or the
 * model owner's job (pin them elsewhere, or archive them: ModelRegistry.recordArchive).
 */
import { resultManifest, ShardStatus, TaskStatus } from "@neural/sdk";
import type { StorageNode } from "@neural/sdk/node";
import type { NeuralChain } from "../chain/index.js";
import type { Logger } from "../log.js";
import type { JournalStore } from "../shard/journal.js";

/** Whether a submitted attempt's artifacts may be released, from the chain's view of its shard and task. */
export function mayUnpin(shard: { status: number; openDisputes: number }, task: { status: number }): boolean {
  if (task.status === TaskStatus.Completed || task.status === TaskStatus.Failed) return true;
  const terminal =
    shard.status === ShardStatus.Finalized ||
    shard.status === ShardStatus.Failed ||
    shard.status === ShardStatus.Cancelled;
  return terminal && shard.openDisputes === 0;
}

export interface RetentionDeps {
  chain: Pick<NeuralChain, "getShard" | "getTask">;
  storage: Pick<StorageNode, "getRaw" | "unpin" | "gc">;
  journals: JournalStore;
  log: Logger;
}

/** One sweep over the attempt journals; returns the attempts whose artifacts were released. */
export async function sweepRetention(deps: RetentionDeps): Promise<string[]> {
  const released: string[] = [];
  for (const name of await deps.journals.list()) {
    const journal = await deps.journals.read(name);
    if (!journal?.stored || journal.done?.kind !== "submitted" || journal.unpinnedAt) continue;
    const [shard, task] = await Promise.all([
      deps.chain.getShard(BigInt(journal.taskId), BigInt(journal.shardIndex)),
      deps.chain.getTask(BigInt(journal.taskId)),
    ]);
    if (!mayUnpin(shard, task)) continue;
    const manifestCid = journal.stored.manifestCid;
    // The manifest is pinned here, so it reads from the local store; it names every other artifact.
    const manifest = resultManifest.parse(await deps.storage.getRaw(manifestCid, { timeoutMs: 5_000 }));
    const cids = new Set([
      ...manifest.checkpoints.map((c) => c.cid),
      manifest.finalWeights.cid,
      manifest.logsCid,
      manifestCid,
    ]);
    for (const cid of cids) await deps.storage.unpin(cid);
    journal.unpinnedAt = new Date().toISOString();
    await deps.journals.write(name, journal);
    deps.log.info(
      { task: journal.taskId, shard: journal.shardIndex, epoch: journal.epoch, artifacts: cids.size },
      `released the artifacts of a ${shard.statusName ?? "closed"} shard`,
    );
    released.push(name);
  }
  if (released.length > 0) await deps.storage.gc();
  return released;
}
