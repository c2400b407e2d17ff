/**
 * The SDK's contract helpers against the real protocol on the project's devnet (anvil + Deploy.s.sol):
 * nodes registered with their worker key's EIP-712 consent, post with permit, assign, submit every
 * checkpoint, challenges committed then revealed (committee drawn from the block after the commitment), votes
 * by commit/reveal, resolve (one dispute lost, one won), an unrevealed commitment closed, finalize after the
 * window and the reveal period, publish with the final-weights proof, and reverts decoded into the contracts'
 * custom errors.
 */
import {
  type Account,
  type Chain,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  keccak256,
  type PublicClient,
  parseEther,
  stringToHex,
  type Transport,
  toHex,
  type WalletClient,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cidToBytes32 } from "../cid/cid.js";
import { ContractRevertError, ValidationError } from "../errors/errors.js";
import { resultManifest } from "../formats/manifest.js";
import { taskSpec } from "../formats/spec.js";
import { CheckpointTree } from "../merkle/checkpoints.js";
import { type Devnet, startDevnet } from "../testing/devnet.js";
import {
  EXAMPLE_DAG_PB_CID,
  exampleCheckpointLeaves,
  exampleManifest,
  exampleTaskSpec,
} from "../testing/fixtures.js";
import { disputeManagerAbi, taskManagerAbi } from "./abis.js";
import {
  type Capabilities,
  challengeCommitment,
  NeuralClient,
  type PostTaskParams,
  voteCommitment,
} from "./client.js";
import {
  ChallengeCommitStatus,
  DisputeOutcome,
  DisputeStatus,
  Ineligibility,
  ReleaseReason,
  ShardStatus,
  TaskStatus,
  Tier,
  Vote,
} from "./enums.js";

type Wallet = WalletClient<Transport, Chain, Account>;
type PostInput = Omit<PostTaskParams, "specCid"> & { specCid: string };

let devnet: Devnet;
let publicClient: PublicClient;
let wallets: Wallet[];
let client: NeuralClient; // task client and challenger (account 1)
let keeper: NeuralClient; // deployer = governor = keeper (account 0)
const operators = new Map<bigint, NeuralClient>(); // node id -> its operator's client
const workers = new Map<bigint, NeuralClient>(); // node id -> its worker key's client

const capabilities: Capabilities = {
  gpuModel: stringToHex("NVIDIA H100 80GB", { size: 32 }),
  gpuCount: 8,
  vramMiB: 81_920,
  cpuCores: 64,
  memoryMiB: 512_000,
  region: stringToHex("eu-west", { size: 16 }),
};

const params = (over: Partial<PostInput> = {}): PostInput => ({
  specCid: "",
  shardCount: 2,
  maxPricePerShard: parseEther("10"),
  minTier: Tier.Bronze,
  resources: { gpus: 1, vramMiB: 16_384, cpus: 4, memoryMiB: 32_768 },
  maxDuration: 3600n,
  auditRateBps: 0,
  datasetId: 0n,
  datasetVersion: 0,
  ...over,
});

async function mine(blocks = 1): Promise<void> {
  for (let i = 0; i < blocks; i++) {
    await publicClient.request({ method: "evm_mine" as never, params: [] as never });
  }
}

/** Mines until block `n` exists (what a real chain does by itself). */
async function mineTo(n: bigint): Promise<void> {
  while ((await publicClient.getBlockNumber({ cacheTime: 0 })) < n) await mine();
}

async function increaseTime(seconds: bigint | number): Promise<void> {
  await publicClient.request({ method: "evm_increaseTime" as never, params: [Number(seconds)] as never });
  await mine();
}

function clientOf(privateKey: Hex): NeuralClient {
  const walletClient = createWalletClient({
    account: privateKeyToAccount(privateKey),
    chain: foundry,
    transport: http(devnet.rpcUrl),
  });
  return new NeuralClient({ publicClient, walletClient, deployment: devnet.deployment });
}

