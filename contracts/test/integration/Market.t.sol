// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {INodeRegistry} from "../../src/interfaces/INodeRegistry.sol";
import {ITaskManager} from "../../src/interfaces/ITaskManager.sol";
import {
    Assignment,
    Capabilities,
    Checkpoint,
    Ineligibility,
    NodeView,
    PostTaskParams,
    ReleaseReason,
    Resources,
    ShardRef,
    ShardStatus,
    ShardView,
    SlashReason,
    TaskStatus,
    Tier,
    TierThreshold
} from "../../src/types/Types.sol";
import {NeuralTest} from "../utils/NeuralTest.sol";
import {WorkerConsent} from "../utils/WorkerConsent.sol";

/// @notice The fair market of issue 9 on the production deployment and defaults: reverse-auction pricing, tiers that
///         cost real fees, shards that are not free to hold, claims no keeper can censor, O(1) cancellation, the
///         timelocked admin and the sealed PROTOCOL_ROLE. Each test fails on the contracts before issue 9.
contract MarketTest is NeuralTest {
    uint256 internal constant MAX_PRICE = 40 * NRL;
    uint256 internal constant CKPTS = 2;
    bytes32 internal constant RUN = keccak256("market run");

    uint256 internal cheap; // asks 10 NRL (NeuralTest's default ask)
    uint256 internal dear; // asks 25 NRL

    function setUp() public override {
        super.setUp();
        cheap = _registerNode(1000 * NRL);
        dear = _registerNode(1000 * NRL);
        _setAsk(dear, 25 * NRL);
    }

    function _setAsk(uint256 nodeId, uint256 ask) internal {
        vm.prank(operatorOf[nodeId]);
        registry.updateNode(nodeId, _caps(), ask, bytes32("meta"));
    }

    function _submitRun(uint256 taskId, uint256 shard) internal {
        _submit(taskId, shard, keccak256(abi.encode("manifest", taskId, shard)), _leaves(RUN, CKPTS));
    }

    function _runToFinal(uint256 taskId, uint256 shard, uint256 nodeId) internal {
        _assign(taskId, shard, nodeId);
        _submitRun(taskId, shard);
        _pastWindow(taskId, shard);
        ShardRef[] memory refs = new ShardRef[](1);
        refs[0] = _ref(taskId, shard);
        vm.prank(stranger);
        taskManager.finalizeShards(refs);
    }

    // ----------------------------------------------------------------------------------------------
    // 1. Clients pay the matched node's ask (reverse auction)
    // ----------------------------------------------------------------------------------------------

    /// @notice Two shards at a 40 NRL maximum run on nodes asking 10 and 25 NRL: each node is paid its own ask (less
    ///         the tier fee), and the client gets 30 + 15 NRL back when the shards finalize — before the task ends.
    function test_reverseAuction_shardPaysMatchedAsk_differenceBackToClient() public {
        uint256 taskId = _post(3, MAX_PRICE, 0);
        _assign(taskId, 0, cheap);
        _assign(taskId, 1, dear);
        assertEq(taskManager.getShard(taskId, 0).price, 10 * NRL, "price locked: cheap ask");
        assertEq(taskManager.getShard(taskId, 1).price, 25 * NRL, "price locked: dear ask");

        _submitRun(taskId, 0);
        _submitRun(taskId, 1);
        _pastWindow(taskId, 1);
        uint256 clientBefore = token.balanceOf(client);
        uint256 cheapBefore = token.balanceOf(operatorOf[cheap]);
        uint256 dearBefore = token.balanceOf(operatorOf[dear]);
        ShardRef[] memory refs = new ShardRef[](2);
        refs[0] = _ref(taskId, 0);
        refs[1] = _ref(taskId, 1);
        vm.prank(stranger);
        taskManager.finalizeShards(refs);

        // Both nodes are Bronze (1000 NRL, no history): fee 8%.
        assertEq(
            token.balanceOf(operatorOf[cheap]) - cheapBefore, 10 * NRL - _fee(10 * NRL, FEE_BRONZE), "cheap"
        );
        assertEq(
            token.balanceOf(operatorOf[dear]) - dearBefore, 25 * NRL - _fee(25 * NRL, FEE_BRONZE), "dear"
        );
        assertEq(
            token.balanceOf(client) - clientBefore, 30 * NRL + 15 * NRL, "unused max prices refunded now"
        );
        assertEq(taskManager.accruedFees(), _fee(35 * NRL, FEE_BRONZE), "fees on the prices paid");
        // Shard 2 is still pending: its whole max price stays escrowed.
        assertEq(taskManager.getTask(taskId).escrowRemaining, MAX_PRICE, "escrow of the pending shard");
        assertEq(uint8(taskManager.getTask(taskId).status), uint8(TaskStatus.Running), "task still running");
    }

    /// @notice The price is locked at assignment: raising the ask afterwards does not raise what the shard pays.
    function test_reverseAuction_priceLockedAtAssignment() public {
        uint256 taskId = _post(1, MAX_PRICE, 0);
        _assign(taskId, 0, cheap);
        _setAsk(cheap, 39 * NRL);
        uint256 before = token.balanceOf(operatorOf[cheap]);
        _submitRun(taskId, 0);
        _pastWindow(taskId, 0);
        _finalizeAll(taskId);
        assertEq(
            token.balanceOf(operatorOf[cheap]) - before, 10 * NRL - _fee(10 * NRL, FEE_BRONZE), "old ask"
        );
    }

    /// @notice A node asking more than the task's maximum is refused, with the reason.
    function test_reverseAuction_askAboveMax_refusedWithReason() public {
        uint256 taskId = _post(1, 20 * NRL, 0);
        Assignment[] memory a = new Assignment[](1);
        a[0] = Assignment({taskId: uint64(taskId), shardIndex: 0, nodeId: uint64(dear)});
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskManager.NodeNotEligible.selector, dear, taskId, Ineligibility.AskAboveMaxPrice
            )
        );
        vm.prank(keeper);
        taskManager.assignShards(a);
    }

    /// @notice A free node (ask 0) is still paid minShardPrice: no shard is free, so none farms reputation for free.
    function test_reverseAuction_zeroAsk_paysMinShardPrice() public {
        _setAsk(cheap, 0);
        uint256 minPrice = taskManager.getParameter("minShardPrice");
        uint256 taskId = _post(1, MAX_PRICE, 0);
        _assign(taskId, 0, cheap);
        assertEq(taskManager.getShard(taskId, 0).price, minPrice, "floored");
    }

    /// @notice Asks are stored exactly: more than 9 significant digits is refused with InvalidAskPrice.
    function test_reverseAuction_unrepresentableAsk_refused() public {
        uint256 ask = 10 * NRL + 1;
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.InvalidAskPrice.selector, ask));
        vm.prank(operatorOf[cheap]);
        registry.updateNode(cheap, _caps(), ask, bytes32("meta"));
    }

    /// @notice Every assigned, finalized shard: the operator gets price − fee, the treasury the fee, the client the rest
    ///         of the max price; nothing is created or lost.
    function testFuzz_reverseAuction_conservesValue(uint64 askMantissa, uint8 askExp, uint96 maxPrice)
        public
    {
        uint256 minPrice = taskManager.getParameter("minShardPrice");
        maxPrice = uint96(bound(maxPrice, 2 * minPrice, 1000 * NRL));
        uint256 ask = uint256(uint32(askMantissa)) * 10 ** bound(askExp, 0, 18);
        vm.assume(ask <= maxPrice);
        _setAsk(cheap, ask);
        vm.prank(client);
        uint256 taskId = taskManager.postTask(_params(1, maxPrice, 0));
        uint256 clientBefore = token.balanceOf(client);
        uint256 operatorBefore = token.balanceOf(operatorOf[cheap]);
        _runToFinal(taskId, 0, cheap);
        uint256 price = ask < minPrice ? minPrice : ask;
        uint256 fee = _fee(price, FEE_BRONZE);
        assertEq(token.balanceOf(operatorOf[cheap]) - operatorBefore, price - fee, "operator");
        assertEq(taskManager.accruedFees(), fee, "fee");
        assertEq(token.balanceOf(client) - clientBefore, maxPrice - price, "client refund");
        assertEq(taskManager.totalOwed(), fee, "nothing owed but the fee");
        assertEq(token.balanceOf(address(taskManager)), fee, "only fees stay");
    }

    // ----------------------------------------------------------------------------------------------
    // 2. Tier farming with self-dealt dust
    // ----------------------------------------------------------------------------------------------

    /// @notice The old attack: a node with unique capabilities posts its own 500-shard task at 1 wei per shard and
    ///         reaches Platinum in one window. Now a 1-wei task is refused outright.
    function test_tierFarming_dustTaskRefused() public {
        uint256 minPrice = taskManager.getParameter("minShardPrice");
        PostTaskParams memory p = _params(500, 1, 0);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.InvalidMaxPrice.selector, 1, minPrice));
        vm.prank(client);
        taskManager.postTask(p);
    }

    /// @notice The farmer with unique hardware posts self-dealt tasks at the minimum price, each from a fresh wallet,
    ///         until its node is Platinum. Whatever the wallets, the farm as a whole loses at least Platinum's
    ///         minFeesPaid: the fees go to the treasury, and everything else only moves between the farmer's wallets.
    function test_tierFarming_selfDealing_costsAtLeastTheTierFees() public {
        // The farmer's node: Platinum stake, a GPU no other node has. It asks 1 NRL: the farm pays itself, so the ask
        // only sets how fast the fees (its real cost) accrue.
        Capabilities memory caps = _caps();
        caps.gpuModel = bytes32("unique accelerator");
        caps.gpuCount = 8;
        uint256 stakeAmount = 50_000 * NRL;
        _fund(farmer, stakeAmount + 1000 * NRL);
        vm.startPrank(farmer);
        token.approve(address(registry), stakeAmount);
        uint256 node = registry.register(farmer, caps, 1 * NRL, bytes32("farm"), stakeAmount, 0, "");
        vm.stopPrank();
        uint256 farmStart = _farmWealth(node);

        uint256 rounds;
        while (registry.getNode(node).tier != Tier.Platinum) {
            require(rounds < 64, "farm did not reach Platinum");
            _farmRound(node, rounds++);
        }
        uint256 lost = farmStart - _farmWealth(node);
        uint256 minFees = registry.tierThreshold(Tier.Platinum).minFeesPaid;
        assertGe(registry.getNode(node).feesPaid, minFees, "Platinum needs its fees");
        assertGe(lost, minFees, "the farm paid at least Platinum's fees");
        assertEq(lost, registry.getNode(node).feesPaid, "exactly the protocol fees, all to the treasury");
        emit log_named_uint("rounds of 100 self-dealt shards to Platinum", rounds);
        emit log_named_decimal_uint("NRL the farm lost (all protocol fees)", lost, 18);
    }

    address internal farmer = makeAddr("farmer");
    address[] internal farmWallets;

    function _farmWealth(uint256 node) internal view returns (uint256 total) {
        NodeView memory n = registry.getNode(node);
        total = token.balanceOf(farmer) + n.stake + n.unbonding;
        for (uint256 i; i < farmWallets.length; ++i) {
            total += token.balanceOf(farmWallets[i]);
        }
    }

    /// @dev One round of the farm: a fresh wallet funded by the farmer posts 100 shards at 1 NRL for the farm's node,
    ///      which runs and finalizes them.
    function _farmRound(uint256 node, uint256 round) internal {
        uint256 shards = 100;
        uint256 price = 1 * NRL;
        address wallet = makeAddr(string.concat("fresh", vm.toString(round)));
        farmWallets.push(wallet);
        vm.prank(farmer);
        token.transfer(wallet, shards * price);
        vm.startPrank(wallet);
        token.approve(address(taskManager), shards * price);
        uint256 taskId = taskManager.postTask(
            PostTaskParams({
                specCid: keccak256(abi.encode("farm", round)),
                shardCount: uint32(shards),
                maxPricePerShard: uint128(price),
                minTier: Tier.None,
                resources: Resources({gpus: 8, vramMiB: 40_000, cpus: 8, memoryMiB: 64_000}),
                maxDuration: MAX_DURATION,
                auditRateBps: 0,
                datasetId: 0,
                datasetVersion: 0
            })
        );
        vm.stopPrank();
        Assignment[] memory a = new Assignment[](shards);
        for (uint256 i; i < shards; ++i) {
            a[i] = Assignment({taskId: uint64(taskId), shardIndex: uint32(i), nodeId: uint64(node)});
        }
        vm.prank(keeper);
        taskManager.assignShards(a);
        Checkpoint[] memory one = _leaves(RUN, 1);
        vm.startPrank(farmer);
        for (uint256 i; i < shards; ++i) {
            taskManager.submitResult(taskId, i, bytes32("m"), one);
        }
        vm.stopPrank();
        _pastWindow(taskId, shards - 1);
        _finalizeAll(taskId);
    }

    /// @notice Value-weighted reputation: 600 completions at the minimum price clear Platinum's count but not its
    ///         fees, so the node stays below Silver.
    function test_tierFarming_manyCheapCompletions_doNotPromote() public {
        address protocol = address(taskManager);
        uint256 node = _registerNode(60_000 * NRL);
        uint256 minPrice = taskManager.getParameter("minShardPrice");
        vm.prank(protocol);
        registry.settleSuccesses(node, 600, 0, 600 * _fee(minPrice, FEE_NONE));
        assertEq(uint8(registry.getNode(node).tier), uint8(Tier.Bronze), "count alone does not promote");
        assertEq(uint8(registry.computeTier(60_000 * NRL, 600, 0, 50 * NRL)), uint8(Tier.Platinum), "fees do");
    }

    // ----------------------------------------------------------------------------------------------
    // 3. Holding a shard is not free
    // ----------------------------------------------------------------------------------------------

    /// @notice The squatter takes a shard and releases it just before the deadline, again and again. Each late
    ///         release now costs an attempt and a reputation failure: after maxAttempts the shard fails (the client
    ///         is refunded) instead of being held forever.
    function test_holdAndRelease_lateReleaseCountsAsFailedAttempt() public {
        uint256 taskId = _post(1, MAX_PRICE, 0);
        for (uint256 k; k < MAX_ATTEMPTS; ++k) {
            _assign(taskId, 0, cheap);
            vm.warp(taskManager.getShard(taskId, 0).deadline - 1);
            vm.prank(workerOf[cheap]);
            vm.expectEmit(true, true, true, true, address(taskManager));
            emit ITaskManager.ShardReleased(taskId, 0, cheap, ReleaseReason.Other, bytes32(0), true);
            taskManager.releaseShard(taskId, 0, ReleaseReason.Other, bytes32(0));
        }
        ShardView memory s = taskManager.getShard(taskId, 0);
        assertEq(uint8(s.status), uint8(ShardStatus.Failed), "failed after maxAttempts late releases");
        assertEq(registry.getNode(cheap).failed, MAX_ATTEMPTS, "each counted against the node");
        assertEq(uint8(taskManager.getTask(taskId).status), uint8(TaskStatus.Failed), "task closed");
        assertEq(taskManager.totalOwed(), 0, "client refunded");
    }

    /// @notice An early release (within releaseGracePeriod) stays free: no attempt, no failure.
    function test_earlyRelease_isFree() public {
        uint256 taskId = _post(1, MAX_PRICE, 0);
        _assign(taskId, 0, cheap);
        vm.warp(block.timestamp + taskManager.getParameter("releaseGracePeriod"));
        vm.prank(workerOf[cheap]);
        taskManager.releaseShard(taskId, 0, ReleaseReason.ImageUnavailable, bytes32(0));
        ShardView memory s = taskManager.getShard(taskId, 0);
        assertEq(uint8(s.status), uint8(ShardStatus.Pending), "pending again");
        assertEq(s.attempts, 0, "no attempt used");
        assertEq(registry.getNode(cheap).failed, 0, "no failure");
        assertEq(registry.getNode(cheap).locked, 0, "collateral back");
    }

    // ----------------------------------------------------------------------------------------------
    // 4. No single keeper can censor
    // ----------------------------------------------------------------------------------------------

    /// @notice The keeper ignores a task. After claimDelayBlocks any eligible node claims the shard itself, at its own
    ///         ask; before that, and for strangers or ineligible nodes, the claim is refused with the reason.
    function test_censoringKeeper_nodeClaimsAfterDelay() public {
        uint256 taskId = _post(2, MAX_PRICE, 0);
        uint256 delay = taskManager.getParameter("claimDelayBlocks");
        uint256 claimableAt = block.number + delay;

        vm.expectRevert(abi.encodeWithSelector(ITaskManager.ClaimTooEarly.selector, taskId, 0, claimableAt));
        vm.prank(workerOf[cheap]);
        taskManager.claimShard(taskId, 0, cheap);

        vm.roll(claimableAt);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.NotNodeKey.selector, cheap, stranger));
        vm.prank(stranger);
        taskManager.claimShard(taskId, 0, cheap);

        vm.prank(workerOf[cheap]);
        taskManager.claimShard(taskId, 0, cheap);
        ShardView memory s = taskManager.getShard(taskId, 0);
        assertEq(uint8(s.status), uint8(ShardStatus.Assigned), "claimed");
        assertEq(s.nodeId, cheap, "by the node");
        assertEq(s.price, 10 * NRL, "at its ask");
        assertEq(taskManager.getTask(taskId).activeShards, 1, "counted active");

        // An ineligible node (ask above the max) gets the reason.
        _setAsk(dear, 50 * NRL);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskManager.NodeNotEligible.selector, dear, taskId, Ineligibility.AskAboveMaxPrice
            )
        );
        vm.prank(operatorOf[dear]);
        taskManager.claimShard(taskId, 1, dear);
    }

    /// @notice A shard that went back to Pending is claimable claimDelayBlocks after it did (not after posting).
    function test_claim_requeuedShard_delayRestarts() public {
        uint256 taskId = _post(1, MAX_PRICE, 0);
        vm.roll(block.number + 100);
        _assign(taskId, 0, cheap);
        vm.prank(workerOf[cheap]);
        taskManager.releaseShard(taskId, 0, ReleaseReason.Other, bytes32(0));
        assertEq(taskManager.getShard(taskId, 0).pendingSince, block.number, "pending since the release");
        uint256 claimableAt = block.number + taskManager.getParameter("claimDelayBlocks");
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.ClaimTooEarly.selector, taskId, 0, claimableAt));
        vm.prank(workerOf[dear]);
        taskManager.claimShard(taskId, 0, dear);
        vm.roll(claimableAt);
        vm.prank(workerOf[dear]);
        taskManager.claimShard(taskId, 0, dear);
        assertEq(taskManager.getShard(taskId, 0).nodeId, dear, "claimed after the delay");
    }

    // ----------------------------------------------------------------------------------------------
    // 5. Smaller items
    // ----------------------------------------------------------------------------------------------

    /// @notice Cancelling a running 10,000-shard task costs O(1) gas (it cost 39.6M before).
    function test_cancelTask_tenThousandShards_constantGas() public {
        vm.prank(governor);
        taskManager.setParameter("maxShardsPerTask", 10_000);
        uint256 minPrice = taskManager.getParameter("minShardPrice");
        uint256 price = 2 * minPrice;
        vm.prank(client);
        uint256 taskId = taskManager.postTask(_params(10_000, price, 0));
        _setAsk(cheap, 0);
        _assign(taskId, 7, cheap);
        uint256 before = token.balanceOf(client);
        vm.prank(client);
        uint256 gasBefore = gasleft();
        taskManager.cancelTask(taskId);
        uint256 used = gasBefore - gasleft();
        emit log_named_uint("cancelTask gas, 10,000 shards, one in flight", used);
        assertLt(used, 100_000, "O(1) cancel");
        assertEq(token.balanceOf(client) - before, 9999 * price, "pending max prices refunded");
        assertEq(
            uint8(taskManager.getShard(taskId, 9999).status),
            uint8(ShardStatus.Cancelled),
            "pending -> cancelled"
        );
        assertEq(
            uint8(taskManager.getShard(taskId, 7).status), uint8(ShardStatus.Assigned), "in flight runs on"
        );
        assertEq(taskManager.getTask(taskId).cancelledShards, 9999, "counted");
        // The shard in flight finishes and the task closes.
        _submitRun(taskId, 7);
        _pastWindow(taskId, 7);
        _finalizeAll(taskId);
        assertEq(
            uint8(taskManager.getTask(taskId).status), uint8(TaskStatus.Cancelled), "closed as cancelled"
        );
        assertEq(taskManager.totalOwed(), taskManager.accruedFees(), "escrow drained");
    }

    /// @notice The admin of every governed contract is the timelock: nobody else can grant roles, and a grant takes
    ///         effect only after the delay.
    function test_admin_isTimelock_grantsWaitForDelay() public {
        bytes32 adminRole = registry.DEFAULT_ADMIN_ROLE();
        assertTrue(registry.hasRole(adminRole, address(timelock)), "registry admin");
        assertTrue(taskManager.hasRole(adminRole, address(timelock)), "taskManager admin");
        assertTrue(disputeManager.hasRole(adminRole, address(timelock)), "disputes admin");
        assertTrue(sortition.hasRole(adminRole, address(timelock)), "sortition admin");
        assertFalse(taskManager.hasRole(adminRole, deployer), "deployer is no admin");
        assertFalse(taskManager.hasRole(adminRole, governor), "governor is no admin");

        address newKeeper = makeAddr("newKeeper");
        bytes32 keeperRole = taskManager.KEEPER_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, governor, adminRole
            )
        );
        vm.prank(governor);
        taskManager.grantRole(keeperRole, newKeeper);

        bytes memory call = abi.encodeCall(IAccessControl.grantRole, (keeperRole, newKeeper));
        uint256 delay = timelock.getMinDelay();
        vm.prank(governor);
        timelock.schedule(address(taskManager), 0, call, bytes32(0), bytes32("k"), delay);
        vm.expectRevert();
        timelock.execute(address(taskManager), 0, call, bytes32(0), bytes32("k"));
        vm.warp(block.timestamp + delay);
        vm.prank(stranger);
        timelock.execute(address(taskManager), 0, call, bytes32(0), bytes32("k"));
        assertTrue(taskManager.hasRole(keeperRole, newKeeper), "granted after the delay");
    }

    /// @notice PROTOCOL_ROLE (the power to slash) cannot be granted after deployment — not even by the timelock.
    function test_protocolRole_sealed_evenForTheAdmin() public {
        bytes32 role = registry.PROTOCOL_ROLE();
        bytes32 sealedRole = registry.SEALED_ROLE();
        assertEq(registry.getRoleAdmin(role), sealedRole, "admin of PROTOCOL_ROLE");
        assertEq(registry.getRoleAdmin(sealedRole), sealedRole, "SEALED_ROLE administers itself");
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, address(timelock), sealedRole
            )
        );
        vm.prank(address(timelock));
        registry.grantRole(role, stranger);
        vm.expectRevert(INodeRegistry.ProtocolContractsAlreadySet.selector);
        vm.prank(address(timelock));
        registry.setProtocolContracts(stranger, stranger);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, address(timelock), sealedRole
            )
        );
        vm.prank(address(timelock));
        registry.revokeRole(role, address(taskManager));
    }

    /// @notice A slash that leaves less bonded stake than is locked emits the clamped amount.
    function test_slashClamp_emitsNewLockedAmount() public {
        uint256 taskId = _post(1, MAX_PRICE, 0);
        _assign(taskId, 0, cheap);
        uint256 locked = registry.getNode(cheap).locked;
        uint256 stakeAmount = registry.getNode(cheap).stake;
        uint256 cut = stakeAmount - locked / 2; // leaves half the locked collateral bonded
        vm.expectEmit(true, false, false, true, address(registry));
        emit INodeRegistry.CollateralClamped(cheap, locked / 2, locked - locked / 2);
        vm.prank(address(disputeManager));
        registry.slash(cheap, cut, client, SlashReason.Timeout);
        assertEq(registry.getNode(cheap).locked, locked / 2, "clamped");
        assertEq(registry.liveCollateral(cheap), locked, "still accounted");
    }

    /// @notice NodeNotEligible names each failed condition, in order.
    function test_nodeNotEligible_namesEachCondition() public {
        Resources memory none = Resources({gpus: 0, vramMiB: 0, cpus: 0, memoryMiB: 0});
        assertEq(
            uint8(registry.eligibility(cheap, Tier.None, none, 10 * NRL, 0)), uint8(Ineligibility.None), "ok"
        );
        assertEq(
            uint8(registry.eligibility(99, Tier.None, none, 10 * NRL, 0)), uint8(Ineligibility.NotActive), "?"
        );
        assertEq(
            uint8(registry.eligibility(cheap, Tier.Platinum, none, 10 * NRL, 0)),
            uint8(Ineligibility.TierTooLow),
            "tier"
        );
        Resources memory r = Resources({gpus: 9, vramMiB: 0, cpus: 0, memoryMiB: 0});
        assertEq(
            uint8(registry.eligibility(cheap, Tier.None, r, 10 * NRL, 0)),
            uint8(Ineligibility.NotEnoughGpus),
            "g"
        );
        r = Resources({gpus: 0, vramMiB: type(uint32).max, cpus: 0, memoryMiB: 0});
        assertEq(
            uint8(registry.eligibility(cheap, Tier.None, r, 10 * NRL, 0)),
            uint8(Ineligibility.NotEnoughVram),
            "v"
        );
        r = Resources({gpus: 0, vramMiB: 0, cpus: type(uint16).max, memoryMiB: 0});
        assertEq(
            uint8(registry.eligibility(cheap, Tier.None, r, 10 * NRL, 0)),
            uint8(Ineligibility.NotEnoughCpus),
            "c"
        );
        r = Resources({gpus: 0, vramMiB: 0, cpus: 0, memoryMiB: type(uint32).max});
        assertEq(
            uint8(registry.eligibility(cheap, Tier.None, r, 10 * NRL, 0)),
            uint8(Ineligibility.NotEnoughMemory),
            "m"
        );
        assertEq(
            uint8(registry.eligibility(cheap, Tier.None, none, 10 * NRL - 1, 0)),
            uint8(Ineligibility.AskAboveMaxPrice),
            "ask"
        );
        assertEq(
            uint8(registry.eligibility(cheap, Tier.None, none, 10 * NRL, 1001 * NRL)),
            uint8(Ineligibility.InsufficientFreeStake),
            "stake"
        );
    }
}
