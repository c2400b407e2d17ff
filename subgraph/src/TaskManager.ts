// TaskManager handlers: the same entities and semantics as indexer/src/TaskManager.ts.
import { BigInt, Bytes, ethereum } from "@graphprotocol/graph-ts";
import {
  Assignment,
  Checkpoint,
  DatasetUsagePayment,
  Dispute,
  Shard,
  Task,
  TierFee,
} from "../generated/schema";
import {
  AuditAssigned,
  AuditRecorded,
  DatasetUsagePaid,
  FeesSwept,
  ParameterSet,
  PingAnswered,
  ResultSubmitted,
  RoleAdminChanged,
  RoleGranted,
  RoleRevoked,
  ShardAssigned,
  ShardCancelled,
  ShardChallengeCommitted,
  ShardChallenged,
  ShardDisputeCleared,
  ShardFailed,
  ShardFinalized,
  ShardPinged,
  ShardReleased,
  ShardRequeued,
  ShardResumeLowered,
  ShardTimedOut,
  TaskCancelled,
  TaskPosted,
  TaskRefunded,
  TaskStatusChanged,
  TaskUsesDataset,
  TierFeeSet,
  TreasurySet,
} from "../generated/TaskManager/TaskManager";
import { loadDataset, loadDatasetVersion, saveDataset } from "./datasets";
import { onAddressSet, onParameterSet, onRole, recordParameterChange } from "./governance";
import { cidFromDigest, RAW_CODEC } from "./lib/cid";
import {
  AUDIT_STATUS,
  enumName,
  isTerminalTaskStatus,
  RELEASE_REASON,
  TASK_STATUS,
  TIER_NAMES,
  taskCounterField,
} from "./lib/enums";
import { auditBudget } from "./lib/format";
import { assignmentId, checkpointId, datasetVersionId, shardId } from "./lib/ids";
import { Aggregates, idOf, links, loadAggregates, logEvent, NodeUpdate, zero } from "./store";
import {
  currentAssignment,
  endAttempt,
  epochAssignment,
  loadShard,
  loadTask,
  moveShard,
  saveAssignment,
  saveShard,
  saveTask,
} from "./tasks";

const C = "TaskManager";

function cidStr(digest: Bytes): string | null {
  return cidFromDigest(digest, RAW_CODEC);
}

export function handleTaskPosted(event: TaskPosted): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const ts = event.block.timestamp;
  const shardCount = p.shardCount.toI32();
  const budget = auditBudget(shardCount, p.auditRateBps);
  // The contract fixes collateral and audit fee per shard at post time and emits them.
  const resources = p.resources;

  const t = new Task(p.taskId.toString());
  t.client = p.client;
  t.status = "Open";
  t.specCid = p.specCid;
  t.specCidStr = cidStr(p.specCid);
  t.shardCount = shardCount;
  t.maxPricePerShard = p.maxPricePerShard;
  t.minTier = p.minTier;
  t.gpus = resources.gpus;
  t.vramMiB = resources.vramMiB.toI32();
  t.cpus = resources.cpus;
  t.memoryMiB = resources.memoryMiB.toI32();
  t.maxDuration = p.maxDuration;
  t.auditRateBps = p.auditRateBps;
  t.auditBudget = budget;
  t.auditFeePerShard = p.auditFeePerShard;
  t.collateralPerShard = p.collateralPerShard;
  t.escrow = p.escrow;
  t.escrowRemaining = p.escrow;
  t.paid = zero();
  t.fees = zero();
  t.auditFeesPaid = zero();
  t.refunded = zero();
  t.compensation = zero();
  t.pendingShards = shardCount;
  t.assignedShards = 0;
  t.submittedShards = 0;
  t.challengedShards = 0;
  t.finalizedShards = 0;
  t.failedShards = 0;
  t.cancelledShards = 0;
  t.assignmentCount = 0;
  t.releaseCount = 0;
  t.lateReleaseCount = 0;
  t.timeoutCount = 0;
  t.auditsUsed = 0;
  t.disputeCount = 0;
  // dataset fields stay null unless TaskUsesDataset follows
  t.datasetFeesPaid = zero();
  t.datasetProtocolCut = zero();
  t.createdAt = ts;
  t.createdBlock = event.block.number;
  t.createdTx = event.transaction.hash;
  t.updatedAt = ts;
  t.save();

  const taskId = p.taskId.toString();
  for (let i = 0; i < shardCount; i++) {
    const s = new Shard(shardId(taskId, i));
    s.taskId = p.taskId;
    s.shardIndex = i;
    s.status = "Pending";
    s.epoch = 0;
    s.openDisputes = 0;
    s.challengeCommitted = false;
    s.attempts = 0;
    s.assignmentCount = 0;
    s.checkpointCount = 0;
    s.resumeFrom = 0;
    s.auditStatus = "None";
    saveShard(s, event);
  }

  const n = agg.network;
  n.taskCount = n.taskCount + 1;
  n.openTasks = n.openTasks + 1;
  n.shardCount = n.shardCount + shardCount;
  n.totalEscrowed = n.totalEscrowed.plus(p.escrow);
  agg.daily.tasksPosted = agg.daily.tasksPosted + 1;
  agg.daily.volume = agg.daily.volume.plus(p.escrow);
  logEvent(event, C, "TaskPosted", links().task(p.taskId), agg);
}

