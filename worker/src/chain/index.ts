/**
 * Every contract call the worker makes, in one module, so a change of the contracts' API is adapted here only.
 * Built on @neural/sdk's NeuralClient (registration, releaseShard, claimShard, eligibility, votes, challenges); the
 * calls the SDK does not have (stake, unstake, withdraw, pause, resume, exit, node reads, the signed-once
 * submission) are written here against the SDK's ABIs.
 *
 * Crash safety of submissions: `submitResultOnce` signs the transaction locally with an explicit nonce, records
 * every signed version in the journal BEFORE broadcasting it, replaces a version not mined in time by one with
 * higher fees and the SAME nonce, and on a restart re-broadcasts the newest and watches them all (send.ts), so a
 * result is never submitted twice. Reads are retried while the RPC fails transiently (errors.ts); the worker's
 * own writes (`write`) are signed once and only those bytes are ever re-sent.
 */
import {
  type Capabilities,
  type ChallengeParams,
  type Checkpoint,
  cidToBytes32,
  type Deployment,
  deploymentStartBlock,
  disputeManagerAbi,
  enumName,
  NeuralClient,
  NodeStatus,
  neuralTokenAbi,
  nodeRegistryAbi,
  ReleaseReason,
  ShardStatus,
  Tier,
  taskManagerAbi,
  toBytes32,
  toNeuralError,
  type Vote,
  voteCommitment,
  type WorkerConsent,
  ZERO_BYTES32,
} from "@neural/sdk";
import { loadDeployment } from "@neural/sdk/node";
import type { Logger } from "pino";
import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  encodeFunctionData,
  type Hex,
  http,
  type PublicClient,
  parseEventLogs,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
  webSocket,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { WorkerConfig } from "../config.js";
import { UserError } from "../errors.js";
import { DEFAULT_RETRY, type RetryPolicy, withRetry } from "./errors.js";
import { DEFAULT_GAS, type GasPolicy, type SignedTx, TxSender } from "./send.js";

export type { GasPolicy, SignedTx };

export { NodeStatus, ReleaseReason, ShardStatus, Tier };

export interface ChainOptions {
  rpcUrl: string;
  deploymentsDir?: string | undefined;
  /** Fee bumping of the worker's transactions (NEURAL_GAS_BUMP_BLOCKS, NEURAL_MAX_FEE_GWEI). */
  gas?: GasPolicy | undefined;
  /** Retries of transient RPC failures (tests shorten the delays). */
  retry?: RetryPolicy | undefined;
  /** Warnings (fee cap reached, RPC retries); silent without. */
  log?: Logger | undefined;
}

export interface Actor {
  account: Account;
  wallet: WalletClient<Transport, Chain, Account>;
  client: NeuralClient;
}

/** The chain settings of the worker's configuration. */
export function chainOptions(config: WorkerConfig, log?: Logger): ChainOptions {
  return {
    rpcUrl: config.rpcUrl,
    deploymentsDir: config.deploymentsDir,
    gas: { bumpAfterBlocks: config.gasBumpBlocks, maxFeePerGas: config.maxFeeGwei },
    log,
  };
}

/** viem retries a failed request a few times itself (short blips); errors.ts's loop rides out longer outages. */
function transportOf(rpcUrl: string, retry: RetryPolicy): Transport {
  const delay = Math.max(1, Math.round(retry.baseDelayMs / 2));
  return rpcUrl.startsWith("ws")
    ? webSocket(rpcUrl, { retryCount: 3, retryDelay: delay })
    : http(rpcUrl, { retryCount: 3, retryDelay: delay });
}

/** A connection to the Neural contracts: reads for anyone, writes per actor (worker key, operator key). */
export class NeuralChain {
  readonly publicClient: PublicClient;
  readonly deployment: Deployment;
  readonly chain: Chain;
  readonly rpcUrl: string;
  private readonly reader: NeuralClient;
  private readonly retry: RetryPolicy;
  private readonly sender: TxSender;

  private constructor(
    options: ChainOptions,
    publicClient: PublicClient,
    deployment: Deployment,
    chain: Chain,
  ) {
    this.rpcUrl = options.rpcUrl;
    this.publicClient = publicClient;
    this.deployment = deployment;
    this.chain = chain;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.reader = new NeuralClient({ publicClient, deployment });
    this.sender = new TxSender(publicClient, {
      gas: options.gas ?? DEFAULT_GAS,
      retry: this.retry,
      log: options.log?.child({ component: "chain" }),
      pollingIntervalMs: publicClient.pollingInterval,
    });
  }

