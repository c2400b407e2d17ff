#!/usr/bin/env node
// Gas benchmark on a real chain: deploys the protocol on anvil and measures, from transaction receipts
// (so the 21,000 intrinsic gas and calldata of every transaction are included):
//   - one shard's whole life — its share of postTask + assignShards + submitResult (16 checkpoints) +
//     finalizeShards — at batch sizes 1, 10 and 100;
//   - a full dispute: commitChallenge + revealChallenge (committee drawn) + k commits + k reveals + resolve, k = 3.
// Writes a section of docs/benchmarks.md. Usage: node scripts/bench/gas.mjs [--no-write]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import {
  createTestClient,
  createWalletClient,
  encodeAbiParameters,
  http,
  keccak256,
  parseEther,
  publicActions,
  stringToHex,
  toHex,
} from "viem";
import { foundry } from "viem/chains";
import { writeBenchSection } from "../lib/bench-report.mjs";
import { startDevnet } from "../lib/devnet.mjs";
import { repoRoot } from "../lib/tools.mjs";

const abi = (name) =>
  JSON.parse(readFileSync(join(repoRoot, "contracts/out", `${name}.sol`, `${name}.json`), "utf8")).abi;

const BATCHES = [1, 10, 100];
const CHECKPOINTS = 16;
const NODES = Number(process.env.GAS_BENCH_NODES ?? 1000);
const REWARD = parseEther("10");

