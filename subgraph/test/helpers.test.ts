// The pure helpers under the AssemblyScript mappings (src/lib), run here as TypeScript. Where the indexer
// has the same function (indexer/src/lib/format.ts), both must give the same result.
import { hexToBytes, keccak256, toHex } from "viem";
import { describe, expect, it } from "vitest";
import * as indexer from "../../indexer/src/lib/format.ts";
import { base32, cidFromDigest, DAG_PB_CODEC, isZero, RAW_CODEC } from "../src/lib/cid.ts";
import * as enums from "../src/lib/enums.ts";
import {
  auditBudget,
  dayId,
  dayStart,
  idiv,
  jsonString,
  paddedAscii,
  successBps,
} from "../src/lib/format.ts";
import {
  assignmentId,
  datasetVersionId,
  eventId,
  modelVersionId,
  NETWORK_ID,
  padDecimal,
  pairId,
  roleMemberId,
  shardId,
  subEventId,
  voteId,
} from "../src/lib/ids.ts";

const digest = (seed: string) => keccak256(toHex(seed));
const ZERO_32 = `0x${"0".repeat(64)}` as const;

describe("cid", () => {
  it("encodes base32 as RFC 4648 lowercase without padding", () => {
    const enc = (s: string) => base32(new TextEncoder().encode(s));
    expect(enc("")).toBe("");
    expect(enc("f")).toBe("my");
    expect(enc("fo")).toBe("mzxq");
    expect(enc("foo")).toBe("mzxw6");
    expect(enc("foob")).toBe("mzxw6yq");
    expect(enc("fooba")).toBe("mzxw6ytb");
    expect(enc("foobar")).toBe("mzxw6ytboi");
  });

  it("gives the indexer's CIDv1 for raw and dag-pb digests", () => {
    for (const seed of ["spec", "manifest", "weights", "logs", "x"]) {
      const d = digest(seed);
      expect(cidFromDigest(hexToBytes(d), RAW_CODEC)).toBe(indexer.cidFromDigest(d, indexer.RAW_CODEC));
      expect(cidFromDigest(hexToBytes(d), DAG_PB_CODEC)).toBe(indexer.cidFromDigest(d, indexer.DAG_PB_CODEC));
    }
    expect(cidFromDigest(hexToBytes(digest("spec")), RAW_CODEC)).toMatch(/^bafkrei[a-z2-7]{52}$/);
    expect(cidFromDigest(hexToBytes(digest("weights")), DAG_PB_CODEC)).toMatch(/^bafybei[a-z2-7]{52}$/);
  });

  it("has no CID for the zero digest or a digest of another length", () => {
    expect(isZero(hexToBytes(ZERO_32))).toBe(true);
    expect(cidFromDigest(hexToBytes(ZERO_32), RAW_CODEC)).toBeNull();
    expect(indexer.cidFromDigest(ZERO_32)).toBeNull();
    expect(cidFromDigest(new Uint8Array(31).fill(1), RAW_CODEC)).toBeNull();
  });
});

describe("format", () => {
  it("divides integers truncating toward zero", () => {
    expect(idiv(7, 2)).toBe(3);
    expect(idiv(-7, 2)).toBe(-3);
    expect(idiv(86_399, 86_400)).toBe(0);
    expect(idiv(1_700_000_000, 86_400)).toBe(19675);
  });

  it("decodes right-padded ASCII like the indexer", () => {
    const gpu = `0x${Buffer.from("NVIDIA H100 80GB").toString("hex").padEnd(64, "0")}` as const;
    const region = `0x${Buffer.from("eu-west").toString("hex").padEnd(32, "0")}` as const;
    const param = `0x${Buffer.from("challengeWindow").toString("hex").padEnd(64, "0")}` as const;
    for (const value of [gpu, region, param, ZERO_32]) {
      expect(paddedAscii(hexToBytes(value))).toBe(indexer.paddedAscii(value));
    }
    expect(paddedAscii(hexToBytes(gpu))).toBe("NVIDIA H100 80GB");
    expect(paddedAscii(hexToBytes(ZERO_32))).toBe("");
  });

  it("computes successBps like the indexer (10000 with no history)", () => {
    const cases: [number, number][] = [
      [0, 0],
      [1, 0],
      [0, 1],
      [2, 1],
      [1, 2],
      [999_999, 1],
      [4_000_000_000 / 2, 3],
    ];
    for (const [completed, failed] of cases) {
      expect(successBps(completed, failed)).toBe(indexer.successBps(completed, failed));
    }
    expect(successBps(2, 1)).toBe(6666);
  });

  it("computes the audit budget as ceil(shardCount * auditRateBps / 10000)", () => {
    for (const [shards, rate] of [
      [0, 0],
      [10, 0],
      [10, 1000],
      [10, 1001],
      [3, 3333],
      [100_000, 10_000],
      [7, 1],
    ]) {
      expect(auditBudget(shards, rate)).toBe(Math.ceil((shards * rate) / 10_000));
    }
  });

  it("buckets block timestamps into UTC days like the indexer", () => {
    const samples = [
      0, 1, 86_399, 86_400, 951_782_400 /* 2000-02-29 */, 1_709_164_800 /* 2024-02-29 */, 1_735_689_599,
      1_735_689_600, 4_102_444_800 /* 2100-01-01 */, 4_107_542_399 /* 2100-02-28 23:59:59 */,
    ];
    for (let i = 0; i < 400; i++) samples.push(1_600_000_000 + i * 97_531);
    for (const ts of samples) {
      const expected = indexer.utcDay(BigInt(ts));
      expect(dayId(ts)).toBe(expected.id);
      expect(BigInt(dayStart(ts))).toBe(expected.dayStart);
    }
    expect(dayId(1_709_164_800)).toBe("2024-02-29");
  });

  it("writes JSON string literals that JSON.parse reads back", () => {
    for (const s of ["", "plain", 'quo"te', "back\\slash", "line\nbreak\ttab\r", "\u0001\u001f", "ü€"]) {
      expect(jsonString(s)).toBe(JSON.stringify(s));
      expect(JSON.parse(jsonString(s))).toBe(s);
    }
  });
});

