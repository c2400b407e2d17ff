// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Source of randomness for committee and audit draws
/// @notice Draws are "commit now, draw later": the caller fixes a target block in the future when the need arises
///         (a challenge is committed, a result is submitted), and the seed is the randomness of that block, so
///         nobody who acts before it is mined can know or choose it. Behind an interface so a VRF adapter can
///         replace the block-hash source without touching disputes.
interface IRandomnessSource {
    /// @notice The seed for `key` from the randomness of block `target`.
    /// @return seed keccak256 of the block's randomness and `key` (zero when not available).
    /// @return available False while `target` is not yet mined (target >= block.number) and once its randomness
    ///         can no longer be read (for block hashes: older than 256 blocks).
    function seedAt(uint256 target, bytes32 key) external view returns (bytes32 seed, bool available);

    /// @notice The target to use instead of `target` once it can no longer be read: the first block of the form
    ///         target + m * window (m >= 1) that is still in the future. Deterministic in (target, block.number):
    ///         nobody can pick a block whose randomness is already known.
    function retarget(uint256 target) external view returns (uint256);
}
