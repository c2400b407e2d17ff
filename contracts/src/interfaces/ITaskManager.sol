// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {
    Assignment,
    AuditStatus,
    ChallengedResult,
    Checkpoint,
    Ineligibility,
    PostTaskParams,
    ReleaseReason,
    Resources,
    ShardRef,
    ShardStatus,
    ShardView,
    TaskStatus,
    TaskView,
    Tier
} from "../types/Types.sol";
import {IParameters} from "./IParameters.sol";

/// @title Task escrow and the task / shard state machines
/// @notice Task:  Open -> Running -> Completed | Cancelled | Failed.
///         Shard: Pending -> Assigned -> Submitted -> Finalized;  Submitted <-> Challenged (while disputes are open);
///                Challenged -> Pending (a dispute lost: re-queued to resume) | Failed (attempts exhausted);
///                Assigned -> Pending (release, or timeout with attempts left) | Failed (attempts exhausted).
///         A submitted result commits its checkpoints on-chain (the root is computed from them). It is paid only
///         once its challenge window has ended (plus the reveal period when a challenge was committed) with no
///         dispute open and none lost. A verdict for the submitter covers only the disputed checkpoint.
///         Pricing is a reverse auction: the client escrows shardCount * maxPricePerShard plus the audit fees of the
///         expected number of audited shards; each assignment locks the price the shard pays: the node's askPrice
///         (at most the task's maximum, at least "minShardPrice"). A finalized shard pays its node that price minus a
///         tier-dependent protocol fee and sends the rest of its maximum back to the client at once.
///         Holding a shard costs: a release more than "releaseGracePeriod" seconds after the assignment counts as a
///         failed attempt of the node. No keeper can censor: a shard Pending for "claimDelayBlocks" blocks can be
///         claimed by any eligible node (claimShard).
///         Liveness: a keeper may ping an Assigned shard whose node looks dead (pingShard); the node's keys answer
///         within "livenessWindow" seconds (answerPing), else anyone ends the attempt like a late release
///         (releaseUnresponsive). A shard is pinged at most once per 4 × livenessWindow, so a keeper can neither
///         release a node that answers nor make it answer more often than that.
/// @dev Parameters (IParameters): "challengeWindow", "challengeRevealPeriod", "maxAttempts", "collateralRatioBps",
///      "minCollateral", "auditFeeBps", "timeoutSlashBps", "maxShardsPerTask", "minMaxDuration", "maxMaxDuration",
///      "minShardPrice", "releaseGracePeriod", "claimDelayBlocks", "livenessWindow".
///      Roles: GOVERNOR_ROLE (parameters, tier fees, treasury), KEEPER_ROLE (assignShards, pingShard),
///      DISPUTE_ROLE (the DisputeManager: challenge commitments and disputes), AUDIT_ROLE (the Sortition: audit draws).
interface ITaskManager is IParameters {
    // ----------------------------------------------------------------------------------------------
    // Errors
    // ----------------------------------------------------------------------------------------------
    error ZeroAddress();
    error UnknownTask(uint256 taskId);
    error ShardOutOfRange(uint256 taskId, uint256 shardIndex, uint256 shardCount);
    error InvalidShardCount(uint256 shardCount, uint256 max);
    /// @notice maxPricePerShard must be at least minShardPrice and at most 2^96 - 1, and the escrow must fit 120 bits.
    error InvalidMaxPrice(uint256 maxPricePerShard, uint256 minShardPrice);
    /// @notice A price that cannot be stored exactly: at most 9 significant decimal digits (m × 10^e, m < 2^32).
    error InvalidPrice(uint256 price);
    error InvalidMaxDuration(uint256 maxDuration, uint256 min, uint256 max);
    error InvalidAuditRate(uint256 auditRateBps);
    error InvalidSpecCid();
    error InvalidTier(uint8 tier);
    error NotTaskClient(uint256 taskId, address caller);
    error TaskNotActive(uint256 taskId, TaskStatus status);
    error InvalidShardStatus(uint256 taskId, uint256 shardIndex, ShardStatus status);
    /// @notice `reason` is the first condition the node failed (NodeRegistry.eligibility).
    error NodeNotEligible(uint256 nodeId, uint256 taskId, Ineligibility reason);
    /// @notice The caller is neither the operator nor the worker key of `nodeId`.
    error NotNodeKey(uint256 nodeId, address caller);
    /// @notice The shard has not been Pending for claimDelayBlocks yet: claimable from block `claimableAt`.
    error ClaimTooEarly(uint256 taskId, uint256 shardIndex, uint256 claimableAt);
    error NotAssignedNode(uint256 taskId, uint256 shardIndex, address caller);
    error DeadlinePassed(uint256 taskId, uint256 shardIndex, uint64 deadline);
    error DeadlineNotReached(uint256 taskId, uint256 shardIndex, uint64 deadline);
    error ChallengeWindowOpen(uint256 taskId, uint256 shardIndex, uint64 endsAt);
    error ChallengeWindowClosed(uint256 taskId, uint256 shardIndex, uint64 endedAt);
    error InvalidManifest();
    error InvalidCheckpointCount(uint256 checkpointCount, uint256 resumeFrom, uint256 max);
    error CollateralBelowMinimum(uint256 collateral, uint256 minCollateral);
    error StaleEpoch(uint256 taskId, uint256 shardIndex, uint16 epoch, uint16 currentEpoch);
    error RevealPeriodOver(uint256 taskId, uint256 shardIndex, uint64 revealDeadline);
    error TooManyDisputes(uint256 taskId, uint256 shardIndex);
    error EmptyBatch();
    error NothingFinalized();
    error AuditBudgetExhausted(uint256 taskId);
    error AuditAlreadyAssigned(uint256 taskId, uint256 shardIndex);
    error NotAuditor(uint256 taskId, uint256 shardIndex, address caller);
    error VerifierIsSubmitter(uint256 nodeId);
    error NoFeesToSweep();
    /// @notice The shard's current assignment already has a ping waiting for an answer until `respondBy`.
    error PingOutstanding(uint256 taskId, uint256 shardIndex, uint64 respondBy);
    /// @notice The shard was pinged less than 4 × livenessWindow ago: the next ping is allowed from `nextPingAt`.
    error PingCooldown(uint256 taskId, uint256 shardIndex, uint64 nextPingAt);
    /// @notice The shard's current assignment has no unanswered ping (never pinged, answered, or the ping was for
    ///         an earlier assignment).
    error NoPingOutstanding(uint256 taskId, uint256 shardIndex);
    /// @notice The node may still answer the ping: release it after `respondBy`.
    error PingNotExpired(uint256 taskId, uint256 shardIndex, uint64 respondBy);

