// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {TaskManagerBase} from "./base/TaskManagerBase.sol";
import {ITaskManager} from "./interfaces/ITaskManager.sol";
import {PackedShard} from "./libraries/PackedShard.sol";
import {
    AuditStatus,
    ChallengedResult,
    ReleaseReason,
    ShardStatus,
    SlashReason,
    TaskStatus,
    Tier
} from "./types/Types.sol";

/// @title TaskManager extension: the paths off the happy one — cancellation, claims, releases, timeouts, liveness
///        pings, audits, the dispute hooks and the governor's fee and treasury settings
/// @notice Runs only by DELEGATECALL from the TaskManager, in the TaskManager's storage (same layout through
///         TaskManagerBase); the TaskManager forwards these ITaskManager functions to it unchanged. It exists so the
///         TaskManager stays under the 24 KiB code-size limit without weakening any check. Called directly, every
///         function reverts NotDelegated.
contract TaskManagerExtension is TaskManagerBase {
    using SafeERC20 for IERC20;

    error NotDelegated();

    address private immutable _self;

    modifier onlyDelegated() {
        if (address(this) == _self) revert NotDelegated();
        _;
    }

    constructor(address token_, address registry_, address governor)
        TaskManagerBase(token_, registry_, governor)
    {
        _self = address(this);
    }

    /// @dev See ITaskManager.setTierFee.
    function setTierFee(Tier tier, uint16 feeBps) external onlyDelegated onlyRole(GOVERNOR_ROLE) {
        if (feeBps > MAX_TIER_FEE_BPS) {
            revert ParameterOutOfBounds(TIER_FEE_BPS, feeBps, 0, MAX_TIER_FEE_BPS);
        }
        _setTierFee(tier, feeBps);
    }

    /// @dev See ITaskManager.setTreasury.
    function setTreasury(address newTreasury) external onlyDelegated onlyRole(GOVERNOR_ROLE) {
        if (newTreasury == address(0)) revert ITaskManager.ZeroAddress();
        address old = _treasury;
        _treasury = newTreasury;
        emit ITaskManager.TreasurySet(old, newTreasury);
    }

    /// @dev See ITaskManager.cancelTask.
    /// @dev Open or Running tasks only. O(1): the Pending shards are counted (shardCount minus the terminal and the
    ///      active ones), not visited; a stored Pending shard of a Cancelled task reads Cancelled. Their max prices are
    ///      refunded now; when no shard is in flight the task is closed at once and its whole remaining escrow
    ///      (unused audit fees included) is refunded.
    function cancelTask(uint256 taskId) external onlyDelegated nonReentrant {
        Task storage t = _tasks[taskId];
        address client = t.client;
        if (client == address(0)) revert ITaskManager.UnknownTask(taskId);
        if (msg.sender != client) revert ITaskManager.NotTaskClient(taskId, msg.sender);
        TaskStatus old = t.status;
        if (old != TaskStatus.Open && old != TaskStatus.Running) {
            revert ITaskManager.TaskNotActive(taskId, old);
        }

        // INVARIANT: activeShards == number of the task's shards Assigned, Submitted or Challenged, so this is
        // exactly the number of Pending shards.
        uint256 pending =
            uint256(t.shardCount) - t.finalizedShards - t.failedShards - t.cancelledShards - t.activeShards;
        t.status = TaskStatus.Cancelled;
        t.cancelledShards = uint16(t.cancelledShards + pending);
        emit ITaskManager.TaskStatusChanged(taskId, old, TaskStatus.Cancelled);
        // forge-lint: disable-next-line(unsafe-typecast): pending ≤ shardCount ≤ 10000
        emit ITaskManager.TaskCancelled(taskId, uint32(pending));

        uint256 refund = _isDone(t) ? t.escrowRemaining : pending * _shardReserve(taskId, t);
        if (refund != 0) {
            // INVARIANT: escrow solvency — the refund leaves this task's escrow (checked subtraction) and the
            // sum of escrows before any token moves, so balance ≥ totalOwed() holds after the transfer.
            // forge-lint: disable-next-line(unsafe-typecast): refund ≤ escrowRemaining < 2^112
            t.escrowRemaining -= uint112(refund);
            _totals.escrowHeld -= uint128(refund);
            emit ITaskManager.TaskRefunded(taskId, client, refund);
            _token.safeTransfer(client, refund);
        }
    }

    /// @dev See ITaskManager.claimShard.
    /// @dev Reverts NotNodeKey, UnknownTask, TaskNotActive, ShardOutOfRange, InvalidShardStatus (not Pending),
    ///      ClaimTooEarly and NodeNotEligible. A shard never assigned has been Pending since the task's postedBlock,
    ///      a re-queued one since the block it went back (PackedShard's submittedBlock field while Pending).
    function claimShard(uint256 taskId, uint256 shardIndex, uint256 nodeId)
        external
        onlyDelegated
        nonReentrant
    {
        if (!_registry.isOperatorOrWorker(nodeId, msg.sender)) {
            revert ITaskManager.NotNodeKey(nodeId, msg.sender);
        }
        AssignContext memory ctx;
        _loadAssignContext(taskId, ctx);
        if (shardIndex >= ctx.shardCount) {
            revert ITaskManager.ShardOutOfRange(taskId, shardIndex, ctx.shardCount);
        }
        PackedShard w = _shards[taskId][shardIndex];
        if (w.status() != ShardStatus.Pending) {
            revert ITaskManager.InvalidShardStatus(taskId, shardIndex, w.status());
        }
        uint256 since = w.epoch() == 0 ? _tasks[taskId].postedBlock : w.submittedBlock();
        // INVARIANT: censorship resistance — after claimDelayBlocks a Pending shard is open to any eligible node.
        uint256 claimableAt = since + _extra.claimDelayBlocks;
        if (block.number < claimableAt) revert ITaskManager.ClaimTooEarly(taskId, shardIndex, claimableAt);
        uint40 priceCode = _lockNode(ctx, nodeId, 1);
        _assignShard(ctx, _shards[taskId], shardIndex, nodeId, priceCode);
        _flushActive(ctx);
    }

    /// @dev See ITaskManager.releaseShard.
    /// @dev Reverts InvalidShardStatus (not Assigned), NotAssignedNode, DeadlinePassed. Within releaseGracePeriod
    ///      of the assignment (its deadline minus maxDuration): attempts and resume info kept, Pending again (or
    ///      Cancelled when the task was). Later: a failed attempt (_endAttempt) and a reputation failure.
    function releaseShard(uint256 taskId, uint256 shardIndex, ReleaseReason reason, bytes32 logsCid)
        external
        onlyDelegated
        nonReentrant
    {
        PackedShard w = _shards[taskId][shardIndex];
        if (w.status() != ShardStatus.Assigned) _revertShardStatus(taskId, shardIndex, w);
        uint256 nodeId = w.nodeId();
        _checkNode(taskId, shardIndex, nodeId);
        uint256 deadline = w.deadline();
        if (block.timestamp > deadline) revert ITaskManager.DeadlinePassed(taskId, shardIndex, w.deadline());

        Task storage t = _tasks[taskId];
        // INVARIANT: holding a shard is not free — past the grace period a release costs the attempt and the
        // node's reputation, exactly like a timeout without the slash.
        bool late = block.timestamp > deadline - t.maxDuration + _extra.releaseGracePeriod;
        PackedShard next;
        ShardStatus status;
        if (late) {
            (next, status) = _endAttempt(t, w);
        } else {
            t.activeShards -= 1;
            status = t.status == TaskStatus.Cancelled ? ShardStatus.Cancelled : ShardStatus.Pending;
            if (status == ShardStatus.Cancelled) t.cancelledShards += 1;
            next = _clearAttempt(w).setStatus(status);
        }
        _shards[taskId][shardIndex] = next;

        emit ITaskManager.ShardReleased(taskId, shardIndex, nodeId, reason, logsCid, late);
        if (late) _emitEndAttempt(taskId, shardIndex, next, status);
        else if (status == ShardStatus.Cancelled) emit ITaskManager.ShardCancelled(taskId, shardIndex);
        _registry.unlockCollateral(nodeId, _collateral(t));
        if (late) _registry.recordFailure(nodeId);
        if (status != ShardStatus.Pending) _closeIfDone(taskId, t);
    }

    /// @dev See ITaskManager.timeoutShard.
    /// @dev Reverts InvalidShardStatus (not Assigned) and DeadlineNotReached (`block.timestamp <= deadline`).
    ///      Unlocks the collateral, slashes `collateral × timeoutSlashBps` to the client (no slash, hence no
    ///      jail, when that is zero), records the failure and re-queues the shard (resume info kept), fails it
    ///      when attempts reach maxAttempts, or cancels it when the task was cancelled.
    function timeoutShard(uint256 taskId, uint256 shardIndex) external onlyDelegated nonReentrant {
        PackedShard w = _shards[taskId][shardIndex];
        if (w.status() != ShardStatus.Assigned) _revertShardStatus(taskId, shardIndex, w);
        if (block.timestamp <= w.deadline()) {
            revert ITaskManager.DeadlineNotReached(taskId, shardIndex, w.deadline());
        }

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
        emit ITaskManager.ShardTimedOut(taskId, shardIndex, nodeId, slashed);
        _emitEndAttempt(taskId, shardIndex, next, status);
        _closeIfDone(taskId, t);
    }

    /// @dev See ITaskManager.pingShard.
    /// @dev KEEPER_ROLE. Reverts InvalidShardStatus (not Assigned), DeadlinePassed, PingOutstanding (this epoch's
    ///      ping not answered yet) and PingCooldown (this epoch was pinged less than PING_COOLDOWN_WINDOWS ×
    ///      livenessWindow ago). Griefing bound: a hostile keeper costs a live node at most one answerPing per
    ///      shard per PING_COOLDOWN_WINDOWS × livenessWindow, and cannot release it (releaseUnresponsive needs the
    ///      ping unanswered).
    function pingShard(uint256 taskId, uint256 shardIndex) external onlyDelegated onlyRole(KEEPER_ROLE) {
        PackedShard w = _shards[taskId][shardIndex];
        if (w.status() != ShardStatus.Assigned) _revertShardStatus(taskId, shardIndex, w);
        if (block.timestamp > w.deadline()) {
            revert ITaskManager.DeadlinePassed(taskId, shardIndex, w.deadline());
        }
        uint16 epoch = w.epoch();
        Ping memory p = _pings[taskId][shardIndex];
        if (p.epoch == epoch) {
            if (p.respondBy != 0) revert ITaskManager.PingOutstanding(taskId, shardIndex, p.respondBy);
            if (block.timestamp < p.nextPingAt) {
                revert ITaskManager.PingCooldown(taskId, shardIndex, p.nextPingAt);
            }
        }
        uint256 window = _livenessWindow;
        // forge-lint: disable-next-line(unsafe-typecast): timestamps + at most 4 days fit 40 bits
        uint40 respondBy = uint40(block.timestamp + window);
        // forge-lint: disable-next-line(unsafe-typecast): as above
        uint40 nextPingAt = uint40(block.timestamp + window * PING_COOLDOWN_WINDOWS);
        _pings[taskId][shardIndex] = Ping({epoch: epoch, respondBy: respondBy, nextPingAt: nextPingAt});
        emit ITaskManager.ShardPinged(taskId, shardIndex, w.nodeId(), epoch, respondBy);
    }

    /// @dev See ITaskManager.answerPing.
    /// @dev Reverts InvalidShardStatus (not Assigned), NotAssignedNode (same key check as releaseShard) and
    ///      NoPingOutstanding. Keeps nextPingAt, so answering does not shorten the cooldown.
    function answerPing(uint256 taskId, uint256 shardIndex) external onlyDelegated {
        PackedShard w = _shards[taskId][shardIndex];
        if (w.status() != ShardStatus.Assigned) _revertShardStatus(taskId, shardIndex, w);
        uint256 nodeId = w.nodeId();
        _checkNode(taskId, shardIndex, nodeId);
        Ping storage p = _pings[taskId][shardIndex];
        uint16 epoch = w.epoch();
        if (p.epoch != epoch || p.respondBy == 0) revert ITaskManager.NoPingOutstanding(taskId, shardIndex);
        p.respondBy = 0;
        emit ITaskManager.PingAnswered(taskId, shardIndex, nodeId, epoch);
    }

    /// @dev See ITaskManager.releaseUnresponsive.
    /// @dev Anyone. Reverts InvalidShardStatus (not Assigned), NoPingOutstanding (none for the current epoch, or
    ///      answered), PingNotExpired (`block.timestamp <= respondBy`) and DeadlinePassed (timeoutShard's turn).
    function releaseUnresponsive(uint256 taskId, uint256 shardIndex) external onlyDelegated nonReentrant {
        PackedShard w = _shards[taskId][shardIndex];
        if (w.status() != ShardStatus.Assigned) _revertShardStatus(taskId, shardIndex, w);
        Ping memory p = _pings[taskId][shardIndex];
        // INVARIANT: a keeper cannot release a live node — only a ping of this very assignment, left unanswered
        // past its window, releases it.
        if (p.epoch != w.epoch() || p.respondBy == 0) {
            revert ITaskManager.NoPingOutstanding(taskId, shardIndex);
        }
        if (block.timestamp <= p.respondBy) {
            revert ITaskManager.PingNotExpired(taskId, shardIndex, p.respondBy);
        }
        if (block.timestamp > w.deadline()) {
            revert ITaskManager.DeadlinePassed(taskId, shardIndex, w.deadline());
        }

        delete _pings[taskId][shardIndex];
        emit ITaskManager.ShardReleased(
            taskId, shardIndex, w.nodeId(), ReleaseReason.Unresponsive, bytes32(0), true
        );
        _failAttempt(taskId, shardIndex, w);
    }

    /// @dev See ITaskManager.recordAudit.
    /// @dev The auditor's operator or worker, while the shard is Submitted (or Challenged by someone else)
    ///      and its window is open. Reverts InvalidShardStatus, NotAuditor (no audit pending, or the caller is
    ///      not the auditor), ChallengeWindowClosed. The fee goes to the auditor's operator.
    function recordAudit(uint256 taskId, uint256 shardIndex) external onlyDelegated nonReentrant {
        PackedShard w = _shards[taskId][shardIndex];
        ShardStatus status = w.status();
        if (status != ShardStatus.Submitted && status != ShardStatus.Challenged) {
            _revertShardStatus(taskId, shardIndex, w);
        }
        if (w.auditStatus() != AuditStatus.Assigned) {
            revert ITaskManager.NotAuditor(taskId, shardIndex, msg.sender);
        }
        uint256 auditor = _shardData[taskId][shardIndex].auditorNodeId;
        if (!_registry.isOperatorOrWorker(auditor, msg.sender)) {
            revert ITaskManager.NotAuditor(taskId, shardIndex, msg.sender);
        }
        if (block.timestamp > w.deadline()) {
            revert ITaskManager.ChallengeWindowClosed(taskId, shardIndex, w.deadline());
        }

        _shards[taskId][shardIndex] = w.setAuditStatus(AuditStatus.Attested);
        _payAudit(taskId, shardIndex, auditor, AuditStatus.Attested);
    }

    /// @dev See ITaskManager.onChallengeCommitted.
    /// @dev Reverts InvalidShardStatus (not Submitted / Challenged) and ChallengeWindowClosed.
    function onChallengeCommitted(uint256 taskId, uint256 shardIndex)
        external
        onlyDelegated
        onlyRole(DISPUTE_ROLE)
        returns (uint16 epoch, uint64 revealDeadline)
    {
        PackedShard w = _shards[taskId][shardIndex];
        _requireResult(taskId, shardIndex, w);
        uint40 deadline = w.deadline();
        if (block.timestamp > deadline) {
            revert ITaskManager.ChallengeWindowClosed(taskId, shardIndex, deadline);
        }
        // INVARIANT: a committed challenge holds back payment until it can no longer be revealed.
        if (!w.challengeCommitted()) _shards[taskId][shardIndex] = w.setChallengeCommitted(true);
        epoch = w.epoch();
        revealDeadline = uint64(deadline) + _extra.challengeRevealPeriod;
        emit ITaskManager.ShardChallengeCommitted(taskId, shardIndex, epoch, revealDeadline);
    }

    /// @dev See ITaskManager.onChallenged.
    /// @dev Reverts InvalidShardStatus (not Submitted / Challenged), StaleEpoch, RevealPeriodOver (after the
    ///      window plus the reveal period), TooManyDisputes (255 open). `challenger` counts as the auditor when it
    ///      is the assigned auditor node's operator or worker key.
    function onChallenged(
        uint256 taskId,
        uint256 shardIndex,
        uint16 epoch,
        uint256 disputeId,
        address challenger
    ) external onlyDelegated onlyRole(DISPUTE_ROLE) nonReentrant returns (ChallengedResult memory result) {
        PackedShard w = _shards[taskId][shardIndex];
        _requireResult(taskId, shardIndex, w);
        if (w.epoch() != epoch) revert ITaskManager.StaleEpoch(taskId, shardIndex, epoch, w.epoch());
        uint64 revealDeadline = uint64(w.deadline()) + _extra.challengeRevealPeriod;
        if (block.timestamp > revealDeadline) {
            revert ITaskManager.RevealPeriodOver(taskId, shardIndex, revealDeadline);
        }
        uint8 open = w.openDisputes();
        if (open == type(uint8).max) revert ITaskManager.TooManyDisputes(taskId, shardIndex);

        ShardData storage d = _shardData[taskId][shardIndex];
        uint256 auditor;
        if (w.auditStatus() == AuditStatus.Assigned) {
            uint256 candidate = d.auditorNodeId;
            if (_registry.isOperatorOrWorker(candidate, challenger)) {
                auditor = candidate;
                w = w.setAuditStatus(AuditStatus.Challenged);
            }
        }
        // INVARIANT: a shard with an open dispute is never Submitted, so it is never paid.
        _shards[taskId][shardIndex] = w.setStatus(ShardStatus.Challenged).setOpenDisputes(open + 1);
        d.disputeId = disputeId;

        Task storage t = _tasks[taskId];
        result = ChallengedResult({
            client: t.client,
            submitterNodeId: w.nodeId(),
            epoch: epoch,
            checkpointCount: w.checkpointCount(),
            checkpointRoot: d.checkpointRoot,
            collateral: uint128(_collateral(t)),
            maxPricePerShard: t.maxPricePerShard
        });
        emit ITaskManager.ShardChallenged(taskId, shardIndex, disputeId, epoch, open + 1);
        if (auditor != 0) _payAudit(taskId, shardIndex, auditor, AuditStatus.Challenged);
    }

    /// @dev See ITaskManager.onDisputeResolved.
    /// @dev Reverts InvalidShardStatus when the shard has no open dispute. Live and submitter wrong:
    ///      `checkpointIndex` (the disputed d, checked against the count when the dispute opened) becomes
    ///      resumeFrom; resumeManifestCid becomes the losing manifest and the audit state is cleared.
    function onDisputeResolved(
        uint256 taskId,
        uint256 shardIndex,
        uint16 epoch,
        uint256 disputeId,
        bool submitterWrong,
        uint32 checkpointIndex
    ) external onlyDelegated onlyRole(DISPUTE_ROLE) nonReentrant returns (bool live) {
        PackedShard w = _shards[taskId][shardIndex];
        uint8 open = w.openDisputes();
        if (open == 0) _revertShardStatus(taskId, shardIndex, w);
        w = w.setOpenDisputes(open - 1);
        ShardStatus status = w.status();
        bool hasResult = status == ShardStatus.Submitted || status == ShardStatus.Challenged;
        live = hasResult && w.epoch() == epoch;

        // A lost checkpoint below resumeFrom was inherited by the current attempt from an earlier one (or the
        // dispute is about an earlier attempt): the shard restarts from it and nobody in flight is at fault.
        if (submitterWrong && checkpointIndex < w.resumeFrom()) {
            // forge-lint: disable-next-line(unsafe-typecast): checkpointIndex < resumeFrom ≤ 1024
            _lowerResume(taskId, shardIndex, w, uint16(checkpointIndex));
            return false;
        }
        if (live && submitterWrong) {
            _loseAttempt(taskId, shardIndex, w, checkpointIndex);
            return true;
        }
        if (hasResult) w = w.setStatus(open == 1 ? ShardStatus.Submitted : ShardStatus.Challenged);
        _shards[taskId][shardIndex] = w;
        emit ITaskManager.ShardDisputeCleared(taskId, shardIndex, disputeId, open - 1);
    }

    /// @dev See ITaskManager.onAuditAssigned.
    /// @dev Reverts InvalidShardStatus (not Submitted / Challenged), StaleEpoch, ChallengeWindowClosed,
    ///      AuditAlreadyAssigned, AuditBudgetExhausted, VerifierIsSubmitter. The budget is used at assignment; a
    ///      fee that is never earned is refunded when the task closes.
    function onAuditAssigned(uint256 taskId, uint256 shardIndex, uint16 epoch, uint256 verifierNodeId)
        external
        onlyDelegated
        onlyRole(AUDIT_ROLE)
    {
        PackedShard w = _shards[taskId][shardIndex];
        _requireResult(taskId, shardIndex, w);
        if (w.epoch() != epoch) revert ITaskManager.StaleEpoch(taskId, shardIndex, epoch, w.epoch());
        if (block.timestamp > w.deadline()) {
            revert ITaskManager.ChallengeWindowClosed(taskId, shardIndex, w.deadline());
        }
        if (w.auditStatus() != AuditStatus.None) {
            revert ITaskManager.AuditAlreadyAssigned(taskId, shardIndex);
        }
        Task storage t = _tasks[taskId];
        if (t.auditsUsed >= t.auditBudget) revert ITaskManager.AuditBudgetExhausted(taskId);
        if (verifierNodeId == w.nodeId()) revert ITaskManager.VerifierIsSubmitter(verifierNodeId);

        t.auditsUsed += 1;
        _shards[taskId][shardIndex] = w.setAuditStatus(AuditStatus.Assigned);
        _shardData[taskId][shardIndex].auditorNodeId = uint64(verifierNodeId);
        emit ITaskManager.AuditAssigned(taskId, shardIndex, verifierNodeId);
    }

    /// @dev The live attempt lost a dispute on `checkpointIndex`: re-queue (or fail) it to resume from there.
    function _loseAttempt(uint256 taskId, uint256 shardIndex, PackedShard w, uint32 checkpointIndex)
        internal
    {
        ShardData storage d = _shardData[taskId][shardIndex];
        d.resumeManifestCid = d.manifestCid;
        if (d.auditorNodeId != 0) d.auditorNodeId = 0;
        // forge-lint: disable-next-line(unsafe-typecast): checkpointIndex < checkpointCount ≤ 1024
        _failAttempt(taskId, shardIndex, w.setResumeFrom(uint16(checkpointIndex)));
    }

    /// @dev Ends the attempt in flight `w` as a failure of its node: attempts + 1 and the shard re-queued, Failed
    ///      or Cancelled (_endAttempt), its collateral unlocked, a reputation failure, and the task closed when done.
    function _failAttempt(uint256 taskId, uint256 shardIndex, PackedShard w) internal {
        uint256 nodeId = w.nodeId();
        Task storage t = _tasks[taskId];
        (PackedShard next, ShardStatus status) = _endAttempt(t, w);
        _shards[taskId][shardIndex] = next;

        _registry.unlockCollateral(nodeId, _collateral(t));
        _registry.recordFailure(nodeId);
        _emitEndAttempt(taskId, shardIndex, next, status);
        _closeIfDone(taskId, t);
    }

    /// @dev A checkpoint that an earlier attempt committed and later attempts resumed from lost its dispute:
    ///      resume from it instead, and hand the attempt in flight (built on it) back without fault.
    function _lowerResume(uint256 taskId, uint256 shardIndex, PackedShard w, uint16 resumeFrom) internal {
        w = w.setResumeFrom(resumeFrom);
        ShardStatus status = w.status();
        emit ITaskManager.ShardResumeLowered(taskId, shardIndex, resumeFrom, w.epoch());
        if (
            status != ShardStatus.Assigned && status != ShardStatus.Submitted
                && status != ShardStatus.Challenged
        ) {
            _shards[taskId][shardIndex] = w;
            return;
        }
        Task storage t = _tasks[taskId];
        uint256 nodeId = w.nodeId();
        bool cancelled = t.status == TaskStatus.Cancelled;
        ShardStatus next = cancelled ? ShardStatus.Cancelled : ShardStatus.Pending;
        t.activeShards -= 1;
        if (cancelled) t.cancelledShards += 1;
        PackedShard cleared = _clearAttempt(w).setStatus(next);
        _shards[taskId][shardIndex] = cleared;
        _shardData[taskId][shardIndex].auditorNodeId = 0;
        _registry.unlockCollateral(nodeId, _collateral(t));
        _emitEndAttempt(taskId, shardIndex, cleared, next);
        if (cancelled) _closeIfDone(taskId, t);
    }
}
