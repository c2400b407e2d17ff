// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Script} from "forge-std/Script.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {NeuralTimelock} from "../src/governance/NeuralTimelock.sol";

import {DisputeManager} from "../src/DisputeManager.sol";
import {DatasetRegistry} from "../src/DatasetRegistry.sol";
import {ModelRegistry} from "../src/ModelRegistry.sol";
import {NeuralToken} from "../src/NeuralToken.sol";
import {NodeRegistry} from "../src/NodeRegistry.sol";
import {TaskManager} from "../src/TaskManager.sol";
import {IParameters} from "../src/interfaces/IParameters.sol";
import {BlockhashRandomness} from "../src/randomness/BlockhashRandomness.sol";
import {Sortition} from "../src/Sortition.sol";
import {TaskManagerExtension} from "../src/TaskManagerExtension.sol";

interface IGoverned is IAccessControl, IParameters {
    // solhint-disable-next-line func-name-mixedcase
    function DEFAULT_ADMIN_ROLE() external view returns (bytes32);
    // solhint-disable-next-line func-name-mixedcase
    function GOVERNOR_ROLE() external view returns (bytes32);
}

/// @title Deploys and wires the whole Neural protocol
/// @notice forge script contracts/script/Deploy.s.sol:Deploy --rpc-url URL --private-key KEY --broadcast
///         The broadcasting key is the deployer: it receives the whole NRL supply.
///         Governance: the admin (DEFAULT_ADMIN_ROLE: grants and revokes roles) of every governed contract is an
///         OpenZeppelin TimelockController deployed here, with delay NEURAL_TIMELOCK_DELAY (default 2 days), the
///         proposers and cancellers NEURAL_TIMELOCK_PROPOSER (default: the deployer), anyone as executor, and no
///         admin of its own (it governs itself). GOVERNOR_ROLE (parameters, tier thresholds and fees, treasury) goes
///         to NEURAL_GOVERNOR, by default the timelock too. The deployer keeps no role, unless it is also the governor (the devnet).
///         PROTOCOL_ROLE of the NodeRegistry is granted once to the TaskManager and the DisputeManager and sealed.
///         Environment (all optional): NEURAL_GOVERNOR, NEURAL_KEEPER, NEURAL_TREASURY (default: the deployer for
///         the keeper and the treasury), NEURAL_TIMELOCK_DELAY, NEURAL_TIMELOCK_PROPOSER;
///         NEURAL_CHALLENGE_WINDOW (TaskManager), NEURAL_COMMIT_PERIOD, NEURAL_REVEAL_PERIOD (DisputeManager),
///         NEURAL_UNBONDING_PERIOD (NodeRegistry), in seconds, 0 or unset = keep the default.
/// @dev The governed contracts are created with the deployer as their admin and governor so that the script can
///      wire the roles and apply the parameter overrides; the roles then move to the timelock and the governor and
///      the deployer renounces its own, in the same broadcast.
///      run() returns the role holders; scripts/deployments.mjs reads them from the broadcast file.
contract Deploy is Script {
    /// @notice Whole NRL supply, minted to the deployer.
    uint256 public constant INITIAL_SUPPLY = 1_000_000_000 ether;

    /// @notice Default NEURAL_TIMELOCK_DELAY: how long a scheduled admin action waits before anyone can execute it.
    uint256 public constant DEFAULT_TIMELOCK_DELAY = 2 days;

    struct Config {
        address deployer;
        address governor; // address(0): the timelock
        address timelockProposer;
        uint256 timelockDelay;
        address keeper;
        address treasury;
        uint256 challengeWindow; // 0 = TaskManager default
        uint256 commitPeriod; // 0 = DisputeManager default
        uint256 revealPeriod; // 0 = DisputeManager default
        uint256 unbondingPeriod; // 0 = NodeRegistry default
    }

    struct Deployment {
        NeuralToken token;
        NodeRegistry registry;
        TaskManagerExtension taskManagerExtension;
        TaskManager taskManager;
        BlockhashRandomness randomness;
        Sortition sortition;
        DisputeManager disputeManager;
        ModelRegistry modelRegistry;
        DatasetRegistry datasetRegistry;
        NeuralTimelock timelock;
    }

    function run() external returns (address governor, address keeper, address treasury, address admin) {
        Config memory cfg = configFromEnv(msg.sender);
        Deployment memory d = deploy(cfg);
        admin = address(d.timelock);
        governor = cfg.governor == address(0) ? admin : cfg.governor;
        return (governor, cfg.keeper, cfg.treasury, admin);
    }

    /// @notice The configuration the environment asks for, with `deployer` as the default role holder.
    function configFromEnv(address deployer) public view returns (Config memory cfg) {
        cfg.deployer = deployer;
        cfg.governor = vm.envOr("NEURAL_GOVERNOR", address(0));
        cfg.timelockProposer = vm.envOr("NEURAL_TIMELOCK_PROPOSER", deployer);
        cfg.timelockDelay = vm.envOr("NEURAL_TIMELOCK_DELAY", DEFAULT_TIMELOCK_DELAY);
        cfg.keeper = vm.envOr("NEURAL_KEEPER", deployer);
        cfg.treasury = vm.envOr("NEURAL_TREASURY", deployer);
        cfg.challengeWindow = vm.envOr("NEURAL_CHALLENGE_WINDOW", uint256(0));
        cfg.commitPeriod = vm.envOr("NEURAL_COMMIT_PERIOD", uint256(0));
        cfg.revealPeriod = vm.envOr("NEURAL_REVEAL_PERIOD", uint256(0));
        cfg.unbondingPeriod = vm.envOr("NEURAL_UNBONDING_PERIOD", uint256(0));
    }

    /// @notice Deploys every contract from `cfg.deployer`, wires the roles, applies the overrides and hands
    ///         the admin role to the timelock and GOVERNOR_ROLE to `cfg.governor` (the timelock when zero).
    function deploy(Config memory cfg) public returns (Deployment memory d) {
        vm.startBroadcast(cfg.deployer);

        address[] memory proposers = new address[](1);
        proposers[0] = cfg.timelockProposer;
        address[] memory executors = new address[](1); // address(0): anyone may execute a ready operation
        d.timelock = new NeuralTimelock(cfg.timelockDelay, proposers, executors);
        address governor = cfg.governor == address(0) ? address(d.timelock) : cfg.governor;

        d.token = new NeuralToken(cfg.deployer, INITIAL_SUPPLY);
        d.registry = new NodeRegistry(address(d.token), cfg.deployer);
        d.taskManagerExtension = new TaskManagerExtension(address(d.token), address(d.registry), governor);
        d.datasetRegistry = new DatasetRegistry(cfg.deployer);
        d.taskManager = new TaskManager(
            address(d.token),
            address(d.registry),
            cfg.deployer,
            cfg.treasury,
            address(d.taskManagerExtension),
            address(d.datasetRegistry)
        );
        d.randomness = new BlockhashRandomness();
        d.sortition =
            new Sortition(address(d.registry), address(d.taskManager), address(d.randomness), cfg.deployer);
        d.disputeManager = new DisputeManager(
            address(d.token),
            address(d.registry),
            address(d.taskManager),
            address(d.sortition),
            cfg.deployer,
            cfg.treasury
        );
        d.modelRegistry = new ModelRegistry(address(d.token), address(d.taskManager));

        d.registry.setProtocolContracts(address(d.taskManager), address(d.disputeManager));
        d.taskManager.grantRole(d.taskManager.DISPUTE_ROLE(), address(d.disputeManager));
        d.taskManager.grantRole(d.taskManager.AUDIT_ROLE(), address(d.sortition));
        d.taskManager.grantRole(d.taskManager.KEEPER_ROLE(), cfg.keeper);

        _setIfNonZero(address(d.taskManager), "challengeWindow", cfg.challengeWindow);
        _setIfNonZero(address(d.disputeManager), "commitPeriod", cfg.commitPeriod);
        _setIfNonZero(address(d.disputeManager), "revealPeriod", cfg.revealPeriod);
        _setIfNonZero(address(d.registry), "unbondingPeriod", cfg.unbondingPeriod);

        _handOver(address(d.registry), cfg.deployer, address(d.timelock), governor);
        _handOver(address(d.taskManager), cfg.deployer, address(d.timelock), governor);
        _handOver(address(d.disputeManager), cfg.deployer, address(d.timelock), governor);
        _handOver(address(d.sortition), cfg.deployer, address(d.timelock), governor);
        _handOver(address(d.datasetRegistry), cfg.deployer, address(d.timelock), governor);

        vm.stopBroadcast();
    }

    function _setIfNonZero(address target, bytes32 name, uint256 value) private {
        if (value != 0) IGoverned(target).setParameter(name, value);
    }

    function _handOver(address target, address deployer, address admin, address governor) private {
        IGoverned c = IGoverned(target);
        bytes32 adminRole = c.DEFAULT_ADMIN_ROLE();
        bytes32 governorRole = c.GOVERNOR_ROLE();
        c.grantRole(adminRole, admin);
        if (governor != deployer) {
            c.grantRole(governorRole, governor);
            c.renounceRole(governorRole, deployer);
        }
        c.renounceRole(adminRole, deployer);
    }
}
