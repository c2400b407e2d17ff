/**
 * The audit duty: Sortition drew this node (AuditAssigned) to check a submitted result before its window ends.
 * The verifier rebuilds the committed checkpoints from the ResultSubmitted event, fetches the manifest, spec,
 * dataset and image, re-executes sampled segments from the submitter's own checkpoints, and either attests
 * (recordAudit) or challenges the first checkpoint it finds wrong (commit, then reveal). Learned from chain events,
 * so a keeper outage cannot make a verifier miss its duty.
 *
 * Sampling: the last segment (every deviation from the spec shows there) and one more drawn from the result's own
 * identity; after a wrong segment j, earlier segments are re-executed downwards until one is right, so the
 * challenge names the first wrong checkpoint. Known limitation (docs/protocol.md): a lazy verifier could attest
 * without re-executing.
 */
import { join } from "node:path";
import {
  AuditStatus,
  bytes32ToCid,
  CheckpointTree,
  manifestCheckpointTree,
  type ResultManifest,
  resultManifest,
} from "@neural/sdk";
import type { StorageNode } from "@neural/sdk/node";
import { type Hex, keccak256, toHex } from "viem";
import type { Actor, NeuralChain } from "../chain/index.js";
import { TaskFault } from "../errors.js";
import type { Logger } from "../log.js";
import type { ContainerRuntime } from "../runtimes/types.js";
import { prepareVerifierInputs, type VerifierInputs } from "./inputs.js";
import { reexecuteSegment, type SegmentVerdict } from "./reexecute.js";

export interface AuditDeps {
  chain: NeuralChain;
  actor: Actor;
  nodeId: bigint;
  storage: StorageNode;
  runtime: ContainerRuntime;
  workDir: string;
  fetchTimeoutMs: number;
  log: Logger;
  signal: AbortSignal;
  /** How to wait for a block (a challenge reveals two blocks after its commit); default: poll the chain. */
  waitForBlock?: (block: bigint) => Promise<void>;
}

export type AuditOutcome =
  | { kind: "attested"; checked: number[] }
  | { kind: "challenged"; index: number; disputeId: bigint; checked: number[] }
  | { kind: "skipped"; why: string };

/** The segments to re-execute first: the last one and one drawn from the result's identity. */
export function auditSample(count: number, seed: Hex): number[] {
  const last = count - 1;
  if (count === 1) return [0];
  const other = Number(BigInt(seed) % BigInt(count - 1));
  return [last, other];
}

export async function performAudit(
  deps: AuditDeps,
  taskId: bigint,
  shardIndex: bigint,
): Promise<AuditOutcome> {
  const { chain } = deps;
  const shard = await chain.getShard(taskId, shardIndex);
  if (shard.auditorNodeId !== deps.nodeId || shard.auditStatus !== AuditStatus.Assigned) {
    return { kind: "skipped", why: `audit is ${shard.auditStatusName} for node ${shard.auditorNodeId}` };
  }
  const submitted = await chain.resultSubmitted(taskId, shardIndex, shard.epoch);
  const tree = CheckpointTree.fromResultSubmitted(submitted);
  const challengeAt = async (index: number, checked: number[], ourHash?: Hex): Promise<AuditOutcome> => {
    const params = tree.challengeParams(index, {
      taskId,
      shardIndex,
      ...(ourHash ? { challengerHash: ourHash } : {}),
    });
    const { disputeId } = await chain.challenge(
      deps.actor,
      params,
      deps.waitForBlock ? { waitForBlock: deps.waitForBlock } : {},
    );
    deps.log.warn(
      { task: String(taskId), shard: String(shardIndex), index, disputeId: String(disputeId) },
      "challenged",
    );
    return { kind: "challenged", index, disputeId, checked };
  };

  let manifest: ResultManifest;
  try {
    manifest = resultManifest.parse(
      await deps.storage.getRaw(bytes32ToCid(submitted.manifestCid, "manifest"), {
        timeoutMs: deps.fetchTimeoutMs,
      }),
    );
  } catch {
    return challengeAt(0, []); // the manifest is unavailable or invalid: nothing it commits can be checked
  }
  if (manifestCheckpointTree(manifest).root !== shard.checkpointRoot) return challengeAt(0, []);

  const task = await chain.getTask(taskId);
  const dir = join(deps.workDir, `audit-${taskId}-${shardIndex}-e${shard.epoch}`);
  let inputs: VerifierInputs;
  try {
    inputs = await prepareVerifierInputs(deps, task, dir);
  } catch (error) {
    if (error instanceof TaskFault)
      return { kind: "skipped", why: `the task itself is broken: ${error.message}` };
    throw error;
  }
  const { spec, imageId, segmentDeps } = inputs;
  const checked: number[] = [];
  const wrong = (v: SegmentVerdict) => (v.kind === "judged" && !v.right) || v.kind === "dataUnavailable";
  const seed = keccak256(toHex(`${taskId}:${shardIndex}:${shard.epoch}:${deps.nodeId}`));
  for (const index of auditSample(manifest.checkpoints.length, seed)) {
    const verdict = await reexecuteSegment(segmentDeps, { spec, imageId, manifest, index });
    checked.push(index);
    if (verdict.kind === "failed") throw new Error(`audit re-execution failed: ${verdict.why}`);
    if (!wrong(verdict)) continue;
    // walk down to the first wrong checkpoint
    let first = index;
    for (let j = index - 1; j >= 0; j--) {
      const earlier = await reexecuteSegment(segmentDeps, { spec, imageId, manifest, index: j });
      checked.push(j);
      if (!wrong(earlier)) break;
      first = j;
    }
    return challengeAt(first, checked);
  }
  await chain.recordAudit(deps.actor, taskId, shardIndex);
  deps.log.info({ task: String(taskId), shard: String(shardIndex), checked }, "audit attested");
  return { kind: "attested", checked };
}
