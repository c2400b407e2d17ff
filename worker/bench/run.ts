/**
 * `npm run bench -w @neural/worker` (part of the root `npm run bench`): writes the "worker" section of
 * docs/benchmarks.md.
 * - Orchestration overhead per shard, training excluded: job on Redis -> result mined, minus the container's own run
 *   (measured alone with the same image and command), through real anvil, Redis, helia and dockerd.
 * - Segment re-execution (audit / committee) cost as a fraction of the shard's training, for N checkpoints.
 * - Trainer steps/s with the portable settings (ATEN_CPU_CAPABILITY=default) vs default kernels (avx2).
 */
import { createWriteStream } from "node:fs";
import { chmod, copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { buildContainerEnv } from "@neural/sdk";
import { type Daemon, start } from "../src/daemon/index.js";
import { loadKeystoreFile } from "../src/keystore.js";
import { createLogger } from "../src/log.js";
import { DockerRuntime } from "../src/runtimes/docker.js";
import type { RunLimits } from "../src/runtimes/types.js";
import { TEST_DOCKER_HOST } from "../test/docker-host.js";
import { startNetwork } from "../test/network.js";
import { loadTrainerImage } from "../test/trainer-image.js";

const SHARDS = 8;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};
const seconds = (ms: number) => (ms / 1000).toFixed(2);

async function mounts(base: string) {
  const dir = await mkdtemp(join(base, "run-"));
  const m = { data: join(dir, "data"), checkpoints: join(dir, "checkpoints"), output: join(dir, "output") };
  for (const d of Object.values(m)) {
    await mkdir(d);
    await chmod(d, 0o777);
  }
  return m;
}

async function orchestration(): Promise<string[]> {
  const net = await startNetwork();
  let daemon: Daemon | undefined;
  try {
    const waiters = new Map<string, () => void>();
    const config = net.config();
    daemon = await start(config, {
      privateKey: await loadKeystoreFile(config.keystore, "worker password"),
      log: createLogger("warn", createWriteStream(join(net.dir, "bench.log"))),
      fetchTimeoutMs: 10_000,
      onOutcome: (id) => waiters.get(id)?.(),
    });
    const spec = net.spec({ totalSteps: 2, checkpointInterval: 1 });
    const totals: number[] = [];
    for (let i = 0; i <= SHARDS; i++) {
      const t0 = performance.now();
      const { entryId } = await net.assign(spec);
      await new Promise<void>((resolve) => waiters.set(entryId, resolve));
      if (i > 0) totals.push(performance.now() - t0); // the first one also loads the image
    }
    // the container alone, same image and command
    const runtime = new DockerRuntime(TEST_DOCKER_HOST);
    const limits: RunLimits = { memoryMiB: 64, cpus: 1, pids: 64, gpus: 0, timeoutSeconds: 60 };
    const env = buildContainerEnv({
      taskId: 1,
      shardIndex: 0,
      spec: { ...spec, hyperparameters: {}, env: {} },
    });
    const runs: number[] = [];
    for (let i = 0; i < SHARDS; i++) {
      const m = await mounts(net.dir);
      const t0 = performance.now();
      await runtime.run({ image: net.busybox.imageId, command: [], env, mounts: m, limits, label: "bench" });
      runs.push(performance.now() - t0);
    }
    const total = median(totals);
    const run = median(runs);
    return [
      `| orchestration per shard (docker) | ${seconds(total - run)} s | median of ${SHARDS}: job on Redis to result mined ${seconds(total)} s, minus create+start+wait+remove of the same container ${seconds(run)} s; spec, dataset and image already local; includes the on-chain checks, ${2} checkpoint adds, logs, manifest, submitResult on anvil (automine) |`,
    ];
  } finally {
    await daemon?.stop();
    await net.stop();
  }
}

async function trainer(): Promise<string[]> {
  const runtime = new DockerRuntime(TEST_DOCKER_HOST);
  const image = await loadTrainerImage(runtime);
  const base = await mkdtemp(join(tmpdir(), "neural-bench-trainer-"));
  try {
    const limits: RunLimits = { memoryMiB: 1024, cpus: 1, pids: 64, gpus: 0, timeoutSeconds: 1200 };
    const time = async (steps: number, extra: Record<string, string>, stopAt?: number, resume?: string) => {
      const m = await mounts(base);
      await copyFile(image.digits, join(m.data, "digits.csv.gz"));
      if (resume) await copyFile(resume, join(m.checkpoints, "resume.safetensors"));
      const spec = {
        seed: 1,
        totalSteps: steps,
        checkpointInterval: steps / 4,
        hyperparameters: { lr: 0.1 },
        env: extra,
      };
      const env = buildContainerEnv({
        taskId: 1,
        shardIndex: 0,
        spec,
        ...(resume ? { resume: { file: "resume.safetensors", step: (steps / 4) * 2, index: 1 } } : {}),
        ...(stopAt ? { stopAt } : {}),
      });
      // steps/s from the progress lines' arrival: first to last, so container start and torch import do not count
      let first: { step: number; at: number } | undefined;
      let last: { step: number; at: number } | undefined;
      const t0 = performance.now();
      const r = await runtime.run({
        image: image.imageId,
        command: [],
        env,
        mounts: m,
        limits,
        label: "bench",
        onLine: (line) => {
          const match = /"type":"progress","step":(\d+)/.exec(line);
          if (!match) return;
          last = { step: Number(match[1]), at: performance.now() };
          first ??= last;
        },
      });
      if (r.exitCode !== 0 || !first || !last) throw new Error(r.logs);
      const rate = (last.step - first.step) / ((last.at - first.at) / 1000);
      return { ms: performance.now() - t0, checkpoints: m.checkpoints, rate };
    };
    const rows: string[] = [];
    for (const [label, env] of [
      ["portable (ATEN_CPU_CAPABILITY=default)", {}],
      ["default kernels (ATEN_CPU_CAPABILITY=avx2)", { ATEN_CPU_CAPABILITY: "avx2" }],
    ] as const) {
      const run = await time(4000, env);
      rows.push(
        `| trainer, ${label} | ${run.rate.toFixed(0)} steps/s | digits MLP 64-32-10, batch 32, one thread, 4000 steps; from the progress lines (start-up excluded) |`,
      );
    }
    // audit / committee: one segment of N=4 vs the whole shard
    const full = await time(2000, {});
    const segment = await time(2000, {}, 1500, join(full.checkpoints, "ckpt-1.safetensors"));
    rows.push(
      `| segment re-execution / whole shard (N = 4 checkpoints) | ${(segment.ms / full.ms).toFixed(2)} | ${seconds(segment.ms)} s vs ${seconds(full.ms)} s for 2000 steps, container start and torch import included (the 1/N = 0.25 bound plus that fixed overhead) |`,
    );
    return rows;
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

const rows = [...(await orchestration()), ...(await trainer())];
const section = [
  "### Worker (daemon, docker runtime, reference trainer)",
  "",
  "| measure | value | how |",
  "|---|---|---|",
  ...rows,
].join("\n");
const report = (await import(
  pathToFileURL(join(process.cwd(), "..", "scripts", "lib", "bench-report.mjs")).href
)) as {
  writeBenchSection: (name: string, md: string) => string;
};
console.log(section);
console.log(`written to ${report.writeBenchSection("worker", section)}`);
process.exit(0);
