// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {WorkerConsent} from "./WorkerConsent.sol";
import {Test} from "forge-std/Test.sol";

import {NeuralToken} from "../../src/NeuralToken.sol";
import {NodeRegistry} from "../../src/NodeRegistry.sol";
import {Capabilities, Resources, Tier, TierThreshold} from "../../src/types/Types.sol";

/// @notice Deploys NRL and a NodeRegistry with a governor and a protocol caller, and registers nodes.
abstract contract RegistryFixture is Test {
    uint256 internal constant SUPPLY = 10_000_000_000 ether; // 1e28 < type(uint96).max
    uint256 internal constant MIN_STAKE = 100 ether;
    uint64 internal constant UNBONDING = 7 days;
    uint64 internal constant JAIL = 3 days;

    bytes32 internal constant P_MIN_STAKE = "minStake";
    bytes32 internal constant P_UNBONDING = "unbondingPeriod";
    bytes32 internal constant P_JAIL = "jailPeriod";

    NeuralToken internal token;
    NodeRegistry internal registry;

    address internal treasury = makeAddr("treasury");
    address internal governor = makeAddr("governor");
    address internal protocol = makeAddr("protocol");
    /// @dev The second PROTOCOL_ROLE holder set by setProtocolContracts (stands for the DisputeManager).
    address internal protocol2 = makeAddr("protocol2");
    address internal operator = makeAddr("operator");
    address internal worker;
    uint256 internal workerKey;
    /// @dev Private keys of worker addresses made by `_workerAddr`, to sign their WorkerConsent.
    mapping(address worker => uint256 key) internal keyOf;
    address internal stranger = makeAddr("stranger");
    address internal recipient = makeAddr("recipient");

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        (worker, workerKey) = makeAddrAndKey("worker");
        keyOf[worker] = workerKey;
        token = new NeuralToken(treasury, SUPPLY);
        registry = new NodeRegistry(address(token), governor);
        vm.prank(governor);
        registry.setProtocolContracts(protocol, protocol2);
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
        return Resources({gpus: 8, vramMiB: 81_920, cpus: 64, memoryMiB: 524_288});
    }

    /// @dev Gives `who` tokens and approves the registry for them.
    function _fund(address who, uint256 amount) internal {
        vm.prank(treasury);
        token.transfer(who, amount);
        vm.prank(who);
        token.approve(address(registry), type(uint256).max);
    }

    /// @dev A worker address whose key the fixture knows (so it can sign WorkerConsent).
    function _workerAddr(string memory name) internal returns (address wk) {
        uint256 key;
        (wk, key) = makeAddrAndKey(name);
        keyOf[wk] = key;
    }

    /// @dev `wk`'s WorkerConsent for `op` and `nodeId` (0: registration); empty when wk == op.
    function _consent(address op, uint256 nodeId, address wk)
        internal
        view
        returns (uint256 deadline, bytes memory sig)
    {
        if (wk == op) return (block.timestamp, "");
        require(keyOf[wk] != 0, "fixture: unknown worker key, make it with _workerAddr");
        return WorkerConsent.sign(vm, registry, keyOf[wk], op, nodeId);
    }

    function _register(address op, address wk, uint256 amount) internal returns (uint256 nodeId) {
        _fund(op, amount);
        (uint256 deadline, bytes memory sig) = _consent(op, 0, wk);
        vm.prank(op);
        nodeId = registry.register(wk, _caps(), 1 ether, keccak256("meta"), amount, deadline, sig);
    }

    /// @dev The default operator / worker with `amount` bonded.
    function _registerDefault(uint256 amount) internal returns (uint256) {
        return _register(operator, worker, amount);
    }

    function _lock(uint256 nodeId, uint256 amount) internal {
        vm.prank(protocol);
        registry.lockCollateral(nodeId, amount);
    }

    /// @dev Fees each success of `_recordSuccesses` pays: exactly what the default thresholds need per completion
    ///      (Silver 10 × 0.1 = 1 NRL, Gold 100 × 0.1 = 10 NRL, Platinum 500 × 0.1 = 50 NRL).
    uint256 internal constant FEE_PER_SUCCESS = 0.1 ether;

    /// @dev `count` finalized shards without collateral, each paying FEE_PER_SUCCESS in fees, one settlement.
    function _recordSuccesses(uint256 nodeId, uint256 count) internal {
        vm.prank(protocol);
        registry.settleSuccesses(nodeId, count, 0, count * FEE_PER_SUCCESS);
    }

    function _thresholds() internal view returns (TierThreshold[5] memory th) {
        for (uint8 t = 1; t <= 4; ++t) {
            th[t] = registry.tierThreshold(Tier(t));
        }
    }

    /// @notice Reference tier function, written independently of the contract: every tier is checked on its
    ///         own (no early exit) and the success rate uses a division.
    function _referenceTier(
        TierThreshold[5] memory th,
        uint256 stakeAmount,
        uint256 completed,
        uint256 failed,
        uint256 feesPaid
    ) internal pure returns (Tier best) {
        uint256 rateBps = completed + failed == 0 ? 10_000 : (completed * 10_000) / (completed + failed);
        for (uint8 t = 1; t <= 4; ++t) {
            if (
                stakeAmount >= th[t].minStake && completed >= th[t].minCompleted
                    && rateBps >= th[t].minSuccessBps && feesPaid >= th[t].minFeesPaid && t > uint8(best)
            ) best = Tier(t);
        }
    }
}
