// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";

/// @title NRL, the Neural token
/// @notice Fixed-supply ERC20 with EIP-2612 permit, used for stake, task escrow, bonds and tips.
interface INeuralToken is IERC20, IERC20Permit {}
