/**
 * Checkpoint commitments. A shard's result commits to its checkpoints on-chain: `submitResult` takes every
 * checkpoint as calldata (`Checkpoint{uint64 step; bytes32 hash}`, leaf i = checkpoints[i]) and the contract
 * computes the Merkle root itself (CheckpointMerkle.root). The tree is
 * `StandardMerkleTree.of(values, ["uint256","uint256","bytes32"], { sortLeaves: false })` of
 * @openzeppelin/merkle-tree over values (index, step, sha256 of the checkpoint file):
 * leaf = keccak256(bytes.concat(keccak256(abi.encode(index, step, hash)))), leaves in submission order
 * (NOT sorted), inner nodes hashed as sorted pairs. The last checkpoint is the final weights.
 *
 * Anyone can rebuild the tree from a ResultSubmitted event alone (`CheckpointTree.fromResultSubmitted`) and
 * make a proof for any leaf: what `revealChallenge` (ChallengeParams) and ModelRegistry (WeightsProof) need.
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { encodeAbiParameters, type Hex, isHex, keccak256 } from "viem";
import { ValidationError, type ValidationIssue } from "../errors/errors.js";

export const CHECKPOINT_LEAF_ENCODING = ["uint256", "uint256", "bytes32"] as const;
/** The most checkpoints one result may commit (TaskManager MAX_CHECKPOINTS). */
export const MAX_CHECKPOINTS = 1024;

export interface CheckpointLeaf {
  index: number | bigint;
  step: number | bigint;
  /** sha256 of the checkpoint file, 0x-prefixed bytes32. */
  hash: Hex;
}

