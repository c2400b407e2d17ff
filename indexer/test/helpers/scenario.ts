// Drives the protocol through the real contracts on a devnet: nodes and stake, tasks with several shards
// (release, a Sortition audit, finalize), a timeout, challenges committed then revealed, two disputes decided
// by committee votes (one lost with a slash, one won), an unrevealed commitment closed, a worker key rotated
// with its EIP-712 consent, governance (parameters by the governor, a role granted through the timelock and a
// timelock operation cancelled), a late release and a cancellation with a shard in flight, models with
// verified provenance bound to the final weights, and the dataset library (a task paying a dataset's usage fee
// per finalized shard, none for its cancelled shard; fee lowered, versions deprecated, stars, reports, a
// transfer, and a model trained on the dataset).
// Every step is a real transaction; the tests then compare the indexer with the chain.
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import {
  type Abi,
  type Address,
  encodeFunctionData,
  type Hex,
  keccak256,
  type LocalAccount,
  parseEther,
  stringToHex,
  toHex,
} from "viem";
import {
  datasetRegistryAbi,
  disputeManagerAbi,
  modelRegistryAbi,
  neuralTimelockAbi,
  neuralTokenAbi,
  nodeRegistryAbi,
  sortitionAbi,
  taskManagerAbi,
} from "../../src/lib/abis.js";
import type { TestChain } from "./stack.js";

export const ACCOUNTS = {
  // deployer: governor (GOVERNOR_ROLE), keeper, treasury and timelock proposer on the devnet; the admin
  // (DEFAULT_ADMIN_ROLE: role grants) is the NeuralTimelock, with a 60 s delay
  governor: 0,
  keeper: 0,
  operators: [1, 2, 3, 4, 5, 6], // node i+1 is run by account operators[i]
  client: 7,
  challenger: 8,
  newWorker: 9,
} as const;

export const cid = (label: string): Hex => keccak256(stringToHex(label));
const bytes32 = (text: string): Hex => stringToHex(text, { size: 32 });
const bytes16 = (text: string): Hex => stringToHex(text, { size: 16 });

export const Vote = { SubmitterRight: 1, SubmitterWrong: 2 } as const;
export const ReportReason = { CidUnavailable: 1, LicenseMismatch: 2 } as const;
export const Codec = { raw: 0x55, dagPb: 0x70 } as const;
export const ReleaseReason = { DataUnavailable: 2 } as const;

type Abis = {
  token: Abi;
  registry: Abi;
  tasks: Abi;
  disputes: Abi;
  models: Abi;
  datasets: Abi;
  sortition: Abi;
  timelock: Abi;
};

type Tree = StandardMerkleTree<[bigint, bigint, Hex]>;
const ZERO32 = `0x${"0".repeat(64)}` as Hex;

/** Checkpoint tree of a shard result, as workers build it (OpenZeppelin StandardMerkleTree, unsorted leaves). */
export function checkpointTree(label: string, count: number): Tree {
  const leaves: [bigint, bigint, Hex][] = [];
  for (let i = 0; i < count; i++) leaves.push([BigInt(i), BigInt((i + 1) * 100), cid(`${label}/ckpt/${i}`)]);
  return StandardMerkleTree.of(leaves, ["uint256", "uint256", "bytes32"], { sortLeaves: false });
}

/** submitResult's Checkpoint[] (leaf i = checkpoints[i]). */
export const checkpointsOf = (tree: Tree) =>
  [...tree.entries()].map(([, [, step, hash]]) => ({ step, hash }));

/** The WeightsProof of a result: its last leaf (the final weights) and the proof. */
export function weightsProof(tree: Tree) {
  const last = tree.length - 1;
  const [, step, hash] = tree.at(last) as [bigint, bigint, Hex];
  return { step, hash, proof: tree.getProof(last) as Hex[] };
}

export class Protocol {
  readonly abi: Abis = {
    token: neuralTokenAbi as Abi,
    registry: nodeRegistryAbi as Abi,
    tasks: taskManagerAbi as Abi,
    disputes: disputeManagerAbi as Abi,
    models: modelRegistryAbi as Abi,
    datasets: datasetRegistryAbi as Abi,
    sortition: sortitionAbi as Abi,
    timelock: neuralTimelockAbi as Abi,
  };
  readonly token: Address;
  readonly registry: Address;
  readonly tasks: Address;
  readonly disputes: Address;
  readonly models: Address;
  readonly datasets: Address;
  readonly sortition: Address;
  readonly timelock: Address;

