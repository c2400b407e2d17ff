import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DAG_PB_CODEC, RAW_CODEC, rawCid } from "../cid/cid.js";
import { TimeoutError, ValidationError } from "../errors/errors.js";
import { taskSpec } from "../formats/spec.js";
import { exampleTaskSpec } from "../testing/fixtures.js";
import { createStorageNode, type StorageNode } from "./node.js";

const MiB = 1024 * 1024;

/** `total` bytes of random data in 1 MiB chunks, never held at once; `hash()` is their sha256 once drained. */
function randomStream(total: number) {
  const hash = createHash("sha256");
  async function* generate(): AsyncGenerator<Uint8Array> {
    for (let sent = 0; sent < total; ) {
      const chunk = randomBytes(Math.min(MiB, total - sent));
      hash.update(chunk);
      sent += chunk.length;
      yield chunk;
    }
  }
  return { source: generate(), hash: () => `0x${hash.digest("hex")}` };
}

let dir: string;
const nodes: StorageNode[] = [];

async function node(name: string, peers: string[] = []): Promise<StorageNode> {
  const n = await createStorageNode({ directory: join(dir, name), peers, fetchTimeoutMs: 60_000 });
  nodes.push(n);
  return n;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "neural-storage-"));
});

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await rm(dir, { recursive: true, force: true });
});

describe("storage node (one node)", () => {
  let a: StorageNode;
  beforeAll(async () => {
    a = await node("single");
  });

  it("listens on loopback only by default", () => {
    expect(a.multiaddrs().length).toBeGreaterThan(0);
    for (const ma of a.multiaddrs()) expect(ma).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//);
  });

  it("stores JSON documents as raw blocks under the CID of their canonical bytes", async () => {
    const spec = exampleTaskSpec();
    const cid = await a.putJson(spec);
    expect(cid.code).toBe(RAW_CODEC);
    expect(cid.toString()).toBe((await taskSpec.cid(spec)).toString());
    expect(taskSpec.parse(await a.getRaw(cid))).toEqual(spec);
    expect(await a.isPinned(cid)).toBe(true);
    await expect(a.putRaw(new Uint8Array(2 * MiB))).rejects.toThrow(ValidationError);
  });

  it("adds bytes as UnixFS with a dag-pb root, even when small", async () => {
    const small = new TextEncoder().encode("tiny weights");
    const cid = await a.addBytes(small);
    expect(cid.code).toBe(DAG_PB_CODEC);
    expect(new TextDecoder().decode(await a.getBytes(cid))).toBe("tiny weights");
    // the same bytes as a raw block have a different CID: codecs are fixed per field
    expect(cid.toString()).not.toBe((await rawCid(small)).toString());
  });

  it("adds a file from disk and streams it back to disk with its sha256", async () => {
    const path = join(dir, "in.bin");
    const bytes = randomBytes(3 * MiB + 17);
    await writeFile(path, bytes);
    const cid = await a.addFile(path);
    const out = await a.getToFile(cid, join(dir, "out", "file.bin"));
    expect(out.bytes).toBe(bytes.length);
    expect(out.sha256).toBe(`0x${createHash("sha256").update(bytes).digest("hex")}`);
    expect(Buffer.compare(await readFile(out.path), bytes)).toBe(0);
    const slice = await a.getBytes(cid, { maxBytes: 4 * MiB });
    expect(slice.length).toBe(bytes.length);
    await expect(a.getBytes(cid, { maxBytes: MiB })).rejects.toThrow(/larger than/);
    const chunks: Uint8Array[] = [];
    for await (const c of a.cat(cid, { offset: 10, length: 5 })) chunks.push(c);
    expect(Buffer.compare(Buffer.concat(chunks), bytes.subarray(10, 15))).toBe(0);
  });

  it("adds and restores a directory tree", async () => {
    const src = join(dir, "tree");
    await mkdir(join(src, "sub", "deeper"), { recursive: true });
    await writeFile(join(src, "a.txt"), "A");
    await writeFile(join(src, ".hidden"), "H");
    await writeFile(join(src, "sub", "deeper", "b.bin"), randomBytes(2 * MiB));
    const cid = await a.addDirectory(src);
    expect(cid.code).toBe(DAG_PB_CODEC);
    const dest = join(dir, "restored");
    const files = await a.getDirectory(cid, dest);
    expect(files.map((f) => f.path.slice(dest.length)).sort()).toEqual([
      "/.hidden",
      "/a.txt",
      "/sub/deeper/b.bin",
    ]);
    const [restored, original] = await Promise.all([
      readFile(join(dest, "sub", "deeper", "b.bin")),
      readFile(join(src, "sub", "deeper", "b.bin")),
    ]);
    expect(Buffer.compare(restored, original)).toBe(0);
    expect(await readFile(join(dest, ".hidden"), "utf8")).toBe("H");
  });

  it("keeps pinned content and drops unpinned content on gc", async () => {
    const kept = await a.addBytes(randomBytes(1000));
    const dropped = await a.addBytes(randomBytes(1000), { pin: false });
    expect(await a.isPinned(dropped)).toBe(false);
    expect(await a.has(dropped)).toBe(true);
    await a.gc();
    expect(await a.has(kept)).toBe(true);
    expect(await a.has(dropped)).toBe(false);
    await a.unpin(kept);
    await a.gc();
    expect(await a.has(kept)).toBe(false);
  });

  it("keeps its peer id across restarts", async () => {
    const first = await createStorageNode({ directory: join(dir, "restart") });
    const id = first.peerId;
    await first.stop();
    const second = await createStorageNode({ directory: join(dir, "restart") });
    expect(second.peerId).toBe(id);
    await second.stop();
  });
});

describe("storage nodes on loopback (TCP + noise + yamux)", () => {
  let a: StorageNode;
  let b: StorageNode;
  beforeAll(async () => {
    a = await node("a");
    b = await node("b", a.multiaddrs());
  });

  it("peers directly with known multiaddrs", () => {
    expect(b.peers()).toContain(a.peerId);
    expect(a.peers()).toContain(b.peerId);
  });

  it("exchanges a 50 MiB file, streamed on both sides and verified", async () => {
    const data = randomStream(50 * MiB);
    const cid = await a.addStream(data.source);
    const expected = data.hash();
    expect(await b.has(cid)).toBe(false);
    const out = await b.getToFile(cid, join(dir, "b-out", "big.bin"));
    expect(out.bytes).toBe(50 * MiB);
    expect(out.sha256).toBe(expected);
    await b.pin(cid);
    expect(await b.isPinned(cid)).toBe(true);
  });

  it("fetches raw documents from the peer", async () => {
    const cid = await a.putJson({ hello: "peer" });
    expect(JSON.parse(new TextDecoder().decode(await b.getRaw(cid)))).toEqual({ hello: "peer" });
  });

  it("times out (retryable) on content no peer has", async () => {
    const missing = await rawCid(randomBytes(32));
    const error = await b.getRaw(missing, { timeoutMs: 1500 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).retryable).toBe(true);
  });

  it("rejects peer addresses without a peer id", async () => {
    await expect(b.addPeer("/ip4/127.0.0.1/tcp/1")).rejects.toThrow(/no \/p2p/);
  });
});
