/**
 * The SDK's contract helpers against the real contracts on a real anvil: post with permit, assign,
 * submit, finalize, publish, and reverts decoded into the contracts' custom errors.
 */
import {
  type Account,
  type Chain,
  createPublicClient,
  createWalletClient,
  http,
  type PublicClient,
  parseEther,
  stringToHex,
  type Transport,
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
import { ANVIL_PRIVATE_KEYS, type Anvil, startAnvil } from "../testing/anvil.js";
import { deployCore } from "../testing/deploy.js";
import {
  EXAMPLE_DAG_PB_CID,
  exampleCheckpointLeaves,
  exampleManifest,
  exampleTaskSpec,
} from "../testing/fixtures.js";
import { neuralTokenAbi, nodeRegistryAbi } from "./abis.js";
import { NeuralClient, type PostTaskParams } from "./client.js";
import type { Deployment } from "./deployments.js";
import { ShardStatus, Tier } from "./enums.js";

type Wallet = WalletClient<Transport, Chain, Account>;

let anvil: Anvil;
let publicClient: PublicClient;
let deployment: Deployment;
const wallets: Wallet[] = [];
let client: NeuralClient; // task client (account 1)
let keeper: NeuralClient; // governor + keeper (account 0)
let worker: NeuralClient; // node worker key (account 3)

type PostInput = Omit<PostTaskParams, "specCid"> & { specCid: string };
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

beforeAll(async () => {
  anvil = await startAnvil();
  publicClient = createPublicClient({ chain: foundry, transport: http(anvil.rpcUrl) }) as PublicClient;
  for (const key of ANVIL_PRIVATE_KEYS) {
    wallets.push(
      createWalletClient({
        account: privateKeyToAccount(key),
        chain: foundry,
        transport: http(anvil.rpcUrl),
      }),
    );
  }
  const [w0, w1, w2, w3, w4] = wallets as [Wallet, Wallet, Wallet, Wallet, Wallet];
  deployment = await deployCore({
    publicClient,
    wallet: w0,
    keeper: w0.account.address,
    treasury: w4.account.address,
  });
  const token = deployment.contracts.NeuralToken.address;
  const registry = deployment.contracts.NodeRegistry.address;
  for (const to of [w1.account.address, w2.account.address]) {
    const hash = await w0.writeContract({
      address: token,
      abi: neuralTokenAbi,
      functionName: "transfer",
      args: [to, parseEther("10000")],
    });
    await publicClient.waitForTransactionReceipt({ hash });
  }
  // the operator (account 2) registers a node whose worker key is account 3
  const approve = await w2.writeContract({
    address: token,
    abi: neuralTokenAbi,
    functionName: "approve",
    args: [registry, parseEther("1000")],
  });
  await publicClient.waitForTransactionReceipt({ hash: approve });
  const register = await w2.writeContract({
    address: registry,
    abi: nodeRegistryAbi,
    functionName: "register",
    args: [
      w3.account.address,
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
  });
  await publicClient.waitForTransactionReceipt({ hash: register });
  client = new NeuralClient({ publicClient, walletClient: w1, deployment });
  keeper = new NeuralClient({ publicClient, walletClient: w0, deployment });
  worker = new NeuralClient({ publicClient, walletClient: w3, deployment });
});

afterAll(async () => {
  await anvil?.stop();
});

async function revertOf(promise: Promise<unknown>): Promise<ContractRevertError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ContractRevertError);
  return error as ContractRevertError;
}

describe("contract helpers on anvil", () => {
  const spec = exampleTaskSpec();
  let specCid: string;
  let taskId: bigint;
  const tree = CheckpointTree.build(exampleCheckpointLeaves(10));
  const manifest = exampleManifest();

  it("posts a task with a permit (no prior approve) and stores the spec CID", async () => {
    specCid = (await taskSpec.cid(spec)).toString();
    const posted = await client.postTaskWithPermit(params({ specCid }));
    taskId = posted.taskId;
    expect(taskId).toBe(1n);
    expect(posted.escrow).toBe(parseEther("20"));
    const task = await client.getTask(taskId);
    expect(task.specCid).toBe(cidToBytes32(specCid));
    expect(task.client).toBe(wallets[1]?.account.address);
  });

  it("assigns shards in a batch and lets the worker submit a result", async () => {
    await keeper.assignShards([{ taskId, shardIndex: 0, nodeId: 1n }]);
    expect((await client.getShard(taskId, 0n)).status).toBe(ShardStatus.Assigned);
    const manifestCid = await resultManifest.cid(manifest);
    await worker.submitResult({
      taskId,
      shardIndex: 0n,
      manifestCid,
      checkpointRoot: tree.root,
      checkpointCount: tree.count,
    });
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
      worker.submitResult({
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
  });

  it("finalizes after the challenge window", async () => {
    const window = await client.getParameter("TaskManager", "challengeWindow");
    await publicClient.request({
      method: "evm_increaseTime" as never,
      params: [Number(window) + 1] as never,
    });
    await publicClient.request({ method: "evm_mine" as never, params: [] as never });
    const { finalized } = await keeper.finalizeShards([
      { taskId, shardIndex: 0 },
      { taskId, shardIndex: 1 },
    ]);
    expect(finalized).toBe(1);
    expect((await client.getShard(taskId, 0n)).status).toBe(ShardStatus.Finalized);
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
      sourceShard: 0n,
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
        sourceShard: 0n,
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
