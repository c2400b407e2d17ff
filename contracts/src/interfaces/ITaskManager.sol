// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {
    Assignment,
    AuditStatus,
    ChallengedResult,
    PostTaskParams,
    ReleaseReason,
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
///         Shard: Pending -> Assigned -> Submitted -> Finalized;  Submitted -> Challenged -> Finalized | Pending;
///                Assigned -> Pending (release, or timeout with attempts left) | Failed (attempts exhausted).
///         The client escrows shardCount * rewardPerShard plus the audit fees of the expected number of audited
///         shards. A finalized shard pays its node the reward minus a tier-dependent protocol fee.
/// @dev Parameters (IParameters): "challengeWindow", "maxAttempts", "collateralRatioBps", "auditFeeBps",
///      "timeoutSlashBps", "maxShardsPerTask", "minMaxDuration", "maxMaxDuration".
///      Roles: GOVERNOR_ROLE (parameters, tier fees, treasury), KEEPER_ROLE (assignShards, assignAudit),
///      DISPUTE_ROLE (the DisputeManager: onChallenged, onDisputeResolved).
interface ITaskManager is IParameters {
    // ----------------------------------------------------------------------------------------------
    // Errors
    // ----------------------------------------------------------------------------------------------
    error ZeroAddress();
    error UnknownTask(uint256 taskId);
    error ShardOutOfRange(uint256 taskId, uint256 shardIndex, uint256 shardCount);
    error InvalidShardCount(uint256 shardCount, uint256 max);
    error InvalidReward();
    error InvalidMaxDuration(uint256 maxDuration, uint256 min, uint256 max);
    error InvalidAuditRate(uint256 auditRateBps);
    error InvalidSpecCid();
    error InvalidTier(uint8 tier);
    error NotTaskClient(uint256 taskId, address caller);
    error TaskNotActive(uint256 taskId, TaskStatus status);
    error InvalidShardStatus(uint256 taskId, uint256 shardIndex, ShardStatus status);
    error NodeNotEligible(uint256 nodeId, uint256 taskId);
    error NotAssignedNode(uint256 taskId, uint256 shardIndex, address caller);
    error DeadlinePassed(uint256 taskId, uint256 shardIndex, uint64 deadline);
    error DeadlineNotReached(uint256 taskId, uint256 shardIndex, uint64 deadline);
    error ChallengeWindowOpen(uint256 taskId, uint256 shardIndex, uint64 endsAt);
    error ChallengeWindowClosed(uint256 taskId, uint256 shardIndex, uint64 endedAt);
    error InvalidManifest();
    error InvalidCheckpointCount(uint32 checkpointCount, uint32 resumeFrom);
    error EmptyBatch();
    error NothingFinalized();
    error AuditBudgetExhausted(uint256 taskId);
    error AuditAlreadyAssigned(uint256 taskId, uint256 shardIndex);
    error NotAuditor(uint256 taskId, uint256 shardIndex, address caller);
    error VerifierIsSubmitter(uint256 nodeId);
    error InvalidResumeIndex(uint32 resumeFrom, uint32 checkpointCount);
    error NoFeesToSweep();

