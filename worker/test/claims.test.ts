/**
 * Censorship resistance on the devnet (anvil, real Redis): with NEURAL_WORKER_CLAIM_PENDING the node claims a
 * shard no keeper assigned once it has been Pending claimDelayBlocks blocks — not before, and never one of a task
 * it is not eligible for — and puts the job on its own stream in the keeper's format. Then a late release of it is
 * a failed attempt (issue 9).
 */
import { hostname } from "node:os";
import {
  cidToBytes32,
  Ineligibility,
  parseMessageOf,
  redisNames,
  ShardStatus,
  STREAM_FIELD,
  Tier,
} from "@neural/sdk";
import { numberToHex, parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Actor, NeuralChain } from "../src/chain/index.js";
import { PendingClaimer } from "../src/daemon/claims.js";
import { createLogger } from "../src/log.js";
import { WorkerQueue } from "../src/queue/redis.js";
import { startNetwork, type TestNetwork } from "./network.js";

let net: TestNetwork;
let chain: NeuralChain;
let actor: Actor;
let queue: WorkerQueue;
let claimer: PendingClaimer;

beforeAll(async () => {
  net = await startNetwork();
  const config = net.config();
  chain = await NeuralChain.connect({ rpcUrl: config.rpcUrl, deploymentsDir: config.deploymentsDir });
  actor = chain.actor(net.worker.privateKey);
  queue = new WorkerQueue(config.redisUrl, Number(net.worker.nodeId), `node-test@${hostname()}`);
  await queue.connect();
  claimer = new PendingClaimer({
    chain,
    actor,
    nodeId: net.worker.nodeId,
    queue,
    log: createLogger("silent"),
  });
});

afterAll(async () => {
  await queue?.close();
  await net?.stop();
});

const mine = (blocks: bigint) =>
  net.publicClient.request({ method: "anvil_mine" as never, params: [numberToHex(blocks)] as never });

async function post(maxPrice: string, shardCount = 2): Promise<bigint> {
  const specCid = (await net.storage.putJson(net.spec())).toString();
  const { taskId } = await net.client.postTaskWithPermit({
    specCid,
    shardCount,
    maxPricePerShard: parseEther(maxPrice),
    minTier: Tier.Bronze,
    resources: { gpus: 0, vramMiB: 0, cpus: 1, memoryMiB: 64 },
    maxDuration: 3600n,
    auditRateBps: 0,
    datasetId: 0n,
    datasetVersion: 0,
  });
  return taskId;
}

describe("claiming pending shards (NEURAL_WORKER_CLAIM_PENDING)", () => {
  let taskId: bigint;
  let cheap: bigint;

  it("claims nothing before claimDelayBlocks, nor what the node is not eligible for", async () => {
    taskId = await post("10");
    // every node asks 1 NRL: a task paying at most 0.5 is not for this node, however long it waits
    cheap = await post("0.5");
    expect(await chain.eligibility(net.worker.nodeId, cheap)).toBe(Ineligibility.AskAboveMaxPrice);
    expect(await claimer.poll()).toEqual({ kind: "none" });
    expect((await chain.getShard(taskId, 0n)).status).toBe(ShardStatus.Pending);
  });

  it("claims an eligible shard once it has been Pending claimDelayBlocks, and queues its job", async () => {
    const delay = await chain.taskManagerParameter("claimDelayBlocks");
    expect(delay).toBeGreaterThan(0n);
    await mine(delay);
    const result = await claimer.poll();
    expect(result).toMatchObject({ kind: "claimed", taskId, shardIndex: 0n, price: parseEther("1") });
    if (result.kind !== "claimed") return;

    const shard = await chain.getShard(taskId, 0n);
    expect(shard.status).toBe(ShardStatus.Assigned);
    expect(shard.nodeId).toBe(net.worker.nodeId);
    expect(shard.epoch).toBe(result.epoch);
    expect(shard.price).toBe(parseEther("1"));
    // the ineligible task's shards are untouched
    expect((await chain.getShard(cheap, 0n)).status).toBe(ShardStatus.Pending);

    // the job is on the node's stream exactly as the keeper would write it
    const stream = `neural:node:{${net.worker.nodeId}}:jobs`;
    expect(redisNames().nodeStream(net.worker.nodeId)).toBe(stream);
    const [[id, fields] = ["", []]] = await net.redisClient.xrange(stream, "-", "+");
    expect(id).toBe(result.entryId);
    expect(fields[0]).toBe(STREAM_FIELD);
    const job = parseMessageOf("job", fields[1] ?? "");
    expect(job).toMatchObject({
      taskId: Number(taskId),
      shardIndex: 0,
      nodeId: Number(net.worker.nodeId),
      attempt: 1,
      epoch: result.epoch,
      deadline: Number(shard.deadline),
      resumeFrom: 0,
    });
    expect(cidToBytes32(job.specCid, "spec")).toBe((await chain.getTask(taskId)).specCid);

    // the worker reads it through its consumer group like any job
    const [entry] = await queue.next(1000);
    expect(entry?.message).toMatchObject({ type: "job", taskId: Number(taskId), epoch: result.epoch });
    if (entry) await queue.ack(entry.id);
  });

  it("a release after releaseGracePeriod is reported late: a failed attempt of the node", async () => {
    const grace = await chain.taskManagerParameter("releaseGracePeriod");
    await net.publicClient.request({
      method: "evm_increaseTime" as never,
      params: [Number(grace) + 1] as never,
    });
    await mine(1n);
    const released = await chain.releaseShard(actor, {
      taskId,
      shardIndex: 0n,
      reason: "InvalidSpec",
    });
    expect(released.late).toBe(true);
    const shard = await chain.getShard(taskId, 0n);
    expect(shard.attempts).toBe(1);
    expect((await chain.getNode(net.worker.nodeId)).failed).toBe(1);
  });
});