function addTaskCounter(agg: Aggregates, status: string, delta: i32): void {
  const field = taskCounterField(status);
  if (field.length > 0) agg.network.setI32(field, agg.network.getI32(field) + delta);
}

export function handleTaskStatusChanged(event: TaskStatusChanged): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const next = enumName(TASK_STATUS, p.newStatus);
  const t = loadTask(p.taskId);
  if (t != null) {
    const prev = t.status;
    t.status = next;
    if (next == "Running" && !t.startedAt) t.startedAt = event.block.timestamp;
    if (isTerminalTaskStatus(next)) t.closedAt = event.block.timestamp;
    saveTask(t, event);
    if (prev != next) {
      addTaskCounter(agg, prev, -1);
      addTaskCounter(agg, next, 1);
      const d = agg.daily;
      if (next == "Completed") d.tasksCompleted = d.tasksCompleted + 1;
      if (next == "Failed") d.tasksFailed = d.tasksFailed + 1;
      if (next == "Cancelled") d.tasksCancelled = d.tasksCancelled + 1;
    }
  }
  logEvent(event, C, "TaskStatusChanged", links().task(p.taskId), agg);
}

/**
 * cancelTask emits no event per shard: every shard of the task that is Pending now becomes Cancelled (the
 * contract's view reads a stored Pending shard of a Cancelled task as Cancelled). The store can only load
 * entities by id, so the task's shards are visited by index (ids "<taskId>-<i>"), stopping once the event's
 * count of Pending shards has been cancelled: at most shardCount loads, none when nothing was Pending. The
 * task's counters move with each shard (moveShard), so they end where the contract's are.
 */
export function handleTaskCancelled(event: TaskCancelled): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const pending = p.pendingShards.toI32();
  const t = loadTask(p.taskId);
  if (t != null) {
    let left = pending;
    for (let i = 0; i < t.shardCount && left > 0; i++) {
      const s = loadShard(p.taskId, i);
      if (s == null || s.status != "Pending") continue;
      moveShard(t, s, "Cancelled");
      saveShard(s, event);
      left = left - 1;
    }
    t.cancelledPendingShards = pending;
    saveTask(t, event);
  }
  logEvent(event, C, "TaskCancelled", links().task(p.taskId), agg);
}

export function handleTaskRefunded(event: TaskRefunded): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const t = loadTask(p.taskId);
  if (t != null) {
    t.refunded = t.refunded.plus(p.amount);
    t.escrowRemaining = t.escrowRemaining.minus(p.amount);
    saveTask(t, event);
  }
  agg.network.totalRefunded = agg.network.totalRefunded.plus(p.amount);
  agg.daily.refunds = agg.daily.refunds.plus(p.amount);
  logEvent(event, C, "TaskRefunded", links().task(p.taskId), agg);
}

