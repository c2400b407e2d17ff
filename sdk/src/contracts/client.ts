/**
 * Thin viem helpers for the calls every service makes. Each write is simulated first (so a revert is caught
 * before a transaction is sent), sent, and awaited; failures come back as NeuralErrors with the contract's
 * custom error decoded (ContractRevertError). CIDs may be given as CID objects, strings or bytes32.
 *
 * Issue 8 flows: results commit every checkpoint (`submitResult(..., checkpoints)`); challenges are committed
 * with their bond then revealed (`commitChallenge` / `revealChallenge`, or `challenge` for both); committees
 * are drawn from the block after the commitment (`drawCommittee` when the reveal came too early); audits are
 * drawn by Sortition (`assignAudit`, anyone); worker keys consent by EIP-712 (`signWorkerConsent`).
 */
import type { CID } from "multiformats/cid";
import {
  type Account,
  type Address,
  type Chain,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type ContractFunctionReturnType,
  encodeAbiParameters,
  type Hex,
  hexToSignature,
  isHex,
  keccak256,
  type PublicClient,
  parseAbi,
  parseEventLogs,
  stringToHex,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from "viem";
import {
  bytes32ToCid,
  type CidField,
  cidToBytes32,
  codecName,
  DAG_PB_CODEC,
  parseCid,
  RAW_CODEC,
  ZERO_BYTES32,
} from "../cid/cid.js";
import {
  ConfigError,
  ContractRevertError,
  InvalidCidError,
  TimeoutError,
  ValidationError,
} from "../errors/errors.js";
import { type Checkpoint, CheckpointTree } from "../merkle/checkpoints.js";
import {
  datasetRegistryAbi,
  disputeManagerAbi,
  modelRegistryAbi,
  neuralTokenAbi,
  nodeRegistryAbi,
  sortitionAbi,
  taskManagerAbi,
} from "./abis.js";
import type { Deployment } from "./deployments.js";
import {
  AuditStatus,
  DisputeOutcome,
  DisputeStatus,
  enumName,
  type ReleaseReason,
  type ReportReason,
  ShardStatus,
  TaskStatus,
  Tier,
  type Vote,
} from "./enums.js";
import { toNeuralError } from "./errors.js";

export type PostTaskParams = ContractFunctionArgs<typeof taskManagerAbi, "nonpayable", "postTask">[0];
export type Assignment = ContractFunctionArgs<typeof taskManagerAbi, "nonpayable", "assignShards">[0][number];
export type ShardRef = ContractFunctionArgs<typeof taskManagerAbi, "nonpayable", "finalizeShards">[0][number];
export type ChallengeParams = ContractFunctionArgs<
  typeof disputeManagerAbi,
  "nonpayable",
  "revealChallenge"
>[1];
export type PublishParams = ContractFunctionArgs<typeof modelRegistryAbi, "nonpayable", "publish">[0];
export type DatasetParams = ContractFunctionArgs<typeof datasetRegistryAbi, "nonpayable", "publish">[0];
export type DatasetVersionParams = ContractFunctionArgs<
  typeof datasetRegistryAbi,
  "nonpayable",
  "publish"
>[1];
/** A dataset version as callers give it: CIDs as strings or CID objects; the codec comes from the content CID. */
export type DatasetVersionInput = Omit<
  DatasetVersionParams,
  "contentCid" | "contentCodec" | "metadataCid"
> & {
  contentCid: CID | string;
  metadataCid?: CidLike;
};

/** The on-chain params of a dataset version: the content CID's digest and codec, checked storable. */
export function datasetVersionParams(input: DatasetVersionInput): DatasetVersionParams {
  const cid = parseCid(input.contentCid);
  return {
    contentCid: cidToBytes32(cid),
    contentCodec: cid.code,
    sizeBytes: input.sizeBytes,
    usageFeePerShard: input.usageFeePerShard,
    format: input.format,
    metadataCid: input.metadataCid === undefined ? ZERO_BYTES32 : toBytes32(input.metadataCid, "metadata"),
  };
}

/** The CIDv1 of a dataset version's content from its on-chain digest and codec. */
export function datasetContentCid(contentCid: Hex, contentCodec: number): CID {
  if (contentCodec !== RAW_CODEC && contentCodec !== DAG_PB_CODEC) {
    throw new InvalidCidError(`dataset content codec ${codecName(contentCodec)} is not raw or dag-pb`);
  }
  return bytes32ToCid(contentCid, contentCodec);
}
export type VersionParams = ContractFunctionArgs<typeof modelRegistryAbi, "nonpayable", "addVersion">[1];
export type WeightsProofParams = PublishParams["weights"];
export type Capabilities = ContractFunctionArgs<typeof nodeRegistryAbi, "nonpayable", "register">[1];

/** A worker key's signed consent to serve a node (NodeRegistry WorkerConsent). */
export interface WorkerConsent {
  deadline: bigint;
  signature: Hex;
}

/** A committed challenge: keep `params` and `salt` until the reveal. */
export interface ChallengeCommitment {
  commitId: bigint;
  commitment: Hex;
  salt: Hex;
  params: ChallengeParams;
  epoch: number;
  revealDeadline: bigint;
  /** Block of the commitment: the committee seed is the randomness of the block after it. */
  committedBlock: bigint;
}

/** A CID as a CID object, its string, or the bytes32 already stored on-chain. */
export type CidLike = CID | string | Hex;

export type WithCids<T, K extends keyof T> = Omit<T, K> & { [P in K]: CidLike };

const erc5267Abi = parseAbi([
  "function eip712Domain() view returns (bytes1 fields, string name, string version, uint256 chainId, address verifyingContract, bytes32 salt, uint256[] extensions)",
]);

/** bytes32 of a CID for an on-chain field (a bytes32 passes through; zero stays zero). */
export function toBytes32(value: CidLike, field: CidField): Hex {
  if (typeof value === "string" && isHex(value, { strict: true }) && value.length === 66) return value;
  return cidToBytes32(value as CID | string, field);
}

/** A parameter name as the contracts store it: ASCII right-padded to bytes32. */
export function parameterKey(name: string): Hex {
  if (!/^[\x20-\x7e]{1,32}$/.test(name)) throw new ConfigError(`bad parameter name ${JSON.stringify(name)}`);
  return stringToHex(name, { size: 32 });
}

/** The vote commitment DisputeManager checks: keccak256(abi.encode(disputeId, nodeId, vote, salt)). */
export function voteCommitment(disputeId: bigint, nodeId: bigint, vote: Vote, salt: Hex): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "uint256" }, { type: "uint256" }, { type: "uint8" }, { type: "bytes32" }],
      [disputeId, nodeId, vote, salt],
    ),
  );
}

