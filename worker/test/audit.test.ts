/**
 * The audit duty on-chain: a cheating node computes checkpoints 0-1 honestly and 2 with a skewed update, submits;
 * Sortition draws our node as the auditor; our verifier re-executes segments from the cheater's own checkpoints
 * (fetched over IPFS), finds checkpoint 2 wrong and challenges it (commit, reveal): a dispute opens on leaf 2.
 * An honest result is attested (recordAudit). On a committee, the daemon re-executes the disputed segment, commits
 * and reveals its vote, and the cheater loses the dispute. Real anvil, helia and dockerd (busybox trainer).
 */

import { createHash } from "node:crypto";
import { chmod, mkdir, mkdtemp, readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  AuditStatus,
  buildContainerEnv,
  CheckpointTree,
  manifestCheckpoints,
  manifestCheckpointTree,
  NeuralClient,
  neuralTokenAbi,
  parseContainerLine,
  resultManifest,
  Tier,
  Vote,
} from "@neural/sdk";
import { createStorageNode, type StorageNode } from "@neural/sdk/node";
import { createTestClient, createWalletClient, http, keccak256, parseEther, stringToHex, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NeuralChain } from "../src/chain/index.js";
import { start } from "../src/daemon/index.js";
import { ensureImage } from "../src/images/load.js";
import { createLogger } from "../src/log.js";
import { DockerRuntime } from "../src/runtimes/docker.js";
import { performAudit } from "../src/verify/audit.js";
import { TEST_DOCKER_HOST } from "./docker-host.js";
import { startNetwork, type TestNetwork } from "./network.js";

let net: TestNetwork;
let cheater: NeuralClient;
let cheaterNodeId: bigint;
let verifierStorage: StorageNode;
let chain: NeuralChain;
const runtime = new DockerRuntime(TEST_DOCKER_HOST);

beforeAll(async () => {
  net = await startNetwork();
  const acc = net.devnet.accounts[3];
  if (!acc) throw new Error("no account 3");
  const chainDef = { ...foundry, id: net.devnet.chainId };
  cheater = new NeuralClient({
    publicClient: net.publicClient,
    walletClient: createWalletClient({
      account: privateKeyToAccount(acc.privateKey),
      chain: chainDef,
      transport: http(net.devnet.rpcUrl),
    }),
    deployment: net.devnet.deployment,
  });
  ({ nodeId: cheaterNodeId } = await cheater.registerNode({
    worker: cheater.account,
    capabilities: {
      gpuModel: stringToHex("", { size: 32 }),
      gpuCount: 0,
      vramMiB: 0,
      cpuCores: 4,
      memoryMiB: 8192,
      region: stringToHex("test", { size: 16 }),
    },
    askPrice: parseEther("1"),
    metadataCid: (await net.storage.putJson({ version: 1, kind: "neural-node" })).toString(),
    stake: parseEther("1000"),
  }));
  // a challenger posts a bond in NRL from its worker key
  await createWalletClient({
    account: privateKeyToAccount(net.devnet.accounts[0]?.privateKey ?? "0x"),
    chain: chainDef,
    transport: http(net.devnet.rpcUrl),
  }).writeContract({
    address: net.devnet.deployment.contracts.NeuralToken.address,
    abi: neuralTokenAbi,
    functionName: "transfer",
    args: [net.worker.address, parseEther("500")],
  });
  verifierStorage = await createStorageNode({
    directory: join(net.dir, "verifier-ipfs"),
    peers: net.storage.multiaddrs(),
  });
  await ensureImage({
    runtime,
    storage: net.storage,
    image: net.busybox.image,
    archiveCid: net.busybox.archiveCid,
    tmpDir: join(net.dir, "tmp"),
  });
  chain = await NeuralChain.connect({
    rpcUrl: net.devnet.rpcUrl,
    deploymentsDir: join(net.dir, "deployments"),
  });
});

afterAll(async () => {
  await verifierStorage?.stop();
  await net?.stop();
});

const mineTo = async (n: bigint) => {
  const test = createTestClient({ mode: "anvil", transport: http(net.devnet.rpcUrl) });
  while ((await net.publicClient.getBlockNumber({ cacheTime: 0 })) < n) await test.mine({ blocks: 1 });
};

