/**
 * The keeper end to end against a real anvil devnet and a real Redis: TaskPosted -> assignShards -> job in the
 * node's stream; a dead node's shard timed out and reassigned; finalization after the window; Redis flushed
 * mid-run; a reorg that removes a TaskPosted; the status API (SSE progress, IPFS uploads, bad requests).
 */
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type JobMessage, parseMessageOf, redisNames, STREAM_FIELD } from "@neural/sdk";
import { exampleCheckpointLeaves, exampleTaskSpec } from "@neural/sdk/testing";
import type { Redis } from "ioredis";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { type Keeper, start } from "../src/index.js";
import { startProxy, type TcpProxy } from "./helpers/proxy.js";
import { startRedis, type TestRedis } from "./helpers/redis.js";
import { heartbeat, postParams, type Stack, startStack, until } from "./helpers/stack.js";

const names = redisNames("e2e");
let stack: Stack;
let redis: TestRedis;
let r: Redis;
let keeper: Keeper;
let api: string;
let proxy: TcpProxy;
/** Seconds the RPC stays unreachable in the outage test: the 30 s (KEEPER_TEST_OUTAGE_S shortens it locally). */
const OUTAGE_S = Number(process.env.KEEPER_TEST_OUTAGE_S ?? "30");

async function jobs(nodeId: number): Promise<Array<{ id: string; job: JobMessage }>> {
  const entries = await r.xrange(names.nodeStream(nodeId), "-", "+");
  return entries.map(([id, fields]) => ({
    id,
    job: parseMessageOf("job", fields[fields.indexOf(STREAM_FIELD) + 1]),
  }));
}

beforeAll(async () => {
  [stack, redis] = await Promise.all([startStack(), startRedis()]);
  r = redis.client();
  proxy = await startProxy(stack.devnet.port);
  // nodes 1 and 2 are alive; node 3 never sends a heartbeat
  await heartbeat(r, names, 1, stack.operators[0]?.account as `0x${string}`);
  await heartbeat(r, names, 2, stack.operators[1]?.account as `0x${string}`);
  const config = loadConfig({
    KEEPER_RPC_URL: proxy.url,
    KEEPER_PRIVATE_KEY: stack.keeperKey,
    KEEPER_DEPLOYMENT: stack.deploymentFile,
    KEEPER_REDIS_URL: redis.url,
    KEEPER_REDIS_PREFIX: names.prefix,
    KEEPER_CONFIRMATIONS: "0",
    KEEPER_POLL_MS: "100",
    KEEPER_LEASE_MS: "3000",
    KEEPER_API_PORT: "0",
    KEEPER_IPFS_DIR: mkdtempSync(join(tmpdir(), "keeper-ipfs-")),
    KEEPER_UPLOAD_MAX_BYTES: "4096",
    KEEPER_UPLOAD_RATE: "5",
    KEEPER_ID: "e2e",
  });
  keeper = start(config, { logger: pino({ level: process.env.KEEPER_TEST_LOG ?? "silent" }) });
  await keeper.ready;
  api = `http://127.0.0.1:${keeper.apiPort()}`;
});

afterAll(async () => {
  await keeper?.stop();
  await proxy?.stop();
  await Promise.all([stack?.stop(), redis?.stop()]);
});

