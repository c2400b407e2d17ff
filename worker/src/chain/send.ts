/**
 * Sends one transaction so that it is mined at most once, whatever the RPC, the fee market or a crash do.
 *
 * The transaction is signed locally with an explicit nonce. Every signed version is handed to `record` (the
 * caller persists it) BEFORE it is broadcast. When no version is mined within `bumpAfterBlocks` blocks, the SAME
 * nonce is signed again with both fees raised by at least 12.5% (up to the operator's cap) and broadcast; the
 * receipt of ANY version ends the wait. All versions share the nonce, so at most one of them can ever be mined.
 * After a restart the caller passes what was recorded: the newest version is broadcast again, all are watched.
 *
 * Failures are handled by class (errors.ts): transient RPC errors are retried with backoff (reads, and broadcasts
 * of already-signed bytes, never a new signature); `already known` / `nonce too low` lead to the receipts;
 * `replacement transaction underpriced` to a further bump; `insufficient funds` to a UserError naming the key and
 * the amount short. When the nonce is used and none of the versions is mined, a transaction this worker did not
 * sign took it: NonceTakenError.
 */
import { ContractRevertError, toNeuralError } from "@neural/sdk";
import type { Logger } from "pino";
import {
  type Account,
  type Address,
  type Hex,
  keccak256,
  type PublicClient,
  parseGwei,
  parseTransaction,
  type TransactionReceipt,
  TransactionReceiptNotFoundError,
} from "viem";
import { UserError } from "../errors.js";
import {
  classifyChainError,
  DEFAULT_RETRY,
  insufficientFunds,
  NonceTakenError,
  type RetryPolicy,
  sleep,
  withRetry,
} from "./errors.js";
import { bumpedFees, type Fees, initialFees } from "./fees.js";

/** One signed version of a transaction: the bytes broadcast, their hash and the fees they pay. */
export interface SignedVersion {
  raw: Hex;
  hash: Hex;
  /** Decimal wei (JSON has no bigint). */
  maxFeePerGas: string;
  maxPriorityFeePerGas: string;
}

/** A transaction and its replacements: one nonce, rising fees, oldest version first. */
export interface SignedTx {
  nonce: number;
  versions: SignedVersion[];
}

export interface GasPolicy {
  /** Blocks the newest version may stay unmined before a higher-fee version replaces it. */
  bumpAfterBlocks: number;
  /** The highest maxFeePerGas ever signed, in wei. */
  maxFeePerGas: bigint;
}

export const DEFAULT_GAS: GasPolicy = { bumpAfterBlocks: 3, maxFeePerGas: parseGwei("100") };

export interface SendJournal {
  /** What `record` got before a restart: broadcast again and watched, never signed anew. */
  previous?: SignedTx | undefined;
  /** Persists every version; awaited before that version is broadcast. */
  record: (tx: SignedTx) => Promise<void>;
  /** Called once after the first broadcast, before receipts are awaited. */
  broadcast?: () => Promise<void>;
}

export interface SendOptions {
  gas: GasPolicy;
  retry?: RetryPolicy;
  log?: Logger | undefined;
  /** How often receipts and blocks are polled while waiting. */
  pollingIntervalMs?: number;
}

type Signer = Account & { signTransaction: NonNullable<Account["signTransaction"]> };

/** The fees a journaled version pays (old journals' versions are parsed from their bytes). */
export function feesOf(version: SignedVersion): Fees {
  return {
    maxFeePerGas: BigInt(version.maxFeePerGas),
    maxPriorityFeePerGas: BigInt(version.maxPriorityFeePerGas),
  };
}

/** A version record of signed bytes: hash, and the fees read back from the transaction. */
export function versionOf(raw: Hex): SignedVersion & { nonce: number } {
  const tx = parseTransaction(raw);
  const maxFeePerGas = tx.maxFeePerGas ?? tx.gasPrice ?? 0n;
  const maxPriorityFeePerGas = tx.maxPriorityFeePerGas ?? tx.gasPrice ?? 0n;
  return {
    raw,
    hash: keccak256(raw),
    nonce: tx.nonce ?? 0,
    maxFeePerGas: maxFeePerGas.toString(),
    maxPriorityFeePerGas: maxPriorityFeePerGas.toString(),
  };
}