/** The EIP-712 type of a worker key's consent (NodeRegistry, domain "Neural NodeRegistry" version "1"). */
export const WORKER_CONSENT_TYPES = {
  WorkerConsent: [
    { name: "operator", type: "address" },
    { name: "nodeId", type: "uint256" },
    { name: "worker", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/** No consent: for a worker key that is the operator itself (the contract needs no signature then). */
export const NO_CONSENT: WorkerConsent = { deadline: 0n, signature: "0x" };

/** The WeightsProof to pass when a model has no source task (the contract ignores it). */
export const NO_WEIGHTS_PROOF: WeightsProofParams = { step: 0n, hash: ZERO_BYTES32, proof: [] };

/**
 * The challenge commitment DisputeManager checks (`challengeCommitment`): keccak256(abi.encode(challenger,
 * taskId, shardIndex, checkpointIndex, step, leafHash, challengerHash, salt)). The challenger is part of it,
 * so a copied commitment earns the copier nothing.
 */
export function challengeCommitment(challenger: Address, params: ChallengeParams, salt: Hex): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        { type: "address" },
        { type: "uint64" },
        { type: "uint32" },
        { type: "uint32" },
        { type: "uint64" },
        { type: "bytes32" },
        { type: "bytes32" },
        { type: "bytes32" },
      ],
      [
        challenger,
        params.taskId,
        params.shardIndex,
        params.checkpointIndex,
        params.step,
        params.leafHash,
        params.challengerHash,
        salt,
      ],
    ),
  );
}

/** 32 random bytes (Web Crypto): a salt for a challenge or vote commitment. */
export function randomSalt(): Hex {
  const bytes = new Uint8Array(32);
  globalThis.crypto.getRandomValues(bytes);
  return `0x${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}` as Hex;
}

/** Extra gas granted to calls whose cost depends on on-chain randomness (committee sampling). */
export const RANDOM_GAS_HEADROOM = 1_000_000n;
const MAX_GAS = 15_000_000n;
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

export interface NeuralClientConfig {
  publicClient: PublicClient;
  /** Needed for writes; its account signs. */
  walletClient?: WalletClient<Transport, Chain | undefined, Account>;
  deployment: Deployment;
}

export interface WriteResult {
  hash: Hex;
  receipt: TransactionReceipt;
}

export class NeuralClient {
  readonly publicClient: PublicClient;
  readonly walletClient: WalletClient<Transport, Chain | undefined, Account> | undefined;
  readonly deployment: Deployment;
  readonly addresses: {
    token: Address;
    registry: Address;
    taskManager: Address;
    disputeManager: Address;
    modelRegistry: Address;
    datasetRegistry: Address;
    sortition: Address;
  };

  constructor(config: NeuralClientConfig) {
    this.publicClient = config.publicClient;
    this.walletClient = config.walletClient;
    this.deployment = config.deployment;
    const c = config.deployment.contracts;
    this.addresses = {
      token: c.NeuralToken.address,
      registry: c.NodeRegistry.address,
      taskManager: c.TaskManager.address,
      disputeManager: c.DisputeManager.address,
      modelRegistry: c.ModelRegistry.address,
      datasetRegistry: c.DatasetRegistry.address,
      sortition: c.Sortition.address,
    };
  }

  private wallet(): WalletClient<Transport, Chain | undefined, Account> {
    if (!this.walletClient) throw new ConfigError("this NeuralClient has no wallet client: writes need one");
    return this.walletClient;
  }

  get account(): Address {
    return this.wallet().account.address;
  }

  /**
   * Simulates (typed against the ABI by the caller), sends and awaits a write; decodes reverts. With
   * `randomGas`, the gas limit gets headroom over the estimate: calls that sample a committee use an amount
   * of gas that depends on the block's randomness, which the estimate (made against another block) cannot know.
   */
  private async send(
    contract: string,
    functionName: string,
    simulate: (account: Account) => Promise<{ request: unknown }>,
    options: { randomGas?: boolean } = {},
  ): Promise<WriteResult> {
    const wallet = this.wallet();
    try {
      const { request } = await simulate(wallet.account);
      // the request comes from simulateContract, so it matches what writeContract takes
      let write = request as Parameters<typeof wallet.writeContract>[0];
      if (options.randomGas) {
        const estimate = await this.publicClient.estimateContractGas(
          request as Parameters<typeof this.publicClient.estimateContractGas>[0],
        );
        write = { ...write, gas: min(estimate * 2n + RANDOM_GAS_HEADROOM, MAX_GAS) };
      }
      const hash = await wallet.writeContract(write);
      const receipt = await this.publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success")
        throw await this.explainFailure(contract, functionName, hash, receipt);
      return { hash, receipt };
    } catch (error) {
      throw toNeuralError(error, { contract, functionName });
    }
  }

  /** Why a mined transaction failed: out of gas, or the revert replayed against the chain. */
  private async explainFailure(
    contract: string,
    functionName: string,
    hash: Hex,
    receipt: TransactionReceipt,
  ): Promise<Error> {
    const tx = await this.publicClient.getTransaction({ hash });
    if (receipt.gasUsed >= tx.gas) {
      return new ContractRevertError(
        `${contract}.${functionName} ran out of gas (limit ${tx.gas}, tx ${hash})`,
        {
          contract,
          functionName,
          details: { hash, gas: tx.gas, outOfGas: true },
        },
      );
    }
    try {
      await this.publicClient.call({
        account: tx.from,
        to: tx.to ?? undefined,
        data: tx.input,
        blockNumber: receipt.blockNumber,
      });
    } catch (error) {
      const decoded = toNeuralError(error, { contract, functionName });
      if (decoded instanceof ContractRevertError) return decoded;
    }
    return new ContractRevertError(`${contract}.${functionName} reverted on-chain (tx ${hash})`, {
      contract,
      functionName,
      details: { hash },
    });
  }

  // ------------------------------------------------------------------ reads

  /** The latest block's timestamp: signature deadlines count from the chain's clock, not this machine's. */
  async chainTime(): Promise<bigint> {
    try {
      return (await this.publicClient.getBlock({ blockTag: "latest" })).timestamp;
    } catch (error) {
      throw toNeuralError(error, { functionName: "getBlock" });
    }
  }

  /** The task as the contract returns it, plus `statusName` ("Running") and `minTierName` ("Bronze"). */
  async getTask(taskId: bigint) {
    try {
      const task = await this.publicClient.readContract({
        address: this.addresses.taskManager,
        abi: taskManagerAbi,
        functionName: "getTask",
        args: [taskId],
      });
      return {
        ...task,
        statusName: enumName(TaskStatus, task.status),
        minTierName: enumName(Tier, task.minTier),
      };
    } catch (error) {
      throw toNeuralError(error, { contract: "TaskManager", functionName: "getTask" });
    }
  }

