// NodeRegistry handlers: the same entities and semantics as indexer/src/NodeRegistry.ts.
import { BigInt, Bytes } from "@graphprotocol/graph-ts";
import {
  ActiveSetChanged,
  CollateralClamped,
  CollateralLocked,
  CollateralUnlocked,
  EIP712DomainChanged,
  Jailed,
  NodeExited,
  NodePaused,
  NodeRegistered,
  NodeResumed,
  NodeUpdated,
  ParameterSet,
  ProtocolContractsSet,
  ReputationUpdated,
  RoleAdminChanged,
  RoleGranted,
  RoleRevoked,
  Slashed,
  Staked,
  TierChanged,
  TierThresholdSet,
  Unjailed,
  UnstakeRequested,
  Withdrawn,
  WorkerChanged,
} from "../generated/NodeRegistry/NodeRegistry";
import { Node, TierChange, TierThreshold } from "../generated/schema";
import { onParameterSet, onRole, recordParameterChange } from "./governance";
import { cidFromDigest, RAW_CODEC } from "./lib/cid";
import { enumName, SLASH_REASON, TIER_NAMES } from "./lib/enums";
import { paddedAscii } from "./lib/format";
import { idOf, links, loadAggregates, logEvent, minBig, NodeUpdate, newStakeEvent, subFloor } from "./store";

const C = "NodeRegistry";

function setCapabilities(
  n: Node,
  gpuModel: Bytes,
  gpuCount: i32,
  vramMiB: BigInt,
  cpuCores: i32,
  memoryMiB: BigInt,
  region: Bytes,
): void {
  n.gpuModel = paddedAscii(gpuModel);
  n.gpuCount = gpuCount;
  n.vramMiB = vramMiB.toI32();
  n.cpuCores = cpuCores;
  n.memoryMiB = memoryMiB.toI32();
  n.region = paddedAscii(region);
}

function setMetadata(n: Node, askPrice: BigInt, metadataCid: Bytes): void {
  n.askPrice = askPrice;
  n.metadataCid = metadataCid;
  n.metadataCidStr = cidFromDigest(metadataCid, RAW_CODEC);
}

export function handleNodeRegistered(event: NodeRegistered): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const u = new NodeUpdate(p.nodeId, event);
  const n = u.node;
  const c = p.capabilities;
  n.operator = p.operator;
  n.worker = p.worker;
  n.status = "Active";
  setCapabilities(n, c.gpuModel, c.gpuCount, c.vramMiB, c.cpuCores, c.memoryMiB, c.region);
  setMetadata(n, p.askPrice, p.metadataCid);
  n.stake = p.stake;
  n.registeredAt = event.block.timestamp;
  n.registeredBlock = event.block.number;
  n.registeredTx = event.transaction.hash;
  u.save(event, agg);
  agg.network.nodeCount = agg.network.nodeCount + 1;
  agg.daily.nodesRegistered = agg.daily.nodesRegistered + 1;
  newStakeEvent(event, n, "Registered", p.stake).save();
  logEvent(event, C, "NodeRegistered", links().node(p.nodeId), agg);
}

export function handleNodeUpdated(event: NodeUpdated): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const u = new NodeUpdate(p.nodeId, event);
  const c = p.capabilities;
  setCapabilities(u.node, c.gpuModel, c.gpuCount, c.vramMiB, c.cpuCores, c.memoryMiB, c.region);
  setMetadata(u.node, p.askPrice, p.metadataCid);
  u.save(event, agg);
  logEvent(event, C, "NodeUpdated", links().node(p.nodeId), agg);
}

export function handleWorkerChanged(event: WorkerChanged): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const u = new NodeUpdate(p.nodeId, event);
  u.node.worker = p.newWorker;
  u.save(event, agg);
  logEvent(event, C, "WorkerChanged", links().node(p.nodeId), agg);
}

export function handleStaked(event: Staked): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const u = new NodeUpdate(p.nodeId, event);
  u.node.stake = p.newStake;
  const n = u.save(event, agg);
  newStakeEvent(event, n, "Staked", p.amount).save();
  logEvent(event, C, "Staked", links().node(p.nodeId), agg);
}

export function handleUnstakeRequested(event: UnstakeRequested): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const u = new NodeUpdate(p.nodeId, event);
  u.node.stake = u.node.stake.minus(p.amount);
  u.node.unbonding = p.totalUnbonding;
  u.node.unbondingReleaseAt = p.releaseAt;
  const n = u.save(event, agg);
  const s = newStakeEvent(event, n, "UnstakeRequested", p.amount);
  s.releaseAt = p.releaseAt;
  s.save();
  logEvent(event, C, "UnstakeRequested", links().node(p.nodeId), agg);
}

