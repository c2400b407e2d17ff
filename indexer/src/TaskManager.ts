import { ponder } from "ponder:registry";
import { assignment, checkpoint, datasetUsagePayment, dispute, shard, task, tierFee } from "ponder:schema";
import { and, eq } from "ponder";
import { taskManagerAbi } from "./lib/abis.js";
import { updateDataset, updateDatasetVersion } from "./lib/datasets.js";
import {
  AUDIT_STATUS,
  cidFromDigest,
  enumName,
  RELEASE_REASON,
  TASK_STATUS,
  TIER_NAMES,
} from "./lib/format.js";
import { registerGeneric, setParameter } from "./lib/governance.js";
import { logEvent, type NetworkRow, orNull, updateNode } from "./lib/store.js";
import {
  assignmentId,
  checkpointId,
  endedAttempt,
  type ShardRow,
  type TaskRow,
  updateCurrentAssignment,
  updateShard,
  updateTask,
} from "./lib/tasks.js";

const C = "TaskManager";

ponder.on("TaskManager:TaskPosted", async ({ event, context }) => {
  const a = event.args;
  const shardCount = Number(a.shardCount);
  const auditRateBps = Number(a.auditRateBps);
  const auditBudget = Math.ceil((shardCount * auditRateBps) / 10_000);
  const ts = event.block.timestamp;
  // The contract fixes collateral and audit fee per shard at post time and emits them.
  const { collateralPerShard, auditFeePerShard, resources } = a;
  await context.db.insert(task).values({
    id: a.taskId,
    client: a.client,
    status: "Open",
    specCid: a.specCid,
    specCidStr: cidFromDigest(a.specCid),
    shardCount,
    maxPricePerShard: a.maxPricePerShard,
    minTier: Number(a.minTier),
    gpus: Number(resources.gpus),
    vramMiB: Number(resources.vramMiB),
    cpus: Number(resources.cpus),
    memoryMiB: Number(resources.memoryMiB),
    maxDuration: a.maxDuration,
    auditRateBps,
    auditBudget,
    auditFeePerShard,
    collateralPerShard,
    escrow: a.escrow,
    escrowRemaining: a.escrow,
    paid: 0n,
    fees: 0n,
    auditFeesPaid: 0n,
    refunded: 0n,
    compensation: 0n,
    pendingShards: shardCount,
    assignedShards: 0,
    submittedShards: 0,
    challengedShards: 0,
    finalizedShards: 0,
    failedShards: 0,
    cancelledShards: 0,
    assignmentCount: 0,
    releaseCount: 0,
    lateReleaseCount: 0,
    timeoutCount: 0,
    auditsUsed: 0,
    disputeCount: 0,
    cancelledPendingShards: null,
    // dataset columns stay null unless TaskUsesDataset follows
    datasetFeesPaid: 0n,
    datasetProtocolCut: 0n,
    createdAt: ts,
    createdBlock: event.block.number,
    createdTx: event.transaction.hash,
    startedAt: null,
    closedAt: null,
    updatedAt: ts,
  });
  const shards: (typeof shard.$inferInsert)[] = [];
  for (let i = 0; i < shardCount; i++) {
    shards.push({
      taskId: a.taskId,
      shardIndex: i,
      status: "Pending",
      epoch: 0,
      openDisputes: 0,
      challengeCommitted: false,
      attempts: 0,
      assignmentCount: 0,
      checkpointCount: 0,
      resumeFrom: 0,
      auditStatus: "None",
      updatedAt: ts,
    });
  }
  if (shards.length > 0) await context.db.insert(shard).values(shards);
  await logEvent(
    context,
    event,
    C,
    "TaskPosted",
    { taskId: a.taskId },
    {
      network: (n) => ({
        taskCount: n.taskCount + 1,
        openTasks: n.openTasks + 1,
        shardCount: n.shardCount + shardCount,
        totalEscrowed: n.totalEscrowed + a.escrow,
      }),
      daily: (d) => ({ tasksPosted: d.tasksPosted + 1, volume: d.volume + a.escrow }),
    },
  );
});

