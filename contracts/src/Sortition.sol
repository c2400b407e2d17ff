// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";

import {Governed} from "./base/Governed.sol";
import {INodeRegistry} from "./interfaces/INodeRegistry.sol";
import {IRandomnessSource} from "./interfaces/IRandomnessSource.sol";
import {ISortition} from "./interfaces/ISortition.sol";
import {ITaskManager} from "./interfaces/ITaskManager.sol";
import {CommitteeRules, SeatInfo, ShardView, TaskView} from "./types/Types.sol";

/// @title Sortition
/// @notice Stake-weighted committee and auditor draws from fixed-in-advance randomness. See ISortition and
///         docs/protocol.md ("Draws").
contract Sortition is ISortition, Governed {
    uint256 internal constant BPS = 10_000;
    bytes32 internal constant P_AUDIT_SAMPLE_TRIES = "auditSampleTries";
    bytes32 internal constant P_DRAW_WEIGHT_CAP = "drawWeightCap";

    INodeRegistry internal immutable _registry;
    ITaskManager internal immutable _taskManager;
    IRandomnessSource internal _randomness;
    uint256 internal _auditSampleTries;
    uint256 internal _drawWeightCap;

    constructor(address registry_, address taskManager_, address randomness_, address governor)
        Governed(governor)
    {
        if (
            registry_ == address(0) || taskManager_ == address(0) || randomness_ == address(0)
                || governor == address(0)
        ) revert ZeroAddress();
        _registry = INodeRegistry(registry_);
        _taskManager = ITaskManager(taskManager_);
        _randomness = IRandomnessSource(randomness_);
        emit RandomnessSourceSet(address(0), randomness_);
        _initParameter(P_AUDIT_SAMPLE_TRIES, 256);
        _initParameter(P_DRAW_WEIGHT_CAP, 10_000e18);
    }

    // ----------------------------------------------------------------------------------------------
    // Audits
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc ISortition
    /// @dev The verifier must be eligible for the task as an assignee is (active, tier, resources, ask <= reward)
    ///      except for free stake: an audit locks nothing, and free stake moves with every assignment, which the
    ///      draw must not depend on. The TaskManager re-checks the shard (result, epoch, window, budget,
    ///      verifier != submitter).
    function assignAudit(uint256 taskId, uint256 shardIndex) external returns (uint256 verifierNodeId) {
        ShardView memory sv = _taskManager.getShard(taskId, shardIndex);
        TaskView memory t = _taskManager.getTask(taskId);
        (bool selected, bytes32 seed) =
            _auditSelected(taskId, shardIndex, sv.epoch, sv.submittedBlock, t.auditRateBps);
        if (!selected) revert NotSelectedForAudit(taskId, shardIndex);

        verifierNodeId = _drawVerifier(seed, sv, t);
        if (verifierNodeId == 0) revert NoEligibleVerifier(taskId, shardIndex);
        _taskManager.onAuditAssigned(taskId, shardIndex, sv.epoch, verifierNodeId);
    }

    /// @dev The first drawn node that may audit: not of the submitter's operator nor the client, and eligible.
    function _drawVerifier(bytes32 seed, ShardView memory sv, TaskView memory t)
        internal
        view
        returns (uint256 verifierNodeId)
    {
        address submitterOperator = _registry.operatorOf(sv.nodeId);
        uint256 nodeCount = _registry.nodeCount();
        // The node count at submission is not stored: slots round the count up to a power of two, so registering
        // nodes after the seed moves the slots only when the count crosses one (and new nodes never sit).
        uint256 slots = _nextPowerOfTwo(nodeCount);
        uint256 tries = _auditSampleTries;
        for (uint256 i; i < tries; ++i) {
            (uint256 candidate, SeatInfo memory info, bool drawn) =
                _draw(seed, i, slots, nodeCount, sv.submittedBlock);
            if (!drawn) continue;
            // INVARIANT: a result is never audited by its own operator's nodes nor by the client.
            if (info.operator == submitterOperator || info.operator == t.client || info.worker == t.client) {
                continue;
            }
            if (!_registry.isEligible(candidate, t.minTier, t.resources, t.maxPricePerShard, 0)) continue;
            return candidate;
        }
    }

    /// @inheritdoc ISortition
    function auditSelected(
        uint256 taskId,
        uint256 shardIndex,
        uint16 epoch,
        uint256 submittedBlock,
        uint256 auditRateBps
    ) external view returns (bool selected, bytes32 seed) {
        return _auditSelected(taskId, shardIndex, epoch, submittedBlock, auditRateBps);
    }

    function _auditSelected(
        uint256 taskId,
        uint256 shardIndex,
        uint16 epoch,
        uint256 submittedBlock,
        uint256 auditRateBps
    ) internal view returns (bool selected, bytes32 seed) {
        uint256 target = submittedBlock + 1;
        bool available;
        (seed, available) =
            _randomness.seedAt(target, keccak256(abi.encode("audit", taskId, shardIndex, epoch)));
        if (submittedBlock == 0 || !available) revert AuditSeedUnavailable(target);
        selected = uint256(seed) % BPS < auditRateBps;
    }

    // ----------------------------------------------------------------------------------------------
    // Committees
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc ISortition
    /// @dev A candidate is rejected when already seated, changed after the seed was fixed, inactive, below the
    ///      tier, stake or age minimum, of the submitter's operator, or with the challenger or the client as
    ///      operator or worker.
    function drawCommittee(bytes32 seed, CommitteeRules calldata rules)
        external
        view
        returns (uint64[] memory)
    {
        uint64[] memory members = new uint64[](rules.size);
        uint256 filled;
        uint256 i;
        while (filled < rules.size && rules.nodeCount != 0) {
            bool found;
            for (uint256 tries; tries < rules.maxTries; ++tries) {
                (uint256 nodeId, SeatInfo memory info, bool drawn) =
                    _draw(seed, i, rules.nodeCount, rules.nodeCount, rules.frozenAt);
                ++i;
                if (!drawn || _isSeated(members, filled, nodeId) || !_seatable(info, rules)) continue;
                members[filled] = uint64(nodeId);
                found = true;
                break;
            }
            if (!found) break;
            ++filled;
        }
        assembly ("memory-safe") {
            mstore(members, filled)
        }
        return members;
    }

    /// @dev Draw i: slot `keccak256(seed, i) mod slots` holds node `slot + 1` (drawn only if registered, i.e.
    ///      <= nodeCount), which is drawn with probability min(stake, drawWeightCap) / drawWeightCap if active and
    ///      unchanged since block `frozenAt`. Each node's chance depends only on the seed and its own weight, both
    ///      fixed before the seed was known: no change to any other node moves it, and changing its own only
    ///      removes it. So a draw is stake-weighted (up to the cap) and cannot be re-rolled after the seed.
    function _draw(bytes32 seed, uint256 i, uint256 slots, uint256 nodeCount, uint256 frozenAt)
        internal
        view
        returns (uint256 nodeId, SeatInfo memory info, bool drawn)
    {
        bytes32 h = Hashes.efficientKeccak256(seed, bytes32(i));
        nodeId = uint256(h) % slots + 1;
        if (nodeId > nodeCount) return (nodeId, info, false);
        info = _registry.seatInfo(nodeId);
        if (!info.active || info.drawChangedAt > frozenAt) return (nodeId, info, false);
        uint256 cap = _drawWeightCap;
        uint256 weight = info.stake < cap ? info.stake : cap;
        drawn = uint256(keccak256(abi.encode(h))) % cap < weight;
    }

    function _nextPowerOfTwo(uint256 x) internal pure returns (uint256 p) {
        p = 1;
        while (p < x) p <<= 1;
    }

    function _seatable(SeatInfo memory info, CommitteeRules calldata r) internal pure returns (bool) {
        if (info.tier < r.minTier || info.stake < r.minStake) return false;
        if (info.registeredAt > r.registeredBefore) return false;
        // INVARIANT: no node of the submitter's operator, and no node keyed to the challenger or the client, sits.
        if (info.operator == r.submitterOperator) return false;
        if (info.operator == r.challenger || info.worker == r.challenger) return false;
        return info.operator != r.client && info.worker != r.client;
    }

    function _isSeated(uint64[] memory members, uint256 filled, uint256 nodeId) internal pure returns (bool) {
        for (uint256 j; j < filled; ++j) {
            if (members[j] == nodeId) return true;
        }
        return false;
    }

    // ----------------------------------------------------------------------------------------------
    // Randomness
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc ISortition
    function seedAt(uint256 target, bytes32 key) external view returns (bytes32 seed, bool available) {
        return _randomness.seedAt(target, key);
    }

    /// @inheritdoc ISortition
    function retarget(uint256 target) external view returns (uint256) {
        return _randomness.retarget(target);
    }

    /// @inheritdoc ISortition
    function setRandomnessSource(address newSource) external onlyRole(GOVERNOR_ROLE) {
        if (newSource == address(0)) revert ZeroAddress();
        emit RandomnessSourceSet(address(_randomness), newSource);
        _randomness = IRandomnessSource(newSource);
    }

    /// @inheritdoc ISortition
    function randomness() external view returns (address) {
        return address(_randomness);
    }

    /// @inheritdoc ISortition
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @inheritdoc ISortition
    function taskManager() external view returns (address) {
        return address(_taskManager);
    }

    // ----------------------------------------------------------------------------------------------
    // Parameters (Governed hooks)
    // ----------------------------------------------------------------------------------------------

    function _parameterBounds(bytes32 name) internal pure override returns (uint256 min, uint256 max) {
        if (name == P_AUDIT_SAMPLE_TRIES) return (1, 1024);
        if (name == P_DRAW_WEIGHT_CAP) return (1e18, 1e27);
        revert UnknownParameter(name);
    }

    function _getParameter(bytes32 name) internal view override returns (uint256) {
        if (name == P_AUDIT_SAMPLE_TRIES) return _auditSampleTries;
        if (name == P_DRAW_WEIGHT_CAP) return _drawWeightCap;
        revert UnknownParameter(name);
    }

    function _setParameter(bytes32 name, uint256 value) internal override {
        if (name == P_AUDIT_SAMPLE_TRIES) _auditSampleTries = value;
        else if (name == P_DRAW_WEIGHT_CAP) _drawWeightCap = value;
        else revert UnknownParameter(name);
    }
}
