/**
 * Submissions under a hostile fee market and a flaky RPC, on the devnet's anvil with automine off so the test
 * decides what is mined: a stuck submission is replaced by higher-fee versions of the SAME nonce and exactly one
 * lands; a restart re-broadcasts the journaled versions and signs nothing new; a nonce taken by another
 * transaction is reported, not waited on; an RPC answering 503, resetting or refusing connections for a while is
 * ridden out; a revert is never retried. Releases (like every worker write but a challenge) are bumped the same way.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ContractRevertError, taskManagerAbi } from "@neural/sdk";
import {
  createTestClient,
  createWalletClient,
  type Hex,
  http,
  parseGwei,
  parseTransaction,
  type TestClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { NonceTakenError } from "../src/chain/errors.js";
import { type Actor, NeuralChain, type SignedTx } from "../src/chain/index.js";
import { startNetwork, type TestNetwork } from "./network.js";

let net: TestNetwork;
let anvil: TestClient<"anvil">;
let manifestCid: string;
const FAST = { attempts: 12, baseDelayMs: 5, maxDelayMs: 40 };

beforeAll(async () => {
  net = await startNetwork();
  manifestCid = (await net.storage.putJson({ test: "gas" })).toString();
  anvil = createTestClient({
    mode: "anvil",
    chain: { ...foundry, id: net.devnet.chainId },
    transport: http(net.devnet.rpcUrl),
  });
});

afterEach(async () => {
  await anvil?.setAutomine(true);
});

afterAll(async () => {
  await net?.stop();
});

async function connect(
  rpcUrl = net.devnet.rpcUrl,
  retry = FAST,
): Promise<{ chain: NeuralChain; actor: Actor }> {
  const config = net.config();
  const chain = await NeuralChain.connect({
    rpcUrl,
    deploymentsDir: config.deploymentsDir,
    gas: { bumpAfterBlocks: 2, maxFeePerGas: parseGwei("100") },
    retry,
  });
  return { chain, actor: chain.actor(net.worker.privateKey) };
}

/** A one-shard task assigned to the test node (the job message is not needed: the test submits itself). */
async function assigned(): Promise<bigint> {
  return BigInt((await net.assign(net.spec())).job.taskId);
}

const result = (taskId: bigint) => ({
  taskId,
  shardIndex: 0n,
  manifestCid,
  checkpoints: [{ step: 2n, hash: `0x${"11".repeat(32)}` as Hex }],
});

async function submissions(taskId: bigint) {
  return net.publicClient.getContractEvents({
    address: net.devnet.deployment.contracts.TaskManager.address,
    abi: taskManagerAbi,
    eventName: "ResultSubmitted",
    args: { taskId },
    fromBlock: 0n,
  });
}

const nonceOfWorker = () => net.publicClient.getTransactionCount({ address: net.worker.address });

/** Records what the chain module journals, and resolves when the first version has been broadcast. */
function memoryJournal(previous?: SignedTx) {
  const recorded: SignedTx[] = [];
  let broadcast: () => void = () => undefined;
  const sent = new Promise<void>((r) => {
    broadcast = r;
  });
  return {
    recorded,
    sent,
    latest: () => recorded.at(-1) ?? previous,
    journal: {
      previous,
      record: async (tx: SignedTx) => {
        recorded.push(structuredClone(tx));
      },
      broadcast: async () => broadcast(),
    },
  };
}

