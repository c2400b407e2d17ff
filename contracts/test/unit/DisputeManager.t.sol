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
    ChallengeParams,
    DisputeOutcome,
    DisputeStatus,
    DisputeView,
    NodeView,
    PayoutKind,
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

    bytes32[11] internal NAMES = [
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
        "maxSampleTries"
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

    /// @dev A node id that is active, not the submitter and not on `v`'s committee.
    function _outsider(DisputeView memory v) internal view returns (uint256) {
        for (uint256 id = 1; id <= NODE_COUNT; ++id) {
            if (id != v.submitterNodeId && !_isMember(v, id) && registry.isActive(id)) return id;
        }
        revert NoOutsider();
    }

    function _registerChallengerNodes() internal returns (uint256 opNode, uint256 workerNode) {
        // Node 9: the challenger is its operator. Node 10: the challenger is its worker key.
        vm.startPrank(challenger);
        token.approve(address(registry), HIGH_STAKE);
        opNode = registry.register(makeAddr("worker9"), _caps(), 10 * NRL, bytes32(0), HIGH_STAKE);
        vm.stopPrank();
        operators[opNode] = challenger;
        workers[opNode] = makeAddr("worker9");
        address op10 = makeAddr("operator10");
        _fund(op10, HIGH_STAKE);
        vm.startPrank(op10);
        token.approve(address(registry), HIGH_STAKE);
        workerNode = registry.register(challenger, _caps(), 10 * NRL, bytes32(0), HIGH_STAKE);
        vm.stopPrank();
        operators[workerNode] = op10;
        workers[workerNode] = challenger;
        vm.prank(challenger);
        token.approve(address(dm), type(uint256).max);
    }

    /// @dev Makes stake >= 1000 NRL enough for Silver, so nodes 5.. (2000 NRL) become Silver.
    function _makeHighStakeSilver(uint256 lastNode) internal {
        vm.prank(governor);
        registry.setTierThreshold(
            Tier.Silver, TierThreshold({minStake: uint128(1000 * NRL), minCompleted: 0, minSuccessBps: 0})
        );
        for (uint256 id = 1; id <= lastNode; ++id) {
            registry.refreshTier(id);
        }
    }

    // ==============================================================================================
    // Constructor and governance
    // ==============================================================================================

    function test_constructor_setsDefaults() public view {
        assertEq(address(dm.token()), address(token));
        assertEq(address(dm.registry()), address(registry));
        assertEq(address(dm.taskManager()), address(taskManager));
        assertEq(dm.randomness(), address(prevrandao));
        assertEq(dm.treasury(), treasury);
        assertEq(dm.disputeCount(), 0);
        assertEq(dm.totalBonded(), 0);
        assertTrue(dm.hasRole(dm.DEFAULT_ADMIN_ROLE(), governor));
        assertTrue(dm.hasRole(dm.GOVERNOR_ROLE(), governor));
        assertEq(dm.GOVERNOR_ROLE(), keccak256("GOVERNOR_ROLE"));
        assertEq(uint256(dm.committeeMinTier()), uint256(Tier.Bronze));
        uint256[11] memory defaults =
            [uint256(3), 1, 50 * NRL, 1 hours, 1 hours, 1000, 3000, 5000, 5000, 5 * NRL, 64];
        for (uint256 i; i < NAMES.length; ++i) {
            assertEq(dm.getParameter(NAMES[i]), defaults[i]);
        }
    }

    function test_constructor_revertsOnZeroAddress() public {
        address[6] memory a = [
            address(token), address(registry), address(taskManager), address(prevrandao), governor, treasury
        ];
        for (uint256 i; i < 6; ++i) {
            address[6] memory b = a;
            b[i] = address(0);
            vm.expectRevert(IDisputeManager.ZeroAddress.selector);
            new DisputeManager(b[0], b[1], b[2], b[3], b[4], b[5]);
        }
    }

    function test_parameterBounds() public view {
        uint256[2][11] memory bounds = [
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
            [uint256(3), 1024]
        ];
        for (uint256 i; i < NAMES.length; ++i) {
            (uint256 min, uint256 max) = dm.parameterBounds(NAMES[i]);
            assertEq(min, bounds[i][0], "min");
            assertEq(max, bounds[i][1], "max");
        }
    }

    function test_setParameter_setsEveryParameterAndEmits() public {
        uint256[11] memory values =
            [uint256(5), 2, 7 * NRL, 2 hours, 3 hours, 2500, 100, 9000, 0, 1 * NRL, 100];
        for (uint256 i; i < NAMES.length; ++i) {
            uint256 old = dm.getParameter(NAMES[i]);
            vm.expectEmit(address(dm));
            emit IParameters.ParameterSet(NAMES[i], old, values[i]);
            _setParam(NAMES[i], values[i]);
            assertEq(dm.getParameter(NAMES[i]), values[i]);
        }
        assertEq(uint256(dm.committeeMinTier()), 2);
    }

    function test_setParameter_acceptsBounds() public {
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

    function test_setParameter_revertsOutOfBounds() public {
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

    function test_setParameter_revertsEvenCommitteeSize() public {
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

    function test_setParameter_couplesCommitteeSizeAndMaxSampleTries() public {
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

    function test_parameters_revertOnUnknownName() public {
        vm.expectRevert(abi.encodeWithSelector(IParameters.UnknownParameter.selector, bytes32("nope")));
        vm.prank(governor);
        dm.setParameter("nope", 1);
        vm.expectRevert(abi.encodeWithSelector(IParameters.UnknownParameter.selector, bytes32("nope")));
        dm.getParameter("nope");
        vm.expectRevert(abi.encodeWithSelector(IParameters.UnknownParameter.selector, bytes32("nope")));
        dm.parameterBounds("nope");
    }

    function test_governorSetters_onlyGovernor() public {
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
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, challenger, role)
        );
        dm.setRandomnessSource(challenger);
        vm.stopPrank();
    }

    function test_setTreasury() public {
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

    function test_setRandomnessSource() public {
        vm.expectEmit(address(dm));
        emit IDisputeManager.RandomnessSourceSet(address(prevrandao), address(mockRandomness));
        vm.prank(governor);
        dm.setRandomnessSource(address(mockRandomness));
        assertEq(dm.randomness(), address(mockRandomness));

        vm.expectRevert(IDisputeManager.ZeroAddress.selector);
        vm.prank(governor);
        dm.setRandomnessSource(address(0));
    }

    // ==============================================================================================
    // Checkpoint Merkle views (vectors from @openzeppelin/merkle-tree StandardMerkleTree)
    // ==============================================================================================

    function test_checkpointTree_matchesOpenZeppelinMerkleTree() public view {
        // StandardMerkleTree.of([[i, (i+1)*100, keccak256(encodePacked("ckpt", i))] ...],
        //                       ["uint256","uint256","bytes32"]).root, for 1, 2, 3, 5 and 8 leaves.
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
            0x021ec3d5b34bbedcf5b432962e7d7317211720d8ff1ca302c270dd961c30e170
        );
        assertEq(
            CheckpointTree.standard(5).root(),
            0x676f699c01993daa47124164a42e94e6c1ad9a2047fba2ce5eeebbbaed46dd42
        );
        assertEq(
            CheckpointTree.standard(8).root(),
            0x5b2771f0bbd0842b4a8109b2d95b29f67b5e45b18fd77d12610431f19cf417bb
        );
        // tree.getProof(4) for 5 leaves, as the JS library gives it.
        bytes32[] memory p = new bytes32[](3);
        p[0] = 0x1c2410888b0b07ce79335f14bbe7d6c32b8977f5d97dc96912be994c053d5c87;
        p[1] = 0xd9a5ae7102765a9c0287e1512fe2499c50c651205a18e4a2db8ebc72e8ce7d5c;
        p[2] = 0x9eb56dde8badbd789463a52f6e01fb180301c394762c5f7d4ca155834c9120a5;
        bytes32[] memory mine = CheckpointTree.standard(5).proofOf(4);
        assertEq(mine.length, 3);
        for (uint256 i; i < 3; ++i) {
            assertEq(mine[i], p[i]);
        }
        assertTrue(
            dm.verifyCheckpoint(
                0x676f699c01993daa47124164a42e94e6c1ad9a2047fba2ce5eeebbbaed46dd42,
                4,
                CheckpointTree.step(4),
                CheckpointTree.ckptHash(4),
                p
            )
        );
    }

    function test_checkpointLeaf_isTheProtocolEncoding() public view {
        bytes32 h = keccak256("x");
        assertEq(
            dm.checkpointLeaf(3, 77, h),
            keccak256(bytes.concat(keccak256(abi.encode(uint256(3), uint256(77), h))))
        );
    }

    function test_verifyCheckpoint_rejectsWrongData() public view {
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
    // Challenge
    // ==============================================================================================

    function test_challenge_opensDispute() public {
        (uint64[] memory expected, uint256 filled) = _expectedCommittee(1, 0, SUBMITTER, challenger);
        assertEq(filled, 3);
        ChallengeParams memory p = _challengeParams(0, 2);
        uint256 dmBefore = _bal(address(dm));
        uint256 chBefore = _bal(challenger);

        vm.expectEmit(address(dm));
        emit IDisputeManager.DisputeOpened(
            1, taskId, 0, challenger, SUBMITTER, 2, p.leafHash, p.challengerHash, BOND
        );
        vm.expectEmit(address(dm));
        emit IDisputeManager.CommitteeDrawn(
            1, 0, expected, uint64(block.timestamp + 1 hours), uint64(block.timestamp + 2 hours)
        );
        vm.prank(challenger);
        uint256 id = dm.challenge(p);

        assertEq(id, 1);
        assertEq(dm.disputeCount(), 1);
        assertEq(dm.totalBonded(), BOND);
        assertEq(_bal(address(dm)), dmBefore + BOND);
        assertEq(_bal(challenger), chBefore - BOND);

        DisputeView memory v = dm.getDispute(id);
        assertEq(uint256(v.status), uint256(DisputeStatus.Voting));
        assertEq(uint256(v.outcome), uint256(DisputeOutcome.None));
        assertEq(v.round, 0);
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

        ShardView memory s = taskManager.getShard(taskId, 0);
        assertEq(uint256(s.status), uint256(ShardStatus.Challenged));
        assertEq(s.disputeId, id);
    }

    function test_challenge_withoutChallengerHash() public {
        ChallengeParams memory p = _challengeParams(0, 0);
        p.challengerHash = bytes32(0);
        vm.prank(challenger);
        uint256 id = dm.challenge(p);
        assertEq(dm.getDispute(id).challengerHash, bytes32(0));
        assertEq(dm.getDispute(id).checkpointIndex, 0);
    }

    function test_challenge_revertsCheckpointIndexOutOfRange() public {
        ChallengeParams memory p = _challengeParams(0, 2);
        p.checkpointIndex = CKPTS;
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeManager.CheckpointIndexOutOfRange.selector, CKPTS, CKPTS)
        );
        vm.prank(challenger);
        dm.challenge(p);

        p.checkpointIndex = type(uint32).max;
        vm.expectRevert(
            abi.encodeWithSelector(
                IDisputeManager.CheckpointIndexOutOfRange.selector, type(uint32).max, CKPTS
            )
        );
        vm.prank(challenger);
        dm.challenge(p);
    }

    function test_challenge_revertsInvalidMerkleProof() public {
        ChallengeParams memory good = _challengeParams(0, 2);
        ChallengeParams memory p;

        p = _challengeParams(0, 2);
        p.step += 1;
        vm.expectRevert(IDisputeManager.InvalidMerkleProof.selector);
        vm.prank(challenger);
        dm.challenge(p);

        p = _challengeParams(0, 2);
        p.leafHash = keccak256("forged");
        vm.expectRevert(IDisputeManager.InvalidMerkleProof.selector);
        vm.prank(challenger);
        dm.challenge(p);

        p = _challengeParams(0, 2);
        p.checkpointIndex = 3; // right data of leaf 2 under the wrong index
        vm.expectRevert(IDisputeManager.InvalidMerkleProof.selector);
        vm.prank(challenger);
        dm.challenge(p);

        p = _challengeParams(0, 2);
        p.proof[0] = keccak256("sibling");
        vm.expectRevert(IDisputeManager.InvalidMerkleProof.selector);
        vm.prank(challenger);
        dm.challenge(p);

        p = _challengeParams(0, 2);
        p.proof = new bytes32[](0);
        vm.expectRevert(IDisputeManager.InvalidMerkleProof.selector);
        vm.prank(challenger);
        dm.challenge(p);

        vm.prank(challenger);
        dm.challenge(good);
    }

    function test_challenge_revertsChallengerIsSubmitter() public {
        ChallengeParams memory p = _challengeParams(0, 1);
        address[2] memory keys = [operators[SUBMITTER], workers[SUBMITTER]];
        for (uint256 i; i < 2; ++i) {
            _fund(keys[i], BOND);
            vm.startPrank(keys[i]);
            token.approve(address(dm), BOND);
            vm.expectRevert(abi.encodeWithSelector(IDisputeManager.ChallengerIsSubmitter.selector, keys[i]));
            dm.challenge(p);
            vm.stopPrank();
        }
    }

    function test_challenge_anotherNodeMayChallenge() public {
        // A node other than the submitter may challenge; it is then left out of the committee.
        address op = operators[2];
        vm.startPrank(op);
        token.approve(address(dm), BOND);
        uint256 id = dm.challenge(_challengeParams(0, 1));
        vm.stopPrank();
        assertFalse(_isMember(dm.getDispute(id), 2));
    }

    function test_challenge_revertsWhenShardNotChallengeable() public {
        // Shard 1 was never assigned.
        ChallengeParams memory p = _challengeParams(1, 1);
        vm.expectRevert(
            abi.encodeWithSelector(ITaskManager.InvalidShardStatus.selector, taskId, 1, ShardStatus.Pending)
        );
        vm.prank(challenger);
        dm.challenge(p);

        // Shard 0 challenged twice.
        _challenge(0, 1);
        p = _challengeParams(0, 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskManager.InvalidShardStatus.selector, taskId, 0, ShardStatus.Challenged
            )
        );
        vm.prank(challenger);
        dm.challenge(p);
    }

    function test_challenge_revertsAfterChallengeWindow() public {
        uint32 shard = _freshShard(2, CKPTS);
        uint64 endsAt = taskManager.getShard(taskId, shard).deadline;
        vm.warp(uint256(endsAt) + 1);
        ChallengeParams memory p = _challengeParams(shard, 1);
        vm.expectRevert(
            abi.encodeWithSelector(ITaskManager.ChallengeWindowClosed.selector, taskId, shard, endsAt)
        );
        vm.prank(challenger);
        dm.challenge(p);
    }

    function test_challenge_revertsWithoutBond() public {
        vm.prank(challenger);
        token.approve(address(dm), BOND - 1);
        ChallengeParams memory p = _challengeParams(0, 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IERC20Errors.ERC20InsufficientAllowance.selector, address(dm), BOND - 1, BOND
            )
        );
        vm.prank(challenger);
        dm.challenge(p);
    }

    function test_challenge_zeroBond() public {
        _setParam("challengeBond", 0);
        uint256 before = _bal(challenger);
        uint256 id = _challenge(0, 1);
        assertEq(dm.getDispute(id).bond, 0);
        assertEq(dm.totalBonded(), 0);
        assertEq(_bal(challenger), before);
    }

    function test_challenge_revertsCommitteeUnavailable_noEligibleTier() public {
        _setParam("committeeMinTier", uint256(Tier.Platinum));
        ChallengeParams memory p = _challengeParams(0, 1);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.CommitteeUnavailable.selector, 0, 3));
        vm.prank(challenger);
        dm.challenge(p);
    }

    function test_challenge_revertsCommitteeUnavailable_tooFewNodes() public {
        _setParam("committeeSize", 9); // 8 nodes, one of them the submitter
        (, uint256 filled) = _expectedCommittee(1, 0, SUBMITTER, challenger);
        assertLe(filled, 7);
        ChallengeParams memory p = _challengeParams(0, 1);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.CommitteeUnavailable.selector, filled, 9));
        vm.prank(challenger);
        dm.challenge(p);
    }

    function test_challenge_revertsCommitteeUnavailable_emptyActiveSet() public {
        // Everyone but the submitter pauses; the submitter alone cannot sit.
        for (uint256 id = 2; id <= NODE_COUNT; ++id) {
            vm.prank(operators[id]);
            registry.pause(id);
        }
        ChallengeParams memory p = _challengeParams(0, 1);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.CommitteeUnavailable.selector, 0, 3));
        vm.prank(challenger);
        dm.challenge(p);
    }

    function test_challenge_largestCommittee() public {
        _registerExtraNodes(8); // 16 nodes
        _setParam("committeeSize", 15);
        _setParam("maxSampleTries", 1024);
        uint256 id = _challenge(0, 1);
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

    function _registerExtraNodes(uint256 count) internal {
        uint256 first = registry.nodeCount() + 1;
        for (uint256 i; i < count; ++i) {
            _registerNodeWithKeys(first + i);
        }
    }

    function _registerNodeWithKeys(uint256 id) internal {
        address op = makeAddr(string.concat("operator", vm.toString(id)));
        address wk = makeAddr(string.concat("worker", vm.toString(id)));
        _fund(op, NODE_STAKE);
        vm.startPrank(op);
        token.approve(address(registry), NODE_STAKE);
        assertEq(registry.register(wk, _caps(), 10 * NRL, bytes32(0), NODE_STAKE), id);
        vm.stopPrank();
        operators[id] = op;
        workers[id] = wk;
    }

    // ==============================================================================================
    // Sampling
    // ==============================================================================================

    function test_sampling_matchesProtocolRule() public {
        (uint64[] memory expected,) = _expectedCommittee(1, 0, SUBMITTER, challenger);
        uint256 id = _challenge(0, 1);
        uint64[] memory c = _committee(id);
        for (uint256 i; i < c.length; ++i) {
            assertEq(c[i], expected[i]);
        }
    }

    function test_sampling_usesTheConfiguredSource() public {
        _useMockRandomness(keccak256("a"));
        (uint64[] memory expected,) = _expectedCommittee(1, 0, SUBMITTER, challenger);
        uint256 id = _challenge(0, 1);
        uint64[] memory c = _committee(id);
        for (uint256 i; i < c.length; ++i) {
            assertEq(c[i], expected[i]);
        }
    }

    /// @dev Only nodes 6, 7, 8 are eligible: node 5 is the submitter, 1..4 are below Silver, 9 and 10 belong to
    ///      the challenger. Whatever the seed, the committee is those three (or the draw gives up, exactly when
    ///      the reference rule does).
    function testFuzz_sampling_excludesSubmitterChallengerLowTierAndDuplicates(bytes32 seed) public {
        (uint256 opNode, uint256 workerNode) = _registerChallengerNodes();
        _makeHighStakeSilver(10);
        assertEq(uint256(registry.tierOf(opNode)), uint256(Tier.Silver));
        assertEq(uint256(registry.tierOf(1)), uint256(Tier.Bronze));
        _setParam("committeeMinTier", uint256(Tier.Silver));
        _useMockRandomness(seed);
        uint32 shard = _freshShard(5, CKPTS);

        (uint64[] memory expected, uint256 filled) = _expectedCommittee(1, 0, 5, challenger);
        ChallengeParams memory p = _challengeParams(shard, 1);
        if (filled < 3) {
            vm.expectRevert(abi.encodeWithSelector(IDisputeManager.CommitteeUnavailable.selector, filled, 3));
            vm.prank(challenger);
            dm.challenge(p);
            return;
        }
        vm.prank(challenger);
        uint256 id = dm.challenge(p);
        uint64[] memory c = _committee(id);
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
        (uint64[] memory expected, uint256 filled) = _expectedCommittee(1, 0, submitter, challenger);
        assertEq(filled, 3);
        ChallengeParams memory p = _challengeParams(shard, 0);
        vm.prank(challenger);
        uint256 id = dm.challenge(p);
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

    function test_sampling_skipsInactiveNodes() public {
        vm.prank(operators[2]);
        registry.pause(2);
        vm.prank(operators[3]);
        registry.pause(3);
        for (uint256 s; s < 6; ++s) {
            _useMockRandomness(bytes32(s));
            uint32 shard = _freshShard(4, CKPTS);
            ChallengeParams memory p = _challengeParams(shard, 0);
            vm.prank(challenger);
            uint256 id = dm.challenge(p);
            DisputeView memory v = dm.getDispute(id);
            assertFalse(_isMember(v, 2));
            assertFalse(_isMember(v, 3));
            assertFalse(_isMember(v, 4));
        }
    }

    // ==============================================================================================
    // Commit
    // ==============================================================================================

    function test_commitVote_storesAndEmits() public {
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

    function test_commitVote_atTheDeadline() public {
        uint256 id = _challenge(0, 1);
        uint64[] memory c = _committee(id);
        vm.warp(dm.getDispute(id).commitDeadline);
        _commit(id, c[0], Vote.SubmitterRight);
    }

    function test_commitVote_revertsUnknownDispute() public {
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.UnknownDispute.selector, 7));
        dm.commitVote(7, 1, bytes32("c"));
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.UnknownDispute.selector, 0));
        dm.commitVote(0, 1, bytes32("c"));
    }

    function test_commitVote_revertsCommitPhaseOver() public {
        uint256 id = _challenge(0, 1);
        uint64[] memory c = _committee(id);
        uint64 deadline = dm.getDispute(id).commitDeadline;
        vm.warp(uint256(deadline) + 1);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.CommitPhaseOver.selector, id, deadline));
        vm.prank(workers[c[0]]);
        dm.commitVote(id, c[0], bytes32("c"));
    }

    function test_commitVote_revertsNotCommitteeMember() public {
        uint256 id = _challenge(0, 1);
        uint256 outsider = _outsider(dm.getDispute(id));
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.NotCommitteeMember.selector, id, outsider));
        vm.prank(workers[outsider]);
        dm.commitVote(id, outsider, bytes32("c"));
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.NotCommitteeMember.selector, id, 0));
        dm.commitVote(id, 0, bytes32("c"));
    }

    function test_commitVote_revertsNotNodeOperatorOrWorker() public {
        uint256 id = _challenge(0, 1);
        uint64[] memory c = _committee(id);
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeManager.NotNodeOperatorOrWorker.selector, c[0], workers[c[1]])
        );
        vm.prank(workers[c[1]]);
        dm.commitVote(id, c[0], bytes32("c"));
    }

    function test_commitVote_revertsAlreadyCommitted() public {
        uint256 id = _challenge(0, 1);
        uint64[] memory c = _committee(id);
        _commit(id, c[0], Vote.SubmitterRight);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.AlreadyCommitted.selector, id, c[0]));
        vm.prank(operators[c[0]]);
        dm.commitVote(id, c[0], bytes32("again"));
    }

    function test_commitVote_revertsAlreadyResolved() public {
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

    function test_revealVote_talliesAndEmits() public {
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

    function test_revealVote_atTheDeadline() public {
        uint256 id = _challenge(0, 1);
        uint64[] memory c = _committee(id);
        _commit(id, c[0], Vote.SubmitterWrong);
        vm.warp(dm.getDispute(id).revealDeadline);
        _reveal(id, c[0], Vote.SubmitterWrong);
    }

    function test_revealVote_revertsNotInRevealPhase() public {
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

    function test_revealVote_revertsInvalidVote() public {
        uint256 id = _challenge(0, 1);
        uint64[] memory c = _committee(id);
        _commit(id, c[0], Vote.None);
        _toRevealPhase(id);
        vm.expectRevert(IDisputeManager.InvalidVote.selector);
        _reveal(id, c[0], Vote.None);
    }

    function test_revealVote_revertsNoCommitment() public {
        uint256 id = _challenge(0, 1);
        uint64[] memory c = _committee(id);
        _toRevealPhase(id);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.NoCommitment.selector, id, c[0]));
        _reveal(id, c[0], Vote.SubmitterWrong);
    }

    function test_revealVote_revertsAlreadyRevealed() public {
        uint256 id = _challenge(0, 1);
        uint64[] memory c = _committee(id);
        _commit(id, c[0], Vote.SubmitterWrong);
        _toRevealPhase(id);
        _reveal(id, c[0], Vote.SubmitterWrong);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.AlreadyRevealed.selector, id, c[0]));
        _reveal(id, c[0], Vote.SubmitterWrong);
    }

    function test_revealVote_revertsCommitmentMismatch() public {
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

    function test_revealVote_revertsMembershipAndAuth() public {
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

    function test_revealVote_revertsUnknownAndResolved() public {
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.UnknownDispute.selector, 3));
        dm.revealVote(3, 1, Vote.SubmitterRight, bytes32(0));

        uint256 id = _challenge(0, 1);
        uint64[] memory c = _committee(id);
        _afterReveal(id);
        dm.resolve(id); // no quorum, round 1
        _afterReveal(id);
        dm.resolve(id); // presumed right
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.DisputeAlreadyResolved.selector, id));
        _reveal(id, c[0], Vote.SubmitterRight);
    }

    // ==============================================================================================
    // Resolve: timing
    // ==============================================================================================

    function test_views_revertUnknownDispute() public {
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.UnknownDispute.selector, 1));
        dm.getDispute(1);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.UnknownDispute.selector, 0));
        dm.voteOf(0, 1);
    }

    function test_resolve_revertsUnknownDispute() public {
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.UnknownDispute.selector, 1));
        dm.resolve(1);
    }

    function test_resolve_revertsBeforeRevealDeadline() public {
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

    function test_resolve_earlyOnceEveryMemberRevealed() public {
        uint256 id = _challenge(0, 1);
        _vote(id, _votes3(Vote.SubmitterRight, Vote.SubmitterRight, Vote.SubmitterRight), _all(3, true));
        assertLt(block.timestamp, dm.getDispute(id).revealDeadline);
        dm.resolve(id);
        assertEq(uint256(dm.getDispute(id).status), uint256(DisputeStatus.Resolved));
    }

    function test_resolve_revertsAlreadyResolved() public {
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

    function test_resolve_submitterWrong_slashesAndPaysInOrder() public {
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
        emit IDisputeManager.DisputeResolved(id, DisputeOutcome.SubmitterWrong, 3, 0, slashed);
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

    function test_resolve_dataUnavailableCountsAsWrong() public {
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

    function test_resolve_submitterWrong_withNonRevealer() public {
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

    function test_resolve_submitterWrong_slashLimitedByStake() public {
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

    function test_resolve_submitterWrong_nothingToSlash() public {
        // No collateral (ratio 0) and no extra slash: only the bond comes back.
        vm.prank(governor);
        taskManager.setParameter("collateralRatioBps", 0);
        uint256 task = _postTask(1);
        _submitShardOf(task, 0, 2, CKPTS);
        _setParam("disputeSlashBps", 0);
        ChallengeParams memory p = _params(0, CKPTS, 1);
        p.taskId = uint64(task);
        vm.prank(challenger);
        uint256 id = dm.challenge(p);
        _vote(id, _votes3(Vote.SubmitterWrong, Vote.SubmitterWrong, Vote.SubmitterWrong), _all(3, true));
        uint256 chBefore = _bal(challenger);
        uint256 stakeBefore = _stake(2);
        vm.recordLogs();
        dm.resolve(id);
        Payout[] memory out = _payouts(vm.getRecordedLogs(), id);
        assertEq(out.length, 1);
        _assertPayout(out[0], challenger, PayoutKind.BondReturn, BOND);
        assertEq(_bal(challenger), chBefore + BOND);
        assertEq(_stake(2), stakeBefore);
    }

    /// @dev The first lost dispute takes the whole stake (so the registry cuts the second shard's locked
    ///      collateral); the second still resolves, slashes what is left (nothing) and returns the bond.
    function test_resolve_submitterWrong_secondLossAfterStakeIsGone() public {
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
    function test_resolve_submitterWrong_extraSlashReachesUnbonding() public {
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

    function test_resolve_submitterRight_finalizesAndSplitsBond() public {
        uint256 id = _challenge(0, 1);
        uint64[] memory c = _committee(id);
        _vote(id, _votes3(Vote.SubmitterRight, Vote.SubmitterRight, Vote.SubmitterRight), _all(3, true));
        Balances memory before = _balances(c);
        uint256 subOpBefore = _bal(operators[SUBMITTER]);

        vm.expectEmit(address(dm));
        emit IDisputeManager.DisputeResolved(id, DisputeOutcome.SubmitterRight, 0, 3, 0);
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

        // The shard is finalized and paid: reward minus the Bronze fee (8%).
        assertEq(uint256(taskManager.getShard(taskId, 0).status), uint256(ShardStatus.Finalized));
        assertEq(_bal(operators[SUBMITTER]), subOpBefore + BOND / 2 + REWARD * 9200 / 10_000);
        assertEq(_bal(treasury), before.treasury + dust);
        assertEq(_bal(challenger), before.challenger);
        assertEq(_stake(SUBMITTER), before.stake);
        assertEq(registry.getNode(SUBMITTER).locked, 0);
        assertEq(_bal(address(dm)), 0);
        assertEq(dm.totalBonded(), 0);
    }

    function test_resolve_tieKeepsSubmitterRight() public {
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
        assertEq(uint256(taskManager.getShard(taskId, 0).status), uint256(ShardStatus.Finalized));
    }

    function test_resolve_submitterRight_noBond() public {
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
        vm.recordLogs();
        dm.resolve(id);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(_countEvents(logs, IDisputeManager.CommitteeDrawn.selector), 1);
        assertEq(_countEvents(logs, IDisputeManager.DisputeResolved.selector), 0);
        assertEq(_bal(treasury), trBefore + 2 * NON_REVEAL_SLASH);
    }

    function test_resolve_noQuorum_redraws() public {
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

    function test_resolve_noQuorum_twicePresumedRight() public {
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
        assertEq(_bal(operators[SUBMITTER]), subOpBefore + BOND / 2 + REWARD * 9200 / 10_000);
        assertEq(uint256(taskManager.getShard(taskId, 0).status), uint256(ShardStatus.Finalized));
        assertEq(dm.totalBonded(), 0);
        assertEq(_bal(address(dm)), 0);
    }

    function test_resolve_noQuorum_redrawnCommitteeDecides() public {
        uint256 id = _challenge(0, 2);
        _afterReveal(id);
        dm.resolve(id); // nobody voted: all three penalized, round 1
        assertEq(dm.getDispute(id).round, 1);
        _vote(id, _votes3(Vote.SubmitterWrong, Vote.SubmitterWrong, Vote.SubmitterRight), _all(3, true));
        vm.recordLogs();
        dm.resolve(id);
        (uint256 paid, uint256 slashed, bool resolved) = _payoutSum(vm.getRecordedLogs(), id);
        assertTrue(resolved);
        assertEq(uint256(dm.getDispute(id).outcome), uint256(DisputeOutcome.SubmitterWrong));
        assertEq(paid, slashed + BOND);
        assertEq(taskManager.getShard(taskId, 0).resumeFrom, 2);
    }

    function test_resolve_noQuorum_redrawImpossible_presumedRight() public {
        uint256 id = _challenge(0, 1);
        _afterReveal(id);
        _setParam("committeeMinTier", uint256(Tier.Platinum));
        vm.recordLogs();
        dm.resolve(id);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(_countEvents(logs, IDisputeManager.CommitteeDrawn.selector), 0);
        assertEq(_countEvents(logs, IDisputeManager.NonRevealPenalized.selector), 3);
        DisputeView memory v = dm.getDispute(id);
        assertEq(uint256(v.status), uint256(DisputeStatus.Resolved));
        assertEq(uint256(v.outcome), uint256(DisputeOutcome.NoQuorumSubmitterPresumedRight));
        assertEq(v.round, 0);
        assertEq(uint256(taskManager.getShard(taskId, 0).status), uint256(ShardStatus.Finalized));
        assertEq(dm.totalBonded(), 0);
    }

    function test_resolve_nonRevealPenalty_disabled() public {
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

    function test_resolve_nonRevealPenalty_limitedByStake() public {
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

    function test_resolve_usesCurrentTreasury() public {
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

    function test_totalBonded_tracksOpenDisputes() public {
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

    /// @dev A real proof for any checkpoint of any small tree opens a dispute; indexes past the count do not.
    function testFuzz_challenge_checkpointIndex(uint256 countSeed, uint256 dSeed) public {
        uint32 count = uint32(bound(countSeed, 1, 8));
        uint32 d = uint32(bound(dSeed, 0, 9));
        uint32 shard = _freshShard(2, count);
        ChallengeParams memory p = _params(shard, count, d < count ? d : count - 1);
        p.taskId = uint64(taskId);
        p.checkpointIndex = d;
        if (d >= count) {
            vm.expectRevert(
                abi.encodeWithSelector(IDisputeManager.CheckpointIndexOutOfRange.selector, d, count)
            );
            vm.prank(challenger);
            dm.challenge(p);
            return;
        }
        if (count > 1) {
            // The proof of another leaf does not prove d.
            ChallengeParams memory q = _params(shard, count, d);
            q.taskId = uint64(taskId);
            q.proof = CheckpointTree.standard(count).proofOf((d + 1) % count);
            if (keccak256(abi.encode(q.proof)) != keccak256(abi.encode(p.proof))) {
                vm.expectRevert(IDisputeManager.InvalidMerkleProof.selector);
                vm.prank(challenger);
                dm.challenge(q);
            }
        }
        vm.prank(challenger);
        uint256 id = dm.challenge(p);
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
}

using {toDyn} for bool[3];

function toDyn(bool[3] memory a) pure returns (bool[] memory r) {
    r = new bool[](3);
    r[0] = a[0];
    r[1] = a[1];
    r[2] = a[2];
}
