/**
 * Crash safety: the daemon (the real `neural-worker start` process) is killed with SIGKILL at a named point of a
 * shard attempt, then started again. Each time the shard ends up submitted exactly once (one ResultSubmitted, the
 * worker key's nonce moved by one), with the same checkpoint hashes as an uninterrupted run, and the job is
 * acknowledged. Killed mid-training, it resumes from its last checkpoint instead of starting over.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  bytes32ToCid,
  parseMessage,
  redisNames,
  resultManifest,
  ShardStatus,
  taskManagerAbi,
  WORKER_CONSUMER_GROUP,
} from "@neural/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNetwork, type TestNetwork } from "./network.js";

const BIN = fileURLToPath(new URL("../bin/neural-worker.mjs", import.meta.url));
let net: TestNetwork;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  net = await startNetwork();
});

afterAll(async () => {
  for (const c of children) c.kill("SIGKILL");
  await net?.stop();
});

function startWorker(crashAt?: string): {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: string | null }>;
} {
  const env = { ...process.env, ...net.env(), ...(crashAt ? { NEURAL_WORKER_CRASH_AT: crashAt } : {}) };
  const child = spawn(process.execPath, [BIN, "start"], { env, stdio: ["ignore", "ignore", "pipe"] });
  children.add(child);
  child.stderr?.pipe(createWriteStream(join(net.dir, `worker-${crashAt ?? "clean"}-${child.pid}.log`)));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  return { child, exited };
}

async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 200));
}

async function submissions(taskId: number) {
  return net.publicClient.getContractEvents({
    address: net.devnet.deployment.contracts.TaskManager.address,
    abi: taskManagerAbi,
    eventName: "ResultSubmitted",
    args: { taskId: BigInt(taskId) },
    fromBlock: 0n,
  });
}

async function pendingIds(): Promise<string[]> {
  const rows = (await net.redisClient.xpending(
    redisNames().nodeStream(net.worker.nodeId),
    WORKER_CONSUMER_GROUP,
    "-",
    "+",
    100,
  )) as Array<[string]>;
  return rows.map((r) => r[0]);
}

describe("kill -9 and restart", () => {
  it("at every point of an attempt: resumes, loses nothing, submits each result exactly once", async () => {
    const nonceBefore = await net.publicClient.getTransactionCount({ address: net.worker.address });
    // four tasks; each worker process is killed at one point of one of them, the next one picks up from there
    const phases = ["checkpoint-0", "stored", "signed", "broadcast"] as const;
    const jobs = [];
    for (const _ of phases) jobs.push(await net.assign(net.spec()));
    for (const [i, phase] of phases.entries()) {
      const job = jobs[i]?.job;
      const worker = startWorker(`${job?.taskId}:${phase}`);
      expect(await worker.exited, phase).toMatchObject({ signal: "SIGKILL" });
      // nothing acknowledged before its receipt: the killed attempt's entry is still pending
      expect(await pendingIds(), phase).toContain(jobs[i]?.entryId);
    }
    const last = startWorker();
    await until(async () => (await pendingIds()).length === 0);

    const manifests = [];
    for (const { job } of jobs) {
      const shard = await net.client.getShard(BigInt(job.taskId), 0n);
      expect(shard.status).toBe(ShardStatus.Submitted);
      const events = await submissions(job.taskId);
      expect(events, `task ${job.taskId}`).toHaveLength(1);
      // fetched from the worker's IPFS node while it runs
      const cid = bytes32ToCid(events[0]?.args.manifestCid ?? "0x", "manifest");
      manifests.push(resultManifest.parse(await net.storage.getRaw(cid, { timeoutMs: 30_000 })));
    }
    // one transaction per result, no second submission anywhere (releases would show here too)
    expect(await net.publicClient.getTransactionCount({ address: net.worker.address })).toBe(nonceBefore + 4);
    // every attempt, interrupted or not, committed the same checkpoints (same spec and seed)
    expect(new Set(manifests.map((m) => m.checkpoints.map((c) => c.hash).join(","))).size).toBe(1);
    // killed mid-training, the next process went on from checkpoint 0 (step 2), not from scratch
    const progress = await net.redisClient.xrange(
      redisNames().progressStream(jobs[0]?.job.taskId ?? 0),
      "-",
      "+",
    );
    const steps = progress.map(([, f]) => (parseMessage(f[1]) as { step: number }).step);
    expect(steps.filter((s) => s === 1)).toHaveLength(1);
    expect(steps.slice(-4)).toEqual([3, 4, 5, 6]);

    last.child.kill("SIGTERM");
    expect(await last.exited).toMatchObject({ code: 0 });
  });
});
