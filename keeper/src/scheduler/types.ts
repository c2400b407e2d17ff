/**
 * The scheduler's inputs and outputs: plain data, no I/O. The keeper builds them from its chain view and the
 * nodes' heartbeats; the scheduler never reads Redis or the chain.
 */

/** What one shard of a task needs (TaskPosted.resources). `vramMiB` is per GPU. */
export interface ShardResources {
  gpus: number;
  vramMiB: number;
  cpus: number;
  memoryMiB: number;
}

/** What a node's running shards hold now. */
export interface NodeLoad {
  gpus: number;
  cpus: number;
  memoryMiB: number;
}

export interface SchedNode {
  nodeId: number;
  /** Tier enum value (0 None .. 4 Platinum). */
  tier: number;
  gpuCount: number;
  /** Per GPU. */
  vramMiB: number;
  cpuCores: number;
  memoryMiB: number;
  region: string;
  /**
   * NodeRegistry askPrice (NRL wei). Eligibility compares it with the task's max price (ask ≤ maxPrice); a shard
   * placed here pays it, raised to `ScheduleOptions.minPrice` (TaskManager's minShardPrice), locked at assignment.
   */
  ask: bigint;
  /** Bonded stake minus locked collateral: each assignment locks the task's collateralPerShard. */
  freeStake: bigint;
  /** 0..1, higher is better (tie-break after price). */
  reputation: number;
  /** Heartbeat present and not draining. Nodes that are not live get nothing. */
  live: boolean;
  /** Resources held by the node's shards that are running now (Assigned on-chain). */
  used: NodeLoad;
  /** Optional cap on concurrent shards (e.g. the heartbeat's view); unlimited when absent. */
  maxShards?: number;
  /** Shards running now (counts against maxShards). */
  running?: number;
}

export interface SchedTask {
  taskId: number;
  /** The client's address: fairness (per-client, per-block cap) is counted per client. */
  client: string;
  /** Posting order (e.g. block * 2^20 + log index): older tasks go first inside every round. */
  seq: number;
  minTier: number;
  resources: ShardResources;
  /** The most the client pays per shard (maxPricePerShard); only nodes with ask ≤ maxPrice are eligible. */
  maxPrice: bigint;
  /** Collateral one assignment locks on the node (TaskPosted.collateralPerShard). */
  collateral: bigint;
  /** Pending shard indexes, ascending. */
  pending: number[];
}

export interface ScheduleOptions {
  /** At most this many shards of one client per block (fairness). */
  perClientCap: number;
  /** At most this many assignments in total (one assignShards transaction per block). */
  maxAssignments: number;
  /**
   * TaskManager's "minShardPrice" (default 0): a shard pays max(ask, minPrice), or the task's max price when a
   * later raise of the minimum put it above that max (what TaskManager locks at assignment).
   */
  minPrice?: bigint;
  /**
   * Work budget of the repair phase (augmenting-path steps). Bounds the worst case; the default is ample for
   * 10,000 shards on 1,000 nodes.
   */
  augmentBudget?: number;
  /** Work budget of the price-repair phase (moves to cheaper nodes; never changes the count). */
  priceBudget?: number;
}

export interface Placement {
  taskId: number;
  shardIndex: number;
  nodeId: number;
  /** What the shard pays: the node's ask raised to minPrice, at most the task's max price (`shardPrice`). */
  price: bigint;
}

export interface ScheduleResult {
  placements: Placement[];
  totalPrice: bigint;
  /** Pending shards left for a later block (capacity, caps or eligibility). */
  unplaced: number;
  stats: { augmentations: number; improvements: number; augmentSteps: number; rounds: number };
}

/**
 * The price TaskManager locks when a node asking `ask` takes a shard of a task with `maxPrice` (the node being
 * eligible: ask ≤ maxPrice): the ask raised to `minPrice`, and at most `maxPrice` (a minimum raised after the task
 * was posted can exceed its max: the shard then pays the max).
 */
export function shardPrice(ask: bigint, maxPrice: bigint, minPrice = 0n): bigint {
  const p = ask < minPrice ? minPrice : ask;
  return p > maxPrice ? maxPrice : p;
}
