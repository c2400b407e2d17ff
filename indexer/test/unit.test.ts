// Pure parts of the indexer: conversions, the GraphQL cost estimate, configuration parsing.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "graphql";
import { describe, expect, it } from "vitest";
import { estimateCost, estimateQueryCost } from "../src/api/cost.js";
import { refusal } from "../src/api/refusals.js";
import { ResponseCache } from "../src/api/response-cache.js";
import { ConfigError, loadDeployment, parseEnv, ponderRpc } from "../src/lib/config.js";
import {
  cidFromDigest,
  DAG_PB_CODEC,
  enumName,
  jsonSafe,
  paddedAscii,
  RAW_CODEC,
  successBps,
  TIER_NAMES,
  utcDay,
} from "../src/lib/format.js";

// sha256("hello world"); the CIDs were computed independently (base32 of 0x01 codec 0x12 0x20 digest).
const HELLO = "0xb94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";

describe("cidFromDigest", () => {
  it("builds the raw CIDv1 of a sha2-256 digest", () => {
    expect(cidFromDigest(HELLO, RAW_CODEC)).toBe(
      "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e",
    );
    expect(cidFromDigest(HELLO)).toBe(cidFromDigest(HELLO, RAW_CODEC));
  });
  it("builds the dag-pb CIDv1 for model weights", () => {
    expect(cidFromDigest(HELLO, DAG_PB_CODEC)).toBe(
      "bafybeifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e",
    );
  });
  it("maps the zero digest to null", () => {
    expect(cidFromDigest(`0x${"0".repeat(64)}`)).toBeNull();
  });
});

describe("format helpers", () => {
  it("decodes right-padded ASCII", () => {
    const name = `0x${Buffer.from("challengeWindow").toString("hex").padEnd(64, "0")}` as const;
    expect(paddedAscii(name)).toBe("challengeWindow");
    expect(paddedAscii(`0x${"0".repeat(32)}`)).toBe("");
  });
  it("computes the success rate like the contracts", () => {
    expect(successBps(0, 0)).toBe(10_000);
    expect(successBps(9, 1)).toBe(9_000);
    expect(successBps(0, 3)).toBe(0);
    expect(successBps(2, 1)).toBe(6_666);
  });
  it("buckets timestamps into UTC days", () => {
    expect(utcDay(86_400n * 3n + 5n)).toEqual({ id: "1970-01-04", dayStart: 86_400n * 3n });
  });
  it("names enum values and refuses unknown ones", () => {
    expect(enumName(TIER_NAMES, 4)).toBe("Platinum");
    expect(() => enumName(TIER_NAMES, 5)).toThrow(/out of range/);
  });
  it("makes bigints JSON-safe, deeply", () => {
    expect(jsonSafe({ a: 1n, b: [2n, { c: 3n }], d: "x" })).toEqual({ a: "1", b: ["2", { c: "3" }], d: "x" });
  });
});

describe("GraphQL cost estimate", () => {
  it("counts rows of nested pages", () => {
    expect(estimateQueryCost("{ tasks(limit: 10) { items { id } } }")).toBe(10);
    expect(
      estimateQueryCost("{ tasks(limit: 10) { items { shards(limit: 20) { items { status } } } } }"),
    ).toBe(10 + 200);
  });
  it("uses Ponder's default page size and counts one-to-one relations per parent row", () => {
    expect(estimateQueryCost("{ shards { items { task { id } node { id } } } }")).toBe(50 + 50 + 50);
  });
  it("reads limits from variables, and assumes the maximum for unknown ones", () => {
    const q = "query Q($n: Int) { nodes(limit: $n) { items { assignments(limit: $n) { items { id } } } } }";
    expect(estimateQueryCost(q, { n: 5 })).toBe(5 + 25);
    expect(estimateQueryCost(q, {})).toBe(1000 + 1000 * 1000);
  });
  it("follows fragments and picks the named operation", () => {
    const doc = parse(`
      fragment S on task { shards(limit: 100) { items { status } } }
      query A { tasks(limit: 3) { items { ...S } } }
      query B { tasks(limit: 1) { items { id } } }
    `);
    expect(estimateCost(doc, {}, "A")).toBe(3 + 300);
    expect(estimateCost(doc, {}, "B")).toBe(1);
  });
  it("costs nothing for a query that does not parse (GraphQL reports it)", () => {
    expect(estimateQueryCost("{ tasks(")).toBe(0);
  });
});

