// scripts/build.mjs (ABIs, networks.json, `graph codegen`, `graph build --network neural-devnet`) in a
// temporary copy of the subgraph, so nothing in the work tree changes: networks.json comes from
// deployments/31337.json when a devnet was deployed, else from the fixture deployment. Then the matchstick
// test files are compiled against the generated types, as matchstick compiles them, so they are known to
// build even where no matchstick binary can run them.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { DATA_SOURCES, DEFAULT_NETWORK, deploymentPath, networkConfig } from "../scripts/networks.mjs";

const subgraphDir = join(import.meta.dirname, "..");
const repoRoot = join(subgraphDir, "..");
const nodeModules = join(repoRoot, "node_modules");
const asc = join(nodeModules, "assemblyscript", "bin", "asc");
const fixture = join(subgraphDir, "test", "fixtures", "deployments", "31337.json");
const deploymentFile = existsSync(deploymentPath(31337)) ? deploymentPath(31337) : fixture;
const deployment = JSON.parse(readFileSync(deploymentFile, "utf8"));

const KEEP = [
  "schema.graphql",
  "subgraph.yaml",
  "package.json",
  "matchstick.yaml",
  "src",
  "tests",
  "scripts",
];

function sh(cmd: string, args: string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, FORCE_COLOR: "0" } });
  return { code: r.status ?? 1, out: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

let dir = "";
let build = { code: 1, out: "" };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "neural-subgraph-build-"));
  for (const entry of KEEP) {
    cpSync(join(subgraphDir, entry), join(dir, entry), {
      recursive: true,
      filter: (src) => !src.includes(`${join("tests", ".bin")}`),
    });
  }
  // graph-cli and asc look for node_modules in the parent directories of the manifest.
  symlinkSync(nodeModules, join(dir, "node_modules"), "dir");
  const artifacts = join(repoRoot, "contracts", "out");
  const script = join(dir, "scripts", "build.mjs");
  build = sh(process.execPath, [script, "--deployment", deploymentFile, "--artifacts", artifacts], dir);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("scripts/build.mjs: graph codegen + graph build", () => {
  it("generates the ABIs, networks.json, and the entity and event types", () => {
    expect(build.code, build.out).toBe(0);
    for (const ds of DATA_SOURCES) expect(existsSync(join(dir, "abis", `${ds}.json`))).toBe(true);
    const networks = JSON.parse(readFileSync(join(dir, "networks.json"), "utf8"));
    expect(networks[DEFAULT_NETWORK]).toEqual(networkConfig(deployment));
    const schemaTs = readFileSync(join(dir, "generated", "schema.ts"), "utf8");
    for (const entity of [
      "Node",
      "Task",
      "Shard",
      "Dispute",
      "Model",
      "Network",
      "DailyStat",
      "ProtocolEvent",
    ]) {
      expect(schemaTs).toContain(`export class ${entity} extends Entity`);
    }
    for (const ds of DATA_SOURCES) expect(existsSync(join(dir, "generated", ds, `${ds}.ts`))).toBe(true);
  });

  it("compiles every data source's mapping to WebAssembly", () => {
    expect(build.code, build.out).toBe(0);
    for (const ds of DATA_SOURCES) {
      const wasm = readFileSync(join(dir, "build", ds, `${ds}.wasm`));
      expect(wasm.subarray(0, 4)).toEqual(Buffer.from([0x00, 0x61, 0x73, 0x6d])); // "\0asm"
      expect(existsSync(join(dir, "build", ds, `${ds}.json`))).toBe(true);
    }
    expect(existsSync(join(dir, "build", "schema.graphql"))).toBe(true);
  });

  it("writes a manifest with the deployment's addresses and start blocks (from networks.json)", () => {
    const built = parseYaml(readFileSync(join(dir, "build", "subgraph.yaml"), "utf8")) as {
      dataSources: {
        name: string;
        network: string;
        source: { address: string; startBlock: number };
        mapping: { file: string };
      }[];
    };
    const expected = networkConfig(deployment);
    expect(built.dataSources.map((ds) => ds.name)).toEqual(DATA_SOURCES);
    for (const ds of built.dataSources) {
      expect(ds.network).toBe(DEFAULT_NETWORK);
      expect(ds.source.address.toLowerCase()).toBe(expected[ds.name].address);
      expect(ds.source.startBlock).toBe(expected[ds.name].startBlock);
      expect(ds.mapping.file).toBe(`${ds.name}/${ds.name}.wasm`);
    }
    // The checked-in manifest holds placeholders, and the script puts it back after graph-cli rewrote it:
    // only the build carries deployed addresses.
    const checkedIn = readFileSync(join(subgraphDir, "subgraph.yaml"), "utf8");
    expect(checkedIn).toContain('address: "0x0000000000000000000000000000000000000000"');
    expect(readFileSync(join(dir, "subgraph.yaml"), "utf8")).toBe(checkedIn);
  });

  it("compiles the matchstick mapping tests against the generated types", () => {
    expect(build.code, build.out).toBe(0);
    const files = readdirSync(join(dir, "tests")).filter((f) => f.endsWith(".test.ts"));
    expect(files.length).toBeGreaterThanOrEqual(5);
    const global = join(nodeModules, "@graphprotocol", "graph-ts", "global", "global.ts");
    for (const file of files) {
      const out = join(dir, "tests", ".bin", file.replace(/\.ts$/, ".wasm"));
      const args = [
        asc,
        join("tests", file),
        global,
        "--lib",
        nodeModules,
        "--explicitStart",
        "--exportTable",
      ];
      const r = sh(process.execPath, [...args, "--runtime", "stub", "--outFile", out], dir);
      expect({ file, code: r.code, out: r.out.trim() }).toEqual({ file, code: 0, out: "" });
    }
  });
});
