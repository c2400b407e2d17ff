import { describe, expect, it } from "vitest";
import { Lock, serializeWrites } from "./serial.js";

const tick = () => new Promise((r) => setTimeout(r, 5));

/** A stand-in for NeuralChain: each write records when it starts and ends; reads are free. */
function fakeChain() {
  const log: string[] = [];
  let nonce = 0;
  const send = async (name: string) => {
    const n = nonce; // read the "pending nonce", then take a while to sign and send
    log.push(`${name}:start:${n}`);
    await tick();
    nonce = n + 1;
    log.push(`${name}:end:${n}`);
    return n;
  };
  return {
    log,
    releaseShard: (_a: unknown, _b: unknown) => send("release"),
    answerPing: (_a: unknown, _t: unknown, _s: unknown) => send("ping"),
    async submitResultOnce(_a: unknown, _i: unknown, journal: { broadcast?: () => Promise<void> }) {
      const n = nonce;
      log.push(`submit:start:${n}`);
      await tick();
      nonce = n + 1;
      await journal.broadcast?.();
      log.push("submit:broadcast");
      await tick(); // waiting for the receipt
      await tick();
      log.push(`submit:mined:${n}`);
      return n;
    },
    getShard: async () => "read",
  };
}

describe("serialized writes", () => {
  it("without the lock, concurrent writes reuse a nonce (the failure it prevents)", async () => {
    const chain = fakeChain();
    const nonces = await Promise.all([chain.releaseShard(1, 2), chain.answerPing(1, 2, 3)]);
    expect(nonces).toEqual([0, 0]);
  });

  it("gives concurrent writes distinct nonces, in call order", async () => {
    const raw = fakeChain();
    const chain = serializeWrites(raw);
    const nonces = await Promise.all([
      chain.releaseShard(1, 2),
      chain.answerPing(1, 2, 3),
      chain.releaseShard(3, 4),
    ]);
    expect(nonces).toEqual([0, 1, 2]);
    expect(raw.log).toEqual([
      "release:start:0",
      "release:end:0",
      "ping:start:1",
      "ping:end:1",
      "release:start:2",
      "release:end:2",
    ]);
  });

  it("lets the next write go once a submission is broadcast, not mined, and keeps its broadcast hook", async () => {
    const raw = fakeChain();
    const chain = serializeWrites(raw);
    let hooked = 0;
    const submitted = chain.submitResultOnce(
      1,
      {},
      {
        broadcast: async () => {
          hooked++;
        },
      },
    );
    const ping = chain.answerPing(1, 2, 3);
    expect(await Promise.all([submitted, ping])).toEqual([0, 1]);
    expect(hooked).toBe(1);
    expect(raw.log.indexOf("ping:start:1")).toBeGreaterThan(raw.log.indexOf("submit:broadcast") - 1);
    expect(raw.log.indexOf("ping:start:1")).toBeLessThan(raw.log.indexOf("submit:mined:0"));
  });

  it("releases the lock when a write throws, and leaves reads alone", async () => {
    const lock = new Lock();
    const chain = serializeWrites(
      {
        releaseShard: async () => {
          throw new Error("reverted");
        },
        answerPing: async () => "answered",
        getShard: async () => "read",
      },
      lock,
    );
    await expect(chain.releaseShard()).rejects.toThrow("reverted");
    expect(await chain.answerPing()).toBe("answered");
    const release = await lock.acquire();
    expect(await chain.getShard()).toBe("read"); // reads do not wait for the lock
    release();
  });
});
