import { ShardStatus } from "@neural/sdk";
import { describe, expect, it } from "vitest";
import { pingDecision } from "./pings.js";

const ping = { taskId: 1n, shardIndex: 0n, epoch: 2 };
const state = (over: Partial<Parameters<typeof pingDecision>[1]> = {}) => ({
  nodeId: 7n,
  shard: { status: ShardStatus.Assigned, nodeId: 7n, epoch: 2 },
  latest: { epoch: 2, respondBy: 1_000n },
  holds: true,
  ...over,
});

describe("pingDecision", () => {
  it("answers an outstanding ping of a shard this daemon holds", () => {
    expect(pingDecision(ping, state())).toBe("answer");
  });

  it("leaves a ping of a shard it does not hold unanswered, so a live node can take it", () => {
    expect(pingDecision(ping, state({ holds: false }))).toBe("not-held");
  });

  it("is done once answered, or when the shard moved on", () => {
    expect(pingDecision(ping, state({ latest: { epoch: 2, respondBy: 0n } }))).toBe("done");
    expect(
      pingDecision(ping, state({ shard: { status: ShardStatus.Submitted, nodeId: 7n, epoch: 2 } })),
    ).toBe("done");
    expect(pingDecision(ping, state({ shard: { status: ShardStatus.Assigned, nodeId: 8n, epoch: 3 } }))).toBe(
      "done",
    );
    // a newer ping of a later assignment replaces this one
    expect(pingDecision(ping, state({ latest: { epoch: 3, respondBy: 5n } }))).toBe("done");
    expect(pingDecision(ping, state({ shard: { status: ShardStatus.Assigned, nodeId: 7n, epoch: 3 } }))).toBe(
      "done",
    );
  });
});
