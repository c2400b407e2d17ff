/**
 * High availability with real processes: two keepers share one Redis and one chain; the leader is killed with
 * SIGKILL right after it sent an assignShards transaction (before it could XADD the jobs). The other keeper
 * takes over once the lease lapses: every shard ends up assigned exactly once (epoch 1) and every assignment's
 * job is in its node's stream exactly once — nothing lost, nothing assigned or dispatched twice.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseMessageOf, redisNames, STREAM_FIELD } from "@neural/sdk";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedis, type TestRedis } from "./helpers/redis.js";
import { heartbeat, postParams, type Stack, startStack, until } from "./helpers/stack.js";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const tsx = join(dirname(require.resolve("tsx/package.json")), "dist", "loader.mjs");
const names = redisNames("ha");
const SHARDS = 24;

let stack: Stack;
let redis: TestRedis;
let r: Redis;
const children = new Map<string, ChildProcess>();
const logs = new Map<string, string>();

function startKeeper(id: string): ChildProcess {
  const child = spawn(
    process.execPath,
    ["--conditions=@neural/source", "--import", tsx, join(here, "..", "src", "cli.ts"), "start"],
    {
      env: {
        ...process.env,
        KEEPER_RPC_URL: stack.devnet.rpcUrl,
        KEEPER_PRIVATE_KEY: stack.keeperKey,
        KEEPER_DEPLOYMENT: stack.deploymentFile,
        KEEPER_REDIS_URL: redis.url,
        KEEPER_REDIS_PREFIX: names.prefix,
        KEEPER_CONFIRMATIONS: "0",
        KEEPER_POLL_MS: "100",
        KEEPER_LEASE_MS: "1500",
        KEEPER_MAX_ASSIGNMENTS: "4",
        KEEPER_API_PORT: "0",
        KEEPER_ID: id,
        KEEPER_LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  logs.set(id, "");
  const append = (d: Buffer) => logs.set(id, (logs.get(id) ?? "") + d.toString());
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  children.set(id, child);
  return child;
}

beforeAll(async () => {
  [stack, redis] = await Promise.all([
    startStack({
      nodes: [
        { ask: "1", capabilities: { cpuCores: 64 } },
        { ask: "1", capabilities: { cpuCores: 64 } },
      ],
    }),
    startRedis(),
  ]);
  r = redis.client();
  for (const [i, op] of stack.operators.entries()) await heartbeat(r, names, i + 1, op.account);
});

afterAll(async () => {
  for (const c of children.values()) if (c.exitCode === null) c.kill("SIGKILL");
  await Promise.all([stack?.stop(), redis?.stop()]);
});

describe("leader failover", () => {
  it("loses nothing and assigns nothing twice when the leader is killed mid-batch", async () => {
    const { taskId } = await stack.client.postTaskWithPermit(
      postParams({ shardCount: SHARDS, resources: { gpus: 0, vramMiB: 0, cpus: 1, memoryMiB: 1024 } }),
    );
    // one block per second from now on, so a batch waits for its block
    await stack.rpc("evm_setAutomine", [false]);
    await stack.rpc("evm_setIntervalMining", [1]);
    startKeeper("a");
    startKeeper("b");
    const leader = await until("a leader", async () => (await r.get(names.keeperLease)) ?? undefined);
    // kill the leader as soon as its first assignShards sits in the mempool: sent, not mined, jobs not sent
    await until(
      "the leader's assignShards in the mempool",
      async () => {
        const pool = await stack.rpc<{ pending: Record<string, unknown> }>("txpool_content");
        return Object.keys(pool.pending).length > 0 ? true : undefined;
      },
      60_000,
    );
    children.get(leader)?.kill("SIGKILL");
    const other = leader === "a" ? "b" : "a";
    await until("the other keeper leads", async () =>
      (await r.get(names.keeperLease)) === other ? true : undefined,
    );
    const shards = await until(
      "every shard assigned",
      async () => {
        const s = await Promise.all(
          Array.from({ length: SHARDS }, (_, i) => stack.client.getShard(taskId, BigInt(i))),
        );
        return s.every((x) => x.status === 1) ? s : undefined;
      },
      90_000,
    );
    expect(shards.every((s) => s.epoch === 1)).toBe(true);
    // every assignment's job exactly once, in the stream of the node it went to
    await until("every job dispatched", async () => {
      const n = (await r.xlen(names.nodeStream(1))) + (await r.xlen(names.nodeStream(2)));
      return n >= SHARDS ? true : undefined;
    });
    const seen = new Map<number, number>();
    for (const nodeId of [1, 2]) {
      for (const [, fields] of await r.xrange(names.nodeStream(nodeId), "-", "+")) {
        const job = parseMessageOf("job", fields[fields.indexOf(STREAM_FIELD) + 1]);
        expect(job.nodeId).toBe(nodeId);
        expect(BigInt(job.nodeId)).toBe(shards[job.shardIndex]?.nodeId);
        seen.set(job.shardIndex, (seen.get(job.shardIndex) ?? 0) + 1);
      }
    }
    expect([...seen.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: SHARDS }, (_, i) => i));
    expect([...seen.values()].every((c) => c === 1)).toBe(true);
    expect(logs.get(other)).toMatch(/acquired the lease/);
    // the dead leader's batch was mined after its death: the new leader sent its jobs from the chain's state
    expect(logs.get(other)).toMatch(/dispatched messages the chain holds and Redis lacked/);
  });
});
