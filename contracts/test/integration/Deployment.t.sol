// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {Assignment, SlashReason, Tier, TierThreshold} from "../../src/types/Types.sol";
import {NeuralTest} from "../utils/NeuralTest.sol";

/// @notice The production deployment (Deploy.deploy): contract links, role wiring, handover of governance,
///         parameter defaults of docs/protocol.md, and that no one but the role holder can reach a gated
///         function.
contract DeploymentTest is NeuralTest {
    function test_deployment_linksContracts() public view {
        assertEq(token.totalSupply(), INITIAL_SUPPLY);
        // The whole supply went to the deployer, which funded the test's client and challenger.
        assertEq(
            token.balanceOf(deployer) + token.balanceOf(client) + token.balanceOf(challenger),
            INITIAL_SUPPLY,
            "whole supply to the deployer"
        );
        assertEq(registry.token(), address(token));
        assertEq(taskManager.token(), address(token));
        assertEq(taskManager.registry(), address(registry));
        assertEq(taskManager.treasury(), treasury);
        assertEq(address(disputeManager.token()), address(token));
        assertEq(address(disputeManager.registry()), address(registry));
        assertEq(address(disputeManager.taskManager()), address(taskManager));
        assertEq(address(disputeManager.sortition()), address(sortition));
        assertEq(sortition.randomness(), address(randomness));
        assertEq(disputeManager.treasury(), treasury);
        assertEq(models.token(), address(token));
        assertEq(models.taskManager(), address(taskManager));
    }

    function test_deployment_wiresRolesAndHandsOverGovernance() public view {
        bytes32 protocolRole = registry.PROTOCOL_ROLE();
        assertTrue(registry.hasRole(protocolRole, address(taskManager)), "registry PROTOCOL -> taskManager");
        assertTrue(registry.hasRole(protocolRole, address(disputeManager)), "registry PROTOCOL -> disputes");
        assertTrue(taskManager.hasRole(taskManager.DISPUTE_ROLE(), address(disputeManager)), "DISPUTE_ROLE");
        assertTrue(taskManager.hasRole(taskManager.KEEPER_ROLE(), keeper), "KEEPER_ROLE");
        assertTrue(taskManager.hasRole(taskManager.AUDIT_ROLE(), address(sortition)), "AUDIT_ROLE");
        assertFalse(registry.hasRole(protocolRole, keeper));
        assertFalse(registry.hasRole(protocolRole, deployer));
        assertFalse(taskManager.hasRole(taskManager.DISPUTE_ROLE(), deployer));
        assertFalse(taskManager.hasRole(taskManager.KEEPER_ROLE(), deployer));

        IAccessControl[4] memory governed = [
            IAccessControl(address(registry)),
            IAccessControl(address(taskManager)),
            IAccessControl(address(disputeManager)),
            IAccessControl(address(sortition))
        ];
        bytes32 governorRole = registry.GOVERNOR_ROLE();
        for (uint256 i; i < 4; ++i) {
            assertTrue(governed[i].hasRole(bytes32(0), address(timelock)), "timelock is admin");
            assertFalse(governed[i].hasRole(bytes32(0), governor), "governor is not admin");
            assertTrue(governed[i].hasRole(governorRole, governor), "governor role");
            assertFalse(governed[i].hasRole(bytes32(0), deployer), "deployer renounced admin");
            assertFalse(governed[i].hasRole(governorRole, deployer), "deployer renounced governor");
        }
    }

    /// @notice The admin is the timelock: the governor proposes a role change, anyone executes it after the delay;
    ///         PROTOCOL_ROLE stays sealed even for the timelock.
    function test_deployment_adminActionsGoThroughTimelock() public {
        address newKeeper = makeAddr("newKeeper");
        bytes32 keeperRole = taskManager.KEEPER_ROLE();
        _expectUnauthorized(governor, bytes32(0));
        vm.prank(governor);
        taskManager.grantRole(keeperRole, newKeeper);
        uint256 before = block.timestamp;
        _timelockExecute(address(taskManager), abi.encodeCall(taskManager.grantRole, (keeperRole, newKeeper)));
        assertEq(block.timestamp, before + 2 days, "after the delay");
        assertTrue(taskManager.hasRole(keeperRole, newKeeper));

        bytes32 protocolRole = registry.PROTOCOL_ROLE();
        bytes memory grant = abi.encodeCall(registry.grantRole, (protocolRole, governor));
        vm.prank(governor);
        timelock.schedule(address(registry), 0, grant, bytes32(0), bytes32(0), 2 days);
        vm.warp(block.timestamp + 2 days);
        vm.expectRevert(); // AccessControlUnauthorizedAccount(timelock, SEALED_ROLE), wrapped by the timelock
        timelock.execute(address(registry), 0, grant, bytes32(0), bytes32(0));
        assertFalse(registry.hasRole(protocolRole, governor));
    }

    function test_deployment_defaultsMatchProtocolDoc() public view {
        assertEq(registry.getParameter("minStake"), MIN_STAKE);
        assertEq(registry.getParameter("unbondingPeriod"), UNBONDING_PERIOD);
        assertEq(registry.getParameter("jailPeriod"), JAIL_PERIOD);
        assertEq(taskManager.getParameter("challengeWindow"), CHALLENGE_WINDOW);
        assertEq(taskManager.getParameter("maxAttempts"), MAX_ATTEMPTS);
        assertEq(taskManager.getParameter("collateralRatioBps"), COLLATERAL_RATIO_BPS);
        assertEq(taskManager.getParameter("auditFeeBps"), AUDIT_FEE_BPS);
        assertEq(taskManager.getParameter("timeoutSlashBps"), TIMEOUT_SLASH_BPS);
        assertEq(taskManager.getParameter("maxShardsPerTask"), 1000);
        assertEq(taskManager.getParameter("minMaxDuration"), 60);
        assertEq(taskManager.getParameter("maxMaxDuration"), 30 days);
        assertEq(taskManager.getParameter("challengeRevealPeriod"), CHALLENGE_REVEAL_PERIOD);
        assertEq(taskManager.getParameter("minCollateral"), 1e15);
        assertEq(taskManager.getParameter("minShardPrice"), 1e15);
        assertEq(taskManager.getParameter("releaseGracePeriod"), 10 minutes);
        assertEq(taskManager.getParameter("claimDelayBlocks"), 20);
        assertEq(taskManager.getParameter("livenessWindow"), 10 minutes);
        assertEq(disputeManager.getParameter("committeeMinStake"), 100 * NRL);
        assertEq(disputeManager.getParameter("committeeMinAge"), COMMITTEE_MIN_AGE);
        assertEq(sortition.getParameter("auditSampleTries"), 256);
        assertEq(sortition.getParameter("drawWeightCap"), 10_000 * NRL);
        assertEq(disputeManager.getParameter("committeeSize"), COMMITTEE_SIZE);
        assertEq(disputeManager.getParameter("committeeMinTier"), uint256(Tier.Bronze));
        assertEq(disputeManager.getParameter("challengeBond"), CHALLENGE_BOND);
        assertEq(disputeManager.getParameter("commitPeriod"), COMMIT_PERIOD);
        assertEq(disputeManager.getParameter("revealPeriod"), REVEAL_PERIOD);
        assertEq(disputeManager.getParameter("disputeSlashBps"), DISPUTE_SLASH_BPS);
        assertEq(disputeManager.getParameter("challengerRewardBps"), CHALLENGER_REWARD_BPS);
        assertEq(disputeManager.getParameter("voterRewardBps"), VOTER_REWARD_BPS);
        assertEq(disputeManager.getParameter("submitterBondShareBps"), SUBMITTER_BOND_SHARE_BPS);
        assertEq(disputeManager.getParameter("nonRevealSlash"), NON_REVEAL_SLASH);
        assertEq(disputeManager.getParameter("maxSampleTries"), 256);

        uint16[5] memory fees = [uint16(1000), 800, 600, 400, 250];
        for (uint8 t; t < 5; ++t) {
            assertEq(taskManager.tierFeeBps(Tier(t)), fees[t], "tier fee");
        }
        uint128[5] memory stakes = [uint128(0), 100 * 1e18, 1000 * 1e18, 10_000 * 1e18, 50_000 * 1e18];
        uint32[5] memory completed = [uint32(0), 0, 10, 100, 500];
        uint16[5] memory success = [uint16(0), 0, 9000, 9500, 9800];
        uint128[5] memory minFees = [uint128(0), 0, 1e18, 10 * 1e18, 50 * 1e18];
        for (uint8 t = 1; t < 5; ++t) {
            TierThreshold memory th = registry.tierThreshold(Tier(t));
            assertEq(th.minStake, stakes[t], "tier min stake");
            assertEq(th.minCompleted, completed[t], "tier min completed");
            assertEq(th.minSuccessBps, success[t], "tier min success");
            assertEq(th.minFeesPaid, minFees[t], "tier min fees paid");
        }
    }

    function _expectUnauthorized(address caller, bytes32 role) internal {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, role)
        );
    }

    /// @notice Every role-gated function of the three governed contracts refuses any caller without the role:
    ///         strangers, clients, node operators, the keeper outside its role and the deployer after handover.
    function testFuzz_onlyRoleHoldersReachGatedFunctions(address caller) public {
        vm.assume(
            caller != governor && caller != keeper && caller != address(vm) && caller != address(timelock)
        );
        vm.assume(
            caller != address(taskManager) && caller != address(disputeManager)
                && caller != address(sortition)
        );
        uint256 nodeId = _registerNode(MIN_STAKE);
        uint256 taskId = _post(1, 10 * NRL, 0);
        bytes32 protocolRole = registry.PROTOCOL_ROLE();
        bytes32 governorRole = registry.GOVERNOR_ROLE();
        bytes32 keeperRole = taskManager.KEEPER_ROLE();
        bytes32 disputeRole = taskManager.DISPUTE_ROLE();
        bytes32 auditRole = taskManager.AUDIT_ROLE();

        vm.startPrank(caller);
        _expectUnauthorized(caller, protocolRole);
        registry.lockCollateral(nodeId, 1);
        _expectUnauthorized(caller, protocolRole);
        registry.unlockCollateral(nodeId, 1);
        _expectUnauthorized(caller, protocolRole);
        registry.slash(nodeId, 1, caller == address(0) ? stranger : caller, SlashReason.Timeout);
        _expectUnauthorized(caller, protocolRole);
        registry.settleSuccesses(nodeId, 1, 0, 1);
        _expectUnauthorized(caller, protocolRole);
        registry.lockForAssignment(nodeId, Tier.None, _resources(), 10 * NRL, 1);
        _expectUnauthorized(caller, protocolRole);
        registry.recordFailure(nodeId);
        _expectUnauthorized(caller, bytes32(0));
        registry.setProtocolContracts(caller == address(0) ? stranger : caller, stranger);
        _expectUnauthorized(caller, governorRole);
        registry.setParameter("minStake", 2e18);
        _expectUnauthorized(caller, governorRole);
        registry.setTierThreshold(
            Tier.Bronze, TierThreshold({minStake: 1e18, minCompleted: 0, minSuccessBps: 0, minFeesPaid: 0})
        );

        Assignment[] memory a = new Assignment[](1);
        a[0] = Assignment({taskId: uint64(taskId), shardIndex: 0, nodeId: uint64(nodeId)});
        _expectUnauthorized(caller, keeperRole);
        taskManager.assignShards(a);
        _expectUnauthorized(caller, auditRole);
        taskManager.onAuditAssigned(taskId, 0, 1, nodeId);
        _expectUnauthorized(caller, disputeRole);
        taskManager.onChallengeCommitted(taskId, 0);
        _expectUnauthorized(caller, disputeRole);
        taskManager.onChallenged(taskId, 0, 1, 1, caller);
        _expectUnauthorized(caller, disputeRole);
        taskManager.onDisputeResolved(taskId, 0, 1, 1, true, 0);
        _expectUnauthorized(caller, governorRole);
        taskManager.setParameter("challengeWindow", 2 days);
        _expectUnauthorized(caller, governorRole);
        taskManager.setTierFee(Tier.None, 0);
        _expectUnauthorized(caller, governorRole);
        taskManager.setTreasury(caller == address(0) ? stranger : caller);

        _expectUnauthorized(caller, governorRole);
        disputeManager.setParameter("challengeBond", 0);
        _expectUnauthorized(caller, governorRole);
        disputeManager.setTreasury(caller == address(0) ? stranger : caller);
        _expectUnauthorized(caller, governorRole);
        sortition.setRandomnessSource(caller == address(0) ? stranger : caller);
        _expectUnauthorized(caller, governorRole);
        sortition.setParameter("auditSampleTries", 1);
        vm.stopPrank();

        // Nothing moved.
        assertEq(registry.getNode(nodeId).locked, 0);
        assertEq(registry.getNode(nodeId).stake, MIN_STAKE);
        _assertSystem();
    }

    /// @notice The keeper's role stops at assignment: it cannot slash, settle disputes or govern.
    function test_keeperCannotActOutsideItsRole() public {
        uint256 nodeId = _registerNode(MIN_STAKE);
        uint256 taskId = _post(1, 10 * NRL, 0);
        vm.startPrank(keeper);
        _expectUnauthorized(keeper, registry.PROTOCOL_ROLE());
        registry.slash(nodeId, 1, keeper, SlashReason.Timeout);
        _expectUnauthorized(keeper, taskManager.DISPUTE_ROLE());
        taskManager.onDisputeResolved(taskId, 0, 1, 1, false, 0);
        _expectUnauthorized(keeper, taskManager.GOVERNOR_ROLE());
        taskManager.setParameter("maxAttempts", 1);
        vm.stopPrank();
        // Its own role works.
        _assign(taskId, 0, nodeId);
        assertEq(taskManager.getShard(taskId, 0).nodeId, nodeId);
    }
}