beforeAll(async () => {
  devnet = await startDevnet({ fundAccounts: 5 });
  const transport = http(devnet.rpcUrl);
  publicClient = createPublicClient({ chain: foundry, transport, pollingInterval: 100 }) as PublicClient;
  wallets = devnet.accounts.map((a) =>
    createWalletClient({ account: privateKeyToAccount(a.privateKey), chain: foundry, transport }),
  );
  const { deployment } = devnet;
  // four nodes: operators are accounts 2..5 (funded), their worker keys accounts 6..9, each key consenting
  for (let i = 0; i < 4; i++) {
    const operator = new NeuralClient({ publicClient, walletClient: wallets[2 + i] as Wallet, deployment });
    const worker = new NeuralClient({ publicClient, walletClient: wallets[6 + i] as Wallet, deployment });
    const consent = await worker.signWorkerConsent({ operator: operator.account });
    const { nodeId } = await operator.registerNode({
      worker: worker.account,
      capabilities,
      askPrice: parseEther("1"),
      metadataCid: `0x${"00".repeat(32)}`,
      stake: parseEther("1000"),
      consent,
    });
    expect(nodeId).toBe(BigInt(i + 1));
    operators.set(nodeId, operator);
    workers.set(nodeId, worker);
  }
  client = new NeuralClient({ publicClient, walletClient: wallets[1] as Wallet, deployment });
  keeper = new NeuralClient({ publicClient, walletClient: wallets[0] as Wallet, deployment });
  // committee seats need nodes registered at least committeeMinAge (1 day) ago
  await increaseTime(await client.getParameter("DisputeManager", "committeeMinAge"));
});

afterAll(async () => {
  await devnet?.stop();
});

async function revertOf(promise: Promise<unknown>): Promise<ContractRevertError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ContractRevertError);
  return error as ContractRevertError;
}

function worker(nodeId: bigint): NeuralClient {
  const w = workers.get(nodeId);
  if (!w) throw new Error(`no worker for node ${nodeId}`);
  return w;
}