  /**
   * The shard's latest liveness ping (TaskManager.shardPing): the epoch it concerns, its answer deadline
   * (`respondBy`, 0 when none is outstanding) and the earliest next ping of that epoch. `outstanding` is true when
   * the shard's current assignment awaits the node's `answerPing` (a ping of an earlier epoch is void).
   */
  async shardPing(taskId: bigint, shardIndex: bigint) {
    try {
      const [[epoch, respondBy, nextPingAt], state] = await Promise.all([
        this.publicClient.readContract({
          address: this.addresses.taskManager,
          abi: taskManagerAbi,
          functionName: "shardPing",
          args: [taskId, shardIndex],
        }),
        this.publicClient.readContract({
          address: this.addresses.taskManager,
          abi: taskManagerAbi,
          functionName: "shardState",
          args: [taskId, shardIndex],
        }),
      ]);
      const outstanding = respondBy !== 0n && state[0] === ShardStatus.Assigned && state[1] === epoch;
      return { epoch, respondBy, nextPingAt, outstanding };
    } catch (error) {
      throw toNeuralError(error, { contract: "TaskManager", functionName: "shardPing" });
    }
  }

  /** The shard as the contract returns it, plus `statusName` ("Submitted") and `auditStatusName`. */
  async getShard(taskId: bigint, shardIndex: bigint) {
    try {
      const shard = await this.publicClient.readContract({
        address: this.addresses.taskManager,
        abi: taskManagerAbi,
        functionName: "getShard",
        args: [taskId, shardIndex],
      });
      return {
        ...shard,
        statusName: enumName(ShardStatus, shard.status),
        auditStatusName: enumName(AuditStatus, shard.auditStatus),
      };
    } catch (error) {
      throw toNeuralError(error, { contract: "TaskManager", functionName: "getShard" });
    }
  }

  async quoteEscrow(params: PostTaskParams): Promise<bigint> {
    try {
      return await this.publicClient.readContract({
        address: this.addresses.taskManager,
        abi: taskManagerAbi,
        functionName: "quoteEscrow",
        args: [params],
      });
    } catch (error) {
      throw toNeuralError(error, { contract: "TaskManager", functionName: "quoteEscrow" });
    }
  }

  async getParameter(
    contract: "NodeRegistry" | "TaskManager" | "DisputeManager" | "Sortition" | "DatasetRegistry",
    name: string,
  ): Promise<bigint> {
    const address = {
      DatasetRegistry: this.addresses.datasetRegistry,
      NodeRegistry: this.addresses.registry,
      TaskManager: this.addresses.taskManager,
      DisputeManager: this.addresses.disputeManager,
      Sortition: this.addresses.sortition,
    }[contract];
    try {
      return await this.publicClient.readContract({
        address,
        abi: taskManagerAbi,
        functionName: "getParameter",
        args: [parameterKey(name)],
      });
    } catch (error) {
      throw toNeuralError(error, { contract, functionName: "getParameter" });
    }
  }

  // ------------------------------------------------------------------ client

  /**
   * Signs an EIP-2612 permit for exactly the quoted escrow and posts the task in one transaction. The default
   * deadline is one hour after the chain's time (not this machine's clock). A deadline already past on-chain is
   * refused before anything is signed; if the permit still does not apply (it expired while the transaction
   * waited, or was used), the revert says so instead of a bare ERC20InsufficientAllowance.
   */
  async postTaskWithPermit(
    input: WithCids<Omit<PostTaskParams, "datasetId" | "datasetVersion">, "specCid"> & {
      /** A DatasetRegistry dataset version to train on (its usage fee is escrowed per shard); none by default. */
      datasetId?: bigint;
      datasetVersion?: number;
    },
    options: { deadline?: bigint } = {},
  ): Promise<WriteResult & { taskId: bigint; escrow: bigint }> {
    const wallet = this.wallet();
    const params: PostTaskParams = {
      datasetId: 0n,
      datasetVersion: 0,
      ...input,
      specCid: toBytes32(input.specCid, "spec"),
    };
    const escrow = await this.quoteEscrow(params);
    const now = await this.chainTime();
    const deadline = options.deadline ?? now + 3600n;
    if (deadline <= now) {
      throw new ValidationError("permit", [
        {
          path: "deadline",
          message: `${deadline} is not after the chain's time ${now}; give a later deadline`,
        },
      ]);
    }
    let signature: Hex;
    try {
      const [[, name, version, chainId], nonce] = await Promise.all([
        this.publicClient.readContract({
          address: this.addresses.token,
          abi: erc5267Abi,
          functionName: "eip712Domain",
        }),
        this.publicClient.readContract({
          address: this.addresses.token,
          abi: neuralTokenAbi,
          functionName: "nonces",
          args: [wallet.account.address],
        }),
      ]);
      signature = await wallet.signTypedData({
        account: wallet.account,
        domain: { name, version, chainId, verifyingContract: this.addresses.token },
        types: {
          Permit: [
            { name: "owner", type: "address" },
            { name: "spender", type: "address" },
            { name: "value", type: "uint256" },
            { name: "nonce", type: "uint256" },
            { name: "deadline", type: "uint256" },
          ],
        },
        primaryType: "Permit",
        message: {
          owner: wallet.account.address,
          spender: this.addresses.taskManager,
          value: escrow,
          nonce,
          deadline,
        },
      });
    } catch (error) {
      throw toNeuralError(error, { contract: "NeuralToken", functionName: "permit" });
    }
    const { r, s, v, yParity } = hexToSignature(signature);
    let result: WriteResult;
    try {
      result = await this.send("TaskManager", "postTaskWithPermit", (account) =>
        this.publicClient.simulateContract({
          account,
          address: this.addresses.taskManager,
          abi: taskManagerAbi,
          functionName: "postTaskWithPermit",
          args: [params, deadline, Number(v ?? BigInt(yParity + 27)), r, s],
        }),
      );
    } catch (error) {
      // The TaskManager ignores a failing permit (so a front-run permit cannot block the post); the escrow pull
      // then fails for want of allowance. Say why the permit did not apply.
      if (error instanceof ContractRevertError && error.errorName === "ERC20InsufficientAllowance") {
        const at = await this.chainTime();
        const why =
          deadline < at
            ? `the permit expired (deadline ${deadline}, chain time ${at}); sign a new one with a later deadline`
            : "the permit did not apply (already used, or signed for another amount or nonce); sign a new one";
        throw new ContractRevertError(`TaskManager.postTaskWithPermit: ${why}`, {
          errorName: error.errorName,
          args: error.args,
          contract: "TaskManager",
          functionName: "postTaskWithPermit",
          cause: error,
        });
      }
      throw error;
    }
    const [posted] = parseEventLogs({
      abi: taskManagerAbi,
      logs: result.receipt.logs,
      eventName: "TaskPosted",
    });
    if (!posted) throw new ConfigError("TaskPosted event missing from the receipt");
    return { ...result, taskId: posted.args.taskId, escrow };
  }

