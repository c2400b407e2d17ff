/**
 * The keeper as `npm run devnet -- --keeper` runs it: the devnet's own service entries (scripts/devnet/
 * services.mjs: chain, redis, keeper; the build and indexer steps left out to keep the suite short) started by the
 * devnet's stack runner. "Done when" of issue 12: a posted task's shard is assigned within two blocks, its
 * progress streams over SSE, and it finalizes by itself after the window.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Deployment,
  NeuralClient,
  parseMessageOf,
  redisNames,
  STREAM_FIELD,
  taskManagerAbi,
} from "@neural/sdk";
import { EXAMPLE_RAW_CID, exampleCheckpointLeaves, freePort } from "@neural/sdk/testing";
import { Redis } from "ioredis";
import { createPublicClient, createWalletClient, type Hex, http, type PublicClient, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error plain JavaScript modules of the devnet
import { services } from "../../scripts/devnet/services.mjs";
// @ts-expect-error plain JavaScript modules of the devnet
import { startStack } from "../../scripts/devnet/stack.mjs";
import { capabilities, heartbeat, until } from "./helpers/stack.js";

interface Running {
  chain: { devnet: { rpcUrl: string; accounts: Array<{ privateKey: Hex }>; deployment: Deployment } };
  redis: { url: string };
  keeper: { url: string };
}

let stack: { running: Running; stop(): Promise<void> };
let redis: Redis;
let publicClient: PublicClient;
const names = redisNames();

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "keeper-devnet-"));
  // Three distinct ports (the OS may hand the same free port out twice in a row).
  const ports = new Set<number>();
  while (ports.size < 3) ports.add(await freePort());
  const [port, keeperPort, redisPort] = [...ports] as [number, number, number];
  stack = await startStack(
    services.filter((s: { name: string }) => ["chain", "redis", "keeper"].includes(s.name)),
    {
      options: { host: "127.0.0.1", port, keeper: true, keeperPort, redisPort, indexer: false, seed: false },
      instance: { dir, logFile: join(dir, "devnet.log"), name: "keeper-test", shared: false },
    },
  );
  redis = new Redis(stack.running.redis.url);
  publicClient = createPublicClient({
    chain: foundry,
    transport: http(stack.running.chain.devnet.rpcUrl),
  }) as PublicClient;
});

afterAll(async () => {
  redis?.disconnect();
  await stack?.stop();
});

describe("the keeper in the devnet", () => {
  it("assigns a posted task within two blocks, streams its progress and finalizes it after the window", async () => {
    const { devnet } = stack.running.chain;
    const clientOf = (i: number) =>
      new NeuralClient({
        publicClient,
        walletClient: createWalletClient({
          account: privateKeyToAccount(devnet.accounts[i]?.privateKey as Hex),
          chain: foundry,
          transport: http(devnet.rpcUrl),
        }),
        deployment: devnet.deployment,
      });
    const operator = clientOf(1);
    const { nodeId } = await operator.registerNode({
      worker: operator.account,
      capabilities: capabilities(),
      askPrice: parseEther("1"),
      metadataCid: `0x${"00".repeat(32)}`,
      stake: parseEther("1000"),
    });
    await heartbeat(redis, names, Number(nodeId), operator.account);
    const posted = await clientOf(2).postTaskWithPermit({
      specCid: EXAMPLE_RAW_CID,
      shardCount: 1,
      maxPricePerShard: parseEther("5"),
      minTier: 1,
      resources: { gpus: 1, vramMiB: 16_384, cpus: 2, memoryMiB: 4096 },
      maxDuration: 600n,
      auditRateBps: 0,
      datasetId: 0n,
      datasetVersion: 0,
    });
    const entry = await until("the job in the node's stream", async () => {
      const e = await redis.xrange(names.nodeStream(nodeId), "-", "+");
      return e[0];
    });
    const job = parseMessageOf("job", entry[1][entry[1].indexOf(STREAM_FIELD) + 1]);
    expect(job).toMatchObject({
      taskId: Number(posted.taskId),
      shardIndex: 0,
      nodeId: Number(nodeId),
      epoch: 1,
    });
    const [assigned] = await publicClient.getContractEvents({
      address: devnet.deployment.contracts.TaskManager.address,
      abi: taskManagerAbi,
      eventName: "ShardAssigned",
      fromBlock: posted.receipt.blockNumber,
    });
    expect(assigned?.blockNumber).toBeDefined();
    expect((assigned?.blockNumber as bigint) - posted.receipt.blockNumber).toBeLessThanOrEqual(2n);

    // progress over SSE, as the dApp reads it
    await redis.xadd(
      names.progressStream(posted.taskId),
      "*",
      STREAM_FIELD,
      JSON.stringify({
        version: 1,
        type: "progress",
        taskId: 1,
        shardIndex: 0,
        nodeId: 1,
        step: 10,
        totalSteps: 100,
      }),
    );
    const ctrl = new AbortController();
    const res = await fetch(`${stack.running.keeper.url}/tasks/${posted.taskId}/progress`, {
      signal: ctrl.signal,
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = "";
    while (!text.includes('"step":10')) text += new TextDecoder().decode((await reader.read()).value);
    ctrl.abort();

    // the node submits; after the window (1 day + the reveal hour on the devnet) the keeper finalizes
    await operator.submitResult({
      taskId: posted.taskId,
      shardIndex: 0n,
      manifestCid: `0x${"cd".repeat(32)}`,
      checkpoints: exampleCheckpointLeaves(1).map((c) => ({ step: BigInt(c.step), hash: c.hash })),
    });
    await publicClient.request({ method: "evm_increaseTime" as never, params: [90_000] as never });
    await publicClient.request({ method: "evm_mine" as never, params: [] as never });
    await until("the shard finalized", async () =>
      (await operator.getShard(posted.taskId, 0n)).status === 4 ? true : undefined,
    );
  });
});
