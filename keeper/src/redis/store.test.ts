import { redisNames } from "@neural/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedis, type TestRedis } from "../../test/helpers/redis.js";
import { FencedError, KeeperStore } from "./store.js";

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const job = (id: string) => ({ id, stream: "t:node:{1}:jobs", message: `{"id":"${id}"}` });

describe("KeeperStore", () => {
  it("lets one keeper lead; the other waits; a renewal keeps the token", async () => {
    const names = redisNames("t1");
    const a = new KeeperStore(redis.client(), names, "a");
    const b = new KeeperStore(redis.client(), names, "b");
    expect(await a.acquire(60_000)).toBe("acquired");
    const token = a.token;
    expect(await b.acquire(60_000)).toBe("held");
    expect(await a.acquire(60_000)).toBe("renewed");
    expect(a.token).toBe(token);
  });

  it("refuses a deposed leader's writes (fencing) and dispatches each message once", async () => {
    const names = redisNames("t2");
    const r = redis.client();
    const a = new KeeperStore(r, names, "a");
    const b = new KeeperStore(redis.client(), names, "b");
    await a.acquire(60_000);
    expect(await a.dispatch([job("x"), job("y")])).toEqual(["x", "y"]);
    expect(await a.dispatch([job("x")])).toEqual([]); // already sent
    // a's lease runs out (as if its process hung), b takes over
    await r.del(names.keeperLease);
    expect(await b.acquire(60_000)).toBe("acquired");
    expect(BigInt(b.token as string)).toBeGreaterThan(BigInt(a.token as string));
    await expect(a.dispatch([job("z")])).rejects.toBeInstanceOf(FencedError);
    await expect(a.setCursor({ block: 5n, hash: "0x01" })).rejects.toBeInstanceOf(FencedError);
    expect(a.token).toBeUndefined();
    expect(await b.dispatch([job("z")])).toEqual(["z"]);
    expect(await r.xlen("t:node:{1}:jobs")).toBe(3);
  });

  it("refuses writes after Redis is wiped and hands out a larger token afterwards", async () => {
    const names = redisNames("t3");
    const r = redis.client();
    const a = new KeeperStore(r, names, "a");
    await a.acquire(60_000);
    const before = BigInt(a.token as string);
    await r.flushall();
    await expect(a.setCursor({ block: 1n, hash: "0x02" })).rejects.toBeInstanceOf(FencedError);
    expect(await a.acquire(60_000)).toBe("acquired");
    expect(BigInt(a.token as string)).toBeGreaterThan(before);
    await a.setCursor({ block: 7n, hash: "0x03" });
    expect(await a.getCursor()).toEqual({ block: 7n, hash: "0x03" });
  });
});
