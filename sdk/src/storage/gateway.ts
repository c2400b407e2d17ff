/**
 * Trustless HTTP gateway reader (browsers, and operators pointing at a public gateway or Kubo). A gateway is
 * not trusted: every block is hashed and compared with its CID before use, so a gateway returning wrong bytes
 * is detected (CidMismatchError), never silently accepted. Uses only `fetch`: runs in browsers and Node.
 *
 * Two ways to read a UnixFS file:
 * - `cat`: block by block (`GET /ipfs/<cid>?format=raw`), streamed, bounded memory;
 * - `catViaCar`: one CAR request (`?format=car`), each block verified, kept in a blockstore you pass (an
 *   in-memory one by default: give a filesystem blockstore for large files).
 */
import { CarBlockIterator } from "@ipld/car";
import { MemoryBlockstore } from "blockstore-core/memory";
import { exporter } from "ipfs-unixfs-exporter";
import type { CID } from "multiformats/cid";
import { parseCid, RAW_CODEC, verifyBlock } from "../cid/cid.js";
import { NetworkError, NeuralError, NotFoundError, TimeoutError, ValidationError } from "../errors/errors.js";

export interface GatewayReaderOptions {
  /** Gateway base URL, e.g. http://127.0.0.1:8080 (Kubo) or https://trustless-gateway.link. */
  url: string;
  fetch?: typeof fetch;
  /** Time limit per request (ms). Default 30 s. */
  timeoutMs?: number;
  /** Largest block accepted (bytes). Default 4 MiB. */
  maxBlockBytes?: number;
}

export interface GatewayGetOptions {
  signal?: AbortSignal;
}

export interface VerifiedBlock {
  cid: CID;
  bytes: Uint8Array;
}

/** Minimal writable/readable block store (a blockstore-core or blockstore-fs store fits). */
export interface BlockSink {
  put(cid: CID, bytes: Uint8Array): unknown;
  get(cid: CID, options?: { signal?: AbortSignal }): Uint8Array | Promise<Uint8Array>;
}

function toCid(cid: CID | string): CID {
  return typeof cid === "string" ? parseCid(cid) : parseCid(cid);
}