/** The cheater's side: post, assign to it, train (skewed after `cheatFrom`), store, submit, get audited. */
async function submittedByCheater(cheatFrom?: number, audited = true) {
  const spec = net.spec();
  const specCid = (await net.storage.putJson(spec)).toString();
  const { taskId } = await net.client.postTaskWithPermit({
    specCid,
    shardCount: 1,
    maxPricePerShard: parseEther("10"),
    minTier: Tier.Bronze,
    resources: { gpus: 0, vramMiB: 0, cpus: 1, memoryMiB: 64 },
    maxDuration: 3600n,
    auditRateBps: audited ? 10_000 : 0,
    datasetId: 0n,
    datasetVersion: 0,
  });
  await net.keeper.assignShards([{ taskId, shardIndex: 0, nodeId: cheaterNodeId }]);
  const base = await mkdtemp(join(net.dir, "cheater-"));
  const mounts = { data: join(base, "data"), checkpoints: join(base, "ck"), output: join(base, "out") };
  for (const d of Object.values(mounts)) {
    await mkdir(d);
    await chmod(d, 0o777);
  }
  const files: string[] = [];
  const parsed = { ...spec, hyperparameters: {}, env: {} };
  const env = {
    ...buildContainerEnv({ taskId, shardIndex: 0, spec: parsed }),
    ...(cheatFrom ? { CHEAT_FROM_STEP: String(cheatFrom) } : {}),
  };
  const r = await runtime.run({
    image: net.busybox.imageId,
    command: [],
    env,
    mounts,
    limits: { memoryMiB: 64, cpus: 1, pids: 32, gpus: 0, timeoutSeconds: 60 },
    label: "cheater",
    onLine: (line) => {
      const e = parseContainerLine(line);
      if (e.type === "checkpoint") files.push(join(mounts.checkpoints, e.path.slice("/checkpoints/".length)));
    },
  });
  expect(r.exitCode, r.logs).toBe(0);
  const checkpoints = [];
  for (const [index, file] of files.entries()) {
    checkpoints.push({
      index,
      step: (index + 1) * 2,
      cid: (await net.storage.addFile(file)).toString(),
      hash: `0x${createHash("sha256")
        .update(await readFile(file))
        .digest("hex")}` as `0x${string}`,
    });
  }
  const last = checkpoints[checkpoints.length - 1] as (typeof checkpoints)[number];
  const manifest = resultManifest.parse({
    version: 2,
    taskId: Number(taskId),
    shardIndex: 0,
    nodeId: Number(cheaterNodeId),
    epoch: 1,
    specCid,
    image: spec.image,
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T00:00:01.000Z",
    checkpoints,
    checkpointRoot: manifestCheckpointTree({ checkpoints }).root,
    finalWeights: { cid: last.cid, hash: last.hash },
    metrics: [],
    logsCid: (await net.storage.putRaw(new TextEncoder().encode(r.logs))).toString(),
  });
  const manifestCid = (await net.storage.putJson(manifest)).toString();
  await cheater.submitResult({
    taskId,
    shardIndex: 0n,
    manifestCid,
    checkpoints: manifestCheckpoints(manifest),
  });
  // the audit seed is block submitted + 1, readable once the block after it exists
  await mineTo((await net.publicClient.getBlockNumber()) + 2n);
  if (!audited) return taskId;
  const { verifierNodeId } = await net.keeper.assignAudit(taskId, 0n);
  expect(verifierNodeId).toBe(net.worker.nodeId); // the only other node
  return taskId;
}

function verifierDeps() {
  return {
    chain,
    actor: chain.actor(net.worker.privateKey),
    nodeId: net.worker.nodeId,
    storage: verifierStorage,
    runtime,
    workDir: join(net.dir, "verifier-work"),
    fetchTimeoutMs: 20_000,
    log: createLogger("silent"),
    signal: new AbortController().signal,
    waitForBlock: mineTo,
  };
}

