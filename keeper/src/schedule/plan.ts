/**
 * Turns the keeper's chain view (plus heartbeats and its own not-yet-confirmed assignments) into the pure
 * scheduler's input. No I/O.
 */
import { parseMessageOf } from "@neural/sdk";
import type { ChainView, NodeRec } from "../ingest/view.js";
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
