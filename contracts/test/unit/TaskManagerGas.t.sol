// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {console} from "forge-std/console.sol";

import {TaskManager} from "../../src/TaskManager.sol";
import {Assignment, Checkpoint, ShardRef} from "../../src/types/Types.sol";
import {TaskFixture} from "../utils/TaskFixture.sol";

/// @notice Gas of one shard's whole life at a batch size n: its share (1/n) of one postTask, one assignShards
///         and one finalizeShards transaction over n shards, plus its own submitResult transaction.
/// @dev Measured as transactions would pay it (run WITHOUT `--isolate`, which adds intrinsic gas itself):
///      - setUp (a transaction of its own) prepares each stage's starting state on its own task: task D is
///        submitted with its window over, task C assigned, task B posted; a warm-up task ran to completion
///        before, so global counters and balances are in their steady (non-zero) state;
///      - the test measures every transaction from the state setUp left (vm.revertToState between them), so
///        storage "original values" are those at the start of that transaction, as on chain;
///      - before each call the token, registry and task manager are cooled (vm.cool) and the task manager's
///        account re-warmed (a transaction's `to` is warm); calldata is pre-encoded;
///      - gas per tx = 21000 + calldata gas (4 per zero byte, 16 per non-zero byte) + execution gas measured
///        with gasleft around the call. Refunds are ignored, so the figures are upper bounds.
///      Node operators hold a non-zero NRL balance (they bought NRL to stake).
abstract contract TaskManagerGasBase is TaskFixture {
    uint256 internal constant TARGET_PER_SHARD = 160_000;
    /// @dev Checkpoints a measured result commits. One (the minimum) measures the fixed cost of a shard's life;
    ///      each further checkpoint adds its calldata, its leaf in the on-chain root and its bytes in the event,
    ///      measured on its own by `test_gas_submitResult_perCheckpoint`.
    uint256 internal constant CHECKPOINTS = 1;

    uint256 internal n;
    bool internal sameNode;
    uint256[] internal nodes;
    uint256 internal taskB; // posted
    uint256 internal taskC; // assigned
    uint256 internal taskD; // submitted, window over

    function _config() internal virtual returns (uint256 batch, bool oneNode);

    function setUp() public override {
        super.setUp();
        (n, sameNode) = _config();
        uint256 warmNode = _addNode();
        uint256 warmTask = _post(1);
        _assign(warmTask, 0, warmNode);
        _submit(warmTask, 0, warmNode);
        vm.warp(block.timestamp + WINDOW + 1);
        _finalize(warmTask, 0);

        for (uint256 i; i < n; ++i) {
            // One node needs stake for 2 tasks in flight × n shards of collateral.
            nodes.push(sameNode && i > 0 ? nodes[0] : _addNode(sameNode ? NODE_STAKE * n : NODE_STAKE, ASK));
        }
        taskD = _post(uint32(n));
        _assignAll(taskD);
        for (uint256 i; i < n; ++i) {
            _submit(taskD, i, nodes[i]);
        }
        vm.warp(block.timestamp + WINDOW + 1);
        taskC = _post(uint32(n));
        _assignAll(taskC);
        taskB = _post(uint32(n));
    }

    function test_gas_shardLifecycle() public {
        uint256 snap = vm.snapshotState();

        uint256 postGas = _tx(client, abi.encodeCall(TaskManager.postTask, (_params(uint32(n)))));
        vm.revertToState(snap);

        uint256 assignGas = _tx(keeper, abi.encodeCall(TaskManager.assignShards, (_assignments(taskB))));
        vm.revertToState(snap);

        uint256 submitGas;
        for (uint256 i; i < n; ++i) {
            bytes memory data = abi.encodeCall(
                TaskManager.submitResult, (taskC, i, keccak256(abi.encode("manifest", i)), _checkpoints(i))
            );
            submitGas += _tx(workerOf[nodes[i]], data);
            vm.revertToState(snap);
        }

        ShardRef[] memory refs = new ShardRef[](n);
        for (uint256 i; i < n; ++i) {
            refs[i] = ShardRef({taskId: uint64(taskD), shardIndex: uint32(i)});
        }
        uint256 finalizeGas = _tx(stranger, abi.encodeCall(TaskManager.finalizeShards, (refs)));
        assertEq(tm.getTask(taskD).finalizedShards, n, "all finalized");

        uint256 perShard = (postGas + assignGas + submitGas + finalizeGas) / n;
        console.log(sameNode ? "one node, batch" : "distinct nodes, batch", n);
        console.log("  postTask tx / n        ", postGas / n);
        console.log("  assignShards tx / n    ", assignGas / n);
        console.log("  submitResult tx        ", submitGas / n);
        console.log("  finalizeShards tx / n  ", finalizeGas / n);
        console.log("  gas per shard          ", perShard);
        _check(perShard);
    }

    /// @dev Asserts the budget where the configuration is expected to meet it.
    function _check(uint256 perShard) internal virtual;

    function _checkpoints(uint256 i) internal pure returns (Checkpoint[] memory) {
        return _checkpoints(i, CHECKPOINTS);
    }

    /// @dev `count` realistic checkpoints of shard `i`: increasing steps, distinct sha256-like hashes.
    function _checkpoints(uint256 i, uint256 count) internal pure returns (Checkpoint[] memory cps) {
        cps = new Checkpoint[](count);
        for (uint256 k; k < count; ++k) {
            cps[k] = Checkpoint({step: uint64((k + 1) * 500), hash: keccak256(abi.encode("ckpt", i, k))});
        }
    }

    function _assignments(uint256 taskId) internal view returns (Assignment[] memory a) {
        a = new Assignment[](n);
        for (uint256 i; i < n; ++i) {
            a[i] = Assignment({taskId: uint64(taskId), shardIndex: uint32(i), nodeId: uint64(nodes[i])});
        }
    }

    function _assignAll(uint256 taskId) internal {
        Assignment[] memory a = _assignments(taskId);
        vm.prank(keeper);
        tm.assignShards(a);
    }

    /// @dev Gas a transaction from `from` with calldata `data` to the task manager would use (see above).
    function _tx(address from, bytes memory data) internal returns (uint256 gasUsed) {
        vm.cool(address(token));
        vm.cool(address(registry));
        vm.cool(address(tm));
        address target = address(tm);
        // A transaction's `to` is warm from the start (EXTCODESIZE warms the account).
        if (target.code.length == 0) revert("no code");
        vm.prank(from);
        uint256 before = gasleft();
        (bool ok, bytes memory ret) = target.call(data);
        uint256 execGas = before - gasleft();
        if (!ok) {
            assembly {
                revert(add(ret, 0x20), mload(ret))
            }
        }
        gasUsed = 21_000 + _calldataGas(data) + execGas;
    }

    function _calldataGas(bytes memory data) internal pure returns (uint256 g) {
        for (uint256 i; i < data.length; ++i) {
            g += data[i] == 0 ? 4 : 16;
        }
    }
}