describe("keeper against anvil and Redis", () => {
  let taskId: bigint;

  it("assigns a posted task's shards to live nodes, cheapest first, and XADDs each job after the block", async () => {
    ({ taskId } = await stack.client.postTaskWithPermit(postParams({ shardCount: 3 })));
    const shards = await until("3 shards assigned", async () => {
      const s = await Promise.all([0n, 1n, 2n].map((i) => stack.client.getShard(taskId, i)));
      return s.every((x) => x.status === 1) ? s : undefined;
    });
    // node 3 has no heartbeat: nothing for it; node 1 asks less than node 2 and has room for all three
    expect(shards.map((s) => s.nodeId)).toEqual([1n, 1n, 1n]);
    const got = await until("3 jobs in node 1's stream", async () => {
      const j = await jobs(1);
      return j.length === 3 ? j : undefined;
    });
    expect(got.map((g) => g.job.shardIndex).sort()).toEqual([0, 1, 2]);
    for (const { job } of got) {
      expect(job).toMatchObject({ taskId: Number(taskId), nodeId: 1, epoch: 1, attempt: 1, resumeFrom: 0 });
      expect(BigInt(job.deadline)).toBe(shards[job.shardIndex]?.deadline);
    }
    expect(await r.xlen(names.nodeStream(3))).toBe(0);
  });

  it("times out a dead node's shard at its deadline and reassigns it to a live node", async () => {
    // node 1 dies (its heartbeat expires); node 2 stays
    await r.del(names.heartbeat(1));
    const before = await stack.client.getShard(taskId, 0n);
    await stack.increaseTime(700); // past maxDuration (600 s)
    const after = await until("shard 0 reassigned to node 2", async () => {
      const s = await stack.client.getShard(taskId, 0n);
      return s.status === 1 && s.nodeId === 2n ? s : undefined;
    });
    expect(after.epoch).toBe(before.epoch + 1);
    const j2 = await until("jobs in node 2's stream", async () => {
      const j = await jobs(2);
      return j.length === 3 ? j : undefined;
    });
    expect(j2.every(({ job }) => job.nodeId === 2 && job.epoch === 2 && job.attempt === 2)).toBe(true);
  });

  it("finalizes a submitted shard by itself once its window has ended", async () => {
    const node2 = stack.operators[1];
    if (!node2) throw new Error("no node 2");
    await node2.submitResult({
      taskId,
      shardIndex: 0n,
      manifestCid: `0x${"ab".repeat(32)}`,
      checkpoints: exampleCheckpointLeaves(2).map((c) => ({ step: BigInt(c.step), hash: c.hash })),
    });
    expect((await stack.client.getShard(taskId, 0n)).status).toBe(2);
    await stack.increaseTime(130); // challenge window 120 s on this devnet
    await until("shard 0 finalized", async () =>
      (await stack.client.getShard(taskId, 0n)).status === 4 ? true : undefined,
    );
  });

  it("rebuilds from the chain when Redis is flushed mid-run: the jobs of assigned shards come back", async () => {
    await r.flushall();
    await heartbeat(r, names, 2, stack.operators[1]?.account as `0x${string}`);
    const back = await until("node 2's jobs re-dispatched", async () => {
      const j = await jobs(2);
      return j.length === 2 ? j : undefined;
    });
    // shards 1 and 2 are still Assigned to node 2 (epoch 2); shard 0 is finalized and not sent again
    expect(back.map(({ job }) => [job.shardIndex, job.epoch]).sort()).toEqual([
      [1, 2],
      [2, 2],
    ]);
    expect(await r.get(names.keeperFence)).not.toBeNull();
  });

  it("drops a TaskPosted that a reorg removed (confirmations = 0)", async () => {
    const snapshot = await stack.rpc<string>("evm_snapshot");
    // nobody is Platinum: the task stays pending, visible in the keeper's view
    const { taskId: doomed } = await stack.client.postTaskWithPermit(postParams({ minTier: 4 }));
    await until("keeper sees the doomed task", async () =>
      keeper.service.view.tasks.has(doomed) ? true : undefined,
    );
    const fenceBefore = await r.get(names.keeperFence);
    await stack.rpc("evm_revert", [snapshot]);
    await stack.mine(3); // a different chain at the same heights and beyond
    await until("keeper forgets the doomed task", async () =>
      keeper.service.view.tasks.has(doomed) ? undefined : true,
    );
    // The view was rebuilt from the new chain either because the follower saw the cursor's block replaced (a reorg)
    // or because, on a loaded machine, the lease lapsed and was taken again (a new fencing token, which also
    // rebuilds from the chain). Either way the removed TaskPosted is gone.
    // The view is cleared when the reorg is seen, the counter moves once the poll that saw it returns: wait for it.
    const rebuilt = await until("the rebuild recorded (reorg counted or new fencing token)", async () => {
      const metrics = await (await fetch(`${api}/metrics`)).text();
      const reorgs = Number(/keeper_reorgs_total (\d+)/.exec(metrics)?.[1] ?? "0");
      const fenceAfter = await r.get(names.keeperFence);
      return reorgs >= 1 || fenceAfter !== fenceBefore ? true : undefined;
    });
    expect(rebuilt).toBe(true);
  });

  it("keeps going after the RPC is unreachable for a while: a task posted during the outage is assigned", async () => {
    await proxy.cut();
    const { taskId: during } = await stack.client.postTaskWithPermit(postParams({ shardCount: 1 }));
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_S * 1000));
    // the API still answers while the chain is away
    expect((await (await fetch(`${api}/health`)).json()).ok).toBe(true);
    expect((await stack.client.getShard(during, 0n)).status).toBe(0);
    await proxy.restore();
    await until("the task posted during the outage assigned", async () =>
      (await stack.client.getShard(during, 0n)).status === 1 ? true : undefined,
    );
  });

  it("`keeper status` shows the leader, its fencing token, the cursor and the API's health", async () => {
    const bin = join(dirname(fileURLToPath(import.meta.url)), "..", "bin", "keeper.mjs");
    const { stdout } = await promisify(execFile)(process.execPath, [bin, "status"], {
      env: {
        ...process.env,
        KEEPER_REDIS_URL: redis.url,
        KEEPER_REDIS_PREFIX: names.prefix,
        KEEPER_API_PORT: String(keeper.apiPort()),
      },
    });
    const status = JSON.parse(stdout);
    expect(status).toMatchObject({ leader: "e2e", api: { ok: true, leader: true } });
    expect(BigInt(status.fencingToken)).toBeGreaterThan(0n);
    expect(Number(status.cursor.block)).toBeGreaterThan(0);
  });

  it("serves health and metrics", async () => {
    const health = await (await fetch(`${api}/health`)).json();
    expect(health).toMatchObject({ ok: true, leader: true, keeper: "e2e" });
    const metrics = await (await fetch(`${api}/metrics`)).text();
    expect(metrics).toMatch(/keeper_shards_assigned_total \d+/);
    expect(metrics).toMatch(/keeper_lease_leader 1/);
  });

  it("streams a task's progress over SSE and resumes after Last-Event-ID", async () => {
    const key = names.progressStream(taskId);
    const progress = (step: number) =>
      JSON.stringify({
        version: 1,
        type: "progress",
        sentAt: new Date().toISOString(),
        taskId: Number(taskId),
        shardIndex: 1,
        nodeId: 2,
        step,
        totalSteps: 100,
        loss: 1 / step,
      });
    const id1 = (await r.xadd(key, "*", STREAM_FIELD, progress(1))) as string;
    await r.xadd(key, "*", STREAM_FIELD, progress(2));
    const read = async (headers: Record<string, string>, events: number) => {
      const ctrl = new AbortController();
      const res = await fetch(`${api}/tasks/${taskId}/progress`, { headers, signal: ctrl.signal });
      expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      let text = "";
      while ((text.match(/^id: /gm) ?? []).length < events) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      ctrl.abort();
      return text;
    };
    const all = await read({}, 2);
    expect(all).toContain(`id: ${id1}`);
    expect(all).toMatch(/"step":2/);
    const resumed = await read({ "Last-Event-ID": id1 }, 1);
    expect(resumed).not.toContain(`id: ${id1}`);
    expect(resumed).toMatch(/"step":2/);
  });

  it("answers malformed and hostile requests with a 4xx that says what is wrong", async () => {
    const bad = await fetch(`${api}/tasks/abc/progress`);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/task id must be a positive integer/);
    const badId = await fetch(`${api}/tasks/1/progress`, { headers: { "Last-Event-ID": "../../etc" } });
    expect(badId.status).toBe(400);
    expect((await badId.json()).error).toMatch(/Last-Event-ID must be a Redis stream id/);
    expect((await fetch(`${api}/nope`)).status).toBe(404);
    const notCid = await fetch(`${api}/ipfs/not-a-cid`);
    expect(notCid.status).toBe(400);
  });

  it("stores a task spec and files on IPFS, reads them back, and refuses invalid, oversized and too many uploads", async () => {
    const spec = exampleTaskSpec();
    const ok = await fetch(`${api}/ipfs/spec`, { method: "POST", body: JSON.stringify(spec) });
    expect(ok.status).toBe(201);
    const { cid } = await ok.json();
    const back = await fetch(`${api}/ipfs/${cid}`);
    expect(back.status).toBe(200);
    expect(JSON.parse(await back.text())).toMatchObject({ name: spec.name, seed: spec.seed });
    const invalid = await fetch(`${api}/ipfs/spec`, {
      method: "POST",
      body: JSON.stringify({ ...spec, seed: -1 }),
    });
    expect(invalid.status).toBe(400);
    expect((await invalid.json()).error).toMatch(/seed/);
    const big = await fetch(`${api}/ipfs/upload`, { method: "POST", body: new Uint8Array(5000) });
    expect(big.status).toBe(413);
    // the limit is 5 per minute: 4 used above (spec, invalid spec, big) + this one, then refused
    const file = await fetch(`${api}/ipfs/upload`, { method: "POST", body: new Uint8Array([1, 2, 3]) });
    expect(file.status).toBe(201);
    const limited = [];
    for (let i = 0; i < 3; i++)
      limited.push((await fetch(`${api}/ipfs/upload`, { method: "POST", body: new Uint8Array([i]) })).status);
    expect(limited).toContain(429);
  });
});
