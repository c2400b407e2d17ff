/**
 * IPFS add and cat throughput of the SDK's Helia node (filesystem blockstore) next to the raw sha256
 * throughput of the same data on the same machine in the same run. Files are read from disk by all three,
 * each run uses a fresh node (so no block is already stored).
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { StorageNode } from "../src/storage/node.js";
import { MiB, mbps, median, time } from "./stats.js";

async function writeRandomFile(path: string, bytes: number): Promise<void> {
  async function* chunks() {
    for (let left = bytes; left > 0; left -= MiB) yield randomBytes(Math.min(MiB, left));
  }
  await pipeline(chunks(), createWriteStream(path));
}

async function sha256File(path: string): Promise<void> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: MiB })) hash.update(chunk as Buffer);
  hash.digest();
}

export interface StorageResult {
  label: string;
  bytes: number;
  runs: number;
  sha256: number;
  add: number;
  cat: number;
}

export async function benchStorage(label: string, bytes: number, runs: number): Promise<StorageResult> {
  const dir = await mkdtemp(join(tmpdir(), "neural-bench-"));
  try {
    const file = join(dir, "input.bin");
    await writeRandomFile(file, bytes);
    await sha256File(file); // warm the page cache and the JIT
    const sha: number[] = [];
    const add: number[] = [];
    const cat: number[] = [];
    for (let i = 0; i < runs; i++) {
      sha.push(await time(() => sha256File(file)));
      const node = await StorageNode.create({ directory: join(dir, `node-${i}`) });
      try {
        let cid: Awaited<ReturnType<StorageNode["addFile"]>> | undefined;
        add.push(
          await time(async () => {
            cid = await node.addFile(file, { pin: false });
          }),
        );
        if (!cid) throw new Error("nothing added");
        const root = cid;
        cat.push(
          await time(async () => {
            for await (const _ of node.cat(root)) {
              // consume
            }
          }),
        );
      } finally {
        await node.stop();
        await rm(join(dir, `node-${i}`), { recursive: true, force: true });
      }
    }
    return {
      label,
      bytes,
      runs,
      sha256: mbps(bytes, median(sha)),
      add: mbps(bytes, median(add)),
      cat: mbps(bytes, median(cat)),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