/** One checkpoint as `submitResult` takes it and `ResultSubmitted` emits it (its index is its position). */
export interface Checkpoint {
  step: bigint;
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

/** The ChallengeParams of `DisputeManager.revealChallenge` / `challengeCommitment` for one leaf. */
export interface CheckpointChallengeParams {
  taskId: bigint;
  shardIndex: number;
  checkpointIndex: number;
  step: bigint;
  leafHash: Hex;
  challengerHash: Hex;
  proof: Hex[];
}

/** The WeightsProof of ModelRegistry.publish / addVersion: the last leaf (final weights) and its proof. */
export interface WeightsProof {
  step: bigint;
  hash: Hex;
  proof: Hex[];
}

export interface BuildOptions {
  /**
   * Require strictly increasing steps (default true): what an honest worker commits. Rebuilding someone
   * else's commitment (`fromResultSubmitted`) must accept whatever the contract accepted.
   */
  strictSteps?: boolean;
}

const ZERO_HASH = `0x${"00".repeat(32)}` as Hex;

function toValue(leaf: CheckpointLeaf): LeafValue {
  return [BigInt(leaf.index).toString(), BigInt(leaf.step).toString(), leaf.hash.toLowerCase() as Hex];
}

function checkLeaves(leaves: readonly CheckpointLeaf[], strictSteps: boolean): void {
  const issues: ValidationIssue[] = [];
  if (leaves.length === 0) issues.push({ path: "", message: "at least one checkpoint is needed" });
  if (leaves.length > MAX_CHECKPOINTS) {
    issues.push({ path: "", message: `at most ${MAX_CHECKPOINTS} checkpoints, got ${leaves.length}` });
  }
  leaves.forEach((leaf, i) => {
    if (BigInt(leaf.index) !== BigInt(i)) issues.push({ path: `[${i}].index`, message: `expected ${i}` });
    const step = BigInt(leaf.step);
    if (step < 0n || step >= 2n ** 64n) issues.push({ path: `[${i}].step`, message: "must fit a uint64" });
    const prev = leaves[i - 1];
    if (strictSteps && prev !== undefined && step <= BigInt(prev.step)) {
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

/** Leaves 0..n-1 of a list of checkpoints (their position is their index). */
export function checkpointLeaves(
  checkpoints: readonly { step: number | bigint; hash: Hex }[],
): CheckpointLeaf[] {
  return checkpoints.map((c, index) => ({ index, step: BigInt(c.step), hash: c.hash }));
}

export class CheckpointTree {
  private constructor(
    private readonly tree: StandardMerkleTree<LeafValue>,
    readonly leaves: readonly CheckpointLeaf[],
  ) {}

  /** Builds the tree of checkpoints 0..n-1 (indexes contiguous; steps increasing unless told otherwise). */
  static build(leaves: readonly CheckpointLeaf[], options: BuildOptions = {}): CheckpointTree {
    checkLeaves(leaves, options.strictSteps ?? true);
    const tree = StandardMerkleTree.of(leaves.map(toValue), [...CHECKPOINT_LEAF_ENCODING], {
      sortLeaves: false,
    });
    return new CheckpointTree(tree, leaves);
  }

  /** Builds the tree of a list of {step, hash} in order (a manifest's checkpoints, submitResult's calldata). */
  static fromCheckpoints(
    checkpoints: readonly { step: number | bigint; hash: Hex }[],
    options: BuildOptions = {},
  ): CheckpointTree {
    return CheckpointTree.build(checkpointLeaves(checkpoints), options);
  }

  /**
   * Rebuilds a submitted result's tree from its ResultSubmitted event (decoded args) and checks that it
   * gives the event's checkpointRoot and count. Steps are taken as committed (no ordering check): a
   * watcher must be able to prove the leaves of a dishonest result too.
   */
  static fromResultSubmitted(args: {
    checkpointRoot: Hex;
    checkpointCount?: number | bigint;
    checkpoints: readonly { step: number | bigint; hash: Hex }[];
  }): CheckpointTree {
    const tree = CheckpointTree.fromCheckpoints(args.checkpoints, { strictSteps: false });
    const issues: ValidationIssue[] = [];
    if (args.checkpointCount !== undefined && BigInt(args.checkpointCount) !== BigInt(tree.count)) {
      issues.push({
        path: "checkpointCount",
        message: `is ${args.checkpointCount}, the list has ${tree.count}`,
      });
    }
    if (tree.root.toLowerCase() !== args.checkpointRoot.toLowerCase()) {
      issues.push({
        path: "checkpointRoot",
        message: `is ${args.checkpointRoot}, the checkpoints give ${tree.root}`,
      });
    }
    if (issues.length > 0) throw new ValidationError("ResultSubmitted", issues);
    return tree;
  }

  /** Restores a tree saved with `dump()` (e.g. by a worker between submit and a challenge). */
  static load(data: CheckpointTreeDump): CheckpointTree {
    const tree = StandardMerkleTree.load<LeafValue>(data);
    const leaves = data.values.map(({ value }) => ({
      index: BigInt(value[0]),
      step: BigInt(value[1]),
      hash: value[2],
    }));
    checkLeaves(leaves, false);
    return new CheckpointTree(tree, leaves);
  }

  /** The root the contract computes from `checkpoints` (TaskManager.checkpointRoot). */
  get root(): Hex {
    return this.tree.root as Hex;
  }

  get count(): number {
    return this.leaves.length;
  }

  /** The `Checkpoint[]` calldata of `submitResult` (leaf i = checkpoints[i]). */
  get checkpoints(): Checkpoint[] {
    return this.leaves.map((l) => ({ step: BigInt(l.step), hash: l.hash }));
  }

  /** Proof for checkpoint `index`. */
  proof(index: number): CheckpointProof {
    const leaf = this.leaves[index];
    if (leaf === undefined) {
      throw new ValidationError("checkpoint proof", [
        { path: "index", message: `${index} is out of range 0..${this.leaves.length - 1}` },
      ]);
    }
    // Leaves keep their submission order, so the value index is the checkpoint index.
    return { leaf, leafHash: checkpointLeafHash(leaf), proof: this.tree.getProof(index) as Hex[] };
  }

  /**
   * The ChallengeParams disputing checkpoint `index` (what `challengeCommitment` hashes and
   * `revealChallenge` takes). `challengerHash` is the hash the challenger computed for it (zero: none given).
   */
  challengeParams(
    index: number,
    shard: { taskId: bigint; shardIndex: number | bigint; challengerHash?: Hex },
  ): CheckpointChallengeParams {
    const { leaf, proof } = this.proof(index);
    return {
      taskId: shard.taskId,
      shardIndex: Number(shard.shardIndex),
      checkpointIndex: index,
      step: BigInt(leaf.step),
      leafHash: leaf.hash,
      challengerHash: shard.challengerHash ?? ZERO_HASH,
      proof,
    };
  }

  /** The WeightsProof of the final weights: the last leaf (index count - 1) with its proof. */
  weightsProof(): WeightsProof {
    const { leaf, proof } = this.proof(this.count - 1);
    return { step: BigInt(leaf.step), hash: leaf.hash, proof };
  }

  dump(): CheckpointTreeDump {
    return this.tree.dump();
  }
}

/** True when `proof` shows that `root` commits to `leaf`. */
export function verifyCheckpointProof(root: Hex, leaf: CheckpointLeaf, proof: readonly Hex[]): boolean {
  return StandardMerkleTree.verify(root, [...CHECKPOINT_LEAF_ENCODING], toValue(leaf), [...proof]);
}

/** Merkle root of a list of checkpoints (leaves, or {step, hash} in order), as TaskManager.checkpointRoot. */
export function checkpointRoot(
  leaves: readonly CheckpointLeaf[] | readonly { step: number | bigint; hash: Hex }[],
): Hex {
  const list = leaves.map((l, index) => ({ index, step: l.step, hash: l.hash }));
  return CheckpointTree.build(list, { strictSteps: false }).root;
}
