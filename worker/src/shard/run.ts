/**
 * One shard attempt, from job message to on-chain result: check the assignment on-chain, fetch and validate the
 * spec, dataset and image (CID-checked), run the container, stream progress to Redis, add checkpoints, weights,
 * logs and the manifest to IPFS, submit the result (signed once, journaled). Task faults release the shard with a
 * reason and the logs' CID; faults of this node throw, so the job stays pending and is retried.
 *
 * A release is free only within the TaskManager's releaseGracePeriod (default 10 minutes) of the assignment; later
 * it counts as a failed attempt and a reputation failure of this node. So everything that can be checked before
 * training is checked first, cheapest first — the spec (fetched and validated), the spec against the task's
 * on-chain requirements, the image, the dataset — and a task fault found there is released at once.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { chmod, chown, copyFile, mkdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import {
  buildContainerEnv,
  bytes32ToCid,
  type CheckpointEntry,
  checkpointStep,
  cidToBytes32,
  expectedCheckpointCount,
  INIT_WEIGHTS_FILE,
  type JobMessage,
  manifestCheckpointTree,
  NeuralError,
  parseContainerLine,
  type ResultManifest,
  resolveInitialWeights,
  resolveTaskDataset,
  resultManifest,
  ShardStatus,
  type TaskSpec,
  taskSpec,
  ValidationError,
} from "@neural/sdk";
import type { StorageNode } from "@neural/sdk/node";
import type { Hex } from "viem";
import { NonceTakenError } from "../chain/errors.js";
import type { Actor, NeuralChain } from "../chain/index.js";
import { TaskFault } from "../errors.js";
import { ensureImage, pinnedImageId } from "../images/load.js";
import type { Logger } from "../log.js";
import type { WorkerQueue } from "../queue/redis.js";
import { type ContainerRuntime, MAX_LOG_BYTES, type RunResult } from "../runtimes/types.js";
import { attemptName, type JournalStore, type ShardJournal } from "./journal.js";

/** Processes a container may run (the spec has no field for it). */
export const CONTAINER_PIDS_LIMIT = 512;

export interface ShardDeps {
  chain: NeuralChain;
  actor: Actor;
  nodeId: bigint;
  storage: StorageNode;
  runtime: ContainerRuntime;
  queue: WorkerQueue;
  journals: JournalStore;
  workDir: string;
  log: Logger;
  signal: AbortSignal;
  fetchTimeoutMs: number;
  /** Test hook: called at named points so a test can kill the process there. */
  onPhase?: (phase: string, taskId: number) => void | Promise<void>;
  /** Called with each progress line the trainer prints (the terminal display). */
  onProgress?: (p: {
    taskId: number;
    shardIndex: number;
    step: number;
    totalSteps: number;
    loss?: number;
  }) => void;
}

export type ShardOutcome =
  | { kind: "submitted"; tx: Hex; manifestCid: string }
  | { kind: "released"; reason: string; message: string; logsCid?: string; late: boolean }
  | { kind: "skipped"; why: string };

const sha256File = async (path: string): Promise<Hex> => {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return `0x${hash.digest("hex")}`;
};

/**
 * Makes `dir` writable by the container's user, whatever the runtime maps it to: docker runs it as host uid 65534
 * (so a root worker hands the folder over), the local bubblewrap sandbox maps it to the worker's own uid without
 * its capabilities (so the folder must also be writable by others; it lies inside the worker's private home).
 */
export async function writableByContainer(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  if (process.getuid?.() === 0) await chown(dir, 65534, 65534);
  await chmod(dir, 0o777);
}

