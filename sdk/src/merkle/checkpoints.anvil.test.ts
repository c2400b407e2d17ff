/**
 * Runs SDK-built trees and proofs through the Solidity code on a real anvil: the test-only
 * CheckpointMerkleHarness (contracts/test/utils) exposes CheckpointMerkle.leaf and verify, and a TaskManager
 * (its `checkpointRoot` is the pure function submitResult uses) computes the root of the same checkpoints.
 */
import { type Abi, type Address, createPublicClient, createWalletClient, type Hex, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { taskManagerAbi } from "../contracts/abis.js";
import { ANVIL_PRIVATE_KEYS, type Anvil, startAnvil } from "../testing/anvil.js";
import { exampleCheckpointLeaves as makeLeaves } from "../testing/fixtures.js";
import { forgeBuild, readForgeArtifact } from "../testing/foundry.js";
import { CheckpointTree, checkpointLeafHash } from "./checkpoints.js";

let anvil: Anvil;
let harness: Address;
let abi: Abi;
let client: ReturnType<typeof createPublicClient>;
let taskManager: Address;

beforeAll(async () => {
  await forgeBuild(["contracts/test/utils/CheckpointMerkleHarness.sol"]);
  const artifact = await readForgeArtifact("CheckpointMerkleHarness");
  abi = artifact.abi;
  anvil = await startAnvil();
  const account = privateKeyToAccount(ANVIL_PRIVATE_KEYS[0]);
  const wallet = createWalletClient({ account, chain: foundry, transport: http(anvil.rpcUrl) });
  client = createPublicClient({ chain: foundry, transport: http(anvil.rpcUrl) });
  const hash = await wallet.deployContract({ abi, bytecode: artifact.bytecode });
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (!receipt.contractAddress) throw new Error("harness not deployed");
  harness = receipt.contractAddress;
  // A bare TaskManager: checkpointRoot is pure, so any non-zero addresses do for its constructor.
  const tm = await readForgeArtifact("TaskManager");
  const tmHash = await wallet.deployContract({
    abi: tm.abi,
    bytecode: tm.bytecode,
    args: [
      account.address,
      account.address,
      account.address,
      account.address,
      account.address,
      account.address,
    ],
  });
  const tmReceipt = await client.waitForTransactionReceipt({ hash: tmHash });
  if (!tmReceipt.contractAddress) throw new Error("TaskManager not deployed");
  taskManager = tmReceipt.contractAddress;
});

afterAll(async () => {
  await anvil?.stop();
});

async function verifyOnChain(
  root: Hex,
  index: bigint,
  step: bigint,
  hash: Hex,
  proof: Hex[],
): Promise<boolean> {
  return (await client.readContract({
    address: harness,
    abi,
    functionName: "verify",
    args: [root, index, step, hash, proof],
  })) as boolean;
}

describe("checkpoint proofs on-chain (CheckpointMerkle.sol on anvil)", () => {
  it("computes the same leaf hash as Solidity", async () => {
    for (const leaf of makeLeaves(3, 9)) {
      const onChain = await client.readContract({
        address: harness,
        abi,
        functionName: "leaf",
        args: [BigInt(leaf.index), BigInt(leaf.step), leaf.hash],
      });
      expect(onChain).toBe(checkpointLeafHash(leaf));
    }
  });

  it.each([1, 2, 3, 7, 100])("verifies proofs of a %i-leaf tree", async (n) => {
    const tree = CheckpointTree.build(makeLeaves(n, n));
    const indexes = n <= 7 ? [...Array(n).keys()] : [0, 1, 49, 50, 98, 99];
    for (const i of indexes) {
      const { leaf, proof } = tree.proof(i);
      expect(await verifyOnChain(tree.root, BigInt(leaf.index), BigInt(leaf.step), leaf.hash, proof)).toBe(
        true,
      );
    }
  });

  it.each([1, 2, 3, 4, 7, 100, 1024])(
    "computes the same root as TaskManager.checkpointRoot (%i checkpoints, unsorted leaves)",
    async (n) => {
      const tree = CheckpointTree.build(makeLeaves(n, n + 1));
      const onChain = await client.readContract({
        address: taskManager,
        abi: taskManagerAbi,
        functionName: "checkpointRoot",
        args: [tree.checkpoints],
      });
      expect(onChain).toBe(tree.root);
      // a proof of the last leaf (the final weights) verifies under the contract's root
      const { leaf, proof } = tree.proof(n - 1);
      expect(await verifyOnChain(onChain, BigInt(n - 1), BigInt(leaf.step), leaf.hash, proof)).toBe(true);
    },
  );

  it("rejects a tampered proof and a tampered leaf", async () => {
    const tree = CheckpointTree.build(makeLeaves(7, 3));
    const { leaf, proof } = tree.proof(5);
    const tampered = [...proof];
    tampered[1] = `0x${"ee".repeat(32)}`;
    expect(await verifyOnChain(tree.root, 5n, BigInt(leaf.step), leaf.hash, tampered)).toBe(false);
    expect(await verifyOnChain(tree.root, 5n, BigInt(leaf.step) + 1n, leaf.hash, proof)).toBe(false);
    expect(await verifyOnChain(tree.root, 4n, BigInt(leaf.step), leaf.hash, proof)).toBe(false);
  });
});
