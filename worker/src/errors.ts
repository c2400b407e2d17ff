/**
 * Worker errors. User mistakes (bad config, wrong password, missing key) are `UserError`s: the CLI prints their
 * message alone, without a stack. Faults are split by whose they are: `TaskFault` (the task's spec, data or image
 * is bad: the shard is released with a reason) versus anything else (this node's problem: never blamed on the task).
 */
import { NeuralError, type NeuralErrorOptions, type ReleaseReason } from "@neural/sdk";

/** A mistake the operator can fix; the message says how. */
export class UserError extends NeuralError {
  override readonly name: string = "UserError";
  constructor(message: string, options: Omit<NeuralErrorOptions, "retryable"> = {}) {
    super(message, { ...options, retryable: false });
  }
}

export type ReleaseReasonName = keyof typeof ReleaseReason;

/** The task's fault: its spec, dataset or image is bad, or its training failed within the spec's limits. */
export class TaskFault extends NeuralError {
  override readonly name: string = "TaskFault";
  readonly reason: ReleaseReasonName;
  constructor(
    reason: ReleaseReasonName,
    message: string,
    options: Omit<NeuralErrorOptions, "retryable"> = {},
  ) {
    super(message, { ...options, retryable: false });
    this.reason = reason;
  }
}
