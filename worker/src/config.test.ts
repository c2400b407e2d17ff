import { describe, expect, it } from "vitest";
import { parseConfig } from "./config.js";
import { UserError } from "./errors.js";

describe("config", () => {
  it("has defaults, takes env, and flags win over env", () => {
    const c = parseConfig({}, { NEURAL_WORKER_HOME: "/tmp/nw", NEURAL_REDIS_URL: "redis://r:1" });
    expect(c.home).toBe("/tmp/nw");
    expect(c.keystore).toBe("/tmp/nw/keystore.json");
    expect(c.redisUrl).toBe("redis://r:1");
    expect(c.rpcUrl).toBe("http://127.0.0.1:8545");
    expect(c.heartbeatSeconds).toBe(10);
    expect(c.redisPrefix).toBe("neural");
    expect(c.claimPending).toBe(false);
    expect(parseConfig({}, { NEURAL_WORKER_CLAIM_PENDING: "true" }).claimPending).toBe(true);
    expect(parseConfig({ claimPending: true }, {}).claimPending).toBe(true);
    expect([c.gasBumpBlocks, c.maxFeeGwei]).toEqual([3, 100_000_000_000n]);
    const gas = parseConfig({ maxFeeGwei: "0.5" }, { NEURAL_GAS_BUMP_BLOCKS: "5" });
    expect([gas.gasBumpBlocks, gas.maxFeeGwei]).toEqual([5, 500_000_000n]);
    const f = parseConfig(
      { redisUrl: "redis://flag:2", ipfsPeers: "/ip4/1.2.3.4/tcp/1/p2p/x, /ip4/5.6.7.8/tcp/2/p2p/y" },
      {
        NEURAL_REDIS_URL: "redis://r:1",
      },
    );
    expect(f.redisUrl).toBe("redis://flag:2");
    expect(f.ipfsPeers).toEqual(["/ip4/1.2.3.4/tcp/1/p2p/x", "/ip4/5.6.7.8/tcp/2/p2p/y"]);
    expect(Object.isFrozen(f)).toBe(true);
  });

  it("names every bad variable, its flag and the fix", () => {
    let error: unknown;
    try {
      parseConfig(
        { nodeId: "zero" },
        {
          NEURAL_REDIS_URL: "http://x",
          NEURAL_LOG_LEVEL: "loud",
          NEURAL_HEARTBEAT_SECONDS: "30",
          NEURAL_MAX_FEE_GWEI: "lots",
        },
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    const message = (error as Error).message;
    expect(message).toContain("NEURAL_REDIS_URL (--redis-url): expected a redis: or rediss: URL");
    expect(message).toContain("set it to redis://host:port");
    expect(message).toContain("NEURAL_NODE_ID (--node-id)");
    expect(message).toContain("NEURAL_LOG_LEVEL (--log-level)");
    expect(message).toContain("use one of trace, debug");
    expect(message).toContain("NEURAL_HEARTBEAT_SECONDS (--heartbeat-seconds)");
    expect(message).toContain("NEURAL_MAX_FEE_GWEI (--max-fee-gwei): expected a number of gwei");
  });
});
