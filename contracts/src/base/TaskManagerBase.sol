// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {Governed} from "./Governed.sol";
import {INodeRegistry} from "../interfaces/INodeRegistry.sol";
import {ITaskManager} from "../interfaces/ITaskManager.sol";
import {PackedShard} from "../libraries/PackedShard.sol";
import {PriceCodec} from "../libraries/PriceCodec.sol";
import {AuditStatus, Ineligibility, Resources, ShardStatus, TaskStatus, Tier} from "../types/Types.sol";

/// @title Storage and shared logic of the TaskManager
/// @notice The TaskManager and its TaskManagerExtension both derive from this contract and add no state of their
///         own, so they share one storage layout: the extension runs by DELEGATECALL in the TaskManager's storage.
///         Everything both need (parameters, the shard word helpers, closing tasks, paying audits) lives here.
/// @dev See TaskManager for the storage notes. Events and errors are ITaskManager's.
abstract contract TaskManagerBase is Governed, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Keeper bots: assignShards and liveness pings (pingShard). (Nodes can also claim a shard a keeper
    ///         left Pending: claimShard.)
    bytes32 public constant KEEPER_ROLE = keccak256("KEEPER_ROLE");
    /// @notice The DisputeManager: challenge commitments and disputes.
    bytes32 public constant DISPUTE_ROLE = keccak256("DISPUTE_ROLE");
    /// @notice The Sortition contract: audit draws.
    bytes32 public constant AUDIT_ROLE = keccak256("AUDIT_ROLE");

    bytes32 internal constant CHALLENGE_WINDOW = "challengeWindow";
    bytes32 internal constant MAX_ATTEMPTS = "maxAttempts";
    bytes32 internal constant COLLATERAL_RATIO_BPS = "collateralRatioBps";
    bytes32 internal constant AUDIT_FEE_BPS = "auditFeeBps";
    bytes32 internal constant TIMEOUT_SLASH_BPS = "timeoutSlashBps";
    bytes32 internal constant MAX_SHARDS_PER_TASK = "maxShardsPerTask";
    bytes32 internal constant MIN_MAX_DURATION = "minMaxDuration";
    bytes32 internal constant MAX_MAX_DURATION = "maxMaxDuration";
    bytes32 internal constant CHALLENGE_REVEAL_PERIOD = "challengeRevealPeriod";
    bytes32 internal constant MIN_COLLATERAL = "minCollateral";
    bytes32 internal constant MIN_SHARD_PRICE = "minShardPrice";
    bytes32 internal constant RELEASE_GRACE_PERIOD = "releaseGracePeriod";
    bytes32 internal constant CLAIM_DELAY_BLOCKS = "claimDelayBlocks";
    bytes32 internal constant LIVENESS_WINDOW = "livenessWindow";
    /// @dev Name used in ParameterOutOfBounds when a tier fee is above MAX_TIER_FEE_BPS.
    bytes32 internal constant TIER_FEE_BPS = "tierFeeBps";

    uint256 internal constant BPS = 10_000;
    uint256 internal constant MAX_TIER_FEE_BPS = 3000;
    /// @dev Upper bound of maxShardsPerTask. Per-task shard counters are uint16, so it must stay < 65536.
    uint256 internal constant SHARD_COUNT_CAP = 10_000;
    /// @dev Upper bound of challengeWindow; it must fit the 24-bit window field of PackedShard.
    uint256 internal constant MAX_CHALLENGE_WINDOW = 30 days;
    /// @dev Most checkpoints one result may commit (fits the 16-bit count field of PackedShard).
    uint256 internal constant MAX_CHECKPOINTS = 1024;
    /// @dev A shard's next liveness ping may come no earlier than PING_COOLDOWN_WINDOWS × livenessWindow after its
    ///      last one (same epoch): a node answers at most one ping per shard per that period.
    uint256 internal constant PING_COOLDOWN_WINDOWS = 4;

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

    /// @dev Parameters read at posting, assignment, release, claims and when a committed challenge delays payment.
    struct Extra {
        uint32 challengeRevealPeriod;
        uint80 minCollateral;
        uint32 releaseGracePeriod;
        uint32 claimDelayBlocks;
        uint80 minShardPrice;
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
        uint16 activeShards; // Assigned, Submitted or Challenged: what cancelTask must not count as Pending
        // slot 2: money, and the block the never-assigned shards became Pending
        uint96 maxPricePerShard;
        uint112 escrowRemaining; // ≤ the token supply (1e27 < 2^90)
        uint40 postedBlock;
        bool usesDataset; // _taskDatasets holds its dataset reference: read it only then
        // slot 3
        bytes32 specCid;
    }

    /// @dev The dataset version a task trains on and its usage terms, fixed at posting. One slot, written only for
    ///      a task that names a dataset (Task.usesDataset), so tasks without one pay nothing for the feature.
    struct TaskDataset {
        uint64 datasetId;
        uint32 version;
        uint96 feePerShard;
        uint16 cutBps;
    }

    /// @dev Written at submit, audit and challenge time only.
    struct ShardData {
        bytes32 manifestCid;
        bytes32 checkpointRoot;
        bytes32 resumeManifestCid;
        uint64 auditorNodeId;
        uint256 disputeId;
    }

    /// @dev The latest liveness ping of a shard (pingShard). It concerns epoch `epoch` only: a ping of an earlier
    ///      assignment is void. `respondBy` is zero when no ping is outstanding (answered or never sent).
    struct Ping {
        uint16 epoch;
        uint40 respondBy;
        uint40 nextPingAt;
    }

    /// @dev Both halves of totalOwed() in one slot.
    struct Totals {
        uint128 accruedFees;
        uint128 escrowHeld; // Σ escrowRemaining over all tasks
    }

    IERC20 internal immutable _token;
    INodeRegistry internal immutable _registry;

    address internal _treasury;
    Config internal _config;
    Extra internal _extra;
    Totals internal _totals;
    uint256 internal _taskCount;
    mapping(uint256 taskId => Task) internal _tasks;
    mapping(uint256 taskId => mapping(uint256 shardIndex => PackedShard)) internal _shards;
    mapping(uint256 taskId => mapping(uint256 shardIndex => ShardData)) internal _shardData;
    mapping(uint256 taskId => TaskDataset) internal _taskDatasets;
    /// @dev Seconds a node has to answer a liveness ping ("livenessWindow").
    uint32 internal _livenessWindow;
    mapping(uint256 taskId => mapping(uint256 shardIndex => Ping)) internal _pings;

    /// @param token_ NRL (ERC20 with EIP-2612 permit).
    /// @param registry_ The NodeRegistry; the TaskManager needs its PROTOCOL_ROLE.
    /// @param governor Receives DEFAULT_ADMIN_ROLE and GOVERNOR_ROLE.
    constructor(address token_, address registry_, address governor) Governed(governor) {
        if (token_ == address(0) || registry_ == address(0) || governor == address(0)) {
            revert ITaskManager.ZeroAddress();
        }
        _token = IERC20(token_);
        _registry = INodeRegistry(registry_);
    }

    // ----------------------------------------------------------------------------------------------
    // Parameters (Governed hooks)
    // ----------------------------------------------------------------------------------------------

    /// @dev Fixed bounds of docs/protocol.md; minMaxDuration is further capped by maxMaxDuration and
    ///      maxMaxDuration floored by minMaxDuration, so a valid maxDuration always exists.
    function _parameterBounds(bytes32 name) internal view override returns (uint256 min, uint256 max) {
        if (name == CHALLENGE_WINDOW) return (1 minutes, MAX_CHALLENGE_WINDOW);
        if (name == MAX_ATTEMPTS) return (1, 10);
        if (name == COLLATERAL_RATIO_BPS) return (1, 50_000);
        if (name == AUDIT_FEE_BPS) return (0, 20_000);
        if (name == TIMEOUT_SLASH_BPS) return (0, BPS);
        if (name == MAX_SHARDS_PER_TASK) return (1, SHARD_COUNT_CAP);
        if (name == MIN_MAX_DURATION) return (1, _config.maxMaxDuration);
        if (name == MAX_MAX_DURATION) return (_config.minMaxDuration, 365 days);
        if (name == CHALLENGE_REVEAL_PERIOD) return (1 minutes, 7 days);
        if (name == MIN_COLLATERAL) return (1, 1e24);
        if (name == MIN_SHARD_PRICE) return (1, 1e24);
        if (name == RELEASE_GRACE_PERIOD) return (0, 1 days);
        if (name == CLAIM_DELAY_BLOCKS) return (1, 100_000);
        if (name == LIVENESS_WINDOW) return (1 minutes, 1 days);
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
        if (name == CHALLENGE_REVEAL_PERIOD) return _extra.challengeRevealPeriod;
        if (name == MIN_COLLATERAL) return _extra.minCollateral;
        if (name == MIN_SHARD_PRICE) return _extra.minShardPrice;
        if (name == RELEASE_GRACE_PERIOD) return _extra.releaseGracePeriod;
        if (name == CLAIM_DELAY_BLOCKS) return _extra.claimDelayBlocks;
        if (name == LIVENESS_WINDOW) return _livenessWindow;
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
        else if (name == CHALLENGE_REVEAL_PERIOD) _extra.challengeRevealPeriod = uint32(value);
        else if (name == MIN_COLLATERAL) _extra.minCollateral = uint80(value);
        else if (name == MIN_SHARD_PRICE) _setMinShardPrice(value);
        else if (name == RELEASE_GRACE_PERIOD) _extra.releaseGracePeriod = uint32(value);
        else if (name == CLAIM_DELAY_BLOCKS) _extra.claimDelayBlocks = uint32(value);
        else if (name == LIVENESS_WINDOW) _livenessWindow = uint32(value);
        else revert UnknownParameter(name);
    }

    /// @dev A locked price is stored exactly (PriceCodec), so the minimum must have at most 9 significant digits.
    function _setMinShardPrice(uint256 value) internal {
        if (!PriceCodec.isExact(value)) revert ITaskManager.InvalidPrice(value);
        // forge-lint: disable-next-line(unsafe-typecast): bounded by 1e24 < 2^80
        _extra.minShardPrice = uint80(value);
    }

    // ----------------------------------------------------------------------------------------------
    // Internal: shared shard and task logic
    // ----------------------------------------------------------------------------------------------

    /// @dev Pays the audit fee of a shard to the auditor's operator.
    function _payAudit(uint256 taskId, uint256 shardIndex, uint256 auditor, AuditStatus outcome) internal {
        Task storage t = _tasks[taskId];
        uint256 fee = uint256(t.maxPricePerShard) * t.auditFeeBps / BPS;
        // INVARIANT: escrow solvency — the fee leaves this task's escrow (checked subtraction) and the sum of
        // escrows before the transfer; auditsUsed ≤ auditBudget bounds how many fees a task pays.
        // forge-lint: disable-next-line(unsafe-typecast): fee ≤ the escrow it was quoted in, < 2^112
        t.escrowRemaining -= uint112(fee);
        _totals.escrowHeld -= uint128(fee);
        emit ITaskManager.AuditRecorded(taskId, shardIndex, auditor, outcome, fee);
        if (fee != 0) _token.safeTransfer(_registry.operatorOf(auditor), fee);
    }

    /// @dev The word of a shard after its node let go of it: attempts, resume info, epoch and open disputes kept;
    ///      the price dropped, and the submittedBlock field holds the block it became Pending (for claimShard).
    function _clearAttempt(PackedShard w) internal view returns (PackedShard) {
        return PackedShard.wrap(0).setAttempts(w.attempts()).setResumeFrom(w.resumeFrom()).setEpoch(w.epoch())
            .setOpenDisputes(w.openDisputes()).setSubmittedBlock(uint40(block.number));
    }

    /// @dev Ends a failed attempt of a shard in flight: attempts + 1, then Failed when attempts reach maxAttempts,
    ///      else Cancelled when the task was cancelled, else Pending (resume info kept). Effects on the task only.
    function _endAttempt(Task storage t, PackedShard w)
        internal
        returns (PackedShard next, ShardStatus status)
    {
        t.activeShards -= 1;
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

    /// @dev A Failed shard's event reports what its failure leaves for the client: its max price and dataset fee.
    function _emitEndAttempt(uint256 taskId, uint256 shardIndex, PackedShard next, ShardStatus status)
        internal
    {
        if (status == ShardStatus.Failed) {
            emit ITaskManager.ShardFailed(taskId, shardIndex, _shardReserve(taskId, _tasks[taskId]));
        } else if (status == ShardStatus.Cancelled) {
            emit ITaskManager.ShardCancelled(taskId, shardIndex);
        } else {
            emit ITaskManager.ShardRequeued(
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
            emit ITaskManager.TaskStatusChanged(taskId, old, next);
        }
        uint256 refund = t.escrowRemaining;
        if (refund != 0) {
            // INVARIANT: escrow solvency — a closed task holds nothing: its remaining escrow leaves the sum of
            // escrows before it is transferred back, so no funds stay stuck.
            t.escrowRemaining = 0;
            // forge-lint: disable-next-line(unsafe-typecast): refund is an escrow, < 2^112
            _totals.escrowHeld -= uint128(refund);
            address client = t.client;
            emit ITaskManager.TaskRefunded(taskId, client, refund);
            _token.safeTransfer(client, refund);
        }
    }

    /// @dev The caller must be the node's operator or worker key. The worker key (the usual caller) is
    ///      recognised by its one-slot reverse lookup; anything else falls back to isOperatorOrWorker.
    function _checkNode(uint256 taskId, uint256 shardIndex, uint256 nodeId) internal view {
        uint256 workerOf = _registry.nodeIdOfWorker(msg.sender);
        if (workerOf != 0 && workerOf == nodeId) return;
        if (!_registry.isOperatorOrWorker(nodeId, msg.sender)) {
            revert ITaskManager.NotAssignedNode(taskId, shardIndex, msg.sender);
        }
    }

    /// @dev Always reverts, with the most precise error for a shard that is not in the expected status.
    function _revertShardStatus(uint256 taskId, uint256 shardIndex, PackedShard w) internal view {
        Task storage t = _existingTask(taskId);
        uint256 shardCount = t.shardCount;
        if (shardIndex >= shardCount) revert ITaskManager.ShardOutOfRange(taskId, shardIndex, shardCount);
        revert ITaskManager.InvalidShardStatus(taskId, shardIndex, _effectiveStatus(w.status(), t.status));
    }

    function _existingTask(uint256 taskId) internal view returns (Task storage t) {
        t = _tasks[taskId];
        if (t.status == TaskStatus.None) revert ITaskManager.UnknownTask(taskId);
    }

    function _effectiveStatus(ShardStatus stored, TaskStatus taskStatus) internal pure returns (ShardStatus) {
        return
            stored == ShardStatus.Pending && taskStatus == TaskStatus.Cancelled
                ? ShardStatus.Cancelled
                : stored;
    }

    /// @dev What assignShards and claimShard need of the task of the current run (cached across runs of one task).
    struct AssignContext {
        uint256 taskId;
        uint256 shardCount;
        uint256 maxPrice;
        uint256 minPrice;
        uint256 collateral;
        uint256 added; // shards assigned in this run, added to activeShards by _flushActive
        uint40 deadline;
        uint24 window;
        Tier minTier;
        Resources resources;
    }

    /// @dev Checks that the task takes assignments, moves it Open -> Running, and caches what runs need.
    function _loadAssignContext(uint256 taskId, AssignContext memory ctx) internal {
        Task storage t = _tasks[taskId];
        TaskStatus status = t.status;
        if (status == TaskStatus.None) revert ITaskManager.UnknownTask(taskId);
        if (status != TaskStatus.Open && status != TaskStatus.Running) {
            revert ITaskManager.TaskNotActive(taskId, status);
        }
        if (status == TaskStatus.Open) {
            t.status = TaskStatus.Running;
            emit ITaskManager.TaskStatusChanged(taskId, TaskStatus.Open, TaskStatus.Running);
        }
        uint256 maxPrice = t.maxPricePerShard;
        ctx.taskId = taskId;
        ctx.shardCount = t.shardCount;
        ctx.maxPrice = maxPrice;
        ctx.minPrice = _extra.minShardPrice;
        ctx.collateral = maxPrice * t.collateralRatioBps / BPS;
        ctx.added = 0;
        ctx.deadline = uint40(block.timestamp) + t.maxDuration;
        ctx.window = uint24(_config.challengeWindow);
        ctx.minTier = t.minTier;
        ctx.resources = _resources(t);
    }

    /// @dev Checks `nodeId` for `count` shards of the context's task and locks their collateral in one registry
    ///      call; returns the PriceCodec code of the price each of them pays: the node's ask, raised to
    ///      minShardPrice, at most the task's max price (a later raise of the minimum can put it above).
    function _lockNode(AssignContext memory ctx, uint256 nodeId, uint256 count)
        internal
        returns (uint40 code)
    {
        (Ineligibility reason, uint256 ask) = _registry.lockForAssignment(
            nodeId, ctx.minTier, ctx.resources, ctx.maxPrice, ctx.collateral * count
        );
        if (reason != Ineligibility.None) revert ITaskManager.NodeNotEligible(nodeId, ctx.taskId, reason);
        uint256 price = ask < ctx.minPrice ? ctx.minPrice : ask;
        bool exact;
        if (price > ctx.maxPrice) {
            // minShardPrice was raised above this task's max after it was posted: pay the max (the client's
            // consent), or the ask when the max cannot be stored exactly.
            (code, exact) = PriceCodec.encode(ctx.maxPrice);
            if (exact) return code;
            price = ask;
        }
        (code, exact) = PriceCodec.encode(price);
        // Asks and the minimum are checked when set, so this only guards the invariant.
        if (!exact) revert ITaskManager.InvalidPrice(price);
    }

    /// @dev Assigns one Pending shard of the context's task to `nodeId` at the price `priceCode` (its node was
    ///      checked and locked by `_lockNode`).
    function _assignShard(
        AssignContext memory ctx,
        mapping(uint256 => PackedShard) storage shards,
        uint256 shardIndex,
        uint256 nodeId,
        uint40 priceCode
    ) internal {
        uint256 taskId = ctx.taskId;
        if (shardIndex >= ctx.shardCount) {
            revert ITaskManager.ShardOutOfRange(taskId, shardIndex, ctx.shardCount);
        }
        PackedShard w = shards[shardIndex];
        if (w.status() != ShardStatus.Pending) {
            revert ITaskManager.InvalidShardStatus(taskId, shardIndex, w.status());
        }
        // forge-lint: disable-next-line(unsafe-typecast): node ids stay below 2^32 (NodeRegistry.register)
        w = w.setStatus(ShardStatus.Assigned).setNodeId(uint32(nodeId)).setEpoch(w.epoch() + 1);
        PackedShard next =
            w.setDeadline(ctx.deadline).setWindow(ctx.window).setSubmittedBlock(0).setPriceCode(priceCode);
        shards[shardIndex] = next;
        ctx.added += 1;
        _emitAssigned(taskId, shardIndex, next);
    }

    function _emitAssigned(uint256 taskId, uint256 shardIndex, PackedShard w) internal {
        // resumeManifestCid is only ever set together with a non-zero resumeFrom (a lost dispute).
        bytes32 resumeManifestCid =
            w.resumeFrom() == 0 ? bytes32(0) : _shardData[taskId][shardIndex].resumeManifestCid;
        emit ITaskManager.ShardAssigned(
            taskId,
            shardIndex,
            w.nodeId(),
            w.epoch(),
            w.attempts() + 1,
            w.deadline(),
            w.resumeFrom(),
            resumeManifestCid,
            PriceCodec.decode(w.priceCode())
        );
    }

    /// @dev Adds the shards of the context's run to its task's activeShards.
    function _flushActive(AssignContext memory ctx) internal {
        uint256 added = ctx.added;
        if (added == 0) return;
        Task storage t = _tasks[ctx.taskId];
        // activeShards ≤ shardCount ≤ SHARD_COUNT_CAP: each added shard was Pending.
        t.activeShards = uint16(t.activeShards + added);
        ctx.added = 0;
    }

    /// @dev What the escrow holds for each shard until it is finalized or refunded: its max price and the dataset
    ///      usage fee.
    function _shardReserve(uint256 taskId, Task storage t) internal view returns (uint256) {
        uint256 reserve = t.maxPricePerShard;
        if (t.usesDataset) reserve += _taskDatasets[taskId].feePerShard;
        return reserve;
    }

    function _collateral(Task storage t) internal view returns (uint256) {
        return uint256(t.maxPricePerShard) * t.collateralRatioBps / BPS;
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
        emit ITaskManager.TierFeeSet(tier, feeBps);
    }

    /// @dev Reverts unless the shard holds a submitted result (Submitted or Challenged).
    function _requireResult(uint256 taskId, uint256 shardIndex, PackedShard w) internal view {
        ShardStatus status = w.status();
        if (status != ShardStatus.Submitted && status != ShardStatus.Challenged) {
            _revertShardStatus(taskId, shardIndex, w);
        }
    }

    /// @dev Submitted (so no dispute is open), window over, and the reveal period too after a committed challenge.
    function _finalizable(PackedShard w) internal view returns (bool) {
        if (w.status() != ShardStatus.Submitted) return false;
        uint256 deadline = w.deadline();
        if (w.challengeCommitted()) deadline += _extra.challengeRevealPeriod;
        return block.timestamp > deadline;
    }
}
