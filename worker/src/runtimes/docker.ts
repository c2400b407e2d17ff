/**
 * The docker runtime (dockerode). Every container runs hardened: no network, read-only root with a tmpfs /tmp,
 * a non-root user, all capabilities dropped, no-new-privileges, memory (no swap), CPU, pids and GPU limits from the
 * spec, a hard timeout, stdout/stderr captured line by line; the container is always removed. OOM is exit 137
 * (when not our own timeout kill) OR State.OOMKilled: a child killed for memory can leave PID 1 exiting 0.
 */
import { PassThrough } from "node:stream";
import Docker from "dockerode";
import { UserError } from "../errors.js";
import { type ContainerRuntime, lineSplitter, type RunRequest, type RunResult, TailBuffer } from "./types.js";

export const CONTAINER_LABEL = "io.neural.worker";
/** uid:gid of `nobody`: images must run as it (the trainer image does). */
export const CONTAINER_USER = "65534:65534";

/** dockerode's connection options for `unix:///path.sock` or `tcp://host:port`. */
export function dockerOptions(host: string): Docker.DockerOptions {
  if (host.startsWith("unix://")) return { socketPath: host.slice("unix://".length) };
  if (host.startsWith("/")) return { socketPath: host };
  const m = /^(?:tcp|http):\/\/([^:/]+):(\d+)\/?$/.exec(host);
  if (m) return { host: m[1], port: Number(m[2]), protocol: "http" };
  throw new UserError(
    `NEURAL_DOCKER_HOST (--docker-host): "${host}" is not unix:///path.sock or tcp://host:port`,
  );
}

export class DockerRuntime implements ContainerRuntime {
  readonly name = "docker";
  readonly docker: Docker;
  private readonly host: string;

  constructor(host: string) {
    this.host = host;
    this.docker = new Docker(dockerOptions(host));
  }

  async ping(): Promise<string> {
    try {
      const v = await this.docker.version();
      return `Docker ${v.Version} (API ${v.ApiVersion}) at ${this.host}`;
    } catch (cause) {
      throw new UserError(
        `cannot reach Docker at ${this.host}: start dockerd, or set NEURAL_DOCKER_HOST (--docker-host) to its socket`,
        { cause },
      );
    }
  }

  async hasImage(imageId: string): Promise<boolean> {
    try {
      const info = await this.docker.getImage(imageId).inspect();
      return info.Id === imageId || imageId.endsWith(info.Id.replace(/^sha256:/, ""));
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return false;
      throw error;
    }
  }

  async loadImage(archiveFile: string): Promise<void> {
    const stream = await this.docker.loadImage(archiveFile, { quiet: true });
    await new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(stream, (error: Error | null, output: Array<{ error?: string }>) => {
        const failed = output?.find((o) => o.error);
        if (error || failed) reject(error ?? new Error(failed?.error));
        else resolve();
      });
    });
  }

  async run(request: RunRequest): Promise<RunResult> {
    const { limits } = request;
    const logs = new TailBuffer();
    const splitters = {
      stdout: lineSplitter((line) => {
        logs.push(`${line}\n`);
        request.onLine?.(line, "stdout");
      }),
      stderr: lineSplitter((line) => {
        logs.push(`${line}\n`);
        request.onLine?.(line, "stderr");
      }),
    };
    const container = await this.docker.createContainer({
      Image: request.image,
      ...(request.command.length > 0 ? { Cmd: request.command } : {}),
      Env: Object.entries(request.env).map(([k, v]) => `${k}=${v}`),
      User: CONTAINER_USER,
      WorkingDir: "/tmp",
      NetworkDisabled: true,
      Labels: { [CONTAINER_LABEL]: request.label ?? "run" },
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      HostConfig: {
        NetworkMode: "none",
        ReadonlyRootfs: true,
        Tmpfs: { "/tmp": "rw,noexec,nosuid,size=64m" },
        CapDrop: ["ALL"],
        SecurityOpt: ["no-new-privileges"],
        Memory: limits.memoryMiB * 1024 * 1024,
        MemorySwap: limits.memoryMiB * 1024 * 1024,
        NanoCpus: Math.round(limits.cpus * 1e9),
        PidsLimit: limits.pids,
        Binds: [
          `${request.mounts.data}:/data:ro`,
          `${request.mounts.checkpoints}:/checkpoints:rw`,
          `${request.mounts.output}:/output:rw`,
        ],
        ...(limits.gpus > 0
          ? { DeviceRequests: [{ Driver: "nvidia", Count: limits.gpus, Capabilities: [["gpu"]] }] }
          : {}),
        LogConfig: { Type: "json-file", Config: {} },
      },
    });
    let timedOut = false;
    let aborted = false;
    let timer: NodeJS.Timeout | undefined;
    const kill = () => container.kill({ signal: "SIGKILL" }).catch(() => undefined);
    const onAbort = () => {
      aborted = true;
      void kill();
    };
    try {
      const stream = await container.attach({ stream: true, stdout: true, stderr: true });
      const out = new PassThrough();
      const err = new PassThrough();
      out.on("data", (c: Buffer) => splitters.stdout.write(c));
      err.on("data", (c: Buffer) => splitters.stderr.write(c));
      this.docker.modem.demuxStream(stream, out, err);
      const ended = new Promise<void>((resolve) => {
        stream.on("end", resolve);
        stream.on("close", resolve);
        stream.on("error", () => resolve());
      });
      await container.start();
      timer = setTimeout(() => {
        timedOut = true;
        void kill();
      }, limits.timeoutSeconds * 1000);
      if (request.signal?.aborted) onAbort();
      request.signal?.addEventListener("abort", onAbort, { once: true });
      const waited = (await container.wait()) as { StatusCode: number };
      await ended;
      splitters.stdout.end();
      splitters.stderr.end();
      const state = (await container.inspect()).State;
      const exitCode = waited.StatusCode;
      const oomKilled = state.OOMKilled === true || (exitCode === 137 && !timedOut && !aborted);
      return { exitCode, oomKilled, timedOut, aborted, logs: logs.toString() };
    } finally {
      if (timer) clearTimeout(timer);
      request.signal?.removeEventListener("abort", onAbort);
      await container.remove({ force: true, v: true }).catch(() => undefined);
    }
  }

  async cleanup(owner: string): Promise<number> {
    const containers = await this.docker.listContainers({
      all: true,
      filters: { label: [`${CONTAINER_LABEL}=${owner}`] },
    });
    for (const c of containers) await this.docker.getContainer(c.Id).remove({ force: true, v: true });
    return containers.length;
  }
}
