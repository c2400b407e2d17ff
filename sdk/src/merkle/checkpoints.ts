/**
 * Checkpoint commitments. A shard's result commits to its checkpoints with a Merkle root over leaves
 * (index, step, sha256 of the checkpoint file), encoded exactly as `StandardMerkleTree.of(values,
 * ["uint256","uint256","bytes32"])` of @openzeppelin/merkle-tree and as CheckpointMerkle.sol:
 * leaf = keccak256(bytes.concat(keccak256(abi.encode(index, step, hash)))).
 * Leaves are sorted by hash inside the tree (the library default); proofs are what the contracts verify.
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { encodeAbiParameters, type Hex, isHex, keccak256 } from "viem";
import { ValidationError, type ValidationIssue } from "../errors/errors.js";

export const CHECKPOINT_LEAF_ENCODING = ["uint256", "uint256", "bytes32"] as const;

export interface CheckpointLeaf {
  index: number | bigint;
  step: number | bigint;
  /** sha256 of the checkpoint file, 0x-prefixed bytes32. */
  hash: Hex;
}

type LeafValue = [string, string, Hex];

/** JSON form of a tree (`dump()`), the OpenZeppelin "standard-v1" format. */
export type CheckpointTreeDump = ReturnType<StandardMerkleTree<LeafValue>["dump"]>;

export interface CheckpointProof {
  leaf: CheckpointLeaf;
  /** keccak256 leaf hash as the contracts compute it. */
  leafHash: Hex;
  proof: Hex[];
}

function toValue(leaf: CheckpointLeaf): LeafValue {
  return [BigInt(leaf.index).toString(), BigInt(leaf.step).toString(), leaf.hash.toLowerCase() as Hex];
}

function checkLeaves(leaves: readonly CheckpointLeaf[]): void {
  const issues: ValidationIssue[] = [];
  if (leaves.length === 0) issues.push({ path: "", message: "at least one checkpoint is needed" });
  leaves.forEach((leaf, i) => {
    if (BigInt(leaf.index) !== BigInt(i)) issues.push({ path: `[${i}].index`, message: `expected ${i}` });
    if (BigInt(leaf.step) < 0n) issues.push({ path: `[${i}].step`, message: "must not be negative" });
    const prev = leaves[i - 1];
    if (prev !== undefined && BigInt(leaf.step) <= BigInt(prev.step)) {
      issues.push({ path: `[${i}].step`, message: `must be greater than the previous step ${prev.step}` });
    }
    if (!isHex(leaf.hash, { strict: true }) || leaf.hash.length !== 66) {
      issues.push({ path: `[${i}].hash`, message: "expected a 0x-prefixed bytes32" });
    }
  });
  if (issues.length > 0) throw new ValidationError("checkpoint list", issues);
}

/** The leaf hash of one checkpoint, identical to CheckpointMerkle.leaf in Solidity. */
export function checkpointLeafHash(leaf: CheckpointLeaf): Hex {
  const inner = keccak256(
    encodeAbiParameters(
      [{ type: "uint256" }, { type: "uint256" }, { type: "bytes32" }],
      [BigInt(leaf.index), BigInt(leaf.step), leaf.hash],
    ),
  );
  return keccak256(inner);
}

export class CheckpointTree {
  private constructor(
    private readonly tree: StandardMerkleTree<LeafValue>,
    readonly leaves: readonly CheckpointLeaf[],
  ) {}

  /** Builds the tree of checkpoints 0..n-1 (indexes contiguous, steps increasing). */
  static build(leaves: readonly CheckpointLeaf[]): CheckpointTree {
    checkLeaves(leaves);
    const tree = StandardMerkleTree.of(leaves.map(toValue), [...CHECKPOINT_LEAF_ENCODING]);
    return new CheckpointTree(tree, leaves);
  }

  /** Restores a tree saved with `dump()` (e.g. by a worker between submit and a challenge). */
  static load(data: CheckpointTreeDump): CheckpointTree {
    const tree = StandardMerkleTree.load<LeafValue>(data);
    const leaves = data.values.map(({ value }) => ({
      index: BigInt(value[0]),
      step: BigInt(value[1]),
      hash: value[2],
    }));
    checkLeaves(leaves);
    return new CheckpointTree(tree, leaves);
  }

  /** The root committed on-chain (submitResult's checkpointRoot). */
  get root(): Hex {
    return this.tree.root as Hex;
  }

  get count(): number {
    return this.leaves.length;
  }

  /** Proof for checkpoint `index` (what a challenger passes to DisputeManager.challenge). */
  proof(index: number): CheckpointProof {
    const leaf = this.leaves[index];
    if (leaf === undefined) {
      throw new ValidationError("checkpoint proof", [
        { path: "index", message: `${index} is out of range 0..${this.leaves.length - 1}` },
      ]);
    }
    return { leaf, leafHash: checkpointLeafHash(leaf), proof: this.tree.getProof(index) as Hex[] };
  }

  dump(): CheckpointTreeDump {
    return this.tree.dump();
  }
}

/** True when `proof` shows that `root` commits to `leaf`. */
export function verifyCheckpointProof(root: Hex, leaf: CheckpointLeaf, proof: readonly Hex[]): boolean {
  return StandardMerkleTree.verify(root, [...CHECKPOINT_LEAF_ENCODING], toValue(leaf), [...proof]);
}

/** Merkle root of a manifest's checkpoints. */
export function checkpointRoot(leaves: readonly CheckpointLeaf[]): Hex {
  return CheckpointTree.build(leaves).root;
}
