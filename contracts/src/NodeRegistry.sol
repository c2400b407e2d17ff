// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";

import {Governed} from "./base/Governed.sol";
import {INodeRegistry} from "./interfaces/INodeRegistry.sol";
import {PriceCodec} from "./libraries/PriceCodec.sol";
import {
    Capabilities,
    Ineligibility,
    NodeStatus,
    NodeView,
    Resources,
    SeatInfo,
    SlashReason,
    Tier,
    TierThreshold
} from "./types/Types.sol";

/// @title Neural node registry
/// @notice Staking, collateral, reputation, tiers, slashing and the enumerable active set of compute nodes.
/// @dev Accounting (see docs/protocol.md):
///      - `stake` is bonded stake and includes `locked`; `unbonding` is on its way out and still slashable.
///      - token balance == Σ (stake + unbonding) == totalStaked (plus any tokens sent here directly).
///      - active set == { status Active, not jailed, stake ≥ minStake }. A change of minStake does not move
///        nodes by itself: `refreshTier` re-syncs one node's tier and active-set membership.
///      - a node is jailed from a slash until `unjail` (allowed once `jailedUntil` has passed).
///      - collateral that a slash takes from `locked` (the clamp to remaining stake) is remembered per node,
///        so the live assignments it backed can still be unlocked without reverting.
///      - the draw weight of a node is its bonded stake while it is in the active set, else zero; the weights
///        live in a Fenwick tree over node ids (`_fenwick`, size nodeCount) kept in step by `_syncActive`.
///      - keys and unbonding stake are frozen while liveCollateral != 0 (a live assignment always locks at
///        least the TaskManager's minCollateral, which is never zero).
///      Amounts are stored in 96 bits (SafeCast on every write), timestamps in 48 bits.
// solhint-disable-next-line max-states-count
contract NodeRegistry is INodeRegistry, Governed, ReentrancyGuardTransient, EIP712 {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using EnumerableSet for EnumerableSet.UintSet;

    /// @notice TaskManager and DisputeManager: lock/unlock collateral, slash, record reputation. Granted once, by
    ///         `setProtocolContracts`; nobody can grant or revoke it afterwards (its admin role has no holder).
    bytes32 public constant PROTOCOL_ROLE = keccak256("PROTOCOL_ROLE");
    /// @notice Admin of PROTOCOL_ROLE and of itself, held by nobody: it seals PROTOCOL_ROLE.
    bytes32 public constant SEALED_ROLE = keccak256("SEALED_ROLE");

    bytes32 internal constant MIN_STAKE = "minStake";
    bytes32 internal constant UNBONDING_PERIOD = "unbondingPeriod";
    bytes32 internal constant JAIL_PERIOD = "jailPeriod";

    uint256 internal constant BPS = 10_000;
    uint256 internal constant TIER_COUNT = 4; // Bronze..Platinum
    uint256 internal constant PERF_BITS = 48; // per tier in _tierPerf: minCompleted (32) | minSuccessBps (16)
    bytes32 internal constant WORKER_CONSENT_TYPEHASH = keccak256(
        "WorkerConsent(address operator,uint256 nodeId,address worker,uint256 nonce,uint256 deadline)"
    );

    /// @dev Field order is the storage layout; keep the slot comments true.
    struct Node {
        // slot 0: everything lockCollateral / unlockCollateral / recordSuccess / recordFailure write
        uint96 stake; // bonded, includes locked
        uint96 locked;
        uint32 completed;
        uint32 failed;
        // slot 1: read and written by settleSuccesses / recordFailure (tier, fees) and read by eligibility checks
        NodeStatus status;
        Tier tier;
        bool active; // mirrors membership of _activeSet
        uint48 jailedUntil; // 0 = not jailed
        uint32 slashCount;
        uint96 feesPaid; // protocol fees of the node's finalized shards: value-weighted reputation
        // slot 2
        address operator;
        uint48 registeredAt;
        uint48 drawChangedAt; // block of the last change of anything a draw reads (see seatInfo)
        // slot 3
        address worker;
        uint96 askPrice;
        // slots 4-5
        Capabilities capabilities;
        // slot 6
        bytes32 metadataCid;
        // slot 7: unstake, withdraw, exit and slashes only
        uint96 unbonding;
        uint48 unbondingReleaseAt;
    }

    IERC20 internal immutable _token;

    // One slot: the parameters.
    uint128 internal _minStake;
    uint64 internal _unbondingPeriod;
    uint64 internal _jailPeriod;

    /// @dev Tier thresholds, index = tier - 1. Min stakes and min fees in two slots each, the rest packed in one.
    uint128[4] internal _tierMinStake;
    uint256 internal _tierPerf;
    uint128[4] internal _tierMinFees;

    uint256 internal _nodeCount;
    uint256 internal _totalStaked;
    mapping(uint256 nodeId => Node) internal _nodes;
    mapping(address worker => uint256 nodeId) internal _nodeIdOfWorker;
    /// @dev Collateral of live assignments that a slash took (clamp of `locked`); consumed by unlocks.
    mapping(uint256 nodeId => uint256) internal _slashedCollateral;
    EnumerableSet.UintSet internal _activeSet;
    /// @dev Fenwick tree of draw weights: _fenwick[i] = Σ weight of nodes (i - lowbit(i), i].
    mapping(uint256 index => uint256) internal _fenwick;
    mapping(uint256 nodeId => uint256) internal _weightOf;
    uint256 internal _totalActiveStake;
    mapping(address worker => uint256) internal _workerNonces;
    bool internal _protocolSet;

    constructor(address token_, address governor) Governed(governor) EIP712("Neural NodeRegistry", "1") {
        if (token_ == address(0) || governor == address(0)) revert ZeroAddress();
        _token = IERC20(token_);
        _setRoleAdmin(PROTOCOL_ROLE, SEALED_ROLE);
        _setRoleAdmin(SEALED_ROLE, SEALED_ROLE);

        _initParameter(MIN_STAKE, 100 ether);
        _initParameter(UNBONDING_PERIOD, 7 days);
        _initParameter(JAIL_PERIOD, 3 days);

        _setTierThreshold(
            Tier.Bronze,
            TierThreshold({minStake: 100 ether, minCompleted: 0, minSuccessBps: 0, minFeesPaid: 0})
        );
        _setTierThreshold(
            Tier.Silver,
            TierThreshold({minStake: 1000 ether, minCompleted: 10, minSuccessBps: 9000, minFeesPaid: 1 ether})
        );
        _setTierThreshold(
            Tier.Gold,
            TierThreshold({
                minStake: 10_000 ether, minCompleted: 100, minSuccessBps: 9500, minFeesPaid: 10 ether
            })
        );
        _setTierThreshold(
            Tier.Platinum,
            TierThreshold({
                minStake: 50_000 ether, minCompleted: 500, minSuccessBps: 9800, minFeesPaid: 50 ether
            })
        );
    }

    // ----------------------------------------------------------------------------------------------
    // Operator
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc INodeRegistry
    /// @dev `stakeAmount` must be at least minStake. Capabilities must be consistent (see
    ///      `_validateCapabilities`). The caller becomes the operator; `worker` may equal the caller.
    function register(
        address worker,
        Capabilities calldata capabilities,
        uint256 askPrice,
        bytes32 metadataCid,
        uint256 stakeAmount,
        uint256 consentDeadline,
        bytes calldata consentSignature
    ) external nonReentrant returns (uint256 nodeId) {
        if (worker == address(0)) revert ZeroAddress();
        uint256 holder = _nodeIdOfWorker[worker];
        if (holder != 0) revert WorkerKeyInUse(worker, holder);
        _validateCapabilities(capabilities);
        _validateAsk(askPrice);
        uint256 minStake = _minStake;
        if (stakeAmount < minStake) revert StakeBelowMinimum(stakeAmount, minStake);
        _useWorkerConsent(0, worker, consentDeadline, consentSignature);

        nodeId = ++_nodeCount;
        // Shards store node ids in 32 bits (PackedShard).
        if (nodeId > type(uint32).max) revert TooManyNodes();
        _fenwickAppend(nodeId);
        Node storage n = _nodes[nodeId];
        n.stake = stakeAmount.toUint96();
        n.status = NodeStatus.Active;
        n.operator = msg.sender;
        n.registeredAt = uint48(block.timestamp);
        n.worker = worker;
        n.askPrice = askPrice.toUint96();
        n.capabilities = capabilities;
        n.metadataCid = metadataCid;
        _nodeIdOfWorker[worker] = nodeId;
        // INVARIANT: totalStaked == Σ (stake + unbonding); the tokens arrive below.
        _totalStaked += stakeAmount;

        emit NodeRegistered(nodeId, msg.sender, worker, capabilities, askPrice, metadataCid, stakeAmount);
        _updateTier(nodeId, n);
        _syncActive(nodeId, n);

        _token.safeTransferFrom(msg.sender, address(this), stakeAmount);
    }

    /// @inheritdoc INodeRegistry
    /// @dev Reverts InvalidNodeStatus for an exited node.
    function updateNode(
        uint256 nodeId,
        Capabilities calldata capabilities,
        uint256 askPrice,
        bytes32 metadataCid
    ) external {
        Node storage n = _operatorNode(nodeId);
        if (n.status == NodeStatus.Exited) revert InvalidNodeStatus(nodeId, uint8(NodeStatus.Exited));
        _validateCapabilities(capabilities);
        _validateAsk(askPrice);
        n.capabilities = capabilities;
        n.askPrice = askPrice.toUint96();
        n.metadataCid = metadataCid;
        _touchDraw(n);
        emit NodeUpdated(nodeId, capabilities, askPrice, metadataCid);
    }

    /// @inheritdoc INodeRegistry
    /// @dev Allowed in every status (an exited node can free its key). The old key is released.
    function setWorker(
        uint256 nodeId,
        address worker,
        uint256 consentDeadline,
        bytes calldata consentSignature
    ) external {
        Node storage n = _operatorNode(nodeId);
        if (worker == address(0)) revert ZeroAddress();
        uint256 holder = _nodeIdOfWorker[worker];
        if (holder != 0) revert WorkerKeyInUse(worker, holder);
        // INVARIANT: the keys recorded when a result was submitted stay the node's keys until that result is
        // settled, so dispute exclusions (submitter, challenger) cannot be dodged by a key change.
        _requireNoLiveShards(nodeId, n);
        _useWorkerConsent(nodeId, worker, consentDeadline, consentSignature);
        address oldWorker = n.worker;
        delete _nodeIdOfWorker[oldWorker];
        _nodeIdOfWorker[worker] = nodeId;
        n.worker = worker;
        _touchDraw(n);
        emit WorkerChanged(nodeId, oldWorker, worker);
    }

    /// @inheritdoc INodeRegistry
    /// @dev Reverts InvalidNodeStatus for an exited node. A jailed or paused node may be topped up.
    function stake(uint256 nodeId, uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        Node storage n = _existingNode(nodeId);
        if (n.status == NodeStatus.Exited) revert InvalidNodeStatus(nodeId, uint8(NodeStatus.Exited));

        uint256 newStake = n.stake + amount;
        n.stake = newStake.toUint96();
        // INVARIANT: totalStaked == Σ (stake + unbonding); the tokens arrive below.
        _totalStaked += amount;

        emit Staked(nodeId, amount, newStake);
        _updateTier(nodeId, n);
        _syncActive(nodeId, n);

        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc INodeRegistry
    function requestUnstake(uint256 nodeId, uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        Node storage n = _operatorNode(nodeId);

        uint256 bonded = n.stake;
        uint256 free = bonded - n.locked;
        // INVARIANT: locked ≤ stake, so only free stake may leave.
        if (amount > free) revert InsufficientFreeStake(nodeId, amount, free);
        // INVARIANT: stake + unbonding is unchanged, so totalStaked and the balance are too.
        uint256 totalUnbonding = n.unbonding + amount;
        uint64 releaseAt = uint64(block.timestamp) + _unbondingPeriod;
        // forge-lint: disable-next-line(unsafe-typecast): amount ≤ free ≤ stake, which is a uint96
        n.stake = uint96(bonded - amount);
        n.unbonding = totalUnbonding.toUint96();
        // forge-lint: disable-next-line(unsafe-typecast): 48-bit timestamps last until the year 8.9 million
        n.unbondingReleaseAt = uint48(releaseAt);

        emit UnstakeRequested(nodeId, amount, totalUnbonding, releaseAt);
        _updateTier(nodeId, n);
        _syncActive(nodeId, n);
    }

    /// @inheritdoc INodeRegistry
    /// @dev Anyone may call it: the tokens always go to the node's operator.
    function withdraw(uint256 nodeId) external nonReentrant returns (uint256 amount) {
        Node storage n = _existingNode(nodeId);
        amount = n.unbonding;
        if (amount == 0) revert NothingToWithdraw(nodeId);
        // INVARIANT: stake never leaves while a result of the node can still be disputed (or a shard of it is
        // still assigned), so a dispute slash always finds the unbonding stake.
        _requireNoLiveShards(nodeId, n);
        uint48 releaseAt = n.unbondingReleaseAt;
        // forge-lint: disable-next-line(block-timestamp): time locks are days long; seconds of drift do not matter
        if (block.timestamp < releaseAt) revert StillUnbonding(nodeId, releaseAt);

        n.unbonding = 0;
        n.unbondingReleaseAt = 0;
        // INVARIANT: totalStaked == Σ (stake + unbonding); the tokens leave below.
        _totalStaked -= amount;
        address operator = n.operator;

        emit Withdrawn(nodeId, operator, amount);
        _token.safeTransfer(operator, amount);
    }

    /// @inheritdoc INodeRegistry
    function pause(uint256 nodeId) external {
        Node storage n = _operatorOrWorkerNode(nodeId);
        NodeStatus status = n.status;
        if (status != NodeStatus.Active) revert InvalidNodeStatus(nodeId, uint8(status));
        n.status = NodeStatus.Paused;
        emit NodePaused(nodeId);
        _syncActive(nodeId, n);
    }

    /// @inheritdoc INodeRegistry
    function resume(uint256 nodeId) external {
        Node storage n = _operatorNode(nodeId);
        NodeStatus status = n.status;
        if (status != NodeStatus.Paused) revert InvalidNodeStatus(nodeId, uint8(status));
        n.status = NodeStatus.Active;
        emit NodeResumed(nodeId);
        _syncActive(nodeId, n);
    }

    /// @inheritdoc INodeRegistry
    /// @dev Allowed from Active or Paused, jailed or not. Restarts the unbonding timer.
    function exit(uint256 nodeId) external {
        Node storage n = _operatorNode(nodeId);
        NodeStatus status = n.status;
        if (status == NodeStatus.Exited) revert InvalidNodeStatus(nodeId, uint8(status));
        uint256 locked = n.locked;
        // INVARIANT: locked ≤ stake; exit empties the bonded stake, so nothing may be locked.
        if (locked != 0) revert CollateralStillLocked(nodeId, locked);

        // INVARIANT: stake + unbonding is unchanged, so totalStaked and the balance are too.
        uint256 totalUnbonding = uint256(n.unbonding) + n.stake;
        uint64 releaseAt = uint64(block.timestamp) + _unbondingPeriod;
        n.stake = 0;
        n.unbonding = totalUnbonding.toUint96();
        // forge-lint: disable-next-line(unsafe-typecast): 48-bit timestamps last until the year 8.9 million
        n.unbondingReleaseAt = uint48(releaseAt);
        n.status = NodeStatus.Exited;

        emit NodeExited(nodeId, totalUnbonding, releaseAt);
        _updateTier(nodeId, n);
        _syncActive(nodeId, n);
    }

    /// @inheritdoc INodeRegistry
    function unjail(uint256 nodeId) external {
        Node storage n = _operatorOrWorkerNode(nodeId);
        uint48 until = n.jailedUntil;
        if (until == 0) revert NodeNotJailed(nodeId);
        // forge-lint: disable-next-line(block-timestamp): time locks are days long; seconds of drift do not matter
        if (block.timestamp < until) revert NodeJailed(nodeId, until);
        n.jailedUntil = 0;
        emit Unjailed(nodeId);
        _syncActive(nodeId, n);
    }

    /// @inheritdoc INodeRegistry
    /// @dev Also re-syncs the node's active-set membership (needed after the governor changes minStake).
    function refreshTier(uint256 nodeId) external {
        Node storage n = _existingNode(nodeId);
        _updateTier(nodeId, n);
        _syncActive(nodeId, n);
    }

    // ----------------------------------------------------------------------------------------------
    // Governor
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc INodeRegistry
    /// @dev Each field must lie between the same field of the tier below and of the tier above (inclusive),
    ///      and minSuccessBps ≤ 10000; otherwise InvalidTierThresholds(tier). Stored tiers follow on
    ///      their next input change or `refreshTier`.
    function setTierThreshold(Tier tier, TierThreshold calldata threshold) external onlyRole(GOVERNOR_ROLE) {
        if (tier == Tier.None || threshold.minSuccessBps > BPS) revert InvalidTierThresholds(tier);
        if (tier > Tier.Bronze) {
            TierThreshold memory lower = _tierThreshold(Tier(uint8(tier) - 1));
            if (
                threshold.minStake < lower.minStake || threshold.minCompleted < lower.minCompleted
                    || threshold.minSuccessBps < lower.minSuccessBps
                    || threshold.minFeesPaid < lower.minFeesPaid
            ) revert InvalidTierThresholds(tier);
        }
        if (tier < Tier.Platinum) {
            TierThreshold memory upper = _tierThreshold(Tier(uint8(tier) + 1));
            if (
                threshold.minStake > upper.minStake || threshold.minCompleted > upper.minCompleted
                    || threshold.minSuccessBps > upper.minSuccessBps
                    || threshold.minFeesPaid > upper.minFeesPaid
            ) revert InvalidTierThresholds(tier);
        }
        _setTierThreshold(tier, threshold);
    }

    /// @inheritdoc INodeRegistry
    /// @dev DEFAULT_ADMIN_ROLE, once (ProtocolContractsAlreadySet afterwards); neither may be the zero address.
    function setProtocolContracts(address taskManager, address disputeManager)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        if (taskManager == address(0) || disputeManager == address(0)) revert ZeroAddress();
        if (_protocolSet) revert ProtocolContractsAlreadySet();
        _protocolSet = true;
        // INVARIANT: PROTOCOL_ROLE (the power to slash and lock stake) belongs to exactly these two contracts,
        // forever: its admin role SEALED_ROLE has no holder and is its own admin.
        _grantRole(PROTOCOL_ROLE, taskManager);
        _grantRole(PROTOCOL_ROLE, disputeManager);
        emit ProtocolContractsSet(taskManager, disputeManager);
    }

    // ----------------------------------------------------------------------------------------------
    // Protocol
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc INodeRegistry
    /// @dev A zero amount is a no-op. Does not check the node's status (the caller checked eligibility);
    ///      an unknown node has no free stake.
    function lockCollateral(uint256 nodeId, uint256 amount) external onlyRole(PROTOCOL_ROLE) {
        _lock(nodeId, _nodes[nodeId], amount);
    }

    /// @inheritdoc INodeRegistry
    /// @dev See `_unlock`.
    function unlockCollateral(uint256 nodeId, uint256 amount) external onlyRole(PROTOCOL_ROLE) {
        _unlock(nodeId, _nodes[nodeId], amount);
    }

    /// @inheritdoc INodeRegistry
    /// @dev Any amount (zero included) jails the node until now + jailPeriod (or later if already jailed
    ///      longer) and counts a slash. Tokens go to `recipient` last.
    function slash(uint256 nodeId, uint256 amount, address recipient, SlashReason reason)
        external
        nonReentrant
        onlyRole(PROTOCOL_ROLE)
        returns (uint256 slashed)
    {
        if (recipient == address(0)) revert ZeroAddress();
        Node storage n = _existingNode(nodeId);

        uint256 bonded = n.stake;
        uint256 unbonding = n.unbonding;
        // INVARIANT: a slash never takes more than the node holds (stake + unbonding): bonded stake
        // first, then unbonding, each capped at what is there.
        uint256 fromBonded = Math.min(amount, bonded);
        uint256 fromUnbonding = Math.min(amount - fromBonded, unbonding);
        slashed = fromBonded + fromUnbonding;
        bonded -= fromBonded;
        // forge-lint: disable-next-line(unsafe-typecast): bonded only decreased
        n.stake = uint96(bonded);
        // forge-lint: disable-next-line(unsafe-typecast): fromUnbonding ≤ unbonding, a uint96
        if (fromUnbonding != 0) n.unbonding = uint96(unbonding - fromUnbonding);

        _clampLocked(nodeId, n, bonded);

        // INVARIANT: totalStaked == Σ (stake + unbonding); the tokens leave below.
        _totalStaked -= slashed;

        uint256 until = block.timestamp + _jailPeriod;
        uint48 jailedUntil = n.jailedUntil;
        if (until > jailedUntil) {
            // forge-lint: disable-next-line(unsafe-typecast): 48-bit timestamps last until the year 8.9 million
            jailedUntil = uint48(until);
            n.jailedUntil = jailedUntil;
        }
        uint32 slashCount = n.slashCount + 1;
        n.slashCount = slashCount;

        emit Slashed(nodeId, slashed, recipient, reason);
        emit Jailed(nodeId, jailedUntil);
        emit ReputationUpdated(nodeId, n.completed, n.failed, slashCount, n.feesPaid);
        _updateTier(nodeId, n);
        _syncActive(nodeId, n);

        if (slashed != 0) _token.safeTransfer(recipient, slashed);
    }

    /// @inheritdoc INodeRegistry
    /// @dev Same checks as `eligibility`; locks nothing (and returns the reason) when one fails.
    function lockForAssignment(
        uint256 nodeId,
        Tier minTier,
        Resources calldata resources,
        uint256 maxPrice,
        uint256 collateral
    ) external onlyRole(PROTOCOL_ROLE) returns (Ineligibility reason, uint256 askPrice) {
        Node storage n = _nodes[nodeId];
        reason = _eligibility(n, minTier, resources, maxPrice, collateral);
        if (reason != Ineligibility.None) return (reason, 0);
        askPrice = n.askPrice;
        _lock(nodeId, n, collateral);
    }

    /// @inheritdoc INodeRegistry
    function settleSuccesses(uint256 nodeId, uint256 count, uint256 collateral, uint256 feesPaid)
        external
        onlyRole(PROTOCOL_ROLE)
        returns (address operator)
    {
        Node storage n = _existingNode(nodeId);
        _unlock(nodeId, n, collateral);
        uint256 completed = n.completed + count;
        n.completed = completed.toUint32();
        uint256 fees = n.feesPaid + feesPaid;
        n.feesPaid = fees.toUint96();
        emit ReputationUpdated(nodeId, completed, n.failed, n.slashCount, fees);
        _updateTier(nodeId, n);
        return n.operator;
    }

    /// @inheritdoc INodeRegistry
    function recordFailure(uint256 nodeId) external onlyRole(PROTOCOL_ROLE) {
        Node storage n = _existingNode(nodeId);
        uint32 failed = n.failed + 1;
        n.failed = failed;
        emit ReputationUpdated(nodeId, n.completed, failed, n.slashCount, n.feesPaid);
        _updateTier(nodeId, n);
    }

    // ----------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc INodeRegistry
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc INodeRegistry
    function nodeCount() external view returns (uint256) {
        return _nodeCount;
    }

    /// @inheritdoc INodeRegistry
    /// @dev Reverts UnknownNode for an id that was never registered.
    function getNode(uint256 nodeId) external view returns (NodeView memory v) {
        Node storage n = _existingNode(nodeId);
        v.operator = n.operator;
        v.worker = n.worker;
        v.status = n.status;
        v.tier = n.tier;
        v.active = n.active;
        v.registeredAt = n.registeredAt;
        v.jailedUntil = n.jailedUntil;
        v.unbondingReleaseAt = n.unbondingReleaseAt;
        v.stake = n.stake;
        v.locked = n.locked;
        v.unbonding = n.unbonding;
        v.askPrice = n.askPrice;
        v.completed = n.completed;
        v.failed = n.failed;
        v.slashCount = n.slashCount;
        v.feesPaid = n.feesPaid;
        v.metadataCid = n.metadataCid;
        v.capabilities = n.capabilities;
    }

    /// @inheritdoc INodeRegistry
    /// @dev Reverts UnknownNode for an id that was never registered.
    function operatorOf(uint256 nodeId) external view returns (address) {
        return _existingNode(nodeId).operator;
    }

    /// @inheritdoc INodeRegistry
    function nodeIdOfWorker(address worker) external view returns (uint256) {
        return _nodeIdOfWorker[worker];
    }

    /// @inheritdoc INodeRegistry
    /// @dev False for unknown nodes and for the zero address.
    function isOperatorOrWorker(uint256 nodeId, address account) external view returns (bool) {
        if (account == address(0)) return false;
        Node storage n = _nodes[nodeId];
        return account == n.operator || account == n.worker;
    }

    /// @inheritdoc INodeRegistry
    function freeStake(uint256 nodeId) external view returns (uint256) {
        Node storage n = _nodes[nodeId];
        return n.stake - n.locked;
    }

    /// @inheritdoc INodeRegistry
    function tierOf(uint256 nodeId) external view returns (Tier) {
        return _nodes[nodeId].tier;
    }

    /// @inheritdoc INodeRegistry
    function computeTier(uint256 stakeAmount, uint256 completed, uint256 failed, uint256 feesPaid)
        external
        view
        returns (Tier)
    {
        return _computeTier(stakeAmount, completed, failed, feesPaid);
    }

    /// @inheritdoc INodeRegistry
    /// @dev Tier.None returns all zeros.
    function tierThreshold(Tier tier) external view returns (TierThreshold memory) {
        if (tier == Tier.None) return TierThreshold(0, 0, 0, 0);
        return _tierThreshold(tier);
    }

    /// @inheritdoc INodeRegistry
    function isEligible(
        uint256 nodeId,
        Tier minTier,
        Resources calldata resources,
        uint256 price,
        uint256 collateral
    ) external view returns (bool) {
        return _eligibility(_nodes[nodeId], minTier, resources, price, collateral) == Ineligibility.None;
    }

    /// @inheritdoc INodeRegistry
    function eligibility(
        uint256 nodeId,
        Tier minTier,
        Resources calldata resources,
        uint256 maxPrice,
        uint256 collateral
    ) external view returns (Ineligibility) {
        return _eligibility(_nodes[nodeId], minTier, resources, maxPrice, collateral);
    }

    /// @inheritdoc INodeRegistry
    function isActive(uint256 nodeId) external view returns (bool) {
        return _nodes[nodeId].active;
    }

    /// @inheritdoc INodeRegistry
    function activeNodeCount() external view returns (uint256) {
        return _activeSet.length();
    }

    /// @inheritdoc INodeRegistry
    /// @dev The order changes when nodes leave the set (swap-and-pop).
    function activeNodeAt(uint256 index) external view returns (uint256 nodeId) {
        uint256 length = _activeSet.length();
        if (index >= length) revert IndexOutOfBounds(index, length);
        return _activeSet.at(index);
    }

    /// @inheritdoc INodeRegistry
    function totalStaked() external view returns (uint256) {
        return _totalStaked;
    }

    /// @inheritdoc INodeRegistry
    function totalActiveStake() external view returns (uint256) {
        return _totalActiveStake;
    }

    /// @inheritdoc INodeRegistry
    /// @dev Fenwick descent: the largest prefix of node ids whose weight sum is <= point, plus one.
    function drawActiveNode(uint256 point) external view returns (uint256 nodeId) {
        uint256 total = _totalActiveStake;
        if (point >= total) revert DrawOutOfRange(point, total);
        uint256 n = _nodeCount;
        uint256 step = 1;
        while (step << 1 <= n) step <<= 1;
        uint256 pos;
        for (; step != 0; step >>= 1) {
            uint256 next = pos + step;
            if (next > n) continue;
            uint256 w = _fenwick[next];
            if (w <= point) {
                pos = next;
                point -= w;
            }
        }
        return pos + 1;
    }

    /// @inheritdoc INodeRegistry
    function seatInfo(uint256 nodeId) external view returns (SeatInfo memory info) {
        Node storage n = _nodes[nodeId];
        info.operator = n.operator;
        info.worker = n.worker;
        info.tier = n.tier;
        info.active = n.active;
        info.registeredAt = n.registeredAt;
        info.stake = n.stake;
        info.drawChangedAt = n.drawChangedAt;
    }

    /// @inheritdoc INodeRegistry
    function liveCollateral(uint256 nodeId) external view returns (uint256) {
        return uint256(_nodes[nodeId].locked) + _slashedCollateral[nodeId];
    }

    /// @inheritdoc INodeRegistry
    function workerNonce(address worker) external view returns (uint256) {
        return _workerNonces[worker];
    }

    /// @inheritdoc INodeRegistry
    function workerConsentDigest(
        address operator,
        uint256 nodeId,
        address worker,
        uint256 nonce,
        uint256 deadline
    ) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(abi.encode(WORKER_CONSENT_TYPEHASH, operator, nodeId, worker, nonce, deadline))
        );
    }

    // ----------------------------------------------------------------------------------------------
    // Parameters (Governed hooks)
    // ----------------------------------------------------------------------------------------------

    function _parameterBounds(bytes32 name) internal pure override returns (uint256 min, uint256 max) {
        if (name == MIN_STAKE) return (1 ether, 1e9 ether);
        if (name == UNBONDING_PERIOD) return (1 hours, 90 days);
        if (name == JAIL_PERIOD) return (1 hours, 365 days);
        revert UnknownParameter(name);
    }

    function _getParameter(bytes32 name) internal view override returns (uint256) {
        if (name == MIN_STAKE) return _minStake;
        if (name == UNBONDING_PERIOD) return _unbondingPeriod;
        if (name == JAIL_PERIOD) return _jailPeriod;
        revert UnknownParameter(name);
    }

    /// @dev Values are inside the bounds, so the casts are safe.
    function _setParameter(bytes32 name, uint256 value) internal override {
        // forge-lint: disable-next-line(unsafe-typecast): the bounds cap the value far below the type's maximum
        if (name == MIN_STAKE) _minStake = uint128(value);
        // forge-lint: disable-next-line(unsafe-typecast): the bounds cap the value far below the type's maximum
        else if (name == UNBONDING_PERIOD) _unbondingPeriod = uint64(value);
        // forge-lint: disable-next-line(unsafe-typecast): the bounds cap the value far below the type's maximum
        else if (name == JAIL_PERIOD) _jailPeriod = uint64(value);
        else revert UnknownParameter(name);
    }

    // ----------------------------------------------------------------------------------------------
    // Internal
    // ----------------------------------------------------------------------------------------------

    function _existingNode(uint256 nodeId) internal view returns (Node storage n) {
        n = _nodes[nodeId];
        if (n.status == NodeStatus.None) revert UnknownNode(nodeId);
    }

    function _operatorNode(uint256 nodeId) internal view returns (Node storage n) {
        n = _existingNode(nodeId);
        if (msg.sender != n.operator) revert NotNodeOperator(nodeId, msg.sender);
    }

    function _operatorOrWorkerNode(uint256 nodeId) internal view returns (Node storage n) {
        n = _existingNode(nodeId);
        if (msg.sender != n.operator && msg.sender != n.worker) {
            revert NotNodeOperatorOrWorker(nodeId, msg.sender);
        }
    }

    /// @dev At least one CPU core and some memory; GPUs either absent (count, VRAM and model all zero) or
    ///      fully described (count, VRAM and model all non-zero).
    function _validateCapabilities(Capabilities calldata c) internal pure {
        if (c.cpuCores == 0 || c.memoryMiB == 0) revert InvalidCapabilities();
        bool hasGpu = c.gpuCount != 0;
        if (hasGpu != (c.vramMiB != 0) || hasGpu != (c.gpuModel != bytes32(0))) revert InvalidCapabilities();
    }

    /// @dev The first check `n` fails for a shard of these requirements, in Ineligibility's order; None if none.
    ///      Unknown nodes are NotActive.
    function _eligibility(
        Node storage n,
        Tier minTier,
        Resources calldata resources,
        uint256 maxPrice,
        uint256 collateral
    ) internal view returns (Ineligibility) {
        if (!n.active) return Ineligibility.NotActive;
        if (n.tier < minTier) return Ineligibility.TierTooLow;
        Capabilities storage c = n.capabilities;
        if (c.gpuCount < resources.gpus) return Ineligibility.NotEnoughGpus;
        if (c.vramMiB < resources.vramMiB) return Ineligibility.NotEnoughVram;
        if (c.cpuCores < resources.cpus) return Ineligibility.NotEnoughCpus;
        if (c.memoryMiB < resources.memoryMiB) return Ineligibility.NotEnoughMemory;
        if (n.askPrice > maxPrice) return Ineligibility.AskAboveMaxPrice;
        if (uint256(n.stake) - n.locked < collateral) return Ineligibility.InsufficientFreeStake;
        return Ineligibility.None;
    }

    /// @dev Locks `amount` of the node's free stake; a zero amount is a no-op. INVARIANT: locked ≤ stake.
    function _lock(uint256 nodeId, Node storage n, uint256 amount) internal {
        if (amount == 0) return;
        uint256 locked = n.locked;
        uint256 free = n.stake - locked;
        if (amount > free) revert InsufficientFreeStake(nodeId, amount, free);
        locked += amount;
        // forge-lint: disable-next-line(unsafe-typecast): amount ≤ free, so locked ≤ stake, a uint96
        n.locked = uint96(locked);
        emit CollateralLocked(nodeId, amount, locked);
    }

    /// @dev A zero amount is a no-op. When a slash has clamped `locked`, the collateral it cut away is still
    ///      owed to the assignments it backed (`_slashedCollateral`). An unlock draws on that first and only
    ///      then on `locked`: the registry cannot tell which assignment an unlock belongs to, and drawing on
    ///      the slashed part first never frees stake that backs an assignment made after the slash.
    ///      Reverts InsufficientLockedCollateral (with locked + slashed collateral as the available amount)
    ///      when even both do not cover it.
    function _unlock(uint256 nodeId, Node storage n, uint256 amount) internal {
        if (amount == 0) return;
        uint256 locked = n.locked;
        // Only a slash creates slashed collateral: a node never slashed skips the mapping's cold read.
        uint256 slashedCollateral = n.slashCount == 0 ? 0 : _slashedCollateral[nodeId];
        // INVARIANT: locked + slashed collateral == Σ collateral of live assignments, so an unlock never
        // exceeds it, and locked stays ≥ the collateral of every assignment made after the last clamp.
        if (amount > locked + slashedCollateral) {
            revert InsufficientLockedCollateral(nodeId, amount, locked + slashedCollateral);
        }
        uint256 fromLocked = amount;
        if (slashedCollateral != 0) {
            uint256 fromSlashed = amount < slashedCollateral ? amount : slashedCollateral;
            _slashedCollateral[nodeId] = slashedCollateral - fromSlashed;
            fromLocked -= fromSlashed;
        }
        locked -= fromLocked;
        // forge-lint: disable-next-line(unsafe-typecast): locked only decreased
        n.locked = uint96(locked);
        emit CollateralUnlocked(nodeId, amount, locked);
    }

    /// @dev After a slash left `bonded` stake. INVARIANT: locked ≤ stake; the collateral cut away is remembered
    ///      for the assignments it backed.
    function _clampLocked(uint256 nodeId, Node storage n, uint256 bonded) internal {
        uint256 locked = n.locked;
        if (locked <= bonded) return;
        uint256 owed = _slashedCollateral[nodeId] + locked - bonded;
        _slashedCollateral[nodeId] = owed;
        // forge-lint: disable-next-line(unsafe-typecast): bonded < locked, a uint96
        n.locked = uint96(bonded);
        emit CollateralClamped(nodeId, bonded, owed);
    }

    /// @dev Asks are locked into shards exactly (PriceCodec): at most 9 significant decimal digits.
    function _validateAsk(uint256 askPrice) internal pure {
        if (askPrice > type(uint96).max || !PriceCodec.isExact(askPrice)) revert InvalidAskPrice(askPrice);
    }

    /// @dev Stores a node's tier from its current inputs and emits TierChanged when it moves.
    function _updateTier(uint256 nodeId, Node storage n) internal {
        Tier oldTier = n.tier;
        Tier newTier = _computeTier(n.stake, n.completed, n.failed, n.feesPaid);
        if (newTier != oldTier) {
            n.tier = newTier;
            _touchDraw(n);
            emit TierChanged(nodeId, oldTier, newTier);
        }
    }

    /// @dev Records that something a committee or audit draw reads changed now (weight, active, tier, keys, offer).
    ///      Draws seeded by a later block ignore the node, so nobody can change its own eligibility or weight after
    ///      learning a seed.
    function _touchDraw(Node storage n) internal {
        // forge-lint: disable-next-line(unsafe-typecast): block numbers fit 48 bits for billions of years
        n.drawChangedAt = uint48(block.number);
    }

    /// @dev Enters or leaves the active set so that membership == (Active && not jailed && stake ≥ minStake),
    ///      then sets the node's draw weight to its bonded stake while active, zero otherwise.
    function _syncActive(uint256 nodeId, Node storage n) internal {
        // INVARIANT: active set membership == (status Active && not jailed && stake ≥ minStake).
        bool shouldBeActive = n.status == NodeStatus.Active && n.jailedUntil == 0 && n.stake >= _minStake;
        if (shouldBeActive != n.active) {
            n.active = shouldBeActive;
            _touchDraw(n);
            if (shouldBeActive) _activeSet.add(nodeId);
            else _activeSet.remove(nodeId);
            emit ActiveSetChanged(nodeId, shouldBeActive, _activeSet.length());
        }
        // INVARIANT: weight(node) == (active ? stake : 0) and totalActiveStake == Σ weight.
        uint256 weight = shouldBeActive ? n.stake : 0;
        uint256 old = _weightOf[nodeId];
        if (weight == old) return;
        _weightOf[nodeId] = weight;
        _touchDraw(n);
        uint256 count = _nodeCount;
        if (weight > old) {
            uint256 delta = weight - old;
            _totalActiveStake += delta;
            for (uint256 i = nodeId; i <= count; i += i & (~i + 1)) {
                _fenwick[i] += delta;
            }
        } else {
            uint256 delta = old - weight;
            _totalActiveStake -= delta;
            for (uint256 i = nodeId; i <= count; i += i & (~i + 1)) {
                _fenwick[i] -= delta;
            }
        }
    }

    /// @dev Grows the Fenwick tree to `index` (the new nodeCount): its cell covers (index - lowbit, index], whose
    ///      older members' weights are the difference of two prefix sums.
    function _fenwickAppend(uint256 index) internal {
        uint256 low = index & (~index + 1);
        if (low == 1) return; // covers only itself, weight still zero
        uint256 sum = _prefix(index - 1) - _prefix(index - low);
        if (sum != 0) _fenwick[index] = sum;
    }

    function _prefix(uint256 index) internal view returns (uint256 sum) {
        for (uint256 i = index; i != 0; i &= i - 1) {
            sum += _fenwick[i];
        }
    }

    function _requireNoLiveShards(uint256 nodeId, Node storage n) internal view {
        uint256 live = uint256(n.locked) + _slashedCollateral[nodeId];
        if (live != 0) revert NodeHasLiveShards(nodeId, live);
    }

    /// @dev Checks and consumes the worker's consent to serve `nodeId` (0: a registration) for msg.sender.
    function _useWorkerConsent(uint256 nodeId, address worker, uint256 deadline, bytes calldata signature)
        internal
    {
        if (worker == msg.sender) return;
        // forge-lint: disable-next-line(block-timestamp): consent deadlines are minutes to days long
        if (block.timestamp > deadline) revert WorkerConsentExpired(deadline);
        uint256 nonce = _workerNonces[worker];
        bytes32 digest = workerConsentDigest(msg.sender, nodeId, worker, nonce, deadline);
        if (!SignatureChecker.isValidSignatureNow(worker, digest, signature)) {
            revert InvalidWorkerConsent(worker);
        }
        _workerNonces[worker] = nonce + 1;
    }

    /// @dev Highest tier whose three thresholds are met. Thresholds never decrease with tier, so the first
    ///      tier missed ends the walk. Performance thresholds are checked before the stake slot is read.
    function _computeTier(uint256 stakeAmount, uint256 completed, uint256 failed, uint256 feesPaid)
        internal
        view
        returns (Tier t)
    {
        uint256 perf = _tierPerf;
        for (uint256 i; i < TIER_COUNT; ++i) {
            uint256 p = perf >> (i * PERF_BITS);
            // forge-lint: disable-next-line(unsafe-typecast): each tier's field is exactly 16 bits of the packed word
            uint256 minSuccessBps = uint16(p >> 32);
            // forge-lint: disable-next-line(unsafe-typecast): each tier's field is exactly 32 bits of the packed word
            if (completed < uint32(p) || !_meetsSuccessRate(completed, failed, minSuccessBps)) break;
            if (stakeAmount < _tierMinStake[i]) break;
            if (feesPaid < _tierMinFees[i]) break;
            t = Tier(i + 1);
        }
    }

    /// @dev completed / (completed + failed) ≥ minSuccessBps / 10000, with 100% when both are zero. Computed
    ///      as completed × (10000 − bps) ≥ failed × bps in 512 bits, so exact for any uint256 inputs.
    function _meetsSuccessRate(uint256 completed, uint256 failed, uint256 minSuccessBps)
        internal
        pure
        returns (bool)
    {
        (uint256 hiA, uint256 loA) = Math.mul512(completed, BPS - minSuccessBps);
        (uint256 hiB, uint256 loB) = Math.mul512(failed, minSuccessBps);
        return hiA > hiB || (hiA == hiB && loA >= loB);
    }

    function _tierThreshold(Tier tier) internal view returns (TierThreshold memory) {
        uint256 i = uint256(tier) - 1;
        uint256 p = _tierPerf >> (i * PERF_BITS);
        // forge-lint: disable-next-line(unsafe-typecast): exactly the 32-bit field of the packed word
        uint32 minCompleted = uint32(p);
        // forge-lint: disable-next-line(unsafe-typecast): exactly the 16-bit field of the packed word
        uint16 minSuccessBps = uint16(p >> 32);
        return TierThreshold({
            minStake: _tierMinStake[i],
            minCompleted: minCompleted,
            minSuccessBps: minSuccessBps,
            minFeesPaid: _tierMinFees[i]
        });
    }

    function _setTierThreshold(Tier tier, TierThreshold memory threshold) internal {
        uint256 i = uint256(tier) - 1;
        uint256 shift = i * PERF_BITS;
        uint256 packed = uint256(threshold.minCompleted) | (uint256(threshold.minSuccessBps) << 32);
        _tierMinStake[i] = threshold.minStake;
        _tierMinFees[i] = threshold.minFeesPaid;
        _tierPerf = (_tierPerf & ~(uint256(type(uint48).max) << shift)) | (packed << shift);
        emit TierThresholdSet(
            tier, threshold.minStake, threshold.minCompleted, threshold.minSuccessBps, threshold.minFeesPaid
        );
    }
}
