// Write helpers shared by the handlers. Everything goes through Ponder's store API (find / insert /
// update), which is served from its in-memory cache during backfill; no raw SQL in handlers.
import type { Context } from "ponder:registry";
import { dailyStat, network, node, protocolEvent } from "ponder:schema";
import type { Hex } from "viem";
import { jsonSafe, successBps, utcDay } from "./format.js";

export type Ctx = Context;
type Db = Ctx["db"];

/** The fields of a Ponder log event the helpers use. */
export type AnyEvent = {
  id: string;
  args: unknown;
  block: { number: bigint; hash: Hex; timestamp: bigint };
  transaction: { hash: Hex; from: Hex };
  log: { address: Hex; logIndex: number };
};

export type NetworkRow = typeof network.$inferSelect;
export type DailyRow = typeof dailyStat.$inferSelect;
export type NodeRow = typeof node.$inferSelect;

export const NETWORK_ID = "network";

const networkDefaults = (e: AnyEvent): NetworkRow => ({
  id: NETWORK_ID,
  nodeCount: 0,
  activeNodes: 0,
  activeNodesTier0: 0,
  activeNodesTier1: 0,
  activeNodesTier2: 0,
  activeNodesTier3: 0,
  activeNodesTier4: 0,
  totalStaked: 0n,
  totalLocked: 0n,
  taskCount: 0,
  openTasks: 0,
  runningTasks: 0,
  completedTasks: 0,
  failedTasks: 0,
  cancelledTasks: 0,
  shardCount: 0,
  shardsFinalized: 0,
  totalEscrowed: 0n,
  totalPaid: 0n,
  totalFees: 0n,
  feesSwept: 0n,
  totalRefunded: 0n,
  slashCount: 0,
  totalSlashed: 0n,
  disputeCount: 0,
  openDisputes: 0,
  modelCount: 0,
  verifiedModelVersions: 0,
  datasetCount: 0,
  datasetFeesPaid: 0n,
  updatedAt: e.block.timestamp,
  updatedBlock: e.block.number,
});

const ACTIVE_KEYS = [
  "activeNodes",
  "activeNodesTier0",
  "activeNodesTier1",
  "activeNodesTier2",
  "activeNodesTier3",
  "activeNodesTier4",
] as const;

/** The active-node columns from values in ACTIVE_KEYS order (null: none yet). */
const activeCounts = (active: number[] | null) =>
  Object.fromEntries(ACTIVE_KEYS.map((k, i) => [k, active?.[i] ?? 0])) as Pick<
    DailyRow,
    (typeof ACTIVE_KEYS)[number]
  >;

const dailyDefaults = (id: string, dayStart: bigint, active: number[] | null): DailyRow => ({
  id,
  dayStart,
  tasksPosted: 0,
  tasksCompleted: 0,
  tasksFailed: 0,
  tasksCancelled: 0,
  shardsFinalized: 0,
  shardsFailed: 0,
  shardsTimedOut: 0,
  volume: 0n,
  rewardsPaid: 0n,
  fees: 0n,
  refunds: 0n,
  slashes: 0,
  slashedAmount: 0n,
  disputesOpened: 0,
  disputesResolved: 0,
  nodesRegistered: 0,
  modelsPublished: 0,
  // A new day starts from the network's current active set.
  ...activeCounts(active),
});

export type Links = {
  nodeId?: bigint | null;
  taskId?: bigint | null;
  shardIndex?: number | null;
  disputeId?: bigint | null;
  modelId?: bigint | null;
  datasetId?: bigint | null;
};

export type Aggregates = {
  network?: (n: NetworkRow) => Partial<NetworkRow>;
  daily?: (d: DailyRow) => Partial<DailyRow>;
};

/**
 * Records one event: its protocol_event row, plus the network / daily aggregates when `agg` changes them
 * (each row read and written once). Events that change no aggregate touch only protocol_event.
 */
