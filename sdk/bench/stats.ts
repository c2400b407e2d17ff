import { readFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Times `fn` once, in milliseconds. */
export async function time(fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** CPU model as /proc/cpuinfo names it (os.cpus() elsewhere). */
export function cpuModel(): string {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("model name"));
    if (line) return line.split(":")[1]?.trim() ?? "unknown";
  } catch {
    // not Linux
  }
  return cpus()[0]?.model.trim() ?? "unknown";
}

export function machine(): string {
  const load = loadavg()[0]?.toFixed(1) ?? "?";
  return `${cpuModel()}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${load} at start`;
}

export const MB = 1_000_000;
export const MiB = 1024 * 1024;

/** Megabytes (10^6 bytes) per second. */
export function mbps(bytes: number, ms: number): number {
  return bytes / MB / (ms / 1000);
}