/** Right after TaskPosted when the task trains on a dataset version: its usage terms, fixed at posting. */
export function handleTaskUsesDataset(event: TaskUsesDataset): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const version = p.datasetVersion.toI32();
  const t = loadTask(p.taskId);
  if (t != null) {
    t.datasetId = p.datasetId;
    t.datasetVersion = version;
    t.datasetFeePerShard = p.usageFeePerShard;
    t.datasetCutBps = p.cutBps;
    t.dataset = p.datasetId.toString();
    t.trainingData = datasetVersionId(p.datasetId.toString(), version);
    saveTask(t, event);
  }
  const d = loadDataset(p.datasetId);
  if (d != null) {
    d.taskCount = d.taskCount + 1;
    saveDataset(d, event);
  }
  const v = loadDatasetVersion(p.datasetId, version);
  if (v != null) {
    v.taskCount = v.taskCount + 1;
    v.save();
  }
  logEvent(event, C, "TaskUsesDataset", links().task(p.taskId).dataset(p.datasetId), agg);
}

/**
 * Finalized shards of a task paid their usage fee (once per task per finalizeShards call, after its
 * TaskRefunded): `amount` to the dataset's owner, `protocolCut` to the protocol's fees; both leave the task's
 * escrow.
 */
export function handleDatasetUsagePaid(event: DatasetUsagePaid): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const shards = p.shards.toI32();
  let version: i32 = 0;
  const t = loadTask(p.taskId);
  if (t != null) {
    t.datasetFeesPaid = t.datasetFeesPaid.plus(p.amount);
    t.datasetProtocolCut = t.datasetProtocolCut.plus(p.protocolCut);
    t.escrowRemaining = t.escrowRemaining.minus(p.amount).minus(p.protocolCut);
    const v0 = t.datasetVersion;
    if (v0) version = v0;
    saveTask(t, event);
  }
  const d = loadDataset(p.datasetId);
  if (d != null) {
    d.shardsPaid = d.shardsPaid + shards;
    d.feesEarned = d.feesEarned.plus(p.amount);
    d.protocolCut = d.protocolCut.plus(p.protocolCut);
    saveDataset(d, event);
  }
  const v = loadDatasetVersion(p.datasetId, version);
  if (v != null) {
    v.shardsPaid = v.shardsPaid + shards;
    v.feesEarned = v.feesEarned.plus(p.amount);
    v.protocolCut = v.protocolCut.plus(p.protocolCut);
    v.save();
  }
  const pay = new DatasetUsagePayment(idOf(event));
  pay.datasetId = p.datasetId;
  pay.version = version;
  pay.taskId = p.taskId;
  pay.owner = p.owner;
  pay.shards = shards;
  pay.amount = p.amount;
  pay.protocolCut = p.protocolCut;
  pay.blockNumber = event.block.number;
  pay.timestamp = event.block.timestamp;
  pay.transactionHash = event.transaction.hash;
  pay.dataset = p.datasetId.toString();
  pay.datasetVersion = datasetVersionId(p.datasetId.toString(), version);
  pay.task = p.taskId.toString();
  pay.save();
  agg.network.totalFees = agg.network.totalFees.plus(p.protocolCut);
  agg.network.datasetFeesPaid = agg.network.datasetFeesPaid.plus(p.amount);
  agg.daily.fees = agg.daily.fees.plus(p.protocolCut);
  logEvent(event, C, "DatasetUsagePaid", links().task(p.taskId).dataset(p.datasetId), agg);
}

/** The task and shard of a shard event, both loaded (null when either is unknown). */
class ShardUpdate {
  task: Task;
  shard: Shard;

  constructor(task: Task, shard: Shard) {
    this.task = task;
    this.shard = shard;
  }

  save(event: ethereum.Event): void {
    saveShard(this.shard, event);
    saveTask(this.task, event);
  }
}

