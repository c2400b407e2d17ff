// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";

import {NeuralToken} from "../../src/NeuralToken.sol";
import {NodeRegistry} from "../../src/NodeRegistry.sol";
import {INodeRegistry} from "../../src/interfaces/INodeRegistry.sol";
import {WorkerConsent} from "../utils/WorkerConsent.sol";
import {
    Capabilities,
    NodeStatus,
    NodeView,
    SlashReason,
    Tier,
    TierThreshold
} from "../../src/types/Types.sol";

/// @notice Drives NodeRegistry through valid operator, protocol and governor actions only, so that every
///         call is expected to succeed (the invariants run with fail-on-revert). Ghost variables track
///         what each node ever staked, what was slashed from it and the collateral of its live locks.
contract NodeRegistryHandler is Test {
    uint256 internal constant MAX_NODES = 12;
    bytes32 internal constant P_MIN_STAKE = "minStake";

    NodeRegistry internal immutable registry;
    NeuralToken internal immutable token;
    address internal immutable governor;
    address internal immutable protocol;
    address public immutable sink;

    address[] internal operators;
    uint256[] public nodeIds;

    mapping(uint256 nodeId => uint256) public ghost_everStaked;
    mapping(uint256 nodeId => uint256) public ghost_slashed;
    mapping(uint256 nodeId => uint256[]) internal ghost_liveLocks;
    uint256 public ghost_totalSlashed;
    uint256 public ghost_totalWithdrawn;
    uint256 public ghost_totalDeposited;
    uint256 internal keySeq;

    mapping(bytes32 => uint256) public calls;

    modifier count(bytes32 name) {
        calls[name]++;
        _;
    }

    constructor(NodeRegistry registry_, NeuralToken token_, address governor_, address protocol_) {
        registry = registry_;
        token = token_;
        governor = governor_;
        protocol = protocol_;
        sink = makeAddr("slashSink");
        for (uint256 i; i < 4; ++i) {
            operators.push(makeAddr(string.concat("operator", vm.toString(i))));
        }
    }

    // ----------------------------------------------------------------------------------------------
    // Operator actions
    // ----------------------------------------------------------------------------------------------

    function register(uint256 operatorSeed, uint256 amount) external count("register") {
        if (nodeIds.length >= MAX_NODES) return;
        address op = operators[bound(operatorSeed, 0, operators.length - 1)];
        (address wk, uint256 wkKey) = makeAddrAndKey(string.concat("worker", vm.toString(++keySeq)));
        amount = bound(amount, registry.getParameter(P_MIN_STAKE), 100_000 ether);
        _fund(op, amount);
        Capabilities memory caps = Capabilities("H100", 1, 80_000, 16, 64_000, "eu");
        (uint256 deadline, bytes memory sig) = WorkerConsent.sign(vm, registry, wkKey, op, 0);
        vm.prank(op);
        uint256 nodeId = registry.register(wk, caps, 1 ether, 0, amount, deadline, sig);
        nodeIds.push(nodeId);
        ghost_everStaked[nodeId] += amount;
        ghost_totalDeposited += amount;
    }

    function stake(uint256 nodeSeed, uint256 amount) external count("stake") {
        (uint256 nodeId, NodeView memory v) = _node(nodeSeed);
        if (nodeId == 0 || v.status == NodeStatus.Exited) return;
        amount = bound(amount, 1, 20_000 ether);
        _fund(address(this), amount);
        registry.stake(nodeId, amount);
        ghost_everStaked[nodeId] += amount;
        ghost_totalDeposited += amount;
    }

    function requestUnstake(uint256 nodeSeed, uint256 amount) external count("requestUnstake") {
        (uint256 nodeId, NodeView memory v) = _node(nodeSeed);
        uint256 free = uint256(v.stake) - v.locked;
        if (nodeId == 0 || free == 0) return;
        amount = bound(amount, 1, free);
        vm.prank(v.operator);
        registry.requestUnstake(nodeId, amount);
    }

    function withdraw(uint256 nodeSeed) external count("withdraw") {
        (uint256 nodeId, NodeView memory v) = _node(nodeSeed);
        if (nodeId == 0 || v.unbonding == 0) return;
        if (block.timestamp < v.unbondingReleaseAt) vm.warp(v.unbondingReleaseAt);
        uint256 live = this.liveLocked(nodeId);
        if (live != 0) {
            // Stake cannot leave while an assignment it backs is live.
            vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeHasLiveShards.selector, nodeId, live));
            registry.withdraw(nodeId);
            return;
        }
        uint256 amount = registry.withdraw(nodeId);
        ghost_totalWithdrawn += amount;
    }

    /// @dev Rotates the worker key with its consent; frozen while the node backs live assignments.
    function setWorker(uint256 nodeSeed) external count("setWorker") {
        (uint256 nodeId, NodeView memory v) = _node(nodeSeed);
        if (nodeId == 0) return;
        (address wk, uint256 wkKey) = makeAddrAndKey(string.concat("worker", vm.toString(++keySeq)));
        (uint256 deadline, bytes memory sig) = WorkerConsent.sign(vm, registry, wkKey, v.operator, nodeId);
        uint256 live = this.liveLocked(nodeId);
        if (live != 0) {
            vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeHasLiveShards.selector, nodeId, live));
        }
        vm.prank(v.operator);
        registry.setWorker(nodeId, wk, deadline, sig);
    }

    function pause(uint256 nodeSeed) external count("pause") {
        (uint256 nodeId, NodeView memory v) = _node(nodeSeed);
        if (nodeId == 0 || v.status != NodeStatus.Active) return;
        vm.prank(v.worker);
        registry.pause(nodeId);
    }

    function resume(uint256 nodeSeed) external count("resume") {
        (uint256 nodeId, NodeView memory v) = _node(nodeSeed);
        if (nodeId == 0 || v.status != NodeStatus.Paused) return;
        vm.prank(v.operator);
        registry.resume(nodeId);
    }

    /// @dev Closes the node's live assignments first (as TaskManager would), then exits.
    function exit(uint256 nodeSeed) external count("exit") {
        (uint256 nodeId, NodeView memory v) = _node(nodeSeed);
        if (nodeId == 0 || v.status == NodeStatus.Exited) return;
        while (ghost_liveLocks[nodeId].length != 0) {
            _unlockLast(nodeId);
        }
        vm.prank(v.operator);
        registry.exit(nodeId);
    }

    function unjail(uint256 nodeSeed) external count("unjail") {
        (uint256 nodeId, NodeView memory v) = _node(nodeSeed);
        if (nodeId == 0 || v.jailedUntil == 0) return;
        if (block.timestamp < v.jailedUntil) vm.warp(v.jailedUntil);
        vm.prank(v.operator);
        registry.unjail(nodeId);
    }

    // ----------------------------------------------------------------------------------------------
    // Protocol actions
    // ----------------------------------------------------------------------------------------------

    function lockCollateral(uint256 nodeSeed, uint256 amount) external count("lockCollateral") {
        (uint256 nodeId, NodeView memory v) = _node(nodeSeed);
        uint256 free = uint256(v.stake) - v.locked;
        if (nodeId == 0 || free == 0) return;
        amount = bound(amount, 1, free);
        vm.prank(protocol);
        registry.lockCollateral(nodeId, amount);
        ghost_liveLocks[nodeId].push(amount);
    }

    /// @dev Unlocks one live assignment's full collateral; must succeed even after slashes clamped `locked`.
    function unlockCollateral(uint256 nodeSeed) external count("unlockCollateral") {
        (uint256 nodeId,) = _node(nodeSeed);
        if (nodeId == 0 || ghost_liveLocks[nodeId].length == 0) return;
        _unlockLast(nodeId);
    }

    function slash(uint256 nodeSeed, uint256 amount, uint8 reason) external count("slash") {
        (uint256 nodeId, NodeView memory v) = _node(nodeSeed);
        if (nodeId == 0) return;
        uint256 held = uint256(v.stake) + v.unbonding;
        amount = bound(amount, 0, held * 2 + 1);
        vm.prank(protocol);
        uint256 slashed = registry.slash(nodeId, amount, sink, SlashReason(bound(reason, 0, 2)));
        assertEq(slashed, amount < held ? amount : held, "slashed amount");
        ghost_slashed[nodeId] += slashed;
        ghost_totalSlashed += slashed;
    }

    /// @dev 1..32 finalized shards paying up to 1 NRL of fees each; settles the last live assignment's
    ///      collateral with them when there is one (and `settleLock`), as the TaskManager's finalization does.
    function settleSuccesses(uint256 nodeSeed, uint8 times, uint256 fees, bool settleLock)
        external
        count("settleSuccesses")
    {
        (uint256 nodeId,) = _node(nodeSeed);
        if (nodeId == 0) return;
        uint256 n = uint256(times % 32) + 1;
        fees = bound(fees, 0, n * 1 ether);
        uint256 collateral;
        uint256[] storage locks = ghost_liveLocks[nodeId];
        if (settleLock && locks.length != 0) {
            collateral = locks[locks.length - 1];
            locks.pop();
        }
        NodeView memory before = registry.getNode(nodeId);
        vm.prank(protocol);
        address op = registry.settleSuccesses(nodeId, n, collateral, fees);
        assertEq(op, before.operator, "settleSuccesses returns the operator");
        NodeView memory v = registry.getNode(nodeId);
        assertEq(v.completed, before.completed + n, "completed");
        assertEq(v.feesPaid, before.feesPaid + fees, "feesPaid");
    }

    function recordFailure(uint256 nodeSeed) external count("recordFailure") {
        (uint256 nodeId,) = _node(nodeSeed);
        if (nodeId == 0) return;
        vm.prank(protocol);
        registry.recordFailure(nodeId);
    }

    // ----------------------------------------------------------------------------------------------
    // Governor and time
    // ----------------------------------------------------------------------------------------------

    /// @dev Changes minStake, then refreshes every node (the documented follow-up).
    function setMinStake(uint256 value) external count("setMinStake") {
        value = bound(value, 1 ether, 5000 ether);
        vm.prank(governor);
        registry.setParameter(P_MIN_STAKE, value);
        _refreshAll();
    }

    /// @dev Moves Silver's thresholds inside the Bronze..Gold corridor, then refreshes every node.
    function setSilverThreshold(uint256 minStake, uint256 minCompleted, uint256 minBps)
        external
        count("setSilverThreshold")
    {
        TierThreshold memory lo = registry.tierThreshold(Tier.Bronze);
        TierThreshold memory hi = registry.tierThreshold(Tier.Gold);
        TierThreshold memory th = TierThreshold(
            uint128(bound(minStake, lo.minStake, hi.minStake)),
            uint32(bound(minCompleted, lo.minCompleted, hi.minCompleted)),
            uint16(bound(minBps, lo.minSuccessBps, hi.minSuccessBps)),
            uint128(bound(minStake ^ minCompleted, lo.minFeesPaid, hi.minFeesPaid))
        );
        vm.prank(governor);
        registry.setTierThreshold(Tier.Silver, th);
        _refreshAll();
    }

    function warp(uint256 secondsForward) external count("warp") {
        vm.warp(block.timestamp + bound(secondsForward, 0, 10 days));
    }

    // ----------------------------------------------------------------------------------------------
    // Views for the invariants
    // ----------------------------------------------------------------------------------------------

    function nodeCount() external view returns (uint256) {
        return nodeIds.length;
    }

    function liveLocked(uint256 nodeId) external view returns (uint256 sum) {
        uint256[] storage locks = ghost_liveLocks[nodeId];
        for (uint256 i; i < locks.length; ++i) {
            sum += locks[i];
        }
    }

    // ----------------------------------------------------------------------------------------------
    // Internal
    // ----------------------------------------------------------------------------------------------

    function _node(uint256 seed) internal view returns (uint256 nodeId, NodeView memory v) {
        if (nodeIds.length == 0) return (0, v);
        nodeId = nodeIds[bound(seed, 0, nodeIds.length - 1)];
        v = registry.getNode(nodeId);
    }

    function _unlockLast(uint256 nodeId) internal {
        uint256[] storage locks = ghost_liveLocks[nodeId];
        uint256 amount = locks[locks.length - 1];
        locks.pop();
        vm.prank(protocol);
        registry.unlockCollateral(nodeId, amount);
    }

    function _refreshAll() internal {
        for (uint256 i; i < nodeIds.length; ++i) {
            registry.refreshTier(nodeIds[i]);
        }
    }

    function _fund(address to, uint256 amount) internal {
        // The handler holds the supply; operators approve the registry once.
        if (to != address(this)) token.transfer(to, amount);
        if (token.allowance(to, address(registry)) < amount) {
            vm.prank(to);
            token.approve(address(registry), type(uint256).max);
        }
    }
}

