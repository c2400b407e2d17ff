// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {PostTaskParams, Vote} from "../../src/types/Types.sol";
import {INodeRegistry} from "../../src/interfaces/INodeRegistry.sol";
import {NeuralTest} from "../utils/NeuralTest.sol";

/// @notice Collateral of live assignments across a slash that clamps `locked` (NodeRegistry keeps the cut part
///         as `_slashedCollateral` so the assignments it backed can still be unlocked).
contract CollateralAfterSlashTest is NeuralTest {
    uint256 internal constant REWARD = 100 * NRL;
    uint256 internal constant COLLATERAL = REWARD * COLLATERAL_RATIO_BPS / BPS; // 50 NRL
    uint256 internal constant X = 1; // the node under test
    bytes32 internal constant BAD = keccak256("bad");
    bytes32 internal constant GOOD = keccak256("good");

    function setUp() public override {
        super.setUp();
        _registerNode(150 * NRL); // X: exactly three collaterals
        _registerNodes(7, 500 * NRL); // committee candidates
    }

    function _postLong(uint32 shards) internal returns (uint256 taskId) {
        PostTaskParams memory p = _params(shards, REWARD, 0);
        p.maxDuration = 20 days;
        vm.prank(client);
        taskId = taskManager.postTask(p);
    }

    /// @notice BUG (NodeRegistry.unlockCollateral): after a slash clamps `locked`, unlocking an assignment
    ///         that predates the slash takes from `locked` first, i.e. from the collateral of assignments made
    ///         after the slash, and only then from `_slashedCollateral`. The newer assignment's collateral
    ///         becomes free stake that the node can unstake and withdraw while the assignment is live; if it
    ///         later loses a dispute on it, the client is compensated less than the collateral.
    ///         Expected: the collateral of every assignment made after the slash stays locked.
    function test_collateralOfAssignmentAfterClampingSlashStaysLocked() public {
        // X holds two long shards of T1 (100 NRL locked) and one shard of T2 (50 NRL): all 150 NRL locked.
        uint256 t1 = _postLong(2);
        _assign(t1, 0, X);
        _assign(t1, 1, X);
        uint256 t2 = _post(1, REWARD, 0);
        _assign(t2, 0, X);
        assertEq(_node(X).locked, 150 * NRL);

        // X loses a dispute on T2: 50 unlocked, 50 + 10% of 100 = 60 slashed: stake 90 < locked 100, so
        // locked is clamped to 90 and 10 NRL of T1's collateral is remembered as slashed.
        _submit(t2, 0, keccak256("m2"), _leaves(BAD, 4));
        uint256 id = _challenge(_challengeParams(t2, 0, BAD, 4, 1));
        _voteAll(id, Vote.SubmitterWrong);
        disputeManager.resolve(id);
        assertEq(_node(X).stake, 90 * NRL);
        assertEq(_node(X).locked, 90 * NRL);

        // X tops up, sits out its jail and takes a new long shard T3 (50 NRL locked on top).
        _fund(operatorOf[X], 100 * NRL);
        vm.startPrank(operatorOf[X]);
        token.approve(address(registry), 100 * NRL);
        registry.stake(X, 100 * NRL);
        vm.stopPrank();
        vm.warp(block.timestamp + JAIL_PERIOD);
        vm.prank(workerOf[X]);
        registry.unjail(X);
        uint256 t3 = _postLong(1);
        _assign(t3, 0, X);
        assertEq(_node(X).locked, 140 * NRL);

        // T1's two shards are delivered and finalized: their 100 NRL of collateral (10 of it slashed) is
        // released. T3 is still live and must stay fully backed.
        _submit(t1, 0, keccak256("m1a"), _leaves(GOOD, 2));
        _submit(t1, 1, keccak256("m1b"), _leaves(GOOD, 2));
        _pastWindow(t1, 1);
        _finalizeAll(t1);
        assertGe(_node(X).locked, COLLATERAL, "T3's collateral must stay locked"); // fails: 40 NRL locked

        // Impact (reached once fixed): X unstakes all free stake and waits out the unbonding; the withdrawal is
        // refused while T3 is live (NodeHasLiveShards), and a bad T3 result that loses still compensates the
        // client with the full collateral.
        uint256 free = registry.freeStake(X);
        vm.prank(operatorOf[X]);
        registry.requestUnstake(X, free);
        vm.warp(block.timestamp + UNBONDING_PERIOD);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeHasLiveShards.selector, X, COLLATERAL));
        registry.withdraw(X);
        _submit(t3, 0, keccak256("m3"), _leaves(BAD, 4));
        uint256 clientBefore = token.balanceOf(client);
        id = _challenge(_challengeParams(t3, 0, BAD, 4, 1));
        _voteAll(id, Vote.SubmitterWrong);
        disputeManager.resolve(id);
        assertEq(token.balanceOf(client), clientBefore + COLLATERAL, "client compensated the full collateral");
        _assertSystem();
    }
}