describe("configuration", () => {
  it("applies defaults", () => {
    const env = parseEnv({});
    expect(env.NEURAL_RPC_URL).toBe("http://127.0.0.1:8545");
    expect(env.NEURAL_CHAIN_ID).toBe(31337);
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.NEURAL_GRAPHQL_MAX_DEPTH).toBeGreaterThan(1);
  });
  it("gives a local RPC several Ponder clients and a remote one a single client", () => {
    const local = ponderRpc(parseEnv({ NEURAL_RPC_URL: "http://localhost:8545" }));
    expect(local).toEqual(Array(10).fill("http://localhost:8545"));
    expect(ponderRpc(parseEnv({ NEURAL_RPC_URL: "https://rpc.example.org/v1" }))).toBe(
      "https://rpc.example.org/v1",
    );
    expect(ponderRpc(parseEnv({ NEURAL_RPC_CLIENTS: "1" }))).toBe("http://127.0.0.1:8545");
    expect(
      ponderRpc(parseEnv({ NEURAL_RPC_URL: "https://rpc.example.org", NEURAL_RPC_CLIENTS: "3" })),
    ).toHaveLength(3);
    expect(() => parseEnv({ NEURAL_RPC_CLIENTS: "0" })).toThrow(/NEURAL_RPC_CLIENTS/);
  });
  it("names every bad variable in one error", () => {
    let error: unknown;
    try {
      parseEnv({ NEURAL_RPC_URL: "not a url", DATABASE_URL: "mysql://x", NEURAL_CHAIN_ID: "-1" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain("NEURAL_RPC_URL");
    expect(message).toContain("DATABASE_URL");
    expect(message).toContain("NEURAL_CHAIN_ID");
  });
  it("explains a missing deployment file", () => {
    const env = parseEnv({ NEURAL_DEPLOYMENT: "/nonexistent/31337.json" });
    expect(() => loadDeployment(env)).toThrow(
      /Deployment file not found: \/nonexistent\/31337\.json.*NEURAL_DEPLOYMENT/s,
    );
  });
  it("validates the deployment file", () => {
    const dir = mkdtempSync(join(tmpdir(), "neural-indexer-unit-"));
    const file = join(dir, "d.json");
    writeFileSync(file, JSON.stringify({ chainId: 31337, contracts: { NeuralToken: { address: "0x12" } } }));
    const env = parseEnv({ NEURAL_DEPLOYMENT: file });
    expect(() => loadDeployment(env)).toThrow(/invalid:[\s\S]*contracts\.NeuralToken\.address/);
    const ok = (n: number) => ({
      address: `0x${n.toString(16).padStart(40, "0")}`,
      startBlock: n,
      txHash: `0x${n.toString(16).padStart(64, "0")}`,
    });
    const account = `0x${"ab".repeat(20)}`;
    const deployment = {
      chainId: 31337,
      contracts: {
        NeuralTimelock: ok(1),
        NeuralToken: ok(1),
        NodeRegistry: ok(2),
        TaskManagerExtension: ok(3),
        DatasetRegistry: ok(3),
        TaskManager: ok(3),
        BlockhashRandomness: ok(4),
        Sortition: ok(4),
        DisputeManager: ok(4),
        ModelRegistry: ok(5),
      },
      roles: { governor: account, keeper: account, treasury: account, admin: account },
    };
    writeFileSync(file, JSON.stringify(deployment));
    expect(loadDeployment(env).contracts.TaskManager.startBlock).toBe(3);
    expect(loadDeployment(env).contracts.DatasetRegistry.startBlock).toBe(3);
    writeFileSync(file, JSON.stringify({ ...deployment, chainId: 1 }));
    expect(() => loadDeployment(env)).toThrow(/is invalid:[\s\S]*chainId: is 1, expected 31337/);
  });
});

describe("GraphQL response cache", () => {
  const compute = (c: ResponseCache, key: string, tag: string) => {
    const r = c.lookup(key, tag);
    if (r.kind !== "compute") throw new Error(`expected compute, got ${r.kind}`);
    return r.done;
  };

  it("serves a stored answer only in the state it was computed in", () => {
    const c = new ResponseCache(10);
    compute(c, "q", "g1")("A", () => true);
    expect(c.lookup("q", "g1")).toEqual({ kind: "hit", body: "A" });
    expect(c.lookup("q", "g2").kind).toBe("compute");
  });

  it("lets identical requests wait for the one being computed", async () => {
    const c = new ResponseCache(10);
    const done = compute(c, "q", "g1");
    const waiting = c.lookup("q", "g1");
    expect(waiting.kind).toBe("wait");
    expect(c.lookup("other", "g1").kind).toBe("compute");
    expect(c.lookup("q", "g2").kind).toBe("compute"); // a newer state never waits for an older answer
    done("A", () => true);
    expect(await (waiting as { body: Promise<string | null> }).body).toBe("A");
  });

  it("sends waiters to compute for themselves when the answer is not shareable", async () => {
    const c = new ResponseCache(10);
    const done = compute(c, "q", "g1");
    const waiting = c.lookup("q", "g1") as { body: Promise<string | null> };
    done(null, () => true);
    expect(await waiting.body).toBeNull();
    expect(c.lookup("q", "g1").kind).toBe("compute");
  });

  it("shares but does not store an answer when the data changed during the computation", async () => {
    const c = new ResponseCache(10);
    const done = compute(c, "q", "g1");
    const waiting = c.lookup("q", "g1") as { body: Promise<string | null> };
    done("A", () => false);
    expect(await waiting.body).toBe("A");
    expect(c.size).toBe(0);
  });

  it("evicts the oldest entry when full and ignores a second done", () => {
    const c = new ResponseCache(2);
    for (const key of ["a", "b", "c"]) compute(c, key, "g")(key.toUpperCase(), () => true);
    expect(c.size).toBe(2);
    expect(c.lookup("a", "g").kind).toBe("compute");
    expect(c.lookup("c", "g")).toEqual({ kind: "hit", body: "C" });
    const done = compute(c, "d", "g");
    done("D", () => true);
    done("X", () => true);
    expect(c.lookup("d", "g")).toEqual({ kind: "hit", body: "D" });
  });
});

describe("GraphQL refusals", () => {
  it("turn a request that was not executed into HTTP 400 with a code", () => {
    const depth = refusal(200, {
      errors: [{ message: "Syntax Error: Query depth limit of 12 exceeded, found 15." }],
    });
    expect(depth?.status).toBe(400);
    expect(depth?.body.errors?.[0]).toEqual({
      message: "Query depth limit of 12 exceeded, found 15.",
      extensions: { code: "QUERY_TOO_DEEP" },
    });
  });
  it("explain a number where a BigInt id string is expected", () => {
    const r = refusal(200, {
      errors: [
        {
          message:
            'Expected value of type "BigInt!", found 1; Invalid value kind provided for field of type BigInt: IntValue. Expected: StringValue',
          extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
        },
      ],
    });
    expect(r?.status).toBe(400);
    expect(r?.body.errors?.[0]?.message).toMatch(
      /^BigInt arguments \(ids, amounts, blocks\) are strings: write "1" instead of 1\./,
    );
    expect(r?.body.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });
  it("leave executed answers (data, even with errors) and non-200 answers alone", () => {
    expect(refusal(200, { data: { task: null }, errors: [{ message: "boom" }] })).toBeNull();
    expect(refusal(200, { data: { task: null } })).toBeNull();
    expect(refusal(400, { errors: [{ message: "Query too costly" }] })).toBeNull();
  });
});
