/**
 * Opt-in censorship resistance (NEURAL_WORKER_CLAIM_PENDING): a shard that has sat Pending for the TaskManager's
 * claimDelayBlocks can be taken by any eligible node with claimShard, so a keeper that ignores this node cannot
 * starve it. The claimer follows TaskPosted events incrementally, asks NodeRegistry.eligibility for each open task
 * (active, tier, resources, ask ≤ maxPricePerShard, free stake ≥ collateral) and claims the first Pending shard
 * whose delay is over. The claimed shard's job goes on this node's own stream, in the keeper's format, so it is run,
 * journaled and recovered after a crash like any job (a keeper that also sends it is harmless: a second job of the
 * same epoch finds the shard already done by this node).
 */

import { bytes32ToCid, encodeMessage, Ineligibility, ShardStatus, TaskStatus } from "@neural/sdk";
import type { Actor, NeuralChain } from "../chain/index.js";
import type { Logger } from "../log.js";
import type { WorkerQueue } from "../queue/redis.js";
import { BlockCursor } from "./cursor.js";

export interface ClaimDeps {
  chain: NeuralChain;
  actor: Actor;
  nodeId: bigint;
  queue: WorkerQueue;
  log: Logger;
  /** Shard reads per poll at most, over all tasks (default 256). */
  readBudget?: number;
}

export type ClaimResult =
  | { kind: "claimed"; taskId: bigint; shardIndex: bigint; epoch: number; price: bigint; entryId: string }
  | { kind: "none" };

const ZERO = `0x${"0".repeat(64)}`;

export class PendingClaimer {
  private readonly blocks = new BlockCursor();
  private delay: bigint | undefined;
  /** Open or running tasks, with the shard index the next scan starts at. */
  private readonly tasks = new Map<bigint, { cursor: bigint }>();

  constructor(private readonly deps: ClaimDeps) {}

  /** One scan: claims at most one shard and puts its job on this node's stream. */
  async poll(): Promise<ClaimResult> {
    const { chain, nodeId, log } = this.deps;
    const head = await chain.publicClient.getBlockNumber({ cacheTime: 0 });
    this.delay ??= await chain.taskManagerParameter("claimDelayBlocks");
    await this.blocks.scan(head, async (from, to) => {
      for (const taskId of await chain.tasksPosted(from, to))
        if (!this.tasks.has(taskId)) this.tasks.set(taskId, { cursor: 0n });
    });
    let budget = this.deps.readBudget ?? 256;
    for (const [taskId, state] of this.tasks) {
      if (budget <= 0) break;
      const task = await chain.getTask(taskId);
      budget--;
      if (task.status !== TaskStatus.Open && task.status !== TaskStatus.Running) {
        this.tasks.delete(taskId);
        continue;
      }
      const reason = await chain.eligibility(nodeId, taskId);
      if (reason !== Ineligibility.None) continue;
      const count = BigInt(task.shardCount);
      for (let seen = 0n; seen < count && budget > 0; seen++, budget--) {
        const shardIndex = state.cursor;
        state.cursor = (state.cursor + 1n) % count;
        const shard = await chain.getShard(taskId, shardIndex);
        if (shard.status !== ShardStatus.Pending) continue;
        if (BigInt(shard.pendingSince) + this.delay > head) continue;
        try {
          return await this.claim(taskId, shardIndex, task.specCid);
        } catch (error) {
          // another node or a keeper was faster, or the node changed (stake, ask): look again next poll
          log.info(
            { task: String(taskId), shard: String(shardIndex), err: (error as Error).message },
            "claim refused",
          );
          return { kind: "none" };
        }
      }
    }
    return { kind: "none" };
  }

  private async claim(taskId: bigint, shardIndex: bigint, specCid: `0x${string}`): Promise<ClaimResult> {
    const { chain, actor, nodeId, queue, log } = this.deps;
    const claimed = await chain.claimShard(actor, { taskId, shardIndex, nodeId });
    const shard = await chain.getShard(taskId, shardIndex);
    const message = encodeMessage({
      version: 2,
      type: "job",
      sentAt: new Date().toISOString(),
      taskId: Number(taskId),
      shardIndex: Number(shardIndex),
      nodeId: Number(nodeId),
      attempt: Number(shard.attempts) + 1,
      epoch: claimed.epoch,
      specCid: bytes32ToCid(specCid, "spec").toString(),
      deadline: Number(claimed.deadline),
      resumeFrom: Number(shard.resumeFrom),
      ...(shard.resumeFrom > 0 && shard.resumeManifestCid !== ZERO
        ? { resumeManifestCid: bytes32ToCid(shard.resumeManifestCid, "manifest").toString() }
        : {}),
    });
    const entryId = await queue.enqueueOwnJob(message);
    log.info(
      {
        task: String(taskId),
        shard: String(shardIndex),
        epoch: claimed.epoch,
        price: String(claimed.price),
        tx: claimed.hash,
      },
      "claimed a pending shard no keeper assigned",
    );
    return { kind: "claimed", taskId, shardIndex, epoch: claimed.epoch, price: claimed.price, entryId };
  }
}
