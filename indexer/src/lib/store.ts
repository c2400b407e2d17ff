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
  eventCount: 0,
  updatedAt: e.block.timestamp,
  updatedBlock: e.block.number,
});

const dailyDefaults = (id: string, dayStart: bigint, n: NetworkRow | null): DailyRow => ({
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
  activeNodes: n?.activeNodes ?? 0,
  activeNodesTier0: n?.activeNodesTier0 ?? 0,
  activeNodesTier1: n?.activeNodesTier1 ?? 0,
  activeNodesTier2: n?.activeNodesTier2 ?? 0,
  activeNodesTier3: n?.activeNodesTier3 ?? 0,
  activeNodesTier4: n?.activeNodesTier4 ?? 0,
  eventCount: 0,
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
 * Records one event: its protocol_event row, and the network / daily aggregates (event counters plus
 * whatever `agg` adds), each row written once.
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
  await bumpAggregates(ctx, e, agg, true);
}

/** Applies aggregate updates without logging an event. */
export async function bumpAggregates(
  ctx: Ctx,
  e: AnyEvent,
  agg: Aggregates,
  countEvent = false,
): Promise<void> {
  const found = await ctx.db.find(network, { id: NETWORK_ID });
  const n0 = found ? { ...found } : null;
  const base = n0 ?? networkDefaults(e);
  const nPatch: Partial<NetworkRow> = {
    ...(agg.network ? agg.network(base) : {}),
    eventCount: base.eventCount + (countEvent ? 1 : 0),
    updatedAt: e.block.timestamp,
    updatedBlock: e.block.number,
  };
  const n1 = { ...base, ...nPatch };
  if (n0) await ctx.db.update(network, { id: NETWORK_ID }).set(nPatch);
  else await ctx.db.insert(network).values(n1);

  const { id, dayStart } = utcDay(e.block.timestamp);
  const dFound = await ctx.db.find(dailyStat, { id });
  const d0 = dFound ? { ...dFound } : null;
  const dBase = d0 ?? dailyDefaults(id, dayStart, n0);
  const dPatch: Partial<DailyRow> = {
    ...(agg.daily ? agg.daily(dBase) : {}),
    eventCount: dBase.eventCount + (countEvent ? 1 : 0),
  };
  // The day's active-node columns follow the network (end-of-day values).
  if (
    !d0 ||
    n1.activeNodes !== dBase.activeNodes ||
    n1.activeNodesTier0 !== dBase.activeNodesTier0 ||
    n1.activeNodesTier1 !== dBase.activeNodesTier1 ||
    n1.activeNodesTier2 !== dBase.activeNodesTier2 ||
    n1.activeNodesTier3 !== dBase.activeNodesTier3 ||
    n1.activeNodesTier4 !== dBase.activeNodesTier4
  ) {
    Object.assign(dPatch, {
      activeNodes: n1.activeNodes,
      activeNodesTier0: n1.activeNodesTier0,
      activeNodesTier1: n1.activeNodesTier1,
      activeNodesTier2: n1.activeNodesTier2,
      activeNodesTier3: n1.activeNodesTier3,
      activeNodesTier4: n1.activeNodesTier4,
    });
  }
  if (d0) await ctx.db.update(dailyStat, { id }).set(dPatch);
  else await ctx.db.insert(dailyStat).values({ ...dBase, ...dPatch });
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
  successBps: 10_000,
  assignmentCount: 0,
  timeoutCount: 0,
  releaseCount: 0,
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
 * Reads a node (or its defaults), applies `patch`, writes it back, and keeps the network's derived
 * totals in step: active nodes per tier, total staked (bonded + unbonding) and total locked.
 * Returns the node as written.
 */
export async function updateNode(
  ctx: Ctx,
  e: AnyEvent,
  nodeId: bigint,
  patch: (n: NodeRow) => Partial<NodeRow>,
  agg: Aggregates = {},
): Promise<NodeRow> {
  // Copies: Ponder's cache may update the found object in place, and the deltas below need the old values.
  const before = await ctx.db.find(node, { id: nodeId });
  const base = before ? { ...before } : nodeDefaults(nodeId, e);
  const after: NodeRow = { ...base, ...patch(base), updatedAt: e.block.timestamp };
  after.successBps = successBps(after.completed, after.failed);
  if (before) {
    const { id: _id, ...set } = after;
    await ctx.db.update(node, { id: nodeId }).set(set);
  } else {
    await ctx.db.insert(node).values(after);
  }

  const stakedDelta = after.stake + after.unbonding - (base.stake + base.unbonding);
  const lockedDelta = after.locked - base.locked;
  const activeMoved = base.active !== after.active || (after.active && base.tier !== after.tier);
  if (stakedDelta !== 0n || lockedDelta !== 0n || activeMoved || agg.network || agg.daily) {
    await bumpAggregates(ctx, e, {
      network: (n) => {
        const out: Partial<NetworkRow> = {
          ...(agg.network ? agg.network(n) : {}),
          totalStaked: n.totalStaked + stakedDelta,
          totalLocked: n.totalLocked + lockedDelta,
        };
        if (activeMoved) {
          const counts = {
            activeNodes: n.activeNodes,
            activeNodesTier0: n.activeNodesTier0,
            activeNodesTier1: n.activeNodesTier1,
            activeNodesTier2: n.activeNodesTier2,
            activeNodesTier3: n.activeNodesTier3,
            activeNodesTier4: n.activeNodesTier4,
          };
          if (base.active) {
            counts.activeNodes--;
            counts[tierKey(base.tier)]--;
          }
          if (after.active) {
            counts.activeNodes++;
            counts[tierKey(after.tier)]++;
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