export function handleWithdrawn(event: Withdrawn): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const u = new NodeUpdate(p.nodeId, event);
  // Withdraw pays out the whole unbonding amount and clears its release time.
  const unbonding = subFloor(u.node.unbonding, p.amount);
  u.node.unbonding = unbonding;
  if (unbonding.isZero()) u.node.unbondingReleaseAt = BigInt.zero();
  u.node.totalWithdrawn = u.node.totalWithdrawn.plus(p.amount);
  const n = u.save(event, agg);
  const s = newStakeEvent(event, n, "Withdrawn", p.amount);
  s.account = p.to;
  s.save();
  logEvent(event, C, "Withdrawn", links().node(p.nodeId), agg);
}

export function handleNodePaused(event: NodePaused): void {
  const nodeId = event.params.nodeId;
  const agg = loadAggregates(event);
  const u = new NodeUpdate(nodeId, event);
  u.node.status = "Paused";
  u.save(event, agg);
  logEvent(event, C, "NodePaused", links().node(nodeId), agg);
}

export function handleNodeResumed(event: NodeResumed): void {
  const nodeId = event.params.nodeId;
  const agg = loadAggregates(event);
  const u = new NodeUpdate(nodeId, event);
  u.node.status = "Active";
  u.save(event, agg);
  logEvent(event, C, "NodeResumed", links().node(nodeId), agg);
}

export function handleNodeExited(event: NodeExited): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const u = new NodeUpdate(p.nodeId, event);
  // Exit moves all bonded stake into unbonding; the event carries the resulting unbonding total.
  const n = u.node;
  n.status = "Exited";
  n.stake = subFloor(n.stake.plus(n.unbonding), p.unbonding);
  n.unbonding = p.unbonding;
  n.unbondingReleaseAt = p.releaseAt;
  u.save(event, agg);
  const s = newStakeEvent(event, n, "Exited", p.unbonding);
  s.releaseAt = p.releaseAt;
  s.save();
  logEvent(event, C, "NodeExited", links().node(p.nodeId), agg);
}

export function handleActiveSetChanged(event: ActiveSetChanged): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const u = new NodeUpdate(p.nodeId, event);
  u.node.active = p.active;
  u.save(event, agg);
  logEvent(event, C, "ActiveSetChanged", links().node(p.nodeId), agg);
}

export function handleCollateralLocked(event: CollateralLocked): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const u = new NodeUpdate(p.nodeId, event);
  u.node.locked = p.totalLocked;
  u.save(event, agg);
  logEvent(event, C, "CollateralLocked", links().node(p.nodeId), agg);
}

export function handleCollateralUnlocked(event: CollateralUnlocked): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const u = new NodeUpdate(p.nodeId, event);
  u.node.locked = p.totalLocked;
  u.save(event, agg);
  logEvent(event, C, "CollateralUnlocked", links().node(p.nodeId), agg);
}

/** A slash left less bonded stake than was locked: locked is now all of it (`owed` stays with live shards). */
export function handleCollateralClamped(event: CollateralClamped): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const u = new NodeUpdate(p.nodeId, event);
  u.node.locked = p.locked;
  u.save(event, agg);
  logEvent(event, C, "CollateralClamped", links().node(p.nodeId), agg);
}

/** PROTOCOL_ROLE granted once to the TaskManager and the DisputeManager (RoleGranted rows follow). */
export function handleProtocolContractsSet(event: ProtocolContractsSet): void {
  logEvent(event, C, "ProtocolContractsSet", links(), loadAggregates(event));
}

export function handleSlashed(event: Slashed): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const u = new NodeUpdate(p.nodeId, event);
  const n = u.node;
  // Bonded stake first, then unbonding; locked collateral is clamped to what stays bonded.
  const fromStake = minBig(p.amount, n.stake);
  const rest = p.amount.minus(fromStake);
  n.stake = n.stake.minus(fromStake);
  n.unbonding = subFloor(n.unbonding, rest);
  n.locked = minBig(n.locked, n.stake);
  n.totalSlashed = n.totalSlashed.plus(p.amount);
  u.save(event, agg);
  agg.network.slashCount = agg.network.slashCount + 1;
  agg.network.totalSlashed = agg.network.totalSlashed.plus(p.amount);
  agg.daily.slashes = agg.daily.slashes + 1;
  agg.daily.slashedAmount = agg.daily.slashedAmount.plus(p.amount);
  const s = newStakeEvent(event, n, "Slashed", p.amount);
  s.account = p.recipient;
  s.slashReason = enumName(SLASH_REASON, p.reason);
  s.save();
  logEvent(event, C, "Slashed", links().node(p.nodeId), agg);
}

