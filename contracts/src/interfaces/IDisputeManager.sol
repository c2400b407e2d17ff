// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {
    ChallengeCommitView,
    ChallengeParams,
    DisputeOutcome,
    DisputeView,
    PayoutKind,
    Tier,
    Vote
} from "../types/Types.sol";
import {IParameters} from "./IParameters.sol";
import {ISortition} from "./ISortition.sol";

/// @title Pinpointed challenges decided by a stake-weighted committee, and random audit draws
/// @notice A challenge is committed first (`commitChallenge`: the shard, a hash of the claim and the challenger,
///         and the bond) inside the shard's challenge window, then revealed (`revealChallenge`) until the window
///         plus the TaskManager's challengeRevealPeriod: the first checkpoint index d it disputes, with the
///         Merkle proof of leaf d under the on-chain root. A copied commitment names another challenger and earns
///         the copier nothing; an unrevealed commitment forfeits its bond (`closeChallengeCommit`).
///         The committee of k (odd) seats is drawn stake-weighted (Sortition) from the nodes registered at the
///         commitment, with the randomness of the block after it (a later one if that block is more than 256 blocks
///         old), ignoring every node changed after the commitment, with per-seat minimums (tier, stake, age) by
///         bounded rejection, excluding every node of the submitter's operator, the challenger and the client.
///         Members re-execute only segment d-1 -> d and vote by commit-reveal;
///         DataUnavailable counts as wrong. A verdict covers only checkpoint d: the shard stays challengeable on
///         other checkpoints and is paid only after its window with no dispute open or lost. No quorum: the
///         silent members are slashed and one committee is redrawn from a future block; no quorum again: the
///         submitter is presumed right. Audits are drawn by the AuditManager with the same randomness source.
/// @dev Parameters (IParameters): "committeeSize", "committeeMinTier", "committeeMinStake", "committeeMinAge",
///      "challengeBond", "commitPeriod", "revealPeriod", "disputeSlashBps", "challengerRewardBps",
///      "voterRewardBps", "submitterBondShareBps", "nonRevealSlash", "maxSampleTries".
///      Leaf encoding (same as the OpenZeppelin merkle-tree StandardMerkleTree with ["uint256","uint256","bytes32"]
///      and sortLeaves false): leaf = keccak256(bytes.concat(keccak256(abi.encode(index, step, checkpointHash)))).
///      Challenge commitment: keccak256(abi.encode(challenger, taskId, shardIndex, checkpointIndex, step, leafHash,
///      challengerHash, salt)) (`challengeCommitment`).
interface IDisputeManager is IParameters {
    // ----------------------------------------------------------------------------------------------
    // Errors
    // ----------------------------------------------------------------------------------------------
    error ZeroAddress();
    error UnknownDispute(uint256 disputeId);
    error UnknownChallengeCommit(uint256 commitId);
    error ChallengeCommitNotOpen(uint256 commitId);
    error NotChallenger(uint256 commitId, address caller);
    /// @notice The revealed claim does not hash to the commitment (or names another shard).
    error ChallengeCommitmentMismatch(uint256 commitId);
    /// @notice The commitment can still be revealed until `revealDeadline`.
    error ChallengeRevealOpen(uint256 commitId, uint64 revealDeadline);
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
    /// @notice The dispute is not waiting for a committee draw.
    error NotDrawing(uint256 disputeId);
    /// @notice The committee's seed block `seedBlock` is not mined yet; call again after it.
    error SeedNotReady(uint256 disputeId, uint64 seedBlock);
    /// @notice The dispute is waiting for its committee (`drawCommittee`), not voting.
    error CommitteeNotDrawn(uint256 disputeId);

