/**
 * The local runtime: a bubblewrap sandbox for machines with no container engine. Weaker isolation than Docker
 * (no seccomp profile of its own, one user namespace), so the daemon warns when it runs, and it is only chosen by
 * `NEURAL_RUNTIME=local`, or by `auto` when no Docker daemon answers.
 *
 * Images are the same docker-archives the docker runtime loads: `loadImage` checks the ID the archive's config
 * hashes to, unpacks its layers (whiteouts applied) into `<imagesDir>/<image hex>/rootfs` and keeps the config
 * (Env, Entrypoint, Cmd) beside it. Each run gets, like a container: no network (all namespaces unshared), the
 * image's folders bound read-only over an otherwise empty root that is then remounted read-only, a 64 MiB tmpfs
 * on /tmp, fresh /proc and /dev, the dataset read-only at /data, /checkpoints and /output writable, user
 * 65534:65534, every capability dropped, no-new-privileges (bubblewrap always sets it), and the process killed
 * with its whole PID namespace at the hard timeout.
 *
 * Limits (memory without swap, CPU quota, pids) come from a cgroup made for the run beneath the worker's own:
 * cgroup v1 (memory, pids, cpu controllers) or v2 (memory.max, pids.max, cpu.max). The sandbox enters it before
 * bubblewrap starts, so every process it forks is counted. OOM is the cgroup's `oom_kill` counter or exit 137
 * without a timeout or abort. Where no cgroup can be created (not root, or a read-only cgroupfs), the limits are
 * NOT enforced and `ping()` says so.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { lstat, mkdir, readdir, readFile, readlink, rename, rm, rmdir, writeFile } from "node:fs/promises";
import { constants } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { TaskFault, UserError } from "../errors.js";
import { type ContainerRuntime, lineSplitter, type RunRequest, type RunResult, TailBuffer } from "./types.js";

const exec = promisify(execFile);

/** What `loadImage` keeps of an image's config. */
interface StoredImage {
  env: string[];
  entrypoint: string[];
  cmd: string[];
}

/** Top-level entries of the image never bound into the sandbox: the sandbox makes its own. */
const OWN_MOUNTS = new Set(["proc", "dev", "sys", "tmp", "data", "checkpoints", "output", "run"]);

export interface LocalRuntimeOptions {
  /** Where unpacked images live (one folder per image ID). */
  imagesDir: string;
  /** The bubblewrap binary (default `bwrap` on PATH). */
  bwrap?: string;
  /** cgroupfs mount (default /sys/fs/cgroup); tests point it elsewhere only to disable limits. */
  cgroupRoot?: string;
}

export class LocalRuntime implements ContainerRuntime {
  readonly name = "local";
  private readonly imagesDir: string;
  private readonly bwrap: string;
  private readonly cgroups: Cgroups;

  constructor(options: LocalRuntimeOptions) {
    this.imagesDir = options.imagesDir;
    this.bwrap = options.bwrap ?? "bwrap";
    this.cgroups = new Cgroups(options.cgroupRoot ?? "/sys/fs/cgroup");
  }

