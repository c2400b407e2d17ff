/**
 * What this machine offers, as NodeRegistry's Capabilities: GPUs from `nvidia-smi` when it exists, CPU cores and
 * memory from the OS. Every field can be overridden by the operator (register's flags).
 */
import { execFile } from "node:child_process";
import { availableParallelism, totalmem } from "node:os";
import { promisify } from "node:util";
import type { Capabilities } from "@neural/sdk";
import { type Hex, stringToHex } from "viem";
import { UserError } from "./errors.js";

const run = promisify(execFile);

export interface DetectedCapabilities {
  gpuModel: string;
  gpuCount: number;
  /** Per GPU (the smallest, when they differ). */
  vramMiB: number;
  cpuCores: number;
  memoryMiB: number;
  region: string;
  /** Where each value came from. */
  sources: Record<string, "nvidia-smi" | "os" | "override" | "none">;
}

export interface GpuInfo {
  model: string;
  count: number;
  vramMiB: number;
}

/** Parses `nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits`. */
export function parseNvidiaSmi(output: string): GpuInfo | null {
  const rows = output
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const i = l.lastIndexOf(",");
      return { name: l.slice(0, i).trim(), mem: Number(l.slice(i + 1).trim()) };
    })
    .filter((r) => r.name !== "" && Number.isFinite(r.mem));
  if (rows.length === 0) return null;
  return {
    model: rows[0]?.name ?? "",
    count: rows.length,
    vramMiB: Math.min(...rows.map((r) => r.mem)),
  };
}

export async function detectGpus(nvidiaSmi = "nvidia-smi"): Promise<GpuInfo | null> {
  try {
    const { stdout } = await run(
      nvidiaSmi,
      ["--query-gpu=name,memory.total", "--format=csv,noheader,nounits"],
      {
        timeout: 10_000,
      },
    );
    return parseNvidiaSmi(stdout);
  } catch {
    return null;
  }
}

export type CapabilityOverrides = Partial<Omit<DetectedCapabilities, "sources">>;

export async function detectCapabilities(overrides: CapabilityOverrides = {}): Promise<DetectedCapabilities> {
  const gpu = await detectGpus();
  const sources: DetectedCapabilities["sources"] = {};
  const pick = <K extends keyof CapabilityOverrides>(
    key: K,
    detected: NonNullable<CapabilityOverrides[K]>,
    source: "nvidia-smi" | "os" | "none",
  ): NonNullable<CapabilityOverrides[K]> => {
    const o = overrides[key];
    if (o !== undefined) {
      sources[key] = "override";
      return o as NonNullable<CapabilityOverrides[K]>;
    }
    sources[key] = source;
    return detected;
  };
  return {
    gpuModel: pick("gpuModel", gpu?.model ?? "", gpu ? "nvidia-smi" : "none"),
    gpuCount: pick("gpuCount", gpu?.count ?? 0, gpu ? "nvidia-smi" : "none"),
    vramMiB: pick("vramMiB", gpu?.vramMiB ?? 0, gpu ? "nvidia-smi" : "none"),
    cpuCores: pick("cpuCores", availableParallelism(), "os"),
    memoryMiB: pick("memoryMiB", Math.floor(totalmem() / 1024 / 1024), "os"),
    region: pick("region", "", "none"),
    sources,
  };
}

function paddedAscii(value: string, size: 16 | 32, field: string): Hex {
  if (!/^[\x20-\x7e]*$/.test(value))
    throw new UserError(`${field} must be printable ASCII, got ${JSON.stringify(value)}`);
  if (value.length > size)
    throw new UserError(`${field} must be at most ${size} characters, got ${value.length}`);
  return stringToHex(value, { size });
}

/** The on-chain struct. */
export function toCapabilities(c: Omit<DetectedCapabilities, "sources">): Capabilities {
  const check = (v: number, max: number, field: string) => {
    if (!Number.isInteger(v) || v < 0 || v > max)
      throw new UserError(`${field} must be a whole number 0-${max}, got ${v}`);
    return v;
  };
  return {
    gpuModel: paddedAscii(c.gpuModel, 32, "gpu model (--gpu-model)"),
    gpuCount: check(c.gpuCount, 0xffff, "gpu count (--gpu-count)"),
    vramMiB: check(c.vramMiB, 0xffffffff, "VRAM (--vram-mib)"),
    cpuCores: check(c.cpuCores, 0xffff, "CPU cores (--cpu-cores)"),
    memoryMiB: check(c.memoryMiB, 0xffffffff, "memory (--memory-mib)"),
    region: paddedAscii(c.region, 16, "region (--region)"),
  };
}
