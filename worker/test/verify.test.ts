/**
 * Verifier duties' core through real helia and dockerd with the PyTorch trainer: an audit re-executes sampled
 * segments from the submitter's checkpoints (fetched over IPFS) and finds nothing wrong in an honest result; a
 * cheater that computes checkpoints 0-1 honestly and 2 with lr x 1.01 is caught at 2; under a relativeL2 tolerance a
 * re-execution with other kernels is judged right and the cheat still wrong; a submitter gone offline gives
 * data-unavailable.
 */
import { createHash } from "node:crypto";
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  buildContainerEnv,
  manifestCheckpointTree,
  parseContainerLine,
  type ResultManifest,
  resultManifest,
  type TaskSpec,
  taskSpec,
} from "@neural/sdk";
import { createStorageNode, type StorageNode } from "@neural/sdk/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DockerRuntime } from "../src/runtimes/docker.js";
import { parseSafetensors, relativeL2 } from "../src/verify/compare.js";
import { auditResult, reexecuteSegment, type SegmentDeps } from "../src/verify/reexecute.js";
import type { TrainerImage } from "../trainer/image.js";
import { TEST_DOCKER_HOST } from "./docker-host.js";
import { loadTrainerImage } from "./trainer-image.js";

let runtime: DockerRuntime;
let image: TrainerImage;
let dir: string;
let submitter: StorageNode;
let verifier: StorageNode;
let spec: TaskSpec;
let honest: ResultManifest;
let cheat: ResultManifest;
let deps: SegmentDeps;

async function runTrainer(over: { lr?: number; resume?: string; resumeStep?: number; stopAt?: number } = {}) {
  const base = await mkdtemp(join(dir, "submit-"));
  const m = { data: join(dir, "data"), checkpoints: join(base, "checkpoints"), output: join(base, "output") };
  for (const d of [m.checkpoints, m.output]) {
    await mkdir(d);
    await chmod(d, 0o777);
  }
  if (over.resume) await copyFile(over.resume, join(m.checkpoints, "resume.safetensors"));
  const s = { ...spec, hyperparameters: { ...spec.hyperparameters, lr: over.lr ?? 0.1 } };
  const env = buildContainerEnv({
    taskId: 1,
    shardIndex: 0,
    spec: s,
    ...(over.resume ? { resume: { file: "resume.safetensors", step: over.resumeStep ?? 0, index: 1 } } : {}),
    ...(over.stopAt ? { stopAt: over.stopAt } : {}),
  });
  const files = new Map<number, string>();
  const r = await runtime.run({
    image: image.imageId,
    command: [],
    env,
    mounts: m,
    limits: { memoryMiB: 1024, cpus: 1, pids: 64, gpus: 0, timeoutSeconds: 600 },
    label: "verify-test",
    onLine: (line, stream) => {
      if (stream !== "stdout") return;
      const e = parseContainerLine(line);
      if (e.type === "checkpoint")
        files.set(e.index, join(m.checkpoints, e.path.slice("/checkpoints/".length)));
    },
  });
  expect(r.exitCode, r.logs).toBe(0);
  return files;
}

async function manifestOf(files: string[]): Promise<ResultManifest> {
  const checkpoints = [];
  for (const [index, file] of files.entries()) {
    const bytes = await readFile(file);
    checkpoints.push({
      index,
      step: (index + 1) * 100,
      cid: (await submitter.addFile(file)).toString(),
      hash: `0x${createHash("sha256").update(bytes).digest("hex")}` as `0x${string}`,
    });
  }
  const last = checkpoints[checkpoints.length - 1] as (typeof checkpoints)[number];
  return resultManifest.parse({
    version: 2,
    taskId: 1,
    shardIndex: 0,
    nodeId: 1,
    epoch: 1,
    specCid: (await submitter.putJson(spec)).toString(),
    image: image.image,
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T00:01:00.000Z",
    checkpoints,
    checkpointRoot: manifestCheckpointTree({ checkpoints }).root,
    finalWeights: { cid: last.cid, hash: last.hash },
    metrics: [],
    logsCid: (await submitter.putRaw(new TextEncoder().encode("logs"))).toString(),
  });
}

