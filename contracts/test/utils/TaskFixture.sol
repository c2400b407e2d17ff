// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {WorkerConsent} from "./WorkerConsent.sol";
import {CheckpointTree} from "./CheckpointTree.sol";
import {TaskManagerExtension} from "../../src/TaskManagerExtension.sol";
import {Test} from "forge-std/Test.sol";

import {DatasetRegistry} from "../../src/DatasetRegistry.sol";
import {NeuralToken} from "../../src/NeuralToken.sol";
import {NodeRegistry} from "../../src/NodeRegistry.sol";
import {TaskManager} from "../../src/TaskManager.sol";
import {
    Assignment,
    Capabilities,
    PostTaskParams,
    Resources,
    ShardRef,
    ShardView,
    TaskView,
    Tier
} from "../../src/types/Types.sol";

/// @notice Deploys the real NRL, NodeRegistry and TaskManager, wires the roles, funds a client and registers
///         nodes. Helpers drive a shard through its life.
abstract contract TaskFixture is Test {
    uint256 internal constant SUPPLY = 1_000_000_000 ether;
    uint256 internal constant NODE_STAKE = 10_000 ether;
    uint256 internal constant ASK = 1 ether;
    uint128 internal constant REWARD = 10 ether;
    uint64 internal constant MAX_DURATION = 1 hours;
    uint256 internal constant WINDOW = 1 days;
    uint256 internal constant T0 = 1_700_000_000;

    bytes32 internal constant SPEC = keccak256("spec");
    bytes32 internal constant MANIFEST = keccak256("manifest");
    /// @dev Root of CheckpointTree.standardCheckpoints(4), what `_submit` commits by default.
    bytes32 internal immutable ROOT = CheckpointTree.standard(4).nodes[0];

    NeuralToken internal token;
    NodeRegistry internal registry;
    TaskManager internal tm;
    DatasetRegistry internal datasets;

    address internal bank = makeAddr("bank");
    address internal governor = makeAddr("governor");
    address internal treasury = makeAddr("treasury");
    address internal keeper = makeAddr("keeper");
    address internal disputes = makeAddr("disputeManager");
    address internal audits = makeAddr("sortition");
    address internal stranger = makeAddr("stranger");
    address internal client;
    uint256 internal clientKey;

    /// @dev Node ids registered by `_addNode`, with their keys.
    mapping(uint256 nodeId => address) internal operatorOf;
    mapping(uint256 nodeId => address) internal workerOf;
    uint256 internal nodeSeq;

    function setUp() public virtual {
        vm.warp(T0);
        (client, clientKey) = makeAddrAndKey("client");
        token = new NeuralToken(bank, SUPPLY);
        registry = new NodeRegistry(address(token), governor);
        TaskManagerExtension ext = new TaskManagerExtension(address(token), address(registry), governor);
        datasets = new DatasetRegistry(governor);
        tm = new TaskManager(
            address(token), address(registry), governor, treasury, address(ext), address(datasets)
        );

        vm.startPrank(governor);
        registry.setProtocolContracts(address(tm), disputes);
        tm.grantRole(tm.KEEPER_ROLE(), keeper);
        tm.grantRole(tm.DISPUTE_ROLE(), disputes);
        tm.grantRole(tm.AUDIT_ROLE(), audits);
        vm.stopPrank();

        _give(client, 10_000_000 ether);
        vm.prank(client);
        token.approve(address(tm), type(uint256).max);
    }

    // ----------------------------------------------------------------------------------------------
    // Setup helpers
    // ----------------------------------------------------------------------------------------------

    function _give(address to, uint256 amount) internal {
        vm.prank(bank);
        token.transfer(to, amount);
    }

    function _caps() internal pure returns (Capabilities memory) {
        return Capabilities({
            gpuModel: "NVIDIA H100 80GB",
            gpuCount: 8,
            vramMiB: 81_920,
            cpuCores: 64,
            memoryMiB: 524_288,
            region: "eu-west"
        });
    }

    function _resources() internal pure returns (Resources memory) {
        return Resources({gpus: 1, vramMiB: 40_960, cpus: 8, memoryMiB: 65_536});
    }

    /// @dev Registers a node with `stake` bonded and `ask` as ask price. Its operator keeps 1 NRL (a
    ///      realistic non-zero balance, so payouts do not pay for a fresh balance slot).
    function _addNode(uint256 stake, uint256 ask) internal returns (uint256 nodeId) {
        uint256 n = ++nodeSeq;
        address op = makeAddr(string.concat("operator", vm.toString(n)));
        (address wk, uint256 wkKey) = makeAddrAndKey(string.concat("worker", vm.toString(n)));
        _give(op, stake + 1 ether);
        (uint256 deadline, bytes memory sig) = WorkerConsent.sign(vm, registry, wkKey, op, 0);
        vm.startPrank(op);
        token.approve(address(registry), stake);
        nodeId = registry.register(wk, _caps(), ask, keccak256(abi.encode("meta", n)), stake, deadline, sig);
        vm.stopPrank();
        operatorOf[nodeId] = op;
        workerOf[nodeId] = wk;
    }

    function _addNode() internal returns (uint256) {
        return _addNode(NODE_STAKE, ASK);
    }

    function _params(uint32 shardCount) internal pure returns (PostTaskParams memory) {
        return PostTaskParams({
            specCid: SPEC,
            shardCount: shardCount,
            maxPricePerShard: REWARD,
            minTier: Tier.None,
            resources: _resources(),
            maxDuration: MAX_DURATION,
            auditRateBps: 0,
            datasetId: 0,
            datasetVersion: 0
        });
    }

    // ----------------------------------------------------------------------------------------------
    // Lifecycle helpers
    // ----------------------------------------------------------------------------------------------

    function _post(PostTaskParams memory p) internal returns (uint256 taskId) {
        vm.prank(client);
        taskId = tm.postTask(p);
    }

    function _post(uint32 shardCount) internal returns (uint256) {
        return _post(_params(shardCount));
    }

    function _assign(uint256 taskId, uint256 shardIndex, uint256 nodeId) internal {
        Assignment[] memory a = new Assignment[](1);
        a[0] = Assignment({taskId: uint64(taskId), shardIndex: uint32(shardIndex), nodeId: uint64(nodeId)});
        vm.prank(keeper);
        tm.assignShards(a);
    }

    function _submit(uint256 taskId, uint256 shardIndex, uint256 nodeId) internal {
        _submit(taskId, shardIndex, nodeId, 4);
    }

    function _submit(uint256 taskId, uint256 shardIndex, uint256 nodeId, uint32 checkpoints) internal {
        vm.prank(workerOf[nodeId]);
        tm.submitResult(taskId, shardIndex, MANIFEST, CheckpointTree.standardCheckpoints(checkpoints));
    }

    function _finalize(uint256 taskId, uint256 shardIndex) internal returns (uint256) {
        ShardRef[] memory refs = new ShardRef[](1);
        refs[0] = ShardRef({taskId: uint64(taskId), shardIndex: uint32(shardIndex)});
        return tm.finalizeShards(refs);
    }

    /// @dev post → assign → submit; returns at the start of the challenge window.
    function _submitted(uint256 nodeId) internal returns (uint256 taskId) {
        taskId = _post(1);
        _assign(taskId, 0, nodeId);
        _submit(taskId, 0, nodeId);
    }

    /// @dev What the DisputeManager does on a revealed challenge of the shard's current epoch.
    function _challenge(uint256 taskId, uint256 shardIndex, uint256 disputeId, address challenger) internal {
        uint16 epoch = tm.getShard(taskId, shardIndex).epoch;
        vm.prank(disputes);
        tm.onChallenged(taskId, shardIndex, epoch, disputeId, challenger);
    }

    function _setParam(bytes32 name, uint256 value) internal {
        vm.prank(governor);
        tm.setParameter(name, value);
    }

    function _task(uint256 taskId) internal view returns (TaskView memory) {
        return tm.getTask(taskId);
    }

    function _shard(uint256 taskId, uint256 shardIndex) internal view returns (ShardView memory) {
        return tm.getShard(taskId, shardIndex);
    }

    function _locked(uint256 nodeId) internal view returns (uint256) {
        return registry.getNode(nodeId).locked;
    }

    function _collateral() internal pure returns (uint256) {
        return uint256(REWARD) * 5000 / 10_000;
    }

    /// @dev The reference escrow formula of docs/protocol.md (current auditFeeBps).
    function _expectedEscrow(uint256 shardCount, uint256 reward, uint256 auditRateBps, uint256 auditFeeBps)
        internal
        pure
        returns (uint256)
    {
        uint256 budget = shardCount * auditRateBps / 10_000;
        if (budget * 10_000 < shardCount * auditRateBps) budget += 1;
        return shardCount * reward + budget * (reward * auditFeeBps / 10_000);
    }
}