describe("contract helpers on the devnet", () => {
  const spec = exampleTaskSpec();
  let specCid: string;
  let taskId: bigint;
  const trees = [
    CheckpointTree.build(exampleCheckpointLeaves(10, 0)),
    CheckpointTree.build(exampleCheckpointLeaves(6, 1)),
  ] as const;
  const manifest = exampleManifest();
  let badCommitId: bigint;

  it("verifies SDK Merkle proofs with DisputeManager.verifyCheckpoint", async () => {
    for (const n of [1, 2, 3, 7, 100]) {
      const t = CheckpointTree.build(exampleCheckpointLeaves(n, n));
      for (const i of n <= 7 ? [...Array(n).keys()] : [0, 37, 99]) {
        const { leaf, proof, leafHash } = t.proof(i);
        const args = [t.root, BigInt(leaf.index), BigInt(leaf.step), leaf.hash, proof] as const;
        const address = devnet.deployment.contracts.DisputeManager.address;
        expect(
          await publicClient.readContract({
            address,
            abi: disputeManagerAbi,
            functionName: "verifyCheckpoint",
            args,
          }),
        ).toBe(true);
        expect(
          await publicClient.readContract({
            address,
            abi: disputeManagerAbi,
            functionName: "checkpointLeaf",
            args: [BigInt(leaf.index), BigInt(leaf.step), leaf.hash],
          }),
        ).toBe(leafHash);
        if (proof.length > 0) {
          const tampered = [keccak256(toHex("tampered")), ...proof.slice(1)];
          expect(
            await publicClient.readContract({
              address,
              abi: disputeManagerAbi,
              functionName: "verifyCheckpoint",
              args: [t.root, BigInt(leaf.index), BigInt(leaf.step), leaf.hash, tampered],
            }),
          ).toBe(false);
        }
      }
      expect(await client.checkpointRoot(t.checkpoints)).toBe(t.root);
    }
  });

  it("computes the challenge commitment exactly as DisputeManager does", async () => {
    const p = trees[0].challengeParams(4, { taskId: 9n, shardIndex: 3, challengerHash: keccak256("0x01") });
    const salt = keccak256(toHex("salt"));
    expect(
      await publicClient.readContract({
        address: devnet.deployment.contracts.DisputeManager.address,
        abi: disputeManagerAbi,
        functionName: "challengeCommitment",
        args: [client.account, p, salt],
      }),
    ).toBe(challengeCommitment(client.account, p, salt));
  });

  it("registers worker keys only with their consent: expired, replayed and foreign consents are refused", async () => {
    const operator = operators.get(1n) as NeuralClient;
    const freshKey = clientOf(generatePrivateKey());
    const expired = await freshKey.signWorkerConsent({ operator: operator.account, deadline: 1n });
    const e1 = await revertOf(
      operator.registerNode({
        worker: freshKey.account,
        capabilities,
        askPrice: parseEther("1"),
        metadataCid: `0x${"00".repeat(32)}`,
        stake: parseEther("100"),
        consent: expired,
      }),
    );
    expect(e1.errorName).toBe("WorkerConsentExpired");
    // consent given to another operator
    const forOther = await freshKey.signWorkerConsent({ operator: client.account });
    const e2 = await revertOf(
      operator.registerNode({
        worker: freshKey.account,
        capabilities,
        askPrice: parseEther("1"),
        metadataCid: `0x${"00".repeat(32)}`,
        stake: parseEther("100"),
        consent: forOther,
      }),
    );
    expect(e2.errorName).toBe("InvalidWorkerConsent");
    expect(e2.message).toContain(`InvalidWorkerConsent(worker=${freshKey.account})`);
    // a valid consent moves node 1 to the fresh key; the same consent cannot be used twice (nonce consumed)
    const consent = await freshKey.signWorkerConsent({ operator: operator.account, nodeId: 1n });
    await operator.setWorker({ nodeId: 1n, worker: freshKey.account, consent });
    // back to the original worker key
    const back = await worker(1n).signWorkerConsent({ operator: operator.account, nodeId: 1n });
    await operator.setWorker({ nodeId: 1n, worker: worker(1n).account, consent: back });
    // the fresh key is free again, but its consent was used: replaying it is refused
    const replay = await revertOf(operator.setWorker({ nodeId: 1n, worker: freshKey.account, consent }));
    expect(replay.errorName).toBe("InvalidWorkerConsent");
  });

  it("refuses a permit whose deadline is already past on-chain, naming the field", async () => {
    const cid = (await taskSpec.cid(spec)).toString();
    const now = await client.chainTime();
    const err = await client
      .postTaskWithPermit(params({ specCid: cid }), { deadline: now - 1n })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toMatch(/deadline: .* is not after the chain's time/);
  });

  it("posts a task with a permit (no prior approve) and stores the spec CID", async () => {
    specCid = (await taskSpec.cid(spec)).toString();
    const posted = await client.postTaskWithPermit(params({ specCid }));
    taskId = posted.taskId;
    expect(taskId).toBe(1n);
    expect(posted.escrow).toBe(parseEther("20"));
    const task = await client.getTask(taskId);
    expect(task.specCid).toBe(cidToBytes32(specCid));
    expect(task.client).toBe(client.account);
    expect(task.statusName).toBe("Open");
    expect((await client.getShard(taskId, 0n)).statusName).toBe("Pending");
  });

  it("assigns shards in a batch and lets the workers submit every checkpoint", async () => {
    await keeper.assignShards([
      { taskId, shardIndex: 0, nodeId: 1n },
      { taskId, shardIndex: 1, nodeId: 2n },
    ]);
    expect((await client.getShard(taskId, 0n)).status).toBe(ShardStatus.Assigned);
    // keys are frozen while the node has live shards
    const frozen = await revertOf(
      (operators.get(1n) as NeuralClient).setWorker({ nodeId: 1n, worker: client.account }),
    );
    expect(frozen.errorName).toBe("NodeHasLiveShards");
    const manifestCid = await resultManifest.cid(manifest);
    for (const [shard, node] of [
      [0n, 1n],
      [1n, 2n],
    ] as const) {
      const tree = trees[Number(shard)] as CheckpointTree;
      const submitted = await worker(node).submitResult({
        taskId,
        shardIndex: shard,
        manifestCid,
        checkpoints: shard === 0n ? tree : tree.checkpoints,
      });
      expect(submitted.checkpointRoot).toBe(tree.root);
      expect(submitted.epoch).toBe(1);
    }
    const shard = await client.getShard(taskId, 0n);
    expect(shard.status).toBe(ShardStatus.Submitted);
    expect(shard.checkpointRoot).toBe(trees[0].root);
    expect(shard.checkpointCount).toBe(10);
    expect(shard.epoch).toBe(1);
    expect(shard.manifestCid).toBe(cidToBytes32(manifestCid));

    // anyone can rebuild the tree from the event alone
    const [log] = await publicClient.getContractEvents({
      address: devnet.deployment.contracts.TaskManager.address,
      abi: taskManagerAbi,
      eventName: "ResultSubmitted",
      args: { taskId, shardIndex: 1n },
      fromBlock: 0n,
    });
    const rebuilt = CheckpointTree.fromResultSubmitted({
      checkpointRoot: log?.args.checkpointRoot as Hex,
      checkpointCount: log?.args.checkpointCount,
      checkpoints: log?.args.checkpoints ?? [],
    });
    expect(rebuilt.proof(5).proof).toEqual(trees[1].proof(5).proof);
  });

  it("decodes reverts into the custom error name, arguments and a readable message", async () => {
    const early = await revertOf(keeper.finalizeShards([{ taskId, shardIndex: 0 }]));
    expect(early.errorName).toBe("NothingFinalized");
    expect(early.message).toBe("TaskManager.finalizeShards reverted: NothingFinalized()");
    expect(early.retryable).toBe(false);

    const again = await revertOf(
      worker(1n).submitResult({ taskId, shardIndex: 0n, manifestCid: specCid, checkpoints: trees[0] }),
    );
    expect(again.errorName).toBe("InvalidShardStatus");
    expect(again.args).toEqual([taskId, 0n, ShardStatus.Submitted]);
    expect(again.message).toContain(
      "InvalidShardStatus(taskId=1, shardIndex=0, status=ShardStatus.Submitted)",
    );

    const notKeeper = await revertOf(client.assignShards([{ taskId, shardIndex: 1, nodeId: 1n }]));
    expect(notKeeper.errorName).toBe("AccessControlUnauthorizedAccount");

    const badCount = await revertOf(client.postTaskWithPermit(params({ specCid, shardCount: 0 })));
    expect(badCount.errorName).toBe("InvalidShardCount");
    expect(badCount.message).toMatch(/InvalidShardCount\(shardCount=0, max=\d+\)/);

    // the audit seed is the randomness of the block after the submission: readable once a later block exists
    await mine();
    // audit rate 0: Sortition never selects the result
    const notSelected = await revertOf(client.assignAudit(taskId, 0n));
    expect(notSelected.errorName).toBe("NotSelectedForAudit");
    expect(notSelected.message).toContain(
      "Sortition.assignAudit reverted: NotSelectedForAudit(taskId=1, shardIndex=0)",
    );

    // a commitment to a claim whose proof does not hold: the bond is taken at commit, the reveal fails
    const bad = trees[1].challengeParams(3, { taskId, shardIndex: 1 });
    const wrongStep = { ...bad, step: bad.step + 1n };
    const committed = await client.commitChallenge(wrongStep);
    badCommitId = committed.commitId;
    expect(committed.commitment).toBe(challengeCommitment(client.account, wrongStep, committed.salt));
    expect((await client.getChallengeCommit(badCommitId)).status).toBe(ChallengeCommitStatus.Committed);
    await mine();
    const badProof = await revertOf(
      client.revealChallenge({ commitId: badCommitId, params: wrongStep, salt: committed.salt }),
    );
    expect(badProof.errorName).toBe("InvalidMerkleProof");
    const mismatch = await revertOf(
      client.revealChallenge({ commitId: badCommitId, params: bad, salt: committed.salt }),
    );
    expect(mismatch.errorName).toBe("ChallengeCommitmentMismatch");
    const notChallenger = await revertOf(
      keeper.revealChallenge({ commitId: badCommitId, params: wrongStep, salt: committed.salt }),
    );
    expect(notChallenger.errorName).toBe("NotChallenger");
    const tooEarly = await revertOf(client.closeChallengeCommit(badCommitId));
    expect(tooEarly.errorName).toBe("ChallengeRevealOpen");
  });

  it("runs two disputes through commit/reveal and committee votes: one lost, one won", async () => {
    // Dispute 1 (shard 0, node 1), step by step: commit, reveal at once (the seed block is not readable yet,
    // so the dispute waits in Drawing), draw the committee.
    const p0 = trees[0].challengeParams(3, {
      taskId,
      shardIndex: 0,
      challengerHash: keccak256(toHex("what the challenger computed")),
    });
    const committed = await client.commitChallenge(p0);
    expect(committed.epoch).toBe(1);
    expect((await client.getShard(taskId, 0n)).challengeCommitted).toBe(true);
    const revealed = await client.revealChallenge({
      commitId: committed.commitId,
      params: p0,
      salt: committed.salt,
    });
    expect(revealed.disputeId).toBe(1n);
    expect(revealed.seedBlock).toBe(committed.committedBlock + 1n);
    expect(revealed.drawn).toBe(false);
    expect((await client.getDispute(1n)).status).toBe(DisputeStatus.Drawing);
    const notDrawn = await revertOf(
      worker(2n).commitVote({
        disputeId: 1n,
        nodeId: 2n,
        vote: Vote.SubmitterWrong,
        salt: keccak256("0x01"),
      }),
    );
    expect(notDrawn.errorName).toBe("CommitteeNotDrawn");
    // the seed block's hash is readable only from the block after it
    const early0 = await revertOf(keeper.drawCommittee(1n));
    expect(early0.message).toContain(`SeedNotReady(disputeId=1, seedBlock=${revealed.seedBlock})`);
    await mine();
    await keeper.drawCommittee(1n);
    expect((await client.getShard(taskId, 0n)).status).toBe(ShardStatus.Challenged);

    // Dispute 2 (shard 1, node 2) with the convenience: commit, wait for the seed block, reveal.
    const p1 = trees[1].challengeParams(2, { taskId, shardIndex: 1 });
    const second = await client.challenge(p1, { waitForBlock: mineTo });
    expect(second.disputeId).toBe(2n);

    const disputes = [await client.getDispute(1n), await client.getDispute(2n)];
    expect(disputes.map((d) => d.status)).toEqual([DisputeStatus.Voting, DisputeStatus.Voting]);
    expect(disputes[0]?.commitId).toBe(committed.commitId);
    expect(disputes[0]?.committee).toHaveLength(3);
    expect(disputes[0]?.committee).not.toContain(1n);
    expect(disputes[1]?.committee).toHaveLength(3);
    expect(disputes[1]?.committee).not.toContain(2n);

    const ballots = [Vote.SubmitterWrong, Vote.SubmitterRight];
    const salts = new Map<string, Hex>();
    for (const [i, d] of disputes.entries()) {
      const disputeId = BigInt(i + 1);
      for (const member of d?.committee ?? []) {
        const salt = keccak256(toHex(`salt-${disputeId}-${member}`));
        salts.set(`${disputeId}-${member}`, salt);
        const vote = ballots[i] as Vote;
        await worker(member).commitVote({ disputeId, nodeId: member, vote, salt });
        const [commitment] = await publicClient.readContract({
          address: devnet.deployment.contracts.DisputeManager.address,
          abi: disputeManagerAbi,
          functionName: "voteOf",
          args: [disputeId, member],
        });
        expect(commitment).toBe(voteCommitment(disputeId, member, vote, salt));
      }
    }
    const first = disputes[0]?.committee[0] as bigint;
    const early = await revertOf(
      worker(first).revealVote({
        disputeId: 1n,
        nodeId: first,
        vote: Vote.SubmitterWrong,
        salt: salts.get(`1-${first}`) as Hex,
      }),
    );
    expect(early.errorName).toBe("NotInRevealPhase");

    const d0 = disputes[0] as NonNullable<(typeof disputes)[number]>;
    const d1 = disputes[1] as NonNullable<(typeof disputes)[number]>;
    const now = (await publicClient.getBlock()).timestamp;
    const lastCommit = [d0, d1].reduce((m, d) => (d.commitDeadline > m ? d.commitDeadline : m), 0n);
    await increaseTime(lastCommit - now + 1n);
    for (const [i, d] of disputes.entries()) {
      const disputeId = BigInt(i + 1);
      for (const member of d?.committee ?? []) {
        await worker(member).revealVote({
          disputeId,
          nodeId: member,
          vote: ballots[i] as Vote,
          salt: salts.get(`${disputeId}-${member}`) as Hex,
        });
      }
    }
    // every member revealed: both can be resolved at once
    await keeper.resolveDispute(1n);
    await keeper.resolveDispute(2n);
    const lost = await client.getDispute(1n);
    expect(lost.outcome).toBe(DisputeOutcome.SubmitterWrong);
    expect(lost.status).toBe(DisputeStatus.Resolved);
    const shard0 = await client.getShard(taskId, 0n);
    expect(shard0.status).toBe(ShardStatus.Pending);
    expect(shard0.resumeFrom).toBe(3);

    const won = await client.getDispute(2n);
    expect(won.outcome).toBe(DisputeOutcome.SubmitterRight);
    // a verdict for the submitter covers only checkpoint 2: the shard is Submitted again, paid after its window
    expect((await client.getShard(taskId, 1n)).status).toBe(ShardStatus.Submitted);
    expect((await revertOf(keeper.finalizeShards([{ taskId, shardIndex: 1 }]))).errorName).toBe(
      "NothingFinalized",
    );
  });

  it("finalizes after the window and the reveal period; an unrevealed commitment forfeits its bond", async () => {
    const window = await client.getParameter("TaskManager", "challengeWindow");
    const revealPeriod = await client.getParameter("TaskManager", "challengeRevealPeriod");
    await increaseTime(window + revealPeriod + 1n);
    const closed = await client.closeChallengeCommit(badCommitId);
    expect(closed.forfeited).toBe(true);
    expect(closed.to).toBe(devnet.deployment.roles.treasury);
    expect(closed.amount).toBe(await client.getParameter("DisputeManager", "challengeBond"));
    expect((await client.getChallengeCommit(badCommitId)).status).toBe(ChallengeCommitStatus.Closed);
    const { finalized } = await keeper.finalizeShards([
      { taskId, shardIndex: 0 },
      { taskId, shardIndex: 1 },
    ]);
    expect(finalized).toBe(1);
    expect((await client.getShard(taskId, 1n)).status).toBe(ShardStatus.Finalized);
  });

  it("publishes a model with verified provenance bound to the final weights", async () => {
    const manifestCid = await resultManifest.cid(manifest);
    const base = {
      name: "mnist-mlp",
      license: "Apache-2.0",
      weightsCid: EXAMPLE_DAG_PB_CID,
      metadataCid: specCid,
      parentModelId: 0n,
      sourceTaskId: taskId,
      sourceShard: 1n,
      manifestCid,
    };
    const { modelId } = await client.publishModel({ ...base, weights: trees[1].weightsProof() });
    expect(modelId).toBe(1n);
    // a weights hash that is not the shard's last checkpoint is refused
    const notLast = trees[1].proof(4);
    const wrongWeights = await revertOf(
      client.publishModel({
        ...base,
        name: "fake",
        weights: { step: BigInt(notLast.leaf.step), hash: notLast.leaf.hash, proof: notLast.proof },
      }),
    );
    expect(wrongWeights.errorName).toBe("WeightsNotCommitted");
    const mismatch = await revertOf(
      client.publishModel({ ...base, name: "fake", manifestCid: specCid, weights: trees[1].weightsProof() }),
    );
    expect(mismatch.errorName).toBe("ProvenanceMismatch");
    // a version without a source task needs no weights proof
    const { version } = await client.addModelVersion(modelId, {
      weightsCid: EXAMPLE_DAG_PB_CID,
      metadataCid: specCid,
      sourceTaskId: 0n,
      sourceShard: 0n,
      manifestCid: `0x${"00".repeat(32)}`,
    });
    expect(version).toBe(2n);
  });

  it("runs the market: reasons, the price paid, claims after the delay, late releases, O(1) cancel", async () => {
    const posted = await client.postTaskWithPermit(
      params({ specCid, shardCount: 3, maxPricePerShard: parseEther("0.5") }),
    );
    const market = posted.taskId;
    // Every node asks 1 NRL, above this task's 0.5 NRL: the reason comes first from the view, then in the revert.
    expect(await worker(4n).eligibility(4n, market)).toBe(Ineligibility.AskAboveMaxPrice);
    const refused = await revertOf(keeper.assignShards([{ taskId: market, shardIndex: 0, nodeId: 4n }]));
    expect(refused.errorName).toBe("NodeNotEligible");
    expect(refused.message).toContain(
      `NodeNotEligible(nodeId=4, taskId=${market}, reason=Ineligibility.AskAboveMaxPrice)`,
    );

    // Node 4 lowers its ask to 0.2 NRL and claims shard 0 itself once claimDelayBlocks have passed.
    const node4 = operators.get(4n) as NeuralClient;
    await node4.updateNode({
      nodeId: 4n,
      capabilities,
      askPrice: parseEther("0.2"),
      metadataCid: `0x${"00".repeat(32)}`,
    });
    const tooEarly = await revertOf(worker(4n).claimShard({ taskId: market, shardIndex: 0n, nodeId: 4n }));
    expect(tooEarly.errorName).toBe("ClaimTooEarly");
    const claimableAt = tooEarly.args[2] as bigint;
    await mineTo(claimableAt);
    const claimed = await worker(4n).claimShard({ taskId: market, shardIndex: 0n, nodeId: 4n });
    expect(claimed.price).toBe(parseEther("0.2"));
    expect((await client.getShard(market, 0n)).status).toBe(ShardStatus.Assigned);

    // A release past the grace period is a failed attempt of the node.
    await increaseTime((await client.getParameter("TaskManager", "releaseGracePeriod")) + 1n);
    const released = await worker(4n).releaseShard({
      taskId: market,
      shardIndex: 0n,
      reason: ReleaseReason.InvalidSpec,
    });
    expect(released.late).toBe(true);
    expect((await client.getShard(market, 0n)).attempts).toBe(1);

    // Cancelling refunds the three pending max prices at once.
    const cancelled = await client.cancelTask(market);
    expect(cancelled.pendingShards).toBe(3);
    expect(cancelled.refund).toBe(posted.escrow);
    expect((await client.getTask(market)).status).toBe(TaskStatus.Cancelled);
  });

  it("pings a running shard: an answered ping keeps it, an unanswered one lets anyone release it", async () => {
    const { taskId } = await client.postTaskWithPermit(params({ specCid, shardCount: 1 }));
    await keeper.assignShards([{ taskId, shardIndex: 0, nodeId: 4n }]);
    const window = await client.getParameter("TaskManager", "livenessWindow");
    const pinged = await keeper.pingShard(taskId, 0n);
    expect((await client.shardPing(taskId, 0n)).outstanding).toBe(true);
    expect((await revertOf(client.releaseUnresponsive(taskId, 0n))).errorName).toBe("PingNotExpired");
    await worker(4n).answerPing(taskId, 0n);
    expect(await client.shardPing(taskId, 0n)).toMatchObject({ outstanding: false, respondBy: 0n });
    const cooldown = await revertOf(keeper.pingShard(taskId, 0n));
    expect(cooldown.errorName).toBe("PingCooldown");
    expect(cooldown.args[2]).toBe(pinged.respondBy - window + 4n * window);

    await increaseTime(4n * window);
    const again = await keeper.pingShard(taskId, 0n);
    await increaseTime(again.respondBy - (await publicClient.getBlock()).timestamp + 1n);
    await client.releaseUnresponsive(taskId, 0n);
    const shard = await client.getShard(taskId, 0n);
    expect(shard.status).toBe(ShardStatus.Pending);
    expect(shard.attempts).toBe(1);
    expect(ReleaseReason.Unresponsive).toBe(7);
    await client.cancelTask(taskId);
  });

  it("rejects a wrong-codec CID before sending anything", async () => {
    await expect(client.postTaskWithPermit(params({ specCid: EXAMPLE_DAG_PB_CID }))).rejects.toThrow(
      /spec CID must be raw/,
    );
  });
});
