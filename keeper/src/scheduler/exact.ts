/**
 * Exact optimum for single-resource instances, by min-cost maximum flow (successive shortest paths with
 * Bellman-Ford / SPFA): source → client (cap perClientCap) → task (cap pending) → node (eligible, cost: the
 * price locked, `shardPrice`) → sink (cap = shards the node can still take). Maximum flow = most shards
 * placeable; its minimum cost = the least total price among those placements. Used by the benchmark and the tests as ground truth; exact only
 * when every task has the same shape (then a node's capacity is a number of slots), which it checks.
 * Complexity O(F · V · E) with F the flow (shards placed): fine for a few hundred shards.
 */
import { type SchedNode, type SchedTask, type ScheduleOptions, shardPrice } from "./types.js";

export interface ExactResult {
  placed: number;
  totalPrice: bigint;
}

interface Edge {
  to: number;
  cap: number;
  cost: number;
  rev: number;
}

const PRICE_UNIT = 10n ** 9n;

export function exactOptimum(
  tasks: readonly SchedTask[],
  nodes: readonly SchedNode[],
  options: ScheduleOptions,
): ExactResult {
  const first = tasks[0];
  if (!first) return { placed: 0, totalPrice: 0n };
  const shape = first.resources;
  for (const t of tasks) {
    const r = t.resources;
    if (
      r.gpus !== shape.gpus ||
      r.cpus !== shape.cpus ||
      r.memoryMiB !== shape.memoryMiB ||
      t.collateral !== first.collateral
    ) {
      throw new RangeError(
        `exactOptimum needs tasks of one shape; task ${t.taskId} differs from task ${first.taskId}`,
      );
    }
  }
  const clients = [...new Set(tasks.map((t) => t.client.toLowerCase()))];
  const live = nodes.filter((n) => n.live);
  // vertices: 0 super source, 1 source, clients, tasks, nodes, sink
  const SRC0 = 0;
  const SRC = 1;
  const c0 = 2;
  const t0 = c0 + clients.length;
  const n0 = t0 + tasks.length;
  const SINK = n0 + live.length;
  const V = SINK + 1;
  const g: Edge[][] = Array.from({ length: V }, () => []);
  const add = (u: number, v: number, cap: number, cost: number) => {
    g[u]?.push({ to: v, cap, cost, rev: (g[v] as Edge[]).length });
    g[v]?.push({ to: u, cap: 0, cost: -cost, rev: (g[u] as Edge[]).length - 1 });
  };
  add(SRC0, SRC, options.maxAssignments, 0);
  for (let i = 0; i < clients.length; i++) add(SRC, c0 + i, options.perClientCap, 0);
  const cost = (ask: bigint): number => {
    if (ask % PRICE_UNIT !== 0n) throw new RangeError(`exactOptimum needs asks in whole gwei, got ${ask}`);
    return Number(ask / PRICE_UNIT);
  };
  tasks.forEach((t, ti) => {
    add(c0 + clients.indexOf(t.client.toLowerCase()), t0 + ti, t.pending.length, 0);
    const r = t.resources;
    live.forEach((n, ni) => {
      if (
        n.ask <= t.maxPrice &&
        n.tier >= t.minTier &&
        n.gpuCount >= r.gpus &&
        n.vramMiB >= r.vramMiB &&
        n.cpuCores >= r.cpus &&
        n.memoryMiB >= r.memoryMiB
      ) {
        add(t0 + ti, n0 + ni, t.pending.length, cost(shardPrice(n.ask, t.maxPrice, options.minPrice)));
      }
    });
  });
  live.forEach((n, ni) => {
    const slots = Math.min(
      shape.gpus > 0 ? Math.floor((n.gpuCount - n.used.gpus) / shape.gpus) : Number.MAX_SAFE_INTEGER,
      shape.cpus > 0 ? Math.floor((n.cpuCores - n.used.cpus) / shape.cpus) : Number.MAX_SAFE_INTEGER,
      shape.memoryMiB > 0
        ? Math.floor((n.memoryMiB - n.used.memoryMiB) / shape.memoryMiB)
        : Number.MAX_SAFE_INTEGER,
      first.collateral > 0n ? Number(n.freeStake / first.collateral) : Number.MAX_SAFE_INTEGER,
      n.maxShards === undefined ? Number.MAX_SAFE_INTEGER : n.maxShards - (n.running ?? 0),
    );
    if (slots > 0) add(n0 + ni, SINK, Math.min(slots, options.maxAssignments), 0);
  });

  let flow = 0;
  let total = 0;
  const dist = new Float64Array(V);
  const inQ = new Uint8Array(V);
  const prevV = new Int32Array(V);
  const prevE = new Int32Array(V);
  for (;;) {
    dist.fill(Number.POSITIVE_INFINITY);
    dist[SRC0] = 0;
    const queue = [SRC0];
    inQ.fill(0);
    inQ[SRC0] = 1;
    for (let h = 0; h < queue.length; h++) {
      const u = queue[h] as number;
      inQ[u] = 0;
      const edges = g[u] as Edge[];
      for (let k = 0; k < edges.length; k++) {
        const e = edges[k] as Edge;
        if (e.cap > 0 && (dist[u] as number) + e.cost < (dist[e.to] as number)) {
          dist[e.to] = (dist[u] as number) + e.cost;
          prevV[e.to] = u;
          prevE[e.to] = k;
          if (!inQ[e.to]) {
            inQ[e.to] = 1;
            queue.push(e.to);
          }
        }
      }
    }
    if (dist[SINK] === Number.POSITIVE_INFINITY) break;
    let f = Number.MAX_SAFE_INTEGER;
    for (let v = SINK; v !== SRC0; v = prevV[v] as number) {
      f = Math.min(f, ((g[prevV[v] as number] as Edge[])[prevE[v] as number] as Edge).cap);
    }
    for (let v = SINK; v !== SRC0; v = prevV[v] as number) {
      const e = (g[prevV[v] as number] as Edge[])[prevE[v] as number] as Edge;
      e.cap -= f;
      ((g[v] as Edge[])[e.rev] as Edge).cap += f;
    }
    flow += f;
    total += f * (dist[SINK] as number);
  }
  return { placed: flow, totalPrice: BigInt(total) * PRICE_UNIT };
}
