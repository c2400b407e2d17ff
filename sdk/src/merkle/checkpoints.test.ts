import { concat, type Hex, hexToBigInt, keccak256 } from "viem";
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

/** CheckpointMerkle.root transcribed: leaf i at 2n-2-i, inner nodes hashed as sorted pairs. */
function solidityRoot(leaves: readonly CheckpointLeaf[]): Hex {
  const n = leaves.length;
  const tree: Hex[] = new Array(2 * n - 1);
  leaves.forEach((l, i) => {
    tree[2 * n - 2 - i] = checkpointLeafHash(l);
  });
  for (let i = n - 2; i >= 0; i--) {
    const a = tree[2 * i + 1] as Hex;
    const b = tree[2 * i + 2] as Hex;
    tree[i] = keccak256(hexToBigInt(a) < hexToBigInt(b) ? concat([a, b]) : concat([b, a]));
  }
  return tree[0] as Hex;
}

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

  it.each([1, 2, 3, 5, 8, 33])(
    "keeps leaves in submission order like CheckpointMerkle.root (%i leaves)",
    (n) => {
      const leaves = makeLeaves(n, 4);
      expect(CheckpointTree.build(leaves).root).toBe(solidityRoot(leaves));
      // the same checkpoints in another order commit to another root (the tree is not sorted)
      if (n > 2) {
        const swapped = [leaves[1], leaves[0], ...leaves.slice(2)].map((l, i) => ({
          ...(l as CheckpointLeaf),
          index: i,
          step: 1000 + i,
        }));
        expect(checkpointRoot(swapped)).toBe(solidityRoot(swapped));
      }
    },
  );

  it("turns {step, hash} lists into calldata, proofs, challenge params and the weights proof", () => {
    const leaves = makeLeaves(6, 2);
    const tree = CheckpointTree.fromCheckpoints(leaves.map((l) => ({ step: l.step, hash: l.hash })));
    expect(tree.root).toBe(CheckpointTree.build(leaves).root);
    expect(tree.checkpoints).toEqual(leaves.map((l) => ({ step: BigInt(l.step), hash: l.hash })));
    expect(checkpointRoot(tree.checkpoints)).toBe(tree.root);

    const params = tree.challengeParams(4, { taskId: 7n, shardIndex: 1, challengerHash: keccak256("0x05") });
    expect(params).toMatchObject({ taskId: 7n, shardIndex: 1, checkpointIndex: 4, step: 500n });
    expect(params.leafHash).toBe(leaves[4]?.hash);
    expect(
      verifyCheckpointProof(tree.root, { index: 4, step: 500, hash: params.leafHash }, params.proof),
    ).toBe(true);
    expect(tree.challengeParams(0, { taskId: 7n, shardIndex: 1 }).challengerHash).toBe(
      `0x${"00".repeat(32)}`,
    );

    const weights = tree.weightsProof();
    expect(weights.hash).toBe(leaves[5]?.hash);
    expect(
      verifyCheckpointProof(tree.root, { index: 5, step: weights.step, hash: weights.hash }, weights.proof),
    ).toBe(true);
  });

  it("rebuilds a tree from a ResultSubmitted event, whatever steps it committed", () => {
    const checkpoints = [
      { step: 300n, hash: keccak256("0x01") },
      { step: 100n, hash: keccak256("0x02") }, // not increasing: the contract accepts it, so must a watcher
      { step: 100n, hash: keccak256("0x03") },
    ];
    const root = checkpointRoot(checkpoints);
    const tree = CheckpointTree.fromResultSubmitted({
      checkpointRoot: root,
      checkpointCount: 3,
      checkpoints,
    });
    expect(tree.proof(2).leaf.step).toBe(100n);
    expect(() => CheckpointTree.fromCheckpoints(checkpoints)).toThrow(/\[1\]\.step: must be greater/);
    expect(() =>
      CheckpointTree.fromResultSubmitted({ checkpointRoot: keccak256("0x"), checkpoints }),
    ).toThrow(/checkpointRoot: is 0x/);
    expect(() =>
      CheckpointTree.fromResultSubmitted({ checkpointRoot: root, checkpointCount: 4, checkpoints }),
    ).toThrow(/checkpointCount: is 4/);
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
