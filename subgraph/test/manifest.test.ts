// subgraph.yaml handles EVERY event of every contract's ABI (the ABIs scripts/abis.mjs writes from the forge
// artifacts), with handlers the mappings export, and lists only entities of schema.graphql.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseGraphql } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { eventSignature, writeAbis } from "../scripts/abis.mjs";
import { DATA_SOURCES, DEFAULT_NETWORK } from "../scripts/networks.mjs";
import { graphqlShape } from "./lib/parity.ts";

type Param = { name: string; type: string; indexed?: boolean; components?: Param[] };
type Fragment = { type: string; name: string; inputs: Param[] };
type DataSource = {
  kind: string;
  name: string;
  network: string;
  source: { address: string; abi: string; startBlock: number };
  mapping: {
    apiVersion: string;
    language: string;
    file: string;
    entities: string[];
    abis: { name: string; file: string }[];
    eventHandlers: { event: string; handler: string }[];
  };
};

const subgraphDir = join(import.meta.dirname, "..");
const repoRoot = join(subgraphDir, "..");
const manifest = parseYaml(readFileSync(join(subgraphDir, "subgraph.yaml"), "utf8")) as {
  specVersion: string;
  dataSources: DataSource[];
};
const entities = graphqlShape(
  parseGraphql(readFileSync(join(subgraphDir, "schema.graphql"), "utf8")),
).entities;

/** graph-cli's event signature: "Name(indexed uint256,(bytes32,uint16),uint64[])". */
function manifestSignature(fragment: Fragment): string {
  const canonical = eventSignature(fragment);
  const types = canonical.slice(fragment.name.length + 1, -1);
  // Split the canonical parameter list at top-level commas, then mark the indexed ones.
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of types) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  if (current) parts.push(current);
  return `${fragment.name}(${parts.map((t, i) => (fragment.inputs[i]?.indexed ? `indexed ${t}` : t)).join(",")})`;
}

let abiDir = "";
let used: Record<string, string[]> = {};
beforeAll(() => {
  abiDir = mkdtempSync(join(tmpdir(), "neural-subgraph-abis-"));
  used = writeAbis({ outDir: abiDir, artifactsDir: join(repoRoot, "contracts", "out") });
});
afterAll(() => rmSync(abiDir, { recursive: true, force: true }));

const abi = (dataSource: string): Fragment[] =>
  JSON.parse(readFileSync(join(abiDir, `${dataSource}.json`), "utf8")) as Fragment[];

describe("subgraph.yaml", () => {
  it("uses graph-cli 0.98's manifest and mapping versions", () => {
    expect(manifest.specVersion).toBe("1.3.0");
    for (const ds of manifest.dataSources) {
      expect(ds.kind).toBe("ethereum/contract");
      expect(ds.mapping.apiVersion).toBe("0.0.9");
      expect(ds.mapping.language).toBe("wasm/assemblyscript");
    }
  });

  it("has one data source per deployed contract, on the devnet network, with its generated ABI", () => {
    expect(manifest.dataSources.map((ds) => ds.name)).toEqual(DATA_SOURCES);
    for (const ds of manifest.dataSources) {
      expect(ds.network).toBe(DEFAULT_NETWORK);
      expect(ds.source.abi).toBe(ds.name);
      expect(ds.mapping.abis).toEqual([{ name: ds.name, file: `./abis/${ds.name}.json` }]);
      expect(ds.mapping.file).toBe(`./src/${ds.name}.ts`);
      expect(existsSync(join(subgraphDir, ds.mapping.file))).toBe(true);
    }
  });

  it("has a handler for every event of every ABI, and none for events the ABI lacks", () => {
    for (const ds of manifest.dataSources) {
      const expected = abi(ds.name).map(manifestSignature).sort();
      const actual = ds.mapping.eventHandlers.map((h) => h.event).sort();
      expect({ dataSource: ds.name, events: actual }).toEqual({ dataSource: ds.name, events: expected });
    }
    // The merged contracts add AccessControl's events to the governed ones.
    const nodeRegistry = manifest.dataSources.find((ds) => ds.name === "NodeRegistry");
    expect(nodeRegistry?.mapping.eventHandlers.map((h) => h.handler)).toContain("handleRoleGranted");
    expect(used.NodeRegistry?.length).toBeGreaterThan(0);
  });

  it("names each handler handle<Event>, exported by the data source's mapping", () => {
    for (const ds of manifest.dataSources) {
      const source = readFileSync(join(subgraphDir, ds.mapping.file), "utf8");
      for (const { event, handler } of ds.mapping.eventHandlers) {
        expect(handler).toBe(`handle${event.slice(0, event.indexOf("("))}`);
        expect(source).toMatch(new RegExp(`export function ${handler}\\(event: `));
      }
    }
  });

  it("lists only entities of schema.graphql, and every entity is written by some data source", () => {
    const listed = new Set<string>();
    for (const ds of manifest.dataSources) {
      for (const e of ds.mapping.entities) {
        expect(entities.has(e), `${ds.name} lists unknown entity ${e}`).toBe(true);
        listed.add(e);
      }
    }
    expect([...entities.keys()].filter((e) => !listed.has(e))).toEqual([]);
  });
});