describe("audit duty", () => {
  it("the daemon learns its audit from the chain and attests an honest result (recordAudit)", async () => {
    const taskId = await submittedByCheater();
    const config = net.config();
    let resolveAudit: (o: unknown) => void = () => undefined;
    const audited = new Promise((resolve) => {
      resolveAudit = resolve;
    });
    const daemon = await start(config, {
      privateKey: net.worker.privateKey,
      log: createLogger("silent"),
      fetchTimeoutMs: 20_000,
      onAudit: (t, _s, outcome) => {
        if (t === taskId) resolveAudit(outcome);
      },
    });
    try {
      expect(await audited).toMatchObject({ kind: "attested", checked: [2, expect.any(Number)] });
    } finally {
      await daemon.stop();
    }
    expect((await net.client.getShard(taskId, 0n)).auditStatus).toBe(AuditStatus.Attested);
  });

  it("catches a cheater that skews checkpoints 2..N and challenges the first wrong one", async () => {
    const taskId = await submittedByCheater(4); // steps 1-4 honest: checkpoints 0 (step 2) and 1 (step 4)
    const outcome = await performAudit(verifierDeps(), taskId, 0n);
    expect(outcome).toMatchObject({ kind: "challenged", index: 2 });
    const { disputeId } = outcome as { disputeId: bigint };
    const dispute = await net.client.getDispute(disputeId);
    expect(dispute).toMatchObject({
      taskId,
      shardIndex: 0,
      checkpointIndex: 2,
      submitterNodeId: cheaterNodeId,
      challenger: net.worker.address,
    });
    // the shard records the dispute; its committee and vote are the committee duty's (next milestone)
    expect((await net.client.getShard(taskId, 0n)).disputeId).toBe(disputeId);
  });

  it("serves on a committee: re-executes the disputed segment, commits, reveals, and the cheater loses", async () => {
    // two more nodes, old enough for a committee seat (committeeMinAge 1 day)
    const members: Array<{ client: NeuralClient; nodeId: bigint }> = [];
    for (const i of [4, 5]) {
      const acc = net.devnet.accounts[i];
      if (!acc) throw new Error(`no account ${i}`);
      const member = new NeuralClient({
        publicClient: net.publicClient,
        walletClient: createWalletClient({
          account: privateKeyToAccount(acc.privateKey),
          chain: { ...foundry, id: net.devnet.chainId },
          transport: http(net.devnet.rpcUrl),
        }),
        deployment: net.devnet.deployment,
      });
      const { nodeId } = await member.registerNode({
        worker: member.account,
        capabilities: {
          gpuModel: stringToHex("", { size: 32 }),
          gpuCount: 0,
          vramMiB: 0,
          cpuCores: 4,
          memoryMiB: 8192,
          region: stringToHex("test", { size: 16 }),
        },
        askPrice: parseEther("1"),
        metadataCid: (await net.storage.putJson({ version: 1, kind: "neural-node", i })).toString(),
        stake: parseEther("1000"),
      });
      members.push({ client: member, nodeId });
    }
    const test = createTestClient({ mode: "anvil", transport: http(net.devnet.rpcUrl) });
    await test.increaseTime({ seconds: 86_400 + 60 });
    await test.mine({ blocks: 1 });

    const taskId = await submittedByCheater(4, false);
    const submitted = await chain.resultSubmitted(taskId, 0n, 1);
    const params = CheckpointTree.fromResultSubmitted(submitted).challengeParams(2, {
      taskId,
      shardIndex: 0,
    });
    const { disputeId } = await net.client.challenge(params, { waitForBlock: mineTo });
    const dispute = await net.client.getDispute(disputeId);
    expect(dispute.statusName).toBe("Voting");
    // the committee: every node but the submitter (our node and the two new ones)
    expect(dispute.committee.map(BigInt).sort()).toEqual(
      [net.worker.nodeId, ...members.map((m) => m.nodeId)].sort(),
    );

    const events: Array<{ kind: string; vote: number }> = [];
    let notify: () => void = () => undefined;
    const daemon = await start(net.config(), {
      privateKey: net.worker.privateKey,
      log: createLogger("silent"),
      fetchTimeoutMs: 20_000,
      onCommittee: (id, outcome) => {
        if (id === disputeId) {
          events.push(outcome as { kind: string; vote: number });
          notify();
        }
      },
    });
    const waitFor = (kind: string) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (events.some((e) => e.kind === kind)) resolve();
        };
        notify = check;
        check();
      });
    try {
      await waitFor("committed");
      for (const m of members) {
        const salt = keccak256(toHex(`s${m.nodeId}`));
        await m.client.commitVote({ disputeId, nodeId: m.nodeId, vote: Vote.SubmitterWrong, salt });
      }
      const now = (await net.publicClient.getBlock()).timestamp;
      await test.increaseTime({ seconds: Number(BigInt(dispute.commitDeadline) - now + 1n) });
      await test.mine({ blocks: 1 });
      await waitFor("revealed");
      for (const m of members) {
        const salt = keccak256(toHex(`s${m.nodeId}`));
        await m.client.revealVote({ disputeId, nodeId: m.nodeId, vote: Vote.SubmitterWrong, salt });
      }
    } finally {
      await daemon.stop();
    }
    expect(events.map((e) => [e.kind, e.vote])).toEqual([
      ["committed", Vote.SubmitterWrong],
      ["revealed", Vote.SubmitterWrong],
    ]);
    expect((await chain.voteOf(disputeId, net.worker.nodeId)).vote).toBe(Vote.SubmitterWrong);
    const later = (await net.publicClient.getBlock()).timestamp;
    await test.increaseTime({ seconds: Number(BigInt(dispute.revealDeadline) - later + 1n) });
    await test.mine({ blocks: 1 });
    await net.client.resolveDispute(disputeId);
    expect((await net.client.getDispute(disputeId)).outcomeName).toBe("SubmitterWrong");
  });
});