const networkBucket: Partial<Record<TaskRow["status"], keyof NetworkRow>> = {
  Open: "openTasks",
  Running: "runningTasks",
  Completed: "completedTasks",
  Failed: "failedTasks",
  Cancelled: "cancelledTasks",
};
const terminal = new Set<TaskRow["status"]>(["Completed", "Failed", "Cancelled"]);

ponder.on("TaskManager:TaskStatusChanged", async ({ event, context }) => {
  const a = event.args;
  const next = enumName(TASK_STATUS, a.newStatus);
  let prev: TaskRow["status"] | undefined;
  await updateTask(context, event, a.taskId, (t) => {
    prev = t.status;
    return {
      status: next,
      ...(next === "Running" && t.startedAt === null ? { startedAt: event.block.timestamp } : {}),
      ...(terminal.has(next) ? { closedAt: event.block.timestamp } : {}),
    };
  });
  const moved = prev !== undefined && prev !== next;
  await logEvent(
    context,
    event,
    C,
    "TaskStatusChanged",
    { taskId: a.taskId },
    moved
      ? {
          network: (n) => {
            const out: Partial<NetworkRow> = {};
            const from = prev ? networkBucket[prev] : undefined;
            const to = networkBucket[next];
            if (from) (out[from] as number) = (n[from] as number) - 1;
            if (to) (out[to] as number) = ((out[to] as number | undefined) ?? (n[to] as number)) + 1;
            return out;
          },
          daily: (d) => ({
            tasksCompleted: d.tasksCompleted + (next === "Completed" ? 1 : 0),
            tasksFailed: d.tasksFailed + (next === "Failed" ? 1 : 0),
            tasksCancelled: d.tasksCancelled + (next === "Cancelled" ? 1 : 0),
          }),
        }
      : {},
  );
});

/**
 * cancelTask emits no event per shard: every shard of the task that is Pending now becomes Cancelled (the
 * contract's view reads a stored Pending shard of a Cancelled task as Cancelled). One bulk UPDATE of the task's
 * Pending shards; the task's counters move by the event's count (which equals the number of rows updated).
 * Shards in flight run on and end with their own events.
 */
ponder.on("TaskManager:TaskCancelled", async ({ event, context }) => {
  const a = event.args;
  const pending = Number(a.pendingShards);
  const ts = event.block.timestamp;
  if (pending > 0) {
    await context.db.sql
      .update(shard)
      .set({ status: "Cancelled", updatedAt: ts })
      .where(and(eq(shard.taskId, a.taskId), eq(shard.status, "Pending")));
  }
  await updateTask(context, event, a.taskId, (t) => ({
    pendingShards: t.pendingShards - pending,
    cancelledShards: t.cancelledShards + pending,
    cancelledPendingShards: pending,
  }));
  await logEvent(context, event, C, "TaskCancelled", { taskId: a.taskId });
});

ponder.on("TaskManager:TaskRefunded", async ({ event, context }) => {
  const a = event.args;
  await updateTask(context, event, a.taskId, (t) => ({
    refunded: t.refunded + a.amount,
    escrowRemaining: t.escrowRemaining - a.amount,
  }));
  await logEvent(
    context,
    event,
    C,
    "TaskRefunded",
    { taskId: a.taskId },
    {
      network: (n) => ({ totalRefunded: n.totalRefunded + a.amount }),
      daily: (d) => ({ refunds: d.refunds + a.amount }),
    },
  );
});

/** Right after TaskPosted when the task trains on a dataset version: its usage terms, fixed at posting. */
ponder.on("TaskManager:TaskUsesDataset", async ({ event, context }) => {
  const a = event.args;
  const version = Number(a.datasetVersion);
  await updateTask(context, event, a.taskId, () => ({
    datasetId: a.datasetId,
    datasetVersion: version,
    datasetFeePerShard: a.usageFeePerShard,
    datasetCutBps: Number(a.cutBps),
  }));
  await updateDataset(context, event, a.datasetId, (d) => ({ taskCount: d.taskCount + 1 }));
  await updateDatasetVersion(context, a.datasetId, version, (v) => ({ taskCount: v.taskCount + 1 }));
  await logEvent(context, event, C, "TaskUsesDataset", { taskId: a.taskId, datasetId: a.datasetId });
});

