/**
 * Every contract call the keeper makes, in one place. Reads go to the given block when one is passed (the
 * keeper acts on confirmed blocks); writes are simulated first.
 */
import {
  type Assignment,
  ContractRevertError,
  type Deployment,
  disputeManagerAbi,
  enumName,
  Ineligibility,
  NeuralClient,
  nodeRegistryAbi,
  parameterKey,
  type ShardRef,
  taskManagerAbi,
  toNeuralError,
} from "@neural/sdk";
import {
  type Account,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  type Log,
  type PublicClient,
  parseEventLogs,
  type Transport,
  toFunctionSelector,
  type WalletClient,
} from "viem";

const CLAIM_SHARD = toFunctionSelector("claimShard(uint256,uint256,uint256)");

export const eventsAbi = [...taskManagerAbi, ...nodeRegistryAbi, ...disputeManagerAbi] as const;
export type KeeperLog = ReturnType<typeof parseEventLogs<typeof eventsAbi>>[number];
export type ShardAssignedArgs = Extract<KeeperLog, { eventName: "ShardAssigned" }>["args"];

export interface ChainOptions {
  rpcUrl: string;
  chainId: number;
  account: Account;
  deployment: Deployment;
  /** viem retries transport errors itself; the keeper's loop retries the rest on the next tick. */
  retryCount?: number;
}

export type TaskView = Awaited<ReturnType<KeeperChain["getTask"]>>;
export type ShardView = Awaited<ReturnType<KeeperChain["getShard"]>>;
export type NodeView = Awaited<ReturnType<KeeperChain["getNode"]>>;
export type DisputeView = Awaited<ReturnType<KeeperChain["getDispute"]>>;

export class KeeperChain {
  readonly publicClient: PublicClient;
  readonly walletClient: WalletClient<Transport, Chain, Account>;
  readonly client: NeuralClient;
  readonly deployment: Deployment;
  readonly taskManager: Hex;
  readonly registry: Hex;
  readonly disputeManager: Hex;

