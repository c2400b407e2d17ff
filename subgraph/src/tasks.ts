// Task / shard / assignment helpers (indexer/src/lib/tasks.ts): a shard's status move keeps its task's
// per-status counters in step, and reference fields follow the id columns they mirror.
import { BigInt, ethereum } from "@graphprotocol/graph-ts";
import { Assignment, Shard, Task } from "../generated/schema";
import { shardCounterField } from "./lib/enums";
import { assignmentId, shardId } from "./lib/ids";

export function loadTask(taskId: BigInt): Task | null {
  return Task.load(taskId.toString());
}

export function loadShard(taskId: BigInt, shardIndex: i32): Shard | null {
  return Shard.load(shardId(taskId.toString(), shardIndex));
}

/** Sets the shard's status and moves the task's per-status counters (pendingShards, ...). */
export function moveShard(task: Task, shard: Shard, status: string): void {
  if (shard.status == status) return;
  const from = shardCounterField(shard.status);
  const to = shardCounterField(status);
  task.setI32(from, task.getI32(from) - 1);
  task.setI32(to, task.getI32(to) + 1);
  shard.status = status;
}

/** Clears the shard fields the contract clears when an attempt ends (release, timeout, lost dispute, resume
 *  lowered). */
export function endAttempt(shard: Shard): void {
  shard.nodeId = null;
  shard.deadline = null;
  shard.assignedAt = null;
  shard.price = null;
  shard.submittedAt = null;
  shard.submittedBlock = null;
  shard.challengeDeadline = null;
  shard.checkpointCount = 0;
  shard.auditStatus = "None";
  shard.challengeCommitted = false;
  shard.revealDeadline = null;
  shard.pingRespondBy = null;
}

/** Saves a shard with its reference fields (task, node, auditor, dispute) following the id columns. */
export function saveShard(shard: Shard, event: ethereum.Event): void {
  shard.task = shard.taskId.toString();
  const nodeId = shard.nodeId;
  shard.node = nodeId ? nodeId.toString() : null;
  const auditorNodeId = shard.auditorNodeId;
  shard.auditor = auditorNodeId ? auditorNodeId.toString() : null;
  const disputeId = shard.disputeId;
  shard.dispute = disputeId ? disputeId.toString() : null;
  shard.updatedAt = event.block.timestamp;
  shard.save();
}

export function saveTask(task: Task, event: ethereum.Event): void {
  task.updatedAt = event.block.timestamp;
  task.save();
}

/** Saves an assignment with its reference fields (task, shard, node). */
export function saveAssignment(a: Assignment): void {
  a.task = a.taskId.toString();
  a.shard = shardId(a.taskId.toString(), a.shardIndex);
  a.node = a.nodeId.toString();
  a.save();
}

/** The assignment that started shard epoch `epoch` (every assignment starts one: seq = epoch). */
export function epochAssignment(taskId: BigInt, shardIndex: i32, epoch: i32): Assignment | null {
  if (epoch == 0) return null;
  return Assignment.load(assignmentId(taskId.toString(), shardIndex, epoch));
}

/** The shard's current assignment (seq = shard.assignmentCount), if any. */
export function currentAssignment(shard: Shard): Assignment | null {
  if (shard.assignmentCount == 0) return null;
  return Assignment.load(assignmentId(shard.taskId.toString(), shard.shardIndex, shard.assignmentCount));
}
