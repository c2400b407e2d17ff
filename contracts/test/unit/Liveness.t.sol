// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {IParameters} from "../../src/interfaces/IParameters.sol";
import {ITaskManager} from "../../src/interfaces/ITaskManager.sol";
import {TaskManagerExtension} from "../../src/TaskManagerExtension.sol";
import {ReleaseReason, ShardStatus, ShardView, TaskStatus} from "../../src/types/Types.sol";
import {TaskFixture} from "../utils/TaskFixture.sol";

/// @notice Liveness pings (issue 12): pingShard (keeper), answerPing (the node), releaseUnresponsive (anyone).
///         Unit tests for every revert, then the attacks of a hostile keeper against a live, honest node.
contract LivenessTest is TaskFixture {
    bytes32 internal constant P_LIVENESS = "livenessWindow";
    uint256 internal constant LIVENESS = 10 minutes;
    uint256 internal constant COOLDOWN = 4 * LIVENESS;

    uint256 internal node1;
    uint256 internal node2;

    function setUp() public override {
        super.setUp();
        node1 = _addNode();
        node2 = _addNode();
    }

    // ----------------------------------------------------------------------------------------------
    // Helpers
    // ----------------------------------------------------------------------------------------------

    /// @dev A one-shard task assigned to node1.
    function _running() internal returns (uint256 taskId) {
        taskId = _post(1);
        _assign(taskId, 0, node1);
    }

    function _ping(uint256 taskId) internal {
        vm.prank(keeper);
        tm.pingShard(taskId, 0);
    }

    function _answer(uint256 taskId, uint256 nodeId) internal {
        vm.prank(workerOf[nodeId]);
        tm.answerPing(taskId, 0);
    }

    function _respondBy(uint256 taskId) internal view returns (uint64 respondBy) {
        (, respondBy,) = tm.shardPing(taskId, 0);
    }

    function _expectStatus(uint256 taskId, uint256 shardIndex, ShardStatus status) internal {
        vm.expectRevert(
            abi.encodeWithSelector(ITaskManager.InvalidShardStatus.selector, taskId, shardIndex, status)
        );
    }

    function _expectNoPing(uint256 taskId) internal {
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.NoPingOutstanding.selector, taskId, 0));
    }

    // ----------------------------------------------------------------------------------------------
    // livenessWindow
    // ----------------------------------------------------------------------------------------------

    function test_livenessWindow_defaultAndBounds_succeeds() public {
        assertEq(tm.getParameter(P_LIVENESS), LIVENESS);
        (uint256 min, uint256 max) = tm.parameterBounds(P_LIVENESS);
        assertEq(min, 1 minutes);
        assertEq(max, 1 days);
        _setParam(P_LIVENESS, 1 minutes);
        assertEq(tm.getParameter(P_LIVENESS), 1 minutes);
    }

    function test_livenessWindow_outOfBounds_reverts() public {
        vm.prank(governor);
        vm.expectRevert(
            abi.encodeWithSelector(
                IParameters.ParameterOutOfBounds.selector, P_LIVENESS, 59, 1 minutes, 1 days
            )
        );
        tm.setParameter(P_LIVENESS, 59);
        vm.prank(governor);
        vm.expectRevert(
            abi.encodeWithSelector(
                IParameters.ParameterOutOfBounds.selector, P_LIVENESS, 1 days + 1, 1 minutes, 1 days
            )
        );
        tm.setParameter(P_LIVENESS, 1 days + 1);
    }

    // ----------------------------------------------------------------------------------------------
    // pingShard
    // ----------------------------------------------------------------------------------------------

    function test_pingShard_emitsAndRecords_succeeds() public {
        uint256 taskId = _running();
        uint64 respondBy = uint64(block.timestamp + LIVENESS);
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardPinged(taskId, 0, node1, 1, respondBy);
        _ping(taskId);
        (uint16 epoch, uint64 rb, uint64 next) = tm.shardPing(taskId, 0);
        assertEq(epoch, 1);
        assertEq(rb, respondBy);
        assertEq(next, block.timestamp + COOLDOWN);
        // A ping changes nothing else.
        ShardView memory s = _shard(taskId, 0);
        assertEq(uint8(s.status), uint8(ShardStatus.Assigned));
        assertEq(s.nodeId, node1);
    }

    function test_pingShard_notKeeper_reverts() public {
        uint256 taskId = _running();
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, tm.KEEPER_ROLE()
            )
        );
        vm.prank(stranger);
        tm.pingShard(taskId, 0);
    }

    function test_pingShard_pendingShard_reverts() public {
        uint256 taskId = _post(1);
        _expectStatus(taskId, 0, ShardStatus.Pending);
        vm.prank(keeper);
        tm.pingShard(taskId, 0);
    }

    function test_pingShard_submittedShard_reverts() public {
        uint256 taskId = _submitted(node1);
        _expectStatus(taskId, 0, ShardStatus.Submitted);
        vm.prank(keeper);
        tm.pingShard(taskId, 0);
    }

    function test_pingShard_unknownTask_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.UnknownTask.selector, 9));
        vm.prank(keeper);
        tm.pingShard(9, 0);
    }

    function test_pingShard_shardOutOfRange_reverts() public {
        uint256 taskId = _running();
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.ShardOutOfRange.selector, taskId, 3, 1));
        vm.prank(keeper);
        tm.pingShard(taskId, 3);
    }

    function test_pingShard_afterDeadline_reverts() public {
        uint256 taskId = _running();
        uint64 deadline = _shard(taskId, 0).deadline;
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.DeadlinePassed.selector, taskId, 0, deadline));
        _ping(taskId);
    }

    function test_pingShard_outstanding_reverts() public {
        uint256 taskId = _running();
        _ping(taskId);
        uint64 respondBy = _respondBy(taskId);
        // Still outstanding after respondBy: the next step is a release, not another ping.
        vm.warp(block.timestamp + COOLDOWN);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.PingOutstanding.selector, taskId, 0, respondBy));
        _ping(taskId);
    }

    function test_pingShard_cooldownBoundary_succeeds() public {
        uint256 taskId = _running();
        _ping(taskId);
        uint64 nextPingAt = uint64(block.timestamp + COOLDOWN);
        _answer(taskId, node1);
        vm.warp(nextPingAt - 1);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.PingCooldown.selector, taskId, 0, nextPingAt));
        _ping(taskId);
        vm.warp(nextPingAt);
        _ping(taskId);
        assertEq(_respondBy(taskId), nextPingAt + LIVENESS);
    }

    // ----------------------------------------------------------------------------------------------
    // answerPing
    // ----------------------------------------------------------------------------------------------

    function test_answerPing_byWorker_clearsPing_succeeds() public {
        uint256 taskId = _running();
        _ping(taskId);
        vm.expectEmit(address(tm));
        emit ITaskManager.PingAnswered(taskId, 0, node1, 1);
        _answer(taskId, node1);
        (uint16 epoch, uint64 respondBy, uint64 next) = tm.shardPing(taskId, 0);
        assertEq(epoch, 1);
        assertEq(respondBy, 0);
        assertEq(next, block.timestamp + COOLDOWN, "answering keeps the cooldown");
    }

    function test_answerPing_byOperatorAfterRespondBy_succeeds() public {
        uint256 taskId = _running();
        _ping(taskId);
        vm.warp(block.timestamp + LIVENESS + 5);
        // Nobody released it yet: a late answer still keeps the shard.
        vm.prank(operatorOf[node1]);
        tm.answerPing(taskId, 0);
        assertEq(_respondBy(taskId), 0);
    }

    function test_answerPing_notAssignedNode_reverts() public {
        uint256 taskId = _running();
        _ping(taskId);
        vm.expectRevert(
            abi.encodeWithSelector(ITaskManager.NotAssignedNode.selector, taskId, 0, workerOf[node2])
        );
        _answer(taskId, node2);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.NotAssignedNode.selector, taskId, 0, keeper));
        vm.prank(keeper);
        tm.answerPing(taskId, 0);
    }

    function test_answerPing_noPing_reverts() public {
        uint256 taskId = _running();
        _expectNoPing(taskId);
        _answer(taskId, node1);
    }

    function test_answerPing_twice_reverts() public {
        uint256 taskId = _running();
        _ping(taskId);
        _answer(taskId, node1);
        _expectNoPing(taskId);
        _answer(taskId, node1);
    }

    function test_answerPing_pendingShard_reverts() public {
        uint256 taskId = _post(1);
        _expectStatus(taskId, 0, ShardStatus.Pending);
        _answer(taskId, node1);
    }

    // ----------------------------------------------------------------------------------------------
    // releaseUnresponsive
    // ----------------------------------------------------------------------------------------------

    function test_releaseUnresponsive_requeuesAsFailedAttempt_succeeds() public {
        uint256 taskId = _running();
        _ping(taskId);
        vm.warp(_respondBy(taskId) + 1);
        uint256 clientBefore = token.balanceOf(client);
        uint256 owedBefore = tm.totalOwed();
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardReleased(taskId, 0, node1, ReleaseReason.Unresponsive, bytes32(0), true);
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardRequeued(taskId, 0, 1, 0, bytes32(0));
        vm.prank(stranger);
        tm.releaseUnresponsive(taskId, 0);

        ShardView memory s = _shard(taskId, 0);
        assertEq(uint8(s.status), uint8(ShardStatus.Pending));
        assertEq(s.attempts, 1);
        assertEq(s.nodeId, 0);
        assertEq(_task(taskId).activeShards, 0);
        assertEq(_locked(node1), 0, "collateral unlocked");
        assertEq(registry.getNode(node1).failed, 1, "reputation failure");
        assertEq(registry.getNode(node1).stake, NODE_STAKE, "no slash");
        assertEq(token.balanceOf(client), clientBefore, "client charged nothing");
        assertEq(tm.totalOwed(), owedBefore, "escrow intact for the next attempt");
        (uint16 epoch, uint64 respondBy, uint64 next) = tm.shardPing(taskId, 0);
        assertEq(epoch + respondBy + next, 0, "ping cleared");
        // The shard goes to another node's stream: a new epoch, and the old ping is void there.
        _assign(taskId, 0, node2);
        assertEq(_shard(taskId, 0).epoch, 2);
        _expectNoPing(taskId);
        tm.releaseUnresponsive(taskId, 0);
    }

    function test_releaseUnresponsive_lastAttempt_failsAndRefunds_succeeds() public {
        _setParam("maxAttempts", 1);
        uint256 taskId = _running();
        _ping(taskId);
        vm.warp(_respondBy(taskId) + 1);
        uint256 before = token.balanceOf(client);
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardFailed(taskId, 0, REWARD);
        vm.expectEmit(address(tm));
        emit ITaskManager.TaskRefunded(taskId, client, REWARD);
        tm.releaseUnresponsive(taskId, 0);
        assertEq(uint8(_shard(taskId, 0).status), uint8(ShardStatus.Failed));
        assertEq(uint8(_task(taskId).status), uint8(TaskStatus.Failed));
        assertEq(token.balanceOf(client), before + REWARD, "whole escrow back");
        assertEq(tm.totalOwed(), 0);
    }

    function test_releaseUnresponsive_cancelledTask_cancelsShard_succeeds() public {
        uint256 taskId = _post(2);
        _assign(taskId, 0, node1);
        vm.prank(client);
        tm.cancelTask(taskId);
        _ping(taskId);
        vm.warp(_respondBy(taskId) + 1);
        vm.expectEmit(address(tm));
        emit ITaskManager.ShardCancelled(taskId, 0);
        tm.releaseUnresponsive(taskId, 0);
        assertEq(uint8(_shard(taskId, 0).status), uint8(ShardStatus.Cancelled));
        assertEq(_task(taskId).escrowRemaining, 0);
        assertEq(tm.totalOwed(), 0);
    }

    function test_releaseUnresponsive_noPing_reverts() public {
        uint256 taskId = _running();
        vm.warp(block.timestamp + LIVENESS + 1);
        _expectNoPing(taskId);
        tm.releaseUnresponsive(taskId, 0);
    }

    function test_releaseUnresponsive_pendingShard_reverts() public {
        uint256 taskId = _post(1);
        _expectStatus(taskId, 0, ShardStatus.Pending);
        tm.releaseUnresponsive(taskId, 0);
    }

    function test_releaseUnresponsive_afterSubmit_reverts() public {
        uint256 taskId = _running();
        _ping(taskId);
        _submit(taskId, 0, node1);
        vm.warp(block.timestamp + LIVENESS + 1);
        _expectStatus(taskId, 0, ShardStatus.Submitted);
        tm.releaseUnresponsive(taskId, 0);
    }

    function test_releaseUnresponsive_afterDeadline_reverts() public {
        uint256 taskId = _running();
        vm.warp(_shard(taskId, 0).deadline - LIVENESS);
        _ping(taskId);
        uint64 deadline = _shard(taskId, 0).deadline;
        vm.warp(deadline + 1);
        // Past the deadline the timeout (with its slash) applies, not a release.
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.DeadlinePassed.selector, taskId, 0, deadline));
        tm.releaseUnresponsive(taskId, 0);
        tm.timeoutShard(taskId, 0);
    }

    function test_extension_livenessCalledDirectly_reverts() public {
        TaskManagerExtension ext = TaskManagerExtension(tm.extension());
        vm.expectRevert(TaskManagerExtension.NotDelegated.selector);
        vm.prank(keeper);
        ext.pingShard(1, 0);
        vm.expectRevert(TaskManagerExtension.NotDelegated.selector);
        ext.answerPing(1, 0);
        vm.expectRevert(TaskManagerExtension.NotDelegated.selector);
        ext.releaseUnresponsive(1, 0);
    }

    // ----------------------------------------------------------------------------------------------
    // Attacks: a hostile keeper against a live, honest node
    // ----------------------------------------------------------------------------------------------

    /// @notice The node answers: the shard cannot be released, now or later, by anyone.
    function test_attack_keeperCannotReleaseLiveNode() public {
        uint256 taskId = _running();
        _ping(taskId);
        vm.warp(block.timestamp + 1 minutes);
        _answer(taskId, node1);
        vm.warp(block.timestamp + LIVENESS);
        _expectNoPing(taskId);
        vm.prank(keeper);
        tm.releaseUnresponsive(taskId, 0);
        assertEq(uint8(_shard(taskId, 0).status), uint8(ShardStatus.Assigned));
        assertEq(registry.getNode(node1).failed, 0);
    }

    /// @notice Not even one second before respondBy ends.
    function test_attack_cannotReleaseBeforeRespondBy() public {
        uint256 taskId = _running();
        _ping(taskId);
        uint64 respondBy = _respondBy(taskId);
        vm.warp(respondBy);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.PingNotExpired.selector, taskId, 0, respondBy));
        vm.prank(keeper);
        tm.releaseUnresponsive(taskId, 0);
        _answer(taskId, node1);
    }

    /// @notice Pings cannot wear the node down: within any cooldown at most one ping, whatever the keeper tries.
    function test_attack_cannotSpamPings() public {
        uint256 taskId = _running();
        _ping(taskId);
        _answer(taskId, node1);
        uint64 nextPingAt = uint64(block.timestamp + COOLDOWN);
        for (uint256 i; i < 4; ++i) {
            vm.warp(block.timestamp + LIVENESS - 1);
            vm.expectRevert(abi.encodeWithSelector(ITaskManager.PingCooldown.selector, taskId, 0, nextPingAt));
            _ping(taskId);
        }
        // A governor-shortened window does not shorten a cooldown already running.
        _setParam(P_LIVENESS, 1 minutes);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.PingCooldown.selector, taskId, 0, nextPingAt));
        _ping(taskId);
    }

    /// @notice A ping of an earlier assignment (the node released, the shard went to another node) is void: it
    ///         cannot release the new assignment, and it does not hold back the new node's cooldown either.
    function test_attack_stalePingCannotReleaseNewAssignment() public {
        uint256 taskId = _running();
        _ping(taskId);
        // node1 hands the shard back in the grace period; node2 takes it (epoch 2).
        vm.prank(workerOf[node1]);
        tm.releaseShard(taskId, 0, ReleaseReason.Other, bytes32(0));
        _assign(taskId, 0, node2);
        vm.warp(block.timestamp + LIVENESS + 1);
        _expectNoPing(taskId);
        tm.releaseUnresponsive(taskId, 0);
        // node2 cannot be made to answer node1's ping either.
        _expectNoPing(taskId);
        _answer(taskId, node2);
        assertEq(uint8(_shard(taskId, 0).status), uint8(ShardStatus.Assigned));
        assertEq(_shard(taskId, 0).nodeId, node2);
        assertEq(registry.getNode(node2).failed, 0);
        // A fresh ping of epoch 2 is allowed at once (no cooldown carried over).
        _ping(taskId);
        (uint16 epoch,,) = tm.shardPing(taskId, 0);
        assertEq(epoch, 2);
    }

    /// @notice An unresponsive release moves no funds: the client keeps its full escrow for the next attempt, the
    ///         node keeps its stake and only gets the failure.
    function test_attack_unresponsiveRelease_chargesClientNothing() public {
        uint256 taskId = _running();
        uint256 escrow = _task(taskId).escrowRemaining;
        uint256 tmBalance = token.balanceOf(address(tm));
        uint256 operatorBalance = token.balanceOf(operatorOf[node1]);
        _ping(taskId);
        vm.warp(_respondBy(taskId) + 1);
        vm.prank(keeper);
        tm.releaseUnresponsive(taskId, 0);
        assertEq(_task(taskId).escrowRemaining, escrow);
        assertEq(token.balanceOf(address(tm)), tmBalance);
        assertEq(token.balanceOf(operatorOf[node1]), operatorBalance);
        assertEq(registry.getNode(node1).stake, NODE_STAKE);
        assertEq(registry.getNode(node1).failed, 1);
        assertTrue(registry.isActive(node1), "not jailed");
    }
}