  constructor(readonly chain: TestChain) {
    this.token = chain.address("NeuralToken");
    this.registry = chain.address("NodeRegistry");
    this.tasks = chain.address("TaskManager");
    this.disputes = chain.address("DisputeManager");
    this.models = chain.address("ModelRegistry");
    this.datasets = chain.address("DatasetRegistry");
    this.sortition = chain.address("Sortition");
    this.timelock = chain.address("NeuralTimelock");
  }

  // ---- governance through the timelock ---------------------------------------------------------
  /** An operation of the timelock: calls, predecessor and salt (its id is their hash). */
  timelockOp(calls: { target: Address; abi: Abi; fn: string; args: readonly unknown[] }[], salt: Hex) {
    return {
      targets: calls.map((c) => c.target),
      values: calls.map(() => 0n),
      payloads: calls.map((c) => encodeFunctionData({ abi: c.abi, functionName: c.fn, args: c.args })),
      predecessor: ZERO32,
      salt,
    };
  }

  /** Schedules `op` (scheduleBatch) from the proposer with the timelock's delay; returns the operation id. */
  async schedule(op: ReturnType<Protocol["timelockOp"]>): Promise<Hex> {
    const delay = await this.chain.read<bigint>(this.timelock, this.abi.timelock, "getMinDelay");
    await this.chain.send(ACCOUNTS.governor, this.timelock, this.abi.timelock, "scheduleBatch", [
      op.targets,
      op.values,
      op.payloads,
      op.predecessor,
      op.salt,
      delay,
    ]);
    return this.chain.read<Hex>(this.timelock, this.abi.timelock, "hashOperationBatch", [
      op.targets,
      op.values,
      op.payloads,
      op.predecessor,
      op.salt,
    ]);
  }

  /** Waits out the delay and executes `op` (anyone may). */
  async execute(op: ReturnType<Protocol["timelockOp"]>) {
    const delay = await this.chain.read<bigint>(this.timelock, this.abi.timelock, "getMinDelay");
    await this.chain.increaseTime(Number(delay) + 1);
    await this.chain.send(ACCOUNTS.client, this.timelock, this.abi.timelock, "executeBatch", [
      op.targets,
      op.values,
      op.payloads,
      op.predecessor,
      op.salt,
    ]);
  }

  approve(from: number, spender: Address, amount: bigint) {
    return this.chain.send(from, this.token, this.abi.token, "approve", [spender, amount]);
  }

  // ---- nodes ----------------------------------------------------------------------------------
  async registerNode(
    from: number,
    stake: bigint,
    opts: { gpus?: number; ask?: bigint; label?: string } = {},
  ) {
    await this.approve(from, this.registry, stake);
    const capabilities = {
      gpuModel: bytes32("NVIDIA H100 80GB"),
      gpuCount: opts.gpus ?? 8,
      vramMiB: 81_920,
      cpuCores: 64,
      memoryMiB: 512_000,
      region: bytes16("eu-west"),
    };
    // the operator is its own worker key: no consent signature needed
    await this.chain.send(from, this.registry, this.abi.registry, "register", [
      this.chain.account(from).address,
      capabilities,
      opts.ask ?? parseEther("1"),
      cid(`node-meta/${opts.label ?? from}`),
      stake,
      0n,
      "0x",
    ]);
    return this.chain.read<bigint>(this.registry, this.abi.registry, "nodeCount");
  }

  async stake(from: number, nodeId: bigint, amount: bigint) {
    await this.approve(from, this.registry, amount);
    await this.chain.send(from, this.registry, this.abi.registry, "stake", [nodeId, amount]);
  }

  /** Worker key `worker` consents (EIP-712 WorkerConsent) to serve node `nodeId` of operator `operator`. */
  async workerConsent(worker: number, operator: number, nodeId: bigint) {
    const account = this.chain.account(worker) as LocalAccount;
    const nonce = await this.chain.read<bigint>(this.registry, this.abi.registry, "workerNonce", [
      account.address,
    ]);
    const deadline = (await this.chain.pub.getBlock()).timestamp + 3600n;
    const signature = await account.signTypedData({
      domain: {
        name: "Neural NodeRegistry",
        version: "1",
        chainId: this.chain.devnet.chainId,
        verifyingContract: this.registry,
      },
      types: {
        WorkerConsent: [
          { name: "operator", type: "address" },
          { name: "nodeId", type: "uint256" },
          { name: "worker", type: "address" },
          { name: "nonce", type: "uint256" },
          { name: "deadline", type: "uint256" },
        ],
      },
      primaryType: "WorkerConsent",
      message: {
        operator: this.chain.account(operator).address,
        nodeId,
        worker: account.address,
        nonce,
        deadline,
      },
    });
    return { deadline, signature };
  }

