import { encodeMessage } from "@neural/sdk";
import { describe, expect, it } from "vitest";
import { ChainView, type NodeRec, Shard, shardKey, Task, type TaskRec } from "../ingest/view.js";
import { heartbeatLive, heartbeatPresent, livenessDuties, reputation, schedulerInput } from "./plan.js";

const WORKER = "0x00000000000000000000000000000000000000a1";
const beat = (nodeId: number, status: "idle" | "busy" | "draining" = "idle") =>
  encodeMessage({
    version: 1,
    type: "heartbeat",
    sentAt: new Date().toISOString(),
    nodeId,
    worker: WORKER,
    status,
    running: [],
    freeGpus: 1,
  });

function node(nodeId: bigint, over: Partial<NodeRec> = {}): NodeRec {
  return {
    nodeId,
    operator: WORKER,
    worker: WORKER,
    status: 1,
    tier: 1,
    active: true,
    registeredAt: 0n,
    jailedUntil: 0n,
    unbondingReleaseAt: 0n,
    stake: 1000n,
    locked: 100n,
    unbonding: 0n,
    askPrice: 5n,
    completed: 0,
    failed: 0,
    slashCount: 0,
    metadataCid: `0x${"00".repeat(32)}`,
    capabilities: {
      gpuModel: `0x${"00".repeat(32)}`,
      gpuCount: 4,
      vramMiB: 24_576,
      cpuCores: 16,
      memoryMiB: 65_536,
      region: `0x${"00".repeat(16)}`,
    },
    ...over,
  } as NodeRec;
}

function task(taskId: bigint, over: Partial<TaskRec> = {}): TaskRec {
  return {
    taskId,
    client: "0x00000000000000000000000000000000000000c1",
    specCid: `0x${"11".repeat(32)}`,
    shardCount: 3,
    maxPrice: 10n,
    minTier: 1,
    resources: { gpus: 1, vramMiB: 16_384, cpus: 2, memoryMiB: 4096 },
    maxDuration: 600n,
    collateral: 50n,
    status: Task.Open,
    seq: 1,
    postedBlock: 1n,
    ...over,
  };
}

describe("heartbeatLive", () => {
  it("needs a well-formed heartbeat of this very node that is not draining", () => {
    const n = node(7n);
    expect(heartbeatLive(beat(7), n)).toBe(true);
    expect(heartbeatLive(beat(7, "busy"), n)).toBe(true);
    expect(heartbeatLive(null, n)).toBe(false); // expired key
    expect(heartbeatLive(beat(7, "draining"), n)).toBe(false);
    expect(heartbeatLive(beat(8), n)).toBe(false); // another node's heartbeat under this key
    expect(heartbeatLive("{not json", n)).toBe(false);
  });
});

describe("heartbeatPresent", () => {
  it("is any well-formed heartbeat of this node, draining included (a draining node still runs its shards)", () => {
    expect(heartbeatPresent(beat(7), { nodeId: 7n })).toBe(true);
    expect(heartbeatPresent(beat(7, "draining"), { nodeId: 7n })).toBe(true);
    expect(heartbeatPresent(null, { nodeId: 7n })).toBe(false);
    expect(heartbeatPresent(beat(8), { nodeId: 7n })).toBe(false);
    expect(heartbeatPresent("{not json", { nodeId: 7n })).toBe(false);
  });
});

