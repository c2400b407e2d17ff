/**
 * Seeded generators of heterogeneous clusters and task queues, for the property tests and the benchmark.
 * Deterministic: the same seed gives the same cluster.
 */
import type { SchedNode, SchedTask, ShardResources } from "./types.js";

/** mulberry32: a small, fast, seeded PRNG in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MILLI_NRL = 10n ** 15n;
const NRL = 10n ** 18n;
const GIB = 1024;

/** Machine profiles: GPUs, VRAM per GPU, CPUs, memory, a base ask in milli-NRL per shard. */
const PROFILES = [
  { gpus: 0, vram: 0, cpus: 32, mem: 128 * GIB, ask: 200 },
  { gpus: 1, vram: 24 * GIB, cpus: 16, mem: 64 * GIB, ask: 800 },
  { gpus: 2, vram: 48 * GIB, cpus: 32, mem: 256 * GIB, ask: 1500 },
  { gpus: 4, vram: 80 * GIB, cpus: 64, mem: 512 * GIB, ask: 3000 },
  { gpus: 8, vram: 80 * GIB, cpus: 128, mem: 1024 * GIB, ask: 4000 },
] as const;

/** Shard shapes, with the price a client typically offers (milli-NRL). */
const SHAPES: Array<{ r: ShardResources; price: number }> = [
  { r: { gpus: 0, vramMiB: 0, cpus: 4, memoryMiB: 16 * GIB }, price: 400 },
  { r: { gpus: 1, vramMiB: 16 * GIB, cpus: 4, memoryMiB: 32 * GIB }, price: 1200 },
  { r: { gpus: 1, vramMiB: 40 * GIB, cpus: 8, memoryMiB: 64 * GIB }, price: 3500 },
  { r: { gpus: 2, vramMiB: 24 * GIB, cpus: 8, memoryMiB: 64 * GIB }, price: 3000 },
  { r: { gpus: 4, vramMiB: 80 * GIB, cpus: 32, memoryMiB: 256 * GIB }, price: 5000 },
];

const REGIONS = ["eu-west", "us-east", "us-west", "ap-south"];

export interface ClusterOptions {
  nodes: number;
  shards: number;
  /** Number of tasks (default: shards / 10, at least 1). */
  tasks?: number;
  clients?: number;
  /** Share of nodes without a live heartbeat (default 0.05). */
  deadShare?: number;
  /**
   * Single-resource instances for the exact solver: every shard needs 1 GPU and little else, so a node's
   * capacity is its free GPU count; tier, VRAM and price still decide eligibility.
   */
  uniform?: boolean;
  /**
   * Roomy clusters: 4- and 8-GPU machines only, no prior load, shards of at most one GPU, client prices high
   * enough for any machine; every shard fits, so schedulers differ only in price.
   */
  ample?: boolean;
}

export interface Cluster {
  nodes: SchedNode[];
  tasks: SchedTask[];
}

export function generateCluster(seed: number, options: ClusterOptions): Cluster {
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const nodes: SchedNode[] = [];
  for (let i = 0; i < options.nodes; i++) {
    const p = options.ample
      ? (PROFILES[int(3, 4)] as (typeof PROFILES)[number])
      : options.uniform
        ? (PROFILES[int(1, 4)] as (typeof PROFILES)[number])
        : pick(PROFILES);
    const usedG = !options.ample && p.gpus > 0 && rand() < 0.3 ? int(0, p.gpus) : 0;
    const frac = options.ample ? 0 : p.gpus > 0 ? usedG / p.gpus : rand() < 0.3 ? rand() : 0;
    nodes.push({
      nodeId: i + 1,
      tier: options.ample ? 4 : int(0, 4),
      gpuCount: p.gpus,
      vramMiB: p.vram,
      cpuCores: p.cpus,
      memoryMiB: p.mem,
      region: pick(REGIONS),
      ask: BigInt(Math.round(p.ask * (0.6 + rand() * 0.9))) * MILLI_NRL,
      freeStake: options.uniform || options.ample ? 1_000_000n * NRL : BigInt(int(20, 5000)) * NRL,
      reputation: Math.round(rand() * 1000) / 1000,
      live: options.ample || rand() >= (options.deadShare ?? 0.05),
      used: options.uniform
        ? { gpus: usedG, cpus: 0, memoryMiB: 0 }
        : { gpus: usedG, cpus: Math.floor(p.cpus * frac), memoryMiB: Math.floor(p.mem * frac) },
    });
  }
  const taskCount = Math.max(1, options.tasks ?? Math.floor(options.shards / 10));
  const clients = Math.max(1, options.clients ?? Math.min(50, taskCount));
  // heavy-tailed shard counts summing to `shards`
  const weights = Array.from({ length: taskCount }, () => 1 / (0.02 + rand()));
  const total = weights.reduce((a, b) => a + b, 0);
  const counts = weights.map((w) => Math.max(1, Math.floor((w / total) * options.shards)));
  let diff = options.shards - counts.reduce((a, b) => a + b, 0);
  for (let i = 0; diff !== 0; i = (i + 1) % taskCount) {
    if (diff > 0) {
      counts[i] = (counts[i] as number) + 1;
      diff--;
    } else if ((counts[i] as number) > 1) {
      counts[i] = (counts[i] as number) - 1;
      diff++;
    }
  }
  const tasks: SchedTask[] = counts.map((count, t) => {
    const shape = options.uniform
      ? {
          r: { gpus: 1, vramMiB: pick([16, 24, 40, 80]) * GIB, cpus: 1, memoryMiB: 1024 },
          price: int(900, 4500),
        }
      : options.ample
        ? (SHAPES[int(0, 2)] as (typeof SHAPES)[number])
        : pick(SHAPES);
    const maxPrice = options.ample
      ? 10_000n * MILLI_NRL
      : BigInt(Math.round(shape.price * (0.7 + rand() * 0.9))) * MILLI_NRL;
    return {
      taskId: t + 1,
      client: `0x${(int(0, clients - 1) + 1).toString(16).padStart(40, "0")}`,
      seq: t,
      minTier: int(0, 3),
      resources: { ...shape.r },
      maxPrice,
      collateral: options.uniform ? MILLI_NRL : maxPrice / 2n,
      pending: Array.from({ length: count }, (_, k) => k),
    };
  });
  return { nodes, tasks };
}
