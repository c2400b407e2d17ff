/**
 * Messages exchanged over Redis between indexer, keeper, workers and verifiers. Every message carries
 * `version` and `type`; `sentAt` is the sender's clock (informational, never trusted for deadlines).
 * Each type is versioned on its own (MESSAGE_VERSIONS): `job`, `audit` and `committeeDuty` are v2 since
 * issue 8 (they name the shard `epoch` the work is about; `committeeDuty` also the challenge `commitId` and
 * the committee's `seedBlock`), `heartbeat` and `progress` are unchanged v1. A v1 job, audit or duty message
 * is refused (UnsupportedVersionError): without the epoch a worker cannot tell a live attempt from a stale one.
 */
import { z } from "zod";
import { ValidationError } from "../errors/errors.js";
import { address, bytes32Hex, cidString, positiveInt, timestamp, uint, uint16 } from "./common.js";
import { type DocumentCodec, decodeJsonInput, defineDocument } from "./document.js";

/** The version each message type is at. */
export const MESSAGE_VERSIONS = { job: 2, heartbeat: 1, progress: 1, audit: 2, committeeDuty: 2 } as const;

const base = <V extends number>(version: V) => ({ version: z.literal(version), sentAt: timestamp });
const finite = z.number().refine(Number.isFinite, "must be a finite number");

/** Keeper -> worker: run this assigned shard. */
export const jobMessageSchema = z
  .strictObject({
    ...base(MESSAGE_VERSIONS.job),
    type: z.literal("job"),
    taskId: positiveInt,
    shardIndex: uint,
    nodeId: positiveInt,
    attempt: positiveInt,
    /** The shard epoch this assignment started (ShardAssigned.epoch); the result and any dispute name it. */
    epoch: positiveInt.max(0xffff),
    specCid: cidString("spec"),
    /** Unix seconds: the on-chain assignment deadline. */
    deadline: uint,
    /** Number of undisputed checkpoints to resume after (0: from scratch). */
    resumeFrom: uint,
    resumeManifestCid: cidString("manifest").optional(),
  })
  .superRefine((m, ctx) => {
    if (m.resumeFrom > 0 && m.resumeManifestCid === undefined) {
      ctx.addIssue({ code: "custom", path: ["resumeManifestCid"], message: "required when resumeFrom > 0" });
    }
  });

/** Worker -> keeper: I am alive, this is what I run. */
export const heartbeatMessageSchema = z.strictObject({
  ...base(MESSAGE_VERSIONS.heartbeat),
  type: z.literal("heartbeat"),
  nodeId: positiveInt,
  worker: address,
  status: z.enum(["idle", "busy", "draining"]),
  running: z.array(z.strictObject({ taskId: positiveInt, shardIndex: uint })),
  freeGpus: uint16,
  /** Shards the node trains at once (NEURAL_MAX_SHARDS) and how many of those slots are free now. */
  slots: z.strictObject({ max: positiveInt, free: uint }).optional(),
  /** What the node registered on-chain (NodeRegistry capabilities), repeated for schedulers reading Redis. */
  capabilities: z
    .strictObject({ gpuCount: uint16, vramMiB: uint, cpuCores: uint16, memoryMiB: uint })
    .optional(),
  /** The worker software, e.g. "neural-worker/0.1.0". */
  software: z.string().min(1).max(64).optional(),
});

/** Worker -> indexer / dApp: training progress of a shard. */
export const progressMessageSchema = z.strictObject({
  ...base(MESSAGE_VERSIONS.progress),
  type: z.literal("progress"),
  taskId: positiveInt,
  shardIndex: uint,
  nodeId: positiveInt,
  step: uint,
  totalSteps: positiveInt,
  loss: finite.optional(),
  /** Index of the last checkpoint written, if any. */
  checkpointIndex: uint.optional(),
});

/**
 * Keeper -> verifier: Sortition drew you (AuditAssigned) to re-execute a sample of this submitted result before
 * its challenge window ends; attest with recordAudit, or challenge (commit, then reveal).
 */
