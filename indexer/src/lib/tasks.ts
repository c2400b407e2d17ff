// Task / shard / assignment write helpers: shard status moves keep the task's per-status counters in step.
import { assignment, shard, task } from "ponder:schema";
import { type AnyEvent, type Ctx, orNull } from "./store.js";

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
  pingRespondBy: null,
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
  let status0: ShardStatus = "Pending";
  const s1 = await orNull(
    ctx.db.update(shard, { taskId, shardIndex }).set((s0) => {
      status0 = s0.status;
      return { ...shardPatch(s0), updatedAt: e.block.timestamp };
    }),
  );
  if (!s1) return null;
  const from = counterOf[status0];
  const to = counterOf[s1.status];
  const t1 = await orNull(
    ctx.db.update(task, { id: taskId }).set((t0) => {
      const tSet: Partial<TaskRow> = { ...taskPatch(t0, s1), updatedAt: e.block.timestamp };
      if (from !== to) {
        (tSet[from] as number) = (t0[from] as number) - 1;
        (tSet[to] as number) = (t0[to] as number) + 1;
      }
      return tSet;
    }),
  );
  if (!t1) return null;
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
  return orNull(ctx.db.update(assignment, { id }).set(patch));
}

export async function updateTask(
  ctx: Ctx,
  e: AnyEvent,
  taskId: bigint,
  patch: (t: TaskRow) => Partial<TaskRow>,
): Promise<TaskRow | null> {
  return orNull(
    ctx.db.update(task, { id: taskId }).set((t) => ({ ...patch(t), updatedAt: e.block.timestamp })),
  );
}
