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
    args: jsonSafe(e.args) as object,
  });
  if (agg.network || agg.daily) await bumpAggregates(ctx, e, agg);
}

/**
 * Applies aggregate updates. The day's active-node columns follow the network's (end-of-day values), so
 * the daily row is written when `agg.daily` changes it or the active set moved.
 *
 * Rows found through the store are Ponder's copy-on-write proxies over its cached row, which `update`
 * changes in place: old values needed after an update are read into locals first, and rows are never
 * spread (spreading a proxy walks every column through its traps, the costliest step of a backfill).
 */
export async function bumpAggregates(ctx: Ctx, e: AnyEvent, agg: Aggregates): Promise<void> {
  const n0 = await ctx.db.find(network, { id: NETWORK_ID });
  let activeBefore: number[] | null = null;
  let n1: NetworkRow;
  if (n0) {
    activeBefore = ACTIVE_KEYS.map((k) => n0[k]);
    const patch = agg.network ? agg.network(n0) : {};
    n1 = await ctx.db
      .update(network, { id: NETWORK_ID })
      .set({ ...patch, updatedAt: e.block.timestamp, updatedBlock: e.block.number });
  } else {
    const base = networkDefaults(e);
    n1 = await ctx.db.insert(network).values({ ...base, ...(agg.network ? agg.network(base) : {}) });
  }

  const activeMoved = ACTIVE_KEYS.some((k, i) => n1[k] !== (activeBefore ? activeBefore[i] : 0));
  if (!agg.daily && !activeMoved) return;
  const { id, dayStart } = utcDay(e.block.timestamp);
  const d0 = await ctx.db.find(dailyStat, { id });
  const dPatch: Partial<DailyRow> = {};
  if (d0) {
    if (agg.daily) Object.assign(dPatch, agg.daily(d0));
    for (const k of ACTIVE_KEYS) dPatch[k] = n1[k];
    await ctx.db.update(dailyStat, { id }).set(dPatch);
  } else {
    // A new day starts from the network's active set as it was before this event.
    const dBase = dailyDefaults(id, dayStart, activeBefore);
    if (agg.daily) Object.assign(dPatch, agg.daily(dBase));
    for (const k of ACTIVE_KEYS) dPatch[k] = n1[k];
    await ctx.db.insert(dailyStat).values({ ...dBase, ...dPatch });
  }
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
  const found = await ctx.db.find(node, { id: nodeId });
  const base = found ?? nodeDefaults(nodeId, e);
  // The cached row changes in place on update: keep what the deltas need.
  const staked0 = base.stake + base.unbonding;
  const locked0 = base.locked;
  const active0 = base.active;
  const tier0 = base.tier;
  const set: Partial<NodeRow> = { ...patch(base), updatedAt: e.block.timestamp };
  if (set.completed !== undefined || set.failed !== undefined) {
    set.successBps = successBps(set.completed ?? base.completed, set.failed ?? base.failed);
  }
  const after: NodeRow = found
    ? await ctx.db.update(node, { id: nodeId }).set(set)
    : await ctx.db.insert(node).values({ ...base, ...set });

  const stakedDelta = after.stake + after.unbonding - staked0;
  const lockedDelta = after.locked - locked0;
  const activeMoved = active0 !== after.active || (after.active && tier0 !== after.tier);
  if (stakedDelta !== 0n || lockedDelta !== 0n || activeMoved || agg.network || agg.daily) {
    const activeAfter = after.active;
    const tierAfter = after.tier;
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
          if (active0) {
            counts.activeNodes--;
            counts[tierKey(tier0)]--;
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