    // ----------------------------------------------------------------------------------------------
    // Events
    // ----------------------------------------------------------------------------------------------
    event TaskPosted(
        uint256 indexed taskId,
        address indexed client,
        bytes32 specCid,
        uint32 shardCount,
        uint256 maxPricePerShard,
        Tier minTier,
        Resources resources,
        uint64 maxDuration,
        uint16 auditRateBps,
        uint256 escrow,
        uint256 collateralPerShard,
        uint256 auditFeePerShard
    );
    event TaskStatusChanged(uint256 indexed taskId, TaskStatus oldStatus, TaskStatus newStatus);
    /// @notice The client cancelled the task: its `pendingShards` Pending shards are Cancelled now (no event per
    ///         shard: every shard that is Pending when this is emitted is Cancelled); shards in flight run on.
    event TaskCancelled(uint256 indexed taskId, uint32 pendingShards);
    /// @notice Escrow went back to the client: what finalized shards did not use of their max price, the prices of
    ///         cancelled shards, and at the close whatever is left (failed shards, unused audit fees).
    /// @notice The task trains on a DatasetRegistry dataset version: `usageFeePerShard` is escrowed per shard and
    ///         paid to the dataset's owner (less `cutBps` to the protocol) for each finalized shard.
    event TaskUsesDataset(
        uint256 indexed taskId,
        uint256 indexed datasetId,
        uint32 datasetVersion,
        uint256 usageFeePerShard,
        uint16 cutBps
    );
    /// @notice `shards` finalized shards of `taskId` paid their usage fee: `amount` to the dataset's `owner`
    ///         (its owner at finalization), `protocolCut` to the protocol's fees.
    event DatasetUsagePaid(
        uint256 indexed datasetId,
        uint256 indexed taskId,
        address indexed owner,
        uint32 shards,
        uint256 amount,
        uint256 protocolCut
    );
    event TaskRefunded(uint256 indexed taskId, address indexed client, uint256 amount);
    event ShardAssigned(
        uint256 indexed taskId,
        uint256 indexed shardIndex,
        uint256 indexed nodeId,
        uint16 epoch,
        uint8 attempt,
        uint64 deadline,
        uint32 resumeFrom,
        bytes32 resumeManifestCid,
        uint256 price
    );
    /// @notice `late`: released after the grace period, so the attempt counted as failed (ShardRequeued,
    ///         ShardFailed or ShardCancelled follows) and the node's reputation recorded a failure.
    event ShardReleased(
        uint256 indexed taskId,
        uint256 indexed shardIndex,
        uint256 indexed nodeId,
        ReleaseReason reason,
        bytes32 logsCid,
        bool late
    );
    /// @notice `checkpoints` are the committed leaves in order (leaf i = checkpoints[i]); anyone can rebuild the
    ///         tree and a proof for any leaf from this event alone.
    event ResultSubmitted(
        uint256 indexed taskId,
        uint256 indexed shardIndex,
        uint256 indexed nodeId,
        uint16 epoch,
        bytes32 manifestCid,
        bytes32 checkpointRoot,
        uint32 checkpointCount,
        uint64 challengeDeadline,
        Checkpoint[] checkpoints
    );
    event ShardFinalized(
        uint256 indexed taskId,
        uint256 indexed shardIndex,
        uint256 indexed nodeId,
        uint256 payout,
        uint256 fee
    );
    event ShardTimedOut(
        uint256 indexed taskId, uint256 indexed shardIndex, uint256 indexed nodeId, uint256 slashed
    );
    event ShardRequeued(
        uint256 indexed taskId,
        uint256 indexed shardIndex,
        uint8 attempts,
        uint32 resumeFrom,
        bytes32 resumeManifestCid
    );
    event ShardFailed(uint256 indexed taskId, uint256 indexed shardIndex, uint256 refund);
    event ShardCancelled(uint256 indexed taskId, uint256 indexed shardIndex);
    /// @notice A challenge was committed against the shard's current epoch: payment now waits for the reveal period.
    event ShardChallengeCommitted(
        uint256 indexed taskId, uint256 indexed shardIndex, uint16 epoch, uint64 revealDeadline
    );
    event ShardChallenged(
        uint256 indexed taskId,
        uint256 indexed shardIndex,
        uint256 indexed disputeId,
        uint16 epoch,
        uint8 openDisputes
    );
    /// @notice A dispute ended for the submitter (or was moot); `openDisputes` are still open on the shard.
    event ShardDisputeCleared(
        uint256 indexed taskId, uint256 indexed shardIndex, uint256 indexed disputeId, uint8 openDisputes
    );
    /// @notice A checkpoint of an earlier attempt lost its dispute after the shard moved on: new attempts resume
    ///         from `resumeFrom`, and the attempt in flight (if any) was handed back without fault.
    event ShardResumeLowered(
        uint256 indexed taskId, uint256 indexed shardIndex, uint32 resumeFrom, uint16 epoch
    );
    event AuditAssigned(uint256 indexed taskId, uint256 indexed shardIndex, uint256 indexed verifierNodeId);
    event AuditRecorded(
        uint256 indexed taskId,
        uint256 indexed shardIndex,
        uint256 indexed verifierNodeId,
        AuditStatus outcome,
        uint256 fee
    );
    /// @notice A keeper asked the node running epoch `epoch` of the shard to prove it is alive: unless the node's keys
    ///         call answerPing by `respondBy`, anyone may release the shard (releaseUnresponsive).
    event ShardPinged(
        uint256 indexed taskId,
        uint256 indexed shardIndex,
        uint256 indexed nodeId,
        uint16 epoch,
        uint64 respondBy
    );
    /// @notice The node answered the ping of epoch `epoch`: the shard stays its own.
    event PingAnswered(
        uint256 indexed taskId, uint256 indexed shardIndex, uint256 indexed nodeId, uint16 epoch
    );
    event TierFeeSet(Tier indexed tier, uint16 feeBps);
    event TreasurySet(address indexed oldTreasury, address indexed newTreasury);
    event FeesSwept(address indexed treasury, uint256 amount);