export async function runShard(deps: ShardDeps, job: JobMessage): Promise<ShardOutcome> {
  const { chain, log } = deps;
  const taskId = BigInt(job.taskId);
  const shardIndex = BigInt(job.shardIndex);
  const name = attemptName(job.taskId, job.shardIndex, job.epoch);
  const phase = async (p: string) => {
    await deps.onPhase?.(p, job.taskId);
  };

  // 1. The job must match the chain: our node, this epoch, still Assigned (or already submitted by us).
  if (BigInt(job.nodeId) !== deps.nodeId) return { kind: "skipped", why: `job is for node ${job.nodeId}` };
  const shard = await chain.getShard(taskId, shardIndex);
  const journal: ShardJournal = (await deps.journals.read(name)) ?? {
    taskId: job.taskId,
    shardIndex: job.shardIndex,
    epoch: job.epoch,
    startedAt: new Date().toISOString(),
    checkpoints: [],
  };
  const ours = shard.nodeId === deps.nodeId && shard.epoch === job.epoch;
  if (ours && shard.status !== ShardStatus.Assigned) {
    if (shard.status === ShardStatus.Pending || shard.status === ShardStatus.Failed) {
      return { kind: "skipped", why: `shard is ${shard.statusName} on-chain` };
    }
    // Submitted (or further) in this epoch: our submission landed before a crash. Never submit again.
    const tx = journal.done?.tx ?? journal.submission?.versions.at(-1)?.hash;
    if (journal.done?.kind !== "submitted") {
      journal.done = { kind: "submitted", ...(tx ? { tx } : {}) };
      await deps.journals.write(name, journal);
    }
    return {
      kind: "submitted",
      tx: tx ?? ("0x" as Hex),
      manifestCid: bytes32ToCid(shard.manifestCid, "manifest").toString(),
    };
  }
  if (!ours || shard.status !== ShardStatus.Assigned) {
    return {
      kind: "skipped",
      why: `shard is ${shard.statusName}, node ${shard.nodeId}, epoch ${shard.epoch} on-chain`,
    };
  }
  const task = await chain.getTask(taskId);
  if (task.specCid !== cidToBytes32(job.specCid, "spec")) {
    return { kind: "skipped", why: "the job's spec CID is not the task's on-chain spec" };
  }

  const dir = join(deps.workDir, name);
  const dirs = {
    data: join(dir, "data"),
    checkpoints: join(dir, "checkpoints"),
    output: join(dir, "output"),
  };
  let logs = "";
  try {
    // 2. Artifacts already stored (crash after the IPFS adds): go straight to the submission.
    if (!journal.stored) {
      const spec = await fetchSpec(deps, job.specCid);
      checkSpecAgainstTask(spec, task);
      const { imageId, initialWeightsFile } = await prepareImageAndData(deps, spec, task, dir);
      await writableByContainer(dirs.checkpoints);
      await writableByContainer(dirs.output);
      if (initialWeightsFile) await copyFile(initialWeightsFile, join(dirs.checkpoints, INIT_WEIGHTS_FILE));
      const inherited = await resumePoint(deps, job, journal, dirs.checkpoints);
      const last = journal.checkpoints.at(-1);
      const total = expectedCheckpointCount(spec);
      let result: RunResult | undefined;
      if (journal.checkpoints.length < total) {
        log.info({ task: job.taskId, shard: job.shardIndex, from: last?.index ?? -1 }, "training");
        await phase("training");
        result = await train(deps, job, journal, name, spec, imageId, dirs, last);
        logs = result.logs;
        if (result.aborted)
          throw new NeuralError("node shutting down: training stopped", { retryable: true });
        judge(result);
      }
      // 3. Checkpoints, weights, logs, manifest to IPFS.
      if (journal.checkpoints.length !== total) {
        throw new TaskFault(
          "Other",
          `the container wrote ${journal.checkpoints.length} checkpoints, the spec needs ${total}`,
        );
      }
      const entries: CheckpointEntry[] = [...inherited];
      for (const c of journal.checkpoints.slice(inherited.length)) {
        if (c.step !== checkpointStep(spec, c.index)) {
          throw new TaskFault(
            "Other",
            `checkpoint ${c.index} is at step ${c.step}, the spec puts it at ${checkpointStep(spec, c.index)}`,
          );
        }
        const file = join(dirs.checkpoints, c.file);
        const hash = await sha256File(file);
        const cid = await deps.storage.addFile(file);
        entries.push({ index: c.index, step: c.step, cid: cid.toString(), hash });
      }
      const logsCid = await storeLogs(deps, logs);
      const lastEntry = entries[entries.length - 1] as CheckpointEntry;
      const draft = {
        version: 2 as const,
        taskId: job.taskId,
        shardIndex: job.shardIndex,
        nodeId: Number(deps.nodeId),
        epoch: job.epoch,
        specCid: job.specCid,
        image: spec.image,
        startedAt: journal.startedAt,
        finishedAt: new Date().toISOString(),
        ...(job.resumeFrom > 0 && job.resumeManifestCid
          ? { resumedFrom: { index: job.resumeFrom, manifestCid: job.resumeManifestCid } }
          : {}),
        checkpoints: entries,
        checkpointRoot: manifestCheckpointTree({ checkpoints: entries }).root,
        finalWeights: { cid: lastEntry.cid, hash: lastEntry.hash },
        metrics: metricsOf(logs, spec),
        logsCid,
      };
      const manifest: ResultManifest = resultManifest.parse(draft);
      const manifestCid = (await deps.storage.putJson(manifest)).toString();
      journal.stored = { manifestCid, checkpoints: entries.map((e) => ({ step: e.step, hash: e.hash })) };
      await deps.journals.write(name, journal);
      log.info({ task: job.taskId, shard: job.shardIndex, manifestCid }, "artifacts stored");
    }
    await phase("stored");

    // 4. Submit once: one nonce; every signed version (fee bumps) is journaled before it is broadcast.
    const stored = journal.stored;
    const { hash } = await chain
      .submitResultOnce(
        deps.actor,
        {
          taskId,
          shardIndex,
          manifestCid: stored.manifestCid,
          checkpoints: stored.checkpoints.map((c) => ({ step: BigInt(c.step), hash: c.hash })),
        },
        {
          previous: journal.submission,
          record: async (submission) => {
            const first = journal.submission === undefined;
            journal.submission = submission;
            await deps.journals.write(name, journal);
            if (first) await phase("signed");
          },
          broadcast: () => phase("broadcast"),
        },
        deps.signal,
      )
      .catch(async (error: unknown) => {
        if (error instanceof NonceTakenError) {
          // none of the journaled versions can ever be mined: the next try signs anew (shard still Assigned)
          delete journal.submission;
          await deps.journals.write(name, journal);
        }
        throw error;
      });
    journal.done = { kind: "submitted", tx: hash };
    await deps.journals.write(name, journal);
    await rm(dir, { recursive: true, force: true });
    return { kind: "submitted", tx: hash, manifestCid: stored.manifestCid };
  } catch (error) {
    if (!(error instanceof TaskFault)) throw error;
    // The task's fault: hand the shard back with the reason and the logs.
    const logsCid = await storeLogs(deps, `${logs}\n[neural-worker] ${error.message}\n`).catch(
      () => undefined,
    );
    log.warn(
      { task: job.taskId, shard: job.shardIndex, reason: error.reason, err: error.message },
      "releasing shard",
    );
    const { late } = await chain.releaseShard(deps.actor, {
      taskId,
      shardIndex,
      reason: error.reason,
      ...(logsCid ? { logsCid } : {}),
    });
    if (late) {
      // past the TaskManager's releaseGracePeriod: the chain counted a failed attempt against this node
      log.warn(
        { task: job.taskId, shard: job.shardIndex, reason: error.reason },
        "the release came after the grace period: counted as a failed attempt of this node",
      );
    }
    journal.done = { kind: "released", reason: error.reason };
    await deps.journals.write(name, journal);
    await rm(dir, { recursive: true, force: true });
    return {
      kind: "released",
      reason: error.reason,
      message: error.message,
      ...(logsCid ? { logsCid } : {}),
      late,
    };
  }
}

