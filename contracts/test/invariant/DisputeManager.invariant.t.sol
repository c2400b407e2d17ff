// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test, Vm} from "forge-std/Test.sol";

import {DisputeManager} from "../../src/DisputeManager.sol";
import {IDisputeManager} from "../../src/interfaces/IDisputeManager.sol";
import {NeuralToken} from "../../src/NeuralToken.sol";
import {NodeRegistry} from "../../src/NodeRegistry.sol";
import {TaskManager} from "../../src/TaskManager.sol";
import {
    Assignment,
    ChallengeCommitStatus,
    ChallengeCommitView,
    ChallengeParams,
    DisputeOutcome,
    DisputeStatus,
    DisputeView,
    ShardStatus,
    ShardView,
    TaskView,
    Tier,
    Vote
} from "../../src/types/Types.sol";
import {CheckpointTree} from "../utils/CheckpointTree.sol";
import {DisputeFixture} from "../utils/DisputeFixture.sol";

/// @notice Drives disputes through random challenge commitments (revealed at once, or late, or never), committee
///         draws (at once, scheduled, re-targeted after 256 blocks), vote commits and reveals, time and block jumps,
///         resolutions, closes of unrevealed commitments and unjails.
contract DisputeHandler is Test {
    using CheckpointTree for CheckpointTree.Tree;

    uint32 internal constant CKPTS = 5;

    DisputeManager internal dm;
    NodeRegistry internal registry;
    TaskManager internal taskManager;
    NeuralToken internal token;
    address internal governor;
    address internal keeper;
    address internal challenger;
    uint256 internal taskId;
    uint32 internal nextShard;
    uint256 internal nodeCount;
    mapping(uint256 => address) internal workers;

    uint256[] internal openIds;
    uint256[] internal openCommits; // unrevealed challenge commitments
    mapping(uint256 commitId => uint32) internal committedIndex;
    mapping(uint256 id => mapping(uint256 round => mapping(uint256 nodeId => Vote))) internal intended;

    // Ghost accounting.
    uint256 public ghost_bondsIn; // bonds pulled by challenge commitments
    uint256 public ghost_bondsSettled; // bonds of resolved disputes and closed commitments
    uint256 public ghost_slashedIn; // slashes paid to the DisputeManager
    uint256 public ghost_paidOut; // Σ DisputePayout
    uint256 public ghost_openBonds; // Σ bonds of open disputes
    uint256 public ghost_resolved;
    uint256 public ghost_submitterWrong;
    uint256 public ghost_redraws;
    uint256 public ghost_noCommittee;
    uint256 public ghost_scheduledDraws; // disputes or redraws that waited for their seed block
    uint256 public ghost_commitsClosed;
    uint256 public ghost_commitsForfeited;
    uint256 public ghost_mismatchedDisputes; // resolved disputes whose payouts != slashed + bond
    uint256 public ghost_unexpectedReverts; // protocol calls that should have succeeded but reverted

    constructor(
        DisputeManager dm_,
        NodeRegistry registry_,
        TaskManager taskManager_,
        NeuralToken token_,
        address governor_,
        address keeper_,
        address challenger_,
        uint256 taskId_,
        uint32 firstShard,
        address[] memory workers_
    ) {
        dm = dm_;
        registry = registry_;
        taskManager = taskManager_;
        token = token_;
        governor = governor_;
        keeper = keeper_;
        challenger = challenger_;
        taskId = taskId_;
        nextShard = firstShard;
        nodeCount = workers_.length;
        for (uint256 i; i < workers_.length; ++i) {
            workers[i + 1] = workers_[i];
        }
    }

    function openCount() external view returns (uint256) {
        return openIds.length;
    }

    function openIdAt(uint256 i) external view returns (uint256) {
        return openIds[i];
    }

    function openCommitCount() external view returns (uint256) {
        return openCommits.length;
    }

    function openCommitAt(uint256 i) external view returns (uint256) {
        return openCommits[i];
    }

    // ----------------------------------------------------------------------------------------------
    // Actions
    // ----------------------------------------------------------------------------------------------

    /// @dev A fresh shard is submitted and challenged: committed, then revealed after `revealDelaySeed` blocks
    ///      (0: the same block, so the committee waits for its seed block; 2: drawn at once; > 256: re-targeted).
    function challenge(
        uint256 nodeSeed,
        uint256 dSeed,
        uint256 bondSeed,
        uint256 slashBpsSeed,
        uint256 revealDelaySeed
    ) external {
        (uint32 shard, bool ok) = _submitFresh(nodeSeed);
        if (!ok) return;
        vm.startPrank(governor);
        dm.setParameter("challengeBond", bound(bondSeed, 0, 200e18));
        dm.setParameter("disputeSlashBps", bound(slashBpsSeed, 0, 10_000));
        vm.stopPrank();

        ChallengeParams memory p = _params(shard, uint32(bound(dSeed, 0, CKPTS - 1)));
        uint256 commitId = _commit(p);
        if (commitId == 0) return;
        uint256 delay = revealDelaySeed % 4 == 0 ? 0 : revealDelaySeed % 4 == 3 ? 300 : 2;
        vm.roll(block.number + delay);
        _reveal(commitId, p);
    }

    /// @dev A challenge committed on a fresh shard and never revealed (a late or abandoned challenger).
    function commitOnly(uint256 nodeSeed, uint256 dSeed) external {
        (uint32 shard, bool ok) = _submitFresh(nodeSeed);
        if (!ok) return;
        uint256 commitId = _commit(_params(shard, uint32(bound(dSeed, 0, CKPTS - 1))));
        if (commitId != 0) openCommits.push(commitId);
    }

    /// @dev Reveals a pending commitment when it still can be (its shard holds the same attempt, reveal period).
    function revealLate(uint256 idx) external {
        if (openCommits.length == 0) return;
        uint256 i = idx % openCommits.length;
        ChallengeCommitView memory c = dm.getChallengeCommit(openCommits[i]);
        ShardView memory sv = taskManager.getShard(c.taskId, c.shardIndex);
        bool revealable = sv.epoch == c.epoch
            && (sv.status == ShardStatus.Submitted || sv.status == ShardStatus.Challenged)
            && block.timestamp <= c.revealDeadline;
        if (!revealable) return;
        uint256 commitId = openCommits[i];
        // Mostly the committed claim; one in four times another checkpoint (must not open).
        uint32 d = committedIndex[commitId];
        if (idx % 4 == 0) d = (d + 1) % CKPTS;
        openCommits[i] = openCommits[openCommits.length - 1];
        openCommits.pop();
        vm.roll(block.number + 1 + idx % 3);
        _reveal(commitId, _params(c.shardIndex, d));
    }

    /// @dev Closes a pending commitment when it can be closed: forfeited after its reveal deadline, returned once
    ///      its attempt ended.
    function closeCommit(uint256 idx) external {
        if (openCommits.length == 0) return;
        uint256 i = idx % openCommits.length;
        uint256 commitId = openCommits[i];
        ChallengeCommitView memory c = dm.getChallengeCommit(commitId);
        ShardView memory sv = taskManager.getShard(c.taskId, c.shardIndex);
        bool targeted = sv.epoch == c.epoch
            && (sv.status == ShardStatus.Submitted
                || sv.status == ShardStatus.Challenged
                || sv.status == ShardStatus.Finalized);
        if (targeted && block.timestamp <= c.revealDeadline) return;
        try dm.closeChallengeCommit(commitId) {
            ghost_paidOut += c.bond;
            ghost_bondsSettled += c.bond;
            ghost_openBonds -= c.bond;
            ++ghost_commitsClosed;
            if (targeted) ++ghost_commitsForfeited;
            openCommits[i] = openCommits[openCommits.length - 1];
            openCommits.pop();
        } catch {
            ++ghost_unexpectedReverts;
        }
    }

    /// @dev Draws the committee of a dispute waiting for its seed block, after `blocksSeed` blocks (possibly more
    ///      than 256: it is then re-targeted).
    function draw(uint256 idSeed, uint256 blocksSeed) external {
        uint256 id = _firstWithStatus(idSeed, DisputeStatus.Drawing);
        if (id == 0) return;
        vm.roll(block.number + (blocksSeed % 5 == 0 ? 300 : 1 + blocksSeed % 3));
        DisputeView memory v = dm.getDispute(id);
        if (v.seedBlock >= block.number) return; // not mined yet: SeedNotReady is the expected answer
        vm.recordLogs();
        try dm.drawCommittee(id) {}
        catch {
            ++ghost_unexpectedReverts;
            return;
        }
        _settleIfResolved(id, vm.getRecordedLogs());
    }

    function commit(uint256 idSeed, uint256 seatSeed, uint256 voteSeed) external {
        if (openIds.length == 0) return;
        uint256 id = openIds[idSeed % openIds.length];
        DisputeView memory v = dm.getDispute(id);
        if (v.status != DisputeStatus.Voting || block.timestamp > v.commitDeadline) return;
        uint256 nodeId = v.committee[seatSeed % v.committee.length];
        (bytes32 c,) = dm.voteOf(id, nodeId);
        if (c != bytes32(0)) return;
        Vote vote = Vote(1 + voteSeed % 3);
        intended[id][v.round][nodeId] = vote;
        bytes32 commitment = dm.voteCommitment(id, nodeId, vote, _salt(id, v.round, nodeId));
        vm.prank(workers[nodeId]);
        try dm.commitVote(id, nodeId, commitment) {}
        catch {
            ++ghost_unexpectedReverts;
        }
    }

    function reveal(uint256 idSeed, uint256 seatSeed) external {
        if (openIds.length == 0) return;
        uint256 id = openIds[idSeed % openIds.length];
        DisputeView memory v = dm.getDispute(id);
        if (v.status != DisputeStatus.Voting) return;
        if (block.timestamp <= v.commitDeadline || block.timestamp > v.revealDeadline) return;
        uint256 nodeId = v.committee[seatSeed % v.committee.length];
        (bytes32 c, Vote revealed) = dm.voteOf(id, nodeId);
        if (c == bytes32(0) || revealed != Vote.None) return;
        Vote vote = intended[id][v.round][nodeId];
        vm.prank(workers[nodeId]);
        try dm.revealVote(id, nodeId, vote, _salt(id, v.round, nodeId)) {}
        catch {
            ++ghost_unexpectedReverts;
        }
    }

    /// @dev A whole committee round at once. Per member a 4-bit nibble of `pattern`: 0 silent, 1 commits only,
    ///      otherwise commits and reveals, bits 2-3 picking the vote. Mostly a working committee, so
    ///      resolutions with quorum (and lost disputes) are frequent.
    function voteRound(uint256 idSeed, uint256 pattern) external {
        // The first open dispute (from a random start) still in its commit phase.
        uint256 id;
        DisputeView memory v;
        for (uint256 k; k < openIds.length; ++k) {
            uint256 candidate = openIds[(idSeed % openIds.length + k) % openIds.length];
            v = dm.getDispute(candidate);
            if (v.status == DisputeStatus.Voting && block.timestamp <= v.commitDeadline) {
                id = candidate;
                break;
            }
        }
        if (id == 0) return;
        uint256 n = v.committee.length;
        for (uint256 i; i < n; ++i) {
            uint256 bits = (pattern >> (i * 4)) & 0xF;
            if (bits == 0) continue; // this member stays silent
            uint256 nodeId = v.committee[i];
            (bytes32 c,) = dm.voteOf(id, nodeId);
            if (c != bytes32(0)) continue;
            Vote vote = Vote(1 + (bits >> 2) % 3);
            intended[id][v.round][nodeId] = vote;
            bytes32 commitment = dm.voteCommitment(id, nodeId, vote, _salt(id, v.round, nodeId));
            vm.prank(workers[nodeId]);
            try dm.commitVote(id, nodeId, commitment) {}
            catch {
                ++ghost_unexpectedReverts;
            }
        }
        vm.warp(uint256(v.commitDeadline) + 1);
        for (uint256 i; i < n; ++i) {
            uint256 bits = (pattern >> (i * 4)) & 0xF;
            if (bits == 0 || bits == 1) continue; // silent, or committed and never revealed
            uint256 nodeId = v.committee[i];
            (bytes32 c, Vote revealed) = dm.voteOf(id, nodeId);
            if (c == bytes32(0) || revealed != Vote.None) continue;
            vm.prank(workers[nodeId]);
            try dm.revealVote(id, nodeId, intended[id][v.round][nodeId], _salt(id, v.round, nodeId)) {}
            catch {
                ++ghost_unexpectedReverts;
            }
        }
    }

    /// @dev Mostly minutes to hours (vote phases); one time in ten past a whole challenge window and reveal
    ///      period, so unrevealed commitments become closable and late reveals fail.
    function warp(uint256 secs) external {
        if (secs % 10 == 0) vm.warp(block.timestamp + 1 days + 2 hours);
        else vm.warp(block.timestamp + bound(secs, 1, 3 hours));
    }

    function roll(uint256 blocks) external {
        vm.roll(block.number + bound(blocks, 1, 300));
    }

    function resolve(uint256 idSeed) external {
        // The first open dispute (from a random start) that can be resolved now.
        uint256 id;
        for (uint256 k; k < openIds.length; ++k) {
            uint256 candidate = openIds[(idSeed % openIds.length + k) % openIds.length];
            DisputeView memory v = dm.getDispute(candidate);
            if (v.status != DisputeStatus.Voting) continue;
            if (block.timestamp > v.revealDeadline || v.reveals == v.committee.length) {
                id = candidate;
                break;
            }
        }
        if (id == 0) return;

        vm.recordLogs();
        try dm.resolve(id) {}
        catch {
            ++ghost_unexpectedReverts;
            return;
        }
        if (dm.getDispute(id).status == DisputeStatus.Drawing) {
            ++ghost_redraws;
            ++ghost_scheduledDraws;
            return;
        }
        _settleIfResolved(id, vm.getRecordedLogs());
    }

    function unjail(uint256 nodeSeed) external {
        uint256 id = 1 + nodeSeed % nodeCount;
        if (registry.isActive(id)) return;
        uint64 until = registry.getNode(id).jailedUntil;
        if (until == 0) return;
        if (block.timestamp <= until) vm.warp(uint256(until) + 1);
        vm.prank(workers[id]);
        try registry.unjail(id) {} catch {}
    }

    // ----------------------------------------------------------------------------------------------
    // Helpers
    // ----------------------------------------------------------------------------------------------

    function _salt(uint256 id, uint256 round, uint256 nodeId) internal pure returns (bytes32) {
        return keccak256(abi.encode(id, round, nodeId));
    }

    function _challengeSalt(ChallengeParams memory p) internal pure returns (bytes32) {
        return keccak256(abi.encode("handler salt", p.shardIndex, p.checkpointIndex));
    }

    function _params(uint32 shard, uint32 d) internal view returns (ChallengeParams memory p) {
        CheckpointTree.Tree memory tree = CheckpointTree.standard(CKPTS);
        p = ChallengeParams({
            taskId: uint64(taskId),
            shardIndex: shard,
            checkpointIndex: d,
            step: uint64(CheckpointTree.step(d)),
            leafHash: CheckpointTree.ckptHash(d),
            challengerHash: bytes32(0),
            proof: tree.proofOf(d)
        });
    }

    /// @dev Assigns the next shard to an eligible node (from `nodeSeed`) and submits the standard checkpoints.
    function _submitFresh(uint256 nodeSeed) internal returns (uint32 shard, bool ok) {
        TaskView memory t = taskManager.getTask(taskId);
        if (nextShard >= t.shardCount) return (0, false);
        uint256 submitter;
        for (uint256 k; k < nodeCount; ++k) {
            uint256 id = 1 + (nodeSeed % nodeCount + k) % nodeCount;
            if (registry.isEligible(id, Tier.Bronze, t.resources, t.maxPricePerShard, t.collateralPerShard)) {
                submitter = id;
                break;
            }
        }
        if (submitter == 0) return (0, false);
        shard = nextShard++;
        Assignment[] memory a = new Assignment[](1);
        a[0] = Assignment({taskId: uint64(taskId), shardIndex: shard, nodeId: uint64(submitter)});
        vm.prank(keeper);
        taskManager.assignShards(a);
        vm.prank(workers[submitter]);
        taskManager.submitResult(
            taskId, shard, keccak256("manifest"), CheckpointTree.standardCheckpoints(CKPTS)
        );
        ok = true;
    }

    /// @dev Commits `p` from the challenger; returns 0 (counted as unexpected) if the commit reverts.
    function _commit(ChallengeParams memory p) internal returns (uint256 commitId) {
        uint256 bond = dm.getParameter("challengeBond");
        bytes32 c = dm.challengeCommitment(challenger, p, _challengeSalt(p));
        vm.prank(challenger);
        try dm.commitChallenge(p.taskId, p.shardIndex, c) returns (uint256 id) {
            commitId = id;
            committedIndex[id] = p.checkpointIndex;
            ghost_bondsIn += bond;
            ghost_openBonds += bond;
        } catch {
            ++ghost_unexpectedReverts;
        }
    }

    /// @dev Reveals `commitId` with `p`; a well-formed reveal must succeed (a mismatching claim is expected to
    ///      revert ChallengeCommitmentMismatch and leaves the commitment pending).
    function _reveal(uint256 commitId, ChallengeParams memory p) internal {
        if (commitId == 0) return;
        ChallengeCommitView memory c = dm.getChallengeCommit(commitId);
        if (c.commitment != dm.challengeCommitment(challenger, p, _challengeSalt(p))) {
            // Revealing another claim than the committed one: must revert, and the commitment stays pending.
            vm.prank(challenger);
            try dm.revealChallenge(commitId, p, _challengeSalt(p)) {
                ++ghost_unexpectedReverts;
            } catch (bytes memory err) {
                if (bytes4(err) != IDisputeManager.ChallengeCommitmentMismatch.selector) {
                    ++ghost_unexpectedReverts;
                }
            }
            openCommits.push(commitId);
            return;
        }
        vm.recordLogs();
        vm.prank(challenger);
        try dm.revealChallenge(commitId, p, _challengeSalt(p)) returns (uint256 id) {
            openIds.push(id);
            if (dm.getDispute(id).status == DisputeStatus.Drawing) ++ghost_scheduledDraws;
            _settleIfResolved(id, vm.getRecordedLogs());
        } catch {
            ++ghost_unexpectedReverts;
            openCommits.push(commitId);
        }
    }

    /// @dev Books a dispute that just ended (NoCommittee at the draw, or resolve) and drops it from the open list.
    function _settleIfResolved(uint256 id, Vm.Log[] memory logs) internal {
        DisputeView memory v = dm.getDispute(id);
        if (v.status != DisputeStatus.Resolved) return;
        (uint256 paid, uint256 slashed) = _sum(logs, id);
        ghost_paidOut += paid;
        ghost_slashedIn += slashed;
        ghost_bondsSettled += v.bond;
        ghost_openBonds -= v.bond;
        ++ghost_resolved;
        if (v.outcome == DisputeOutcome.SubmitterWrong) ++ghost_submitterWrong;
        if (v.outcome == DisputeOutcome.NoCommittee) ++ghost_noCommittee;
        if (paid != slashed + v.bond) ++ghost_mismatchedDisputes;
        for (uint256 i; i < openIds.length; ++i) {
            if (openIds[i] != id) continue;
            openIds[i] = openIds[openIds.length - 1];
            openIds.pop();
            break;
        }
    }

    function _firstWithStatus(uint256 idSeed, DisputeStatus status) internal view returns (uint256) {
        for (uint256 k; k < openIds.length; ++k) {
            uint256 candidate = openIds[(idSeed % openIds.length + k) % openIds.length];
            if (dm.getDispute(candidate).status == status) return candidate;
        }
        return 0;
    }

    function _sum(Vm.Log[] memory logs, uint256 id) internal view returns (uint256 paid, uint256 slashed) {
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(dm) || logs[i].topics.length < 2) continue;
            if (uint256(logs[i].topics[1]) != id) continue;
            if (logs[i].topics[0] == IDisputeManager.DisputePayout.selector) {
                (, uint256 amount) = abi.decode(logs[i].data, (uint8, uint256));
                paid += amount;
            } else if (logs[i].topics[0] == IDisputeManager.DisputeResolved.selector) {
                (,,, slashed,) = abi.decode(logs[i].data, (uint8, uint8, uint8, uint256, bool));
            }
        }
    }
}