    // ----------------------------------------------------------------------------------------------
    // Client
    // ----------------------------------------------------------------------------------------------

    /// @notice Posts a task and escrows its rewards and audit fees (approve first). Returns the task id (from 1).
    function postTask(PostTaskParams calldata params) external returns (uint256 taskId);

    /// @notice postTask with an EIP-2612 permit for exactly the escrow amount (see quoteEscrow).
    function postTaskWithPermit(
        PostTaskParams calldata params,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (uint256 taskId);

    /// @notice Cancels the task: pending shards are cancelled and their max prices refunded; shards in flight
    ///         run to the end. Client only. O(1) in the number of shards (TaskCancelled, no per-shard event).
    function cancelTask(uint256 taskId) external;

    // ----------------------------------------------------------------------------------------------
    // Keeper (KEEPER_ROLE)
    // ----------------------------------------------------------------------------------------------

    /// @notice Assigns pending shards to eligible nodes and locks each node's collateral, in one batch.
    function assignShards(Assignment[] calldata assignments) external;

    /// @notice Asks the node of an Assigned shard (before its deadline) to prove it is alive within livenessWindow
    ///         seconds (ShardPinged). At most one ping outstanding per shard, and at most one ping per
    ///         4 × livenessWindow per assignment (PingCooldown), so pings cannot be used to wear a node down.
    function pingShard(uint256 taskId, uint256 shardIndex) external;

    // ----------------------------------------------------------------------------------------------
    // Node (operator or worker key of the assigned node)
    // ----------------------------------------------------------------------------------------------

    /// @notice Takes a shard that has been Pending for at least claimDelayBlocks blocks (since the task was posted or
    ///         since it went back to Pending) for `nodeId`, with the checks and effects of assignShards. Caller: the
    ///         node's operator or worker key. This is how a shard no keeper assigns still gets run.
    function claimShard(uint256 taskId, uint256 shardIndex, uint256 nodeId) external;

    /// @notice Hands an assigned shard back (before the deadline) with a reason and logs so the client sees why.
    ///         Free within releaseGracePeriod of the assignment; later it counts as a failed attempt (attempts + 1,
    ///         the shard may fail) and a reputation failure of the node, so a shard cannot be held for free.
    function releaseShard(uint256 taskId, uint256 shardIndex, ReleaseReason reason, bytes32 logsCid) external;

    /// @notice Answers the outstanding liveness ping of an Assigned shard (PingAnswered); the shard stays the node's.
    ///         Caller: the assigned node's operator or worker key. Allowed until someone releases the shard, even
    ///         after respondBy.
    function answerPing(uint256 taskId, uint256 shardIndex) external;

    /// @notice Commits a result: the manifest CID and every checkpoint (step, sha256) in order, the last one being the
    ///         final weights. The Merkle root is computed on-chain (CheckpointMerkle.root) and stored; the
    ///         checkpoints are emitted in ResultSubmitted. At least max(1, resumeFrom) and at most 1024 checkpoints.
    function submitResult(
        uint256 taskId,
        uint256 shardIndex,
        bytes32 manifestCid,
        Checkpoint[] calldata checkpoints
    ) external;

    /// @notice The assigned verifier records that its re-execution matched; pays the audit fee.
    function recordAudit(uint256 taskId, uint256 shardIndex) external;

    // ----------------------------------------------------------------------------------------------
    // Anyone
    // ----------------------------------------------------------------------------------------------

    /// @notice Finalizes every listed shard whose challenge window has ended; skips the others.
    /// @return finalized How many shards were finalized (reverts with NothingFinalized when zero).
    function finalizeShards(ShardRef[] calldata refs) external returns (uint256 finalized);

    /// @notice After an assignment's deadline: slashes the node a little, re-queues or fails the shard.
    function timeoutShard(uint256 taskId, uint256 shardIndex) external;

    /// @notice Releases an Assigned shard whose node left its ping unanswered past respondBy (and before the
    ///         shard's deadline; later, timeoutShard applies): the attempt fails exactly like a late release
    ///         (ShardReleased with reason Unresponsive and late = true; attempts + 1; a reputation failure; the
    ///         shard is re-queued, or Failed and refunded after maxAttempts). No slash: the client pays nothing.
    function releaseUnresponsive(uint256 taskId, uint256 shardIndex) external;

    /// @notice Sends accrued protocol fees to the treasury.
    function sweepFees() external returns (uint256 amount);

    // ----------------------------------------------------------------------------------------------
    // DisputeManager (DISPUTE_ROLE)
    // ----------------------------------------------------------------------------------------------

    /// @notice A challenge was committed on a Submitted or Challenged shard inside its window. Marks the epoch so
    ///         payment waits for the reveal period. Returns the epoch and the reveal deadline.
    function onChallengeCommitted(uint256 taskId, uint256 shardIndex)
        external
        returns (uint16 epoch, uint64 revealDeadline);

    /// @notice Opens a dispute on epoch `epoch` of the shard (still current, Submitted or Challenged, before the
    ///         reveal deadline): one more open dispute, status Challenged. If `challenger` is the shard's assigned
    ///         auditor, its audit is recorded as Challenged and paid.
    function onChallenged(
        uint256 taskId,
        uint256 shardIndex,
        uint16 epoch,
        uint256 disputeId,
        address challenger
    ) external returns (ChallengedResult memory result);

    /// @notice Ends a dispute of epoch `epoch` about checkpoint `checkpointIndex`. Returns whether that epoch was
    ///         still the shard's live result. Live and submitter wrong: the assignment's collateral is unlocked (for
    ///         the dispute to slash), the failure recorded, and the shard re-queued to resume from the checkpoint
    ///         (or failed when attempts are exhausted). Live and submitter right: one dispute fewer; the shard is
    ///         Submitted again when none is left (paid by finalizeShards after its window). Submitter wrong on a
    ///         checkpoint below the shard's resumeFrom (inherited by the current attempt, or judged in an earlier
    ///         attempt): resumeFrom drops to it, the attempt in flight is handed back without fault
    ///         (ShardResumeLowered) and `live` is false, so nobody in flight is slashed for it.
    function onDisputeResolved(
        uint256 taskId,
        uint256 shardIndex,
        uint16 epoch,
        uint256 disputeId,
        bool submitterWrong,
        uint32 checkpointIndex
    ) external returns (bool live);

    /// @notice Records the Sortition's audit draw (AUDIT_ROLE): `verifierNodeId` audits epoch `epoch` (Submitted or
    ///         Challenged, window open, budget left). The verifier is paid when it attests or challenges in time.
    function onAuditAssigned(uint256 taskId, uint256 shardIndex, uint16 epoch, uint256 verifierNodeId)
        external;

    // ----------------------------------------------------------------------------------------------
    // Governor (GOVERNOR_ROLE)
    // ----------------------------------------------------------------------------------------------

    /// @notice Sets the protocol fee of `tier`, in bps of the shard's price, taken when a shard is finalized.
    ///         At most 3000; reverts ParameterOutOfBounds("tierFeeBps", feeBps, 0, 3000) above. Emits TierFeeSet.
    function setTierFee(Tier tier, uint16 feeBps) external;

    /// @notice Sets the address sweepFees sends accrued fees to. Not zero (ZeroAddress). Emits TreasurySet.
    function setTreasury(address newTreasury) external;

    // ----------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------

    function token() external view returns (address);
    function registry() external view returns (address);
    /// @notice The DatasetRegistry that PostTaskParams.datasetId refers to.
    function datasetRegistry() external view returns (address);
    function treasury() external view returns (address);
    function taskCount() external view returns (uint256);
    function getTask(uint256 taskId) external view returns (TaskView memory);
    function getShard(uint256 taskId, uint256 shardIndex) external view returns (ShardView memory);
    /// @notice Escrow a client must provide for these params: max prices plus audit fees.
    function quoteEscrow(PostTaskParams calldata params) external view returns (uint256 escrow);
    function tierFeeBps(Tier tier) external view returns (uint16);
    function accruedFees() external view returns (uint256);
    /// @notice Sum of escrowRemaining over all tasks plus accrued fees; the contract's balance covers it.
    function totalOwed() external view returns (uint256);
    /// @notice Submitted (no dispute open), window ended, and the reveal period too when a challenge was committed.
    function isFinalizable(uint256 taskId, uint256 shardIndex) external view returns (bool);
    /// @notice The task's client and collateral per shard (what a dispute settles with), without the rest of getTask.
    function taskParties(uint256 taskId) external view returns (address client, uint256 collateralPerShard);
    /// @notice The shard's status (as getShard reports it), epoch and open disputes, without the rest of getShard.
    function shardState(uint256 taskId, uint256 shardIndex)
        external
        view
        returns (ShardStatus status, uint16 epoch, uint8 openDisputes);
    /// @notice The shard's latest liveness ping: the epoch it concerns, its answer deadline (0: none outstanding)
    ///         and the earliest time of the next ping of that epoch. A ping whose epoch is not the shard's current
    ///         one is void.
    function shardPing(uint256 taskId, uint256 shardIndex)
        external
        view
        returns (uint16 epoch, uint64 respondBy, uint64 nextPingAt);
    /// @notice Root of `checkpoints` exactly as submitResult computes it.
    function checkpointRoot(Checkpoint[] calldata checkpoints) external pure returns (bytes32);
}