/**
 * The spec must fit what the task was posted (and this node matched) with: no more GPUs, VRAM, CPUs or memory
 * than the on-chain resources, and a timeout within the on-chain maxDuration. Otherwise it is the task's fault.
 */
export function checkSpecAgainstTask(
  spec: Pick<TaskSpec, "resources">,
  task: {
    resources: { gpus: number; vramMiB: number; cpus: number; memoryMiB: number };
    maxDuration: bigint;
  },
): void {
  const over = (["gpus", "vramMiB", "cpus", "memoryMiB"] as const).filter(
    (k) => spec.resources[k] > task.resources[k],
  );
  if (over.length > 0) {
    throw new TaskFault(
      "InvalidSpec",
      `the spec asks for more than the task was posted with: ${over
        .map((k) => `${k} ${spec.resources[k]} > ${task.resources[k]}`)
        .join(", ")}`,
    );
  }
  if (BigInt(spec.resources.timeoutSeconds) > task.maxDuration) {
    throw new TaskFault(
      "InvalidSpec",
      `the spec's timeoutSeconds ${spec.resources.timeoutSeconds} exceeds the task's maxDuration ${task.maxDuration}`,
    );
  }
}

type FetchDeps = Pick<ShardDeps, "storage" | "fetchTimeoutMs" | "signal">;

