/**
 * The keeper against issue 9's market on a real anvil devnet and a real Redis: a shard no keeper assigns is
 * claimed by a node after claimDelayBlocks blocks, and the keeper puts its job on that node's stream; a
 * cancelled task's Pending shards (TaskCancelled, no per-shard event) leave the keeper's view while its running
 * shard stays.
 */
import { type JobMessage, parseMessageOf, redisNames, STREAM_FIELD } from "@neural/sdk";
import type { Redis } from "ioredis";
import pino from "pino";
import { parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { type Keeper, start } from "../src/index.js";
import { Shard, shardKey } from "../src/ingest/view.js";
import { startRedis, type TestRedis } from "./helpers/redis.js";
import { heartbeat, postParams, type Stack, startStack, until } from "./helpers/stack.js";

const names = redisNames("market");
let stack: Stack;
let redis: TestRedis;
let r: Redis;
let keeper: Keeper;
let api: string;

async function jobs(nodeId: number): Promise<JobMessage[]> {
  const entries = await r.xrange(names.nodeStream(nodeId), "-", "+");
  return entries.map(([, fields]) => parseMessageOf("job", fields[fields.indexOf(STREAM_FIELD) + 1]));
}

beforeAll(async () => {
  // node 1: one GPU, alive; node 2: four GPUs, no heartbeat (the keeper never schedules on it)
  [stack, redis] = await Promise.all([
    startStack({ nodes: [{ ask: "1", capabilities: { gpuCount: 1 } }, { ask: "2" }] }),
    startRedis(),
  ]);
  r = redis.client();
  await heartbeat(r, names, 1, stack.operators[0]?.account as `0x${string}`);
  const config = loadConfig({
    KEEPER_RPC_URL: stack.devnet.rpcUrl,
    KEEPER_PRIVATE_KEY: stack.keeperKey,
    KEEPER_DEPLOYMENT: stack.deploymentFile,
    KEEPER_REDIS_URL: redis.url,
    KEEPER_REDIS_PREFIX: names.prefix,
    KEEPER_CONFIRMATIONS: "0",
    KEEPER_POLL_MS: "100",
    KEEPER_LEASE_MS: "3000",
    KEEPER_API_PORT: "0",
    KEEPER_ID: "market",
  });
  keeper = start(config, { logger: pino({ level: process.env.KEEPER_TEST_LOG ?? "silent" }) });
  await keeper.ready;
  api = `http://127.0.0.1:${keeper.apiPort()}`;
});

afterAll(async () => {
  await keeper?.stop();
  await Promise.all([stack?.stop(), redis?.stop()]);
});

describe("keeper and the fair market", () => {
  it("puts the job of a shard a node claimed (claimShard after claimDelayBlocks) on that node's stream", async () => {
    // two GPUs per shard: only node 2 is eligible, and it sends no heartbeat, so the keeper leaves it Pending
    const { taskId } = await stack.client.postTaskWithPermit(
      postParams({ shardCount: 1, resources: { gpus: 2, vramMiB: 16_384, cpus: 2, memoryMiB: 4096 } }),
    );
    await until("keeper sees the pending shard", async () =>
      keeper.service.view.shards.get(shardKey(taskId, 0))?.status === Shard.Pending ? true : undefined,
    );
    const node2 = stack.operators[1];
    if (!node2) throw new Error("no node 2");
    await expect(node2.claimShard({ taskId, shardIndex: 0n, nodeId: 2n })).rejects.toThrow(/ClaimTooEarly/);
    const delay = await stack.client.getParameter("TaskManager", "claimDelayBlocks");
    await stack.mine(Number(delay));
    expect((await stack.client.getShard(taskId, 0n)).status).toBe(Shard.Pending); // the keeper did not take it
    const claim = await node2.claimShard({ taskId, shardIndex: 0n, nodeId: 2n });
    expect(claim.price).toBe(parseEther("2")); // node 2's ask, locked at the claim
    const got = await until("the claimed shard's job in node 2's stream", async () => {
      const j = await jobs(2);
      return j.length > 0 ? j : undefined;
    });
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({
      taskId: Number(taskId),
      shardIndex: 0,
      nodeId: 2,
      epoch: claim.epoch,
      attempt: 1,
      deadline: Number(claim.deadline),
    });
    expect(await r.xlen(names.nodeStream(1))).toBe(0);
    const seen = keeper.service.view.shards.get(shardKey(taskId, 0));
    expect(seen).toMatchObject({ status: Shard.Assigned, nodeId: 2n, price: parseEther("2") });
    const metrics = await (await fetch(`${api}/metrics`)).text();
    expect(metrics).toMatch(/keeper_shards_claimed_total 1/);
  });

  it("drops a cancelled task's Pending shards from its view (TaskCancelled) and keeps the running one", async () => {
    // node 1 has one GPU: the keeper assigns one shard to it, the other two stay Pending
    const { taskId } = await stack.client.postTaskWithPermit(postParams({ shardCount: 3 }));
    const view = keeper.service.view;
    const running = await until("one shard assigned to node 1, two pending in the view", async () => {
      const s = [0, 1, 2].map((i) => view.shards.get(shardKey(taskId, i)));
      const assigned = s.filter((x) => x?.status === Shard.Assigned);
      const pending = s.filter((x) => x?.status === Shard.Pending);
      return assigned.length === 1 && pending.length === 2 ? assigned[0] : undefined;
    });
    expect(running?.nodeId).toBe(1n);
    const cancel = await stack.client.cancelTask(taskId);
    expect(cancel.pendingShards).toBe(2);
    await until("the pending shards gone from the keeper's view", async () =>
      [0, 1, 2].filter((i) => view.shards.has(shardKey(taskId, i))).length === 1 ? true : undefined,
    );
    // the running shard stays (it runs on, to be finalized or timed out), and so does its task
    const left = view.shards.get(shardKey(taskId, running?.shardIndex ?? -1));
    expect(left).toMatchObject({ status: Shard.Assigned, nodeId: 1n });
    expect(view.tasks.has(taskId)).toBe(true);
    for (const i of [0, 1, 2].filter((k) => k !== running?.shardIndex)) {
      expect((await stack.client.getShard(taskId, BigInt(i))).status).toBe(Shard.Cancelled);
    }
    // nothing is scheduled for a cancelled task
    await stack.mine(2);
    expect(await r.xlen(names.nodeStream(1))).toBe(1);
    const metrics = await (await fetch(`${api}/metrics`)).text();
    expect(metrics).toMatch(/keeper_tasks_cancelled_total 1/);
  });
});
