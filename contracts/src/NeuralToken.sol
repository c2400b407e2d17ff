// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

import {INeuralToken} from "./interfaces/INeuralToken.sol";

/// @title NRL, the Neural token
/// @notice Fixed-supply ERC20 with EIP-2612 permit. The whole supply is minted once, in the constructor;
///         there is no mint, burn, pause or owner.
/// @dev NodeRegistry stores per-node amounts in 96 bits (checked with SafeCast), so a supply above
///      type(uint96).max (~7.9e10 NRL) would only make very large single-node stakes revert.
contract NeuralToken is ERC20, ERC20Permit, INeuralToken {
    /// @param initialHolder Receives the whole supply (reverts ERC20InvalidReceiver when zero).
    /// @param initialSupply Total supply in wei (18 decimals).
    constructor(address initialHolder, uint256 initialSupply) ERC20("Neural", "NRL") ERC20Permit("Neural") {
        _mint(initialHolder, initialSupply);
    }

    /// @inheritdoc IERC20Permit
    function nonces(address owner) public view override(ERC20Permit, IERC20Permit) returns (uint256) {
        return super.nonces(owner);
    }
}
