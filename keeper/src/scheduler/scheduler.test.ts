import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { exactOptimum } from "./exact.js";
import { firstFit } from "./firstFit.js";
import { generateCluster } from "./generate.js";
import { schedule } from "./scheduler.js";
import {
  type SchedNode,
  type SchedTask,
  type ScheduleOptions,
  type ScheduleResult,
  shardPrice,
} from "./types.js";

const MILLI = 10n ** 15n;

const nodeArb = fc.record({
  tier: fc.integer({ min: 0, max: 4 }),
  gpuCount: fc.integer({ min: 0, max: 8 }),
  vramMiB: fc.constantFrom(0, 16_384, 24_576, 81_920),
  cpuCores: fc.integer({ min: 1, max: 64 }),
  memoryMiB: fc.integer({ min: 1024, max: 262_144 }),
  region: fc.constantFrom("eu-west", "us-east", "ap-south"),
  askMilli: fc.integer({ min: 1, max: 5000 }),
  stakeMilli: fc.integer({ min: 0, max: 20_000 }),
  reputation: fc.double({ min: 0, max: 1, noNaN: true }),
  live: fc.boolean(),
  usedShare: fc.double({ min: 0, max: 1, noNaN: true }),
  maxShards: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
});

const taskArb = fc.record({
  client: fc.integer({ min: 1, max: 4 }),
  minTier: fc.integer({ min: 0, max: 4 }),
  gpus: fc.integer({ min: 0, max: 4 }),
  vramMiB: fc.constantFrom(8192, 16_384, 24_576, 81_920),
  cpus: fc.integer({ min: 0, max: 16 }),
  memoryMiB: fc.integer({ min: 0, max: 65_536 }),
  maxPriceMilli: fc.integer({ min: 1, max: 5000 }),
  collateralMilli: fc.integer({ min: 0, max: 3000 }),
  shards: fc.integer({ min: 1, max: 12 }),
});

const clusterArb = fc
  .record({
    nodes: fc.array(nodeArb, { minLength: 0, maxLength: 25 }),
    tasks: fc.array(taskArb, { minLength: 0, maxLength: 12 }),
    perClientCap: fc.integer({ min: 0, max: 30 }),
    maxAssignments: fc.integer({ min: 0, max: 80 }),
    // TaskManager's minShardPrice: sometimes above some asks and some tasks' max (raised after posting)
    minPriceMilli: fc.option(fc.integer({ min: 0, max: 3000 }), { nil: undefined }),
  })
  .map(({ nodes, tasks, perClientCap, maxAssignments, minPriceMilli }) => ({
    nodes: nodes.map(
      (n, i): SchedNode => ({
        nodeId: i + 1,
        tier: n.tier,
        gpuCount: n.gpuCount,
        vramMiB: n.gpuCount > 0 ? n.vramMiB : 0,
        cpuCores: n.cpuCores,
        memoryMiB: n.memoryMiB,
        region: n.region,
        ask: BigInt(n.askMilli) * MILLI,
        freeStake: BigInt(n.stakeMilli) * MILLI,
        reputation: n.reputation,
        live: n.live,
        used: {
          gpus: Math.floor(n.gpuCount * n.usedShare),
          cpus: Math.floor(n.cpuCores * n.usedShare),
          memoryMiB: Math.floor(n.memoryMiB * n.usedShare),
        },
        ...(n.maxShards === undefined ? {} : { maxShards: n.maxShards, running: 0 }),
      }),
    ),
    tasks: tasks.map(
      (t, i): SchedTask => ({
        taskId: i + 1,
        client: `0x${t.client.toString(16).padStart(40, "0")}`,
        seq: i,
        minTier: t.minTier,
        resources: { gpus: t.gpus, vramMiB: t.vramMiB, cpus: t.cpus, memoryMiB: t.memoryMiB },
        maxPrice: BigInt(t.maxPriceMilli) * MILLI,
        collateral: BigInt(t.collateralMilli) * MILLI,
        pending: Array.from({ length: t.shards }, (_, k) => k * 2 + 1),
      }),
    ),
    options: {
      perClientCap,
      maxAssignments,
      ...(minPriceMilli === undefined ? {} : { minPrice: BigInt(minPriceMilli) * MILLI }),
    } satisfies ScheduleOptions,
  }));

function eligible(n: SchedNode, t: SchedTask): boolean {
  const r = t.resources;
  return (
    n.live &&
    n.ask <= t.maxPrice &&
    n.tier >= t.minTier &&
    n.gpuCount >= r.gpus &&
    n.vramMiB >= r.vramMiB &&
    n.cpuCores >= r.cpus &&
    n.memoryMiB >= r.memoryMiB
  );
}

