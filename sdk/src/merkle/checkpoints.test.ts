import { type Hex, keccak256 } from "viem";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../errors/errors.js";
import { exampleCheckpointLeaves as makeLeaves } from "../testing/fixtures.js";
import {
  type CheckpointLeaf,
  CheckpointTree,
  checkpointLeafHash,
  checkpointRoot,
  verifyCheckpointProof,
} from "./checkpoints.js";

describe("checkpoint Merkle tree", () => {
  it("matches the leaf encoding of CheckpointMerkle.sol", () => {
    // keccak256(bytes.concat(keccak256(abi.encode(uint256(0), uint256(100), bytes32(0x11..11)))))
    const leaf = { index: 0, step: 100, hash: `0x${"11".repeat(32)}` as Hex };
    const tree = CheckpointTree.build([leaf]);
    // a single-leaf tree's root is its leaf hash
    expect(tree.root).toBe(checkpointLeafHash(leaf));
    expect(tree.root).toBe("0xc20a2ef342770fad6eb46fc4e5b71b9c07164eea23ee3f79ef4ed0ff35f57503");
  });

  it.each([1, 2, 3, 7, 100])("proves and verifies every leaf of a %i-leaf tree", (n) => {
    const leaves = makeLeaves(n);
    const tree = CheckpointTree.build(leaves);
    expect(tree.count).toBe(n);
    for (let i = 0; i < n; i++) {
      const { leaf, proof } = tree.proof(i);
      expect(verifyCheckpointProof(tree.root, leaf, proof)).toBe(true);
    }
  });

  it("rejects tampered leaves and proofs", () => {
    const tree = CheckpointTree.build(makeLeaves(7));
    const { leaf, proof } = tree.proof(3);
    expect(verifyCheckpointProof(tree.root, { ...leaf, step: 401 }, proof)).toBe(false);
    expect(verifyCheckpointProof(tree.root, { ...leaf, index: 4 }, proof)).toBe(false);
    expect(verifyCheckpointProof(tree.root, { ...leaf, hash: keccak256("0x01") }, proof)).toBe(false);
    const badProof = [...proof];
    badProof[0] = keccak256("0x02");
    expect(verifyCheckpointProof(tree.root, leaf, badProof)).toBe(false);
    expect(verifyCheckpointProof(CheckpointTree.build(makeLeaves(7, 1)).root, leaf, proof)).toBe(false);
  });

  it("round-trips through dump/load", () => {
    const tree = CheckpointTree.build(makeLeaves(5));
    const loaded = CheckpointTree.load(JSON.parse(JSON.stringify(tree.dump())));
    expect(loaded.root).toBe(tree.root);
    expect(loaded.proof(2).proof).toEqual(tree.proof(2).proof);
    expect(checkpointRoot(makeLeaves(5))).toBe(tree.root);
  });

  it("rejects non-contiguous indexes, decreasing steps and bad hashes", () => {
    const leaves = makeLeaves(3);
    expect(() => CheckpointTree.build([])).toThrow(ValidationError);
    expect(() => CheckpointTree.build([leaves[1] as CheckpointLeaf])).toThrow(/\[0\]\.index: expected 0/);
    expect(() =>
      CheckpointTree.build([leaves[0] as CheckpointLeaf, { ...(leaves[1] as CheckpointLeaf), step: 100 }]),
    ).toThrow(/\[1\]\.step: must be greater/);
    expect(() => CheckpointTree.build([{ index: 0, step: 1, hash: "0x12" }])).toThrow(/\[0\]\.hash/);
    expect(() => CheckpointTree.build(leaves).proof(3)).toThrow(/out of range/);
  });
});