  /** Cancels a task (its client): Pending shards are cancelled and their max prices refunded at once (O(1)). */
  async cancelTask(taskId: bigint): Promise<WriteResult & { pendingShards: number; refund: bigint }> {
    const result = await this.send("TaskManager", "cancelTask", (account) =>
      this.publicClient.simulateContract({
        account,
        address: this.addresses.taskManager,
        abi: taskManagerAbi,
        functionName: "cancelTask",
        args: [taskId],
      }),
    );
    const [cancelled] = parseEventLogs({
      abi: taskManagerAbi,
      logs: result.receipt.logs,
      eventName: "TaskCancelled",
    });
    const refunds = parseEventLogs({
      abi: taskManagerAbi,
      logs: result.receipt.logs,
      eventName: "TaskRefunded",
    });
    return {
      ...result,
      pendingShards: cancelled?.args.pendingShards ?? 0,
      refund: refunds.reduce((sum, e) => sum + e.args.amount, 0n),
    };
  }

  // ------------------------------------------------------------------ keeper

  /** Assigns pending shards to nodes in one batch (KEEPER_ROLE). */
  async assignShards(assignments: readonly Assignment[]): Promise<WriteResult> {
    return this.send("TaskManager", "assignShards", (account) =>
      this.publicClient.simulateContract({
        account,
        address: this.addresses.taskManager,
        abi: taskManagerAbi,
        functionName: "assignShards",
        args: [assignments],
      }),
    );
  }

  /**
   * Asks the node of an Assigned shard to prove it is alive within `livenessWindow` seconds (KEEPER_ROLE). At most
   * one ping outstanding per shard and one per 4 × livenessWindow per assignment. Returns the answer deadline.
   */
  async pingShard(taskId: bigint, shardIndex: bigint): Promise<WriteResult & { respondBy: bigint }> {
    const result = await this.send("TaskManager", "pingShard", (account) =>
      this.publicClient.simulateContract({
        account,
        address: this.addresses.taskManager,
        abi: taskManagerAbi,
        functionName: "pingShard",
        args: [taskId, shardIndex],
      }),
    );
    const [pinged] = parseEventLogs({
      abi: taskManagerAbi,
      logs: result.receipt.logs,
      eventName: "ShardPinged",
    });
    if (!pinged) throw new ConfigError("ShardPinged event missing from the receipt");
    return { ...result, respondBy: pinged.args.respondBy };
  }

  // ------------------------------------------------------------------ node

  /**
   * Claims a shard that has been Pending for `claimDelayBlocks` blocks for `nodeId` (the account must be the node's
   * operator or worker key): the way to run a shard no keeper assigns. Returns the locked price and epoch.
   */
  async claimShard(input: {
    taskId: bigint;
    shardIndex: bigint;
    nodeId: bigint;
  }): Promise<WriteResult & { price: bigint; epoch: number; deadline: bigint }> {
    const result = await this.send("TaskManager", "claimShard", (account) =>
      this.publicClient.simulateContract({
        account,
        address: this.addresses.taskManager,
        abi: taskManagerAbi,
        functionName: "claimShard",
        args: [input.taskId, input.shardIndex, input.nodeId],
      }),
    );
    const [assigned] = parseEventLogs({
      abi: taskManagerAbi,
      logs: result.receipt.logs,
      eventName: "ShardAssigned",
    });
    if (!assigned) throw new ConfigError("ShardAssigned event missing from the receipt");
    return {
      ...result,
      price: assigned.args.price,
      epoch: assigned.args.epoch,
      deadline: assigned.args.deadline,
    };
  }

  /**
   * Hands an assigned shard back with a reason (ReleaseReason value) and the logs' CID (zero when none). Free
   * within `releaseGracePeriod` of the assignment; later it counts as a failed attempt of the node (`late`).
   */
  async releaseShard(input: {
    taskId: bigint;
    shardIndex: bigint;
    reason: ReleaseReason;
    logsCid?: CidLike;
  }): Promise<WriteResult & { late: boolean }> {
    const logsCid = input.logsCid === undefined ? ZERO_BYTES32 : toBytes32(input.logsCid, "logs");
    const result = await this.send("TaskManager", "releaseShard", (account) =>
      this.publicClient.simulateContract({
        account,
        address: this.addresses.taskManager,
        abi: taskManagerAbi,
        functionName: "releaseShard",
        args: [input.taskId, input.shardIndex, input.reason, logsCid],
      }),
    );
    const [released] = parseEventLogs({
      abi: taskManagerAbi,
      logs: result.receipt.logs,
      eventName: "ShardReleased",
    });
    if (!released) throw new ConfigError("ShardReleased event missing from the receipt");
    return { ...result, late: released.args.late };
  }

  /**
   * Answers the outstanding liveness ping of an Assigned shard (the account must be the node's operator or worker
   * key): the shard stays the node's.
   */
  async answerPing(taskId: bigint, shardIndex: bigint): Promise<WriteResult> {
    return this.send("TaskManager", "answerPing", (account) =>
      this.publicClient.simulateContract({
        account,
        address: this.addresses.taskManager,
        abi: taskManagerAbi,
        functionName: "answerPing",
        args: [taskId, shardIndex],
      }),
    );
  }

  /**
   * Releases a shard whose node left its liveness ping unanswered past `respondBy` (anyone, before the shard's
   * deadline): a failed attempt of the node, like a late release (ShardReleased with reason Unresponsive); the
   * shard is re-queued, or fails after maxAttempts. No slash.
   */
  async releaseUnresponsive(taskId: bigint, shardIndex: bigint): Promise<WriteResult> {
    return this.send("TaskManager", "releaseUnresponsive", (account) =>
      this.publicClient.simulateContract({
        account,
        address: this.addresses.taskManager,
        abi: taskManagerAbi,
        functionName: "releaseUnresponsive",
        args: [taskId, shardIndex],
      }),
    );
  }

  /** After an assignment's deadline (anyone): slashes the node a little and re-queues or fails the shard. */
  async timeoutShard(taskId: bigint, shardIndex: bigint): Promise<WriteResult> {
    return this.send("TaskManager", "timeoutShard", (account) =>
      this.publicClient.simulateContract({
        account,
        address: this.addresses.taskManager,
        abi: taskManagerAbi,
        functionName: "timeoutShard",
        args: [taskId, shardIndex],
      }),
    );
  }

  /**
   * The first condition `nodeId` fails for a shard of `taskId` (Ineligibility value, 0 = eligible), from the
   * task's requirements and collateral — what assignShards or claimShard would report in NodeNotEligible.
   */
  async eligibility(nodeId: bigint, taskId: bigint): Promise<number> {
    const task = await this.getTask(taskId);
    try {
      return await this.publicClient.readContract({
        address: this.addresses.registry,
        abi: nodeRegistryAbi,
        functionName: "eligibility",
        args: [nodeId, task.minTier, task.resources, task.maxPricePerShard, task.collateralPerShard],
      });
    } catch (err) {
      throw toNeuralError(err, { contract: "NodeRegistry", functionName: "eligibility" });
    }
  }

