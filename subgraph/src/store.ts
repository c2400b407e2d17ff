// Write helpers shared by the mappings (the subgraph's counterpart of indexer/src/lib/store.ts): the
// ProtocolEvent log, the Network / DailyStat aggregates, and node updates that keep the network totals in
// step. The pure logic under them lives in ./lib (tested in Vitest).
import { Address, BigInt, Bytes, ethereum } from "@graphprotocol/graph-ts";
import { DailyStat, Network, Node, ProtocolEvent, StakeEvent } from "../generated/schema";
import { argsJson } from "./json";
import { activeTierField } from "./lib/enums";
import { dayId, dayStart, successBps } from "./lib/format";
import { eventId, NETWORK_ID } from "./lib/ids";

export const ZERO_32: Bytes = Bytes.fromHexString(
  "0x0000000000000000000000000000000000000000000000000000000000000000",
);

export function zero(): BigInt {
  return BigInt.zero();
}

/** Id of the entity one event writes (sorts in chain order). */
export function idOf(event: ethereum.Event): string {
  return eventId(event.block.number.toString(), event.logIndex.toString());
}

// -------------------------------------------------------------------------------------------------
// Aggregates: loaded once per handler, mutated, saved by logEvent
// -------------------------------------------------------------------------------------------------

export class Aggregates {
  network: Network;
  daily: DailyStat;

  constructor(network: Network, daily: DailyStat) {
    this.network = network;
    this.daily = daily;
  }
}

function newNetwork(event: ethereum.Event): Network {
  const n = new Network(NETWORK_ID);
  n.nodeCount = 0;
  n.activeNodes = 0;
  n.activeNodesTier0 = 0;
  n.activeNodesTier1 = 0;
  n.activeNodesTier2 = 0;
  n.activeNodesTier3 = 0;
  n.activeNodesTier4 = 0;
  n.totalStaked = zero();
  n.totalLocked = zero();
  n.taskCount = 0;
  n.openTasks = 0;
  n.runningTasks = 0;
  n.completedTasks = 0;
  n.failedTasks = 0;
  n.cancelledTasks = 0;
  n.shardCount = 0;
  n.shardsFinalized = 0;
  n.totalEscrowed = zero();
  n.totalPaid = zero();
  n.totalFees = zero();
  n.feesSwept = zero();
  n.totalRefunded = zero();
  n.slashCount = 0;
  n.totalSlashed = zero();
  n.disputeCount = 0;
  n.openDisputes = 0;
  n.modelCount = 0;
  n.verifiedModelVersions = 0;
  n.datasetCount = 0;
  n.datasetFeesPaid = zero();
  n.updatedAt = event.block.timestamp;
  n.updatedBlock = event.block.number;
  return n;
}

function newDaily(id: string, start: i64, n: Network): DailyStat {
  const d = new DailyStat(id);
  d.dayStart = BigInt.fromI64(start);
  d.tasksPosted = 0;
  d.tasksCompleted = 0;
  d.tasksFailed = 0;
  d.tasksCancelled = 0;
  d.shardsFinalized = 0;
  d.shardsFailed = 0;
  d.shardsTimedOut = 0;
  d.volume = zero();
  d.rewardsPaid = zero();
  d.fees = zero();
  d.refunds = zero();
  d.slashes = 0;
  d.slashedAmount = zero();
  d.disputesOpened = 0;
  d.disputesResolved = 0;
  d.nodesRegistered = 0;
  d.modelsPublished = 0;
  // A new day starts from the network's current active set.
  d.activeNodes = n.activeNodes;
  d.activeNodesTier0 = n.activeNodesTier0;
  d.activeNodesTier1 = n.activeNodesTier1;
  d.activeNodesTier2 = n.activeNodesTier2;
  d.activeNodesTier3 = n.activeNodesTier3;
  d.activeNodesTier4 = n.activeNodesTier4;
  return d;
}