export async function fetchSpec(deps: FetchDeps, specCid: string): Promise<TaskSpec> {
  let bytes: Uint8Array;
  try {
    bytes = await deps.storage.getRaw(specCid, { timeoutMs: deps.fetchTimeoutMs, signal: deps.signal });
  } catch (cause) {
    throw new TaskFault("InvalidSpec", `cannot fetch the spec ${specCid}: ${(cause as Error).message}`, {
      cause,
    });
  }
  try {
    return taskSpec.parse(bytes);
  } catch (cause) {
    throw new TaskFault("InvalidSpec", `the spec ${specCid} is invalid: ${(cause as Error).message}`, {
      cause,
    });
  }
}

/**
 * What a run or a re-execution of `spec` needs in `dir` before its container starts: the image (loaded from its
 * archive and ID-checked when missing), the dataset in `dir`/data (the task's registered DatasetRegistry version
 * when it names one) and the spec's initial weights in `dir`/initial-weights (checked against the ModelRegistry
 * version it names). Broken inputs throw TaskFault.
 */
export async function prepareImageAndData(
  deps: FetchDeps & Pick<ShardDeps, "runtime" | "chain">,
  spec: TaskSpec,
  task: { datasetId: bigint; datasetVersion: number },
  dir: string,
): Promise<{ imageId: string; dataDir: string; initialWeightsFile?: string }> {
  const { imageId } = await ensureImage({
    runtime: deps.runtime,
    storage: deps.storage,
    image: spec.image,
    archiveCid: spec.imageArchive,
    tmpDir: join(dir, "tmp"),
    signal: deps.signal,
  });
  const dataDir = join(dir, "data");
  await fetchDataset(deps, await taskDatasetCid(deps.chain, spec, task), dataDir, join(dir, "data.tmp"));
  const initialWeightsFile = await fetchInitialWeights(deps, spec, join(dir, INIT_WEIGHTS_FILE));
  return { imageId, dataDir, ...(initialWeightsFile ? { initialWeightsFile } : {}) };
}

/**
 * Fetches the spec's initial weights (a fine-tune's starting point) to `target`, once: a registry-named version
 * must be the spec's CID and hash to its weightsHash. Undefined when the spec trains from scratch.
 */
export async function fetchInitialWeights(
  deps: FetchDeps & Pick<ShardDeps, "chain">,
  spec: Pick<TaskSpec, "initialWeights">,
  target: string,
): Promise<string | undefined> {
  let weights: Awaited<ReturnType<typeof resolveInitialWeights>>;
  try {
    weights = await resolveInitialWeights(deps.chain, spec);
  } catch (cause) {
    if (cause instanceof ValidationError) throw new TaskFault("InvalidSpec", cause.message, { cause });
    throw cause;
  }
  if (weights === undefined) return undefined;
  if (
    await stat(target).then(
      (s) => s.isFile(),
      () => false,
    )
  )
    return target;
  const tmp = `${target}.tmp`;
  let written: { sha256: string };
  try {
    written = await deps.storage.getToFile(weights.cid, tmp, {
      timeoutMs: deps.fetchTimeoutMs,
      signal: deps.signal,
    });
  } catch (cause) {
    await rm(tmp, { force: true });
    if (deps.signal.aborted) throw cause;
    throw new TaskFault(
      "DataUnavailable",
      `cannot fetch the initial weights ${weights.cid}: ${(cause as Error).message}`,
      { cause },
    );
  }
  if (weights.sha256 !== undefined && written.sha256 !== weights.sha256) {
    await rm(tmp, { force: true });
    throw new TaskFault(
      "InvalidSpec",
      `the initial weights ${weights.cid} hash to ${written.sha256}, not the registered weightsHash ${weights.sha256}`,
    );
  }
  await rename(tmp, target);
  return target;
}