  /**
   * Commits a shard's result: the manifest CID and every checkpoint in order (the last one is the final
   * weights). The contract computes the root from them; `checkpointRoot` is returned from the event.
   */
  async submitResult(input: {
    taskId: bigint;
    shardIndex: bigint;
    manifestCid: CidLike;
    /** The checkpoints as `{ step, hash }` in order, or the tree built from them. */
    checkpoints: readonly Checkpoint[] | CheckpointTree;
  }): Promise<WriteResult & { checkpointRoot: Hex; epoch: number; challengeDeadline: bigint }> {
    const checkpoints =
      input.checkpoints instanceof CheckpointTree ? input.checkpoints.checkpoints : [...input.checkpoints];
    const result = await this.send("TaskManager", "submitResult", (account) =>
      this.publicClient.simulateContract({
        account,
        address: this.addresses.taskManager,
        abi: taskManagerAbi,
        functionName: "submitResult",
        args: [input.taskId, input.shardIndex, toBytes32(input.manifestCid, "manifest"), checkpoints],
      }),
    );
    const [submitted] = parseEventLogs({
      abi: taskManagerAbi,
      logs: result.receipt.logs,
      eventName: "ResultSubmitted",
    });
    if (!submitted) throw new ConfigError("ResultSubmitted event missing from the receipt");
    return {
      ...result,
      checkpointRoot: submitted.args.checkpointRoot,
      epoch: submitted.args.epoch,
      challengeDeadline: submitted.args.challengeDeadline,
    };
  }

  /** The root TaskManager computes for these checkpoints (a pure call). */
  async checkpointRoot(checkpoints: readonly Checkpoint[]): Promise<Hex> {
    try {
      return await this.publicClient.readContract({
        address: this.addresses.taskManager,
        abi: taskManagerAbi,
        functionName: "checkpointRoot",
        args: [checkpoints],
      });
    } catch (error) {
      throw toNeuralError(error, { contract: "TaskManager", functionName: "checkpointRoot" });
    }
  }

  // ------------------------------------------------------------------ operators and worker keys

  /**
   * Signs, with this client's account as the worker key, its consent to serve node `nodeId` (0 for a
   * registration) of `operator` (EIP-712 WorkerConsent; the nonce is the worker's current `workerNonce`).
   * The operator passes it to `registerNode` / `setWorker` before `deadline` (unix seconds).
   */
  async signWorkerConsent(input: {
    operator: Address;
    nodeId?: bigint;
    deadline?: bigint;
    nonce?: bigint;
  }): Promise<WorkerConsent> {
    const wallet = this.wallet();
    const deadline = input.deadline ?? (await this.chainTime()) + 3600n;
    try {
      const [[, name, version, chainId], nonce] = await Promise.all([
        this.publicClient.readContract({
          address: this.addresses.registry,
          abi: erc5267Abi,
          functionName: "eip712Domain",
        }),
        input.nonce !== undefined
          ? Promise.resolve(input.nonce)
          : this.publicClient.readContract({
              address: this.addresses.registry,
              abi: nodeRegistryAbi,
              functionName: "workerNonce",
              args: [wallet.account.address],
            }),
      ]);
      const signature = await wallet.signTypedData({
        account: wallet.account,
        domain: { name, version, chainId, verifyingContract: this.addresses.registry },
        types: WORKER_CONSENT_TYPES,
        primaryType: "WorkerConsent",
        message: {
          operator: input.operator,
          nodeId: input.nodeId ?? 0n,
          worker: wallet.account.address,
          nonce,
          deadline,
        },
      });
      return { deadline, signature };
    } catch (error) {
      throw toNeuralError(error, { contract: "NodeRegistry", functionName: "workerConsent" });
    }
  }

  /**
   * Registers a node operated by this client's account and bonds `stake` (approved first when needed).
   * `consent` is the worker key's `signWorkerConsent({ operator, nodeId: 0n })`; not needed when the worker is
   * the operator.
   */
  async registerNode(
    input: WithCids<
      {
        worker: Address;
        capabilities: Capabilities;
        askPrice: bigint;
        metadataCid: Hex;
        stake: bigint;
        consent?: WorkerConsent;
      },
      "metadataCid"
    >,
  ): Promise<WriteResult & { nodeId: bigint }> {
    await this.ensureAllowance(this.addresses.registry, input.stake);
    const consent = input.consent ?? NO_CONSENT;
    const result = await this.send("NodeRegistry", "register", (account) =>
      this.publicClient.simulateContract({
        account,
        address: this.addresses.registry,
        abi: nodeRegistryAbi,
        functionName: "register",
        args: [
          input.worker,
          input.capabilities,
          input.askPrice,
          toBytes32(input.metadataCid, "metadata"),
          input.stake,
          consent.deadline,
          consent.signature,
        ],
      }),
    );
    const [registered] = parseEventLogs({
      abi: nodeRegistryAbi,
      logs: result.receipt.logs,
      eventName: "NodeRegistered",
    });
    if (!registered) throw new ConfigError("NodeRegistered event missing from the receipt");
    return { ...result, nodeId: registered.args.nodeId };
  }

  /**
   * Updates what a node offers (operator only): capabilities, ask price per shard (at most 9 significant decimal
   * digits, e.g. 1.5 NRL; the price a shard pays is the ask at its assignment) and metadata CID.
   */
  async updateNode(input: {
    nodeId: bigint;
    capabilities: Capabilities;
    askPrice: bigint;
    metadataCid: CidLike;
  }): Promise<WriteResult> {
    return this.send("NodeRegistry", "updateNode", (account) =>
      this.publicClient.simulateContract({
        account,
        address: this.addresses.registry,
        abi: nodeRegistryAbi,
        functionName: "updateNode",
        args: [input.nodeId, input.capabilities, input.askPrice, toBytes32(input.metadataCid, "metadata")],
      }),
    );
  }

  /**
   * Rotates a node's worker key (operator only) with the new key's consent for this node. Reverts
   * NodeHasLiveShards while the node holds assigned, submitted or challenged shards.
   */
  async setWorker(input: { nodeId: bigint; worker: Address; consent?: WorkerConsent }): Promise<WriteResult> {
    const consent = input.consent ?? NO_CONSENT;
    return this.send("NodeRegistry", "setWorker", (account) =>
      this.publicClient.simulateContract({
        account,
        address: this.addresses.registry,
        abi: nodeRegistryAbi,
        functionName: "setWorker",
        args: [input.nodeId, input.worker, consent.deadline, consent.signature],
      }),
    );
  }

  // ------------------------------------------------------------------ anyone

