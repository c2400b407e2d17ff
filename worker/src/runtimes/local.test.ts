import { existsSync } from "node:fs";
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBusyboxArchive, busyboxLayerFiles } from "../../test/busybox-image.js";
import { contractRun, runtimeContract } from "../../test/runtime-contract.js";
import { parseConfig } from "../config.js";
import { layerTar, writeDockerArchive } from "../images/archive.js";
import { selectRuntime } from "./index.js";
import { LocalRuntime } from "./local.js";
import type { RunRequest } from "./types.js";

// Real bubblewrap and real cgroups (the CI machine runs the tests as root with a writable cgroupfs): a missing
// bwrap fails these tests, it never skips them.
let runtime: LocalRuntime;
let dir: string;
let imageId: string;
const LABEL = "local-test";

const under = () => ({ runtime, imageId, dir, label: LABEL, leftovers });
const run = (command: string[], over: Partial<RunRequest> = {}) => contractRun(under(), command, over);

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

  runtimeContract(under);

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
