/**
 * Liveness pings on the devnet (anvil, issue 12): the node answers a keeper's ping of a shard it holds (the shard
 * stays its own, once only), and leaves a ping of a shard it does not hold unanswered, so anyone can release it.
 */
import { parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Actor, NeuralChain } from "../src/chain/index.js";
import { PingAnswerer } from "../src/daemon/pings.js";
import { createLogger } from "../src/log.js";
import { startNetwork, type TestNetwork } from "./network.js";

let net: TestNetwork;
let chain: NeuralChain;
let actor: Actor;
const held = new Set<string>();

beforeAll(async () => {
  net = await startNetwork();
  const config = net.config();
  chain = await NeuralChain.connect({ rpcUrl: config.rpcUrl, deploymentsDir: config.deploymentsDir });
  actor = chain.actor(net.worker.privateKey);
});

afterAll(async () => {
  await net?.stop();
});

async function running(): Promise<bigint> {
  const specCid = (await net.storage.putJson(net.spec())).toString();
  const { taskId } = await net.client.postTaskWithPermit({
    specCid,
    shardCount: 1,
    maxPricePerShard: parseEther("10"),
    minTier: 1,
    resources: { gpus: 0, vramMiB: 0, cpus: 1, memoryMiB: 64 },
    maxDuration: 3600n,
    auditRateBps: 0,
  });
  await net.keeper.assignShards([{ taskId, shardIndex: 0, nodeId: net.worker.nodeId }]);
  return taskId;
}

describe("answering liveness pings", () => {
  const answerer = () =>
    new PingAnswerer({
      chain,
      actor,
      nodeId: net.worker.nodeId,
      log: createLogger("silent"),
      holds: (taskId, shardIndex, epoch) => held.has(`${taskId}:${shardIndex}:${epoch}`),
    });

  it("answers a ping of a shard it holds, once", async () => {
    const taskId = await running();
    held.add(`${taskId}:0:1`);
    const a = answerer();
    await net.keeper.pingShard(taskId, 0n);
    const answered = await a.poll();
    expect(answered.map((x) => [x.taskId, x.shardIndex, x.epoch])).toEqual([[taskId, 0n, 1]]);
    expect((await net.client.shardPing(taskId, 0n)).outstanding).toBe(false);
    expect(await a.poll()).toEqual([]); // idempotent
    expect((await net.client.getShard(taskId, 0n)).nodeId).toBe(net.worker.nodeId);
  });

  it("leaves a ping of a shard it does not hold unanswered", async () => {
    const taskId = await running();
    await net.keeper.pingShard(taskId, 0n);
    expect(await answerer().poll()).toEqual([]);
    expect((await net.client.shardPing(taskId, 0n)).outstanding).toBe(true);
  });
});