beforeAll(async () => {
  runtime = new DockerRuntime(TEST_DOCKER_HOST);
  image = await loadTrainerImage(runtime);
  dir = await mkdtemp(join(tmpdir(), "neural-verify-"));
  await chmod(dir, 0o755);
  await mkdir(join(dir, "data"));
  await copyFile(image.digits, join(dir, "data", "digits.csv.gz"));
  submitter = await createStorageNode({ directory: join(dir, "submitter-ipfs") });
  verifier = await createStorageNode({
    directory: join(dir, "verifier-ipfs"),
    peers: submitter.multiaddrs(),
  });
  spec = taskSpec.parse({
    version: 1,
    name: "digits",
    image: image.image,
    command: [],
    env: {},
    dataset: (await submitter.addFile(image.digits)).toString(),
    hyperparameters: { lr: 0.1, batchSize: 32, hidden: 32 },
    seed: 5,
    totalSteps: 300,
    checkpointInterval: 100,
    resources: { gpus: 0, vramMiB: 0, cpus: 1, memoryMiB: 1024, timeoutSeconds: 600 },
    verification: { kind: "exact", epsilon: 0 },
  });
  const full = await runTrainer();
  honest = await manifestOf([0, 1, 2].map((i) => full.get(i) as string));
  // the cheater: checkpoints 0 and 1 honest, 2 trained with lr x 1.01 from checkpoint 1
  const cheated = await runTrainer({ lr: 0.101, resume: full.get(1), resumeStep: 200, stopAt: 300 });
  cheat = await manifestOf([full.get(0) as string, full.get(1) as string, cheated.get(2) as string]);
  deps = { runtime, storage: verifier, workDir: dir, dataDir: join(dir, "data"), fetchTimeoutMs: 20_000 };
});

afterAll(async () => {
  await verifier?.stop();
  await submitter?.stop().catch(() => undefined);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("verifier: segment re-execution", () => {
  it("an audit of an honest result finds the sampled segment right (from the spec's initial state)", async () => {
    const { verdicts, firstWrong } = await auditResult(deps, {
      spec,
      imageId: image.imageId,
      manifest: honest,
      sample: [0],
    });
    expect(firstWrong).toBeUndefined();
    expect(verdicts).toEqual([{ kind: "judged", index: 0, right: true, identical: true }]);
  });

  it("catches the cheater at checkpoint 2 (lr x 1.01 after two honest checkpoints), from its checkpoint 1", async () => {
    const { firstWrong } = await auditResult(deps, {
      spec,
      imageId: image.imageId,
      manifest: cheat,
      sample: [2],
    });
    expect(firstWrong).toEqual({ kind: "judged", index: 2, right: false, identical: false });
  });

  it("under a relativeL2 tolerance: other kernels are right, the lr x 1.01 segment is still wrong", async () => {
    const tolerant = { ...spec, verification: { kind: "relativeL2" as const, epsilon: 1e-4 } };
    const otherKernels = { ...deps, extraEnv: { ATEN_CPU_CAPABILITY: "avx2" } };
    const right = await reexecuteSegment(otherKernels, {
      spec: tolerant,
      imageId: image.imageId,
      manifest: honest,
      index: 2,
    });
    expect(right).toMatchObject({ kind: "judged", index: 2, right: true });
    const wrong = await reexecuteSegment(otherKernels, {
      spec: tolerant,
      imageId: image.imageId,
      manifest: cheat,
      index: 2,
    });
    expect(wrong).toMatchObject({ kind: "judged", index: 2, right: false });
    expect((wrong as { distance: number }).distance).toBeGreaterThan(1e-4);
    // the distance itself: honest vs cheat checkpoint 2
    const a = parseSafetensors(await submitter.getBytes(honest.checkpoints[2]?.cid ?? ""));
    const b = parseSafetensors(await submitter.getBytes(cheat.checkpoints[2]?.cid ?? ""));
    expect(relativeL2(a, b)).toBeGreaterThan(1e-4);
    expect(relativeL2(a, a)).toBe(0);
  });

  it("a submitter gone offline: its checkpoint cannot be fetched, the verdict is data-unavailable", async () => {
    await submitter.stop();
    const fresh = await createStorageNode({
      directory: join(dir, "late-verifier-ipfs"),
      peers: verifier.multiaddrs().length ? [] : [],
    });
    try {
      const verdict = await reexecuteSegment(
        { ...deps, storage: fresh, fetchTimeoutMs: 3_000 },
        { spec, imageId: image.imageId, manifest: honest, index: 2 },
      );
      expect(verdict).toMatchObject({ kind: "dataUnavailable", index: 2 });
    } finally {
      await fresh.stop();
    }
  });
});