    // ----------------------------------------------------------------------------------------------
    // Events
    // ----------------------------------------------------------------------------------------------
    event TaskPosted(
        uint256 indexed taskId,
        address indexed client,
        bytes32 specCid,
        uint32 shardCount,
        uint256 rewardPerShard,
        Tier minTier,
        uint16 gpus,
        uint32 vramMiB,
        uint16 cpus,
        uint32 memoryMiB,
        uint64 maxDuration,
        uint16 auditRateBps,
        uint256 escrow
    );
    event TaskStatusChanged(uint256 indexed taskId, TaskStatus oldStatus, TaskStatus newStatus);
    /// @notice Unused escrow (rewards of cancelled/failed shards, unused audit fees) went back to the client.
    event TaskRefunded(uint256 indexed taskId, address indexed client, uint256 amount);
    event ShardAssigned(
        uint256 indexed taskId,
        uint256 indexed shardIndex,
        uint256 indexed nodeId,
        uint8 attempt,
        uint64 deadline,
        uint32 resumeFrom,
        bytes32 resumeManifestCid
    );
    event ShardReleased(
        uint256 indexed taskId,
        uint256 indexed shardIndex,
        uint256 indexed nodeId,
        ReleaseReason reason,
        bytes32 logsCid
    );
    event ResultSubmitted(
        uint256 indexed taskId,
        uint256 indexed shardIndex,
        uint256 indexed nodeId,
        bytes32 manifestCid,
        bytes32 checkpointRoot,
        uint32 checkpointCount,
        uint64 challengeDeadline
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
    event ShardChallenged(uint256 indexed taskId, uint256 indexed shardIndex, uint256 indexed disputeId);
    event AuditAssigned(uint256 indexed taskId, uint256 indexed shardIndex, uint256 indexed verifierNodeId);
    event AuditRecorded(
        uint256 indexed taskId,
        uint256 indexed shardIndex,
        uint256 indexed verifierNodeId,
        AuditStatus outcome,
        uint256 fee
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

    /// @notice Cancels the task: pending shards are cancelled and their rewards refunded; shards in flight
    ///         run to the end. Client only.
    function cancelTask(uint256 taskId) external;

    // ----------------------------------------------------------------------------------------------
    // Keeper (KEEPER_ROLE)
    // ----------------------------------------------------------------------------------------------

    /// @notice Assigns pending shards to eligible nodes and locks each node's collateral, in one batch.
    function assignShards(Assignment[] calldata assignments) external;

    /// @notice Samples a submitted shard for audit by `verifierNodeId` (not the submitter) within the window.
    function assignAudit(uint256 taskId, uint256 shardIndex, uint256 verifierNodeId) external;

    // ----------------------------------------------------------------------------------------------
    // Node (operator or worker key of the assigned node)
    // ----------------------------------------------------------------------------------------------

    /// @notice Hands an assigned shard back (before the deadline) with a reason and logs so the client sees why.
    function releaseShard(uint256 taskId, uint256 shardIndex, ReleaseReason reason, bytes32 logsCid) external;

    /// @notice Commits a result: manifest CID, Merkle root over checkpoint leaves, number of checkpoints.
    function submitResult(
        uint256 taskId,
        uint256 shardIndex,
        bytes32 manifestCid,
        bytes32 checkpointRoot,
        uint32 checkpointCount
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

    /// @notice Sends accrued protocol fees to the treasury.
    function sweepFees() external returns (uint256 amount);

    // ----------------------------------------------------------------------------------------------
    // DisputeManager (DISPUTE_ROLE)
    // ----------------------------------------------------------------------------------------------

    /// @notice Moves a Submitted shard inside its window to Challenged. If `challenger` is the shard's
    ///         assigned auditor, its audit is recorded as Challenged and paid.
    function onChallenged(uint256 taskId, uint256 shardIndex, uint256 disputeId, address challenger)
        external
        returns (ChallengedResult memory result);

    /// @notice Ends a challenge. Submitter right: the shard is finalized and paid. Submitter wrong: the
    ///         assignment's collateral is unlocked (for the dispute to slash), the node's failure recorded,
    ///         and the shard re-queued to resume after checkpoint `resumeFrom - 1` of the old manifest
    ///         (or failed and refunded when attempts are exhausted).
    function onDisputeResolved(uint256 taskId, uint256 shardIndex, bool submitterWrong, uint32 resumeFrom)
        external;

    // ----------------------------------------------------------------------------------------------
    // Governor (GOVERNOR_ROLE)
    // ----------------------------------------------------------------------------------------------

    /// @notice Sets the protocol fee of `tier`, in bps of the reward, taken when a shard is finalized.
    ///         At most 3000; reverts ParameterOutOfBounds("tierFeeBps", feeBps, 0, 3000) above. Emits TierFeeSet.
    function setTierFee(Tier tier, uint16 feeBps) external;

    /// @notice Sets the address sweepFees sends accrued fees to. Not zero (ZeroAddress). Emits TreasurySet.
    function setTreasury(address newTreasury) external;

    // ----------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------

    function token() external view returns (address);
    function registry() external view returns (address);
    function treasury() external view returns (address);
    function taskCount() external view returns (uint256);
    function getTask(uint256 taskId) external view returns (TaskView memory);
    function getShard(uint256 taskId, uint256 shardIndex) external view returns (ShardView memory);
    /// @notice Escrow a client must provide for these params: rewards plus audit fees.
    function quoteEscrow(PostTaskParams calldata params) external view returns (uint256 escrow);
    function tierFeeBps(Tier tier) external view returns (uint16);
    function accruedFees() external view returns (uint256);
    /// @notice Sum of escrowRemaining over all tasks plus accrued fees; the contract's balance covers it.
    function totalOwed() external view returns (uint256);
    function isFinalizable(uint256 taskId, uint256 shardIndex) external view returns (bool);
}
