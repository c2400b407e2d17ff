// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {
    Capabilities,
    Ineligibility,
    NodeView,
    Resources,
    SeatInfo,
    SlashReason,
    Tier,
    TierThreshold
} from "../types/Types.sol";
import {IParameters} from "./IParameters.sol";

/// @title Node registry: staking, collateral, reputation, tiers, slashing and the active set
/// @notice An operator (cold wallet) registers a node with a worker (hot) key that signs day-to-day calls.
///         Bonded stake backs assignments (collateral is locked per assignment); unbonding stake stays
///         slashable until withdrawn. A slash jails the node and drops it from the active set.
///         A worker key consents to serving a node with an EIP-712 signature (domain name "Neural NodeRegistry",
///         version "1", this chain and contract) over
///         WorkerConsent(address operator,uint256 nodeId,address worker,uint256 nonce,uint256 deadline), nodeId 0 for
///         a registration; the nonce is the worker's `workerNonce`. No signature is needed when the worker is the
///         operator itself. While a node holds live assignments (collateral locked: assigned, submitted, or
///         challenged shards) its keys are frozen and its unbonding stake cannot be withdrawn.
///         `seatInfo` gives a draw what it needs of one node, with `drawChangedAt`, the block of the last change
///         of its weight, state, tier, keys or offer: the Sortition's committee and audit draws skip nodes changed
///         after their seed was fixed. The active stakes are also kept in a Fenwick (sum) tree
///         (`totalActiveStake`, `drawActiveNode(point)` in O(log n)) for stake-weighted sampling by off-chain
///         services; on-chain draws do not use it, because a tree read at draw time moves with every stake change.
///         Reputation is value-weighted: besides completed / failed counts, a node accrues `feesPaid`, the protocol
///         fees its finalized shards paid, and each tier needs a minimum of it (TierThreshold.minFeesPaid) — so a tier
///         cannot be farmed with self-dealt dust tasks: it costs at least that much in fees, whichever wallets post.
///         An askPrice has at most 9 significant decimal digits (it is locked into shards exactly; InvalidAskPrice).
/// @dev Parameters (IParameters): "minStake", "unbondingPeriod", "jailPeriod".
///      Roles: GOVERNOR_ROLE (parameters, tier thresholds), PROTOCOL_ROLE (TaskManager, DisputeManager; granted once
///      by setProtocolContracts and sealed: no account can grant or revoke it afterwards).
interface INodeRegistry is IParameters {
    // ----------------------------------------------------------------------------------------------
    // Errors
    // ----------------------------------------------------------------------------------------------
    error ZeroAddress();
    error ZeroAmount();
    error UnknownNode(uint256 nodeId);
    /// @notice Caller is neither the node's operator nor (where allowed) its worker key.
    error NotNodeOperator(uint256 nodeId, address caller);
    error NotNodeOperatorOrWorker(uint256 nodeId, address caller);
    error WorkerKeyInUse(address worker, uint256 nodeId);
    error StakeBelowMinimum(uint256 stake, uint256 minStake);
    error InsufficientFreeStake(uint256 nodeId, uint256 requested, uint256 free);
    error InsufficientLockedCollateral(uint256 nodeId, uint256 requested, uint256 locked);
    error NothingToWithdraw(uint256 nodeId);
    error StillUnbonding(uint256 nodeId, uint64 releaseAt);
    error InvalidNodeStatus(uint256 nodeId, uint8 status);
    error NodeJailed(uint256 nodeId, uint64 until);
    error NodeNotJailed(uint256 nodeId);
    error CollateralStillLocked(uint256 nodeId, uint256 locked);
    error InvalidCapabilities();
    error InvalidTierThresholds(Tier tier);
    error IndexOutOfBounds(uint256 index, uint256 length);
    /// @notice The worker key did not sign WorkerConsent for this operator, node and nonce (or signed another).
    error InvalidWorkerConsent(address worker);
    error WorkerConsentExpired(uint256 deadline);
    /// @notice The node holds live assignments (`liveCollateral` locked or owed to them): its keys are frozen and
    ///         its stake cannot leave until they settle.
    error NodeHasLiveShards(uint256 nodeId, uint256 liveCollateral);
    /// @notice An askPrice needs more than 9 significant decimal digits (or 96 bits): use e.g. 1.5e18, not 1.5e18 + 1.
    error InvalidAskPrice(uint256 askPrice);
    /// @notice Node ids are stored in 32 bits by the TaskManager.
    error TooManyNodes();
    error ProtocolContractsAlreadySet();
    /// @notice `point` must be below totalActiveStake.
    error DrawOutOfRange(uint256 point, uint256 totalActiveStake);

