import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@neural/sdk/testing";
import { Wallet } from "ethers";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.js";
import { start } from "./index.js";

const silent = pino({ level: "silent" });

async function bootError(env: Record<string, string>): Promise<string> {
  const keeper = start(loadConfig(env), { logger: silent });
  try {
    await keeper.ready;
    return "started";
  } catch (error) {
    return (error as Error).message;
  } finally {
    await keeper.stop();
  }
}

describe("start: boot errors name the variable to fix", () => {
  it("reads an encrypted keystore and says which part is wrong", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keeper-keystore-"));
    const file = join(dir, "keeper.json");
    const wallet = Wallet.createRandom();
    // a cheap scrypt so the test stays fast (the format is the same as a wallet's)
    writeFileSync(file, await wallet.encrypt("right", { scrypt: { N: 1024 } }));
    const rpc = `http://127.0.0.1:${await freePort()}`; // nothing listens there
    const base = { KEEPER_RPC_URL: rpc, KEEPER_KEYSTORE: file };
    expect(await bootError({ ...base, KEEPER_KEYSTORE_PASSWORD: "wrong" })).toMatch(
      /KEEPER_KEYSTORE: cannot decrypt .* with KEEPER_KEYSTORE_PASSWORD/,
    );
    expect(
      await bootError({ ...base, KEEPER_KEYSTORE: join(dir, "missing.json"), KEEPER_KEYSTORE_PASSWORD: "x" }),
    ).toMatch(/KEEPER_KEYSTORE: cannot read/);
    // the right password gets past the key: the next step is the chain, which is not there
    expect(await bootError({ ...base, KEEPER_KEYSTORE_PASSWORD: "right" })).toMatch(
      /KEEPER_RPC_URL: no chain answers/,
    );
  });
});
