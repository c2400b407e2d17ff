// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "forge-std/Test.sol";

import {IDisputeManager} from "../../src/interfaces/IDisputeManager.sol";
import {ITaskManager} from "../../src/interfaces/ITaskManager.sol";
import {CheckpointMerkle} from "../../src/libraries/CheckpointMerkle.sol";
import {
    AuditStatus,
    ChallengeParams,
    Checkpoint,
    DisputeOutcome,
    DisputeStatus,
    DisputeView,
    NodeView,
    ShardStatus,
    ShardView,
    TaskStatus,
    Tier,
    Vote
} from "../../src/types/Types.sol";
import {CheckpointTree} from "../utils/CheckpointTree.sol";
import {NeuralTest} from "../utils/NeuralTest.sol";

/// @notice Disputes end to end: a challenger proves the submitter's checkpoint d, a committee sampled from the
///         registry votes by commit-reveal, and the resolution moves money in the TaskManager, the NodeRegistry
///         and the DisputeManager at once. Amounts are checked against docs/protocol.md to the wei.
contract DisputesTest is NeuralTest {
    using CheckpointTree for CheckpointTree.Tree;

    uint256 internal constant REWARD = 100 * NRL;
    uint256 internal constant COLLATERAL = REWARD * COLLATERAL_RATIO_BPS / BPS; // 50 NRL
    uint256 internal constant AUDIT_FEE = REWARD * AUDIT_FEE_BPS / BPS;
    uint256 internal constant SUBMITTER = 1;
    uint256 internal constant SUBMITTER_STAKE = 1000 * NRL;
    uint256 internal constant NODE_STAKE = 500 * NRL;
    uint256 internal constant CKPTS = 4;
    uint256 internal constant D = 2; // the first wrong checkpoint

    bytes32 internal constant BAD_RUN = keccak256("bad run");
    bytes32 internal constant GOOD_RUN = keccak256("good run");
    bytes32 internal constant MANIFEST_1 = keccak256("manifest of the dishonest submitter");
    bytes32 internal constant MANIFEST_2 = keccak256("manifest of the re-run");

    uint256 internal taskId;

    function setUp() public override {
        super.setUp();
        _registerNode(SUBMITTER_STAKE); // node 1, the submitter
        _registerNodes(7, NODE_STAKE); // nodes 2..8, committee candidates
    }

    /// @dev A one-shard task assigned to SUBMITTER, which submits the run `run` under `manifest`.
    function _submitted(bytes32 run, bytes32 manifest, uint16 auditRateBps) internal {
        taskId = _post(1, REWARD, auditRateBps);
        _assign(taskId, 0, SUBMITTER);
        _submit(taskId, 0, manifest, _leaves(run, CKPTS));
    }

    function _checkCommittee(uint64[] memory c, address chal) internal view {
        assertEq(c.length, COMMITTEE_SIZE, "k members");
        for (uint256 i; i < c.length; ++i) {
            assertTrue(c[i] != SUBMITTER, "submitter excluded");
            assertTrue(registry.isActive(c[i]), "active member");
            assertFalse(registry.isOperatorOrWorker(c[i], chal), "challenger excluded");
            assertGe(uint8(registry.tierOf(c[i])), uint8(Tier.Bronze), "committee tier");
            for (uint256 j; j < i; ++j) {
                assertTrue(c[i] != c[j], "distinct members");
            }
        }
    }

    /// @dev Expected split of a lost dispute (docs/protocol.md "Submitter loses").
    struct Split {
        uint256 slashed;
        uint256 toClient;
        uint256 toChallenger; // reward only, bond excluded
        uint256 voterShare;
        uint256 toTreasury;
    }

    function _split(uint256 bondedAfterUnlock, uint256 majority) internal pure returns (Split memory s) {
        s.slashed = COLLATERAL + (bondedAfterUnlock - COLLATERAL) * DISPUTE_SLASH_BPS / BPS;
        s.toClient = s.slashed < COLLATERAL ? s.slashed : COLLATERAL;
        s.toChallenger = (s.slashed - s.toClient) * CHALLENGER_REWARD_BPS / BPS;
        uint256 pool = (s.slashed - s.toClient - s.toChallenger) * VOTER_REWARD_BPS / BPS;
        s.voterShare = pool / majority;
        s.toTreasury = s.slashed - s.toClient - s.toChallenger - s.voterShare * majority;
    }

    // ----------------------------------------------------------------------------------------------
    // 4. Dishonest submitter
    // ----------------------------------------------------------------------------------------------

    /// @notice Checkpoint 2 of 4 is wrong. The challenger proves leaf 2 and bonds; the committee (k = 3) votes
    ///         SubmitterWrong. The submitter is slashed collateral + 10% of the rest and jailed; the client is
    ///         compensated first, the challenger gets its bond back plus 30%, the voters share 50% of what is
    ///         left, the treasury the remainder. The shard is re-queued from checkpoint 2 with the losing
    ///         manifest; another node repeats checkpoints 0..1 unchanged, submits a correct root and is paid.
    function test_dishonestSubmitter_slashedAndShardResumedElsewhere() public {
        uint256 clientBefore = token.balanceOf(client);
        _submitted(BAD_RUN, MANIFEST_1, 0);
        ChallengeParams memory p = _challengeParams(taskId, 0, BAD_RUN, CKPTS, D);
        _refusedChallenges(p);

        uint256 challengerBefore = token.balanceOf(challenger);
        uint256 id = _challenge(p);
        assertEq(token.balanceOf(challenger), challengerBefore - CHALLENGE_BOND, "bond pulled");
        assertEq(token.balanceOf(address(disputeManager)), CHALLENGE_BOND);
        assertEq(disputeManager.totalBonded(), CHALLENGE_BOND);
        ShardView memory s = taskManager.getShard(taskId, 0);
        assertEq(uint8(s.status), uint8(ShardStatus.Challenged));
        assertEq(s.disputeId, id);
        uint64[] memory c = _committee(id);
        _checkCommittee(c, challenger);

        _voteAll(id, Vote.SubmitterWrong);
        // Every member revealed: resolvable before the reveal deadline.
        uint256 treasuryBefore = token.balanceOf(treasury);
        vm.recordLogs();
        vm.prank(stranger);
        disputeManager.resolve(id);
        Vm.Log[] memory logs = vm.getRecordedLogs();

        Split memory e = _split(SUBMITTER_STAKE, 3);
        // Literal check of the arithmetic: 50 + 950 * 10% = 145 NRL; 28.5 to the challenger; 33.25 / 3 each.
        assertEq(e.slashed, 145 * NRL);
        assertEq(e.toChallenger, 28.5e18);
        assertEq(e.voterShare, 11_083_333_333_333_333_333);
        assertEq(e.toTreasury, 33_250_000_000_000_000_001);

        DisputeView memory dv = disputeManager.getDispute(id);
        assertEq(uint8(dv.status), uint8(DisputeStatus.Resolved));
        assertEq(uint8(dv.outcome), uint8(DisputeOutcome.SubmitterWrong));
        assertEq(dv.votesWrong, 3);
        assertEq(token.balanceOf(client), clientBefore - REWARD + e.toClient, "client compensated");
        assertEq(token.balanceOf(challenger), challengerBefore + e.toChallenger, "bond back plus reward");
        for (uint256 i; i < c.length; ++i) {
            assertEq(token.balanceOf(operatorOf[c[i]]), e.voterShare, "voter paid");
        }
        assertEq(token.balanceOf(treasury), treasuryBefore + e.toTreasury, "remainder to treasury");
        assertEq(_payouts(logs, id, address(0)), e.slashed + CHALLENGE_BOND, "payouts == slash + bond");
        assertEq(token.balanceOf(address(disputeManager)), 0, "nothing kept");
        assertEq(disputeManager.totalBonded(), 0);
        _checkLoser(e.slashed);

        _rerunFromD(c);
        // The re-run is paid its node's ask; the rest of the max price went back to the client.
        assertEq(token.balanceOf(client), clientBefore - NODE_ASK + e.toClient, "client paid one price");
        _assertSystem();
        _assertDrained();
    }

    /// @dev A forged leaf and a challenge by the submitter itself are refused at reveal (state rolled back).
    function _refusedChallenges(ChallengeParams memory p) internal {
        uint256 snap = vm.snapshotState();
        ChallengeParams memory forged = _challengeParams(taskId, 0, BAD_RUN, CKPTS, D);
        forged.leafHash = keccak256("not committed");
        uint256 forgedCommit = _commitChallenge(challenger, forged);
        address sub = workerOf[SUBMITTER];
        _fund(sub, CHALLENGE_BOND);
        vm.prank(sub);
        token.approve(address(disputeManager), CHALLENGE_BOND);
        uint256 selfCommit = _commitChallenge(sub, p);
        vm.roll(block.number + 2);
        bytes32 salt = _challengeSalt(challenger, forged);
        vm.prank(challenger);
        vm.expectRevert(IDisputeManager.InvalidMerkleProof.selector);
        disputeManager.revealChallenge(forgedCommit, forged, salt);
        salt = _challengeSalt(sub, p);
        vm.prank(sub);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.ChallengerIsSubmitter.selector, sub));
        disputeManager.revealChallenge(selfCommit, p, salt);
        vm.revertToState(snap);
    }

    /// @dev The losing submitter is slashed, jailed, its collateral released; the shard waits to resume at D.
    function _checkLoser(uint256 slashed) internal view {
        NodeView memory sub = _node(SUBMITTER);
        assertEq(sub.stake, SUBMITTER_STAKE - slashed, "submitter slashed");
        assertEq(sub.locked, 0, "collateral released to the slash");
        assertEq(sub.failed, 1);
        assertEq(sub.slashCount, 1);
        assertGt(sub.jailedUntil, block.timestamp, "jailed");
        assertFalse(sub.active);

        ShardView memory s = taskManager.getShard(taskId, 0);
        assertEq(uint8(s.status), uint8(ShardStatus.Pending), "re-queued");
        assertEq(s.attempts, 1);
        assertEq(s.resumeFrom, D);
        assertEq(s.resumeManifestCid, MANIFEST_1);
        assertEq(uint8(taskManager.getTask(taskId).status), uint8(TaskStatus.Running));
        assertEq(taskManager.getTask(taskId).escrowRemaining, REWARD, "reward still escrowed");
    }

    /// @dev Another node resumes from checkpoint D of the losing manifest: it repeats checkpoints 0..D-1
    ///      unchanged, computes the rest correctly, and is paid once the window passes.
    function _rerunFromD(uint64[] memory c) internal {
        uint256 rerun = 2;
        while (_isMember(c, rerun)) {
            ++rerun;
        }
        vm.expectEmit(address(taskManager));
        emit ITaskManager.ShardAssigned(
            taskId, 0, rerun, 2, 2, uint64(block.timestamp + MAX_DURATION), uint32(D), MANIFEST_1, NODE_ASK
        );
        _assign(taskId, 0, rerun);

        Checkpoint[] memory cps = _resumedLeaves(BAD_RUN, D, GOOD_RUN, CKPTS);
        bytes32[] memory leaves = CheckpointTree.leavesOf(cps);
        CheckpointTree.Tree memory tree = CheckpointTree.build(leaves);
        // Fewer checkpoints than the resume point are refused.
        Checkpoint[] memory one = new Checkpoint[](1);
        one[0] = cps[0];
        vm.prank(workerOf[rerun]);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.InvalidCheckpointCount.selector, 1, D, 1024));
        taskManager.submitResult(taskId, 0, MANIFEST_2, one);
        _submit(taskId, 0, MANIFEST_2, cps);
        assertEq(taskManager.getShard(taskId, 0).checkpointRoot, tree.root(), "root computed on-chain");

        // The new root commits to the undisputed checkpoints 0..D-1 unchanged, and not to the bad one.
        bytes32 newRoot = taskManager.getShard(taskId, 0).checkpointRoot;
        for (uint256 i; i < D; ++i) {
            assertEq(leaves[i], CheckpointMerkle.leaf(i, _step(i), _ckptHash(BAD_RUN, i)), "repeated leaf");
            assertTrue(
                disputeManager.verifyCheckpoint(
                    newRoot, i, _step(i), _ckptHash(BAD_RUN, i), tree.proof(leaves[i])
                )
            );
        }
        assertFalse(
            disputeManager.verifyCheckpoint(
                newRoot, D, _step(D), _ckptHash(BAD_RUN, D), tree.proof(leaves[D])
            )
        );

        uint256 rerunBefore = token.balanceOf(operatorOf[rerun]);
        _pastWindow(taskId, 0);
        _finalizeAll(taskId);
        assertEq(
            token.balanceOf(operatorOf[rerun]),
            rerunBefore + NODE_ASK - _fee(NODE_ASK, FEE_BRONZE),
            "rerun paid"
        );
        assertEq(uint8(taskManager.getTask(taskId).status), uint8(TaskStatus.Completed));
    }

    // ----------------------------------------------------------------------------------------------
    // 5. False challenge
    // ----------------------------------------------------------------------------------------------

    /// @notice The shard's auditor (drawn by the Sortition from the block after the submission) challenges an
    ///         honest result (its audit fee is paid when it challenges). The committee votes SubmitterRight: the
    ///         verdict covers checkpoint 1 only, so the shard goes back to Submitted and is paid after its window
    ///         and the reveal period; the bond is split between the submitter's operator (50%) and the majority
    ///         voters; the rounding dust goes to the treasury.
    function test_falseChallenge_bondToSubmitterAndVoters() public {
        uint256 clientBefore = token.balanceOf(client);
        _submitted(GOOD_RUN, MANIFEST_1, 10_000);
        vm.roll(block.number + 2); // the audit seed is the hash of the block after the submission
        vm.prank(stranger);
        uint256 auditor = sortition.assignAudit(taskId, 0);
        assertTrue(auditor != SUBMITTER, "never the submitter");

        address chal = workerOf[auditor];
        _fund(chal, CHALLENGE_BOND);
        vm.prank(chal);
        token.approve(address(disputeManager), CHALLENGE_BOND);
        ChallengeParams memory p = _challengeParams(taskId, 0, GOOD_RUN, CKPTS, 1);
        uint256 id = _challengeFrom(chal, p);
        assertEq(token.balanceOf(operatorOf[auditor]), AUDIT_FEE, "audit fee paid on challenge");
        assertEq(uint8(taskManager.getShard(taskId, 0).auditStatus), uint8(AuditStatus.Challenged));
        uint64[] memory c = _committee(id);
        _checkCommittee(c, chal);
        assertFalse(_isMember(c, auditor), "challenger's node excluded");

        _voteAll(id, Vote.SubmitterRight);
        uint256 treasuryBefore = token.balanceOf(treasury);
        vm.recordLogs();
        _resolveAfterReveal(id);
        Vm.Log[] memory logs = vm.getRecordedLogs();

        assertEq(uint8(disputeManager.getDispute(id).outcome), uint8(DisputeOutcome.SubmitterRight));
        assertEq(uint8(taskManager.getShard(taskId, 0).status), uint8(ShardStatus.Submitted), "not paid yet");
        assertFalse(taskManager.isFinalizable(taskId, 0), "window still open");
        _pastWindow(taskId, 0);
        assertFalse(taskManager.isFinalizable(taskId, 0), "a committed challenge adds the reveal period");
        _pastRevealPeriod(taskId, 0);
        _finalizeAll(taskId);
        assertEq(uint8(taskManager.getShard(taskId, 0).status), uint8(ShardStatus.Finalized), "finalized");
        assertEq(uint8(taskManager.getTask(taskId).status), uint8(TaskStatus.Completed));
        uint256 toSubmitter = CHALLENGE_BOND * SUBMITTER_BOND_SHARE_BPS / BPS;
        uint256 share = (CHALLENGE_BOND - toSubmitter) / 3;
        assertEq(share, 8_333_333_333_333_333_333);
        assertEq(
            token.balanceOf(operatorOf[SUBMITTER]),
            NODE_ASK - _fee(NODE_ASK, FEE_BRONZE) + toSubmitter,
            "submitter paid its price and bond share"
        );
        for (uint256 i; i < c.length; ++i) {
            assertEq(token.balanceOf(operatorOf[c[i]]), share, "majority voter");
        }
        assertEq(token.balanceOf(treasury), treasuryBefore + CHALLENGE_BOND - toSubmitter - 3 * share, "dust");
        assertEq(token.balanceOf(chal), 0, "challenger lost its bond");
        assertEq(_payouts(logs, id, address(0)), CHALLENGE_BOND, "bond fully paid out");
        assertEq(
            token.balanceOf(client), clientBefore - NODE_ASK - AUDIT_FEE, "client paid the price and audit"
        );
        NodeView memory sub = _node(SUBMITTER);
        assertEq(sub.completed, 1);
        assertEq(sub.slashCount, 0);
        assertEq(sub.stake, SUBMITTER_STAKE);
        assertEq(sub.locked, 0);
        _assertSystem();
        _assertDrained();
    }

    // ----------------------------------------------------------------------------------------------
    // 6. Non-revealers
    // ----------------------------------------------------------------------------------------------

    /// @notice One member commits and never reveals: it is slashed nonRevealSlash to the treasury and jailed;
    ///         the two others still form a quorum and decide SubmitterWrong, sharing the voter pool.
    function test_nonRevealer_slashedAndJailed_othersDecide() public {
        _submitted(BAD_RUN, MANIFEST_1, 0);
        uint256 id = _challenge(_challengeParams(taskId, 0, BAD_RUN, CKPTS, D));
        uint64[] memory c = _committee(id);
        Vote[] memory votes = new Vote[](3);
        bool[] memory reveal = new bool[](3);
        votes[0] = Vote.SubmitterWrong;
        votes[1] = Vote.DataUnavailable; // counts as wrong
        votes[2] = Vote.SubmitterWrong;
        reveal[0] = true;
        reveal[1] = true;
        _vote(id, votes, reveal);

        uint64 revealDeadline = disputeManager.getDispute(id).revealDeadline;
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeManager.DisputeNotResolvable.selector, id, revealDeadline)
        );
        disputeManager.resolve(id);

        uint256 treasuryBefore = token.balanceOf(treasury);
        vm.warp(uint256(revealDeadline) + 1);
        vm.expectEmit(address(disputeManager));
        emit IDisputeManager.NonRevealPenalized(id, c[2], NON_REVEAL_SLASH);
        vm.prank(stranger);
        disputeManager.resolve(id);

        NodeView memory silent = _node(c[2]);
        assertEq(silent.stake, NODE_STAKE - NON_REVEAL_SLASH, "non-revealer slashed");
        assertEq(silent.slashCount, 1);
        assertGt(silent.jailedUntil, block.timestamp, "jailed");
        assertFalse(silent.active);
        assertEq(token.balanceOf(operatorOf[c[2]]), 0, "no reward for the silent member");

        DisputeView memory dv = disputeManager.getDispute(id);
        assertEq(uint8(dv.outcome), uint8(DisputeOutcome.SubmitterWrong));
        assertEq(dv.reveals, 2);
        assertEq(dv.votesWrong, 2);
        Split memory e = _split(SUBMITTER_STAKE, 2);
        assertEq(token.balanceOf(operatorOf[c[0]]), e.voterShare);
        assertEq(token.balanceOf(operatorOf[c[1]]), e.voterShare);
        assertEq(token.balanceOf(treasury), treasuryBefore + e.toTreasury + NON_REVEAL_SLASH, "treasury");
        assertEq(uint8(taskManager.getShard(taskId, 0).status), uint8(ShardStatus.Pending));
        _assertSystem();
    }

    /// @notice Round 0 has no quorum (one reveal of three): the two silent members are penalized and a new
    ///         committee is drawn without them. Nobody reveals in round 1 either: its members are penalized and
    ///         the submitter is presumed right: the shard is finalized and the bond goes half to the
    ///         submitter's operator, half to the treasury (no majority voters).
    function test_noQuorum_redrawThenPresumedRight() public {
        _submitted(GOOD_RUN, MANIFEST_1, 0);
        uint256 id = _challenge(_challengeParams(taskId, 0, GOOD_RUN, CKPTS, 3));
        uint64[] memory c0 = _committee(id);
        Vote[] memory votes = new Vote[](3);
        bool[] memory reveal = new bool[](3);
        votes[0] = Vote.SubmitterRight;
        votes[1] = Vote.SubmitterWrong; // committed, never revealed
        reveal[0] = true;
        _vote(id, votes, reveal);

        uint256 treasuryBefore = token.balanceOf(treasury);
        _resolveAfterReveal(id);
        DisputeView memory dv = disputeManager.getDispute(id);
        assertEq(uint8(dv.status), uint8(DisputeStatus.Drawing), "waiting for the redraw's seed block");
        assertEq(dv.round, 1, "round 1");
        assertEq(dv.seedBlock, block.number + 1, "seeded by the next block, whoever called");
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.SeedNotReady.selector, id, dv.seedBlock));
        disputeManager.drawCommittee(id);
        vm.roll(block.number + 2);
        vm.prank(stranger);
        disputeManager.drawCommittee(id);
        dv = disputeManager.getDispute(id);
        assertEq(uint8(dv.status), uint8(DisputeStatus.Voting), "redrawn");
        assertEq(dv.reveals, 0);
        assertEq(token.balanceOf(treasury), treasuryBefore + 2 * NON_REVEAL_SLASH, "two silent members");
        assertEq(_node(c0[1]).slashCount, 1);
        assertEq(_node(c0[2]).slashCount, 1);
        assertEq(_node(c0[0]).slashCount, 0, "the revealer is not penalized");
        uint64[] memory c1 = dv.committee;
        _checkCommittee(c1, challenger);
        assertFalse(_isMember(c1, c0[1]), "jailed members are not redrawn");
        assertFalse(_isMember(c1, c0[2]), "jailed members are not redrawn");
        assertEq(uint8(taskManager.getShard(taskId, 0).status), uint8(ShardStatus.Challenged));
        assertEq(disputeManager.totalBonded(), CHALLENGE_BOND, "bond still held");

        // Round 1: silence.
        vm.recordLogs();
        _resolveAfterReveal(id);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        dv = disputeManager.getDispute(id);
        assertEq(uint8(dv.status), uint8(DisputeStatus.Resolved));
        assertEq(uint8(dv.outcome), uint8(DisputeOutcome.NoQuorumSubmitterPresumedRight));
        for (uint256 i; i < c1.length; ++i) {
            assertGe(_node(c1[i]).slashCount, 1, "round-1 member penalized");
            assertFalse(registry.isActive(c1[i]));
        }
        uint256 toSubmitter = CHALLENGE_BOND * SUBMITTER_BOND_SHARE_BPS / BPS;
        assertEq(
            token.balanceOf(treasury),
            treasuryBefore + 5 * NON_REVEAL_SLASH + CHALLENGE_BOND - toSubmitter,
            "penalties and the voters' half of the bond"
        );
        assertEq(_payouts(logs, id, address(0)), CHALLENGE_BOND);
        assertEq(uint8(taskManager.getShard(taskId, 0).status), uint8(ShardStatus.Submitted));
        _pastRevealPeriod(taskId, 0);
        _finalizeAll(taskId);
        assertEq(token.balanceOf(operatorOf[SUBMITTER]), NODE_ASK - _fee(NODE_ASK, FEE_BRONZE) + toSubmitter);
        assertEq(uint8(taskManager.getShard(taskId, 0).status), uint8(ShardStatus.Finalized));
        assertEq(uint8(taskManager.getTask(taskId).status), uint8(TaskStatus.Completed));
        _assertSystem();
        _assertDrained();
    }

    // ----------------------------------------------------------------------------------------------
    // Cross-contract edge cases
    // ----------------------------------------------------------------------------------------------

    /// @notice A minimum-stake submitter with two live shards loses a dispute on one: the slash cuts into the
    ///         collateral of the other (locked is clamped), yet that other shard still finalizes, unlocks and
    ///         pays; the client is compensated with at most one collateral.
    function test_lostDispute_clampsOtherCollateral_otherShardStillPaid() public {
        uint256 small = _registerNode(MIN_STAKE); // node 9
        taskId = _post(2, REWARD, 0);
        _assign(taskId, 0, small);
        _assign(taskId, 1, small);
        assertEq(_node(small).locked, 2 * COLLATERAL);
        _submit(taskId, 0, MANIFEST_1, _leaves(BAD_RUN, CKPTS));
        _submit(taskId, 1, MANIFEST_2, _leaves(GOOD_RUN, CKPTS));

        uint256 clientBefore = token.balanceOf(client);
        uint256 id = _challenge(_challengeParams(taskId, 0, BAD_RUN, CKPTS, D));
        _voteAll(id, Vote.SubmitterWrong);
        vm.recordLogs();
        vm.prank(stranger);
        disputeManager.resolve(id);
        Vm.Log[] memory logs = vm.getRecordedLogs();

        // 50 + (100 - 50) * 10% = 55 NRL slashed: bonded 45 < the 50 still locked for shard 1.
        Split memory e = _split(MIN_STAKE, 3);
        assertEq(e.slashed, 55 * NRL);
        NodeView memory v = _node(small);
        assertEq(v.stake, MIN_STAKE - e.slashed);
        assertEq(v.locked, v.stake, "locked clamped to the remaining stake");
        assertEq(token.balanceOf(client), clientBefore + COLLATERAL, "client gets one collateral");
        assertEq(_payouts(logs, id, address(0)), e.slashed + CHALLENGE_BOND);

        // Shard 1 still finalizes: its full collateral is released and the node (tier None now) is paid.
        assertEq(uint8(registry.tierOf(small)), uint8(Tier.None));
        _pastWindow(taskId, 1);
        assertTrue(taskManager.isFinalizable(taskId, 1));
        uint256 opBefore = token.balanceOf(operatorOf[small]);
        _finalizeAll(taskId);
        assertEq(
            token.balanceOf(operatorOf[small]),
            opBefore + NODE_ASK - _fee(NODE_ASK, FEE_NONE),
            "paid at None fee"
        );
        assertEq(_node(small).locked, 0);
        assertEq(uint8(taskManager.getShard(taskId, 1).status), uint8(ShardStatus.Finalized));
        _assertSystem();
    }

    /// @notice A dispute lost on the shard's last attempt fails the shard: the task ends Failed and the
    ///         client gets the reward back on top of the compensation.
    function test_lostDisputeOnLastAttempt_failsShardAndRefunds() public {
        vm.prank(governor);
        taskManager.setParameter("maxAttempts", 1);
        uint256 clientBefore = token.balanceOf(client);
        _submitted(BAD_RUN, MANIFEST_1, 0);
        uint256 id = _challenge(_challengeParams(taskId, 0, BAD_RUN, CKPTS, D));
        _voteAll(id, Vote.SubmitterWrong);
        vm.expectEmit(address(taskManager));
        emit ITaskManager.ShardFailed(taskId, 0, REWARD);
        vm.prank(stranger);
        disputeManager.resolve(id);
        assertEq(uint8(taskManager.getShard(taskId, 0).status), uint8(ShardStatus.Failed));
        assertEq(uint8(taskManager.getTask(taskId).status), uint8(TaskStatus.Failed));
        assertEq(token.balanceOf(client), clientBefore + COLLATERAL, "reward refunded plus compensation");
        _assertSystem();
        _assertDrained();
    }

    /// @notice The client cancels while a shard is challenged; the submitter loses, the shard is Cancelled
    ///         instead of re-queued and the task's escrow is fully returned.
    function test_cancelWhileChallenged_lostDisputeCancelsShard() public {
        uint256 clientBefore = token.balanceOf(client);
        _submitted(BAD_RUN, MANIFEST_1, 5000);
        uint256 id = _challenge(_challengeParams(taskId, 0, BAD_RUN, CKPTS, D));
        vm.prank(client);
        taskManager.cancelTask(taskId);
        assertEq(uint8(taskManager.getShard(taskId, 0).status), uint8(ShardStatus.Challenged));
        _voteAll(id, Vote.SubmitterWrong);
        vm.prank(stranger);
        disputeManager.resolve(id);
        assertEq(uint8(taskManager.getShard(taskId, 0).status), uint8(ShardStatus.Cancelled));
        assertEq(uint8(taskManager.getTask(taskId).status), uint8(TaskStatus.Cancelled));
        assertEq(token.balanceOf(client), clientBefore + COLLATERAL, "escrow back plus compensation");
        _assertSystem();
        _assertDrained();
    }

    /// @notice A challenge committed after the window, or on a shard that is not Submitted, is refused and takes
    ///         no bond.
    function test_challenge_outsideWindowRefused() public {
        _submitted(BAD_RUN, MANIFEST_1, 0);
        ChallengeParams memory p = _challengeParams(taskId, 0, BAD_RUN, CKPTS, D);
        bytes32 c = disputeManager.challengeCommitment(challenger, p, bytes32(0));
        uint64 end = taskManager.getShard(taskId, 0).deadline;
        vm.warp(uint256(end) + 1);
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.ChallengeWindowClosed.selector, taskId, 0, end));
        disputeManager.commitChallenge(p.taskId, p.shardIndex, c);
        _finalizeAll(taskId);
        vm.prank(challenger);
        vm.expectRevert(
            abi.encodeWithSelector(ITaskManager.InvalidShardStatus.selector, taskId, 0, ShardStatus.Finalized)
        );
        disputeManager.commitChallenge(p.taskId, p.shardIndex, c);
        assertEq(disputeManager.totalBonded(), 0);
        _assertSystem();
    }
}
