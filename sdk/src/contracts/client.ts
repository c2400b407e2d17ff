/**
 * Thin viem helpers for the calls every service makes. Each write is simulated first (so a revert is caught
 * before a transaction is sent), sent, and awaited; failures come back as NeuralErrors with the contract's
 * custom error decoded (ContractRevertError). CIDs may be given as CID objects, strings or bytes32.
 */
import type { CID } from "multiformats/cid";
import {
  type Account,
  type Address,
  type Chain,
  type ContractFunctionArgs,
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
import { type CidField, cidToBytes32 } from "../cid/cid.js";
import { ConfigError, ContractRevertError } from "../errors/errors.js";
import { disputeManagerAbi, modelRegistryAbi, neuralTokenAbi, taskManagerAbi } from "./abis.js";
import type { Deployment } from "./deployments.js";
import type { Vote } from "./enums.js";
import { toNeuralError } from "./errors.js";

export type PostTaskParams = ContractFunctionArgs<typeof taskManagerAbi, "nonpayable", "postTask">[0];
export type Assignment = ContractFunctionArgs<typeof taskManagerAbi, "nonpayable", "assignShards">[0][number];
export type ShardRef = ContractFunctionArgs<typeof taskManagerAbi, "nonpayable", "finalizeShards">[0][number];
export type ChallengeParams = ContractFunctionArgs<typeof disputeManagerAbi, "nonpayable", "challenge">[0];
export type PublishParams = ContractFunctionArgs<typeof modelRegistryAbi, "nonpayable", "publish">[0];

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

  async getTask(taskId: bigint) {
    try {
      return await this.publicClient.readContract({
        address: this.addresses.taskManager,
        abi: taskManagerAbi,
        functionName: "getTask",
        args: [taskId],
      });
    } catch (error) {
      throw toNeuralError(error, { contract: "TaskManager", functionName: "getTask" });
    }
  }

  async getShard(taskId: bigint, shardIndex: bigint) {
    try {
      return await this.publicClient.readContract({
        address: this.addresses.taskManager,
        abi: taskManagerAbi,
        functionName: "getShard",
        args: [taskId, shardIndex],
      });
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
    contract: "NodeRegistry" | "TaskManager" | "DisputeManager",
    name: string,
  ): Promise<bigint> {
    const address =
      contract === "NodeRegistry"
        ? this.addresses.registry
        : contract === "TaskManager"
          ? this.addresses.taskManager
          : this.addresses.disputeManager;
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

  /** Signs an EIP-2612 permit for exactly the quoted escrow and posts the task in one transaction. */
  async postTaskWithPermit(
    input: WithCids<PostTaskParams, "specCid">,
    options: { deadline?: bigint } = {},
  ): Promise<WriteResult & { taskId: bigint; escrow: bigint }> {
    const wallet = this.wallet();
    const params: PostTaskParams = { ...input, specCid: toBytes32(input.specCid, "spec") };
    const escrow = await this.quoteEscrow(params);
    const deadline = options.deadline ?? BigInt(Math.floor(Date.now() / 1000) + 3600);
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
    const result = await this.send("TaskManager", "postTaskWithPermit", (account) =>
      this.publicClient.simulateContract({
        account,
        address: this.addresses.taskManager,
        abi: taskManagerAbi,
        functionName: "postTaskWithPermit",
        args: [params, deadline, Number(v ?? BigInt(yParity + 27)), r, s],
      }),
    );
    const [posted] = parseEventLogs({
      abi: taskManagerAbi,
      logs: result.receipt.logs,
      eventName: "TaskPosted",
    });
    if (!posted) throw new ConfigError("TaskPosted event missing from the receipt");
    return { ...result, taskId: posted.args.taskId, escrow };
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

  // ------------------------------------------------------------------ node

  /** Commits a shard's result: manifest CID, checkpoint Merkle root and checkpoint count. */
  async submitResult(input: {
    taskId: bigint;
    shardIndex: bigint;
    manifestCid: CidLike;
    checkpointRoot: Hex;
    checkpointCount: number;
  }): Promise<WriteResult> {
    return this.send("TaskManager", "submitResult", (account) =>
      this.publicClient.simulateContract({
        account,
        address: this.addresses.taskManager,
        abi: taskManagerAbi,
        functionName: "submitResult",
        args: [
          input.taskId,
          input.shardIndex,
          toBytes32(input.manifestCid, "manifest"),
          input.checkpointRoot,
          input.checkpointCount,
        ],
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

  /** Approves the bond when needed, then opens a dispute; returns its id. */
  async challenge(params: ChallengeParams): Promise<WriteResult & { disputeId: bigint }> {
    const bond = await this.getParameter("DisputeManager", "challengeBond");
    await this.ensureAllowance(this.addresses.disputeManager, bond);
    const result = await this.send(
      "DisputeManager",
      "challenge",
      (account) =>
        this.publicClient.simulateContract({
          account,
          address: this.addresses.disputeManager,
          abi: disputeManagerAbi,
          functionName: "challenge",
          args: [params],
        }),
      { randomGas: true },
    );
    const [opened] = parseEventLogs({
      abi: disputeManagerAbi,
      logs: result.receipt.logs,
      eventName: "DisputeOpened",
    });
    if (!opened) throw new ConfigError("DisputeOpened event missing from the receipt");
    return { ...result, disputeId: opened.args.disputeId };
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

  async getDispute(disputeId: bigint) {
    try {
      return await this.publicClient.readContract({
        address: this.addresses.disputeManager,
        abi: disputeManagerAbi,
        functionName: "getDispute",
        args: [disputeId],
      });
    } catch (error) {
      throw toNeuralError(error, { contract: "DisputeManager", functionName: "getDispute" });
    }
  }

  // ------------------------------------------------------------------ models

  /** Publishes a model with its first version; returns the model id. */
  async publishModel(
    input: WithCids<PublishParams, "weightsCid" | "metadataCid" | "manifestCid">,
  ): Promise<WriteResult & { modelId: bigint }> {
    const params: PublishParams = {
      ...input,
      weightsCid: toBytes32(input.weightsCid, "weights"),
      metadataCid: toBytes32(input.metadataCid, "metadata"),
      manifestCid: toBytes32(input.manifestCid, "manifest"),
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