/** The Network entity and the DailyStat of the event's UTC day (created with defaults when new). */
export function loadAggregates(event: ethereum.Event): Aggregates {
  let n = Network.load(NETWORK_ID);
  if (n == null) n = newNetwork(event);
  const network = n as Network;
  const timestamp = event.block.timestamp.toI64();
  const id = dayId(timestamp);
  let d = DailyStat.load(id);
  if (d == null) d = newDaily(id, dayStart(timestamp), network);
  return new Aggregates(network, d as DailyStat);
}

/** Saves the aggregates: the day's end-of-day active-node counts, network update time. */
export function saveAggregates(event: ethereum.Event, agg: Aggregates): void {
  const n = agg.network;
  const d = agg.daily;
  n.updatedAt = event.block.timestamp;
  n.updatedBlock = event.block.number;
  d.activeNodes = n.activeNodes;
  d.activeNodesTier0 = n.activeNodesTier0;
  d.activeNodesTier1 = n.activeNodesTier1;
  d.activeNodesTier2 = n.activeNodesTier2;
  d.activeNodesTier3 = n.activeNodesTier3;
  d.activeNodesTier4 = n.activeNodesTier4;
  n.save();
  d.save();
}

// -------------------------------------------------------------------------------------------------
// ProtocolEvent
// -------------------------------------------------------------------------------------------------

/** The entities an event names (ProtocolEvent's link columns). */
export class Links {
  nodeId: BigInt | null = null;
  taskId: BigInt | null = null;
  shardIndex: i32 = -1;
  disputeId: BigInt | null = null;
  modelId: BigInt | null = null;
  datasetId: BigInt | null = null;

  node(id: BigInt): Links {
    this.nodeId = id;
    return this;
  }

  task(id: BigInt): Links {
    this.taskId = id;
    return this;
  }

  shard(taskId: BigInt, shardIndex: i32): Links {
    this.taskId = taskId;
    this.shardIndex = shardIndex;
    return this;
  }

  dispute(id: BigInt): Links {
    this.disputeId = id;
    return this;
  }

  model(id: BigInt): Links {
    this.modelId = id;
    return this;
  }

  dataset(id: BigInt): Links {
    this.datasetId = id;
    return this;
  }
}

export function links(): Links {
  return new Links();
}

/**
 * Records one event: its ProtocolEvent (decoded arguments as JSON text) and the aggregates, counting the
 * event. Every handler ends with it.
 */
export function logEvent(
  event: ethereum.Event,
  contract: string,
  name: string,
  l: Links,
  agg: Aggregates,
): void {
  const e = new ProtocolEvent(idOf(event));
  e.contract = contract;
  e.name = name;
  e.address = event.address;
  e.blockNumber = event.block.number;
  e.blockHash = event.block.hash;
  e.timestamp = event.block.timestamp;
  e.transactionHash = event.transaction.hash;
  e.logIndex = event.logIndex.toI32();
  e.from = event.transaction.from;
  e.nodeId = l.nodeId;
  e.taskId = l.taskId;
  if (l.shardIndex >= 0) e.shardIndex = l.shardIndex;
  e.disputeId = l.disputeId;
  e.modelId = l.modelId;
  e.datasetId = l.datasetId;
  e.args = argsJson(event.parameters);
  const taskId = l.taskId;
  if (taskId) e.task = taskId.toString();
  const datasetId = l.datasetId;
  if (datasetId) e.dataset = datasetId.toString();
  e.save();
  saveAggregates(event, agg);
}

// -------------------------------------------------------------------------------------------------
// Nodes
// -------------------------------------------------------------------------------------------------