/** ReadableStream -> async iterable, for runtimes whose streams are not async iterable. */
async function* iterate(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      if (value) yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

export class GatewayReader {
  readonly url: string;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly maxBlockBytes: number;

  constructor(options: GatewayReaderOptions) {
    this.url = options.url.replace(/\/+$/, "");
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxBlockBytes = options.maxBlockBytes ?? 4 * 1024 * 1024;
  }

  private async request(cid: CID, format: "raw" | "car", options: GatewayGetOptions): Promise<Response> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const url = `${this.url}/ipfs/${cid.toString()}?format=${format}${format === "car" ? "&dag-scope=all" : ""}`;
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        signal,
        headers: { accept: format === "raw" ? "application/vnd.ipld.raw" : "application/vnd.ipld.car" },
      });
    } catch (cause) {
      if (options.signal?.aborted) throw cause;
      if (timeout.aborted)
        throw new TimeoutError(`gateway ${this.url} did not answer for ${cid} in time`, { cause });
      throw new NetworkError(`gateway ${this.url} unreachable: ${(cause as Error).message}`, { cause });
    }
    if (response.status === 404 || response.status === 410) {
      throw new NotFoundError(`gateway ${this.url} does not have ${cid}`, {
        details: { status: response.status },
      });
    }
    if (!response.ok) {
      throw new NetworkError(`gateway ${this.url} answered ${response.status} for ${cid}`, {
        retryable: response.status >= 500 || response.status === 429,
        details: { status: response.status },
      });
    }
    return response;
  }

  /** One block, verified against its CID. */
  async getBlock(cid: CID | string, options: GatewayGetOptions = {}): Promise<Uint8Array> {
    const parsed = toCid(cid);
    const response = await this.request(parsed, "raw", options);
    const length = Number(response.headers.get("content-length") ?? "0");
    if (length > this.maxBlockBytes) {
      throw new ValidationError("gateway block", [
        { path: "", message: `${length} bytes is over the block limit` },
      ]);
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.length > this.maxBlockBytes) {
      throw new ValidationError("gateway block", [
        { path: "", message: `${bytes.length} bytes is over the block limit` },
      ]);
    }
    await verifyBlock(parsed, bytes);
    return bytes;
  }

  /** A raw-codec document (spec, manifest, metadata, logs), verified. */
  async getRaw(cid: CID | string, options: GatewayGetOptions = {}): Promise<Uint8Array> {
    const parsed = toCid(cid);
    if (parsed.code !== RAW_CODEC) {
      throw new ValidationError("raw block request", [
        { path: "cid", message: `${parsed} is not a raw CID` },
      ]);
    }
    return this.getBlock(parsed, options);
  }

  /** Streams a UnixFS file block by block; each block verified before its bytes are used. */
  async *cat(cid: CID | string, options: GatewayGetOptions = {}): AsyncGenerator<Uint8Array> {
    const parsed = toCid(cid);
    const store = {
      get: (c: CID, o?: { signal?: AbortSignal }) =>
        this.getBlock(c, { signal: o?.signal ?? options.signal }),
    };
    yield* this.export(parsed, store, options);
  }

  /** The verified blocks of a CAR response for `cid` (all blocks of its DAG, in the gateway's order). */
  async *getCarBlocks(cid: CID | string, options: GatewayGetOptions = {}): AsyncGenerator<VerifiedBlock> {
    const parsed = toCid(cid);
    const response = await this.request(parsed, "car", options);
    if (response.body === null) throw new NetworkError(`gateway ${this.url} sent an empty CAR for ${parsed}`);
    let blocks: CarBlockIterator;
    try {
      blocks = await CarBlockIterator.fromIterable(iterate(response.body));
    } catch (cause) {
      throw new ValidationError(
        "CAR response",
        [{ path: "", message: `unreadable: ${(cause as Error).message}` }],
        {
          cause,
        },
      );
    }
    for await (const block of blocks) {
      if (block.bytes.length > this.maxBlockBytes) {
        throw new ValidationError("CAR block", [
          { path: block.cid.toString(), message: "over the block limit" },
        ]);
      }
      const blockCid = parseCid(block.cid.toString());
      await verifyBlock(blockCid, block.bytes);
      yield { cid: blockCid, bytes: block.bytes };
    }
  }

  /**
   * Reads a UnixFS file through one CAR request: every block is verified and stored in `blockstore`
   * (in memory by default), then the file is streamed from there. Blocks missing from the CAR: NotFoundError.
   */
  async *catViaCar(
    cid: CID | string,
    options: GatewayGetOptions & { blockstore?: BlockSink } = {},
  ): AsyncGenerator<Uint8Array> {
    const parsed = toCid(cid);
    const store: BlockSink = options.blockstore ?? new MemoryBlockstore();
    for await (const block of this.getCarBlocks(parsed, options)) await store.put(block.cid, block.bytes);
    const local = {
      get: async (c: CID, o?: { signal?: AbortSignal }) => {
        try {
          return await store.get(c, o);
        } catch (cause) {
          throw new NotFoundError(`the CAR of ${parsed} from ${this.url} lacks block ${c}`, { cause });
        }
      },
    };
    yield* this.export(parsed, local, options);
  }

  private async *export(
    cid: CID,
    store: { get(c: CID, o?: { signal?: AbortSignal }): Promise<Uint8Array> },
    options: GatewayGetOptions,
  ): AsyncGenerator<Uint8Array> {
    try {
      const entry = await exporter(cid, store, { signal: options.signal });
      if (entry.type !== "file" && entry.type !== "raw") {
        throw new ValidationError("gateway file", [
          { path: cid.toString(), message: `is a ${entry.type}, not a file` },
        ]);
      }
      yield* entry.content({ signal: options.signal, blockReadConcurrency: 4 });
    } catch (error) {
      if (error instanceof NeuralError) throw error;
      throw new NetworkError(`reading ${cid} from ${this.url} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}