/**
 * Finalized shards of a task paid their usage fee (once per task per finalizeShards call, after its
 * TaskRefunded): `amount` to the dataset's owner, `protocolCut` to the protocol's fees; both leave the
 * task's escrow.
 */
ponder.on("TaskManager:DatasetUsagePaid", async ({ event, context }) => {
  const a = event.args;
  const shards = Number(a.shards);
  const t = await updateTask(context, event, a.taskId, (t0) => ({
    datasetFeesPaid: t0.datasetFeesPaid + a.amount,
    datasetProtocolCut: t0.datasetProtocolCut + a.protocolCut,
    escrowRemaining: t0.escrowRemaining - a.amount - a.protocolCut,
  }));
  const version = t?.datasetVersion ?? 0;
  const usage = <R extends { shardsPaid: number; feesEarned: bigint; protocolCut: bigint }>(r: R) => ({
    shardsPaid: r.shardsPaid + shards,
    feesEarned: r.feesEarned + a.amount,
    protocolCut: r.protocolCut + a.protocolCut,
  });
  await updateDataset(context, event, a.datasetId, usage);
  await updateDatasetVersion(context, a.datasetId, version, usage);
  await context.db.insert(datasetUsagePayment).values({
    id: event.id,
    datasetId: a.datasetId,
    version,
    taskId: a.taskId,
    owner: a.owner,
    shards,
    amount: a.amount,
    protocolCut: a.protocolCut,
    blockNumber: event.block.number,
    timestamp: event.block.timestamp,
    transactionHash: event.transaction.hash,
  });
  await logEvent(
    context,
    event,
    C,
    "DatasetUsagePaid",
    { taskId: a.taskId, datasetId: a.datasetId },
    {
      network: (n) => ({
        totalFees: n.totalFees + a.protocolCut,
        datasetFeesPaid: n.datasetFeesPaid + a.amount,
      }),
      daily: (d) => ({ fees: d.fees + a.protocolCut }),
    },
  );
});

ponder.on("TaskManager:ShardAssigned", async ({ event, context }) => {
  const a = event.args;
  const shardIndex = Number(a.shardIndex);
  const ts = event.block.timestamp;
  const resumeManifestCidStr = cidFromDigest(a.resumeManifestCid);
  const res = await updateShard(
    context,
    event,
    a.taskId,
    shardIndex,
    (s) => ({
      status: "Assigned",
      nodeId: a.nodeId,
      epoch: Number(a.epoch),
      challengeCommitted: false,
      revealDeadline: null,
      assignmentCount: s.assignmentCount + 1,
      deadline: a.deadline,
      assignedAt: ts,
      price: a.price,
      resumeFrom: Number(a.resumeFrom),
      resumeManifestCid: a.resumeManifestCid,
      resumeManifestCidStr,
    }),
    (t) => ({ assignmentCount: t.assignmentCount + 1 }),
  );
  if (res) {
    await context.db.insert(assignment).values({
      id: assignmentId(a.taskId, shardIndex, res.shard.assignmentCount),
      taskId: a.taskId,
      shardIndex,
      seq: res.shard.assignmentCount,
      nodeId: a.nodeId,
      attempt: Number(a.attempt),
      epoch: Number(a.epoch),
      outcome: "Active",
      assignedAt: ts,
      assignedBlock: event.block.number,
      assignedTx: event.transaction.hash,
      deadline: a.deadline,
      price: a.price,
      resumeFrom: Number(a.resumeFrom),
      resumeManifestCid: a.resumeManifestCid,
      resumeManifestCidStr,
    });
  }
  await updateNode(context, event, a.nodeId, (n) => ({ assignmentCount: n.assignmentCount + 1 }));
  await logEvent(context, event, C, "ShardAssigned", { taskId: a.taskId, shardIndex, nodeId: a.nodeId });
});

