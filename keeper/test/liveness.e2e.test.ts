/**
 * Issue 12, end to end against a real anvil devnet and a real Redis: a node that dies mid-shard (its heartbeat
 * expires) is pinged on-chain, does not answer, and its shard is released (releaseUnresponsive) and reassigned to
 * a live node, whose stream gets the job; a node whose heartbeat lapses but that answers the ping keeps its shard.
 * Time moves with evm_increaseTime only.
 */
import {
  type JobMessage,
  nodeRegistryAbi,
  parseMessageOf,
  ReleaseReason,
  redisNames,
  STREAM_FIELD,
  taskManagerAbi,
} from "@neural/sdk";
import type { Redis } from "ioredis";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { type Keeper, start } from "../src/index.js";
import { startRedis, type TestRedis } from "./helpers/redis.js";
import { heartbeat, postParams, type Stack, startStack, until } from "./helpers/stack.js";

const names = redisNames("live");
let stack: Stack;
let redis: TestRedis;
let r: Redis;
let keeper: Keeper;
let api: string;
let window: bigint;

async function jobs(nodeId: number): Promise<JobMessage[]> {
  const entries = await r.xrange(names.nodeStream(nodeId), "-", "+");
  return entries.map(([, fields]) => parseMessageOf("job", fields[fields.indexOf(STREAM_FIELD) + 1]));
}

async function failures(nodeId: bigint): Promise<number> {
  const n = await stack.publicClient.readContract({
    address: stack.devnet.deployment.contracts.NodeRegistry.address,
    abi: nodeRegistryAbi,
    functionName: "getNode",
    args: [nodeId],
  });
  return n.failed;
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${api}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return Number(line?.split(" ")[1] ?? "0");
}

/** Waits until the keeper has finished a whole tick that started after everything done so far. */
async function keeperCaughtUp(): Promise<void> {
  await stack.mine();
  const head = await stack.publicClient.getBlockNumber({ cacheTime: 0 });
  await until("keeper cursor at the head", async () =>
    (keeper.service.view.cursor?.block ?? 0n) >= head ? true : undefined,
  );
  // the tick that reached `head` may still be running: one more block, one more tick
  await stack.mine();
  await until("keeper cursor past the head", async () =>
    (keeper.service.view.cursor?.block ?? 0n) > head ? true : undefined,
  );
}

beforeAll(async () => {
  [stack, redis] = await Promise.all([startStack(), startRedis()]);
  r = redis.client();
  // nodes 1 and 2 are alive; node 3 never sends a heartbeat
  await heartbeat(r, names, 1, stack.operators[0]?.account as `0x${string}`);
  await heartbeat(r, names, 2, stack.operators[1]?.account as `0x${string}`);
  window = await stack.client.getParameter("TaskManager", "livenessWindow");
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
    KEEPER_ID: "liveness",
  });
  keeper = start(config, { logger: pino({ level: process.env.KEEPER_TEST_LOG ?? "silent" }) });
  await keeper.ready;
  api = `http://127.0.0.1:${keeper.apiPort()}`;
});

afterAll(async () => {
  await keeper?.stop();
  await Promise.all([stack?.stop(), redis?.stop()]);
});

describe("liveness pings (issue 12)", () => {
  let taskId: bigint;

  it("releases a node that dies mid-shard and reassigns its shard to a live node's stream", async () => {
    ({ taskId } = await stack.client.postTaskWithPermit(postParams({ shardCount: 1, maxDuration: 3600n })));
    await until("shard assigned to node 1", async () => {
      const s = await stack.client.getShard(taskId, 0n);
      return s.status === 1 && s.nodeId === 1n ? true : undefined;
    });
    await until("node 1's job", async () => ((await jobs(1)).length === 1 ? true : undefined));

    // node 1 dies: its heartbeat expires; the keeper pings it on-chain
    await r.del(names.heartbeat(1));
    const ping = await until("shard 0 pinged", async () => {
      const p = await stack.client.shardPing(taskId, 0n);
      return p.outstanding ? p : undefined;
    });
    expect(ping.epoch).toBe(1);

    // nobody answers; once respondBy has passed the keeper releases the shard
    await stack.increaseTime(window + 1n);
    const moved = await until("shard 0 reassigned to node 2", async () => {
      const s = await stack.client.getShard(taskId, 0n);
      return s.status === 1 && s.nodeId === 2n ? s : undefined;
    });
    expect(moved.epoch).toBe(2);
    expect(moved.attempts).toBe(1);
    const [released] = await stack.publicClient.getContractEvents({
      address: stack.devnet.deployment.contracts.TaskManager.address,
      abi: taskManagerAbi,
      eventName: "ShardReleased",
      args: { taskId, shardIndex: 0n },
      fromBlock: 0n,
      strict: true,
    });
    expect(released?.args).toMatchObject({ nodeId: 1n, reason: ReleaseReason.Unresponsive, late: true });
    expect(await failures(1n)).toBe(1);

    const job = await until("the job in node 2's stream", async () => (await jobs(2)).at(0));
    expect(job).toMatchObject({ taskId: Number(taskId), shardIndex: 0, nodeId: 2, epoch: 2, attempt: 2 });
    expect(await metric("keeper_pings_total")).toBeGreaterThanOrEqual(1);
    expect(await metric("keeper_unresponsive_releases_total")).toBe(1);
  });

  it("keeps the shard of a node that heart-beats late but answers the ping", async () => {
    const node2 = stack.operators[1];
    if (!node2) throw new Error("no node 2");
    await r.del(names.heartbeat(2));
    await until("shard 0 pinged again (epoch 2)", async () => {
      const p = await stack.client.shardPing(taskId, 0n);
      return p.outstanding && p.epoch === 2 ? true : undefined;
    });
    // the node is alive after all: its worker answers, then its heartbeat comes back late
    await node2.answerPing(taskId, 0n);
    await heartbeat(r, names, 2, node2.account);
    await stack.increaseTime(window + 1n);
    await keeperCaughtUp();

    const s = await stack.client.getShard(taskId, 0n);
    expect(s).toMatchObject({ status: 1, nodeId: 2n, epoch: 2 });
    expect((await stack.client.shardPing(taskId, 0n)).outstanding).toBe(false);
    expect(await failures(2n)).toBe(0);
    expect(await metric("keeper_unresponsive_releases_total")).toBe(1);
    expect(await metric("keeper_pings_answered_total")).toBe(1);
    expect(await jobs(2)).toHaveLength(1);
  });
});
