import { describe, expect, it } from "vitest";
import { BlockCursor } from "./cursor.js";

describe("block cursor", () => {
  it("reads from the deployment first, then only new blocks, and nothing when no block came", async () => {
    const cursor = new BlockCursor();
    const reads: Array<[bigint | undefined, bigint]> = [];
    const read = async (from: bigint | undefined, to: bigint) => {
      reads.push([from, to]);
    };
    await cursor.scan(10n, read);
    await cursor.scan(10n, read); // no new block: an empty range is never asked for
    await cursor.scan(12n, read);
    expect(reads).toEqual([
      [undefined, 10n],
      [11n, 12n],
    ]);
  });

  it("scans the same blocks again after a failed read", async () => {
    const cursor = new BlockCursor();
    await expect(cursor.scan(5n, async () => Promise.reject(new Error("rpc down")))).rejects.toThrow(
      "rpc down",
    );
    const reads: Array<bigint | undefined> = [];
    await cursor.scan(6n, async (from) => {
      reads.push(from);
    });
    expect(reads).toEqual([undefined]);
  });
});
