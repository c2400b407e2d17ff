import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keccak256, parseGwei } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, describe, expect, it } from "vitest";
import { JournalStore } from "./journal.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("JournalStore", () => {
  it("reads a journal of an older worker (one signed transaction) as a one-version submission", async () => {
    const dir = await mkdtemp(join(tmpdir(), "journal-"));
    dirs.push(dir);
    const raw = await privateKeyToAccount(generatePrivateKey()).signTransaction({
      type: "eip1559",
      chainId: 31337,
      nonce: 7,
      gas: 100_000n,
      to: "0x00000000000000000000000000000000000000aa",
      data: "0x1234",
      maxFeePerGas: parseGwei("3"),
      maxPriorityFeePerGas: parseGwei("1"),
    });
    const old = {
      taskId: 1,
      shardIndex: 0,
      epoch: 1,
      startedAt: "2025-01-01T00:00:00.000Z",
      checkpoints: [],
      signed: { raw, hash: keccak256(raw) },
    };
    await writeFile(join(dir, "1-0-e1.json"), JSON.stringify(old));
    const store = new JournalStore(dir);
    const journal = await store.read("1-0-e1");
    expect(journal?.signed).toBeUndefined();
    expect(journal?.submission).toEqual({
      nonce: 7,
      versions: [
        {
          raw,
          hash: keccak256(raw),
          maxFeePerGas: parseGwei("3").toString(),
          maxPriorityFeePerGas: parseGwei("1").toString(),
        },
      ],
    });
    // written back in the new shape, read the same
    if (journal) await store.write("1-0-e1", journal);
    expect(await store.read("1-0-e1")).toEqual(journal);
  });
});