/** Mines blocks whose base fee is above every version signed so far until `done` holds. */
async function mineStuckUntil(done: () => boolean | Promise<boolean>, floor: bigint): Promise<void> {
  while (!(await done())) {
    await anvil.setNextBlockBaseFeePerGas({ baseFeePerGas: floor });
    await anvil.mine({ blocks: 1 });
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("fee bumping", () => {
  it("replaces a stuck submission with higher fees, same nonce; exactly one lands", async () => {
    const { chain, actor } = await connect();
    const taskId = await assigned();
    const nonceBefore = await nonceOfWorker();
    await anvil.setAutomine(false);
    const mem = memoryJournal();
    const submitting = chain.submitResultOnce(actor, result(taskId), mem.journal);
    await Promise.race([mem.sent, submitting]);
    const first = mem.recorded[0]?.versions[0];
    if (!first) throw new Error("nothing recorded");
    // blocks too expensive for version 1: it stays in the pool until the worker bumps past the base fee
    const floor = BigInt(first.maxFeePerGas) * 2n;
    await mineStuckUntil(() => (mem.latest()?.versions.length ?? 0) >= 2, floor);
    await anvil.setNextBlockBaseFeePerGas({ baseFeePerGas: floor });
    await anvil.setAutomine(true);
    await anvil.mine({ blocks: 1 });
    const { hash } = await submitting;

    const tx = mem.latest() as SignedTx;
    expect(tx.nonce).toBe(nonceBefore);
    for (const [i, v] of tx.versions.entries()) {
      expect(parseTransaction(v.raw).nonce).toBe(nonceBefore);
      const prev = tx.versions[i - 1];
      if (prev) {
        expect(BigInt(v.maxFeePerGas) * 8n >= BigInt(prev.maxFeePerGas) * 9n).toBe(true);
        expect(BigInt(v.maxPriorityFeePerGas) * 8n >= BigInt(prev.maxPriorityFeePerGas) * 9n).toBe(true);
      }
    }
    // every version was journaled before the chain saw it; a later one landed, not the stuck first
    expect(tx.versions.map((v) => v.hash)).toContain(hash);
    expect(hash).not.toBe(first.hash);
    expect(await submissions(taskId)).toHaveLength(1);
    expect(await nonceOfWorker()).toBe(nonceBefore + 1);
  });

  it("bumps a stuck release the same way (no journal): released once, by a later version", async () => {
    const { chain, actor } = await connect();
    const taskId = await assigned();
    const nonceBefore = await nonceOfWorker();
    await anvil.setAutomine(false);
    const releasing = chain.releaseShard(actor, { taskId, shardIndex: 0n, reason: "InvalidSpec" });
    // the worker's transaction waiting in the pool (a replacement takes its place)
    const pending = async () => {
      const pool = (await anvil.getTxpoolContent()).pending as Record<string, Record<string, unknown>>;
      const key = Object.keys(pool).find((a) => a.toLowerCase() === net.worker.address.toLowerCase());
      const [tx] = Object.values(key ? (pool[key] ?? {}) : {}) as { hash: Hex; maxFeePerGas: bigint | Hex }[];
      return tx;
    };
    let first = await pending();
    while (!first) {
      await new Promise((r) => setTimeout(r, 20));
      first = await pending();
    }
    const floor = BigInt(first.maxFeePerGas) * 2n;
    await mineStuckUntil(async () => (await pending())?.hash !== first.hash, floor);
    await anvil.setNextBlockBaseFeePerGas({ baseFeePerGas: floor });
    await anvil.setAutomine(true);
    await anvil.mine({ blocks: 1 });
    const released = await releasing;
    expect(released.hash).not.toBe(first.hash);
    expect(released.late).toBe(false);
    const events = await net.publicClient.getContractEvents({
      address: net.devnet.deployment.contracts.TaskManager.address,
      abi: taskManagerAbi,
      eventName: "ShardReleased",
      args: { taskId },
      fromBlock: 0n,
    });
    expect(events).toHaveLength(1);
    expect(await nonceOfWorker()).toBe(nonceBefore + 1);
  });

  it("after a restart re-broadcasts the journaled versions (dropped by the node) and signs nothing new", async () => {
    const { chain, actor } = await connect();
    const taskId = await assigned();
    const nonceBefore = await nonceOfWorker();
    await anvil.setAutomine(false);
    const crashed = new AbortController();
    const mem = memoryJournal();
    const submitting = chain.submitResultOnce(actor, result(taskId), mem.journal, crashed.signal);
    await Promise.race([mem.sent, submitting]);
    const floor = BigInt(mem.recorded[0]?.versions[0]?.maxFeePerGas ?? 0n) * 4n;
    await mineStuckUntil(() => (mem.latest()?.versions.length ?? 0) >= 2, floor);
    crashed.abort(new Error("killed"));
    await expect(submitting).rejects.toThrow();
    const journaled = mem.latest() as SignedTx;
    // the node lost them (a restarted RPC node, an evicted pool entry)
    for (const v of journaled.versions) await anvil.dropTransaction({ hash: v.hash });
    await anvil.setAutomine(true);

    const { chain: restarted } = await connect();
    const again = memoryJournal(journaled);
    const { hash } = await restarted.submitResultOnce(actor, result(taskId), again.journal);
    expect(again.recorded).toEqual([]); // nothing signed anew
    expect(hash).toBe(journaled.versions.at(-1)?.hash);
    expect(await submissions(taskId)).toHaveLength(1);
    expect(await nonceOfWorker()).toBe(nonceBefore + 1);
  });

  it("reports a nonce taken by another transaction instead of waiting; a fresh signature then succeeds", async () => {
    const { chain, actor } = await connect();
    const taskId = await assigned();
    await anvil.setAutomine(false);
    const mem = memoryJournal();
    const submitting = chain.submitResultOnce(actor, result(taskId), mem.journal);
    await Promise.race([mem.sent, submitting]);
    const tx = mem.latest() as SignedTx;
    await anvil.dropTransaction({ hash: tx.versions[0]?.hash as Hex });
    // the hot key used elsewhere: a plain transfer with the same nonce
    const other = createWalletClient({
      account: privateKeyToAccount(net.worker.privateKey),
      chain: { ...foundry, id: net.devnet.chainId },
      transport: http(net.devnet.rpcUrl),
    });
    await other.sendTransaction({ to: net.worker.address, value: 1n, nonce: tx.nonce });
    await anvil.setAutomine(true);
    await anvil.mine({ blocks: 1 });
    const error = await submitting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonceTakenError);
    expect((error as Error).message).toContain(`nonce ${tx.nonce} of the worker key ${net.worker.address}`);
    expect(await submissions(taskId)).toHaveLength(0);
    // none of the versions can be mined any more: signing anew is safe, and lands once
    await chain.submitResultOnce(actor, result(taskId), memoryJournal().journal);
    expect(await submissions(taskId)).toHaveLength(1);
  });
});

/** A JSON-RPC proxy in front of anvil that fails the next requests on demand, counting requests by method. */
async function startProxy(target: string) {
  const calls = new Map<string, number>();
  let failing = { count: 0, how: "503" as "503" | "reset" };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString();
    if (failing.count > 0) {
      failing.count--;
      if (failing.how === "reset") return req.socket.destroy();
      res.writeHead(503, { "content-type": "text/plain" }).end("upstream unavailable");
      return;
    }
    for (const m of [JSON.parse(body)].flat() as Array<{ method: string }>) {
      calls.set(m.method, (calls.get(m.method) ?? 0) + 1);
    }
    const upstream = await fetch(target, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    res.writeHead(upstream.status, { "content-type": "application/json" }).end(await upstream.text());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    calls: (method: string) => calls.get(method) ?? 0,
    fail(count: number, how: "503" | "reset" = "503") {
      failing = { count, how };
    },
    get failuresLeft() {
      return failing.count;
    },
    /** Stops listening (connections are refused) until `reopen`. */
    async refuse() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
    async reopen() {
      await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

describe("RPC errors retried by class", () => {
  it("rides out 503s, resets and refused connections; never retries a revert", async () => {
    const proxy = await startProxy(net.devnet.rpcUrl);
    try {
      const { chain, actor } = await connect(proxy.url, { attempts: 30, baseDelayMs: 10, maxDelayMs: 80 });
      const taskId = await assigned();
      // more failures than viem's own retries of one request (4 attempts): the worker's loop retries the rest
      proxy.fail(10);
      expect((await chain.getShard(taskId, 0n)).nodeId).toBe(net.worker.nodeId);
      expect(proxy.failuresLeft).toBe(0);
      proxy.fail(10, "reset");
      expect((await chain.getTask(taskId)).shardCount).toBe(1);
      expect(proxy.failuresLeft).toBe(0);

      // refused for a while, in the middle of a submission (reads, the broadcast, the receipt)
      const sent = proxy.calls("eth_sendRawTransaction");
      const mem = memoryJournal();
      await proxy.refuse();
      const reopen = setTimeout(() => void proxy.reopen(), 300);
      const submitted = await chain.submitResultOnce(actor, result(taskId), mem.journal);
      clearTimeout(reopen);
      expect(submitted.receipt.status).toBe("success");
      expect(await submissions(taskId)).toHaveLength(1);
      expect(mem.recorded).toHaveLength(1);
      // a broadcast may be repeated (same bytes), never a new signature
      expect(proxy.calls("eth_sendRawTransaction") - sent).toBeGreaterThanOrEqual(1);

      // the shard is submitted: submitting again reverts in the simulation, once, and nothing is sent
      const calls = proxy.calls("eth_call");
      const sends = proxy.calls("eth_sendRawTransaction");
      const error = await chain
        .submitResultOnce(actor, result(taskId), memoryJournal().journal)
        .catch((e) => e);
      expect(error).toBeInstanceOf(ContractRevertError);
      expect((error as ContractRevertError).errorName).toBeDefined();
      expect(proxy.calls("eth_call") - calls).toBe(1);
      expect(proxy.calls("eth_sendRawTransaction")).toBe(sends);
    } finally {
      await proxy.stop().catch(() => undefined);
    }
  });
});
