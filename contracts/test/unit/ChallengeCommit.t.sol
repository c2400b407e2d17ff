// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "forge-std/Test.sol";

import {IDisputeManager} from "../../src/interfaces/IDisputeManager.sol";
import {ITaskManager} from "../../src/interfaces/ITaskManager.sol";
import {
    ChallengeCommitStatus,
    ChallengeCommitView,
    ChallengeParams,
    DisputeOutcome,
    DisputeStatus,
    DisputeView,
    ShardStatus,
    Vote
} from "../../src/types/Types.sol";
import {DisputeFixture} from "../utils/DisputeFixture.sol";

/// @notice Challenge commit / reveal / close (hole 4: front-running) and the timing of committee draws (hole 3:
///         the seed is the block after the commitment, re-targeted when unread for 256 blocks).
contract ChallengeCommitTest is DisputeFixture {
    address internal copier = makeAddr("copier");
    address internal late = makeAddr("late challenger");

    function setUp() public override {
        super.setUp();
        _fundAndApprove(copier);
        _fundAndApprove(late);
    }

    function _fundAndApprove(address who) internal {
        _fund(who, 1000 * NRL);
        vm.prank(who);
        token.approve(address(dm), type(uint256).max);
    }

    function _bal(address a) internal view returns (uint256) {
        return token.balanceOf(a);
    }

    function _revealDeadline(uint32 shard) internal view returns (uint64) {
        return taskManager.getShard(taskId, shard).deadline
            + uint64(taskManager.getParameter("challengeRevealPeriod"));
    }

    function _commitStatus(uint256 commitId) internal view returns (ChallengeCommitStatus) {
        return dm.getChallengeCommit(commitId).status;
    }

    function _countEvents(Vm.Log[] memory logs, bytes32 sig) internal view returns (uint256 n) {
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(dm) && logs[i].topics.length > 0 && logs[i].topics[0] == sig) ++n;
        }
    }

    function _voteAllAndResolve(uint256 id, Vote vote) internal {
        uint64[] memory c = _committee(id);
        Vote[] memory v = new Vote[](c.length);
        for (uint256 i; i < c.length; ++i) {
            v[i] = vote;
        }
        _vote(id, v, _all(c.length, true));
        dm.resolve(id);
    }

    // ==============================================================================================
    // Commit
    // ==============================================================================================

    function test_commitChallenge_insideWindow_succeeds() public {
        ChallengeParams memory p = _challengeParams(0, 1);
        bytes32 c = dm.challengeCommitment(challenger, p, bytes32("salt"));
        assertEq(
            c,
            keccak256(
                abi.encode(
                    challenger,
                    p.taskId,
                    p.shardIndex,
                    p.checkpointIndex,
                    p.step,
                    p.leafHash,
                    p.challengerHash,
                    bytes32("salt")
                )
            ),
            "commitment formula"
        );
        uint64 revealDeadline = _revealDeadline(0);
        uint16 epoch = taskManager.getShard(taskId, 0).epoch;
        vm.expectEmit(address(taskManager));
        emit ITaskManager.ShardChallengeCommitted(taskId, 0, epoch, revealDeadline);
        vm.expectEmit(address(dm));
        emit IDisputeManager.ChallengeCommitted(1, taskId, 0, challenger, epoch, c, BOND, revealDeadline);
        vm.prank(challenger);
        uint256 commitId = dm.commitChallenge(uint64(taskId), 0, c);

        ChallengeCommitView memory cv = dm.getChallengeCommit(commitId);
        assertEq(uint256(cv.status), uint256(ChallengeCommitStatus.Committed));
        assertEq(cv.challenger, challenger);
        assertEq(cv.taskId, taskId);
        assertEq(cv.shardIndex, 0);
        assertEq(cv.epoch, epoch);
        assertEq(cv.committedBlock, block.number);
        assertEq(cv.revealDeadline, revealDeadline);
        assertEq(cv.bond, BOND);
        assertEq(cv.commitment, c);
        assertEq(cv.disputeId, 0);
        assertEq(dm.totalBonded(), BOND);
        assertEq(_bal(address(dm)), BOND);
        // The shard stays Submitted (nothing is disputed yet) but its payment now waits for the reveal period.
        assertEq(uint256(taskManager.getShard(taskId, 0).status), uint256(ShardStatus.Submitted));
        assertTrue(taskManager.getShard(taskId, 0).challengeCommitted);
    }

    function test_commitChallenge_atWindowEnd_succeeds() public {
        vm.warp(taskManager.getShard(taskId, 0).deadline);
        _commitChallenge(challenger, _challengeParams(0, 1));
    }

    function test_commitChallenge_afterWindow_reverts() public {
        uint64 endsAt = taskManager.getShard(taskId, 0).deadline;
        vm.warp(uint256(endsAt) + 1);
        vm.expectRevert(
            abi.encodeWithSelector(ITaskManager.ChallengeWindowClosed.selector, taskId, 0, endsAt)
        );
        vm.prank(challenger);
        dm.commitChallenge(uint64(taskId), 0, bytes32("c"));
        assertEq(dm.totalBonded(), 0);
    }

    /// @dev A committed challenge holds back payment until it can no longer be revealed; without one the shard is
    ///      finalizable right after its window.
    function test_commitChallenge_delaysFinalization_succeeds() public {
        uint32 other = _freshShard(2, CKPTS);
        _commitChallenge(challenger, _challengeParams(0, 1));
        uint64 endsAt = taskManager.getShard(taskId, 0).deadline;
        vm.warp(uint256(endsAt) + 1);
        assertFalse(taskManager.isFinalizable(taskId, 0), "committed: waits for the reveal period");
        assertTrue(taskManager.isFinalizable(taskId, other), "not committed: paid after the window");
        vm.warp(uint256(_revealDeadline(0)) + 1);
        assertTrue(taskManager.isFinalizable(taskId, 0));
    }

    // ==============================================================================================
    // Reveal
    // ==============================================================================================

    function test_revealChallenge_byAnotherAddress_reverts() public {
        ChallengeParams memory p = _challengeParams(0, 1);
        uint256 commitId = _commitChallenge(challenger, p);
        vm.roll(block.number + 2);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.NotChallenger.selector, commitId, copier));
        vm.prank(copier);
        dm.revealChallenge(commitId, p, _challengeSalt(challenger, p));
        _revealChallenge(challenger, commitId, p);
    }

    /// @dev Hole 4: a front-runner copies the victim's commitment hash into its own commitment (with its own
    ///      bond). Even knowing the victim's claim and salt it cannot open it: the hash binds the victim's
    ///      address. The victim's dispute opens; the copier's bond is forfeited to the treasury.
    function test_revealChallenge_copiedCommitment_reverts() public {
        ChallengeParams memory p = _challengeParams(0, 1);
        bytes32 salt = _challengeSalt(challenger, p);
        uint256 victimCommit = _commitChallenge(challenger, p);
        bytes32 copied = dm.getChallengeCommit(victimCommit).commitment;
        vm.prank(copier);
        uint256 copyCommit = dm.commitChallenge(p.taskId, p.shardIndex, copied);
        vm.roll(block.number + 2);
        uint256 copierBefore = _bal(copier);
        assertEq(dm.totalBonded(), 2 * BOND);

        // The copier front-runs the victim's reveal with the victim's own claim and salt.
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeManager.ChallengeCommitmentMismatch.selector, copyCommit)
        );
        vm.prank(copier);
        dm.revealChallenge(copyCommit, p, salt);
        // Nor can it open the victim's commitment.
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.NotChallenger.selector, victimCommit, copier));
        vm.prank(copier);
        dm.revealChallenge(victimCommit, p, salt);

        uint256 id = _revealChallenge(challenger, victimCommit, p);
        assertEq(dm.getDispute(id).challenger, challenger);

        // The copy can never be opened; after the reveal deadline its bond goes to the treasury.
        vm.warp(uint256(_revealDeadline(0)) + 1);
        uint256 trBefore = _bal(treasury);
        dm.closeChallengeCommit(copyCommit);
        assertEq(_bal(treasury), trBefore + BOND);
        assertEq(_bal(copier), copierBefore, "the copier gets nothing back");
        assertEq(dm.totalBonded(), BOND, "only the victim's dispute bond is held");
    }

    function test_revealChallenge_mismatchedParams_reverts() public {
        ChallengeParams memory p = _challengeParams(0, 1);
        bytes32 salt = _challengeSalt(challenger, p);
        uint256 commitId = _commitChallenge(challenger, p);
        vm.roll(block.number + 2);
        bytes memory err =
            abi.encodeWithSelector(IDisputeManager.ChallengeCommitmentMismatch.selector, commitId);

        vm.expectRevert(err); // other salt
        vm.prank(challenger);
        dm.revealChallenge(commitId, p, bytes32("other salt"));

        ChallengeParams memory q = _challengeParams(0, 2); // other checkpoint
        vm.expectRevert(err);
        vm.prank(challenger);
        dm.revealChallenge(commitId, q, salt);

        q = _challengeParams(0, 1);
        q.challengerHash = keccak256("other");
        vm.expectRevert(err);
        vm.prank(challenger);
        dm.revealChallenge(commitId, q, salt);

        uint32 other = _freshShard(2, CKPTS);
        q = _challengeParams(other, 1); // other shard, even with a commitment that would match it
        salt = _challengeSalt(challenger, q);
        vm.expectRevert(err);
        vm.prank(challenger);
        dm.revealChallenge(commitId, q, salt);

        _revealChallenge(challenger, commitId, p);
    }

    function test_revealChallenge_afterWindowInsideRevealPeriod_succeeds() public {
        ChallengeParams memory p = _challengeParams(0, 1);
        uint64 endsAt = taskManager.getShard(taskId, 0).deadline;
        vm.warp(endsAt);
        uint256 commitId = _commitChallenge(challenger, p);
        vm.roll(block.number + 2);
        vm.warp(_revealDeadline(0)); // the window is over, the reveal period is not
        uint256 id = _revealChallenge(challenger, commitId, p);
        assertEq(uint256(dm.getDispute(id).status), uint256(DisputeStatus.Voting));
        assertEq(uint256(taskManager.getShard(taskId, 0).status), uint256(ShardStatus.Challenged));
        assertFalse(taskManager.isFinalizable(taskId, 0));
    }

    /// @dev The TaskManager's RevealPeriodOver bubbles up; the commitment stays open (and forfeitable).
    function test_revealChallenge_afterRevealPeriod_reverts() public {
        ChallengeParams memory p = _challengeParams(0, 1);
        uint256 commitId = _commitChallenge(challenger, p);
        vm.roll(block.number + 2);
        uint64 revealDeadline = _revealDeadline(0);
        vm.warp(uint256(revealDeadline) + 1);
        vm.expectRevert(
            abi.encodeWithSelector(ITaskManager.RevealPeriodOver.selector, taskId, 0, revealDeadline)
        );
        _revealChallenge(challenger, commitId, p);
        assertEq(uint256(_commitStatus(commitId)), uint256(ChallengeCommitStatus.Committed));
        assertEq(dm.totalBonded(), BOND);
    }

    function test_revealChallenge_twice_reverts() public {
        ChallengeParams memory p = _challengeParams(0, 1);
        uint256 commitId = _commitChallenge(challenger, p);
        vm.roll(block.number + 2);
        _revealChallenge(challenger, commitId, p);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.ChallengeCommitNotOpen.selector, commitId));
        _revealChallenge(challenger, commitId, p);
    }

    function test_revealChallenge_unknownCommit_reverts() public {
        ChallengeParams memory p = _challengeParams(0, 1);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.UnknownChallengeCommit.selector, 7));
        vm.prank(challenger);
        dm.revealChallenge(7, p, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.UnknownChallengeCommit.selector, 7));
        dm.getChallengeCommit(7);
    }

    /// @dev A commitment on an attempt that already lost cannot be revealed (the shard holds no result).
    function test_revealChallenge_afterAttemptLost_reverts() public {
        ChallengeParams memory p = _challengeParams(0, 3);
        uint256 lateCommit = _commitChallenge(late, p);
        uint256 id = _challenge(0, 1);
        _voteAllAndResolve(id, Vote.SubmitterWrong);
        assertEq(uint256(taskManager.getShard(taskId, 0).status), uint256(ShardStatus.Pending));
        vm.expectRevert(
            abi.encodeWithSelector(ITaskManager.InvalidShardStatus.selector, taskId, 0, ShardStatus.Pending)
        );
        _revealChallenge(late, lateCommit, p);
    }

    // ==============================================================================================
    // Close
    // ==============================================================================================

    function test_closeChallengeCommit_beforeRevealDeadline_reverts() public {
        uint256 commitId = _commitChallenge(challenger, _challengeParams(0, 1));
        uint64 revealDeadline = _revealDeadline(0);
        bytes memory err =
            abi.encodeWithSelector(IDisputeManager.ChallengeRevealOpen.selector, commitId, revealDeadline);
        vm.expectRevert(err);
        dm.closeChallengeCommit(commitId);
        vm.warp(revealDeadline);
        vm.expectRevert(err);
        dm.closeChallengeCommit(commitId);
        assertEq(dm.totalBonded(), BOND);
    }

    function test_closeChallengeCommit_afterRevealDeadline_forfeitsToTreasury_succeeds() public {
        uint256 chBefore = _bal(challenger);
        uint256 commitId = _commitChallenge(challenger, _challengeParams(0, 1));
        vm.warp(uint256(_revealDeadline(0)) + 1);
        uint256 trBefore = _bal(treasury);
        vm.expectEmit(address(dm));
        emit IDisputeManager.ChallengeCommitClosed(commitId, treasury, true, BOND);
        vm.prank(makeAddr("anyone"));
        dm.closeChallengeCommit(commitId);
        assertEq(_bal(treasury), trBefore + BOND);
        assertEq(_bal(challenger), chBefore - BOND);
        assertEq(dm.totalBonded(), 0);
        assertEq(_bal(address(dm)), 0);
        assertEq(uint256(_commitStatus(commitId)), uint256(ChallengeCommitStatus.Closed));
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.ChallengeCommitNotOpen.selector, commitId));
        dm.closeChallengeCommit(commitId);
        // The unrevealed commitment no longer holds the shard back.
        assertTrue(taskManager.isFinalizable(taskId, 0));
    }

    /// @dev Another dispute won against the attempt the commitment targeted: its bond goes back to the challenger
    ///      at once (it cannot be revealed any more, through no fault of its own).
    function test_closeChallengeCommit_afterAttemptLost_returnsBond_succeeds() public {
        uint256 lateBefore = _bal(late);
        uint256 lateCommit = _commitChallenge(late, _challengeParams(0, 3));
        uint256 id = _challenge(0, 1);
        assertEq(dm.totalBonded(), 2 * BOND);
        _voteAllAndResolve(id, Vote.SubmitterWrong);
        assertEq(dm.totalBonded(), BOND, "the late commitment's bond is still held");
        assertLt(
            block.timestamp, dm.getChallengeCommit(lateCommit).revealDeadline, "still revealable by time"
        );

        vm.expectEmit(address(dm));
        emit IDisputeManager.ChallengeCommitClosed(lateCommit, late, false, BOND);
        dm.closeChallengeCommit(lateCommit);
        assertEq(_bal(late), lateBefore, "bond returned");
        assertEq(dm.totalBonded(), 0);
        assertEq(_bal(address(dm)), 0);
    }

    /// @dev The shard was re-assigned (a new epoch) after the loss: the old commitment is still returned.
    function test_closeChallengeCommit_afterNewEpoch_returnsBond_succeeds() public {
        uint256 lateCommit = _commitChallenge(late, _challengeParams(0, 3));
        uint256 id = _challenge(0, 1);
        _voteAllAndResolve(id, Vote.SubmitterWrong);
        _submitShard(0, 2, CKPTS); // attempt 2 submitted by node 2: new epoch, Submitted again
        assertEq(uint256(taskManager.getShard(taskId, 0).status), uint256(ShardStatus.Submitted));
        uint256 lateBefore = _bal(late);
        dm.closeChallengeCommit(lateCommit);
        assertEq(_bal(late), lateBefore + BOND);
        assertEq(dm.totalBonded(), 0);
    }

    function test_closeChallengeCommit_revealedOrUnknown_reverts() public {
        ChallengeParams memory p = _challengeParams(0, 1);
        uint256 commitId = _commitChallenge(challenger, p);
        vm.roll(block.number + 2);
        _revealChallenge(challenger, commitId, p);
        vm.warp(uint256(_revealDeadline(0)) + 1);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.ChallengeCommitNotOpen.selector, commitId));
        dm.closeChallengeCommit(commitId);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.UnknownChallengeCommit.selector, 0));
        dm.closeChallengeCommit(0);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.UnknownChallengeCommit.selector, 2));
        dm.closeChallengeCommit(2);
        assertEq(dm.totalBonded(), BOND);
    }

    /// @dev totalBonded == Σ bonds of open commitments + unresolved disputes, through commit, reveal, close and
    ///      resolve, for any bond.
    function testFuzz_totalBonded_commitRevealCloseResolve(uint256 bondSeed) public {
        uint256 bond = bound(bondSeed, 0, 1000 * NRL);
        _setParam("challengeBond", bond);
        uint256 dmBefore = _bal(address(dm));
        uint256 a = _commitChallenge(late, _challengeParams(0, 3));
        uint256 b = _commitChallenge(copier, _challengeParams(0, 2));
        assertEq(dm.totalBonded(), 2 * bond);
        uint256 id = _challenge(0, 1); // a third commitment, revealed
        assertEq(dm.totalBonded(), 3 * bond);
        _voteAllAndResolve(id, Vote.SubmitterRight);
        assertEq(dm.totalBonded(), 2 * bond);
        vm.warp(uint256(_revealDeadline(0)) + 1);
        dm.closeChallengeCommit(a);
        assertEq(dm.totalBonded(), bond);
        dm.closeChallengeCommit(b);
        assertEq(dm.totalBonded(), 0);
        assertEq(_bal(address(dm)), dmBefore);
    }

    // ==============================================================================================
    // Draw timing
    // ==============================================================================================

    function test_revealChallenge_nextBlock_schedulesDraw_succeeds() public {
        ChallengeParams memory p = _challengeParams(0, 1);
        uint256 commitId = _commitChallenge(challenger, p);
        uint64 seedBlock = uint64(block.number + 1);
        vm.roll(block.number + 1); // the seed block is being mined: its hash is unknown
        vm.expectEmit(address(dm));
        emit IDisputeManager.CommitteeSeedScheduled(1, 0, seedBlock);
        vm.recordLogs();
        uint256 id = _revealChallenge(challenger, commitId, p);
        assertEq(_countEvents(vm.getRecordedLogs(), IDisputeManager.CommitteeDrawn.selector), 0);

        DisputeView memory v = dm.getDispute(id);
        assertEq(uint256(v.status), uint256(DisputeStatus.Drawing));
        assertEq(v.seedBlock, seedBlock);
        assertEq(v.committee.length, 0);
        assertEq(uint256(taskManager.getShard(taskId, 0).status), uint256(ShardStatus.Challenged));

        // Nothing can be voted or resolved before the draw.
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.CommitteeNotDrawn.selector, id));
        vm.prank(workers[2]);
        dm.commitVote(id, 2, bytes32("c"));
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.CommitteeNotDrawn.selector, id));
        dm.resolve(id);

        // Same block: the seed block is not mined yet.
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.SeedNotReady.selector, id, seedBlock));
        dm.drawCommittee(id);

        vm.roll(block.number + 1);
        (uint64[] memory expected, uint256 filled) = _expectedCommittee(id, 0, SUBMITTER, challenger);
        assertEq(filled, 3);
        vm.expectEmit(address(dm));
        emit IDisputeManager.CommitteeDrawn(
            id, 0, expected, uint64(block.timestamp + 1 hours), uint64(block.timestamp + 2 hours)
        );
        vm.prank(makeAddr("anyone"));
        dm.drawCommittee(id);
        v = dm.getDispute(id);
        assertEq(uint256(v.status), uint256(DisputeStatus.Voting));
        assertEq(v.seedBlock, seedBlock);

        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.NotDrawing.selector, id));
        dm.drawCommittee(id);
    }

    function test_revealChallenge_sameBlockAsCommit_schedulesDraw_succeeds() public {
        ChallengeParams memory p = _challengeParams(0, 1);
        uint256 commitId = _commitChallenge(challenger, p);
        uint256 id = _revealChallenge(challenger, commitId, p);
        assertEq(uint256(dm.getDispute(id).status), uint256(DisputeStatus.Drawing));
        assertEq(dm.getDispute(id).seedBlock, block.number + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeManager.SeedNotReady.selector, id, uint64(block.number + 1))
        );
        dm.drawCommittee(id);
        _draw(id);
        assertEq(uint256(dm.getDispute(id).status), uint256(DisputeStatus.Voting));
    }

    function test_drawCommittee_unknownOrNotDrawing_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.UnknownDispute.selector, 1));
        dm.drawCommittee(1);
        uint256 id = _challenge(0, 1);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.NotDrawing.selector, id));
        dm.drawCommittee(id);
        _voteAllAndResolve(id, Vote.SubmitterRight);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.NotDrawing.selector, id));
        dm.drawCommittee(id);
    }

    /// @dev Revealed more than 256 blocks after the commitment: the seed block's hash is gone, so the draw moves
    ///      to the first future block of the same residue mod 256; nobody could know that block's hash.
    function test_revealChallenge_after256Blocks_retargets_succeeds() public {
        ChallengeParams memory p = _challengeParams(0, 1);
        uint256 commitId = _commitChallenge(challenger, p);
        uint256 seedBlock = block.number + 1;
        vm.roll(seedBlock + 299);
        uint64 retargeted = uint64(seedBlock + 2 * 256);
        assertEq(sortition.retarget(seedBlock), retargeted);
        assertGt(retargeted, block.number);
        vm.expectEmit(address(dm));
        emit IDisputeManager.CommitteeSeedScheduled(1, 0, retargeted);
        uint256 id = _revealChallenge(challenger, commitId, p);
        DisputeView memory v = dm.getDispute(id);
        assertEq(uint256(v.status), uint256(DisputeStatus.Drawing));
        assertEq(v.seedBlock, retargeted);

        vm.roll(retargeted);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.SeedNotReady.selector, id, retargeted));
        dm.drawCommittee(id);
        vm.roll(uint256(retargeted) + 1);
        (uint64[] memory expected,) = _expectedCommittee(id, 0, SUBMITTER, challenger);
        dm.drawCommittee(id);
        uint64[] memory c = _committee(id);
        assertEq(c.length, 3);
        for (uint256 i; i < 3; ++i) {
            assertEq(c[i], expected[i]);
        }
    }

    /// @dev A Drawing dispute nobody drew for more than 256 blocks: drawCommittee re-targets (without reverting)
    ///      and a later call draws from the new block.
    function test_drawCommittee_after256Blocks_retargets_succeeds() public {
        ChallengeParams memory p = _challengeParams(0, 1);
        uint256 commitId = _commitChallenge(challenger, p);
        uint256 id = _revealChallenge(challenger, commitId, p); // same block: Drawing
        uint256 seedBlock = dm.getDispute(id).seedBlock;
        vm.roll(seedBlock + 257);
        uint64 retargeted = uint64(seedBlock + 2 * 256);
        vm.expectEmit(address(dm));
        emit IDisputeManager.CommitteeSeedScheduled(id, 0, retargeted);
        dm.drawCommittee(id);
        assertEq(uint256(dm.getDispute(id).status), uint256(DisputeStatus.Drawing));
        assertEq(dm.getDispute(id).seedBlock, retargeted);
        vm.roll(uint256(retargeted) + 1);
        dm.drawCommittee(id);
        assertEq(uint256(dm.getDispute(id).status), uint256(DisputeStatus.Voting));
        assertEq(_committee(id).length, 3);
    }

    /// @dev Hole 3: the committee is fixed by the commitment's block, not by when the challenger reveals. Same
    ///      commitment revealed 2 or 200 blocks later (and half an hour apart): the same committee.
    function test_revealChallenge_committeeIndependentOfRevealBlock_succeeds() public {
        for (uint256 i; i < 4; ++i) {
            _registerNodeAs(
                makeAddr(string.concat("extra operator", vm.toString(i))),
                string.concat("extra worker", vm.toString(i)),
                HIGH_STAKE
            );
        }
        _ageNodes();
        uint32 shard = _freshShard(SUBMITTER, CKPTS);
        ChallengeParams memory p = _challengeParams(shard, 1);
        uint256 commitId = _commitChallenge(challenger, p);
        uint256 snap = vm.snapshotState();

        vm.roll(block.number + 2);
        uint256 id = _revealChallenge(challenger, commitId, p);
        uint64[] memory early = _committee(id);

        vm.revertToState(snap);
        vm.roll(block.number + 200);
        vm.warp(block.timestamp + 30 minutes);
        id = _revealChallenge(challenger, commitId, p);
        uint64[] memory later = _committee(id);

        assertEq(early.length, 3);
        assertEq(later.length, 3);
        for (uint256 i; i < 3; ++i) {
            assertEq(early[i], later[i], "same committee");
        }
    }

    /// @dev The seed is fixed at the block after the commitment, and so is the population it is applied to: each
    ///      node's chance depends only on the seed and its own weight, and a node whose weight, state, tier, keys or
    ///      offer changed after the commitment does not sit. An attacker with three nodes (about 17% of the
    ///      eligible stake) searches offline for an unstake of a few wei on one of its nodes that would hand it a
    ///      majority after the seed is public: there is none (with the first version of the draw, one existed and
    ///      the attacker took two seats), and the committee is the one the seed fixed.
    function test_revealChallenge_stakeChangeAfterSeed_doesNotRerollCommittee_succeeds() public {
        uint256[] memory sybils = new uint256[](3);
        address[] memory sybilOps = new address[](3);
        for (uint256 i; i < 3; ++i) {
            sybilOps[i] = makeAddr(string.concat("sybil operator ", vm.toString(i)));
            sybils[i] = _registerNodeAs(
                sybilOps[i], string.concat("sybil worker ", vm.toString(i)), i < 2 ? 500 * NRL : 1000 * NRL
            );
        }
        _ageNodes();
        uint32 shard = _freshShard(SUBMITTER, CKPTS);
        address attacker = makeAddr("attacker challenger");
        _fundAndApprove(attacker);
        ChallengeParams memory p = _challengeParams(shard, 1);
        uint256 commitId = _commitChallenge(attacker, p);
        uint256 seedBlock = block.number + 1;
        uint256 id = dm.disputeCount() + 1;
        vm.roll(block.number + 2); // the seed is now public
        (uint64[] memory fixedBySeed,) = _expectedCommitteeAt(id, 0, seedBlock, SUBMITTER, attacker);

        // Offline search: which tiny unstake gives the attacker two seats?
        uint256 found;
        for (uint256 x = 1; x <= 200 && found == 0; ++x) {
            uint256 snap = vm.snapshotState();
            vm.prank(sybilOps[2]);
            registry.requestUnstake(sybils[2], x);
            (uint64[] memory c,) = _expectedCommitteeAt(id, 0, seedBlock, SUBMITTER, attacker);
            if (_seats(c, sybils) >= 2) found = x;
            vm.revertToState(snap);
        }
        emit log_named_uint("wei unstaked to win a majority", found);
        if (found != 0) {
            vm.prank(sybilOps[2]);
            registry.requestUnstake(sybils[2], found);
        }
        uint256 disputeId = _revealChallenge(attacker, commitId, p);
        uint64[] memory drawn = _committee(disputeId);
        emit log_named_uint("attacker seats", _seats(drawn, sybils));
        assertEq(found, 0, "no stake change after the seed gives the attacker a majority");
        assertEq(drawn.length, fixedBySeed.length);
        for (uint256 i; i < drawn.length; ++i) {
            assertEq(drawn[i], fixedBySeed[i], "the committee is the one the seed fixed");
        }
        // A change after the seed only removes the changed node: the others' draws do not move.
        uint256 snap = vm.snapshotState();
        vm.prank(sybilOps[2]);
        registry.requestUnstake(sybils[2], 1);
        (uint64[] memory afterChange,) = _expectedCommitteeAt(id, 0, seedBlock, SUBMITTER, attacker);
        vm.revertToState(snap);
        for (uint256 i; i < afterChange.length; ++i) {
            assertTrue(afterChange[i] != sybils[2], "the changed node does not sit");
        }
    }

    function _seats(uint64[] memory c, uint256[] memory nodes) internal pure returns (uint256 n) {
        for (uint256 i; i < c.length; ++i) {
            for (uint256 j; j < nodes.length; ++j) {
                if (c[i] == nodes[j]) ++n;
            }
        }
    }
}
