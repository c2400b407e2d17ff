// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {Deploy} from "../../script/Deploy.s.sol";
import {NeuralTimelock} from "../../src/governance/NeuralTimelock.sol";
import {IParameters} from "../../src/interfaces/IParameters.sol";
import {INodeRegistry} from "../../src/interfaces/INodeRegistry.sol";

/// @notice Runs the deploy script's logic and checks what it deployed, the roles and the parameter overrides.
contract DeployTest is Test {
    Deploy internal script;

    address internal deployer = makeAddr("deployer");
    address internal governor = makeAddr("governor");
    address internal keeper = makeAddr("keeper");
    address internal treasury = makeAddr("treasury");

    function setUp() public {
        script = new Deploy();
    }

    function _config(address gov) internal view returns (Deploy.Config memory cfg) {
        cfg = Deploy.Config({
            deployer: deployer,
            governor: gov,
            timelockProposer: governor,
            timelockDelay: 2 days,
            keeper: keeper,
            treasury: treasury,
            challengeWindow: 0,
            commitPeriod: 0,
            revealPeriod: 0,
            unbondingPeriod: 0
        });
    }

    function _checkWiring(Deploy.Deployment memory d) internal view {
        // Addresses between the contracts.
        assertEq(d.registry.token(), address(d.token));
        assertEq(d.taskManager.token(), address(d.token));
        assertEq(d.taskManager.registry(), address(d.registry));
        assertEq(d.taskManager.treasury(), treasury);
        assertEq(d.disputeManager.treasury(), treasury);
        assertEq(address(d.disputeManager.sortition()), address(d.sortition));
        assertEq(d.sortition.randomness(), address(d.randomness));
        assertEq(d.sortition.registry(), address(d.registry));
        assertEq(d.sortition.taskManager(), address(d.taskManager));
        assertEq(d.taskManager.extension(), address(d.taskManagerExtension));
        assertEq(d.modelRegistry.token(), address(d.token));
        assertEq(d.modelRegistry.taskManager(), address(d.taskManager));

        // The whole supply went to the deployer.
        assertEq(d.token.totalSupply(), script.INITIAL_SUPPLY());
        assertEq(d.token.balanceOf(deployer), 1_000_000_000 ether);

        // Protocol roles.
        bytes32 protocolRole = d.registry.PROTOCOL_ROLE();
        assertTrue(d.registry.hasRole(protocolRole, address(d.taskManager)));
        assertTrue(d.registry.hasRole(protocolRole, address(d.disputeManager)));
        assertFalse(d.registry.hasRole(protocolRole, deployer));
        assertTrue(d.taskManager.hasRole(d.taskManager.DISPUTE_ROLE(), address(d.disputeManager)));
        assertTrue(d.taskManager.hasRole(d.taskManager.AUDIT_ROLE(), address(d.sortition)));
        assertFalse(d.taskManager.hasRole(d.taskManager.AUDIT_ROLE(), keeper));
        assertTrue(d.taskManager.hasRole(d.taskManager.KEEPER_ROLE(), keeper));
        assertFalse(d.taskManager.hasRole(d.taskManager.KEEPER_ROLE(), deployer));
    }

    /// @dev The timelock is the admin of every governed contract and `gov` its governor; `other` holds neither, nor
    ///      does the deployer unless it is `gov`.
    function _checkGovernor(Deploy.Deployment memory d, address gov, address other) internal view {
        address admin = address(d.timelock);
        address[4] memory governed =
            [address(d.registry), address(d.taskManager), address(d.disputeManager), address(d.sortition)];
        for (uint256 i = 0; i < governed.length; ++i) {
            GovernedLike c = GovernedLike(governed[i]);
            assertTrue(c.hasRole(bytes32(0), admin), "timelock is admin");
            assertTrue(c.hasRole(c.GOVERNOR_ROLE(), gov), "governor");
            assertFalse(c.hasRole(bytes32(0), other), "other admin");
            assertFalse(c.hasRole(c.GOVERNOR_ROLE(), other), "other governor");
            if (gov != deployer) {
                assertFalse(c.hasRole(bytes32(0), deployer), "deployer admin");
                assertFalse(c.hasRole(c.GOVERNOR_ROLE(), deployer), "deployer governor");
            }
        }
    }

    /// @dev The timelock: `governor` (the configured proposer) proposes and cancels, anyone executes, no admin.
    function _checkTimelock(Deploy.Deployment memory d) internal view {
        NeuralTimelock tl = d.timelock;
        assertEq(tl.getMinDelay(), 2 days, "delay");
        assertTrue(tl.hasRole(tl.PROPOSER_ROLE(), governor), "proposer");
        assertTrue(tl.hasRole(tl.CANCELLER_ROLE(), governor), "canceller");
        assertTrue(tl.hasRole(tl.EXECUTOR_ROLE(), address(0)), "anyone executes");
        assertFalse(tl.hasRole(tl.PROPOSER_ROLE(), deployer), "deployer proposes");
        assertFalse(tl.hasRole(tl.DEFAULT_ADMIN_ROLE(), deployer), "deployer administers the timelock");
        assertTrue(tl.hasRole(tl.DEFAULT_ADMIN_ROLE(), address(tl)), "timelock administers itself");
    }

    /// @dev Schedules `data` on `target` as the proposer, waits the delay and executes it as a stranger.
    function _timelocked(Deploy.Deployment memory d, address target, bytes memory data) internal {
        NeuralTimelock tl = d.timelock;
        uint256 delay = tl.getMinDelay();
        vm.prank(governor);
        tl.schedule(target, 0, data, bytes32(0), bytes32(0), delay);
        bytes32 id = tl.hashOperation(target, 0, data, bytes32(0), bytes32(0));
        // Not before the delay.
        vm.expectRevert();
        tl.execute(target, 0, data, bytes32(0), bytes32(0));
        vm.warp(block.timestamp + delay);
        vm.prank(makeAddr("anyone"));
        tl.execute(target, 0, data, bytes32(0), bytes32(0));
        assertTrue(tl.isOperationDone(id), "executed");
    }

    function test_deploy_deployerGoverns() public {
        Deploy.Deployment memory d = script.deploy(_config(deployer));
        _checkWiring(d);
        _checkTimelock(d);
        _checkGovernor(d, deployer, governor);
        // Defaults untouched.
        assertEq(d.taskManager.getParameter("challengeWindow"), 1 days);
        assertEq(d.disputeManager.getParameter("commitPeriod"), 1 hours);
        assertEq(d.disputeManager.getParameter("revealPeriod"), 1 hours);
        assertEq(d.registry.getParameter("unbondingPeriod"), 7 days);
    }

    function test_deploy_handsGovernanceOver() public {
        Deploy.Deployment memory d = script.deploy(_config(governor));
        _checkWiring(d);
        _checkTimelock(d);
        _checkGovernor(d, governor, deployer);
        // The governor can govern; the deployer no longer can.
        vm.prank(governor);
        d.taskManager.setParameter("challengeWindow", 2 hours);
        assertEq(d.taskManager.getParameter("challengeWindow"), 2 hours);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                deployer,
                d.taskManager.GOVERNOR_ROLE()
            )
        );
        vm.prank(deployer);
        d.taskManager.setParameter("challengeWindow", 3 hours);
    }

    /// @notice Without a governor, the timelock holds GOVERNOR_ROLE too: parameter changes wait for its delay.
    function test_deploy_timelockGovernsByDefault() public {
        Deploy.Deployment memory d = script.deploy(_config(address(0)));
        _checkWiring(d);
        _checkTimelock(d);
        _checkGovernor(d, address(d.timelock), governor);
        bytes32 governorRole = d.taskManager.GOVERNOR_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, governor, governorRole
            )
        );
        vm.prank(governor);
        d.taskManager.setParameter("challengeWindow", 2 hours);
        _timelocked(
            d, address(d.taskManager), abi.encodeCall(IParameters.setParameter, ("challengeWindow", 2 hours))
        );
        assertEq(d.taskManager.getParameter("challengeWindow"), 2 hours);
    }

    /// @notice Role changes go through the timelock: its proposer schedules, anyone executes after the delay.
    function test_deploy_adminActsThroughTimelock() public {
        Deploy.Deployment memory d = script.deploy(_config(governor));
        address newKeeper = makeAddr("newKeeper");
        bytes32 keeperRole = d.taskManager.KEEPER_ROLE();
        // Neither the governor nor the deployer can grant a role directly.
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, governor, bytes32(0)
            )
        );
        vm.prank(governor);
        d.taskManager.grantRole(keeperRole, newKeeper);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, deployer, bytes32(0)
            )
        );
        vm.prank(deployer);
        d.taskManager.grantRole(keeperRole, newKeeper);
        _timelocked(
            d, address(d.taskManager), abi.encodeCall(IAccessControl.grantRole, (keeperRole, newKeeper))
        );
        assertTrue(d.taskManager.hasRole(keeperRole, newKeeper));
    }

    /// @notice PROTOCOL_ROLE is sealed after deployment: not even the timelock can grant it or set it again.
    function test_deploy_protocolRoleSealed() public {
        Deploy.Deployment memory d = script.deploy(_config(governor));
        bytes32 protocolRole = d.registry.PROTOCOL_ROLE();
        bytes32 sealedRole = d.registry.SEALED_ROLE();
        assertEq(d.registry.getRoleAdmin(protocolRole), sealedRole);
        assertEq(d.registry.getRoleAdmin(sealedRole), sealedRole);
        assertFalse(d.registry.hasRole(sealedRole, address(d.timelock)));
        assertFalse(d.registry.hasRole(sealedRole, deployer));
        assertFalse(d.registry.hasRole(sealedRole, governor));
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, address(d.timelock), sealedRole
            )
        );
        vm.prank(address(d.timelock));
        d.registry.grantRole(protocolRole, governor);
        vm.expectRevert(INodeRegistry.ProtocolContractsAlreadySet.selector);
        vm.prank(address(d.timelock));
        d.registry.setProtocolContracts(governor, governor);
    }

    function test_deploy_appliesTimingOverrides() public {
        Deploy.Config memory cfg = _config(governor);
        cfg.challengeWindow = 600;
        cfg.commitPeriod = 120;
        cfg.revealPeriod = 180;
        cfg.unbondingPeriod = 2 hours;
        Deploy.Deployment memory d = script.deploy(cfg);
        assertEq(d.taskManager.getParameter("challengeWindow"), 600);
        assertEq(d.disputeManager.getParameter("commitPeriod"), 120);
        assertEq(d.disputeManager.getParameter("revealPeriod"), 180);
        assertEq(d.registry.getParameter("unbondingPeriod"), 2 hours);
    }

    function test_deploy_revertsOnOverrideOutOfBounds() public {
        Deploy.Config memory cfg = _config(deployer);
        cfg.challengeWindow = 1; // below 1 minute
        vm.expectRevert(
            abi.encodeWithSelector(
                IParameters.ParameterOutOfBounds.selector, bytes32("challengeWindow"), 1, 1 minutes, 30 days
            )
        );
        script.deploy(cfg);
    }

    /// @dev Only this test sets NEURAL_* variables (they stay set in the test process; no other test reads
    ///      them). Defaults are covered by the deploy tests, which pass their Config explicitly.
    function test_configFromEnv_readsOverrides() public {
        vm.setEnv("NEURAL_GOVERNOR", vm.toString(governor));
        vm.setEnv("NEURAL_KEEPER", vm.toString(keeper));
        vm.setEnv("NEURAL_TREASURY", vm.toString(treasury));
        vm.setEnv("NEURAL_CHALLENGE_WINDOW", "600");
        vm.setEnv("NEURAL_COMMIT_PERIOD", "120");
        vm.setEnv("NEURAL_REVEAL_PERIOD", "180");
        vm.setEnv("NEURAL_UNBONDING_PERIOD", "7200");
        vm.setEnv("NEURAL_TIMELOCK_DELAY", "3600");
        vm.setEnv("NEURAL_TIMELOCK_PROPOSER", vm.toString(keeper));
        Deploy.Config memory cfg = script.configFromEnv(deployer);
        assertEq(cfg.governor, governor);
        assertEq(cfg.timelockDelay, 3600);
        assertEq(cfg.timelockProposer, keeper);
        assertEq(cfg.keeper, keeper);
        assertEq(cfg.treasury, treasury);
        assertEq(cfg.challengeWindow, 600);
        assertEq(cfg.commitPeriod, 120);
        assertEq(cfg.revealPeriod, 180);
        assertEq(cfg.unbondingPeriod, 7200);
    }
}

interface GovernedLike {
    function hasRole(bytes32 role, address account) external view returns (bool);
    // solhint-disable-next-line func-name-mixedcase
    function GOVERNOR_ROLE() external view returns (bytes32);
}
