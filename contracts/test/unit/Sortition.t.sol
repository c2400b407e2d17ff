// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IParameters} from "../../src/interfaces/IParameters.sol";
import {ISortition} from "../../src/interfaces/ISortition.sol";
import {ITaskManager} from "../../src/interfaces/ITaskManager.sol";
import {Sortition} from "../../src/Sortition.sol";
import {
    AuditStatus,
    CommitteeRules,
    PostTaskParams,
    Resources,
    SeatInfo,
    ShardView,
    Tier
} from "../../src/types/Types.sol";
import {DisputeFixture} from "../utils/DisputeFixture.sol";

/// @notice Sortition: audit selection and verifier draws (hole 6), stake-weighted committee draws and their
///         statistics (hole 3), the randomness source it holds.
contract SortitionTest is DisputeFixture {
    uint256 internal constant BPS = 10_000;

    // ==============================================================================================
    // Helpers
    // ==============================================================================================

    function _postAuditedTask(uint32 shards, uint16 auditRateBps) internal returns (uint256 id) {
        PostTaskParams memory p = PostTaskParams({
            specCid: keccak256(abi.encode("audited spec", auditRateBps, shards)),
            shardCount: shards,
            maxPricePerShard: uint128(REWARD),
            minTier: Tier.Bronze,
            resources: Resources({gpus: 1, vramMiB: 40_000, cpus: 8, memoryMiB: 64_000}),
            maxDuration: 1 days,
            auditRateBps: auditRateBps,
            datasetId: 0,
            datasetVersion: 0
        });
        vm.startPrank(client);
        token.approve(address(taskManager), taskManager.quoteEscrow(p));
        id = taskManager.postTask(p);
        vm.stopPrank();
    }

    function _auditKey(uint256 task, uint256 shard, uint16 epoch) internal pure returns (bytes32) {
        return keccak256(abi.encode("audit", task, shard, epoch));
    }

    /// @dev Rules a dispute of a result by `victim`'s operator, challenged from `chal`, would draw with.
    function _rules(address subOp, address chal) internal view returns (CommitteeRules memory r) {
        r.submitterOperator = subOp;
        r.challenger = chal;
        r.client = client;
        r.size = uint8(dm.getParameter("committeeSize"));
        r.maxTries = uint16(dm.getParameter("maxSampleTries"));
        r.minTier = dm.committeeMinTier();
        r.minStake = uint128(dm.getParameter("committeeMinStake"));
        r.registeredBefore = uint64(block.timestamp - dm.getParameter("committeeMinAge"));
        r.frozenAt = uint64(block.number);
        r.nodeCount = uint64(registry.nodeCount());
    }

    function _pauseFixtureNodes() internal {
        for (uint256 id = 1; id <= NODE_COUNT; ++id) {
            vm.prank(operators[id]);
            registry.pause(id);
        }
    }

    function _registerMany(string memory label, uint256 count, uint256 stake)
        internal
        returns (uint256 first)
    {
        for (uint256 i; i < count; ++i) {
            uint256 id = _registerNodeAs(
                makeAddr(string.concat(label, " operator ", vm.toString(i))),
                string.concat(label, " worker ", vm.toString(i)),
                stake
            );
            if (i == 0) first = id;
        }
    }

    // ==============================================================================================
    // Construction, governance, randomness passthroughs
    // ==============================================================================================

    function test_constructor_setsAddresses_succeeds() public view {
        assertEq(sortition.registry(), address(registry));
        assertEq(sortition.taskManager(), address(taskManager));
        assertEq(sortition.randomness(), address(blockRandomness));
        assertEq(sortition.getParameter("auditSampleTries"), 256);
        assertEq(sortition.getParameter("drawWeightCap"), 10_000 * NRL);
        (uint256 min, uint256 max) = sortition.parameterBounds("auditSampleTries");
        assertEq(min, 1);
        assertEq(max, 1024);
        assertTrue(sortition.hasRole(sortition.GOVERNOR_ROLE(), governor));
    }

    function test_constructor_zeroAddress_reverts() public {
        address[4] memory a = [address(registry), address(taskManager), address(blockRandomness), governor];
        for (uint256 i; i < 4; ++i) {
            address[4] memory b = a;
            b[i] = address(0);
            vm.expectRevert(ISortition.ZeroAddress.selector);
            new Sortition(b[0], b[1], b[2], b[3]);
        }
    }

    function test_setParameter_unknownName_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IParameters.UnknownParameter.selector, bytes32("nope")));
        vm.prank(governor);
        sortition.setParameter("nope", 1);
        vm.prank(governor);
        sortition.setParameter("auditSampleTries", 5);
        assertEq(sortition.getParameter("auditSampleTries"), 5);
    }

    function test_setRandomnessSource_governor_succeeds() public {
        vm.expectEmit(address(sortition));
        emit ISortition.RandomnessSourceSet(address(blockRandomness), address(mockRandomness));
        vm.prank(governor);
        sortition.setRandomnessSource(address(mockRandomness));
        assertEq(sortition.randomness(), address(mockRandomness));
        (bytes32 s, bool ok) = sortition.seedAt(block.number - 1, bytes32("k"));
        assertTrue(ok);
        assertEq(
            s, keccak256(abi.encode(bytes32(0), block.number - 1, bytes32("k"))), "seeds from the new source"
        );
    }

    function test_setRandomnessSource_notGovernor_reverts() public {
        bytes32 role = sortition.GOVERNOR_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, challenger, role)
        );
        vm.prank(challenger);
        sortition.setRandomnessSource(address(mockRandomness));
        // Not even the DisputeManager's governor entry points reach it.
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, address(dm), role
            )
        );
        vm.prank(address(dm));
        sortition.setRandomnessSource(address(mockRandomness));
        assertEq(sortition.randomness(), address(blockRandomness));
    }

    function test_setRandomnessSource_zero_reverts() public {
        vm.expectRevert(ISortition.ZeroAddress.selector);
        vm.prank(governor);
        sortition.setRandomnessSource(address(0));
    }

    function test_seedAtAndRetarget_passThrough_succeeds() public {
        vm.roll(1000);
        bytes32 key = keccak256("key");
        (bytes32 s, bool ok) = sortition.seedAt(999, key);
        (bytes32 s2, bool ok2) = blockRandomness.seedAt(999, key);
        assertTrue(ok && ok2);
        assertEq(s, s2);
        assertEq(s, keccak256(abi.encode(blockhash(999), key)));
        (, ok) = sortition.seedAt(1000, key);
        assertFalse(ok, "the current block is not readable");
        (, ok) = sortition.seedAt(1000 - 257, key);
        assertFalse(ok, "older than 256 blocks");
        assertEq(sortition.retarget(1000 - 257), 1000 - 257 + 512);
        assertEq(sortition.retarget(1000 - 100), 1000 - 100 + 256);
        assertEq(sortition.retarget(2000), 2000);
    }

    // ==============================================================================================
    // Audits
    // ==============================================================================================

    /// @dev Selection is exactly seed % 1e4 < auditRateBps, with the seed of block submittedBlock + 1 keyed by
    ///      (task, shard, epoch); a selected result gets a verifier, an unselected one reverts NotSelectedForAudit.
    function testFuzz_assignAudit_selectionMatchesSeed(bytes32 base, uint16 rateSeed) public {
        uint16 rate = uint16(bound(rateSeed, 1, BPS));
        _useMockRandomness(base);
        uint256 task = _postAuditedTask(4, rate);
        _submitShardOf(task, 0, 2, CKPTS);
        ShardView memory sv = taskManager.getShard(task, 0);
        vm.roll(block.number + 2);

        (bool selected, bytes32 seed) = sortition.auditSelected(task, 0, sv.epoch, sv.submittedBlock, rate);
        assertEq(seed, keccak256(abi.encode(base, sv.submittedBlock + 1, _auditKey(task, 0, sv.epoch))));
        assertEq(selected, uint256(seed) % BPS < rate);
        if (!selected) {
            vm.expectRevert(abi.encodeWithSelector(ISortition.NotSelectedForAudit.selector, task, 0));
            sortition.assignAudit(task, 0);
            return;
        }
        vm.prank(makeAddr("anyone"));
        uint256 verifier = sortition.assignAudit(task, 0);
        sv = taskManager.getShard(task, 0);
        assertEq(uint256(sv.auditStatus), uint256(AuditStatus.Assigned));
        assertEq(sv.auditorNodeId, verifier);
        assertNotEq(registry.operatorOf(verifier), operators[2]);
    }

    function test_assignAudit_selected_succeeds() public {
        uint256 task = _postAuditedTask(4, uint16(BPS));
        _submitShardOf(task, 0, 2, CKPTS);
        vm.roll(block.number + 2);
        vm.recordLogs();
        uint256 verifier = sortition.assignAudit(task, 0);
        assertTrue(verifier != 0 && verifier != 2);
        assertEq(taskManager.getShard(task, 0).auditorNodeId, verifier);
        assertEq(taskManager.getTask(task).auditsUsed, 1);
        // The verifier can attest.
        vm.prank(workers[verifier]);
        taskManager.recordAudit(task, 0);
        assertEq(uint256(taskManager.getShard(task, 0).auditStatus), uint256(AuditStatus.Attested));
    }

    function test_assignAudit_notSelected_reverts() public {
        uint256 task = _postAuditedTask(4, 1); // 0.01%
        _submitShardOf(task, 0, 2, CKPTS);
        vm.roll(block.number + 2);
        ShardView memory sv = taskManager.getShard(task, 0);
        (bool selected, bytes32 seed) = sortition.auditSelected(task, 0, sv.epoch, sv.submittedBlock, 1);
        assertFalse(selected);
        assertGe(uint256(seed) % BPS, 1);
        vm.expectRevert(abi.encodeWithSelector(ISortition.NotSelectedForAudit.selector, task, 0));
        sortition.assignAudit(task, 0);

        // A task without audits is never selected, whatever the seed.
        _submitShard(1, 2, CKPTS);
        vm.roll(block.number + 2);
        vm.expectRevert(abi.encodeWithSelector(ISortition.NotSelectedForAudit.selector, taskId, 1));
        sortition.assignAudit(taskId, 1);
    }

    /// @dev The seed is the block after submitResult: unknown in the submit block and the next, gone after 256.
    function test_assignAudit_seedUnavailable_reverts() public {
        uint256 task = _postAuditedTask(4, uint16(BPS));
        _submitShardOf(task, 0, 2, CKPTS);
        uint256 target = taskManager.getShard(task, 0).submittedBlock + 1;
        assertEq(target, block.number + 1);
        vm.expectRevert(abi.encodeWithSelector(ISortition.AuditSeedUnavailable.selector, target));
        sortition.assignAudit(task, 0);
        vm.roll(target);
        vm.expectRevert(abi.encodeWithSelector(ISortition.AuditSeedUnavailable.selector, target));
        sortition.assignAudit(task, 0);
        vm.roll(target + 257);
        vm.expectRevert(abi.encodeWithSelector(ISortition.AuditSeedUnavailable.selector, target));
        sortition.assignAudit(task, 0);
        vm.roll(target + 256); // the last block it is readable
        sortition.assignAudit(task, 0);
    }

    /// @dev Hole 6: the submitter's operator runs four more heavy nodes and the client runs two; whatever the
    ///      seed, the verifier is none of them.
    function testFuzz_assignAudit_neverSubmitterOperatorNorClient(bytes32 base) public {
        address subOp = operators[2];
        for (uint256 i; i < 4; ++i) {
            _registerNodeAs(subOp, string.concat("submitter worker ", vm.toString(i)), 5000 * NRL);
        }
        _registerNodeAs(client, "client worker", 5000 * NRL);
        (, uint256 clientKey) = makeAddrAndKey("client");
        _registerNodeWithKey(makeAddr("client friend"), clientKey, 5000 * NRL);
        _useMockRandomness(base);
        uint256 task = _postAuditedTask(4, uint16(BPS));
        _submitShardOf(task, 0, 2, CKPTS);
        vm.roll(block.number + 2);

        uint256 verifier = sortition.assignAudit(task, 0);
        SeatInfo memory info = registry.seatInfo(verifier);
        assertNotEq(info.operator, subOp, "never the submitter's operator");
        assertNotEq(info.operator, client, "never the client");
        assertNotEq(info.worker, client, "never keyed to the client");
        assertTrue(verifier != 0 && verifier <= NODE_COUNT && verifier != 2, "one of the unrelated nodes");
    }

    function test_assignAudit_noEligibleVerifier_reverts() public {
        // Only the submitter's own nodes remain active.
        for (uint256 id = 1; id <= NODE_COUNT; ++id) {
            if (id == 2) continue;
            vm.prank(operators[id]);
            registry.pause(id);
        }
        _registerNodeAs(operators[2], "second node of operator 2", 5000 * NRL);
        uint256 task = _postAuditedTask(4, uint16(BPS));
        _submitShardOf(task, 0, 2, CKPTS);
        vm.roll(block.number + 2);
        vm.expectRevert(abi.encodeWithSelector(ISortition.NoEligibleVerifier.selector, task, 0));
        sortition.assignAudit(task, 0);
    }

    /// @dev Only the Sortition (AUDIT_ROLE) records audit draws: neither a keeper, nor a stranger, nor the
    ///      DisputeManager can pick a verifier.
    function test_onAuditAssigned_notSortition_reverts() public {
        uint256 task = _postAuditedTask(4, uint16(BPS));
        _submitShardOf(task, 0, 2, CKPTS);
        uint16 epoch = taskManager.getShard(task, 0).epoch;
        bytes32 role = taskManager.AUDIT_ROLE();
        address[3] memory callers = [makeAddr("stranger"), keeper, address(dm)];
        for (uint256 i; i < 3; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IAccessControl.AccessControlUnauthorizedAccount.selector, callers[i], role
                )
            );
            vm.prank(callers[i]);
            taskManager.onAuditAssigned(task, 0, epoch, 3);
        }
        vm.prank(address(sortition));
        taskManager.onAuditAssigned(task, 0, epoch, 3);
        assertEq(taskManager.getShard(task, 0).auditorNodeId, 3);
    }

    // ==============================================================================================
    // Committee draws
    // ==============================================================================================

    function testFuzz_drawCommittee_matchesReference(bytes32 seed) public view {
        address subOp = operators[SUBMITTER];
        uint64[] memory got = sortition.drawCommittee(seed, _rules(subOp, challenger));
        (uint64[] memory expected, uint256 filled) =
            _referenceDraw(seed, subOp, challenger, block.number, registry.nodeCount());
        assertEq(got.length, filled);
        assertEq(filled, 3);
        for (uint256 i; i < filled; ++i) {
            assertEq(got[i], expected[i]);
            assertNotEq(got[i], SUBMITTER);
            for (uint256 j = i + 1; j < filled; ++j) {
                assertNotEq(got[i], got[j]);
            }
        }
    }

    function test_drawCommittee_fewerWhenUnfillable_succeeds() public view {
        CommitteeRules memory r = _rules(operators[SUBMITTER], challenger);
        r.size = 9; // 7 eligible nodes
        uint64[] memory got = sortition.drawCommittee(keccak256("seed"), r);
        assertEq(got.length, 7, "every eligible node, then the draw gives up");
        r.minTier = Tier.Platinum;
        assertEq(sortition.drawCommittee(keccak256("seed"), r).length, 0);
    }

    // ==============================================================================================
    // Statistics (hole 3): a stake share s wins a k=3 majority at about 3s^2 - 2s^3
    // ==============================================================================================

    /// @dev Draws `n` committees from distinct deterministic seeds for a dispute of `victim`'s result challenged
    ///      by the attacker's fresh address, and counts those where attacker nodes (ids in [firstAttacker,
    ///      lastAttacker]) hold at least 2 of the 3 seats.
    function _attackerMajorities(uint256 n, uint256 victim, uint256 firstAttacker, uint256 lastAttacker)
        internal
        returns (uint256 wins)
    {
        CommitteeRules memory r = _rules(registry.operatorOf(victim), makeAddr("attacker"));
        for (uint256 i; i < n; ++i) {
            uint64[] memory c = sortition.drawCommittee(keccak256(abi.encode("statistical seed", i)), r);
            assertEq(c.length, 3);
            uint256 seats;
            for (uint256 j; j < 3; ++j) {
                assertNotEq(c[j], victim);
                if (c[j] >= firstAttacker && c[j] <= lastAttacker) ++seats;
            }
            if (seats >= 2) ++wins;
        }
    }

    /// @dev Asserts |wins - n p| <= 4 sigma for p = 3s^2 - 2s^3, s = attackerStake / eligibleStake (1e18 fixed).
    function _assertBinomial(uint256 wins, uint256 n, uint256 attackerStake, uint256 eligibleStake) internal {
        uint256 s = attackerStake * 1e18 / eligibleStake;
        uint256 p = 3 * s * s / 1e18 - 2 * s * s / 1e18 * s / 1e18;
        uint256 mean = n * p;
        uint256 sigma = Math.sqrt(n * p * (1e18 - p));
        emit log_named_decimal_uint("stake share s", s, 18);
        emit log_named_decimal_uint("binomial rate 3s^2-2s^3", p, 18);
        emit log_named_decimal_uint("expected majorities", mean, 18);
        emit log_named_decimal_uint("sigma", sigma, 18);
        emit log_named_uint("observed majorities", wins);
        assertLe(wins * 1e18, mean + 4 * sigma, "above mean + 4 sigma");
        assertGe(wins * 1e18 + 4 * sigma, mean, "below mean - 4 sigma");
    }

    /// @dev The reproduced attack: two 100-NRL sybils against nine honest 10,000-NRL nodes (plus the victim,
    ///      excluded). s = 200 / 90,200 = 0.0022; binomial rate 1.47e-5 (exact for this draw without
    ///      replacement: 8.3e-6), so over 300 seeds the expected count is 0.004 with sigma 0.066: the attacker
    ///      must win no committee. The old uniform-per-node draw gave 2 of 11 nodes a 5.5% rate (16 of 300).
    function test_drawCommittee_cheapSybilsRarelyWin_succeeds() public {
        _pauseFixtureNodes();
        uint256 victim = _registerMany("honest", 10, 10_000 * NRL); // the victim and nine honest nodes
        uint256 firstAttacker = _registerMany("sybil", 2, 100 * NRL);
        _ageNodes();
        uint256 wins = _attackerMajorities(300, victim, firstAttacker, firstAttacker + 1);
        _assertBinomial(wins, 300, 200 * NRL, 90_200 * NRL);
        assertEq(wins, 0);
    }

    /// @dev s = 0.3: fifteen 2,000-NRL attacker nodes against seven honest 10,000-NRL nodes (plus the excluded
    ///      victim). Binomial rate 0.216: 64.8 of 300 expected, sigma 7.13, accepted range [36.3, 93.3]. The
    ///      exact rate of this draw without replacement is 0.228 (68.4 of 300), well inside. The seeds are fixed,
    ///      so the count is deterministic.
    function test_drawCommittee_stakeShareWinsAtBinomialRate_succeeds() public {
        _pauseFixtureNodes();
        uint256 victim = _registerMany("honest", 8, 10_000 * NRL);
        uint256 firstAttacker = _registerMany("attacker", 15, 2000 * NRL);
        _ageNodes();
        uint256 wins = _attackerMajorities(300, victim, firstAttacker, firstAttacker + 14);
        _assertBinomial(wins, 300, 30_000 * NRL, 100_000 * NRL);
    }
}