export class TxSender {
  private readonly retry: RetryPolicy;
  private readonly pollingIntervalMs: number;

  constructor(
    private readonly publicClient: PublicClient,
    private readonly options: SendOptions,
  ) {
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.pollingIntervalMs = options.pollingIntervalMs ?? 250;
  }

  /**
   * Signs (or takes from `journal.previous`), records, broadcasts and replaces until one version is mined.
   * `context` names the call in errors. The caller simulates the call first: a revert is its business.
   */
  async send(
    account: Account,
    call: { to: Address; data: Hex },
    journal: SendJournal,
    context: { contract: string; functionName: string },
    signal?: AbortSignal,
  ): Promise<{ hash: Hex; receipt: TransactionReceipt }> {
    const signer = signerOf(account);
    const what = `${context.contract}.${context.functionName}`;
    const log = this.options.log?.child({ call: what });
    const retry = <T>(fn: () => Promise<T>) => this.retrying(fn, context, signal);
    const cap = this.options.gas.maxFeePerGas;

    let tx = journal.previous;
    if (tx === undefined || tx.versions.length === 0) {
      const [nonce, gas, market, chainId] = await Promise.all([
        retry(() => this.publicClient.getTransactionCount({ address: account.address, blockTag: "pending" })),
        retry(() => this.publicClient.estimateGas({ account, to: call.to, data: call.data })),
        retry(() => this.publicClient.estimateFeesPerGas()),
        retry(() => this.publicClient.getChainId()),
      ]);
      const fees = initialFees(market, cap);
      if (fees.maxFeePerGas < market.maxFeePerGas) {
        log?.warn(
          { maxFeePerGas: String(market.maxFeePerGas), cap: String(cap) },
          "the market's fee is above NEURAL_MAX_FEE_GWEI: signed at the cap, it may wait for lower fees",
        );
      }
      const raw = await signer.signTransaction({
        type: "eip1559",
        chainId,
        nonce,
        gas,
        to: call.to,
        data: call.data,
        ...fees,
      });
      const { nonce: _, ...version } = versionOf(raw);
      tx = { nonce, versions: [version] };
      await journal.record(tx);
    }

    const latest = () => tx?.versions.at(-1) as SignedVersion;
    let underpriced = false;
    try {
      underpriced = (await this.broadcast(latest(), account.address, what, signal)) === "underpriced";
    } catch (error) {
      // a replacement that cannot be paid for leaves the older versions pending: keep watching them
      if (!(error instanceof UserError && tx.versions.length > 1)) throw error;
      log?.warn({ err: error.message }, "the newest version was refused; watching the older ones");
    }
    await journal.broadcast?.();

    let sentAt = await retry(() => this.publicClient.getBlockNumber({ cacheTime: 0 }));
    let takenSeen = 0;
    let capWarned = false;
    for (;;) {
      const mined = await this.mined(account.address, tx, context, signal);
      if (mined === "taken") {
        // seen twice, a poll apart, so a node answering from a lagging replica cannot fool it
        if (++takenSeen >= 2) {
          throw new NonceTakenError(
            account.address,
            tx.nonce,
            what,
            tx.versions.map((v) => v.hash),
          );
        }
      } else if (mined !== "pending") {
        if (mined.receipt.status !== "success") {
          // mined and reverted (e.g. the deadline passed meanwhile): the nonce is spent, the same call would fail
          throw new ContractRevertError(`${what} reverted on-chain (tx ${mined.hash})`, {
            ...context,
            details: { hash: mined.hash },
          });
        }
        return mined;
      }
      const block = await retry(() => this.publicClient.getBlockNumber({ cacheTime: 0 }));
      if (
        mined === "pending" &&
        (underpriced || block - sentAt >= BigInt(this.options.gas.bumpAfterBlocks))
      ) {
        sentAt = block;
        underpriced = false;
        const market = await retry(() => this.publicClient.estimateFeesPerGas());
        const fees = bumpedFees(feesOf(latest()), market, cap);
        if (fees === undefined) {
          if (!capWarned) {
            log?.warn(
              { nonce: tx.nonce, maxFeePerGas: latest().maxFeePerGas, cap: String(cap) },
              "not mined, and a higher fee would pass NEURAL_MAX_FEE_GWEI: waiting at the current fee",
            );
            capWarned = true;
          }
          // keep it in the node's pool: it may have been dropped
          await this.broadcast(latest(), account.address, what, signal).catch((error: Error) =>
            log?.warn({ err: error.message }, "re-broadcast failed"),
          );
        } else {
          const previous = parseTransaction(latest().raw);
          const raw = await signer.signTransaction({
            type: "eip1559",
            chainId: previous.chainId as number,
            nonce: tx.nonce,
            gas: previous.gas as bigint,
            to: previous.to as Address,
            data: previous.data as Hex,
            ...fees,
          });
          const { nonce: _, ...version } = versionOf(raw);
          tx = { nonce: tx.nonce, versions: [...tx.versions, version] };
          await journal.record(tx);
          log?.info(
            {
              nonce: tx.nonce,
              hash: version.hash,
              maxFeePerGas: version.maxFeePerGas,
              version: tx.versions.length,
            },
            "not mined in time: replaced with higher fees (same nonce)",
          );
          try {
            underpriced = (await this.broadcast(version, account.address, what, signal)) === "underpriced";
          } catch (error) {
            if (!(error instanceof UserError)) throw error;
            log?.warn({ err: error.message }, "the replacement was refused; watching the older versions");
          }
        }
      }
      await sleep(this.pollingIntervalMs, signal);
    }
  }

