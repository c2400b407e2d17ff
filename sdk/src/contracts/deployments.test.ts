import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { NotFoundError, ValidationError } from "../errors/errors.js";
import { CONTRACT_NAMES, deploymentStartBlock, parseDeployment } from "./deployments.js";
import { deploymentPath, loadDeployment } from "./deployments-fs.js";

function example() {
  return {
    chainId: 31337,
    contracts: Object.fromEntries(
      CONTRACT_NAMES.map((name, i) => [
        name,
        {
          address: `0x${(i + 1).toString(16).padStart(40, "a")}`,
          startBlock: 10 + i,
          txHash: `0x${(i + 1).toString(16).padStart(64, "0")}`,
        },
      ]),
    ),
    roles: {
      governor: "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
      keeper: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      treasury: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
      admin: "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
    },
    generatedAt: "2026-11-22T21:40:00.000Z",
  };
}

describe("deployments", () => {
  it("parses a deployment file and checksums addresses", () => {
    const d = parseDeployment(JSON.stringify(example()), 31337);
    expect(d.roles.governor).toBe("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    expect(d.contracts.TaskManager.startBlock).toBe(15);
    expect(d.contracts.Sortition.startBlock).toBe(17);
    expect(d.contracts.NeuralTimelock.startBlock).toBe(10);
    expect(d.roles.admin).toBe("0x90F79bf6EB2c4f870365E785982E1f101E93b906");
    expect(d.contracts.TaskManagerExtension.address).toMatch(/^0x/);
    expect(deploymentStartBlock(d)).toBe(10);
  });

  it("names every problem of a bad file", () => {
    const bad = example() as Record<string, unknown> & { contracts: Record<string, unknown> };
    delete bad.contracts.DisputeManager;
    (bad.contracts.NeuralToken as { address: string }).address = "0x1234";
    bad.roles = { governor: "0x0", keeper: "x" };
    let error: unknown;
    try {
      parseDeployment(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const message = (error as ValidationError).message;
    expect(message).toMatch(/contracts\.DisputeManager: /);
    expect(message).toMatch(/contracts\.NeuralToken\.address: expected a 20-byte 0x address/);
    expect(message).toMatch(/roles\.treasury: /);
    expect(() => parseDeployment(example(), 1)).toThrow(/chainId: is 31337, expected 1/);
    // a file from before issue 8 (PrevrandaoRandomness, no Sortition) is refused
    const old = example() as { contracts: Record<string, unknown> };
    old.contracts.PrevrandaoRandomness = old.contracts.BlockhashRandomness;
    delete old.contracts.BlockhashRandomness;
    delete old.contracts.Sortition;
    expect(() => parseDeployment(old)).toThrow(/contracts\.Sortition: /);
  });

  it("loads deployments/<chainId>.json from a folder", async () => {
    const dir = await mkdtemp(join(tmpdir(), "neural-deployments-"));
    await writeFile(join(dir, "31337.json"), JSON.stringify(example()));
    expect((await loadDeployment(31337, { directory: dir })).chainId).toBe(31337);
    await expect(loadDeployment(5, { directory: dir })).rejects.toBeInstanceOf(NotFoundError);
    await rm(dir, { recursive: true, force: true });
  });

  it("finds the repository's deployments/ whatever the working directory", () => {
    const repoFile = join(import.meta.dirname, "..", "..", "..", "deployments", "31337.json");
    const cwd = process.cwd();
    const saved = process.env.NEURAL_DEPLOYMENTS_DIR;
    delete process.env.NEURAL_DEPLOYMENTS_DIR;
    try {
      process.chdir(tmpdir());
      expect(deploymentPath(31337)).toBe(repoFile);
    } finally {
      process.chdir(cwd);
      if (saved !== undefined) process.env.NEURAL_DEPLOYMENTS_DIR = saved;
    }
  });
});
