/**
 * What `neural-worker start` shows on a terminal: log lines made readable (time, level, message, a few fields)
 * scrolling above one status line that tracks the shard being trained — a spinner, the phase, a progress bar of
 * steps and the last loss. Off a terminal (or with --json) the daemon writes pino's JSON lines unchanged.
 */
import { Writable } from "node:stream";

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const LEVELS: Record<number, string> = {
  10: "trace",
  20: "debug",
  30: "info",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};
/** Fields pino adds to every line, not worth repeating on a terminal. */
const SKIP = new Set(["level", "time", "msg", "pid", "hostname", "service", "v"]);

/** One pino JSON line as `12:04:05 info  shard submitted task=7 shard=0`; a non-JSON line is returned as is. */
export function formatLogLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof entry.time === "string" ? entry.time.slice(11, 19) : "";
  const level = (LEVELS[entry.level as number] ?? String(entry.level)).padEnd(5);
  const fields = Object.entries(entry)
    .filter(([k, v]) => !SKIP.has(k) && v !== undefined && typeof v !== "object")
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(" ");
  return [time, level, String(entry.msg ?? ""), fields].filter((s) => s !== "").join(" ");
}

export interface ShardStatusView {
  taskId: number;
  shardIndex: number;
  phase: string;
  step?: number;
  totalSteps?: number;
  loss?: number;
}

/** The status line: idle, or the shard's phase with a bar of steps and the loss. */
export function statusLine(shard: ShardStatusView | undefined, frame: number, width = 20): string {
  const spin = SPINNER[frame % SPINNER.length];
  if (!shard) return `${spin} idle: waiting for jobs`;
  let text = `${spin} task ${shard.taskId} shard ${shard.shardIndex} · ${shard.phase}`;
  if (shard.step !== undefined && shard.totalSteps) {
    const ratio = Math.min(1, shard.step / shard.totalSteps);
    const filled = Math.round(ratio * width);
    text += ` [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${shard.step}/${shard.totalSteps}`;
  }
  if (shard.loss !== undefined) text += ` · loss ${shard.loss.toFixed(4)}`;
  return text;
}

/**
 * The terminal display: a Writable for the logger (each line is printed above the status line) and setters for
 * the shard's state. `start()` animates the spinner; `stop()` clears the status line.
 */
export class TtyStatus {
  private shard: ShardStatusView | undefined;
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;
  private pending = "";
  readonly logStream: Writable;

  constructor(private readonly out: { write(s: string): unknown }) {
    this.logStream = new Writable({
      write: (chunk: Buffer | string, _enc, done) => {
        this.pending += chunk.toString();
        let i = this.pending.indexOf("\n");
        while (i >= 0) {
          const line = this.pending.slice(0, i);
          this.pending = this.pending.slice(i + 1);
          this.out.write(`\r\x1b[K${formatLogLine(line)}\n`);
          i = this.pending.indexOf("\n");
        }
        this.draw();
        done();
      },
    });
  }

  start(intervalMs = 120): void {
    this.draw();
    this.timer = setInterval(() => {
      this.frame++;
      this.draw();
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.out.write("\r\x1b[K");
  }

  /** A phase of a shard attempt (fetching, training, stored, signed, ...): the shard becomes the one shown. */
  phase(taskId: number, shardIndex: number, phase: string): void {
    const same = this.shard?.taskId === taskId && this.shard.shardIndex === shardIndex;
    this.shard = same ? { ...(this.shard as ShardStatusView), phase } : { taskId, shardIndex, phase };
    this.draw();
  }

  progress(p: { taskId: number; shardIndex: number; step: number; totalSteps: number; loss?: number }): void {
    this.shard = {
      taskId: p.taskId,
      shardIndex: p.shardIndex,
      phase: "training",
      step: p.step,
      totalSteps: p.totalSteps,
      ...(p.loss !== undefined ? { loss: p.loss } : {}),
    };
    this.draw();
  }

  idle(): void {
    this.shard = undefined;
    this.draw();
  }

  private draw(): void {
    this.out.write(`\r\x1b[K${statusLine(this.shard, this.frame)}`);
  }
}
