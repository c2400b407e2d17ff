/**
 * The gateway reader against a tiny local HTTP gateway serving a real Helia node's blocks, honestly or
 * with tampered bytes.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CarWriter } from "@ipld/car";
import * as dagPb from "@ipld/dag-pb";
import { CID } from "multiformats/cid";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DAG_PB_CODEC, rawCid } from "../cid/cid.js";
import { CidMismatchError, NetworkError, NotFoundError } from "../errors/errors.js";
import { GatewayReader } from "./gateway.js";
import { createStorageNode, type StorageNode } from "./node.js";

type Mode = "honest" | "tamper" | "drop-block" | "error";

let dir: string;
let node: StorageNode;
let server: Server;
let url: string;
let mode: Mode = "honest";
let requests = 0;

/** All blocks of a DAG, depth first (what a gateway's CAR holds). */
async function dagBlocks(root: CID): Promise<Array<{ cid: CID; bytes: Uint8Array }>> {
  const out: Array<{ cid: CID; bytes: Uint8Array }> = [];
  const visit = async (cid: CID): Promise<void> => {
    const bytes = await node.helia.blockstore.get(cid);
    out.push({ cid, bytes });
    if (cid.code === DAG_PB_CODEC) for (const link of dagPb.decode(bytes).Links) await visit(link.Hash);
  };
  await visit(root);
  return out;
}

function tamper(bytes: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[copy.length - 1] = (copy[copy.length - 1] ?? 0) ^ 0xff;
  return copy;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "neural-gateway-"));
  node = await createStorageNode({ directory: join(dir, "node") });
  server = createServer((req, res) => {
    requests++;
    void (async () => {
      const u = new URL(req.url ?? "/", "http://x");
      const match = /^\/ipfs\/([^/]+)$/.exec(u.pathname);
      if (!match?.[1]) return res.writeHead(400).end();
      if (mode === "error") return res.writeHead(502).end("bad gateway");
      const cid = CID.parse(match[1]);
      if (!(await node.has(cid))) return res.writeHead(404).end();
      if (u.searchParams.get("format") === "raw") {
        const bytes = await node.helia.blockstore.get(cid);
        res.writeHead(200, { "content-type": "application/vnd.ipld.raw" });
        return res.end(mode === "tamper" ? tamper(bytes) : bytes);
      }
      const blocks = await dagBlocks(cid);
      const { writer, out } = CarWriter.create([cid]);
      res.writeHead(200, { "content-type": "application/vnd.ipld.car" });
      void (async () => {
        for (const [i, block] of blocks.entries()) {
          if (mode === "drop-block" && i === blocks.length - 1) continue;
          const bytes = mode === "tamper" && i === blocks.length - 1 ? tamper(block.bytes) : block.bytes;
          await writer.put({ cid: block.cid, bytes });
        }
        await writer.close();
      })();
      for await (const chunk of out) res.write(chunk);
      res.end();
    })().catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await node.stop();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  mode = "honest";
  requests = 0;
});

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe("gateway reader", () => {
  it("reads and verifies raw documents", async () => {
    const cid = await node.putJson({ kind: "spec", n: 1 });
    const gateway = new GatewayReader({ url });
    expect(JSON.parse(new TextDecoder().decode(await gateway.getRaw(cid)))).toEqual({ kind: "spec", n: 1 });
  });

  it("streams a multi-block UnixFS file block by block and through one CAR", async () => {
    const bytes = randomBytes(5 * 1024 * 1024 + 123);
    const cid = await node.addBytes(bytes);
    const gateway = new GatewayReader({ url });
    expect(Buffer.compare(await collect(gateway.cat(cid)), bytes)).toBe(0);
    expect(requests).toBeGreaterThan(6); // root + 6 leaves
    requests = 0;
    expect(Buffer.compare(await collect(gateway.catViaCar(cid)), bytes)).toBe(0);
    expect(requests).toBe(1);
  });

  it("detects a gateway serving tampered raw bytes", async () => {
    const cid = await node.putJson({ amount: 100 });
    mode = "tamper";
    const error = await new GatewayReader({ url }).getRaw(cid).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CidMismatchError);
    expect((error as CidMismatchError).expected).toBe(cid.toString());
    expect((error as CidMismatchError).retryable).toBe(false);
  });

  it("detects a tampered block inside a file, block by block and in a CAR", async () => {
    const cid = await node.addBytes(randomBytes(3 * 1024 * 1024));
    mode = "tamper";
    const gateway = new GatewayReader({ url });
    await expect(collect(gateway.cat(cid))).rejects.toBeInstanceOf(CidMismatchError);
    await expect(collect(gateway.catViaCar(cid))).rejects.toBeInstanceOf(CidMismatchError);
  });

  it("reports a CAR missing blocks as NotFoundError", async () => {
    const cid = await node.addBytes(randomBytes(3 * 1024 * 1024));
    mode = "drop-block";
    await expect(collect(new GatewayReader({ url }).catViaCar(cid))).rejects.toBeInstanceOf(NotFoundError);
  });

  it("classifies gateway failures", async () => {
    const gateway = new GatewayReader({ url });
    await expect(gateway.getRaw(await rawCid(randomBytes(8)))).rejects.toBeInstanceOf(NotFoundError);
    mode = "error";
    const error = await gateway.getRaw(await rawCid(randomBytes(8))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).retryable).toBe(true);
    const down = new GatewayReader({ url: "http://127.0.0.1:1" });
    const unreachable = await down.getRaw(await rawCid(randomBytes(8))).catch((e: unknown) => e);
    expect(unreachable).toBeInstanceOf(NetworkError);
  });
});
