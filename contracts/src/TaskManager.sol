// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {Governed} from "./base/Governed.sol";
import {INodeRegistry} from "./interfaces/INodeRegistry.sol";
import {ITaskManager} from "./interfaces/ITaskManager.sol";
import {PackedShard} from "./libraries/PackedShard.sol";
import {
    Assignment,
    AuditStatus,
    ChallengedResult,
    PostTaskParams,
    ReleaseReason,
    Resources,
    ShardRef,
    ShardStatus,
    ShardView,
    SlashReason,
    TaskStatus,
    TaskView,
    Tier
} from "./types/Types.sol";

/// @title Neural task manager
/// @notice Task escrow and the task / shard state machines of docs/protocol.md: clients post tasks and escrow
///         rewards plus audit fees, keepers assign shards to eligible nodes (collateral locked in the
///         NodeRegistry), nodes submit checkpoint commitments, anyone finalizes after the challenge window,
///         times out late assignments and sweeps protocol fees; the DisputeManager settles challenges.
/// @dev Storage is laid out for the per-shard gas budget:
///      - a shard's hot fields are one packed word (`PackedShard`); the zero word is Pending, so posting a
///        task writes nothing per shard. CIDs and audit / dispute ids live in `ShardData`;
///      - per-task constants (reward, collateral and audit-fee ratios, resources) live in the 4-slot `Task`;
///        collateral and audit fee per shard are `reward × ratio / 10000` with the ratios fixed at post;
///      - shard counters are uint16 (maxShardsPerTask ≤ SHARD_COUNT_CAP = 10000);
///      - protocol fees accrue in one counter (`sweepFees`), next to the sum of all escrows (`totalOwed`);
///      - all parameters and the tier fees share one slot.
///      Time: a node may release or submit while `block.timestamp <= deadline`; a timeout is allowed once
///      `block.timestamp > deadline`. A submitted shard may be audited or challenged while
///      `block.timestamp <= deadline` (end of its window) and finalized once `block.timestamp > deadline`.
///      The window length is the `challengeWindow` in force when the shard was assigned.
///      Cancelling a task does not write its Pending shards: a stored Pending shard of a Cancelled task is
///      Cancelled (getShard reports it so); a shard in flight that would go back to Pending becomes Cancelled.
contract TaskManager is ITaskManager, Governed, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Keeper bots: assignShards, assignAudit.
    bytes32 public constant KEEPER_ROLE = keccak256("KEEPER_ROLE");
    /// @notice The DisputeManager: onChallenged, onDisputeResolved.
    bytes32 public constant DISPUTE_ROLE = keccak256("DISPUTE_ROLE");

    bytes32 internal constant CHALLENGE_WINDOW = "challengeWindow";
    bytes32 internal constant MAX_ATTEMPTS = "maxAttempts";
    bytes32 internal constant COLLATERAL_RATIO_BPS = "collateralRatioBps";
    bytes32 internal constant AUDIT_FEE_BPS = "auditFeeBps";
    bytes32 internal constant TIMEOUT_SLASH_BPS = "timeoutSlashBps";
    bytes32 internal constant MAX_SHARDS_PER_TASK = "maxShardsPerTask";
    bytes32 internal constant MIN_MAX_DURATION = "minMaxDuration";
    bytes32 internal constant MAX_MAX_DURATION = "maxMaxDuration";
    /// @dev Name used in ParameterOutOfBounds when a tier fee is above MAX_TIER_FEE_BPS.
    bytes32 internal constant TIER_FEE_BPS = "tierFeeBps";

    uint256 internal constant BPS = 10_000;
    uint256 internal constant MAX_TIER_FEE_BPS = 3000;
    /// @dev Upper bound of maxShardsPerTask. Per-task shard counters are uint16, so it must stay < 65536.
    uint256 internal constant SHARD_COUNT_CAP = 10_000;
    /// @dev Upper bound of challengeWindow; it must fit the 24-bit window field of PackedShard.
    uint256 internal constant MAX_CHALLENGE_WINDOW = 30 days;

    /// @dev All parameters and the five tier fees (16 bits each, index = tier) in one slot.
    struct Config {
        uint32 challengeWindow;
        uint8 maxAttempts;
        uint16 collateralRatioBps;
        uint16 auditFeeBps;
        uint16 timeoutSlashBps;
        uint16 maxShardsPerTask;
        uint32 minMaxDuration;
        uint32 maxMaxDuration;
        uint80 tierFees;
    }

    /// @dev Four slots; field order is the layout.
    struct Task {
        // slot 0: identity, status and the counters that decide when the task closes
        address client;
        TaskStatus status;
        Tier minTier;
        uint16 auditRateBps;
        uint16 shardCount;
        uint16 finalizedShards;
        uint16 failedShards;
        uint16 cancelledShards;
        // slot 1: what assignments and audits need
        uint16 auditBudget;
        uint16 auditsUsed;
        uint16 collateralRatioBps;
        uint16 auditFeeBps;
        uint16 gpus;
        uint32 vramMiB;
        uint16 cpus;
        uint32 memoryMiB;
        uint40 createdAt;
        uint40 maxDuration;
        // slot 2: money
        uint128 rewardPerShard;
        uint128 escrowRemaining;
        // slot 3
        bytes32 specCid;
    }

    /// @dev Written at submit, audit and challenge time only.
    struct ShardData {
        bytes32 manifestCid;
        bytes32 checkpointRoot;
        bytes32 resumeManifestCid;
        uint64 auditorNodeId;
        uint256 disputeId;
    }

    /// @dev Both halves of totalOwed() in one slot.
    struct Totals {
        uint128 accruedFees;
        uint128 escrowHeld; // Σ escrowRemaining over all tasks
    }

    /// @dev What assignShards needs of the task of the current run (cached across runs of one task).
    struct AssignContext {
        uint256 taskId;
        uint256 shardCount;
        uint256 reward;
        uint256 collateral;
        uint40 deadline;
        Tier minTier;
        Resources resources;
    }

    /// @dev What a node is owed for a run of consecutive finalized shards; settled by `_settle`.
    struct Payee {
        uint256 nodeId;
        uint256 feeBps; // tier fee at the start of the run
        uint256 successes;
        uint256 payout;
        uint256 collateral;
    }

    /// @dev Effects on one task of shards finalized since the last `_flushTask`.
    struct TaskRun {
        uint256 taskId;
        uint256 reward;
        uint256 collateral;
        uint256 count;
        uint256 fees;
    }

    IERC20 internal immutable _token;
    INodeRegistry internal immutable _registry;

    address internal _treasury;
    Config internal _config;
    Totals internal _totals;
    uint256 internal _taskCount;
    mapping(uint256 taskId => Task) internal _tasks;
    mapping(uint256 taskId => mapping(uint256 shardIndex => PackedShard)) internal _shards;
    mapping(uint256 taskId => mapping(uint256 shardIndex => ShardData)) internal _shardData;

    /// @param token_ NRL (ERC20 with EIP-2612 permit).
    /// @param registry_ The NodeRegistry; this contract needs its PROTOCOL_ROLE.
    /// @param governor Receives DEFAULT_ADMIN_ROLE and GOVERNOR_ROLE.
    /// @param treasury_ Receives swept protocol fees.
    constructor(address token_, address registry_, address governor, address treasury_) Governed(governor) {
        if (
            token_ == address(0) || registry_ == address(0) || governor == address(0)
                || treasury_ == address(0)
        ) revert ZeroAddress();
        _token = IERC20(token_);
        _registry = INodeRegistry(registry_);
        _treasury = treasury_;
        emit TreasurySet(address(0), treasury_);

        _initParameter(CHALLENGE_WINDOW, 1 days);
        _initParameter(MAX_ATTEMPTS, 3);
        _initParameter(COLLATERAL_RATIO_BPS, 5000);
        _initParameter(AUDIT_FEE_BPS, 10_000);
        _initParameter(TIMEOUT_SLASH_BPS, 1000);
        _initParameter(MAX_SHARDS_PER_TASK, 1000);
        _initParameter(MIN_MAX_DURATION, 60);
        _initParameter(MAX_MAX_DURATION, 30 days);

        _setTierFee(Tier.None, 1000);
        _setTierFee(Tier.Bronze, 800);
        _setTierFee(Tier.Silver, 600);
        _setTierFee(Tier.Gold, 400);
        _setTierFee(Tier.Platinum, 250);
    }

    // ----------------------------------------------------------------------------------------------
    // Client
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc ITaskManager
    /// @dev Reverts InvalidSpecCid, InvalidShardCount (0 or above maxShardsPerTask), InvalidReward (0, or an
    ///      escrow above 2^128), InvalidMaxDuration, InvalidAuditRate (above 10000), InvalidTier.
    function postTask(PostTaskParams calldata params) external nonReentrant returns (uint256 taskId) {
        (uint256 escrow, uint256 auditBudget) = _quote(params);
        return _postTask(params, escrow, auditBudget);
    }

    /// @inheritdoc ITaskManager
    /// @dev The permit is tried and its failure ignored, so a permit front-run from the mempool (which sets
    ///      the same allowance) does not block the post; the escrow pull then fails only without allowance.
    function postTaskWithPermit(
        PostTaskParams calldata params,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant returns (uint256 taskId) {
        (uint256 escrow, uint256 auditBudget) = _quote(params);
        try IERC20Permit(address(_token)).permit(msg.sender, address(this), escrow, deadline, v, r, s) {}
            catch {}
        return _postTask(params, escrow, auditBudget);
    }

    /// @inheritdoc ITaskManager
    /// @dev Open or Running tasks only. O(shardCount): emits ShardCancelled for every Pending shard (reading
    ///      each shard unless the task is still Open). Their rewards are refunded now; when no shard is in
    ///      flight the task is closed at once and its whole remaining escrow (unused audit fees included) is
    ///      refunded.
    function cancelTask(uint256 taskId) external nonReentrant {
        Task storage t = _tasks[taskId];
        address client = t.client;
        if (client == address(0)) revert UnknownTask(taskId);
        if (msg.sender != client) revert NotTaskClient(taskId, msg.sender);
        TaskStatus old = t.status;
        if (old != TaskStatus.Open && old != TaskStatus.Running) revert TaskNotActive(taskId, old);

        uint256 shardCount = t.shardCount;
        uint256 cancelled;
        if (old == TaskStatus.Open) {
            // Nothing was ever assigned: every shard is Pending.
            for (uint256 i; i < shardCount; ++i) {
                emit ShardCancelled(taskId, i);
            }
            cancelled = shardCount;
        } else {
            mapping(uint256 => PackedShard) storage shards = _shards[taskId];
            for (uint256 i; i < shardCount; ++i) {
                if (shards[i].status() == ShardStatus.Pending) {
                    emit ShardCancelled(taskId, i);
                    ++cancelled;
                }
            }
        }
        t.status = TaskStatus.Cancelled;
        t.cancelledShards = uint16(t.cancelledShards + cancelled);
        emit TaskStatusChanged(taskId, old, TaskStatus.Cancelled);

        uint256 refund = _isDone(t) ? t.escrowRemaining : cancelled * t.rewardPerShard;
        if (refund != 0) {
            // INVARIANT: escrow solvency — the refund leaves this task's escrow (checked subtraction) and the
            // sum of escrows before any token moves, so balance ≥ totalOwed() holds after the transfer.
            t.escrowRemaining -= uint128(refund);
            _totals.escrowHeld -= uint128(refund);
            emit TaskRefunded(taskId, client, refund);
            _token.safeTransfer(client, refund);
        }
    }

    // ----------------------------------------------------------------------------------------------
    // Keeper
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc ITaskManager
    /// @dev Reverts EmptyBatch, UnknownTask, TaskNotActive (not Open / Running), ShardOutOfRange,
    ///      InvalidShardStatus (not Pending, including a shard listed twice) and NodeNotEligible. Consecutive
    ///      assignments of one task to one node are checked and locked with one isEligible / lockCollateral
    ///      call for their total collateral (equivalent to one by one: locking only lowers free stake). The
    ///      first assignment of a task moves it Open -> Running. The deadline is now + maxDuration.
    function assignShards(Assignment[] calldata assignments) external onlyRole(KEEPER_ROLE) nonReentrant {
        uint256 len = assignments.length;
        if (len == 0) revert EmptyBatch();
        uint24 window = uint24(_config.challengeWindow);
        AssignContext memory ctx;
        uint256 i;
        while (i < len) {
            uint256 taskId = assignments[i].taskId;
            uint256 nodeId = assignments[i].nodeId;
            uint256 end = i + 1;
            while (end < len && assignments[end].taskId == taskId && assignments[end].nodeId == nodeId) {
                ++end;
            }
            if (taskId != ctx.taskId) _loadAssignContext(taskId, ctx);
            uint256 collateral = ctx.collateral * (end - i);
            if (!_registry.isEligible(nodeId, ctx.minTier, ctx.resources, ctx.reward, collateral)) {
                revert NodeNotEligible(nodeId, taskId);
            }
            mapping(uint256 => PackedShard) storage shards = _shards[taskId];
            for (uint256 k = i; k < end; ++k) {
                _assignShard(ctx, shards, assignments[k].shardIndex, nodeId, window);
            }
            if (collateral != 0) _registry.lockCollateral(nodeId, collateral);
            i = end;
        }
    }

    /// @inheritdoc ITaskManager
    /// @dev Reverts InvalidShardStatus (not Submitted), ChallengeWindowClosed, AuditAlreadyAssigned,
    ///      AuditBudgetExhausted, VerifierIsSubmitter, NodeNotEligible. The verifier must be eligible for the
    ///      task exactly as an assignee is (active, tier ≥ minTier, resources, ask ≤ reward, free stake ≥
    ///      collateral; nothing is locked). The budget is used at assignment; a fee that is never earned is
    ///      refunded when the task closes.
    function assignAudit(uint256 taskId, uint256 shardIndex, uint256 verifierNodeId)
        external
        onlyRole(KEEPER_ROLE)
    {
        PackedShard w = _shards[taskId][shardIndex];
        if (w.status() != ShardStatus.Submitted) _revertShardStatus(taskId, shardIndex, w);
        if (block.timestamp > w.deadline()) revert ChallengeWindowClosed(taskId, shardIndex, w.deadline());
        if (w.auditStatus() != AuditStatus.None) revert AuditAlreadyAssigned(taskId, shardIndex);
        Task storage t = _tasks[taskId];
        if (t.auditsUsed >= t.auditBudget) revert AuditBudgetExhausted(taskId);
        if (verifierNodeId == w.nodeId()) revert VerifierIsSubmitter(verifierNodeId);
        uint256 reward = t.rewardPerShard;
        if (!_registry.isEligible(verifierNodeId, t.minTier, _resources(t), reward, _collateral(t))) {
            revert NodeNotEligible(verifierNodeId, taskId);
        }

        t.auditsUsed += 1;
        _shards[taskId][shardIndex] = w.setAuditStatus(AuditStatus.Assigned);
        _shardData[taskId][shardIndex].auditorNodeId = uint64(verifierNodeId);
        emit AuditAssigned(taskId, shardIndex, verifierNodeId);
    }

    // ----------------------------------------------------------------------------------------------
    // Node
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc ITaskManager
    /// @dev Reverts InvalidShardStatus (not Assigned), NotAssignedNode, DeadlinePassed. Keeps attempts and
    ///      resume info; a shard of a Cancelled task becomes Cancelled instead of Pending.
    function releaseShard(uint256 taskId, uint256 shardIndex, ReleaseReason reason, bytes32 logsCid)
        external
        nonReentrant
    {
        PackedShard w = _shards[taskId][shardIndex];
        if (w.status() != ShardStatus.Assigned) _revertShardStatus(taskId, shardIndex, w);
        uint256 nodeId = w.nodeId();
        _checkNode(taskId, shardIndex, nodeId);
        if (block.timestamp > w.deadline()) revert DeadlinePassed(taskId, shardIndex, w.deadline());

        Task storage t = _tasks[taskId];
        bool cancelled = t.status == TaskStatus.Cancelled;
        ShardStatus next = cancelled ? ShardStatus.Cancelled : ShardStatus.Pending;
        if (cancelled) t.cancelledShards += 1;
        _shards[taskId][shardIndex] = _clearAttempt(w).setStatus(next);

        emit ShardReleased(taskId, shardIndex, nodeId, reason, logsCid);
        if (cancelled) emit ShardCancelled(taskId, shardIndex);
        _registry.unlockCollateral(nodeId, _collateral(t));
        if (cancelled) _closeIfDone(taskId, t);
    }

    /// @inheritdoc ITaskManager
    /// @dev Reverts InvalidShardStatus (not Assigned), NotAssignedNode, DeadlinePassed, InvalidManifest (a
    ///      zero CID or root), InvalidCheckpointCount (below max(1, resumeFrom)). Opens the challenge window.
    function submitResult(
        uint256 taskId,
        uint256 shardIndex,
        bytes32 manifestCid,
        bytes32 checkpointRoot,
        uint32 checkpointCount
    ) external {
        PackedShard w = _shards[taskId][shardIndex];
        if (w.status() != ShardStatus.Assigned) _revertShardStatus(taskId, shardIndex, w);
        uint256 nodeId = w.nodeId();
        _checkNode(taskId, shardIndex, nodeId);
        if (block.timestamp > w.deadline()) revert DeadlinePassed(taskId, shardIndex, w.deadline());
        if (manifestCid == bytes32(0) || checkpointRoot == bytes32(0)) revert InvalidManifest();
        uint32 resumeFrom = w.resumeFrom();
        if (checkpointCount == 0 || checkpointCount < resumeFrom) {
            revert InvalidCheckpointCount(checkpointCount, resumeFrom);
        }

        uint40 windowEnd = uint40(block.timestamp) + w.window();
        _shards[taskId][shardIndex] = w.setStatus(ShardStatus.Submitted).setDeadline(windowEnd)
            .setSubmittedAt(uint40(block.timestamp)).setCheckpointCount(checkpointCount);
        ShardData storage d = _shardData[taskId][shardIndex];
        d.manifestCid = manifestCid;
        d.checkpointRoot = checkpointRoot;
        emit ResultSubmitted(
            taskId, shardIndex, nodeId, manifestCid, checkpointRoot, checkpointCount, windowEnd
        );
    }

    /// @inheritdoc ITaskManager
    /// @dev The auditor's operator or worker, while the shard is Submitted (or Challenged by someone else)
    ///      and its window is open. Reverts InvalidShardStatus, NotAuditor (no audit pending, or the caller is
    ///      not the auditor), ChallengeWindowClosed. The fee goes to the auditor's operator.
    function recordAudit(uint256 taskId, uint256 shardIndex) external nonReentrant {
        PackedShard w = _shards[taskId][shardIndex];
        ShardStatus status = w.status();
        if (status != ShardStatus.Submitted && status != ShardStatus.Challenged) {
            _revertShardStatus(taskId, shardIndex, w);
        }
        if (w.auditStatus() != AuditStatus.Assigned) revert NotAuditor(taskId, shardIndex, msg.sender);
        uint256 auditor = _shardData[taskId][shardIndex].auditorNodeId;
        if (!_registry.isOperatorOrWorker(auditor, msg.sender)) {
            revert NotAuditor(taskId, shardIndex, msg.sender);
        }
        if (block.timestamp > w.deadline()) revert ChallengeWindowClosed(taskId, shardIndex, w.deadline());

        _shards[taskId][shardIndex] = w.setAuditStatus(AuditStatus.Attested);
        _payAudit(taskId, shardIndex, auditor, AuditStatus.Attested);
    }

    // ----------------------------------------------------------------------------------------------
    // Anyone
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc ITaskManager
    /// @dev Skips (without reverting) refs that are not Submitted with an ended window, including unknown
    ///      tasks, out-of-range indexes and repeats; reverts EmptyBatch / NothingFinalized. Consecutive shards
    ///      of one node form a run: its tier fee is read once at the start of the run, and after the run's
    ///      effects the registry records its successes, unlocks its collateral and its operator is paid once.
    function finalizeShards(ShardRef[] calldata refs) external nonReentrant returns (uint256 finalized) {
        uint256 len = refs.length;
        if (len == 0) revert EmptyBatch();
        uint80 tierFees = _config.tierFees;
        Payee memory payee;
        TaskRun memory run;
        for (uint256 i; i < len; ++i) {
            uint256 taskId = refs[i].taskId;
            uint256 shardIndex = refs[i].shardIndex;
            PackedShard w = _shards[taskId][shardIndex];
            if (w.status() != ShardStatus.Submitted || block.timestamp <= w.deadline()) continue;
            uint256 nodeId = w.nodeId();
            if (nodeId != payee.nodeId) {
                // Effects first: the task's escrow is written before the previous node is paid.
                _flushTask(run);
                _settle(payee);
                _startRun(payee, nodeId, tierFees);
            }
            if (taskId != run.taskId) {
                _flushTask(run);
                _startTask(run, taskId);
            }
            _finalizeShard(shardIndex, w, run, payee);
            ++finalized;
        }
        if (finalized == 0) revert NothingFinalized();
        _flushTask(run);
        _settle(payee);
    }

    /// @inheritdoc ITaskManager
    /// @dev Reverts InvalidShardStatus (not Assigned) and DeadlineNotReached (`block.timestamp <= deadline`).
    ///      Unlocks the collateral, slashes `collateral × timeoutSlashBps` to the client (no slash, hence no
    ///      jail, when that is zero), records the failure and re-queues the shard (resume info kept), fails it
    ///      when attempts reach maxAttempts, or cancels it when the task was cancelled.
    function timeoutShard(uint256 taskId, uint256 shardIndex) external nonReentrant {
        PackedShard w = _shards[taskId][shardIndex];
        if (w.status() != ShardStatus.Assigned) _revertShardStatus(taskId, shardIndex, w);
        if (block.timestamp <= w.deadline()) revert DeadlineNotReached(taskId, shardIndex, w.deadline());

        Task storage t = _tasks[taskId];
        uint256 nodeId = w.nodeId();
        uint256 collateral = _collateral(t);
        uint256 slashAmount = collateral * _config.timeoutSlashBps / BPS;
        (PackedShard next, ShardStatus status) = _endAttempt(t, w);
        _shards[taskId][shardIndex] = next;

        _registry.unlockCollateral(nodeId, collateral);
        uint256 slashed;
        if (slashAmount != 0) slashed = _registry.slash(nodeId, slashAmount, t.client, SlashReason.Timeout);
        _registry.recordFailure(nodeId);
        emit ShardTimedOut(taskId, shardIndex, nodeId, slashed);
        _emitEndAttempt(taskId, shardIndex, next, status, t.rewardPerShard);
        _closeIfDone(taskId, t);
    }

    /// @inheritdoc ITaskManager
    /// @dev Reverts NoFeesToSweep when nothing accrued.
    function sweepFees() external nonReentrant returns (uint256 amount) {
        amount = _totals.accruedFees;
        if (amount == 0) revert NoFeesToSweep();
        // INVARIANT: escrow solvency — the fees leave totalOwed() before they leave the balance.
        _totals.accruedFees = 0;
        address to = _treasury;
        emit FeesSwept(to, amount);
        _token.safeTransfer(to, amount);
    }

    // ----------------------------------------------------------------------------------------------
    // DisputeManager
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc ITaskManager
    /// @dev Reverts InvalidShardStatus (not Submitted) and ChallengeWindowClosed. `challenger` counts as the
    ///      auditor when it is the assigned auditor node's operator or worker key.
    function onChallenged(uint256 taskId, uint256 shardIndex, uint256 disputeId, address challenger)
        external
        onlyRole(DISPUTE_ROLE)
        nonReentrant
        returns (ChallengedResult memory result)
    {
        PackedShard w = _shards[taskId][shardIndex];
        if (w.status() != ShardStatus.Submitted) _revertShardStatus(taskId, shardIndex, w);
        if (block.timestamp > w.deadline()) revert ChallengeWindowClosed(taskId, shardIndex, w.deadline());

        ShardData storage d = _shardData[taskId][shardIndex];
        uint256 auditor;
        if (w.auditStatus() == AuditStatus.Assigned) {
            uint256 candidate = d.auditorNodeId;
            if (_registry.isOperatorOrWorker(candidate, challenger)) {
                auditor = candidate;
                w = w.setAuditStatus(AuditStatus.Challenged);
            }
        }
        _shards[taskId][shardIndex] = w.setStatus(ShardStatus.Challenged);
        d.disputeId = disputeId;

        Task storage t = _tasks[taskId];
        result = ChallengedResult({
            client: t.client,
            submitterNodeId: w.nodeId(),
            checkpointCount: w.checkpointCount(),
            checkpointRoot: d.checkpointRoot,
            collateral: uint128(_collateral(t)),
            rewardPerShard: t.rewardPerShard
        });
        emit ShardChallenged(taskId, shardIndex, disputeId);
        if (auditor != 0) _payAudit(taskId, shardIndex, auditor, AuditStatus.Challenged);
    }

    /// @inheritdoc ITaskManager
    /// @dev Reverts InvalidShardStatus (not Challenged). Submitter right: finalized and paid like
    ///      finalizeShards, whatever the time. Submitter wrong: `resumeFrom` (the disputed index d) must be
    ///      below checkpointCount (InvalidResumeIndex); resumeManifestCid becomes the losing manifest and the
    ///      audit state is cleared for the next attempt.
    function onDisputeResolved(uint256 taskId, uint256 shardIndex, bool submitterWrong, uint32 resumeFrom)
        external
        onlyRole(DISPUTE_ROLE)
        nonReentrant
    {
        PackedShard w = _shards[taskId][shardIndex];
        if (w.status() != ShardStatus.Challenged) _revertShardStatus(taskId, shardIndex, w);
        uint256 nodeId = w.nodeId();

        if (!submitterWrong) {
            Payee memory payee;
            TaskRun memory run;
            _startRun(payee, nodeId, _config.tierFees);
            _startTask(run, taskId);
            _finalizeShard(shardIndex, w, run, payee);
            _flushTask(run);
            _settle(payee);
            return;
        }

        if (resumeFrom >= w.checkpointCount()) revert InvalidResumeIndex(resumeFrom, w.checkpointCount());
        ShardData storage d = _shardData[taskId][shardIndex];
        d.resumeManifestCid = d.manifestCid;
        if (d.auditorNodeId != 0) d.auditorNodeId = 0;
        Task storage t = _tasks[taskId];
        (PackedShard next, ShardStatus status) = _endAttempt(t, w.setResumeFrom(resumeFrom));
        _shards[taskId][shardIndex] = next;

        _registry.unlockCollateral(nodeId, _collateral(t));
        _registry.recordFailure(nodeId);
        _emitEndAttempt(taskId, shardIndex, next, status, t.rewardPerShard);
        _closeIfDone(taskId, t);
    }

    // ----------------------------------------------------------------------------------------------
    // Governor
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc ITaskManager
    function setTierFee(Tier tier, uint16 feeBps) external onlyRole(GOVERNOR_ROLE) {
        if (feeBps > MAX_TIER_FEE_BPS) {
            revert ParameterOutOfBounds(TIER_FEE_BPS, feeBps, 0, MAX_TIER_FEE_BPS);
        }
        _setTierFee(tier, feeBps);
    }

    /// @inheritdoc ITaskManager
    function setTreasury(address newTreasury) external onlyRole(GOVERNOR_ROLE) {
        if (newTreasury == address(0)) revert ZeroAddress();
        address old = _treasury;
        _treasury = newTreasury;
        emit TreasurySet(old, newTreasury);
    }

    // ----------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc ITaskManager
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc ITaskManager
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @inheritdoc ITaskManager
    function treasury() external view returns (address) {
        return _treasury;
    }

    /// @inheritdoc ITaskManager
    function taskCount() external view returns (uint256) {
        return _taskCount;
    }

    /// @inheritdoc ITaskManager
    /// @dev Reverts UnknownTask for an id that was never posted.
    function getTask(uint256 taskId) external view returns (TaskView memory v) {
        Task storage t = _existingTask(taskId);
        uint256 reward = t.rewardPerShard;
        v.client = t.client;
        v.status = t.status;
        v.minTier = t.minTier;
        v.auditRateBps = t.auditRateBps;
        v.shardCount = t.shardCount;
        v.finalizedShards = t.finalizedShards;
        v.failedShards = t.failedShards;
        v.cancelledShards = t.cancelledShards;
        v.auditBudget = t.auditBudget;
        v.auditsUsed = t.auditsUsed;
        v.createdAt = t.createdAt;
        v.maxDuration = t.maxDuration;
        v.rewardPerShard = uint128(reward);
        v.collateralPerShard = uint128(reward * t.collateralRatioBps / BPS);
        v.auditFeePerShard = uint128(reward * t.auditFeeBps / BPS);
        v.escrowRemaining = t.escrowRemaining;
        v.specCid = t.specCid;
        v.resources = _resources(t);
    }

    /// @inheritdoc ITaskManager
    /// @dev Reverts UnknownTask / ShardOutOfRange. A never-assigned shard of a Cancelled task reads Cancelled.
    function getShard(uint256 taskId, uint256 shardIndex) external view returns (ShardView memory v) {
        Task storage t = _existingTask(taskId);
        uint256 shardCount = t.shardCount;
        if (shardIndex >= shardCount) revert ShardOutOfRange(taskId, shardIndex, shardCount);
        PackedShard w = _shards[taskId][shardIndex];
        ShardData storage d = _shardData[taskId][shardIndex];
        v.status = _effectiveStatus(w.status(), t.status);
        v.auditStatus = w.auditStatus();
        v.attempts = w.attempts();
        v.nodeId = w.nodeId();
        v.auditorNodeId = d.auditorNodeId;
        v.deadline = w.deadline();
        v.submittedAt = w.submittedAt();
        v.checkpointCount = w.checkpointCount();
        v.resumeFrom = w.resumeFrom();
        v.manifestCid = d.manifestCid;
        v.checkpointRoot = d.checkpointRoot;
        v.resumeManifestCid = d.resumeManifestCid;
        v.disputeId = d.disputeId;
    }

    /// @inheritdoc ITaskManager
    /// @dev Reverts with the same errors as postTask for invalid params (current parameters).
    function quoteEscrow(PostTaskParams calldata params) external view returns (uint256 escrow) {
        (escrow,) = _quote(params);
    }

    /// @inheritdoc ITaskManager
    function tierFeeBps(Tier tier) external view returns (uint16) {
        return _tierFee(_config.tierFees, tier);
    }

    /// @inheritdoc ITaskManager
    function accruedFees() external view returns (uint256) {
        return _totals.accruedFees;
    }

    /// @inheritdoc ITaskManager
    function totalOwed() external view returns (uint256) {
        Totals memory totals = _totals;
        return uint256(totals.escrowHeld) + totals.accruedFees;
    }

    /// @inheritdoc ITaskManager
    /// @dev False (no revert) for unknown tasks and out-of-range indexes.
    function isFinalizable(uint256 taskId, uint256 shardIndex) external view returns (bool) {
        PackedShard w = _shards[taskId][shardIndex];
        return w.status() == ShardStatus.Submitted && block.timestamp > w.deadline();
    }

    // ----------------------------------------------------------------------------------------------
    // Parameters (Governed hooks)
    // ----------------------------------------------------------------------------------------------

    /// @dev Fixed bounds of docs/protocol.md; minMaxDuration is further capped by maxMaxDuration and
    ///      maxMaxDuration floored by minMaxDuration, so a valid maxDuration always exists.
    function _parameterBounds(bytes32 name) internal view override returns (uint256 min, uint256 max) {
        if (name == CHALLENGE_WINDOW) return (1 minutes, MAX_CHALLENGE_WINDOW);
        if (name == MAX_ATTEMPTS) return (1, 10);
        if (name == COLLATERAL_RATIO_BPS) return (0, 50_000);
        if (name == AUDIT_FEE_BPS) return (0, 20_000);
        if (name == TIMEOUT_SLASH_BPS) return (0, BPS);
        if (name == MAX_SHARDS_PER_TASK) return (1, SHARD_COUNT_CAP);
        if (name == MIN_MAX_DURATION) return (1, _config.maxMaxDuration);
        if (name == MAX_MAX_DURATION) return (_config.minMaxDuration, 365 days);
        revert UnknownParameter(name);
    }

    function _getParameter(bytes32 name) internal view override returns (uint256) {
        Config memory c = _config;
        if (name == CHALLENGE_WINDOW) return c.challengeWindow;
        if (name == MAX_ATTEMPTS) return c.maxAttempts;
        if (name == COLLATERAL_RATIO_BPS) return c.collateralRatioBps;
        if (name == AUDIT_FEE_BPS) return c.auditFeeBps;
        if (name == TIMEOUT_SLASH_BPS) return c.timeoutSlashBps;
        if (name == MAX_SHARDS_PER_TASK) return c.maxShardsPerTask;
        if (name == MIN_MAX_DURATION) return c.minMaxDuration;
        if (name == MAX_MAX_DURATION) return c.maxMaxDuration;
        revert UnknownParameter(name);
    }

    /// @dev Values are inside the bounds (each fits its field), so the casts are safe.
    function _setParameter(bytes32 name, uint256 value) internal override {
        if (name == CHALLENGE_WINDOW) _config.challengeWindow = uint32(value);
        else if (name == MAX_ATTEMPTS) _config.maxAttempts = uint8(value);
        else if (name == COLLATERAL_RATIO_BPS) _config.collateralRatioBps = uint16(value);
        else if (name == AUDIT_FEE_BPS) _config.auditFeeBps = uint16(value);
        else if (name == TIMEOUT_SLASH_BPS) _config.timeoutSlashBps = uint16(value);
        else if (name == MAX_SHARDS_PER_TASK) _config.maxShardsPerTask = uint16(value);
        else if (name == MIN_MAX_DURATION) _config.minMaxDuration = uint32(value);
        else if (name == MAX_MAX_DURATION) _config.maxMaxDuration = uint32(value);
        else revert UnknownParameter(name);
    }

    // ----------------------------------------------------------------------------------------------
    // Internal: posting
    // ----------------------------------------------------------------------------------------------

    /// @dev Validates post params against the current parameters; returns the escrow and audit budget.
    function _quote(PostTaskParams calldata p) internal view returns (uint256 escrow, uint256 auditBudget) {
        Config memory c = _config;
        if (p.specCid == bytes32(0)) revert InvalidSpecCid();
        uint256 shardCount = p.shardCount;
        if (shardCount == 0 || shardCount > c.maxShardsPerTask) {
            revert InvalidShardCount(shardCount, c.maxShardsPerTask);
        }
        uint256 reward = p.rewardPerShard;
        if (reward == 0) revert InvalidReward();
        uint256 maxDuration = p.maxDuration;
        if (maxDuration < c.minMaxDuration || maxDuration > c.maxMaxDuration) {
            revert InvalidMaxDuration(maxDuration, c.minMaxDuration, c.maxMaxDuration);
        }
        uint256 auditRate = p.auditRateBps;
        if (auditRate > BPS) revert InvalidAuditRate(auditRate);
        // Reading `p.minTier` would revert without data on an out-of-range enum; check the raw word first
        // (PostTaskParams is a static struct: minTier is its 4th word) to revert with InvalidTier instead.
        uint256 rawTier;
        assembly ("memory-safe") {
            rawTier := calldataload(add(p, 0x60))
        }
        if (rawTier > uint256(type(Tier).max)) {
            revert InvalidTier(rawTier > type(uint8).max ? type(uint8).max : uint8(rawTier));
        }

        auditBudget = (shardCount * auditRate + BPS - 1) / BPS;
        escrow = shardCount * reward + auditBudget * (reward * c.auditFeeBps / BPS);
        if (escrow > type(uint128).max) revert InvalidReward();
    }

    function _postTask(PostTaskParams calldata p, uint256 escrow, uint256 auditBudget)
        internal
        returns (uint256 taskId)
    {
        Config memory c = _config;
        taskId = ++_taskCount;
        _tasks[taskId] = Task({
            client: msg.sender,
            status: TaskStatus.Open,
            minTier: p.minTier,
            auditRateBps: p.auditRateBps,
            shardCount: uint16(p.shardCount),
            finalizedShards: 0,
            failedShards: 0,
            cancelledShards: 0,
            auditBudget: uint16(auditBudget),
            auditsUsed: 0,
            collateralRatioBps: c.collateralRatioBps,
            auditFeeBps: c.auditFeeBps,
            gpus: p.resources.gpus,
            vramMiB: p.resources.vramMiB,
            cpus: p.resources.cpus,
            memoryMiB: p.resources.memoryMiB,
            createdAt: uint40(block.timestamp),
            maxDuration: uint40(p.maxDuration),
            rewardPerShard: p.rewardPerShard,
            escrowRemaining: uint128(escrow),
            specCid: p.specCid
        });
        // INVARIANT: escrow solvency — the sum of escrows grows by exactly what is pulled below.
        _totals.escrowHeld += uint128(escrow);

        _emitPosted(taskId, p, escrow);
        emit TaskStatusChanged(taskId, TaskStatus.None, TaskStatus.Open);
        _token.safeTransferFrom(msg.sender, address(this), escrow);
    }

    function _emitPosted(uint256 taskId, PostTaskParams calldata p, uint256 escrow) internal {
        emit TaskPosted(
            taskId,
            msg.sender,
            p.specCid,
            p.shardCount,
            p.rewardPerShard,
            p.minTier,
            p.resources.gpus,
            p.resources.vramMiB,
            p.resources.cpus,
            p.resources.memoryMiB,
            p.maxDuration,
            p.auditRateBps,
            escrow
        );
    }

    // ----------------------------------------------------------------------------------------------
    // Internal: shard life
    // ----------------------------------------------------------------------------------------------

    /// @dev Checks that the task takes assignments, moves it Open -> Running, and caches what runs need.
    function _loadAssignContext(uint256 taskId, AssignContext memory ctx) internal {
        Task storage t = _tasks[taskId];
        TaskStatus status = t.status;
        if (status == TaskStatus.None) revert UnknownTask(taskId);
        if (status != TaskStatus.Open && status != TaskStatus.Running) revert TaskNotActive(taskId, status);
        if (status == TaskStatus.Open) {
            t.status = TaskStatus.Running;
            emit TaskStatusChanged(taskId, TaskStatus.Open, TaskStatus.Running);
        }
        uint256 reward = t.rewardPerShard;
        ctx.taskId = taskId;
        ctx.shardCount = t.shardCount;
        ctx.reward = reward;
        ctx.collateral = reward * t.collateralRatioBps / BPS;
        ctx.deadline = uint40(block.timestamp) + t.maxDuration;
        ctx.minTier = t.minTier;
        ctx.resources = _resources(t);
    }

    function _assignShard(
        AssignContext memory ctx,
        mapping(uint256 => PackedShard) storage shards,
        uint256 shardIndex,
        uint256 nodeId,
        uint24 window
    ) internal {
        uint256 taskId = ctx.taskId;
        if (shardIndex >= ctx.shardCount) revert ShardOutOfRange(taskId, shardIndex, ctx.shardCount);
        PackedShard w = shards[shardIndex];
        if (w.status() != ShardStatus.Pending) revert InvalidShardStatus(taskId, shardIndex, w.status());
        uint40 deadline = ctx.deadline;
        shards[shardIndex] = w.setStatus(ShardStatus.Assigned).setNodeId(uint64(nodeId)).setDeadline(deadline)
            .setWindow(window);
        uint8 attempts = w.attempts();
        // resumeManifestCid is only ever set together with attempts++ (a lost dispute).
        bytes32 resumeManifestCid =
            attempts == 0 ? bytes32(0) : _shardData[taskId][shardIndex].resumeManifestCid;
        emit ShardAssigned(
            taskId, shardIndex, nodeId, attempts + 1, deadline, w.resumeFrom(), resumeManifestCid
        );
    }

    /// @dev Starts a node's run of finalized shards: the fee tier is read once here.
    function _startRun(Payee memory payee, uint256 nodeId, uint80 tierFees) internal view {
        payee.nodeId = nodeId;
        payee.feeBps = _tierFee(tierFees, _registry.tierOf(nodeId));
        payee.successes = 0;
        payee.payout = 0;
        payee.collateral = 0;
    }

    /// @dev Starts accumulating finalized shards of `taskId`.
    function _startTask(TaskRun memory run, uint256 taskId) internal view {
        Task storage t = _tasks[taskId];
        uint256 reward = t.rewardPerShard;
        run.taskId = taskId;
        run.reward = reward;
        run.collateral = reward * t.collateralRatioBps / BPS;
        run.count = 0;
        run.fees = 0;
    }

    /// @dev Finalizes one shard (Submitted or Challenged) of `run`'s task and `payee`'s node: the shard's
    ///      own effect now, the task's in `_flushTask`, the node's interactions in `_settle`.
    function _finalizeShard(uint256 shardIndex, PackedShard w, TaskRun memory run, Payee memory payee)
        internal
    {
        uint256 taskId = run.taskId;
        // INVARIANT: no shard is paid twice — only a Submitted (or Challenged) shard gets here, and it is
        // Finalized (terminal) before anything is paid for it.
        _shards[taskId][shardIndex] = w.setStatus(ShardStatus.Finalized);
        uint256 reward = run.reward;
        uint256 fee = reward * payee.feeBps / BPS;
        uint256 payout = reward - fee;
        run.count += 1;
        run.fees += fee;
        payee.successes += 1;
        payee.payout += payout;
        payee.collateral += run.collateral;
        emit ShardFinalized(taskId, shardIndex, payee.nodeId, payout, fee);
    }

    /// @dev Writes the accumulated effects of `run` on its task and the totals; may close the task.
    function _flushTask(TaskRun memory run) internal {
        uint256 count = run.count;
        if (count == 0) return;
        Task storage t = _tasks[run.taskId];
        uint256 rewards = count * run.reward;
        // Each counted shard was a distinct non-terminal shard of the task, so this stays ≤ shardCount.
        t.finalizedShards = uint16(t.finalizedShards + count);
        // INVARIANT: escrow solvency — the rewards leave this task's escrow (checked subtraction: never more
        // than was escrowed) and the sum of escrows, their fees move to accruedFees, and the rest is owed to
        // the nodes: totalOwed() drops by exactly what `_settle` transfers, before it transfers.
        t.escrowRemaining -= uint128(rewards);
        Totals storage totals = _totals;
        totals.escrowHeld -= uint128(rewards);
        totals.accruedFees += uint128(run.fees);
        run.count = 0;
        run.fees = 0;
        _closeIfDone(run.taskId, t);
    }

    /// @dev Interactions owed to a run's node: reputation, collateral, payout to its operator.
    function _settle(Payee memory payee) internal {
        uint256 nodeId = payee.nodeId;
        if (nodeId == 0) return;
        for (uint256 k; k < payee.successes; ++k) {
            _registry.recordSuccess(nodeId);
        }
        if (payee.collateral != 0) _registry.unlockCollateral(nodeId, payee.collateral);
        if (payee.payout != 0) _token.safeTransfer(_registry.operatorOf(nodeId), payee.payout);
    }

    /// @dev Pays the audit fee of a shard to the auditor's operator.
    function _payAudit(uint256 taskId, uint256 shardIndex, uint256 auditor, AuditStatus outcome) internal {
        Task storage t = _tasks[taskId];
        uint256 fee = uint256(t.rewardPerShard) * t.auditFeeBps / BPS;
        // INVARIANT: escrow solvency — the fee leaves this task's escrow (checked subtraction) and the sum of
        // escrows before the transfer; auditsUsed ≤ auditBudget bounds how many fees a task pays.
        t.escrowRemaining -= uint128(fee);
        _totals.escrowHeld -= uint128(fee);
        emit AuditRecorded(taskId, shardIndex, auditor, outcome, fee);
        if (fee != 0) _token.safeTransfer(_registry.operatorOf(auditor), fee);
    }

    /// @dev The word of a shard after its node let go of it: attempts and resume info kept, rest cleared.
    function _clearAttempt(PackedShard w) internal pure returns (PackedShard) {
        return PackedShard.wrap(0).setAttempts(w.attempts()).setResumeFrom(w.resumeFrom());
    }

    /// @dev Ends a failed attempt: attempts + 1, then Failed when attempts reach maxAttempts, else Cancelled
    ///      when the task was cancelled, else Pending (resume info kept). Effects on the task only.
    function _endAttempt(Task storage t, PackedShard w)
        internal
        returns (PackedShard next, ShardStatus status)
    {
        uint8 attempts = w.attempts() + 1;
        if (attempts >= _config.maxAttempts) {
            status = ShardStatus.Failed;
            t.failedShards += 1;
        } else if (t.status == TaskStatus.Cancelled) {
            status = ShardStatus.Cancelled;
            t.cancelledShards += 1;
        } else {
            status = ShardStatus.Pending;
        }
        next = _clearAttempt(w).setAttempts(attempts).setStatus(status);
    }

    function _emitEndAttempt(
        uint256 taskId,
        uint256 shardIndex,
        PackedShard next,
        ShardStatus status,
        uint256 reward
    ) internal {
        if (status == ShardStatus.Failed) {
            emit ShardFailed(taskId, shardIndex, reward);
        } else if (status == ShardStatus.Cancelled) {
            emit ShardCancelled(taskId, shardIndex);
        } else {
            emit ShardRequeued(
                taskId,
                shardIndex,
                next.attempts(),
                next.resumeFrom(),
                _shardData[taskId][shardIndex].resumeManifestCid
            );
        }
    }

    function _isDone(Task storage t) internal view returns (bool) {
        return uint256(t.finalizedShards) + t.failedShards + t.cancelledShards == t.shardCount;
    }

    /// @dev Closes the task once every shard is terminal: Completed (no shard failed), Failed, or stays
    ///      Cancelled; refunds the whole remaining escrow to the client.
    function _closeIfDone(uint256 taskId, Task storage t) internal {
        if (!_isDone(t)) return;
        TaskStatus old = t.status;
        if (old != TaskStatus.Cancelled) {
            TaskStatus next = t.failedShards == 0 ? TaskStatus.Completed : TaskStatus.Failed;
            t.status = next;
            emit TaskStatusChanged(taskId, old, next);
        }
        uint256 refund = t.escrowRemaining;
        if (refund != 0) {
            // INVARIANT: escrow solvency — a closed task holds nothing: its remaining escrow leaves the sum of
            // escrows before it is transferred back, so no funds stay stuck.
            t.escrowRemaining = 0;
            _totals.escrowHeld -= uint128(refund);
            address client = t.client;
            emit TaskRefunded(taskId, client, refund);
            _token.safeTransfer(client, refund);
        }
    }

    // ----------------------------------------------------------------------------------------------
    // Internal: helpers
    // ----------------------------------------------------------------------------------------------

    /// @dev The caller must be the node's operator or worker key. The worker key (the usual caller) is
    ///      recognised by its one-slot reverse lookup; anything else falls back to isOperatorOrWorker.
    function _checkNode(uint256 taskId, uint256 shardIndex, uint256 nodeId) internal view {
        uint256 workerOf = _registry.nodeIdOfWorker(msg.sender);
        if (workerOf != 0 && workerOf == nodeId) return;
        if (!_registry.isOperatorOrWorker(nodeId, msg.sender)) {
            revert NotAssignedNode(taskId, shardIndex, msg.sender);
        }
    }

    /// @dev Always reverts, with the most precise error for a shard that is not in the expected status.
    function _revertShardStatus(uint256 taskId, uint256 shardIndex, PackedShard w) internal view {
        Task storage t = _existingTask(taskId);
        uint256 shardCount = t.shardCount;
        if (shardIndex >= shardCount) revert ShardOutOfRange(taskId, shardIndex, shardCount);
        revert InvalidShardStatus(taskId, shardIndex, _effectiveStatus(w.status(), t.status));
    }

    function _existingTask(uint256 taskId) internal view returns (Task storage t) {
        t = _tasks[taskId];
        if (t.status == TaskStatus.None) revert UnknownTask(taskId);
    }

    function _effectiveStatus(ShardStatus stored, TaskStatus taskStatus) internal pure returns (ShardStatus) {
        return
            stored == ShardStatus.Pending && taskStatus == TaskStatus.Cancelled
                ? ShardStatus.Cancelled
                : stored;
    }

    function _collateral(Task storage t) internal view returns (uint256) {
        return uint256(t.rewardPerShard) * t.collateralRatioBps / BPS;
    }

    function _resources(Task storage t) internal view returns (Resources memory) {
        return Resources({gpus: t.gpus, vramMiB: t.vramMiB, cpus: t.cpus, memoryMiB: t.memoryMiB});
    }

    function _tierFee(uint80 tierFees, Tier tier) internal pure returns (uint16) {
        return uint16(tierFees >> (16 * uint256(tier)));
    }

    function _setTierFee(Tier tier, uint16 feeBps) internal {
        uint256 shift = 16 * uint256(tier);
        uint256 cleared = uint256(_config.tierFees) & ~(uint256(type(uint16).max) << shift);
        _config.tierFees = uint80(cleared | (uint256(feeBps) << shift));
        emit TierFeeSet(tier, feeBps);
    }
}