/**
 * The dataset CID to fetch for a task: its registered DatasetRegistry version's content when it names one (the
 * spec must agree: TaskFault InvalidSpec otherwise), else the spec's `dataset`.
 */
export async function taskDatasetCid(
  chain: Pick<NeuralChain, "getDatasetVersion">,
  spec: Pick<TaskSpec, "dataset" | "datasetRef">,
  task: { datasetId: bigint; datasetVersion: number },
): Promise<string> {
  try {
    return await resolveTaskDataset(chain, spec, task);
  } catch (cause) {
    if (cause instanceof ValidationError) throw new TaskFault("InvalidSpec", cause.message, { cause });
    throw cause;
  }
}

export async function fetchDataset(deps: FetchDeps, cid: string, target: string, tmp: string): Promise<void> {
  const ready = await stat(target).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (ready) return;
  await rm(tmp, { recursive: true, force: true });
  let written: Array<{ path: string }>;
  try {
    written = await deps.storage.getDirectory(cid, tmp, {
      timeoutMs: deps.fetchTimeoutMs,
      signal: deps.signal,
    });
  } catch (cause) {
    if (deps.signal.aborted) throw cause;
    throw new TaskFault("DataUnavailable", `cannot fetch the dataset ${cid}: ${(cause as Error).message}`, {
      cause,
    });
  }
  if (written.length === 1 && written[0]?.path === tmp) {
    await mkdir(target, { recursive: true });
    await rename(tmp, join(target, "dataset"));
  } else {
    await rename(tmp, target);
  }
}

/**
 * Checkpoints a re-queued attempt starts after (job.resumeFrom, from the resume manifest), placed in the
 * checkpoints folder; returns their manifest entries. A journal that already holds checkpoints (crash) keeps them.
 */
async function resumePoint(
  deps: ShardDeps,
  job: JobMessage,
  journal: ShardJournal,
  checkpointsDir: string,
): Promise<CheckpointEntry[]> {
  if (job.resumeFrom === 0 || !job.resumeManifestCid) return [];
  let manifest: ResultManifest;
  try {
    manifest = resultManifest.parse(
      await deps.storage.getRaw(job.resumeManifestCid, { timeoutMs: deps.fetchTimeoutMs }),
    );
  } catch (cause) {
    throw new TaskFault("DataUnavailable", `cannot fetch the resume manifest ${job.resumeManifestCid}`, {
      cause,
    });
  }
  const inherited = manifest.checkpoints.slice(0, job.resumeFrom);
  if (journal.checkpoints.length < inherited.length) {
    const last = inherited[inherited.length - 1] as CheckpointEntry;
    const file = `resume-${last.index}.bin`;
    const written = await deps.storage.getToFile(last.cid, join(checkpointsDir, file), {
      timeoutMs: deps.fetchTimeoutMs,
    });
    if (written.sha256 !== last.hash) {
      throw new TaskFault(
        "DataUnavailable",
        `resume checkpoint ${last.index} does not hash to its committed leaf`,
      );
    }
    journal.checkpoints = inherited.map((c) => ({
      index: c.index,
      step: c.step,
      file: c === last ? file : "",
    }));
  }
  return inherited;
}

