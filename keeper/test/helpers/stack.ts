/**
 * A real chain for the keeper's tests: the project's devnet (anvil + every contract), nodes registered by dev
 * accounts 1.. (operator = worker key; 3 by default, at most 4), a client (account 5), and helpers to move time and write heartbeats.
 * Account 0 deployed the protocol and holds KEEPER_ROLE: the keeper signs with it.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Capabilities, encodeMessage, NeuralClient, type RedisNames } from "@neural/sdk";
import { type Devnet, EXAMPLE_RAW_CID, startDevnet } from "@neural/sdk/testing";
import type { Redis } from "ioredis";
import {
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  type PublicClient,
  parseEther,
  stringToHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";

export interface Stack {
  devnet: Devnet;
  publicClient: PublicClient;
  deploymentFile: string;
  keeperKey: Hex;
  client: NeuralClient;
  operators: NeuralClient[];
  clientOf(privateKey: Hex): NeuralClient;
  mine(blocks?: number): Promise<void>;
  increaseTime(seconds: number | bigint): Promise<void>;
  rpc<T>(method: string, params?: unknown[]): Promise<T>;
  stop(): Promise<void>;
}

export const capabilities = (over: Partial<Capabilities> = {}): Capabilities => ({
  gpuModel: stringToHex("NVIDIA L4", { size: 32 }),
  gpuCount: 4,
  vramMiB: 24_576,
  cpuCores: 32,
  memoryMiB: 131_072,
  region: stringToHex("eu-west", { size: 16 }),
  ...over,
});

export async function startStack(
  options: { nodes?: Array<{ ask: string; capabilities?: Partial<Capabilities> }> } = {},
): Promise<Stack> {
  const devnet = await startDevnet({ fundAccounts: 5, env: { NEURAL_CHALLENGE_WINDOW: "120" } });
  const transport = http(devnet.rpcUrl);
  const publicClient = createPublicClient({
    chain: foundry,
    transport,
    pollingInterval: 100,
  }) as PublicClient;
  const clientOf = (privateKey: Hex) =>
    new NeuralClient({
      publicClient,
      walletClient: createWalletClient({
        account: privateKeyToAccount(privateKey),
        chain: foundry,
        transport,
      }),
      deployment: devnet.deployment,
    });
  const dir = mkdtempSync(join(tmpdir(), "keeper-stack-"));
  const deploymentFile = join(dir, `${devnet.chainId}.json`);
  writeFileSync(deploymentFile, JSON.stringify(devnet.deployment));
  const specs: Array<{ ask: string; stake?: string; capabilities?: Partial<Capabilities> }> =
    options.nodes ?? [{ ask: "1" }, { ask: "2" }, { ask: "3" }];
  const operators: NeuralClient[] = [];
  for (const [i, spec] of specs.entries()) {
    const account = devnet.accounts[1 + i];
    if (!account) throw new Error(`no dev account for node ${i + 1}`);
    const op = clientOf(account.privateKey);
    await op.registerNode({
      worker: op.account,
      capabilities: capabilities(spec.capabilities),
      askPrice: parseEther(spec.ask),
      metadataCid: `0x${"00".repeat(32)}`,
      stake: parseEther(spec.stake ?? "1000"),
    });
    operators.push(op);
  }
  const rpc = <T>(method: string, params: unknown[] = []) =>
    publicClient.request({ method: method as never, params: params as never }) as Promise<T>;
  const mine = async (blocks = 1) => {
    for (let i = 0; i < blocks; i++) await rpc("evm_mine");
  };
  return {
    devnet,
    publicClient,
    deploymentFile,
    keeperKey: devnet.accounts[0]?.privateKey as Hex,
    client: clientOf(devnet.accounts[5]?.privateKey as Hex),
    operators,
    clientOf,
    mine,
    async increaseTime(seconds) {
      await rpc("evm_increaseTime", [Number(seconds)]);
      await mine();
    },
    rpc,
    stop: () => devnet.stop(),
  };
}

export const postParams = (over: Record<string, unknown> = {}) => ({
  specCid: EXAMPLE_RAW_CID,
  shardCount: 3,
  maxPricePerShard: parseEther("5"),
  minTier: 1,
  resources: { gpus: 1, vramMiB: 16_384, cpus: 2, memoryMiB: 4096 },
  maxDuration: 600n,
  auditRateBps: 0,
  datasetId: 0n,
  datasetVersion: 0,
  ...over,
});

/** Writes a node's heartbeat as its worker would (SET with EX). */
export async function heartbeat(redis: Redis, names: RedisNames, nodeId: number, worker: Hex, ttlS = 3600) {
  const msg = encodeMessage({
    version: 1,
    type: "heartbeat",
    sentAt: new Date().toISOString(),
    nodeId,
    worker,
    status: "idle",
    running: [],
    freeGpus: 4,
  });
  await redis.set(names.heartbeat(nodeId), msg, "EX", ttlS);
}

/** Polls `check` until it returns a value (not undefined); throws with `what` when the deadline passes. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
