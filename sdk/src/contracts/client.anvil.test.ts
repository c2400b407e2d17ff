/**
 * The SDK's contract helpers against the real protocol on the project's devnet (anvil + Deploy.s.sol):
 * post with permit, assign, submit, finalize, challenge with a Merkle proof, commit/reveal, resolve,
 * publish, and reverts decoded into the contracts' custom errors.
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
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cidToBytes32 } from "../cid/cid.js";
import { ContractRevertError } from "../errors/errors.js";
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
import { disputeManagerAbi, neuralTokenAbi, nodeRegistryAbi } from "./abis.js";
import { NeuralClient, type PostTaskParams, voteCommitment } from "./client.js";
import { DisputeOutcome, ShardStatus, Tier, Vote } from "./enums.js";

type Wallet = WalletClient<Transport, Chain, Account>;
type PostInput = Omit<PostTaskParams, "specCid"> & { specCid: string };

let devnet: Devnet;
let publicClient: PublicClient;
let wallets: Wallet[];
let client: NeuralClient; // task client and challenger (account 1)
let keeper: NeuralClient; // deployer = governor = keeper (account 0)
const workers = new Map<bigint, NeuralClient>(); // node id -> its worker key's client

const params = (over: Partial<PostInput> = {}): PostInput => ({
  specCid: "",
  shardCount: 2,
  rewardPerShard: parseEther("10"),
  minTier: Tier.Bronze,
  resources: { gpus: 1, vramMiB: 16_384, cpus: 4, memoryMiB: 32_768 },
  maxDuration: 3600n,
  auditRateBps: 0,
  ...over,
});

async function mined(hash: Hex): Promise<void> {
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`setup transaction ${hash} reverted`);
}

async function increaseTime(seconds: bigint | number): Promise<void> {
  await publicClient.request({ method: "evm_increaseTime" as never, params: [Number(seconds)] as never });
  await publicClient.request({ method: "evm_mine" as never, params: [] as never });
}

beforeAll(async () => {
  devnet = await startDevnet({ fundAccounts: 5 });
  const transport = http(devnet.rpcUrl);
  publicClient = createPublicClient({ chain: foundry, transport }) as PublicClient;
  wallets = devnet.accounts.map((a) =>
    createWalletClient({ account: privateKeyToAccount(a.privateKey), chain: foundry, transport }),
  );
  const { deployment } = devnet;
  const token = deployment.contracts.NeuralToken.address;
  const registry = deployment.contracts.NodeRegistry.address;
  // four nodes: operators are accounts 2..5 (funded), their worker keys accounts 6..9
  for (let i = 0; i < 4; i++) {
    const operator = wallets[2 + i] as Wallet;
    const worker = wallets[6 + i] as Wallet;
    await mined(
      await operator.writeContract({
        address: token,
        abi: neuralTokenAbi,
        functionName: "approve",
        args: [registry, parseEther("1000")],
      }),
    );
    await mined(
      await operator.writeContract({
        address: registry,
        abi: nodeRegistryAbi,
        functionName: "register",
        args: [
          worker.account.address,
          {
            gpuModel: stringToHex("NVIDIA H100 80GB", { size: 32 }),
            gpuCount: 8,
            vramMiB: 81_920,
            cpuCores: 64,
            memoryMiB: 512_000,
            region: stringToHex("eu-west", { size: 16 }),
          },
          parseEther("1"),
          `0x${"00".repeat(32)}`,
          parseEther("1000"),
        ],
      }),
    );
    workers.set(BigInt(i + 1), new NeuralClient({ publicClient, walletClient: worker, deployment }));
  }
  client = new NeuralClient({ publicClient, walletClient: wallets[1] as Wallet, deployment });
  keeper = new NeuralClient({ publicClient, walletClient: wallets[0] as Wallet, deployment });
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
  const tree = CheckpointTree.build(exampleCheckpointLeaves(10));
  const manifest = exampleManifest();

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
    }
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
  });

  it("assigns shards in a batch and lets the worker submit a result", async () => {
    await keeper.assignShards([
      { taskId, shardIndex: 0, nodeId: 1n },
      { taskId, shardIndex: 1, nodeId: 2n },
    ]);
    expect((await client.getShard(taskId, 0n)).status).toBe(ShardStatus.Assigned);
    const manifestCid = await resultManifest.cid(manifest);
    for (const [shard, node] of [
      [0n, 1n],
      [1n, 2n],
    ] as const) {
      await worker(node).submitResult({
        taskId,
        shardIndex: shard,
        manifestCid,
        checkpointRoot: tree.root,
        checkpointCount: tree.count,
      });
    }
    const shard = await client.getShard(taskId, 0n);
    expect(shard.status).toBe(ShardStatus.Submitted);
    expect(shard.checkpointRoot).toBe(tree.root);
    expect(shard.manifestCid).toBe(cidToBytes32(manifestCid));
  });

  it("decodes reverts into the custom error name, arguments and a readable message", async () => {
    const early = await revertOf(keeper.finalizeShards([{ taskId, shardIndex: 0 }]));
    expect(early.errorName).toBe("NothingFinalized");
    expect(early.message).toBe("TaskManager.finalizeShards reverted: NothingFinalized()");
    expect(early.retryable).toBe(false);

    const again = await revertOf(
      worker(1n).submitResult({
        taskId,
        shardIndex: 0n,
        manifestCid: specCid,
        checkpointRoot: tree.root,
        checkpointCount: 10,
      }),
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

    const { leaf, proof } = tree.proof(3);
    const badProof = await revertOf(
      client.challenge({
        taskId,
        shardIndex: 1,
        checkpointIndex: 3,
        step: BigInt(leaf.step) + 1n,
        leafHash: leaf.hash,
        challengerHash: `0x${"00".repeat(32)}`,
        proof,
      }),
    );
    expect(badProof.errorName).toBe("InvalidMerkleProof");
  });

  it("runs a dispute: challenge with a proof, commit and reveal votes, resolve", async () => {
    const { leaf, proof } = tree.proof(3);
    const { disputeId } = await client.challenge({
      taskId,
      shardIndex: 0,
      checkpointIndex: 3,
      step: BigInt(leaf.step),
      leafHash: leaf.hash,
      challengerHash: keccak256(toHex("what the challenger computed")),
      proof,
    });
    expect(disputeId).toBe(1n);
    expect((await client.getShard(taskId, 0n)).status).toBe(ShardStatus.Challenged);
    const dispute = await client.getDispute(disputeId);
    expect(dispute.committee).toHaveLength(3);
    expect(dispute.committee).not.toContain(1n);

    const salts = new Map<bigint, Hex>();
    for (const member of dispute.committee) {
      const salt = keccak256(toHex(`salt-${member}`));
      salts.set(member, salt);
      await worker(member).commitVote({ disputeId, nodeId: member, vote: Vote.SubmitterWrong, salt });
      const [commitment] = await publicClient.readContract({
        address: devnet.deployment.contracts.DisputeManager.address,
        abi: disputeManagerAbi,
        functionName: "voteOf",
        args: [disputeId, member],
      });
      expect(commitment).toBe(voteCommitment(disputeId, member, Vote.SubmitterWrong, salt));
    }
    const early = await revertOf(
      worker(dispute.committee[0] as bigint).revealVote({
        disputeId,
        nodeId: dispute.committee[0] as bigint,
        vote: Vote.SubmitterWrong,
        salt: salts.get(dispute.committee[0] as bigint) as Hex,
      }),
    );
    expect(early.errorName).toBe("NotInRevealPhase");

    await increaseTime(dispute.commitDeadline - dispute.openedAt + 1n);
    for (const member of dispute.committee) {
      await worker(member).revealVote({
        disputeId,
        nodeId: member,
        vote: Vote.SubmitterWrong,
        salt: salts.get(member) as Hex,
      });
    }
    await increaseTime(dispute.revealDeadline - dispute.commitDeadline + 1n);
    await keeper.resolveDispute(disputeId);
    const resolved = await client.getDispute(disputeId);
    expect(resolved.outcome).toBe(DisputeOutcome.SubmitterWrong);
    const shard = await client.getShard(taskId, 0n);
    expect(shard.status).toBe(ShardStatus.Pending);
    expect(shard.resumeFrom).toBe(3);
  });

  it("finalizes after the challenge window", async () => {
    const window = await client.getParameter("TaskManager", "challengeWindow");
    await increaseTime(window + 1n);
    const { finalized } = await keeper.finalizeShards([
      { taskId, shardIndex: 0 },
      { taskId, shardIndex: 1 },
    ]);
    expect(finalized).toBe(1);
    expect((await client.getShard(taskId, 1n)).status).toBe(ShardStatus.Finalized);
  });

  it("publishes a model with verified provenance", async () => {
    const manifestCid = await resultManifest.cid(manifest);
    const { modelId } = await client.publishModel({
      name: "mnist-mlp",
      license: "Apache-2.0",
      weightsCid: EXAMPLE_DAG_PB_CID,
      metadataCid: specCid,
      parentModelId: 0n,
      sourceTaskId: taskId,
      sourceShard: 1n,
      manifestCid,
    });
    expect(modelId).toBe(1n);
    const mismatch = await revertOf(
      client.publishModel({
        name: "fake",
        license: "MIT",
        weightsCid: EXAMPLE_DAG_PB_CID,
        metadataCid: specCid,
        parentModelId: 0n,
        sourceTaskId: taskId,
        sourceShard: 1n,
        manifestCid: specCid,
      }),
    );
    expect(mismatch.errorName).toBe("ProvenanceMismatch");
  });

  it("rejects a wrong-codec CID before sending anything", async () => {
    await expect(client.postTaskWithPermit(params({ specCid: EXAMPLE_DAG_PB_CID }))).rejects.toThrow(
      /spec CID must be raw/,
    );
  });
});
