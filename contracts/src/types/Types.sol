// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Shared protocol types
/// @notice Enums and structs used across the Neural contracts and, through the ABIs, by every service.
/// @dev CIDs are stored as the 32-byte sha2-256 digest of a CIDv1; the codec is fixed per field and
///      documented in docs/cids.md, so the full CID is recoverable off-chain.

/// @notice Quality tier of a node, derived from stake, completed count and success rate.
enum Tier {
    None,
    Bronze,
    Silver,
    Gold,
    Platinum
}

enum NodeStatus {
    None,
    Active,
    Paused,
    Exited
}

enum TaskStatus {
    None,
    Open,
    Running,
    Completed,
    Cancelled,
    Failed
}

/// @dev Pending is zero so posting a task writes nothing per shard.
enum ShardStatus {
    Pending,
    Assigned,
    Submitted,
    Challenged,
    Finalized,
    Failed,
    Cancelled
}

enum AuditStatus {
    None,
    Assigned,
    Attested,
    Challenged
}

/// @notice Why a worker handed an assigned shard back before running it.
enum ReleaseReason {
    None,
    ImageUnavailable,
    DataUnavailable,
    InsufficientResources,
    NodeShuttingDown,
    InvalidSpec,
    Other
}

enum SlashReason {
    Timeout,
    DisputeLost,
    NonReveal
}

enum Vote {
    None,
    SubmitterRight,
    SubmitterWrong,
    DataUnavailable
}

enum DisputeStatus {
    None,
    Voting,
    Resolved
}

enum DisputeOutcome {
    None,
    SubmitterWrong,
    SubmitterRight,
    NoQuorumSubmitterPresumedRight
}

enum PayoutKind {
    ClientCompensation,
    ChallengerReward,
    BondReturn,
    VoterReward,
    SubmitterReward,
    Treasury
}

/// @notice What a node offers. Compared field by field against a task's Resources.
struct Capabilities {
    bytes32 gpuModel; // e.g. "NVIDIA H100 80GB", right-padded ASCII
    uint16 gpuCount;
    uint32 vramMiB; // per GPU
    uint16 cpuCores;
    uint32 memoryMiB;
    bytes16 region; // e.g. "eu-west", right-padded ASCII
}

/// @notice What one shard of a task needs from a node.
struct Resources {
    uint16 gpus;
    uint32 vramMiB;
    uint16 cpus;
    uint32 memoryMiB;
}

struct TierThreshold {
    uint128 minStake;
    uint32 minCompleted;
    uint16 minSuccessBps;
}

struct NodeView {
    address operator;
    address worker;
    NodeStatus status;
    Tier tier;
    bool active; // member of the enumerable active set
    uint64 registeredAt;
    uint64 jailedUntil;
    uint64 unbondingReleaseAt;
    uint128 stake; // bonded, includes locked
    uint128 locked; // collateral locked by live assignments
    uint128 unbonding; // requested out, still slashable until withdrawn
    uint128 askPrice; // minimum reward per shard, NRL wei
    uint32 completed;
    uint32 failed;
    uint32 slashCount;
    bytes32 metadataCid;
    Capabilities capabilities;
}

struct PostTaskParams {
    bytes32 specCid;
    uint32 shardCount;
    uint128 rewardPerShard;
    Tier minTier;
    Resources resources;
    uint64 maxDuration; // seconds a node has per attempt
    uint16 auditRateBps; // share of shards sampled for audit
}

struct TaskView {
    address client;
    TaskStatus status;
    Tier minTier;
    uint16 auditRateBps;
    uint32 shardCount;
    uint32 finalizedShards;
    uint32 failedShards;
    uint32 cancelledShards;
    uint32 auditBudget; // audits paid for at post time
    uint32 auditsUsed;
    uint64 createdAt;
    uint64 maxDuration;
    uint128 rewardPerShard;
    uint128 collateralPerShard;
    uint128 auditFeePerShard;
    uint128 escrowRemaining; // rewards + audit fees still held for this task
    bytes32 specCid;
    Resources resources;
}

struct ShardView {
    ShardStatus status;
    AuditStatus auditStatus;
    uint8 attempts;
    uint64 nodeId;
    uint64 auditorNodeId;
    uint64 deadline; // assignment deadline (Assigned) or end of challenge window (Submitted)
    uint64 submittedAt;
    uint32 checkpointCount;
    uint32 resumeFrom; // number of undisputed checkpoints a new attempt starts after
    bytes32 manifestCid;
    bytes32 checkpointRoot;
    bytes32 resumeManifestCid; // manifest holding the checkpoints to resume from
    uint256 disputeId;
}

struct Assignment {
    uint64 taskId;
    uint32 shardIndex;
    uint64 nodeId;
}

struct ShardRef {
    uint64 taskId;
    uint32 shardIndex;
}

/// @notice What a dispute needs to know about the challenged result, returned by TaskManager.
struct ChallengedResult {
    address client;
    uint64 submitterNodeId;
    uint32 checkpointCount;
    bytes32 checkpointRoot;
    uint128 collateral;
    uint128 rewardPerShard;
}

struct ChallengeParams {
    uint64 taskId;
    uint32 shardIndex;
    uint32 checkpointIndex; // first disputed checkpoint d
    uint64 step; // training step of leaf d as committed by the submitter
    bytes32 leafHash; // checkpoint hash the submitter committed at d
    bytes32 challengerHash; // optional: the hash the challenger computed for d
    bytes32[] proof; // Merkle proof of leaf (d, step, leafHash) under the shard's checkpointRoot
}

struct DisputeView {
    DisputeStatus status;
    DisputeOutcome outcome;
    uint8 round;
    uint8 votesWrong; // SubmitterWrong + DataUnavailable
    uint8 votesRight;
    uint8 reveals;
    uint32 checkpointIndex;
    uint64 taskId;
    uint32 shardIndex;
    uint64 submitterNodeId;
    uint64 openedAt;
    uint64 commitDeadline;
    uint64 revealDeadline;
    address challenger;
    uint128 bond;
    bytes32 leafHash;
    bytes32 challengerHash;
    uint64[] committee;
}

struct PublishParams {
    string name;
    string license; // SPDX identifier, e.g. "Apache-2.0"
    bytes32 weightsCid;
    bytes32 metadataCid;
    uint256 parentModelId; // 0 = none
    uint256 sourceTaskId; // 0 = none
    uint256 sourceShard;
    bytes32 manifestCid; // must equal the finalized shard's manifest for verified provenance
}

struct VersionParams {
    bytes32 weightsCid;
    bytes32 metadataCid;
    uint256 sourceTaskId;
    uint256 sourceShard;
    bytes32 manifestCid;
}

struct ModelView {
    address owner;
    bool deprecated;
    uint32 versionCount;
    uint32 stars;
    uint64 createdAt;
    uint256 parentModelId;
    uint256 replacementModelId;
    uint256 tipsReceived;
    string name;
    string license;
}

struct ModelVersionView {
    bool verified;
    uint64 createdAt;
    uint256 sourceTaskId;
    uint256 sourceShard;
    bytes32 weightsCid;
    bytes32 metadataCid;
    bytes32 manifestCid;
    bytes32 arweaveTxId;
}