ponder.on("TaskManager:ShardReleased", async ({ event, context }) => {
  const a = event.args;
  const shardIndex = Number(a.shardIndex);
  const reason = enumName(RELEASE_REASON, a.reason);
  const logsCidStr = cidFromDigest(a.logsCid);
  const late = a.late;
  // The attempt ends (Pending again). A late release (after the grace period) also counts as a failed attempt:
  // attempts + 1, and ShardRequeued / ShardFailed / ShardCancelled follow with the new status, as after a
  // timeout. An early release of a cancelled task's shard is followed by ShardCancelled.
  const res = await updateShard(
    context,
    event,
    a.taskId,
    shardIndex,
    (s) => ({
      ...endedAttempt,
      status: "Pending",
      ...(late ? { attempts: s.attempts + 1 } : {}),
      lastReleaseReason: reason,
      lastLogsCid: a.logsCid,
      lastLogsCidStr: logsCidStr,
      lastReleaseLate: late,
    }),
    (t) => ({
      releaseCount: t.releaseCount + 1,
      ...(late ? { lateReleaseCount: t.lateReleaseCount + 1 } : {}),
    }),
  );
  if (res) {
    await updateCurrentAssignment(context, res.shard, () => ({
      outcome: "Released",
      releaseReason: reason,
      late,
      logsCid: a.logsCid,
      logsCidStr,
      endedAt: event.block.timestamp,
      endedTx: event.transaction.hash,
    }));
  }
  await updateNode(context, event, a.nodeId, (n) => ({
    releaseCount: n.releaseCount + 1,
    ...(late ? { lateReleaseCount: n.lateReleaseCount + 1 } : {}),
  }));
  await logEvent(context, event, C, "ShardReleased", { taskId: a.taskId, shardIndex, nodeId: a.nodeId });
});

ponder.on("TaskManager:ResultSubmitted", async ({ event, context }) => {
  const a = event.args;
  const shardIndex = Number(a.shardIndex);
  const epoch = Number(a.epoch);
  const manifestCidStr = cidFromDigest(a.manifestCid);
  const result = {
    manifestCid: a.manifestCid,
    manifestCidStr,
    checkpointRoot: a.checkpointRoot,
    checkpointCount: Number(a.checkpointCount),
    submittedAt: event.block.timestamp,
    submittedBlock: event.block.number,
    challengeDeadline: a.challengeDeadline,
  };
  // Disputes of earlier epochs may still be open: the result is then Challenged at once.
  const res = await updateShard(context, event, a.taskId, shardIndex, (s) => ({
    status: s.openDisputes > 0 ? "Challenged" : "Submitted",
    ...result,
    deadline: a.challengeDeadline,
  }));
  if (res) await updateCurrentAssignment(context, res.shard, () => ({ outcome: "Submitted", ...result }));
  // Every committed checkpoint: leaf i of the result's tree.
  const assignment = assignmentId(a.taskId, shardIndex, epoch);
  const last = a.checkpoints.length - 1;
  const rows = a.checkpoints.map((c, index) => ({
    id: checkpointId(a.taskId, shardIndex, epoch, index),
    taskId: a.taskId,
    shardIndex,
    epoch,
    index,
    step: BigInt(c.step),
    hash: c.hash,
    isFinal: index === last,
    assignmentId: assignment,
    nodeId: a.nodeId,
    checkpointRoot: a.checkpointRoot,
    blockNumber: event.block.number,
    timestamp: event.block.timestamp,
    transactionHash: event.transaction.hash,
  }));
  if (rows.length > 0) await context.db.insert(checkpoint).values(rows);
  await logEvent(context, event, C, "ResultSubmitted", { taskId: a.taskId, shardIndex, nodeId: a.nodeId });
});

ponder.on("TaskManager:ShardFinalized", async ({ event, context }) => {
  const a = event.args;
  const shardIndex = Number(a.shardIndex);
  const res = await updateShard(
    context,
    event,
    a.taskId,
    shardIndex,
    () => ({ status: "Finalized", payout: a.payout, fee: a.fee, finalizedAt: event.block.timestamp }),
    (t) => ({
      paid: t.paid + a.payout,
      fees: t.fees + a.fee,
      escrowRemaining: t.escrowRemaining - a.payout - a.fee,
    }),
  );
  if (res) {
    await updateCurrentAssignment(context, res.shard, () => ({
      outcome: "Finalized",
      payout: a.payout,
      fee: a.fee,
      endedAt: event.block.timestamp,
      endedTx: event.transaction.hash,
    }));
  }
  await updateNode(context, event, a.nodeId, (n) => ({ earned: n.earned + a.payout }));
  await logEvent(
    context,
    event,
    C,
    "ShardFinalized",
    { taskId: a.taskId, shardIndex, nodeId: a.nodeId },
    {
      network: (n) => ({
        shardsFinalized: n.shardsFinalized + 1,
        totalPaid: n.totalPaid + a.payout,
        totalFees: n.totalFees + a.fee,
      }),
      daily: (d) => ({
        shardsFinalized: d.shardsFinalized + 1,
        rewardsPaid: d.rewardsPaid + a.payout,
        fees: d.fees + a.fee,
      }),
    },
  );
});