  registryCall(from: number, fn: string, args: readonly unknown[]) {
    return this.chain.send(from, this.registry, this.abi.registry, fn, args);
  }

  // ---- tasks ----------------------------------------------------------------------------------
  async postTask(
    from: number,
    opts: {
      label: string;
      shards: number;
      reward: bigint;
      auditRateBps?: number;
      maxDuration?: bigint;
      datasetId?: bigint;
      datasetVersion?: number;
    },
  ): Promise<bigint> {
    const params = {
      specCid: cid(`spec/${opts.label}`),
      shardCount: opts.shards,
      maxPricePerShard: opts.reward,
      minTier: 1,
      resources: { gpus: 1, vramMiB: 40_000, cpus: 8, memoryMiB: 64_000 },
      maxDuration: opts.maxDuration ?? 3600n,
      auditRateBps: opts.auditRateBps ?? 0,
      datasetId: opts.datasetId ?? 0n,
      datasetVersion: opts.datasetVersion ?? 0,
    };
    const escrow = await this.chain.read<bigint>(this.tasks, this.abi.tasks, "quoteEscrow", [params]);
    await this.approve(from, this.tasks, escrow);
    await this.chain.send(from, this.tasks, this.abi.tasks, "postTask", [params]);
    return this.chain.read<bigint>(this.tasks, this.abi.tasks, "taskCount");
  }

  assign(assignments: { taskId: bigint; shardIndex: number; nodeId: bigint }[]) {
    return this.chain.send(ACCOUNTS.keeper, this.tasks, this.abi.tasks, "assignShards", [assignments]);
  }

  /** Submits a result with `count` checkpoints (every one on-chain); returns the tree (for proofs). */
  async submit(from: number, taskId: bigint, shardIndex: number, label: string, count = 4) {
    const tree = checkpointTree(label, count);
    await this.chain.send(from, this.tasks, this.abi.tasks, "submitResult", [
      taskId,
      shardIndex,
      cid(`manifest/${label}`),
      checkpointsOf(tree),
    ]);
    return tree;
  }

  /** Sortition draws the audit of a submitted result (anyone; the seed is the block after the submission). */
  async assignAudit(taskId: bigint, shardIndex: number): Promise<bigint> {
    await this.chain.mine();
    await this.chain.send(
      ACCOUNTS.keeper,
      this.sortition,
      this.abi.sortition,
      "assignAudit",
      [taskId, shardIndex],
      5_000_000n,
    );
    const s = await this.chain.read<{ auditorNodeId: bigint }>(this.tasks, this.abi.tasks, "getShard", [
      taskId,
      BigInt(shardIndex),
    ]);
    return s.auditorNodeId;
  }

  taskCall(from: number, fn: string, args: readonly unknown[]) {
    return this.chain.send(from, this.tasks, this.abi.tasks, fn, args);
  }

  finalize(refs: { taskId: bigint; shardIndex: number }[]) {
    return this.chain.send(ACCOUNTS.keeper, this.tasks, this.abi.tasks, "finalizeShards", [refs]);
  }

  async challengeWindow(): Promise<number> {
    return Number(
      await this.chain.read<bigint>(this.tasks, this.abi.tasks, "getParameter", [bytes32("challengeWindow")]),
    );
  }

  // ---- disputes -------------------------------------------------------------------------------
  /** Commits a challenge of leaf `index` (bond approved first); returns the commit id and what the reveal needs. */
  async commitChallenge(from: number, taskId: bigint, shardIndex: number, tree: Tree, index: number) {
    const bond = await this.chain.read<bigint>(this.disputes, this.abi.disputes, "getParameter", [
      bytes32("challengeBond"),
    ]);
    await this.approve(from, this.disputes, bond);
    const [i, step, leafHash] = tree.at(index) as [bigint, bigint, Hex];
    const params = {
      taskId,
      shardIndex,
      checkpointIndex: Number(i),
      step,
      leafHash,
      challengerHash: cid("challenger-recomputed"),
      proof: tree.getProof(index) as Hex[],
    };
    const salt = toHex(`challenge-${taskId}-${shardIndex}-${index}`, { size: 32 });
    const commitment = await this.chain.read<Hex>(this.disputes, this.abi.disputes, "challengeCommitment", [
      this.chain.account(from).address,
      params,
      salt,
    ]);
    await this.chain.send(from, this.disputes, this.abi.disputes, "commitChallenge", [
      taskId,
      shardIndex,
      commitment,
    ]);
    const commitId = await this.chain.read<bigint>(this.disputes, this.abi.disputes, "challengeCommitCount");
    return { from, commitId, params, salt };
  }

