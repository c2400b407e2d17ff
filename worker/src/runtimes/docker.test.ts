import { chmod, mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBusyboxArchive } from "../../test/busybox-image.js";
import { TEST_DOCKER_HOST } from "../../test/docker-host.js";
import { archiveImageId } from "../images/archive.js";
import { writableByContainer } from "../shard/run.js";
import { CONTAINER_LABEL, DockerRuntime } from "./docker.js";
import type { RunRequest } from "./types.js";

// Real dockerd (started by .ci/services/docker.sh): a missing daemon fails these tests, it never skips them.
let runtime: DockerRuntime;
let dir: string;
let imageId: string;

async function dirs() {
  const base = await mkdtemp(join(dir, "run-"));
  const mounts = {
    data: join(base, "data"),
    checkpoints: join(base, "checkpoints"),
    output: join(base, "output"),
  };
  // prepared as the worker prepares them (shard runs and re-executions)
  await mkdir(mounts.data);
  await writableByContainer(mounts.checkpoints);
  await writableByContainer(mounts.output);
  return mounts;
}

const limits = { memoryMiB: 64, cpus: 1, pids: 32, gpus: 0, timeoutSeconds: 120 };

async function run(command: string[], over: Partial<RunRequest> = {}) {
  const lines: string[] = [];
  const result = await runtime.run({
    image: imageId,
    command,
    env: {},
    mounts: await dirs(),
    limits,
    onLine: (l) => lines.push(l),
    label: "docker-test",
    ...over,
  });
  return { ...result, lines };
}

async function leftovers(): Promise<number> {
  const list = await runtime.docker.listContainers({
    all: true,
    filters: { label: [`${CONTAINER_LABEL}=docker-test`] },
  });
  return list.length;
}

beforeAll(async () => {
  runtime = new DockerRuntime(TEST_DOCKER_HOST);
  await runtime.ping();
  dir = await mkdtemp(join(tmpdir(), "neural-docker-test-"));
  await chmod(dir, 0o755);
  const archive = await buildBusyboxArchive(dir);
  imageId = archive.imageId;
  expect(await archiveImageId(archive.path)).toBe(imageId);
  const stream = await runtime.docker.loadImage(archive.path);
  await new Promise((resolve, reject) =>
    runtime.docker.modem.followProgress(stream, (e: Error | null) => (e ? reject(e) : resolve(undefined))),
  );
  expect(await runtime.hasImage(imageId)).toBe(true);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("docker runtime", () => {
  it("builds the same image ID from the same inputs", async () => {
    const again = await buildBusyboxArchive(await mkdtemp(join(dir, "again-")));
    expect(again.imageId).toBe(imageId);
  });

  it("runs hardened: nobody, no capabilities, no-new-privileges, read-only root, no network but lo", async () => {
    const r = await run([
      "sh",
      "-c",
      "id -u; id -g; grep -E '^(CapEff|CapPrm|NoNewPrivs)' /proc/self/status; touch /etc-x 2>/dev/null || echo root-ro; touch /tmp/x && echo tmp-rw; cut -d: -f1 /proc/net/dev | tail -n +3",
    ]);
    expect(r.exitCode).toBe(0);
    expect(r.lines).toEqual([
      "65534",
      "65534",
      "CapPrm:\t0000000000000000",
      "CapEff:\t0000000000000000",
      "NoNewPrivs:\t1",
      "root-ro",
      "tmp-rw",
      "    lo",
    ]);
    expect(await leftovers()).toBe(0);
  });

  it("mounts /data read-only and /checkpoints, /output writable, and streams the trainer's lines", async () => {
    const mounts = await dirs();
    const r = await run([], {
      mounts,
      env: {
        NEURAL_SEED: "7",
        NEURAL_TOTAL_STEPS: "4",
        NEURAL_STOP_AT: "4",
        NEURAL_CHECKPOINT_INTERVAL: "2",
        NEURAL_CHECKPOINT_DIR: "/checkpoints",
        NEURAL_OUTPUT_DIR: "/output",
        NEURAL_RESUME_FROM: "",
      },
    });
    expect(r.exitCode).toBe(0);
    expect(r.lines.filter((l) => l.includes('"checkpoint"'))).toHaveLength(2);
    expect(r.lines.at(-1)).toContain('"done"');
    expect((await readdir(mounts.checkpoints)).sort()).toEqual(["ckpt-0.bin", "ckpt-1.bin"]);
    expect(await readFile(join(mounts.output, "weights.bin"), "utf8")).toMatch(/^state \d+ step 4 seed 7/);
    const ro = await run(["sh", "-c", "touch /data/x"]);
    expect(ro.exitCode).not.toBe(0);
  });

  it("reports a non-zero exit with its logs", async () => {
    const r = await run(["sh", "-c", "echo bad input >&2; exit 3"]);
    expect(r).toMatchObject({ exitCode: 3, oomKilled: false, timedOut: false });
    expect(r.logs).toContain("bad input");
    expect(await leftovers()).toBe(0);
  });

  it("kills and reports OOM (exit 137 or OOMKilled) when memory runs out", async () => {
    const r = await run(["sh", "-c", "x=$(head -c 400000000 /dev/zero | tr '\\0' a); echo done"], {
      limits: { ...limits, memoryMiB: 32 },
    });
    expect(r.oomKilled).toBe(true);
    expect(r.timedOut).toBe(false);
    expect(await leftovers()).toBe(0);
  });

  it("kills at the hard timeout and removes the container", async () => {
    const r = await run(["sleep", "600"], { limits: { ...limits, timeoutSeconds: 1 } });
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).not.toBe(0);
    expect(r.oomKilled).toBe(false);
    expect(await leftovers()).toBe(0);
  });

  it("enforces the pids limit", async () => {
    const r = await run(
      ["sh", "-c", "i=0; while [ $i -lt 40 ]; do sleep 30 & i=$((i+1)); done; echo spawned"],
      {
        limits: { ...limits, pids: 8, timeoutSeconds: 60 },
      },
    );
    expect(r.logs).toMatch(/can't fork|Resource temporarily unavailable/);
    expect(await leftovers()).toBe(0);
  });

  it("kills the container when the node shuts down (abort)", async () => {
    const controller = new AbortController();
    const pending = run(["sleep", "600"], { signal: controller.signal });
    setTimeout(() => controller.abort(), 500);
    const r = await pending;
    expect(r.aborted).toBe(true);
    expect(await leftovers()).toBe(0);
  });
});
