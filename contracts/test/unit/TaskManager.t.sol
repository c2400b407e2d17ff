// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "forge-std/Test.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

import {INodeRegistry} from "../../src/interfaces/INodeRegistry.sol";
import {IParameters} from "../../src/interfaces/IParameters.sol";
import {ITaskManager} from "../../src/interfaces/ITaskManager.sol";
import {TaskManager} from "../../src/TaskManager.sol";
import {TaskManagerExtension} from "../../src/TaskManagerExtension.sol";
import {
    Assignment,
    AuditStatus,
    ChallengedResult,
    Checkpoint,
    Ineligibility,
    PostTaskParams,
    ReleaseReason,
    Resources,
    ShardRef,
    ShardStatus,
    ShardView,
    SlashReason,
    TaskStatus,
    TaskView,
    Tier
} from "../../src/types/Types.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {CheckpointMerkle} from "../../src/libraries/CheckpointMerkle.sol";
import {CheckpointTree} from "../utils/CheckpointTree.sol";
import {TaskFixture} from "../utils/TaskFixture.sol";
import {WorkerConsent} from "../utils/WorkerConsent.sol";

contract TaskManagerTest is TaskFixture {
    bytes32 internal constant P_WINDOW = "challengeWindow";
    bytes32 internal constant P_ATTEMPTS = "maxAttempts";
    bytes32 internal constant P_COLLATERAL = "collateralRatioBps";
    bytes32 internal constant P_AUDIT_FEE = "auditFeeBps";
    bytes32 internal constant P_TIMEOUT_SLASH = "timeoutSlashBps";
    bytes32 internal constant P_MAX_SHARDS = "maxShardsPerTask";
    bytes32 internal constant P_MIN_DURATION = "minMaxDuration";
    bytes32 internal constant P_MAX_DURATION = "maxMaxDuration";
    bytes32 internal constant P_REVEAL = "challengeRevealPeriod";
    bytes32 internal constant P_MIN_COLLATERAL = "minCollateral";

    bytes32 internal constant LOGS = keccak256("logs");
    bytes32 internal constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");

    uint256 internal constant FEE_BRONZE = 800;
    /// @dev What a shard of a default node pays: its ask (1 NRL), locked at assignment, below the task's 10 NRL
    ///      maximum. The node gets PRICE - 8% (Bronze fee); the client gets REWARD - PRICE back at finalization.
    uint256 internal constant PRICE = ASK;
    uint256 internal constant PAYOUT = 0.92 ether; // PRICE - 8%
    uint256 internal constant FEE = 0.08 ether;
    uint256 internal constant REFUND = uint256(REWARD) - PRICE; // 9 NRL per finalized shard
    uint256 internal constant MIN_PRICE = 1e15; // minShardPrice default

    uint256 internal node1;
    uint256 internal node2;
    uint256 internal node3;

    function setUp() public override {
        super.setUp();
        node1 = _addNode();
        node2 = _addNode();
        node3 = _addNode();
    }

    // ----------------------------------------------------------------------------------------------
    // Helpers
    // ----------------------------------------------------------------------------------------------

    function _expectStatus(uint256 taskId, uint256 shardIndex, ShardStatus status) internal {
        vm.expectRevert(
            abi.encodeWithSelector(ITaskManager.InvalidShardStatus.selector, taskId, shardIndex, status)
        );
    }

    function _expectUnauthorized(address account, bytes32 role) internal {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, account, role)
        );
    }

    function _assignMany(uint256 taskId, uint256[] memory shardIndexes, uint256[] memory nodeIds) internal {
        Assignment[] memory a = new Assignment[](shardIndexes.length);
        for (uint256 i; i < a.length; ++i) {
            a[i] = Assignment({
                taskId: uint64(taskId), shardIndex: uint32(shardIndexes[i]), nodeId: uint64(nodeIds[i])
            });
        }
        vm.prank(keeper);
        tm.assignShards(a);
    }

    function _one(uint256 taskId, uint256 shardIndex, uint256 nodeId)
        internal
        pure
        returns (Assignment[] memory a)
    {
        a = new Assignment[](1);
        a[0] = Assignment({taskId: uint64(taskId), shardIndex: uint32(shardIndex), nodeId: uint64(nodeId)});
    }

    function _refs(uint256 taskId, uint256 count) internal pure returns (ShardRef[] memory refs) {
        refs = new ShardRef[](count);
        for (uint256 i; i < count; ++i) {
            refs[i] = ShardRef({taskId: uint64(taskId), shardIndex: uint32(i)});
        }
    }

    /// @dev cancelTask is O(1): the logs recorded since vm.recordLogs hold no per-shard ShardCancelled.
    function _assertNoShardCancelled() internal {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            assertTrue(
                logs[i].topics[0] != ITaskManager.ShardCancelled.selector, "no per-shard ShardCancelled"
            );
        }
    }

    function _afterWindow() internal {
        vm.warp(block.timestamp + WINDOW + 1);
    }

    /// @dev A one-shard task with an audit budget of one, submitted by node1.
    function _auditedTask() internal returns (uint256 taskId) {
        PostTaskParams memory p = _params(1);
        p.auditRateBps = 10_000;
        taskId = _post(p);
        _assign(taskId, 0, node1);
        _submit(taskId, 0, node1);
    }

    /// @dev What the Sortition does when the audit draw of the shard's current epoch selects `verifier`.
    function _assignAudit(uint256 taskId, uint256 shardIndex, uint256 verifier) internal {
        uint16 epoch = _shard(taskId, shardIndex).epoch;
        vm.prank(audits);
        tm.onAuditAssigned(taskId, shardIndex, epoch, verifier);
    }

    /// @dev What the DisputeManager does when dispute `disputeId` of epoch `epoch` about checkpoint `index` ends.
    function _resolve(
        uint256 taskId,
        uint256 shardIndex,
        uint16 epoch,
        uint256 disputeId,
        bool wrong,
        uint32 index
    ) internal returns (bool live) {
        vm.prank(disputes);
        live = tm.onDisputeResolved(taskId, shardIndex, epoch, disputeId, wrong, index);
    }

    /// @dev A challenge commitment on the shard's current epoch; returns the reveal deadline.
    function _commit(uint256 taskId, uint256 shardIndex) internal returns (uint64 revealDeadline) {
        vm.prank(disputes);
        (, revealDeadline) = tm.onChallengeCommitted(taskId, shardIndex);
    }

    function _permit(uint256 ownerKey, address owner, uint256 value, uint256 deadline)
        internal
        view
        returns (uint8 v, bytes32 r, bytes32 s)
    {
        bytes32 structHash = keccak256(
            abi.encode(PERMIT_TYPEHASH, owner, address(tm), value, token.nonces(owner), deadline)
        );
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
        (v, r, s) = vm.sign(ownerKey, digest);
    }

    function _cps(uint256 count) internal pure returns (Checkpoint[] memory) {
        return CheckpointTree.standardCheckpoints(count);
    }

    function _completed(uint256 nodeId) internal view returns (uint256) {
        return registry.getNode(nodeId).completed;
    }

    function _failed(uint256 nodeId) internal view returns (uint256) {
        return registry.getNode(nodeId).failed;
    }

    // ----------------------------------------------------------------------------------------------
    // constructor
    // ----------------------------------------------------------------------------------------------

    function test_constructor_setsRolesParametersAndFees_succeeds() public view {
        assertTrue(tm.hasRole(tm.DEFAULT_ADMIN_ROLE(), governor));
        assertTrue(tm.hasRole(tm.GOVERNOR_ROLE(), governor));
        assertEq(tm.GOVERNOR_ROLE(), keccak256("GOVERNOR_ROLE"));
        assertEq(tm.KEEPER_ROLE(), keccak256("KEEPER_ROLE"));
        assertEq(tm.DISPUTE_ROLE(), keccak256("DISPUTE_ROLE"));
        assertEq(tm.AUDIT_ROLE(), keccak256("AUDIT_ROLE"));
        assertTrue(tm.extension() != address(0));
        assertEq(tm.token(), address(token));
        assertEq(tm.registry(), address(registry));
        assertEq(tm.treasury(), treasury);
        assertEq(tm.taskCount(), 0);
        assertEq(tm.getParameter(P_WINDOW), 1 days);
        assertEq(tm.getParameter(P_ATTEMPTS), 3);
        assertEq(tm.getParameter(P_COLLATERAL), 5000);
        assertEq(tm.getParameter(P_AUDIT_FEE), 10_000);
        assertEq(tm.getParameter(P_TIMEOUT_SLASH), 1000);
        assertEq(tm.getParameter(P_MAX_SHARDS), 1000);
        assertEq(tm.getParameter(P_MIN_DURATION), 60);
        assertEq(tm.getParameter(P_MAX_DURATION), 30 days);
        assertEq(tm.getParameter(P_REVEAL), 1 hours);
        assertEq(tm.getParameter(P_MIN_COLLATERAL), 1e15);
        assertEq(tm.tierFeeBps(Tier.None), 1000);
        assertEq(tm.tierFeeBps(Tier.Bronze), 800);
        assertEq(tm.tierFeeBps(Tier.Silver), 600);
        assertEq(tm.tierFeeBps(Tier.Gold), 400);
        assertEq(tm.tierFeeBps(Tier.Platinum), 250);
    }

    function test_constructor_emitsInitialSettings_succeeds() public {
        vm.expectEmit();
        emit ITaskManager.TreasurySet(address(0), treasury);
        vm.expectEmit();
        emit IParameters.ParameterSet(P_WINDOW, 0, 1 days);
        vm.expectEmit();
        emit ITaskManager.TierFeeSet(Tier.None, 1000);
        new TaskManager(
            address(token), address(registry), governor, treasury, tm.extension(), address(datasets)
        );
    }

    function test_constructor_zeroToken_reverts() public {
        address ext = tm.extension();
        vm.expectRevert(ITaskManager.ZeroAddress.selector);
        new TaskManager(address(0), address(registry), governor, treasury, ext, address(datasets));
    }

    function test_constructor_zeroRegistry_reverts() public {
        address ext = tm.extension();
        vm.expectRevert(ITaskManager.ZeroAddress.selector);
        new TaskManager(address(token), address(0), governor, treasury, ext, address(datasets));
    }

    function test_constructor_zeroGovernor_reverts() public {
        address ext = tm.extension();
        vm.expectRevert(ITaskManager.ZeroAddress.selector);
        new TaskManager(address(token), address(registry), address(0), treasury, ext, address(datasets));
    }

    function test_constructor_zeroTreasury_reverts() public {
        address ext = tm.extension();
        vm.expectRevert(ITaskManager.ZeroAddress.selector);
        new TaskManager(address(token), address(registry), governor, address(0), ext, address(datasets));
    }

    function test_constructor_zeroExtension_reverts() public {
        vm.expectRevert(ITaskManager.ZeroAddress.selector);
        new TaskManager(address(token), address(registry), governor, treasury, address(0), address(datasets));
    }

    function test_constructor_zeroDatasetRegistry_reverts() public {
        address ext = tm.extension();
        vm.expectRevert(ITaskManager.ZeroAddress.selector);
        new TaskManager(address(token), address(registry), governor, treasury, ext, address(0));
    }

    function test_extension_calledDirectly_reverts() public {
        TaskManagerExtension ext = TaskManagerExtension(tm.extension());
        uint256 taskId = _submitted(node1);
        // Even the right role holders cannot use the extension's own (empty) storage.
        vm.expectRevert(TaskManagerExtension.NotDelegated.selector);
        vm.prank(client);
        ext.cancelTask(taskId);
        vm.expectRevert(TaskManagerExtension.NotDelegated.selector);
        vm.prank(disputes);
        ext.onChallengeCommitted(taskId, 0);
        vm.expectRevert(TaskManagerExtension.NotDelegated.selector);
        vm.prank(disputes);
        ext.onChallenged(taskId, 0, 1, 1, stranger);
        vm.expectRevert(TaskManagerExtension.NotDelegated.selector);
        vm.prank(disputes);
        ext.onDisputeResolved(taskId, 0, 1, 1, true, 0);
        vm.expectRevert(TaskManagerExtension.NotDelegated.selector);
        vm.prank(audits);
        ext.onAuditAssigned(taskId, 0, 1, node2);
        vm.expectRevert(TaskManagerExtension.NotDelegated.selector);
        ext.recordAudit(taskId, 0);
    }

    // ----------------------------------------------------------------------------------------------
    // postTask
    // ----------------------------------------------------------------------------------------------

    function test_postTask_storesTaskAndPullsEscrow_succeeds() public {
        PostTaskParams memory p = _params(4);
        p.auditRateBps = 2500; // budget ceil(4 × 25%) = 1
        p.minTier = Tier.Bronze;
        uint256 escrow = 4 * REWARD + 1 * REWARD;
        uint256 clientBefore = token.balanceOf(client);

        uint256 taskId = _post(p);

        assertEq(taskId, 1);
        assertEq(tm.taskCount(), 1);
        TaskView memory t = _task(taskId);
        assertEq(t.client, client);
        assertEq(uint8(t.status), uint8(TaskStatus.Open));
        assertEq(uint8(t.minTier), uint8(Tier.Bronze));
        assertEq(t.auditRateBps, 2500);
        assertEq(t.shardCount, 4);
        assertEq(t.auditBudget, 1);
        assertEq(t.auditsUsed, 0);
        assertEq(t.createdAt, block.timestamp);
        assertEq(t.maxDuration, MAX_DURATION);
        assertEq(t.maxPricePerShard, REWARD);
        assertEq(t.collateralPerShard, _collateral());
        assertEq(t.auditFeePerShard, REWARD);
        assertEq(t.escrowRemaining, escrow);
        assertEq(t.specCid, SPEC);
        assertEq(t.resources.gpus, _resources().gpus);
        assertEq(t.resources.vramMiB, _resources().vramMiB);
        assertEq(t.resources.cpus, _resources().cpus);
        assertEq(t.resources.memoryMiB, _resources().memoryMiB);
        assertEq(token.balanceOf(client), clientBefore - escrow);
        assertEq(token.balanceOf(address(tm)), escrow);
        assertEq(tm.totalOwed(), escrow);
        ShardView memory s = _shard(taskId, 3);
        assertEq(uint8(s.status), uint8(ShardStatus.Pending));
        assertEq(s.nodeId, 0);
    }

    function test_postTask_emitsEvents_succeeds() public {
        PostTaskParams memory p = _params(2);
        Resources memory r = p.resources;
        vm.expectEmit(address(tm));
        emit ITaskManager.TaskPosted(
            1,
            client,
            SPEC,
            2,
            REWARD,
            Tier.None,
            r,
            MAX_DURATION,
            0,
            2 * uint256(REWARD),
            _collateral(),
            REWARD
        );
        vm.expectEmit(address(tm));
        emit ITaskManager.TaskStatusChanged(1, TaskStatus.None, TaskStatus.Open);
        _post(p);
    }

    function test_postTask_secondTask_incrementsId_succeeds() public {
        _post(1);
        assertEq(_post(1), 2);
        assertEq(tm.taskCount(), 2);
    }

    function test_postTask_parametersFixedAtPost_succeeds() public {
        uint256 taskId = _post(1);
        _setParam(P_COLLATERAL, 10_000);
        _setParam(P_AUDIT_FEE, 0);
        TaskView memory t = _task(taskId);
        assertEq(t.collateralPerShard, _collateral());
        assertEq(t.auditFeePerShard, REWARD);
        assertEq(_task(_post(1)).collateralPerShard, REWARD);
    }

    function test_postTask_zeroSpecCid_reverts() public {
        PostTaskParams memory p = _params(1);
        p.specCid = bytes32(0);
        vm.expectRevert(ITaskManager.InvalidSpecCid.selector);
        _post(p);
    }

    function test_postTask_zeroShards_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.InvalidShardCount.selector, 0, 1000));
        _post(_params(0));
    }

    function test_postTask_tooManyShards_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.InvalidShardCount.selector, 1001, 1000));
        _post(_params(1001));
    }

    function test_postTask_zeroReward_reverts() public {
        PostTaskParams memory p = _params(1);
        p.maxPricePerShard = 0;
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.InvalidMaxPrice.selector, 0, MIN_PRICE));
        _post(p);
    }

    function test_postTask_maxPriceBelowMinShardPrice_reverts() public {
        PostTaskParams memory p = _params(1);
        _setParam(P_MIN_COLLATERAL, 1);
        p.maxPricePerShard = uint128(MIN_PRICE - 1);
        vm.expectRevert(
            abi.encodeWithSelector(ITaskManager.InvalidMaxPrice.selector, MIN_PRICE - 1, MIN_PRICE)
        );
        _post(p);
        p.maxPricePerShard = uint128(MIN_PRICE);
        assertEq(_task(_post(p)).maxPricePerShard, MIN_PRICE);
    }

    function test_postTask_maxPriceAbove96Bits_reverts() public {
        PostTaskParams memory p = _params(2);
        p.maxPricePerShard = type(uint128).max;
        vm.expectRevert(
            abi.encodeWithSelector(ITaskManager.InvalidMaxPrice.selector, type(uint128).max, MIN_PRICE)
        );
        _post(p);
        p.maxPricePerShard = uint128(type(uint96).max) + 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskManager.InvalidMaxPrice.selector, uint256(type(uint96).max) + 1, MIN_PRICE
            )
        );
        _post(p);
    }

    function test_postTask_maxDurationTooShort_reverts() public {
        PostTaskParams memory p = _params(1);
        p.maxDuration = 59;
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.InvalidMaxDuration.selector, 59, 60, 30 days));
        _post(p);
    }

    function test_postTask_maxDurationTooLong_reverts() public {
        PostTaskParams memory p = _params(1);
        p.maxDuration = 30 days + 1;
        vm.expectRevert(
            abi.encodeWithSelector(ITaskManager.InvalidMaxDuration.selector, 30 days + 1, 60, 30 days)
        );
        _post(p);
    }

    function test_postTask_auditRateAbove100Percent_reverts() public {
        PostTaskParams memory p = _params(1);
        p.auditRateBps = 10_001;
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.InvalidAuditRate.selector, 10_001));
        _post(p);
    }

    function test_postTask_tierOutOfRange_reverts() public {
        bytes memory data = abi.encodeCall(TaskManager.postTask, (_params(1)));
        // minTier is the 4th word of the static params struct, right after the selector.
        assembly {
            mstore(add(data, add(32, add(4, 0x60))), 5)
        }
        vm.prank(client);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.InvalidTier.selector, 5));
        (bool ok,) = address(tm).call(data);
        ok;
    }

    function test_postTask_withoutAllowance_reverts() public {
        vm.prank(client);
        token.approve(address(tm), 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IERC20Errors.ERC20InsufficientAllowance.selector, address(tm), 0, uint256(REWARD)
            )
        );
        _post(1);
    }

    function test_postTask_collateralBelowMinimum_reverts() public {
        PostTaskParams memory p = _params(1);
        // 50% collateral of 0.002 NRL - 2 wei is just below the 1e15 minimum.
        p.maxPricePerShard = 2e15 - 2;
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.CollateralBelowMinimum.selector, 1e15 - 1, 1e15));
        _post(p);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.CollateralBelowMinimum.selector, 1e15 - 1, 1e15));
        tm.quoteEscrow(p);
        // Exactly at the minimum is fine.
        p.maxPricePerShard = 2e15;
        uint256 taskId = _post(p);
        assertEq(_task(taskId).collateralPerShard, 1e15);
    }

    function test_postTask_dustRewardZeroCollateral_reverts() public {
        // A reward so small that its collateral rounds to zero would let a node farm reputation for free.
        _setParam(P_COLLATERAL, 1);
        _setParam(P_MIN_COLLATERAL, 1);
        PostTaskParams memory p = _params(1);
        p.maxPricePerShard = 9999;
        // The default minShardPrice already refuses it; with the minimum at 1 wei the collateral check still does.
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.InvalidMaxPrice.selector, 9999, MIN_PRICE));
        _post(p);
        _setParam("minShardPrice", 1);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.CollateralBelowMinimum.selector, 0, 1));
        _post(p);
        p.maxPricePerShard = 10_000;
        assertEq(_task(_post(p)).collateralPerShard, 1);
    }

    function testFuzz_postTask_collateralMinimum(uint128 reward, uint16 ratioBps, uint128 minCollateral)
        public
    {
        ratioBps = uint16(bound(ratioBps, 1, 50_000));
        minCollateral = uint128(bound(minCollateral, 1, 1e24));
        reward = uint128(bound(reward, 1, 5e24)); // the client holds 1e25
        _setParam(P_COLLATERAL, ratioBps);
        _setParam(P_MIN_COLLATERAL, minCollateral);
        PostTaskParams memory p = _params(1);
        p.maxPricePerShard = reward;
        uint256 collateral = uint256(reward) * ratioBps / 10_000;
        if (reward < MIN_PRICE) {
            // Checked first: below minShardPrice.
            vm.expectRevert(abi.encodeWithSelector(ITaskManager.InvalidMaxPrice.selector, reward, MIN_PRICE));
            _post(p);
        } else if (collateral < minCollateral) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    ITaskManager.CollateralBelowMinimum.selector, collateral, minCollateral
                )
            );
            _post(p);
        } else {
            assertEq(_task(_post(p)).collateralPerShard, collateral);
        }
    }

    function testFuzz_postTask_escrowFollowsFormula_succeeds(
        uint32 shardCount,
        uint128 reward,
        uint16 auditRateBps,
        uint16 auditFeeBps
    ) public {
        shardCount = uint32(bound(shardCount, 1, 1000));
        // Collateral (50%) must reach minCollateral (1e15).
        reward = uint128(bound(reward, 2e15, 1000 ether));
        auditRateBps = uint16(bound(auditRateBps, 0, 10_000));
        auditFeeBps = uint16(bound(auditFeeBps, 0, 20_000));
        _setParam(P_AUDIT_FEE, auditFeeBps);
        PostTaskParams memory p = _params(shardCount);
        p.maxPricePerShard = reward;
        p.auditRateBps = auditRateBps;
        uint256 expected = _expectedEscrow(shardCount, reward, auditRateBps, auditFeeBps);
        assertEq(tm.quoteEscrow(p), expected);

        uint256 before = token.balanceOf(client);
        uint256 taskId = _post(p);

        TaskView memory t = _task(taskId);
        assertEq(t.escrowRemaining, expected);
        assertEq(token.balanceOf(client), before - expected);
        assertEq(t.auditFeePerShard, uint256(reward) * auditFeeBps / 10_000);
        assertEq(t.auditBudget * 10_000 >= uint256(shardCount) * auditRateBps, true);
        assertLt(uint256(t.auditBudget) * 10_000, uint256(shardCount) * auditRateBps + 10_000);
        assertEq(tm.totalOwed(), expected);
    }

    // ----------------------------------------------------------------------------------------------
    // postTaskWithPermit
    // ----------------------------------------------------------------------------------------------

    function test_postTaskWithPermit_validPermit_succeeds() public {
        (address signer, uint256 key) = makeAddrAndKey("permitClient");
        _give(signer, 100 ether);
        PostTaskParams memory p = _params(2);
        uint256 escrow = tm.quoteEscrow(p);
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _permit(key, signer, escrow, deadline);

        vm.prank(signer);
        uint256 taskId = tm.postTaskWithPermit(p, deadline, v, r, s);

        assertEq(_task(taskId).client, signer);
        assertEq(token.balanceOf(signer), 100 ether - escrow);
        assertEq(token.allowance(signer, address(tm)), 0);
        assertEq(token.nonces(signer), 1);
    }

    function test_postTaskWithPermit_frontRunPermit_succeeds() public {
        (address signer, uint256 key) = makeAddrAndKey("permitClient");
        _give(signer, 100 ether);
        PostTaskParams memory p = _params(1);
        uint256 escrow = tm.quoteEscrow(p);
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _permit(key, signer, escrow, deadline);
        // Someone copies the permit from the mempool and submits it first.
        vm.prank(stranger);
        token.permit(signer, address(tm), escrow, deadline, v, r, s);

        vm.prank(signer);
        uint256 taskId = tm.postTaskWithPermit(p, deadline, v, r, s);
        assertEq(_task(taskId).escrowRemaining, escrow);
        assertEq(token.balanceOf(signer), 100 ether - escrow);
    }

    function test_postTaskWithPermit_badSignatureWithoutAllowance_reverts() public {
        (address signer,) = makeAddrAndKey("permitClient");
        (, uint256 otherKey) = makeAddrAndKey("someoneElse");
        _give(signer, 100 ether);
        PostTaskParams memory p = _params(1);
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _permit(otherKey, signer, REWARD, deadline);

        vm.prank(signer);
        vm.expectRevert(
            abi.encodeWithSelector(
                IERC20Errors.ERC20InsufficientAllowance.selector, address(tm), 0, uint256(REWARD)
            )
        );
        tm.postTaskWithPermit(p, deadline, v, r, s);
    }

    function test_postTaskWithPermit_invalidParams_reverts() public {
        PostTaskParams memory p = _params(1);
        p.maxPricePerShard = 0;
        vm.prank(client);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.InvalidMaxPrice.selector, 0, MIN_PRICE));
        tm.postTaskWithPermit(p, block.timestamp, 27, bytes32(0), bytes32(0));
    }

    // ----------------------------------------------------------------------------------------------
    // cancelTask
    // ----------------------------------------------------------------------------------------------

    function test_cancelTask_openTask_refundsWholeEscrow_succeeds() public {
        PostTaskParams memory p = _params(3);
        p.auditRateBps = 5000; // budget 2
        uint256 taskId = _post(p);
        uint256 escrow = 5 * uint256(REWARD);
        uint256 before = token.balanceOf(client);

        vm.expectEmit(address(tm));
        emit ITaskManager.TaskStatusChanged(taskId, TaskStatus.Open, TaskStatus.Cancelled);
        vm.expectEmit(address(tm));
        emit ITaskManager.TaskCancelled(taskId, 3);
        vm.expectEmit(address(tm));
        emit ITaskManager.TaskRefunded(taskId, client, escrow);
        vm.recordLogs();
        vm.prank(client);
        tm.cancelTask(taskId);
        _assertNoShardCancelled();

        TaskView memory t = _task(taskId);
        assertEq(uint8(t.status), uint8(TaskStatus.Cancelled));
        assertEq(t.cancelledShards, 3);
        assertEq(t.escrowRemaining, 0);
        assertEq(token.balanceOf(client), before + escrow);
        assertEq(tm.totalOwed(), 0);
        assertEq(uint8(_shard(taskId, 1).status), uint8(ShardStatus.Cancelled));
    }

    function test_cancelTask_withShardsInFlight_succeeds() public {
        PostTaskParams memory p = _params(4);
        p.auditRateBps = 2500; // budget 1
        uint256 taskId = _post(p);
        _assign(taskId, 0, node1);
        _assign(taskId, 1, node2);
        _submit(taskId, 1, node2);
        uint256 before = token.balanceOf(client);

        assertEq(_task(taskId).activeShards, 2);
        vm.expectEmit(address(tm));
        emit ITaskManager.TaskStatusChanged(taskId, TaskStatus.Running, TaskStatus.Cancelled);
        vm.expectEmit(address(tm));
        emit ITaskManager.TaskCancelled(taskId, 2);
        vm.expectEmit(address(tm));
        emit ITaskManager.TaskRefunded(taskId, client, 2 * uint256(REWARD));
        vm.recordLogs();
        vm.prank(client);
        tm.cancelTask(taskId);
        _assertNoShardCancelled();
        // The never-assigned shards read Cancelled without a write.
        assertEq(uint8(_shard(taskId, 2).status), uint8(ShardStatus.Cancelled));
        assertEq(uint8(_shard(taskId, 3).status), uint8(ShardStatus.Cancelled));
        assertEq(token.balanceOf(client), before + 2 * uint256(REWARD));
        assertEq(_task(taskId).escrowRemaining, 3 * uint256(REWARD));
        assertEq(uint8(_shard(taskId, 0).status), uint8(ShardStatus.Assigned));

        // The assigned shard comes back: it is cancelled, not re-queued.
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardCancelled(taskId, 0);
        vm.prank(workerOf[node1]);
        tm.releaseShard(taskId, 0, ReleaseReason.Other, LOGS);
        assertEq(_task(taskId).escrowRemaining, 3 * uint256(REWARD));
        // The submitted shard runs to the end and is paid; the task closes and refunds the rest
        // (the cancelled shard's reward and the unused audit fee).
        _afterWindow();
        vm.expectEmit(address(tm));
        emit ITaskManager.TaskRefunded(taskId, client, 2 * uint256(REWARD));
        assertEq(_finalize(taskId, 1), 1);
        assertEq(token.balanceOf(operatorOf[node2]), 1 ether + PAYOUT);

        TaskView memory t = _task(taskId);
        assertEq(uint8(t.status), uint8(TaskStatus.Cancelled));
        assertEq(t.finalizedShards, 1);
        assertEq(t.cancelledShards, 3);
        assertEq(t.escrowRemaining, 0);
        assertEq(tm.totalOwed(), tm.accruedFees());
        assertEq(_locked(node1), 0);
    }

    function test_cancelTask_unknownTask_reverts() public {
        vm.prank(client);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.UnknownTask.selector, 7));
        tm.cancelTask(7);
    }

    function test_cancelTask_notClient_reverts() public {
        uint256 taskId = _post(1);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.NotTaskClient.selector, taskId, stranger));
        tm.cancelTask(taskId);
    }

    function test_cancelTask_alreadyCancelled_reverts() public {
        uint256 taskId = _post(1);
        vm.startPrank(client);
        tm.cancelTask(taskId);
        vm.expectRevert(
            abi.encodeWithSelector(ITaskManager.TaskNotActive.selector, taskId, TaskStatus.Cancelled)
        );
        tm.cancelTask(taskId);
        vm.stopPrank();
    }

    function test_cancelTask_completedTask_reverts() public {
        uint256 taskId = _submitted(node1);
        _afterWindow();
        _finalize(taskId, 0);
        vm.prank(client);
        vm.expectRevert(
            abi.encodeWithSelector(ITaskManager.TaskNotActive.selector, taskId, TaskStatus.Completed)
        );
        tm.cancelTask(taskId);
    }

    // ----------------------------------------------------------------------------------------------
    // assignShards
    // ----------------------------------------------------------------------------------------------

    function test_assignShards_single_succeeds() public {
        uint256 taskId = _post(2);
        uint64 deadline = uint64(block.timestamp + MAX_DURATION);
        vm.expectEmit(address(tm));
        emit ITaskManager.TaskStatusChanged(taskId, TaskStatus.Open, TaskStatus.Running);
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardAssigned(taskId, 1, node1, 1, 1, deadline, 0, bytes32(0), PRICE);
        _assign(taskId, 1, node1);

        ShardView memory s = _shard(taskId, 1);
        assertEq(uint8(s.status), uint8(ShardStatus.Assigned));
        assertEq(s.nodeId, node1);
        assertEq(s.epoch, 1);
        assertEq(s.openDisputes, 0);
        assertFalse(s.challengeCommitted);
        assertEq(s.deadline, deadline);
        assertEq(s.attempts, 0);
        assertEq(uint8(_task(taskId).status), uint8(TaskStatus.Running));
        assertEq(_locked(node1), _collateral());
        assertEq(uint8(_shard(taskId, 0).status), uint8(ShardStatus.Pending));
    }

    function test_assignShards_runOfOneNode_locksTotal_succeeds() public {
        uint256 taskId = _post(3);
        uint256[] memory idx = new uint256[](3);
        uint256[] memory nodes = new uint256[](3);
        for (uint256 i; i < 3; ++i) {
            idx[i] = i;
            nodes[i] = node1;
        }
        vm.expectEmit(address(registry));
        emit INodeRegistry.CollateralLocked(node1, 3 * _collateral(), 3 * _collateral());
        _assignMany(taskId, idx, nodes);
        assertEq(_locked(node1), 3 * _collateral());
    }

    function test_assignShards_manyTasksAndNodes_succeeds() public {
        uint256 taskA = _post(2);
        uint256 taskB = _post(2);
        Assignment[] memory a = new Assignment[](4);
        a[0] = Assignment({taskId: uint64(taskA), shardIndex: 0, nodeId: uint64(node1)});
        a[1] = Assignment({taskId: uint64(taskB), shardIndex: 1, nodeId: uint64(node1)});
        a[2] = Assignment({taskId: uint64(taskA), shardIndex: 1, nodeId: uint64(node2)});
        a[3] = Assignment({taskId: uint64(taskB), shardIndex: 0, nodeId: uint64(node3)});
        vm.prank(keeper);
        tm.assignShards(a);
        assertEq(_shard(taskA, 0).nodeId, node1);
        assertEq(_shard(taskB, 1).nodeId, node1);
        assertEq(_shard(taskA, 1).nodeId, node2);
        assertEq(_shard(taskB, 0).nodeId, node3);
        assertEq(_locked(node1), 2 * _collateral());
        assertEq(uint8(_task(taskB).status), uint8(TaskStatus.Running));
    }

    function test_assignShards_minimalCollateral_succeeds() public {
        // The smallest collateral there is: ratio 1 bps, minimum 1 wei. Every assignment still locks some.
        _setParam(P_COLLATERAL, 1);
        _setParam(P_MIN_COLLATERAL, 1);
        uint256 taskId = _post(1);
        _assign(taskId, 0, node1);
        assertEq(_locked(node1), uint256(REWARD) / 10_000);
        assertEq(registry.liveCollateral(node1), uint256(REWARD) / 10_000);
        assertEq(uint8(_shard(taskId, 0).status), uint8(ShardStatus.Assigned));
    }

    function test_assignShards_epochIncrementsPerAssignment_succeeds() public {
        uint256 taskId = _post(1);
        for (uint16 e = 1; e <= 3; ++e) {
            uint64 deadline = uint64(block.timestamp + MAX_DURATION);
            vm.expectEmit(address(tm));
            emit ITaskManager.ShardAssigned(taskId, 0, node1, e, 1, deadline, 0, bytes32(0), PRICE);
            _assign(taskId, 0, node1);
            assertEq(_shard(taskId, 0).epoch, e);
            // Released without fault: attempts unchanged, the next assignment is a new epoch.
            vm.prank(workerOf[node1]);
            tm.releaseShard(taskId, 0, ReleaseReason.Other, LOGS);
            assertEq(_shard(taskId, 0).epoch, e, "release keeps the epoch");
        }
        // A timeout (a failed attempt) also ends the epoch; the next assignment starts epoch 5.
        _assign(taskId, 0, node1);
        assertEq(_shard(taskId, 0).epoch, 4);
        vm.warp(block.timestamp + MAX_DURATION + 1);
        tm.timeoutShard(taskId, 0);
        _assign(taskId, 0, node2);
        assertEq(_shard(taskId, 0).epoch, 5);
        assertEq(_shard(taskId, 0).attempts, 1);
    }

    function test_assignShards_emptyBatch_reverts() public {
        vm.prank(keeper);
        vm.expectRevert(ITaskManager.EmptyBatch.selector);
        tm.assignShards(new Assignment[](0));
    }

    function test_assignShards_notKeeper_reverts() public {
        uint256 taskId = _post(1);
        Assignment[] memory a = _one(taskId, 0, node1);
        _expectUnauthorized(stranger, tm.KEEPER_ROLE());
        vm.prank(stranger);
        tm.assignShards(a);
    }

    function test_assignShards_unknownTask_reverts() public {
        Assignment[] memory a = _one(9, 0, node1);
        vm.prank(keeper);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.UnknownTask.selector, 9));
        tm.assignShards(a);
    }

    function test_assignShards_cancelledTask_reverts() public {
        uint256 taskId = _post(1);
        vm.prank(client);
        tm.cancelTask(taskId);
        Assignment[] memory a = _one(taskId, 0, node1);
        vm.prank(keeper);
        vm.expectRevert(
            abi.encodeWithSelector(ITaskManager.TaskNotActive.selector, taskId, TaskStatus.Cancelled)
        );
        tm.assignShards(a);
    }

    function test_assignShards_shardOutOfRange_reverts() public {
        uint256 taskId = _post(2);
        Assignment[] memory a = _one(taskId, 2, node1);
        vm.prank(keeper);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.ShardOutOfRange.selector, taskId, 2, 2));
        tm.assignShards(a);
    }

    function test_assignShards_alreadyAssigned_reverts() public {
        uint256 taskId = _post(1);
        _assign(taskId, 0, node1);
        Assignment[] memory a = _one(taskId, 0, node2);
        vm.prank(keeper);
        _expectStatus(taskId, 0, ShardStatus.Assigned);
        tm.assignShards(a);
    }

    function test_assignShards_duplicateInBatch_reverts() public {
        uint256 taskId = _post(1);
        uint256[] memory idx = new uint256[](2);
        uint256[] memory nodes = new uint256[](2);
        nodes[0] = node1;
        nodes[1] = node1;
        _expectStatus(taskId, 0, ShardStatus.Assigned);
        _assignMany(taskId, idx, nodes);
    }

    function test_assignShards_nodeBelowMinTier_reverts() public {
        PostTaskParams memory p = _params(1);
        p.minTier = Tier.Silver;
        uint256 taskId = _post(p);
        Assignment[] memory a = _one(taskId, 0, node1);
        vm.prank(keeper);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskManager.NodeNotEligible.selector, node1, taskId, Ineligibility.TierTooLow
            )
        );
        tm.assignShards(a);
    }

    function test_assignShards_nodeLacksResources_reverts() public {
        PostTaskParams memory p = _params(1);
        p.resources.gpus = 9;
        uint256 taskId = _post(p);
        Assignment[] memory a = _one(taskId, 0, node1);
        vm.prank(keeper);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskManager.NodeNotEligible.selector, node1, taskId, Ineligibility.NotEnoughGpus
            )
        );
        tm.assignShards(a);
    }

    function test_assignShards_askAboveReward_reverts() public {
        uint256 pricey = _addNode(NODE_STAKE, uint256(REWARD) + 1e15);
        uint256 taskId = _post(1);
        Assignment[] memory a = _one(taskId, 0, pricey);
        vm.prank(keeper);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskManager.NodeNotEligible.selector, pricey, taskId, Ineligibility.AskAboveMaxPrice
            )
        );
        tm.assignShards(a);
    }

    function test_assignShards_freeStakeBelowRunCollateral_reverts() public {
        uint256 small = _addNode(100 ether, ASK);
        _setParam(P_COLLATERAL, 50_000); // 50 NRL per shard: two fit, three do not
        uint256 taskId = _post(3);
        uint256[] memory idx = new uint256[](3);
        uint256[] memory nodes = new uint256[](3);
        for (uint256 i; i < 3; ++i) {
            idx[i] = i;
            nodes[i] = small;
        }
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskManager.NodeNotEligible.selector, small, taskId, Ineligibility.InsufficientFreeStake
            )
        );
        _assignMany(taskId, idx, nodes);
    }

    function test_assignShards_pausedNode_reverts() public {
        vm.prank(operatorOf[node1]);
        registry.pause(node1);
        uint256 taskId = _post(1);
        Assignment[] memory a = _one(taskId, 0, node1);
        vm.prank(keeper);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskManager.NodeNotEligible.selector, node1, taskId, Ineligibility.NotActive
            )
        );
        tm.assignShards(a);
    }

    function test_assignShards_unknownNode_reverts() public {
        uint256 taskId = _post(1);
        Assignment[] memory a = _one(taskId, 0, 99);
        vm.prank(keeper);
        vm.expectRevert(
            abi.encodeWithSelector(ITaskManager.NodeNotEligible.selector, 99, taskId, Ineligibility.NotActive)
        );
        tm.assignShards(a);
    }

    function testFuzz_assignShards_deadlineIsNowPlusMaxDuration_succeeds(uint64 maxDuration, uint32 elapsed)
        public
    {
        maxDuration = uint64(bound(maxDuration, 60, 30 days));
        PostTaskParams memory p = _params(1);
        p.maxDuration = maxDuration;
        uint256 taskId = _post(p);
        vm.warp(block.timestamp + elapsed);
        _assign(taskId, 0, node1);
        assertEq(_shard(taskId, 0).deadline, block.timestamp + maxDuration);
    }

    // ----------------------------------------------------------------------------------------------
    // onAuditAssigned (AUDIT_ROLE: the Sortition's random audit draw)
    // ----------------------------------------------------------------------------------------------

    function test_onAuditAssigned_succeeds() public {
        uint256 taskId = _auditedTask();
        vm.expectEmit(address(tm));
        emit ITaskManager.AuditAssigned(taskId, 0, node2);
        _assignAudit(taskId, 0, node2);
        ShardView memory s = _shard(taskId, 0);
        assertEq(uint8(s.auditStatus), uint8(AuditStatus.Assigned));
        assertEq(s.auditorNodeId, node2);
        assertEq(_task(taskId).auditsUsed, 1);
        assertEq(_locked(node2), 0);
    }

    function test_onAuditAssigned_atWindowEnd_succeeds() public {
        uint256 taskId = _auditedTask();
        vm.warp(_shard(taskId, 0).deadline);
        _assignAudit(taskId, 0, node2);
        assertEq(uint8(_shard(taskId, 0).auditStatus), uint8(AuditStatus.Assigned));
    }

    function test_onAuditAssigned_challengedShard_succeeds() public {
        uint256 taskId = _auditedTask();
        _challenge(taskId, 0, 1, stranger);
        _assignAudit(taskId, 0, node2);
        assertEq(uint8(_shard(taskId, 0).auditStatus), uint8(AuditStatus.Assigned));
    }

    function test_onAuditAssigned_notAuditRole_reverts() public {
        uint256 taskId = _auditedTask();
        _expectUnauthorized(stranger, tm.AUDIT_ROLE());
        vm.prank(stranger);
        tm.onAuditAssigned(taskId, 0, 1, node2);
        // The keeper no longer chooses who is audited.
        _expectUnauthorized(keeper, tm.AUDIT_ROLE());
        vm.prank(keeper);
        tm.onAuditAssigned(taskId, 0, 1, node2);
    }

    function test_onAuditAssigned_disputeRoleOnly_reverts() public {
        // Audit draws belong to the Sortition (AUDIT_ROLE), not the DisputeManager.
        uint256 taskId = _auditedTask();
        _expectUnauthorized(disputes, tm.AUDIT_ROLE());
        vm.prank(disputes);
        tm.onAuditAssigned(taskId, 0, 1, node2);
    }

    function test_onAuditAssigned_unknownTask_reverts() public {
        vm.prank(audits);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.UnknownTask.selector, 5));
        tm.onAuditAssigned(5, 0, 1, node2);
    }

    function test_onAuditAssigned_shardOutOfRange_reverts() public {
        uint256 taskId = _auditedTask();
        vm.prank(audits);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.ShardOutOfRange.selector, taskId, 1, 1));
        tm.onAuditAssigned(taskId, 1, 1, node2);
    }

    function test_onAuditAssigned_notSubmitted_reverts() public {
        PostTaskParams memory p = _params(1);
        p.auditRateBps = 10_000;
        uint256 taskId = _post(p);
        _assign(taskId, 0, node1);
        vm.prank(audits);
        _expectStatus(taskId, 0, ShardStatus.Assigned);
        tm.onAuditAssigned(taskId, 0, 1, node2);
    }

    function test_onAuditAssigned_staleEpoch_reverts() public {
        uint256 taskId = _auditedTask();
        // The draw was for epoch 1; the result of epoch 1 lost and epoch 2 is submitted now.
        _challenge(taskId, 0, 1, stranger);
        _resolve(taskId, 0, 1, 1, true, 0);
        _assign(taskId, 0, node3);
        _submit(taskId, 0, node3);
        vm.prank(audits);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.StaleEpoch.selector, taskId, 0, 1, 2));
        tm.onAuditAssigned(taskId, 0, 1, node2);
    }

    function test_onAuditAssigned_windowClosed_reverts() public {
        uint256 taskId = _auditedTask();
        uint64 end = _shard(taskId, 0).deadline;
        vm.warp(end + 1);
        vm.prank(audits);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.ChallengeWindowClosed.selector, taskId, 0, end));
        tm.onAuditAssigned(taskId, 0, 1, node2);
    }

    function test_onAuditAssigned_alreadyAssigned_reverts() public {
        uint256 taskId = _auditedTask();
        _assignAudit(taskId, 0, node2);
        vm.prank(audits);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.AuditAlreadyAssigned.selector, taskId, 0));
        tm.onAuditAssigned(taskId, 0, 1, node3);
    }

    function test_onAuditAssigned_budgetExhausted_reverts() public {
        PostTaskParams memory p = _params(2);
        p.auditRateBps = 1; // budget ceil(2 × 0.01%) = 1
        uint256 taskId = _post(p);
        _assign(taskId, 0, node1);
        _assign(taskId, 1, node1);
        _submit(taskId, 0, node1);
        _submit(taskId, 1, node1);
        _assignAudit(taskId, 0, node2);
        vm.prank(audits);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.AuditBudgetExhausted.selector, taskId));
        tm.onAuditAssigned(taskId, 1, 1, node2);
    }

    function test_onAuditAssigned_noBudget_reverts() public {
        uint256 taskId = _submitted(node1); // auditRateBps 0
        vm.prank(audits);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.AuditBudgetExhausted.selector, taskId));
        tm.onAuditAssigned(taskId, 0, 1, node2);
    }

    function test_onAuditAssigned_verifierIsSubmitter_reverts() public {
        uint256 taskId = _auditedTask();
        vm.prank(audits);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.VerifierIsSubmitter.selector, node1));
        tm.onAuditAssigned(taskId, 0, 1, node1);
    }

    function testFuzz_onAuditAssigned_budgetIsCeilOfRate_succeeds(uint8 shardCount, uint16 auditRateBps)
        public
    {
        shardCount = uint8(bound(shardCount, 1, 12));
        auditRateBps = uint16(bound(auditRateBps, 0, 10_000));
        PostTaskParams memory p = _params(shardCount);
        p.auditRateBps = auditRateBps;
        uint256 taskId = _post(p);
        uint256 budget = (uint256(shardCount) * auditRateBps + 9999) / 10_000;
        assertEq(_task(taskId).auditBudget, budget);
        for (uint256 i; i < shardCount; ++i) {
            _assign(taskId, i, node1);
            _submit(taskId, i, node1);
            vm.prank(audits);
            if (i >= budget) {
                vm.expectRevert(abi.encodeWithSelector(ITaskManager.AuditBudgetExhausted.selector, taskId));
            }
            tm.onAuditAssigned(taskId, i, 1, node2);
        }
        assertEq(_task(taskId).auditsUsed, budget);
        // Every audit recorded: the whole audit budget is paid out, nothing of it is refunded.
        for (uint256 i; i < budget; ++i) {
            vm.prank(workerOf[node2]);
            tm.recordAudit(taskId, i);
        }
        _afterWindow();
        uint256 before = token.balanceOf(client);
        tm.finalizeShards(_refs(taskId, shardCount));
        // Only what the shards did not use of their max price comes back; nothing of the audit budget.
        assertEq(token.balanceOf(client), before + uint256(shardCount) * REFUND);
        assertEq(token.balanceOf(operatorOf[node2]), 1 ether + budget * uint256(REWARD));
        assertEq(_task(taskId).escrowRemaining, 0);
    }

    // ----------------------------------------------------------------------------------------------
    // releaseShard
    // ----------------------------------------------------------------------------------------------

    function test_releaseShard_byWorker_requeuesWithoutPenalty_succeeds() public {
        uint256 taskId = _post(1);
        _assign(taskId, 0, node1);
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardReleased(taskId, 0, node1, ReleaseReason.ImageUnavailable, LOGS, false);
        vm.prank(workerOf[node1]);
        tm.releaseShard(taskId, 0, ReleaseReason.ImageUnavailable, LOGS);

        ShardView memory s = _shard(taskId, 0);
        assertEq(uint8(s.status), uint8(ShardStatus.Pending));
        assertEq(s.nodeId, 0);
        assertEq(s.deadline, 0);
        assertEq(s.attempts, 0);
        assertEq(_locked(node1), 0);
        assertEq(_failed(node1), 0);
        assertEq(registry.getNode(node1).stake, NODE_STAKE);
        assertEq(uint8(_task(taskId).status), uint8(TaskStatus.Running));
        _assign(taskId, 0, node2);
        assertEq(_shard(taskId, 0).nodeId, node2);
    }

    /// @notice A release at the deadline is long past the grace period: a failed attempt and a reputation failure,
    ///         without a slash; the shard is re-queued.
    function test_releaseShard_byOperatorAtDeadline_late_succeeds() public {
        uint256 taskId = _post(1);
        _assign(taskId, 0, node1);
        vm.warp(_shard(taskId, 0).deadline);
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardReleased(taskId, 0, node1, ReleaseReason.NodeShuttingDown, bytes32(0), true);
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardRequeued(taskId, 0, 1, 0, bytes32(0));
        vm.prank(operatorOf[node1]);
        tm.releaseShard(taskId, 0, ReleaseReason.NodeShuttingDown, bytes32(0));
        ShardView memory s = _shard(taskId, 0);
        assertEq(uint8(s.status), uint8(ShardStatus.Pending));
        assertEq(s.attempts, 1);
        assertEq(s.price, 0);
        assertEq(_locked(node1), 0);
        assertEq(_failed(node1), 1);
        assertEq(registry.getNode(node1).stake, NODE_STAKE, "no slash");
        assertTrue(registry.isActive(node1), "not jailed");
        assertEq(_task(taskId).activeShards, 0);
    }

    /// @notice Free up to releaseGracePeriod (10 minutes) after the assignment, late one second later.
    function test_releaseShard_gracePeriodBoundary_succeeds() public {
        uint256 taskId = _post(2);
        _assign(taskId, 0, node1);
        _assign(taskId, 1, node1);
        vm.warp(block.timestamp + 10 minutes);
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardReleased(taskId, 0, node1, ReleaseReason.Other, LOGS, false);
        vm.prank(workerOf[node1]);
        tm.releaseShard(taskId, 0, ReleaseReason.Other, LOGS);
        assertEq(_shard(taskId, 0).attempts, 0);
        assertEq(_failed(node1), 0);
        vm.warp(block.timestamp + 1);
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardReleased(taskId, 1, node1, ReleaseReason.Other, LOGS, true);
        vm.prank(workerOf[node1]);
        tm.releaseShard(taskId, 1, ReleaseReason.Other, LOGS);
        assertEq(_shard(taskId, 1).attempts, 1);
        assertEq(_failed(node1), 1);
    }

    /// @notice A late release that exhausts the attempts fails the shard (refunded at the close).
    function test_releaseShard_lateExhaustsAttempts_fails_succeeds() public {
        _setParam(P_ATTEMPTS, 1);
        uint256 taskId = _post(1);
        _assign(taskId, 0, node1);
        vm.warp(block.timestamp + 10 minutes + 1);
        uint256 before = token.balanceOf(client);
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardReleased(taskId, 0, node1, ReleaseReason.Other, LOGS, true);
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardFailed(taskId, 0, REWARD);
        vm.expectEmit(address(tm));
        emit ITaskManager.TaskRefunded(taskId, client, REWARD);
        vm.prank(workerOf[node1]);
        tm.releaseShard(taskId, 0, ReleaseReason.Other, LOGS);
        assertEq(uint8(_shard(taskId, 0).status), uint8(ShardStatus.Failed));
        assertEq(uint8(_task(taskId).status), uint8(TaskStatus.Failed));
        assertEq(token.balanceOf(client), before + REWARD);
        assertEq(_locked(node1), 0);
        assertEq(tm.totalOwed(), 0);
    }

    function test_releaseShard_cancelledTask_cancelsShardAndCloses_succeeds() public {
        uint256 taskId = _post(2);
        _assign(taskId, 0, node1);
        vm.prank(client);
        tm.cancelTask(taskId);
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardReleased(taskId, 0, node1, ReleaseReason.Other, LOGS, false);
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardCancelled(taskId, 0);
        vm.expectEmit(address(tm));
        emit ITaskManager.TaskRefunded(taskId, client, REWARD);
        vm.prank(workerOf[node1]);
        tm.releaseShard(taskId, 0, ReleaseReason.Other, LOGS);
        assertEq(uint8(_shard(taskId, 0).status), uint8(ShardStatus.Cancelled));
        assertEq(_task(taskId).cancelledShards, 2);
        assertEq(_task(taskId).escrowRemaining, 0);
        assertEq(tm.totalOwed(), 0);
    }

    function test_releaseShard_pendingShard_reverts() public {
        uint256 taskId = _post(1);
        vm.prank(workerOf[node1]);
        _expectStatus(taskId, 0, ShardStatus.Pending);
        tm.releaseShard(taskId, 0, ReleaseReason.Other, LOGS);
    }

    function test_releaseShard_unknownTask_reverts() public {
        vm.prank(workerOf[node1]);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.UnknownTask.selector, 3));
        tm.releaseShard(3, 0, ReleaseReason.Other, LOGS);
    }

    function test_releaseShard_shardOutOfRange_reverts() public {
        uint256 taskId = _post(1);
        vm.prank(workerOf[node1]);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.ShardOutOfRange.selector, taskId, 4, 1));
        tm.releaseShard(taskId, 4, ReleaseReason.Other, LOGS);
    }

    function test_releaseShard_notAssignedNode_reverts() public {
        uint256 taskId = _post(1);
        _assign(taskId, 0, node1);
        // Another node's worker key is not enough.
        vm.prank(workerOf[node2]);
        vm.expectRevert(
            abi.encodeWithSelector(ITaskManager.NotAssignedNode.selector, taskId, 0, workerOf[node2])
        );
        tm.releaseShard(taskId, 0, ReleaseReason.Other, LOGS);
    }

    function test_releaseShard_afterDeadline_reverts() public {
        uint256 taskId = _post(1);
        _assign(taskId, 0, node1);
        uint64 deadline = _shard(taskId, 0).deadline;
        vm.warp(deadline + 1);
        vm.prank(workerOf[node1]);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.DeadlinePassed.selector, taskId, 0, deadline));
        tm.releaseShard(taskId, 0, ReleaseReason.Other, LOGS);
    }

    // ----------------------------------------------------------------------------------------------
    // submitResult
    // ----------------------------------------------------------------------------------------------

    function test_submitResult_byWorker_opensWindow_succeeds() public {
        uint256 taskId = _post(1);
        _assign(taskId, 0, node1);
        vm.warp(block.timestamp + 10 minutes);
        vm.roll(block.number + 3);
        uint64 windowEnd = uint64(block.timestamp + WINDOW);
        Checkpoint[] memory cps = CheckpointTree.standardCheckpoints(7);
        bytes32 root = CheckpointTree.fromCheckpoints(cps).nodes[0];
        vm.expectEmit(address(tm));
        emit ITaskManager.ResultSubmitted(taskId, 0, node1, 1, MANIFEST, root, 7, windowEnd, cps);
        vm.prank(workerOf[node1]);
        tm.submitResult(taskId, 0, MANIFEST, cps);

        ShardView memory s = _shard(taskId, 0);
        assertEq(uint8(s.status), uint8(ShardStatus.Submitted));
        assertEq(s.deadline, windowEnd);
        assertEq(s.submittedBlock, block.number);
        assertEq(s.epoch, 1);
        assertEq(s.openDisputes, 0);
        assertFalse(s.challengeCommitted);
        assertEq(s.checkpointCount, 7);
        assertEq(s.manifestCid, MANIFEST);
        assertEq(s.checkpointRoot, root);
        assertEq(s.checkpointRoot, tm.checkpointRoot(cps));
        assertEq(s.nodeId, node1);
        assertEq(_locked(node1), _collateral());
        assertFalse(tm.isFinalizable(taskId, 0));
    }

    function test_submitResult_defaultFixtureRoot_succeeds() public {
        uint256 taskId = _submitted(node1);
        assertEq(_shard(taskId, 0).checkpointRoot, ROOT);
        assertEq(_shard(taskId, 0).checkpointCount, 4);
    }

    function testFuzz_submitResult_rootComputedFromCheckpoints(uint256 count, uint256 seed) public {
        count = bound(count, 1, 64);
        Checkpoint[] memory cps = new Checkpoint[](count);
        for (uint256 i; i < count; ++i) {
            bytes32 r = keccak256(abi.encode(seed, i));
            cps[i] = Checkpoint({step: uint64(uint256(r)), hash: keccak256(abi.encode(r))});
        }
        bytes32 expected = CheckpointTree.fromCheckpoints(cps).nodes[0];
        assertEq(tm.checkpointRoot(cps), expected);

        uint256 taskId = _post(1);
        _assign(taskId, 0, node1);
        vm.expectEmit(address(tm));
        emit ITaskManager.ResultSubmitted(
            taskId, 0, node1, 1, MANIFEST, expected, uint32(count), uint64(block.timestamp + WINDOW), cps
        );
        vm.prank(workerOf[node1]);
        tm.submitResult(taskId, 0, MANIFEST, cps);
        assertEq(_shard(taskId, 0).checkpointRoot, expected);
        assertEq(_shard(taskId, 0).checkpointCount, count);
        // Every leaf opens under the stored root, the last one being the final weights.
        CheckpointTree.Tree memory tree = CheckpointTree.fromCheckpoints(cps);
        uint256 last = count - 1;
        bytes32 leaf = CheckpointMerkle.leaf(last, cps[last].step, cps[last].hash);
        assertTrue(MerkleProof.verify(CheckpointTree.proof(tree, leaf), expected, leaf));
    }

    function test_submitResult_maxCheckpoints_succeeds() public {
        uint256 taskId = _post(1);
        _assign(taskId, 0, node1);
        _submit(taskId, 0, node1, 1024);
        assertEq(_shard(taskId, 0).checkpointCount, 1024);
        assertEq(
            _shard(taskId, 0).checkpointRoot, tm.checkpointRoot(CheckpointTree.standardCheckpoints(1024))
        );
    }

    function test_submitResult_tooManyCheckpoints_reverts() public {
        uint256 taskId = _post(1);
        _assign(taskId, 0, node1);
        Checkpoint[] memory cps = CheckpointTree.standardCheckpoints(1025);
        vm.prank(workerOf[node1]);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.InvalidCheckpointCount.selector, 1025, 0, 1024));
        tm.submitResult(taskId, 0, MANIFEST, cps);
    }

    function test_submitResult_byOperatorAtDeadline_succeeds() public {
        uint256 taskId = _post(1);
        _assign(taskId, 0, node1);
        vm.warp(_shard(taskId, 0).deadline);
        vm.prank(operatorOf[node1]);
        tm.submitResult(taskId, 0, MANIFEST, _cps(1));
        assertEq(uint8(_shard(taskId, 0).status), uint8(ShardStatus.Submitted));
    }

    function test_submitResult_windowFixedAtAssignment_succeeds() public {
        uint256 taskId = _post(1);
        _assign(taskId, 0, node1);
        _setParam(P_WINDOW, 2 hours);
        _submit(taskId, 0, node1);
        assertEq(_shard(taskId, 0).deadline, block.timestamp + WINDOW);
        uint256 next = _post(1);
        _assign(next, 0, node1);
        _submit(next, 0, node1);
        assertEq(_shard(next, 0).deadline, block.timestamp + 2 hours);
    }

    function test_submitResult_pendingShard_reverts() public {
        uint256 taskId = _post(1);
        Checkpoint[] memory cps = _cps(1);
        vm.prank(workerOf[node1]);
        _expectStatus(taskId, 0, ShardStatus.Pending);
        tm.submitResult(taskId, 0, MANIFEST, cps);
    }

    function test_submitResult_twice_reverts() public {
        uint256 taskId = _submitted(node1);
        Checkpoint[] memory cps = _cps(1);
        vm.prank(workerOf[node1]);
        _expectStatus(taskId, 0, ShardStatus.Submitted);
        tm.submitResult(taskId, 0, MANIFEST, cps);
    }

    function test_submitResult_unknownTask_reverts() public {
        Checkpoint[] memory cps = _cps(1);
        vm.prank(workerOf[node1]);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.UnknownTask.selector, 1));
        tm.submitResult(1, 0, MANIFEST, cps);
    }

    function test_submitResult_shardOutOfRange_reverts() public {
        uint256 taskId = _post(1);
        Checkpoint[] memory cps = _cps(1);
        vm.prank(workerOf[node1]);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.ShardOutOfRange.selector, taskId, 1, 1));
        tm.submitResult(taskId, 1, MANIFEST, cps);
    }

    function test_submitResult_notAssignedNode_reverts() public {
        uint256 taskId = _post(1);
        _assign(taskId, 0, node1);
        Checkpoint[] memory cps = _cps(1);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.NotAssignedNode.selector, taskId, 0, stranger));
        tm.submitResult(taskId, 0, MANIFEST, cps);
    }

    function test_submitResult_keysFrozenWhileAssigned_reverts() public {
        uint256 taskId = _post(1);
        _assign(taskId, 0, node1);
        (address newWorker, uint256 newKey) = makeAddrAndKey("newWorker");
        (uint256 dl, bytes memory sig) = WorkerConsent.sign(vm, registry, newKey, operatorOf[node1], node1);
        vm.prank(operatorOf[node1]);
        vm.expectRevert(
            abi.encodeWithSelector(INodeRegistry.NodeHasLiveShards.selector, node1, _collateral())
        );
        registry.setWorker(node1, newWorker, dl, sig);
        // The keys recorded at assignment still submit.
        _submit(taskId, 0, node1);
        // Still frozen while the result can be challenged.
        vm.prank(operatorOf[node1]);
        vm.expectRevert(
            abi.encodeWithSelector(INodeRegistry.NodeHasLiveShards.selector, node1, _collateral())
        );
        registry.setWorker(node1, newWorker, dl, sig);
    }

    function test_submitResult_oldWorkerKey_reverts() public {
        // Rotated while the node held nothing; the old key then cannot act for a later assignment.
        address oldWorker = workerOf[node1];
        (address newWorker, uint256 newKey) = makeAddrAndKey("newWorker");
        (uint256 dl, bytes memory sig) = WorkerConsent.sign(vm, registry, newKey, operatorOf[node1], node1);
        vm.prank(operatorOf[node1]);
        registry.setWorker(node1, newWorker, dl, sig);
        uint256 taskId = _post(1);
        _assign(taskId, 0, node1);
        Checkpoint[] memory cps = _cps(1);
        vm.prank(oldWorker);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.NotAssignedNode.selector, taskId, 0, oldWorker));
        tm.submitResult(taskId, 0, MANIFEST, cps);
        vm.prank(newWorker);
        tm.submitResult(taskId, 0, MANIFEST, cps);
    }

    function test_submitResult_afterDeadline_reverts() public {
        uint256 taskId = _post(1);
        _assign(taskId, 0, node1);
        uint64 deadline = _shard(taskId, 0).deadline;
        vm.warp(deadline + 1);
        Checkpoint[] memory cps = _cps(1);
        vm.prank(workerOf[node1]);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.DeadlinePassed.selector, taskId, 0, deadline));
        tm.submitResult(taskId, 0, MANIFEST, cps);
    }

    function test_submitResult_zeroManifest_reverts() public {
        uint256 taskId = _post(1);
        _assign(taskId, 0, node1);
        Checkpoint[] memory cps = _cps(1);
        vm.prank(workerOf[node1]);
        vm.expectRevert(ITaskManager.InvalidManifest.selector);
        tm.submitResult(taskId, 0, bytes32(0), cps);
    }

    function test_submitResult_zeroCheckpoints_reverts() public {
        uint256 taskId = _post(1);
        _assign(taskId, 0, node1);
        vm.prank(workerOf[node1]);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.InvalidCheckpointCount.selector, 0, 0, 1024));
        tm.submitResult(taskId, 0, MANIFEST, new Checkpoint[](0));
    }

    function test_checkpointRoot_empty_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.InvalidCheckpointCount.selector, 0, 0, 1024));
        tm.checkpointRoot(new Checkpoint[](0));
    }

    function test_checkpointRoot_singleCheckpointIsItsLeaf_succeeds() public view {
        Checkpoint[] memory cps = _cps(1);
        assertEq(tm.checkpointRoot(cps), CheckpointMerkle.leaf(0, cps[0].step, cps[0].hash));
    }

    function test_submitResult_fewerCheckpointsThanResumeFrom_reverts() public {
        uint256 taskId = _submitted(node1);
        _challenge(taskId, 0, 1, stranger);
        _resolve(taskId, 0, 1, 1, true, 3);
        _assign(taskId, 0, node2);
        Checkpoint[] memory cps = _cps(2);
        vm.prank(workerOf[node2]);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.InvalidCheckpointCount.selector, 2, 3, 1024));
        tm.submitResult(taskId, 0, MANIFEST, cps);
        // Exactly resumeFrom checkpoints is enough.
        _submit(taskId, 0, node2, 3);
        assertEq(_shard(taskId, 0).checkpointCount, 3);
    }

    function test_submitResult_whileOldEpochDisputeOpen_startsChallenged_succeeds() public {
        uint256 taskId = _submitted(node1);
        // Two disputes of epoch 1; the first one loses it, the second is still open.
        _challenge(taskId, 0, 1, stranger);
        _challenge(taskId, 0, 2, makeAddr("challenger2"));
        assertTrue(_resolve(taskId, 0, 1, 1, true, 2));
        assertEq(uint8(_shard(taskId, 0).status), uint8(ShardStatus.Pending));
        assertEq(_shard(taskId, 0).openDisputes, 1);
        _assign(taskId, 0, node2);
        _submit(taskId, 0, node2);
        ShardView memory s = _shard(taskId, 0);
        assertEq(uint8(s.status), uint8(ShardStatus.Challenged), "not payable while an older dispute is open");
        assertEq(s.epoch, 2);
        assertEq(s.openDisputes, 1);
        _afterWindow();
        assertFalse(tm.isFinalizable(taskId, 0));
        // The old dispute ends for its submitter: moot, the new result is Submitted again and payable.
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardDisputeCleared(taskId, 0, 2, 0);
        assertFalse(_resolve(taskId, 0, 1, 2, false, 0));
        assertEq(uint8(_shard(taskId, 0).status), uint8(ShardStatus.Submitted));
        assertTrue(tm.isFinalizable(taskId, 0));
        assertEq(_finalize(taskId, 0), 1);
    }

    function testFuzz_submitResult_onlyUntilDeadline_succeeds(uint64 maxDuration, uint64 elapsed) public {
        maxDuration = uint64(bound(maxDuration, 60, 30 days));
        elapsed = uint64(bound(elapsed, 0, 60 days));
        PostTaskParams memory p = _params(1);
        p.maxDuration = maxDuration;
        uint256 taskId = _post(p);
        _assign(taskId, 0, node1);
        uint64 deadline = _shard(taskId, 0).deadline;
        vm.warp(block.timestamp + elapsed);
        if (elapsed > maxDuration) {
            vm.expectRevert(abi.encodeWithSelector(ITaskManager.DeadlinePassed.selector, taskId, 0, deadline));
        }
        _submit(taskId, 0, node1);
        if (elapsed <= maxDuration) {
            assertEq(uint8(_shard(taskId, 0).status), uint8(ShardStatus.Submitted));
        }
    }

    // ----------------------------------------------------------------------------------------------
    // recordAudit
    // ----------------------------------------------------------------------------------------------

    function test_recordAudit_paysAuditorOperator_succeeds() public {
        uint256 taskId = _auditedTask();
        _assignAudit(taskId, 0, node2);
        uint256 before = token.balanceOf(operatorOf[node2]);
        vm.expectEmit(address(tm));
        emit ITaskManager.AuditRecorded(taskId, 0, node2, AuditStatus.Attested, REWARD);
        vm.prank(workerOf[node2]);
        tm.recordAudit(taskId, 0);

        assertEq(token.balanceOf(operatorOf[node2]), before + REWARD);
        assertEq(uint8(_shard(taskId, 0).auditStatus), uint8(AuditStatus.Attested));
        assertEq(_task(taskId).escrowRemaining, REWARD);
        assertEq(tm.totalOwed(), REWARD);
    }

    function test_recordAudit_whileChallengedByAnother_succeeds() public {
        uint256 taskId = _auditedTask();
        _assignAudit(taskId, 0, node2);
        _challenge(taskId, 0, 1, stranger);
        assertEq(uint8(_shard(taskId, 0).auditStatus), uint8(AuditStatus.Assigned));
        vm.prank(operatorOf[node2]);
        tm.recordAudit(taskId, 0);
        assertEq(uint8(_shard(taskId, 0).auditStatus), uint8(AuditStatus.Attested));
    }

    function test_recordAudit_pendingShard_reverts() public {
        uint256 taskId = _post(1);
        vm.prank(workerOf[node2]);
        _expectStatus(taskId, 0, ShardStatus.Pending);
        tm.recordAudit(taskId, 0);
    }

    function test_recordAudit_finalizedShard_reverts() public {
        uint256 taskId = _auditedTask();
        _assignAudit(taskId, 0, node2);
        _afterWindow();
        _finalize(taskId, 0);
        vm.prank(workerOf[node2]);
        _expectStatus(taskId, 0, ShardStatus.Finalized);
        tm.recordAudit(taskId, 0);
    }

    function test_recordAudit_noAuditAssigned_reverts() public {
        uint256 taskId = _auditedTask();
        vm.prank(workerOf[node2]);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.NotAuditor.selector, taskId, 0, workerOf[node2]));
        tm.recordAudit(taskId, 0);
    }

    function test_recordAudit_notTheAuditor_reverts() public {
        uint256 taskId = _auditedTask();
        _assignAudit(taskId, 0, node2);
        vm.prank(workerOf[node3]);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.NotAuditor.selector, taskId, 0, workerOf[node3]));
        tm.recordAudit(taskId, 0);
    }

    function test_recordAudit_twice_reverts() public {
        uint256 taskId = _auditedTask();
        _assignAudit(taskId, 0, node2);
        vm.startPrank(workerOf[node2]);
        tm.recordAudit(taskId, 0);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.NotAuditor.selector, taskId, 0, workerOf[node2]));
        tm.recordAudit(taskId, 0);
        vm.stopPrank();
    }

    function test_recordAudit_windowClosed_reverts() public {
        uint256 taskId = _auditedTask();
        _assignAudit(taskId, 0, node2);
        uint64 end = _shard(taskId, 0).deadline;
        vm.warp(end + 1);
        vm.prank(workerOf[node2]);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.ChallengeWindowClosed.selector, taskId, 0, end));
        tm.recordAudit(taskId, 0);
    }

    // ----------------------------------------------------------------------------------------------
    // finalizeShards
    // ----------------------------------------------------------------------------------------------

    function test_finalizeShards_paysNodeAccruesFeeAndCloses_succeeds() public {
        uint256 taskId = _submitted(node1);
        _afterWindow();
        assertTrue(tm.isFinalizable(taskId, 0));
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardFinalized(taskId, 0, node1, PAYOUT, FEE);
        vm.expectEmit(address(tm));
        emit ITaskManager.TaskStatusChanged(taskId, TaskStatus.Running, TaskStatus.Completed);
        assertEq(_finalize(taskId, 0), 1);

        assertEq(token.balanceOf(operatorOf[node1]), 1 ether + PAYOUT);
        assertEq(token.balanceOf(workerOf[node1]), 0);
        assertEq(tm.accruedFees(), FEE);
        assertEq(tm.totalOwed(), FEE);
        assertEq(token.balanceOf(address(tm)), FEE);
        assertEq(_locked(node1), 0);
        assertEq(_completed(node1), 1);
        TaskView memory t = _task(taskId);
        assertEq(uint8(t.status), uint8(TaskStatus.Completed));
        assertEq(t.finalizedShards, 1);
        assertEq(t.escrowRemaining, 0);
        assertEq(uint8(_shard(taskId, 0).status), uint8(ShardStatus.Finalized));
        assertFalse(tm.isFinalizable(taskId, 0));
    }

    function test_finalizeShards_skipsWhatIsNotFinalizable_succeeds() public {
        uint256 taskId = _post(3);
        _assign(taskId, 0, node1);
        _submit(taskId, 0, node1);
        _afterWindow();
        _assign(taskId, 1, node2);
        _submit(taskId, 1, node2); // window still open
        ShardRef[] memory refs = new ShardRef[](5);
        refs[0] = ShardRef({taskId: uint64(taskId), shardIndex: 1});
        refs[1] = ShardRef({taskId: uint64(taskId), shardIndex: 0});
        refs[2] = ShardRef({taskId: uint64(taskId), shardIndex: 0}); // repeat
        refs[3] = ShardRef({taskId: uint64(taskId), shardIndex: 2}); // pending
        refs[4] = ShardRef({taskId: 42, shardIndex: 7}); // unknown
        assertEq(tm.finalizeShards(refs), 1);
        assertEq(token.balanceOf(operatorOf[node1]), 1 ether + PAYOUT);
        assertEq(_completed(node1), 1);
        assertEq(uint8(_shard(taskId, 1).status), uint8(ShardStatus.Submitted));
        assertEq(_task(taskId).finalizedShards, 1);
        assertEq(uint8(_task(taskId).status), uint8(TaskStatus.Running));
    }

    function test_finalizeShards_runOfOneNodeAndSeveralTasks_succeeds() public {
        uint256 taskA = _post(3);
        uint256 taskB = _post(1);
        uint256[] memory idx = new uint256[](3);
        uint256[] memory nodes = new uint256[](3);
        idx[1] = 1;
        idx[2] = 2;
        nodes[0] = node1;
        nodes[1] = node1;
        nodes[2] = node2;
        _assignMany(taskA, idx, nodes);
        _assign(taskB, 0, node1);
        for (uint256 i; i < 3; ++i) {
            _submit(taskA, i, nodes[i]);
        }
        _submit(taskB, 0, node1);
        _afterWindow();
        ShardRef[] memory refs = new ShardRef[](4);
        refs[0] = ShardRef({taskId: uint64(taskA), shardIndex: 0});
        refs[1] = ShardRef({taskId: uint64(taskA), shardIndex: 1});
        refs[2] = ShardRef({taskId: uint64(taskB), shardIndex: 0});
        refs[3] = ShardRef({taskId: uint64(taskA), shardIndex: 2});
        assertEq(tm.finalizeShards(refs), 4);

        assertEq(token.balanceOf(operatorOf[node1]), 1 ether + 3 * PAYOUT);
        assertEq(token.balanceOf(operatorOf[node2]), 1 ether + PAYOUT);
        assertEq(_completed(node1), 3);
        assertEq(_completed(node2), 1);
        assertEq(_locked(node1), 0);
        assertEq(_locked(node2), 0);
        assertEq(tm.accruedFees(), 4 * FEE);
        assertEq(uint8(_task(taskA).status), uint8(TaskStatus.Completed));
        assertEq(uint8(_task(taskB).status), uint8(TaskStatus.Completed));
        assertEq(tm.totalOwed(), 4 * FEE);
        assertEq(token.balanceOf(address(tm)), 4 * FEE);
    }

    function test_finalizeShards_feeFollowsNodeTier_succeeds() public {
        vm.prank(governor);
        tm.setTierFee(Tier.Bronze, 3000);
        uint256 taskId = _submitted(node1);
        _afterWindow();
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardFinalized(taskId, 0, node1, 0.7 ether, 0.3 ether); // 30% of the 1 NRL price
        _finalize(taskId, 0);
        assertEq(tm.accruedFees(), 0.3 ether);
    }

    function test_finalizeShards_refundsUnusedAuditBudget_succeeds() public {
        uint256 taskId = _auditedTask();
        _afterWindow();
        uint256 before = token.balanceOf(client);
        // The unused part of the shard's max price, then at the close the unused audit fee.
        vm.expectEmit(address(tm));
        emit ITaskManager.TaskRefunded(taskId, client, REFUND);
        vm.expectEmit(address(tm));
        emit ITaskManager.TaskRefunded(taskId, client, REWARD);
        _finalize(taskId, 0);
        assertEq(token.balanceOf(client), before + REFUND + REWARD);
        assertEq(_task(taskId).escrowRemaining, 0);
    }

    function test_finalizeShards_emptyBatch_reverts() public {
        vm.expectRevert(ITaskManager.EmptyBatch.selector);
        tm.finalizeShards(new ShardRef[](0));
    }

    function test_finalizeShards_windowOpen_reverts() public {
        uint256 taskId = _submitted(node1);
        vm.warp(_shard(taskId, 0).deadline); // last second of the window
        vm.expectRevert(ITaskManager.NothingFinalized.selector);
        _finalize(taskId, 0);
    }

    function test_finalizeShards_onlyUnknownRefs_reverts() public {
        vm.expectRevert(ITaskManager.NothingFinalized.selector);
        tm.finalizeShards(_refs(3, 2));
    }

    function testFuzz_finalizeShards_onlyAfterWindow_succeeds(uint32 window, uint32 elapsed) public {
        window = uint32(bound(window, 1 minutes, 30 days));
        elapsed = uint32(bound(elapsed, 0, 60 days));
        _setParam(P_WINDOW, window);
        uint256 taskId = _submitted(node1);
        vm.warp(block.timestamp + elapsed);
        assertEq(tm.isFinalizable(taskId, 0), elapsed > window);
        if (elapsed <= window) vm.expectRevert(ITaskManager.NothingFinalized.selector);
        _finalize(taskId, 0);
    }

    /// @dev The largest price ≤ x with at most 9 significant digits (a valid askPrice).
    function _exactFloor(uint256 x) internal pure returns (uint256) {
        uint256 unit = 1;
        while (x / unit >= 1 << 32) {
            unit *= 10;
        }
        return x / unit * unit;
    }

    /// @notice Every finalized shard pays its locked price (the node's ask, at least minShardPrice) as payout + fee,
    ///         and the rest of its max price goes back to the client.
    function testFuzz_finalizeShards_payoutPlusFeeIsPrice_succeeds(
        uint128 reward,
        uint16 feeBps,
        uint8 shardCount,
        uint128 askSeed
    ) public {
        reward = uint128(bound(reward, 2e15, 10_000 ether)); // 50% collateral >= minCollateral (1e15)
        feeBps = uint16(bound(feeBps, 0, 3000));
        shardCount = uint8(bound(shardCount, 1, 20));
        uint256 ask = _exactFloor(bound(askSeed, 0, reward));
        uint256 price = ask < MIN_PRICE ? MIN_PRICE : ask; // ≤ reward: reward ≥ 2e15
        vm.prank(governor);
        tm.setTierFee(Tier.Bronze, feeBps);
        PostTaskParams memory p = _params(shardCount);
        p.maxPricePerShard = reward;
        uint256 taskId = _post(p);
        uint256 big = _addNode(NODE_STAKE + uint256(reward) * shardCount, ask);
        uint256[] memory idx = new uint256[](shardCount);
        uint256[] memory nodes = new uint256[](shardCount);
        for (uint256 i; i < shardCount; ++i) {
            idx[i] = i;
            nodes[i] = big;
        }
        _assignMany(taskId, idx, nodes);
        for (uint256 i; i < shardCount; ++i) {
            _submit(taskId, i, big);
        }
        _afterWindow();
        assertEq(_shard(taskId, 0).price, price, "locked price");
        _checkPricedFinalize(taskId, big, shardCount, reward - price, price - price * feeBps / 10_000);
    }

    /// @dev Finalizes the task's `shardCount` shards of node `big`: each pays the node `payout`, refunds `refund`.
    function _checkPricedFinalize(
        uint256 taskId,
        uint256 big,
        uint256 shardCount,
        uint256 refund,
        uint256 payout
    ) internal {
        uint256 price = _shard(taskId, 0).price;
        uint256 fee = price - payout;
        uint256 before = token.balanceOf(operatorOf[big]);
        uint256 clientBefore = token.balanceOf(client);
        assertEq(tm.finalizeShards(_refs(taskId, shardCount)), shardCount);

        assertEq(token.balanceOf(operatorOf[big]) - before, payout * shardCount);
        assertEq(token.balanceOf(client) - clientBefore, refund * shardCount, "client refund");
        assertEq(registry.getNode(big).feesPaid, fee * shardCount, "fees paid count for the tier");
        assertEq(tm.accruedFees(), fee * shardCount);
        assertEq(tm.totalOwed(), fee * shardCount);
        assertEq(token.balanceOf(address(tm)), fee * shardCount);
        assertEq(_locked(big), 0);
        assertEq(_completed(big), shardCount);
    }

    // ----------------------------------------------------------------------------------------------
    // timeoutShard
    // ----------------------------------------------------------------------------------------------

    function test_timeoutShard_slashesAndRequeues_succeeds() public {
        uint256 taskId = _post(1);
        _assign(taskId, 0, node1);
        vm.warp(_shard(taskId, 0).deadline + 1);
        uint256 slash = _collateral() / 10;
        uint256 clientBefore = token.balanceOf(client);

        vm.expectEmit(address(registry));
        emit INodeRegistry.Slashed(node1, slash, client, SlashReason.Timeout);
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardTimedOut(taskId, 0, node1, slash);
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardRequeued(taskId, 0, 1, 0, bytes32(0));
        vm.prank(stranger);
        tm.timeoutShard(taskId, 0);

        ShardView memory s = _shard(taskId, 0);
        assertEq(uint8(s.status), uint8(ShardStatus.Pending));
        assertEq(s.attempts, 1);
        assertEq(s.nodeId, 0);
        assertEq(token.balanceOf(client), clientBefore + slash);
        assertEq(_locked(node1), 0);
        assertEq(registry.getNode(node1).stake, NODE_STAKE - slash);
        assertEq(_failed(node1), 1);
        assertFalse(registry.isActive(node1)); // jailed
        assertEq(_task(taskId).escrowRemaining, REWARD);

        vm.expectEmit(address(tm));
        emit ITaskManager.ShardAssigned(
            taskId, 0, node2, 2, 2, uint64(block.timestamp + MAX_DURATION), 0, bytes32(0), PRICE
        );
        _assign(taskId, 0, node2);
    }

    function test_timeoutShard_attemptsExhausted_failsAndRefunds_succeeds() public {
        _setParam(P_ATTEMPTS, 2);
        uint256 taskId = _post(2);
        _assign(taskId, 0, node1);
        _assign(taskId, 1, node3);
        _submit(taskId, 1, node3);
        vm.warp(block.timestamp + MAX_DURATION + 1);
        tm.timeoutShard(taskId, 0);
        _assign(taskId, 0, node2);
        vm.warp(block.timestamp + MAX_DURATION + 1);
        uint256 before = token.balanceOf(client);

        vm.expectEmit(address(tm));
        emit ITaskManager.ShardFailed(taskId, 0, REWARD);
        tm.timeoutShard(taskId, 0);
        ShardView memory s = _shard(taskId, 0);
        assertEq(uint8(s.status), uint8(ShardStatus.Failed));
        assertEq(s.attempts, 2);
        assertEq(_task(taskId).failedShards, 1);
        assertEq(uint8(_task(taskId).status), uint8(TaskStatus.Running));

        // The reward of the failed shard is refunded when the task closes.
        vm.warp(block.timestamp + WINDOW);
        vm.expectEmit(address(tm));
        emit ITaskManager.TaskRefunded(taskId, client, REFUND);
        vm.expectEmit(address(tm));
        emit ITaskManager.TaskStatusChanged(taskId, TaskStatus.Running, TaskStatus.Failed);
        vm.expectEmit(address(tm));
        emit ITaskManager.TaskRefunded(taskId, client, REWARD);
        _finalize(taskId, 1);
        uint256 slash = _collateral() / 10;
        assertEq(token.balanceOf(client), before + slash + REFUND + REWARD);
        assertEq(uint8(_task(taskId).status), uint8(TaskStatus.Failed));
        assertEq(_task(taskId).escrowRemaining, 0);
        assertEq(tm.totalOwed(), tm.accruedFees());
    }

    function test_timeoutShard_zeroSlashBps_noSlashNoJail_succeeds() public {
        _setParam(P_TIMEOUT_SLASH, 0);
        uint256 taskId = _post(1);
        _assign(taskId, 0, node1);
        vm.warp(block.timestamp + MAX_DURATION + 1);
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardTimedOut(taskId, 0, node1, 0);
        tm.timeoutShard(taskId, 0);
        assertEq(registry.getNode(node1).stake, NODE_STAKE);
        assertTrue(registry.isActive(node1));
        assertEq(_failed(node1), 1);
        assertEq(_locked(node1), 0);
    }

    function test_timeoutShard_cancelledTask_cancelsShardAndCloses_succeeds() public {
        uint256 taskId = _post(1);
        _assign(taskId, 0, node1);
        vm.prank(client);
        tm.cancelTask(taskId);
        vm.warp(block.timestamp + MAX_DURATION + 1);
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardCancelled(taskId, 0);
        vm.expectEmit(address(tm));
        emit ITaskManager.TaskRefunded(taskId, client, REWARD);
        tm.timeoutShard(taskId, 0);
        assertEq(uint8(_shard(taskId, 0).status), uint8(ShardStatus.Cancelled));
        assertEq(uint8(_task(taskId).status), uint8(TaskStatus.Cancelled));
        assertEq(tm.totalOwed(), 0);
    }

    function test_timeoutShard_keepsResumeInfo_succeeds() public {
        uint256 taskId = _submitted(node1);
        _challenge(taskId, 0, 1, stranger);
        _resolve(taskId, 0, 1, 1, true, 2);
        _assign(taskId, 0, node2);
        vm.warp(block.timestamp + MAX_DURATION + 1);
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardRequeued(taskId, 0, 2, 2, MANIFEST);
        tm.timeoutShard(taskId, 0);
        ShardView memory s = _shard(taskId, 0);
        assertEq(s.resumeFrom, 2);
        assertEq(s.resumeManifestCid, MANIFEST);
    }

    function test_timeoutShard_pendingShard_reverts() public {
        uint256 taskId = _post(1);
        _expectStatus(taskId, 0, ShardStatus.Pending);
        tm.timeoutShard(taskId, 0);
    }

    function test_timeoutShard_submittedShard_reverts() public {
        uint256 taskId = _submitted(node1);
        vm.warp(block.timestamp + 30 days);
        _expectStatus(taskId, 0, ShardStatus.Submitted);
        tm.timeoutShard(taskId, 0);
    }

    function test_timeoutShard_atDeadline_reverts() public {
        uint256 taskId = _post(1);
        _assign(taskId, 0, node1);
        uint64 deadline = _shard(taskId, 0).deadline;
        vm.warp(deadline);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.DeadlineNotReached.selector, taskId, 0, deadline));
        tm.timeoutShard(taskId, 0);
    }

    function test_timeoutShard_unknownTask_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.UnknownTask.selector, 2));
        tm.timeoutShard(2, 0);
    }

    function test_timeoutShard_shardOutOfRange_reverts() public {
        uint256 taskId = _post(1);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.ShardOutOfRange.selector, taskId, 1, 1));
        tm.timeoutShard(taskId, 1);
    }

    function testFuzz_timeoutShard_failsAfterMaxAttempts_succeeds(uint8 maxAttempts, uint16 slashBps) public {
        maxAttempts = uint8(bound(maxAttempts, 1, 10));
        slashBps = uint16(bound(slashBps, 0, 10_000));
        _setParam(P_ATTEMPTS, maxAttempts);
        _setParam(P_TIMEOUT_SLASH, slashBps);
        uint256 taskId = _post(1);
        uint256 clientBefore = token.balanceOf(client);
        for (uint256 i; i < maxAttempts; ++i) {
            uint256 node = _addNode(); // timed-out nodes are jailed
            _assign(taskId, 0, node);
            vm.warp(block.timestamp + MAX_DURATION + 1);
            tm.timeoutShard(taskId, 0);
            ShardView memory s = _shard(taskId, 0);
            assertEq(s.attempts, i + 1);
            assertEq(uint8(s.status), uint8(i + 1 == maxAttempts ? ShardStatus.Failed : ShardStatus.Pending));
        }
        uint256 slashes = uint256(maxAttempts) * (_collateral() * slashBps / 10_000);
        assertEq(token.balanceOf(client), clientBefore + slashes + REWARD);
        assertEq(uint8(_task(taskId).status), uint8(TaskStatus.Failed));
        assertEq(tm.totalOwed(), 0);
    }

    // ----------------------------------------------------------------------------------------------
    // sweepFees
    // ----------------------------------------------------------------------------------------------

    function test_sweepFees_sendsToTreasury_succeeds() public {
        uint256 taskId = _submitted(node1);
        _afterWindow();
        _finalize(taskId, 0);
        vm.expectEmit(address(tm));
        emit ITaskManager.FeesSwept(treasury, FEE);
        vm.prank(stranger);
        assertEq(tm.sweepFees(), FEE);
        assertEq(token.balanceOf(treasury), FEE);
        assertEq(tm.accruedFees(), 0);
        assertEq(tm.totalOwed(), 0);
        assertEq(token.balanceOf(address(tm)), 0);
    }

    function test_sweepFees_newTreasury_succeeds() public {
        address newTreasury = makeAddr("newTreasury");
        vm.prank(governor);
        tm.setTreasury(newTreasury);
        uint256 taskId = _submitted(node1);
        _afterWindow();
        _finalize(taskId, 0);
        tm.sweepFees();
        assertEq(token.balanceOf(newTreasury), FEE);
    }

    function test_sweepFees_nothingAccrued_reverts() public {
        vm.expectRevert(ITaskManager.NoFeesToSweep.selector);
        tm.sweepFees();
    }

    // ----------------------------------------------------------------------------------------------
    // onChallengeCommitted
    // ----------------------------------------------------------------------------------------------

    function test_onChallengeCommitted_marksEpoch_succeeds() public {
        uint256 taskId = _submitted(node1);
        uint64 revealDeadline = _shard(taskId, 0).deadline + 1 hours;
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardChallengeCommitted(taskId, 0, 1, revealDeadline);
        vm.prank(disputes);
        (uint16 epoch, uint64 deadline) = tm.onChallengeCommitted(taskId, 0);
        assertEq(epoch, 1);
        assertEq(deadline, revealDeadline);
        ShardView memory s = _shard(taskId, 0);
        assertTrue(s.challengeCommitted);
        assertEq(uint8(s.status), uint8(ShardStatus.Submitted), "a commitment alone opens no dispute");
        assertEq(s.openDisputes, 0);
        // A second commitment changes nothing but is accepted.
        assertEq(_commit(taskId, 0), revealDeadline);
    }

    function test_onChallengeCommitted_atWindowEnd_succeeds() public {
        uint256 taskId = _submitted(node1);
        vm.warp(_shard(taskId, 0).deadline);
        _commit(taskId, 0);
        assertTrue(_shard(taskId, 0).challengeCommitted);
    }

    function test_onChallengeCommitted_challengedShard_succeeds() public {
        uint256 taskId = _submitted(node1);
        _challenge(taskId, 0, 1, stranger);
        _commit(taskId, 0);
        assertTrue(_shard(taskId, 0).challengeCommitted);
    }

    function test_onChallengeCommitted_windowClosed_reverts() public {
        uint256 taskId = _submitted(node1);
        uint64 end = _shard(taskId, 0).deadline;
        vm.warp(end + 1);
        vm.prank(disputes);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.ChallengeWindowClosed.selector, taskId, 0, end));
        tm.onChallengeCommitted(taskId, 0);
    }

    function test_onChallengeCommitted_notSubmitted_reverts() public {
        uint256 taskId = _post(1);
        _assign(taskId, 0, node1);
        vm.prank(disputes);
        _expectStatus(taskId, 0, ShardStatus.Assigned);
        tm.onChallengeCommitted(taskId, 0);
    }

    function test_onChallengeCommitted_notDisputeManager_reverts() public {
        uint256 taskId = _submitted(node1);
        _expectUnauthorized(stranger, tm.DISPUTE_ROLE());
        vm.prank(stranger);
        tm.onChallengeCommitted(taskId, 0);
    }

    function test_onChallengeCommitted_clearedByNewEpoch_succeeds() public {
        uint256 taskId = _submitted(node1);
        _commit(taskId, 0);
        _challenge(taskId, 0, 1, stranger);
        _resolve(taskId, 0, 1, 1, true, 0);
        _assign(taskId, 0, node2);
        _submit(taskId, 0, node2);
        assertFalse(_shard(taskId, 0).challengeCommitted);
        _afterWindow();
        assertTrue(tm.isFinalizable(taskId, 0), "the new epoch waits only for its own window");
    }

    // ----------------------------------------------------------------------------------------------
    // onChallenged
    // ----------------------------------------------------------------------------------------------

    function test_onChallenged_returnsResultAndLocksShard_succeeds() public {
        uint256 taskId = _submitted(node1);
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardChallenged(taskId, 0, 11, 1, 1);
        vm.prank(disputes);
        ChallengedResult memory r = tm.onChallenged(taskId, 0, 1, 11, stranger);

        assertEq(r.client, client);
        assertEq(r.submitterNodeId, node1);
        assertEq(r.epoch, 1);
        assertEq(r.checkpointCount, 4);
        assertEq(r.checkpointRoot, ROOT);
        assertEq(r.collateral, _collateral());
        assertEq(r.maxPricePerShard, REWARD);
        ShardView memory s = _shard(taskId, 0);
        assertEq(uint8(s.status), uint8(ShardStatus.Challenged));
        assertEq(s.disputeId, 11);
        assertEq(s.openDisputes, 1);
        _afterWindow();
        assertFalse(tm.isFinalizable(taskId, 0));
        vm.expectRevert(ITaskManager.NothingFinalized.selector);
        _finalize(taskId, 0);
    }

    function test_onChallenged_byAuditor_paysAuditFee_succeeds() public {
        uint256 taskId = _auditedTask();
        _assignAudit(taskId, 0, node2);
        uint256 before = token.balanceOf(operatorOf[node2]);
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardChallenged(taskId, 0, 1, 1, 1);
        vm.expectEmit(address(tm));
        emit ITaskManager.AuditRecorded(taskId, 0, node2, AuditStatus.Challenged, REWARD);
        _challenge(taskId, 0, 1, workerOf[node2]);
        assertEq(token.balanceOf(operatorOf[node2]), before + REWARD);
        assertEq(uint8(_shard(taskId, 0).auditStatus), uint8(AuditStatus.Challenged));
        assertEq(_task(taskId).escrowRemaining, REWARD);
    }

    function test_onChallenged_byOtherWithAuditPending_doesNotPay_succeeds() public {
        uint256 taskId = _auditedTask();
        _assignAudit(taskId, 0, node2);
        _challenge(taskId, 0, 1, workerOf[node3]);
        assertEq(uint8(_shard(taskId, 0).auditStatus), uint8(AuditStatus.Assigned));
        assertEq(_task(taskId).escrowRemaining, 2 * uint256(REWARD));
    }

    function test_onChallenged_secondDispute_succeeds() public {
        // A verdict covers one checkpoint: the shard stays challengeable on others while the first is open.
        uint256 taskId = _submitted(node1);
        _challenge(taskId, 0, 1, stranger);
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardChallenged(taskId, 0, 2, 1, 2);
        _challenge(taskId, 0, 2, makeAddr("challenger2"));
        ShardView memory s = _shard(taskId, 0);
        assertEq(uint8(s.status), uint8(ShardStatus.Challenged));
        assertEq(s.openDisputes, 2);
        assertEq(s.disputeId, 2);
    }

    function test_onChallenged_notDisputeManager_reverts() public {
        uint256 taskId = _submitted(node1);
        _expectUnauthorized(stranger, tm.DISPUTE_ROLE());
        vm.prank(stranger);
        tm.onChallenged(taskId, 0, 1, 1, stranger);
    }

    function test_onChallenged_assignedShard_reverts() public {
        uint256 taskId = _post(1);
        _assign(taskId, 0, node1);
        vm.prank(disputes);
        _expectStatus(taskId, 0, ShardStatus.Assigned);
        tm.onChallenged(taskId, 0, 1, 1, stranger);
    }

    function test_onChallenged_unknownTask_reverts() public {
        vm.prank(disputes);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.UnknownTask.selector, 8));
        tm.onChallenged(8, 0, 1, 1, stranger);
    }

    function test_onChallenged_shardOutOfRange_reverts() public {
        uint256 taskId = _submitted(node1);
        vm.prank(disputes);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.ShardOutOfRange.selector, taskId, 1, 1));
        tm.onChallenged(taskId, 1, 1, 1, stranger);
    }

    function test_onChallenged_staleEpoch_reverts() public {
        uint256 taskId = _submitted(node1);
        vm.prank(disputes);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.StaleEpoch.selector, taskId, 0, 2, 1));
        tm.onChallenged(taskId, 0, 2, 1, stranger);
        // A reveal against epoch 1 after epoch 1 lost and epoch 2 was submitted.
        _challenge(taskId, 0, 1, stranger);
        _resolve(taskId, 0, 1, 1, true, 0);
        _assign(taskId, 0, node2);
        _submit(taskId, 0, node2);
        vm.prank(disputes);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.StaleEpoch.selector, taskId, 0, 1, 2));
        tm.onChallenged(taskId, 0, 1, 2, stranger);
    }

    function test_onChallenged_duringRevealPeriod_succeeds() public {
        // A commitment made inside the window may reveal until window + challengeRevealPeriod.
        uint256 taskId = _submitted(node1);
        uint64 revealDeadline = _commit(taskId, 0);
        vm.warp(revealDeadline);
        _challenge(taskId, 0, 1, stranger);
        assertEq(uint8(_shard(taskId, 0).status), uint8(ShardStatus.Challenged));
    }

    function test_onChallenged_afterRevealPeriod_reverts() public {
        uint256 taskId = _submitted(node1);
        uint64 revealDeadline = _commit(taskId, 0);
        assertEq(revealDeadline, _shard(taskId, 0).deadline + 1 hours);
        vm.warp(revealDeadline + 1);
        vm.prank(disputes);
        vm.expectRevert(
            abi.encodeWithSelector(ITaskManager.RevealPeriodOver.selector, taskId, 0, revealDeadline)
        );
        tm.onChallenged(taskId, 0, 1, 1, stranger);
    }

    function test_onChallenged_tooManyDisputes_reverts() public {
        uint256 taskId = _submitted(node1);
        vm.startPrank(disputes);
        for (uint256 i = 1; i <= 255; ++i) {
            tm.onChallenged(taskId, 0, 1, i, stranger);
        }
        assertEq(_shard(taskId, 0).openDisputes, 255);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.TooManyDisputes.selector, taskId, 0));
        tm.onChallenged(taskId, 0, 1, 256, stranger);
        vm.stopPrank();
    }

    // ----------------------------------------------------------------------------------------------
    // finalization after challenges
    // ----------------------------------------------------------------------------------------------

    function test_finalizeShards_afterCommit_waitsForRevealPeriod_succeeds() public {
        uint256 taskId = _submitted(node1);
        uint64 end = _shard(taskId, 0).deadline;
        _commit(taskId, 0);
        vm.warp(end + 1);
        assertFalse(tm.isFinalizable(taskId, 0), "an unrevealed commitment holds payment back");
        vm.expectRevert(ITaskManager.NothingFinalized.selector);
        _finalize(taskId, 0);
        vm.warp(end + 1 hours);
        assertFalse(tm.isFinalizable(taskId, 0));
        vm.warp(end + 1 hours + 1);
        assertTrue(tm.isFinalizable(taskId, 0));
        assertEq(_finalize(taskId, 0), 1);
        assertEq(token.balanceOf(operatorOf[node1]), 1 ether + PAYOUT);
    }

    function testFuzz_finalizeShards_revealPeriodAfterCommit(
        uint32 revealPeriod,
        uint32 elapsed,
        bool committed
    ) public {
        revealPeriod = uint32(bound(revealPeriod, 1 minutes, 7 days));
        elapsed = uint32(bound(elapsed, 0, 10 days));
        _setParam(P_REVEAL, revealPeriod);
        uint256 taskId = _submitted(node1);
        uint256 start = block.timestamp;
        if (committed) _commit(taskId, 0);
        vm.warp(start + elapsed);
        uint256 waitFor = WINDOW + (committed ? revealPeriod : 0);
        assertEq(tm.isFinalizable(taskId, 0), elapsed > waitFor);
        if (elapsed <= waitFor) vm.expectRevert(ITaskManager.NothingFinalized.selector);
        _finalize(taskId, 0);
    }

    // ----------------------------------------------------------------------------------------------
    // onDisputeResolved
    // ----------------------------------------------------------------------------------------------

    function test_onDisputeResolved_submitterRight_doesNotPayBeforeWindowEnd_succeeds() public {
        uint256 taskId = _submitted(node1);
        _challenge(taskId, 0, 1, stranger);
        uint256 before = token.balanceOf(operatorOf[node1]);
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardDisputeCleared(taskId, 0, 1, 0);
        assertTrue(_resolve(taskId, 0, 1, 1, false, 2), "live");

        ShardView memory s = _shard(taskId, 0);
        assertEq(uint8(s.status), uint8(ShardStatus.Submitted), "back to Submitted, not Finalized");
        assertEq(s.openDisputes, 0);
        assertEq(token.balanceOf(operatorOf[node1]), before, "not paid by the verdict");
        assertEq(_locked(node1), _collateral());
        assertEq(_completed(node1), 0);
        assertFalse(tm.isFinalizable(taskId, 0), "window still open");
        vm.expectRevert(ITaskManager.NothingFinalized.selector);
        _finalize(taskId, 0);
        // Still challengeable on another checkpoint until the window ends.
        _challenge(taskId, 0, 2, makeAddr("challenger2"));
        assertTrue(_resolve(taskId, 0, 1, 2, false, 3));

        _afterWindow();
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardFinalized(taskId, 0, node1, PAYOUT, FEE);
        assertEq(_finalize(taskId, 0), 1);
        assertEq(token.balanceOf(operatorOf[node1]), before + PAYOUT);
        assertEq(_locked(node1), 0);
        assertEq(_completed(node1), 1);
        assertEq(uint8(_task(taskId).status), uint8(TaskStatus.Completed));
        assertEq(tm.totalOwed(), FEE);
    }

    function test_onDisputeResolved_submitterRightAfterWindow_paidByFinalize_succeeds() public {
        uint256 taskId = _submitted(node1);
        _challenge(taskId, 0, 1, stranger);
        vm.warp(block.timestamp + 3 days); // the dispute may outlast the window
        uint256 before = token.balanceOf(operatorOf[node1]);
        _resolve(taskId, 0, 1, 1, false, 0);
        assertEq(token.balanceOf(operatorOf[node1]), before);
        assertEq(uint8(_shard(taskId, 0).status), uint8(ShardStatus.Submitted));
        assertTrue(tm.isFinalizable(taskId, 0));
        _finalize(taskId, 0);
        assertEq(token.balanceOf(operatorOf[node1]), before + PAYOUT);
    }

    function test_onDisputeResolved_submitterRightWithCommit_waitsRevealPeriod_succeeds() public {
        uint256 taskId = _submitted(node1);
        uint64 revealDeadline = _commit(taskId, 0);
        _challenge(taskId, 0, 1, stranger);
        _resolve(taskId, 0, 1, 1, false, 0);
        _afterWindow();
        assertFalse(tm.isFinalizable(taskId, 0), "another commitment may still be revealed");
        vm.warp(revealDeadline + 1);
        assertEq(_finalize(taskId, 0), 1);
    }

    function test_onDisputeResolved_oneRightOneOpen_staysChallenged_succeeds() public {
        uint256 taskId = _submitted(node1);
        _challenge(taskId, 0, 1, stranger);
        _challenge(taskId, 0, 2, makeAddr("challenger2"));
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardDisputeCleared(taskId, 0, 1, 1);
        assertTrue(_resolve(taskId, 0, 1, 1, false, 0));
        ShardView memory s = _shard(taskId, 0);
        assertEq(uint8(s.status), uint8(ShardStatus.Challenged));
        assertEq(s.openDisputes, 1);
        _afterWindow();
        assertFalse(tm.isFinalizable(taskId, 0));
        vm.expectRevert(ITaskManager.NothingFinalized.selector);
        _finalize(taskId, 0);
        // The other dispute ends for the submitter too: now it is paid.
        _resolve(taskId, 0, 1, 2, false, 1);
        assertEq(uint8(_shard(taskId, 0).status), uint8(ShardStatus.Submitted));
        assertEq(_finalize(taskId, 0), 1);
    }

    function test_onDisputeResolved_oneRightOneWrong_requeues_succeeds() public {
        // The decoy self-challenge of checkpoint 0 wins for the submitter; the real challenge of checkpoint 1 still
        // takes the attempt away.
        uint256 taskId = _submitted(node1);
        _challenge(taskId, 0, 1, stranger);
        _challenge(taskId, 0, 2, makeAddr("challenger2"));
        _resolve(taskId, 0, 1, 1, false, 0);
        assertTrue(_resolve(taskId, 0, 1, 2, true, 1));
        ShardView memory s = _shard(taskId, 0);
        assertEq(uint8(s.status), uint8(ShardStatus.Pending));
        assertEq(s.resumeFrom, 1);
        assertEq(s.openDisputes, 0);
        assertEq(_failed(node1), 1);
        _afterWindow();
        assertFalse(tm.isFinalizable(taskId, 0));
    }

    function test_onDisputeResolved_submitterWrong_requeuesFromCheckpoint_succeeds() public {
        uint256 taskId = _submitted(node1);
        _challenge(taskId, 0, 1, stranger);
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardRequeued(taskId, 0, 1, 2, MANIFEST);
        assertTrue(_resolve(taskId, 0, 1, 1, true, 2));

        ShardView memory s = _shard(taskId, 0);
        assertEq(uint8(s.status), uint8(ShardStatus.Pending));
        assertEq(s.attempts, 1);
        assertEq(s.resumeFrom, 2);
        assertEq(s.resumeManifestCid, MANIFEST);
        assertEq(s.nodeId, 0);
        assertEq(s.checkpointCount, 0);
        assertEq(s.openDisputes, 0);
        assertEq(s.epoch, 1);
        // Collateral unlocked for the DisputeManager to slash; failure recorded; no slash here.
        assertEq(_locked(node1), 0);
        assertEq(_failed(node1), 1);
        assertEq(registry.getNode(node1).stake, NODE_STAKE);
        assertEq(_task(taskId).escrowRemaining, REWARD);

        vm.expectEmit(address(tm));
        emit ITaskManager.ShardAssigned(
            taskId, 0, node2, 2, 2, uint64(block.timestamp + MAX_DURATION), 2, MANIFEST, PRICE
        );
        _assign(taskId, 0, node2);
        bytes32 manifest2 = keccak256("manifest2");
        vm.prank(workerOf[node2]);
        tm.submitResult(taskId, 0, manifest2, _cps(5));
        _afterWindow();
        _finalize(taskId, 0);
        assertEq(_shard(taskId, 0).manifestCid, manifest2);
        assertEq(token.balanceOf(operatorOf[node2]), 1 ether + PAYOUT);
    }

    function test_onDisputeResolved_submitterWrongExhausted_failsAndRefunds_succeeds() public {
        _setParam(P_ATTEMPTS, 1);
        uint256 taskId = _submitted(node1);
        _challenge(taskId, 0, 1, stranger);
        uint256 before = token.balanceOf(client);
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardFailed(taskId, 0, REWARD);
        vm.expectEmit(address(tm));
        emit ITaskManager.TaskStatusChanged(taskId, TaskStatus.Running, TaskStatus.Failed);
        vm.expectEmit(address(tm));
        emit ITaskManager.TaskRefunded(taskId, client, REWARD);
        _resolve(taskId, 0, 1, 1, true, 0);
        assertEq(uint8(_shard(taskId, 0).status), uint8(ShardStatus.Failed));
        assertEq(token.balanceOf(client), before + REWARD);
        assertEq(tm.totalOwed(), 0);
    }

    function test_onDisputeResolved_submitterWrongCancelledTask_cancelsShard_succeeds() public {
        uint256 taskId = _submitted(node1);
        vm.prank(client);
        tm.cancelTask(taskId);
        _challenge(taskId, 0, 1, stranger);
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardCancelled(taskId, 0);
        _resolve(taskId, 0, 1, 1, true, 1);
        assertEq(uint8(_shard(taskId, 0).status), uint8(ShardStatus.Cancelled));
        assertEq(_task(taskId).escrowRemaining, 0);
    }

    function test_onDisputeResolved_submitterWrong_clearsAudit_succeeds() public {
        uint256 taskId = _auditedTask();
        _assignAudit(taskId, 0, node2);
        _challenge(taskId, 0, 1, stranger);
        _resolve(taskId, 0, 1, 1, true, 0);
        ShardView memory s = _shard(taskId, 0);
        assertEq(uint8(s.auditStatus), uint8(AuditStatus.None));
        assertEq(s.auditorNodeId, 0);
        // The unearned fee stays in escrow; the budget was used.
        assertEq(_task(taskId).auditsUsed, 1);
        assertEq(_task(taskId).escrowRemaining, 2 * uint256(REWARD));
    }

    /// @dev Epoch 1 (node1) is challenged on checkpoints 2 and 1; the dispute on 2 is lost first (live): the shard
    ///      re-queues to resume from 2 and epoch 2 goes to node2. The dispute on checkpoint 1 is still open.
    function _resumedWhileOlderDisputeOpen() internal returns (uint256 taskId) {
        taskId = _submitted(node1);
        _challenge(taskId, 0, 1, stranger);
        _challenge(taskId, 0, 2, makeAddr("challenger2"));
        assertTrue(_resolve(taskId, 0, 1, 1, true, 2));
        _assign(taskId, 0, node2);
        ShardView memory s = _shard(taskId, 0);
        assertEq(s.epoch, 2);
        assertEq(s.resumeFrom, 2);
        assertEq(s.attempts, 1);
        assertEq(s.openDisputes, 1);
    }

    function test_onDisputeResolved_staleWrongBelowResume_handsBackAttemptWithoutFault_succeeds() public {
        uint256 taskId = _resumedWhileOlderDisputeOpen();
        assertEq(_locked(node2), _collateral());
        uint256 stakeBefore = registry.getNode(node2).stake;
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardResumeLowered(taskId, 0, 1, 2);
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardRequeued(taskId, 0, 1, 1, MANIFEST);
        assertFalse(_resolve(taskId, 0, 1, 2, true, 1), "epoch 1 is no longer live");

        ShardView memory s = _shard(taskId, 0);
        assertEq(uint8(s.status), uint8(ShardStatus.Pending));
        assertEq(s.resumeFrom, 1);
        assertEq(s.resumeManifestCid, MANIFEST);
        assertEq(s.attempts, 1, "attempts unchanged");
        assertEq(s.openDisputes, 0);
        assertEq(s.nodeId, 0);
        // node2 did nothing wrong: collateral back, no failure, no slash.
        assertEq(_locked(node2), 0);
        assertEq(registry.liveCollateral(node2), 0);
        assertEq(_failed(node2), 0);
        assertEq(registry.getNode(node2).stake, stakeBefore);
        // The next attempt resumes from the lowered index.
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardAssigned(
            taskId, 0, node3, 3, 2, uint64(block.timestamp + MAX_DURATION), 1, MANIFEST, PRICE
        );
        _assign(taskId, 0, node3);
    }

    function test_onDisputeResolved_staleWrongBelowResume_submittedAttempt_handedBack_succeeds() public {
        uint256 taskId = _resumedWhileOlderDisputeOpen();
        // node2 submits epoch 2, built on checkpoint 1 of epoch 1: it starts Challenged.
        _submit(taskId, 0, node2);
        assertEq(uint8(_shard(taskId, 0).status), uint8(ShardStatus.Challenged));
        assertFalse(_resolve(taskId, 0, 1, 2, true, 1));
        ShardView memory s = _shard(taskId, 0);
        assertEq(uint8(s.status), uint8(ShardStatus.Pending));
        assertEq(s.resumeFrom, 1);
        assertEq(s.attempts, 1);
        assertEq(_locked(node2), 0);
        assertEq(_failed(node2), 0);
        _afterWindow();
        assertFalse(tm.isFinalizable(taskId, 0), "the result built on a lost checkpoint is never paid");
    }

    function test_onDisputeResolved_staleWrongBelowResume_nothingInFlight_lowersOnly_succeeds() public {
        uint256 taskId = _submitted(node1);
        _challenge(taskId, 0, 1, stranger);
        _challenge(taskId, 0, 2, makeAddr("challenger2"));
        _resolve(taskId, 0, 1, 1, true, 3);
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardResumeLowered(taskId, 0, 0, 1);
        assertFalse(_resolve(taskId, 0, 1, 2, true, 0));
        ShardView memory s = _shard(taskId, 0);
        assertEq(uint8(s.status), uint8(ShardStatus.Pending));
        assertEq(s.resumeFrom, 0);
        assertEq(s.attempts, 1);
        assertEq(s.openDisputes, 0);
    }

    function test_onDisputeResolved_staleWrongAtOrAboveResume_clearsOnly_succeeds() public {
        uint256 taskId = _resumedWhileOlderDisputeOpen();
        // The stale dispute lost on checkpoint 3, above the resume point: the new attempt does not build on it.
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardDisputeCleared(taskId, 0, 2, 0);
        assertFalse(_resolve(taskId, 0, 1, 2, true, 3));
        ShardView memory s = _shard(taskId, 0);
        assertEq(uint8(s.status), uint8(ShardStatus.Assigned));
        assertEq(s.nodeId, node2);
        assertEq(s.resumeFrom, 2);
        assertEq(_locked(node2), _collateral());
    }

    function test_onDisputeResolved_staleRight_clearsOnly_succeeds() public {
        uint256 taskId = _resumedWhileOlderDisputeOpen();
        assertFalse(_resolve(taskId, 0, 1, 2, false, 0));
        ShardView memory s = _shard(taskId, 0);
        assertEq(uint8(s.status), uint8(ShardStatus.Assigned));
        assertEq(s.resumeFrom, 2);
        assertEq(s.openDisputes, 0);
    }

    function test_onDisputeResolved_staleWrongBelowResume_cancelledTask_closes_succeeds() public {
        uint256 taskId = _resumedWhileOlderDisputeOpen();
        vm.prank(client);
        tm.cancelTask(taskId);
        uint256 before = token.balanceOf(client);
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardCancelled(taskId, 0);
        _resolve(taskId, 0, 1, 2, true, 1);
        assertEq(uint8(_shard(taskId, 0).status), uint8(ShardStatus.Cancelled));
        assertEq(uint8(_task(taskId).status), uint8(TaskStatus.Cancelled));
        assertEq(_locked(node2), 0);
        assertEq(token.balanceOf(client), before + REWARD);
        assertEq(tm.totalOwed(), 0);
    }

    function test_onDisputeResolved_notDisputeManager_reverts() public {
        uint256 taskId = _submitted(node1);
        _challenge(taskId, 0, 1, stranger);
        _expectUnauthorized(stranger, tm.DISPUTE_ROLE());
        vm.prank(stranger);
        tm.onDisputeResolved(taskId, 0, 1, 1, false, 0);
    }

    function test_onDisputeResolved_noOpenDispute_reverts() public {
        uint256 taskId = _submitted(node1);
        vm.prank(disputes);
        _expectStatus(taskId, 0, ShardStatus.Submitted);
        tm.onDisputeResolved(taskId, 0, 1, 1, false, 0);
    }

    // ----------------------------------------------------------------------------------------------
    // Parameters
    // ----------------------------------------------------------------------------------------------

    uint256 internal constant PARAM_COUNT = 10;

    function _names() internal pure returns (bytes32[PARAM_COUNT] memory) {
        return [
            P_WINDOW,
            P_ATTEMPTS,
            P_COLLATERAL,
            P_AUDIT_FEE,
            P_TIMEOUT_SLASH,
            P_MAX_SHARDS,
            P_MIN_DURATION,
            P_MAX_DURATION,
            P_REVEAL,
            P_MIN_COLLATERAL
        ];
    }

    function _bounds() internal pure returns (uint256[2][PARAM_COUNT] memory) {
        return [
            [uint256(1 minutes), 30 days],
            [uint256(1), 10],
            [uint256(1), 50_000], // every assignment locks some collateral
            [uint256(0), 20_000],
            [uint256(0), 10_000],
            [uint256(1), 10_000],
            [uint256(1), 30 days], // capped by maxMaxDuration
            [uint256(60), 365 days], // floored by minMaxDuration
            [uint256(1 minutes), 7 days],
            [uint256(1), 1e24]
        ];
    }

    function test_setParameter_eachAtItsBounds_succeeds() public {
        bytes32[PARAM_COUNT] memory names = _names();
        uint256[2][PARAM_COUNT] memory b = _bounds();
        for (uint256 i; i < PARAM_COUNT; ++i) {
            uint256 old = tm.getParameter(names[i]);
            (uint256 min, uint256 max) = tm.parameterBounds(names[i]);
            assertEq(min, b[i][0]);
            assertEq(max, b[i][1]);
            vm.expectEmit(address(tm));
            emit IParameters.ParameterSet(names[i], old, max);
            _setParam(names[i], max);
            assertEq(tm.getParameter(names[i]), max);
            _setParam(names[i], old);
        }
        _setParam(P_MIN_DURATION, 1);
        assertEq(tm.getParameter(P_MIN_DURATION), 1);
    }

    function test_setParameter_belowMin_reverts() public {
        bytes32[PARAM_COUNT] memory names = _names();
        uint256[2][PARAM_COUNT] memory b = _bounds();
        for (uint256 i; i < PARAM_COUNT; ++i) {
            if (b[i][0] == 0) continue;
            vm.prank(governor);
            vm.expectRevert(
                abi.encodeWithSelector(
                    IParameters.ParameterOutOfBounds.selector, names[i], b[i][0] - 1, b[i][0], b[i][1]
                )
            );
            tm.setParameter(names[i], b[i][0] - 1);
        }
    }

    function test_setParameter_aboveMax_reverts() public {
        bytes32[PARAM_COUNT] memory names = _names();
        uint256[2][PARAM_COUNT] memory b = _bounds();
        for (uint256 i; i < PARAM_COUNT; ++i) {
            vm.prank(governor);
            vm.expectRevert(
                abi.encodeWithSelector(
                    IParameters.ParameterOutOfBounds.selector, names[i], b[i][1] + 1, b[i][0], b[i][1]
                )
            );
            tm.setParameter(names[i], b[i][1] + 1);
        }
    }

    function test_setParameter_minDurationAboveMaxDuration_reverts() public {
        _setParam(P_MAX_DURATION, 1 hours);
        vm.prank(governor);
        vm.expectRevert(
            abi.encodeWithSelector(
                IParameters.ParameterOutOfBounds.selector, P_MIN_DURATION, 1 hours + 1, 1, 1 hours
            )
        );
        tm.setParameter(P_MIN_DURATION, 1 hours + 1);
    }

    function test_setParameter_unknownName_reverts() public {
        vm.prank(governor);
        vm.expectRevert(abi.encodeWithSelector(IParameters.UnknownParameter.selector, bytes32("minStake")));
        tm.setParameter("minStake", 1);
    }

    function test_setParameter_notGovernor_reverts() public {
        _expectUnauthorized(stranger, tm.GOVERNOR_ROLE());
        vm.prank(stranger);
        tm.setParameter(P_WINDOW, 2 days);
    }

    function testFuzz_setParameter_challengeWindowBounds_succeeds(uint256 value) public {
        value = bound(value, 0, 60 days);
        bool ok = value >= 1 minutes && value <= 30 days;
        if (!ok) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IParameters.ParameterOutOfBounds.selector, P_WINDOW, value, 1 minutes, 30 days
                )
            );
        }
        _setParam(P_WINDOW, value);
        if (ok) assertEq(tm.getParameter(P_WINDOW), value);
    }

    function test_getParameter_unknownName_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IParameters.UnknownParameter.selector, bytes32("nope")));
        tm.getParameter("nope");
    }

    function test_parameterBounds_unknownName_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IParameters.UnknownParameter.selector, bytes32("nope")));
        tm.parameterBounds("nope");
    }

    // ----------------------------------------------------------------------------------------------
    // setTierFee / setTreasury
    // ----------------------------------------------------------------------------------------------

    function test_setTierFee_succeeds() public {
        vm.expectEmit(address(tm));
        emit ITaskManager.TierFeeSet(Tier.Gold, 3000);
        vm.prank(governor);
        tm.setTierFee(Tier.Gold, 3000);
        assertEq(tm.tierFeeBps(Tier.Gold), 3000);
        assertEq(tm.tierFeeBps(Tier.Silver), 600);
        assertEq(tm.tierFeeBps(Tier.Platinum), 250);
    }

    function test_setTierFee_aboveMax_reverts() public {
        vm.prank(governor);
        vm.expectRevert(
            abi.encodeWithSelector(
                IParameters.ParameterOutOfBounds.selector, bytes32("tierFeeBps"), 3001, 0, 3000
            )
        );
        tm.setTierFee(Tier.None, 3001);
    }

    function test_setTierFee_notGovernor_reverts() public {
        _expectUnauthorized(stranger, tm.GOVERNOR_ROLE());
        vm.prank(stranger);
        tm.setTierFee(Tier.None, 0);
    }

    function test_setTreasury_succeeds() public {
        address newTreasury = makeAddr("newTreasury");
        vm.expectEmit(address(tm));
        emit ITaskManager.TreasurySet(treasury, newTreasury);
        vm.prank(governor);
        tm.setTreasury(newTreasury);
        assertEq(tm.treasury(), newTreasury);
    }

    function test_setTreasury_zeroAddress_reverts() public {
        vm.prank(governor);
        vm.expectRevert(ITaskManager.ZeroAddress.selector);
        tm.setTreasury(address(0));
    }

    function test_setTreasury_notGovernor_reverts() public {
        _expectUnauthorized(stranger, tm.GOVERNOR_ROLE());
        vm.prank(stranger);
        tm.setTreasury(stranger);
    }

    // ----------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------

    function test_getTask_unknownTask_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.UnknownTask.selector, 1));
        tm.getTask(1);
    }

    function test_getShard_unknownTask_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.UnknownTask.selector, 1));
        tm.getShard(1, 0);
    }

    function test_getShard_outOfRange_reverts() public {
        uint256 taskId = _post(2);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.ShardOutOfRange.selector, taskId, 2, 2));
        tm.getShard(taskId, 2);
    }

    function test_quoteEscrow_invalidParams_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.InvalidShardCount.selector, 0, 1000));
        tm.quoteEscrow(_params(0));
    }

    function test_isFinalizable_unknownShard_succeeds() public view {
        assertFalse(tm.isFinalizable(1, 0));
    }

    // ----------------------------------------------------------------------------------------------
    // Lifecycles
    // ----------------------------------------------------------------------------------------------

    function test_lifecycle_postAssignSubmitFinalizeSweep_succeeds() public {
        uint256 clientBefore = token.balanceOf(client);
        uint256 taskId = _post(3);
        uint256[] memory idx = new uint256[](3);
        uint256[] memory nodes = new uint256[](3);
        for (uint256 i; i < 3; ++i) {
            idx[i] = i;
        }
        nodes[0] = node1;
        nodes[1] = node2;
        nodes[2] = node3;
        _assignMany(taskId, idx, nodes);
        for (uint256 i; i < 3; ++i) {
            _submit(taskId, i, nodes[i]);
        }
        _afterWindow();
        assertEq(tm.finalizeShards(_refs(taskId, 3)), 3);
        tm.sweepFees();

        // The client paid the three asks, not its max price.
        assertEq(token.balanceOf(client), clientBefore - 3 * PRICE);
        for (uint256 i; i < 3; ++i) {
            assertEq(token.balanceOf(operatorOf[nodes[i]]), 1 ether + PAYOUT);
            assertEq(_locked(nodes[i]), 0);
        }
        assertEq(token.balanceOf(treasury), 3 * FEE);
        assertEq(token.balanceOf(address(tm)), 0);
        assertEq(tm.totalOwed(), 0);
        assertEq(uint8(_task(taskId).status), uint8(TaskStatus.Completed));
    }

    function test_lifecycle_auditRecordedAndUnusedBudgetRefunded_succeeds() public {
        PostTaskParams memory p = _params(4);
        p.auditRateBps = 5000; // budget 2
        uint256 clientBefore = token.balanceOf(client);
        uint256 taskId = _post(p);
        for (uint256 i; i < 4; ++i) {
            _assign(taskId, i, node1);
            _submit(taskId, i, node1);
        }
        _assignAudit(taskId, 2, node2);
        vm.prank(workerOf[node2]);
        tm.recordAudit(taskId, 2);
        _afterWindow();
        vm.expectEmit(address(tm));
        emit ITaskManager.TaskRefunded(taskId, client, 4 * REFUND);
        vm.expectEmit(address(tm));
        emit ITaskManager.TaskRefunded(taskId, client, REWARD);
        tm.finalizeShards(_refs(taskId, 4));

        // Paid: 4 prices and one audit fee; refunded: the rest of the max prices and the unused audit fee.
        assertEq(token.balanceOf(client), clientBefore - 4 * PRICE - uint256(REWARD));
        assertEq(token.balanceOf(operatorOf[node2]), 1 ether + REWARD);
        assertEq(token.balanceOf(operatorOf[node1]), 1 ether + 4 * PAYOUT);
        assertEq(_task(taskId).escrowRemaining, 0);
        assertEq(tm.totalOwed(), 4 * FEE);
    }

    function test_lifecycle_cancelledPendingShardCannotBeAssigned_reverts() public {
        uint256 taskId = _post(2);
        _assign(taskId, 0, node1);
        vm.prank(client);
        tm.cancelTask(taskId);
        assertEq(uint8(_shard(taskId, 1).status), uint8(ShardStatus.Cancelled));
        Assignment[] memory a = _one(taskId, 1, node2);
        vm.prank(keeper);
        vm.expectRevert(
            abi.encodeWithSelector(ITaskManager.TaskNotActive.selector, taskId, TaskStatus.Cancelled)
        );
        tm.assignShards(a);
        Checkpoint[] memory cps = _cps(1);
        vm.prank(workerOf[node2]);
        _expectStatus(taskId, 1, ShardStatus.Cancelled);
        tm.submitResult(taskId, 1, MANIFEST, cps);
    }
}
