/**
 * The naive baseline the benchmark compares against: tasks oldest first, each shard on the first node (by id)
 * that is eligible and has room. Same hard constraints and caps as `schedule`, no price or fairness reasoning.
 */
import {
  type Placement,
  type SchedNode,
  type SchedTask,
  type ScheduleOptions,
  type ScheduleResult,
  shardPrice,
} from "./types.js";

export function firstFit(
  tasks: readonly SchedTask[],
  nodes: readonly SchedNode[],
  options: ScheduleOptions,
): ScheduleResult {
  const live = nodes.filter((n) => n.live).sort((a, b) => a.nodeId - b.nodeId);
  const free = live.map((n) => ({
    g: n.gpuCount - n.used.gpus,
    c: n.cpuCores - n.used.cpus,
    m: n.memoryMiB - n.used.memoryMiB,
    s: n.freeStake,
    k: n.maxShards === undefined ? Number.POSITIVE_INFINITY : n.maxShards - (n.running ?? 0),
  }));
  const perClient = new Map<string, number>();
  const placements: Placement[] = [];
  let totalPrice = 0n;
  let pendingTotal = 0;
  const ordered = [...tasks].sort((a, b) => a.seq - b.seq || a.taskId - b.taskId);
  for (const t of ordered) {
    pendingTotal += t.pending.length;
    const r = t.resources;
    const client = t.client.toLowerCase();
    for (const shardIndex of t.pending) {
      if (placements.length >= options.maxAssignments) break;
      if ((perClient.get(client) ?? 0) >= options.perClientCap) break;
      for (let i = 0; i < live.length; i++) {
        const n = live[i] as SchedNode;
        const f = free[i] as (typeof free)[number];
        if (
          n.ask <= t.maxPrice &&
          n.tier >= t.minTier &&
          n.gpuCount >= r.gpus &&
          n.vramMiB >= r.vramMiB &&
          f.g >= r.gpus &&
          f.c >= r.cpus &&
          f.m >= r.memoryMiB &&
          f.s >= t.collateral &&
          f.k > 0
        ) {
          f.g -= r.gpus;
          f.c -= r.cpus;
          f.m -= r.memoryMiB;
          f.s -= t.collateral;
          f.k -= 1;
          const price = shardPrice(n.ask, t.maxPrice, options.minPrice);
          placements.push({ taskId: t.taskId, shardIndex, nodeId: n.nodeId, price });
          totalPrice += price;
          perClient.set(client, (perClient.get(client) ?? 0) + 1);
          break;
        }
      }
    }
  }
  return {
    placements,
    totalPrice,
    unplaced: pendingTotal - placements.length,
    stats: { augmentations: 0, improvements: 0, augmentSteps: 0, rounds: 1 },
  };
}
