/**
 * The reference PyTorch trainer in its offline-built image, through the hardened docker runtime and the container
 * contract: a real digits classifier reaching held-out accuracy >= 0.9, bit-for-bit reproducible (two runs give the
 * same checkpoint hashes; a segment re-executed from checkpoint k-1 in a fresh container reproduces checkpoint k),
 * checkpoints are canonical safetensors, and a fine-tune starts from the initial weights it is given (the lr x 1.01
 * cheat is in verify.test.ts).
 */
import { createHash } from "node:crypto";
import { chmod, copyFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildContainerEnv, INIT_WEIGHTS_FILE, parseContainerLine } from "@neural/sdk";
import { EXAMPLE_DAG_PB_CID } from "@neural/sdk/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DockerRuntime } from "../src/runtimes/docker.js";
import type { TrainerImage } from "../trainer/image.js";
import { TEST_DOCKER_HOST } from "./docker-host.js";
import { contractMounts } from "./runtime-contract.js";
import { loadTrainerImage } from "./trainer-image.js";

let runtime: DockerRuntime;
let image: TrainerImage;
let dir: string;
const spec = {
  seed: 11,
  totalSteps: 300,
  checkpointInterval: 100,
  hyperparameters: { lr: 0.1, batchSize: 32, hidden: 32 },
  env: {},
};

interface Run {
  hashes: Map<number, string>;
  accuracy: number | undefined;
  firstLoss: number | undefined;
  checkpoints: string;
}

async function train(
  over: {
    stopAt?: number;
    resume?: { from: string; step: number; index: number };
    lr?: number;
    /** A fine-tune: the weights file to start from (NEURAL_INIT_WEIGHTS). */
    init?: string;
  } = {},
): Promise<Run> {
  const mounts = await contractMounts(dir);
  await copyFile(image.digits, join(mounts.data, "digits.csv.gz"));
  if (over.resume) await copyFile(over.resume.from, join(mounts.checkpoints, "resume.safetensors"));
  if (over.init) await copyFile(over.init, join(mounts.checkpoints, INIT_WEIGHTS_FILE));
  const env = buildContainerEnv({
    taskId: 1,
    shardIndex: 0,
    spec: {
      ...spec,
      hyperparameters: { ...spec.hyperparameters, lr: over.lr ?? spec.hyperparameters.lr },
      ...(over.init ? { initialWeights: { cid: EXAMPLE_DAG_PB_CID } } : {}),
    },
    ...(over.resume
      ? { resume: { file: "resume.safetensors", step: over.resume.step, index: over.resume.index } }
      : {}),
    ...(over.stopAt ? { stopAt: over.stopAt } : {}),
  });
  const hashes = new Map<number, string>();
  const events: ReturnType<typeof parseContainerLine>[] = [];
  const result = await runtime.run({
    image: image.imageId,
    command: [],
    env,
    mounts,
    limits: { memoryMiB: 1024, cpus: 1, pids: 64, gpus: 0, timeoutSeconds: 600 },
    onLine: (line, stream) => {
      if (stream === "stdout") events.push(parseContainerLine(line));
    },
    label: "trainer-test",
  });
  expect(result.exitCode, result.logs).toBe(0);
  let accuracy: number | undefined;
  let firstLoss: number | undefined;
  for (const e of events) {
    if (e.type === "progress" && firstLoss === undefined) firstLoss = e.loss;
    if (e.type === "checkpoint") {
      const bytes = await readFile(join(mounts.checkpoints, e.path.slice("/checkpoints/".length)));
      hashes.set(e.index, createHash("sha256").update(bytes).digest("hex"));
    }
    if (e.type === "progress" && typeof e.accuracy === "number") accuracy = e.accuracy;
  }
  return { hashes, accuracy, firstLoss, checkpoints: mounts.checkpoints };
}

beforeAll(async () => {
  runtime = new DockerRuntime(TEST_DOCKER_HOST);
  image = await loadTrainerImage(runtime);
  dir = await mkdtemp(join(tmpdir(), "neural-trainer-"));
  await chmod(dir, 0o755);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("reference trainer (PyTorch digits classifier)", () => {
  let first: Run;

  it("trains to held-out accuracy >= 0.9 and two runs give identical checkpoint hashes", async () => {
    first = await train();
    expect(first.accuracy).toBeGreaterThanOrEqual(0.9);
    expect([...first.hashes.keys()]).toEqual([0, 1, 2]);
    const second = await train();
    expect([...second.hashes.entries()]).toEqual([...first.hashes.entries()]);
  });

  it("re-executes segment 1 -> 2 from checkpoint 1 in a fresh container and reproduces checkpoint 2", async () => {
    const from = join(first.checkpoints, "ckpt-1.safetensors");
    const segment = await train({ resume: { from, step: 200, index: 1 }, stopAt: 300 });
    expect([...segment.hashes.keys()]).toEqual([2]);
    expect(segment.hashes.get(2)).toBe(first.hashes.get(2));
  });

  it("fine-tunes from initial weights (NEURAL_INIT_WEIGHTS), which a resumed segment ignores", async () => {
    const trained = join(first.checkpoints, "ckpt-2.safetensors");
    const scratch = await train({ stopAt: 100 });
    const tuned = await train({ stopAt: 100, init: trained });
    // trained weights start where the first run ended: a far lower loss at step 1 than a fresh initialisation
    expect(tuned.firstLoss).toBeLessThan((scratch.firstLoss as number) / 2);
    expect(tuned.hashes.get(0)).not.toBe(scratch.hashes.get(0));
    expect(tuned.accuracy).toBeGreaterThanOrEqual(0.9);
    // a resumed segment continues from its checkpoint even when the spec fine-tunes
    const from = join(first.checkpoints, "ckpt-1.safetensors");
    const segment = await train({ resume: { from, step: 200, index: 1 }, stopAt: 300, init: trained });
    expect(segment.hashes.get(2)).toBe(first.hashes.get(2));
  });

  it("writes canonical safetensors: sorted header, exact offsets, little-endian f32", async () => {
    const bytes = await readFile(join(first.checkpoints, "ckpt-2.safetensors"));
    const n = Number(bytes.readBigUInt64LE(0));
    expect(n % 8).toBe(0);
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString()) as Record<
      string,
      { dtype: string; shape: number[]; data_offsets: [number, number] }
    >;
    const names = Object.keys(header);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(["fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight"]);
    expect(header["fc1.weight"]).toMatchObject({ dtype: "F32", shape: [32, 64] });
    let end = 0;
    for (const name of names) {
      const t = header[name] as { shape: number[]; data_offsets: [number, number] };
      expect(t.data_offsets[0]).toBe(end);
      end = t.data_offsets[1];
      expect(end - t.data_offsets[0]).toBe(t.shape.reduce((a, b) => a * b, 1) * 4);
    }
    expect(8 + n + end).toBe(bytes.length);
  });
});