export const auditMessageSchema = z.strictObject({
  ...base(MESSAGE_VERSIONS.audit),
  type: z.literal("audit"),
  taskId: positiveInt,
  shardIndex: uint,
  /** The audited attempt (ResultSubmitted.epoch). */
  epoch: positiveInt.max(0xffff),
  verifierNodeId: positiveInt,
  submitterNodeId: positiveInt,
  manifestCid: cidString("manifest"),
  checkpointRoot: bytes32Hex,
  checkpointCount: positiveInt,
  /** Unix seconds: end of the challenge window. */
  deadline: uint,
});

/**
 * Keeper -> committee member: re-execute segment d-1 -> d of the judged attempt and vote (commit, then
 * reveal). Checkpoint d-1 is fetched by its CID from `manifestCid`; if it cannot be, vote DataUnavailable.
 */
export const committeeDutyMessageSchema = z.strictObject({
  ...base(MESSAGE_VERSIONS.committeeDuty),
  type: z.literal("committeeDuty"),
  disputeId: positiveInt,
  /** The challenge commitment the dispute revealed (DisputeOpened.commitId). */
  commitId: positiveInt,
  round: uint,
  /** Block whose randomness drew this round's committee (CommitteeSeedScheduled.seedBlock). */
  seedBlock: uint,
  nodeId: positiveInt,
  taskId: positiveInt,
  shardIndex: uint,
  /** The attempt judged (DisputeOpened.epoch): its manifest is `manifestCid`. */
  epoch: positiveInt.max(0xffff),
  checkpointIndex: uint,
  /** Step and hash of leaf d as the submitter committed them. */
  step: positiveInt,
  leafHash: bytes32Hex,
  manifestCid: cidString("manifest"),
  commitDeadline: uint,
  revealDeadline: uint,
});

export const messageSchemas = {
  job: jobMessageSchema,
  heartbeat: heartbeatMessageSchema,
  progress: progressMessageSchema,
  audit: auditMessageSchema,
  committeeDuty: committeeDutyMessageSchema,
} as const;

export type MessageType = keyof typeof messageSchemas;
export type MessageOf<T extends MessageType> = z.output<(typeof messageSchemas)[T]>;
export type MessageInputOf<T extends MessageType> = z.input<(typeof messageSchemas)[T]>;
export type JobMessage = MessageOf<"job">;
export type HeartbeatMessage = MessageOf<"heartbeat">;
export type ProgressMessage = MessageOf<"progress">;
export type AuditMessage = MessageOf<"audit">;
export type CommitteeDutyMessage = MessageOf<"committeeDuty">;
export type Message = { [T in MessageType]: MessageOf<T> }[MessageType];
export type MessageInput = { [T in MessageType]: MessageInputOf<T> }[MessageType];

const codecs = Object.fromEntries(
  Object.entries(messageSchemas).map(([type, schema]) => [
    type,
    defineDocument(`${type} message`, schema, [MESSAGE_VERSIONS[type as MessageType]]),
  ]),
) as { [T in MessageType]: DocumentCodec<(typeof messageSchemas)[T]> };

const MESSAGE_TYPES = Object.keys(messageSchemas) as MessageType[];

function typeOf(value: unknown): MessageType {
  const type = typeof value === "object" && value !== null ? (value as { type?: unknown }).type : undefined;
  if (typeof type !== "string" || !(MESSAGE_TYPES as string[]).includes(type)) {
    throw new ValidationError("message", [
      { path: "type", message: `expected one of ${MESSAGE_TYPES.join(", ")}, got ${JSON.stringify(type)}` },
    ]);
  }
  return type as MessageType;
}

/** Parses any message (bytes, text or object), dispatching on `type`. */
export function parseMessage(input: unknown): Message {
  const value = decodeJsonInput("message", input);
  return codecs[typeOf(value)].parse(value) as Message;
}

/** Parses a message that must be of `type`. */
export function parseMessageOf<T extends MessageType>(type: T, input: unknown): MessageOf<T> {
  const value = decodeJsonInput(`${type} message`, input);
  const actual = typeOf(value);
  if (actual !== type) {
    throw new ValidationError(`${type} message`, [
      { path: "type", message: `expected "${type}", got "${actual}"` },
    ]);
  }
  return codecs[type].parse(value) as MessageOf<T>;
}

const decoder = new TextDecoder();

/** Validates and serializes a message as canonical JSON text (what goes into Redis). */
export function encodeMessage(message: MessageInput): string {
  return decoder.decode(codecs[typeOf(message)].encode(message as never));
}