function loadShardUpdate(taskId: BigInt, shardIndex: i32): ShardUpdate | null {
  const t = loadTask(taskId);
  const s = loadShard(taskId, shardIndex);
  if (t == null || s == null) return null;
  return new ShardUpdate(t, s);
}

function endAssignment(a: Assignment, outcome: string, event: ethereum.Event): void {
  a.outcome = outcome;
  a.endedAt = event.block.timestamp;
  a.endedTx = event.transaction.hash;
}

export function handleShardAssigned(event: ShardAssigned): void {
  const p = event.params;
  const shardIndex = p.shardIndex.toI32();
  const ts = event.block.timestamp;
  const agg = loadAggregates(event);
  const resumeManifestCidStr = cidStr(p.resumeManifestCid);
  const u = loadShardUpdate(p.taskId, shardIndex);
  if (u != null) {
    const s = u.shard;
    moveShard(u.task, s, "Assigned");
    s.nodeId = p.nodeId;
    s.epoch = p.epoch;
    s.challengeCommitted = false;
    s.revealDeadline = null;
    s.assignmentCount = s.assignmentCount + 1;
    s.deadline = p.deadline;
    s.assignedAt = ts;
    s.price = p.price;
    s.resumeFrom = p.resumeFrom.toI32();
    s.resumeManifestCid = p.resumeManifestCid;
    s.resumeManifestCidStr = resumeManifestCidStr;
    u.task.assignmentCount = u.task.assignmentCount + 1;
    u.save(event);

    const a = new Assignment(assignmentId(p.taskId.toString(), shardIndex, s.assignmentCount));
    a.taskId = p.taskId;
    a.shardIndex = shardIndex;
    a.seq = s.assignmentCount;
    a.nodeId = p.nodeId;
    a.attempt = p.attempt;
    a.epoch = p.epoch;
    a.outcome = "Active";
    a.assignedAt = ts;
    a.assignedBlock = event.block.number;
    a.assignedTx = event.transaction.hash;
    a.deadline = p.deadline;
    a.price = p.price;
    a.resumeFrom = p.resumeFrom.toI32();
    a.resumeManifestCid = p.resumeManifestCid;
    a.resumeManifestCidStr = resumeManifestCidStr;
    saveAssignment(a);
  }
  const nu = new NodeUpdate(p.nodeId, event);
  nu.node.assignmentCount = nu.node.assignmentCount + 1;
  nu.save(event, agg);
  logEvent(event, C, "ShardAssigned", links().shard(p.taskId, shardIndex).node(p.nodeId), agg);
}

export function handleShardReleased(event: ShardReleased): void {
  const p = event.params;
  const shardIndex = p.shardIndex.toI32();
  const agg = loadAggregates(event);
  const reason = enumName(RELEASE_REASON, p.reason);
  const logsCidStr = cidStr(p.logsCid);
  const late = p.late;
  // The attempt ends (Pending again). A late release (after the grace period) also counts as a failed attempt:
  // attempts + 1, and ShardRequeued / ShardFailed / ShardCancelled follow with the new status, as after a
  // timeout. An early release of a cancelled task's shard is followed by ShardCancelled.
  const u = loadShardUpdate(p.taskId, shardIndex);
  if (u != null) {
    const s = u.shard;
    moveShard(u.task, s, "Pending");
    endAttempt(s);
    if (late) s.attempts = s.attempts + 1;
    s.lastReleaseReason = reason;
    s.lastLogsCid = p.logsCid;
    s.lastLogsCidStr = logsCidStr;
    s.lastReleaseLate = late;
    u.task.releaseCount = u.task.releaseCount + 1;
    if (late) u.task.lateReleaseCount = u.task.lateReleaseCount + 1;
    u.save(event);
    const a = currentAssignment(s);
    if (a != null) {
      endAssignment(a, "Released", event);
      a.releaseReason = reason;
      a.late = late;
      a.logsCid = p.logsCid;
      a.logsCidStr = logsCidStr;
      saveAssignment(a);
    }
  }
  const nu = new NodeUpdate(p.nodeId, event);
  nu.node.releaseCount = nu.node.releaseCount + 1;
  if (late) nu.node.lateReleaseCount = nu.node.lateReleaseCount + 1;
  nu.save(event, agg);
  logEvent(event, C, "ShardReleased", links().shard(p.taskId, shardIndex).node(p.nodeId), agg);
}

