// Pure conversions shared by the handlers and the API.
import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";
import { type Hex, hexToBytes } from "viem";

/** Multicodec codes of the CIDs the contracts store as sha2-256 digests (docs/protocol.md). */
export const RAW_CODEC = 0x55;
export const DAG_PB_CODEC = 0x70;
const SHA2_256 = 0x12;

const ZERO_32 = `0x${"0".repeat(64)}`;

export const isZeroBytes32 = (value: Hex): boolean => value.toLowerCase() === ZERO_32;

/**
 * CIDv1 (base32) of a bytes32 sha2-256 digest, or null for the zero digest ("no CID").
 * `codec` is RAW_CODEC for spec / manifest / metadata / logs, DAG_PB_CODEC for model weights, and a dataset
 * version's own `contentCodec` for its content.
 */
export function cidFromDigest(digest: Hex, codec: number = RAW_CODEC): string | null {
  if (isZeroBytes32(digest)) return null;
  const bytes = hexToBytes(digest);
  if (bytes.length !== 32) return null;
  return CID.createV1(codec, Digest.create(SHA2_256, bytes)).toString();
}

/** Decodes right-padded ASCII (bytes32 / bytes16 names) and drops the zero padding. */
export function paddedAscii(value: Hex): string {
  const bytes = hexToBytes(value);
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  let text = "";
  for (let i = 0; i < end; i++) text += String.fromCharCode(bytes[i] as number);
  return text;
}

/** Success rate in basis points as the contracts define it: 100 % when there is no history yet. */
export function successBps(completed: number, failed: number): number {
  const total = completed + failed;
  return total === 0 ? 10_000 : Math.floor((completed * 10_000) / total);
}

/** UTC day of a block timestamp: id "YYYY-MM-DD" and the day's start in unix seconds. */
export function utcDay(timestamp: bigint): { id: string; dayStart: bigint } {
  const dayStart = timestamp - (timestamp % 86_400n);
  return { id: new Date(Number(dayStart) * 1000).toISOString().slice(0, 10), dayStart };
}

export const TIER_NAMES = ["None", "Bronze", "Silver", "Gold", "Platinum"] as const;
export const NODE_STATUS = ["None", "Active", "Paused", "Exited"] as const;
export const TASK_STATUS = ["None", "Open", "Running", "Completed", "Cancelled", "Failed"] as const;
export const SHARD_STATUS = [
  "Pending",
  "Assigned",
  "Submitted",
  "Challenged",
  "Finalized",
  "Failed",
  "Cancelled",
] as const;
export const AUDIT_STATUS = ["None", "Assigned", "Attested", "Challenged"] as const;
export const RELEASE_REASON = [
  "None",
  "ImageUnavailable",
  "DataUnavailable",
  "InsufficientResources",
  "NodeShuttingDown",
  "InvalidSpec",
  "Other",
  "Unresponsive",
] as const;
export const SLASH_REASON = ["Timeout", "DisputeLost", "NonReveal"] as const;
export const VOTE = ["None", "SubmitterRight", "SubmitterWrong", "DataUnavailable"] as const;
export const DISPUTE_OUTCOME = [
  "None",
  "SubmitterWrong",
  "SubmitterRight",
  "NoQuorumSubmitterPresumedRight",
] as const;
export const PAYOUT_KIND = [
  "ClientCompensation",
  "ChallengerReward",
  "BondReturn",
  "VoterReward",
  "SubmitterReward",
  "Treasury",
] as const;

export const REPORT_REASON = [
  "None",
  "CidUnavailable",
  "LicenseMismatch",
  "FormatMismatch",
  "HarmfulContent",
  "Other",
] as const;

/** Maps a Solidity enum value to its name; throws on values the ABI cannot produce. */
export function enumName<const T extends readonly string[]>(names: T, value: number | bigint): T[number] {
  const name = names[Number(value)];
  if (name === undefined) throw new Error(`enum value ${value} out of range (${names.join(", ")})`);
  return name;
}

/** JSON-safe copy: bigints become decimal strings. */
export function jsonSafe(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  }
  return value;
}

/** Smaller of two bigints (Math.min does not take bigints). */
export function minBig(a: bigint, b: bigint): bigint {
  if (a < b) return a;
  return b;
}