  /** Reveals a commitment; the committee is drawn at once when the seed block is readable. */
  async revealChallenge(c: Awaited<ReturnType<Protocol["commitChallenge"]>>): Promise<bigint> {
    await this.chain.send(
      c.from,
      this.disputes,
      this.abi.disputes,
      "revealChallenge",
      [c.commitId, c.params, c.salt],
      5_000_000n, // the committee draw's cost depends on the block's randomness
    );
    return this.chain.read<bigint>(this.disputes, this.abi.disputes, "disputeCount");
  }

  async committee(disputeId: bigint): Promise<bigint[]> {
    const d = await this.chain.read<{ committee: readonly bigint[] }>(
      this.disputes,
      this.abi.disputes,
      "getDispute",
      [disputeId],
    );
    return d.committee.map((m) => BigInt(m));
  }

  /** Commits every ballot of every dispute, waits past the commit deadlines, reveals them all. */
  async vote(
    ballots: { disputeId: bigint; votes: { nodeId: bigint; vote: number }[] }[],
    operatorOf: (nodeId: bigint) => number,
  ) {
    const salt = (disputeId: bigint, nodeId: bigint) => toHex(`salt-${disputeId}-${nodeId}`, { size: 32 });
    let lastDeadline = 0n;
    for (const { disputeId, votes } of ballots) {
      for (const { nodeId, vote } of votes) {
        const commitment = await this.chain.read<Hex>(this.disputes, this.abi.disputes, "voteCommitment", [
          disputeId,
          nodeId,
          vote,
          salt(disputeId, nodeId),
        ]);
        await this.chain.send(operatorOf(nodeId), this.disputes, this.abi.disputes, "commitVote", [
          disputeId,
          nodeId,
          commitment,
        ]);
      }
      const d = await this.chain.read<{ commitDeadline: bigint }>(
        this.disputes,
        this.abi.disputes,
        "getDispute",
        [disputeId],
      );
      if (d.commitDeadline > lastDeadline) lastDeadline = d.commitDeadline;
    }
    const now = (await this.chain.pub.getBlock()).timestamp;
    await this.chain.increaseTime(Number(lastDeadline - now) + 1);
    for (const { disputeId, votes } of ballots) {
      for (const { nodeId, vote } of votes) {
        await this.chain.send(operatorOf(nodeId), this.disputes, this.abi.disputes, "revealVote", [
          disputeId,
          nodeId,
          vote,
          salt(disputeId, nodeId),
        ]);
      }
    }
  }

  resolve(disputeId: bigint) {
    return this.chain.send(
      ACCOUNTS.keeper,
      this.disputes,
      this.abi.disputes,
      "resolve",
      [disputeId],
      5_000_000n,
    );
  }

  // ---- models ---------------------------------------------------------------------------------
  async publish(
    from: number,
    opts: {
      name: string;
      parent?: bigint;
      sourceTaskId?: bigint;
      sourceShard?: number;
      manifestCid?: Hex;
      weights?: ReturnType<typeof weightsProof>;
    },
  ): Promise<bigint> {
    await this.chain.send(from, this.models, this.abi.models, "publish", [
      {
        name: opts.name,
        license: "Apache-2.0",
        weightsCid: cid(`weights/${opts.name}`),
        metadataCid: cid(`model-meta/${opts.name}`),
        parentModelId: opts.parent ?? 0n,
        sourceTaskId: opts.sourceTaskId ?? 0n,
        sourceShard: BigInt(opts.sourceShard ?? 0),
        manifestCid: opts.manifestCid ?? ZERO32,
        weights: opts.weights ?? { step: 0n, hash: ZERO32, proof: [] },
      },
    ]);
    return this.chain.read<bigint>(this.models, this.abi.models, "modelCount");
  }

  modelCall(from: number, fn: string, args: readonly unknown[]) {
    return this.chain.send(from, this.models, this.abi.models, fn, args);
  }

  // ---- datasets -------------------------------------------------------------------------------
  /** A DatasetVersionParams for `label` (its content CID is the hash of the label). */
  datasetVersion(label: string, opts: { fee: bigint; codec?: number; metadata?: boolean }) {
    return {
      contentCid: cid(`dataset/${label}`),
      contentCodec: opts.codec ?? Codec.dagPb,
      sizeBytes: 52_428_800n,
      usageFeePerShard: opts.fee,
      format: "csv: pixels[64],label",
      metadataCid: opts.metadata === false ? ZERO32 : cid(`dataset-meta/${label}`),
    };
  }

