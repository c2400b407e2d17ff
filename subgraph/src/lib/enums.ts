// Solidity enum values -> the names the schema's enums use (contracts/src/types/Types.sol, in order), and
// the status -> counter-field mappings of the aggregates. Pure: shared by the AssemblyScript mappings and
// the Vitest tests (see README.md here).

export const TIER_NAMES: string[] = ["None", "Bronze", "Silver", "Gold", "Platinum"];
export const NODE_STATUS: string[] = ["None", "Active", "Paused", "Exited"];
export const TASK_STATUS: string[] = ["None", "Open", "Running", "Completed", "Cancelled", "Failed"];
export const SHARD_STATUS: string[] = [
  "Pending",
  "Assigned",
  "Submitted",
  "Challenged",
  "Finalized",
  "Failed",
  "Cancelled",
];
export const AUDIT_STATUS: string[] = ["None", "Assigned", "Attested", "Challenged"];
export const RELEASE_REASON: string[] = [
  "None",
  "ImageUnavailable",
  "DataUnavailable",
  "InsufficientResources",
  "NodeShuttingDown",
  "InvalidSpec",
  "Other",
  "Unresponsive",
];
export const SLASH_REASON: string[] = ["Timeout", "DisputeLost", "NonReveal"];
export const VOTE: string[] = ["None", "SubmitterRight", "SubmitterWrong", "DataUnavailable"];
export const DISPUTE_STATUS: string[] = ["None", "Voting", "Resolved"];
export const DISPUTE_OUTCOME: string[] = [
  "None",
  "SubmitterWrong",
  "SubmitterRight",
  "NoQuorumSubmitterPresumedRight",
];
export const PAYOUT_KIND: string[] = [
  "ClientCompensation",
  "ChallengerReward",
  "BondReturn",
  "VoterReward",
  "SubmitterReward",
  "Treasury",
];
export const REPORT_REASON: string[] = [
  "None",
  "CidUnavailable",
  "LicenseMismatch",
  "FormatMismatch",
  "HarmfulContent",
  "Other",
];
/** Indexer-side enums (no Solidity counterpart). */
export const ASSIGNMENT_OUTCOME: string[] = [
  "Active",
  "Released",
  "TimedOut",
  "Submitted",
  "Disputed",
  "Finalized",
  "DisputeLost",
];
export const STAKE_EVENT_KIND: string[] = [
  "Registered",
  "Staked",
  "UnstakeRequested",
  "Withdrawn",
  "Exited",
  "Slashed",
];

/** Name of a Solidity enum value; fails (aborts the handler) on values the ABI cannot produce. */
export function enumName(names: string[], value: i32): string {
  if (value < 0 || value >= names.length) {
    throw new Error("enum value " + value.toString() + " out of range (" + names.join(", ") + ")");
  }
  return names[value];
}

/** Tier bucket of the activeNodesTier<N> counters: the tier clamped to 0..4. */
export function tierBucket(tier: i32): i32 {
  if (tier < 0) return 0;
  if (tier > 4) return 4;
  return tier;
}

/** Network / DailyStat counter of active nodes of a tier: "activeNodesTier<N>". */
export function activeTierField(tier: i32): string {
  return "activeNodesTier" + tierBucket(tier).toString();
}

/** Task counter of shards in a status ("pendingShards", ...). */
export function shardCounterField(status: string): string {
  if (status == "Pending") return "pendingShards";
  if (status == "Assigned") return "assignedShards";
  if (status == "Submitted") return "submittedShards";
  if (status == "Challenged") return "challengedShards";
  if (status == "Finalized") return "finalizedShards";
  if (status == "Failed") return "failedShards";
  if (status == "Cancelled") return "cancelledShards";
  throw new Error("unknown shard status " + status);
}

/** Network counter of tasks in a status ("openTasks", ...), or "" for None (no counter). */
export function taskCounterField(status: string): string {
  if (status == "Open") return "openTasks";
  if (status == "Running") return "runningTasks";
  if (status == "Completed") return "completedTasks";
  if (status == "Failed") return "failedTasks";
  if (status == "Cancelled") return "cancelledTasks";
  return "";
}

/** Completed, Failed and Cancelled tasks are closed. */
export function isTerminalTaskStatus(status: string): bool {
  return status == "Completed" || status == "Failed" || status == "Cancelled";
}

/** Votes that count against the submitter (SubmitterWrong and DataUnavailable). */
export function votesAgainstSubmitter(vote: string): bool {
  return vote == "SubmitterWrong" || vote == "DataUnavailable";
}