describe("ids", () => {
  it("builds event ids that sort in chain order", () => {
    expect(padDecimal("42", 5)).toBe("00042");
    expect(padDecimal("123456", 3)).toBe("123456");
    const ids = [
      eventId("9", "3"),
      eventId("10", "0"),
      eventId("10", "12"),
      eventId("10", "2"),
      eventId("123456789", "0"),
    ];
    expect(ids[0]).toBe("0000000000000009-00000003");
    expect([...ids].sort()).toEqual([ids[0], ids[1], ids[3], ids[2], ids[4]]);
    expect(subEventId(ids[0] as string, 0)).toBe(ids[0]);
    expect(subEventId(ids[0] as string, 2)).toBe("0000000000000009-00000003-2");
  });

  it("builds the indexer's ids for assignments and votes, and key-joined ids elsewhere", () => {
    expect(assignmentId("7", 3, 2)).toBe("7-3-2");
    expect(voteId("4", 1, "12")).toBe("4-1-12");
    expect(shardId("7", 3)).toBe("7-3");
    expect(modelVersionId("5", 1)).toBe("5-1");
    expect(datasetVersionId("3", 2)).toBe("3-2");
    expect(pairId("TaskManager", "challengeWindow")).toBe("TaskManager-challengeWindow");
    expect(roleMemberId("NodeRegistry", "0x00", "0xab")).toBe("NodeRegistry-0x00-0xab");
    expect(NETWORK_ID).toBe("network");
  });
});

describe("enums", () => {
  it("lists the same names as the indexer and the schema enums", () => {
    expect(enums.TIER_NAMES).toEqual([...indexer.TIER_NAMES]);
    expect(enums.NODE_STATUS).toEqual([...indexer.NODE_STATUS]);
    expect(enums.TASK_STATUS).toEqual([...indexer.TASK_STATUS]);
    expect(enums.SHARD_STATUS).toEqual([...indexer.SHARD_STATUS]);
    expect(enums.AUDIT_STATUS).toEqual([...indexer.AUDIT_STATUS]);
    expect(enums.RELEASE_REASON).toEqual([...indexer.RELEASE_REASON]);
    expect(enums.SLASH_REASON).toEqual([...indexer.SLASH_REASON]);
    expect(enums.VOTE).toEqual([...indexer.VOTE]);
    expect(enums.DISPUTE_OUTCOME).toEqual([...indexer.DISPUTE_OUTCOME]);
    expect(enums.PAYOUT_KIND).toEqual([...indexer.PAYOUT_KIND]);
    expect(enums.REPORT_REASON).toEqual([...indexer.REPORT_REASON]);
  });

  it("maps enum values to names and rejects values out of range", () => {
    expect(enums.enumName(enums.TIER_NAMES, 3)).toBe("Gold");
    expect(enums.enumName(enums.SLASH_REASON, 2)).toBe("NonReveal");
    expect(() => enums.enumName(enums.TIER_NAMES, 5)).toThrow(/out of range/);
    expect(() => enums.enumName(enums.VOTE, -1)).toThrow(/out of range/);
  });

  it("maps tiers to the activeNodesTier<N> counters, clamped to 0..4", () => {
    expect(enums.activeTierField(0)).toBe("activeNodesTier0");
    expect(enums.activeTierField(4)).toBe("activeNodesTier4");
    expect(enums.activeTierField(9)).toBe("activeNodesTier4");
    expect(enums.tierBucket(-1)).toBe(0);
  });

  it("maps every shard status to its task counter and task statuses to network counters", () => {
    expect(enums.SHARD_STATUS.map(enums.shardCounterField)).toEqual([
      "pendingShards",
      "assignedShards",
      "submittedShards",
      "challengedShards",
      "finalizedShards",
      "failedShards",
      "cancelledShards",
    ]);
    expect(() => enums.shardCounterField("Nope")).toThrow();
    expect(enums.TASK_STATUS.map(enums.taskCounterField)).toEqual([
      "",
      "openTasks",
      "runningTasks",
      "completedTasks",
      "cancelledTasks",
      "failedTasks",
    ]);
    expect(enums.TASK_STATUS.filter(enums.isTerminalTaskStatus)).toEqual([
      "Completed",
      "Cancelled",
      "Failed",
    ]);
    expect(enums.VOTE.filter(enums.votesAgainstSubmitter)).toEqual(["SubmitterWrong", "DataUnavailable"]);
  });
});
