/**
 * One error hierarchy for every Neural service. Each error has a short message, an optional `cause`,
 * structured `details` for logs, and `retryable`: whether trying the same operation again later can succeed
 * (a timeout, an unreachable peer) or not (bad input, a revert, bytes that do not match their CID).
 */

export type ErrorDetails = Readonly<Record<string, unknown>>;

export interface NeuralErrorOptions {
  cause?: unknown;
  details?: ErrorDetails;
  retryable?: boolean;
}

export class NeuralError extends Error {
  /** Stable machine-readable code, e.g. "VALIDATION", "CID_MISMATCH". */
  readonly code: string = "NEURAL";
  readonly details: ErrorDetails;
  readonly retryable: boolean;

  constructor(message: string, options: NeuralErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = options.details ?? {};
    this.retryable = options.retryable ?? false;
  }
}

/** One problem found while validating a value: where (a field path like `resources.gpus`) and what. */
export interface ValidationIssue {
  path: string;
  message: string;
}

/** Input that does not match its schema. `issues` has one entry per problem; the message one line each. */
export class ValidationError extends NeuralError {
  override readonly code: string = "VALIDATION";
  readonly issues: readonly ValidationIssue[];

  constructor(
    what: string,
    issues: readonly ValidationIssue[],
    options: Omit<NeuralErrorOptions, "retryable"> = {},
  ) {
    super([`invalid ${what}:`, ...issues.map((i) => `  ${i.path || "(root)"}: ${i.message}`)].join("\n"), {
      ...options,
      details: { ...options.details, issues },
      retryable: false,
    });
    this.issues = issues;
  }
}

/** A document declares a format version this SDK does not know. */
export class UnsupportedVersionError extends ValidationError {
  override readonly code: string = "UNSUPPORTED_VERSION";
  readonly version: unknown;

  constructor(what: string, version: unknown, supported: readonly number[]) {
    super(what, [
      {
        path: "version",
        message: `unsupported version ${JSON.stringify(version)} (this SDK reads version ${supported.join(", ")})`,
      },
    ]);
    this.version = version;
  }
}

/** Bytes that do not hash to the CID they were requested or announced under. Never retried silently. */
export class CidMismatchError extends NeuralError {
  override readonly code: string = "CID_MISMATCH";
  readonly expected: string;
  readonly actual: string;

  constructor(expected: string, actual: string, options: Omit<NeuralErrorOptions, "retryable"> = {}) {
    super(`content does not match its CID: expected ${expected}, got ${actual}`, {
      ...options,
      details: { ...options.details, expected, actual },
      retryable: false,
    });
    this.expected = expected;
    this.actual = actual;
  }
}

/** A malformed or unsupported CID (CIDv0, a hash other than sha2-256, the wrong codec for a field). */
export class InvalidCidError extends NeuralError {
  override readonly code: string = "INVALID_CID";

  constructor(message: string, options: Omit<NeuralErrorOptions, "retryable"> = {}) {
    super(message, { ...options, retryable: false });
  }
}

/** A contract call reverted. `errorName` and `args` are the decoded custom error, when the ABI knows it. */
export class ContractRevertError extends NeuralError {
  override readonly code: string = "CONTRACT_REVERT";
  readonly errorName: string | undefined;
  readonly args: readonly unknown[];
  readonly contract: string | undefined;
  readonly functionName: string | undefined;

  constructor(
    message: string,
    init: {
      errorName?: string;
      args?: readonly unknown[];
      contract?: string;
      functionName?: string;
      cause?: unknown;
      details?: ErrorDetails;
    },
  ) {
    super(message, {
      cause: init.cause,
      details: {
        ...init.details,
        errorName: init.errorName,
        args: init.args ?? [],
        contract: init.contract,
        functionName: init.functionName,
      },
      retryable: false,
    });
    this.errorName = init.errorName;
    this.args = init.args ?? [];
    this.contract = init.contract;
    this.functionName = init.functionName;
  }
}

/** Something asked for does not exist (a deployment file, a block no peer has, an Arweave transaction). */
export class NotFoundError extends NeuralError {
  override readonly code: string = "NOT_FOUND";

  constructor(message: string, options: NeuralErrorOptions = {}) {
    super(message, { retryable: false, ...options });
  }
}

/** An operation ran out of time. Retryable. */
export class TimeoutError extends NeuralError {
  override readonly code: string = "TIMEOUT";

  constructor(message: string, options: Omit<NeuralErrorOptions, "retryable"> = {}) {
    super(message, { ...options, retryable: true });
  }
}

/** A remote service (RPC node, gateway, peer, Arweave) failed or is unreachable. Retryable by default. */
export class NetworkError extends NeuralError {
  override readonly code: string = "NETWORK";

  constructor(message: string, options: NeuralErrorOptions = {}) {
    super(message, { retryable: true, ...options });
  }
}

/** Configuration (a deployment file, node options) that cannot work. */
export class ConfigError extends NeuralError {
  override readonly code: string = "CONFIG";

  constructor(message: string, options: Omit<NeuralErrorOptions, "retryable"> = {}) {
    super(message, { ...options, retryable: false });
  }
}

/** True when `error` is a NeuralError marked retryable. Unknown errors are not retried. */
export function isRetryable(error: unknown): boolean {
  return error instanceof NeuralError && error.retryable;
}
