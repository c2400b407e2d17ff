/** One interface for every container runtime (docker and kubernetes; local next). */

export interface RunLimits {
  memoryMiB: number;
  cpus: number;
  /** Most processes/threads inside the container. */
  pids: number;
  gpus: number;
  /** Hard wall-clock limit; the container is killed after it. */
  timeoutSeconds: number;
}

export interface RunRequest {
  /** Image ID (sha256:<hex>) or reference already present in the runtime. */
  image: string;
  /** argv; the image's entrypoint/cmd when empty. */
  command: string[];
  env: Record<string, string>;
  /** Host folders bound at the container contract's mount points. */
  mounts: { data: string; checkpoints: string; output: string };
  limits: RunLimits;
  /** Called with each complete line the container prints. */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
  /** Aborting kills the container (node shutting down). */
  signal?: AbortSignal;
  /** Label to find the container again after a crash (e.g. task-shard-epoch). */
  label?: string;
}

export interface RunResult {
  exitCode: number;
  /** The kernel killed a process for memory (exit 137 without a timeout, or State.OOMKilled). */
  oomKilled: boolean;
  timedOut: boolean;
  /** Killed because `signal` aborted. */
  aborted: boolean;
  /** Combined output, the last `MAX_LOG_BYTES` of it. */
  logs: string;
}

export const MAX_LOG_BYTES = 1024 * 1024 - 4096;

export interface ContainerRuntime {
  readonly name: string;
  /** Throws with a message saying what to fix when the runtime cannot be used. */
  ping(): Promise<string>;
  hasImage(imageId: string): Promise<boolean>;
  /** Loads a docker-archive (`docker save` layout) into the runtime's image store. */
  loadImage(archiveFile: string): Promise<void>;
  run(request: RunRequest): Promise<RunResult>;
  /** Removes containers labelled `owner` left by a previous process of this worker (after a crash). */
  cleanup(owner: string): Promise<number>;
}

/** Keeps the last `max` bytes of what is appended (logs of long trainings). */
export class TailBuffer {
  private chunks: string[] = [];
  private size = 0;
  constructor(private readonly max = MAX_LOG_BYTES) {}
  push(text: string): void {
    this.chunks.push(text);
    this.size += text.length;
    while (this.size > this.max && this.chunks.length > 1) {
      this.size -= (this.chunks.shift() as string).length;
    }
  }
  toString(): string {
    const all = this.chunks.join("");
    return all.length > this.max ? all.slice(all.length - this.max) : all;
  }
}

/** Splits a byte stream into lines, calling `onLine` for each complete one. */
export function lineSplitter(onLine: (line: string) => void): {
  write(chunk: Buffer | string): void;
  end(): void;
} {
  let rest = "";
  return {
    write(chunk) {
      rest += chunk.toString();
      let i = rest.indexOf("\n");
      while (i >= 0) {
        onLine(rest.slice(0, i).replace(/\r$/, ""));
        rest = rest.slice(i + 1);
        i = rest.indexOf("\n");
      }
    },
    end() {
      if (rest !== "") onLine(rest);
      rest = "";
    },
  };
}
