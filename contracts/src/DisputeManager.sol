// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {Governed} from "./base/Governed.sol";
import {IDisputeManager} from "./interfaces/IDisputeManager.sol";
import {INodeRegistry} from "./interfaces/INodeRegistry.sol";
import {ISortition} from "./interfaces/ISortition.sol";
import {ITaskManager} from "./interfaces/ITaskManager.sol";
import {CheckpointMerkle} from "./libraries/CheckpointMerkle.sol";
import {
    ChallengeCommitStatus,
    ChallengeCommitView,
    ChallengedResult,
    ChallengeParams,
    CommitteeRules,
    DisputeOutcome,
    DisputeStatus,
    DisputeView,
    NodeView,
    PayoutKind,
    ShardStatus,
    SlashReason,
    Tier,
    Vote
} from "./types/Types.sol";

/// @title DisputeManager
/// @notice Committed-then-revealed pinpointed challenges of submitted shards, decided by a committee drawn
///         stake-weighted from the active node set with randomness fixed before anyone can know it, voting by
///         commit-reveal. Committee draws and seeds come from the Sortition. See docs/protocol.md ("Disputes").
/// @dev Trust model: the token, NodeRegistry, TaskManager and randomness source are protocol contracts set at
///      deployment (randomness by the governor). Every state-changing entry point that moves tokens is
///      nonReentrant; `revealChallenge` must call `taskManager.onChallenged` before its own writes because the
///      checkpoint root it verifies against comes from that call.
///      Governance parameters are read when used: a change applies to disputes already open (the bond is fixed
///      per commitment; the collateral is the task's, fixed when the task was posted).
///      Money: totalBonded == Σ bonds of Committed commitments + Σ bonds of unresolved disputes; every bond
///      leaves it exactly when it is paid out or forfeited.
contract DisputeManager is IDisputeManager, Governed, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    uint256 internal constant BPS = 10_000;
    uint256 internal constant MAX_COMMITTEE_SIZE = 15;
    uint256 internal constant MAX_SAMPLE_TRIES = 1024;
    uint256 internal constant NRL = 1e18;

    /// @dev Per-seat ballot state, 4 bits per seat in `Voting.ballots`: 0 nothing, 1 committed,
    ///      1 + uint8(vote) revealed (2 SubmitterRight, 3 SubmitterWrong, 4 DataUnavailable).
    uint256 internal constant BALLOT_COMMITTED = 1;
    uint256 internal constant BALLOT_MASK = 0xF;

    bytes32 internal constant P_COMMITTEE_SIZE = "committeeSize";
    bytes32 internal constant P_COMMITTEE_MIN_TIER = "committeeMinTier";
    bytes32 internal constant P_COMMITTEE_MIN_STAKE = "committeeMinStake";
    bytes32 internal constant P_COMMITTEE_MIN_AGE = "committeeMinAge";
    bytes32 internal constant P_CHALLENGE_BOND = "challengeBond";
    bytes32 internal constant P_COMMIT_PERIOD = "commitPeriod";
    bytes32 internal constant P_REVEAL_PERIOD = "revealPeriod";
    bytes32 internal constant P_DISPUTE_SLASH_BPS = "disputeSlashBps";
    bytes32 internal constant P_CHALLENGER_REWARD_BPS = "challengerRewardBps";
    bytes32 internal constant P_VOTER_REWARD_BPS = "voterRewardBps";
    bytes32 internal constant P_SUBMITTER_BOND_SHARE_BPS = "submitterBondShareBps";
    bytes32 internal constant P_NON_REVEAL_SLASH = "nonRevealSlash";
    bytes32 internal constant P_MAX_SAMPLE_TRIES = "maxSampleTries";

    /// @dev The numeric parameters read by every challenge / resolve, packed in one slot.
    struct Params {
        uint96 challengeBond; // <= 1e9 NRL < 2^96
        uint8 committeeSize;
        uint8 committeeMinTier;
        uint32 commitPeriod; // <= 7 days
        uint32 revealPeriod;
        uint16 maxSampleTries;
        uint16 disputeSlashBps;
        uint16 challengerRewardBps;
        uint16 voterRewardBps;
        uint16 submitterBondShareBps;
    }

    /// @dev Per-seat minimums beyond the tier, and the non-reveal penalty.
    struct SeatRules {
        uint96 committeeMinStake;
        uint32 committeeMinAge;
        uint128 nonRevealSlash;
    }

    /// @dev Money of a lost dispute, gathered to keep the stack shallow.
    struct Settlement {
        uint256 bond;
        uint256 slashed;
        address client;
        uint256 collateral;
    }

    /// @dev Everything a commit or reveal reads and writes: one slot.
    struct Voting {
        DisputeStatus status;
        DisputeOutcome outcome;
        uint8 round;
        uint8 size; // committee size of this round
        uint8 reveals;
        uint8 votesWrong; // SubmitterWrong + DataUnavailable
        uint8 votesRight;
        uint64 commitDeadline;
        uint64 revealDeadline;
        uint64 ballots; // 4 bits per seat, see BALLOT_*
    }

    struct Dispute {
        Voting voting; // slot 0
        uint64 taskId; // slot 1
        uint32 shardIndex;
        uint32 checkpointIndex;
        uint64 submitterNodeId;
        uint64 openedAt;
        address challenger; // slot 2
        uint96 bond;
        uint16 epoch; // slot 3
        uint64 seedBlock;
        uint64 commitId;
        uint48 frozenAt; // block the current round's seed was fixed in (nodes changed after it do not sit)
        uint64 nodeCount; // nodes registered then: the slots the round draws from
        bytes32 leafHash; // slot 4
        bytes32 challengerHash; // slot 5
        uint256[4] committee; // slots 6..9: seat j is bits [64 * (j % 4), 64 * (j % 4) + 64) of word j / 4
    }

    struct ChallengeCommit {
        address challenger; // slot 0
        uint96 bond;
        uint64 taskId; // slot 1
        uint32 shardIndex;
        uint16 epoch;
        ChallengeCommitStatus status;
        uint64 committedBlock;
        uint64 revealDeadline;
        bytes32 commitment; // slot 2
        uint64 disputeId; // slot 3
        uint64 nodeCount; // nodes registered at commitment
    }

    /// @notice The NRL token (bonds, slashes and payouts).
    IERC20 public immutable token;
    /// @notice The NodeRegistry (active set, stake-weighted draws, slashing).
    INodeRegistry public immutable registry;
    /// @notice The TaskManager (challenged shards).
    ITaskManager public immutable taskManager;
    /// @notice Seeds and stake-weighted committee draws.
    ISortition public immutable sortition;

    Params internal _params;
    SeatRules internal _seatRules;
    uint256 internal _disputeCount;
    // One slot: the treasury, read by every resolve, and the bonds held. NRL amounts fit 96 bits (see
    // NeuralToken); the sum of open bonds is below the token supply.
    address internal _treasury;
    uint96 internal _totalBonded;
    uint256 internal _commitCount;

    mapping(uint256 disputeId => Dispute) internal _disputes;
    /// @dev Commitments by dispute and `round * 16 + seat`.
    mapping(uint256 disputeId => mapping(uint256 roundSeat => bytes32)) internal _commitments;
    mapping(uint256 commitId => ChallengeCommit) internal _challengeCommits;

    constructor(
        address token_,
        address registry_,
        address taskManager_,
        address sortition_,
        address governor,
        address treasury_
    ) Governed(governor) {
        if (
            token_ == address(0) || registry_ == address(0) || taskManager_ == address(0)
                || sortition_ == address(0) || governor == address(0) || treasury_ == address(0)
        ) revert ZeroAddress();
        token = IERC20(token_);
        registry = INodeRegistry(registry_);
        taskManager = ITaskManager(taskManager_);
        sortition = ISortition(sortition_);
        _treasury = treasury_;
        // Defaults (docs/protocol.md). maxSampleTries before committeeSize: each bounds the other.
        _initParameter(P_MAX_SAMPLE_TRIES, 256);
        _initParameter(P_COMMITTEE_SIZE, 3);
        _initParameter(P_COMMITTEE_MIN_TIER, uint256(Tier.Bronze));
        _initParameter(P_COMMITTEE_MIN_STAKE, 100 * NRL);
        _initParameter(P_COMMITTEE_MIN_AGE, 1 days);
        _initParameter(P_CHALLENGE_BOND, 50 * NRL);
        _initParameter(P_COMMIT_PERIOD, 1 hours);
        _initParameter(P_REVEAL_PERIOD, 1 hours);
        _initParameter(P_DISPUTE_SLASH_BPS, 1000);
        _initParameter(P_CHALLENGER_REWARD_BPS, 3000);
        _initParameter(P_VOTER_REWARD_BPS, 5000);
        _initParameter(P_SUBMITTER_BOND_SHARE_BPS, 5000);
        _initParameter(P_NON_REVEAL_SLASH, 5 * NRL);
        emit TreasurySet(address(0), treasury_);
    }

    // ----------------------------------------------------------------------------------------------
    // Challenge: commit, reveal, close
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc IDisputeManager
    /// @dev The TaskManager checks the shard holds a result inside its window and marks the epoch so payment
    ///      waits for the reveal period; it reverts (and so does this) otherwise.
    function commitChallenge(uint64 taskId, uint32 shardIndex, bytes32 commitment)
        external
        nonReentrant
        returns (uint256 commitId)
    {
        (uint16 epoch, uint64 revealDeadline) = taskManager.onChallengeCommitted(taskId, shardIndex);
        uint96 bond = _params.challengeBond;
        commitId = ++_commitCount;
        ChallengeCommit storage c = _challengeCommits[commitId];
        c.challenger = msg.sender;
        c.bond = bond;
        c.taskId = taskId;
        c.shardIndex = shardIndex;
        c.epoch = epoch;
        c.status = ChallengeCommitStatus.Committed;
        c.committedBlock = uint64(block.number);
        c.revealDeadline = revealDeadline;
        c.commitment = commitment;
        c.nodeCount = uint64(registry.nodeCount());
        // INVARIANT: totalBonded grows by exactly the bond pulled below.
        _totalBonded += bond;
        emit ChallengeCommitted(
            commitId, taskId, shardIndex, msg.sender, epoch, commitment, bond, revealDeadline
        );
        if (bond != 0) token.safeTransferFrom(msg.sender, address(this), bond);
    }

    /// @inheritdoc IDisputeManager
    /// @dev Reverts UnknownChallengeCommit, ChallengeCommitNotOpen, NotChallenger, ChallengeCommitmentMismatch,
    ///      CheckpointIndexOutOfRange, InvalidMerkleProof, ChallengerIsSubmitter, and the TaskManager's
    ///      StaleEpoch / RevealPeriodOver / InvalidShardStatus.
    function revealChallenge(uint256 commitId, ChallengeParams calldata params, bytes32 salt)
        external
        nonReentrant
        returns (uint256 disputeId)
    {
        ChallengeCommit storage c = _challengeCommits[commitId];
        ChallengeCommitStatus cs = c.status;
        if (cs == ChallengeCommitStatus.None) revert UnknownChallengeCommit(commitId);
        if (cs != ChallengeCommitStatus.Committed) revert ChallengeCommitNotOpen(commitId);
        if (msg.sender != c.challenger) revert NotChallenger(commitId, msg.sender);
        if (
            params.taskId != c.taskId || params.shardIndex != c.shardIndex
                || _challengeCommitment(msg.sender, params, salt) != c.commitment
        ) revert ChallengeCommitmentMismatch(commitId);

        disputeId = ++_disputeCount;
        ChallengedResult memory r =
            taskManager.onChallenged(params.taskId, params.shardIndex, c.epoch, disputeId, msg.sender);
        if (params.checkpointIndex >= r.checkpointCount) {
            revert CheckpointIndexOutOfRange(params.checkpointIndex, r.checkpointCount);
        }
        if (!CheckpointMerkle.verify(
                r.checkpointRoot, params.checkpointIndex, params.step, params.leafHash, params.proof
            )) revert InvalidMerkleProof();
        if (registry.isOperatorOrWorker(r.submitterNodeId, msg.sender)) {
            revert ChallengerIsSubmitter(msg.sender);
        }

        c.status = ChallengeCommitStatus.Revealed;
        c.disputeId = uint64(disputeId);
        _openDispute(disputeId, commitId, c, params, r);
    }

    /// @dev Stores a revealed dispute, emits DisputeOpened and draws its committee if the seed block is readable.
    function _openDispute(
        uint256 disputeId,
        uint256 commitId,
        ChallengeCommit storage c,
        ChallengeParams calldata params,
        ChallengedResult memory r
    ) internal {
        Dispute storage d = _disputes[disputeId];
        d.taskId = params.taskId;
        d.shardIndex = params.shardIndex;
        d.checkpointIndex = params.checkpointIndex;
        d.submitterNodeId = r.submitterNodeId;
        d.openedAt = uint64(block.timestamp);
        d.challenger = msg.sender;
        d.bond = c.bond;
        d.epoch = r.epoch;
        d.commitId = uint64(commitId);
        d.leafHash = params.leafHash;
        if (params.challengerHash != bytes32(0)) d.challengerHash = params.challengerHash;
        // The seed block is the one after the commitment: fixed before the claim was public, and the draw ignores
        // every node that changed after the commitment.
        d.seedBlock = c.committedBlock + 1;
        // forge-lint: disable-next-line(unsafe-typecast): block numbers fit 48 bits
        d.frozenAt = uint48(c.committedBlock);
        d.nodeCount = c.nodeCount;
        d.voting.status = DisputeStatus.Drawing;
        emit DisputeOpened(
            disputeId,
            params.taskId,
            params.shardIndex,
            commitId,
            msg.sender,
            r.submitterNodeId,
            r.epoch,
            params.checkpointIndex,
            params.leafHash,
            params.challengerHash,
            d.bond
        );
        _tryDraw(disputeId, d, false);
    }

    /// @inheritdoc IDisputeManager
    function closeChallengeCommit(uint256 commitId) external nonReentrant {
        ChallengeCommit storage c = _challengeCommits[commitId];
        ChallengeCommitStatus cs = c.status;
        if (cs == ChallengeCommitStatus.None) revert UnknownChallengeCommit(commitId);
        if (cs != ChallengeCommitStatus.Committed) revert ChallengeCommitNotOpen(commitId);
        (ShardStatus st, uint16 epoch,) = taskManager.shardState(c.taskId, c.shardIndex);
        bool stillTargeted = epoch == c.epoch
            && (st == ShardStatus.Submitted || st == ShardStatus.Challenged || st == ShardStatus.Finalized);
        // forge-lint: disable-next-line(block-timestamp): reveal periods are minutes to days long
        if (stillTargeted && block.timestamp <= c.revealDeadline) {
            revert ChallengeRevealOpen(commitId, c.revealDeadline);
        }

        c.status = ChallengeCommitStatus.Closed;
        uint256 bond = c.bond;
        // INVARIANT: the bond leaves totalBonded exactly when it is paid below.
        _totalBonded -= uint96(bond);
        address to = stillTargeted ? _treasury : c.challenger;
        emit ChallengeCommitClosed(commitId, to, stillTargeted, bond);
        if (bond != 0) token.safeTransfer(to, bond);
    }

    // ----------------------------------------------------------------------------------------------
    // Committee draw
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc IDisputeManager
    function drawCommittee(uint256 disputeId) external nonReentrant {
        Dispute storage d = _disputes[disputeId];
        DisputeStatus status = d.voting.status;
        if (status == DisputeStatus.None) revert UnknownDispute(disputeId);
        if (status != DisputeStatus.Drawing) revert NotDrawing(disputeId);
        _tryDraw(disputeId, d, true);
    }

    /// @dev Draws the committee of the current round if its seed block is readable; re-targets a seed block that
    ///      is too old; reverts SeedNotReady when `strict` and the seed block is still in the future. A round that
    ///      cannot be filled ends the dispute (round 0: NoCommittee; round 1: submitter presumed right).
    function _tryDraw(uint256 disputeId, Dispute storage d, bool strict) internal {
        uint8 round = d.voting.round;
        uint64 seedBlock = d.seedBlock;
        (bytes32 seed, bool available) = sortition.seedAt(seedBlock, _seedKey(disputeId, round));
        if (!available) {
            if (seedBlock >= block.number) {
                if (strict) revert SeedNotReady(disputeId, seedBlock);
                emit CommitteeSeedScheduled(disputeId, round, seedBlock);
                return;
            }
            // Unread for too long: move to a future block nobody can know yet, drawing from the nodes as they are now.
            seedBlock = uint64(sortition.retarget(seedBlock));
            d.seedBlock = seedBlock;
            _freeze(d);
            emit CommitteeSeedScheduled(disputeId, round, seedBlock);
            return;
        }
        Params memory p = _params;
        uint64[] memory members = sortition.drawCommittee(seed, _committeeRules(d, p));
        if (members.length < p.committeeSize) {
            _finish(
                disputeId,
                d,
                round == 0 ? DisputeOutcome.NoCommittee : DisputeOutcome.NoQuorumSubmitterPresumedRight
            );
            return;
        }
        uint256[4] memory words;
        for (uint256 j; j < members.length; ++j) {
            words[j >> 2] |= uint256(members[j]) << ((j & 3) * 64);
        }
        _startRound(d, disputeId, round, p, words);
    }

    /// @dev Seats `words` as the committee of `round`, opens its commit and reveal phases, emits CommitteeDrawn.
    function _startRound(
        Dispute storage d,
        uint256 disputeId,
        uint8 round,
        Params memory p,
        uint256[4] memory words
    ) internal {
        uint64 commitDeadline = uint64(block.timestamp) + p.commitPeriod;
        uint64 revealDeadline = commitDeadline + p.revealPeriod;
        d.voting = Voting({
            status: DisputeStatus.Voting,
            outcome: DisputeOutcome.None,
            round: round,
            size: p.committeeSize,
            reveals: 0,
            votesWrong: 0,
            votesRight: 0,
            commitDeadline: commitDeadline,
            revealDeadline: revealDeadline,
            ballots: 0
        });
        for (uint256 w; w * 4 < p.committeeSize; ++w) {
            d.committee[w] = words[w];
        }
        emit CommitteeDrawn(
            disputeId, round, _members(words, p.committeeSize), commitDeadline, revealDeadline
        );
    }

    // ----------------------------------------------------------------------------------------------
    // Voting
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc IDisputeManager
    function commitVote(uint256 disputeId, uint256 nodeId, bytes32 commitment) external {
        Dispute storage d = _disputes[disputeId];
        Voting memory v = d.voting;
        _requireVoting(disputeId, v.status);
        // forge-lint: disable-next-line(block-timestamp): phases are minutes to days long
        if (block.timestamp > v.commitDeadline) revert CommitPhaseOver(disputeId, v.commitDeadline);
        uint256 shift = _seatOf(d, v.size, disputeId, nodeId) * 4;
        _requireOperatorOrWorker(nodeId);
        if ((v.ballots >> shift) & BALLOT_MASK != 0) revert AlreadyCommitted(disputeId, nodeId);

        d.voting.ballots = uint64(v.ballots | (BALLOT_COMMITTED << shift));
        _commitments[disputeId][(uint256(v.round) << 4) | (shift >> 2)] = commitment;
        emit VoteCommitted(disputeId, nodeId, commitment);
    }

    /// @inheritdoc IDisputeManager
    function revealVote(uint256 disputeId, uint256 nodeId, Vote vote, bytes32 salt) external {
        Dispute storage d = _disputes[disputeId];
        Voting memory v = d.voting;
        _requireVoting(disputeId, v.status);
        // forge-lint: disable-next-line(block-timestamp): phases are minutes to days long
        if (block.timestamp <= v.commitDeadline || block.timestamp > v.revealDeadline) {
            revert NotInRevealPhase(disputeId, v.commitDeadline, v.revealDeadline);
        }
        if (vote == Vote.None) revert InvalidVote();
        uint256 shift = _seatOf(d, v.size, disputeId, nodeId) * 4;
        _requireOperatorOrWorker(nodeId);
        uint256 ballot = (v.ballots >> shift) & BALLOT_MASK;
        if (ballot == 0) revert NoCommitment(disputeId, nodeId);
        if (ballot != BALLOT_COMMITTED) revert AlreadyRevealed(disputeId, nodeId);
        if (
            _voteCommitment(disputeId, nodeId, vote, salt)
                != _commitments[disputeId][(uint256(v.round) << 4) | (shift >> 2)]
        ) revert CommitmentMismatch(disputeId, nodeId);

        v.ballots = uint64(v.ballots + (uint256(vote) << shift)); // 1 -> 1 + vote
        ++v.reveals;
        if (vote == Vote.SubmitterRight) ++v.votesRight;
        else ++v.votesWrong;
        d.voting = v;
        emit VoteRevealed(disputeId, nodeId, vote);
    }

    // ----------------------------------------------------------------------------------------------
    // Resolution
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc IDisputeManager
    /// @dev Without quorum in round 0 the silent members are slashed first (which jails them, so they cannot be
    ///      redrawn), then round 1 is scheduled on the block after this call: a block nobody can know yet, whoever
    ///      calls and whenever.
    function resolve(uint256 disputeId) external nonReentrant {
        Dispute storage d = _disputes[disputeId];
        Voting memory v = d.voting;
        _requireVoting(disputeId, v.status);
        // forge-lint: disable-next-line(block-timestamp): phases are minutes to days long
        if (block.timestamp <= v.revealDeadline && v.reveals < v.size) {
            revert DisputeNotResolvable(disputeId, v.revealDeadline);
        }

        _penalizeNonRevealers(disputeId, d, v);
        bool quorum = v.reveals > v.size / 2;
        if (!quorum && v.round == 0) {
            d.voting.round = 1;
            d.voting.status = DisputeStatus.Drawing;
            uint64 seedBlock = uint64(block.number) + 1;
            d.seedBlock = seedBlock;
            _freeze(d);
            emit CommitteeSeedScheduled(disputeId, 1, seedBlock);
            return;
        }

        DisputeOutcome outcome;
        if (!quorum) outcome = DisputeOutcome.NoQuorumSubmitterPresumedRight;
        else if (v.votesWrong > v.votesRight) outcome = DisputeOutcome.SubmitterWrong;
        else outcome = DisputeOutcome.SubmitterRight; // a tie keeps the submitter right
        _finish(disputeId, d, outcome);
    }

    /// @dev Ends the dispute with `outcome`: tells the TaskManager (which says whether the judged attempt was still
    ///      live), then pays out. Effects before any payout.
    function _finish(uint256 disputeId, Dispute storage d, DisputeOutcome outcome) internal {
        Voting memory v = d.voting;
        d.voting.status = DisputeStatus.Resolved;
        d.voting.outcome = outcome;
        uint256 bond = d.bond;
        // INVARIANT: the bond leaves totalBonded exactly when it is paid out below (same transaction).
        // forge-lint: disable-next-line(unsafe-typecast): `bond` was read from a uint96 field
        _totalBonded -= uint96(bond);

        bool wrong = outcome == DisputeOutcome.SubmitterWrong;
        // INVARIANT: a verdict covers only checkpoint d of epoch `epoch`; the TaskManager re-queues the shard only
        // for a live loss, and pays nothing here.
        bool live = taskManager.onDisputeResolved(
            d.taskId, d.shardIndex, d.epoch, disputeId, wrong, d.checkpointIndex
        );

        if (outcome == DisputeOutcome.NoCommittee || (wrong && !live)) {
            // Nobody judged it, or the attempt already lost: the challenger gets its bond back, nobody is slashed.
            emit DisputeResolved(disputeId, outcome, v.votesWrong, v.votesRight, 0, live);
            _pay(disputeId, d.challenger, PayoutKind.BondReturn, bond);
        } else if (wrong) {
            _resolveSubmitterWrong(disputeId, d, v, bond);
        } else {
            emit DisputeResolved(disputeId, outcome, v.votesWrong, v.votesRight, 0, live);
            _payBondToSubmitterSide(disputeId, d, v, bond, outcome == DisputeOutcome.SubmitterRight);
        }
    }

    /// @dev Submitter slashed, slash plus bond paid out in protocol order (the shard was already re-queued).
    function _resolveSubmitterWrong(uint256 disputeId, Dispute storage d, Voting memory v, uint256 bond)
        internal
    {
        // The client and the per-shard collateral are fixed when the task is posted (the collateral equals
        // ChallengedResult.collateral); reading them here saves a storage slot per dispute.
        (address client, uint256 collateral) = taskManager.taskParties(d.taskId);
        Settlement memory s = Settlement({bond: bond, slashed: 0, client: client, collateral: collateral});
        s.slashed = _slashSubmitter(d.submitterNodeId, s.collateral);
        emit DisputeResolved(
            disputeId, DisputeOutcome.SubmitterWrong, v.votesWrong, v.votesRight, s.slashed, true
        );
        _payOutSlash(disputeId, d, v, s);
    }

    /// @dev Slashes collateral + disputeSlashBps of everything else the node holds (bonded beyond the
    ///      collateral, plus unbonding), to this contract. Unbonding stake counts so that moving free stake
    ///      out after submitting a wrong result does not shrink the penalty.
    function _slashSubmitter(uint256 submitter, uint256 collateral) internal returns (uint256 slashed) {
        NodeView memory node = registry.getNode(submitter);
        uint256 held = uint256(node.stake) + node.unbonding;
        uint256 target = collateral;
        if (held > collateral) target += (held - collateral) * _params.disputeSlashBps / BPS;
        // INVARIANT: `slashed` is what the registry moved to this contract; all of it (plus the bond) is paid
        // out by `_payOutSlash`, so payouts of this dispute == slashed + bond.
        if (target != 0) slashed = registry.slash(submitter, target, address(this), SlashReason.DisputeLost);
    }

    /// @dev Pays `slashed + bond` in protocol order: client, challenger, majority voters, treasury.
    function _payOutSlash(uint256 disputeId, Dispute storage d, Voting memory v, Settlement memory s)
        internal
    {
        Params memory p = _params;
        uint256 toClient = s.slashed < s.collateral ? s.slashed : s.collateral;
        uint256 reward = (s.slashed - toClient) * p.challengerRewardBps / BPS;
        uint256 voterPool = (s.slashed - toClient - reward) * p.voterRewardBps / BPS;

        _pay(disputeId, s.client, PayoutKind.ClientCompensation, toClient);
        if (s.bond + reward != 0) {
            address challenger = d.challenger;
            if (s.bond != 0) emit DisputePayout(disputeId, challenger, PayoutKind.BondReturn, s.bond);
            if (reward != 0) emit DisputePayout(disputeId, challenger, PayoutKind.ChallengerReward, reward);
            token.safeTransfer(challenger, s.bond + reward);
        }
        uint256 paidToVoters = _payMajority(disputeId, d, v, voterPool, false);
        // INVARIANT: remainder and rounding dust close the sum: client + challenger + voters + treasury
        // == slashed + bond.
        _pay(disputeId, _treasury, PayoutKind.Treasury, s.slashed - toClient - reward - paidToVoters);
    }

    /// @dev Submitter right (or presumed right): the bond goes partly to the submitter's operator and the rest to
    ///      the majority voters (the treasury when there is no majority).
    function _payBondToSubmitterSide(
        uint256 disputeId,
        Dispute storage d,
        Voting memory v,
        uint256 bond,
        bool quorum
    ) internal {
        if (bond == 0) return;
        uint256 toSubmitter = bond * _params.submitterBondShareBps / BPS;
        _pay(disputeId, registry.operatorOf(d.submitterNodeId), PayoutKind.SubmitterReward, toSubmitter);
        uint256 paidToVoters = quorum ? _payMajority(disputeId, d, v, bond - toSubmitter, true) : 0;
        // INVARIANT: submitter share + voters + treasury == bond.
        _pay(disputeId, _treasury, PayoutKind.Treasury, bond - toSubmitter - paidToVoters);
    }

    /// @dev Splits `pool` equally among the members whose revealed vote sided with the outcome; returns what
    ///      was paid (pool minus dust; zero when nobody sided with it).
    function _payMajority(
        uint256 disputeId,
        Dispute storage d,
        Voting memory v,
        uint256 pool,
        bool submitterRight
    ) internal returns (uint256 paid) {
        uint256 winners = submitterRight ? v.votesRight : v.votesWrong;
        if (pool == 0 || winners == 0) return 0;
        uint256 share = pool / winners;
        if (share == 0) return 0;
        uint256 size = v.size;
        uint256 word;
        for (uint256 seat; seat < size; ++seat) {
            if (seat & 3 == 0) word = d.committee[seat >> 2];
            uint256 ballot = (v.ballots >> (seat * 4)) & BALLOT_MASK;
            if (ballot <= BALLOT_COMMITTED) continue;
            if ((ballot == BALLOT_COMMITTED + uint256(Vote.SubmitterRight)) != submitterRight) continue;
            uint256 nodeId = _lane(word, seat);
            _pay(disputeId, registry.operatorOf(nodeId), PayoutKind.VoterReward, share);
            paid += share;
        }
    }

    /// @dev Slashes `nonRevealSlash` from every member of the current round that did not reveal, to the treasury.
    function _penalizeNonRevealers(uint256 disputeId, Dispute storage d, Voting memory v) internal {
        if (v.reveals == v.size) return;
        uint256 amount = _seatRules.nonRevealSlash;
        if (amount == 0) return;
        address treasury_ = _treasury;
        uint256 size = v.size;
        uint256 word;
        for (uint256 seat; seat < size; ++seat) {
            if (seat & 3 == 0) word = d.committee[seat >> 2];
            if ((v.ballots >> (seat * 4)) & BALLOT_MASK > BALLOT_COMMITTED) continue;
            uint256 nodeId = _lane(word, seat);
            // INVARIANT: penalties go straight from the registry to the treasury; this contract's balance and
            // the dispute's payouts are untouched.
            uint256 slashed = registry.slash(nodeId, amount, treasury_, SlashReason.NonReveal);
            emit NonRevealPenalized(disputeId, nodeId, slashed);
        }
    }

    function _pay(uint256 disputeId, address to, PayoutKind kind, uint256 amount) internal {
        if (amount == 0) return;
        emit DisputePayout(disputeId, to, kind, amount);
        token.safeTransfer(to, amount);
    }

    // ----------------------------------------------------------------------------------------------
    // Sampling
    // ----------------------------------------------------------------------------------------------

    function _seedKey(uint256 disputeId, uint256 round) internal pure returns (bytes32) {
        return keccak256(abi.encode("committee", disputeId, round));
    }

    function _committeeRules(Dispute storage d, Params memory p)
        internal
        view
        returns (CommitteeRules memory r)
    {
        SeatRules memory rules = _seatRules;
        uint256 minAge = rules.committeeMinAge;
        r.submitterOperator = registry.operatorOf(d.submitterNodeId);
        r.challenger = d.challenger;
        (r.client,) = taskManager.taskParties(d.taskId);
        r.size = p.committeeSize;
        r.maxTries = p.maxSampleTries;
        r.minTier = Tier(p.committeeMinTier);
        r.minStake = rules.committeeMinStake;
        r.registeredBefore = block.timestamp > minAge ? uint64(block.timestamp - minAge) : 0;
        r.frozenAt = d.frozenAt;
        r.nodeCount = d.nodeCount;
    }

    /// @dev Fixes the population of the next draw at this block: the nodes registered now, unchanged from now on.
    function _freeze(Dispute storage d) internal {
        // forge-lint: disable-next-line(unsafe-typecast): block numbers fit 48 bits
        d.frozenAt = uint48(block.number);
        d.nodeCount = uint64(registry.nodeCount());
    }

    function _members(uint256[4] memory words, uint256 size) internal pure returns (uint64[] memory members) {
        members = new uint64[](size);
        for (uint256 j; j < size; ++j) {
            members[j] = uint64(_lane(words[j >> 2], j));
        }
    }

    /// @dev Node id in seat `seat` of its committee word (seat j sits in lane j % 4 of word j / 4).
    function _lane(uint256 word, uint256 seat) internal pure returns (uint256) {
        return (word >> ((seat & 3) * 64)) & type(uint64).max;
    }

    /// @dev Seat of `nodeId` in the current committee; reverts NotCommitteeMember.
    function _seatOf(Dispute storage d, uint256 size, uint256 disputeId, uint256 nodeId)
        internal
        view
        returns (uint256)
    {
        uint256 word;
        for (uint256 seat; seat < size; ++seat) {
            if (seat & 3 == 0) word = d.committee[seat >> 2];
            if (_lane(word, seat) == nodeId) return seat;
        }
        revert NotCommitteeMember(disputeId, nodeId);
    }

    function _requireVoting(uint256 disputeId, DisputeStatus status) internal pure {
        if (status == DisputeStatus.None) revert UnknownDispute(disputeId);
        if (status == DisputeStatus.Resolved) revert DisputeAlreadyResolved(disputeId);
        if (status == DisputeStatus.Drawing) revert CommitteeNotDrawn(disputeId);
    }

    function _challengeCommitment(address challenger, ChallengeParams calldata params, bytes32 salt)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(
            abi.encode(
                challenger,
                params.taskId,
                params.shardIndex,
                params.checkpointIndex,
                params.step,
                params.leafHash,
                params.challengerHash,
                salt
            )
        );
    }

    function _requireOperatorOrWorker(uint256 nodeId) internal view {
        if (!registry.isOperatorOrWorker(nodeId, msg.sender)) {
            revert NotNodeOperatorOrWorker(nodeId, msg.sender);
        }
    }

    function _voteCommitment(uint256 disputeId, uint256 nodeId, Vote vote, bytes32 salt)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(disputeId, nodeId, vote, salt));
    }

    // ----------------------------------------------------------------------------------------------
    // Governance
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc IDisputeManager
    function setTreasury(address newTreasury) external onlyRole(GOVERNOR_ROLE) {
        if (newTreasury == address(0)) revert ZeroAddress();
        emit TreasurySet(_treasury, newTreasury);
        _treasury = newTreasury;
    }

    /// @inheritdoc Governed
    /// @dev committeeSize must also be odd: an even value reverts with ParameterOutOfBounds.
    function _setParameter(bytes32 name, uint256 value) internal override {
        // Values arrive inside their bounds (Governed checks them; the defaults are in range), and every bound
        // fits the field it is stored in, so the narrowing casts below are exact.
        // forge-lint: disable-start(unsafe-typecast)
        Params storage p = _params;
        if (name == P_COMMITTEE_SIZE) {
            if (value % 2 == 0) {
                (uint256 min, uint256 max) = _parameterBounds(name);
                revert ParameterOutOfBounds(name, value, min, max);
            }
            p.committeeSize = uint8(value);
        } else if (name == P_COMMITTEE_MIN_TIER) {
            p.committeeMinTier = uint8(value);
        } else if (name == P_CHALLENGE_BOND) {
            p.challengeBond = uint96(value);
        } else if (name == P_COMMIT_PERIOD) {
            p.commitPeriod = uint32(value);
        } else if (name == P_REVEAL_PERIOD) {
            p.revealPeriod = uint32(value);
        } else if (name == P_DISPUTE_SLASH_BPS) {
            p.disputeSlashBps = uint16(value);
        } else if (name == P_CHALLENGER_REWARD_BPS) {
            p.challengerRewardBps = uint16(value);
        } else if (name == P_VOTER_REWARD_BPS) {
            p.voterRewardBps = uint16(value);
        } else if (name == P_SUBMITTER_BOND_SHARE_BPS) {
            p.submitterBondShareBps = uint16(value);
        } else if (name == P_NON_REVEAL_SLASH) {
            _seatRules.nonRevealSlash = uint128(value);
        } else if (name == P_COMMITTEE_MIN_STAKE) {
            _seatRules.committeeMinStake = uint96(value);
        } else if (name == P_COMMITTEE_MIN_AGE) {
            _seatRules.committeeMinAge = uint32(value);
        } else {
            p.maxSampleTries = uint16(value); // P_MAX_SAMPLE_TRIES, the only known name left
        }
        // forge-lint: disable-end(unsafe-typecast)
    }

    /// @inheritdoc Governed
    function _getParameter(bytes32 name) internal view override returns (uint256) {
        Params memory p = _params;
        if (name == P_COMMITTEE_SIZE) return p.committeeSize;
        if (name == P_COMMITTEE_MIN_TIER) return p.committeeMinTier;
        if (name == P_CHALLENGE_BOND) return p.challengeBond;
        if (name == P_COMMIT_PERIOD) return p.commitPeriod;
        if (name == P_REVEAL_PERIOD) return p.revealPeriod;
        if (name == P_DISPUTE_SLASH_BPS) return p.disputeSlashBps;
        if (name == P_CHALLENGER_REWARD_BPS) return p.challengerRewardBps;
        if (name == P_VOTER_REWARD_BPS) return p.voterRewardBps;
        if (name == P_SUBMITTER_BOND_SHARE_BPS) return p.submitterBondShareBps;
        if (name == P_NON_REVEAL_SLASH) return _seatRules.nonRevealSlash;
        if (name == P_COMMITTEE_MIN_STAKE) return _seatRules.committeeMinStake;
        if (name == P_COMMITTEE_MIN_AGE) return _seatRules.committeeMinAge;
        if (name == P_MAX_SAMPLE_TRIES) return p.maxSampleTries;
        revert UnknownParameter(name);
    }

    /// @inheritdoc Governed
    /// @dev committeeSize: odd, 1 .. min(15, maxSampleTries); maxSampleTries: committeeSize .. 1024 (a zero
    ///      committeeSize only while the constructor sets the defaults).
    function _parameterBounds(bytes32 name) internal view override returns (uint256 min, uint256 max) {
        if (name == P_COMMITTEE_SIZE) {
            uint256 tries = _params.maxSampleTries;
            return (1, tries < MAX_COMMITTEE_SIZE ? tries : MAX_COMMITTEE_SIZE);
        }
        if (name == P_COMMITTEE_MIN_TIER) return (uint256(Tier.None), uint256(Tier.Platinum));
        if (name == P_CHALLENGE_BOND) return (0, 1e9 * NRL);
        if (name == P_COMMIT_PERIOD || name == P_REVEAL_PERIOD) return (1 minutes, 7 days);
        if (
            name == P_DISPUTE_SLASH_BPS || name == P_CHALLENGER_REWARD_BPS || name == P_VOTER_REWARD_BPS
                || name == P_SUBMITTER_BOND_SHARE_BPS
        ) return (0, BPS);
        if (name == P_NON_REVEAL_SLASH) return (0, 1e6 * NRL);
        if (name == P_COMMITTEE_MIN_STAKE) return (0, 1e9 * NRL);
        if (name == P_COMMITTEE_MIN_AGE) return (0, 90 days);
        if (name == P_MAX_SAMPLE_TRIES) return (_params.committeeSize, MAX_SAMPLE_TRIES);
        revert UnknownParameter(name);
    }

    // ----------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc IDisputeManager
    function disputeCount() external view returns (uint256) {
        return _disputeCount;
    }

    /// @inheritdoc IDisputeManager
    function challengeCommitCount() external view returns (uint256) {
        return _commitCount;
    }

    /// @inheritdoc IDisputeManager
    function getChallengeCommit(uint256 commitId) external view returns (ChallengeCommitView memory cv) {
        ChallengeCommit storage c = _challengeCommits[commitId];
        if (c.status == ChallengeCommitStatus.None) revert UnknownChallengeCommit(commitId);
        cv.status = c.status;
        cv.challenger = c.challenger;
        cv.taskId = c.taskId;
        cv.shardIndex = c.shardIndex;
        cv.epoch = c.epoch;
        cv.committedBlock = c.committedBlock;
        cv.revealDeadline = c.revealDeadline;
        cv.bond = c.bond;
        cv.commitment = c.commitment;
        cv.disputeId = c.disputeId;
    }

    /// @inheritdoc IDisputeManager
    function challengeCommitment(address challenger, ChallengeParams calldata params, bytes32 salt)
        external
        pure
        returns (bytes32)
    {
        return _challengeCommitment(challenger, params, salt);
    }

    /// @inheritdoc IDisputeManager
    function getDispute(uint256 disputeId) external view returns (DisputeView memory dv) {
        Dispute storage d = _disputes[disputeId];
        Voting memory v = d.voting;
        if (v.status == DisputeStatus.None) revert UnknownDispute(disputeId);
        dv.status = v.status;
        dv.outcome = v.outcome;
        dv.round = v.round;
        dv.epoch = d.epoch;
        dv.seedBlock = d.seedBlock;
        dv.commitId = d.commitId;
        dv.votesWrong = v.votesWrong;
        dv.votesRight = v.votesRight;
        dv.reveals = v.reveals;
        dv.checkpointIndex = d.checkpointIndex;
        dv.taskId = d.taskId;
        dv.shardIndex = d.shardIndex;
        dv.submitterNodeId = d.submitterNodeId;
        dv.openedAt = d.openedAt;
        dv.commitDeadline = v.commitDeadline;
        dv.revealDeadline = v.revealDeadline;
        dv.challenger = d.challenger;
        dv.bond = d.bond;
        dv.leafHash = d.leafHash;
        dv.challengerHash = d.challengerHash;
        dv.committee = _members(d.committee, v.size);
    }

    /// @inheritdoc IDisputeManager
    /// @dev For the current round; (0, None) for a node that is not on the current committee.
    function voteOf(uint256 disputeId, uint256 nodeId) external view returns (bytes32 commitment, Vote vote) {
        Dispute storage d = _disputes[disputeId];
        Voting memory v = d.voting;
        if (v.status == DisputeStatus.None) revert UnknownDispute(disputeId);
        uint256 word;
        for (uint256 seat; seat < v.size; ++seat) {
            if (seat & 3 == 0) word = d.committee[seat >> 2];
            if (_lane(word, seat) != nodeId) continue;
            commitment = _commitments[disputeId][(uint256(v.round) << 4) | seat];
            uint256 ballot = (v.ballots >> (seat * 4)) & BALLOT_MASK;
            if (ballot > BALLOT_COMMITTED) vote = Vote(ballot - BALLOT_COMMITTED);
            break;
        }
    }

    /// @inheritdoc IDisputeManager
    function voteCommitment(uint256 disputeId, uint256 nodeId, Vote vote, bytes32 salt)
        external
        pure
        returns (bytes32)
    {
        return _voteCommitment(disputeId, nodeId, vote, salt);
    }

    /// @inheritdoc IDisputeManager
    function checkpointLeaf(uint256 index, uint256 step, bytes32 checkpointHash)
        external
        pure
        returns (bytes32)
    {
        return CheckpointMerkle.leaf(index, step, checkpointHash);
    }

    /// @inheritdoc IDisputeManager
    function verifyCheckpoint(
        bytes32 root,
        uint256 index,
        uint256 step,
        bytes32 checkpointHash,
        bytes32[] calldata proof
    ) external pure returns (bool) {
        return CheckpointMerkle.verify(root, index, step, checkpointHash, proof);
    }

    /// @inheritdoc IDisputeManager
    function committeeMinTier() external view returns (Tier) {
        return Tier(_params.committeeMinTier);
    }

    /// @inheritdoc IDisputeManager
    function treasury() external view returns (address) {
        return _treasury;
    }

    /// @inheritdoc IDisputeManager
    function totalBonded() external view returns (uint256) {
        return _totalBonded;
    }
}
