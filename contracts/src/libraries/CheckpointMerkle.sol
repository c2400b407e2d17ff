// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {Checkpoint} from "../types/Types.sol";

/// @title Checkpoint commitments
/// @notice The leaf encoding and tree every party uses for training checkpoints. Leaves are the encoding of
///         `StandardMerkleTree.of(values, ["uint256", "uint256", "bytes32"], { sortLeaves: false })` in the
///         OpenZeppelin merkle-tree package: the ABI-encoded (index, step, hash) hashed twice, so a leaf can never be
///         mistaken for an inner node. The tree is that package's: leaves in submission order, laid out as a
///         complete binary tree in an array (leaf i at position 2n - 2 - i), inner nodes hashed as sorted pairs.
library CheckpointMerkle {
    /// @notice Leaf of checkpoint `index` taken at training step `step` whose file has sha256 `checkpointHash`.
    function leaf(uint256 index, uint256 step, bytes32 checkpointHash) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(index, step, checkpointHash))));
    }

    /// @notice Root of the tree over `checkpoints` (leaf i = checkpoints[i]); at least one checkpoint.
    function root(Checkpoint[] calldata checkpoints) internal pure returns (bytes32) {
        uint256 n = checkpoints.length;
        bytes32[] memory tree = new bytes32[](2 * n - 1);
        uint256 last = 2 * n - 2;
        for (uint256 i; i < n; ++i) {
            tree[last - i] = leaf(i, checkpoints[i].step, checkpoints[i].hash);
        }
        for (uint256 i = n - 1; i > 0;) {
            --i;
            tree[i] = Hashes.commutativeKeccak256(tree[2 * i + 1], tree[2 * i + 2]);
        }
        return tree[0];
    }

    /// @notice True when `proof` shows that `root_` commits to checkpoint (index, step, checkpointHash).
    function verify(
        bytes32 root_,
        uint256 index,
        uint256 step,
        bytes32 checkpointHash,
        bytes32[] calldata proof
    ) internal pure returns (bool) {
        return MerkleProof.verifyCalldata(proof, root_, leaf(index, step, checkpointHash));
    }
}
