/**
 * Result manifest v1: what a node produced for one shard. Stored as a raw block; its CID goes on-chain with the
 * Merkle root over its checkpoints (submitResult).
 */
import { z } from "zod";
import { bytes32Hex, cidString, imageRef, positiveInt, timestamp, uint } from "./common.js";
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

export const resultManifestV1Schema = z
  .strictObject({
    version: z.literal(1),
    taskId: positiveInt,
    shardIndex: uint,
    nodeId: positiveInt,
    specCid: cidString("spec"),
    /** Image actually run; must equal the spec's image. */
    image: imageRef,
    startedAt: timestamp,
    finishedAt: timestamp,
    /** Set when this attempt resumed after a lost dispute: checkpoints 0..index-1 are copied from there. */
    resumedFrom: z.strictObject({ index: positiveInt, manifestCid: cidString("manifest") }).optional(),
    checkpoints: z.array(checkpointEntrySchema).min(1),
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
    if (m.resumedFrom !== undefined && m.resumedFrom.index > m.checkpoints.length) {
      ctx.addIssue({
        code: "custom",
        path: ["resumedFrom", "index"],
        message: "is past the last checkpoint",
      });
    }
  });

export type ResultManifest = z.output<typeof resultManifestV1Schema>;
export type ResultManifestInput = z.input<typeof resultManifestV1Schema>;
export type CheckpointEntry = z.output<typeof checkpointEntrySchema>;

export const resultManifest = defineDocument("result manifest", resultManifestV1Schema);