describe("livenessDuties", () => {
  const NOW = 10_000n;
  const running = (shardIndex: number, nodeId: bigint, over: Record<string, unknown> = {}) =>
    ({
      taskId: 1n,
      shardIndex,
      status: Shard.Assigned,
      nodeId,
      epoch: 1,
      deadline: NOW + 3600n,
      ...over,
    }) as never;

  function viewOf(shards: never[]): ChainView {
    const view = new ChainView();
    view.livenessWindow = 600n;
    for (const s of shards) {
      const r = s as { taskId: bigint; shardIndex: number };
      view.shards.set(shardKey(r.taskId, r.shardIndex), s);
    }
    return view;
  }

  it("pings the running shards of nodes without a heartbeat, and only those", () => {
    const view = viewOf([running(0, 1n), running(1, 2n), running(2, 1n, { status: Shard.Submitted })]);
    const d = livenessDuties(view, new Set([2n]), new Map(), NOW, 20);
    expect(d.ping.map((s) => (s as { shardIndex: number }).shardIndex)).toEqual([0]);
    expect(d.release).toEqual([]);
  });

  it("skips in-flight assignments, shards past or too near their deadline, and the cooldown", () => {
    const view = viewOf([
      running(0, 1n),
      running(1, 1n, { deadline: NOW }), // past: timeoutShard's turn
      running(2, 1n, { deadline: NOW + 600n }), // a ping could not expire before the deadline
      running(3, 1n), // pinged and answered, cooldown running
      running(4, 1n, { epoch: 2 }), // the cooldown was of an earlier epoch: void
    ]);
    view.pings.set(shardKey(1n, 3), { epoch: 1, respondBy: 0n, nextPingAt: NOW + 1n });
    view.pings.set(shardKey(1n, 4), { epoch: 1, respondBy: 0n, nextPingAt: NOW + 1n });
    const inflight = new Map([[shardKey(1n, 0), { block: 9n, nodeId: 1n, taskId: 1n }]]);
    const d = livenessDuties(view, new Set(), inflight, NOW, 20);
    expect(d.ping.map((s) => (s as { shardIndex: number }).shardIndex)).toEqual([4]);
  });

  it("releases outstanding pings once respondBy has passed, whatever the heartbeat says now", () => {
    const view = viewOf([running(0, 1n), running(1, 1n), running(2, 2n), running(3, 1n, { epoch: 2 })]);
    view.pings.set(shardKey(1n, 0), { epoch: 1, respondBy: NOW - 1n, nextPingAt: NOW + 1800n });
    view.pings.set(shardKey(1n, 1), { epoch: 1, respondBy: NOW, nextPingAt: NOW + 1800n }); // not yet
    view.pings.set(shardKey(1n, 2), { epoch: 1, respondBy: NOW - 1n, nextPingAt: NOW + 1800n });
    view.pings.set(shardKey(1n, 3), { epoch: 1, respondBy: NOW - 1n, nextPingAt: NOW + 1800n }); // stale epoch
    const d = livenessDuties(view, new Set([2n]), new Map(), NOW, 20);
    expect(d.release.map((s) => (s as { shardIndex: number }).shardIndex).sort()).toEqual([0, 2]);
    // shard 1 waits for its answer; shard 3's ping was of an earlier assignment, so it is pinged afresh
    expect(d.ping.map((s) => (s as { shardIndex: number }).shardIndex)).toEqual([3]);
  });

  it("does nothing before livenessWindow is known, and caps each list", () => {
    const view = viewOf([running(0, 1n), running(1, 1n), running(2, 1n)]);
    expect(livenessDuties(view, new Set(), new Map(), NOW, 2).ping).toHaveLength(2);
    view.livenessWindow = undefined;
    expect(livenessDuties(view, new Set(), new Map(), NOW, 2)).toEqual({ ping: [], release: [] });
  });
});

describe("reputation", () => {
  it("rises with completed work, falls with failures and slashes, stays in [0, 1]", () => {
    expect(reputation(node(1n, { completed: 9, failed: 0 }))).toBeGreaterThan(reputation(node(1n)));
    expect(reputation(node(1n, { failed: 5 }))).toBeLessThan(reputation(node(1n)));
    expect(reputation(node(1n, { slashCount: 20 }))).toBe(0);
  });
});

describe("schedulerInput", () => {
  it("offers Pending shards not in flight, and counts running and in-flight shards against their nodes", () => {
    const view = new ChainView();
    view.tasks.set(1n, task(1n));
    view.tasks.set(2n, task(2n, { status: Task.Cancelled }));
    view.nodes.set(1n, node(1n));
    view.nodes.set(2n, node(2n, { active: false }));
    const base = { status: Shard.Pending, nodeId: 0n } as never;
    view.shards.set(shardKey(1n, 0), {
      ...(base as object),
      taskId: 1n,
      shardIndex: 0,
      status: Shard.Assigned,
      nodeId: 1n,
    } as never);
    view.shards.set(shardKey(1n, 1), { ...(base as object), taskId: 1n, shardIndex: 1 } as never);
    view.shards.set(shardKey(1n, 2), { ...(base as object), taskId: 1n, shardIndex: 2 } as never);
    view.shards.set(shardKey(2n, 0), { ...(base as object), taskId: 2n, shardIndex: 0 } as never);
    view.minShardPrice = 7n;
    const inflight = new Map([[shardKey(1n, 2), { block: 9n, nodeId: 1n, taskId: 1n }]]);
    const { tasks, nodes, minPrice } = schedulerInput(view, new Set([1n]), inflight);
    expect(minPrice).toBe(7n); // a shard pays its node's ask raised to TaskManager's minShardPrice
    expect(tasks).toHaveLength(1); // the cancelled task's shard is not offered
    expect(tasks[0]?.pending).toEqual([1]); // shard 0 runs, shard 2 is in flight
    expect(nodes.map((n) => n.nodeId)).toEqual([1]); // node 2 is not in the active set
    const n1 = nodes[0];
    expect(n1?.live).toBe(true);
    // shard 0 (running) and shard 2 (in flight) hold 2 GPUs; only the in-flight collateral is not in `locked` yet
    expect(n1?.used).toEqual({ gpus: 2, cpus: 4, memoryMiB: 8192 });
    expect(n1?.freeStake).toBe(1000n - 100n - 50n);
  });
});
