/**
 * Turns the keeper's chain view (plus heartbeats and its own not-yet-confirmed assignments) into the pure
 * scheduler's input. No I/O.
 */
import { parseMessageOf } from "@neural/sdk";
import type { ChainView, NodeRec, ShardRec } from "../ingest/view.js";
import { Shard, shardKey, Task } from "../ingest/view.js";
import type { SchedNode, SchedTask } from "../scheduler/types.js";

/** An assignment this keeper made in a block the view has not reached yet. */
export interface Inflight {
  block: bigint;
  nodeId: bigint;
  taskId: bigint;
}

/** A node is live when its heartbeat key exists (TTL), parses, names the node and is not draining. */
export function heartbeatLive(raw: string | null, node: NodeRec): boolean {
  if (raw === null) return false;
  try {
    const hb = parseMessageOf("heartbeat", raw);
    return BigInt(hb.nodeId) === node.nodeId && hb.status !== "draining";
  } catch {
    return false;
  }
}

/**
 * A node's heartbeat is present when its key exists (TTL), parses and names the node, whatever its status (a
 * draining node still runs its shards). A node holding shards without one is pinged (liveness).
 */
export function heartbeatPresent(raw: string | null, node: { nodeId: bigint }): boolean {
  if (raw === null) return false;
  try {
    return BigInt(parseMessageOf("heartbeat", raw).nodeId) === node.nodeId;
  } catch {
    return false;
  }
}

/** Laplace-smoothed success rate, minus a penalty per slash, in [0, 1]. */
export function reputation(n: NodeRec): number {
  const r =
    (Number(n.completed) + 1) / (Number(n.completed) + Number(n.failed) + 2) - 0.1 * Number(n.slashCount);
  return Math.max(0, Math.min(1, r));
}

export function schedulerInput(
  view: ChainView,
  live: ReadonlySet<bigint>,
  inflight: ReadonlyMap<string, Inflight>,
): { tasks: SchedTask[]; nodes: SchedNode[]; minPrice: bigint } {
  const load = new Map<
    bigint,
    { gpus: number; cpus: number; memoryMiB: number; running: number; stake: bigint }
  >();
  const add = (nodeId: bigint, taskId: bigint, stake: boolean) => {
    const t = view.tasks.get(taskId);
    if (!t) return;
    const l = load.get(nodeId) ?? { gpus: 0, cpus: 0, memoryMiB: 0, running: 0, stake: 0n };
    l.gpus += t.resources.gpus;
    l.cpus += t.resources.cpus;
    l.memoryMiB += t.resources.memoryMiB;
    l.running += 1;
    if (stake) l.stake += t.collateral;
    load.set(nodeId, l);
  };
  const pending = new Map<bigint, number[]>();
  for (const s of view.shards.values()) {
    const key = shardKey(s.taskId, s.shardIndex);
    if (s.status === Shard.Assigned) add(s.nodeId, s.taskId, false);
    else if (s.status === Shard.Pending && !inflight.has(key)) {
      const list = pending.get(s.taskId) ?? [];
      list.push(s.shardIndex);
      pending.set(s.taskId, list);
    }
  }
  // the view has not seen our latest assignments yet: their resources and collateral are taken already
  for (const f of inflight.values()) add(f.nodeId, f.taskId, true);

  const tasks: SchedTask[] = [];
  for (const [taskId, shards] of pending) {
    const t = view.tasks.get(taskId);
    if (!t || (t.status !== Task.Open && t.status !== Task.Running)) continue;
    tasks.push({
      taskId: Number(taskId),
      client: t.client,
      seq: t.seq,
      minTier: t.minTier,
      resources: t.resources,
      maxPrice: t.maxPrice,
      collateral: t.collateral,
      pending: shards.sort((a, b) => a - b),
    });
  }
  const nodes: SchedNode[] = [];
  for (const n of view.nodes.values()) {
    if (!n.active) continue;
    const l = load.get(n.nodeId);
    const c = n.capabilities;
    nodes.push({
      nodeId: Number(n.nodeId),
      tier: Number(n.tier),
      gpuCount: c.gpuCount,
      vramMiB: c.vramMiB,
      cpuCores: c.cpuCores,
      memoryMiB: c.memoryMiB,
      region: c.region,
      ask: n.askPrice,
      freeStake: n.stake - n.locked - (l?.stake ?? 0n),
      reputation: reputation(n),
      live: live.has(n.nodeId),
      used: { gpus: l?.gpus ?? 0, cpus: l?.cpus ?? 0, memoryMiB: l?.memoryMiB ?? 0 },
    });
  }
  // a shard pays its node's ask raised to minShardPrice (the scheduler's price objective)
  return { tasks, nodes, minPrice: view.minShardPrice ?? 0n };
}

/** What the liveness step should send this tick: pings to silent nodes, releases of pings left unanswered. */
export interface LivenessDuties {
  ping: ShardRec[];
  release: ShardRec[];
}

/**
 * Liveness duties at head time `now` (pure). For each Assigned shard in time (deadline > now) that is not one of
 * this keeper's in-flight assignments:
 * - its current epoch's ping is outstanding and `respondBy < now` → release (releaseUnresponsive decides on-chain
 *   whether the node answered in the meantime);
 * - otherwise its node has no heartbeat (`present` lacks it), its epoch is out of the ping cooldown, and a ping
 *   could still expire before the deadline (`now + livenessWindow < deadline`; later, timeoutShard applies) → ping.
 * At most `limit` of each, oldest deadlines first.
 */
export function livenessDuties(
  view: ChainView,
  present: ReadonlySet<bigint>,
  inflight: ReadonlyMap<string, Inflight>,
  now: bigint,
  limit: number,
): LivenessDuties {
  const window = view.livenessWindow;
  const ping: ShardRec[] = [];
  const release: ShardRec[] = [];
  if (window === undefined) return { ping, release };
  for (const s of view.shards.values()) {
    if (s.status !== Shard.Assigned || s.deadline <= now) continue;
    const key = shardKey(s.taskId, s.shardIndex);
    if (inflight.has(key)) continue;
    const p = view.pings.get(key);
    const current = p !== undefined && p.epoch === Number(s.epoch);
    if (current && p.respondBy !== 0n) {
      if (p.respondBy < now) release.push(s);
      continue;
    }
    if (present.has(s.nodeId)) continue;
    if (current && p.nextPingAt > now) continue;
    if (now + window >= s.deadline) continue;
    ping.push(s);
  }
  const byDeadline = (a: ShardRec, b: ShardRec) =>
    a.deadline < b.deadline ? -1 : a.deadline > b.deadline ? 1 : 0;
  return { ping: ping.sort(byDeadline).slice(0, limit), release: release.sort(byDeadline).slice(0, limit) };
}
