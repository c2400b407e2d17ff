/**
 * The container contract v1: what a training image gets from the worker (environment, mounts) and what it
 * prints (JSON lines on stdout). Any other stdout line is a plain log line.
 */
import { z } from "zod";
import { ValidationError } from "../errors/errors.js";
import { toValidationError } from "../errors/zod.js";
import { canonicalize } from "./canonical.js";
import { positiveInt, uint } from "./common.js";
import type { TaskSpec } from "./spec.js";

export const CONTAINER_CONTRACT_VERSION = 1;

/** Mount points inside the container. */
export const MOUNTS = {
  /** Dataset, read-only. */
  data: { path: "/data", readOnly: true },
  /** Checkpoints: the resume checkpoint is placed here; new checkpoints are written here. */
  checkpoints: { path: "/checkpoints", readOnly: false },
  /** Final weights and any other outputs. */
  output: { path: "/output", readOnly: false },
} as const;

/** Environment variables the worker sets. Images must not depend on anything else. */
export const ENV = {
  CONTRACT_VERSION: "NEURAL_CONTRACT_VERSION",
  TASK_ID: "NEURAL_TASK_ID",
  SHARD_INDEX: "NEURAL_SHARD_INDEX",
  SEED: "NEURAL_SEED",
  TOTAL_STEPS: "NEURAL_TOTAL_STEPS",
  CHECKPOINT_INTERVAL: "NEURAL_CHECKPOINT_INTERVAL",
  /** Path of the checkpoint to load before training, empty when starting from scratch. */
  RESUME_FROM: "NEURAL_RESUME_FROM",
  /** Step of that checkpoint (0 when starting from scratch). */
  RESUME_STEP: "NEURAL_RESUME_STEP",
  /**
   * Path of the weights to start from (the spec's `initialWeights`), empty when the spec names none. Loaded only
   * when RESUME_FROM is empty: a resumed run continues from its checkpoint, which already descends from them.
   */
  INIT_WEIGHTS: "NEURAL_INIT_WEIGHTS",
  /** Index the next checkpoint written gets. */
  START_INDEX: "NEURAL_START_INDEX",
  /** Stop after this step (totalSteps for a full run, an earlier step when re-executing one segment). */
  STOP_AT: "NEURAL_STOP_AT",
  /** Hyperparameters as canonical JSON. */
  HYPERPARAMETERS: "NEURAL_HYPERPARAMETERS",
  DATA_DIR: "NEURAL_DATA_DIR",
  CHECKPOINT_DIR: "NEURAL_CHECKPOINT_DIR",
  OUTPUT_DIR: "NEURAL_OUTPUT_DIR",
} as const;

/** File name of the initial weights inside the checkpoints mount (the worker places them there). */
export const INIT_WEIGHTS_FILE = "initial-weights";

export type ContainerEnvName = (typeof ENV)[keyof typeof ENV];

export interface ContainerRun {
  taskId: number | bigint;
  shardIndex: number;
  spec: Pick<TaskSpec, "seed" | "totalSteps" | "checkpointInterval" | "hyperparameters" | "env"> &
    Partial<Pick<TaskSpec, "initialWeights">>;
  /** Resume point: a checkpoint file name inside /checkpoints, its step and index. */
  resume?: { file: string; step: number; index: number };
  /** Defaults to spec.totalSteps. */
  stopAt?: number;
}

/** The full environment of a container run: the spec's own env plus the NEURAL_* contract variables. */
export function buildContainerEnv(run: ContainerRun): Record<string, string> {
  if (run.resume !== undefined && (run.resume.file.includes("/") || run.resume.file === "")) {
    throw new ValidationError("container run", [
      { path: "resume.file", message: "must be a bare file name" },
    ]);
  }
  const stopAt = run.stopAt ?? run.spec.totalSteps;
  if (stopAt > run.spec.totalSteps || stopAt < 1) {
    throw new ValidationError("container run", [
      { path: "stopAt", message: `must be in 1..${run.spec.totalSteps}` },
    ]);
  }
  return {
    ...run.spec.env,
    [ENV.CONTRACT_VERSION]: String(CONTAINER_CONTRACT_VERSION),
    [ENV.TASK_ID]: String(run.taskId),
    [ENV.SHARD_INDEX]: String(run.shardIndex),
    [ENV.SEED]: String(run.spec.seed),
    [ENV.TOTAL_STEPS]: String(run.spec.totalSteps),
    [ENV.CHECKPOINT_INTERVAL]: String(run.spec.checkpointInterval),
    [ENV.RESUME_FROM]: run.resume ? `${MOUNTS.checkpoints.path}/${run.resume.file}` : "",
    [ENV.RESUME_STEP]: String(run.resume?.step ?? 0),
    [ENV.INIT_WEIGHTS]: run.spec.initialWeights ? `${MOUNTS.checkpoints.path}/${INIT_WEIGHTS_FILE}` : "",
    [ENV.START_INDEX]: String(run.resume ? run.resume.index + 1 : 0),
    [ENV.STOP_AT]: String(stopAt),
    [ENV.HYPERPARAMETERS]: canonicalize(run.spec.hyperparameters),
    [ENV.DATA_DIR]: MOUNTS.data.path,
    [ENV.CHECKPOINT_DIR]: MOUNTS.checkpoints.path,
    [ENV.OUTPUT_DIR]: MOUNTS.output.path,
  };
}

const finite = z.number().refine(Number.isFinite, "must be a finite number");

function under(dir: string) {
  return z
    .string()
    .refine(
      (p) => p.startsWith(`${dir}/`) && !p.split("/").includes(".."),
      `must be a path under ${dir}/ without ".."`,
    );
}

export const progressEventSchema = z.looseObject({ type: z.literal("progress"), step: uint, loss: finite });
export const checkpointEventSchema = z.strictObject({
  type: z.literal("checkpoint"),
  index: uint,
  step: positiveInt,
  path: under(MOUNTS.checkpoints.path),
});
export const doneEventSchema = z.strictObject({
  type: z.literal("done"),
  step: positiveInt,
  /** Final weights file or directory under /output. */
  weightsPath: under(MOUNTS.output.path),
});
export const errorEventSchema = z.strictObject({ type: z.literal("error"), message: z.string() });

export const containerEventSchema = z.discriminatedUnion("type", [
  progressEventSchema,
  checkpointEventSchema,
  doneEventSchema,
  errorEventSchema,
]);

export type ContainerEvent = z.output<typeof containerEventSchema>;
export type ContainerLine = ContainerEvent | { type: "log"; line: string };

const EVENT_TYPES = new Set(["progress", "checkpoint", "done", "error"]);

/**
 * Classifies one stdout line. JSON objects with a known `type` are validated (ValidationError when malformed);
 * everything else is a log line.
 */
export function parseContainerLine(line: string): ContainerLine {
  const trimmed = line.trim();
  if (!trimmed.startsWith("{")) return { type: "log", line };
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return { type: "log", line };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== "string" || !EVENT_TYPES.has(type)) return { type: "log", line };
  const result = containerEventSchema.safeParse(value);
  if (!result.success) throw toValidationError(`container ${type} line`, result.error);
  return result.data;
}

/** The line an image prints for `event` (for images written in TypeScript and for tests). */
export function formatContainerEvent(event: ContainerEvent): string {
  return JSON.stringify(containerEventSchema.parse(event));
}
