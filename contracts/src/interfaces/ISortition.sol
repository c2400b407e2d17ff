// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CommitteeRules} from "../types/Types.sol";
import {IParameters} from "./IParameters.sol";

/// @title Stake-weighted random draws: dispute committees and auditors
/// @notice Every draw is "commit now, draw later": its seed is the randomness of a block fixed before anyone could
///         know it (the block after a challenge commitment, the block after a result submission), read through a
///         replaceable IRandomnessSource. Draw i looks at slot keccak256(seed, i) mod (number of slots), which holds
///         the node of that id, and takes it with probability min(stake, drawWeightCap) / drawWeightCap if it is
///         active and nothing a draw reads of it (weight, active state, tier, keys, offer) changed after the block the
///         seed was fixed in. Each node's chance depends only on the seed and its own frozen weight, so the draw is
///         stake-weighted (up to the cap) and nobody can re-roll it after the seed is public: changing any node
///         only removes that node. Candidates that fail the per-draw rules are rejected, a bounded number of times
///         per seat.
///         Audits: `assignAudit` selects a submitted result at its task's audit rate and draws its verifier among
///         nodes eligible for the task, never of the submitter's operator nor the client; anyone may call it
///         within 256 blocks of the submission, so no keeper decides who is audited.
/// @dev Parameters (IParameters): "auditSampleTries", "drawWeightCap". Roles: GOVERNOR_ROLE (randomness source,
///      parameters). Needs the TaskManager's AUDIT_ROLE.
interface ISortition is IParameters {
    error ZeroAddress();
    /// @notice The audit seed (block `target`) is not mined yet or more than 256 blocks old.
    error AuditSeedUnavailable(uint256 target);
    error NotSelectedForAudit(uint256 taskId, uint256 shardIndex);
    error NoEligibleVerifier(uint256 taskId, uint256 shardIndex);

    event RandomnessSourceSet(address indexed oldSource, address indexed newSource);

    /// @notice Draws whether the submitted result of a shard is audited and by whom, and records it in the
    ///         TaskManager (AuditAssigned). Reverts NotSelectedForAudit when the draw says no. Anyone.
    function assignAudit(uint256 taskId, uint256 shardIndex) external returns (uint256 verifierNodeId);

    /// @notice Draws up to `rules.size` distinct members from `seed`; fewer when a seat found no acceptable
    ///         candidate in `rules.maxTries` draws.
    function drawCommittee(bytes32 seed, CommitteeRules calldata rules)
        external
        view
        returns (uint64[] memory);

    /// @notice Whether the result submitted in block `submittedBlock` for (task, shard, epoch) is selected at
    ///         `auditRateBps`, and the seed it was drawn from. Reverts AuditSeedUnavailable.
    function auditSelected(
        uint256 taskId,
        uint256 shardIndex,
        uint16 epoch,
        uint256 submittedBlock,
        uint256 auditRateBps
    ) external view returns (bool selected, bytes32 seed);

    /// @notice The randomness source's seed for `key` from block `target` (see IRandomnessSource.seedAt).
    function seedAt(uint256 target, bytes32 key) external view returns (bytes32 seed, bool available);

    /// @notice The future block that replaces an unreadable `target` (see IRandomnessSource.retarget).
    function retarget(uint256 target) external view returns (uint256);

    /// @notice Sets the randomness source for draws from now on (e.g. a VRF adapter). Governor; not zero.
    function setRandomnessSource(address newSource) external;

    function randomness() external view returns (address);
    function registry() external view returns (address);
    function taskManager() external view returns (address);
}