  async ping(): Promise<string> {
    let version: string;
    try {
      version = (await exec(this.bwrap, ["--version"])).stdout.trim();
      await exec(this.bwrap, ["--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "true"]);
    } catch (cause) {
      throw new UserError(
        `cannot run a bubblewrap sandbox with ${this.bwrap}: install bubblewrap (apt-get install bubblewrap) and allow user namespaces, or run Docker and set NEURAL_RUNTIME=docker`,
        { cause },
      );
    }
    const limits = await this.cgroups.detect();
    return limits === "none"
      ? `${version} (local sandbox, weaker than a container; WARNING: memory, CPU and pids limits are NOT enforced: no writable cgroup here, run the worker as root or use Docker)`
      : `${version} (local sandbox, weaker than a container; limits through cgroup ${limits})`;
  }

  private imageDir(imageId: string): string {
    return join(this.imagesDir, imageId.replace(/^sha256:/, ""));
  }

  async hasImage(imageId: string): Promise<boolean> {
    return existsSync(join(this.imageDir(imageId), "image.json"));
  }

  async loadImage(archiveFile: string): Promise<void> {
    await mkdir(this.imagesDir, { recursive: true });
    const work = join(this.imagesDir, `.load-${randomBytes(6).toString("hex")}`);
    try {
      const unpacked = join(work, "archive");
      await mkdir(unpacked, { recursive: true });
      await tarExtract(archiveFile, unpacked, []);
      let manifest: Array<{ Config: string; Layers: string[] }>;
      try {
        manifest = JSON.parse(await readFile(join(unpacked, "manifest.json"), "utf8"));
      } catch (cause) {
        throw new TaskFault("ImageUnavailable", "the image archive has no readable manifest.json", { cause });
      }
      const [image] = manifest;
      if (manifest.length !== 1 || !image || !Array.isArray(image.Layers)) {
        throw new TaskFault("ImageUnavailable", "the image archive's manifest.json must describe one image");
      }
      const configBytes = await readFile(inside(unpacked, image.Config));
      const imageId = `sha256:${createHash("sha256").update(configBytes).digest("hex")}`;
      const config = JSON.parse(configBytes.toString()) as {
        config?: { Env?: string[]; Entrypoint?: string[] | null; Cmd?: string[] | null };
      };
      const rootfs = join(work, "rootfs");
      await mkdir(rootfs);
      for (const layer of image.Layers) await applyLayer(inside(unpacked, layer), rootfs);
      await rm(unpacked, { recursive: true, force: true });
      const stored: StoredImage = {
        env: config.config?.Env ?? [],
        entrypoint: config.config?.Entrypoint ?? [],
        cmd: config.config?.Cmd ?? [],
      };
      await writeFile(join(work, "image.json"), JSON.stringify(stored));
      const target = this.imageDir(imageId);
      if (existsSync(join(target, "image.json"))) return; // loaded meanwhile
      await rm(target, { recursive: true, force: true });
      await rename(work, target);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  async run(request: RunRequest): Promise<RunResult> {
    const dir = this.imageDir(request.image);
    let image: StoredImage;
    try {
      image = JSON.parse(await readFile(join(dir, "image.json"), "utf8"));
    } catch (cause) {
      throw new TaskFault("ImageUnavailable", `image ${request.image} is not loaded in the local runtime`, {
        cause,
      });
    }
    const command = request.command.length > 0 ? request.command : [...image.entrypoint, ...image.cmd];
    if (command.length === 0) throw new TaskFault("InvalidSpec", "the image names no command to run");
    const env: Record<string, string> = {};
    for (const kv of image.env) {
      const i = kv.indexOf("=");
      if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
    }
    Object.assign(env, request.env);
    const args = [
      "--unshare-all",
      "--die-with-parent",
      "--new-session",
      ...(await rootBinds(join(dir, "rootfs"))),
      "--proc",
      "/proc",
      "--dev",
      "/dev",
      ...gpuDevices(request.limits.gpus),
      "--size",
      String(64 * 1024 * 1024),
      "--tmpfs",
      "/tmp",
      "--ro-bind",
      request.mounts.data,
      "/data",
      "--bind",
      request.mounts.checkpoints,
      "/checkpoints",
      "--bind",
      request.mounts.output,
      "/output",
      "--remount-ro",
      "/",
      "--uid",
      "65534",
      "--gid",
      "65534",
      "--cap-drop",
      "ALL",
      "--clearenv",
      ...Object.entries(env).flatMap(([k, v]) => ["--setenv", k, v]),
      "--chdir",
      "/tmp",
      "--",
      ...command,
    ];

    const group = await this.cgroups.create(request.label ?? "run", request.limits);
    const logs = new TailBuffer();
    const splitter = (stream: "stdout" | "stderr") =>
      lineSplitter((line) => {
        logs.push(`${line}\n`);
        request.onLine?.(line, stream);
      });
    const out = splitter("stdout");
    const err = splitter("stderr");
    // The shell joins the run's cgroups, then becomes bubblewrap: nothing of the sandbox runs outside them.
    const enterCgroups =
      'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n-1)); done; exec "$@"';
    const procs = group?.procsFiles ?? [];
    const child: ChildProcess = spawn(
      "/bin/sh",
      ["-c", enterCgroups, "sh", String(procs.length), ...procs, this.bwrap, ...args],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout?.on("data", (c: Buffer) => out.write(c));
    child.stderr?.on("data", (c: Buffer) => err.write(c));
    let timedOut = false;
    let aborted = false;
    const kill = () => {
      child.kill("SIGKILL");
      void group?.killAll();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, request.limits.timeoutSeconds * 1000);
    const onAbort = () => {
      aborted = true;
      kill();
    };
    if (request.signal?.aborted) onAbort();
    request.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const exitCode = await new Promise<number>((resolve, reject) => {
        child.once("error", reject);
        child.once("close", (code, signal) =>
          resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 9) : 9)),
        );
      });
      out.end();
      err.end();
      if (exitCode === 125 && group) {
        throw new Error(`could not enter the run's cgroup: ${logs.toString().slice(-500)}`);
      }
      const oomKilled = (await group?.oomKilled()) === true || (exitCode === 137 && !timedOut && !aborted);
      return { exitCode, oomKilled, timedOut, aborted, logs: logs.toString() };
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener("abort", onAbort);
      await group?.remove();
    }
  }

  /** Kills and removes the cgroups of runs labelled `owner` that a crashed worker left behind. */
  async cleanup(owner: string): Promise<number> {
    return this.cgroups.removeLeftovers(owner);
  }
}

/** `path` joined under `root`, refusing names that climb out of it (a hostile archive's manifest). */
function inside(root: string, name: string): string {
  const path = join(root, name);
  if (!path.startsWith(`${root}/`)) {
    throw new TaskFault("ImageUnavailable", `the image archive names a file outside itself: ${name}`);
  }
  return path;
}

async function tarExtract(file: string, into: string, extra: string[]): Promise<void> {
  try {
    // --delay-directory-restore: a read-only folder gets its mode only after its files are written
    await exec("tar", ["-xf", file, "-C", into, "--delay-directory-restore", ...extra], {
      maxBuffer: 16 << 20,
    });
  } catch (cause) {
    throw new TaskFault("ImageUnavailable", "the image archive or one of its layers is not a valid tar", {
      cause,
    });
  }
}

/** Applies one layer tar onto `rootfs`: its whiteouts first (deletions of earlier layers' files), then its files. */
async function applyLayer(layer: string, rootfs: string): Promise<void> {
  let listing: string;
  try {
    listing = (await exec("tar", ["-tf", layer], { maxBuffer: 256 << 20 })).stdout;
  } catch (cause) {
    throw new TaskFault("ImageUnavailable", "an image layer is not a valid tar", { cause });
  }
  for (const raw of listing.split("\n")) {
    const name = raw.replace(/^\.\//, "");
    const base = name.slice(name.lastIndexOf("/") + 1);
    if (!base.startsWith(".wh.")) continue;
    const parent = dirname(name);
    const folder = parent === "." ? rootfs : inside(rootfs, parent);
    if (base === ".wh..wh..opq") {
      // an opaque folder: nothing of the earlier layers shows through
      for (const entry of await readdir(folder).catch(() => [] as string[])) {
        await rm(join(folder, entry), { recursive: true, force: true });
      }
    } else {
      await rm(inside(rootfs, join(parent, base.slice(4))), { recursive: true, force: true });
    }
  }
  await tarExtract(layer, rootfs, ["--exclude=.wh.*", "--exclude=*/.wh.*"]);
}

/**
 * bubblewrap arguments that show the image's top-level folders and files read-only on the sandbox's own root
 * (so /data, /checkpoints and /output can be mounted even though the image has no such folders), and recreate its
 * top-level symlinks (merged-/usr images link /bin, /lib to usr/...).
 */
async function rootBinds(rootfs: string): Promise<string[]> {
  const args: string[] = [];
  for (const entry of (await readdir(rootfs)).sort()) {
    if (OWN_MOUNTS.has(entry)) continue;
    const path = join(rootfs, entry);
    const info = await lstat(path);
    if (info.isSymbolicLink()) args.push("--symlink", await readlink(path), `/${entry}`);
    else if (info.isDirectory() || info.isFile()) args.push("--ro-bind", path, `/${entry}`);
  }
  return args;
}

/** The NVIDIA device nodes, bound when the spec asks for GPUs (untested here: this machine has none). */
function gpuDevices(gpus: number): string[] {
  if (gpus <= 0) return [];
  const nodes = ["/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools"];
  for (let i = 0; i < gpus; i++) nodes.push(`/dev/nvidia${i}`);
  const present = nodes.filter((n) => existsSync(n));
  if (!present.includes("/dev/nvidia0")) {
    throw new UserError(
      "the spec asks for a GPU but this node has no /dev/nvidia0: the local runtime binds NVIDIA device nodes only",
    );
  }
  return present.flatMap((n) => ["--dev-bind", n, n]);
}

// ---------------------------------------------------------------------------------------------- cgroups

type CgroupKind = "v2" | "v1" | "none";

/** One run's cgroup(s): v1 has one folder per controller, v2 one folder. */
interface RunGroup {
  procsFiles: string[];
  oomKilled(): Promise<boolean>;
  killAll(): Promise<void>;
  remove(): Promise<void>;
}

const PREFIX = "neural-run";

class Cgroups {
  private kind: Promise<CgroupKind> | undefined;

  constructor(private readonly root: string) {}

  /** Which cgroup interface this process can create runs in (cached). */
  detect(): Promise<CgroupKind> {
    this.kind ??= this.probe();
    return this.kind;
  }

  private async probe(): Promise<CgroupKind> {
    for (const kind of ["v2", "v1"] as const) {
      const parents = await this.parents(kind);
      if (parents.length === 0) continue;
      const probe = parents.map((p) => join(p, `${PREFIX}-probe-${randomBytes(4).toString("hex")}`));
      try {
        for (const p of probe) await mkdir(p);
        return kind;
      } catch {
        // not writable here
      } finally {
        for (const p of probe) await rmdir(p).catch(() => undefined);
      }
    }
    return "none";
  }

  /** The folders runs are created in: beneath this process's own cgroup, per controller for v1. */
  private async parents(kind: "v1" | "v2"): Promise<string[]> {
    const own = await readFile("/proc/self/cgroup", "utf8").catch(() => "");
    const lines = own.split("\n").map((l) => l.split(":"));
    if (kind === "v2") {
      if (!existsSync(join(this.root, "cgroup.controllers"))) return [];
      const path = lines.find((l) => l[0] === "0")?.[2] ?? "/";
      return [join(this.root, path)];
    }
    const out: string[] = [];
    for (const controller of ["memory", "pids", "cpu"]) {
      const line = lines.find((l) => (l[1] ?? "").split(",").includes(controller));
      const mount = join(this.root, controller);
      if (!line || !existsSync(join(mount, "cgroup.procs"))) return [];
      out.push(join(mount, line[2] ?? "/"));
    }
    return out;
  }

  async create(label: string, limits: RunRequest["limits"]): Promise<RunGroup | undefined> {
    const kind = await this.detect();
    if (kind === "none") return undefined;
    const name = `${PREFIX}.${sanitize(label)}.${randomBytes(4).toString("hex")}`;
    const dirs = (await this.parents(kind)).map((p) => join(p, name));
    for (const d of dirs) await mkdir(d);
    const memory = String(limits.memoryMiB * 1024 * 1024);
    const period = 100_000;
    const quota = String(Math.max(1000, Math.round(limits.cpus * period)));
    if (kind === "v2") {
      const [d] = dirs as [string];
      await writeFile(join(d, "memory.max"), memory);
      await writeFile(join(d, "memory.swap.max"), "0").catch(() => undefined);
      await writeFile(join(d, "pids.max"), String(limits.pids));
      await writeFile(join(d, "cpu.max"), `${quota} ${period}`);
    } else {
      const [mem, pids, cpu] = dirs as [string, string, string];
      await writeFile(join(mem, "memory.limit_in_bytes"), memory);
      // without swap accounting the file is absent: memory alone is then the limit
      await writeFile(join(mem, "memory.memsw.limit_in_bytes"), memory).catch(() => undefined);
      await writeFile(join(pids, "pids.max"), String(limits.pids));
      await writeFile(join(cpu, "cpu.cfs_period_us"), String(period));
      await writeFile(join(cpu, "cpu.cfs_quota_us"), quota);
    }
    return groupOf(kind, dirs);
  }

  async removeLeftovers(owner: string): Promise<number> {
    const kind = await this.detect();
    if (kind === "none") return 0;
    const parents = await this.parents(kind);
    const prefix = `${PREFIX}.${sanitize(owner)}`;
    const names = new Set<string>();
    for (const p of parents) {
      for (const e of await readdir(p).catch(() => [] as string[])) {
        if (e.startsWith(`${prefix}.`)) names.add(e);
      }
    }
    for (const name of names) {
      const group = groupOf(
        kind,
        parents.map((p) => join(p, name)),
      );
      await group.killAll();
      await group.remove();
    }
    return names.size;
  }
}

function groupOf(kind: "v1" | "v2", dirs: string[]): RunGroup {
  const procsFiles = dirs.map((d) => join(d, "cgroup.procs"));
  const pids = async () => {
    const all = new Set<number>();
    for (const f of procsFiles) {
      for (const l of (await readFile(f, "utf8").catch(() => "")).split("\n")) if (l) all.add(Number(l));
    }
    return [...all];
  };
  const killAll = async () => {
    for (const pid of await pids()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  };
  return {
    procsFiles,
    async oomKilled() {
      const file = kind === "v2" ? "memory.events" : "memory.oom_control";
      const text = await readFile(join(dirs[0] as string, file), "utf8").catch(() => "");
      return Number(/oom_kill (\d+)/.exec(text)?.[1] ?? 0) > 0;
    },
    killAll,
    async remove() {
      // a cgroup can only be removed once empty: the killed processes take a moment to be reaped
      for (let attempt = 0; attempt < 50; attempt++) {
        if ((await pids()).length === 0) break;
        await killAll();
        await new Promise((r) => setTimeout(r, 20));
      }
      for (const d of dirs) await rmdir(d).catch(() => undefined);
    },
  };
}

function sanitize(label: string): string {
  return label.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64);
}
