// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IRandomnessSource} from "../interfaces/IRandomnessSource.sol";

/// @title Committee and audit randomness from the hash of a target block
/// @notice seedAt(target, key) = keccak256(abi.encode(blockhash(target), key)), readable while
///         target < block.number <= target + 256. The target is fixed before it is mined (the block after a
///         challenge commitment or a result submission), so the challenger, the submitter, the keeper or whoever
///         calls later cannot grind the seed by choosing when to send. A target that went unread for 256 blocks
///         is moved to the next future block of the same residue modulo 256 (`retarget`).
/// @dev WEAK RANDOMNESS, v1 only: the proposer of the target block can still withhold it to re-roll once per
///      slot it owns. Replace it with a VRF through `Sortition.setRandomnessSource` for high stakes.
contract BlockhashRandomness is IRandomnessSource {
    /// @notice How many past block hashes the EVM exposes.
    uint256 public constant WINDOW = 256;

    /// @inheritdoc IRandomnessSource
    function seedAt(uint256 target, bytes32 key) external view returns (bytes32 seed, bool available) {
        if (target >= block.number || block.number - target > WINDOW) return (bytes32(0), false);
        bytes32 h = blockhash(target);
        if (h == bytes32(0)) return (bytes32(0), false);
        return (keccak256(abi.encode(h, key)), true);
    }

    /// @inheritdoc IRandomnessSource
    function retarget(uint256 target) external view returns (uint256) {
        if (target >= block.number) return target;
        uint256 steps = (block.number - target) / WINDOW + 1;
        return target + steps * WINDOW;
    }
}
