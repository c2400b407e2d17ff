// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {Governed} from "./base/Governed.sol";
import {IDisputeManager} from "./interfaces/IDisputeManager.sol";
import {INodeRegistry} from "./interfaces/INodeRegistry.sol";
import {IRandomnessSource} from "./interfaces/IRandomnessSource.sol";
import {ITaskManager} from "./interfaces/ITaskManager.sol";
import {CheckpointMerkle} from "./libraries/CheckpointMerkle.sol";
import {
    ChallengedResult,
    ChallengeParams,
    DisputeOutcome,
    DisputeStatus,
    DisputeView,
    NodeView,
    PayoutKind,
    SlashReason,
    TaskView,
    Tier,
    Vote
} from "./types/Types.sol";

/// @title DisputeManager
/// @notice Pinpointed challenges of submitted shards, decided by a committee sampled on-chain from the
///         active node set, voting by commit-reveal. See docs/protocol.md ("DisputeManager").
/// @dev Trust model: the token, NodeRegistry, TaskManager and randomness source are protocol contracts set at
///      deployment (randomness by the governor). Every state-changing entry point that moves tokens is
///      nonReentrant; `challenge` must call `taskManager.onChallenged` before its own writes because the
///      checkpoint root it verifies against comes from that call.
///      Governance parameters are read when used: a change applies to disputes already open (the bond is fixed
///      per dispute; the collateral is the task's, fixed when the task was posted).
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
    bytes32 internal constant P_CHALLENGE_BOND = "challengeBond";
    bytes32 internal constant P_COMMIT_PERIOD = "commitPeriod";
    bytes32 internal constant P_REVEAL_PERIOD = "revealPeriod";
    bytes32 internal constant P_DISPUTE_SLASH_BPS = "disputeSlashBps";
    bytes32 internal constant P_CHALLENGER_REWARD_BPS = "challengerRewardBps";
    bytes32 internal constant P_VOTER_REWARD_BPS = "voterRewardBps";
    bytes32 internal constant P_SUBMITTER_BOND_SHARE_BPS = "submitterBondShareBps";
    bytes32 internal constant P_NON_REVEAL_SLASH = "nonRevealSlash";
    bytes32 internal constant P_MAX_SAMPLE_TRIES = "maxSampleTries";

    /// @dev All numeric parameters but nonRevealSlash, packed in one slot (read once per challenge / resolve).
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
        bytes32 leafHash; // slot 3
        bytes32 challengerHash; // slot 4
        uint256[4] committee; // slots 5..8: seat j is bits [64 * (j % 4), 64 * (j % 4) + 64) of word j / 4
    }

    /// @notice The NRL token (bonds, slashes and payouts).
    IERC20 public immutable token;
    /// @notice The NodeRegistry (active set, tiers, slashing).
    INodeRegistry public immutable registry;
    /// @notice The TaskManager (challenged shards).
    ITaskManager public immutable taskManager;

    Params internal _params;
    // One slot, read (seed source) and bumped (counter) by every challenge.
    address internal _randomness;
    uint64 internal _disputeCount;
    // One slot: the treasury, read by every resolve, and the bonds held. The address keeps the slot non-zero,
    // so a bond coming in never pays for a zero-to-non-zero write. NRL amounts fit 96 bits (see NeuralToken);
    // the sum of open bonds is below the token supply.
    address internal _treasury;
    uint96 internal _totalBonded;
    uint256 internal _nonRevealSlash; // read only when a member did not reveal

    mapping(uint256 disputeId => Dispute) internal _disputes;
    /// @dev Commitments by dispute and `round * 16 + seat`.
    mapping(uint256 disputeId => mapping(uint256 roundSeat => bytes32)) internal _commitments;

    constructor(
        address token_,
        address registry_,
        address taskManager_,
        address randomness_,
        address governor,
        address treasury_
    ) Governed(governor) {
        if (
            token_ == address(0) || registry_ == address(0) || taskManager_ == address(0)
                || randomness_ == address(0) || governor == address(0) || treasury_ == address(0)
        ) revert ZeroAddress();
        token = IERC20(token_);
        registry = INodeRegistry(registry_);
        taskManager = ITaskManager(taskManager_);
        _randomness = randomness_;
        _treasury = treasury_;
        // Defaults (docs/protocol.md). maxSampleTries before committeeSize: each bounds the other.
        _initParameter(P_MAX_SAMPLE_TRIES, 64);
        _initParameter(P_COMMITTEE_SIZE, 3);
        _initParameter(P_COMMITTEE_MIN_TIER, uint256(Tier.Bronze));
        _initParameter(P_CHALLENGE_BOND, 50 * NRL);
        _initParameter(P_COMMIT_PERIOD, 1 hours);
        _initParameter(P_REVEAL_PERIOD, 1 hours);
        _initParameter(P_DISPUTE_SLASH_BPS, 1000);
        _initParameter(P_CHALLENGER_REWARD_BPS, 3000);
        _initParameter(P_VOTER_REWARD_BPS, 5000);
        _initParameter(P_SUBMITTER_BOND_SHARE_BPS, 5000);
        _initParameter(P_NON_REVEAL_SLASH, 5 * NRL);
        emit TreasurySet(address(0), treasury_);
        emit RandomnessSourceSet(address(0), randomness_);
    }

    // ----------------------------------------------------------------------------------------------
    // Challenge
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc IDisputeManager
    function challenge(ChallengeParams calldata params) external nonReentrant returns (uint256 disputeId) {
        Params memory p = _params;
        disputeId = ++_disputeCount;

        // The TaskManager checks the shard is Submitted and inside its window, moves it to Challenged and
        // returns the committed root; it reverts (and so does this) otherwise.
        ChallengedResult memory r =
            taskManager.onChallenged(params.taskId, params.shardIndex, disputeId, msg.sender);
        if (params.checkpointIndex >= r.checkpointCount) {
            revert CheckpointIndexOutOfRange(params.checkpointIndex, r.checkpointCount);
        }
        if (!CheckpointMerkle.verify(
                r.checkpointRoot, params.checkpointIndex, params.step, params.leafHash, params.proof
            )) revert InvalidMerkleProof();
        if (registry.isOperatorOrWorker(r.submitterNodeId, msg.sender)) {
            revert ChallengerIsSubmitter(msg.sender);
        }

        (uint256[4] memory words, uint256 filled) =
            _drawCommittee(disputeId, 0, r.submitterNodeId, msg.sender, p);
        if (filled < p.committeeSize) revert CommitteeUnavailable(filled, p.committeeSize);

        emit DisputeOpened(
            disputeId,
            params.taskId,
            params.shardIndex,
            msg.sender,
            r.submitterNodeId,
            params.checkpointIndex,
            params.leafHash,
            params.challengerHash,
            p.challengeBond
        );
        _openDispute(disputeId, params, r, p, words);

        if (p.challengeBond != 0) token.safeTransferFrom(msg.sender, address(this), p.challengeBond);
    }

    /// @dev Stores a new dispute with its round-0 committee and emits CommitteeDrawn.
    function _openDispute(
        uint256 disputeId,
        ChallengeParams calldata params,
        ChallengedResult memory r,
        Params memory p,
        uint256[4] memory words
    ) internal {
        Dispute storage d = _disputes[disputeId];
        d.taskId = params.taskId;
        d.shardIndex = params.shardIndex;
        d.checkpointIndex = params.checkpointIndex;
        d.submitterNodeId = r.submitterNodeId;
        d.openedAt = uint64(block.timestamp);
        d.challenger = msg.sender;
        d.bond = p.challengeBond;
        d.leafHash = params.leafHash;
        if (params.challengerHash != bytes32(0)) d.challengerHash = params.challengerHash;
        _startRound(disputeId, d, 0, p, words);
        // INVARIANT: totalBonded grows by exactly the bond pulled at the end of `challenge`, so
        // balance >= totalBonded holds.
        _totalBonded += p.challengeBond;
    }

    /// @dev Seats `words` as the committee of `round`, opens its commit and reveal phases, emits CommitteeDrawn.
    function _startRound(
        uint256 disputeId,
        Dispute storage d,
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
    ///      redrawn), then a new committee is drawn. If no full committee can be drawn, the dispute resolves as
    ///      NoQuorumSubmitterPresumedRight instead of reverting, so a dispute can never get stuck.
    function resolve(uint256 disputeId) external nonReentrant {
        Dispute storage d = _disputes[disputeId];
        Voting memory v = d.voting;
        _requireVoting(disputeId, v.status);
        // forge-lint: disable-next-line(block-timestamp): phases are minutes to days long
        if (block.timestamp <= v.revealDeadline && v.reveals < v.size) {
            revert DisputeNotResolvable(disputeId, v.revealDeadline);
        }

        bool quorum = v.reveals > v.size / 2;
        bool penalized;
        if (!quorum && v.round == 0) {
            _penalizeNonRevealers(disputeId, d, v);
            penalized = true;
            if (_redraw(disputeId, d)) return;
        }

        DisputeOutcome outcome;
        if (!quorum) outcome = DisputeOutcome.NoQuorumSubmitterPresumedRight;
        else if (v.votesWrong > v.votesRight) outcome = DisputeOutcome.SubmitterWrong;
        else outcome = DisputeOutcome.SubmitterRight; // a tie keeps the submitter right

        // Effects before any payout.
        d.voting.status = DisputeStatus.Resolved;
        d.voting.outcome = outcome;
        uint256 bond = d.bond;
        // INVARIANT: the bond leaves totalBonded exactly when it is paid out below (same transaction).
        // forge-lint: disable-next-line(unsafe-typecast): `bond` was read from a uint96 field
        _totalBonded -= uint96(bond);

        if (!penalized) _penalizeNonRevealers(disputeId, d, v);

        if (outcome == DisputeOutcome.SubmitterWrong) {
            _resolveSubmitterWrong(disputeId, d, v, bond);
        } else {
            taskManager.onDisputeResolved(d.taskId, d.shardIndex, false, 0);
            emit DisputeResolved(disputeId, outcome, v.votesWrong, v.votesRight, 0);
            _payBondToSubmitterSide(disputeId, d, v, bond, quorum);
        }
    }

    /// @dev Shard re-queued from checkpoint d, submitter slashed, slash plus bond paid out in protocol order.
    function _resolveSubmitterWrong(uint256 disputeId, Dispute storage d, Voting memory v, uint256 bond)
        internal
    {
        uint256 taskId = d.taskId;
        // Unlocks the assignment's collateral first, so the slash below can take it.
        taskManager.onDisputeResolved(taskId, d.shardIndex, true, d.checkpointIndex);
        // The client and the per-shard collateral are fixed when the task is posted (the collateral equals
        // ChallengedResult.collateral); reading them here saves a storage slot per dispute.
        TaskView memory t = taskManager.getTask(taskId);
        Settlement memory s =
            Settlement({bond: bond, slashed: 0, client: t.client, collateral: t.collateralPerShard});
        s.slashed = _slashSubmitter(d.submitterNodeId, s.collateral);
        emit DisputeResolved(disputeId, DisputeOutcome.SubmitterWrong, v.votesWrong, v.votesRight, s.slashed);
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
        uint256 amount = _nonRevealSlash;
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

    /// @dev Draws the round-1 committee; returns false (state untouched) when it cannot be filled.
    function _redraw(uint256 disputeId, Dispute storage d) internal returns (bool) {
        Params memory p = _params;
        (uint256[4] memory words, uint256 filled) =
            _drawCommittee(disputeId, 1, d.submitterNodeId, d.challenger, p);
        if (filled < p.committeeSize) return false;
        _startRound(disputeId, d, 1, p, words);
        return true;
    }

    function _pay(uint256 disputeId, address to, PayoutKind kind, uint256 amount) internal {
        if (amount == 0) return;
        emit DisputePayout(disputeId, to, kind, amount);
        token.safeTransfer(to, amount);
    }

    // ----------------------------------------------------------------------------------------------
    // Sampling
    // ----------------------------------------------------------------------------------------------

    /// @dev protocol.md "Sampling": draw i picks `activeNodeAt(uint256(keccak256(abi.encode(seed, i))) % n)`,
    ///      with i counting every draw of the round from 0. A candidate is skipped when it is already seated,
    ///      is the submitter, has the challenger as operator or worker, or is below committeeMinTier. At most
    ///      maxSampleTries draws per seat. Returns the packed committee and how many seats were filled.
    function _drawCommittee(
        uint256 disputeId,
        uint256 round,
        uint256 submitter,
        address challenger,
        Params memory p
    ) internal view returns (uint256[4] memory words, uint256 filled) {
        uint256 n = registry.activeNodeCount();
        if (n == 0) return (words, 0);
        bytes32 seed = IRandomnessSource(_randomness).seed(disputeId, round);
        uint256 k = p.committeeSize;
        uint256 maxTries = p.maxSampleTries;
        Tier minTier = Tier(p.committeeMinTier);
        uint256 i;
        while (filled < k) {
            bool found;
            for (uint256 tries; tries < maxTries; ++tries) {
                uint256 nodeId =
                    registry.activeNodeAt(uint256(Hashes.efficientKeccak256(seed, bytes32(i))) % n);
                ++i;
                if (nodeId == submitter || _isSeated(words, filled, nodeId)) continue;
                if (registry.tierOf(nodeId) < minTier) continue;
                if (registry.isOperatorOrWorker(nodeId, challenger)) continue;
                words[filled >> 2] |= nodeId << ((filled & 3) * 64);
                found = true;
                break;
            }
            if (!found) return (words, filled);
            ++filled;
        }
    }

    function _isSeated(uint256[4] memory words, uint256 filled, uint256 nodeId) internal pure returns (bool) {
        for (uint256 j; j < filled; ++j) {
            if (_lane(words[j >> 2], j) == nodeId) return true;
        }
        return false;
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

    /// @inheritdoc IDisputeManager
    function setRandomnessSource(address newSource) external onlyRole(GOVERNOR_ROLE) {
        if (newSource == address(0)) revert ZeroAddress();
        emit RandomnessSourceSet(_randomness, newSource);
        _randomness = newSource;
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
            _nonRevealSlash = value;
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
        if (name == P_NON_REVEAL_SLASH) return _nonRevealSlash;
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
    function getDispute(uint256 disputeId) external view returns (DisputeView memory dv) {
        Dispute storage d = _disputes[disputeId];
        Voting memory v = d.voting;
        if (v.status == DisputeStatus.None) revert UnknownDispute(disputeId);
        dv.status = v.status;
        dv.outcome = v.outcome;
        dv.round = v.round;
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
    function randomness() external view returns (address) {
        return _randomness;
    }

    /// @inheritdoc IDisputeManager
    function totalBonded() external view returns (uint256) {
        return _totalBonded;
    }
}