    // ----------------------------------------------------------------------------------------------
    // Events
    // ----------------------------------------------------------------------------------------------
    event ChallengeCommitted(
        uint256 indexed commitId,
        uint256 indexed taskId,
        uint256 indexed shardIndex,
        address challenger,
        uint16 epoch,
        bytes32 commitment,
        uint256 bond,
        uint64 revealDeadline
    );
    /// @notice An unrevealed commitment was closed: its bond was `forfeited` to the treasury, or returned to the
    ///         challenger because the attempt it targeted had already lost or moved on.
    event ChallengeCommitClosed(uint256 indexed commitId, address indexed to, bool forfeited, uint256 amount);
    event DisputeOpened(
        uint256 indexed disputeId,
        uint256 indexed taskId,
        uint256 indexed shardIndex,
        uint256 commitId,
        address challenger,
        uint256 submitterNodeId,
        uint16 epoch,
        uint32 checkpointIndex,
        bytes32 leafHash,
        bytes32 challengerHash,
        uint256 bond
    );
    /// @notice Round `round`'s committee will be drawn from the randomness of block `seedBlock` (drawCommittee).
    event CommitteeSeedScheduled(uint256 indexed disputeId, uint8 round, uint64 seedBlock);
    event CommitteeDrawn(
        uint256 indexed disputeId, uint8 round, uint64[] members, uint64 commitDeadline, uint64 revealDeadline
    );
    event VoteCommitted(uint256 indexed disputeId, uint256 indexed nodeId, bytes32 commitment);
    event VoteRevealed(uint256 indexed disputeId, uint256 indexed nodeId, Vote vote);
    event NonRevealPenalized(uint256 indexed disputeId, uint256 indexed nodeId, uint256 slashed);
    /// @notice `live` is false when the judged attempt had already ended (another dispute of it was lost, or an
    ///         earlier checkpoint it resumed from lost): nobody is slashed twice.
    event DisputeResolved(
        uint256 indexed disputeId,
        DisputeOutcome outcome,
        uint8 votesWrong,
        uint8 votesRight,
        uint256 slashed,
        bool live
    );
    event DisputePayout(uint256 indexed disputeId, address indexed to, PayoutKind kind, uint256 amount);
    event TreasurySet(address indexed oldTreasury, address indexed newTreasury);

    // ----------------------------------------------------------------------------------------------
    // Challengers
    // ----------------------------------------------------------------------------------------------

    /// @notice Commits a challenge of a submitted shard inside its window and pulls the bond (approve first).
    ///         `commitment` is challengeCommitment(msg.sender, params, salt) of the claim revealed later.
    function commitChallenge(uint64 taskId, uint32 shardIndex, bytes32 commitment)
        external
        returns (uint256 commitId);

    /// @notice Reveals a commitment (same caller, until the window plus the reveal period) and opens the dispute.
    ///         The committee is drawn at once when its seed block is readable, otherwise by `drawCommittee`.
    function revealChallenge(uint256 commitId, ChallengeParams calldata params, bytes32 salt)
        external
        returns (uint256 disputeId);

    /// @notice Closes an unrevealed commitment: after its reveal deadline the bond goes to the treasury; at any time
    ///         the bond goes back to the challenger when the attempt it targeted already ended. Anyone.
    function closeChallengeCommit(uint256 commitId) external;

    // ----------------------------------------------------------------------------------------------
    // Committee
    // ----------------------------------------------------------------------------------------------

    /// @notice Draws the committee of a dispute waiting for its seed block (status Drawing). Re-targets the seed
    ///         block when it is more than 256 blocks old. Ends the dispute when no full committee can be drawn
    ///         (round 0: NoCommittee, bond returned; round 1: submitter presumed right). Anyone.
    function drawCommittee(uint256 disputeId) external;

    /// @notice Commits `voteCommitment(disputeId, nodeId, vote, salt)`. Member's operator or worker, commit phase.
    function commitVote(uint256 disputeId, uint256 nodeId, bytes32 commitment) external;

    /// @notice Reveals a committed vote. Member's operator or worker, reveal phase.
    function revealVote(uint256 disputeId, uint256 nodeId, Vote vote, bytes32 salt) external;

    /// @notice After the reveal deadline (or once every member revealed): decides and pays out, penalizes
    ///         non-revealers, or (no quorum in round 0) schedules one redraw. Anyone.
    function resolve(uint256 disputeId) external;

    // ----------------------------------------------------------------------------------------------
    // Governor (GOVERNOR_ROLE)
    // ----------------------------------------------------------------------------------------------

    /// @notice Sets the address that receives non-reveal penalties, forfeited bonds and payout remainders. Not zero.
    function setTreasury(address newTreasury) external;

    // ----------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------

    function disputeCount() external view returns (uint256);
    function getDispute(uint256 disputeId) external view returns (DisputeView memory);
    function challengeCommitCount() external view returns (uint256);
    function getChallengeCommit(uint256 commitId) external view returns (ChallengeCommitView memory);
    function challengeCommitment(address challenger, ChallengeParams calldata params, bytes32 salt)
        external
        pure
        returns (bytes32);
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
    /// @notice The Sortition contract: seeds (its randomness source) and stake-weighted committee draws.
    function sortition() external view returns (ISortition);
    /// @notice Sum of bonds held for open commitments and unresolved disputes; the contract's balance covers it.
    function totalBonded() external view returns (uint256);
}