contract NodeRegistryInvariantTest is Test {
    NeuralToken internal token;
    NodeRegistry internal registry;
    NodeRegistryHandler internal handler;
    address internal governor = makeAddr("governor");
    address internal protocol = makeAddr("protocol");

    function setUp() public {
        vm.warp(1_700_000_000);
        // The whole supply goes to the handler, which funds every deposit.
        token = new NeuralToken(address(this), 10_000_000_000 ether);
        registry = new NodeRegistry(address(token), governor);
        handler = new NodeRegistryHandler(registry, token, governor, protocol);
        token.transfer(address(handler), token.balanceOf(address(this)));
        vm.prank(governor);
        registry.setProtocolContracts(protocol, makeAddr("protocol2"));

        bytes4[] memory selectors = new bytes4[](17);
        selectors[0] = NodeRegistryHandler.register.selector;
        selectors[1] = NodeRegistryHandler.stake.selector;
        selectors[2] = NodeRegistryHandler.requestUnstake.selector;
        selectors[3] = NodeRegistryHandler.withdraw.selector;
        selectors[4] = NodeRegistryHandler.pause.selector;
        selectors[5] = NodeRegistryHandler.resume.selector;
        selectors[6] = NodeRegistryHandler.exit.selector;
        selectors[7] = NodeRegistryHandler.unjail.selector;
        selectors[8] = NodeRegistryHandler.lockCollateral.selector;
        selectors[9] = NodeRegistryHandler.unlockCollateral.selector;
        selectors[10] = NodeRegistryHandler.slash.selector;
        selectors[11] = NodeRegistryHandler.settleSuccesses.selector;
        selectors[12] = NodeRegistryHandler.recordFailure.selector;
        selectors[13] = NodeRegistryHandler.setMinStake.selector;
        selectors[14] = NodeRegistryHandler.setSilverThreshold.selector;
        selectors[15] = NodeRegistryHandler.warp.selector;
        selectors[16] = NodeRegistryHandler.setWorker.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_balanceEqualsTotalStaked() public view {
        uint256 sum;
        for (uint256 i; i < handler.nodeCount(); ++i) {
            NodeView memory v = registry.getNode(handler.nodeIds(i));
            sum += uint256(v.stake) + v.unbonding;
        }
        assertEq(token.balanceOf(address(registry)), sum, "balance != sum(stake + unbonding)");
        assertEq(registry.totalStaked(), sum, "totalStaked != sum(stake + unbonding)");
        assertEq(
            sum,
            handler.ghost_totalDeposited() - handler.ghost_totalWithdrawn() - handler.ghost_totalSlashed(),
            "deposits - withdrawals - slashes"
        );
        assertEq(token.balanceOf(handler.sink()), handler.ghost_totalSlashed(), "slash recipient");
    }

    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_lockedWithinStakeAndLiveLocks() public view {
        for (uint256 i; i < handler.nodeCount(); ++i) {
            uint256 nodeId = handler.nodeIds(i);
            NodeView memory v = registry.getNode(nodeId);
            assertLe(v.locked, v.stake, "locked > stake");
            assertLe(v.locked, handler.liveLocked(nodeId), "locked > live assignments' collateral");
            assertEq(registry.freeStake(nodeId), uint256(v.stake) - v.locked, "freeStake");
            // A slash's clamp of `locked` is still owed to the assignments: nothing live is ever forgotten.
            assertEq(registry.liveCollateral(nodeId), handler.liveLocked(nodeId), "liveCollateral");
        }
    }

    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_totalActiveStakeIsSumOfActiveStakes() public view {
        uint256 sum;
        for (uint256 i; i < handler.nodeCount(); ++i) {
            NodeView memory v = registry.getNode(handler.nodeIds(i));
            if (v.active) sum += v.stake;
        }
        assertEq(registry.totalActiveStake(), sum, "totalActiveStake");
    }

    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_drawActiveNodeMatchesLinearScan() public view {
        uint256 total = registry.totalActiveStake();
        if (total == 0) return;
        uint256 n = handler.nodeCount();
        // Every interval's first and last point, against a scan of the active stakes by node id.
        uint256 start;
        for (uint256 i; i < n; ++i) {
            uint256 nodeId = handler.nodeIds(i);
            NodeView memory v = registry.getNode(nodeId);
            if (!v.active || v.stake == 0) continue;
            assertEq(registry.drawActiveNode(start), nodeId, "draw: interval start");
            assertEq(registry.drawActiveNode(start + v.stake - 1), nodeId, "draw: interval end");
            start += v.stake;
        }
        assertEq(start, total, "intervals cover the total");
    }

    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_slashedNeverExceedsStaked() public view {
        for (uint256 i; i < handler.nodeCount(); ++i) {
            uint256 nodeId = handler.nodeIds(i);
            assertLe(handler.ghost_slashed(nodeId), handler.ghost_everStaked(nodeId), "slashed > ever staked");
        }
    }

    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_tierMatchesComputeTier() public view {
        for (uint256 i; i < handler.nodeCount(); ++i) {
            NodeView memory v = registry.getNode(handler.nodeIds(i));
            assertEq(
                uint8(v.tier), uint8(registry.computeTier(v.stake, v.completed, v.failed, v.feesPaid)), "tier"
            );
        }
    }

    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_activeSetMembership() public view {
        uint256 minStake = registry.getParameter("minStake");
        uint256 expectedCount;
        for (uint256 i; i < handler.nodeCount(); ++i) {
            uint256 nodeId = handler.nodeIds(i);
            NodeView memory v = registry.getNode(nodeId);
            bool expected = v.status == NodeStatus.Active && v.jailedUntil == 0 && v.stake >= minStake;
            assertEq(v.active, expected, "active flag");
            assertEq(registry.isActive(nodeId), expected, "isActive");
            if (expected) expectedCount++;
        }
        uint256 count = registry.activeNodeCount();
        assertEq(count, expectedCount, "activeNodeCount");
        for (uint256 i; i < count; ++i) {
            assertTrue(registry.getNode(registry.activeNodeAt(i)).active, "member not active");
        }
    }
}