async function train(
  deps: ShardDeps,
  job: JobMessage,
  journal: ShardJournal,
  name: string,
  spec: TaskSpec,
  imageId: string,
  dirs: { data: string; checkpoints: string; output: string },
  last: { index: number; step: number; file: string } | undefined,
): Promise<RunResult> {
  const env = buildContainerEnv({
    taskId: job.taskId,
    shardIndex: job.shardIndex,
    spec,
    ...(last ? { resume: { file: last.file, step: last.step, index: last.index } } : {}),
  });
  let writes = Promise.resolve();
  const queue = (fn: () => Promise<void>) => {
    writes = writes
      .then(fn)
      .catch((error) => deps.log.warn({ err: (error as Error).message }, "progress write failed"));
  };
  let contractError: string | undefined;
  const result = await deps.runtime.run({
    image: imageId,
    command: spec.command,
    env,
    mounts: dirs,
    limits: {
      memoryMiB: spec.resources.memoryMiB,
      cpus: spec.resources.cpus,
      pids: CONTAINER_PIDS_LIMIT,
      gpus: spec.resources.gpus,
      timeoutSeconds: spec.resources.timeoutSeconds,
    },
    label: `${deps.nodeId}`,
    signal: deps.signal,
    onLine: (line, stream) => {
      if (stream !== "stdout") return;
      let event: ReturnType<typeof parseContainerLine>;
      try {
        event = parseContainerLine(line);
      } catch (error) {
        contractError ??= (error as Error).message;
        return;
      }
      if (event.type === "progress") {
        const cp = journal.checkpoints.at(-1);
        deps.onProgress?.({
          taskId: job.taskId,
          shardIndex: job.shardIndex,
          step: event.step,
          totalSteps: spec.totalSteps,
          ...(event.loss !== undefined ? { loss: event.loss } : {}),
        });
        queue(() =>
          deps.queue.progress({
            taskId: job.taskId,
            shardIndex: job.shardIndex,
            nodeId: Number(deps.nodeId),
            step: event.step,
            totalSteps: spec.totalSteps,
            loss: event.loss,
            ...(cp ? { checkpointIndex: cp.index } : {}),
          }),
        );
      } else if (event.type === "checkpoint") {
        const expected = journal.checkpoints.length;
        if (event.index !== expected) {
          contractError ??= `checkpoint index ${event.index} reported, expected ${expected}`;
          return;
        }
        journal.checkpoints.push({
          index: event.index,
          step: event.step,
          file: event.path.slice("/checkpoints/".length),
        });
        const snapshot = structuredClone(journal);
        queue(async () => {
          await deps.journals.write(name, snapshot);
          await deps.onPhase?.(`checkpoint-${event.index}`, job.taskId);
        });
      } else if (event.type === "error") {
        contractError ??= `the trainer reported: ${event.message}`;
      }
    },
  });
  await writes;
  if (contractError && !result.aborted) {
    throw new TaskFault("Other", `the container broke the container contract: ${contractError}`);
  }
  return result;
}

/** Task faults from how the container ended (within the spec's own limits). */
function judge(result: RunResult): void {
  if (result.timedOut)
    throw new TaskFault("Other", "training ran past the spec's timeoutSeconds and was killed");
  if (result.oomKilled)
    throw new TaskFault("Other", "training ran out of memory within the spec's memoryMiB (OOM)");
  if (result.exitCode !== 0) throw new TaskFault("Other", `training exited with status ${result.exitCode}`);
}

async function storeLogs(deps: ShardDeps, logs: string): Promise<string> {
  const bytes = Buffer.from(logs.length > MAX_LOG_BYTES ? logs.slice(logs.length - MAX_LOG_BYTES) : logs);
  return (await deps.storage.putRaw(bytes.subarray(Math.max(0, bytes.length - MAX_LOG_BYTES)))).toString();
}

/** Metrics for the manifest: progress lines at checkpoint steps, every line with eval metrics, and the last one. */
export function metricsOf(
  logs: string,
  spec: Pick<TaskSpec, "checkpointInterval">,
): ResultManifest["metrics"] {
  const out: ResultManifest["metrics"] = [];
  let lastProgress: ResultManifest["metrics"][number] | undefined;
  for (const line of logs.split("\n")) {
    let event: ReturnType<typeof parseContainerLine>;
    try {
      event = parseContainerLine(line);
    } catch {
      continue;
    }
    if (event.type !== "progress") continue;
    const { type: _type, ...metric } = event;
    const numeric = Object.fromEntries(
      Object.entries(metric).filter(([, v]) => typeof v === "number" && Number.isFinite(v)),
    ) as ResultManifest["metrics"][number];
    lastProgress = numeric;
    const hasEval = Object.keys(numeric).some((k) => k !== "step" && k !== "loss");
    if (hasEval || numeric.step % spec.checkpointInterval === 0) out.push(numeric);
  }
  if (lastProgress && out.at(-1) !== lastProgress) out.push(lastProgress);
  return out.slice(-1000);
}

export { pinnedImageId };