  /** Finalizes the listed shards whose window is over; returns how many were finalized. */
  async finalizeShards(refs: readonly ShardRef[]): Promise<WriteResult & { finalized: number }> {
    const result = await this.send("TaskManager", "finalizeShards", (account) =>
      this.publicClient.simulateContract({
        account,
        address: this.addresses.taskManager,
        abi: taskManagerAbi,
        functionName: "finalizeShards",
        args: [refs],
      }),
    );
    const events = parseEventLogs({
      abi: taskManagerAbi,
      logs: result.receipt.logs,
      eventName: "ShardFinalized",
    });
    return { ...result, finalized: events.length };
  }

  // ------------------------------------------------------------------ disputes

  /**
   * Commits a challenge of a submitted shard inside its window: approves the bond when needed and sends
   * `challengeCommitment(account, params, salt)`, computed here (the claim stays hidden until the reveal).
   * Keep the returned `params` and `salt`: `revealChallenge` needs them.
   */
  async commitChallenge(
    params: ChallengeParams,
    options: { salt?: Hex } = {},
  ): Promise<WriteResult & ChallengeCommitment> {
    const salt = options.salt ?? randomSalt();
    const commitment = challengeCommitment(this.account, params, salt);
    const bond = await this.getParameter("DisputeManager", "challengeBond");
    await this.ensureAllowance(this.addresses.disputeManager, bond);
    const result = await this.send("DisputeManager", "commitChallenge", (account) =>
      this.publicClient.simulateContract({
        account,
        address: this.addresses.disputeManager,
        abi: disputeManagerAbi,
        functionName: "commitChallenge",
        args: [params.taskId, params.shardIndex, commitment],
      }),
    );
    const [committed] = parseEventLogs({
      abi: disputeManagerAbi,
      logs: result.receipt.logs,
      eventName: "ChallengeCommitted",
    });
    if (!committed) throw new ConfigError("ChallengeCommitted event missing from the receipt");
    return {
      ...result,
      commitId: committed.args.commitId,
      commitment,
      salt,
      params,
      epoch: committed.args.epoch,
      revealDeadline: committed.args.revealDeadline,
      committedBlock: result.receipt.blockNumber,
    };
  }

  /**
   * Reveals a committed challenge (same account) and opens the dispute. `drawn` is false when the seed block
   * (the one after the commitment) was not readable yet: call `drawCommittee` once it is mined.
   */
  async revealChallenge(input: {
    commitId: bigint;
    params: ChallengeParams;
    salt: Hex;
  }): Promise<WriteResult & { disputeId: bigint; seedBlock: bigint; drawn: boolean }> {
    const result = await this.send(
      "DisputeManager",
      "revealChallenge",
      (account) =>
        this.publicClient.simulateContract({
          account,
          address: this.addresses.disputeManager,
          abi: disputeManagerAbi,
          functionName: "revealChallenge",
          args: [input.commitId, input.params, input.salt],
        }),
      { randomGas: true },
    );
    const logs = result.receipt.logs;
    const [opened] = parseEventLogs({ abi: disputeManagerAbi, logs, eventName: "DisputeOpened" });
    if (!opened) throw new ConfigError("DisputeOpened event missing from the receipt");
    const [scheduled] = parseEventLogs({ abi: disputeManagerAbi, logs, eventName: "CommitteeSeedScheduled" });
    const drawn = parseEventLogs({ abi: disputeManagerAbi, logs, eventName: "CommitteeDrawn" }).length > 0;
    return { ...result, disputeId: opened.args.disputeId, seedBlock: scheduled?.args.seedBlock ?? 0n, drawn };
  }

  /**
   * Commit, wait until the seed block (the one after the commitment) is readable, reveal; draws the committee
   * itself if the reveal still came too early. A block's hash is readable from the next block on, and calls
   * are simulated against the latest block, so the reveal waits for block committedBlock + 2.
   * `waitForBlock(n)` must resolve once block n is mined (default: polls the chain head; a test chain that
   * mines only on transactions passes a function that mines).
   */
  async challenge(
    params: ChallengeParams,
    options: { salt?: Hex; waitForBlock?: (blockNumber: bigint) => Promise<void>; timeoutMs?: number } = {},
  ): Promise<WriteResult & { commitId: bigint; disputeId: bigint; salt: Hex }> {
    const wait = options.waitForBlock ?? ((n: bigint) => this.waitForBlock(n, options.timeoutMs));
    const committed = await this.commitChallenge(params, options.salt ? { salt: options.salt } : {});
    await wait(committed.committedBlock + 2n);
    const revealed = await this.revealChallenge({
      commitId: committed.commitId,
      params,
      salt: committed.salt,
    });
    let last: WriteResult = revealed;
    if (!revealed.drawn) {
      const dispute = await this.getDispute(revealed.disputeId);
      if (dispute.status === DisputeStatus.Drawing) {
        await wait(dispute.seedBlock + 1n);
        last = await this.drawCommittee(revealed.disputeId);
      }
    }
    return { ...last, commitId: committed.commitId, disputeId: revealed.disputeId, salt: committed.salt };
  }

  /** Draws the committee of a dispute waiting for its seed block (status Drawing). Anyone. */
  async drawCommittee(disputeId: bigint): Promise<WriteResult> {
    return this.send(
      "DisputeManager",
      "drawCommittee",
      (account) =>
        this.publicClient.simulateContract({
          account,
          address: this.addresses.disputeManager,
          abi: disputeManagerAbi,
          functionName: "drawCommittee",
          args: [disputeId],
        }),
      { randomGas: true },
    );
  }

  /**
   * Closes an unrevealed challenge commitment (anyone): after its reveal deadline the bond is forfeited to
   * the treasury; when the targeted attempt already ended it goes back to the challenger.
   */
  async closeChallengeCommit(
    commitId: bigint,
  ): Promise<WriteResult & { to: Address; forfeited: boolean; amount: bigint }> {
    const result = await this.send("DisputeManager", "closeChallengeCommit", (account) =>
      this.publicClient.simulateContract({
        account,
        address: this.addresses.disputeManager,
        abi: disputeManagerAbi,
        functionName: "closeChallengeCommit",
        args: [commitId],
      }),
    );
    const [closed] = parseEventLogs({
      abi: disputeManagerAbi,
      logs: result.receipt.logs,
      eventName: "ChallengeCommitClosed",
    });
    if (!closed) throw new ConfigError("ChallengeCommitClosed event missing from the receipt");
    return { ...result, to: closed.args.to, forfeited: closed.args.forfeited, amount: closed.args.amount };
  }

  async getChallengeCommit(commitId: bigint) {
    try {
      return await this.publicClient.readContract({
        address: this.addresses.disputeManager,
        abi: disputeManagerAbi,
        functionName: "getChallengeCommit",
        args: [commitId],
      });
    } catch (error) {
      throw toNeuralError(error, { contract: "DisputeManager", functionName: "getChallengeCommit" });
    }
  }

