/**
 * The daemon through real anvil, Redis, helia and dockerd: a clean shard end to end, then every task's-fault
 * failure (non-zero exit, OOM, timeout, malformed spec, a dataset that does not exist, an image archive that is
 * not the pinned image) released with its reason and logs, and a job the chain does not back.
 */
import { createWriteStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  bytes32ToCid,
  cidToBytes32,
  DEFAULT_HEARTBEAT_TTL_SECONDS,
  manifestCheckpointTree,
  neuralTokenAbi,
  parentModelOf,
  parseMessage,
  parseMessageOf,
  ReleaseReason,
  redisNames,
  resultManifest,
  ShardStatus,
  STREAM_FIELD,
  type TaskSpec,
  taskManagerAbi,
  WORKER_CONSUMER_GROUP,
} from "@neural/sdk";
import { EXAMPLE_DAG_PB_CID } from "@neural/sdk/testing";
import { parseEther, parseEventLogs } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Daemon, start } from "../src/daemon/index.js";
import { addContent, registerContent } from "../src/datasets/publish.js";
import { loadKeystoreFile } from "../src/keystore.js";
import { createLogger } from "../src/log.js";
import { DockerRuntime } from "../src/runtimes/docker.js";
import type { ShardOutcome } from "../src/shard/run.js";
import { TEST_DOCKER_HOST } from "./docker-host.js";
import { startNetwork, type TestNetwork } from "./network.js";
import { loadTrainerImage } from "./trainer-image.js";

let net: TestNetwork;
/** The clean shard of the first test: submitted, never finalized (its artifacts must stay pinned). */
let cleanTaskId = 0n;
let daemon: Daemon;
const outcomes = new Map<string, ShardOutcome | { kind: "error"; message: string }>();
const phases: string[] = [];
const waiters = new Map<string, (o: ShardOutcome | { kind: "error"; message: string }) => void>();

function outcomeOf(entryId: string): Promise<ShardOutcome | { kind: "error"; message: string }> {
  const known = outcomes.get(entryId);
  if (known) return Promise.resolve(known);
  return new Promise((resolve) => waiters.set(entryId, resolve));
}

beforeAll(async () => {
  net = await startNetwork();
  // two slots: every test but the parallel one runs a shard at a time, as a one-slot node would
  const config = net.config({ NEURAL_MAX_SHARDS: "2" });
  const log = createLogger("info", createWriteStream(join(net.dir, "daemon.log")));
  daemon = await start(config, {
    onShardPhase: (taskId, _shard, phase) => phases.push(`${taskId}:${phase}`),
    privateKey: await loadKeystoreFile(config.keystore, "worker password"),
    log,
    fetchTimeoutMs: 5_000,
    retrySeconds: 1,
    retentionPollSeconds: 1,
    onOutcome: (id, outcome) => {
      outcomes.set(id, outcome);
      waiters.get(id)?.(outcome);
    },
  });
  await daemon.ready;
});

afterAll(async () => {
  await daemon?.stop();
  await net?.stop();
});

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function releasedEvent(taskId: number) {
  const logs = await net.publicClient.getContractEvents({
    address: net.devnet.deployment.contracts.TaskManager.address,
    abi: taskManagerAbi,
    eventName: "ShardReleased",
    args: { taskId: BigInt(taskId) },
    fromBlock: 0n,
  });
  expect(logs).toHaveLength(1);
  return logs[0]?.args as { reason: number; logsCid: `0x${string}` };
}

async function logsOf(cid: `0x${string}`): Promise<string> {
  return new TextDecoder().decode(await net.storage.getRaw(bytes32ToCid(cid, "logs"), { timeoutMs: 10_000 }));
}

