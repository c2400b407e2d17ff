/**
 * Committee duties end to end: a result is challenged (commit, reveal, committee drawn stake-weighted on-chain),
 * and the keeper tells each drawn member what to re-execute with a `committeeDuty` message on its stream.
 */
import {
  bytes32ToCid,
  CheckpointTree,
  type CommitteeDutyMessage,
  type NeuralClient,
  neuralTokenAbi,
  parseMessageOf,
  redisNames,
  STREAM_FIELD,
} from "@neural/sdk";
import { exampleCheckpointLeaves } from "@neural/sdk/testing";
import type { Redis } from "ioredis";
import pino from "pino";
import { createWalletClient, type Hex, http, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { type Keeper, start } from "../src/index.js";
import { startRedis, type TestRedis } from "./helpers/redis.js";
import { heartbeat, postParams, type Stack, startStack, until } from "./helpers/stack.js";

const names = redisNames("duty");
let stack: Stack;
let redis: TestRedis;
let r: Redis;
let keeper: Keeper;
let challenger: NeuralClient;

beforeAll(async () => {
  [stack, redis] = await Promise.all([
    // stake at the draw-weight cap (10,000 NRL): every draw that looks at a node seats it
    startStack({ nodes: ["1", "2", "3", "4"].map((ask) => ({ ask, stake: "10000" })) }),
    startRedis(),
  ]);
  r = redis.client();
  // the challenger (dev account 6) gets NRL for its bond from the deployer, before the keeper signs with it
  const deployer = createWalletClient({
    account: privateKeyToAccount(stack.keeperKey),
    chain: foundry,
    transport: http(stack.devnet.rpcUrl),
  });
  const challengerKey = stack.devnet.accounts[6]?.privateKey as Hex;
  challenger = stack.clientOf(challengerKey);
  const hash = await deployer.writeContract({
    address: stack.devnet.deployment.contracts.NeuralToken.address,
    abi: neuralTokenAbi,
    functionName: "transfer",
    args: [challenger.account, parseEther("1000")],
  });
  await stack.publicClient.waitForTransactionReceipt({ hash });
  await stack.increaseTime(86_400 + 60); // committee seats need nodes registered a day ago
  for (const [i, op] of stack.operators.entries()) await heartbeat(r, names, i + 1, op.account);
  keeper = start(
    loadConfig({
      KEEPER_RPC_URL: stack.devnet.rpcUrl,
      KEEPER_PRIVATE_KEY: stack.keeperKey,
      KEEPER_DEPLOYMENT: stack.deploymentFile,
      KEEPER_REDIS_URL: redis.url,
      KEEPER_REDIS_PREFIX: names.prefix,
      KEEPER_CONFIRMATIONS: "0",
      KEEPER_POLL_MS: "100",
      KEEPER_API_PORT: "0",
    }),
    { logger: pino({ level: process.env.KEEPER_TEST_LOG ?? "silent" }) },
  );
  await keeper.ready;
});

afterAll(async () => {
  await keeper?.stop();
  await Promise.all([stack?.stop(), redis?.stop()]);
});

describe("committee duties", () => {
  it("sends every drawn committee member its committeeDuty for the disputed checkpoint", async () => {
    const { taskId } = await stack.client.postTaskWithPermit(postParams({ shardCount: 1 }));
    await until("the shard assigned", async () =>
      (await stack.client.getShard(taskId, 0n)).status === 1 ? true : undefined,
    );
    const shard = await stack.client.getShard(taskId, 0n);
    const submitter = stack.operators[Number(shard.nodeId) - 1] as NeuralClient;
    const tree = CheckpointTree.fromCheckpoints(exampleCheckpointLeaves(4));
    const manifestCid = `0x${"ef".repeat(32)}` as Hex;
    await submitter.submitResult({ taskId, shardIndex: 0n, manifestCid, checkpoints: tree });
    const params = tree.challengeParams(2, { taskId, shardIndex: 0 });
    const mineTo = async (n: bigint) => {
      while ((await stack.publicClient.getBlockNumber({ cacheTime: 0 })) < n) await stack.mine();
    };
    const { disputeId } = await challenger.challenge(params, { waitForBlock: mineTo });
    const dispute = await challenger.getDispute(disputeId);
    expect(dispute.committee.length).toBe(3);
    expect(dispute.committee).not.toContain(shard.nodeId);
    for (const member of dispute.committee) {
      const duty = await until(`node ${member}'s committee duty`, async () => {
        const entries = await r.xrange(names.nodeStream(member), "-", "+");
        const found = entries
          .map(([, f]) => JSON.parse(f[f.indexOf(STREAM_FIELD) + 1] as string) as { type: string })
          .find((m) => m.type === "committeeDuty");
        return found ? (parseMessageOf("committeeDuty", found) as CommitteeDutyMessage) : undefined;
      });
      expect(duty).toMatchObject({
        disputeId: Number(disputeId),
        nodeId: Number(member),
        taskId: Number(taskId),
        shardIndex: 0,
        epoch: 1,
        checkpointIndex: 2,
        step: Number(params.step),
        leafHash: params.leafHash,
        manifestCid: bytes32ToCid(manifestCid, "manifest").toString(),
        round: 0,
        commitDeadline: Number(dispute.commitDeadline),
        revealDeadline: Number(dispute.revealDeadline),
      });
    }
  });
});