const devnet = await startDevnet({ port: 0 });
try {
  const { rpcUrl, deployment } = devnet;
  const addr = (n) => deployment.contracts[n].address;
  const client = createTestClient({
    chain: foundry,
    mode: "anvil",
    transport: http(rpcUrl),
    pollingInterval: 20,
  }).extend(publicActions);
  const wallet = createWalletClient({ chain: foundry, transport: http(rpcUrl) });
  const [deployer] = await client.request({ method: "eth_accounts" });
  const token = { address: addr("NeuralToken"), abi: abi("NeuralToken") };
  const registry = { address: addr("NodeRegistry"), abi: abi("NodeRegistry") };
  const tasks = { address: addr("TaskManager"), abi: abi("TaskManager") };
  const disputes = { address: addr("DisputeManager"), abi: abi("DisputeManager") };

  const send = async (from, contract, functionName, args) => {
    const hash = await wallet.writeContract({
      account: from,
      ...contract,
      functionName,
      args,
      chain: foundry,
    });
    const receipt = await client.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${functionName} reverted`);
    return receipt.gasUsed;
  };
  const fund = async (to, amount) => {
    await client.setBalance({ address: to, value: parseEther("100") });
    await client.impersonateAccount({ address: to });
    if (amount > 0n) await send(deployer, token, "transfer", [to, amount]);
  };

  // Node operators (impersonated addresses), all registered with the same capabilities.
  const caps = {
    gpuModel: stringToHex("NVIDIA H100", { size: 32 }),
    gpuCount: 1,
    vramMiB: 81920,
    cpuCores: 16,
    memoryMiB: 131072,
    region: stringToHex("eu-west", { size: 16 }),
  };
  const operators = [];
  const nodeIds = [];
  for (let i = 0; i < NODES; i++) {
    const op = `0x${(0xbe00 + i).toString(16).padStart(40, "0")}`;
    const stake = parseEther("5000");
    await fund(op, stake + parseEther("1000")); // an operator holds some NRL beyond its stake
    await send(op, token, "approve", [registry.address, stake]);
    // The operator is its own worker key, so no consent signature is needed.
    await send(op, registry, "register", [
      op,
      caps,
      REWARD / 2n,
      keccak256(toHex(`node-${i}`)),
      stake,
      0n,
      "0x",
    ]);
    operators.push(op);
    nodeIds.push(BigInt(await client.readContract({ ...registry, functionName: "nodeCount" })));
  }
  // Committee seats need nodes older than committeeMinAge.
  const minAge = await client.readContract({
    ...disputes,
    functionName: "getParameter",
    args: [stringToHex("committeeMinAge", { size: 32 })],
  });
  await client.increaseTime({ seconds: Number(minAge) + 1 });
  await client.mine({ blocks: 1 });
  const clientAddr = `0x${"c1".padStart(40, "0")}`;
  await fund(clientAddr, parseEther("1000000"));
  await send(clientAddr, token, "approve", [tasks.address, 2n ** 255n]);
  const window = await client.readContract({
    ...tasks,
    functionName: "getParameter",
    args: [stringToHex("challengeWindow", { size: 32 })],
  });

  const params = (shardCount) => ({
    specCid: keccak256(toHex(`spec-${shardCount}-${Date.now()}`)),
    shardCount,
    maxPricePerShard: REWARD,
    minTier: 0,
    resources: { gpus: 1, vramMiB: 16384, cpus: 4, memoryMiB: 16384 },
    maxDuration: 3600n,
    auditRateBps: 0,
    datasetId: 0n,
    datasetVersion: 0,
  });
  const checkpoints = (seed) =>
    Array.from({ length: CHECKPOINTS }, (_, i) => ({
      step: BigInt((i + 1) * 100),
      hash: keccak256(toHex(`${seed}-${i}`)),
    }));

  const lifecycle = {};
  for (const [spread, batch] of BATCHES.flatMap((b) => [
    ["distinct", b],
    ["one", b],
  ])) {
    if (spread === "one" && batch === 1) continue;
    const nodeFor = (s) => (spread === "one" ? 0 : s % NODES);
    const taskId = (await client.readContract({ ...tasks, functionName: "taskCount" })) + 1n;
    const gas = { post: 0n, assign: 0n, submit: 0n, finalize: 0n };
    gas.post = await send(clientAddr, tasks, "postTask", [params(batch)]);
    const assignments = Array.from({ length: batch }, (_, s) => ({
      taskId,
      shardIndex: s,
      nodeId: nodeIds[nodeFor(s)],
    }));
    gas.assign = await send(deployer, tasks, "assignShards", [assignments]);
    for (let s = 0; s < batch; s++) {
      gas.submit += await send(operators[nodeFor(s)], tasks, "submitResult", [
        taskId,
        BigInt(s),
        keccak256(toHex(`m-${taskId}-${s}`)),
        checkpoints(`${taskId}-${s}`),
      ]);
    }
    await client.increaseTime({ seconds: Number(window) + 1 });
    await client.mine({ blocks: 1 });
    const refs = Array.from({ length: batch }, (_, s) => ({ taskId, shardIndex: s }));
    gas.finalize = await send(deployer, tasks, "finalizeShards", [refs]);
    const total = gas.post + gas.assign + gas.submit + gas.finalize;
    lifecycle[`${spread}-${batch}`] = { batch, spread, ...gas, perShard: total / BigInt(batch) };
  }

  // A full dispute with a k = 3 committee; the submitter is voted wrong.
  const taskId = (await client.readContract({ ...tasks, functionName: "taskCount" })) + 1n;
  await send(clientAddr, tasks, "postTask", [params(1)]);
  await send(deployer, tasks, "assignShards", [[{ taskId, shardIndex: 0, nodeId: nodeIds[0] }]]);
  const cps = checkpoints(`dispute-${taskId}`);
  const tree = StandardMerkleTree.of(
    cps.map((c, i) => [BigInt(i), c.step, c.hash]),
    ["uint256", "uint256", "bytes32"],
    { sortLeaves: false },
  );
  await send(operators[0], tasks, "submitResult", [taskId, 0n, keccak256(toHex("bad-manifest")), cps]);
  const challenger = `0x${"cc".padStart(40, "0")}`;
  await fund(challenger, parseEther("1000"));
  await send(challenger, token, "approve", [disputes.address, 2n ** 255n]);
  const d = 2;
  const dispute = { commitChallenge: 0n, revealChallenge: 0n, commits: 0n, reveals: 0n, resolve: 0n };
  const claim = {
    taskId,
    shardIndex: 0,
    checkpointIndex: d,
    step: cps[d].step,
    leafHash: cps[d].hash,
    challengerHash: keccak256(toHex("honest")),
    proof: tree.getProof(d),
  };
  const salt = keccak256(toHex("challenge salt"));
  const commitment = await client.readContract({
    ...disputes,
    functionName: "challengeCommitment",
    args: [challenger, claim, salt],
  });
  dispute.commitChallenge = await send(challenger, disputes, "commitChallenge", [taskId, 0, commitment]);
  const commitId = await client.readContract({ ...disputes, functionName: "challengeCommitCount" });
  // The seed block (commit + 1) must be mined before the block the reveal is estimated in (viem estimates
  // against the latest block), or the estimate leaves out the committee draw.
  await client.mine({ blocks: 2 });
  dispute.revealChallenge = await send(challenger, disputes, "revealChallenge", [commitId, claim, salt]);
  const disputeId = await client.readContract({ ...disputes, functionName: "disputeCount" });
  const info = await client.readContract({ ...disputes, functionName: "getDispute", args: [disputeId] });
  const members = info.committee.map(BigInt);
  const WRONG = 2;
  const salts = members.map((m) => keccak256(toHex(`salt-${m}`)));
  for (const [i, m] of members.entries()) {
    const commitment = keccak256(
      encodeAbiParameters(
        [{ type: "uint256" }, { type: "uint256" }, { type: "uint8" }, { type: "bytes32" }],
        [disputeId, m, WRONG, salts[i]],
      ),
    );
    dispute.commits += await send(operators[nodeIds.indexOf(m)], disputes, "commitVote", [
      disputeId,
      m,
      commitment,
    ]);
  }
  const commitPeriod = await client.readContract({
    ...disputes,
    functionName: "getParameter",
    args: [stringToHex("commitPeriod", { size: 32 })],
  });
  await client.increaseTime({ seconds: Number(commitPeriod) + 1 });
  await client.mine({ blocks: 1 });
  for (const [i, m] of members.entries()) {
    dispute.reveals += await send(operators[nodeIds.indexOf(m)], disputes, "revealVote", [
      disputeId,
      m,
      WRONG,
      salts[i],
    ]);
  }
  dispute.resolve = await send(deployer, disputes, "resolve", [disputeId]);
  const after = await client.readContract({ ...disputes, functionName: "getDispute", args: [disputeId] });
  if (Number(after.outcome) !== 1)
    throw new Error(`dispute outcome ${after.outcome}, expected SubmitterWrong`);
  dispute.total =
    dispute.commitChallenge + dispute.revealChallenge + dispute.commits + dispute.reveals + dispute.resolve;

  const fmt = (n) => Number(n).toLocaleString("en-US");
  const lines = [
    "### Gas (anvil, from transaction receipts, intrinsic 21k per transaction included)",
    "",
    `One shard's whole life: its share of postTask + assignShards + submitResult (one transaction per shard, ${CHECKPOINTS} checkpoints published and hashed into the root on-chain) + finalizeShards.`,
    "",
    `"distinct": shards spread round-robin over ${NODES} nodes; "one": every shard of the batch on one node (a multi-GPU operator).`,
    "",
    "| batch | nodes | postTask | assignShards | submitResult (all) | finalizeShards | per shard | target |",
    "|---:|---|---:|---:|---:|---:|---:|---|",
    ...Object.values(lifecycle).map((g) => {
      const target = g.batch === 10 ? "≤ 160,000" : "";
      return `| ${g.batch} | ${g.spread} | ${fmt(g.post)} | ${fmt(g.assign)} | ${fmt(g.submit)} | ${fmt(g.finalize)} | **${fmt(g.perShard)}** | ${target} |`;
    }),
    "",
    `Full dispute, k = ${members.length} (challenge committed then revealed with the committee drawn stake-weighted; submitter voted wrong, slashed, payouts, shard re-queued):`,
    "",
    "| commitChallenge | revealChallenge (draw) | commits (k) | reveals (k) | resolve | total | target |",
    "|---:|---:|---:|---:|---:|---:|---|",
    `| ${fmt(dispute.commitChallenge)} | ${fmt(dispute.revealChallenge)} | ${fmt(dispute.commits)} | ${fmt(dispute.reveals)} | ${fmt(dispute.resolve)} | **${fmt(dispute.total)}** | ≤ 600,000 |`,
  ];
  console.log(lines.join("\n"));
  if (!process.argv.includes("--no-write")) writeBenchSection("gas-bench", lines.join("\n"));
} finally {
  await devnet.stop();
}
