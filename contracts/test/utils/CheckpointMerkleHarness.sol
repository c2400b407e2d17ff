// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CheckpointMerkle} from "../../src/libraries/CheckpointMerkle.sol";

/// @title Test-only harness exposing the checkpoint Merkle library
/// @notice Lets off-chain tests (the SDK) check their leaves and proofs against the exact Solidity code.
contract CheckpointMerkleHarness {
    function leaf(uint256 index, uint256 step, bytes32 checkpointHash) external pure returns (bytes32) {
        return CheckpointMerkle.leaf(index, step, checkpointHash);
    }

    function verify(
        bytes32 root,
        uint256 index,
        uint256 step,
        bytes32 checkpointHash,
        bytes32[] calldata proof
    ) external pure returns (bool) {
        return CheckpointMerkle.verify(root, index, step, checkpointHash, proof);
    }
}
