// scripts/networks.mjs (networks.json from a deployment file) and scripts/abis.mjs (ABIs from forge artifacts).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { eventAbi, eventSignature, SOURCES, sourceArtifacts } from "../scripts/abis.mjs";
import { DATA_SOURCES, mergeNetworks, networkConfig, writeNetworks } from "../scripts/networks.mjs";

const subgraphDir = join(import.meta.dirname, "..");
const fixture = join(subgraphDir, "test", "fixtures", "deployments", "31337.json");
const deployment = JSON.parse(readFileSync(fixture, "utf8"));
const tmp = mkdtempSync(join(tmpdir(), "neural-subgraph-scripts-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("networks.mjs", () => {
  it("maps every data source to its deployed address (lowercase) and start block", () => {
    const config = networkConfig(deployment);
    expect(Object.keys(config)).toEqual(DATA_SOURCES);
    expect(config.NodeRegistry).toEqual({
      address: deployment.contracts.NodeRegistry.address.toLowerCase(),
      startBlock: deployment.contracts.NodeRegistry.startBlock,
    });
    // The randomness source emits nothing: it is not a data source.
    expect(config).not.toHaveProperty("BlockhashRandomness");
  });

  it("rejects a deployment without a contract, or with a bad address or start block", () => {
    const without = structuredClone(deployment);
    delete without.contracts.ModelRegistry;
    expect(() => networkConfig(without)).toThrow(/lacks ModelRegistry/);
    const badAddress = structuredClone(deployment);
    badAddress.contracts.TaskManager.address = "0x1234";
    expect(() => networkConfig(badAddress)).toThrow(/TaskManager: bad address/);
    const badBlock = structuredClone(deployment);
    badBlock.contracts.NeuralToken.startBlock = -1;
    expect(() => networkConfig(badBlock)).toThrow(/NeuralToken: bad startBlock/);
  });

  it("keeps the other networks of an existing networks file", () => {
    const merged = mergeNetworks({ mainnet: { NodeRegistry: { address: "0xabc" } } }, "anvil", deployment);
    expect(Object.keys(merged)).toEqual(["mainnet", "anvil"]);
    expect(merged.mainnet).toEqual({ NodeRegistry: { address: "0xabc" } });
  });

  it("writes networks.json from the CLI, and fails clearly without a deployment file", () => {
    const out = join(tmp, "networks.json");
    writeFileSync(out, JSON.stringify({ other: {} }));
    const stdout = execFileSync(
      process.execPath,
      [
        join(subgraphDir, "scripts", "networks.mjs"),
        "--deployment",
        fixture,
        "--network",
        "anvil",
        "--out",
        out,
      ],
      { encoding: "utf8" },
    );
    expect(stdout).toMatch(/network anvil/);
    const written = JSON.parse(readFileSync(out, "utf8"));
    expect(Object.keys(written)).toEqual(["other", "anvil"]);
    expect(written.anvil.DisputeManager.startBlock).toBe(7);
    expect(written.anvil.Sortition.startBlock).toBe(6);
    expect(written.anvil.TaskManagerExtension.startBlock).toBe(3);
    expect(() =>
      writeNetworks({ deploymentFile: join(tmp, "missing.json"), outFile: join(tmp, "n.json") }),
    ).toThrow(/no deployment file/);
  });
});

describe("abis.mjs", () => {
  const artifact = (name: string, abi: unknown[]) => {
    mkdirSync(join(tmp, "out", `${name}.sol`), { recursive: true });
    writeFileSync(join(tmp, "out", `${name}.sol`, `${name}.json`), JSON.stringify({ abi }));
  };
  const ev = (name: string, inputs: unknown[]) => ({ type: "event", name, inputs, anonymous: false });
  const uint = (name: string, indexed = false) => ({ name, type: "uint256", indexed });

  it("writes canonical event signatures, tuples and arrays included", () => {
    const tuple = {
      name: "c",
      type: "tuple",
      indexed: false,
      components: [
        { name: "a", type: "bytes32" },
        { name: "b", type: "uint16" },
      ],
    };
    expect(eventSignature(ev("X", [uint("id", true), tuple, { name: "m", type: "uint64[]" }]))).toBe(
      "X(uint256,(bytes32,uint16),uint64[])",
    );
  });

  it("takes the implementation's artifact, else the interface plus the inherited bases", () => {
    const taskManager = SOURCES.TaskManager;
    artifact("ITaskManager", [ev("TaskPosted", [uint("taskId", true)]), ev("ParameterSet", [uint("v")])]);
    artifact("Governed", [ev("ParameterSet", [uint("v")]), ev("RoleGranted", [uint("r", true)])]);
    const out = join(tmp, "out");
    expect(sourceArtifacts("TaskManager", out)).toEqual(taskManager.fallback);
    expect(eventAbi(sourceArtifacts("TaskManager", out), out).map((e: { name: string }) => e.name)).toEqual([
      "ParameterSet",
      "RoleGranted",
      "TaskPosted",
    ]);
    artifact("TaskManager", [ev("TaskPosted", [uint("taskId", true)]), { type: "function", name: "f" }]);
    expect(sourceArtifacts("TaskManager", out)).toEqual(["TaskManager"]);
    expect(eventAbi(["TaskManager"], out)).toEqual([ev("TaskPosted", [uint("taskId", true)])]);
    expect(sourceArtifacts("ModelRegistry", out)).toBeNull();
  });
});