contract TaskManagerGasBatch1Test is TaskManagerGasBase {
    function _config() internal pure override returns (uint256, bool) {
        return (1, false);
    }

    function _check(uint256 perShard) internal pure override {
        assertLe(
            perShard, 480_000, "batch 1 regression guard (issue 9: price, fees reputation, active count)"
        );
    }

    /// @notice What each committed checkpoint adds to submitResult (calldata, leaf and inner node hashing, event
    ///         data), from the difference between a 1- and a 65-checkpoint result of the same shard.
    function test_gas_submitResult_perCheckpoint() public {
        uint256 snap = vm.snapshotState();
        bytes32 manifest = keccak256("manifest");
        address wk = workerOf[nodes[0]];
        uint256 one =
            _tx(wk, abi.encodeCall(TaskManager.submitResult, (taskC, 0, manifest, _checkpoints(0, 1))));
        vm.revertToState(snap);
        uint256 sixteen =
            _tx(wk, abi.encodeCall(TaskManager.submitResult, (taskC, 0, manifest, _checkpoints(0, 16))));
        vm.revertToState(snap);
        uint256 many =
            _tx(wk, abi.encodeCall(TaskManager.submitResult, (taskC, 0, manifest, _checkpoints(0, 65))));
        uint256 perCheckpoint = (many - one) / 64;
        console.log("submitResult tx, 1 checkpoint   ", one);
        console.log("submitResult tx, 16 checkpoints ", sixteen);
        console.log("submitResult tx, 65 checkpoints ", many);
        console.log("  per extra checkpoint          ", perCheckpoint);
        assertLe(one, 90_000, "submitResult, one checkpoint");
        assertLe(perCheckpoint, 3500, "submitResult, per checkpoint");
    }
}

contract TaskManagerGasBatch10Test is TaskManagerGasBase {
    function _config() internal pure override returns (uint256, bool) {
        return (10, false);
    }

    function _check(uint256 perShard) internal pure override {
        assertLe(
            perShard, 220_000, "batch 10, distinct nodes: regression guard (issue 9 target 160,000 missed)"
        );
    }
}

contract TaskManagerGasBatch100Test is TaskManagerGasBase {
    function _config() internal pure override returns (uint256, bool) {
        return (100, false);
    }

    function _check(uint256 perShard) internal pure override {
        assertLe(
            perShard, 195_000, "batch 100 regression guard (issue 9: price, fees reputation, active count)"
        );
    }
}

contract TaskManagerGasBatch10OneNodeTest is TaskManagerGasBase {
    function _config() internal pure override returns (uint256, bool) {
        return (10, true);
    }

    /// @dev The 160k target was met here (157.9k, docs/benchmarks.md) while a result committed only a root. Since
    ///      results commit their checkpoints on-chain (issue 8: root computed from them, checkpoints in the event)
    ///      the fixed cost is ~5k higher at one checkpoint, so this configuration is held to a regression guard;
    ///      batch 100 on one node still meets the target.
    function _check(uint256 perShard) internal pure override {
        assertLe(perShard, 165_000, "batch 10, one node: regression guard (target 160k missed since issue 8)");
    }
}

contract TaskManagerGasBatch100OneNodeTest is TaskManagerGasBase {
    function _config() internal pure override returns (uint256, bool) {
        return (100, true);
    }

    function _check(uint256 perShard) internal pure override {
        assertLe(perShard, TARGET_PER_SHARD, "per-shard target at batch 100, one node");
    }
}