  /** Resolves once the chain head is at least `blockNumber` (polls at the public client's interval). */
  async waitForBlock(blockNumber: bigint, timeoutMs = 300_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let head: bigint;
      try {
        head = await this.publicClient.getBlockNumber({ cacheTime: 0 });
      } catch (error) {
        throw toNeuralError(error, { functionName: "getBlockNumber" });
      }
      if (head >= blockNumber) return;
      if (Date.now() > deadline) {
        throw new TimeoutError(`block ${blockNumber} not mined within ${timeoutMs} ms (head ${head})`);
      }
      await new Promise((r) => setTimeout(r, Math.min(this.publicClient.pollingInterval, 1000)));
    }
  }

  /** Commits a vote; keep `salt` secret until the reveal. */
  async commitVote(input: {
    disputeId: bigint;
    nodeId: bigint;
    vote: Vote;
    salt: Hex;
  }): Promise<WriteResult> {
    return this.send("DisputeManager", "commitVote", (account) =>
      this.publicClient.simulateContract({
        account,
        address: this.addresses.disputeManager,
        abi: disputeManagerAbi,
        functionName: "commitVote",
        args: [
          input.disputeId,
          input.nodeId,
          voteCommitment(input.disputeId, input.nodeId, input.vote, input.salt),
        ],
      }),
    );
  }

  async revealVote(input: {
    disputeId: bigint;
    nodeId: bigint;
    vote: Vote;
    salt: Hex;
  }): Promise<WriteResult> {
    return this.send("DisputeManager", "revealVote", (account) =>
      this.publicClient.simulateContract({
        account,
        address: this.addresses.disputeManager,
        abi: disputeManagerAbi,
        functionName: "revealVote",
        args: [input.disputeId, input.nodeId, input.vote, input.salt],
      }),
    );
  }

  /** Resolves a dispute after its reveal deadline (anyone). */
  async resolveDispute(disputeId: bigint): Promise<WriteResult> {
    return this.send(
      "DisputeManager",
      "resolve",
      (account) =>
        this.publicClient.simulateContract({
          account,
          address: this.addresses.disputeManager,
          abi: disputeManagerAbi,
          functionName: "resolve",
          args: [disputeId],
        }),
      { randomGas: true },
    );
  }

  /** The dispute as the contract returns it, plus `statusName` ("Voting") and `outcomeName`. */
  async getDispute(disputeId: bigint) {
    try {
      const dispute = await this.publicClient.readContract({
        address: this.addresses.disputeManager,
        abi: disputeManagerAbi,
        functionName: "getDispute",
        args: [disputeId],
      });
      return {
        ...dispute,
        statusName: enumName(DisputeStatus, dispute.status),
        outcomeName: enumName(DisputeOutcome, dispute.outcome),
      };
    } catch (error) {
      throw toNeuralError(error, { contract: "DisputeManager", functionName: "getDispute" });
    }
  }

  // ------------------------------------------------------------------ audits

  /**
   * Draws whether a submitted result is audited and by whom (Sortition, anyone, within 256 blocks of the
   * submission). Reverts NotSelectedForAudit when the draw says no.
   */
  async assignAudit(taskId: bigint, shardIndex: bigint): Promise<WriteResult & { verifierNodeId: bigint }> {
    const result = await this.send(
      "Sortition",
      "assignAudit",
      (account) =>
        this.publicClient.simulateContract({
          account,
          address: this.addresses.sortition,
          abi: sortitionAbi,
          functionName: "assignAudit",
          args: [taskId, shardIndex],
        }),
      { randomGas: true },
    );
    const [assigned] = parseEventLogs({
      abi: taskManagerAbi,
      logs: result.receipt.logs,
      eventName: "AuditAssigned",
    });
    if (!assigned) throw new ConfigError("AuditAssigned event missing from the receipt");
    return { ...result, verifierNodeId: assigned.args.verifierNodeId };
  }

  // ------------------------------------------------------------------ models

  /**
   * Publishes a model with its first version; returns the model id. With a source task, `weights` is the
   * shard's final-weights leaf with its proof (`CheckpointTree.weightsProof()`); without one it may be left out.
   */
  async publishModel(
    input: Omit<WithCids<PublishParams, "weightsCid" | "metadataCid" | "manifestCid">, "weights"> & {
      weights?: WeightsProofParams;
    },
  ): Promise<WriteResult & { modelId: bigint }> {
    const params: PublishParams = {
      ...input,
      weightsCid: toBytes32(input.weightsCid, "weights"),
      metadataCid: toBytes32(input.metadataCid, "metadata"),
      manifestCid: toBytes32(input.manifestCid, "manifest"),
      weights: input.weights ?? NO_WEIGHTS_PROOF,
    };
    const result = await this.send("ModelRegistry", "publish", (account) =>
      this.publicClient.simulateContract({
        account,
        address: this.addresses.modelRegistry,
        abi: modelRegistryAbi,
        functionName: "publish",
        args: [params],
      }),
    );
    const [published] = parseEventLogs({
      abi: modelRegistryAbi,
      logs: result.receipt.logs,
      eventName: "ModelPublished",
    });
    if (!published) throw new ConfigError("ModelPublished event missing from the receipt");
    return { ...result, modelId: published.args.modelId };
  }

  /** Adds a version to a model (owner only; same provenance rules as publishModel). */
  async addModelVersion(
    modelId: bigint,
    input: Omit<WithCids<VersionParams, "weightsCid" | "metadataCid" | "manifestCid">, "weights"> & {
      weights?: WeightsProofParams;
    },
  ): Promise<WriteResult & { version: bigint }> {
    const params: VersionParams = {
      ...input,
      weightsCid: toBytes32(input.weightsCid, "weights"),
      metadataCid: toBytes32(input.metadataCid, "metadata"),
      manifestCid: toBytes32(input.manifestCid, "manifest"),
      weights: input.weights ?? NO_WEIGHTS_PROOF,
    };
    const result = await this.send("ModelRegistry", "addVersion", (account) =>
      this.publicClient.simulateContract({
        account,
        address: this.addresses.modelRegistry,
        abi: modelRegistryAbi,
        functionName: "addVersion",
        args: [modelId, params],
      }),
    );
    const [added] = parseEventLogs({
      abi: modelRegistryAbi,
      logs: result.receipt.logs,
      eventName: "ModelVersionAdded",
    });
    if (!added) throw new ConfigError("ModelVersionAdded event missing from the receipt");
    return { ...result, version: added.args.version };
  }

  // ------------------------------------------------------------------ datasets

  /**
   * Publishes a dataset with its first version; returns the dataset id. `contentCid` is the content's CIDv1
   * (raw or dag-pb, sha2-256: what `ipfs add --cid-version 1` or helia's unixfs gives); its codec is stored too.
   */
  async publishDataset(
    dataset: DatasetParams,
    first: DatasetVersionInput,
  ): Promise<WriteResult & { datasetId: bigint }> {
    const version = datasetVersionParams(first);
    const result = await this.writeDatasets("publish", [dataset, version]);
    const [published] = parseEventLogs({
      abi: datasetRegistryAbi,
      logs: result.receipt.logs,
      eventName: "DatasetPublished",
    });
    if (!published) throw new ConfigError("DatasetPublished event missing from the receipt");
    return { ...result, datasetId: published.args.datasetId };
  }

  /** Adds a version to a dataset (owner only); returns its number. */
  async addDatasetVersion(
    datasetId: bigint,
    input: DatasetVersionInput,
  ): Promise<WriteResult & { version: bigint }> {
    const result = await this.writeDatasets("addVersion", [datasetId, datasetVersionParams(input)]);
    const [added] = parseEventLogs({
      abi: datasetRegistryAbi,
      logs: result.receipt.logs,
      eventName: "DatasetVersionAdded",
    });
    if (!added) throw new ConfigError("DatasetVersionAdded event missing from the receipt");
    return { ...result, version: added.args.version };
  }

  deprecateDatasetVersion(datasetId: bigint, version: bigint): Promise<WriteResult> {
    return this.writeDatasets("deprecateVersion", [datasetId, version]);
  }

  deprecateDataset(datasetId: bigint): Promise<WriteResult> {
    return this.writeDatasets("deprecate", [datasetId]);
  }

  transferDataset(datasetId: bigint, to: Address): Promise<WriteResult> {
    return this.writeDatasets("transferDataset", [datasetId, to]);
  }

  /** Lowers a version's usage fee (a higher fee needs a new version). */
  lowerDatasetUsageFee(datasetId: bigint, version: bigint, newFee: bigint): Promise<WriteResult> {
    return this.writeDatasets("lowerUsageFee", [datasetId, version, newFee]);
  }

  recordDatasetArchive(datasetId: bigint, version: bigint, arweaveTxId: Hex): Promise<WriteResult> {
    return this.writeDatasets("recordArchive", [datasetId, version, arweaveTxId]);
  }

  starDataset(datasetId: bigint): Promise<WriteResult> {
    return this.writeDatasets("star", [datasetId]);
  }

  unstarDataset(datasetId: bigint): Promise<WriteResult> {
    return this.writeDatasets("unstar", [datasetId]);
  }

  /** Flags a version (one report per address and version); `detailsCid` optionally points at evidence (raw). */
  reportDataset(input: {
    datasetId: bigint;
    version: bigint;
    reason: ReportReason;
    detailsCid?: CidLike;
  }): Promise<WriteResult> {
    const details = input.detailsCid === undefined ? ZERO_BYTES32 : toBytes32(input.detailsCid, "metadata");
    return this.writeDatasets("report", [input.datasetId, input.version, input.reason, details]);
  }

  /** The model as the contract returns it. */
  async getModel(modelId: bigint) {
    return this.readModels("getModel", [modelId]);
  }

  /** A model version as the contract returns it, plus `weightsCidString`: the weights file's CID to fetch. */
  async getModelVersion(modelId: bigint, version: bigint) {
    const v = await this.readModels("getVersion", [modelId, version]);
    return { ...v, weightsCidString: bytes32ToCid(v.weightsCid, "weights").toString() };
  }

  private async readModels<F extends ContractFunctionName<typeof modelRegistryAbi, "view">>(
    functionName: F,
    args: ContractFunctionArgs<typeof modelRegistryAbi, "view", F>,
  ): Promise<ContractFunctionReturnType<typeof modelRegistryAbi, "view", F>> {
    try {
      return (await this.publicClient.readContract({
        address: this.addresses.modelRegistry,
        abi: modelRegistryAbi,
        functionName,
        args,
      } as never)) as ContractFunctionReturnType<typeof modelRegistryAbi, "view", F>;
    } catch (error) {
      throw toNeuralError(error, { contract: "ModelRegistry", functionName });
    }
  }

  /** The dataset as the contract returns it. */
  async getDataset(datasetId: bigint) {
    return this.readDatasets("getDataset", [datasetId]);
  }

  /** A version as the contract returns it, plus `contentCidString`: the CIDv1 to fetch and verify. */
  async getDatasetVersion(datasetId: bigint, version: bigint) {
    const v = await this.readDatasets("getVersion", [datasetId, version]);
    return { ...v, contentCidString: datasetContentCid(v.contentCid, v.contentCodec).toString() };
  }

  /** What a task posted now pays to use a version (reverts when it is unknown or deprecated). */
  async datasetUsageTerms(
    datasetId: bigint,
    version: bigint,
  ): Promise<{ feePerShard: bigint; cutBps: number }> {
    const [feePerShard, cutBps] = await this.readDatasets("usageTerms", [datasetId, version]);
    return { feePerShard, cutBps };
  }

  private async readDatasets<F extends ContractFunctionName<typeof datasetRegistryAbi, "view">>(
    functionName: F,
    args: ContractFunctionArgs<typeof datasetRegistryAbi, "view", F>,
  ): Promise<ContractFunctionReturnType<typeof datasetRegistryAbi, "view", F>> {
    try {
      return (await this.publicClient.readContract({
        address: this.addresses.datasetRegistry,
        abi: datasetRegistryAbi,
        functionName,
        args,
      } as never)) as ContractFunctionReturnType<typeof datasetRegistryAbi, "view", F>;
    } catch (error) {
      throw toNeuralError(error, { contract: "DatasetRegistry", functionName });
    }
  }

  private writeDatasets<F extends ContractFunctionName<typeof datasetRegistryAbi, "nonpayable">>(
    functionName: F,
    args: ContractFunctionArgs<typeof datasetRegistryAbi, "nonpayable", F>,
  ): Promise<WriteResult> {
    return this.send("DatasetRegistry", functionName, (account) =>
      this.publicClient.simulateContract({
        account,
        address: this.addresses.datasetRegistry,
        abi: datasetRegistryAbi,
        functionName,
        args,
      } as never),
    );
  }

  // ------------------------------------------------------------------ token

  /** Approves `spender` for `amount` NRL when the current allowance is lower. */
  async ensureAllowance(spender: Address, amount: bigint): Promise<WriteResult | undefined> {
    const allowance = await this.publicClient.readContract({
      address: this.addresses.token,
      abi: neuralTokenAbi,
      functionName: "allowance",
      args: [this.account, spender],
    });
    if (allowance >= amount) return undefined;
    return this.send("NeuralToken", "approve", (account) =>
      this.publicClient.simulateContract({
        account,
        address: this.addresses.token,
        abi: neuralTokenAbi,
        functionName: "approve",
        args: [spender, amount],
      }),
    );
  }
}

export function createNeuralClient(config: NeuralClientConfig): NeuralClient {
  return new NeuralClient(config);
}