  /** Publishes a dataset with its first version; returns its id. */
  async publishDataset(from: number, name: string, first: ReturnType<Protocol["datasetVersion"]>) {
    await this.datasetCall(from, "publish", [
      { name, description: `${name}: a test dataset`, license: "CC-BY-4.0" },
      first,
    ]);
    return this.chain.read<bigint>(this.datasets, this.abi.datasets, "datasetCount");
  }

  datasetCall(from: number, fn: string, args: readonly unknown[]) {
    return this.chain.send(from, this.datasets, this.abi.datasets, fn, args);
  }
}

export type ScenarioResult = {
  nodes: bigint[];
  /** Timelock operations: one executed (a role grant), one cancelled. */
  timelock: { executed: Hex; cancelled: Hex };
  tasks: {
    lifecycle: bigint;
    timeout: bigint;
    dispute: bigint;
    cancelled: bigint;
    liveness: bigint;
    /** Trains on dataset 1 version 2: shard 0 finalized (usage fee paid), shard 1 cancelled (none). */
    dataset: bigint;
  };
  /** Lost by the submitter (task 3 shard 0). */
  disputeId: bigint;
  /** Won by the submitter (task 3 shard 1). */
  wonDisputeId: bigint;
  /** Never revealed, closed after its reveal deadline (bond forfeited). */
  closedCommitId: bigint;
  /** models[2] was trained on datasets[0] (verified provenance from the dataset task). */
  models: bigint[];
  /** Dataset 1: two versions (1 deprecated), used by a task, transferred; dataset 2: deprecated. */
  datasets: bigint[];
};