describe("worker daemon", () => {
  it("trains a clean shard end to end: heartbeat, progress, IPFS artifacts, result on-chain, ack after receipt", async () => {
    const { job, entryId } = await net.assign(net.spec());
    const outcome = await outcomeOf(entryId);
    expect(outcome.kind, JSON.stringify(outcome)).toBe("submitted");
    cleanTaskId = BigInt(job.taskId);

    const shard = await net.client.getShard(BigInt(job.taskId), 0n);
    expect(shard.status).toBe(ShardStatus.Submitted);
    expect(shard.nodeId).toBe(net.worker.nodeId);
    const manifestCid = bytes32ToCid(shard.manifestCid, "manifest");
    // the client fetches the manifest and a checkpoint from the worker's IPFS node over the network
    const manifest = resultManifest.parse(await net.storage.getRaw(manifestCid, { timeoutMs: 10_000 }));
    expect(manifest).toMatchObject({
      taskId: job.taskId,
      shardIndex: 0,
      epoch: job.epoch,
      image: net.busybox.image,
    });
    expect(manifest.checkpoints.map((c) => c.step)).toEqual([2, 4, 6]);
    expect(shard.checkpointRoot).toBe(manifestCheckpointTree(manifest).root);
    expect(shard.checkpointCount).toBe(3);
    const weights = new TextDecoder().decode(
      await net.storage.getBytes(manifest.finalWeights.cid, { timeoutMs: 10_000 }),
    );
    expect(weights).toMatch(/^state \d+ step 6 seed 7/);
    expect(manifest.metrics.map((m) => m.step)).toEqual([2, 4, 6]);
    expect(await logsOf(cidToBytes32(manifest.logsCid, "logs"))).toContain('"done"');

    // progress: one message per step on the task's stream
    const progress = await net.redisClient.xrange(redisNames().progressStream(job.taskId), "-", "+");
    const steps = progress
      .map(([, fields]) => parseMessage(fields[1]) as { step: number })
      .map((m) => m.step);
    expect(steps).toEqual([1, 2, 3, 4, 5, 6]);
    // heartbeat: the key the keeper reads (SET with EX, at most the shared TTL), naming this node, not draining
    const beatKey = `neural:node:{${net.worker.nodeId}}:heartbeat`;
    expect(redisNames().heartbeat(net.worker.nodeId)).toBe(beatKey);
    const beat = parseMessageOf("heartbeat", (await net.redisClient.get(beatKey)) ?? "");
    expect(beat).toMatchObject({ nodeId: Number(net.worker.nodeId), worker: net.worker.address });
    // what it registered, its slots (two in this test) and its software
    expect(beat).toMatchObject({
      slots: { max: 2 },
      software: expect.stringMatching(/^neural-worker\/\d+\.\d+\.\d+$/),
    });
    expect(beat.capabilities).toEqual(
      expect.objectContaining({ cpuCores: expect.any(Number), memoryMiB: expect.any(Number) }),
    );
    expect(beat.status).not.toBe("draining");
    const ttl = await net.redisClient.ttl(beatKey);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(DEFAULT_HEARTBEAT_TTL_SECONDS);
    // entries carry the message in the keeper's field
    const [[, fields] = ["", []]] = await net.redisClient.xrange(
      `neural:node:{${net.worker.nodeId}}:jobs`,
      entryId,
      entryId,
    );
    expect(fields[0]).toBe(STREAM_FIELD);
    // acknowledged
    const pending = (await net.redisClient.xpending(
      redisNames().nodeStream(net.worker.nodeId),
      WORKER_CONSUMER_GROUP,
    )) as [number];
    expect(pending[0]).toBe(0);
    // the manifest and checkpoints are pinned on the worker
    expect(await daemon.storage.isPinned(manifest.checkpoints[0]?.cid ?? "")).toBe(true);
    // metrics
    const text = await (await fetch(`http://127.0.0.1:${daemon.metricsPort}/metrics`)).text();
    expect(text).toMatch(/neural_worker_shards_total\{outcome="submitted"\} 1/);
  });

  it("trains the reference PyTorch digits classifier: held-out accuracy >= 0.9 in the manifest", async () => {
    const trainer = await loadTrainerImage(new DockerRuntime(TEST_DOCKER_HOST));
    // The reference dataset goes through the library like any other: added to IPFS, registered, named by id.
    const content = await addContent(net.storage, trainer.digits);
    const { datasetId, version } = await registerContent(net.client, content, {
      name: "sklearn-digits-8x8",
      license: "BSD-3-Clause",
      format: "csv.gz: pixels[64],label",
      usageFeePerShard: 0n,
    });
    const digits = content.cid.toString();
    const { job, entryId } = await net.assign(
      net.spec({
        name: "digits-mlp",
        image: trainer.image,
        imageArchive: undefined,
        dataset: digits,
        datasetRef: { id: Number(datasetId), version: Number(version) },
        hyperparameters: { lr: 0.1, batchSize: 32, hidden: 32 },
        seed: 3,
        totalSteps: 300,
        checkpointInterval: 100,
        resources: { gpus: 0, vramMiB: 0, cpus: 1, memoryMiB: 1024, timeoutSeconds: 600 },
      }),
      {},
      { datasetId, datasetVersion: Number(version) },
    );
    expect(await outcomeOf(entryId)).toMatchObject({ kind: "submitted" });
    const shard = await net.client.getShard(BigInt(job.taskId), 0n);
    const manifest = resultManifest.parse(
      await net.storage.getRaw(bytes32ToCid(shard.manifestCid, "manifest"), { timeoutMs: 10_000 }),
    );
    expect(manifest.checkpoints.map((c) => c.step)).toEqual([100, 200, 300]);
    const final = manifest.metrics.at(-1) as { step: number; accuracy?: number };
    expect(final.step).toBe(300);
    expect(final.accuracy).toBeGreaterThanOrEqual(0.9);
  });

  it("releases a shard whose training exits non-zero, with its logs", async () => {
    const { job, entryId } = await net.assign(
      net.spec({ command: ["sh", "-c", "echo 'loading failed' >&2; exit 3"] }),
    );
    expect(await outcomeOf(entryId)).toMatchObject({ kind: "released", reason: "Other" });
    const event = await releasedEvent(job.taskId);
    expect(event.reason).toBe(ReleaseReason.Other);
    const logs = await logsOf(event.logsCid);
    expect(logs).toContain("loading failed");
    expect(logs).toContain("exited with status 3");
    expect((await net.client.getShard(BigInt(job.taskId), 0n)).status).toBe(ShardStatus.Pending);
  });

  it("releases a shard that runs out of memory within its spec's limit", async () => {
    const { job, entryId } = await net.assign(
      net.spec({ command: ["sh", "-c", "x=$(head -c 400000000 /dev/zero | tr '\\0' a); echo done"] }),
    );
    expect(await outcomeOf(entryId)).toMatchObject({ kind: "released", reason: "Other" });
    expect(await logsOf((await releasedEvent(job.taskId)).logsCid)).toContain("out of memory");
  });

  it("releases a shard that runs past its spec's timeout", async () => {
    const { job, entryId } = await net.assign(
      net.spec({
        command: ["sleep", "600"],
        resources: { gpus: 0, vramMiB: 0, cpus: 1, memoryMiB: 64, timeoutSeconds: 1 },
      }),
    );
    expect(await outcomeOf(entryId)).toMatchObject({ kind: "released", reason: "Other" });
    expect(await logsOf((await releasedEvent(job.taskId)).logsCid)).toContain("timeoutSeconds");
  });

  it("releases a malformed spec as InvalidSpec", async () => {
    const bad = new TextEncoder().encode(JSON.stringify({ ...net.spec(), totalSteps: -1 }));
    const { job, entryId } = await net.assign({ rawSpec: bad });
    expect(await outcomeOf(entryId)).toMatchObject({ kind: "released", reason: "InvalidSpec" });
    const event = await releasedEvent(job.taskId);
    expect(event.reason).toBe(ReleaseReason.InvalidSpec);
    expect(await logsOf(event.logsCid)).toContain("totalSteps");
  });

  it("releases a dataset CID nobody has as DataUnavailable", async () => {
    const { job, entryId } = await net.assign(net.spec({ dataset: EXAMPLE_DAG_PB_CID }));
    expect(await outcomeOf(entryId)).toMatchObject({ kind: "released", reason: "DataUnavailable" });
    expect((await releasedEvent(job.taskId)).reason).toBe(ReleaseReason.DataUnavailable);
  });

  it("fine-tunes from a library model's weights named in the spec, checked against the ModelRegistry", async () => {
    // a model version whose weights file (the fake trainer's state line) is on the client's IPFS node
    const weightsCid = (
      await net.storage.addBytes(new TextEncoder().encode("state 4242 step 6 seed 7\n"))
    ).toString();
    const { modelId } = await net.client.publishModel({
      name: "base",
      license: "MIT",
      weightsCid,
      metadataCid: (await net.storage.putJson({ kind: "model", name: "base" })).toString(),
      parentModelId: 0n,
      sourceTaskId: 0n,
      sourceShard: 0n,
      manifestCid: `0x${"0".repeat(64)}`, // unverified: no source shard
    });
    const spec = net.spec({
      initialWeights: { cid: weightsCid, model: { id: Number(modelId), version: 1 } },
    });
    const { job, entryId } = await net.assign(spec);
    expect((await outcomeOf(entryId)).kind).toBe("submitted");
    const shard = await net.client.getShard(BigInt(job.taskId), 0n);
    const manifest = resultManifest.parse(
      await net.storage.getRaw(bytes32ToCid(shard.manifestCid, "manifest"), { timeoutMs: 10_000 }),
    );
    // checkpoint 0 (step 2) continues the fake trainer's state from the initial weights' 4242
    let state = 4242;
    for (const step of [1, 2]) state = (state * 31 + 7 + step) % 1000003;
    const first = new TextDecoder().decode(
      await net.storage.getBytes(manifest.checkpoints[0]?.cid ?? "", { timeoutMs: 10_000 }),
    );
    expect(first).toBe(`state ${state} step 2 seed 7\n`);
    expect(parentModelOf(spec as TaskSpec)).toBe(modelId);

    // weights that are not the named version's: the task's fault, InvalidSpec, before any training
    const other = (
      await net.storage.addBytes(new TextEncoder().encode("state 1 step 6 seed 7\n"))
    ).toString();
    const bad = await net.assign(
      net.spec({ initialWeights: { cid: other, model: { id: Number(modelId), version: 1 } } }),
    );
    const outcome = await outcomeOf(bad.entryId);
    expect(outcome).toMatchObject({ kind: "released", reason: "InvalidSpec" });
    expect((outcome as { message: string }).message).toContain(`registered with weights ${weightsCid}`);
  });

  it("refuses an image archive that is not the pinned image (ImageUnavailable)", async () => {
    const other = net.busybox.image.replace(/@sha256:[0-9a-f]{64}$/, `@sha256:${"1".repeat(64)}`);
    const { job, entryId } = await net.assign(net.spec({ image: other }));
    const outcome = await outcomeOf(entryId);
    expect(outcome).toMatchObject({ kind: "released", reason: "ImageUnavailable" });
    expect((outcome as { message: string }).message).toContain(`holds image ${net.busybox.imageId}`);
    expect((await releasedEvent(job.taskId)).reason).toBe(ReleaseReason.ImageUnavailable);
  });

  it("trains on a registered dataset by id: fetches that version over IPFS and pays its owner on finalization", async () => {
    // A 3 MiB dataset (two files) added to the client's IPFS node and registered with a usage fee, through the
    // functions `neural-worker dataset publish` uses; the worker fetches it over the network, CID-checked.
    const folder = join(net.dir, "dataset-3mib");
    await mkdir(folder, { recursive: true });
    const block = (seed: number, size: number) => {
      const out = new Uint8Array(size);
      for (let i = 0; i < size; i++) out[i] = (i * 31 + seed * 7 + (i >> 11)) & 0xff;
      return out;
    };
    await writeFile(join(folder, "train.bin"), block(1, 2 * 1024 * 1024));
    await writeFile(join(folder, "labels.bin"), block(2, 1024 * 1024));
    const content = await addContent(net.storage, folder);
    expect(content.bytes).toBe(3 * 1024 * 1024);
    const fee = parseEther("2");
    const { datasetId, version } = await registerContent(net.keeper, content, {
      name: "bytes-3mib",
      license: "CC0-1.0",
      format: "two binary files",
      usageFeePerShard: fee,
    });
    const owner = net.keeper.account;
    const cid = content.cid.toString();
    expect((await net.keeper.getDatasetVersion(datasetId, version)).contentCidString).toBe(cid);

    const spec = net.spec({ dataset: cid, datasetRef: { id: Number(datasetId), version: Number(version) } });
    const ref = { datasetId, datasetVersion: Number(version) };
    const { job, entryId } = await net.assign(spec, {}, ref);
    const outcome = await outcomeOf(entryId);
    expect(outcome.kind, JSON.stringify(outcome)).toBe("submitted");
    const task = await net.client.getTask(BigInt(job.taskId));
    expect([task.datasetId, task.datasetVersion, task.datasetFeePerShard]).toEqual([datasetId, 1, fee]);

    // After the challenge window anyone finalizes: the owner gets the fee less the protocol's cut.
    const window = await net.client.getParameter("TaskManager", "challengeWindow");
    await net.publicClient.request({
      method: "evm_increaseTime" as never,
      params: [Number(window) + 1] as never,
    });
    await net.publicClient.request({ method: "evm_mine" as never, params: [] as never });
    const balance = () =>
      net.publicClient.readContract({
        address: net.client.addresses.token,
        abi: neuralTokenAbi,
        functionName: "balanceOf",
        args: [owner],
      });
    const before = await balance();
    const { receipt } = await net.client.finalizeShards([{ taskId: BigInt(job.taskId), shardIndex: 0 }]);
    const [paid] = parseEventLogs({ abi: taskManagerAbi, logs: receipt.logs, eventName: "DatasetUsagePaid" });
    const cut = (fee * BigInt(task.datasetCutBps)) / 10_000n;
    expect(paid?.args).toMatchObject({ datasetId, owner, shards: 1, amount: fee - cut, protocolCut: cut });
    expect((await balance()) - before).toBe(fee - cut);

    // The shard is over on-chain: the node releases its artifacts (unpinned, then garbage-collected), once.
    const manifestCid = bytes32ToCid(
      (await net.client.getShard(BigInt(job.taskId), 0n)).manifestCid,
      "manifest",
    );
    await until("the finalized shard's artifacts unpinned", async () =>
      (await daemon.storage.isPinned(manifestCid)) ? undefined : true,
    );
    // a still-challengeable shard keeps its artifacts: the first test's shard was never finalized
    const firstShard = await net.client.getShard(cleanTaskId, 0n);
    expect(firstShard.status).toBe(ShardStatus.Submitted);
    expect(await daemon.storage.isPinned(bytes32ToCid(firstShard.manifestCid, "manifest"))).toBe(true);
  });

  it("releases a task whose spec names other content than its registered dataset version as InvalidSpec", async () => {
    const content = await addContent(net.storage, join(net.dir, "dataset-3mib"));
    const { datasetId } = await registerContent(net.keeper, content, {
      name: "mismatch",
      license: "CC0-1.0",
      format: "two binary files",
      usageFeePerShard: 0n,
    });
    // The spec points at the network's tiny dataset, the task at the registered 3 MiB one.
    const { job, entryId } = await net.assign(net.spec(), {}, { datasetId, datasetVersion: 1 });
    const outcome = await outcomeOf(entryId);
    expect(outcome).toMatchObject({ kind: "released", reason: "InvalidSpec" });
    expect((outcome as { message: string }).message).toMatch(/registered with content/);
    expect((await releasedEvent(job.taskId)).reason).toBe(ReleaseReason.InvalidSpec);
  });

  it("trains two shards at once with NEURAL_MAX_SHARDS=2: both run, both submissions land (one nonce each)", async () => {
    // each step sleeps, so the two trainings overlap for sure
    const slow = net.spec({ env: { SLEEP_PER_STEP: "0.3" } });
    const a = await net.assign(slow);
    const b = await net.assign({ ...slow, name: "second" });
    const beatKey = redisNames().heartbeat(net.worker.nodeId);
    const busy = await until("a heartbeat with both shards running", async () => {
      const beat = parseMessageOf("heartbeat", (await net.redisClient.get(beatKey)) ?? "");
      return beat.running.length === 2 ? beat : undefined;
    });
    expect(busy.status).toBe("busy");
    expect(busy.running.map((r) => r.taskId).sort()).toEqual([a.job.taskId, b.job.taskId].sort());
    const [oa, ob] = await Promise.all([outcomeOf(a.entryId), outcomeOf(b.entryId)]);
    expect([oa.kind, ob.kind]).toEqual(["submitted", "submitted"]);
    // both were training before either was stored
    const at = (p: string) => phases.indexOf(p);
    const bothTraining = Math.max(at(`${a.job.taskId}:training`), at(`${b.job.taskId}:training`));
    expect(bothTraining).toBeLessThan(Math.min(at(`${a.job.taskId}:stored`), at(`${b.job.taskId}:stored`)));
    for (const { job } of [a, b]) {
      expect((await net.client.getShard(BigInt(job.taskId), 0n)).status).toBe(ShardStatus.Submitted);
    }
  });

  it("drops a job the chain does not back (wrong epoch) without touching the shard", async () => {
    const { job, entryId } = await net.assign(net.spec(), { epoch: 9 });
    expect(await outcomeOf(entryId)).toMatchObject({ kind: "skipped" });
    expect((await net.client.getShard(BigInt(job.taskId), 0n)).status).toBe(ShardStatus.Assigned);
  });
});
