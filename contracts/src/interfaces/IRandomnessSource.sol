// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Source of randomness for committee sampling
/// @notice Behind an interface so a VRF can replace the prevrandao source without touching disputes.
interface IRandomnessSource {
    /// @notice A seed for drawing the committee of `disputeId` in `round`.
    function seed(uint256 disputeId, uint256 round) external view returns (bytes32);
}