ponder.on("TaskManager:ShardTimedOut", async ({ event, context }) => {
  const a = event.args;
  const shardIndex = Number(a.shardIndex);
  // The attempt ends (attempts + 1); ShardRequeued / ShardFailed / ShardCancelled follow with the new status.
  const res = await updateShard(
    context,
    event,
    a.taskId,
    shardIndex,
    (s) => ({ ...endedAttempt, attempts: s.attempts + 1 }),
    (t) => ({ timeoutCount: t.timeoutCount + 1, compensation: t.compensation + a.slashed }),
  );
  if (res) {
    await updateCurrentAssignment(context, res.shard, () => ({
      outcome: "TimedOut",
      slashed: a.slashed,
      endedAt: event.block.timestamp,
      endedTx: event.transaction.hash,
    }));
  }
  await updateNode(context, event, a.nodeId, (n) => ({ timeoutCount: n.timeoutCount + 1 }));
  await logEvent(
    context,
    event,
    C,
    "ShardTimedOut",
    { taskId: a.taskId, shardIndex, nodeId: a.nodeId },
    { daily: (d) => ({ shardsTimedOut: d.shardsTimedOut + 1 }) },
  );
});

/**
 * When a Challenged shard is re-queued, failed or cancelled, the submitter lost its dispute: that attempt
 * ends here (the contract's onDisputeResolved) with attempts + 1, the auditor cleared and the losing
 * manifest kept to resume from at the disputed checkpoint.
 */
function afterLostDispute(s: ShardRow): Partial<ShardRow> {
  // ShardResumeLowered ends a handed-back attempt before its ShardRequeued / ShardCancelled (status Pending).
  if (s.status !== "Challenged") return {};
  // resumeFrom: ShardRequeued carries it; otherwise DisputeResolved (same transaction, right after) sets it
  // from the dispute that lost (several disputes may be open on one shard).
  // The lost dispute is no longer open (the contract emits no ShardDisputeCleared for it).
  return {
    ...endedAttempt,
    attempts: s.attempts + 1,
    openDisputes: Math.max(0, s.openDisputes - 1),
    auditorNodeId: null,
    resumeManifestCid: s.manifestCid,
    resumeManifestCidStr: s.manifestCidStr,
  };
}

ponder.on("TaskManager:ShardRequeued", async ({ event, context }) => {
  const a = event.args;
  const shardIndex = Number(a.shardIndex);
  await updateShard(context, event, a.taskId, shardIndex, (s) => ({
    ...afterLostDispute(s),
    status: "Pending",
    attempts: Number(a.attempts),
    resumeFrom: Number(a.resumeFrom),
    resumeManifestCid: a.resumeManifestCid,
    resumeManifestCidStr: cidFromDigest(a.resumeManifestCid),
  }));
  await logEvent(context, event, C, "ShardRequeued", { taskId: a.taskId, shardIndex });
});

ponder.on("TaskManager:ShardFailed", async ({ event, context }) => {
  const a = event.args;
  const shardIndex = Number(a.shardIndex);
  await updateShard(context, event, a.taskId, shardIndex, (s) => ({
    ...afterLostDispute(s),
    status: "Failed",
    refund: a.refund,
  }));
  await logEvent(
    context,
    event,
    C,
    "ShardFailed",
    { taskId: a.taskId, shardIndex },
    { daily: (d) => ({ shardsFailed: d.shardsFailed + 1 }) },
  );
});