/** A node as stored, or its defaults when NodeRegistered has not been seen (events of a transaction may come first). */
export function loadNode(nodeId: BigInt, event: ethereum.Event): Node {
  const existing = Node.load(nodeId.toString());
  if (existing != null) return existing;
  const n = new Node(nodeId.toString());
  n.operator = Address.zero();
  n.worker = Address.zero();
  n.status = "Active";
  n.active = false;
  n.jailed = false;
  n.jailedUntil = zero();
  n.tier = 0;
  n.gpuModel = "";
  n.gpuCount = 0;
  n.vramMiB = 0;
  n.cpuCores = 0;
  n.memoryMiB = 0;
  n.region = "";
  n.askPrice = zero();
  n.metadataCid = ZERO_32;
  n.stake = zero();
  n.locked = zero();
  n.unbonding = zero();
  n.unbondingReleaseAt = zero();
  n.totalWithdrawn = zero();
  n.totalSlashed = zero();
  n.completed = 0;
  n.failed = 0;
  n.slashCount = 0;
  n.feesPaid = zero();
  n.successBps = 10000;
  n.assignmentCount = 0;
  n.timeoutCount = 0;
  n.releaseCount = 0;
  n.lateReleaseCount = 0;
  n.earned = zero();
  n.registeredAt = event.block.timestamp;
  n.registeredBlock = event.block.number;
  n.registeredTx = event.transaction.hash;
  n.updatedAt = event.block.timestamp;
  return n;
}

/** What the network totals follow of a node, taken before a change. */
export class NodeSnapshot {
  staked: BigInt;
  locked: BigInt;
  active: bool;
  tier: i32;

  constructor(n: Node) {
    this.staked = n.stake.plus(n.unbonding);
    this.locked = n.locked;
    this.active = n.active;
    this.tier = n.tier;
  }
}

function addI32(entity: Network, field: string, delta: i32): void {
  entity.setI32(field, entity.getI32(field) + delta);
}

/**
 * Saves a node changed since `before` and keeps the network in step: total staked (bonded + unbonding),
 * total locked, active nodes per tier. Recomputes successBps as the contracts define it.
 */
export function saveNode(n: Node, before: NodeSnapshot, event: ethereum.Event, agg: Aggregates): void {
  n.successBps = successBps(n.completed, n.failed);
  n.updatedAt = event.block.timestamp;
  n.save();
  const net = agg.network;
  net.totalStaked = net.totalStaked.plus(n.stake.plus(n.unbonding)).minus(before.staked);
  net.totalLocked = net.totalLocked.plus(n.locked).minus(before.locked);
  if (before.active != n.active || (n.active && before.tier != n.tier)) {
    if (before.active) {
      net.activeNodes = net.activeNodes - 1;
      addI32(net, activeTierField(before.tier), -1);
    }
    if (n.active) {
      net.activeNodes = net.activeNodes + 1;
      addI32(net, activeTierField(n.tier), 1);
    }
  }
}

/** Loads a node (or its defaults), lets the caller change `node`, then saves it with the network in step. */
export class NodeUpdate {
  node: Node;
  before: NodeSnapshot;

  constructor(nodeId: BigInt, event: ethereum.Event) {
    this.node = loadNode(nodeId, event);
    this.before = new NodeSnapshot(this.node);
  }

  save(event: ethereum.Event, agg: Aggregates): Node {
    saveNode(this.node, this.before, event, agg);
    return this.node;
  }
}

/** A StakeEvent row for the node as it is now (the caller sets the optional fields and saves it). */
export function newStakeEvent(event: ethereum.Event, n: Node, kind: string, amount: BigInt): StakeEvent {
  const s = new StakeEvent(idOf(event));
  s.nodeId = BigInt.fromString(n.id);
  s.kind = kind;
  s.amount = amount;
  s.stakeAfter = n.stake;
  s.unbondingAfter = n.unbonding;
  s.lockedAfter = n.locked;
  s.blockNumber = event.block.number;
  s.timestamp = event.block.timestamp;
  s.transactionHash = event.transaction.hash;
  s.logIndex = event.logIndex.toI32();
  s.node = n.id;
  return s;
}

/** Smaller of two BigInts. */
export function minBig(a: BigInt, b: BigInt): BigInt {
  return a.lt(b) ? a : b;
}

/** a - b, or 0 when b > a. */
export function subFloor(a: BigInt, b: BigInt): BigInt {
  return a.gt(b) ? a.minus(b) : zero();
}
