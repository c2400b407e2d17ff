/** Builds the Redis messages the keeper sends (SDK formats, validated by encodeMessage). */
import { bytes32ToCid, encodeMessage, type RedisNames } from "@neural/sdk";
import type { Hex } from "viem";
import type { DisputeView, ShardAssignedArgs } from "../chain/chain.js";
import type { ShardRec, TaskRec } from "../ingest/view.js";
import type { Dispatch } from "../redis/store.js";

const ZERO = `0x${"0".repeat(64)}`;

export interface JobInput {
  taskId: bigint;
  shardIndex: number | bigint;
  nodeId: bigint;
  epoch: number;
  attempt: number;
  deadline: bigint;
  resumeFrom: number;
  resumeManifestCid: Hex;
}

export const jobId = (j: { taskId: bigint; shardIndex: number | bigint; epoch: number }): string =>
  `job:${j.taskId}:${j.shardIndex}:${j.epoch}`;

export function jobDispatch(names: RedisNames, task: TaskRec, j: JobInput): Dispatch {
  const message = encodeMessage({
    version: 2,
    type: "job",
    sentAt: new Date().toISOString(),
    taskId: Number(j.taskId),
    shardIndex: Number(j.shardIndex),
    nodeId: Number(j.nodeId),
    attempt: j.attempt,
    epoch: j.epoch,
    specCid: bytes32ToCid(task.specCid, "spec").toString(),
    deadline: Number(j.deadline),
    resumeFrom: j.resumeFrom,
    ...(j.resumeFrom > 0 && j.resumeManifestCid !== ZERO
      ? { resumeManifestCid: bytes32ToCid(j.resumeManifestCid, "manifest").toString() }
      : {}),
  });
  return { id: jobId(j), stream: names.nodeStream(j.nodeId), message };
}

export const fromAssigned = (a: ShardAssignedArgs): JobInput => ({
  taskId: a.taskId,
  shardIndex: a.shardIndex,
  nodeId: a.nodeId,
  epoch: Number(a.epoch),
  attempt: Number(a.attempt),
  deadline: a.deadline,
  resumeFrom: Number(a.resumeFrom),
  resumeManifestCid: a.resumeManifestCid,
});

export const fromShard = (s: ShardRec): JobInput => ({
  taskId: s.taskId,
  shardIndex: s.shardIndex,
  nodeId: s.nodeId,
  epoch: Number(s.epoch),
  attempt: Number(s.attempts) + 1,
  deadline: s.deadline,
  resumeFrom: Number(s.resumeFrom),
  resumeManifestCid: s.resumeManifestCid,
});

export const auditId = (s: ShardRec): string => `audit:${s.taskId}:${s.shardIndex}:${s.epoch}`;

/** Sortition drew `s.auditorNodeId` to audit this submitted result: tell that node. */
export function auditDispatch(names: RedisNames, s: ShardRec): Dispatch {
  const message = encodeMessage({
    version: 2,
    type: "audit",
    sentAt: new Date().toISOString(),
    taskId: Number(s.taskId),
    shardIndex: s.shardIndex,
    epoch: Number(s.epoch),
    verifierNodeId: Number(s.auditorNodeId),
    submitterNodeId: Number(s.nodeId),
    manifestCid: bytes32ToCid(s.manifestCid, "manifest").toString(),
    checkpointRoot: s.checkpointRoot,
    checkpointCount: Number(s.checkpointCount),
    deadline: Number(s.deadline),
  });
  return { id: auditId(s), stream: names.nodeStream(s.auditorNodeId), message };
}

export const dutyId = (disputeId: bigint, round: number, nodeId: bigint): string =>
  `duty:${disputeId}:${round}:${nodeId}`;

/** One committee member's duty: re-execute segment d-1 -> d of the judged attempt and vote. */
export function dutyDispatch(
  names: RedisNames,
  disputeId: bigint,
  d: DisputeView,
  nodeId: bigint,
  judged: { manifestCid: Hex; step: bigint },
): Dispatch {
  const message = encodeMessage({
    version: 2,
    type: "committeeDuty",
    sentAt: new Date().toISOString(),
    disputeId: Number(disputeId),
    commitId: Number(d.commitId),
    round: Number(d.round),
    seedBlock: Number(d.seedBlock),
    nodeId: Number(nodeId),
    taskId: Number(d.taskId),
    shardIndex: Number(d.shardIndex),
    epoch: Number(d.epoch),
    checkpointIndex: Number(d.checkpointIndex),
    step: Number(judged.step),
    leafHash: d.leafHash,
    manifestCid: bytes32ToCid(judged.manifestCid, "manifest").toString(),
    commitDeadline: Number(d.commitDeadline),
    revealDeadline: Number(d.revealDeadline),
  });
  return { id: dutyId(disputeId, Number(d.round), nodeId), stream: names.nodeStream(nodeId), message };
}
