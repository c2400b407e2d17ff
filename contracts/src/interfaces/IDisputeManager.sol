// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ChallengeParams, DisputeOutcome, DisputeView, PayoutKind, Tier, Vote} from "../types/Types.sol";
import {IParameters} from "./IParameters.sol";

/// @title Pinpointed challenges decided by a sampled committee
/// @notice A challenger names the first checkpoint index d it disputes, proves the submitter committed leaf d,
///         and posts a bond. A committee of k nodes (odd k, at least the committee tier, excluding submitter and
///         challenger) is drawn on-chain from the active set. Members re-execute only segment d-1 -> d and vote
///         by commit-reveal. The majority decides; no quorum gives one redraw, then the submitter is presumed right.
/// @dev Parameters (IParameters): "committeeSize", "committeeMinTier", "challengeBond", "commitPeriod",
///      "revealPeriod", "disputeSlashBps", "challengerRewardBps", "voterRewardBps", "submitterBondShareBps",
///      "nonRevealSlash", "maxSampleTries".
///      Leaf encoding (same as the OpenZeppelin merkle-tree StandardMerkleTree with ["uint256","uint256","bytes32"]):
///      leaf = keccak256(bytes.concat(keccak256(abi.encode(index, step, checkpointHash)))).
interface IDisputeManager is IParameters {
    // ----------------------------------------------------------------------------------------------
    // Errors
    // ----------------------------------------------------------------------------------------------
    error ZeroAddress();
    error UnknownDispute(uint256 disputeId);
    error CheckpointIndexOutOfRange(uint32 index, uint32 checkpointCount);
    error InvalidMerkleProof();
    error ChallengerIsSubmitter(address challenger);
    error NotCommitteeMember(uint256 disputeId, uint256 nodeId);
    error NotNodeOperatorOrWorker(uint256 nodeId, address caller);
    error CommitPhaseOver(uint256 disputeId, uint64 commitDeadline);
    error NotInRevealPhase(uint256 disputeId, uint64 commitDeadline, uint64 revealDeadline);
    error AlreadyCommitted(uint256 disputeId, uint256 nodeId);
    error AlreadyRevealed(uint256 disputeId, uint256 nodeId);
    error NoCommitment(uint256 disputeId, uint256 nodeId);
    error CommitmentMismatch(uint256 disputeId, uint256 nodeId);
    error InvalidVote();
    error DisputeNotResolvable(uint256 disputeId, uint64 revealDeadline);
    error DisputeAlreadyResolved(uint256 disputeId);
    error CommitteeUnavailable(uint256 eligible, uint256 needed);

    // ----------------------------------------------------------------------------------------------
    // Events
    // ----------------------------------------------------------------------------------------------
    event DisputeOpened(
        uint256 indexed disputeId,
        uint256 indexed taskId,
        uint256 indexed shardIndex,
        address challenger,
        uint256 submitterNodeId,
        uint32 checkpointIndex,
        bytes32 leafHash,
        bytes32 challengerHash,
        uint256 bond
    );
    event CommitteeDrawn(
        uint256 indexed disputeId, uint8 round, uint64[] members, uint64 commitDeadline, uint64 revealDeadline
    );
    event VoteCommitted(uint256 indexed disputeId, uint256 indexed nodeId, bytes32 commitment);
    event VoteRevealed(uint256 indexed disputeId, uint256 indexed nodeId, Vote vote);
    event NonRevealPenalized(uint256 indexed disputeId, uint256 indexed nodeId, uint256 slashed);
    event DisputeResolved(
        uint256 indexed disputeId, DisputeOutcome outcome, uint8 votesWrong, uint8 votesRight, uint256 slashed
    );
    event DisputePayout(uint256 indexed disputeId, address indexed to, PayoutKind kind, uint256 amount);
    event TreasurySet(address indexed oldTreasury, address indexed newTreasury);
    event RandomnessSourceSet(address indexed oldSource, address indexed newSource);

    // ----------------------------------------------------------------------------------------------
    // Functions
    // ----------------------------------------------------------------------------------------------

    /// @notice Opens a dispute on a submitted shard inside its challenge window; pulls the bond (approve first)
    ///         and draws the committee.
    function challenge(ChallengeParams calldata params) external returns (uint256 disputeId);

    /// @notice Commits `voteCommitment(disputeId, nodeId, vote, salt)`. Member's operator or worker, commit phase.
    function commitVote(uint256 disputeId, uint256 nodeId, bytes32 commitment) external;

    /// @notice Reveals a committed vote. Member's operator or worker, reveal phase.
    function revealVote(uint256 disputeId, uint256 nodeId, Vote vote, bytes32 salt) external;

    /// @notice After the reveal deadline (or once every member revealed): decides, pays out, penalizes
    ///         non-revealers, or redraws once when there is no quorum. Anyone.
    function resolve(uint256 disputeId) external;

    // ----------------------------------------------------------------------------------------------
    // Governor (GOVERNOR_ROLE)
    // ----------------------------------------------------------------------------------------------

    /// @notice Sets the address that receives non-reveal penalties and payout remainders. Not zero.
    function setTreasury(address newTreasury) external;

    /// @notice Sets the randomness source used for committee draws from now on (e.g. a VRF adapter). Not zero.
    function setRandomnessSource(address newSource) external;

    // ----------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------

    function disputeCount() external view returns (uint256);
    function getDispute(uint256 disputeId) external view returns (DisputeView memory);
    function voteOf(uint256 disputeId, uint256 nodeId) external view returns (bytes32 commitment, Vote vote);
    function voteCommitment(uint256 disputeId, uint256 nodeId, Vote vote, bytes32 salt)
        external
        pure
        returns (bytes32);
    /// @notice Leaf of checkpoint `index` as the contracts and the OpenZeppelin merkle-tree library encode it.
    function checkpointLeaf(uint256 index, uint256 step, bytes32 checkpointHash)
        external
        pure
        returns (bytes32);
    function verifyCheckpoint(
        bytes32 root,
        uint256 index,
        uint256 step,
        bytes32 checkpointHash,
        bytes32[] calldata proof
    ) external pure returns (bool);
    function committeeMinTier() external view returns (Tier);
    function treasury() external view returns (address);
    function randomness() external view returns (address);
    /// @notice Sum of bonds held for unresolved disputes; the contract's balance covers it.
    function totalBonded() external view returns (uint256);
}
