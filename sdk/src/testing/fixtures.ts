/** Valid example documents for tests and docs. */
import { keccak256, toHex } from "viem";
import type { ResultManifestInput } from "../formats/manifest.js";
import type { TaskSpecInput } from "../formats/spec.js";
import { type CheckpointLeaf, CheckpointTree } from "../merkle/checkpoints.js";

export const EXAMPLE_IMAGE = `ghcr.io/neural/trainer@sha256:${"ab".repeat(32)}`;
export const EXAMPLE_RAW_CID = "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq";
export const EXAMPLE_DAG_PB_CID = "bafybeibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq";

export function exampleTaskSpec(overrides: Partial<TaskSpecInput> = {}): TaskSpecInput {
  return {
    version: 1,
    name: "mnist-mlp",
    image: EXAMPLE_IMAGE,
    command: ["python", "train.py"],
    env: { PYTHONUNBUFFERED: "1" },
    dataset: EXAMPLE_DAG_PB_CID,
    hyperparameters: { lr: 0.001, batchSize: 64, layers: [128, 64] },
    seed: 42,
    totalSteps: 1000,
    checkpointInterval: 100,
    resources: { gpus: 1, vramMiB: 16_384, cpus: 4, memoryMiB: 32_768, timeoutSeconds: 3600 },
    verification: { kind: "relativeL2", epsilon: 0.001 },
    ...overrides,
  };
}

/**
 * A valid result manifest (v2): three checkpoints, the last one being the final weights (`weightsHash`
 * replaces its hash), and the root of their tree. `overrides` replace fields as given (no recomputation).
 */
export function exampleManifest(
  overrides: Partial<ResultManifestInput> = {},
  options: { weightsHash?: `0x${string}` } = {},
): ResultManifestInput {
  const checkpoints = [0, 1, 2].map((index) => ({
    index,
    step: (index + 1) * 100,
    cid: EXAMPLE_DAG_PB_CID,
    hash:
      index === 2 && options.weightsHash
        ? options.weightsHash
        : (`0x${(index + 1).toString(16).padStart(64, "0")}` as `0x${string}`),
  }));
  const last = checkpoints[2] as (typeof checkpoints)[number];
  return {
    version: 2,
    taskId: 1,
    shardIndex: 0,
    nodeId: 3,
    epoch: 1,
    specCid: EXAMPLE_RAW_CID,
    image: EXAMPLE_IMAGE,
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T01:00:00.000Z",
    checkpoints,
    checkpointRoot: CheckpointTree.fromCheckpoints(checkpoints).root,
    finalWeights: { cid: last.cid, hash: last.hash },
    metrics: [
      { step: 100, loss: 2.3 },
      { step: 200, loss: 1.1, accuracy: 0.8 },
    ],
    logsCid: EXAMPLE_RAW_CID,
    ...overrides,
  };
}

/** `n` checkpoints 0..n-1 at steps 100, 200, ... with made-up hashes (distinct per `salt`). */
export function exampleCheckpointLeaves(n: number, salt = 0): CheckpointLeaf[] {
  return Array.from({ length: n }, (_, i) => ({
    index: i,
    step: (i + 1) * 100,
    hash: keccak256(toHex(`checkpoint-${salt}-${i}`)),
  }));
}