  constructor(options: ChainOptions) {
    const chain = defineChain({
      id: options.chainId,
      name: `neural-${options.chainId}`,
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [options.rpcUrl] } },
    });
    const transport = http(options.rpcUrl, { batch: true, retryCount: options.retryCount ?? 2 });
    this.publicClient = createPublicClient({ chain, transport, pollingInterval: 200 }) as PublicClient;
    this.walletClient = createWalletClient({ chain, transport, account: options.account });
    this.deployment = options.deployment;
    this.client = new NeuralClient({
      publicClient: this.publicClient,
      walletClient: this.walletClient,
      deployment: options.deployment,
    });
    this.taskManager = options.deployment.contracts.TaskManager.address;
    this.registry = options.deployment.contracts.NodeRegistry.address;
    this.disputeManager = options.deployment.contracts.DisputeManager.address;
  }

  get account(): Hex {
    return this.walletClient.account.address;
  }

  async head(): Promise<bigint> {
    return this.publicClient.getBlockNumber({ cacheTime: 0 });
  }

  async block(blockNumber: bigint): Promise<{ number: bigint; hash: Hex; timestamp: bigint }> {
    const b = await this.publicClient.getBlock({ blockNumber });
    return { number: b.number, hash: b.hash, timestamp: b.timestamp };
  }

  /** TaskManager, NodeRegistry and DisputeManager events in [from, to], in chain order. */
  async logs(fromBlock: bigint, toBlock: bigint): Promise<KeeperLog[]> {
    const raw: Log[] = await this.publicClient.getLogs({
      address: [this.taskManager, this.registry, this.disputeManager],
      fromBlock,
      toBlock,
    });
    return parseEventLogs({ abi: eventsAbi, logs: raw, strict: true }).sort(
      (a, b) => Number(a.blockNumber - b.blockNumber) || a.logIndex - b.logIndex,
    );
  }

  async getTask(taskId: bigint, blockNumber?: bigint) {
    return this.publicClient.readContract({
      address: this.taskManager,
      abi: taskManagerAbi,
      functionName: "getTask",
      args: [taskId],
      blockNumber,
    });
  }

  async getShard(taskId: bigint, shardIndex: bigint, blockNumber?: bigint) {
    return this.publicClient.readContract({
      address: this.taskManager,
      abi: taskManagerAbi,
      functionName: "getShard",
      args: [taskId, shardIndex],
      blockNumber,
    });
  }

  async getNode(nodeId: bigint, blockNumber?: bigint) {
    return this.publicClient.readContract({
      address: this.registry,
      abi: nodeRegistryAbi,
      functionName: "getNode",
      args: [nodeId],
      blockNumber,
    });
  }

  async getDispute(disputeId: bigint, blockNumber?: bigint) {
    return this.publicClient.readContract({
      address: this.disputeManager,
      abi: disputeManagerAbi,
      functionName: "getDispute",
      args: [disputeId],
      blockNumber,
    });
  }

  /** TaskManager.shardPing: [epoch, respondBy (0: none outstanding), nextPingAt] of the shard's latest ping. */
  async shardPing(taskId: bigint, shardIndex: bigint, blockNumber?: bigint) {
    return this.publicClient.readContract({
      address: this.taskManager,
      abi: taskManagerAbi,
      functionName: "shardPing",
      args: [taskId, shardIndex],
      blockNumber,
    });
  }

  /** A TaskManager parameter (IParameters.getParameter), e.g. "minShardPrice". */
  async taskManagerParameter(name: string, blockNumber?: bigint): Promise<bigint> {
    return this.publicClient.readContract({
      address: this.taskManager,
      abi: taskManagerAbi,
      functionName: "getParameter",
      args: [parameterKey(name)],
      blockNumber,
    });
  }

  /**
   * Whether transaction `hash` (which emitted a ShardAssigned) is a node's `claimShard` sent to TaskManager, as
   * opposed to a keeper's `assignShards` batch. A claim relayed through a contract wallet reads as not a claim.
   */
  async isClaim(hash: Hex): Promise<boolean> {
    const tx = await this.publicClient.getTransaction({ hash });
    return (
      tx.to?.toLowerCase() === this.taskManager.toLowerCase() &&
      tx.input.slice(0, 10).toLowerCase() === CLAIM_SHARD
    );
  }

  /** The ResultSubmitted event of one attempt (epoch) of a shard: its manifest and checkpoints. */
  async resultSubmitted(taskId: bigint, shardIndex: bigint, epoch: number) {
    const events = await this.publicClient.getContractEvents({
      address: this.taskManager,
      abi: taskManagerAbi,
      eventName: "ResultSubmitted",
      args: { taskId, shardIndex },
      fromBlock: BigInt(this.deployment.contracts.TaskManager.startBlock),
      strict: true,
    });
    return events.find((e) => Number(e.args.epoch) === epoch)?.args;
  }

  /**
   * Simulates the batch, drops every assignment the chain refuses (shard no longer Pending — e.g. a node claimed
   * it —, node no longer eligible, with NodeNotEligible's reason) and simulates again, then sends what is left in one transaction. Returns the ShardAssigned
   * events of the receipt and what was skipped and why.
   */
  async assignShards(
    assignments: readonly Assignment[],
    onSend?: (hash: Hex) => void,
  ): Promise<{
    hash?: Hex;
    assigned: ShardAssignedArgs[];
    skipped: Array<{ assignment: Assignment; reason: string }>;
  }> {
    let batch = [...assignments];
    const skipped: Array<{ assignment: Assignment; reason: string }> = [];
    for (let attempt = 0; batch.length > 0; attempt++) {
      try {
        const { request } = await this.publicClient.simulateContract({
          account: this.walletClient.account,
          address: this.taskManager,
          abi: taskManagerAbi,
          functionName: "assignShards",
          args: [batch],
        });
        const hash = await this.walletClient.writeContract(request);
        onSend?.(hash);
        const receipt = await this.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 100 });
        if (receipt.status !== "success")
          throw new ContractRevertError(`assignShards reverted on-chain (tx ${hash})`, {
            functionName: "assignShards",
          });
        const assigned = parseEventLogs({
          abi: taskManagerAbi,
          logs: receipt.logs,
          eventName: "ShardAssigned",
        }).map((e) => e.args);
        return { hash, assigned, skipped };
      } catch (error) {
        const e = toNeuralError(error, { contract: "TaskManager", functionName: "assignShards" });
        if (!(e instanceof ContractRevertError) || attempt >= 20) throw e;
        const args = (e.args ?? []) as readonly bigint[];
        let drop: (a: Assignment) => boolean;
        if (e.errorName === "InvalidShardStatus" || e.errorName === "ShardOutOfRange") {
          drop = (a) => a.taskId === args[0] && BigInt(a.shardIndex) === args[1];
        } else if (e.errorName === "NodeNotEligible") {
          drop = (a) => a.nodeId === args[0] && a.taskId === args[1];
        } else if (e.errorName === "TaskNotActive" || e.errorName === "UnknownTask") {
          drop = (a) => a.taskId === args[0];
        } else {
          throw e;
        }
        const reason =
          e.errorName === "NodeNotEligible"
            ? `NodeNotEligible: ${enumName(Ineligibility, args[2] ?? 0n)}`
            : e.message;
        const before = batch.length;
        for (const a of batch) if (drop(a)) skipped.push({ assignment: a, reason });
        batch = batch.filter((a) => !drop(a));
        if (batch.length === before) throw e;
      }
    }
    return { assigned: [], skipped };
  }

  /** Shards among `refs` that are finalizable now (view call per shard, batched over HTTP). */
  async finalizable(refs: readonly ShardRef[]): Promise<ShardRef[]> {
    const ok = await Promise.all(
      refs.map((r) =>
        this.publicClient.readContract({
          address: this.taskManager,
          abi: taskManagerAbi,
          functionName: "isFinalizable",
          args: [r.taskId, BigInt(r.shardIndex)],
        }),
      ),
    );
    return refs.filter((_, i) => ok[i]);
  }

  async finalizeShards(refs: readonly ShardRef[]): Promise<{ hash: Hex; finalized: number }> {
    const r = await this.client.finalizeShards(refs);
    return { hash: r.hash, finalized: r.finalized };
  }

  /**
   * pingShard, simulated first. Returns the ShardPinged answer deadline, or why the chain refused: the shard is no
   * longer Assigned or past its deadline (`gone`), a ping is already outstanding (`outstanding`, with respondBy) or
   * the shard was pinged too recently (`cooldown`, with nextPingAt).
   */
  async pingShard(
    taskId: bigint,
    shardIndex: bigint,
  ): Promise<
    | { ok: true; respondBy: bigint; epoch: number }
    | { ok: false; reason: "gone" | "outstanding" | "cooldown"; at?: bigint }
  > {
    try {
      const { request } = await this.publicClient.simulateContract({
        account: this.walletClient.account,
        address: this.taskManager,
        abi: taskManagerAbi,
        functionName: "pingShard",
        args: [taskId, shardIndex],
      });
      const hash = await this.walletClient.writeContract(request);
      const receipt = await this.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 100 });
      if (receipt.status !== "success")
        throw new ContractRevertError(`pingShard reverted on-chain (tx ${hash})`, {
          functionName: "pingShard",
        });
      const [pinged] = parseEventLogs({ abi: taskManagerAbi, logs: receipt.logs, eventName: "ShardPinged" });
      if (!pinged)
        throw new ContractRevertError("ShardPinged missing from the receipt", { functionName: "pingShard" });
      return { ok: true, respondBy: pinged.args.respondBy, epoch: Number(pinged.args.epoch) };
    } catch (error) {
      const e = toNeuralError(error, { contract: "TaskManager", functionName: "pingShard" });
      if (!(e instanceof ContractRevertError)) throw e;
      const at = (e.args ?? [])[2] as bigint | undefined;
      if (e.errorName === "PingOutstanding") return { ok: false, reason: "outstanding", at };
      if (e.errorName === "PingCooldown") return { ok: false, reason: "cooldown", at };
      if (e.errorName === "InvalidShardStatus" || e.errorName === "DeadlinePassed") {
        return { ok: false, reason: "gone" };
      }
      throw e;
    }
  }

  /**
   * releaseUnresponsive, simulated first: a shard whose node answered, that someone else released, or that is past
   * its deadline (timeoutShard's turn) is skipped (returns false).
   */
  async releaseUnresponsive(taskId: bigint, shardIndex: bigint): Promise<boolean> {
    try {
      const { request } = await this.publicClient.simulateContract({
        account: this.walletClient.account,
        address: this.taskManager,
        abi: taskManagerAbi,
        functionName: "releaseUnresponsive",
        args: [taskId, shardIndex],
      });
      const hash = await this.walletClient.writeContract(request);
      const receipt = await this.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 100 });
      return receipt.status === "success";
    } catch (error) {
      const e = toNeuralError(error, { contract: "TaskManager", functionName: "releaseUnresponsive" });
      if (
        e instanceof ContractRevertError &&
        ["InvalidShardStatus", "NoPingOutstanding", "PingNotExpired", "DeadlinePassed"].includes(
          e.errorName ?? "",
        )
      ) {
        return false;
      }
      throw e;
    }
  }

  /** timeoutShard, simulated first: a shard already handled by someone else is skipped (returns false). */
  async timeoutShard(taskId: bigint, shardIndex: bigint): Promise<boolean> {
    try {
      const { request } = await this.publicClient.simulateContract({
        account: this.walletClient.account,
        address: this.taskManager,
        abi: taskManagerAbi,
        functionName: "timeoutShard",
        args: [taskId, shardIndex],
      });
      const hash = await this.walletClient.writeContract(request);
      const receipt = await this.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 100 });
      return receipt.status === "success";
    } catch (error) {
      const e = toNeuralError(error, { contract: "TaskManager", functionName: "timeoutShard" });
      if (
        e instanceof ContractRevertError &&
        (e.errorName === "InvalidShardStatus" || e.errorName === "DeadlineNotReached")
      ) {
        return false;
      }
      throw e;
    }
  }
}
