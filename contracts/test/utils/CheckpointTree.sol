// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";

import {CheckpointMerkle} from "../../src/libraries/CheckpointMerkle.sol";
import {Checkpoint} from "../../src/types/Types.sol";

/// @notice Builds checkpoint Merkle trees and proofs exactly like OpenZeppelin's
///         `StandardMerkleTree.of(values, ["uint256","uint256","bytes32"], { sortLeaves: false })` and the
///         contracts' `CheckpointMerkle.root`: leaves in checkpoint order, laid out as a complete binary tree in an
///         array (leaf i at `length - 1 - i`), sorted-pair node hashing.
library CheckpointTree {
    error EmptyTree();
    error LeafNotInTree(bytes32 leaf);

    struct Tree {
        bytes32[] nodes; // nodes[0] is the root
        uint256 leafCount;
    }

    /// @dev Step and hash of the test checkpoint `i` (any deterministic values do).
    function step(uint256 i) internal pure returns (uint256) {
        return (i + 1) * 100;
    }

    function ckptHash(uint256 i) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked("ckpt", i));
    }

    /// @notice Tree over checkpoints 0 .. count-1 with the deterministic test values above.
    function standard(uint256 count) internal pure returns (Tree memory) {
        bytes32[] memory leaves = new bytes32[](count);
        for (uint256 i; i < count; ++i) {
            leaves[i] = CheckpointMerkle.leaf(i, step(i), ckptHash(i));
        }
        return build(leaves);
    }

    /// @notice The checkpoints 0 .. count-1 with the deterministic test values above.
    function standardCheckpoints(uint256 count) internal pure returns (Checkpoint[] memory cps) {
        cps = new Checkpoint[](count);
        for (uint256 i; i < count; ++i) {
            cps[i] = Checkpoint({step: uint64(step(i)), hash: ckptHash(i)});
        }
    }

    /// @notice Leaves of `cps` in order (leaf i = checkpoint i).
    function leavesOf(Checkpoint[] memory cps) internal pure returns (bytes32[] memory leaves) {
        leaves = new bytes32[](cps.length);
        for (uint256 i; i < cps.length; ++i) {
            leaves[i] = CheckpointMerkle.leaf(i, cps[i].step, cps[i].hash);
        }
    }

    /// @notice Tree over `cps`, as submitResult builds it on-chain.
    function fromCheckpoints(Checkpoint[] memory cps) internal pure returns (Tree memory) {
        return build(leavesOf(cps));
    }

    /// @notice Tree over already-hashed leaves, kept in the given order.
    function build(bytes32[] memory leaves) internal pure returns (Tree memory t) {
        uint256 n = leaves.length;
        if (n == 0) revert EmptyTree();
        uint256 len = 2 * n - 1;
        t.nodes = new bytes32[](len);
        t.leafCount = n;
        for (uint256 i; i < n; ++i) {
            t.nodes[len - 1 - i] = leaves[i];
        }
        for (uint256 i = len - n; i > 0; --i) {
            t.nodes[i - 1] = Hashes.commutativeKeccak256(t.nodes[2 * i - 1], t.nodes[2 * i]);
        }
    }

    function root(Tree memory t) internal pure returns (bytes32) {
        return t.nodes[0];
    }

    /// @notice Proof of `leaf` (reverts if absent).
    function proof(Tree memory t, bytes32 leaf) internal pure returns (bytes32[] memory p) {
        uint256 len = t.nodes.length;
        uint256 idx = type(uint256).max;
        for (uint256 i = len - t.leafCount; i < len; ++i) {
            if (t.nodes[i] == leaf) {
                idx = i;
                break;
            }
        }
        if (idx == type(uint256).max) revert LeafNotInTree(leaf);
        uint256 depth;
        for (uint256 i = idx; i > 0; i = (i - 1) / 2) {
            ++depth;
        }
        p = new bytes32[](depth);
        uint256 k;
        while (idx > 0) {
            p[k++] = t.nodes[idx % 2 == 1 ? idx + 1 : idx - 1];
            idx = (idx - 1) / 2;
        }
    }

    /// @notice Proof of test checkpoint `index` in a `standard` tree.
    function proofOf(Tree memory t, uint256 index) internal pure returns (bytes32[] memory) {
        return proof(t, CheckpointMerkle.leaf(index, step(index), ckptHash(index)));
    }
}