export function handleResultSubmitted(event: ResultSubmitted): void {
  const p = event.params;
  const shardIndex = p.shardIndex.toI32();
  const agg = loadAggregates(event);
  const manifestCidStr = cidStr(p.manifestCid);
  const checkpointCount = p.checkpointCount.toI32();
  const epoch = p.epoch;
  const u = loadShardUpdate(p.taskId, shardIndex);
  if (u != null) {
    const s = u.shard;
    // Disputes of earlier epochs may still be open: the result is then Challenged at once.
    moveShard(u.task, s, s.openDisputes > 0 ? "Challenged" : "Submitted");
    s.manifestCid = p.manifestCid;
    s.manifestCidStr = manifestCidStr;
    s.checkpointRoot = p.checkpointRoot;
    s.checkpointCount = checkpointCount;
    s.submittedAt = event.block.timestamp;
    s.submittedBlock = event.block.number;
    s.challengeDeadline = p.challengeDeadline;
    s.deadline = p.challengeDeadline;
    u.save(event);
    const a = currentAssignment(s);
    if (a != null) {
      a.outcome = "Submitted";
      a.manifestCid = p.manifestCid;
      a.manifestCidStr = manifestCidStr;
      a.checkpointRoot = p.checkpointRoot;
      a.checkpointCount = checkpointCount;
      a.submittedAt = event.block.timestamp;
      a.submittedBlock = event.block.number;
      a.challengeDeadline = p.challengeDeadline;
      saveAssignment(a);
    }
  }
  // Every committed checkpoint: leaf i of the result's tree.
  const taskId = p.taskId.toString();
  const assignment = assignmentId(taskId, shardIndex, epoch);
  const checkpoints = p.checkpoints;
  for (let i = 0; i < checkpoints.length; i++) {
    const c = new Checkpoint(checkpointId(taskId, shardIndex, epoch, i));
    c.taskId = p.taskId;
    c.shardIndex = shardIndex;
    c.epoch = epoch;
    c.index = i;
    c.step = checkpoints[i].step;
    c.hash = checkpoints[i].hash;
    c.isFinal = i == checkpoints.length - 1;
    c.assignmentId = assignment;
    c.nodeId = p.nodeId;
    c.checkpointRoot = p.checkpointRoot;
    c.blockNumber = event.block.number;
    c.timestamp = event.block.timestamp;
    c.transactionHash = event.transaction.hash;
    c.shard = shardId(taskId, shardIndex);
    c.assignment = assignment;
    c.save();
  }
  logEvent(event, C, "ResultSubmitted", links().shard(p.taskId, shardIndex).node(p.nodeId), agg);
}

export function handleShardFinalized(event: ShardFinalized): void {
  const p = event.params;
  const shardIndex = p.shardIndex.toI32();
  const agg = loadAggregates(event);
  const u = loadShardUpdate(p.taskId, shardIndex);
  if (u != null) {
    const s = u.shard;
    const t = u.task;
    moveShard(t, s, "Finalized");
    s.payout = p.payout;
    s.fee = p.fee;
    s.finalizedAt = event.block.timestamp;
    t.paid = t.paid.plus(p.payout);
    t.fees = t.fees.plus(p.fee);
    t.escrowRemaining = t.escrowRemaining.minus(p.payout).minus(p.fee);
    u.save(event);
    const a = currentAssignment(s);
    if (a != null) {
      endAssignment(a, "Finalized", event);
      a.payout = p.payout;
      a.fee = p.fee;
      saveAssignment(a);
    }
  }
  const nu = new NodeUpdate(p.nodeId, event);
  nu.node.earned = nu.node.earned.plus(p.payout);
  nu.save(event, agg);
  const n = agg.network;
  n.shardsFinalized = n.shardsFinalized + 1;
  n.totalPaid = n.totalPaid.plus(p.payout);
  n.totalFees = n.totalFees.plus(p.fee);
  const d = agg.daily;
  d.shardsFinalized = d.shardsFinalized + 1;
  d.rewardsPaid = d.rewardsPaid.plus(p.payout);
  d.fees = d.fees.plus(p.fee);
  logEvent(event, C, "ShardFinalized", links().shard(p.taskId, shardIndex).node(p.nodeId), agg);
}

