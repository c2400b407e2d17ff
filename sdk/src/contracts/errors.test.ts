import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { BaseError, encodeErrorResult, stringToHex } from "viem";
import { describe, expect, it } from "vitest";
import { NetworkError, NeuralError } from "../errors/errors.js";
import { repoRoot } from "../testing/foundry.js";
import {
  abiSources,
  disputeManagerAbi,
  nodeRegistryAbi,
  sortitionAbi,
  taskManagerAbi,
  taskManagerExtensionAbi,
} from "./abis.js";
import { ENUM_NAMES } from "./enums.js";
import { decodeRevertData, formatCustomError, NEURAL_ERRORS_ABI, toNeuralError } from "./errors.js";

describe("revert decoding", () => {
  it("covers every error of every compiled Neural contract, inherited OpenZeppelin ones included (merged ABI)", async () => {
    const { readdir } = await import("node:fs/promises");
    const out = join(repoRoot(), "contracts", "out");
    const known = new Set(
      NEURAL_ERRORS_ABI.map((e) => `${e.name}(${e.inputs.map((i) => i.type).join(",")})`),
    );
    const missing = new Set<string>();
    for (const dir of await readdir(out)) {
      if (!dir.endsWith(".sol")) continue;
      for (const file of await readdir(join(out, dir))) {
        if (!file.endsWith(".json")) continue;
        const artifact = JSON.parse(await readFile(join(out, dir, file), "utf8"));
        const source: string = artifact.ast?.absolutePath ?? "";
        // Each implementation's ABI lists every error it can revert with, inherited and library ones included.
        if (!source.startsWith("contracts/src/")) continue;
        for (const item of artifact.abi ?? []) {
          if (item.type !== "error") continue;
          const sig = `${item.name}(${item.inputs.map((i: { type: string }) => i.type).join(",")})`;
          if (!known.has(sig)) missing.add(`${sig} (${source})`);
        }
      }
    }
    expect([...missing]).toEqual([]);
  });

  it("decodes a token error surfacing through a ModelRegistry call", () => {
    const data = encodeErrorResult({
      abi: NEURAL_ERRORS_ABI,
      errorName: "ERC20InsufficientAllowance",
      args: ["0x0000000000000000000000000000000000000001", 0n, 5n],
    });
    expect(decodeRevertData(data)?.errorName).toBe("ERC20InsufficientAllowance");
  });

  it("knows the errors of every contract, including inherited OpenZeppelin ones", () => {
    const names = NEURAL_ERRORS_ABI.map((e) => e.name);
    for (const name of [
      "InvalidShardStatus",
      "InsufficientFreeStake",
      "InvalidMerkleProof",
      "ProvenanceMismatch",
      "ParameterOutOfBounds",
      "AccessControlUnauthorizedAccount",
      "ERC2612ExpiredSignature",
      // issue 8: challenge commit-reveal, committee draws, worker consent, live shards, weights proofs
      "ChallengeCommitmentMismatch",
      "ChallengeRevealOpen",
      "SeedNotReady",
      "NotDrawing",
      "CommitteeNotDrawn",
      "AuditSeedUnavailable",
      "NotSelectedForAudit",
      "NoEligibleVerifier",
      "InvalidWorkerConsent",
      "WorkerConsentExpired",
      "NodeHasLiveShards",
      // issue 9: the market
      "NodeNotEligible",
      "ClaimTooEarly",
      "InvalidAskPrice",
      "InvalidMaxPrice",
      "ProtocolContractsAlreadySet",
      "TimelockUnexpectedOperationState",
      "DrawOutOfRange",
      "StaleEpoch",
      "RevealPeriodOver",
      "TooManyDisputes",
      "CollateralBelowMinimum",
      "NotDelegated",
      "WeightsNotCommitted",
    ]) {
      expect(names).toContain(name);
    }
    expect(new Set(names.map((n, i) => `${n}/${NEURAL_ERRORS_ABI[i]?.inputs.length}`)).size).toBe(
      names.length,
    );
  });

  it("decodes raw revert data from any contract with named, readable arguments", () => {
    const data = encodeErrorResult({
      abi: taskManagerAbi,
      errorName: "InvalidShardStatus",
      args: [3n, 1n, 4],
    });
    const decoded = decodeRevertData(data);
    expect(decoded?.errorName).toBe("InvalidShardStatus");
    expect(formatCustomError(decoded?.errorName ?? "", decoded?.args ?? [], decoded?.abiItem)).toBe(
      "InvalidShardStatus(taskId=3, shardIndex=1, status=ShardStatus.Finalized)",
    );
    const param = encodeErrorResult({
      abi: taskManagerAbi,
      errorName: "ParameterOutOfBounds",
      args: [stringToHex("challengeWindow", { size: 32 }), 5n, 60n, 2_592_000n],
    });
    const p = decodeRevertData(param);
    expect(formatCustomError(p?.errorName ?? "", p?.args ?? [], p?.abiItem)).toBe(
      'ParameterOutOfBounds(name="challengeWindow", value=5, min=60, max=2592000)',
    );
    const consent = decodeRevertData(
      encodeErrorResult({
        abi: nodeRegistryAbi,
        errorName: "NodeHasLiveShards",
        args: [4n, 10n ** 18n],
      }),
    );
    expect(formatCustomError(consent?.errorName ?? "", consent?.args ?? [], consent?.abiItem)).toBe(
      "NodeHasLiveShards(nodeId=4, liveCollateral=1000000000000000000)",
    );
    const seed = decodeRevertData(
      encodeErrorResult({ abi: disputeManagerAbi, errorName: "SeedNotReady", args: [2n, 120n] }),
    );
    expect(seed?.errorName).toBe("SeedNotReady");
    const notDelegated = decodeRevertData(
      encodeErrorResult({ abi: taskManagerExtensionAbi, errorName: "NotDelegated" }),
    );
    expect(notDelegated?.errorName).toBe("NotDelegated");
    const audit = decodeRevertData(
      encodeErrorResult({ abi: sortitionAbi, errorName: "NotSelectedForAudit", args: [1n, 0n] }),
    );
    expect(formatCustomError(audit?.errorName ?? "", audit?.args ?? [], audit?.abiItem)).toBe(
      "NotSelectedForAudit(taskId=1, shardIndex=0)",
    );
    expect(decodeRevertData("0xdeadbeef")).toBeUndefined();
  });

  it("maps non-revert failures to NeuralErrors", () => {
    expect(toNeuralError(new Error("boom"), { contract: "TaskManager", functionName: "x" })).toBeInstanceOf(
      NeuralError,
    );
    const passthrough = new NetworkError("down");
    expect(toNeuralError(passthrough)).toBe(passthrough);
    expect(toNeuralError(new BaseError("weird")).message).toContain("weird");
  });

  it("mirrors the Solidity enums in order", async () => {
    const source = await readFile(join(repoRoot(), "contracts", "src", "types", "Types.sol"), "utf8");
    for (const [, name, body] of source.matchAll(/enum (\w+) \{([^}]*)\}/g)) {
      const members = (body ?? "")
        .split(",")
        .map((m) => m.replace(/\/\/.*$/gm, "").trim())
        .filter(Boolean);
      expect(ENUM_NAMES[name ?? ""]).toEqual(members);
    }
  });

  it("records where each ABI came from", () => {
    expect(Object.keys(abiSources).sort()).toEqual(
      [
        "DatasetRegistry",
        "DisputeManager",
        "ModelRegistry",
        "NeuralToken",
        "NodeRegistry",
        "BlockhashRandomness",
        "Sortition",
        "TaskManager",
        "TaskManagerExtension",
        "NeuralTimelock",
      ].sort(),
    );
  });
});