export async function logEvent(
  ctx: Ctx,
  e: AnyEvent,
  contract: string,
  name: string,
  links: Links = {},
  agg: Aggregates = {},
): Promise<void> {
  await ctx.db.insert(protocolEvent).values({
    id: e.id,
    contract,
    name,
    address: e.log.address,
    blockNumber: e.block.number,
    blockHash: e.block.hash,
    timestamp: e.block.timestamp,
    transactionHash: e.transaction.hash,
    logIndex: e.log.logIndex,
    from: e.transaction.from,
    nodeId: links.nodeId ?? null,
    taskId: links.taskId ?? null,
    shardIndex: links.shardIndex ?? null,
    disputeId: links.disputeId ?? null,
    modelId: links.modelId ?? null,
    datasetId: links.datasetId ?? null,
    args: jsonSafe(e.args) as object,
  });
  if (agg.network || agg.daily) await bumpAggregates(ctx, e, agg);
}

/**
 * The row an update wrote, or null when there was no row to update. Lets a read-modify-write be one store
 * call, `ctx.db.update(table, key).set((row) => patch)`, instead of a find then an update.
 */
export async function orNull<T>(write: Promise<T>): Promise<T | null> {
  try {
    return await write;
  } catch (error) {
    if ((error as Error | undefined)?.name === "RecordNotFoundError") return null;
    throw error;
  }
}

/**
 * Applies aggregate updates, each row in one store call (an update; an insert when the row is new; no find
 * before the write, no defaults built for a row that exists). The day's active-node
 * columns follow the network's (end-of-day values), so the daily row is written when `agg.daily` changes it
 * or the active set moved.
 *
 * Rows passed to the update callbacks are Ponder's copy-on-write proxies over its cached row, which the
 * update changes in place: old values needed afterwards are read into locals inside the callback, and rows
 * are never spread (spreading a proxy walks every column through its traps).
 */
export async function bumpAggregates(ctx: Ctx, e: AnyEvent, agg: Aggregates): Promise<void> {
  const stamp = { updatedAt: e.block.timestamp, updatedBlock: e.block.number };
  let activeBefore: number[] | null = null;
  const networkPatch = (n0: NetworkRow): Partial<NetworkRow> => {
    activeBefore = [
      n0.activeNodes,
      n0.activeNodesTier0,
      n0.activeNodesTier1,
      n0.activeNodesTier2,
      n0.activeNodesTier3,
      n0.activeNodesTier4,
    ];
    return agg.network ? { ...agg.network(n0), ...stamp } : stamp;
  };
  // The row exists after the first event: an update (no defaults built); the insert only once.
  let n1 = await orNull(ctx.db.update(network, { id: NETWORK_ID }).set(networkPatch));
  if (!n1) {
    const base = networkDefaults(e);
    n1 = await ctx.db.insert(network).values(agg.network ? { ...base, ...agg.network(base) } : base);
  }
  const before = activeBefore as number[] | null;
  const activeAfter = [
    n1.activeNodes,
    n1.activeNodesTier0,
    n1.activeNodesTier1,
    n1.activeNodesTier2,
    n1.activeNodesTier3,
    n1.activeNodesTier4,
  ];
  const activeMoved = activeAfter.some((v, i) => v !== (before ? before[i] : 0));
  if (!agg.daily && !activeMoved) return;
  const { id, dayStart } = utcDay(e.block.timestamp);
  const active = Object.fromEntries(ACTIVE_KEYS.map((k, i) => [k, activeAfter[i]])) as Pick<
    DailyRow,
    (typeof ACTIVE_KEYS)[number]
  >;
  const daily = await orNull(
    ctx.db.update(dailyStat, { id }).set((d0) => (agg.daily ? { ...agg.daily(d0), ...active } : active)),
  );
  if (daily) return;
  // A new day starts from the network's active set as it was before this event.
  const dBase = dailyDefaults(id, dayStart, before);
  await ctx.db.insert(dailyStat).values({ ...dBase, ...(agg.daily ? agg.daily(dBase) : {}), ...active });
}

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000" as Hex;
const ZERO_32 = `0x${"0".repeat(64)}` as Hex;

