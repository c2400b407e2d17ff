/**
 * The keeper's view of the chain at its cursor (a confirmed block): live tasks, their non-terminal shards and
 * the registered nodes. Held in memory and rebuilt from the chain alone (events from the deployment's start
 * block, then views read at the cursor), so nothing is lost when Redis is wiped or the keeper restarts.
 */
import { AuditStatus, ShardStatus, TaskStatus } from "@neural/sdk";
import type { Address, Hex } from "viem";
import type { KeeperChain, KeeperLog, NodeView, ShardView } from "../chain/chain.js";

/** ShardStatus / TaskStatus values, from the SDK's mirror of contracts/src/types/Types.sol. */
export const Shard = ShardStatus;
export const Task = TaskStatus;
export const AUDIT_ASSIGNED = AuditStatus.Assigned;

export interface TaskRec {
  taskId: bigint;
  client: Address;
  specCid: Hex;
  shardCount: number;
  /** TaskPosted.maxPricePerShard: the most a shard pays (it pays its node's ask, locked at assignment). */
  maxPrice: bigint;
  minTier: number;
  resources: { gpus: number; vramMiB: number; cpus: number; memoryMiB: number };
  maxDuration: bigint;
  collateral: bigint;
  status: number;
  /** Posting order: block * 2^20 + log index. */
  seq: number;
  postedBlock: bigint;
}

export type ShardRec = ShardView & { taskId: bigint; shardIndex: number };
/** A ShardAssigned the view ingested: the keeper's own batch, another keeper's, or a node's claimShard. */
export type AssignedEvent = Extract<KeeperLog, { eventName: "ShardAssigned" }>["args"] & {
  block: bigint;
  tx: Hex;
};

/** What one `apply` saw, besides the refreshed view. */
export interface ApplyResult {
  /** Shards touched by an event (re-read at the chunk's last block). */
  dirty: Set<string>;
  /** Every ShardAssigned of the chunk, in chain order. */
  assigned: AssignedEvent[];
  /** Tasks the client cancelled (TaskCancelled): their Pending shards left the view. */
  cancelled: bigint[];
  /** ShardReleased with `late` set: released after the grace period, a failed attempt of the node. */
  lateReleases: number;
  /** PingAnswered events: nodes that proved they are alive. */
  pingsAnswered: number;
}
/** TaskManager.shardPing of a shard: the latest ping, void unless `epoch` is the shard's current epoch. */
export interface PingRec {
  epoch: number;
  /** 0n: none outstanding (answered). */
  respondBy: bigint;
  nextPingAt: bigint;
}
export type NodeRec = NodeView & { nodeId: bigint };

export const shardKey = (taskId: bigint, shardIndex: number | bigint): string => `${taskId}:${shardIndex}`;

export class ChainView {
  tasks = new Map<bigint, TaskRec>();
  shards = new Map<string, ShardRec>();
  nodes = new Map<bigint, NodeRec>();
  /** Disputes whose committee was drawn and not yet resolved: their members get committee duties. */
  duties = new Map<bigint, number>();
  /**
   * TaskManager's "minShardPrice" at the cursor: a shard pays its node's ask raised to this (the scheduler's
   * price). Read on the first apply and again after every TaskManager ParameterSet.
   */
  minShardPrice: bigint | undefined;
  /** TaskManager's "livenessWindow" at the cursor (seconds a pinged node has to answer); read with minShardPrice. */
  livenessWindow: bigint | undefined;
  /** Liveness pings of shards in flight (ShardPinged / PingAnswered re-read shardPing at the chunk's last block). */
  pings = new Map<string, PingRec>();
  cursor: { block: bigint; hash: Hex } | undefined;

  clear(): void {
    this.tasks.clear();
    this.shards.clear();
    this.nodes.clear();
    this.duties.clear();
    this.minShardPrice = undefined;
    this.livenessWindow = undefined;
    this.pings.clear();
    this.cursor = undefined;
  }