  /** Connects to `rpcUrl`, reads its chain id and loads that chain's deployment file. */
  static async connect(options: ChainOptions): Promise<NeuralChain> {
    const retry = options.retry ?? DEFAULT_RETRY;
    const transport = transportOf(options.rpcUrl, retry);
    const probe = createPublicClient({ transport });
    let chainId: number;
    try {
      chainId = await withRetry(() => probe.getChainId(), { policy: retry });
    } catch (cause) {
      throw new UserError(
        `cannot reach the chain at ${options.rpcUrl}: check NEURAL_RPC_URL (--rpc-url) and that the node runs`,
        { cause },
      );
    }
    let deployment: Deployment;
    try {
      deployment = await loadDeployment(
        chainId,
        options.deploymentsDir ? { directory: options.deploymentsDir } : {},
      );
    } catch (cause) {
      throw new UserError(
        `no Neural deployment for chain ${chainId}: point NEURAL_DEPLOYMENTS_DIR (--deployments-dir) at the folder holding ${chainId}.json`,
        { cause },
      );
    }
    const chain = defineChain({
      id: chainId,
      name: `chain-${chainId}`,
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [options.rpcUrl] } },
    });
    const publicClient = createPublicClient({ chain, transport, pollingInterval: 250 }) as PublicClient;
    return new NeuralChain(options, publicClient, deployment, chain);
  }

  get addresses() {
    return this.reader.addresses;
  }

  /** A signer for `privateKey`: its wallet client and a NeuralClient writing as it. */
  actor(privateKey: Hex): Actor {
    const account = privateKeyToAccount(privateKey);
    const wallet = createWalletClient({
      account,
      chain: this.chain,
      transport: transportOf(this.rpcUrl, this.retry),
    });
    return {
      account,
      wallet,
      client: new NeuralClient({
        publicClient: this.publicClient,
        walletClient: wallet,
        deployment: this.deployment,
      }),
    };
  }

  // ------------------------------------------------------------------ reads

  async nodeIdOfWorker(worker: Address): Promise<bigint> {
    return this.read("NodeRegistry", "nodeIdOfWorker", () =>
      this.publicClient.readContract({
        address: this.addresses.registry,
        abi: nodeRegistryAbi,
        functionName: "nodeIdOfWorker",
        args: [worker],
      }),
    );
  }

  async getNode(nodeId: bigint) {
    const node = await this.read("NodeRegistry", "getNode", () =>
      this.publicClient.readContract({
        address: this.addresses.registry,
        abi: nodeRegistryAbi,
        functionName: "getNode",
        args: [nodeId],
      }),
    );
    return { ...node, statusName: enumName(NodeStatus, node.status), tierName: enumName(Tier, node.tier) };
  }

  async freeStake(nodeId: bigint): Promise<bigint> {
    return this.read("NodeRegistry", "freeStake", () =>
      this.publicClient.readContract({
        address: this.addresses.registry,
        abi: nodeRegistryAbi,
        functionName: "freeStake",
        args: [nodeId],
      }),
    );
  }

  async getShard(taskId: bigint, shardIndex: bigint) {
    return this.read("TaskManager", "getShard", () => this.reader.getShard(taskId, shardIndex));
  }

  async getTask(taskId: bigint) {
    return this.read("TaskManager", "getTask", () => this.reader.getTask(taskId));
  }

  /** A DatasetRegistry version, with `contentCidString` (the CID to fetch). */
  async getDatasetVersion(datasetId: bigint, version: bigint) {
    return this.read("DatasetRegistry", "getDatasetVersion", () =>
      this.reader.getDatasetVersion(datasetId, version),
    );
  }

  /** A ModelRegistry version, with `weightsCidString` (the weights file's CID). */
  async getModelVersion(modelId: bigint, version: bigint) {
    return this.reader.getModelVersion(modelId, version);
  }

  async getDataset(datasetId: bigint) {
    return this.read("DatasetRegistry", "getDataset", () => this.reader.getDataset(datasetId));
  }

  async tokenBalance(account: Address): Promise<bigint> {
    return this.read("NeuralToken", "balanceOf", () =>
      this.publicClient.readContract({
        address: this.addresses.token,
        abi: neuralTokenAbi,
        functionName: "balanceOf",
        args: [account],
      }),
    );
  }

  async gasBalance(account: Address): Promise<bigint> {
    return this.read("chain", "getBalance", () => this.publicClient.getBalance({ address: account }));
  }

  async chainTime(): Promise<bigint> {
    return this.read("chain", "chainTime", () => this.reader.chainTime());
  }

  /** Payouts to `nodeId` so far (sum of ShardFinalized payouts) and the shards it has live. */
  async earnings(nodeId: bigint): Promise<{ paid: bigint; finalized: number }> {
    const logs = await this.read("TaskManager", "ShardFinalized", () =>
      this.publicClient.getContractEvents({
        address: this.addresses.taskManager,
        abi: taskManagerAbi,
        eventName: "ShardFinalized",
        args: { nodeId },
        fromBlock: BigInt(deploymentStartBlock(this.deployment)),
      }),
    );
    return { paid: logs.reduce((s, l) => s + (l.args.payout ?? 0n), 0n), finalized: logs.length };
  }

  /** Shards assigned to `nodeId` (ShardAssigned events) that are still Assigned to it on-chain. */
  async liveAssignments(
    nodeId: bigint,
  ): Promise<Array<{ taskId: bigint; shardIndex: bigint; epoch: number }>> {
    const logs = await this.read("TaskManager", "ShardAssigned", () =>
      this.publicClient.getContractEvents({
        address: this.addresses.taskManager,
        abi: taskManagerAbi,
        eventName: "ShardAssigned",
        args: { nodeId },
        fromBlock: BigInt(deploymentStartBlock(this.deployment)),
      }),
    );
    const out: Array<{ taskId: bigint; shardIndex: bigint; epoch: number }> = [];
    for (const log of logs) {
      const { taskId, shardIndex, epoch } = log.args as { taskId: bigint; shardIndex: bigint; epoch: number };
      const shard = await this.getShard(taskId, shardIndex);
      if (shard.status === ShardStatus.Assigned && shard.nodeId === nodeId && shard.epoch === epoch) {
        out.push({ taskId, shardIndex, epoch });
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ operator writes

  async register(
    operator: Actor,
    input: {
      worker: Address;
      capabilities: Capabilities;
      askPrice: bigint;
      metadataCid: string;
      stake: bigint;
      consent?: WorkerConsent;
    },
  ) {
    return operator.client.registerNode(input);
  }

  async signConsent(worker: Actor, operator: Address, nodeId = 0n): Promise<WorkerConsent> {
    return worker.client.signWorkerConsent({ operator, nodeId });
  }

  async stake(actor: Actor, nodeId: bigint, amount: bigint) {
    await actor.client.ensureAllowance(this.addresses.registry, amount);
    return this.write(actor, "NodeRegistry", "stake", this.addresses.registry, nodeRegistryAbi, [
      nodeId,
      amount,
    ]);
  }

  async requestUnstake(actor: Actor, nodeId: bigint, amount: bigint) {
    return this.write(actor, "NodeRegistry", "requestUnstake", this.addresses.registry, nodeRegistryAbi, [
      nodeId,
      amount,
    ]);
  }

  async withdraw(actor: Actor, nodeId: bigint) {
    return this.write(actor, "NodeRegistry", "withdraw", this.addresses.registry, nodeRegistryAbi, [nodeId]);
  }

  async pause(actor: Actor, nodeId: bigint) {
    return this.write(actor, "NodeRegistry", "pause", this.addresses.registry, nodeRegistryAbi, [nodeId]);
  }

  async resume(actor: Actor, nodeId: bigint) {
    return this.write(actor, "NodeRegistry", "resume", this.addresses.registry, nodeRegistryAbi, [nodeId]);
  }

  async exit(actor: Actor, nodeId: bigint) {
    return this.write(actor, "NodeRegistry", "exit", this.addresses.registry, nodeRegistryAbi, [nodeId]);
  }

  // ------------------------------------------------------------------ worker writes

  /**
   * Hands a shard back with a reason and the logs' CID. Free within the TaskManager's releaseGracePeriod of the
   * assignment; later (`late`) it counts as a failed attempt and a reputation failure of the node.
   */
  async releaseShard(
    actor: Actor,
    input: { taskId: bigint; shardIndex: bigint; reason: keyof typeof ReleaseReason; logsCid?: string },
  ): Promise<{ hash: Hex; receipt: TransactionReceipt; late: boolean }> {
    const logsCid = input.logsCid ? toBytes32(input.logsCid, "logs") : ZERO_BYTES32;
    const result = await this.write(
      actor,
      "TaskManager",
      "releaseShard",
      this.addresses.taskManager,
      taskManagerAbi,
      [input.taskId, input.shardIndex, ReleaseReason[input.reason], logsCid],
    );
    const released = receiptEvent(result, "ShardReleased", "releaseShard");
    return { ...result, late: released.args.late };
  }

  /** Takes a shard Pending for claimDelayBlocks for `nodeId` (claimShard); the assignment's price and epoch. */
  async claimShard(
    actor: Actor,
    input: { taskId: bigint; shardIndex: bigint; nodeId: bigint },
  ): Promise<{ hash: Hex; receipt: TransactionReceipt; price: bigint; epoch: number; deadline: bigint }> {
    const result = await this.write(
      actor,
      "TaskManager",
      "claimShard",
      this.addresses.taskManager,
      taskManagerAbi,
      [input.taskId, input.shardIndex, input.nodeId],
    );
    const assigned = receiptEvent(result, "ShardAssigned", "claimShard");
    return {
      ...result,
      price: assigned.args.price,
      epoch: assigned.args.epoch,
      deadline: assigned.args.deadline,
    };
  }

  /** The first condition `nodeId` fails for a shard of `taskId` (Ineligibility; 0 = None: eligible). */
  async eligibility(nodeId: bigint, taskId: bigint): Promise<number> {
    return this.read("NodeRegistry", "eligibility", () => this.reader.eligibility(nodeId, taskId));
  }

  /** A TaskManager parameter (e.g. "claimDelayBlocks", "releaseGracePeriod"). */
  async taskManagerParameter(name: string): Promise<bigint> {
    return this.read("TaskManager", name, () => this.reader.getParameter("TaskManager", name));
  }

  /** Tasks posted in [fromBlock, toBlock] (TaskPosted events), oldest first. */
  async tasksPosted(fromBlock?: bigint, toBlock?: bigint): Promise<bigint[]> {
    const logs = await this.read("TaskManager", "TaskPosted", () =>
      this.publicClient.getContractEvents({
        address: this.addresses.taskManager,
        abi: taskManagerAbi,
        eventName: "TaskPosted",
        fromBlock: fromBlock ?? BigInt(deploymentStartBlock(this.deployment)),
        ...(toBlock !== undefined ? { toBlock } : {}),
      }),
    );
    return logs.map((l) => l.args.taskId as bigint);
  }

  /**
   * Submits a result at most once. Signs submitResult with an explicit nonce and calls `record(submission)` (the
   * caller persists it) before broadcasting; a version not mined within the gas policy's blocks is replaced by one
   * with higher fees and the same nonce, recorded first too. Pass `previous` (what `record` got last) after a
   * restart: its newest version is re-broadcast and all are watched; nothing is signed with another nonce.
   */
  async submitResultOnce(
    actor: Actor,
    input: { taskId: bigint; shardIndex: bigint; manifestCid: string; checkpoints: readonly Checkpoint[] },
    journal: {
      previous?: SignedTx | undefined;
      record: (submission: SignedTx) => Promise<void>;
      /** Called after the first broadcast, before the receipt is awaited. */
      broadcast?: () => Promise<void>;
    },
    signal?: AbortSignal,
  ): Promise<{ hash: Hex; receipt: TransactionReceipt; epoch: number; checkpointRoot: Hex }> {
    const context = { contract: "TaskManager", functionName: "submitResult" };
    const args = [
      input.taskId,
      input.shardIndex,
      cidToBytes32(input.manifestCid, "manifest"),
      [...input.checkpoints],
    ] as const;
    if (journal.previous === undefined) {
      // a revert here (deadline passed, not ours any more) is thrown decoded and never retried
      await this.read(context.contract, context.functionName, () =>
        this.publicClient.simulateContract({
          account: actor.account,
          address: this.addresses.taskManager,
          abi: taskManagerAbi,
          functionName: "submitResult",
          args,
        }),
      );
    }
    const data = encodeFunctionData({ abi: taskManagerAbi, functionName: "submitResult", args });
    const { hash, receipt } = await this.sender.send(
      actor.account,
      { to: this.addresses.taskManager, data },
      journal,
      context,
      signal,
    );
    const [event] = parseEventLogs({ abi: taskManagerAbi, logs: receipt.logs, eventName: "ResultSubmitted" });
    return {
      hash,
      receipt,
      epoch: event?.args.epoch ?? 0,
      checkpointRoot: event?.args.checkpointRoot ?? ("0x" as Hex),
    };
  }

  // ------------------------------------------------------------------ verifier duties

  /** The ResultSubmitted event of one attempt: the committed checkpoints, from which any proof is built. */
  async resultSubmitted(taskId: bigint, shardIndex: bigint, epoch: number) {
    const logs = await this.read("TaskManager", "ResultSubmitted", () =>
      this.publicClient.getContractEvents({
        address: this.addresses.taskManager,
        abi: taskManagerAbi,
        eventName: "ResultSubmitted",
        args: { taskId, shardIndex },
        fromBlock: BigInt(deploymentStartBlock(this.deployment)),
      }),
    );
    const log = logs.find((l) => l.args.epoch === epoch);
    if (!log) throw new UserError(`no ResultSubmitted for task ${taskId} shard ${shardIndex} epoch ${epoch}`);
    return log.args as {
      manifestCid: Hex;
      checkpointRoot: Hex;
      checkpointCount: number;
      checkpoints: readonly { step: bigint; hash: Hex }[];
      epoch: number;
    };
  }

  /** Audits Sortition assigned to `nodeId` (AuditAssigned events). */
  async auditsAssigned(nodeId: bigint, fromBlock?: bigint, toBlock?: bigint) {
    const logs = await this.read("TaskManager", "AuditAssigned", () =>
      this.publicClient.getContractEvents({
        address: this.addresses.taskManager,
        abi: taskManagerAbi,
        eventName: "AuditAssigned",
        args: { verifierNodeId: nodeId },
        fromBlock: fromBlock ?? BigInt(deploymentStartBlock(this.deployment)),
        ...(toBlock !== undefined ? { toBlock } : {}),
      }),
    );
    return logs.map((l) => ({ taskId: l.args.taskId as bigint, shardIndex: l.args.shardIndex as bigint }));
  }

  /** Liveness pings of `nodeId`'s shards (ShardPinged events), oldest first. */
  async pingsOf(nodeId: bigint, fromBlock?: bigint, toBlock?: bigint) {
    const logs = await this.read("TaskManager", "ShardPinged", () =>
      this.publicClient.getContractEvents({
        address: this.addresses.taskManager,
        abi: taskManagerAbi,
        eventName: "ShardPinged",
        args: { nodeId },
        fromBlock: fromBlock ?? BigInt(deploymentStartBlock(this.deployment)),
        ...(toBlock !== undefined ? { toBlock } : {}),
      }),
    );
    return logs.map((l) => ({
      taskId: l.args.taskId as bigint,
      shardIndex: l.args.shardIndex as bigint,
      epoch: Number(l.args.epoch),
      respondBy: l.args.respondBy as bigint,
    }));
  }

  /** The shard's latest liveness ping: the epoch it concerns, respondBy (0: answered) and the next allowed ping. */
  async shardPing(taskId: bigint, shardIndex: bigint) {
    return this.read("TaskManager", "shardPing", () => this.reader.shardPing(taskId, shardIndex));
  }

  /** Answers the outstanding liveness ping of one of this node's Assigned shards (answerPing). */
  async answerPing(actor: Actor, taskId: bigint, shardIndex: bigint) {
    return this.write(actor, "TaskManager", "answerPing", this.addresses.taskManager, taskManagerAbi, [
      taskId,
      shardIndex,
    ]);
  }

  /** Disputes whose committee (any round) includes `nodeId` (CommitteeDrawn events). */
  async committeeSeats(nodeId: bigint, fromBlock?: bigint, toBlock?: bigint): Promise<bigint[]> {
    const logs = await this.read("DisputeManager", "CommitteeDrawn", () =>
      this.publicClient.getContractEvents({
        address: this.addresses.disputeManager,
        abi: disputeManagerAbi,
        eventName: "CommitteeDrawn",
        fromBlock: fromBlock ?? BigInt(deploymentStartBlock(this.deployment)),
        ...(toBlock !== undefined ? { toBlock } : {}),
      }),
    );
    return [
      ...new Set(
        logs
          .filter((l) => (l.args.members ?? []).some((m) => BigInt(m) === nodeId))
          .map((l) => l.args.disputeId as bigint),
      ),
    ];
  }

  async getDispute(disputeId: bigint) {
    return this.read("DisputeManager", "getDispute", () => this.reader.getDispute(disputeId));
  }

  async voteOf(disputeId: bigint, nodeId: bigint): Promise<{ commitment: Hex; vote: number }> {
    const [commitment, vote] = await this.read("DisputeManager", "voteOf", () =>
      this.publicClient.readContract({
        address: this.addresses.disputeManager,
        abi: disputeManagerAbi,
        functionName: "voteOf",
        args: [disputeId, nodeId],
      }),
    );
    return { commitment, vote };
  }

  async commitVote(actor: Actor, input: { disputeId: bigint; nodeId: bigint; vote: Vote; salt: Hex }) {
    const commitment = voteCommitment(input.disputeId, input.nodeId, input.vote, input.salt);
    return this.write(
      actor,
      "DisputeManager",
      "commitVote",
      this.addresses.disputeManager,
      disputeManagerAbi,
      [input.disputeId, input.nodeId, commitment],
    );
  }

  async revealVote(actor: Actor, input: { disputeId: bigint; nodeId: bigint; vote: Vote; salt: Hex }) {
    return this.write(
      actor,
      "DisputeManager",
      "revealVote",
      this.addresses.disputeManager,
      disputeManagerAbi,
      [input.disputeId, input.nodeId, input.vote, input.salt],
    );
  }

  /** The assigned verifier attests that its re-execution matched (paid the audit fee). */
  async recordAudit(actor: Actor, taskId: bigint, shardIndex: bigint) {
    return this.write(actor, "TaskManager", "recordAudit", this.addresses.taskManager, taskManagerAbi, [
      taskId,
      shardIndex,
    ]);
  }

  /** Challenges checkpoint `params.checkpointIndex` (commit, wait for the seed block, reveal, draw). */
  async challenge(
    actor: Actor,
    params: ChallengeParams,
    options: { waitForBlock?: (block: bigint) => Promise<void> } = {},
  ) {
    return actor.client.challenge(params, options.waitForBlock ? { waitForBlock: options.waitForBlock } : {});
  }

  // ------------------------------------------------------------------ helpers

  /** A read, retried while the RPC fails transiently; a revert or any other error is thrown decoded at once. */
  private async read<T>(contract: string, functionName: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await withRetry(fn, { policy: this.retry });
    } catch (error) {
      throw toNeuralError(error, { contract, functionName });
    }
  }

  /**
   * A worker write: simulated (a revert is thrown decoded, not retried), signed once with an explicit nonce, and
   * sent by the TxSender: only those bytes (or higher-fee versions of the same nonce) are ever re-sent, so a
   * retried RPC failure cannot send the call twice.
   */
  private async write(
    actor: Actor,
    contract: string,
    functionName: string,
    address: Address,
    abi: readonly unknown[],
    args: readonly unknown[],
  ): Promise<{ hash: Hex; receipt: TransactionReceipt }> {
    const call = {
      address,
      abi: abi as typeof nodeRegistryAbi,
      functionName: functionName as "pause",
      args: args as [bigint],
    };
    await this.read(contract, functionName, () =>
      this.publicClient.simulateContract({ account: actor.account, ...call }),
    );
    const data = encodeFunctionData(call);
    return this.sender.send(
      actor.account,
      { to: address, data },
      { record: async () => {} },
      {
        contract,
        functionName,
      },
    );
  }
}

/** The TaskManager event a mined write must have emitted (its receipt without it is a contract mismatch). */
function receiptEvent<E extends "ShardReleased" | "ShardAssigned">(
  result: { hash: Hex; receipt: TransactionReceipt },
  eventName: E,
  functionName: string,
) {
  const [event] = parseEventLogs({ abi: taskManagerAbi, logs: result.receipt.logs, eventName });
  if (!event) throw new UserError(`${functionName} ${result.hash}: no ${eventName} event in the receipt`);
  return event;
}