  /** Broadcasts signed bytes (retried while transient: the same bytes are the same transaction). */
  private async broadcast(
    version: SignedVersion,
    address: Address,
    what: string,
    signal?: AbortSignal,
  ): Promise<"sent" | "underpriced"> {
    try {
      await withRetry(() => this.publicClient.sendRawTransaction({ serializedTransaction: version.raw }), {
        policy: this.retry,
        signal,
      });
      return "sent";
    } catch (error) {
      switch (classifyChainError(error)) {
        case "already-sent":
          return "sent"; // in the pool already, or its nonce is used: the receipts decide
        case "underpriced":
          return "underpriced";
        case "insufficient-funds": {
          const balance = await this.publicClient.getBalance({ address }).catch(() => undefined);
          const gas = parseTransaction(version.raw).gas ?? 0n;
          throw insufficientFunds(
            address,
            what,
            { balance, needed: gas * BigInt(version.maxFeePerGas) },
            error,
          );
        }
        default:
          throw toNeuralError(error, { functionName: what });
      }
    }
  }

  /** The mined version and its receipt; "pending" while the nonce is unused; "taken" when used by another. */
  private async mined(
    address: Address,
    tx: SignedTx,
    context: { contract: string; functionName: string },
    signal?: AbortSignal,
  ): Promise<{ hash: Hex; receipt: TransactionReceipt } | "pending" | "taken"> {
    const used = await this.retrying(
      () => this.publicClient.getTransactionCount({ address, blockTag: "latest" }),
      context,
      signal,
    );
    if (used <= tx.nonce) return "pending";
    for (const version of [...tx.versions].reverse()) {
      const receipt = await this.retrying(
        () =>
          this.publicClient.getTransactionReceipt({ hash: version.hash }).catch((error: unknown) => {
            if (error instanceof TransactionReceiptNotFoundError) return undefined;
            throw error;
          }),
        context,
        signal,
      );
      if (receipt) return { hash: version.hash, receipt };
    }
    return "taken";
  }

  private async retrying<T>(
    fn: () => Promise<T>,
    context: { contract: string; functionName: string },
    signal?: AbortSignal,
  ): Promise<T> {
    try {
      return await withRetry(fn, {
        policy: this.retry,
        signal,
        onRetry: ({ attempt, delayMs, error }) =>
          this.options.log?.warn(
            { attempt: attempt + 1, delayMs, err: (error as Error).message.split("\n")[0] },
            "RPC failed: retrying",
          ),
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw toNeuralError(error, context);
    }
  }
}

function signerOf(account: Account): Signer {
  if (typeof account.signTransaction !== "function") {
    throw new Error("the worker signs locally: a local account (private key) is needed");
  }
  return account as Signer;
}
