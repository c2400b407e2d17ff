// Reorganizes anvil's chain under the running indexer (evm_snapshot / evm_revert, then a different, longer
// branch, well within Ponder's 30-block finality for chain 31337) and checks that the indexed entities are
// those of the new canonical chain, with nothing left over from the abandoned branch.
import { parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  chainEvents,
  chainNodes,
  chainShards,
  chainTasks,
  indexedNodes,
  indexedShards,
  indexedTasks,
} from "./helpers/compare.js";
import { cid, Protocol } from "./helpers/scenario.js";
import {
  type Devnet,
  gql,
  gqlAll,
  startDevnet,
  startTestIndexer,
  TestChain,
  waitForBlock,
} from "./helpers/stack.js";

let devnet: Devnet;
let chain: TestChain;
let protocol: Protocol;
let indexer: Awaited<ReturnType<typeof startTestIndexer>>;

type Snapshot = { tasks: unknown; nodes: unknown; events: number };
let before: Snapshot;
let oldHead: bigint;

async function indexed(): Promise<Snapshot> {
  const events = await gql<{ protocolEvents: { totalCount: number } }>(
    indexer.url,
    "{ protocolEvents { totalCount } }",
  );
  return {
    tasks: await indexedTasks(indexer.url),
    nodes: await indexedNodes(indexer.url),
    events: events.protocolEvents.totalCount,
  };
}

beforeAll(async () => {
  devnet = await startDevnet({ fundAccounts: 4 });
  chain = new TestChain(devnet);
  protocol = new Protocol(chain);
  indexer = await startTestIndexer(devnet, "pglite");

  // Common history: one node.
  await protocol.registerNode(1, parseEther("1000"));
  const snapshot = await chain.rpc<string>("evm_snapshot");

  // Branch A, indexed live and then abandoned.
  await protocol.registerNode(2, parseEther("500"), { label: "branch-a" });
  await protocol.stake(1, 1n, parseEther("300"));
  await protocol.postTask(3, { label: "branch-a", shards: 3, reward: parseEther("5") });
  oldHead = await chain.blockNumber();
  await waitForBlock(indexer.url, oldHead);
  before = await indexed();

  // Branch B replaces it: other transactions, and more blocks so that it becomes the canonical chain.
  expect(await chain.rpc<boolean>("evm_revert", [snapshot])).toBe(true);
  await protocol.registerNode(3, parseEther("700"), { label: "branch-b" });
  await protocol.registryCall(1, "requestUnstake", [1n, parseEther("100")]);
  await protocol.postTask(4, { label: "branch-b", shards: 2, reward: parseEther("7") });
  const newBranchHead = await chain.blockNumber();
  if (newBranchHead <= oldHead) await chain.mine(Number(oldHead - newBranchHead) + 2);
  await chain.mine(2);
  await waitForBlock(indexer.url, await chain.blockNumber());
});

afterAll(async () => {
  await indexer?.cleanup();
  await devnet?.stop();
});

describe("reorg under the running indexer", () => {
  it("had indexed the abandoned branch", () => {
    const tasks = before.tasks as { specCid: string; shardCount: number }[];
    expect(tasks).toHaveLength(1);
    expect(tasks[0]?.specCid).toBe(cid("spec/branch-a"));
    expect(before.nodes).toHaveLength(2);
  });

  it("now matches the new canonical chain", async () => {
    expect(await indexedNodes(indexer.url)).toEqual(await chainNodes(protocol));
    expect(await indexedTasks(indexer.url)).toEqual(await chainTasks(protocol));
    expect(await indexedShards(indexer.url)).toEqual(await chainShards(protocol));
    const [task] = (await indexedTasks(indexer.url)) as unknown as { specCid: string; shardCount: number }[];
    expect(task?.specCid).toBe(cid("spec/branch-b"));
    expect(task?.shardCount).toBe(2);
  });

  it("keeps no event, history row or aggregate from the abandoned branch", async () => {
    const events = await chainEvents(protocol);
    const rows = await gqlAll<{ blockNumber: string; logIndex: number; name: string; blockHash: string }>(
      indexer.url,
      "protocolEvents",
      "blockNumber logIndex name blockHash",
      'orderBy: "id", orderDirection: "asc"',
    );
    expect(rows.map((r) => `${r.blockNumber}:${r.logIndex}:${r.name}`)).toEqual(
      events.map((e) => `${e.blockNumber}:${e.logIndex}:${e.name}`),
    );
    for (const row of rows) {
      const block = await chain.pub.getBlock({ blockNumber: BigInt(row.blockNumber) });
      expect(row.blockHash).toBe(block.hash);
    }
    const stake = await gqlAll<{ nodeId: string; kind: string; amount: string }>(
      indexer.url,
      "stakeEvents",
      "nodeId kind amount",
      'orderBy: "id", orderDirection: "asc"',
    );
    expect(stake.map((s) => `${s.nodeId}:${s.kind}:${s.amount}`)).toEqual([
      `1:Registered:${parseEther("1000")}`,
      `2:Registered:${parseEther("700")}`,
      `1:UnstakeRequested:${parseEther("100")}`,
    ]);
    const { network } = await gql<{
      network: { nodeCount: number; taskCount: number; totalStaked: string; eventCount: number };
    }>(indexer.url, '{ network(id: "network") { nodeCount taskCount totalStaked eventCount } }');
    expect(network).toEqual({
      nodeCount: 2,
      taskCount: 1,
      totalStaked: (
        await chain.read<bigint>(protocol.registry, protocol.abi.registry, "totalStaked")
      ).toString(),
      eventCount: events.length,
    });
  });
});