export function handleShardTimedOut(event: ShardTimedOut): void {
  const p = event.params;
  const shardIndex = p.shardIndex.toI32();
  const agg = loadAggregates(event);
  const u = loadShardUpdate(p.taskId, shardIndex);
  if (u != null) {
    // The attempt ends (attempts + 1); ShardRequeued / ShardFailed / ShardCancelled follow with the new status.
    const s = u.shard;
    endAttempt(s);
    s.attempts = s.attempts + 1;
    u.task.timeoutCount = u.task.timeoutCount + 1;
    u.task.compensation = u.task.compensation.plus(p.slashed);
    u.save(event);
    const a = currentAssignment(s);
    if (a != null) {
      endAssignment(a, "TimedOut", event);
      a.slashed = p.slashed;
      saveAssignment(a);
    }
  }
  const nu = new NodeUpdate(p.nodeId, event);
  nu.node.timeoutCount = nu.node.timeoutCount + 1;
  nu.save(event, agg);
  agg.daily.shardsTimedOut = agg.daily.shardsTimedOut + 1;
  logEvent(event, C, "ShardTimedOut", links().shard(p.taskId, shardIndex).node(p.nodeId), agg);
}

/**
 * When a Challenged shard is re-queued, failed or cancelled, the live attempt lost a dispute: it ends here
 * (the contract's onDisputeResolved) with attempts + 1, one open dispute fewer (no ShardDisputeCleared on this
 * path), the auditor cleared and the losing manifest kept to resume from. resumeFrom: ShardRequeued carries
 * it; otherwise DisputeResolved (same transaction) sets it from the dispute that lost.
 */
function afterLostDispute(s: Shard): void {
  if (s.status != "Challenged") return;
  endAttempt(s);
  s.attempts = s.attempts + 1;
  s.openDisputes = s.openDisputes > 0 ? s.openDisputes - 1 : 0;
  s.auditorNodeId = null;
  s.resumeManifestCid = s.manifestCid;
  s.resumeManifestCidStr = s.manifestCidStr;
}

export function handleShardRequeued(event: ShardRequeued): void {
  const p = event.params;
  const shardIndex = p.shardIndex.toI32();
  const agg = loadAggregates(event);
  const u = loadShardUpdate(p.taskId, shardIndex);
  if (u != null) {
    const s = u.shard;
    afterLostDispute(s);
    moveShard(u.task, s, "Pending");
    s.attempts = p.attempts;
    s.resumeFrom = p.resumeFrom.toI32();
    s.resumeManifestCid = p.resumeManifestCid;
    s.resumeManifestCidStr = cidStr(p.resumeManifestCid);
    u.save(event);
  }
  logEvent(event, C, "ShardRequeued", links().shard(p.taskId, shardIndex), agg);
}

export function handleShardFailed(event: ShardFailed): void {
  const p = event.params;
  const shardIndex = p.shardIndex.toI32();
  const agg = loadAggregates(event);
  const u = loadShardUpdate(p.taskId, shardIndex);
  if (u != null) {
    afterLostDispute(u.shard);
    moveShard(u.task, u.shard, "Failed");
    u.shard.refund = p.refund;
    u.save(event);
  }
  agg.daily.shardsFailed = agg.daily.shardsFailed + 1;
  logEvent(event, C, "ShardFailed", links().shard(p.taskId, shardIndex), agg);
}

