import { hexToString } from "viem";
import { describe, expect, it } from "vitest";
import { detectCapabilities, parseNvidiaSmi, toCapabilities } from "./capabilities.js";

describe("capabilities", () => {
  it("parses nvidia-smi's CSV (smallest VRAM when GPUs differ)", () => {
    expect(parseNvidiaSmi("NVIDIA H100 80GB HBM3, 81559\nNVIDIA H100 80GB HBM3, 81000\n")).toEqual({
      model: "NVIDIA H100 80GB HBM3",
      count: 2,
      vramMiB: 81000,
    });
    expect(parseNvidiaSmi("")).toBeNull();
  });

  it("detects CPU and memory, and overrides win", async () => {
    const c = await detectCapabilities({ region: "eu-west", gpuCount: 0 });
    expect(c.cpuCores).toBeGreaterThan(0);
    expect(c.memoryMiB).toBeGreaterThan(0);
    expect(c.sources).toMatchObject({ region: "override", gpuCount: "override", cpuCores: "os" });
    const onChain = toCapabilities(c);
    expect(hexToString(onChain.region, { size: 16 }).replace(/\0+$/, "")).toBe("eu-west");
  });

  it("refuses what the contract cannot hold, naming the flag", () => {
    const base = { gpuModel: "", gpuCount: 0, vramMiB: 0, cpuCores: 1, memoryMiB: 1, region: "" };
    expect(() => toCapabilities({ ...base, region: "a-region-name-too-long" })).toThrow(/--region/);
    expect(() => toCapabilities({ ...base, cpuCores: 70000 })).toThrow(/--cpu-cores/);
  });
});
