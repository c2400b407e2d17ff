// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "forge-std/Test.sol";

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {IDisputeManager} from "../../src/interfaces/IDisputeManager.sol";
import {INodeRegistry} from "../../src/interfaces/INodeRegistry.sol";
import {ITaskManager} from "../../src/interfaces/ITaskManager.sol";
import {
    ChallengeParams,
    Checkpoint,
    DisputeOutcome,
    DisputeView,
    NodeView,
    ShardStatus,
    ShardView,
    Vote
} from "../../src/types/Types.sol";
import {CheckpointTree} from "../utils/CheckpointTree.sol";
import {NeuralTest} from "../utils/NeuralTest.sol";
import {WorkerConsent} from "../utils/WorkerConsent.sol";

/// @notice The attacks of the verification review (issue 8), each replayed on the production deployment and
///         defaults. On the first version of the contracts every one of them paid the attacker; each test here
///         asserts the attack now fails and costs the attacker. One test per hole, named after it.
contract AttacksTest is NeuralTest {
    using CheckpointTree for CheckpointTree.Tree;

    uint256 internal constant REWARD = 100 * NRL;
    uint256 internal constant COLLATERAL = REWARD * COLLATERAL_RATIO_BPS / BPS;
    uint256 internal constant CKPTS = 4;
    bytes32 internal constant TRUTH = keccak256("the correct run");
    bytes32 internal constant FAKE = keccak256("made-up checkpoints");

    uint256 internal victim; // an honest 10,000-NRL node
    uint256 internal cheater; // a dishonest 1,000-NRL node

    function setUp() public override {
        super.setUp();
        victim = _registerNode(10_000 * NRL); // node 1
        cheater = _registerNode(1000 * NRL); // node 2
        _registerNodes(6, 1000 * NRL); // nodes 3..8, honest committee candidates (aged by _registerNodes)
    }

    /// @dev Checkpoint i is the truth before `firstFake`, made up from it on.
    function _run(uint256 firstFake) internal pure returns (Checkpoint[] memory cps) {
        cps = new Checkpoint[](CKPTS);
        for (uint256 i; i < CKPTS; ++i) {
            cps[i] = Checkpoint({step: uint64(_step(i)), hash: _ckptHash(i < firstFake ? TRUTH : FAKE, i)});
        }
    }

    function _submittedBy(uint256 nodeId, Checkpoint[] memory cps) internal returns (uint256 taskId) {
        taskId = _post(1, REWARD, 0);
        _assign(taskId, 0, nodeId);
        _submit(taskId, 0, keccak256(abi.encode("manifest", taskId)), cps);
    }

    function _fundBonded(address who) internal {
        _fund(who, 10_000 * NRL);
        vm.prank(who);
        token.approve(address(disputeManager), type(uint256).max);
    }

    /// @dev Honest committee: every member votes the truth about checkpoint d, then the dispute is resolved.
    function _honestVerdict(uint256 disputeId, bool leafIsWrong) internal {
        _voteAll(disputeId, leafIsWrong ? Vote.SubmitterWrong : Vote.SubmitterRight);
        vm.prank(stranger);
        disputeManager.resolve(disputeId);
    }

    // ----------------------------------------------------------------------------------------------
    // Hole 1: a decoy self-challenge shields fraud
    // ----------------------------------------------------------------------------------------------

    /// @notice The cheater computes checkpoint 0 honestly and fakes 1..3, then challenges checkpoint 0 itself
    ///         from a fresh wallet. The honest committee confirms checkpoint 0, but the verdict covers only that
    ///         checkpoint: the shard is not paid, the real challenge of checkpoint 1 still opens, the cheater is
    ///         slashed, and the decoy cost it money.
    function test_hole1_decoySelfChallenge_shieldsNothing() public {
        address decoy = makeAddr("decoy wallet of the cheater");
        _fundBonded(decoy);
        address cheaterOp = operatorOf[cheater];
        uint256 cheaterWealthBefore = token.balanceOf(decoy) + token.balanceOf(cheaterOp)
            + _node(cheater).stake + _node(cheater).unbonding;

        Checkpoint[] memory cps = _run(1);
        uint256 taskId = _submittedBy(cheater, cps);
        uint256 decoyId = _challengeFrom(decoy, _challengeParamsOf(taskId, 0, cps, 0));
        _honestVerdict(decoyId, false);
        assertEq(uint8(disputeManager.getDispute(decoyId).outcome), uint8(DisputeOutcome.SubmitterRight));

        ShardView memory s = taskManager.getShard(taskId, 0);
        assertEq(uint8(s.status), uint8(ShardStatus.Submitted), "not finalized by the decoy verdict");
        assertFalse(taskManager.isFinalizable(taskId, 0), "not paid inside the window");

        uint256 realId = _challenge(_challengeParamsOf(taskId, 0, cps, 1));
        _honestVerdict(realId, true);
        assertEq(uint8(disputeManager.getDispute(realId).outcome), uint8(DisputeOutcome.SubmitterWrong));
        s = taskManager.getShard(taskId, 0);
        assertEq(uint8(s.status), uint8(ShardStatus.Pending), "re-queued, never paid");
        assertEq(s.resumeFrom, 1, "resumes after the confirmed checkpoint 0");

        uint256 cheaterWealthAfter = token.balanceOf(decoy) + token.balanceOf(cheaterOp)
            + _node(cheater).stake + _node(cheater).unbonding;
        assertLt(cheaterWealthAfter, cheaterWealthBefore, "the decoy and the fraud cost the cheater");
        _assertSystem();
    }

    /// @notice Defined behaviour (docs/protocol.md "Inherited checkpoints"): two disputes on one result, on
    ///         checkpoints 3 and 1. The one on 3 ends first: the shard resumes from 3 on another node, which
    ///         repeats checkpoints 0..2 verbatim. When the dispute on checkpoint 1 then ends SubmitterWrong, the
    ///         shard drops back to resume from 1, the resuming node is handed back its attempt without fault
    ///         (not slashed, no failure, collateral unlocked), nobody is slashed twice, and the challenger gets its
    ///         bond back.
    function test_hole1_earlierCheckpointLosesAfterResume_resumerNotBlamed() public {
        Checkpoint[] memory cps = _run(1);
        uint256 taskId = _submittedBy(cheater, cps);
        address second = makeAddr("second challenger");
        _fundBonded(second);
        uint256 onThree = _challenge(_challengeParamsOf(taskId, 0, cps, 3));
        uint256 onOne = _challengeFrom(second, _challengeParamsOf(taskId, 0, cps, 1));
        assertEq(taskManager.getShard(taskId, 0).openDisputes, 2);
        // Both committees find their checkpoint wrong; the dispute on checkpoint 3 is resolved first.
        _commitAll(onThree, Vote.SubmitterWrong);
        _commitAll(onOne, Vote.SubmitterWrong);
        vm.warp(uint256(disputeManager.getDispute(onOne).commitDeadline) + 1);
        _revealAll(onThree, Vote.SubmitterWrong);
        _revealAll(onOne, Vote.SubmitterWrong);
        vm.prank(stranger);
        disputeManager.resolve(onThree);
        ShardView memory s = taskManager.getShard(taskId, 0);
        assertEq(uint8(s.status), uint8(ShardStatus.Pending));
        assertEq(s.resumeFrom, 3);
        assertEq(s.openDisputes, 1, "the dispute on checkpoint 1 still counts");

        // Another node resumes from checkpoint 3, repeating 0..2 (checkpoints 1 and 2 are the cheater's fakes).
        uint256 resumer = 3;
        uint64[] memory c = _committee(onOne);
        while (_isMember(c, resumer) || _isMember(_committee(onThree), resumer)) ++resumer;
        _assign(taskId, 0, resumer);
        Checkpoint[] memory resumed = _run(1);
        resumed[3] = Checkpoint({step: uint64(_step(3)), hash: _ckptHash(TRUTH, 3)});
        _submit(taskId, 0, keccak256("resumed manifest"), resumed);
        assertEq(
            uint8(taskManager.getShard(taskId, 0).status), uint8(ShardStatus.Challenged), "old dispute open"
        );
        NodeView memory before = _node(resumer);
        uint256 secondBefore = token.balanceOf(second);

        vm.prank(stranger);
        disputeManager.resolve(onOne);

        s = taskManager.getShard(taskId, 0);
        assertEq(uint8(s.status), uint8(ShardStatus.Pending), "the resumed attempt is handed back");
        assertEq(s.resumeFrom, 1, "resumes from the checkpoint that lost");
        NodeView memory afterward = _node(resumer);
        assertEq(afterward.stake, before.stake, "the resumer is not slashed");
        assertEq(afterward.failed, before.failed, "no failure recorded");
        assertEq(afterward.locked, 0, "its collateral is unlocked");
        assertEq(token.balanceOf(second), secondBefore + CHALLENGE_BOND, "the bond comes back");
        DisputeView memory dv = disputeManager.getDispute(onOne);
        assertEq(uint8(dv.outcome), uint8(DisputeOutcome.SubmitterWrong));
        assertEq(_node(cheater).slashCount, 1, "the cheater is slashed once, not twice");
        _assertSystem();
    }

    function _commitAll(uint256 disputeId, Vote vote) internal {
        uint64[] memory c = _committee(disputeId);
        for (uint256 i; i < c.length; ++i) {
            _commit(disputeId, c[i], vote);
        }
    }

    function _revealAll(uint256 disputeId, Vote vote) internal {
        uint64[] memory c = _committee(disputeId);
        for (uint256 i; i < c.length; ++i) {
            _reveal(disputeId, c[i], vote);
        }
    }

    // ----------------------------------------------------------------------------------------------
    // Hole 2: commitments that cannot be opened cannot be challenged
    // ----------------------------------------------------------------------------------------------

    /// @notice The root is computed on-chain from checkpoints published in ResultSubmitted, so a watcher that
    ///         has nothing but the chain's logs (the manifest is withheld) builds the proof of any leaf and wins;
    ///         a committee member that cannot fetch the checkpoint votes DataUnavailable, which counts as wrong.
    function test_hole2_withheldManifest_watcherProvesFromLogs() public {
        uint256 taskId = _post(1, REWARD, 0);
        _assign(taskId, 0, cheater);
        vm.recordLogs();
        _submit(taskId, 0, keccak256("never published"), _run(2));
        Vm.Log[] memory logs = vm.getRecordedLogs();

        Checkpoint[] memory fromLogs;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] != ITaskManager.ResultSubmitted.selector) continue;
            (,,,,, fromLogs) =
                abi.decode(logs[i].data, (uint16, bytes32, bytes32, uint32, uint64, Checkpoint[]));
        }
        assertEq(fromLogs.length, CKPTS, "every checkpoint is in the event");
        assertEq(
            CheckpointTree.fromCheckpoints(fromLogs).root(),
            taskManager.getShard(taskId, 0).checkpointRoot,
            "the stored root is the root of the published checkpoints"
        );

        uint256 id = _challenge(_challengeParamsOf(taskId, 0, fromLogs, 2));
        _voteAll(id, Vote.DataUnavailable);
        vm.prank(stranger);
        disputeManager.resolve(id);
        assertEq(uint8(disputeManager.getDispute(id).outcome), uint8(DisputeOutcome.SubmitterWrong));
        assertEq(uint8(taskManager.getShard(taskId, 0).status), uint8(ShardStatus.Pending), "never paid");
    }

    // ----------------------------------------------------------------------------------------------
    // Hole 3: committee capture by cheap sybils and a grindable seed
    // ----------------------------------------------------------------------------------------------

    /// @notice Two 100-NRL sybils (about 1% of the stake) challenge the honest 10,000-NRL victim hoping to sit
    ///         on its committee. Registered just before, they are too young to sit at all; aged, they are drawn
    ///         stake-weighted and, over 60 different seed blocks, never hold a majority (the binomial rate for
    ///         s ~ 0.01 and k = 3 is about 3 in 10,000). The committee depends only on the block after the
    ///         commitment: revealing 2 or 200 blocks later gives the same committee.
    function test_hole3_sybilCommittee_notCaptured_seedNotGrindable() public {
        uint256 s1 = _registerNode(MIN_STAKE);
        uint256 s2 = _registerNode(MIN_STAKE);
        address attacker = makeAddr("sybil owner");
        _fundBonded(attacker);
        uint256 taskId = _submittedBy(victim, _run(CKPTS));
        ChallengeParams memory p = _challengeParamsOf(taskId, 0, _run(CKPTS), 1);

        uint256 snap = vm.snapshotState();
        uint256 young = _sybilSeats(attacker, p, s1, s2, 20);
        assertEq(young, 0, "sybils younger than committeeMinAge never sit");
        vm.revertToState(snap);

        vm.warp(block.timestamp + COMMITTEE_MIN_AGE);
        // A fresh result inside its window, now that the sybils are old enough.
        taskId = _submittedBy(victim, _run(CKPTS));
        p = _challengeParamsOf(taskId, 0, _run(CKPTS), 1);
        uint256 majorities = _sybilMajorities(attacker, p, s1, s2, 60);
        assertLe(majorities, 1, "sybils with ~1% of the stake do not capture committees");

        // Waiting does not help: the seed block is fixed at commitment.
        uint256 commitId = _commitChallenge(attacker, p);
        snap = vm.snapshotState();
        vm.roll(block.number + 2);
        uint64[] memory early = _committee(_revealChallenge(attacker, commitId, p));
        vm.revertToState(snap);
        vm.roll(block.number + 200);
        uint64[] memory late = _committee(_revealChallenge(attacker, commitId, p));
        assertEq(keccak256(abi.encode(early)), keccak256(abi.encode(late)), "reveal timing changes nothing");
    }

    /// @dev Seats the sybils take over `tries` commitments at successive blocks.
    function _sybilSeats(address attacker, ChallengeParams memory p, uint256 s1, uint256 s2, uint256 tries)
        internal
        returns (uint256 seats)
    {
        for (uint256 i; i < tries; ++i) {
            uint256 snap = vm.snapshotState();
            vm.roll(block.number + i + 1);
            uint64[] memory c = _committee(_challengeFrom(attacker, p));
            if (_isMember(c, s1)) ++seats;
            if (_isMember(c, s2)) ++seats;
            vm.revertToState(snap);
        }
    }

    function _sybilMajorities(
        address attacker,
        ChallengeParams memory p,
        uint256 s1,
        uint256 s2,
        uint256 tries
    ) internal returns (uint256 majorities) {
        for (uint256 i; i < tries; ++i) {
            uint256 snap = vm.snapshotState();
            vm.roll(block.number + i + 1);
            uint64[] memory c = _committee(_challengeFrom(attacker, p));
            if (_isMember(c, s1) && _isMember(c, s2)) ++majorities;
            vm.revertToState(snap);
        }
    }

    // ----------------------------------------------------------------------------------------------
    // Hole 4: challenge front-running
    // ----------------------------------------------------------------------------------------------

    /// @notice A bot (or the guilty submitter through another wallet) copies the honest challenger's pending
    ///         commitment. The commitment binds the challenger's address, so the copy can never be revealed: the
    ///         copier's bond is forfeited to the treasury, while the honest challenger reveals, wins and is paid.
    function test_hole4_copiedChallenge_earnsTheCopierNothing() public {
        Checkpoint[] memory cps = _run(2);
        uint256 taskId = _submittedBy(cheater, cps);
        ChallengeParams memory p = _challengeParamsOf(taskId, 0, cps, 2);
        address bot = makeAddr("front-running bot");
        _fundBonded(bot);

        bytes32 commitment = disputeManager.challengeCommitment(challenger, p, _challengeSalt(challenger, p));
        vm.prank(bot);
        uint256 copied = disputeManager.commitChallenge(p.taskId, p.shardIndex, commitment);
        uint256 honestCommit = _commitChallenge(challenger, p);
        vm.roll(block.number + 2);

        bytes32 salt = _challengeSalt(challenger, p);
        vm.prank(bot);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.ChallengeCommitmentMismatch.selector, copied));
        disputeManager.revealChallenge(copied, p, salt);
        vm.prank(bot);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.NotChallenger.selector, honestCommit, bot));
        disputeManager.revealChallenge(honestCommit, p, salt);

        uint256 challengerBefore = token.balanceOf(challenger);
        uint256 id = _revealChallenge(challenger, honestCommit, p);
        _honestVerdict(id, true);
        assertGt(token.balanceOf(challenger), challengerBefore, "the honest challenger is rewarded");

        uint256 treasuryBefore = token.balanceOf(treasury);
        vm.warp(uint256(disputeManager.getChallengeCommit(copied).revealDeadline) + 1);
        // The attempt it targeted already lost: the copier's bond... goes back only because the shard moved on;
        // a copy of a challenge on a result that stands is forfeited (see the next test).
        disputeManager.closeChallengeCommit(copied);
        assertEq(token.balanceOf(treasury), treasuryBefore, "stale copy: bond returned, not a reward");
        assertEq(token.balanceOf(bot), 10_000 * NRL, "the bot got its bond back and nothing more");
    }

    /// @notice A copied commitment on a result that stands can only be forfeited after the reveal deadline.
    function test_hole4_copiedChallengeOnStandingResult_forfeited() public {
        Checkpoint[] memory cps = _run(CKPTS);
        uint256 taskId = _submittedBy(victim, cps);
        ChallengeParams memory p = _challengeParamsOf(taskId, 0, cps, 1);
        address bot = makeAddr("front-running bot");
        _fundBonded(bot);
        bytes32 commitment = disputeManager.challengeCommitment(challenger, p, bytes32("secret"));
        vm.prank(bot);
        uint256 copied = disputeManager.commitChallenge(p.taskId, p.shardIndex, commitment);
        uint64 revealDeadline = disputeManager.getChallengeCommit(copied).revealDeadline;
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeManager.ChallengeRevealOpen.selector, copied, revealDeadline)
        );
        disputeManager.closeChallengeCommit(copied);
        vm.warp(uint256(revealDeadline) + 1);
        uint256 treasuryBefore = token.balanceOf(treasury);
        disputeManager.closeChallengeCommit(copied);
        assertEq(token.balanceOf(treasury), treasuryBefore + CHALLENGE_BOND, "forfeited");
        assertEq(token.balanceOf(bot), 10_000 * NRL - CHALLENGE_BOND);
        // The victim's payment waited for the reveal period and then went through.
        _finalizeAll(taskId);
        assertEq(uint8(taskManager.getShard(taskId, 0).status), uint8(ShardStatus.Finalized));
    }

    // ----------------------------------------------------------------------------------------------
    // Hole 5: worker-key games
    // ----------------------------------------------------------------------------------------------

    /// @notice Nobody registers someone else's address as its worker key (squatting), a consent cannot be
    ///         replayed, and a submitter cannot swap its worker key to the challenger's address to make the
    ///         challenge revert ChallengerIsSubmitter: keys are frozen while its result is live.
    function test_hole5_workerKeySquatAndSwap_refused() public {
        address squatter = makeAddr("squatter");
        (address victimKey, uint256 victimKeyPk) = makeAddrAndKey("a worker key someone wants");
        _fund(squatter, MIN_STAKE);
        vm.startPrank(squatter);
        token.approve(address(registry), MIN_STAKE);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.InvalidWorkerConsent.selector, victimKey));
        registry.register(victimKey, _caps(), NRL, bytes32(0), MIN_STAKE, block.timestamp + 1 hours, "");
        vm.stopPrank();

        // A consent signed for another operator does not transfer (replays: NodeRegistry unit tests).
        address owner = makeAddr("the key's real operator");
        (uint256 deadline, bytes memory sig) = WorkerConsent.sign(vm, registry, victimKeyPk, owner, 0);
        vm.prank(squatter);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.InvalidWorkerConsent.selector, victimKey));
        registry.register(victimKey, _caps(), NRL, bytes32(0), MIN_STAKE, deadline, sig);

        // The submitter tries to take the challenger's address as its worker key while its result is live.
        Checkpoint[] memory cps = _run(1);
        uint256 taskId = _submittedBy(cheater, cps);
        (address chal, uint256 chalPk) = makeAddrAndKey("challenger with a key");
        _fundBonded(chal);
        ChallengeParams memory p = _challengeParamsOf(taskId, 0, cps, 1);
        uint256 commitId = _commitChallenge(chal, p);
        (deadline, sig) = WorkerConsent.sign(vm, registry, chalPk, operatorOf[cheater], cheater);
        vm.prank(operatorOf[cheater]);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeHasLiveShards.selector, cheater, COLLATERAL));
        registry.setWorker(cheater, chal, deadline, sig);
        vm.roll(block.number + 2);
        uint256 id = _revealChallenge(chal, commitId, p);
        _honestVerdict(id, true);
        assertEq(_node(cheater).slashCount, 1, "the cheater is slashed");
    }

    // ----------------------------------------------------------------------------------------------
    // Hole 6: who is audited was the keeper's choice
    // ----------------------------------------------------------------------------------------------

    /// @notice The keeper can no longer pick auditors: only the Sortition records audits, drawn from the block
    ///         after the submission. The cheater's second node (same operator) is never drawn as its auditor.
    function test_hole6_auditsDrawnNotChosen_neverOwnOperator() public {
        // The cheater's operator runs a second node.
        address cheaterOp = operatorOf[cheater];
        (address wk, uint256 wkPk) = makeAddrAndKey("cheater's second worker");
        _fund(cheaterOp, 5000 * NRL);
        (uint256 deadline, bytes memory sig) = WorkerConsent.sign(vm, registry, wkPk, cheaterOp, 0);
        vm.startPrank(cheaterOp);
        token.approve(address(registry), 5000 * NRL);
        uint256 twin = registry.register(wk, _caps(), NRL, bytes32(0), 5000 * NRL, deadline, sig);
        vm.stopPrank();

        uint256 taskId = _post(8, REWARD, 10_000);
        for (uint256 i; i < 8; ++i) {
            _assign(taskId, i, cheater);
            _submit(taskId, i, keccak256(abi.encode("m", i)), _run(CKPTS));
        }
        bytes32 auditRole = taskManager.AUDIT_ROLE();
        vm.prank(keeper);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, keeper, auditRole
            )
        );
        taskManager.onAuditAssigned(taskId, 0, 1, twin);

        vm.roll(block.number + 2);
        for (uint256 i; i < 8; ++i) {
            vm.prank(keeper);
            uint256 verifier = sortition.assignAudit(taskId, i);
            assertTrue(verifier != twin && verifier != cheater, "never the submitter's own operator");
            assertTrue(registry.operatorOf(verifier) != cheaterOp);
        }
    }

    // ----------------------------------------------------------------------------------------------
    // Hole 7: stake leaves before the window closes
    // ----------------------------------------------------------------------------------------------

    /// @notice With a short unbonding period, the cheater moves its free stake to unbonding right after
    ///         submitting and tries to withdraw before the dispute ends: refused (NodeHasLiveShards), and the
    ///         dispute slash takes collateral + 10% of everything it holds, unbonding included.
    function test_hole7_unbondingDuringWindow_cannotEscapeSlash() public {
        vm.prank(governor);
        registry.setParameter("unbondingPeriod", 1 hours);
        Checkpoint[] memory cps = _run(0);
        uint256 taskId = _submittedBy(cheater, cps);
        uint256 free = registry.freeStake(cheater);
        vm.prank(operatorOf[cheater]);
        registry.requestUnstake(cheater, free);
        uint256 commitId = _commitChallenge(challenger, _challengeParamsOf(taskId, 0, cps, 0));
        vm.warp(block.timestamp + 1 hours + 1);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeHasLiveShards.selector, cheater, COLLATERAL));
        registry.withdraw(cheater);

        vm.roll(block.number + 2);
        uint256 id = _revealChallenge(challenger, commitId, _challengeParamsOf(taskId, 0, cps, 0));
        NodeView memory n = _node(cheater);
        uint256 held = uint256(n.stake) + n.unbonding;
        uint256 expected = COLLATERAL + (held - COLLATERAL) * DISPUTE_SLASH_BPS / BPS;
        vm.recordLogs();
        _honestVerdict(id, true);
        assertEq(held - (uint256(_node(cheater).stake) + _node(cheater).unbonding), expected, "full slash");
        assertEq(expected, 145 * NRL, "50 + 10% of 950");
    }
}