export function handleShardCancelled(event: ShardCancelled): void {
  const p = event.params;
  const shardIndex = p.shardIndex.toI32();
  const agg = loadAggregates(event);
  const u = loadShardUpdate(p.taskId, shardIndex);
  if (u != null) {
    afterLostDispute(u.shard);
    moveShard(u.task, u.shard, "Cancelled");
    u.save(event);
  }
  logEvent(event, C, "ShardCancelled", links().shard(p.taskId, shardIndex), agg);
}

export function handleShardChallengeCommitted(event: ShardChallengeCommitted): void {
  const p = event.params;
  const shardIndex = p.shardIndex.toI32();
  const agg = loadAggregates(event);
  const u = loadShardUpdate(p.taskId, shardIndex);
  if (u != null && u.shard.epoch == p.epoch) {
    u.shard.challengeCommitted = true;
    u.shard.revealDeadline = p.revealDeadline;
    u.save(event);
  }
  logEvent(event, C, "ShardChallengeCommitted", links().shard(p.taskId, shardIndex), agg);
}

export function handleShardPinged(event: ShardPinged): void {
  const p = event.params;
  const shardIndex = p.shardIndex.toI32();
  const agg = loadAggregates(event);
  // Only an Assigned shard is pinged, always in its current epoch.
  const u = loadShardUpdate(p.taskId, shardIndex);
  if (u != null && u.shard.epoch == p.epoch) {
    u.shard.pingRespondBy = p.respondBy;
    u.save(event);
  }
  logEvent(event, C, "ShardPinged", links().shard(p.taskId, shardIndex).node(p.nodeId), agg);
}

export function handlePingAnswered(event: PingAnswered): void {
  const p = event.params;
  const shardIndex = p.shardIndex.toI32();
  const agg = loadAggregates(event);
  const u = loadShardUpdate(p.taskId, shardIndex);
  if (u != null && u.shard.epoch == p.epoch) {
    u.shard.pingRespondBy = null;
    u.save(event);
  }
  logEvent(event, C, "PingAnswered", links().shard(p.taskId, shardIndex).node(p.nodeId), agg);
}

export function handleShardChallenged(event: ShardChallenged): void {
  const p = event.params;
  const shardIndex = p.shardIndex.toI32();
  const agg = loadAggregates(event);
  const u = loadShardUpdate(p.taskId, shardIndex);
  if (u != null) {
    moveShard(u.task, u.shard, "Challenged");
    u.shard.disputeId = p.disputeId;
    u.shard.openDisputes = p.openDisputes;
    u.task.disputeCount = u.task.disputeCount + 1;
    u.save(event);
    // The dispute judges the attempt of its epoch (always the current one when it opens).
    const a = epochAssignment(p.taskId, shardIndex, p.epoch);
    if (a != null) {
      a.outcome = "Disputed";
      a.disputeId = p.disputeId;
      saveAssignment(a);
    }
  }
  logEvent(event, C, "ShardChallenged", links().shard(p.taskId, shardIndex).dispute(p.disputeId), agg);
}

/** A dispute ended for the submitter (or was moot): one open dispute fewer; Submitted again at zero. */
export function handleShardDisputeCleared(event: ShardDisputeCleared): void {
  const p = event.params;
  const shardIndex = p.shardIndex.toI32();
  const agg = loadAggregates(event);
  const open = p.openDisputes;
  const u = loadShardUpdate(p.taskId, shardIndex);
  if (u != null) {
    const s = u.shard;
    s.openDisputes = open;
    if (s.status == "Challenged" || s.status == "Submitted") {
      moveShard(u.task, s, open == 0 ? "Submitted" : "Challenged");
    }
    u.save(event);
    // The attempt of the cleared dispute waits for its window again, unless another dispute holds it.
    const d = Dispute.load(p.disputeId.toString());
    if (d != null) {
      const a = epochAssignment(p.taskId, shardIndex, d.epoch);
      if (a != null && a.outcome == "Disputed" && (open == 0 || d.epoch != s.epoch)) {
        a.outcome = "Submitted";
        saveAssignment(a);
      }
    }
  }
  logEvent(event, C, "ShardDisputeCleared", links().shard(p.taskId, shardIndex).dispute(p.disputeId), agg);
}