/** Checks every hard constraint; returns the nodes' remaining capacity for further checks. */
function checkInvariants(
  tasks: SchedTask[],
  nodes: SchedNode[],
  options: ScheduleOptions,
  result: ScheduleResult,
) {
  const nodeById = new Map(nodes.map((n) => [n.nodeId, n]));
  const taskById = new Map(tasks.map((t) => [t.taskId, t]));
  const free = new Map(
    nodes.map((n) => [
      n.nodeId,
      {
        g: n.gpuCount - n.used.gpus,
        c: n.cpuCores - n.used.cpus,
        m: n.memoryMiB - n.used.memoryMiB,
        s: n.freeStake,
        k: n.maxShards === undefined ? Number.POSITIVE_INFINITY : n.maxShards - (n.running ?? 0),
      },
    ]),
  );
  const seen = new Set<string>();
  const perClient = new Map<string, number>();
  let total = 0n;
  for (const p of result.placements) {
    const n = nodeById.get(p.nodeId);
    const t = taskById.get(p.taskId);
    expect(n, `placement on unknown node ${p.nodeId}`).toBeDefined();
    expect(t, `placement of unknown task ${p.taskId}`).toBeDefined();
    if (!n || !t) continue;
    const key = `${p.taskId}/${p.shardIndex}`;
    expect(seen.has(key), `shard ${key} placed twice`).toBe(false);
    seen.add(key);
    expect(t.pending, `shard ${key} is not pending`).toContain(p.shardIndex);
    expect(eligible(n, t), `node ${n.nodeId} not eligible for task ${t.taskId}`).toBe(true);
    expect(p.price).toBe(shardPrice(n.ask, t.maxPrice, options.minPrice));
    total += p.price;
    const f = free.get(n.nodeId) as { g: number; c: number; m: number; s: bigint; k: number };
    f.g -= t.resources.gpus;
    f.c -= t.resources.cpus;
    f.m -= t.resources.memoryMiB;
    f.s -= t.collateral;
    f.k -= 1;
    const client = t.client.toLowerCase();
    perClient.set(client, (perClient.get(client) ?? 0) + 1);
  }
  for (const [nodeId, f] of free) {
    const n = nodeById.get(nodeId) as SchedNode;
    // a node that was already over (used > capacity) must at least not receive anything
    const got = result.placements.some((p) => p.nodeId === nodeId);
    if (got) {
      expect(f.g, `node ${nodeId} over its GPUs`).toBeGreaterThanOrEqual(0);
      expect(f.c, `node ${nodeId} over its CPUs`).toBeGreaterThanOrEqual(0);
      expect(f.m, `node ${nodeId} over its memory`).toBeGreaterThanOrEqual(0);
      expect(f.s >= 0n, `node ${nodeId} over its free stake`).toBe(true);
      expect(f.k, `node ${nodeId} over its shard cap`).toBeGreaterThanOrEqual(0);
      expect(n.live).toBe(true);
    }
  }
  for (const [client, count] of perClient) {
    expect(count, `client ${client} over the per-block cap`).toBeLessThanOrEqual(options.perClientCap);
  }
  expect(result.placements.length).toBeLessThanOrEqual(options.maxAssignments);
  expect(result.totalPrice).toBe(total);
  return { free, perClient, seen };
}