ponder.on("TaskManager:ShardCancelled", async ({ event, context }) => {
  const a = event.args;
  const shardIndex = Number(a.shardIndex);
  await updateShard(context, event, a.taskId, shardIndex, (s) => ({
    ...afterLostDispute(s),
    status: "Cancelled",
  }));
  await logEvent(context, event, C, "ShardCancelled", { taskId: a.taskId, shardIndex });
});

ponder.on("TaskManager:ShardChallengeCommitted", async ({ event, context }) => {
  const a = event.args;
  const shardIndex = Number(a.shardIndex);
  await updateShard(context, event, a.taskId, shardIndex, (s) =>
    s.epoch === Number(a.epoch) ? { challengeCommitted: true, revealDeadline: a.revealDeadline } : {},
  );
  await logEvent(context, event, C, "ShardChallengeCommitted", { taskId: a.taskId, shardIndex });
});

ponder.on("TaskManager:ShardPinged", async ({ event, context }) => {
  const a = event.args;
  const shardIndex = Number(a.shardIndex);
  // Only an Assigned shard is pinged, always in its current epoch.
  await updateShard(context, event, a.taskId, shardIndex, (s) =>
    s.epoch === Number(a.epoch) ? { pingRespondBy: a.respondBy } : {},
  );
  await logEvent(context, event, C, "ShardPinged", { taskId: a.taskId, shardIndex, nodeId: a.nodeId });
});

ponder.on("TaskManager:PingAnswered", async ({ event, context }) => {
  const a = event.args;
  const shardIndex = Number(a.shardIndex);
  await updateShard(context, event, a.taskId, shardIndex, (s) =>
    s.epoch === Number(a.epoch) ? { pingRespondBy: null } : {},
  );
  await logEvent(context, event, C, "PingAnswered", { taskId: a.taskId, shardIndex, nodeId: a.nodeId });
});

ponder.on("TaskManager:ShardChallenged", async ({ event, context }) => {
  const a = event.args;
  const shardIndex = Number(a.shardIndex);
  await updateShard(
    context,
    event,
    a.taskId,
    shardIndex,
    () => ({ status: "Challenged", disputeId: a.disputeId, openDisputes: Number(a.openDisputes) }),
    (t) => ({ disputeCount: t.disputeCount + 1 }),
  );
  // The dispute judges the attempt of its epoch (always the current one when it opens).
  const id = assignmentId(a.taskId, shardIndex, Number(a.epoch));
  await orNull(context.db.update(assignment, { id }).set({ outcome: "Disputed", disputeId: a.disputeId }));
  await logEvent(context, event, C, "ShardChallenged", {
    taskId: a.taskId,
    shardIndex,
    disputeId: a.disputeId,
  });
});

/** A dispute ended for the submitter (or was moot): one open dispute fewer; Submitted again at zero. */
ponder.on("TaskManager:ShardDisputeCleared", async ({ event, context }) => {
  const a = event.args;
  const shardIndex = Number(a.shardIndex);
  const open = Number(a.openDisputes);
  const res = await updateShard(context, event, a.taskId, shardIndex, (s) => ({
    openDisputes: open,
    ...(s.status === "Challenged" || s.status === "Submitted"
      ? { status: open === 0 ? ("Submitted" as const) : ("Challenged" as const) }
      : {}),
  }));
  // The attempt of the cleared dispute is back to waiting for its window, unless another dispute holds it.
  const d = await context.db.find(dispute, { id: a.disputeId });
  if (res && d) {
    const id = assignmentId(a.taskId, shardIndex, d.epoch);
    const row = await context.db.find(assignment, { id });
    if (row && row.outcome === "Disputed" && (open === 0 || d.epoch !== res.shard.epoch)) {
      await context.db.update(assignment, { id }).set({ outcome: "Submitted" });
    }
  }
  await logEvent(context, event, C, "ShardDisputeCleared", {
    taskId: a.taskId,
    shardIndex,
    disputeId: a.disputeId,
  });
});

/**
 * A checkpoint an earlier attempt committed lost its dispute after the shard moved on: new attempts resume
 * from it, and the attempt in flight (Assigned, Submitted or Challenged) is handed back without fault;
 * ShardRequeued / ShardCancelled follow with the new status.
 */
