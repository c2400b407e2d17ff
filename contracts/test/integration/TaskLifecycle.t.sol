// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "forge-std/Test.sol";

import {INodeRegistry} from "../../src/interfaces/INodeRegistry.sol";
import {ITaskManager} from "../../src/interfaces/ITaskManager.sol";
import {
    Assignment,
    AuditStatus,
    Ineligibility,
    NodeView,
    PostTaskParams,
    ReleaseReason,
    ShardRef,
    ShardStatus,
    ShardView,
    TaskStatus,
    TaskView,
    Tier,
    TierThreshold
} from "../../src/types/Types.sol";
import {NeuralTest} from "../utils/NeuralTest.sol";

/// @notice Whole task lifecycles through the deployed protocol: post (approve and permit), batch assignment,
///         submission of real checkpoint roots, audits, timeouts with re-queue and failure, cancellation, batch
///         finalization and fee sweep. Every token balance is checked to the wei.
contract TaskLifecycleTest is NeuralTest {
    uint256 internal constant REWARD = 100 * NRL;
    uint256 internal constant COLLATERAL = REWARD * COLLATERAL_RATIO_BPS / BPS; // 50 NRL
    uint256 internal constant AUDIT_FEE = REWARD * AUDIT_FEE_BPS / BPS; // 100 NRL
    uint256 internal constant TIMEOUT_SLASH = COLLATERAL * TIMEOUT_SLASH_BPS / BPS; // 5 NRL
    uint256 internal constant CKPTS = 4;

    function _run(uint256 taskId, uint256 shard) internal pure returns (bytes32) {
        return keccak256(abi.encode("run", taskId, shard));
    }

    function _manifest(uint256 taskId, uint256 shard) internal pure returns (bytes32) {
        return keccak256(abi.encode("manifest", taskId, shard));
    }

    function _submitHonest(uint256 taskId, uint256 shard) internal {
        _submit(taskId, shard, _manifest(taskId, shard), _leaves(_run(taskId, shard), CKPTS));
    }

    // ----------------------------------------------------------------------------------------------
    // 1. Happy path
    // ----------------------------------------------------------------------------------------------

    /// @notice 5 shards on 3 nodes: batch assign, real roots, one audit recorded, batch finalize, sweep; then a
    ///         permit-posted task pays the node at its new (Silver) fee. Every balance, the task status, the
    ///         refund of the unused audit fee, reputations and tiers are checked.
    function test_happyPath_fiveShardsThreeNodes() public {
        // Silver needs 1,000 NRL, 2 completed shards (lowered from 10 for the test), 90% success and 1 NRL of fees
        // paid (two Bronze shards at the 10 NRL ask pay 2 × 0.8 NRL).
        vm.prank(governor);
        registry.setTierThreshold(
            Tier.Silver,
            TierThreshold({
                minStake: uint128(1000 * NRL), minCompleted: 2, minSuccessBps: 9000, minFeesPaid: uint128(NRL)
            })
        );
        n1 = _registerNode(1000 * NRL);
        n2 = _registerNode(500 * NRL);
        n3 = _registerNode(500 * NRL);
        assertEq(uint8(registry.tierOf(n1)), uint8(Tier.Bronze), "n1 starts Bronze");

        clientBefore = token.balanceOf(client);
        // 5 shards, 40% audited: budget ceil(2.0) = 2 audits of 100 NRL each.
        uint256 taskId = _post(5, REWARD, 4000);
        uint256 escrow = 5 * REWARD + 2 * AUDIT_FEE;
        assertEq(token.balanceOf(client), clientBefore - escrow, "client escrowed");
        assertEq(token.balanceOf(address(taskManager)), escrow, "taskManager holds the escrow");
        TaskView memory t = taskManager.getTask(taskId);
        assertEq(uint8(t.status), uint8(TaskStatus.Open));
        assertEq(t.auditBudget, 2);
        assertEq(t.escrowRemaining, escrow);

        _happyAssignAndSubmit(taskId);

        // Shard 2 (node 2) is audited by node 3, which re-executes and attests: paid at once. The audit draw is
        // the Sortition's, from the hash of the block after the submission: the test picks a hash that selects
        // shard 2 and draws node 3 (the keeper has no say).
        _auditBy(taskId, 2, n3);
        vm.prank(workerOf[n3]);
        taskManager.recordAudit(taskId, 2);
        assertEq(token.balanceOf(operatorOf[n3]), AUDIT_FEE, "auditor paid");
        assertEq(uint8(taskManager.getShard(taskId, 2).auditStatus), uint8(AuditStatus.Attested));

        _happyFinalize(taskId, escrow);
        _happyPermitTask();

        assertEq(token.balanceOf(address(registry)), 2000 * NRL, "no stake moved");
        _assertSystem();
        _assertDrained();
    }

    uint256 internal n1;
    uint256 internal n2;
    uint256 internal n3;
    uint256 internal clientBefore;

    function _happyAssignAndSubmit(uint256 taskId) internal {
        Assignment[] memory a = new Assignment[](5);
        a[0] = Assignment({taskId: uint64(taskId), shardIndex: 0, nodeId: uint64(n1)});
        a[1] = Assignment({taskId: uint64(taskId), shardIndex: 1, nodeId: uint64(n1)});
        a[2] = Assignment({taskId: uint64(taskId), shardIndex: 2, nodeId: uint64(n2)});
        a[3] = Assignment({taskId: uint64(taskId), shardIndex: 3, nodeId: uint64(n2)});
        a[4] = Assignment({taskId: uint64(taskId), shardIndex: 4, nodeId: uint64(n3)});
        _assignBatch(a);
        assertEq(uint8(taskManager.getTask(taskId).status), uint8(TaskStatus.Running));
        assertEq(_node(n1).locked, 2 * COLLATERAL, "n1 collateral");
        assertEq(_node(n2).locked, 2 * COLLATERAL, "n2 collateral");
        assertEq(_node(n3).locked, COLLATERAL, "n3 collateral");

        for (uint256 i; i < 5; ++i) {
            _submitHonest(taskId, i);
            ShardView memory s = taskManager.getShard(taskId, i);
            assertEq(uint8(s.status), uint8(ShardStatus.Submitted));
            assertEq(s.checkpointCount, CKPTS);
            _checkProofs(taskId, i, s.checkpointRoot);
        }
    }

    /// @dev The committed root proves every checkpoint of the run.
    function _checkProofs(uint256 taskId, uint256 shard, bytes32 root) internal view {
        bytes32 run = _run(taskId, shard);
        for (uint256 d; d < CKPTS; ++d) {
            bytes32[] memory proof = _challengeParams(taskId, shard, run, CKPTS, d).proof;
            assertTrue(disputeManager.verifyCheckpoint(root, d, _step(d), _ckptHash(run, d), proof), "proof");
        }
    }

    function _happyFinalize(uint256 taskId, uint256 escrow) internal {
        // Nothing is finalizable inside the window.
        ShardRef[] memory refs = _refsAll(taskId);
        vm.expectRevert(ITaskManager.NothingFinalized.selector);
        taskManager.finalizeShards(refs);

        _pastWindow(taskId, 4);
        vm.expectEmit(address(registry));
        emit INodeRegistry.TierChanged(n1, Tier.Bronze, Tier.Silver);
        vm.prank(stranger);
        assertEq(taskManager.finalizeShards(refs), 5, "all finalized in one batch");

        // Each shard pays its node's ask (10 NRL), not the client's 100 NRL maximum.
        uint256 fee = _fee(NODE_ASK, FEE_BRONZE); // 0.8 NRL: the tier at the start of the batch
        uint256 payout = NODE_ASK - fee;
        assertEq(token.balanceOf(operatorOf[n1]), 2 * payout, "n1 operator");
        assertEq(token.balanceOf(operatorOf[n2]), 2 * payout, "n2 operator");
        assertEq(token.balanceOf(operatorOf[n3]), payout + AUDIT_FEE, "n3 operator");
        TaskView memory t = taskManager.getTask(taskId);
        assertEq(uint8(t.status), uint8(TaskStatus.Completed), "completed");
        assertEq(t.finalizedShards, 5);
        assertEq(t.escrowRemaining, 0, "escrow used up");
        // What the shards did not use of their max price went back at finalization, the unused second audit fee
        // when the task closed.
        assertEq(
            token.balanceOf(client),
            clientBefore - escrow + 5 * (REWARD - NODE_ASK) + AUDIT_FEE,
            "client refunded the unused prices and audit"
        );
        assertEq(taskManager.accruedFees(), 5 * fee);
        assertEq(token.balanceOf(address(taskManager)), 5 * fee, "taskManager holds the fees only");

        vm.prank(stranger);
        assertEq(taskManager.sweepFees(), 5 * fee);
        assertEq(token.balanceOf(treasury), 5 * fee, "treasury");
        assertEq(token.balanceOf(address(taskManager)), 0, "taskManager empty");

        // Reputation, collateral and tiers.
        NodeView memory v1 = _node(n1);
        assertEq(v1.completed, 2);
        assertEq(v1.locked, 0);
        assertEq(uint8(v1.tier), uint8(Tier.Silver), "n1 promoted");
        assertEq(_node(n2).completed, 2);
        assertEq(uint8(_node(n2).tier), uint8(Tier.Bronze), "n2 stake too low for Silver");
        assertEq(_node(n3).completed, 1);
        assertEq(_node(n3).locked, 0);
    }

    /// @dev A second task posted with a permit only (fresh client, no approval) pays n1 at the Silver fee.
    function _happyPermitTask() internal {
        uint256 n1Before = token.balanceOf(operatorOf[n1]);
        uint256 treasuryBefore = token.balanceOf(treasury);
        (address client2, uint256 key2) = makeAddrAndKey("client2");
        _fund(client2, 1000 * NRL);
        PostTaskParams memory p = _params(1, REWARD, 0);
        uint256 task2 = _postWithPermit(client2, key2, p);
        assertEq(token.balanceOf(client2), 900 * NRL, "permit pulled the escrow");
        assertEq(token.allowance(client2, address(taskManager)), 0, "permit for exactly the escrow");
        _assign(task2, 0, n1);
        _submitHonest(task2, 0);
        _pastWindow(task2, 0);
        _finalizeAll(task2);
        uint256 silverFee = _fee(NODE_ASK, FEE_SILVER);
        assertEq(token.balanceOf(operatorOf[n1]), n1Before + NODE_ASK - silverFee, "n1 paid at Silver fee");
        assertEq(token.balanceOf(client2), 1000 * NRL - NODE_ASK, "client2 paid the ask");
        assertEq(uint8(taskManager.getTask(task2).status), uint8(TaskStatus.Completed));
        vm.prank(stranger);
        taskManager.sweepFees();
        assertEq(token.balanceOf(treasury), treasuryBefore + silverFee, "treasury after second sweep");
    }

    // ----------------------------------------------------------------------------------------------
    // 2. Timeouts
    // ----------------------------------------------------------------------------------------------

    /// @notice A late node is timed out by anyone: a small slash goes to the client, the node is jailed and its
    ///         shard re-queued and finalized elsewhere. A shard that times out maxAttempts times fails, its
    ///         reward is refunded and the task ends Failed.
    function test_timeout_requeueThenFailAfterMaxAttempts() public {
        _registerNodes(4, 500 * NRL);
        clientBefore = token.balanceOf(client);
        uint256 taskId = _post(2, REWARD, 0);

        Assignment[] memory a = new Assignment[](2);
        a[0] = Assignment({taskId: uint64(taskId), shardIndex: 0, nodeId: 1});
        a[1] = Assignment({taskId: uint64(taskId), shardIndex: 1, nodeId: 2});
        _assignBatch(a);
        uint64 deadline = taskManager.getShard(taskId, 0).deadline;

        vm.warp(deadline);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.DeadlineNotReached.selector, taskId, 0, deadline));
        taskManager.timeoutShard(taskId, 0);

        vm.warp(uint256(deadline) + 1);
        vm.expectEmit(address(taskManager));
        emit ITaskManager.ShardTimedOut(taskId, 0, 1, TIMEOUT_SLASH);
        vm.expectEmit(address(taskManager));
        emit ITaskManager.ShardRequeued(taskId, 0, 1, 0, bytes32(0));
        vm.prank(stranger);
        taskManager.timeoutShard(taskId, 0);
        vm.prank(stranger);
        taskManager.timeoutShard(taskId, 1);

        assertEq(token.balanceOf(client), clientBefore - 2 * REWARD + 2 * TIMEOUT_SLASH, "slashes to client");
        for (uint256 id = 1; id <= 2; ++id) {
            NodeView memory v = _node(id);
            assertEq(v.stake, 500 * NRL - TIMEOUT_SLASH, "slashed");
            assertEq(v.locked, 0, "collateral unlocked");
            assertEq(v.failed, 1);
            assertEq(v.slashCount, 1);
            assertGt(v.jailedUntil, block.timestamp, "jailed");
            assertFalse(v.active, "out of the active set");
        }
        ShardView memory s = taskManager.getShard(taskId, 0);
        assertEq(uint8(s.status), uint8(ShardStatus.Pending), "re-queued");
        assertEq(s.attempts, 1);
        assertEq(s.nodeId, 0);

        // The jailed node cannot take the shard again; node 3 takes shard 0 and node 4 shard 1.
        a = new Assignment[](1);
        a[0] = Assignment({taskId: uint64(taskId), shardIndex: 0, nodeId: 1});
        vm.prank(keeper);
        vm.expectRevert(
            abi.encodeWithSelector(ITaskManager.NodeNotEligible.selector, 1, taskId, Ineligibility.NotActive)
        );
        taskManager.assignShards(a);
        _assign(taskId, 0, 3);
        _assign(taskId, 1, 4);
        _submitHonest(taskId, 0);

        // Node 4 is late too (second attempt), then node 3 takes shard 1 and is late (third attempt): Failed.
        vm.warp(uint256(taskManager.getShard(taskId, 1).deadline) + 1);
        taskManager.timeoutShard(taskId, 1);
        assertEq(taskManager.getShard(taskId, 1).attempts, 2);
        _assign(taskId, 1, 3);
        vm.warp(uint256(taskManager.getShard(taskId, 1).deadline) + 1);
        vm.expectEmit(address(taskManager));
        emit ITaskManager.ShardFailed(taskId, 1, REWARD);
        taskManager.timeoutShard(taskId, 1);
        s = taskManager.getShard(taskId, 1);
        assertEq(uint8(s.status), uint8(ShardStatus.Failed), "failed after maxAttempts");
        assertEq(s.attempts, MAX_ATTEMPTS);
        assertEq(uint8(taskManager.getTask(taskId).status), uint8(TaskStatus.Running), "shard 0 still open");
        // Node 3 still owes shard 0's collateral after its own slash.
        assertEq(_node(3).locked, COLLATERAL);

        // Shard 0 (node 3, submitted before its slash) finalizes and is paid; the task closes Failed.
        _pastWindow(taskId, 0);
        _finalizeAll(taskId);
        uint256 payout = NODE_ASK - _fee(NODE_ASK, FEE_BRONZE);
        assertEq(token.balanceOf(operatorOf[3]), payout, "node 3 paid");
        TaskView memory t = taskManager.getTask(taskId);
        assertEq(uint8(t.status), uint8(TaskStatus.Failed), "task failed");
        assertEq(t.finalizedShards, 1);
        assertEq(t.failedShards, 1);
        assertEq(t.escrowRemaining, 0);
        // Client: paid one price (node 3's ask) net, received four timeout slashes, got the rest back.
        assertEq(token.balanceOf(client), clientBefore - NODE_ASK + 4 * TIMEOUT_SLASH, "client final");
        assertEq(_node(3).completed, 1);
        assertEq(_node(3).failed, 1);
        assertEq(_node(4).failed, 1);
        assertEq(_node(3).locked, 0);
        _assertSystem();
        _assertDrained();
    }

    // ----------------------------------------------------------------------------------------------
    // 3. Cancel
    // ----------------------------------------------------------------------------------------------

    /// @notice The client cancels with shards pending and in flight: pending rewards come back at once; a
    ///         released and a timed-out shard become Cancelled; submitted shards finalize and are paid; at the
    ///         end nothing is left in escrow and the unused audit fees are refunded.
    function test_cancel_pendingRefundedInFlightPaid() public {
        _registerNodes(4, 500 * NRL);
        clientBefore = token.balanceOf(client);
        // 6 shards, 20% audited: budget ceil(1.2) = 2.
        uint256 taskId = _post(6, REWARD, 2000);
        uint256 escrow = 6 * REWARD + 2 * AUDIT_FEE;

        Assignment[] memory a = new Assignment[](4);
        for (uint256 i; i < 4; ++i) {
            a[i] = Assignment({taskId: uint64(taskId), shardIndex: uint32(i), nodeId: uint64(i + 1)});
        }
        _assignBatch(a);
        _submitHonest(taskId, 0);

        // O(1): the two pending shards are counted, not visited (no ShardCancelled each).
        vm.expectEmit(address(taskManager));
        emit ITaskManager.TaskStatusChanged(taskId, TaskStatus.Running, TaskStatus.Cancelled);
        vm.expectEmit(address(taskManager));
        emit ITaskManager.TaskCancelled(taskId, 2);
        vm.expectEmit(address(taskManager));
        emit ITaskManager.TaskRefunded(taskId, client, 2 * REWARD);
        vm.prank(client);
        taskManager.cancelTask(taskId);
        assertEq(token.balanceOf(client), clientBefore - escrow + 2 * REWARD, "pending rewards refunded");
        assertEq(uint8(taskManager.getTask(taskId).status), uint8(TaskStatus.Cancelled));
        assertEq(uint8(taskManager.getShard(taskId, 4).status), uint8(ShardStatus.Cancelled));

        // No new work for a cancelled task.
        a = new Assignment[](1);
        a[0] = Assignment({taskId: uint64(taskId), shardIndex: 4, nodeId: 1});
        vm.prank(keeper);
        vm.expectRevert(
            abi.encodeWithSelector(ITaskManager.TaskNotActive.selector, taskId, TaskStatus.Cancelled)
        );
        taskManager.assignShards(a);

        // In flight: node 2 still submits, node 3 releases (Cancelled), node 4 is late (Cancelled, slashed).
        _submitHonest(taskId, 1);
        vm.prank(workerOf[3]);
        taskManager.releaseShard(taskId, 2, ReleaseReason.NodeShuttingDown, keccak256("logs"));
        assertEq(uint8(taskManager.getShard(taskId, 2).status), uint8(ShardStatus.Cancelled));
        assertEq(_node(3).locked, 0);
        vm.warp(uint256(taskManager.getShard(taskId, 3).deadline) + 1);
        taskManager.timeoutShard(taskId, 3);
        assertEq(uint8(taskManager.getShard(taskId, 3).status), uint8(ShardStatus.Cancelled));
        assertEq(taskManager.getTask(taskId).cancelledShards, 4);

        _pastWindow(taskId, 1);
        assertEq(_finalizeAll(taskId), 2);
        uint256 payout = NODE_ASK - _fee(NODE_ASK, FEE_BRONZE);
        assertEq(token.balanceOf(operatorOf[1]), payout, "node 1 paid");
        assertEq(token.balanceOf(operatorOf[2]), payout, "node 2 paid");
        TaskView memory t = taskManager.getTask(taskId);
        assertEq(uint8(t.status), uint8(TaskStatus.Cancelled), "stays cancelled");
        assertEq(t.finalizedShards, 2);
        assertEq(t.escrowRemaining, 0, "nothing left in escrow");
        // Client paid exactly the two finalized prices, minus node 4's timeout slash.
        assertEq(token.balanceOf(client), clientBefore - 2 * NODE_ASK + TIMEOUT_SLASH, "client final");
        vm.prank(stranger);
        taskManager.sweepFees();
        _assertSystem();
        _assertDrained();
        assertEq(token.balanceOf(address(taskManager)), 0);
    }

    /// @notice Cancelling an Open task (nothing assigned) refunds the whole escrow at once, audit fees included.
    function test_cancel_openTaskRefundsEverything() public {
        clientBefore = token.balanceOf(client);
        uint256 taskId = _post(3, REWARD, 10_000);
        vm.prank(client);
        taskManager.cancelTask(taskId);
        assertEq(token.balanceOf(client), clientBefore, "whole escrow back");
        assertEq(taskManager.getTask(taskId).escrowRemaining, 0);
        assertEq(taskManager.getTask(taskId).cancelledShards, 3);
        _assertDrained();
    }

    /// @notice Batch finalization pays each operator once per run and never twice for a listed-twice shard.
    function test_finalize_duplicateRefsPaidOnce() public {
        _registerNodes(2, 500 * NRL);
        uint256 taskId = _post(3, REWARD, 0);
        Assignment[] memory a = new Assignment[](3);
        a[0] = Assignment({taskId: uint64(taskId), shardIndex: 0, nodeId: 1});
        a[1] = Assignment({taskId: uint64(taskId), shardIndex: 1, nodeId: 2});
        a[2] = Assignment({taskId: uint64(taskId), shardIndex: 2, nodeId: 1});
        _assignBatch(a);
        for (uint256 i; i < 3; ++i) {
            _submitHonest(taskId, i);
        }
        _pastWindow(taskId, 2);
        // Interleaved nodes and every shard listed twice.
        ShardRef[] memory refs = new ShardRef[](6);
        refs[0] = _ref(taskId, 0);
        refs[1] = _ref(taskId, 1);
        refs[2] = _ref(taskId, 0);
        refs[3] = _ref(taskId, 2);
        refs[4] = _ref(taskId, 1);
        refs[5] = _ref(taskId, 2);
        vm.recordLogs();
        vm.prank(stranger);
        uint256 n = taskManager.finalizeShards(refs);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(n, 3);
        for (uint256 i; i < 3; ++i) {
            assertEq(_finalizedEvents(logs, taskId, i), 1, "one ShardFinalized per shard");
        }
        uint256 payout = NODE_ASK - _fee(NODE_ASK, FEE_BRONZE);
        assertEq(token.balanceOf(operatorOf[1]), 2 * payout);
        assertEq(token.balanceOf(operatorOf[2]), payout);
        vm.expectRevert(ITaskManager.NothingFinalized.selector);
        taskManager.finalizeShards(refs);
        _assertSystem();
        _assertDrained();
    }

    /// @dev Sets the hash of the block after shard `shard`'s submission to the first candidate whose audit draw
    ///      selects the shard and picks `verifier`, and runs that draw.
    function _auditBy(uint256 taskId, uint256 shard, uint256 verifier) internal {
        uint256 target = uint256(taskManager.getShard(taskId, shard).submittedBlock) + 1;
        if (block.number <= target) vm.roll(target + 1);
        for (uint256 i; i < 256; ++i) {
            vm.setBlockhash(target, keccak256(abi.encode("audit seed candidate", i)));
            uint256 snap = vm.snapshotState();
            try sortition.assignAudit(taskId, shard) returns (uint256 drawn) {
                if (drawn == verifier) return;
            } catch {}
            vm.revertToState(snap);
        }
        revert("no candidate seed draws the verifier");
    }
}