describe("schedule", () => {
  it("never puts a node over capacity and meets every constraint and cap (generated clusters)", () => {
    fc.assert(
      fc.property(clusterArb, ({ nodes, tasks, options }) => {
        const result = schedule(tasks, nodes, options);
        checkInvariants(tasks, nodes, options, result);
      }),
      { numRuns: 300, seed: 12 },
    );
  });

  it("leaves no pending shard that still fits somewhere within the caps (maximal)", () => {
    fc.assert(
      fc.property(clusterArb, ({ nodes, tasks, options }) => {
        const result = schedule(tasks, nodes, options);
        const { free, perClient, seen } = checkInvariants(tasks, nodes, options, result);
        if (result.placements.length >= options.maxAssignments) return;
        for (const t of tasks) {
          if ((perClient.get(t.client.toLowerCase()) ?? 0) >= options.perClientCap) continue;
          if (t.pending.every((s) => seen.has(`${t.taskId}/${s}`))) continue;
          for (const n of nodes) {
            const f = free.get(n.nodeId) as { g: number; c: number; m: number; s: bigint; k: number };
            const room =
              f.g >= t.resources.gpus &&
              f.c >= t.resources.cpus &&
              f.m >= t.resources.memoryMiB &&
              f.s >= t.collateral &&
              f.k > 0;
            expect(
              eligible(n, t) && room,
              `task ${t.taskId} still has an unplaced shard that fits node ${n.nodeId}`,
            ).toBe(false);
          }
        }
      }),
      { numRuns: 300, seed: 34 },
    );
  });

  it("places as many shards as the exact min-cost flow on single-resource clusters", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.integer({ min: 3, max: 25 }),
        fc.integer({ min: 5, max: 120 }),
        fc.integer({ min: 1, max: 60 }),
        (seed, nodeCount, shards, cap) => {
          const { nodes, tasks } = generateCluster(seed, {
            nodes: nodeCount,
            shards,
            uniform: true,
            clients: 4,
          });
          const options = { perClientCap: cap, maxAssignments: shards };
          const result = schedule(tasks, nodes, options);
          checkInvariants(tasks, nodes, options, result);
          expect(result.placements.length).toBe(exactOptimum(tasks, nodes, options).placed);
        },
      ),
      { numRuns: 150, seed: 56 },
    );
  });

  it("places at least as many shards as first-fit on heterogeneous clusters", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const { nodes, tasks } = generateCluster(seed, { nodes: 60, shards: 400 });
      const options = { perClientCap: 400, maxAssignments: 400 };
      const ours = schedule(tasks, nodes, options);
      checkInvariants(tasks, nodes, options, ours);
      const naive = firstFit(tasks, nodes, options);
      checkInvariants(tasks, nodes, options, naive);
      expect(ours.placements.length, `seed ${seed}`).toBeGreaterThanOrEqual(naive.placements.length);
    }
  });

  it("places ten one-shard tasks posted after a 10,000-shard task within 2 blocks", () => {
    const { nodes } = generateCluster(7, { nodes: 1000, shards: 1 });
    const big: SchedTask = {
      taskId: 1,
      client: "0x00000000000000000000000000000000000000aa",
      seq: 0,
      minTier: 0,
      resources: { gpus: 1, vramMiB: 16_384, cpus: 2, memoryMiB: 8192 },
      maxPrice: 5000n * MILLI,
      collateral: MILLI,
      pending: Array.from({ length: 10_000 }, (_, k) => k),
    };
    // five small tasks from the big task's client, five from other clients: both must get through
    const small: SchedTask[] = Array.from({ length: 10 }, (_, i) => ({
      ...big,
      taskId: 2 + i,
      seq: 1 + i,
      client: i < 5 ? big.client : `0x${(0xb0 + i).toString(16).padStart(40, "0")}`,
      pending: [0],
    }));
    const options = { perClientCap: 150, maxAssignments: 200 };
    let tasks = [big, ...small];
    let cluster = nodes;
    const placedSmall = new Set<number>();
    for (let block = 0; block < 2; block++) {
      const result = schedule(tasks, cluster, options);
      checkInvariants(tasks, cluster, options, result);
      for (const p of result.placements) if (p.taskId > 1) placedSmall.add(p.taskId);
      // apply the block: placed shards leave the queue and load their nodes
      const placedByTask = new Map<number, Set<number>>();
      for (const p of result.placements) {
        const set = placedByTask.get(p.taskId) ?? new Set<number>();
        set.add(p.shardIndex);
        placedByTask.set(p.taskId, set);
      }
      const byId = new Map(tasks.map((t) => [t.taskId, t]));
      cluster = cluster.map((n) => {
        const mine = result.placements.filter((p) => p.nodeId === n.nodeId);
        const used = { ...n.used };
        let stake = n.freeStake;
        for (const p of mine) {
          const r = (byId.get(p.taskId) as SchedTask).resources;
          used.gpus += r.gpus;
          used.cpus += r.cpus;
          used.memoryMiB += r.memoryMiB;
          stake -= (byId.get(p.taskId) as SchedTask).collateral;
        }
        return { ...n, used, freeStake: stake };
      });
      tasks = tasks
        .map((t) => ({ ...t, pending: t.pending.filter((s) => !placedByTask.get(t.taskId)?.has(s)) }))
        .filter((t) => t.pending.length > 0);
    }
    expect([...placedSmall].sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it("prefers the cheapest eligible node, then reputation, and spreads a task over equal asks", () => {
    const base = {
      tier: 1,
      gpuCount: 4,
      vramMiB: 24_576,
      cpuCores: 32,
      memoryMiB: 131_072,
      region: "eu-west",
      freeStake: 100n * MILLI * 1000n,
      live: true,
      used: { gpus: 0, cpus: 0, memoryMiB: 0 },
    };
    const nodes: SchedNode[] = [
      { ...base, nodeId: 1, ask: 900n * MILLI, reputation: 0.9 },
      { ...base, nodeId: 2, ask: 500n * MILLI, reputation: 0.5 },
      { ...base, nodeId: 3, ask: 500n * MILLI, reputation: 0.8 },
      { ...base, nodeId: 4, ask: 2000n * MILLI, reputation: 1 }, // above max price
    ];
    const task: SchedTask = {
      taskId: 9,
      client: "0x01",
      seq: 0,
      minTier: 0,
      resources: { gpus: 1, vramMiB: 16_384, cpus: 1, memoryMiB: 1024 },
      maxPrice: 1000n * MILLI,
      collateral: MILLI,
      pending: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    };
    const result = schedule([task], nodes, { perClientCap: 100, maxAssignments: 100 });
    const on = (id: number) => result.placements.filter((p) => p.nodeId === id).length;
    // 8 GPUs at ask 500 (spread: node 3 first, by reputation, alternating), the last 2 at 900, none at 2000
    expect([on(1), on(2), on(3), on(4)]).toEqual([2, 4, 4, 0]);
    expect(result.placements[0]?.nodeId).toBe(3);
    expect(result.placements[1]?.nodeId).toBe(2);
    expect(result.totalPrice).toBe(8n * 500n * MILLI + 2n * 900n * MILLI);
  });

  it("costs each candidate the price TaskManager locks: the ask raised to minShardPrice, the max after a raise", () => {
    const base = {
      tier: 1,
      gpuCount: 1,
      vramMiB: 24_576,
      cpuCores: 32,
      memoryMiB: 131_072,
      region: "eu-west",
      freeStake: 100n * MILLI * 1000n,
      live: true,
      used: { gpus: 0, cpus: 0, memoryMiB: 0 },
    };
    const nodes: SchedNode[] = [
      { ...base, nodeId: 1, ask: 100n * MILLI, reputation: 0.2 },
      { ...base, nodeId: 2, ask: 300n * MILLI, reputation: 0.9 },
      { ...base, nodeId: 3, ask: 600n * MILLI, reputation: 1 },
      { ...base, nodeId: 4, ask: 900n * MILLI, reputation: 1 },
    ];
    const task: SchedTask = {
      taskId: 1,
      client: "0x01",
      seq: 0,
      minTier: 0,
      resources: { gpus: 1, vramMiB: 16_384, cpus: 1, memoryMiB: 1024 },
      maxPrice: 800n * MILLI,
      collateral: MILLI,
      pending: [0, 1],
    };
    // minimum 500: nodes 1 and 2 both pay 500, so reputation decides between them; node 4 asks above the max
    const floored = schedule([task], nodes, { perClientCap: 10, maxAssignments: 10, minPrice: 500n * MILLI });
    expect(floored.placements.map((p) => [p.nodeId, p.price])).toEqual([
      [2, 500n * MILLI],
      [1, 500n * MILLI],
    ]);
    expect(floored.totalPrice).toBe(1000n * MILLI);
    // one shard: the cheaper of the two at the minimum, never node 3 (600)
    const one = schedule([{ ...task, pending: [0] }], nodes, {
      perClientCap: 10,
      maxAssignments: 10,
      minPrice: 500n * MILLI,
    });
    expect(one.placements.map((p) => p.nodeId)).toEqual([2]);
    // the minimum was raised to 1000 after the task was posted with max 800: nodes asking ≤ 800 are still
    // eligible (NodeRegistry compares the ask with the max) and the shard pays the max
    const raised = schedule([{ ...task, pending: [0, 1, 2] }], nodes, {
      perClientCap: 10,
      maxAssignments: 10,
      minPrice: 1000n * MILLI,
    });
    expect(raised.placements.map((p) => p.nodeId).sort()).toEqual([1, 2, 3]);
    expect(raised.placements.every((p) => p.price === 800n * MILLI)).toBe(true);
    expect(() => schedule([], [], { perClientCap: 1, maxAssignments: 1, minPrice: -1n })).toThrow(
      /minPrice must be/,
    );
  });

  it("refuses malformed options and duplicate ids with a clear message", () => {
    expect(() => schedule([], [], { perClientCap: -1, maxAssignments: 1 })).toThrow(/perClientCap must be/);
    expect(() => schedule([], [], { perClientCap: 1, maxAssignments: 1.5 })).toThrow(
      /maxAssignments must be/,
    );
    const { nodes } = generateCluster(1, { nodes: 2, shards: 1 });
    expect(() =>
      schedule([], [nodes[0] as SchedNode, nodes[0] as SchedNode], { perClientCap: 1, maxAssignments: 1 }),
    ).toThrow(/node 1 appears twice/);
  });
});
