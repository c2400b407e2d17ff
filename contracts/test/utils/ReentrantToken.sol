// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice ERC20 that, once armed, calls `target` with `payload` from inside its next transfer and
///         bubbles up any revert. Used to prove the registry's reentrancy guard.
contract ReentrantToken is ERC20 {
    address public target;
    bytes public payload;

    constructor(address holder, uint256 supply) ERC20("Reentrant", "REE") {
        _mint(holder, supply);
    }

    function arm(address target_, bytes calldata payload_) external {
        target = target_;
        payload = payload_;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        address t = target;
        if (t == address(0)) return;
        target = address(0);
        (bool ok, bytes memory ret) = t.call(payload);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
    }
}
