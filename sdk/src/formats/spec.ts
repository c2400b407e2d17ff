/** Task spec v1: what a client asks nodes to run. Stored as a raw block; its CID goes on-chain (specCid). */
import { z } from "zod";
import { cidString, envName, imageRef, json, positiveInt, uint16, uint32 } from "./common.js";
import { defineDocument } from "./document.js";

export const RESERVED_ENV_PREFIX = "NEURAL_";

export const resourcesSchema = z.strictObject({
  /** GPUs per shard. */
  gpus: uint16,
  /** Memory per GPU, MiB. */
  vramMiB: uint32,
  cpus: uint16.min(1),
  memoryMiB: uint32.min(1),
  /** Wall-clock budget of one attempt, seconds (maps to the on-chain maxDuration). */
  timeoutSeconds: positiveInt,
});

export const verificationSchema = z
  .strictObject({
    /** "exact": checkpoints must be bit-identical; "relativeL2": ||a-b|| / ||b|| <= epsilon. */
    kind: z.enum(["exact", "relativeL2"]),
    epsilon: z.number().nonnegative().lt(1),
  })
  .superRefine((v, ctx) => {
    if (v.kind === "exact" && v.epsilon !== 0) {
      ctx.addIssue({ code: "custom", path: ["epsilon"], message: 'must be 0 when kind is "exact"' });
    }
    if (v.kind === "relativeL2" && v.epsilon === 0) {
      ctx.addIssue({ code: "custom", path: ["epsilon"], message: 'must be > 0 when kind is "relativeL2"' });
    }
  });

export const taskSpecV1Schema = z
  .strictObject({
    version: z.literal(1),
    name: z.string().min(1).max(128),
    description: z.string().max(4096).optional(),
    /** Container image pinned by digest. */
    image: imageRef,
    /**
     * CID of the image as a docker-archive (the `docker save` layout) on IPFS, for nodes without a registry: the
     * worker fetches it, `docker load`s it and refuses it unless the loaded image ID is the digest in `image`.
     */
    imageArchive: cidString().optional(),
    /** argv run inside the container (the image's entrypoint when empty). */
    command: z.array(z.string()).max(256),
    /** Extra environment; names starting with NEURAL_ are reserved for the container contract. */
    env: z.record(envName, z.string()),
    /** Dataset (UnixFS directory or file) mounted read-only at /data. */
    dataset: cidString(),
    /**
     * The DatasetRegistry entry `dataset` is a version of. When set, the task must be posted with the same
     * datasetId / datasetVersion, and `dataset` must be that version's content CID (workers check both).
     */
    datasetRef: z.strictObject({ id: positiveInt, version: uint32.min(1) }).optional(),
    /**
     * Weights to start from instead of a fresh initialisation (a fine-tune): `cid` is the weights file (UnixFS)
     * on IPFS, placed at NEURAL_INIT_WEIGHTS for the trainer to load when it does not resume. `model` names the
     * ModelRegistry version those weights are: workers then check the registry's weightsCid equals `cid` and the
     * file's sha256 its weightsHash, and the model trained is that version's child (publish it with
     * `parentModelId` = `model.id`, see `parentModelOf`).
     */
    initialWeights: z
      .strictObject({
        cid: cidString("weights"),
        model: z.strictObject({ id: positiveInt, version: uint32.min(1) }).optional(),
      })
      .optional(),
    hyperparameters: z.record(z.string(), json),
    seed: uint32,
    totalSteps: positiveInt,
    checkpointInterval: positiveInt,
    resources: resourcesSchema,
    verification: verificationSchema,
  })
  .superRefine((spec, ctx) => {
    if (spec.checkpointInterval > spec.totalSteps) {
      ctx.addIssue({ code: "custom", path: ["checkpointInterval"], message: "must not exceed totalSteps" });
    }
    for (const name of Object.keys(spec.env)) {
      if (name.toUpperCase().startsWith(RESERVED_ENV_PREFIX)) {
        ctx.addIssue({
          code: "custom",
          path: ["env", name],
          message: `names starting with ${RESERVED_ENV_PREFIX} are reserved`,
        });
      }
    }
  });

export type TaskSpec = z.output<typeof taskSpecV1Schema>;
export type TaskSpecInput = z.input<typeof taskSpecV1Schema>;
export type Resources = z.output<typeof resourcesSchema>;
export type VerificationTolerance = z.output<typeof verificationSchema>;

export const taskSpec = defineDocument("task spec", taskSpecV1Schema);

/** Number of checkpoints a full run of `spec` produces: one every checkpointInterval steps, plus the end. */
export function expectedCheckpointCount(spec: Pick<TaskSpec, "totalSteps" | "checkpointInterval">): number {
  return Math.ceil(spec.totalSteps / spec.checkpointInterval);
}

/** Step at which checkpoint `index` is taken. */
export function checkpointStep(
  spec: Pick<TaskSpec, "totalSteps" | "checkpointInterval">,
  index: number,
): number {
  return Math.min((index + 1) * spec.checkpointInterval, spec.totalSteps);
}
