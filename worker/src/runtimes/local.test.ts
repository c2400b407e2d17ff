import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBusyboxArchive, busyboxLayerFiles } from "../../test/busybox-image.js";
import { parseConfig } from "../config.js";
import { layerTar, writeDockerArchive } from "../images/archive.js";
import { writableByContainer } from "../shard/run.js";
import { selectRuntime } from "./index.js";
import { LocalRuntime } from "./local.js";
import type { RunRequest } from "./types.js";

// Real bubblewrap and real cgroups (the CI machine runs the tests as root with a writable cgroupfs): a missing
// bwrap fails these tests, it never skips them.
let runtime: LocalRuntime;
let dir: string;
let imageId: string;
const LABEL = "local-test";

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
    label: LABEL,
    ...over,
  });
  return { ...result, lines };
}

/** The run cgroups labelled LABEL beneath this process's memory cgroup (v1) or its own cgroup (v2). */
async function leftovers(): Promise<number> {
  const own = await readFile("/proc/self/cgroup", "utf8");
  const v1 = /:memory:(.*)/.exec(own)?.[1];
  const parent =
    v1 !== undefined ? join("/sys/fs/cgroup/memory", v1) : join("/sys/fs/cgroup", own.split(":")[2] ?? "");
  return (await readdir(parent.trim())).filter((e) => e.startsWith(`neural-run.${LABEL}.`)).length;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "neural-local-test-"));
  await chmod(dir, 0o755);
  runtime = new LocalRuntime({ imagesDir: join(dir, "images") });
  const archive = await buildBusyboxArchive(dir);
  imageId = archive.imageId;
  expect(await runtime.hasImage(imageId)).toBe(false);
  await runtime.loadImage(archive.path);
  expect(await runtime.hasImage(imageId)).toBe(true);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("local runtime (bubblewrap)", () => {
  it("says what it is and that limits go through cgroups", async () => {
    expect(await runtime.ping()).toMatch(
      /^bubblewrap [\d.]+ \(local sandbox.*limits through cgroup v[12]\)$/,
    );
    const none = new LocalRuntime({ imagesDir: join(dir, "images"), cgroupRoot: join(dir, "no-cgroups") });
    expect(await none.ping()).toContain("limits are NOT enforced");
    const missing = new LocalRuntime({ imagesDir: dir, bwrap: "/nonexistent/bwrap" });
    await expect(missing.ping()).rejects.toThrow(/install bubblewrap/);
  });

  it("runs hardened: nobody, no capabilities, no-new-privileges, read-only root, no network but lo", async () => {
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
      NEURAL_SEED: "3",
      NEURAL_TOTAL_STEPS: "2",
      NEURAL_STOP_AT: "2",
      NEURAL_CHECKPOINT_INTERVAL: "2",
      NEURAL_CHECKPOINT_DIR: "/checkpoints",
      NEURAL_OUTPUT_DIR: "/output",
    };
    const a = await dirs();
    const b = await dirs();
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
      limits: { ...limits, memoryMiB: 32 },
    });
    expect(r.oomKilled).toBe(true);
    expect(r.timedOut).toBe(false);
    expect(r.lines).not.toContain("done");
    expect(await leftovers()).toBe(0);
  });

  it("kills at the hard timeout, with every process of the sandbox", async () => {
    const r = await run(["sh", "-c", "sleep 600 & sleep 600"], { limits: { ...limits, timeoutSeconds: 1 } });
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).not.toBe(0);
    expect(r.oomKilled).toBe(false);
    expect(await leftovers()).toBe(0);
  });

  it("enforces the pids limit", async () => {
    const r = await run(
      ["sh", "-c", "i=0; while [ $i -lt 40 ]; do sleep 30 & i=$((i+1)); done; echo spawned"],
      { limits: { ...limits, pids: 8, timeoutSeconds: 60 } },
    );
    expect(r.logs).toMatch(/can't fork|Resource temporarily unavailable/);
    expect(await leftovers()).toBe(0);
  });

  it("kills the sandbox when the node shuts down (abort)", async () => {
    const controller = new AbortController();
    const pending = run(["sleep", "600"], { signal: controller.signal });
    setTimeout(() => controller.abort(), 500);
    const r = await pending;
    expect(r.aborted).toBe(true);
    expect(r.oomKilled).toBe(false);
    expect(await leftovers()).toBe(0);
  });

  it("cleanup kills what a crashed worker left running under its label", async () => {
    const pending = run(["sleep", "600"]);
    while ((await leftovers()) === 0) await new Promise((r) => setTimeout(r, 50));
    const restarted = new LocalRuntime({ imagesDir: join(dir, "images") });
    expect(await restarted.cleanup("other-node")).toBe(0);
    expect(await restarted.cleanup(LABEL)).toBe(1);
    const r = await pending;
    expect(r.exitCode).toBe(137);
    expect(await leftovers()).toBe(0);
  });

  it("applies layers in order, with whiteouts and opaque folders", async () => {
    const base = await busyboxLayerFiles();
    const lower = await layerTar([
      ...base,
      { path: "etc/", type: "directory" },
      { path: "etc/gone", content: Buffer.from("old\n") },
      { path: "etc/kept", content: Buffer.from("kept\n") },
      { path: "opt/", type: "directory" },
      { path: "opt/old", content: Buffer.from("old\n") },
    ]);
    const upper = await layerTar([
      { path: "etc/", type: "directory" },
      { path: "etc/.wh.gone", content: Buffer.alloc(0) },
      { path: "opt/", type: "directory" },
      { path: "opt/.wh..wh..opq", content: Buffer.alloc(0) },
      { path: "opt/new", content: Buffer.from("new\n") },
    ]);
    const out = join(dir, "layered.tar");
    const { imageId: layered } = await writeDockerArchive({
      layers: [lower, upper],
      config: { env: ["PATH=/bin"], cmd: ["sh"] },
      out,
    });
    await runtime.loadImage(out);
    const r = await run(["sh", "-c", "ls /etc /opt"], { image: layered });
    expect(r.exitCode, r.logs).toBe(0);
    expect(r.lines.join(" ")).toBe("/etc: kept  /opt: new");
    const rootfs = join(dir, "images", layered.slice(7), "rootfs");
    expect(existsSync(join(rootfs, "etc", ".wh.gone"))).toBe(false);
  });

  it("refuses an archive that is not a docker-archive, as the task's fault", async () => {
    const notTar = join(dir, "not.tar");
    await writeFile(notTar, "hello");
    await expect(runtime.loadImage(notTar)).rejects.toMatchObject({ name: "TaskFault" });
  });

  it("auto takes the local sandbox, with a warning, only when Docker does not answer", async () => {
    const env = { NEURAL_WORKER_HOME: dir, NEURAL_DOCKER_HOST: "unix:///nonexistent/docker.sock" };
    const fallback = await selectRuntime(parseConfig({}, env));
    expect(fallback.runtime.name).toBe("local");
    expect(fallback.warning).toMatch(/cannot reach Docker at unix:\/\/\/nonexistent.*weaker isolation/);
    const explicit = await selectRuntime(parseConfig({}, { ...env, NEURAL_RUNTIME: "docker" })).catch(
      (e) => e,
    );
    expect(explicit).toMatchObject({
      name: "UserError",
      message: expect.stringContaining("cannot reach Docker"),
    });
    const local = await selectRuntime(parseConfig({}, { ...env, NEURAL_RUNTIME: "local" }));
    expect(local.runtime.name).toBe("local");
    expect(local.warning).toContain("weaker isolation");
  });
});
