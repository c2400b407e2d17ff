// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IRandomnessSource} from "../interfaces/IRandomnessSource.sol";

/// @title Committee-sampling randomness from block.prevrandao
/// @notice seed(disputeId, round) = keccak256(abi.encode(block.prevrandao, blockhash(block.number - 1), disputeId,
///         round)), evaluated in the block of the call.
/// @dev WEAK RANDOMNESS, v1 only. Everything hashed is known before the transaction is included: the caller
///      (the challenger, or whoever calls `resolve` for a redraw) can simulate the draw and choose when to send,
///      and the block proposer can bias `prevrandao` (by withholding a block) or reorder / drop the transaction.
///      Acceptable only while committees are small-stakes relative to that cost; replace it with a VRF through
///      `DisputeManager.setRandomnessSource` (it sits behind IRandomnessSource for that reason).
contract PrevrandaoRandomness is IRandomnessSource {
    /// @inheritdoc IRandomnessSource
    function seed(uint256 disputeId, uint256 round) external view returns (bytes32) {
        return keccak256(abi.encode(block.prevrandao, blockhash(block.number - 1), disputeId, round));
    }
}
