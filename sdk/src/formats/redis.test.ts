import { describe, expect, it } from "vitest";
import { HEARTBEAT_TTL_SECONDS, JOB_CONSUMER_GROUP, REDIS_MESSAGE_FIELD, redisKeys } from "./redis.js";

describe("redis names", () => {
  it("names every key under the neural prefix, per node and per task", () => {
    expect(redisKeys.jobStream(7)).toBe("neural:node:7:jobs");
    expect(redisKeys.jobStream(7n)).toBe("neural:node:7:jobs");
    expect(redisKeys.heartbeat(7)).toBe("neural:node:7:heartbeat");
    expect(redisKeys.progressStream(3)).toBe("neural:task:3:progress");
    expect(redisKeys.keeperLease()).toBe("neural:keeper:leader");
    expect(JOB_CONSUMER_GROUP).toBe("worker");
    expect(REDIS_MESSAGE_FIELD).toBe("message");
    expect(HEARTBEAT_TTL_SECONDS).toBeGreaterThan(0);
  });
});