    // ----------------------------------------------------------------------------------------------
    // Events
    // ----------------------------------------------------------------------------------------------
    event NodeRegistered(
        uint256 indexed nodeId,
        address indexed operator,
        address indexed worker,
        Capabilities capabilities,
        uint256 askPrice,
        bytes32 metadataCid,
        uint256 stake
    );
    event NodeUpdated(
        uint256 indexed nodeId, Capabilities capabilities, uint256 askPrice, bytes32 metadataCid
    );
    event WorkerChanged(uint256 indexed nodeId, address indexed oldWorker, address indexed newWorker);
    event Staked(uint256 indexed nodeId, uint256 amount, uint256 newStake);
    event UnstakeRequested(uint256 indexed nodeId, uint256 amount, uint256 totalUnbonding, uint64 releaseAt);
    event Withdrawn(uint256 indexed nodeId, address indexed to, uint256 amount);
    event NodePaused(uint256 indexed nodeId);
    event NodeResumed(uint256 indexed nodeId);
    event NodeExited(uint256 indexed nodeId, uint256 unbonding, uint64 releaseAt);
    /// @notice The node entered (`active` true) or left the enumerable active set.
    event ActiveSetChanged(uint256 indexed nodeId, bool active, uint256 activeCount);
    event CollateralLocked(uint256 indexed nodeId, uint256 amount, uint256 totalLocked);
    event CollateralUnlocked(uint256 indexed nodeId, uint256 amount, uint256 totalLocked);
    /// @notice `amount` left the node's stake (bonded first, then unbonding) and went to `recipient`.
    event Slashed(uint256 indexed nodeId, uint256 amount, address indexed recipient, SlashReason reason);
    event Jailed(uint256 indexed nodeId, uint64 until);
    event Unjailed(uint256 indexed nodeId);
    event ReputationUpdated(
        uint256 indexed nodeId, uint256 completed, uint256 failed, uint256 slashCount, uint256 feesPaid
    );
    event TierChanged(uint256 indexed nodeId, Tier oldTier, Tier newTier);
    event TierThresholdSet(
        Tier indexed tier, uint256 minStake, uint32 minCompleted, uint16 minSuccessBps, uint256 minFeesPaid
    );
    /// @notice A slash left the node less bonded stake than it had locked: `locked` is now all of it, and `owed` is the
    ///         collateral the clamp cut away that its live assignments still account for (see liveCollateral).
    event CollateralClamped(uint256 indexed nodeId, uint256 locked, uint256 owed);
    event ProtocolContractsSet(address indexed taskManager, address indexed disputeManager);

    // ----------------------------------------------------------------------------------------------
    // Operator
    // ----------------------------------------------------------------------------------------------

    /// @notice Registers a node and bonds `stakeAmount` NRL (approve first). Returns the new node id (from 1).
    ///         `consentSignature` is the worker's WorkerConsent for (msg.sender, 0, worker, workerNonce(worker),
    ///         consentDeadline); empty when `worker == msg.sender`.
    function register(
        address worker,
        Capabilities calldata capabilities,
        uint256 askPrice,
        bytes32 metadataCid,
        uint256 stakeAmount,
        uint256 consentDeadline,
        bytes calldata consentSignature
    ) external returns (uint256 nodeId);

    /// @notice Updates what the node offers. Operator only.
    function updateNode(
        uint256 nodeId,
        Capabilities calldata capabilities,
        uint256 askPrice,
        bytes32 metadataCid
    ) external;

    /// @notice Rotates the worker (hot) key with the new key's WorkerConsent for (operator, nodeId, worker,
    ///         workerNonce(worker), consentDeadline) (empty when the worker is the operator). Operator only;
    ///         reverts NodeHasLiveShards while the node holds live assignments.
    function setWorker(
        uint256 nodeId,
        address worker,
        uint256 consentDeadline,
        bytes calldata consentSignature
    ) external;

    /// @notice Adds bonded stake. Anyone may top up a node; tokens come from the caller.
    function stake(uint256 nodeId, uint256 amount) external;

    /// @notice Moves free (unlocked) bonded stake into unbonding; restarts the unbonding timer. Operator only.
    function requestUnstake(uint256 nodeId, uint256 amount) external;

    /// @notice Pays out the unbonding amount to the operator once the unbonding period has passed and the node
    ///         holds no live assignments (NodeHasLiveShards otherwise).
    function withdraw(uint256 nodeId) external returns (uint256 amount);

    /// @notice Leaves the active set; live assignments continue. Operator or worker.
    function pause(uint256 nodeId) external;

    /// @notice Returns a paused node to the active set. Operator only.
    function resume(uint256 nodeId) external;

    /// @notice Leaves for good: requires no locked collateral; all stake starts unbonding. Operator only.
    function exit(uint256 nodeId) external;

    /// @notice Returns a node whose jail period has passed to the active set. Operator or worker.
    function unjail(uint256 nodeId) external;

    /// @notice Recomputes a node's tier (after the governor changes thresholds). Anyone.
    function refreshTier(uint256 nodeId) external;

    // ----------------------------------------------------------------------------------------------
    // Governor
    // ----------------------------------------------------------------------------------------------

    /// @notice Sets the thresholds of one tier (Bronze..Platinum). Thresholds must not decrease with tier.
    function setTierThreshold(Tier tier, TierThreshold calldata threshold) external;

