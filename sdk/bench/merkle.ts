/** Checkpoint Merkle tree: build over 10,000 checkpoints, one proof, and its verification. */
import { keccak256, toHex } from "viem";
import { CheckpointTree, verifyCheckpointProof } from "../src/merkle/checkpoints.js";
import { median, time } from "./stats.js";

export interface MerkleResult {
  leaves: number;
  runs: number;
  buildMs: number;
  proofMs: number;
  verifyMs: number;
  proofLength: number;
}

export async function benchMerkle(leaves: number, runs: number): Promise<MerkleResult> {
  const values = Array.from({ length: leaves }, (_, i) => ({
    index: i,
    step: (i + 1) * 100,
    hash: keccak256(toHex(`checkpoint-${i}`)),
  }));
  const build: number[] = [];
  const proof: number[] = [];
  const verify: number[] = [];
  let proofLength = 0;
  for (let r = 0; r < runs; r++) {
    let tree: CheckpointTree | undefined;
    build.push(
      await time(() => {
        tree = CheckpointTree.build(values);
      }),
    );
    if (!tree) throw new Error("no tree");
    const built = tree;
    const index = (r * 7919) % leaves;
    let p: ReturnType<CheckpointTree["proof"]> | undefined;
    proof.push(
      await time(() => {
        p = built.proof(index);
      }),
    );
    if (!p) throw new Error("no proof");
    const made = p;
    proofLength = made.proof.length;
    verify.push(
      await time(() => {
        if (!verifyCheckpointProof(built.root, made.leaf, made.proof))
          throw new Error("proof does not verify");
      }),
    );
  }
  return {
    leaves,
    runs,
    buildMs: median(build),
    proofMs: median(proof),
    verifyMs: median(verify),
    proofLength,
  };
}
