// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title The admin of every governed Neural contract
/// @notice OpenZeppelin's TimelockController, unchanged: proposers schedule role changes (and, when it also holds
///         GOVERNOR_ROLE, parameter changes), anyone executes them once `getMinDelay()` has passed, cancellers can stop
///         them meanwhile. The deploy script makes it the DEFAULT_ADMIN_ROLE holder of the NodeRegistry, TaskManager,
///         DisputeManager and Sortition, with no admin of its own: changing its delay or proposers is itself a
///         timelocked operation. Named so that its ABI and deployment entry are the project's own.
contract NeuralTimelock is TimelockController {
    /// @param minDelay Seconds between scheduling an operation and its earliest execution.
    /// @param proposers Accounts that may schedule and cancel operations.
    /// @param executors Accounts that may execute ready operations; address(0) means anyone.
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors)
        TimelockController(minDelay, proposers, executors, address(0))
    {}
}