/** A node row before its NodeRegistered event has been seen (events of one transaction may come first). */
export const nodeDefaults = (id: bigint, e: AnyEvent): NodeRow => ({
  id,
  operator: ZERO_ADDRESS,
  worker: ZERO_ADDRESS,
  status: "Active",
  active: false,
  jailed: false,
  jailedUntil: 0n,
  tier: 0,
  gpuModel: "",
  gpuCount: 0,
  vramMiB: 0,
  cpuCores: 0,
  memoryMiB: 0,
  region: "",
  askPrice: 0n,
  metadataCid: ZERO_32,
  metadataCidStr: null,
  stake: 0n,
  locked: 0n,
  unbonding: 0n,
  unbondingReleaseAt: 0n,
  totalWithdrawn: 0n,
  totalSlashed: 0n,
  completed: 0,
  failed: 0,
  slashCount: 0,
  feesPaid: 0n,
  successBps: 10_000,
  assignmentCount: 0,
  timeoutCount: 0,
  releaseCount: 0,
  lateReleaseCount: 0,
  earned: 0n,
  registeredAt: e.block.timestamp,
  registeredBlock: e.block.number,
  registeredTx: e.transaction.hash,
  updatedAt: e.block.timestamp,
});

type TierKey =
  | "activeNodesTier0"
  | "activeNodesTier1"
  | "activeNodesTier2"
  | "activeNodesTier3"
  | "activeNodesTier4";
const tierKey = (tier: number) => `activeNodesTier${Math.min(Math.max(tier, 0), 4)}` as TierKey;

/**
 * Reads a node (or its defaults), applies `patch`, writes the changed columns, and keeps the network's
 * derived totals in step: active nodes per tier, total staked (bonded + unbonding) and total locked.
 * `patch` sees the node as stored. Returns the node as written.
 */
export async function updateNode(
  ctx: Ctx,
  e: AnyEvent,
  nodeId: bigint,
  patch: (n: NodeRow) => Partial<NodeRow>,
  agg: Aggregates = {},
): Promise<NodeRow> {
  // The cached row changes in place on update: keep what the deltas need, from the row as stored (the
  // update's callback) or from the defaults when the node is new (events of one transaction may come before
  // its NodeRegistered).
  let staked0 = 0n;
  let locked0 = 0n;
  let active0 = false;
  let tier0 = 0;
  const changes = (base: NodeRow): Partial<NodeRow> => {
    staked0 = base.stake + base.unbonding;
    locked0 = base.locked;
    active0 = base.active;
    tier0 = base.tier;
    const set: Partial<NodeRow> = { ...patch(base), updatedAt: e.block.timestamp };
    if (set.completed !== undefined || set.failed !== undefined) {
      set.successBps = successBps(set.completed ?? base.completed, set.failed ?? base.failed);
    }
    return set;
  };
  const withChanges = (fresh: NodeRow): NodeRow => ({ ...fresh, ...changes(fresh) });
  const after: NodeRow =
    (await orNull(ctx.db.update(node, { id: nodeId }).set(changes))) ??
    (await ctx.db.insert(node).values(withChanges(nodeDefaults(nodeId, e))));

  const stakedDelta = after.stake + after.unbonding - staked0;
  const lockedDelta = after.locked - locked0;
  const activeAfter = after.active;
  const tierAfter = after.tier;
  const activeMoved = active0 !== activeAfter || (activeAfter && tier0 !== tierAfter);
  if (stakedDelta !== 0n || lockedDelta !== 0n || activeMoved || agg.network || agg.daily) {
    const wasActive = active0;
    const tierBefore = tier0;
    await bumpAggregates(ctx, e, {
      network: (n) => {
        const out: Partial<NetworkRow> = agg.network ? agg.network(n) : {};
        if (stakedDelta !== 0n) out.totalStaked = n.totalStaked + stakedDelta;
        if (lockedDelta !== 0n) out.totalLocked = n.totalLocked + lockedDelta;
        if (activeMoved) {
          const counts = {
            activeNodes: n.activeNodes,
            activeNodesTier0: n.activeNodesTier0,
            activeNodesTier1: n.activeNodesTier1,
            activeNodesTier2: n.activeNodesTier2,
            activeNodesTier3: n.activeNodesTier3,
            activeNodesTier4: n.activeNodesTier4,
          };
          if (wasActive) {
            counts.activeNodes--;
            counts[tierKey(tierBefore)]--;
          }
          if (activeAfter) {
            counts.activeNodes++;
            counts[tierKey(tierAfter)]++;
          }
          Object.assign(out, counts);
        }
        return out;
      },
      ...(agg.daily ? { daily: agg.daily } : {}),
    });
  }
  return after;
}

export type { Db };