    /// @notice Grants PROTOCOL_ROLE to the TaskManager and the DisputeManager. Admin only, once: the role is sealed
    ///         (its admin role has no holder), so nobody can grant the power to slash to anyone else later.
    function setProtocolContracts(address taskManager, address disputeManager) external;

    // ----------------------------------------------------------------------------------------------
    // Protocol (PROTOCOL_ROLE)
    // ----------------------------------------------------------------------------------------------

    function lockCollateral(uint256 nodeId, uint256 amount) external;
    function unlockCollateral(uint256 nodeId, uint256 amount) external;

    /// @notice Takes up to `amount` from bonded stake, then unbonding, sends it to `recipient`, jails the
    ///         node and drops it from the active set. Locked collateral is clamped to what stays bonded.
    /// @return slashed The amount actually taken (less than `amount` when the node has less).
    function slash(uint256 nodeId, uint256 amount, address recipient, SlashReason reason)
        external
        returns (uint256 slashed);

    /// @notice One assignment batch's check and lock: the node's first failed condition (see `eligibility`), and when
    ///         there is none, `collateral` is locked and the node's askPrice returned.
    function lockForAssignment(
        uint256 nodeId,
        Tier minTier,
        Resources calldata resources,
        uint256 maxPrice,
        uint256 collateral
    ) external returns (Ineligibility reason, uint256 askPrice);

    /// @notice `count` shards of the node were finalized: completed += count, feesPaid += `feesPaid`, `collateral`
    ///         unlocked, tier recomputed. Returns the operator (who is paid).
    function settleSuccesses(uint256 nodeId, uint256 count, uint256 collateral, uint256 feesPaid)
        external
        returns (address operator);

    function recordFailure(uint256 nodeId) external;

    // ----------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------

    function token() external view returns (address);
    function nodeCount() external view returns (uint256);
    function getNode(uint256 nodeId) external view returns (NodeView memory);
    function operatorOf(uint256 nodeId) external view returns (address);
    /// @notice Node id of a worker key, 0 if none.
    function nodeIdOfWorker(address worker) external view returns (uint256);
    /// @notice True when `account` is the node's operator or worker key.
    function isOperatorOrWorker(uint256 nodeId, address account) external view returns (bool);
    function freeStake(uint256 nodeId) external view returns (uint256);
    function tierOf(uint256 nodeId) external view returns (Tier);
    /// @notice The tier the current thresholds give for these inputs (the function the stored tier follows).
    function computeTier(uint256 stakeAmount, uint256 completed, uint256 failed, uint256 feesPaid)
        external
        view
        returns (Tier);
    function tierThreshold(Tier tier) external view returns (TierThreshold memory);
    /// @notice `eligibility(...) == Ineligibility.None`.
    function isEligible(
        uint256 nodeId,
        Tier minTier,
        Resources calldata resources,
        uint256 price,
        uint256 collateral
    ) external view returns (bool);
    /// @notice The first condition the node fails for a shard with these requirements, in this order: active, tier at
    ///         least `minTier`, GPUs, VRAM, CPUs, memory cover `resources`, askPrice at most `maxPrice`, free stake at
    ///         least `collateral`. None when it fails none. Unknown nodes are NotActive.
    function eligibility(
        uint256 nodeId,
        Tier minTier,
        Resources calldata resources,
        uint256 maxPrice,
        uint256 collateral
    ) external view returns (Ineligibility);
    function isActive(uint256 nodeId) external view returns (bool);
    function activeNodeCount() external view returns (uint256);
    function activeNodeAt(uint256 index) external view returns (uint256 nodeId);
    /// @notice Sum of bonded plus unbonding stake of all nodes; equals the registry's token balance.
    function totalStaked() external view returns (uint256);
    /// @notice Sum of the bonded stake of the active set: the weight committee and audit draws sample from.
    function totalActiveStake() external view returns (uint256);
    /// @notice The active node whose stake interval holds `point` (0 <= point < totalActiveStake), nodes laid out
    ///         by id: node i owns [Σ stake of active nodes < i, that + stake of i). O(log n).
    function drawActiveNode(uint256 point) external view returns (uint256 nodeId);
    /// @notice What a committee or audit draw checks of a candidate, in one call. Zeroes for unknown nodes.
    ///         `drawChangedAt` is the block of the last change of its weight (stake while active), active state,
    ///         tier, keys or offer: draws seeded after that block skip the node.
    function seatInfo(uint256 nodeId) external view returns (SeatInfo memory);
    /// @notice Collateral of the node's live assignments (locked, plus any a slash cut away and still owed).
    function liveCollateral(uint256 nodeId) external view returns (uint256);
    /// @notice The nonce a worker's next WorkerConsent must carry.
    function workerNonce(address worker) external view returns (uint256);
    /// @notice The EIP-712 digest a worker signs to consent (see the contract notice).
    function workerConsentDigest(
        address operator,
        uint256 nodeId,
        address worker,
        uint256 nonce,
        uint256 deadline
    ) external view returns (bytes32);
}
