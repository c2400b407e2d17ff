import { describe, expect, it } from "vitest";
import { DEFAULT_HEARTBEAT_TTL_SECONDS, redisNames, STREAM_FIELD, WORKER_CONSUMER_GROUP } from "./streams.js";

describe("redisNames", () => {
  it("names every key under the prefix, one hash tag per node and task", () => {
    const n = redisNames();
    expect(n.nodeStream(7n)).toBe("neural:node:{7}:jobs");
    expect(n.heartbeat(7)).toBe("neural:node:{7}:heartbeat");
    expect(n.progressStream(3n)).toBe("neural:task:{3}:progress");
    expect(redisNames("neural:31337").keeperLease).toBe("neural:31337:keeper:lease");
  });

  it("fixes the entry field, the workers' consumer group and the heartbeat TTL both sides use", () => {
    expect(STREAM_FIELD).toBe("msg");
    expect(WORKER_CONSUMER_GROUP).toBe("worker");
    expect(DEFAULT_HEARTBEAT_TTL_SECONDS).toBe(30);
  });

  it("refuses a prefix that could collide with the key layout", () => {
    expect(() => redisNames("a b")).toThrow(/must use only letters/);
  });
});
