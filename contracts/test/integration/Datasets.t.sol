// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IDatasetRegistry} from "../../src/interfaces/IDatasetRegistry.sol";
import {ITaskManager} from "../../src/interfaces/ITaskManager.sol";
import {
    DatasetParams,
    DatasetVersionParams,
    PostTaskParams,
    ReleaseReason,
    ShardRef,
    TaskView
} from "../../src/types/Types.sol";
import {TaskFixture} from "../utils/TaskFixture.sol";
import {Vm} from "forge-std/Vm.sol";

/// @notice Dataset usage fees through the TaskManager: escrowed with the task, paid to the dataset's owner only for
///         finalized shards (less the protocol's cut), refunded for failed and cancelled shards, fixed at posting;
///         and the attacks on them (self-dealt usage, fee raises under a pending post, deprecated versions).
contract DatasetsTest is TaskFixture {
    address internal curator = makeAddr("curator");
    uint96 internal constant FEE = 2 ether;
    uint256 internal constant CUT_BPS = 1000;

    uint256 internal datasetId;

    function setUp() public override {
        super.setUp();
        datasetId = _publish(curator, FEE);
    }

    function _publish(address who, uint96 fee) internal returns (uint256 id) {
        vm.prank(who);
        id = datasets.publish(
            DatasetParams({name: "digits", description: "", license: "CC0-1.0"}),
            _version(keccak256("v1"), fee)
        );
    }

    function _version(bytes32 cid, uint96 fee) internal pure returns (DatasetVersionParams memory) {
        return DatasetVersionParams({
            contentCid: cid,
            contentCodec: 0x55,
            sizeBytes: 4 << 20,
            usageFeePerShard: fee,
            format: "csv",
            metadataCid: bytes32(0)
        });
    }

    function _withDataset(uint32 shards, uint256 id, uint32 version)
        internal
        pure
        returns (PostTaskParams memory p)
    {
        p = _params(shards);
        p.datasetId = uint64(id);
        p.datasetVersion = version;
    }

    function _run(uint256 taskId, uint256 shard, uint256 nodeId) internal {
        _assign(taskId, shard, nodeId);
        _submit(taskId, shard, nodeId);
    }

    // ----------------------------------------------------------------------------------------------
    // Escrow and payment
    // ----------------------------------------------------------------------------------------------

    function test_postTask_escrowsUsageFee_succeeds() public {
        PostTaskParams memory p = _withDataset(3, datasetId, 1);
        uint256 quoted = tm.quoteEscrow(p);
        assertEq(quoted, 3 * (uint256(REWARD) + FEE), "escrow = shards x (max price + usage fee)");
        uint256 before = token.balanceOf(client);
        vm.expectEmit();
        emit ITaskManager.TaskUsesDataset(1, datasetId, 1, FEE, uint16(CUT_BPS));
        uint256 taskId = _post(p);
        assertEq(before - token.balanceOf(client), quoted);
        TaskView memory t = _task(taskId);
        assertEq(t.datasetId, datasetId);
        assertEq(t.datasetVersion, 1);
        assertEq(t.datasetFeePerShard, FEE);
        assertEq(t.datasetCutBps, CUT_BPS);
        assertEq(t.escrowRemaining, quoted);
    }

    function test_finalize_paysOwnerLessCut_succeeds() public {
        uint256 node = _addNode();
        uint256 taskId = _post(_withDataset(2, datasetId, 1));
        _run(taskId, 0, node);
        _run(taskId, 1, node);
        vm.warp(block.timestamp + WINDOW + 1);
        uint256 treasuryFeesBefore = tm.accruedFees();
        uint256 cut = 2 * uint256(FEE) * CUT_BPS / 10_000;
        ShardRef[] memory refs = new ShardRef[](2);
        refs[0] = ShardRef({taskId: uint64(taskId), shardIndex: 0});
        refs[1] = ShardRef({taskId: uint64(taskId), shardIndex: 1});
        vm.expectEmit(address(tm));
        emit ITaskManager.DatasetUsagePaid(datasetId, taskId, curator, 2, 2 * uint256(FEE) - cut, cut);
        tm.finalizeShards(refs);
        assertEq(token.balanceOf(curator), 2 * uint256(FEE) - cut, "owner paid once per finalized shard");
        uint256 tierFees = 2 * ASK * tm.tierFeeBps(registry.tierOf(node)) / 10_000;
        assertEq(tm.accruedFees() - treasuryFeesBefore, tierFees + cut, "cut joins the protocol fees");
        assertEq(_task(taskId).escrowRemaining, 0);
        assertEq(token.balanceOf(address(tm)), tm.totalOwed(), "nothing stuck");
    }

    function test_failedShard_refundsUsageFee_paysNothing() public {
        _setParam("maxAttempts", 1);
        uint256 node = _addNode();
        uint256 taskId = _post(_withDataset(1, datasetId, 1));
        _setParam("timeoutSlashBps", 0);
        uint256 before = token.balanceOf(client);
        _assign(taskId, 0, node);
        vm.warp(block.timestamp + MAX_DURATION + 1);
        tm.timeoutShard(taskId, 0);
        assertEq(token.balanceOf(curator), 0, "no usage fee for a failed shard");
        assertEq(token.balanceOf(client) - before, uint256(REWARD) + FEE, "whole reserve refunded");
    }

    function test_cancel_refundsPendingUsageFees() public {
        uint256 node = _addNode();
        uint256 taskId = _post(_withDataset(3, datasetId, 1));
        _run(taskId, 0, node);
        uint256 before = token.balanceOf(client);
        vm.prank(client);
        tm.cancelTask(taskId);
        assertEq(token.balanceOf(client) - before, 2 * (uint256(REWARD) + FEE), "two pending shards refunded");
        vm.warp(block.timestamp + WINDOW + 1);
        _finalize(taskId, 0);
        assertEq(
            token.balanceOf(curator), uint256(FEE) * (10_000 - CUT_BPS) / 10_000, "only the finished shard"
        );
        assertEq(token.balanceOf(address(tm)), tm.totalOwed());
    }

    function test_timeout_thenFinalizeByAnother_paysOnce() public {
        uint256 a = _addNode();
        uint256 b = _addNode();
        uint256 taskId = _post(_withDataset(1, datasetId, 1));
        _assign(taskId, 0, a);
        vm.warp(block.timestamp + MAX_DURATION + 1);
        tm.timeoutShard(taskId, 0);
        assertEq(token.balanceOf(curator), 0);
        _run(taskId, 0, b);
        vm.warp(block.timestamp + WINDOW + 1);
        _finalize(taskId, 0);
        assertEq(token.balanceOf(curator), uint256(FEE) * (10_000 - CUT_BPS) / 10_000);
    }

    /// @notice The owner at finalization is paid: a transfer moves future usage fees with the dataset.
    function test_transfer_redirectsLaterPayments() public {
        uint256 node = _addNode();
        uint256 taskId = _post(_withDataset(1, datasetId, 1));
        _run(taskId, 0, node);
        address buyer = makeAddr("buyer");
        vm.prank(curator);
        datasets.transferDataset(datasetId, buyer);
        vm.warp(block.timestamp + WINDOW + 1);
        _finalize(taskId, 0);
        assertEq(token.balanceOf(curator), 0);
        assertGt(token.balanceOf(buyer), 0);
    }

    function test_noDataset_paysNoUsage() public {
        uint256 node = _addNode();
        uint256 taskId = _post(1);
        assertEq(_task(taskId).datasetId, 0);
        _run(taskId, 0, node);
        vm.warp(block.timestamp + WINDOW + 1);
        vm.recordLogs();
        _finalize(taskId, 0);
        assertEq(token.balanceOf(curator), 0);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            assertTrue(logs[i].topics[0] != ITaskManager.DatasetUsagePaid.selector, "no usage event");
        }
    }

    /// @notice What a dataset adds to finalization: per task in a batch, one storage read, the owner lookup, one
    ///         transfer and one event (docs/benchmarks.md). A task without a dataset pays nothing extra.
    function test_gas_usageFee_finalizeOverheadPerTask() public {
        uint256 node = _addNode();
        uint256 plain = _post(10);
        uint256 withData = _post(_withDataset(10, datasetId, 1));
        for (uint256 i; i < 10; ++i) {
            _run(plain, i, node);
            _run(withData, i, node);
        }
        vm.warp(block.timestamp + WINDOW + 1);
        ShardRef[] memory a = new ShardRef[](10);
        ShardRef[] memory b = new ShardRef[](10);
        for (uint256 i; i < 10; ++i) {
            a[i] = ShardRef({taskId: uint64(plain), shardIndex: uint32(i)});
            b[i] = ShardRef({taskId: uint64(withData), shardIndex: uint32(i)});
        }
        uint256 g0 = gasleft();
        tm.finalizeShards(a);
        uint256 plainGas = g0 - gasleft();
        g0 = gasleft();
        tm.finalizeShards(b);
        uint256 dataGas = g0 - gasleft();
        emit log_named_uint("finalizeShards, 10 shards, no dataset", plainGas);
        emit log_named_uint("finalizeShards, 10 shards, with a usage fee", dataGas);
        // The second batch also pays for warm/cold differences; the guard bounds the whole per-task overhead.
        assertLt(dataGas, plainGas + 60_000, "usage fee overhead per task in a batch stays below 60k gas");
    }

    // ----------------------------------------------------------------------------------------------
    // References
    // ----------------------------------------------------------------------------------------------

    function test_post_unknownOrDeprecatedReference_reverts() public {
        vm.prank(client);
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.UnknownDataset.selector, 9));
        tm.postTask(_withDataset(1, 9, 1));
        vm.prank(client);
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.UnknownDatasetVersion.selector, datasetId, 2));
        tm.postTask(_withDataset(1, datasetId, 2));
        vm.prank(curator);
        datasets.deprecateVersion(datasetId, 1);
        vm.prank(client);
        vm.expectRevert(
            abi.encodeWithSelector(IDatasetRegistry.DatasetVersionIsDeprecated.selector, datasetId, 1)
        );
        tm.postTask(_withDataset(1, datasetId, 1));
        vm.expectRevert(
            abi.encodeWithSelector(IDatasetRegistry.DatasetVersionIsDeprecated.selector, datasetId, 1)
        );
        tm.quoteEscrow(_withDataset(1, datasetId, 1));
    }

    /// @notice A task posted before a deprecation keeps its terms and still pays the owner on finalization.
    function test_deprecationAfterPosting_keepsTerms() public {
        uint256 node = _addNode();
        uint256 taskId = _post(_withDataset(1, datasetId, 1));
        vm.startPrank(curator);
        datasets.deprecateVersion(datasetId, 1);
        datasets.deprecate(datasetId);
        vm.stopPrank();
        _run(taskId, 0, node);
        vm.warp(block.timestamp + WINDOW + 1);
        _finalize(taskId, 0);
        assertEq(token.balanceOf(curator), uint256(FEE) * (10_000 - CUT_BPS) / 10_000);
    }

    // ----------------------------------------------------------------------------------------------
    // Attacks
    // ----------------------------------------------------------------------------------------------

    /// @notice Front-running: the owner sees a client's post in the mempool and tries to charge more. A raise
    ///         of the referenced version is refused; a new, dearer version does not change what the post pays.
    function test_attack_frontRunFeeRaise_fails() public {
        vm.startPrank(curator);
        vm.expectRevert(
            abi.encodeWithSelector(IDatasetRegistry.UsageFeeIncrease.selector, datasetId, 1, FEE, 50 ether)
        );
        datasets.lowerUsageFee(datasetId, 1, 50 ether);
        datasets.addVersion(datasetId, _version(keccak256("v2"), 50 ether));
        vm.stopPrank();
        uint256 before = token.balanceOf(client);
        uint256 taskId = _post(_withDataset(1, datasetId, 1));
        assertEq(
            before - token.balanceOf(client), uint256(REWARD) + FEE, "the client pays the version it named"
        );
        assertEq(_task(taskId).datasetFeePerShard, FEE);
    }

    /// @notice A fee lowered after posting does not change a posted task either way: terms are fixed at posting.
    function test_feeChangeAfterPosting_doesNotAffectTask() public {
        uint256 node = _addNode();
        uint256 taskId = _post(_withDataset(1, datasetId, 1));
        vm.prank(curator);
        datasets.lowerUsageFee(datasetId, 1, 0);
        _run(taskId, 0, node);
        vm.warp(block.timestamp + WINDOW + 1);
        _finalize(taskId, 0);
        assertEq(token.balanceOf(curator), uint256(FEE) * (10_000 - CUT_BPS) / 10_000);
    }

    /// @notice Self-dealing: one entity owns the dataset, posts the tasks and runs the node, to inflate the
    ///         dataset's usage count and "fees earned". Each round trip loses the protocol's cut of the usage fee
    ///         and the tier fee of the shard, so faking usage always costs more than it earns.
    function testFuzz_attack_selfDealtUsage_alwaysLoses(uint96 fee, uint8 shards) public {
        fee = uint96(bound(fee, 1e12, 1000 ether));
        uint32 n = uint32(bound(shards, 1, 20));
        // The attacker: client, dataset owner and node operator are one wallet set, funds pooled.
        uint256 node = _addNode();
        address op = operatorOf[node];
        uint256 id = _publish(client, fee);
        uint256 wealthBefore = token.balanceOf(client) + token.balanceOf(op);
        uint256 taskId = _post(_withDataset(n, id, 1));
        for (uint256 i; i < n; ++i) {
            _run(taskId, i, node);
        }
        vm.warp(block.timestamp + WINDOW + 1);
        ShardRef[] memory refs = new ShardRef[](n);
        for (uint256 i; i < n; ++i) {
            refs[i] = ShardRef({taskId: uint64(taskId), shardIndex: uint32(i)});
        }
        tm.finalizeShards(refs);
        uint256 wealthAfter = token.balanceOf(client) + token.balanceOf(op);
        uint256 usageEarned = uint256(n) * fee * (10_000 - CUT_BPS) / 10_000;
        uint256 loss = wealthBefore - wealthAfter;
        assertGe(loss, uint256(n) * fee * CUT_BPS / 10_000, "loses at least the cut of every fee");
        assertGt(loss, 0, "self-dealt usage never breaks even");
        // What it "earned" from the dataset is its own money coming back, minus the cut.
        assertLt(usageEarned, uint256(n) * fee, "earned < paid");
    }

    /// @notice Conservation: whatever the fee, cut and outcome of each shard, the escrow splits exactly into the
    ///         node payouts, protocol fees, owner payments and client refunds.
    function testFuzz_usageFees_conserved(uint96 fee, uint16 cutBps, uint8 outcomes) public {
        fee = uint96(bound(fee, 0, 500 ether));
        cutBps = uint16(bound(cutBps, 100, 5000));
        vm.prank(governor);
        datasets.setParameter("usageFeeCutBps", cutBps);
        uint256 id = _publish(curator, fee);
        _setParam("maxAttempts", 1);
        _setParam("timeoutSlashBps", 0);
        uint256 node = _addNode();
        uint256 supplyOutside = token.balanceOf(address(tm));
        uint256 clientBefore = token.balanceOf(client);
        uint256 taskId = _post(_withDataset(4, id, 1));
        uint256 finalized;
        for (uint256 i; i < 4; ++i) {
            _assign(taskId, i, node);
            if ((outcomes >> i) & 1 == 1) {
                _submit(taskId, i, node);
                ++finalized;
            }
        }
        vm.warp(block.timestamp + MAX_DURATION + 1);
        for (uint256 i; i < 4; ++i) {
            if ((outcomes >> i) & 1 == 0) tm.timeoutShard(taskId, i);
        }
        vm.warp(block.timestamp + WINDOW + 1);
        for (uint256 i; i < 4; ++i) {
            if (tm.isFinalizable(taskId, i)) _finalize(taskId, i);
        }
        // Each shard is finalized by its own call here, so the cut (rounded down) is taken per shard.
        uint256 perShard = uint256(fee) - uint256(fee) * cutBps / 10_000;
        assertEq(token.balanceOf(curator), finalized * perShard, "owner gets finalized x fee less the cut");
        uint256 spent = clientBefore - token.balanceOf(client);
        assertEq(spent, finalized * (ASK + fee), "client pays price + fee per finalized shard, nothing else");
        assertEq(token.balanceOf(address(tm)) - supplyOutside, tm.accruedFees(), "only fees stay");
        assertEq(_task(taskId).escrowRemaining, 0);
    }
}
