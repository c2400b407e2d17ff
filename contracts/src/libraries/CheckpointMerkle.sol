// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/// @title Checkpoint commitments
/// @notice The leaf encoding every party uses for training checkpoints. It is the encoding of
///         `StandardMerkleTree.of(values, ["uint256", "uint256", "bytes32"])` in the OpenZeppelin merkle-tree package:
///         the ABI-encoded (index, step, hash) hashed twice, so a leaf can never be mistaken for an inner node.
library CheckpointMerkle {
    /// @notice Leaf of checkpoint `index` taken at training step `step` whose file has sha256 `checkpointHash`.
    function leaf(uint256 index, uint256 step, bytes32 checkpointHash) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(index, step, checkpointHash))));
    }

    /// @notice True when `proof` shows that `root` commits to checkpoint (index, step, checkpointHash).
    function verify(
        bytes32 root,
        uint256 index,
        uint256 step,
        bytes32 checkpointHash,
        bytes32[] calldata proof
    ) internal pure returns (bool) {
        return MerkleProof.verifyCalldata(proof, root, leaf(index, step, checkpointHash));
    }
}
