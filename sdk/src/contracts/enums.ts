/** The enums of contracts/src/types/Types.sol by value (a test checks them against the ABIs). */

export const Tier = {
  None: 0,
  Bronze: 1,
  Silver: 2,
  Gold: 3,
  Platinum: 4,
} as const;
export type Tier = (typeof Tier)[keyof typeof Tier];

export const NodeStatus = {
  None: 0,
  Active: 1,
  Paused: 2,
  Exited: 3,
} as const;
export type NodeStatus = (typeof NodeStatus)[keyof typeof NodeStatus];

export const TaskStatus = {
  None: 0,
  Open: 1,
  Running: 2,
  Completed: 3,
  Cancelled: 4,
  Failed: 5,
} as const;
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];

export const ShardStatus = {
  Pending: 0,
  Assigned: 1,
  Submitted: 2,
  Challenged: 3,
  Finalized: 4,
  Failed: 5,
  Cancelled: 6,
} as const;
export type ShardStatus = (typeof ShardStatus)[keyof typeof ShardStatus];

export const AuditStatus = {
  None: 0,
  Assigned: 1,
  Attested: 2,
  Challenged: 3,
} as const;
export type AuditStatus = (typeof AuditStatus)[keyof typeof AuditStatus];

export const ReleaseReason = {
  None: 0,
  ImageUnavailable: 1,
  DataUnavailable: 2,
  InsufficientResources: 3,
  NodeShuttingDown: 4,
  InvalidSpec: 5,
  Other: 6,
  /** Released by anyone after the node left a keeper's liveness ping unanswered (releaseUnresponsive). */
  Unresponsive: 7,
} as const;
export type ReleaseReason = (typeof ReleaseReason)[keyof typeof ReleaseReason];

/** Why a node cannot take a shard: NodeNotEligible's reason, NodeRegistry.eligibility's result. */
export const Ineligibility = {
  None: 0,
  NotActive: 1,
  TierTooLow: 2,
  NotEnoughGpus: 3,
  NotEnoughVram: 4,
  NotEnoughCpus: 5,
  NotEnoughMemory: 6,
  AskAboveMaxPrice: 7,
  InsufficientFreeStake: 8,
} as const;
export type Ineligibility = (typeof Ineligibility)[keyof typeof Ineligibility];

export const SlashReason = {
  Timeout: 0,
  DisputeLost: 1,
  NonReveal: 2,
} as const;
export type SlashReason = (typeof SlashReason)[keyof typeof SlashReason];

export const Vote = {
  None: 0,
  SubmitterRight: 1,
  SubmitterWrong: 2,
  DataUnavailable: 3,
} as const;
export type Vote = (typeof Vote)[keyof typeof Vote];

/** Drawing: waiting for the committee's seed block (`drawCommittee`); Voting: commit and reveal. */
export const DisputeStatus = {
  None: 0,
  Drawing: 1,
  Voting: 2,
  Resolved: 3,
} as const;
export type DisputeStatus = (typeof DisputeStatus)[keyof typeof DisputeStatus];

export const DisputeOutcome = {
  None: 0,
  SubmitterWrong: 1,
  SubmitterRight: 2,
  NoQuorumSubmitterPresumedRight: 3,
  NoCommittee: 4,
} as const;
export type DisputeOutcome = (typeof DisputeOutcome)[keyof typeof DisputeOutcome];

/** A challenge commitment: Committed (bond held) -> Revealed (dispute opened) | Closed (never revealed). */
export const ChallengeCommitStatus = {
  None: 0,
  Committed: 1,
  Revealed: 2,
  Closed: 3,
} as const;
export type ChallengeCommitStatus = (typeof ChallengeCommitStatus)[keyof typeof ChallengeCommitStatus];

export const PayoutKind = {
  ClientCompensation: 0,
  ChallengerReward: 1,
  BondReturn: 2,
  VoterReward: 3,
  SubmitterReward: 4,
  Treasury: 5,
} as const;
export type PayoutKind = (typeof PayoutKind)[keyof typeof PayoutKind];

/** Why a user flagged a dataset version (DatasetRegistry.report). */
export const ReportReason = {
  None: 0,
  CidUnavailable: 1,
  LicenseMismatch: 2,
  FormatMismatch: 3,
  HarmfulContent: 4,
  Other: 5,
} as const;
export type ReportReason = (typeof ReportReason)[keyof typeof ReportReason];

/** Member names by value, for messages: ENUM_NAMES.ShardStatus[2] === "Submitted". */
export const ENUM_NAMES: Record<string, readonly string[]> = {
  Tier: Object.keys(Tier),
  NodeStatus: Object.keys(NodeStatus),
  TaskStatus: Object.keys(TaskStatus),
  ShardStatus: Object.keys(ShardStatus),
  AuditStatus: Object.keys(AuditStatus),
  ReleaseReason: Object.keys(ReleaseReason),
  Ineligibility: Object.keys(Ineligibility),
  SlashReason: Object.keys(SlashReason),
  Vote: Object.keys(Vote),
  DisputeStatus: Object.keys(DisputeStatus),
  ChallengeCommitStatus: Object.keys(ChallengeCommitStatus),
  DisputeOutcome: Object.keys(DisputeOutcome),
  PayoutKind: Object.keys(PayoutKind),
  ReportReason: Object.keys(ReportReason),
};

/** The member name of `value` in `enumeration` (e.g. `enumName(TaskStatus, 2) === "Running"`); `Unknown(n)` otherwise. */
export function enumName<E extends Record<string, number>>(
  enumeration: E,
  value: number | bigint,
): keyof E & string {
  const n = Number(value);
  for (const [name, v] of Object.entries(enumeration)) if (v === n) return name;
  return `Unknown(${n})` as keyof E & string;
}