/** The full scenario. Node n (1-based) is operated by account n. */
export async function runScenario(p: Protocol): Promise<ScenarioResult> {
  const chain = p.chain;
  const op = (nodeId: bigint) => Number(nodeId); // node n <-> account n
  const window = await p.challengeWindow();

  // Governance: a parameter, a tier threshold (Silver reachable with 1 completed shard at an ask of 1 NRL:
  // the Bronze fee is 8%) and a tier fee.
  await chain.send(ACCOUNTS.governor, p.tasks, p.abi.tasks, "setParameter", [bytes32("maxAttempts"), 4n]);
  await p.registryCall(ACCOUNTS.governor, "setTierThreshold", [
    2,
    { minStake: parseEther("1000"), minCompleted: 1, minSuccessBps: 5000, minFeesPaid: parseEther("0.05") },
  ]);
  await p.taskCall(ACCOUNTS.governor, "setTierFee", [2, 500]);
  // Role grants go through the timelock (the admin): scheduled, executed after the delay. A second operation
  // (two calls, with a salt) is scheduled and cancelled.
  const keeperRole = await chain.read<Hex>(p.tasks, p.abi.tasks, "KEEPER_ROLE");
  const grant = p.timelockOp(
    [{ target: p.tasks, abi: p.abi.tasks, fn: "grantRole", args: [keeperRole, chain.account(9).address] }],
    ZERO32,
  );
  const executedOp = await p.schedule(grant);
  await p.execute(grant);
  const revoke = p.timelockOp(
    [
      { target: p.tasks, abi: p.abi.tasks, fn: "revokeRole", args: [keeperRole, chain.account(9).address] },
      {
        target: p.sortition,
        abi: p.abi.sortition,
        fn: "grantRole",
        args: [keeperRole, chain.account(9).address],
      },
    ],
    cid("salt/revoke"),
  );
  const cancelledOp = await p.schedule(revoke);
  await chain.send(ACCOUNTS.governor, p.timelock, p.abi.timelock, "cancel", [cancelledOp]);

  // Six nodes; asks differ (a shard pays its node's ask, locked at assignment; at most 9 significant digits).
  const nodes: bigint[] = [];
  for (const account of ACCOUNTS.operators) {
    nodes.push(
      await p.registerNode(account, parseEther(account <= 3 ? "2000" : "1000"), {
        label: `n${account}`,
        ask: parseEther(account === 4 ? "1.25" : "1"),
      }),
    );
  }
  const [n1, n2, n3, n4, n5, n6] = nodes as [bigint, bigint, bigint, bigint, bigint, bigint];
  // Committee seats need nodes registered at least committeeMinAge (1 day) before the draw.
  const minAge = await chain.read<bigint>(p.disputes, p.abi.disputes, "getParameter", [
    bytes32("committeeMinAge"),
  ]);
  await chain.increaseTime(Number(minAge) + 1);
  const revealPeriod = Number(
    await chain.read<bigint>(p.tasks, p.abi.tasks, "getParameter", [bytes32("challengeRevealPeriod")]),
  );

  // Task 1: three shards, every result audited (rate 100%); a release and a re-assignment; all finalized.
  const reward = parseEther("10");
  const t1 = await p.postTask(ACCOUNTS.client, { label: "t1", shards: 3, reward, auditRateBps: 10_000 });
  await p.assign([
    { taskId: t1, shardIndex: 0, nodeId: n1 },
    { taskId: t1, shardIndex: 1, nodeId: n2 },
    { taskId: t1, shardIndex: 2, nodeId: n3 },
  ]);
  await p.taskCall(op(n2), "releaseShard", [t1, 1, ReleaseReason.DataUnavailable, cid("logs/t1/1")]);
  await p.assign([{ taskId: t1, shardIndex: 1, nodeId: n4 }]);
  const t1Tree = await p.submit(op(n1), t1, 0, "t1/0");
  await p.submit(op(n4), t1, 1, "t1/1");
  await p.submit(op(n3), t1, 2, "t1/2");
  // Sortition draws the verifier (never of the submitter's operator); it attests.
  const verifier = await p.assignAudit(t1, 0);
  await p.taskCall(op(verifier), "recordAudit", [t1, 0]);
  await chain.increaseTime(window + 1);
  await p.finalize([0, 1, 2].map((shardIndex) => ({ taskId: t1, shardIndex })));

  // Task 2: a timeout (node 5 slashed and jailed), re-queued and finished by node 6.
  const t2 = await p.postTask(ACCOUNTS.client, { label: "t2", shards: 1, reward, maxDuration: 600n });
  await p.assign([{ taskId: t2, shardIndex: 0, nodeId: n5 }]);
  await chain.increaseTime(601);
  await p.taskCall(ACCOUNTS.client, "timeoutShard", [t2, 0]);
  await p.assign([{ taskId: t2, shardIndex: 0, nodeId: n6 }]);
  await p.submit(op(n6), t2, 0, "t2/0");

  // Task 3: both results are challenged by commit and reveal. Node 1's is wrong at checkpoint 2 (2 : 1), node
  // 3's is right at checkpoint 1 (3 : 0: the shard goes back to Submitted and is paid after its window);
  // a third commitment is never revealed and forfeits its bond.
  const t3 = await p.postTask(ACCOUNTS.client, { label: "t3", shards: 2, reward });
  await p.assign([
    { taskId: t3, shardIndex: 0, nodeId: n1 },
    { taskId: t3, shardIndex: 1, nodeId: n3 },
  ]);
  const tree = await p.submit(op(n1), t3, 0, "t3/0", 4);
  const tree1 = await p.submit(op(n3), t3, 1, "t3/1", 2);
  const lostCommit = await p.commitChallenge(ACCOUNTS.challenger, t3, 0, tree, 2);
  const unrevealed = await p.commitChallenge(ACCOUNTS.challenger, t3, 1, tree1, 0);
  await chain.mine(); // the seed block (after each commitment) is readable from the next block on
  const disputeId = await p.revealChallenge(lostCommit); // committee drawn at once
  // Revealed in the seed block itself: the dispute waits (CommitteeSeedScheduled), then anyone draws.
  const wonCommit = await p.commitChallenge(ACCOUNTS.challenger, t3, 1, tree1, 1);
  const wonDisputeId = await p.revealChallenge(wonCommit);
  await chain.mine();
  await chain.send(ACCOUNTS.keeper, p.disputes, p.abi.disputes, "drawCommittee", [wonDisputeId], 5_000_000n);
  const committee = await p.committee(disputeId);
  const committee2 = await p.committee(wonDisputeId);
  await p.vote(
    [
      {
        disputeId,
        votes: committee.map((nodeId, i) => ({
          nodeId,
          vote: i < 2 ? Vote.SubmitterWrong : Vote.SubmitterRight,
        })),
      },
      { disputeId: wonDisputeId, votes: committee2.map((nodeId) => ({ nodeId, vote: Vote.SubmitterRight })) },
    ],
    op,
  );
  await p.resolve(disputeId);
  await p.resolve(wonDisputeId);
  // Re-queued from checkpoint 2 of the losing manifest; node 2 resumes and finishes it.
  await p.assign([{ taskId: t3, shardIndex: 0, nodeId: n2 }]);
  await p.submit(op(n2), t3, 0, "t3/0-resumed", 4);
  await chain.increaseTime(window + revealPeriod + 1);
  await chain.send(ACCOUNTS.keeper, p.disputes, p.abi.disputes, "closeChallengeCommit", [
    unrevealed.commitId,
  ]);
  await p.finalize([
    { taskId: t2, shardIndex: 0 },
    { taskId: t3, shardIndex: 0 },
    { taskId: t3, shardIndex: 1 },
  ]);

  // Task 4: three shards; node 6 holds shard 1 past the grace period and releases it late (a failed attempt:
  // re-queued); the client cancels with shard 0 in flight (shards 1 and 2 Pending: cancelled at once, no event
  // per shard); node 4 then releases shard 0, late too (cancelled), and the task closes.
  const t4 = await p.postTask(ACCOUNTS.client, { label: "t4", shards: 3, reward });
  await p.assign([
    { taskId: t4, shardIndex: 0, nodeId: n4 },
    { taskId: t4, shardIndex: 1, nodeId: n6 },
  ]);
  const grace = await chain.read<bigint>(p.tasks, p.abi.tasks, "getParameter", [
    bytes32("releaseGracePeriod"),
  ]);
  await chain.increaseTime(Number(grace) + 1);
  await p.taskCall(op(n6), "releaseShard", [t4, 1, ReleaseReason.DataUnavailable, cid("logs/t4/1")]);
  await p.taskCall(ACCOUNTS.client, "cancelTask", [t4]);
  await p.taskCall(op(n4), "releaseShard", [t4, 0, ReleaseReason.DataUnavailable, cid("logs/t4/0")]);

  // Stake changes and node management.
  await p.stake(op(n6), n6, parseEther("500"));
  await p.registryCall(op(n6), "requestUnstake", [n6, parseEther("200")]);
  await p.registryCall(op(n4), "pause", [n4]);
  await p.registryCall(op(n4), "resume", [n4]);
  await p.registryCall(op(n3), "updateNode", [
    n3,
    {
      gpuModel: bytes32("NVIDIA H200 141GB"),
      gpuCount: 4,
      vramMiB: 143_360,
      cpuCores: 32,
      memoryMiB: 256_000,
      region: bytes16("us-east"),
    },
    parseEther("2"),
    cid("node-meta/n3-v2"),
  ]);
  // Node 3's new worker key consents (EIP-712) to serve it; node 3 has no live shard any more.
  const consent = await p.workerConsent(ACCOUNTS.newWorker, op(n3), n3);
  await p.registryCall(op(n3), "setWorker", [
    n3,
    chain.account(ACCOUNTS.newWorker).address,
    consent.deadline,
    consent.signature,
  ]);
  await p.registryCall(ACCOUNTS.keeper, "refreshTier", [n4]);
  await chain.send(ACCOUNTS.governor, p.registry, p.abi.registry, "setParameter", [
    bytes32("unbondingPeriod"),
    3600n,
  ]);
  await chain.increaseTime(7 * 24 * 3600 + 1);
  await p.registryCall(op(n6), "withdraw", [n6]);
  await p.registryCall(op(n5), "unjail", [n5]);
  await p.registryCall(op(n5), "exit", [n5]);
  await p.taskCall(ACCOUNTS.keeper, "sweepFees", []);

  // Models: verified provenance from task 1 shard 0, a lineage child, versions, stars, tips, archive.
  const manifest = cid("manifest/t1/0");
  const m1 = await p.publish(ACCOUNTS.client, {
    name: "neural-llama-7b",
    sourceTaskId: t1,
    sourceShard: 0,
    manifestCid: manifest,
    weights: weightsProof(t1Tree),
  });
  await p.modelCall(ACCOUNTS.client, "addVersion", [
    m1,
    {
      weightsCid: cid("weights/neural-llama-7b-v2"),
      metadataCid: cid("model-meta/neural-llama-7b-v2"),
      sourceTaskId: 0n,
      sourceShard: 0n,
      manifestCid: ZERO32,
      weights: { step: 0n, hash: ZERO32, proof: [] },
    },
  ]);
  const m2 = await p.publish(op(n1), { name: "neural-llama-7b-chat", parent: m1 });
  await p.modelCall(2, "star", [m1]);
  await p.modelCall(3, "star", [m1]);
  await p.modelCall(3, "unstar", [m1]);
  await p.approve(2, p.models, parseEther("5"));
  await p.modelCall(2, "tip", [m1, parseEther("5")]);
  await p.modelCall(op(n1), "transferModel", [m2, chain.account(4).address]);
  await p.modelCall(4, "deprecate", [m2, m1]);
  await p.modelCall(ACCOUNTS.client, "recordArchive", [m1, 1n, cid("arweave/m1/1")]);

  // Task 5: liveness pings (issue 12). The keeper pings the running shards of nodes 2 and 4; node 2 answers and
  // keeps its shard; node 4 does not, and anyone releases its shard after respondBy (a failed attempt, re-queued).
  // After the cooldown node 2 is pinged again, and that ping is left outstanding.
  const t5 = await p.postTask(ACCOUNTS.client, { label: "t5", shards: 2, reward, maxDuration: 7200n });
  await p.assign([
    { taskId: t5, shardIndex: 0, nodeId: n2 },
    { taskId: t5, shardIndex: 1, nodeId: n4 },
  ]);
  const liveness = Number(
    await chain.read<bigint>(p.tasks, p.abi.tasks, "getParameter", [bytes32("livenessWindow")]),
  );
  await p.taskCall(ACCOUNTS.keeper, "pingShard", [t5, 0]);
  await p.taskCall(ACCOUNTS.keeper, "pingShard", [t5, 1]);
  await p.taskCall(op(n2), "answerPing", [t5, 0]);
  await chain.increaseTime(liveness + 1);
  await p.taskCall(ACCOUNTS.client, "releaseUnresponsive", [t5, 1]);
  await chain.increaseTime(3 * liveness);
  await p.taskCall(ACCOUNTS.keeper, "pingShard", [t5, 0]);

  // Datasets (issue 14). Account 2 publishes dataset 1 (version 1: dag-pb content, 0.5 NRL per shard) and adds
  // version 2 (raw content, 0.8 NRL). Task 6 trains on version 2: shard 0 is finalized (0.8 NRL to the owner,
  // less the protocol's cut), then the client cancels with shard 1 Pending (its fee goes back to the client).
  // A model is published from shard 0 (verified provenance). Then the fee of version 2 is lowered, version 1
  // deprecated, the dataset starred, unstarred, reported (both versions), archived and transferred; dataset 2
  // is deprecated as a whole.
  const owner = 2;
  const d1 = await p.publishDataset(
    owner,
    "mnist-64",
    p.datasetVersion("mnist/v1", { fee: parseEther("0.5") }),
  );
  await p.datasetCall(owner, "addVersion", [
    d1,
    p.datasetVersion("mnist/v2", { fee: parseEther("0.8"), codec: Codec.raw, metadata: false }),
  ]);
  const t6 = await p.postTask(ACCOUNTS.client, {
    label: "t6",
    shards: 2,
    reward,
    datasetId: d1,
    datasetVersion: 2,
  });
  await p.assign([{ taskId: t6, shardIndex: 0, nodeId: n6 }]);
  const t6Tree = await p.submit(op(n6), t6, 0, "t6/0");
  await chain.increaseTime(window + 1);
  await p.finalize([{ taskId: t6, shardIndex: 0 }]);
  await p.taskCall(ACCOUNTS.client, "cancelTask", [t6]);
  const m3 = await p.publish(ACCOUNTS.client, {
    name: "mnist-classifier",
    sourceTaskId: t6,
    sourceShard: 0,
    manifestCid: cid("manifest/t6/0"),
    weights: weightsProof(t6Tree),
  });
  await p.datasetCall(owner, "lowerUsageFee", [d1, 2n, parseEther("0.6")]);
  await p.datasetCall(owner, "deprecateVersion", [d1, 1n]);
  await p.datasetCall(3, "star", [d1]);
  await p.datasetCall(4, "star", [d1]);
  await p.datasetCall(4, "unstar", [d1]);
  await p.datasetCall(5, "report", [d1, 2n, ReportReason.LicenseMismatch, cid("report/d1/2")]);
  await p.datasetCall(ACCOUNTS.client, "report", [d1, 1n, ReportReason.CidUnavailable, ZERO32]);
  await p.datasetCall(owner, "recordArchive", [d1, 2n, cid("arweave/d1/2")]);
  await p.datasetCall(owner, "transferDataset", [d1, chain.account(3).address]);
  const d2 = await p.publishDataset(3, "cifar-tiny", p.datasetVersion("cifar/v1", { fee: 0n }));
  await p.datasetCall(3, "deprecate", [d2]);

  return {
    nodes,
    timelock: { executed: executedOp, cancelled: cancelledOp },
    tasks: { lifecycle: t1, timeout: t2, dispute: t3, cancelled: t4, liveness: t5, dataset: t6 },
    disputeId,
    wonDisputeId,
    closedCommitId: unrevealed.commitId,
    models: [m1, m2, m3],
    datasets: [d1, d2],
  };
}
