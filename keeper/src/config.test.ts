import { describe, expect, it } from "vitest";
import { loadConfig, redactedConfig } from "./config.js";

const KEY = `0x${"11".repeat(32)}`;

describe("loadConfig", () => {
  it("applies defaults and parses numbers", () => {
    const c = loadConfig({
      KEEPER_RPC_URL: "http://127.0.0.1:8545",
      KEEPER_PRIVATE_KEY: KEY,
      KEEPER_CONFIRMATIONS: "0",
    });
    expect(c.KEEPER_CONFIRMATIONS).toBe(0);
    expect(c.KEEPER_REDIS_URL).toBe("redis://127.0.0.1:6379");
    expect(c.KEEPER_MAX_ASSIGNMENTS).toBe(200);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it("names every bad variable and what it should be", () => {
    let message = "";
    try {
      loadConfig({
        KEEPER_RPC_URL: "localhost:8545",
        KEEPER_CONFIRMATIONS: "-1",
        KEEPER_REDIS_URL: "http://x",
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/KEEPER_RPC_URL: must be a URL starting with http:\/\/ or https:\/\//);
    expect(message).toMatch(/KEEPER_CONFIRMATIONS: must be a whole number/);
    expect(message).toMatch(/KEEPER_REDIS_URL: must be a URL starting with redis:\/\//);
    expect(message).toMatch(/KEEPER_PRIVATE_KEY: set KEEPER_PRIVATE_KEY/);
  });

  it("says a required variable is missing", () => {
    expect(() => loadConfig({ KEEPER_PRIVATE_KEY: KEY })).toThrow(/KEEPER_RPC_URL: is required/);
  });

  it("never shows secrets", () => {
    const c = loadConfig({ KEEPER_RPC_URL: "http://127.0.0.1:8545", KEEPER_PRIVATE_KEY: KEY });
    expect(JSON.stringify(redactedConfig(c))).not.toContain(KEY);
  });
});
