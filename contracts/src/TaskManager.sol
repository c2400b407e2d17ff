// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {TaskManagerBase} from "./base/TaskManagerBase.sol";
import {IDatasetRegistry} from "./interfaces/IDatasetRegistry.sol";
import {ITaskManager} from "./interfaces/ITaskManager.sol";
import {CheckpointMerkle} from "./libraries/CheckpointMerkle.sol";
import {PackedShard} from "./libraries/PackedShard.sol";
import {PriceCodec} from "./libraries/PriceCodec.sol";
import {
    Assignment,
    ChallengedResult,
    Checkpoint,
    PostTaskParams,
    ReleaseReason,
    ShardRef,
    ShardStatus,
    ShardView,
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
///      Split: cancellation, audits and the dispute hooks run in the TaskManagerExtension by DELEGATECALL in this
///      contract's storage (TaskManagerBase holds the shared layout and logic); this contract keeps the hot paths.
contract TaskManager is TaskManagerBase, ITaskManager {
    using SafeERC20 for IERC20;

    /// @notice The TaskManagerExtension this contract forwards its cold functions to.
    address public immutable extension;
    /// @dev The DatasetRegistry: usage terms read at posting, the owner paid at finalization.
    IDatasetRegistry internal immutable _datasets;

    /// @dev What a node is owed for a run of consecutive finalized shards; settled by `_settle`.
    struct Payee {
        uint256 nodeId;
        uint256 feeBps; // tier fee at the start of the run
        uint256 successes;
        uint256 payout;
        uint256 fees; // protocol fees of these shards: the node's value-weighted reputation
        uint256 collateral;
    }

    /// @dev Effects on one task of shards finalized since the last `_flushTask`.
    struct TaskRun {
        uint256 taskId;
        uint256 maxPrice;
        uint256 collateral;
        uint256 count;
        uint256 prices; // Σ locked price of the counted shards (≤ count × maxPrice)
        uint256 fees;
        uint256 datasetId; // 0 = the task uses no dataset
        uint256 datasetFee; // usage fee per shard
        uint256 datasetCutBps;
    }

    /// @dev Usage terms of a task's dataset version, read at posting.
    struct DatasetTerms {
        uint256 fee;
        uint16 cutBps;
    }

    /// @param token_ NRL (ERC20 with EIP-2612 permit).
    /// @param registry_ The NodeRegistry; this contract needs its PROTOCOL_ROLE.
    /// @param governor Receives DEFAULT_ADMIN_ROLE and GOVERNOR_ROLE.
    /// @param treasury_ Receives swept protocol fees.
    /// @param extension_ A TaskManagerExtension built with the same token, registry and governor.
    /// @param datasets_ The DatasetRegistry tasks reference datasets in.
    constructor(
        address token_,
        address registry_,
        address governor,
        address treasury_,
        address extension_,
        address datasets_
    ) TaskManagerBase(token_, registry_, governor) {
        if (treasury_ == address(0) || extension_ == address(0) || datasets_ == address(0)) revert ZeroAddress();
        extension = extension_;
        _datasets = IDatasetRegistry(datasets_);
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
        _initParameter(CHALLENGE_REVEAL_PERIOD, 1 hours);
        _initParameter(MIN_COLLATERAL, 1e15);
        _initParameter(MIN_SHARD_PRICE, 1e15);
        _initParameter(RELEASE_GRACE_PERIOD, 10 minutes);
        _initParameter(CLAIM_DELAY_BLOCKS, 20);
        _initParameter(LIVENESS_WINDOW, 10 minutes);

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
    /// @dev Reverts InvalidSpecCid, InvalidShardCount (0 or above maxShardsPerTask), InvalidMaxPrice (below
    ///      minShardPrice, above 2^96 - 1, or an escrow above 2^120), InvalidMaxDuration, InvalidAuditRate (above
    ///      10000), InvalidTier, CollateralBelowMinimum.
    function postTask(PostTaskParams calldata params) external nonReentrant returns (uint256 taskId) {
        (uint256 escrow, uint256 auditBudget, DatasetTerms memory terms) = _quote(params);
        return _postTask(params, escrow, auditBudget, terms);
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
        (uint256 escrow, uint256 auditBudget, DatasetTerms memory terms) = _quote(params);
        try IERC20Permit(address(_token)).permit(msg.sender, address(this), escrow, deadline, v, r, s) {}
            catch {}
        return _postTask(params, escrow, auditBudget, terms);
    }

    // ----------------------------------------------------------------------------------------------
    // Keeper
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc ITaskManager
    /// @dev Reverts EmptyBatch, UnknownTask, TaskNotActive (not Open / Running), ShardOutOfRange,
    ///      InvalidShardStatus (not Pending, including a shard listed twice) and NodeNotEligible (with the reason).
    ///      Consecutive assignments of one task to one node are checked and locked with one registry call for
    ///      their total collateral (equivalent to one by one: locking only lowers free stake), and pay the same
    ///      price. The first assignment of a task moves it Open -> Running. The deadline is now + maxDuration.
    function assignShards(Assignment[] calldata assignments) external onlyRole(KEEPER_ROLE) nonReentrant {
        uint256 len = assignments.length;
        if (len == 0) revert EmptyBatch();
        AssignContext memory ctx;
        uint256 i;
        while (i < len) {
            uint256 taskId = assignments[i].taskId;
            uint256 nodeId = assignments[i].nodeId;
            uint256 end = i + 1;
            while (end < len && assignments[end].taskId == taskId && assignments[end].nodeId == nodeId) {
                ++end;
            }
            if (taskId != ctx.taskId) {
                _flushActive(ctx);
                _loadAssignContext(taskId, ctx);
            }
            uint40 priceCode = _lockNode(ctx, nodeId, end - i);
            mapping(uint256 => PackedShard) storage shards = _shards[taskId];
            for (uint256 k = i; k < end; ++k) {
                _assignShard(ctx, shards, assignments[k].shardIndex, nodeId, priceCode);
            }
            i = end;
        }
        _flushActive(ctx);
    }

    // ----------------------------------------------------------------------------------------------
    // Node
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc ITaskManager
    /// @dev Reverts InvalidShardStatus (not Assigned), NotAssignedNode, DeadlinePassed, InvalidManifest (a
    ///      zero CID), InvalidCheckpointCount (below max(1, resumeFrom) or above 1024). Opens the challenge window.
    ///      A result submitted while disputes of an earlier epoch are still open starts Challenged: it is not paid
    ///      before they end, since a lost one can invalidate the checkpoints it resumed from.
    function submitResult(
        uint256 taskId,
        uint256 shardIndex,
        bytes32 manifestCid,
        Checkpoint[] calldata checkpoints
    ) external {
        PackedShard w = _shards[taskId][shardIndex];
        if (w.status() != ShardStatus.Assigned) _revertShardStatus(taskId, shardIndex, w);
        _checkNode(taskId, shardIndex, w.nodeId());
        if (block.timestamp > w.deadline()) revert DeadlinePassed(taskId, shardIndex, w.deadline());
        if (manifestCid == bytes32(0)) revert InvalidManifest();
        uint256 count = checkpoints.length;
        if (count == 0 || count < w.resumeFrom() || count > MAX_CHECKPOINTS) {
            revert InvalidCheckpointCount(count, w.resumeFrom(), MAX_CHECKPOINTS);
        }
        // INVARIANT: the stored root is computed from the checkpoints emitted below, so every committed leaf is
        // public and provable, and checkpointCount is the tree's true leaf count.
        bytes32 root = CheckpointMerkle.root(checkpoints);

        uint40 windowEnd = uint40(block.timestamp) + w.window();
        ShardStatus next = w.openDisputes() == 0 ? ShardStatus.Submitted : ShardStatus.Challenged;
        // forge-lint: disable-next-line(unsafe-typecast): count ≤ MAX_CHECKPOINTS fits 16 bits
        _shards[taskId][shardIndex] = w.setStatus(next).setDeadline(windowEnd)
            .setSubmittedBlock(uint40(block.number)).setCheckpointCount(uint16(count));
        ShardData storage d = _shardData[taskId][shardIndex];
        d.manifestCid = manifestCid;
        d.checkpointRoot = root;
        _emitSubmitted(taskId, shardIndex, w, manifestCid, root, windowEnd, checkpoints);
    }

    function _emitSubmitted(
        uint256 taskId,
        uint256 shardIndex,
        PackedShard w,
        bytes32 manifestCid,
        bytes32 root,
        uint40 windowEnd,
        Checkpoint[] calldata checkpoints
    ) internal {
        // forge-lint: disable-next-line(unsafe-typecast): length ≤ MAX_CHECKPOINTS
        emit ResultSubmitted(
            taskId,
            shardIndex,
            w.nodeId(),
            w.epoch(),
            manifestCid,
            root,
            uint32(checkpoints.length),
            windowEnd,
            checkpoints
        );
    }

    // ----------------------------------------------------------------------------------------------
    // Anyone
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc ITaskManager
    /// @dev Skips (without reverting) refs that are not finalizable (isFinalizable), including unknown
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
            if (!_finalizable(w)) continue;
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
    // Governor
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc ITaskManager
    /// @dev Runs in the TaskManagerExtension (GOVERNOR_ROLE checked there, in this contract's storage).
    function setTierFee(Tier, uint16) external {
        _delegate();
    }

    /// @inheritdoc ITaskManager
    /// @dev Runs in the TaskManagerExtension (GOVERNOR_ROLE checked there, in this contract's storage).
    function setTreasury(address) external {
        _delegate();
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
    function datasetRegistry() external view returns (address) {
        return address(_datasets);
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
        uint256 maxPrice = t.maxPricePerShard;
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
        v.maxPricePerShard = uint128(maxPrice);
        v.collateralPerShard = uint128(maxPrice * t.collateralRatioBps / BPS);
        v.auditFeePerShard = uint128(maxPrice * t.auditFeeBps / BPS);
        v.escrowRemaining = t.escrowRemaining;
        v.specCid = t.specCid;
        v.resources = _resources(t);
        v.postedBlock = t.postedBlock;
        v.activeShards = t.activeShards;
        _viewDataset(taskId, v);
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
        v.epoch = w.epoch();
        v.openDisputes = w.openDisputes();
        v.challengeCommitted = w.challengeCommitted();
        v.nodeId = w.nodeId();
        v.auditorNodeId = d.auditorNodeId;
        v.deadline = w.deadline();
        v.submittedBlock = w.submittedBlock();
        v.checkpointCount = w.checkpointCount();
        v.resumeFrom = w.resumeFrom();
        v.price = uint128(PriceCodec.decode(w.priceCode()));
        // A cleared attempt keeps the block it became Pending in the submittedBlock field (PackedShard).
        ShardStatus stored = w.status();
        if (stored == ShardStatus.Pending || stored == ShardStatus.Failed || stored == ShardStatus.Cancelled)
        {
            v.submittedBlock = 0;
            if (v.status == ShardStatus.Pending) {
                v.pendingSince = w.epoch() == 0 ? t.postedBlock : w.submittedBlock();
            }
        }
        v.manifestCid = d.manifestCid;
        v.checkpointRoot = d.checkpointRoot;
        v.resumeManifestCid = d.resumeManifestCid;
        v.disputeId = d.disputeId;
    }

    /// @inheritdoc ITaskManager
    /// @dev Reverts with the same errors as postTask for invalid params (current parameters).
    function quoteEscrow(PostTaskParams calldata params) external view returns (uint256 escrow) {
        (escrow,,) = _quote(params);
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
        return _finalizable(_shards[taskId][shardIndex]);
    }

    /// @inheritdoc ITaskManager
    /// @dev Reverts UnknownTask.
    function taskParties(uint256 taskId) external view returns (address client, uint256 collateralPerShard) {
        Task storage t = _existingTask(taskId);
        return (t.client, _collateral(t));
    }

    /// @inheritdoc ITaskManager
    /// @dev Reverts UnknownTask / ShardOutOfRange, like getShard.
    function shardState(uint256 taskId, uint256 shardIndex)
        external
        view
        returns (ShardStatus status, uint16 epoch, uint8 openDisputes)
    {
        Task storage t = _existingTask(taskId);
        uint256 shardCount = t.shardCount;
        if (shardIndex >= shardCount) revert ShardOutOfRange(taskId, shardIndex, shardCount);
        PackedShard w = _shards[taskId][shardIndex];
        return (_effectiveStatus(w.status(), t.status), w.epoch(), w.openDisputes());
    }

    /// @inheritdoc ITaskManager
    function shardPing(uint256 taskId, uint256 shardIndex)
        external
        view
        returns (uint16 epoch, uint64 respondBy, uint64 nextPingAt)
    {
        Ping memory p = _pings[taskId][shardIndex];
        return (p.epoch, p.respondBy, p.nextPingAt);
    }

    /// @inheritdoc ITaskManager
    function checkpointRoot(Checkpoint[] calldata checkpoints) external pure returns (bytes32) {
        if (checkpoints.length == 0) revert InvalidCheckpointCount(0, 0, MAX_CHECKPOINTS);
        return CheckpointMerkle.root(checkpoints);
    }

    // ----------------------------------------------------------------------------------------------
    // Internal: posting
    // ----------------------------------------------------------------------------------------------

    /// @dev Validates post params against the current parameters; returns the escrow and audit budget.
    ///      A dataset reference adds its usage fee per shard (reverting with the DatasetRegistry's errors when the
    ///      version does not exist or is deprecated).
    function _quote(PostTaskParams calldata p)
        internal
        view
        returns (uint256 escrow, uint256 auditBudget, DatasetTerms memory terms)
    {
        Config memory c = _config;
        if (p.specCid == bytes32(0)) revert InvalidSpecCid();
        uint256 shardCount = p.shardCount;
        if (shardCount == 0 || shardCount > c.maxShardsPerTask) {
            revert InvalidShardCount(shardCount, c.maxShardsPerTask);
        }
        uint256 maxPrice = p.maxPricePerShard;
        uint256 minPrice = _extra.minShardPrice;
        if (maxPrice < minPrice || maxPrice > type(uint96).max) revert InvalidMaxPrice(maxPrice, minPrice);
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

        // INVARIANT: every live assignment locks a non-zero collateral (the registry freezes keys and withdrawals
        // on it), and dust tasks cannot farm reputation with zero-cost shards.
        uint256 collateral = maxPrice * c.collateralRatioBps / BPS;
        uint256 minCollateral = _extra.minCollateral;
        if (collateral < minCollateral) revert CollateralBelowMinimum(collateral, minCollateral);
        auditBudget = (shardCount * auditRate + BPS - 1) / BPS;
        if (p.datasetId != 0) {
            (terms.fee, terms.cutBps) = _datasets.usageTerms(p.datasetId, p.datasetVersion);
        }
        escrow = shardCount * (maxPrice + terms.fee) + auditBudget * (maxPrice * c.auditFeeBps / BPS);
        if (escrow > type(uint112).max) revert InvalidMaxPrice(maxPrice, minPrice);
    }

    function _postTask(
        PostTaskParams calldata p,
        uint256 escrow,
        uint256 auditBudget,
        DatasetTerms memory terms
    ) internal returns (uint256 taskId) {
        taskId = ++_taskCount;
        _storeTask(taskId, p, escrow, auditBudget);
        // INVARIANT: escrow solvency — the sum of escrows grows by exactly what is pulled below.
        _totals.escrowHeld += uint128(escrow);

        _emitPosted(taskId, p, escrow);
        if (p.datasetId != 0) _recordDataset(taskId, p, terms);
        emit TaskStatusChanged(taskId, TaskStatus.None, TaskStatus.Open);
        _token.safeTransferFrom(msg.sender, address(this), escrow);
    }

    function _storeTask(uint256 taskId, PostTaskParams calldata p, uint256 escrow, uint256 auditBudget)
        internal
    {
        Config memory c = _config;
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
            activeShards: 0,
            // forge-lint: disable-next-line(unsafe-typecast): checked ≤ 2^96 - 1 by _quote
            maxPricePerShard: uint96(p.maxPricePerShard),
            // forge-lint: disable-next-line(unsafe-typecast): checked ≤ 2^112 - 1 by _quote
            escrowRemaining: uint112(escrow),
            postedBlock: uint40(block.number),
            usesDataset: p.datasetId != 0,
            specCid: p.specCid
        });
    }

    /// @dev Stores the dataset reference and usage terms of a task that names a dataset (postTask).
    function _recordDataset(uint256 taskId, PostTaskParams calldata p, DatasetTerms memory terms) internal {
        _taskDatasets[taskId] = TaskDataset({
            datasetId: p.datasetId,
            version: p.datasetVersion,
            // forge-lint: disable-next-line(unsafe-typecast): the registry stores fees as uint96
            feePerShard: uint96(terms.fee),
            cutBps: terms.cutBps
        });
        emit TaskUsesDataset(taskId, p.datasetId, p.datasetVersion, terms.fee, terms.cutBps);
    }

    function _loadDataset(TaskRun memory run, uint256 taskId) internal view {
        TaskDataset storage d = _taskDatasets[taskId];
        run.datasetId = d.datasetId;
        run.datasetFee = d.feePerShard;
        run.datasetCutBps = d.cutBps;
    }

    function _viewDataset(uint256 taskId, TaskView memory v) internal view {
        TaskDataset memory d = _taskDatasets[taskId];
        v.datasetId = d.datasetId;
        v.datasetVersion = d.version;
        v.datasetFeePerShard = d.feePerShard;
        v.datasetCutBps = d.cutBps;
    }

    function _emitPosted(uint256 taskId, PostTaskParams calldata p, uint256 escrow) internal {
        Config memory c = _config;
        uint256 maxPrice = p.maxPricePerShard;
        emit TaskPosted(
            taskId,
            msg.sender,
            p.specCid,
            p.shardCount,
            p.maxPricePerShard,
            p.minTier,
            p.resources,
            p.maxDuration,
            p.auditRateBps,
            escrow,
            maxPrice * c.collateralRatioBps / BPS,
            maxPrice * c.auditFeeBps / BPS
        );
    }

    // ----------------------------------------------------------------------------------------------
    // Internal: shard life
    // ----------------------------------------------------------------------------------------------

    /// @dev Starts a node's run of finalized shards: the fee tier is read once here.
    function _startRun(Payee memory payee, uint256 nodeId, uint80 tierFees) internal view {
        payee.nodeId = nodeId;
        payee.feeBps = _tierFee(tierFees, _registry.tierOf(nodeId));
        payee.successes = 0;
        payee.payout = 0;
        payee.fees = 0;
        payee.collateral = 0;
    }

    /// @dev Starts accumulating finalized shards of `taskId`.
    function _startTask(TaskRun memory run, uint256 taskId) internal view {
        Task storage t = _tasks[taskId];
        uint256 maxPrice = t.maxPricePerShard;
        run.taskId = taskId;
        run.maxPrice = maxPrice;
        run.collateral = maxPrice * t.collateralRatioBps / BPS;
        run.count = 0;
        run.prices = 0;
        run.fees = 0;
        run.datasetFee = 0;
        if (t.usesDataset) _loadDataset(run, taskId);
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
        uint256 price = PriceCodec.decode(w.priceCode());
        uint256 fee = price * payee.feeBps / BPS;
        uint256 payout = price - fee;
        run.count += 1;
        run.prices += price;
        run.fees += fee;
        payee.successes += 1;
        payee.payout += payout;
        payee.fees += fee;
        payee.collateral += run.collateral;
        emit ShardFinalized(taskId, shardIndex, payee.nodeId, payout, fee);
    }

    /// @dev Writes the accumulated effects of `run` on its task and the totals, sends the client what the shards
    ///      did not use of their max price, and may close the task.
    function _flushTask(TaskRun memory run) internal {
        uint256 count = run.count;
        if (count == 0) return;
        Task storage t = _tasks[run.taskId];
        uint256 usage = count * run.datasetFee;
        uint256 usageCut = usage * run.datasetCutBps / BPS;
        uint256 reserved = count * run.maxPrice + usage;
        uint256 refund = reserved - usage - run.prices;
        // Each counted shard was a distinct non-terminal shard of the task in flight, so these stay in range.
        t.finalizedShards = uint16(t.finalizedShards + count);
        t.activeShards = uint16(t.activeShards - count);
        // INVARIANT: escrow solvency — the shards' max prices leave this task's escrow (checked subtraction:
        // never more than was escrowed) and the sum of escrows; their fees move to accruedFees, the unused part
        // goes back to the client below and the rest is owed to the nodes: totalOwed() drops by exactly what is
        // transferred, before it is transferred.
        // forge-lint: disable-next-line(unsafe-typecast): reserved ≤ escrowRemaining < 2^112 (checked subtraction)
        t.escrowRemaining -= uint112(reserved);
        Totals storage totals = _totals;
        totals.escrowHeld -= uint128(reserved);
        totals.accruedFees += uint128(run.fees + usageCut);
        run.count = 0;
        run.prices = 0;
        run.fees = 0;
        if (refund != 0) {
            address client = t.client;
            emit TaskRefunded(run.taskId, client, refund);
            _token.safeTransfer(client, refund);
        }
        if (usage != 0) {
            // INVARIANT: usage fees are paid only here, for finalized shards; failed and cancelled shards keep
            // theirs in the escrow the client gets back.
            address owner = _datasets.ownerOf(run.datasetId);
            // forge-lint: disable-next-line(unsafe-typecast): count ≤ shardCount ≤ 10000
            emit DatasetUsagePaid(run.datasetId, run.taskId, owner, uint32(count), usage - usageCut, usageCut);
            _token.safeTransfer(owner, usage - usageCut);
        }
        _closeIfDone(run.taskId, t);
    }

    /// @dev Interactions owed to a run's node: reputation (count and fees), collateral, payout to its operator.
    function _settle(Payee memory payee) internal {
        uint256 nodeId = payee.nodeId;
        if (nodeId == 0) return;
        address operator = _registry.settleSuccesses(nodeId, payee.successes, payee.collateral, payee.fees);
        if (payee.payout != 0) _token.safeTransfer(operator, payee.payout);
    }

    // ----------------------------------------------------------------------------------------------
    // Forwarded to the TaskManagerExtension (same storage, by DELEGATECALL)
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc ITaskManager
    function cancelTask(uint256) external {
        _delegate();
    }

    /// @inheritdoc ITaskManager
    function claimShard(uint256, uint256, uint256) external {
        _delegate();
    }

    /// @inheritdoc ITaskManager
    function releaseShard(uint256, uint256, ReleaseReason, bytes32) external {
        _delegate();
    }

    /// @inheritdoc ITaskManager
    function timeoutShard(uint256, uint256) external {
        _delegate();
    }

    /// @inheritdoc ITaskManager
    function recordAudit(uint256, uint256) external {
        _delegate();
    }

    /// @inheritdoc ITaskManager
    function pingShard(uint256, uint256) external {
        _delegate();
    }

    /// @inheritdoc ITaskManager
    function answerPing(uint256, uint256) external {
        _delegate();
    }

    /// @inheritdoc ITaskManager
    function releaseUnresponsive(uint256, uint256) external {
        _delegate();
    }

    /// @inheritdoc ITaskManager
    function onChallengeCommitted(uint256, uint256) external returns (uint16, uint64) {
        _delegate();
    }

    /// @inheritdoc ITaskManager
    function onChallenged(uint256, uint256, uint16, uint256, address)
        external
        returns (ChallengedResult memory)
    {
        _delegate();
    }

    /// @inheritdoc ITaskManager
    function onDisputeResolved(uint256, uint256, uint16, uint256, bool, uint32) external returns (bool) {
        _delegate();
    }

    /// @inheritdoc ITaskManager
    function onAuditAssigned(uint256, uint256, uint16, uint256) external {
        _delegate();
    }

    /// @dev Runs the same call in the extension with this contract's storage and returns or reverts with its
    ///      result. Never returns to the caller function.
    function _delegate() internal {
        address target = extension;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, 0, calldatasize())
            let ok := delegatecall(gas(), target, ptr, calldatasize(), 0, 0)
            returndatacopy(ptr, 0, returndatasize())
            if iszero(ok) { revert(ptr, returndatasize()) }
            return(ptr, returndatasize())
        }
    }
}
