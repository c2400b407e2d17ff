// Task / shard / assignment write helpers: shard status moves keep the task's per-status counters in step.
import { assignment, shard, task } from "ponder:schema";
import type { AnyEvent, Ctx } from "./store.js";

export type TaskRow = typeof task.$inferSelect;
export type ShardRow = typeof shard.$inferSelect;
export type AssignmentRow = typeof assignment.$inferSelect;
type ShardStatus = ShardRow["status"];

const counterOf: Record<ShardStatus, keyof TaskRow> = {
  Pending: "pendingShards",
  Assigned: "assignedShards",
  Submitted: "submittedShards",
  Challenged: "challengedShards",
  Finalized: "finalizedShards",
  Failed: "failedShards",
  Cancelled: "cancelledShards",
};

/** Shard fields the contract clears when an attempt ends (release, timeout, lost dispute, resume lowered). */
export const endedAttempt = {
  nodeId: null,
  deadline: null,
  assignedAt: null,
  price: null,
  submittedAt: null,
  submittedBlock: null,
  challengeDeadline: null,
  checkpointCount: 0,
  auditStatus: "None",
  challengeCommitted: false,
  revealDeadline: null,
} as const satisfies Partial<ShardRow>;

/** Every assignment starts a new shard epoch, so the seq of an assignment is its epoch. */
export const assignmentId = (taskId: bigint, shardIndex: number, seq: number) =>
  `${taskId}-${shardIndex}-${seq}`;

export const checkpointId = (taskId: bigint, shardIndex: number, epoch: number, index: number) =>
  `${taskId}-${shardIndex}-${epoch}-${index}`;

/**
 * Updates one shard and its task in one go. `shardPatch` sees the shard as stored; a status change
 * moves the task's per-status counters. `taskPatch` sees the task as stored and must not set those
 * counters. Returns both as written, or null when the shard is unknown (never the case for events of a
 * deployed TaskManager). Only changed columns are written, and found rows (Ponder's copy-on-write
 * proxies, changed in place by `update`) are read field by field, never spread.
 */
export async function updateShard(
  ctx: Ctx,
  e: AnyEvent,
  taskId: bigint,
  shardIndex: number,
  shardPatch: (s: ShardRow) => Partial<ShardRow>,
  taskPatch: (t: TaskRow, s: ShardRow) => Partial<TaskRow> = () => ({}),
): Promise<{ shard: ShardRow; task: TaskRow } | null> {
  const s0 = await ctx.db.find(shard, { taskId, shardIndex });
  const t0 = await ctx.db.find(task, { id: taskId });
  if (!s0 || !t0) return null;
  const status0 = s0.status;
  const s1 = await ctx.db
    .update(shard, { taskId, shardIndex })
    .set({ ...shardPatch(s0), updatedAt: e.block.timestamp });
  const tSet: Partial<TaskRow> = { ...taskPatch(t0, s1), updatedAt: e.block.timestamp };
  if (s1.status !== status0) {
    const from = counterOf[status0];
    const to = counterOf[s1.status];
    (tSet[from] as number) = (t0[from] as number) - 1;
    (tSet[to] as number) = (t0[to] as number) + 1;
  }
  const t1 = await ctx.db.update(task, { id: taskId }).set(tSet);
  return { shard: s1, task: t1 };
}

/** Updates the shard's current assignment (the one with seq = shard.assignmentCount), if any. */
export async function updateCurrentAssignment(
  ctx: Ctx,
  s: ShardRow,
  patch: (a: AssignmentRow) => Partial<AssignmentRow>,
): Promise<AssignmentRow | null> {
  if (s.assignmentCount === 0) return null;
  const id = assignmentId(s.taskId, s.shardIndex, s.assignmentCount);
  const a0 = await ctx.db.find(assignment, { id });
  if (!a0) return null;
  return ctx.db.update(assignment, { id }).set(patch(a0));
}

export async function updateTask(
  ctx: Ctx,
  e: AnyEvent,
  taskId: bigint,
  patch: (t: TaskRow) => Partial<TaskRow>,
): Promise<TaskRow | null> {
  const t0 = await ctx.db.find(task, { id: taskId });
  if (!t0) return null;
  return ctx.db.update(task, { id: taskId }).set({ ...patch(t0), updatedAt: e.block.timestamp });
}
