// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "forge-std/Test.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

import {DisputeManager} from "../../src/DisputeManager.sol";
import {IDisputeManager} from "../../src/interfaces/IDisputeManager.sol";
import {INodeRegistry} from "../../src/interfaces/INodeRegistry.sol";
import {IParameters} from "../../src/interfaces/IParameters.sol";
import {ITaskManager} from "../../src/interfaces/ITaskManager.sol";
import {
    Assignment,
    ChallengeParams,
    DisputeOutcome,
    DisputeStatus,
    DisputeView,
    NodeView,
    PayoutKind,
    ShardRef,
    ShardStatus,
    ShardView,
    SlashReason,
    Tier,
    TierThreshold,
    Vote
} from "../../src/types/Types.sol";
import {CheckpointTree} from "../utils/CheckpointTree.sol";
import {DisputeFixture} from "../utils/DisputeFixture.sol";

contract DisputeManagerTest is DisputeFixture {
    using CheckpointTree for CheckpointTree.Tree;

    error NoOutsider();

    struct Payout {
        address to;
        PayoutKind kind;
        uint256 amount;
    }

    bytes32[13] internal NAMES = [
        bytes32("committeeSize"),
        "committeeMinTier",
        "challengeBond",
        "commitPeriod",
        "revealPeriod",
        "disputeSlashBps",
        "challengerRewardBps",
        "voterRewardBps",
        "submitterBondShareBps",
        "nonRevealSlash",
        "maxSampleTries",
        "committeeMinStake",
        "committeeMinAge"
    ];

    // ==============================================================================================
    // Helpers
    // ==============================================================================================

    function _payouts(Vm.Log[] memory logs, uint256 id) internal view returns (Payout[] memory out) {
        uint256 n;
        out = new Payout[](logs.length);
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(dm) || logs[i].topics.length < 3) continue;
            if (logs[i].topics[0] != IDisputeManager.DisputePayout.selector) continue;
            if (uint256(logs[i].topics[1]) != id) continue;
            (uint8 kind, uint256 amount) = abi.decode(logs[i].data, (uint8, uint256));
            out[n++] = Payout(address(uint160(uint256(logs[i].topics[2]))), PayoutKind(kind), amount);
        }
        assembly {
            mstore(out, n)
        }
    }

    function _assertPayout(Payout memory p, address to, PayoutKind kind, uint256 amount) internal pure {
        assertEq(p.to, to, "payout recipient");
        assertEq(uint256(p.kind), uint256(kind), "payout kind");
        assertEq(p.amount, amount, "payout amount");
    }

    function _countEvents(Vm.Log[] memory logs, bytes32 sig) internal view returns (uint256 n) {
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(dm) && logs[i].topics.length > 0 && logs[i].topics[0] == sig) ++n;
        }
    }

    function _bal(address a) internal view returns (uint256) {
        return token.balanceOf(a);
    }

    function _stake(uint256 nodeId) internal view returns (uint256) {
        return registry.getNode(nodeId).stake;
    }

    function _shard(uint32 shard) internal view returns (ShardView memory) {
        return taskManager.getShard(taskId, shard);
    }

    /// @dev A node id that is active, not the submitter and not on `v`'s committee.
    function _outsider(DisputeView memory v) internal view returns (uint256) {
        for (uint256 id = 1; id <= NODE_COUNT; ++id) {
            if (id != v.submitterNodeId && !_isMember(v, id) && registry.isActive(id)) return id;
        }
        revert NoOutsider();
    }

    /// @dev Node 9: the challenger is its operator. Node 10: the challenger is its worker key (it signs the
    ///      consent with its own key).
    function _registerChallengerNodes() internal returns (uint256 opNode, uint256 workerNode) {
        opNode = _registerNodeAs(challenger, "worker9", HIGH_STAKE);
        (, uint256 challengerKey) = makeAddrAndKey("challenger");
        workerNode = _registerNodeWithKey(makeAddr("operator10"), challengerKey, HIGH_STAKE);
        assertEq(registry.getNode(workerNode).worker, challenger);
        vm.prank(challenger);
        token.approve(address(dm), type(uint256).max);
    }

    /// @dev Makes stake >= 1000 NRL enough for Silver, so nodes 5.. (2000 NRL) become Silver.
    function _makeHighStakeSilver(uint256 lastNode) internal {
        vm.prank(governor);
        registry.setTierThreshold(
            Tier.Silver,
            TierThreshold({minStake: uint128(1000 * NRL), minCompleted: 0, minSuccessBps: 0, minFeesPaid: 0})
        );
        for (uint256 id = 1; id <= lastNode; ++id) {
            registry.refreshTier(id);
        }
    }

    /// @dev Commits `p` from `who`, lets the seed block be mined, and expects the reveal to revert with `err`.
    function _expectRevealRevert(address who, ChallengeParams memory p, bytes memory err)
        internal
        returns (uint256 commitId)
    {
        commitId = _commitChallenge(who, p);
        vm.roll(block.number + 2);
        vm.expectRevert(err);
        vm.prank(who);
        dm.revealChallenge(commitId, p, _challengeSalt(who, p));
    }

    function _fundChallenger(address who, uint256 amount) internal {
        _fund(who, amount);
        vm.prank(who);
        token.approve(address(dm), type(uint256).max);
    }

    function _finalize(uint32 shard) internal returns (uint256) {
        ShardRef[] memory refs = new ShardRef[](1);
        refs[0] = ShardRef({taskId: uint64(taskId), shardIndex: shard});
        return taskManager.finalizeShards(refs);
    }

    // ==============================================================================================
    // Constructor and governance
    // ==============================================================================================

    function test_constructor_setsDefaults_succeeds() public view {
        assertEq(address(dm.token()), address(token));
        assertEq(address(dm.registry()), address(registry));
        assertEq(address(dm.taskManager()), address(taskManager));
        assertEq(address(dm.sortition()), address(sortition));
        assertEq(sortition.randomness(), address(blockRandomness));
        assertEq(dm.treasury(), treasury);
        assertEq(dm.disputeCount(), 0);
        assertEq(dm.challengeCommitCount(), 0);
        assertEq(dm.totalBonded(), 0);
        assertTrue(dm.hasRole(dm.DEFAULT_ADMIN_ROLE(), governor));
        assertTrue(dm.hasRole(dm.GOVERNOR_ROLE(), governor));
        assertEq(dm.GOVERNOR_ROLE(), keccak256("GOVERNOR_ROLE"));
        assertEq(uint256(dm.committeeMinTier()), uint256(Tier.Bronze));
        uint256[13] memory defaults = [
            uint256(3), 1, 50 * NRL, 1 hours, 1 hours, 1000, 3000, 5000, 5000, 5 * NRL, 256, 100 * NRL, 1 days
        ];
        for (uint256 i; i < NAMES.length; ++i) {
            assertEq(dm.getParameter(NAMES[i]), defaults[i]);
        }
    }

    function test_constructor_zeroAddress_reverts() public {
        address[6] memory a =
            [address(token), address(registry), address(taskManager), address(sortition), governor, treasury];
        for (uint256 i; i < 6; ++i) {
            address[6] memory b = a;
            b[i] = address(0);
            vm.expectRevert(IDisputeManager.ZeroAddress.selector);
            new DisputeManager(b[0], b[1], b[2], b[3], b[4], b[5]);
        }
    }

    function test_parameterBounds_succeeds() public view {
        uint256[2][13] memory bounds = [
            [uint256(1), 15],
            [uint256(0), 4],
            [uint256(0), 1e9 * NRL],
            [uint256(60), 7 days],
            [uint256(60), 7 days],
            [uint256(0), 10_000],
            [uint256(0), 10_000],
            [uint256(0), 10_000],
            [uint256(0), 10_000],
            [uint256(0), 1e6 * NRL],
            [uint256(3), 1024],
            [uint256(0), 1e9 * NRL],
            [uint256(0), 90 days]
        ];
        for (uint256 i; i < NAMES.length; ++i) {
            (uint256 min, uint256 max) = dm.parameterBounds(NAMES[i]);
            assertEq(min, bounds[i][0], "min");
            assertEq(max, bounds[i][1], "max");
        }
    }

    function test_setParameter_everyParameter_succeeds() public {
        uint256[13] memory values =
            [uint256(5), 2, 7 * NRL, 2 hours, 3 hours, 2500, 100, 9000, 0, 1 * NRL, 100, 1000 * NRL, 2 days];
        for (uint256 i; i < NAMES.length; ++i) {
            uint256 old = dm.getParameter(NAMES[i]);
            vm.expectEmit(address(dm));
            emit IParameters.ParameterSet(NAMES[i], old, values[i]);
            _setParam(NAMES[i], values[i]);
            assertEq(dm.getParameter(NAMES[i]), values[i]);
        }
        assertEq(uint256(dm.committeeMinTier()), 2);
    }

    function test_setParameter_atBounds_succeeds() public {
        for (uint256 i; i < NAMES.length; ++i) {
            if (NAMES[i] == "committeeSize" || NAMES[i] == "maxSampleTries") continue;
            (uint256 min, uint256 max) = dm.parameterBounds(NAMES[i]);
            _setParam(NAMES[i], min);
            assertEq(dm.getParameter(NAMES[i]), min);
            _setParam(NAMES[i], max);
            assertEq(dm.getParameter(NAMES[i]), max);
        }
        _setParam("committeeSize", 15);
        _setParam("committeeSize", 1);
        _setParam("maxSampleTries", 1024);
        _setParam("maxSampleTries", 1);
    }

    function test_setParameter_outOfBounds_reverts() public {
        for (uint256 i; i < NAMES.length; ++i) {
            (uint256 min, uint256 max) = dm.parameterBounds(NAMES[i]);
            vm.expectRevert(
                abi.encodeWithSelector(IParameters.ParameterOutOfBounds.selector, NAMES[i], max + 1, min, max)
            );
            vm.prank(governor);
            dm.setParameter(NAMES[i], max + 1);
            if (min == 0) continue;
            vm.expectRevert(
                abi.encodeWithSelector(IParameters.ParameterOutOfBounds.selector, NAMES[i], min - 1, min, max)
            );
            vm.prank(governor);
            dm.setParameter(NAMES[i], min - 1);
        }
    }

    function test_setParameter_evenCommitteeSize_reverts() public {
        for (uint256 k = 2; k <= 14; k += 2) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IParameters.ParameterOutOfBounds.selector, bytes32("committeeSize"), k, 1, 15
                )
            );
            vm.prank(governor);
            dm.setParameter("committeeSize", k);
        }
    }

    function test_setParameter_couplesCommitteeSizeAndMaxSampleTries_reverts() public {
        _setParam("committeeSize", 7);
        (uint256 min,) = dm.parameterBounds("maxSampleTries");
        assertEq(min, 7);
        vm.expectRevert(
            abi.encodeWithSelector(
                IParameters.ParameterOutOfBounds.selector, bytes32("maxSampleTries"), 6, 7, 1024
            )
        );
        vm.prank(governor);
        dm.setParameter("maxSampleTries", 6);

        _setParam("maxSampleTries", 9);
        (, uint256 max) = dm.parameterBounds("committeeSize");
        assertEq(max, 9);
        vm.expectRevert(
            abi.encodeWithSelector(
                IParameters.ParameterOutOfBounds.selector, bytes32("committeeSize"), 11, 1, 9
            )
        );
        vm.prank(governor);
        dm.setParameter("committeeSize", 11);
    }

    function test_parameters_unknownName_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IParameters.UnknownParameter.selector, bytes32("nope")));
        vm.prank(governor);
        dm.setParameter("nope", 1);
        vm.expectRevert(abi.encodeWithSelector(IParameters.UnknownParameter.selector, bytes32("nope")));
        dm.getParameter("nope");
        vm.expectRevert(abi.encodeWithSelector(IParameters.UnknownParameter.selector, bytes32("nope")));
        dm.parameterBounds("nope");
    }

    function test_governorSetters_notGovernor_reverts() public {
        bytes32 role = dm.GOVERNOR_ROLE();
        vm.startPrank(challenger);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, challenger, role)
        );
        dm.setParameter("challengeBond", 1);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, challenger, role)
        );
        dm.setTreasury(challenger);
        vm.stopPrank();
    }

    function test_setTreasury_succeeds() public {
        address t = makeAddr("newTreasury");
        vm.expectEmit(address(dm));
        emit IDisputeManager.TreasurySet(treasury, t);
        vm.prank(governor);
        dm.setTreasury(t);
        assertEq(dm.treasury(), t);

        vm.expectRevert(IDisputeManager.ZeroAddress.selector);
        vm.prank(governor);
        dm.setTreasury(address(0));
    }

    // ==============================================================================================
    // Checkpoint Merkle views (vectors from @openzeppelin/merkle-tree StandardMerkleTree)
    // ==============================================================================================

    function test_checkpointTree_matchesOpenZeppelinMerkleTree_succeeds() public view {
        // StandardMerkleTree.of([[i, (i+1)*100, keccak256(encodePacked("ckpt", i))] ...],
        //                       ["uint256","uint256","bytes32"], { sortLeaves: false }).root, for 1, 2, 3, 5 and 8
        // leaves (@openzeppelin/merkle-tree 1.x, the order the checkpoints were committed in).
        assertEq(
            CheckpointTree.standard(1).root(),
            0x7a860d41417ef2b795f09efb096e348c212a38b5edb3ed4b1fa626beaa71dbf1
        );
        assertEq(
            CheckpointTree.standard(2).root(),
            0x9eb56dde8badbd789463a52f6e01fb180301c394762c5f7d4ca155834c9120a5
        );
        assertEq(
            CheckpointTree.standard(3).root(),
            0x6d8814f2d233c6cc4f41a374196f0511743b8e33ee3fc2d20a5c946314602204
        );
        assertEq(
            CheckpointTree.standard(5).root(),
            0xaf65a22cbd8fef19ab84c479706c7d40199df02886c692a9c95b1051b183864c
        );
        assertEq(
            CheckpointTree.standard(8).root(),
            0xef420b7faa8fcb12b3c492874d6a1a73080d041ec26d1de5667e5e86a9571b84
        );
        // The contracts compute the same root from the checkpoints.
        assertEq(
            taskManager.checkpointRoot(CheckpointTree.standardCheckpoints(5)),
            0xaf65a22cbd8fef19ab84c479706c7d40199df02886c692a9c95b1051b183864c
        );
        // tree.getProof(4) for 5 leaves, as the JS library gives it.
        bytes32[] memory p = new bytes32[](2);
        p[0] = 0x9eb56dde8badbd789463a52f6e01fb180301c394762c5f7d4ca155834c9120a5;
        p[1] = 0xf63b60318998f1f7fee4e35a716aad9cfcdfecddc1f9d290bb9e88dae7bbe992;
        bytes32[] memory mine = CheckpointTree.standard(5).proofOf(4);
        assertEq(mine.length, 2);
        for (uint256 i; i < 2; ++i) {
            assertEq(mine[i], p[i]);
        }
        assertTrue(
            dm.verifyCheckpoint(
                0xaf65a22cbd8fef19ab84c479706c7d40199df02886c692a9c95b1051b183864c,
                4,
                CheckpointTree.step(4),
                CheckpointTree.ckptHash(4),
                p
            )
        );
    }

    function test_checkpointLeaf_isTheProtocolEncoding_succeeds() public view {
        bytes32 h = keccak256("x");
        assertEq(
            dm.checkpointLeaf(3, 77, h),
            keccak256(bytes.concat(keccak256(abi.encode(uint256(3), uint256(77), h))))
        );
    }

    function test_verifyCheckpoint_wrongData_succeeds() public view {
        CheckpointTree.Tree memory t = CheckpointTree.standard(5);
        bytes32 root = t.root();
        bytes32[] memory p = t.proofOf(2);
        assertTrue(dm.verifyCheckpoint(root, 2, CheckpointTree.step(2), CheckpointTree.ckptHash(2), p));
        assertFalse(dm.verifyCheckpoint(root, 3, CheckpointTree.step(2), CheckpointTree.ckptHash(2), p));
        assertFalse(dm.verifyCheckpoint(root, 2, CheckpointTree.step(2) + 1, CheckpointTree.ckptHash(2), p));
        assertFalse(dm.verifyCheckpoint(root, 2, CheckpointTree.step(2), keccak256("other"), p));
        assertFalse(
            dm.verifyCheckpoint(keccak256("root"), 2, CheckpointTree.step(2), CheckpointTree.ckptHash(2), p)
        );
    }

    // ==============================================================================================
    // Challenge: commit and reveal
    // ==============================================================================================

    /// @dev Commits the challenge of checkpoint 2 of shard 0, checking the event, the bond and the shard flag.
    function _commitAndCheck(ChallengeParams memory p) internal returns (uint256 commitId) {
        uint256 chBefore = _bal(challenger);
        uint16 epoch = _shard(0).epoch;
        uint64 revealDeadline = _shard(0).deadline + uint64(taskManager.getParameter("challengeRevealPeriod"));
        bytes32 commitment = dm.challengeCommitment(challenger, p, _challengeSalt(challenger, p));
        vm.expectEmit(address(dm));
        emit IDisputeManager.ChallengeCommitted(
            1, taskId, 0, challenger, epoch, commitment, BOND, revealDeadline
        );
        commitId = _commitChallenge(challenger, p);
        assertEq(commitId, 1);
        assertEq(dm.challengeCommitCount(), 1);
        assertEq(dm.totalBonded(), BOND);
        assertEq(_bal(challenger), chBefore - BOND);
        assertEq(_bal(address(dm)), BOND);
        assertTrue(_shard(0).challengeCommitted);
    }

    function _expectOpened(uint256 commitId, ChallengeParams memory p, uint64[] memory expected) internal {
        uint16 epoch = _shard(0).epoch;
        vm.expectEmit(address(taskManager));
        emit ITaskManager.ShardChallenged(taskId, 0, 1, epoch, 1);
        vm.expectEmit(address(dm));
        emit IDisputeManager.DisputeOpened(
            1, taskId, 0, commitId, challenger, SUBMITTER, epoch, 2, p.leafHash, p.challengerHash, BOND
        );
        vm.expectEmit(address(dm));
        emit IDisputeManager.CommitteeDrawn(
            1, 0, expected, uint64(block.timestamp + 1 hours), uint64(block.timestamp + 2 hours)
        );
    }

    function test_revealChallenge_opensDispute_succeeds() public {
        ChallengeParams memory p = _challengeParams(0, 2);
        uint256 commitId = _commitAndCheck(p);
        uint256 commitBlock = block.number;

        vm.roll(block.number + 2);
        (uint64[] memory expected, uint256 filled) =
            _expectedCommitteeAt(1, 0, commitBlock + 1, SUBMITTER, challenger);
        assertEq(filled, 3);
        _expectOpened(commitId, p, expected);
        uint256 id = _revealChallenge(challenger, commitId, p);

        assertEq(id, 1);
        assertEq(dm.disputeCount(), 1);
        assertEq(dm.totalBonded(), BOND, "the bond moves from the commitment to the dispute");
        assertEq(_bal(address(dm)), BOND);
        assertEq(uint256(dm.getChallengeCommit(commitId).status), 2); // Revealed
        assertEq(dm.getChallengeCommit(commitId).disputeId, id);

        DisputeView memory v = dm.getDispute(id);
        assertEq(uint256(v.status), uint256(DisputeStatus.Voting));
        assertEq(uint256(v.outcome), uint256(DisputeOutcome.None));
        assertEq(v.round, 0);
        assertEq(v.epoch, _shard(0).epoch);
        assertEq(v.seedBlock, commitBlock + 1);
        assertEq(v.commitId, commitId);
        assertEq(v.votesWrong, 0);
        assertEq(v.votesRight, 0);
        assertEq(v.reveals, 0);
        assertEq(v.checkpointIndex, 2);
        assertEq(v.taskId, taskId);
        assertEq(v.shardIndex, 0);
        assertEq(v.submitterNodeId, SUBMITTER);
        assertEq(v.openedAt, block.timestamp);
        assertEq(v.commitDeadline, block.timestamp + 1 hours);
        assertEq(v.revealDeadline, block.timestamp + 2 hours);
        assertEq(v.challenger, challenger);
        assertEq(v.bond, BOND);
        assertEq(v.leafHash, p.leafHash);
        assertEq(v.challengerHash, p.challengerHash);
        assertEq(v.committee.length, 3);
        for (uint256 i; i < 3; ++i) {
            assertEq(v.committee[i], expected[i]);
        }

        ShardView memory s = _shard(0);
        assertEq(uint256(s.status), uint256(ShardStatus.Challenged));
        assertEq(s.disputeId, id);
        assertEq(s.openDisputes, 1);
    }

    function test_revealChallenge_withoutChallengerHash_succeeds() public {
        ChallengeParams memory p = _challengeParams(0, 0);
        p.challengerHash = bytes32(0);
        uint256 id = _challengeWith(challenger, p);
        assertEq(dm.getDispute(id).challengerHash, bytes32(0));
        assertEq(dm.getDispute(id).checkpointIndex, 0);
    }

    function test_revealChallenge_checkpointIndexOutOfRange_reverts() public {
        ChallengeParams memory p = _challengeParams(0, 2);
        p.checkpointIndex = CKPTS;
        _expectRevealRevert(
            challenger,
            p,
            abi.encodeWithSelector(IDisputeManager.CheckpointIndexOutOfRange.selector, CKPTS, CKPTS)
        );
        p.checkpointIndex = type(uint32).max;
        _expectRevealRevert(
            challenger,
            p,
            abi.encodeWithSelector(
                IDisputeManager.CheckpointIndexOutOfRange.selector, type(uint32).max, CKPTS
            )
        );
    }

    function test_revealChallenge_invalidMerkleProof_reverts() public {
        bytes memory err = abi.encodeWithSelector(IDisputeManager.InvalidMerkleProof.selector);
        ChallengeParams memory p;

        p = _challengeParams(0, 2);
        p.step += 1;
        _expectRevealRevert(challenger, p, err);

        p = _challengeParams(0, 2);
        p.leafHash = keccak256("forged");
        _expectRevealRevert(challenger, p, err);

        p = _challengeParams(0, 2);
        p.checkpointIndex = 3; // right data of leaf 2 under the wrong index
        _expectRevealRevert(challenger, p, err);

        p = _challengeParams(0, 2);
        p.proof[0] = keccak256("sibling");
        uint256 commitId = _expectRevealRevert(challenger, p, err);

        // The proof is not part of the commitment: the same commitment reveals with the right proof.
        p = _challengeParams(0, 2);
        _revealChallenge(challenger, commitId, p);

        p = _challengeParams(0, 2);
        p.proof = new bytes32[](0);
        _expectRevealRevert(challenger, p, err);
    }

    function test_revealChallenge_challengerIsSubmitter_reverts() public {
        ChallengeParams memory p = _challengeParams(0, 1);
        address[2] memory keys = [operators[SUBMITTER], workers[SUBMITTER]];
        for (uint256 i; i < 2; ++i) {
            _fundChallenger(keys[i], BOND);
            _expectRevealRevert(
                keys[i], p, abi.encodeWithSelector(IDisputeManager.ChallengerIsSubmitter.selector, keys[i])
            );
        }
    }

    function test_revealChallenge_byAnotherNode_succeeds() public {
        // A node other than the submitter may challenge; it is then left out of the committee.
        _fundChallenger(operators[2], BOND);
        uint256 id = _challengeWith(operators[2], _challengeParams(0, 1));
        assertFalse(_isMember(dm.getDispute(id), 2));
    }

    function test_commitChallenge_shardWithoutResult_reverts() public {
        // Shard 1 was never assigned.
        vm.expectRevert(
            abi.encodeWithSelector(ITaskManager.InvalidShardStatus.selector, taskId, 1, ShardStatus.Pending)
        );
        vm.prank(challenger);
        dm.commitChallenge(uint64(taskId), 1, bytes32("c"));
    }

    /// @dev A shard stays challengeable while a dispute is open on it: a second checkpoint may be disputed.
    function test_revealChallenge_secondDisputeOnChallengedShard_succeeds() public {
        uint256 a = _challenge(0, 1);
        uint256 b = _challenge(0, 3);
        assertEq(b, a + 1);
        ShardView memory s = _shard(0);
        assertEq(uint256(s.status), uint256(ShardStatus.Challenged));
        assertEq(s.openDisputes, 2);
        assertEq(s.disputeId, b);
        assertEq(dm.totalBonded(), 2 * BOND);
    }

    function test_commitChallenge_afterChallengeWindow_reverts() public {
        uint32 shard = _freshShard(2, CKPTS);
        uint64 endsAt = _shard(shard).deadline;
        vm.warp(uint256(endsAt) + 1);
        vm.expectRevert(
            abi.encodeWithSelector(ITaskManager.ChallengeWindowClosed.selector, taskId, shard, endsAt)
        );
        vm.prank(challenger);
        dm.commitChallenge(uint64(taskId), shard, bytes32("c"));
    }

    function test_commitChallenge_withoutBond_reverts() public {
        vm.prank(challenger);
        token.approve(address(dm), BOND - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IERC20Errors.ERC20InsufficientAllowance.selector, address(dm), BOND - 1, BOND
            )
        );
        vm.prank(challenger);
        dm.commitChallenge(uint64(taskId), 0, bytes32("c"));
    }

    function test_revealChallenge_zeroBond_succeeds() public {
        _setParam("challengeBond", 0);
        uint256 before = _bal(challenger);
        uint256 id = _challenge(0, 1);
        assertEq(dm.getDispute(id).bond, 0);
        assertEq(dm.totalBonded(), 0);
        assertEq(_bal(challenger), before);
    }

    // ==============================================================================================
    // No committee: the dispute ends at once, bond back, shard Submitted again
    // ==============================================================================================

    function _assertNoCommittee(ChallengeParams memory p) internal {
        uint256 chBefore = _bal(challenger);
        uint256 commitId = _commitChallenge(challenger, p);
        vm.roll(block.number + 2);
        uint256 expectedId = dm.disputeCount() + 1;
        vm.expectEmit(address(dm));
        emit IDisputeManager.DisputeResolved(expectedId, DisputeOutcome.NoCommittee, 0, 0, 0, true);
        vm.expectEmit(address(dm));
        emit IDisputeManager.DisputePayout(expectedId, challenger, PayoutKind.BondReturn, BOND);
        vm.recordLogs();
        uint256 id = _revealChallenge(challenger, commitId, p);
        assertEq(_countEvents(vm.getRecordedLogs(), IDisputeManager.CommitteeDrawn.selector), 0);
        DisputeView memory v = dm.getDispute(id);
        assertEq(uint256(v.status), uint256(DisputeStatus.Resolved));
        assertEq(uint256(v.outcome), uint256(DisputeOutcome.NoCommittee));
        assertEq(v.committee.length, 0);
        assertEq(_bal(challenger), chBefore, "bond returned");
        assertEq(dm.totalBonded(), 0);
        assertEq(_bal(address(dm)), 0);
        ShardView memory s = _shard(p.shardIndex);
        assertEq(uint256(s.status), uint256(ShardStatus.Submitted), "shard Submitted again");
        assertEq(s.openDisputes, 0);
    }

    function test_revealChallenge_noEligibleTier_noCommittee_succeeds() public {
        _setParam("committeeMinTier", uint256(Tier.Platinum));
        _assertNoCommittee(_challengeParams(0, 1));
    }

    function test_revealChallenge_tooFewNodes_noCommittee_succeeds() public {
        _setParam("committeeSize", 9); // 8 nodes, one of them the submitter
        _assertNoCommittee(_challengeParams(0, 1));
    }

    function test_revealChallenge_emptyActiveSet_noCommittee_succeeds() public {
        // Everyone but the submitter pauses; the submitter alone cannot sit.
        for (uint256 id = 2; id <= NODE_COUNT; ++id) {
            vm.prank(operators[id]);
            registry.pause(id);
        }
        _assertNoCommittee(_challengeParams(0, 1));
    }

    function test_revealChallenge_largestCommittee_succeeds() public {
        for (uint256 id = NODE_COUNT + 1; id <= 16; ++id) {
            _registerNode(id, NODE_STAKE);
        }
        _ageNodes();
        _setParam("committeeSize", 15);
        _setParam("maxSampleTries", 1024);
        uint32 shard = _freshShard(SUBMITTER, CKPTS);
        uint256 id = _challenge(shard, 1);
        DisputeView memory v = dm.getDispute(id);
        assertEq(v.committee.length, 15);
        assertFalse(_isMember(v, SUBMITTER));
        for (uint256 i; i < 15; ++i) {
            for (uint256 j = i + 1; j < 15; ++j) {
                assertNotEq(v.committee[i], v.committee[j]);
            }
        }
        // Every seat votes; the ballots of all 15 seats are tracked independently.
        for (uint256 i; i < 15; ++i) {
            _commit(id, v.committee[i], i < 8 ? Vote.SubmitterWrong : Vote.SubmitterRight);
        }
        _toRevealPhase(id);
        for (uint256 i; i < 15; ++i) {
            _reveal(id, v.committee[i], i < 8 ? Vote.SubmitterWrong : Vote.SubmitterRight);
            (, Vote got) = dm.voteOf(id, v.committee[i]);
            assertEq(uint256(got), uint256(i < 8 ? Vote.SubmitterWrong : Vote.SubmitterRight));
        }
        dm.resolve(id);
        v = dm.getDispute(id);
        assertEq(uint256(v.outcome), uint256(DisputeOutcome.SubmitterWrong));
        assertEq(v.votesWrong, 8);
        assertEq(v.votesRight, 7);
    }

    // ==============================================================================================
    // Sampling: stake-weighted, exclusions, per-seat minimums
    // ==============================================================================================

    function _assertMatchesReference(uint256 id, uint256 submitter, address chal) internal view {
        (uint64[] memory expected, uint256 filled) = _expectedCommittee(id, 0, submitter, chal);
        uint64[] memory c = _committee(id);
        assertEq(c.length, filled, "size");
        for (uint256 i; i < c.length; ++i) {
            assertEq(c[i], expected[i], "member");
        }
    }

    function test_sampling_matchesProtocolRule_succeeds() public {
        uint256 id = _challenge(0, 1);
        _assertMatchesReference(id, SUBMITTER, challenger);
        assertEq(_committee(id).length, 3);
    }

    function test_sampling_usesTheConfiguredSource_succeeds() public {
        uint256 id = _challenge(0, 1);
        uint64[] memory viaBlockhash = _committee(id);
        _useMockRandomness(keccak256("a"));
        uint32 shard = _freshShard(SUBMITTER, CKPTS);
        uint256 id2 = _challenge(shard, 1);
        _assertMatchesReference(id2, SUBMITTER, challenger);
        (bytes32 s,) =
            sortition.seedAt(dm.getDispute(id2).seedBlock, keccak256(abi.encode("committee", id2, 0)));
        assertEq(
            s,
            keccak256(
                abi.encode(
                    keccak256("a"), dm.getDispute(id2).seedBlock, keccak256(abi.encode("committee", id2, 0))
                )
            ),
            "seed from the mock"
        );
        assertEq(viaBlockhash.length, 3);
    }

    /// @dev Only nodes 6, 7, 8 are eligible: node 5 is the submitter, 1..4 are below Silver, 9 and 10 belong to
    ///      the challenger. Whatever the seed, the committee is those three (or no committee, exactly when the
    ///      reference rule gives up).
    function testFuzz_sampling_excludesSubmitterChallengerLowTierAndDuplicates(bytes32 seed) public {
        (uint256 opNode, uint256 workerNode) = _registerChallengerNodes();
        _ageNodes();
        _makeHighStakeSilver(10);
        assertEq(uint256(registry.tierOf(opNode)), uint256(Tier.Silver));
        assertEq(uint256(registry.tierOf(1)), uint256(Tier.Bronze));
        _setParam("committeeMinTier", uint256(Tier.Silver));
        _useMockRandomness(seed);
        uint32 shard = _freshShard(5, CKPTS);

        uint256 id = _challenge(shard, 1);
        (uint64[] memory expected, uint256 filled) = _expectedCommittee(id, 0, 5, challenger);
        DisputeView memory v = dm.getDispute(id);
        if (filled < 3) {
            assertEq(uint256(v.outcome), uint256(DisputeOutcome.NoCommittee));
            return;
        }
        uint64[] memory c = v.committee;
        uint256 seen;
        for (uint256 i; i < 3; ++i) {
            assertEq(c[i], expected[i]);
            assertTrue(c[i] >= 6 && c[i] <= 8, "only 6, 7, 8 are eligible");
            assertTrue(c[i] != opNode && c[i] != workerNode);
            seen |= 1 << c[i];
        }
        assertEq(seen, (1 << 6) | (1 << 7) | (1 << 8), "no duplicates");
    }

    function testFuzz_sampling_defaultTier(bytes32 seed, uint8 submitterSeed) public {
        _useMockRandomness(seed);
        uint256 submitter = bound(submitterSeed, 1, NODE_COUNT);
        uint32 shard = _freshShard(submitter, CKPTS);
        uint256 id = _challenge(shard, 0);
        (uint64[] memory expected, uint256 filled) = _expectedCommittee(id, 0, submitter, challenger);
        assertEq(filled, 3);
        uint64[] memory c = _committee(id);
        for (uint256 i; i < 3; ++i) {
            assertEq(c[i], expected[i]);
            assertNotEq(c[i], submitter);
            assertTrue(registry.isActive(c[i]));
            for (uint256 j = i + 1; j < 3; ++j) {
                assertNotEq(c[i], c[j]);
            }
        }
    }

    function test_sampling_skipsInactiveNodes_succeeds() public {
        vm.prank(operators[2]);
        registry.pause(2);
        vm.prank(operators[3]);
        registry.pause(3);
        for (uint256 s; s < 6; ++s) {
            _useMockRandomness(bytes32(s));
            uint32 shard = _freshShard(4, CKPTS);
            uint256 id = _challenge(shard, 0);
            DisputeView memory v = dm.getDispute(id);
            assertEq(v.committee.length, 3);
            assertFalse(_isMember(v, 2));
            assertFalse(_isMember(v, 3));
            assertFalse(_isMember(v, 4));
        }
    }

    /// @dev Heavy nodes that must never sit: three more nodes of the submitter's operator, a node keyed to the
    ///      challenger (its worker key), a node the challenger operates, a node the client operates and a node
    ///      whose worker key is the client. Together they hold most of the active stake, so a rule that let any
    ///      of them through would seat it for almost every seed.
    function testFuzz_sampling_excludesSubmitterOperatorChallengerAndClient(bytes32 seed) public {
        uint256 heavy = 5000 * NRL;
        address subOp = operators[SUBMITTER];
        uint256[] memory banned = new uint256[](7);
        banned[0] = _registerNodeAs(subOp, "submitter worker a", heavy);
        banned[1] = _registerNodeAs(subOp, "submitter worker b", heavy);
        banned[2] = _registerNodeAs(subOp, "submitter worker c", heavy);
        (, uint256 challengerKey) = makeAddrAndKey("challenger");
        banned[3] = _registerNodeWithKey(makeAddr("challenger's friend"), challengerKey, heavy);
        banned[4] = _registerNodeAs(challenger, "challenger's worker", heavy);
        banned[5] = _registerNodeAs(client, "client's worker", heavy);
        (, uint256 clientKey) = makeAddrAndKey("client");
        banned[6] = _registerNodeWithKey(makeAddr("client's operator"), clientKey, heavy);
        vm.prank(challenger);
        token.approve(address(dm), type(uint256).max);
        _ageNodes();
        _useMockRandomness(seed);
        uint32 shard = _freshShard(SUBMITTER, CKPTS);

        uint256 id = _challenge(shard, 1);
        _assertMatchesReference(id, SUBMITTER, challenger);
        uint64[] memory c = _committee(id);
        assertEq(c.length, 3, "nodes 2..8 fill the seats");
        for (uint256 i; i < c.length; ++i) {
            assertTrue(c[i] >= 2 && c[i] <= NODE_COUNT, "only the unrelated nodes sit");
            for (uint256 j; j < banned.length; ++j) {
                assertNotEq(c[i], banned[j]);
            }
            assertNotEq(registry.operatorOf(c[i]), subOp);
        }
    }

    /// @dev committeeMinStake 1000 NRL leaves only nodes 5..8 (2000 NRL); nodes 1..4 (500 NRL) never sit.
    function testFuzz_sampling_enforcesMinStake(bytes32 seed) public {
        _setParam("committeeMinStake", 1000 * NRL);
        _useMockRandomness(seed);
        uint32 shard = _freshShard(SUBMITTER, CKPTS);
        uint256 id = _challenge(shard, 1);
        _assertMatchesReference(id, SUBMITTER, challenger);
        uint64[] memory c = _committee(id);
        assertEq(c.length, 3);
        for (uint256 i; i < 3; ++i) {
            assertGe(c[i], 5, "500-NRL nodes never sit");
        }
    }

    /// @dev A node registered less than committeeMinAge ago never sits, however much it stakes; once it is
    ///      old enough it does.
    function testFuzz_sampling_enforcesMinAge(bytes32 seed) public {
        uint256 young = _registerNodeAs(makeAddr("young operator"), "young worker", 20_000 * NRL);
        _useMockRandomness(seed);
        uint32 shard = _freshShard(SUBMITTER, CKPTS);
        uint256 id = _challenge(shard, 1);
        _assertMatchesReference(id, SUBMITTER, challenger);
        assertEq(_committee(id).length, 3);
        assertFalse(_isMember(dm.getDispute(id), young), "too young to sit");

        _setParam("committeeMinAge", 0);
        uint32 shard2 = _freshShard(SUBMITTER, CKPTS);
        uint256 id2 = _challenge(shard2, 1);
        _assertMatchesReference(id2, SUBMITTER, challenger);
    }

    function test_sampling_minAge_oldEnoughNodeSits_succeeds() public {
        uint256 young = _registerNodeAs(makeAddr("young operator"), "young worker", 20_000 * NRL);
        // 20,000 of 30,000 NRL active: some seed among a few seats it.
        bool seated;
        for (uint256 s; s < 4 && !seated; ++s) {
            _useMockRandomness(bytes32(s));
            uint32 shard = _freshShard(SUBMITTER, CKPTS);
            assertFalse(_isMember(dm.getDispute(_challenge(shard, 1)), young));
        }
        _ageNodes();
        for (uint256 s; s < 4 && !seated; ++s) {
            _useMockRandomness(bytes32(s));
            uint32 shard = _freshShard(SUBMITTER, CKPTS);
            seated = _isMember(dm.getDispute(_challenge(shard, 1)), young);
        }
        assertTrue(seated, "an aged heavy node sits");
    }

    // ==============================================================================================
    // Commit
    // ==============================================================================================

    function test_commitVote_storesAndEmits_succeeds() public {
        uint256 id = _challenge(0, 1);
        uint64[] memory c = _committee(id);
        bytes32 commitment = dm.voteCommitment(id, c[0], Vote.SubmitterWrong, bytes32("s"));
        assertEq(commitment, keccak256(abi.encode(id, uint256(c[0]), Vote.SubmitterWrong, bytes32("s"))));

        vm.expectEmit(address(dm));
        emit IDisputeManager.VoteCommitted(id, c[0], commitment);
        vm.prank(workers[c[0]]);
        dm.commitVote(id, c[0], commitment);
        (bytes32 stored, Vote vote) = dm.voteOf(id, c[0]);
        assertEq(stored, commitment);
        assertEq(uint256(vote), uint256(Vote.None));

        // The operator key may commit too.
        vm.prank(operators[c[1]]);
        dm.commitVote(id, c[1], bytes32("c1"));
        (stored,) = dm.voteOf(id, c[1]);
        assertEq(stored, bytes32("c1"));

        // Not a member: nothing.
        (stored, vote) = dm.voteOf(id, SUBMITTER);
        assertEq(stored, bytes32(0));
        assertEq(uint256(vote), 0);
    }

    function test_commitVote_atTheDeadline_succeeds() public {
        uint256 id = _challenge(0, 1);
        uint64[] memory c = _committee(id);
        vm.warp(dm.getDispute(id).commitDeadline);
        _commit(id, c[0], Vote.SubmitterRight);
    }

    function test_commitVote_unknownDispute_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.UnknownDispute.selector, 7));
        dm.commitVote(7, 1, bytes32("c"));
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.UnknownDispute.selector, 0));
        dm.commitVote(0, 1, bytes32("c"));
    }

    function test_commitVote_commitPhaseOver_reverts() public {
        uint256 id = _challenge(0, 1);
        uint64[] memory c = _committee(id);
        uint64 deadline = dm.getDispute(id).commitDeadline;
        vm.warp(uint256(deadline) + 1);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.CommitPhaseOver.selector, id, deadline));
        vm.prank(workers[c[0]]);
        dm.commitVote(id, c[0], bytes32("c"));
    }

    function test_commitVote_notCommitteeMember_reverts() public {
        uint256 id = _challenge(0, 1);
        uint256 outsider = _outsider(dm.getDispute(id));
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.NotCommitteeMember.selector, id, outsider));
        vm.prank(workers[outsider]);
        dm.commitVote(id, outsider, bytes32("c"));
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.NotCommitteeMember.selector, id, 0));
        dm.commitVote(id, 0, bytes32("c"));
    }

    function test_commitVote_notNodeOperatorOrWorker_reverts() public {
        uint256 id = _challenge(0, 1);
        uint64[] memory c = _committee(id);
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeManager.NotNodeOperatorOrWorker.selector, c[0], workers[c[1]])
        );
        vm.prank(workers[c[1]]);
        dm.commitVote(id, c[0], bytes32("c"));
    }

    function test_commitVote_alreadyCommitted_reverts() public {
        uint256 id = _challenge(0, 1);
        uint64[] memory c = _committee(id);
        _commit(id, c[0], Vote.SubmitterRight);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.AlreadyCommitted.selector, id, c[0]));
        vm.prank(operators[c[0]]);
        dm.commitVote(id, c[0], bytes32("again"));
    }

    function test_commitVote_alreadyResolved_reverts() public {
        uint256 id = _challenge(0, 1);
        uint64[] memory c = _committee(id);
        _vote(id, _votes3(Vote.SubmitterRight, Vote.SubmitterRight, Vote.SubmitterRight), _all(3, true));
        dm.resolve(id);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.DisputeAlreadyResolved.selector, id));
        vm.prank(workers[c[0]]);
        dm.commitVote(id, c[0], bytes32("c"));
    }

    // ==============================================================================================
    // Reveal
    // ==============================================================================================

    function test_revealVote_talliesAndEmits_succeeds() public {
        uint256 id = _challenge(0, 1);
        uint64[] memory c = _committee(id);
        _commit(id, c[0], Vote.SubmitterWrong);
        _commit(id, c[1], Vote.DataUnavailable);
        _commit(id, c[2], Vote.SubmitterRight);
        _toRevealPhase(id);

        vm.expectEmit(address(dm));
        emit IDisputeManager.VoteRevealed(id, c[0], Vote.SubmitterWrong);
        _reveal(id, c[0], Vote.SubmitterWrong);
        _reveal(id, c[1], Vote.DataUnavailable);
        DisputeView memory v = dm.getDispute(id);
        assertEq(v.reveals, 2);
        assertEq(v.votesWrong, 2);
        assertEq(v.votesRight, 0);

        vm.prank(operators[c[2]]); // the operator key may reveal too
        dm.revealVote(id, c[2], Vote.SubmitterRight, _salt(id, c[2]));
        v = dm.getDispute(id);
        assertEq(v.reveals, 3);
        assertEq(v.votesRight, 1);

        (, Vote vote) = dm.voteOf(id, c[1]);
        assertEq(uint256(vote), uint256(Vote.DataUnavailable));
        (, vote) = dm.voteOf(id, c[2]);
        assertEq(uint256(vote), uint256(Vote.SubmitterRight));
    }

    function test_revealVote_atTheDeadline_succeeds() public {
        uint256 id = _challenge(0, 1);
        uint64[] memory c = _committee(id);
        _commit(id, c[0], Vote.SubmitterWrong);
        vm.warp(dm.getDispute(id).revealDeadline);
        _reveal(id, c[0], Vote.SubmitterWrong);
    }

    function test_revealVote_notInRevealPhase_reverts() public {
        uint256 id = _challenge(0, 1);
        uint64[] memory c = _committee(id);
        _commit(id, c[0], Vote.SubmitterWrong);
        DisputeView memory v = dm.getDispute(id);
        bytes memory err = abi.encodeWithSelector(
            IDisputeManager.NotInRevealPhase.selector, id, v.commitDeadline, v.revealDeadline
        );
        vm.expectRevert(err);
        _reveal(id, c[0], Vote.SubmitterWrong);

        vm.warp(v.commitDeadline); // still the commit phase
        vm.expectRevert(err);
        _reveal(id, c[0], Vote.SubmitterWrong);

        vm.warp(uint256(v.revealDeadline) + 1);
        vm.expectRevert(err);
        _reveal(id, c[0], Vote.SubmitterWrong);
    }

    function test_revealVote_invalidVote_reverts() public {
        uint256 id = _challenge(0, 1);
        uint64[] memory c = _committee(id);
        _commit(id, c[0], Vote.None);
        _toRevealPhase(id);
        vm.expectRevert(IDisputeManager.InvalidVote.selector);
        _reveal(id, c[0], Vote.None);
    }

    function test_revealVote_noCommitment_reverts() public {
        uint256 id = _challenge(0, 1);
        uint64[] memory c = _committee(id);
        _toRevealPhase(id);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.NoCommitment.selector, id, c[0]));
        _reveal(id, c[0], Vote.SubmitterWrong);
    }

    function test_revealVote_alreadyRevealed_reverts() public {
        uint256 id = _challenge(0, 1);
        uint64[] memory c = _committee(id);
        _commit(id, c[0], Vote.SubmitterWrong);
        _toRevealPhase(id);
        _reveal(id, c[0], Vote.SubmitterWrong);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.AlreadyRevealed.selector, id, c[0]));
        _reveal(id, c[0], Vote.SubmitterWrong);
    }

    function test_revealVote_commitmentMismatch_reverts() public {
        uint256 id = _challenge(0, 1);
        uint64[] memory c = _committee(id);
        _commit(id, c[0], Vote.SubmitterWrong);
        _toRevealPhase(id);
        bytes memory err = abi.encodeWithSelector(IDisputeManager.CommitmentMismatch.selector, id, c[0]);
        vm.expectRevert(err); // other vote
        _reveal(id, c[0], Vote.SubmitterRight);
        vm.expectRevert(err); // other salt
        vm.prank(workers[c[0]]);
        dm.revealVote(id, c[0], Vote.SubmitterWrong, bytes32("wrong salt"));
        _reveal(id, c[0], Vote.SubmitterWrong);
    }

    function test_revealVote_membershipAndAuth_reverts() public {
        uint256 id = _challenge(0, 1);
        uint64[] memory c = _committee(id);
        _commit(id, c[0], Vote.SubmitterWrong);
        _toRevealPhase(id);
        uint256 outsider = _outsider(dm.getDispute(id));
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.NotCommitteeMember.selector, id, outsider));
        _reveal(id, outsider, Vote.SubmitterWrong);
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeManager.NotNodeOperatorOrWorker.selector, c[0], challenger)
        );
        vm.prank(challenger);
        dm.revealVote(id, c[0], Vote.SubmitterWrong, _salt(id, c[0]));
    }

    function test_revealVote_unknownAndResolved_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.UnknownDispute.selector, 3));
        dm.revealVote(3, 1, Vote.SubmitterRight, bytes32(0));

        uint256 id = _challenge(0, 1);
        uint64[] memory c = _committee(id);
        _afterReveal(id);
        dm.resolve(id); // no quorum, round 1
        _draw(id);
        _afterReveal(id);
        dm.resolve(id); // presumed right
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.DisputeAlreadyResolved.selector, id));
        _reveal(id, c[0], Vote.SubmitterRight);
    }

    // ==============================================================================================
    // Resolve: timing
    // ==============================================================================================

    function test_views_unknownDispute_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.UnknownDispute.selector, 1));
        dm.getDispute(1);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.UnknownDispute.selector, 0));
        dm.voteOf(0, 1);
    }

    function test_resolve_unknownDispute_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.UnknownDispute.selector, 1));
        dm.resolve(1);
    }

    function test_resolve_beforeRevealDeadline_reverts() public {
        uint256 id = _challenge(0, 1);
        uint64 deadline = dm.getDispute(id).revealDeadline;
        bytes memory err = abi.encodeWithSelector(IDisputeManager.DisputeNotResolvable.selector, id, deadline);
        vm.expectRevert(err);
        dm.resolve(id);
        _vote(
            id,
            _votes3(Vote.SubmitterWrong, Vote.SubmitterWrong, Vote.SubmitterWrong),
            [true, true, false].toDyn()
        );
        vm.warp(deadline);
        vm.expectRevert(err);
        dm.resolve(id);
        vm.warp(uint256(deadline) + 1);
        dm.resolve(id);
    }

    function test_resolve_earlyOnceEveryMemberRevealed_succeeds() public {
        uint256 id = _challenge(0, 1);
        _vote(id, _votes3(Vote.SubmitterRight, Vote.SubmitterRight, Vote.SubmitterRight), _all(3, true));
        assertLt(block.timestamp, dm.getDispute(id).revealDeadline);
        dm.resolve(id);
        assertEq(uint256(dm.getDispute(id).status), uint256(DisputeStatus.Resolved));
    }

    function test_resolve_alreadyResolved_reverts() public {
        uint256 id = _challenge(0, 1);
        _vote(id, _votes3(Vote.SubmitterRight, Vote.SubmitterRight, Vote.SubmitterRight), _all(3, true));
        dm.resolve(id);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.DisputeAlreadyResolved.selector, id));
        dm.resolve(id);
    }

    // ==============================================================================================
    // Resolve: submitter wrong
    // ==============================================================================================

    struct Balances {
        uint256 client;
        uint256 challenger;
        uint256 treasury;
        uint256[3] voters;
        uint256 stake;
    }

    function _balances(uint64[] memory c) internal view returns (Balances memory b) {
        b.client = _bal(client);
        b.challenger = _bal(challenger);
        b.treasury = _bal(treasury);
        for (uint256 i; i < 3; ++i) {
            b.voters[i] = _bal(operators[c[i]]);
        }
        b.stake = _stake(SUBMITTER);
    }

    function test_resolve_submitterWrong_slashesAndPaysInOrder_succeeds() public {
        uint32 d = 3;
        uint256 id = _challenge(0, d);
        uint64[] memory c = _committee(id);
        _vote(id, _votes3(Vote.SubmitterWrong, Vote.SubmitterWrong, Vote.SubmitterWrong), _all(3, true));
        Balances memory before = _balances(c);
        assertEq(registry.getNode(SUBMITTER).locked, COLLATERAL);

        // S = collateral + 10% of (stake - collateral) = 50 + 45 = 95 NRL; challenger 30% of 45 = 13.5;
        // voters 50% of 31.5 = 15.75 (5.25 each); treasury 15.75.
        uint256 slashed = COLLATERAL + (before.stake - COLLATERAL) * 1000 / 10_000;
        assertEq(slashed, 95 * NRL);
        uint256 reward = (slashed - COLLATERAL) * 3000 / 10_000;
        uint256 share = (slashed - COLLATERAL - reward) * 5000 / 10_000 / 3;
        assertEq(share, 5.25e18);

        vm.expectEmit(address(registry));
        emit INodeRegistry.Slashed(SUBMITTER, slashed, address(dm), SlashReason.DisputeLost);
        vm.expectEmit(address(dm));
        emit IDisputeManager.DisputeResolved(id, DisputeOutcome.SubmitterWrong, 3, 0, slashed, true);
        vm.recordLogs();
        dm.resolve(id);
        Vm.Log[] memory logs = vm.getRecordedLogs();

        Payout[] memory p = _payouts(logs, id);
        assertEq(p.length, 7);
        _assertPayout(p[0], client, PayoutKind.ClientCompensation, COLLATERAL);
        _assertPayout(p[1], challenger, PayoutKind.BondReturn, BOND);
        _assertPayout(p[2], challenger, PayoutKind.ChallengerReward, reward);
        for (uint256 i; i < 3; ++i) {
            _assertPayout(p[3 + i], operators[c[i]], PayoutKind.VoterReward, share);
            assertEq(_bal(operators[c[i]]), before.voters[i] + share, "voter reward");
        }
        _assertPayout(p[6], treasury, PayoutKind.Treasury, slashed - COLLATERAL - reward - 3 * share);
        (uint256 paid, uint256 s,) = _payoutSum(logs, id);
        assertEq(s, slashed);
        assertEq(paid, slashed + BOND);

        assertEq(_bal(client), before.client + COLLATERAL, "client compensated");
        assertEq(_bal(challenger), before.challenger + BOND + reward, "challenger bond + reward");
        assertEq(_bal(treasury), before.treasury + slashed - COLLATERAL - reward - 3 * share, "treasury");
        assertEq(_bal(address(dm)), 0);
        assertEq(dm.totalBonded(), 0);

        NodeView memory n = registry.getNode(SUBMITTER);
        assertEq(n.stake, before.stake - slashed);
        assertEq(n.locked, 0);
        assertGt(n.jailedUntil, block.timestamp);
        assertFalse(n.active);

        DisputeView memory v = dm.getDispute(id);
        assertEq(uint256(v.status), uint256(DisputeStatus.Resolved));
        assertEq(uint256(v.outcome), uint256(DisputeOutcome.SubmitterWrong));

        // Re-queued to resume from checkpoint d of the losing manifest.
        ShardView memory sh = taskManager.getShard(taskId, 0);
        assertEq(uint256(sh.status), uint256(ShardStatus.Pending));
        assertEq(sh.resumeFrom, d);
        assertEq(sh.resumeManifestCid, MANIFEST);
    }

    function test_resolve_dataUnavailableCountsAsWrong_succeeds() public {
        uint256 id = _challenge(0, 0);
        uint64[] memory c = _committee(id);
        _vote(id, _votes3(Vote.DataUnavailable, Vote.SubmitterRight, Vote.DataUnavailable), _all(3, true));
        uint256 rightVoterBefore = _bal(operators[c[1]]);
        vm.recordLogs();
        dm.resolve(id);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        DisputeView memory v = dm.getDispute(id);
        assertEq(uint256(v.outcome), uint256(DisputeOutcome.SubmitterWrong));
        assertEq(v.votesWrong, 2);
        assertEq(v.votesRight, 1);

        Payout[] memory p = _payouts(logs, id);
        // client, bond, reward, 2 voters, treasury
        assertEq(p.length, 6);
        uint256 pool = (95 * NRL - COLLATERAL - (45 * NRL * 3000 / 10_000)) * 5000 / 10_000;
        _assertPayout(p[3], operators[c[0]], PayoutKind.VoterReward, pool / 2);
        _assertPayout(p[4], operators[c[2]], PayoutKind.VoterReward, pool / 2);
        assertEq(_bal(operators[c[1]]), rightVoterBefore, "minority voter unpaid");
        assertEq(uint256(taskManager.getShard(taskId, 0).status), uint256(ShardStatus.Pending));
        assertEq(taskManager.getShard(taskId, 0).resumeFrom, 0);
    }

    function test_resolve_submitterWrong_withNonRevealer_succeeds() public {
        uint256 id = _challenge(0, 1);
        uint64[] memory c = _committee(id);
        _vote(
            id,
            _votes3(Vote.SubmitterWrong, Vote.SubmitterWrong, Vote.SubmitterRight),
            [true, true, false].toDyn()
        );
        _afterReveal(id);
        uint256 silentStake = _stake(c[2]);
        vm.expectEmit(address(dm));
        emit IDisputeManager.NonRevealPenalized(id, c[2], NON_REVEAL_SLASH);
        vm.recordLogs();
        dm.resolve(id);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(_stake(c[2]), silentStake - NON_REVEAL_SLASH);
        (uint256 paid, uint256 slashed,) = _payoutSum(logs, id);
        assertEq(paid, slashed + BOND);
        assertEq(uint256(dm.getDispute(id).outcome), uint256(DisputeOutcome.SubmitterWrong));
    }

    function test_resolve_submitterWrong_slashLimitedByStake_succeeds() public {
        _setParam("disputeSlashBps", 10_000); // take everything
        uint256 id = _challenge(0, 1);
        _vote(id, _votes3(Vote.SubmitterWrong, Vote.SubmitterWrong, Vote.SubmitterWrong), _all(3, true));
        uint256 stakeBefore = _stake(SUBMITTER);
        vm.recordLogs();
        dm.resolve(id);
        (uint256 paid, uint256 slashed,) = _payoutSum(vm.getRecordedLogs(), id);
        assertEq(slashed, stakeBefore);
        assertEq(_stake(SUBMITTER), 0);
        assertEq(paid, slashed + BOND);
        assertEq(_bal(address(dm)), 0);
    }

    /// @dev The smallest collateral (ratio 1 bps) and no extra slash: the client gets the collateral, the
    ///      challenger only its bond back, nothing else is paid.
    function test_resolve_submitterWrong_minimalCollateral_succeeds() public {
        vm.prank(governor);
        taskManager.setParameter("collateralRatioBps", 1);
        uint256 task = _postTask(1);
        uint256 collateral = taskManager.getTask(task).collateralPerShard;
        assertEq(collateral, REWARD / 10_000);
        _submitShardOf(task, 0, 2, CKPTS);
        _setParam("disputeSlashBps", 0);
        ChallengeParams memory p = _params(0, CKPTS, 1);
        p.taskId = uint64(task);
        uint256 id = _challengeWith(challenger, p);
        _vote(id, _votes3(Vote.SubmitterWrong, Vote.SubmitterWrong, Vote.SubmitterWrong), _all(3, true));
        uint256 chBefore = _bal(challenger);
        uint256 clientBefore = _bal(client);
        uint256 stakeBefore = _stake(2);
        vm.recordLogs();
        dm.resolve(id);
        Payout[] memory out = _payouts(vm.getRecordedLogs(), id);
        assertEq(out.length, 2);
        _assertPayout(out[0], client, PayoutKind.ClientCompensation, collateral);
        _assertPayout(out[1], challenger, PayoutKind.BondReturn, BOND);
        assertEq(_bal(challenger), chBefore + BOND);
        assertEq(_bal(client), clientBefore + collateral);
        assertEq(_stake(2), stakeBefore - collateral);
    }

    /// @dev The first lost dispute takes the whole stake (so the registry cuts the second shard's locked
    ///      collateral); the second still resolves, slashes what is left (nothing) and returns the bond.
    function test_resolve_submitterWrong_secondLossAfterStakeIsGone_succeeds() public {
        _setParam("disputeSlashBps", 10_000);
        uint32 shard = _freshShard(SUBMITTER, CKPTS);
        uint256 a = _challenge(0, 1);
        uint256 b = _challenge(shard, 2);
        uint64[] memory cb = _committee(b);
        for (uint256 i; i < 3; ++i) {
            _commit(b, cb[i], Vote.SubmitterWrong);
        }
        _vote(a, _votes3(Vote.SubmitterWrong, Vote.SubmitterWrong, Vote.SubmitterWrong), _all(3, true));
        for (uint256 i; i < 3; ++i) {
            _reveal(b, cb[i], Vote.SubmitterWrong);
        }

        vm.recordLogs();
        dm.resolve(a);
        (uint256 paid, uint256 slashed,) = _payoutSum(vm.getRecordedLogs(), a);
        assertEq(slashed, NODE_STAKE);
        assertEq(paid, slashed + BOND);
        assertEq(_stake(SUBMITTER), 0);

        uint256 chBefore = _bal(challenger);
        vm.recordLogs();
        dm.resolve(b);
        (paid, slashed,) = _payoutSum(vm.getRecordedLogs(), b);
        assertEq(slashed, 0);
        assertEq(paid, BOND);
        assertEq(_bal(challenger), chBefore + BOND);
        assertEq(uint256(dm.getDispute(b).outcome), uint256(DisputeOutcome.SubmitterWrong));
        assertEq(uint256(taskManager.getShard(taskId, shard).status), uint256(ShardStatus.Pending));
        assertEq(_bal(address(dm)), 0);
        assertEq(dm.totalBonded(), 0);
    }

    /// @dev Moving free stake to unbonding after submitting does not escape the extra slash: unbonding stake
    ///      counts towards it and the registry takes it after the bonded stake.
    function test_resolve_submitterWrong_extraSlashReachesUnbonding_succeeds() public {
        _setParam("disputeSlashBps", 10_000);
        uint256 free = registry.freeStake(SUBMITTER);
        vm.prank(operators[SUBMITTER]);
        registry.requestUnstake(SUBMITTER, free);
        uint256 id = _challenge(0, 1);
        _vote(id, _votes3(Vote.SubmitterWrong, Vote.SubmitterWrong, Vote.SubmitterRight), _all(3, true));
        vm.recordLogs();
        dm.resolve(id);
        (uint256 paid, uint256 slashed,) = _payoutSum(vm.getRecordedLogs(), id);
        // Target = collateral + 100% of (bonded + unbonding - collateral) = everything the node held.
        assertEq(slashed, COLLATERAL + free);
        assertEq(paid, slashed + BOND);
        assertEq(registry.getNode(SUBMITTER).unbonding, 0);
        assertEq(registry.getNode(SUBMITTER).stake, 0);
    }

    // ==============================================================================================
    // Resolve: submitter right, tie
    // ==============================================================================================

    function test_resolve_submitterRight_splitsBondShardStaysSubmitted_succeeds() public {
        uint256 id = _challenge(0, 1);
        uint64[] memory c = _committee(id);
        _vote(id, _votes3(Vote.SubmitterRight, Vote.SubmitterRight, Vote.SubmitterRight), _all(3, true));
        Balances memory before = _balances(c);
        uint256 subOpBefore = _bal(operators[SUBMITTER]);

        vm.expectEmit(address(dm));
        emit IDisputeManager.DisputeResolved(id, DisputeOutcome.SubmitterRight, 0, 3, 0, true);
        vm.recordLogs();
        dm.resolve(id);
        Vm.Log[] memory logs = vm.getRecordedLogs();

        // 25 NRL to the submitter, 25 / 3 to each voter, dust to the treasury.
        uint256 share = (BOND - BOND / 2) / 3;
        uint256 dust = BOND - BOND / 2 - share * 3;
        Payout[] memory p = _payouts(logs, id);
        assertEq(p.length, dust == 0 ? 4 : 5);
        _assertPayout(p[0], operators[SUBMITTER], PayoutKind.SubmitterReward, BOND / 2);
        for (uint256 i; i < 3; ++i) {
            _assertPayout(p[1 + i], operators[c[i]], PayoutKind.VoterReward, share);
            assertEq(_bal(operators[c[i]]), before.voters[i] + share);
        }
        if (dust != 0) _assertPayout(p[4], treasury, PayoutKind.Treasury, dust);
        (uint256 paid, uint256 slashed,) = _payoutSum(logs, id);
        assertEq(slashed, 0);
        assertEq(paid, BOND);

        // The verdict covers checkpoint 1 only: the shard is Submitted again, not paid, collateral still locked.
        ShardView memory sh = taskManager.getShard(taskId, 0);
        assertEq(uint256(sh.status), uint256(ShardStatus.Submitted));
        assertEq(sh.openDisputes, 0);
        assertFalse(taskManager.isFinalizable(taskId, 0));
        assertEq(_bal(operators[SUBMITTER]), subOpBefore + BOND / 2);
        assertEq(_bal(treasury), before.treasury + dust);
        assertEq(_bal(challenger), before.challenger);
        assertEq(_stake(SUBMITTER), before.stake);
        assertEq(registry.getNode(SUBMITTER).locked, COLLATERAL);
        assertEq(_bal(address(dm)), 0);
        assertEq(dm.totalBonded(), 0);

        // Paid by finalizeShards after the window and the reveal period: reward minus the Bronze fee (8%).
        vm.warp(uint256(sh.deadline) + taskManager.getParameter("challengeRevealPeriod") + 1);
        assertEq(_finalize(0), 1);
        assertEq(uint256(taskManager.getShard(taskId, 0).status), uint256(ShardStatus.Finalized));
        assertEq(_bal(operators[SUBMITTER]), subOpBefore + BOND / 2 + NODE_ASK * 9200 / 10_000);
        assertEq(registry.getNode(SUBMITTER).locked, 0);
    }

    function test_resolve_tieKeepsSubmitterRight_succeeds() public {
        uint256 id = _challenge(0, 1);
        uint64[] memory c = _committee(id);
        _vote(
            id,
            _votes3(Vote.SubmitterWrong, Vote.SubmitterRight, Vote.SubmitterWrong),
            [true, true, false].toDyn()
        );
        _afterReveal(id);
        uint256 trBefore = _bal(treasury);
        vm.recordLogs();
        dm.resolve(id);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        DisputeView memory v = dm.getDispute(id);
        assertEq(uint256(v.outcome), uint256(DisputeOutcome.SubmitterRight));
        assertEq(v.votesWrong, 1);
        assertEq(v.votesRight, 1);

        Payout[] memory p = _payouts(logs, id);
        assertEq(p.length, 2);
        _assertPayout(p[0], operators[SUBMITTER], PayoutKind.SubmitterReward, BOND / 2);
        _assertPayout(p[1], operators[c[1]], PayoutKind.VoterReward, BOND / 2);
        assertEq(_bal(treasury), trBefore + NON_REVEAL_SLASH, "non-reveal penalty to the treasury");
        assertEq(uint256(taskManager.getShard(taskId, 0).status), uint256(ShardStatus.Submitted));
    }

    function test_resolve_submitterRight_noBond_succeeds() public {
        _setParam("challengeBond", 0);
        uint256 id = _challenge(0, 1);
        _vote(id, _votes3(Vote.SubmitterRight, Vote.SubmitterRight, Vote.SubmitterWrong), _all(3, true));
        vm.recordLogs();
        dm.resolve(id);
        assertEq(_payouts(vm.getRecordedLogs(), id).length, 0);
        assertEq(uint256(dm.getDispute(id).outcome), uint256(DisputeOutcome.SubmitterRight));
    }

    // ==============================================================================================
    // Resolve: no quorum, redraw, non-reveal penalty
    // ==============================================================================================

    /// @dev Round 0 of shard 0 with one reveal of three (one member commits and stays silent, one never
    ///      commits), resolved into round 1.
    function _noQuorumRoundZero() internal returns (uint256 id, uint64[] memory c0) {
        id = _challenge(0, 1);
        c0 = _committee(id);
        _vote(id, _votes3(Vote.SubmitterWrong, Vote.SubmitterWrong, Vote.None), [true, false, false].toDyn());
        _afterReveal(id);

        uint256 trBefore = _bal(treasury);
        vm.expectEmit(address(dm));
        emit IDisputeManager.NonRevealPenalized(id, c0[1], NON_REVEAL_SLASH);
        vm.expectEmit(address(dm));
        emit IDisputeManager.NonRevealPenalized(id, c0[2], NON_REVEAL_SLASH);
        vm.expectEmit(address(dm));
        emit IDisputeManager.CommitteeSeedScheduled(id, 1, uint64(block.number + 1));
        vm.recordLogs();
        dm.resolve(id);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(_countEvents(logs, IDisputeManager.CommitteeDrawn.selector), 0);
        assertEq(_countEvents(logs, IDisputeManager.DisputeResolved.selector), 0);
        assertEq(_bal(treasury), trBefore + 2 * NON_REVEAL_SLASH);
        DisputeView memory v = dm.getDispute(id);
        assertEq(uint256(v.status), uint256(DisputeStatus.Drawing));
        assertEq(v.round, 1);
        assertEq(v.seedBlock, block.number + 1);

        // The seed block is the next one: nobody, the resolver included, can know it yet.
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeManager.SeedNotReady.selector, id, uint64(block.number + 1))
        );
        dm.drawCommittee(id);
        vm.roll(block.number + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeManager.SeedNotReady.selector, id, uint64(block.number))
        );
        dm.drawCommittee(id);
        vm.roll(block.number + 1);
        vm.recordLogs();
        dm.drawCommittee(id);
        assertEq(_countEvents(vm.getRecordedLogs(), IDisputeManager.CommitteeDrawn.selector), 1);
    }

    function test_resolve_noQuorum_redraws_succeeds() public {
        (uint256 id, uint64[] memory c0) = _noQuorumRoundZero();
        DisputeView memory v = dm.getDispute(id);
        assertEq(uint256(v.status), uint256(DisputeStatus.Voting));
        assertEq(v.round, 1);
        assertEq(v.reveals, 0);
        assertEq(v.votesWrong, 0);
        assertEq(v.commitDeadline, block.timestamp + 1 hours);
        assertEq(v.revealDeadline, block.timestamp + 2 hours);
        assertEq(v.committee.length, 3);
        assertEq(dm.totalBonded(), BOND);
        // The jailed non-revealers cannot sit again; the submitter never.
        assertFalse(_isMember(v, c0[1]));
        assertFalse(_isMember(v, c0[2]));
        assertFalse(_isMember(v, SUBMITTER));
        assertFalse(registry.isActive(c0[1]));
        assertFalse(registry.isActive(c0[2]));
        (uint64[] memory expected,) = _expectedCommittee(id, 1, SUBMITTER, challenger);
        for (uint256 i; i < 3; ++i) {
            assertEq(v.committee[i], expected[i]);
        }
        // Round-0 ballots do not carry over.
        if (!_isMember(v, c0[0])) {
            (bytes32 cm, Vote vt) = dm.voteOf(id, c0[0]);
            assertEq(cm, bytes32(0));
            assertEq(uint256(vt), 0);
        }
        for (uint256 i; i < 3; ++i) {
            (bytes32 cm, Vote vt) = dm.voteOf(id, v.committee[i]);
            assertEq(cm, bytes32(0));
            assertEq(uint256(vt), 0);
        }
    }

    function test_resolve_noQuorum_twicePresumedRight_succeeds() public {
        (uint256 id,) = _noQuorumRoundZero();
        // Round 1: nobody reveals -> presumed right.
        _afterReveal(id);
        uint256 trBefore = _bal(treasury);
        uint256 subOpBefore = _bal(operators[SUBMITTER]);
        vm.recordLogs();
        dm.resolve(id);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        DisputeView memory v = dm.getDispute(id);
        assertEq(uint256(v.status), uint256(DisputeStatus.Resolved));
        assertEq(uint256(v.outcome), uint256(DisputeOutcome.NoQuorumSubmitterPresumedRight));
        assertEq(_countEvents(logs, IDisputeManager.NonRevealPenalized.selector), 3);
        Payout[] memory p = _payouts(logs, id);
        assertEq(p.length, 2);
        _assertPayout(p[0], operators[SUBMITTER], PayoutKind.SubmitterReward, BOND / 2);
        _assertPayout(p[1], treasury, PayoutKind.Treasury, BOND / 2);
        assertEq(_bal(treasury), trBefore + 3 * NON_REVEAL_SLASH + BOND / 2);
        assertEq(_bal(operators[SUBMITTER]), subOpBefore + BOND / 2);
        assertEq(uint256(taskManager.getShard(taskId, 0).status), uint256(ShardStatus.Submitted));
        assertEq(dm.totalBonded(), 0);
        assertEq(_bal(address(dm)), 0);
    }

    function test_resolve_noQuorum_redrawnCommitteeDecides_succeeds() public {
        uint256 id = _challenge(0, 2);
        _afterReveal(id);
        dm.resolve(id); // nobody voted: all three penalized, round 1
        assertEq(dm.getDispute(id).round, 1);
        _draw(id);
        _vote(id, _votes3(Vote.SubmitterWrong, Vote.SubmitterWrong, Vote.SubmitterRight), _all(3, true));
        vm.recordLogs();
        dm.resolve(id);
        (uint256 paid, uint256 slashed, bool resolved) = _payoutSum(vm.getRecordedLogs(), id);
        assertTrue(resolved);
        assertEq(uint256(dm.getDispute(id).outcome), uint256(DisputeOutcome.SubmitterWrong));
        assertEq(paid, slashed + BOND);
        assertEq(taskManager.getShard(taskId, 0).resumeFrom, 2);
    }

    function test_drawCommittee_redrawImpossible_presumedRight_succeeds() public {
        uint256 id = _challenge(0, 1);
        _afterReveal(id);
        vm.recordLogs();
        dm.resolve(id);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(_countEvents(logs, IDisputeManager.NonRevealPenalized.selector), 3);
        _setParam("committeeMinTier", uint256(Tier.Platinum));
        vm.roll(block.number + 2);
        uint256 subOpBefore = _bal(operators[SUBMITTER]);
        vm.expectEmit(address(dm));
        emit IDisputeManager.DisputeResolved(id, DisputeOutcome.NoQuorumSubmitterPresumedRight, 0, 0, 0, true);
        vm.recordLogs();
        dm.drawCommittee(id);
        logs = vm.getRecordedLogs();
        assertEq(_countEvents(logs, IDisputeManager.CommitteeDrawn.selector), 0);
        DisputeView memory v = dm.getDispute(id);
        assertEq(uint256(v.status), uint256(DisputeStatus.Resolved));
        assertEq(uint256(v.outcome), uint256(DisputeOutcome.NoQuorumSubmitterPresumedRight));
        assertEq(v.round, 1);
        Payout[] memory p = _payouts(logs, id);
        assertEq(p.length, 2);
        _assertPayout(p[0], operators[SUBMITTER], PayoutKind.SubmitterReward, BOND / 2);
        _assertPayout(p[1], treasury, PayoutKind.Treasury, BOND / 2);
        assertEq(_bal(operators[SUBMITTER]), subOpBefore + BOND / 2);
        assertEq(uint256(taskManager.getShard(taskId, 0).status), uint256(ShardStatus.Submitted));
        assertEq(dm.totalBonded(), 0);
    }

    /// @dev The redraw seed is fixed when resolve runs (the next block): whoever resolves, and whenever the
    ///      committee is then drawn (within 256 blocks), the round-1 committee is the same.
    function test_drawCommittee_redrawIndependentOfCallerAndTime_succeeds() public {
        _registerNode(NODE_COUNT + 1, HIGH_STAKE);
        _registerNode(NODE_COUNT + 2, HIGH_STAKE);
        _ageNodes();
        uint32 shard = _freshShard(SUBMITTER, CKPTS);
        uint256 id = _challenge(shard, 1);
        _afterReveal(id);
        uint256 snap = vm.snapshotState();

        vm.prank(challenger);
        dm.resolve(id);
        _draw(id);
        uint64[] memory a = _committee(id);

        vm.revertToState(snap);
        vm.prank(operators[SUBMITTER]);
        dm.resolve(id);
        vm.roll(block.number + 200);
        vm.warp(block.timestamp + 30 minutes);
        vm.prank(makeAddr("anyone"));
        dm.drawCommittee(id);
        uint64[] memory b = _committee(id);

        assertEq(a.length, 3);
        assertEq(b.length, 3);
        for (uint256 i; i < 3; ++i) {
            assertEq(a[i], b[i], "same round-1 committee");
        }
    }

    function test_resolve_nonRevealPenaltyDisabled_succeeds() public {
        _setParam("nonRevealSlash", 0);
        uint256 id = _challenge(0, 1);
        uint64[] memory c = _committee(id);
        _vote(
            id,
            _votes3(Vote.SubmitterRight, Vote.SubmitterRight, Vote.SubmitterRight),
            [true, true, false].toDyn()
        );
        _afterReveal(id);
        uint256 before = _stake(c[2]);
        vm.recordLogs();
        dm.resolve(id);
        assertEq(_countEvents(vm.getRecordedLogs(), IDisputeManager.NonRevealPenalized.selector), 0);
        assertEq(_stake(c[2]), before);
        assertTrue(registry.isActive(c[2]));
    }

    function test_resolve_nonRevealPenaltyLimitedByStake_succeeds() public {
        _setParam("nonRevealSlash", 1e6 * NRL); // more than any node holds
        uint256 id = _challenge(0, 1);
        uint64[] memory c = _committee(id);
        _vote(
            id,
            _votes3(Vote.SubmitterRight, Vote.SubmitterRight, Vote.SubmitterRight),
            [true, true, false].toDyn()
        );
        _afterReveal(id);
        uint256 all = _stake(c[2]);
        vm.expectEmit(address(dm));
        emit IDisputeManager.NonRevealPenalized(id, c[2], all);
        dm.resolve(id);
        assertEq(_stake(c[2]), 0);
    }

    function test_resolve_usesCurrentTreasury_succeeds() public {
        address t = makeAddr("treasury2");
        uint256 id = _challenge(0, 1);
        _vote(id, _votes3(Vote.SubmitterWrong, Vote.SubmitterWrong, Vote.SubmitterWrong), _all(3, true));
        vm.prank(governor);
        dm.setTreasury(t);
        dm.resolve(id);
        assertGt(_bal(t), 0);
    }

    // ==============================================================================================
    // Several disputes at once
    // ==============================================================================================

    function test_totalBonded_tracksOpenDisputes_succeeds() public {
        uint256 a = _challenge(0, 1);
        uint32 shard = _freshShard(2, CKPTS);
        uint256 b = _challenge(shard, 4);
        assertEq(b, a + 1);
        assertEq(dm.totalBonded(), 2 * BOND);
        assertEq(_bal(address(dm)), 2 * BOND);
        _vote(a, _votes3(Vote.SubmitterWrong, Vote.SubmitterWrong, Vote.SubmitterWrong), _all(3, true));
        dm.resolve(a);
        assertEq(dm.totalBonded(), BOND);
        assertEq(_bal(address(dm)), BOND);
    }

    // ==============================================================================================
    // Fuzz
    // ==============================================================================================

    /// @dev Σ payouts == slashed + bond for any parameters and any vote pattern (both rounds).
    function testFuzz_resolve_conservation(
        uint256 bond,
        uint256 slashBps,
        uint256 challengerBps,
        uint256 voterBps,
        uint256 bondShareBps,
        uint256 pattern
    ) public {
        bond = bound(bond, 0, 1e9 * NRL);
        _fund(challenger, bond);
        _setParam("challengeBond", bond);
        _setParam("disputeSlashBps", bound(slashBps, 0, 10_000));
        _setParam("challengerRewardBps", bound(challengerBps, 0, 10_000));
        _setParam("voterRewardBps", bound(voterBps, 0, 10_000));
        _setParam("submitterBondShareBps", bound(bondShareBps, 0, 10_000));
        _checkConservation(bond, pattern);
    }

    function _checkConservation(uint256 bond, uint256 pattern) internal {
        uint256 dmBefore = _bal(address(dm));
        uint256 stakeBefore = _stake(SUBMITTER);
        uint256 id = _challenge(0, uint32(pattern % CKPTS));
        assertEq(_bal(address(dm)), dmBefore + bond);

        vm.recordLogs();
        for (uint256 round; round < 2; ++round) {
            _votePattern(id, pattern >> (8 + round * 16));
            _afterReveal(id);
            dm.resolve(id);
            if (dm.getDispute(id).status == DisputeStatus.Drawing) _draw(id);
            if (dm.getDispute(id).status == DisputeStatus.Resolved) break;
        }
        (uint256 paid, uint256 slashed, bool resolved) = _payoutSum(vm.getRecordedLogs(), id);
        DisputeView memory v = dm.getDispute(id);
        assertEq(uint256(v.status), uint256(DisputeStatus.Resolved));
        assertTrue(resolved);
        assertEq(paid, slashed + bond, "payouts == slashed + bond");
        assertEq(_bal(address(dm)), dmBefore, "nothing stays behind");
        assertEq(dm.totalBonded(), 0);
        if (v.outcome == DisputeOutcome.SubmitterWrong) {
            assertEq(_stake(SUBMITTER), stakeBefore - slashed);
            assertGe(slashed, COLLATERAL);
        } else {
            assertEq(slashed, 0);
            assertEq(_stake(SUBMITTER), stakeBefore);
        }
    }

    /// @dev 5 bits per member: bit 0 commit, bit 1 reveal, bits 2-3 vote.
    function _votePattern(uint256 id, uint256 pattern) internal {
        uint64[] memory c = _committee(id);
        Vote[] memory votes = new Vote[](c.length);
        bool[] memory reveal = new bool[](c.length);
        for (uint256 i; i < c.length; ++i) {
            uint256 bits = pattern >> (i * 5);
            if (bits & 1 == 0) continue;
            votes[i] = Vote(1 + ((bits >> 2) & 3) % 3);
            reveal[i] = bits & 2 != 0;
        }
        _vote(id, votes, reveal);
    }

    /// @dev A real proof for any checkpoint of any small tree opens a dispute; indexes past the count do not; a
    ///      reveal with a wrong proof reverts and the same commitment can be revealed again with the right one.
    function testFuzz_revealChallenge_checkpointIndex(uint256 countSeed, uint256 dSeed) public {
        uint32 count = uint32(bound(countSeed, 1, 8));
        uint32 d = uint32(bound(dSeed, 0, 9));
        uint32 shard = _freshShard(2, count);
        ChallengeParams memory p = _params(shard, count, d < count ? d : count - 1);
        p.taskId = uint64(taskId);
        p.checkpointIndex = d;
        if (d >= count) {
            _expectRevealRevert(
                challenger,
                p,
                abi.encodeWithSelector(IDisputeManager.CheckpointIndexOutOfRange.selector, d, count)
            );
            return;
        }
        uint256 commitId = _commitChallenge(challenger, p);
        vm.roll(block.number + 2);
        if (count > 1) {
            // The proof of another leaf does not prove d.
            ChallengeParams memory q = _params(shard, count, d);
            q.taskId = uint64(taskId);
            q.proof = CheckpointTree.standard(count).proofOf((d + 1) % count);
            if (keccak256(abi.encode(q.proof)) != keccak256(abi.encode(p.proof))) {
                vm.expectRevert(IDisputeManager.InvalidMerkleProof.selector);
                _revealChallenge(challenger, commitId, q);
            }
        }
        uint256 id = _revealChallenge(challenger, commitId, p);
        assertEq(dm.getDispute(id).checkpointIndex, d);
        assertEq(dm.getDispute(id).leafHash, CheckpointTree.ckptHash(d));
    }

    function testFuzz_commitReveal_roundTrip(uint8 voteSeed, bytes32 salt, bytes32 otherSalt) public {
        vm.assume(salt != otherSalt);
        Vote vote = Vote(bound(voteSeed, 1, 3));
        uint256 id = _challenge(0, 1);
        uint64[] memory c = _committee(id);
        bytes32 commitment = dm.voteCommitment(id, c[0], vote, salt);
        vm.prank(workers[c[0]]);
        dm.commitVote(id, c[0], commitment);
        _toRevealPhase(id);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.CommitmentMismatch.selector, id, c[0]));
        vm.prank(workers[c[0]]);
        dm.revealVote(id, c[0], vote, otherSalt);
        vm.prank(workers[c[0]]);
        dm.revealVote(id, c[0], vote, salt);
        (, Vote got) = dm.voteOf(id, c[0]);
        assertEq(uint256(got), uint256(vote));
    }

    // ==============================================================================================
    // Verdict scope (hole 1): a verdict covers only its checkpoint
    // ==============================================================================================

    function _commitAll(uint256 id, Vote vote) internal {
        uint64[] memory c = _committee(id);
        for (uint256 i; i < c.length; ++i) {
            _commit(id, c[i], vote);
        }
    }

    function _revealAll(uint256 id, Vote vote) internal {
        uint64[] memory c = _committee(id);
        for (uint256 i; i < c.length; ++i) {
            _reveal(id, c[i], vote);
        }
    }

    /// @dev A verdict for the submitter on checkpoint 0 neither pays the shard nor shields it: inside the window
    ///      checkpoint 3 of the same result is still challenged, and loses.
    function test_resolve_submitterRight_shardStillChallengeable_succeeds() public {
        uint256 a = _challenge(0, 0);
        _vote(a, _votes3(Vote.SubmitterRight, Vote.SubmitterRight, Vote.SubmitterRight), _all(3, true));
        dm.resolve(a);
        ShardView memory s = _shard(0);
        assertEq(uint256(s.status), uint256(ShardStatus.Submitted), "not paid");
        assertFalse(taskManager.isFinalizable(taskId, 0));
        vm.expectRevert(ITaskManager.NothingFinalized.selector);
        _finalize(0);
        assertLe(block.timestamp, s.deadline, "still inside the window");

        uint256 stakeBefore = _stake(SUBMITTER);
        uint256 b = _challenge(0, 3);
        assertEq(uint256(dm.getDispute(b).status), uint256(DisputeStatus.Voting));
        _vote(b, _votes3(Vote.SubmitterWrong, Vote.SubmitterWrong, Vote.SubmitterWrong), _all(3, true));
        dm.resolve(b);
        assertEq(uint256(dm.getDispute(b).outcome), uint256(DisputeOutcome.SubmitterWrong));
        assertLt(_stake(SUBMITTER), stakeBefore, "slashed");
        s = _shard(0);
        assertEq(uint256(s.status), uint256(ShardStatus.Pending), "re-queued, never paid");
        assertEq(s.resumeFrom, 3);
    }

    /// @dev The cheater (node 1's operator) computed checkpoint 0 honestly and faked the rest. It challenges its
    ///      own correct checkpoint 0 from a fresh address; an honest watcher challenges checkpoint 1. The decoy
    ///      verdict does not shield the shard: the real challenge still slashes, the shard is never paid, and
    ///      the cheater's operator + decoy + node stake end poorer than before.
    function test_resolve_decoySelfChallenge_costsTheCheater_succeeds() public {
        address decoy = makeAddr("decoy");
        address op = operators[SUBMITTER];
        // The cheater funds its decoy from its own pocket: the transfer is inside the measured wealth.
        vm.prank(op);
        token.transfer(decoy, BOND);
        vm.prank(decoy);
        token.approve(address(dm), type(uint256).max);
        uint256 wealthBefore =
            _bal(op) + _bal(decoy) + _stake(SUBMITTER) + registry.getNode(SUBMITTER).unbonding;

        uint256 decoyId = _challengeWith(decoy, _challengeParams(0, 0));
        uint256 realId = _challenge(0, 1);
        _commitAll(decoyId, Vote.SubmitterRight);
        _commitAll(realId, Vote.SubmitterWrong);
        _toRevealPhase(decoyId);
        _revealAll(decoyId, Vote.SubmitterRight);
        _revealAll(realId, Vote.SubmitterWrong);

        dm.resolve(decoyId);
        assertEq(uint256(dm.getDispute(decoyId).outcome), uint256(DisputeOutcome.SubmitterRight));
        assertEq(uint256(_shard(0).status), uint256(ShardStatus.Challenged), "the real dispute is still open");
        vm.recordLogs();
        dm.resolve(realId);
        (, uint256 slashed,) = _payoutSum(vm.getRecordedLogs(), realId);
        assertEq(uint256(dm.getDispute(realId).outcome), uint256(DisputeOutcome.SubmitterWrong));
        assertGe(slashed, COLLATERAL);

        // Never paid, even after the window and reveal period.
        vm.warp(uint256(_shard(0).deadline) + taskManager.getParameter("challengeRevealPeriod") + 1);
        assertEq(uint256(_shard(0).status), uint256(ShardStatus.Pending));
        assertFalse(taskManager.isFinalizable(taskId, 0));

        uint256 wealthAfter =
            _bal(op) + _bal(decoy) + _stake(SUBMITTER) + registry.getNode(SUBMITTER).unbonding;
        assertLt(wealthAfter, wealthBefore, "self-challenge does not pay");
        // Exactly: the decoy's bond minus the submitter share came back, the slash did not.
        assertEq(wealthBefore - wealthAfter, slashed + BOND - BOND / 2);
    }

    // ==============================================================================================
    // Stale disputes: the judged attempt already ended
    // ==============================================================================================

    /// @dev Disputes `a` (checkpoint dA, by `challenger`) and `b` (checkpoint dB, by a second challenger) on
    ///      shard 0; both committees commit and reveal `voteB` / SubmitterWrong; `a` is resolved first (lost by
    ///      the submitter: the shard is re-queued).
    function _twoDisputesFirstLost(uint32 dA, uint32 dB, Vote voteB)
        internal
        returns (uint256 a, uint256 b, address second)
    {
        second = makeAddr("second challenger");
        _fundChallenger(second, BOND);
        a = _challenge(0, dA);
        b = _challengeWith(second, _challengeParams(0, dB));
        _commitAll(a, Vote.SubmitterWrong);
        _commitAll(b, voteB);
        _toRevealPhase(a);
        _revealAll(a, Vote.SubmitterWrong);
        _revealAll(b, voteB);
        dm.resolve(a);
        assertEq(uint256(dm.getDispute(a).outcome), uint256(DisputeOutcome.SubmitterWrong));
        assertEq(uint256(_shard(0).status), uint256(ShardStatus.Pending));
        assertEq(_shard(0).resumeFrom, dA);
    }

    function test_resolve_staleDisputeSubmitterWrong_returnsBondSlashesNobody_succeeds() public {
        (, uint256 b, address second) = _twoDisputesFirstLost(1, 3, Vote.SubmitterWrong);
        uint256 stakeBefore = _stake(SUBMITTER);
        uint256 secondBefore = _bal(second);
        uint256 trBefore = _bal(treasury);
        vm.expectEmit(address(dm));
        emit IDisputeManager.DisputeResolved(b, DisputeOutcome.SubmitterWrong, 3, 0, 0, false);
        vm.recordLogs();
        dm.resolve(b);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        Payout[] memory p = _payouts(logs, b);
        assertEq(p.length, 1);
        _assertPayout(p[0], second, PayoutKind.BondReturn, BOND);
        (uint256 paid, uint256 slashed,) = _payoutSum(logs, b);
        assertEq(slashed, 0);
        assertEq(paid, BOND);
        assertEq(_stake(SUBMITTER), stakeBefore, "nobody slashed twice");
        assertEq(_bal(second), secondBefore + BOND);
        assertEq(_bal(treasury), trBefore);
        ShardView memory s = _shard(0);
        assertEq(uint256(s.status), uint256(ShardStatus.Pending));
        assertEq(s.resumeFrom, 1, "a later checkpoint does not move resumeFrom");
        assertEq(s.openDisputes, 0);
        assertEq(dm.totalBonded(), 0);
        assertEq(_bal(address(dm)), 0);
    }

    function test_resolve_staleDisputeSubmitterRight_splitsBond_succeeds() public {
        (, uint256 b, address second) = _twoDisputesFirstLost(1, 3, Vote.SubmitterRight);
        uint64[] memory c = _committee(b);
        uint256 subOpBefore = _bal(operators[SUBMITTER]);
        uint256 secondBefore = _bal(second);
        vm.expectEmit(address(dm));
        emit IDisputeManager.DisputeResolved(b, DisputeOutcome.SubmitterRight, 0, 3, 0, false);
        vm.recordLogs();
        dm.resolve(b);
        Payout[] memory p = _payouts(vm.getRecordedLogs(), b);
        uint256 share = (BOND - BOND / 2) / 3;
        _assertPayout(p[0], operators[SUBMITTER], PayoutKind.SubmitterReward, BOND / 2);
        for (uint256 i; i < 3; ++i) {
            _assertPayout(p[1 + i], operators[c[i]], PayoutKind.VoterReward, share);
        }
        assertEq(_bal(operators[SUBMITTER]), subOpBefore + BOND / 2);
        assertEq(_bal(second), secondBefore, "the losing challenger loses its bond");
        assertEq(uint256(_shard(0).status), uint256(ShardStatus.Pending));
        assertEq(dm.totalBonded(), 0);
        assertEq(_bal(address(dm)), 0);
    }

    /// @dev The shard lost on checkpoint 3 and was re-assigned to node 2, which resumes from 3. Then the stale
    ///      dispute on checkpoint 1 of the first attempt loses: checkpoint 1 cannot be resumed from, so resumeFrom
    ///      drops to 1 and node 2's attempt (built on it) is handed back without fault; nobody is slashed.
    function test_resolve_staleDisputeEarlierCheckpoint_lowersResume_succeeds() public {
        (, uint256 b, address second) = _twoDisputesFirstLost(3, 1, Vote.SubmitterWrong);
        Assignment[] memory asg = new Assignment[](1);
        asg[0] = Assignment({taskId: uint64(taskId), shardIndex: 0, nodeId: 2});
        vm.prank(keeper);
        taskManager.assignShards(asg);
        ShardView memory s = _shard(0);
        assertEq(uint256(s.status), uint256(ShardStatus.Assigned));
        assertEq(s.resumeFrom, 3);
        assertEq(registry.getNode(2).locked, COLLATERAL);
        uint256 failedBefore = registry.getNode(2).failed;
        uint256 stake2 = _stake(2);
        uint256 stake1 = _stake(SUBMITTER);
        uint256 secondBefore = _bal(second);

        vm.expectEmit(address(taskManager));
        emit ITaskManager.ShardResumeLowered(taskId, 0, 1, s.epoch);
        vm.expectEmit(address(dm));
        emit IDisputeManager.DisputeResolved(b, DisputeOutcome.SubmitterWrong, 3, 0, 0, false);
        dm.resolve(b);

        s = _shard(0);
        assertEq(uint256(s.status), uint256(ShardStatus.Pending), "the attempt in flight is handed back");
        assertEq(s.resumeFrom, 1);
        assertEq(registry.getNode(2).locked, 0, "its collateral is unlocked");
        assertEq(registry.getNode(2).failed, failedBefore, "without fault");
        assertEq(_stake(2), stake2);
        assertEq(_stake(SUBMITTER), stake1, "nobody slashed twice");
        assertEq(_bal(second), secondBefore + BOND, "bond returned");
    }
}

using {toDyn} for bool[3];

function toDyn(bool[3] memory a) pure returns (bool[] memory r) {
    r = new bool[](3);
    r[0] = a[0];
    r[1] = a[1];
    r[2] = a[2];
}
