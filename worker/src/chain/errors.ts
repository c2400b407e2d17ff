/**
 * What to do about a failed RPC call, decided by the error's class, so every retry loop of the worker decides the
 * same way:
 *
 * - `transient`: the request did not get an answer (connection refused or reset, a timeout, HTTP 408/429/5xx, a
 *   node's rate limit). Asking again later can succeed: retry with capped exponential backoff and jitter.
 * - `already-sent`: the node has this transaction already, or its nonce is used (`already known`,
 *   `nonce too low`). One of the transactions already sent may be mined: check their receipts, never re-sign.
 * - `underpriced`: a replacement was refused as too cheap: bump the fees further.
 * - `insufficient-funds`: the key cannot pay for gas: the operator must fund it (not retried).
 * - `revert`: the contract refused the call: the same call fails again (not retried; decoded by `toNeuralError`).
 * - `fatal`: anything else (a bad request, a method the node does not serve): not retried.
 */
import { NeuralError } from "@neural/sdk";
import {
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  ExecutionRevertedError,
  formatEther,
  HttpRequestError,
  InsufficientFundsError,
  LimitExceededRpcError,
  NonceTooLowError,
  ResourceUnavailableRpcError,
  RpcRequestError,
  SocketClosedError,
  TimeoutError,
  WebSocketRequestError,
} from "viem";
import { UserError } from "../errors.js";

export type ErrorClass =
  | "transient"
  | "already-sent"
  | "underpriced"
  | "insufficient-funds"
  | "revert"
  | "fatal";

const ALREADY_SENT = /already known|already imported|known transaction|nonce too low|AlreadyKnown|OldNonce/i;
const UNDERPRICED =
  /replacement transaction underpriced|replacement.*(underpriced|not allowed)|REPLACEMENT_UNDERPRICED/i;
const INSUFFICIENT_FUNDS = /insufficient funds/i;
/** Socket-level failures of the connection to the RPC (Node's errno codes). */
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** The errors in `error`'s cause chain, outermost first. */
function chainOf(error: unknown): unknown[] {
  const out: unknown[] = [];
  let e: unknown = error;
  while (e !== undefined && e !== null && out.length < 16 && !out.includes(e)) {
    out.push(e);
    e = (e as { cause?: unknown }).cause;
  }
  return out;
}

/** Every message the node gave along the cause chain (viem keeps the node's text in `details`). */
function messagesOf(errors: unknown[]): string {
  return errors
    .map((e) => {
      const d = (e as { details?: unknown }).details;
      return `${typeof d === "string" ? d : ""} ${(e as { message?: unknown }).message ?? ""}`;
    })
    .join("\n");
}

export function classifyChainError(error: unknown): ErrorClass {
  const errors = chainOf(error);
  const text = messagesOf(errors);
  const has = (cls: abstract new (...args: never[]) => unknown) => errors.some((e) => e instanceof cls);

  // a revert first: its message can contain anything the contract chose to say
  if (
    has(ContractFunctionRevertedError) ||
    has(ExecutionRevertedError) ||
    errors.some((e) => e instanceof NeuralError && e.code === "CONTRACT_REVERT") ||
    errors.some((e) => e instanceof RpcRequestError && e.code === 3)
  ) {
    return "revert";
  }
  if (has(InsufficientFundsError) || INSUFFICIENT_FUNDS.test(text)) return "insufficient-funds";
  if (UNDERPRICED.test(text)) return "underpriced";
  if (has(NonceTooLowError) || ALREADY_SENT.test(text)) return "already-sent";

  if (has(TimeoutError) || has(SocketClosedError) || has(WebSocketRequestError)) return "transient";
  if (has(LimitExceededRpcError) || has(ResourceUnavailableRpcError)) return "transient";
  for (const e of errors) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && CONNECTION_CODES.has(code)) return "transient";
    // rate limits some providers send as JSON-RPC codes (429; QuickNode's -32007)
    if (e instanceof BaseError && (code === 429 || code === -32007)) return "transient";
  }
  const http = errors.find((e): e is HttpRequestError => e instanceof HttpRequestError);
  if (http) {
    const status = http.status;
    // no status: no HTTP answer at all (refused, reset, DNS); a status: only these mean "later"
    if (status === undefined || status === 408 || status === 429 || status >= 500) return "transient";
  }
  return "fatal";
}

/** Retry policy of transient errors: attempts in all, and the backoff's first and largest delay. */
export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** About a minute and a half of an RPC outage, then the error goes to the caller. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, baseDelayMs: 500, maxDelayMs: 30_000 };

/**
 * The delay before retry number `attempt` (0-based): capped exponential backoff with "equal jitter" (half the
 * capped delay, plus a random part of the other half), so many workers hitting one RPC do not retry in step.
 */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const capped = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt, 30));
  return Math.round(capped / 2 + random() * (capped / 2));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export interface RetryOptions {
  policy?: RetryPolicy;
  signal?: AbortSignal | undefined;
  /** Called before each wait, e.g. to log it. */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

/**
 * Runs `fn` again while it fails with a transient error, up to the policy's attempts. Only for calls that are
 * safe to repeat: reads, and broadcasts of already-signed bytes (the same hash whatever happens).
 */
export async function withRetry<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt + 1 >= policy.attempts || classifyChainError(error) !== "transient") throw error;
      const delayMs = backoffDelay(attempt, policy);
      options.onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs, options.signal);
    }
  }
}

/** The hot key cannot pay for a transaction's gas: the operator must send it ETH. */
export function insufficientFunds(
  address: Address,
  what: string,
  amounts: { balance?: bigint | undefined; needed?: bigint | undefined } = {},
  cause?: unknown,
): UserError {
  const { balance, needed } = amounts;
  const short =
    balance !== undefined && needed !== undefined && needed > balance ? needed - balance : undefined;
  const holds = balance !== undefined ? ` (it holds ${formatEther(balance)} ETH` : "";
  const needs =
    needed !== undefined ? `${holds ? "; " : " ("}the transaction may cost up to ${formatEther(needed)}` : "";
  const close = holds || needs ? ")" : "";
  const send = short !== undefined ? `send at least ${formatEther(short)} ETH more` : "send it ETH";
  return new UserError(
    `the worker key ${address} cannot pay the gas of ${what}${holds}${needs}${close}: ${send} to ${address}`,
    { cause, details: { address, balance, needed, short } },
  );
}

/**
 * Every signed version of a transaction (one nonce) is unmined and that nonce is used: another transaction took it
 * (one sent elsewhere with the hot key, or one this worker sent while the version was never broadcast). None of
 * the versions can be mined any more, so signing the call again with a new nonce is safe.
 */
export class NonceTakenError extends UserError {
  override readonly name: string = "NonceTakenError";
  override readonly code: string = "NONCE_TAKEN";
  readonly nonce: number;
  constructor(address: Address, nonce: number, what: string, hashes: readonly string[]) {
    super(
      `nonce ${nonce} of the worker key ${address} was used by another transaction, so ${what} ` +
        `(${hashes.length} signed version${hashes.length === 1 ? "" : "s"}: ${hashes.join(", ")}) can never be ` +
        `mined; it is signed anew on the next try. If this node did not send that transaction, the hot key is ` +
        `used elsewhere: use it on this node only`,
      { details: { address, nonce, hashes } },
    );
    this.nonce = nonce;
  }
}