/**
 * A checkpoint an earlier attempt committed lost its dispute after the shard moved on: new attempts resume
 * from it, and the attempt in flight is handed back without fault (ShardRequeued / ShardCancelled follow).
 */
export function handleShardResumeLowered(event: ShardResumeLowered): void {
  const p = event.params;
  const shardIndex = p.shardIndex.toI32();
  const agg = loadAggregates(event);
  const u = loadShardUpdate(p.taskId, shardIndex);
  if (u != null) {
    const s = u.shard;
    s.resumeFrom = p.resumeFrom.toI32();
    // the dispute that lost is no longer open (no ShardDisputeCleared on this path)
    s.openDisputes = s.openDisputes > 0 ? s.openDisputes - 1 : 0;
    const inFlight = s.status == "Assigned" || s.status == "Submitted" || s.status == "Challenged";
    if (inFlight) {
      endAttempt(s);
      s.auditorNodeId = null;
      moveShard(u.task, s, "Pending");
    }
    u.save(event);
    if (inFlight) {
      const a = currentAssignment(s);
      if (a != null) {
        endAssignment(a, "HandedBack", event);
        saveAssignment(a);
      }
    }
  }
  logEvent(event, C, "ShardResumeLowered", links().shard(p.taskId, shardIndex), agg);
}

export function handleAuditAssigned(event: AuditAssigned): void {
  const p = event.params;
  const shardIndex = p.shardIndex.toI32();
  const agg = loadAggregates(event);
  const u = loadShardUpdate(p.taskId, shardIndex);
  if (u != null) {
    u.shard.auditStatus = "Assigned";
    u.shard.auditorNodeId = p.verifierNodeId;
    u.task.auditsUsed = u.task.auditsUsed + 1;
    u.save(event);
  }
  logEvent(event, C, "AuditAssigned", links().shard(p.taskId, shardIndex).node(p.verifierNodeId), agg);
}

export function handleAuditRecorded(event: AuditRecorded): void {
  const p = event.params;
  const shardIndex = p.shardIndex.toI32();
  const agg = loadAggregates(event);
  const u = loadShardUpdate(p.taskId, shardIndex);
  if (u != null) {
    u.shard.auditStatus = enumName(AUDIT_STATUS, p.outcome);
    u.shard.auditorNodeId = p.verifierNodeId;
    u.shard.auditFee = p.fee;
    u.task.auditFeesPaid = u.task.auditFeesPaid.plus(p.fee);
    u.task.escrowRemaining = u.task.escrowRemaining.minus(p.fee);
    u.save(event);
  }
  const nu = new NodeUpdate(p.verifierNodeId, event);
  nu.node.earned = nu.node.earned.plus(p.fee);
  nu.save(event, agg);
  logEvent(event, C, "AuditRecorded", links().shard(p.taskId, shardIndex).node(p.verifierNodeId), agg);
}

export function handleTierFeeSet(event: TierFeeSet): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const id = p.tier.toString();
  const old = TierFee.load(id);
  const row = new TierFee(id);
  row.tier = p.tier;
  row.feeBps = p.feeBps;
  row.updatedAt = event.block.timestamp;
  row.save();
  let oldValue: string | null = null;
  if (old != null) oldValue = old.feeBps.toString();
  const name = "tierFeeBps." + enumName(TIER_NAMES, p.tier);
  recordParameterChange(event, C, name, oldValue, p.feeBps.toString(), 0);
  logEvent(event, C, "TierFeeSet", links(), agg);
}

export function handleFeesSwept(event: FeesSwept): void {
  const agg = loadAggregates(event);
  agg.network.feesSwept = agg.network.feesSwept.plus(event.params.amount);
  logEvent(event, C, "FeesSwept", links(), agg);
}

export function handleTreasurySet(event: TreasurySet): void {
  const agg = loadAggregates(event);
  onAddressSet(event, C, "treasury", event.params.oldTreasury, event.params.newTreasury);
  logEvent(event, C, "TreasurySet", links(), agg);
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
