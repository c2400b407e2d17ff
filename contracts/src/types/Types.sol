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

/// @notice Why an assigned shard was handed back: by its worker before running it, or (Unresponsive) by anyone
///         after the node left a keeper's liveness ping unanswered (TaskManager.releaseUnresponsive).
/// @dev Append only: indexers and the SDK store these numbers.
enum ReleaseReason {
    None,
    ImageUnavailable,
    DataUnavailable,
    InsufficientResources,
    NodeShuttingDown,
    InvalidSpec,
    Other,
    Unresponsive
}

/// @notice Why a node cannot take a shard (NodeNotEligible's reason), in the order the checks run.
enum Ineligibility {
    None,
    NotActive, // paused or exited or jailed or below the minimum stake
    TierTooLow,
    NotEnoughGpus,
    NotEnoughVram,
    NotEnoughCpus,
    NotEnoughMemory,
    AskAboveMaxPrice, // the node's askPrice is above the task's maxPricePerShard
    InsufficientFreeStake // free stake below the task's collateral per shard (times the shards asked for)
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

/// @notice Drawing: the committee waits for its seed block (call `drawCommittee`); Voting: commit and reveal.
enum DisputeStatus {
    None,
    Drawing,
    Voting,
    Resolved
}

/// @notice Life of a challenge commitment: Committed (bond held, claim hidden) -> Revealed (a dispute opened)
///         | Closed (never revealed: bond forfeited, or returned when the attempt it targeted already lost).
enum ChallengeCommitStatus {
    None,
    Committed,
    Revealed,
    Closed
}

/// @notice NoCommittee: no committee could be drawn (too few eligible nodes); the bond goes back to the challenger
///         and the checkpoint stands.
enum DisputeOutcome {
    None,
    SubmitterWrong,
    SubmitterRight,
    NoQuorumSubmitterPresumedRight,
    NoCommittee
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

/// @notice What a tier requires. `minFeesPaid` is the protocol fees the node's finalized shards must have paid in
///         total (value-weighted reputation): reaching the tier costs at least that much, whoever the clients were.
struct TierThreshold {
    uint128 minStake;
    uint32 minCompleted;
    uint16 minSuccessBps;
    uint128 minFeesPaid;
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
    uint128 askPrice; // price per shard the node asks (paid exactly when assigned), NRL wei
    uint32 completed;
    uint32 failed;
    uint32 slashCount;
    uint128 feesPaid; // protocol fees paid by the node's finalized shards (value-weighted reputation)
    bytes32 metadataCid;
    Capabilities capabilities;
}

struct PostTaskParams {
    bytes32 specCid;
    uint32 shardCount;
    uint128 maxPricePerShard; // the most paid per shard: each shard pays its node's ask, locked at assignment
    Tier minTier;
    Resources resources;
    uint64 maxDuration; // seconds a node has per attempt
    uint16 auditRateBps; // share of shards sampled for audit
    uint64 datasetId; // 0 = none; else a DatasetRegistry dataset whose usage fee is escrowed per shard
    uint32 datasetVersion; // the version trained on (must exist and not be deprecated at posting)
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
    uint128 maxPricePerShard;
    uint128 collateralPerShard;
    uint128 auditFeePerShard;
    uint128 escrowRemaining; // prices + audit fees still held for this task
    bytes32 specCid;
    Resources resources;
    uint64 postedBlock; // never-assigned shards are claimable from postedBlock + claimDelayBlocks
    uint32 activeShards; // shards Assigned, Submitted or Challenged now
    uint64 datasetId; // 0 = none
    uint32 datasetVersion;
    uint128 datasetFeePerShard; // usage fee escrowed per shard, paid to the dataset's owner on finalization
    uint16 datasetCutBps; // the protocol's share of that fee, fixed at posting
}

struct ShardView {
    ShardStatus status;
    AuditStatus auditStatus;
    uint8 attempts; // failed attempts so far (timeouts, lost disputes)
    uint16 epoch; // assignment counter: every assignment starts a new epoch; disputes name the epoch they judge
    uint8 openDisputes; // disputes of this shard (any epoch) not yet resolved; finalization waits for zero
    bool challengeCommitted; // a challenge was committed in this epoch: payment waits for the reveal period
    uint64 nodeId;
    uint64 auditorNodeId;
    uint64 deadline; // assignment deadline (Assigned) or end of challenge window (Submitted, Challenged)
    uint64 submittedBlock; // block of submitResult; block submittedBlock + 1 seeds the audit draw
    uint32 checkpointCount;
    uint32 resumeFrom; // number of undisputed checkpoints a new attempt starts after
    uint128 price; // what the shard pays (its node's ask at assignment, at least minShardPrice); 0 while Pending
    uint64 pendingSince; // Pending: the block it became Pending (claimable claimDelayBlocks later); else 0
    bytes32 manifestCid;
    bytes32 checkpointRoot; // computed on-chain from the submitted checkpoints
    bytes32 resumeManifestCid; // manifest holding the checkpoints to resume from
    uint256 disputeId; // latest dispute opened on the shard
}

/// @notice One training checkpoint as committed by `submitResult`: its leaf index is its position.
///         `hash` is the sha256 of the checkpoint file; the last checkpoint is the final weights.
struct Checkpoint {
    uint64 step;
    bytes32 hash;
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
    uint16 epoch;
    uint32 checkpointCount;
    bytes32 checkpointRoot;
    uint128 collateral;
    uint128 maxPricePerShard;
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
    uint16 epoch; // shard epoch (attempt) the dispute judges
    uint64 seedBlock; // block whose hash seeds the current round's committee
    uint256 commitId; // the challenge commitment this dispute revealed
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

struct ChallengeCommitView {
    ChallengeCommitStatus status;
    address challenger;
    uint64 taskId;
    uint32 shardIndex;
    uint16 epoch;
    uint64 committedBlock; // the committee seed is the randomness of the block after it
    uint64 revealDeadline;
    uint128 bond;
    bytes32 commitment;
    uint256 disputeId; // set once revealed
}

/// @notice Who a committee draw leaves out, and the per-seat minimums.
struct CommitteeRules {
    address submitterOperator; // every node of this operator is excluded
    address challenger; // nodes with the challenger as operator or worker are excluded
    address client; // nodes with the client as operator or worker are excluded
    uint8 size; // seats to fill
    uint16 maxTries; // draws per seat before giving up
    Tier minTier;
    uint128 minStake;
    uint64 registeredBefore; // a member must have registered at or before this time (age minimum)
    uint64 frozenAt; // block the seed was fixed in: nodes that changed after it are skipped
    uint64 nodeCount; // nodes registered when the seed was fixed: the slots drawn from
}

/// @notice What a committee draw needs to know of one node, in one call.
struct SeatInfo {
    address operator;
    address worker;
    Tier tier;
    bool active;
    uint64 registeredAt;
    uint128 stake;
    uint64 drawChangedAt; // block of the last change of its weight, active state, tier, keys or offer
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
    WeightsProof weights; // the final-weights leaf of that shard (ignored without a source task)
}

/// @notice Opens the last checkpoint leaf of a shard's commitment: the final weights. `hash` is the sha256 of
///         the weights file, `step` its training step, `proof` the Merkle proof under the shard's checkpointRoot.
struct WeightsProof {
    uint64 step;
    bytes32 hash;
    bytes32[] proof;
}

struct VersionParams {
    bytes32 weightsCid;
    bytes32 metadataCid;
    uint256 sourceTaskId;
    uint256 sourceShard;
    bytes32 manifestCid;
    WeightsProof weights;
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
    bytes32 weightsHash; // sha256 of the weights file, bound to the shard's final checkpoint when verified
    bytes32 arweaveTxId;
}

/// @notice Why a user flagged a dataset version (DatasetRegistry.report).
enum ReportReason {
    None,
    CidUnavailable, // the content CID cannot be fetched
    LicenseMismatch, // the data is not under the declared license
    FormatMismatch, // the content does not match the declared format or size
    HarmfulContent,
    Other
}

/// @notice What describes a dataset as a whole (DatasetRegistry.publish).
struct DatasetParams {
    string name; // 1..64 bytes
    string description; // at most 1024 bytes; emitted, not stored
    string license; // SPDX identifier, e.g. "CC-BY-4.0"
}

/// @notice One immutable version of a dataset's content.
struct DatasetVersionParams {
    bytes32 contentCid; // sha2-256 digest of a CIDv1 (docs/cids.md)
    uint32 contentCodec; // the CID's codec: 0x55 raw (a single-block file) or 0x70 dag-pb (UnixFS file or directory)
    uint64 sizeBytes; // total size of the content
    uint96 usageFeePerShard; // NRL wei a task pays per finalized shard trained on this version (0 = free)
    string format; // a short descriptor, e.g. "csv: pixels[64],label" (1..256 bytes)
    bytes32 metadataCid; // optional JSON document (datasheet, schema), raw codec; 0 = none
}

struct DatasetView {
    address owner;
    bool deprecated;
    uint32 versionCount;
    uint32 stars;
    uint64 createdAt;
    string name;
    string license;
}

struct DatasetVersionView {
    bool deprecated;
    uint32 contentCodec;
    uint32 reports;
    uint64 sizeBytes;
    uint64 createdAt;
    uint96 usageFeePerShard;
    bytes32 contentCid;
    bytes32 metadataCid;
    bytes32 arweaveTxId;
    string format;
}