  /**
   * Applies the logs of blocks (cursor, to] and refreshes, from views read at block `to`, every shard, task
   * and node they touched.
   *
   * A shard is Assigned in the view whoever assigned it: this keeper's batch, another keeper's, or a node's
   * `claimShard` (its ShardAssigned re-reads the shard like any other). `TaskCancelled` cancels every shard of
   * the task that is Pending at that moment without a per-shard event: they leave the view at once; shards in
   * flight stay (they run on, and are finalized or timed out) and the task is forgotten when none is left.
   */
  async apply(chain: KeeperChain, logs: readonly KeeperLog[], to: bigint): Promise<ApplyResult> {
    const dirtyShards = new Set<string>();
    const dirtyTasks = new Set<bigint>();
    const dirtyNodes = new Set<bigint>();
    const assigned: AssignedEvent[] = [];
    const cancelled: bigint[] = [];
    let lateReleases = 0;
    let pingsAnswered = 0;
    const dirtyPings = new Set<string>();
    let allNodes = false;
    let parameters = this.minShardPrice === undefined;
    for (const log of logs) {
      const args = log.args as Record<string, unknown>;
      if (log.eventName === "TaskPosted") {
        const a = log.args;
        const r = a.resources;
        this.tasks.set(a.taskId, {
          taskId: a.taskId,
          client: a.client,
          specCid: a.specCid,
          shardCount: Number(a.shardCount),
          maxPrice: a.maxPricePerShard,
          minTier: Number(a.minTier),
          resources: { gpus: r.gpus, vramMiB: r.vramMiB, cpus: r.cpus, memoryMiB: r.memoryMiB },
          maxDuration: a.maxDuration,
          collateral: a.collateralPerShard,
          status: Task.Open,
          seq: Number(log.blockNumber) * 2 ** 20 + log.logIndex,
          postedBlock: log.blockNumber,
        });
        for (let i = 0; i < a.shardCount; i++)
          this.shards.set(shardKey(a.taskId, i), pendingShard(a.taskId, i));
        continue;
      }
      if (log.eventName === "CommitteeDrawn") {
        this.duties.set(log.args.disputeId, Number(log.args.round));
        continue;
      }
      if (log.eventName === "DisputeResolved") {
        this.duties.delete(log.args.disputeId);
        continue;
      }
      if (log.address.toLowerCase() === chain.disputeManager.toLowerCase()) continue;
      if (log.address.toLowerCase() === chain.registry.toLowerCase()) {
        if (typeof args.nodeId === "bigint") dirtyNodes.add(args.nodeId);
        else if (log.eventName === "TierThresholdSet") allNodes = true;
        continue;
      }
      if (log.eventName === "ParameterSet") {
        if (log.address.toLowerCase() === chain.taskManager.toLowerCase()) parameters = true;
        continue;
      }
      if (log.eventName === "TaskCancelled") {
        // every shard Pending now is Cancelled (no ShardCancelled each); a shard whose ShardAssigned is earlier
        // in this chunk is still Pending in the view here, but it is dirty and comes back from its re-read
        const t = this.tasks.get(log.args.taskId);
        if (t) {
          for (let i = 0; i < t.shardCount; i++) {
            const key = shardKey(t.taskId, i);
            if (this.shards.get(key)?.status === Shard.Pending) this.shards.delete(key);
          }
          t.status = Task.Cancelled;
        }
        cancelled.push(log.args.taskId);
        dirtyTasks.add(log.args.taskId);
        continue;
      }
      if (log.eventName === "ShardAssigned") {
        assigned.push({ ...log.args, block: log.blockNumber, tx: log.transactionHash });
      } else if (log.eventName === "ShardReleased" && log.args.late) {
        lateReleases++;
      } else if (log.eventName === "ShardPinged" || log.eventName === "PingAnswered") {
        if (log.eventName === "PingAnswered") pingsAnswered++;
        dirtyPings.add(shardKey(log.args.taskId, log.args.shardIndex));
      }
      if (log.eventName === "TaskStatusChanged") {
        const t = this.tasks.get(log.args.taskId);
        if (t) t.status = Number(log.args.newStatus);
        dirtyTasks.add(log.args.taskId);
        continue;
      }
      if (typeof args.taskId === "bigint" && typeof args.shardIndex === "bigint") {
        dirtyShards.add(shardKey(args.taskId, args.shardIndex));
      }
    }
    // node registrations: read every node up to nodeCount when asked (first build) or touched
    if (allNodes) for (const id of this.nodes.keys()) dirtyNodes.add(id);
    await Promise.all([
      ...(parameters
        ? [
            (async () => {
              this.minShardPrice = await chain.taskManagerParameter("minShardPrice", to);
            })(),
            (async () => {
              this.livenessWindow = await chain.taskManagerParameter("livenessWindow", to);
            })(),
          ]
        : []),
      ...[...dirtyShards].map(async (key) => {
        const [t, i] = key.split(":") as [string, string];
        const taskId = BigInt(t);
        const s = await chain.getShard(taskId, BigInt(i), to);
        this.shards.set(key, { ...s, taskId, shardIndex: Number(i) });
      }),
      ...[...dirtyPings].map(async (key) => {
        const [t, i] = key.split(":") as [string, string];
        const [epoch, respondBy, nextPingAt] = await chain.shardPing(BigInt(t), BigInt(i), to);
        this.pings.set(key, { epoch: Number(epoch), respondBy, nextPingAt });
      }),
      ...[...dirtyTasks].map(async (taskId) => {
        const t = this.tasks.get(taskId);
        if (!t) return;
        t.status = Number((await chain.getTask(taskId, to)).status);
      }),
      ...[...dirtyNodes].map(async (nodeId) => {
        const n = await chain.getNode(nodeId, to);
        this.nodes.set(nodeId, { ...n, nodeId });
      }),
    ]);
    // forget what can no longer change
    for (const key of dirtyShards) {
      const s = this.shards.get(key);
      if (s && s.status >= Shard.Finalized) this.shards.delete(key);
      // a ping concerns one assignment: once the shard is no longer Assigned in that epoch it is void
      const p = this.pings.get(key);
      if (p && (s?.status !== Shard.Assigned || Number(s.epoch) !== p.epoch)) this.pings.delete(key);
    }
    for (const [taskId, t] of this.tasks) {
      if (t.status === Task.Completed || t.status === Task.Failed) {
        // closed: every shard is terminal
        this.tasks.delete(taskId);
        for (let i = 0; i < t.shardCount; i++) this.shards.delete(shardKey(taskId, i));
      } else if (t.status === Task.Cancelled) {
        // cancelled: its Pending shards are Cancelled (the effective status getShard reports); shards in flight
        // run on, and the task goes once none is left
        let left = 0;
        for (let i = 0; i < t.shardCount; i++) {
          const key = shardKey(taskId, i);
          const s = this.shards.get(key);
          if (!s) continue;
          if (s.status === Shard.Pending) this.shards.delete(key);
          else left++;
        }
        if (left === 0) this.tasks.delete(taskId);
      }
    }
    return { dirty: dirtyShards, assigned, cancelled, lateReleases, pingsAnswered };
  }
}

function pendingShard(taskId: bigint, shardIndex: number): ShardRec {
  const zero = `0x${"0".repeat(64)}` as Hex;
  return {
    taskId,
    shardIndex,
    status: Shard.Pending,
    auditStatus: 0,
    attempts: 0,
    epoch: 0,
    openDisputes: 0,
    challengeCommitted: false,
    nodeId: 0n,
    auditorNodeId: 0n,
    deadline: 0n,
    submittedBlock: 0n,
    checkpointCount: 0,
    resumeFrom: 0,
    price: 0n,
    pendingSince: 0n,
    manifestCid: zero,
    checkpointRoot: zero,
    resumeManifestCid: zero,
    disputeId: 0n,
  };
}