contract DisputeManagerInvariantTest is DisputeFixture {
    DisputeHandler internal handler;

    function setUp() public override {
        super.setUp();
        _fund(challenger, 1_000_000 * NRL);
        uint256 task = _postTask(200);
        address[] memory w = new address[](NODE_COUNT);
        for (uint256 i; i < NODE_COUNT; ++i) {
            w[i] = workers[i + 1];
        }
        handler =
            new DisputeHandler(dm, registry, taskManager, token, governor, keeper, challenger, task, 0, w);
        targetContract(address(handler));
    }

    /// @dev The DisputeManager always holds at least the bonds of its unresolved disputes (here exactly: every
    ///      token it receives is paid out when its dispute resolves).
    function invariant_balanceCoversBonds() public view {
        assertGe(token.balanceOf(address(dm)), dm.totalBonded());
        assertEq(token.balanceOf(address(dm)), dm.totalBonded());
    }

    /// @dev totalBonded is the sum of the bonds of pending commitments and unresolved disputes.
    function invariant_totalBondedIsOpenBonds() public view {
        assertEq(dm.totalBonded(), handler.ghost_openBonds());
        assertEq(handler.ghost_bondsIn(), handler.ghost_bondsSettled() + dm.totalBonded());
        uint256 sum;
        for (uint256 i; i < handler.openCount(); ++i) {
            DisputeView memory v = dm.getDispute(handler.openIdAt(i));
            assertTrue(v.status != DisputeStatus.Resolved, "open list holds only unresolved disputes");
            sum += v.bond;
        }
        for (uint256 i; i < handler.openCommitCount(); ++i) {
            ChallengeCommitView memory c = dm.getChallengeCommit(handler.openCommitAt(i));
            assertEq(uint256(c.status), uint256(ChallengeCommitStatus.Committed));
            sum += c.bond;
        }
        assertEq(sum, dm.totalBonded());
    }

    /// @dev Every resolved dispute paid out exactly what came in (its slash plus its bond).
    function invariant_payoutsEqualInflows() public view {
        assertEq(handler.ghost_mismatchedDisputes(), 0);
        assertEq(handler.ghost_paidOut(), handler.ghost_slashedIn() + handler.ghost_bondsSettled());
    }

    /// @dev Coverage of the run (visible with -vv): disputes opened, redrawn, resolved, lost by the submitter.
    function afterInvariant() external {
        emit log_named_uint("bonds in", handler.ghost_bondsIn());
        emit log_named_uint("redraws", handler.ghost_redraws());
        emit log_named_uint("scheduled draws", handler.ghost_scheduledDraws());
        emit log_named_uint("no committee", handler.ghost_noCommittee());
        emit log_named_uint("commitments closed", handler.ghost_commitsClosed());
        emit log_named_uint("  of which forfeited", handler.ghost_commitsForfeited());
        emit log_named_uint("resolved", handler.ghost_resolved());
        emit log_named_uint("submitter wrong", handler.ghost_submitterWrong());
        emit log_named_uint("slashed in", handler.ghost_slashedIn());
    }

    /// @dev Well-formed challenge commits and reveals, draws, vote commits and reveals, resolutions and closes
    ///      succeed; a reveal of another claim reverts ChallengeCommitmentMismatch.
    function invariant_noUnexpectedReverts() public view {
        assertEq(handler.ghost_unexpectedReverts(), 0);
    }
}