ponder.on("TaskManager:ShardResumeLowered", async ({ event, context }) => {
  const a = event.args;
  const shardIndex = Number(a.shardIndex);
  const inFlight = new Set<ShardRow["status"]>(["Assigned", "Submitted", "Challenged"]);
  let handedBack = false;
  const res = await updateShard(context, event, a.taskId, shardIndex, (s) => {
    handedBack = inFlight.has(s.status);
    return {
      resumeFrom: Number(a.resumeFrom),
      // the dispute that lost is no longer open (no ShardDisputeCleared on this path)
      openDisputes: Math.max(0, s.openDisputes - 1),
      ...(handedBack ? { ...endedAttempt, auditorNodeId: null, status: "Pending" as const } : {}),
    };
  });
  if (res && handedBack) {
    await updateCurrentAssignment(context, res.shard, () => ({
      outcome: "HandedBack",
      endedAt: event.block.timestamp,
      endedTx: event.transaction.hash,
    }));
  }
  await logEvent(context, event, C, "ShardResumeLowered", { taskId: a.taskId, shardIndex });
});

ponder.on("TaskManager:AuditAssigned", async ({ event, context }) => {
  const a = event.args;
  const shardIndex = Number(a.shardIndex);
  await updateShard(
    context,
    event,
    a.taskId,
    shardIndex,
    () => ({ auditStatus: "Assigned", auditorNodeId: a.verifierNodeId }),
    (t) => ({ auditsUsed: t.auditsUsed + 1 }),
  );
  await logEvent(context, event, C, "AuditAssigned", {
    taskId: a.taskId,
    shardIndex,
    nodeId: a.verifierNodeId,
  });
});

ponder.on("TaskManager:AuditRecorded", async ({ event, context }) => {
  const a = event.args;
  const shardIndex = Number(a.shardIndex);
  await updateShard(
    context,
    event,
    a.taskId,
    shardIndex,
    () => ({
      auditStatus: enumName(AUDIT_STATUS, a.outcome),
      auditorNodeId: a.verifierNodeId,
      auditFee: a.fee,
    }),
    (t) => ({ auditFeesPaid: t.auditFeesPaid + a.fee, escrowRemaining: t.escrowRemaining - a.fee }),
  );
  await updateNode(context, event, a.verifierNodeId, (n) => ({ earned: n.earned + a.fee }));
  await logEvent(context, event, C, "AuditRecorded", {
    taskId: a.taskId,
    shardIndex,
    nodeId: a.verifierNodeId,
  });
});

ponder.on("TaskManager:TierFeeSet", async ({ event, context }) => {
  const a = event.args;
  const tier = Number(a.tier);
  const found = await context.db.find(tierFee, { tier });
  const old = found ? { ...found } : null; // the update below may change the cached object
  const row = { feeBps: Number(a.feeBps), updatedAt: event.block.timestamp };
  if (old) await context.db.update(tierFee, { tier }).set(row);
  else await context.db.insert(tierFee).values({ tier, ...row });
  await setParameter(
    context,
    event,
    C,
    `tierFeeBps.${enumName(TIER_NAMES, tier)}`,
    old?.feeBps ?? null,
    a.feeBps,
  );
  await logEvent(context, event, C, "TierFeeSet");
});

ponder.on("TaskManager:FeesSwept", async ({ event, context }) => {
  const a = event.args;
  await logEvent(
    context,
    event,
    C,
    "FeesSwept",
    {},
    { network: (n) => ({ feesSwept: n.feesSwept + a.amount }) },
  );
});

registerGeneric(C, taskManagerAbi, [
  "TaskPosted",
  "TaskStatusChanged",
  "TaskCancelled",
  "TaskRefunded",
  "TaskUsesDataset",
  "DatasetUsagePaid",
  "ShardAssigned",
  "ShardReleased",
  "ResultSubmitted",
  "ShardFinalized",
  "ShardTimedOut",
  "ShardRequeued",
  "ShardFailed",
  "ShardCancelled",
  "ShardChallengeCommitted",
  "ShardChallenged",
  "ShardDisputeCleared",
  "ShardResumeLowered",
  "AuditAssigned",
  "AuditRecorded",
  "ShardPinged",
  "PingAnswered",
  "TierFeeSet",
  "FeesSwept",
]);
