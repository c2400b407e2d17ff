/**
 * The behaviour every container runtime owes the worker, as one suite each runtime's test file runs against its
 * real engine (dockerd, bubblewrap): hardening, the container contract's mounts, determinism, and how exits, OOM,
 * timeouts, pids limits and aborts are reported — always leaving nothing behind.
 */
import { mkdir, mkdtemp, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { expect, it } from "vitest";
import type { ContainerRuntime, RunRequest } from "../src/runtimes/types.js";
import { writableByContainer } from "../src/shard/run.js";

export interface RuntimeUnderTest {
  runtime: ContainerRuntime;
  /** The busybox test image (test/busybox-image.ts), loaded. */
  imageId: string;
  /** Scratch folder for the runs' mounts. */
  dir: string;
  /** Label the runs carry (the owner `cleanup` takes). */
  label: string;
  /** Containers, pods or sandboxes of `label` still there. */
  leftovers(): Promise<number>;
}

export const CONTRACT_LIMITS = { memoryMiB: 64, cpus: 1, pids: 32, gpus: 0, timeoutSeconds: 120 };

/** Mount folders prepared as the worker prepares them (shard runs and re-executions). */
export async function contractMounts(dir: string) {
  const base = await mkdtemp(join(dir, "run-"));
  const mounts = {
    data: join(base, "data"),
    checkpoints: join(base, "checkpoints"),
    output: join(base, "output"),
  };
  await mkdir(mounts.data);
  await writableByContainer(mounts.checkpoints);
  await writableByContainer(mounts.output);
  return mounts;
}

export async function contractRun(t: RuntimeUnderTest, command: string[], over: Partial<RunRequest> = {}) {
  const lines: string[] = [];
  const result = await t.runtime.run({
    image: t.imageId,
    command,
    env: {},
    mounts: await contractMounts(t.dir),
    limits: CONTRACT_LIMITS,
    onLine: (l) => lines.push(l),
    label: t.label,
    ...over,
  });
  return { ...result, lines };
}

const TRAINER_ENV = {
  NEURAL_CHECKPOINT_DIR: "/checkpoints",
  NEURAL_OUTPUT_DIR: "/output",
  NEURAL_RESUME_FROM: "",
};

/** Registers the shared tests; `get` is called inside each test (after the file's beforeAll). */
export function runtimeContract(get: () => RuntimeUnderTest): void {
  const run = (command: string[], over: Partial<RunRequest> = {}) => contractRun(get(), command, over);
  const leftovers = () => get().leftovers();

  it("runs hardened: nobody, no capabilities, no-new-privileges, read-only root and image, no network but lo", async () => {
    const r = await run([
      "sh",
      "-c",
      "id -u; id -g; grep -E '^(CapEff|CapPrm|NoNewPrivs)' /proc/self/status; touch /etc-x 2>/dev/null || echo root-ro; touch /bin/x 2>/dev/null || echo image-ro; touch /tmp/x && echo tmp-rw; cut -d: -f1 /proc/net/dev | tail -n +3",
    ]);
    expect(r.exitCode, r.logs).toBe(0);
    expect(r.lines).toEqual([
      "65534",
      "65534",
      "CapPrm:\t0000000000000000",
      "CapEff:\t0000000000000000",
      "NoNewPrivs:\t1",
      "root-ro",
      "image-ro",
      "tmp-rw",
      "    lo",
    ]);
    expect(await leftovers()).toBe(0);
  });

  it("mounts /data read-only and /checkpoints, /output writable, and runs the image's own command", async () => {
    const mounts = await contractMounts(get().dir);
    const r = await run([], {
      mounts,
      env: {
        ...TRAINER_ENV,
        NEURAL_SEED: "7",
        NEURAL_TOTAL_STEPS: "4",
        NEURAL_STOP_AT: "4",
        NEURAL_CHECKPOINT_INTERVAL: "2",
      },
    });
    expect(r.exitCode, r.logs).toBe(0);
    expect(r.lines.filter((l) => l.includes('"checkpoint"'))).toHaveLength(2);
    expect(r.lines.at(-1)).toContain('"done"');
    expect((await readdir(mounts.checkpoints)).sort()).toEqual(["ckpt-0.bin", "ckpt-1.bin"]);
    expect(await readFile(join(mounts.output, "weights.bin"), "utf8")).toMatch(/^state \d+ step 4 seed 7/);
    const ro = await run(["sh", "-c", "touch /data/x"]);
    expect(ro.exitCode).not.toBe(0);
  });

  it("gives the same checkpoint bytes as another run of the same inputs", async () => {
    const env = {
      ...TRAINER_ENV,
      NEURAL_SEED: "3",
      NEURAL_TOTAL_STEPS: "2",
      NEURAL_STOP_AT: "2",
      NEURAL_CHECKPOINT_INTERVAL: "2",
    };
    const a = await contractMounts(get().dir);
    const b = await contractMounts(get().dir);
    await run([], { mounts: a, env });
    await run([], { mounts: b, env });
    expect(await readFile(join(a.checkpoints, "ckpt-0.bin"))).toEqual(
      await readFile(join(b.checkpoints, "ckpt-0.bin")),
    );
  });

  it("reports a non-zero exit with its logs", async () => {
    const r = await run(["sh", "-c", "echo bad input >&2; exit 3"]);
    expect(r).toMatchObject({ exitCode: 3, oomKilled: false, timedOut: false, aborted: false });
    expect(r.logs).toContain("bad input");
    expect(await leftovers()).toBe(0);
  });

  it("kills and reports OOM when memory runs out", async () => {
    const r = await run(["sh", "-c", "x=$(head -c 400000000 /dev/zero | tr '\\0' a); echo done"], {
      limits: { ...CONTRACT_LIMITS, memoryMiB: 32 },
    });
    expect(r.oomKilled).toBe(true);
    expect(r.timedOut).toBe(false);
    expect(r.lines).not.toContain("done");
    expect(await leftovers()).toBe(0);
  });

  it("kills at the hard timeout, with every process inside", async () => {
    const r = await run(["sh", "-c", "sleep 600 & sleep 600"], {
      limits: { ...CONTRACT_LIMITS, timeoutSeconds: 1 },
    });
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).not.toBe(0);
    expect(r.oomKilled).toBe(false);
    expect(await leftovers()).toBe(0);
  });

  it("enforces the pids limit", async () => {
    const r = await run(
      ["sh", "-c", "i=0; while [ $i -lt 40 ]; do sleep 30 & i=$((i+1)); done; echo spawned"],
      { limits: { ...CONTRACT_LIMITS, pids: 8, timeoutSeconds: 60 } },
    );
    expect(r.logs).toMatch(/can't fork|Resource temporarily unavailable/);
    expect(await leftovers()).toBe(0);
  });

  it("kills the run when the node shuts down (abort)", async () => {
    const controller = new AbortController();
    const pending = run(["sleep", "600"], { signal: controller.signal });
    setTimeout(() => controller.abort(), 500);
    const r = await pending;
    expect(r.aborted).toBe(true);
    expect(r.oomKilled).toBe(false);
    expect(await leftovers()).toBe(0);
  });
}