export function handleJailed(event: Jailed): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const u = new NodeUpdate(p.nodeId, event);
  u.node.jailed = true;
  u.node.jailedUntil = p.until;
  u.save(event, agg);
  logEvent(event, C, "Jailed", links().node(p.nodeId), agg);
}

export function handleUnjailed(event: Unjailed): void {
  const nodeId = event.params.nodeId;
  const agg = loadAggregates(event);
  const u = new NodeUpdate(nodeId, event);
  u.node.jailed = false;
  u.node.jailedUntil = BigInt.zero();
  u.save(event, agg);
  logEvent(event, C, "Unjailed", links().node(nodeId), agg);
}

export function handleReputationUpdated(event: ReputationUpdated): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const u = new NodeUpdate(p.nodeId, event);
  u.node.completed = p.completed.toI32();
  u.node.failed = p.failed.toI32();
  u.node.slashCount = p.slashCount.toI32();
  u.node.feesPaid = p.feesPaid;
  u.save(event, agg);
  logEvent(event, C, "ReputationUpdated", links().node(p.nodeId), agg);
}

export function handleTierChanged(event: TierChanged): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const u = new NodeUpdate(p.nodeId, event);
  u.node.tier = p.newTier;
  u.save(event, agg);
  const t = new TierChange(idOf(event));
  t.nodeId = p.nodeId;
  t.oldTier = p.oldTier;
  t.newTier = p.newTier;
  t.blockNumber = event.block.number;
  t.timestamp = event.block.timestamp;
  t.transactionHash = event.transaction.hash;
  t.node = p.nodeId.toString();
  t.save();
  logEvent(event, C, "TierChanged", links().node(p.nodeId), agg);
}

export function handleTierThresholdSet(event: TierThresholdSet): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const tier = p.tier;
  const id = tier.toString();
  const old = TierThreshold.load(id);
  const row = new TierThreshold(id);
  row.tier = tier;
  row.minStake = p.minStake;
  row.minCompleted = p.minCompleted.toI32();
  row.minSuccessBps = p.minSuccessBps;
  row.minFeesPaid = p.minFeesPaid;
  row.updatedAt = event.block.timestamp;
  row.save();
  const name = "tierThreshold." + enumName(TIER_NAMES, tier);
  let oldStake: string | null = null;
  let oldCompleted: string | null = null;
  let oldSuccess: string | null = null;
  let oldFees: string | null = null;
  if (old != null) {
    oldStake = old.minStake.toString();
    oldCompleted = old.minCompleted.toString();
    oldSuccess = old.minSuccessBps.toString();
    oldFees = old.minFeesPaid.toString();
  }
  recordParameterChange(event, C, name + ".minStake", oldStake, p.minStake.toString(), 0);
  recordParameterChange(event, C, name + ".minCompleted", oldCompleted, p.minCompleted.toString(), 1);
  recordParameterChange(event, C, name + ".minSuccessBps", oldSuccess, p.minSuccessBps.toString(), 2);
  recordParameterChange(event, C, name + ".minFeesPaid", oldFees, p.minFeesPaid.toString(), 3);
  logEvent(event, C, "TierThresholdSet", links(), agg);
}

export function handleParameterSet(event: ParameterSet): void {
  const p = event.params;
  const agg = loadAggregates(event);
  onParameterSet(event, C, p.name, p.oldValue, p.newValue);
  logEvent(event, C, "ParameterSet", links(), agg);
}

export function handleRoleGranted(event: RoleGranted): void {
  const agg = loadAggregates(event);
  onRole(event, C, event.params.role, event.params.account, true);
  logEvent(event, C, "RoleGranted", links(), agg);
}

export function handleRoleRevoked(event: RoleRevoked): void {
  const agg = loadAggregates(event);
  onRole(event, C, event.params.role, event.params.account, false);
  logEvent(event, C, "RoleRevoked", links(), agg);
}

export function handleRoleAdminChanged(event: RoleAdminChanged): void {
  logEvent(event, C, "RoleAdminChanged", links(), loadAggregates(event));
}

export function handleEIP712DomainChanged(event: EIP712DomainChanged): void {
  logEvent(event, C, "EIP712DomainChanged", links(), loadAggregates(event));
}
