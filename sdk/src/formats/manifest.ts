/**
 * Result manifest v2: what a node produced for one attempt (epoch) of one shard. Stored as a raw block; its CID
 * goes on-chain with every checkpoint (submitResult(taskId, shard, manifestCid, checkpoints)), from which the
 * contract computes the Merkle root.
 *
 * v2 (issue 8) replaces v1: `epoch` and `checkpointRoot` are new and required; the checkpoint tree keeps the
 * leaves in order (StandardMerkleTree with sortLeaves false, as CheckpointMerkle.sol), `checkpointRoot` must be
 * its root, and the last checkpoint is the final weights (`finalWeights` repeats it). v1 manifests (sorted
 * tree, weights apart from the checkpoints) are refused with UnsupportedVersionError.
 */
import { z } from "zod";
import { type Checkpoint, CheckpointTree, MAX_CHECKPOINTS } from "../merkle/checkpoints.js";
import { bytes32Hex, cidString, imageRef, positiveInt, timestamp, uint, uint16 } from "./common.js";
import { defineDocument } from "./document.js";

export const checkpointEntrySchema = z.strictObject({
  index: uint,
  step: positiveInt,
  /** The checkpoint file, stored as UnixFS (dag-pb). */
  cid: cidString("weights"),
  /** sha256 of the checkpoint file: the leaf hash committed on-chain. */
  hash: bytes32Hex,
});

export const metricSchema = z.looseObject({ step: uint, loss: z.number() }).superRefine((m, ctx) => {
  for (const [key, value] of Object.entries(m)) {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      ctx.addIssue({ code: "custom", path: [key], message: "metrics must be finite numbers" });
    }
  }
});

export const RESULT_MANIFEST_VERSION = 2;

export const resultManifestV2Schema = z
  .strictObject({
    version: z.literal(RESULT_MANIFEST_VERSION),
    taskId: positiveInt,
    shardIndex: uint,
    nodeId: positiveInt,
    /** The shard epoch of this attempt (ShardAssigned.epoch): disputes and audits name it. */
    epoch: uint16,
    specCid: cidString("spec"),
    /** Image actually run; must equal the spec's image. */
    image: imageRef,
    startedAt: timestamp,
    finishedAt: timestamp,
    /** Set when this attempt resumed after a lost dispute: checkpoints 0..index-1 are copied from there. */
    resumedFrom: z.strictObject({ index: positiveInt, manifestCid: cidString("manifest") }).optional(),
    /** Every checkpoint in submission order; leaf i of the on-chain tree is (i, step, hash). */
    checkpoints: z.array(checkpointEntrySchema).min(1).max(MAX_CHECKPOINTS),
    /** Root of the checkpoint tree (unsorted leaves): what TaskManager computes and stores. */
    checkpointRoot: bytes32Hex,
    /** The last checkpoint again: the trained model's weights. */
    finalWeights: z.strictObject({ cid: cidString("weights"), hash: bytes32Hex }),
    metrics: z.array(metricSchema),
    logsCid: cidString("logs"),
  })
  .superRefine((m, ctx) => {
    if (Date.parse(m.finishedAt) < Date.parse(m.startedAt)) {
      ctx.addIssue({ code: "custom", path: ["finishedAt"], message: "is before startedAt" });
    }
    m.checkpoints.forEach((c, i) => {
      if (c.index !== i) {
        ctx.addIssue({ code: "custom", path: ["checkpoints", i, "index"], message: `expected ${i}` });
      }
      const prev = m.checkpoints[i - 1];
      if (prev !== undefined && c.step <= prev.step) {
        ctx.addIssue({
          code: "custom",
          path: ["checkpoints", i, "step"],
          message: `must be greater than the previous step ${prev.step}`,
        });
      }
    });
    const last = m.checkpoints[m.checkpoints.length - 1];
    if (last !== undefined && (last.hash !== m.finalWeights.hash || last.cid !== m.finalWeights.cid)) {
      ctx.addIssue({
        code: "custom",
        path: ["finalWeights"],
        message: "must equal the last checkpoint (cid and hash)",
      });
    }
    if (m.checkpoints.every((c, i) => c.index === i)) {
      const root = CheckpointTree.fromCheckpoints(m.checkpoints, { strictSteps: false }).root;
      if (root !== m.checkpointRoot) {
        ctx.addIssue({
          code: "custom",
          path: ["checkpointRoot"],
          message: `is not the root of the checkpoints (${root})`,
        });
      }
    }
    if (m.resumedFrom !== undefined && m.resumedFrom.index > m.checkpoints.length) {
      ctx.addIssue({
        code: "custom",
        path: ["resumedFrom", "index"],
        message: "is past the last checkpoint",
      });
    }
  });

export type ResultManifest = z.output<typeof resultManifestV2Schema>;
export type ResultManifestInput = z.input<typeof resultManifestV2Schema>;
export type CheckpointEntry = z.output<typeof checkpointEntrySchema>;

export const resultManifest = defineDocument("result manifest", resultManifestV2Schema, [
  RESULT_MANIFEST_VERSION,
]);

/** The `Checkpoint[]` calldata of submitResult for a manifest's checkpoints. */
export function manifestCheckpoints(manifest: {
  checkpoints: readonly { step: number; hash: string }[];
}): Checkpoint[] {
  return manifest.checkpoints.map((c) => ({ step: BigInt(c.step), hash: c.hash as `0x${string}` }));
}

/** The checkpoint tree of a manifest (its root is the manifest's checkpointRoot and the on-chain root). */
export function manifestCheckpointTree(manifest: {
  checkpoints: readonly { step: number; hash: string }[];
}): CheckpointTree {
  return CheckpointTree.fromCheckpoints(manifestCheckpoints(manifest), { strictSteps: false });
}
