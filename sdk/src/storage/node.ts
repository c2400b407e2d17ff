/**
 * A private IPFS node (Helia) for Neural services: filesystem blockstore and datastore, libp2p over TCP with
 * noise and yamux, bitswap for block exchange, and nothing that reaches the public network (no bootstrap,
 * DHT, mDNS, UPnP, AutoNAT, relays or HTTP routers). Nodes find each other by direct peering with known
 * multiaddrs, so a devnet's nodes form a private network.
 *
 * Large content streams both ways: add from an async iterable / file stream, read as an async iterable
 * written to disk. Blocks fetched from peers are hash-verified by Helia; raw reads are verified here too.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readFile, stat as statPath, writeFile } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { bitswap } from "@helia/block-brokers";
import { globSource, type UnixFS, unixfs } from "@helia/unixfs";
import { Helia } from "@helia/utils";
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from "@libp2p/crypto/keys";
import { identify } from "@libp2p/identify";
import { KEEP_ALIVE, type Libp2p, type PrivateKey } from "@libp2p/interface";
import { peerIdFromString } from "@libp2p/peer-id";
import { tcp } from "@libp2p/tcp";
import { multiaddr } from "@multiformats/multiaddr";
import { FsBlockstore } from "blockstore-fs";
import { FsDatastore } from "datastore-fs";
import { recursive } from "ipfs-unixfs-exporter";
import { createLibp2p } from "libp2p";
import type { CID } from "multiformats/cid";
import type { Hex } from "viem";
import { parseCid, RAW_CODEC, rawCid, verifyBlock } from "../cid/cid.js";
import {
  ConfigError,
  NetworkError,
  NeuralError,
  NotFoundError,
  TimeoutError,
  ValidationError,
} from "../errors/errors.js";
import { canonicalBytes } from "../formats/canonical.js";

/** Largest raw block accepted by putRaw (bitswap moves blocks of up to ~2 MiB). */
export const MAX_RAW_BLOCK_BYTES = 1024 * 1024;

/** UnixFS import settings: CIDv1, raw leaves, 1 MiB chunks, and always a dag-pb root (never a bare raw leaf). */
export const UNIXFS_IMPORT_OPTIONS = {
  cidVersion: 1,
  rawLeaves: true,
  reduceSingleLeafToSelf: false,
} as const;

export interface StorageNodeOptions {
  /** Folder holding blocks/, datastore/ and peer.key (created if missing). */
  directory: string;
  /** libp2p listen addresses. Default: loopback only, a free port. */
  listen?: string[];
  /** Addresses announced to peers, when they differ from the listen addresses (NAT, containers). */
  announce?: string[];
  /** Multiaddrs (with /p2p/<peer id>) of peers to connect to and keep connected. */
  peers?: string[];
  /** Default time limit for fetching content from peers (ms). Default 60 s. */
  fetchTimeoutMs?: number;
}

export interface AddOptions {
  /** Pin what was added so gc() keeps it. Default true. */
  pin?: boolean;
  signal?: AbortSignal;
  /** Called as file bytes are read into the store, with the running total of bytes read (progress bars). */
  onBytes?: (bytesRead: number) => void;
}

/** helia's importer progress callback that sums the bytes read of every file into `onBytes`. */
function importProgress(onBytes: ((bytesRead: number) => void) | undefined) {
  if (onBytes === undefined) return {};
  let total = 0;
  return {
    onProgress: (event: { type: string; detail: unknown }) => {
      if (event.type !== "unixfs:importer:progress:file:read") return;
      total += Number((event.detail as { chunkSize: bigint }).chunkSize);
      onBytes(total);
    },
  };
}

export interface GetOptions {
  signal?: AbortSignal;
  /** Overrides the node's fetchTimeoutMs. */
  timeoutMs?: number;
}

export interface CatOptions extends GetOptions {
  offset?: number;
  length?: number;
}

export interface WrittenFile {
  path: string;
  bytes: number;
  /** sha256 of the file written: a checkpoint's leaf hash. */
  sha256: Hex;
}

async function loadOrCreateKey(path: string): Promise<PrivateKey> {
  try {
    // @libp2p/crypto's declarations reference a second copy of @libp2p/interface: same shape, other identity
    return privateKeyFromProtobuf(await readFile(path)) as unknown as PrivateKey;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new ConfigError(`cannot read the peer key ${path}`, { cause: error });
    }
  }
  const key = await generateKeyPair("Ed25519");
  await writeFile(path, privateKeyToProtobuf(key), { mode: 0o600 });
  return key as unknown as PrivateKey;
}

function toCid(cid: CID | string): CID {
  return typeof cid === "string" ? parseCid(cid) : cid;
}

function sha256Transform(): { transform: Transform; digest: () => Hex; bytes: () => number } {
  const hash = createHash("sha256");
  let count = 0;
  const transform = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      count += chunk.length;
      callback(null, chunk);
    },
  });
  return { transform, digest: () => `0x${hash.digest("hex")}`, bytes: () => count };
}

export class StorageNode {
  readonly helia: Helia<Libp2p>;
  readonly fs: UnixFS;
  private readonly fetchTimeoutMs: number;

  private constructor(helia: Helia<Libp2p>, fetchTimeoutMs: number) {
    this.helia = helia;
    this.fs = unixfs(helia);
    this.fetchTimeoutMs = fetchTimeoutMs;
  }

  static async create(options: StorageNodeOptions): Promise<StorageNode> {
    const dir = resolve(options.directory);
    await mkdir(dir, { recursive: true });
    const blockstore = new FsBlockstore(join(dir, "blocks"));
    const datastore = new FsDatastore(join(dir, "datastore"));
    await blockstore.open();
    await datastore.open();
    const libp2p = await createLibp2p({
      privateKey: await loadOrCreateKey(join(dir, "peer.key")),
      datastore,
      addresses: { listen: options.listen ?? ["/ip4/127.0.0.1/tcp/0"], announce: options.announce ?? [] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify() },
      connectionManager: { reconnectRetries: 10, reconnectRetryInterval: 1000, reconnectBackoffFactor: 1.5 },
    });
    const helia = new Helia<Libp2p>({
      libp2p,
      blockstore,
      datastore,
      blockBrokers: [bitswap()],
      routers: [],
    });
    await helia.start();
    const node = new StorageNode(helia, options.fetchTimeoutMs ?? 60_000);
    for (const peer of options.peers ?? []) await node.addPeer(peer);
    return node;
  }

  get peerId(): string {
    return this.helia.libp2p.peerId.toString();
  }

  /** Addresses peers can dial, each ending in /p2p/<peer id>. */
  multiaddrs(): string[] {
    return this.helia.libp2p.getMultiaddrs().map((ma) => ma.toString());
  }

  /** Connected peer ids. */
  peers(): string[] {
    return this.helia.libp2p.getPeers().map((p) => p.toString());
  }

  /**
   * Direct peering: remembers `address` (which must end in /p2p/<peer id>), keeps the peer connected
   * (redialled on disconnect) and dials it now. A peer that is not up yet is dialled again later.
   */
  async addPeer(address: string): Promise<void> {
    let ma: ReturnType<typeof multiaddr>;
    try {
      ma = multiaddr(address);
    } catch (cause) {
      throw new ValidationError("peer address", [{ path: "", message: `not a multiaddr: ${address}` }], {
        cause,
      });
    }
    const id = ma.getPeerId();
    if (id === null) {
      throw new ValidationError("peer address", [{ path: "", message: `${address} has no /p2p/<peer id>` }]);
    }
    const peerId = peerIdFromString(id);
    await this.helia.libp2p.peerStore.merge(peerId, {
      multiaddrs: [ma],
      tags: { [KEEP_ALIVE]: { value: 1 } },
    });
    try {
      await this.helia.libp2p.dial(ma, { signal: AbortSignal.timeout(10_000) });
    } catch {
      // the reconnect queue and later fetches retry; the peer may simply not be up yet
    }
  }

  /** Dials a peer now; throws NetworkError (retryable) when it cannot be reached. */
  async connect(address: string): Promise<void> {
    await this.addPeer(address);
    const id = multiaddr(address).getPeerId();
    if (id !== null && !this.peers().includes(id)) {
      try {
        await this.helia.libp2p.dial(multiaddr(address), { signal: AbortSignal.timeout(10_000) });
      } catch (cause) {
        throw new NetworkError(`cannot reach peer ${address}`, { cause });
      }
    }
  }

  /**
   * The caller's signal and this node's time limit as one signal; `clear()` (in a finally) stops the timer and
   * detaches from the caller's signal. Not `AbortSignal.any([signal, AbortSignal.timeout(ms)])`: the composite holds
   * its sources weakly, and on Node 20 an unreferenced timeout signal can be collected before it fires, leaving a
   * fetch of a CID nobody has waiting forever (seen in CI). Here the pending timer holds the controller.
   */
  private limit(options: GetOptions = {}): { signal: AbortSignal; clear: () => void } {
    const controller = new AbortController();
    const ms = options.timeoutMs ?? this.fetchTimeoutMs;
    const timer = setTimeout(
      () => controller.abort(new DOMException(`no answer within ${ms} ms`, "TimeoutError")),
      ms,
    );
    const caller = options.signal;
    const onAbort = () => controller.abort(caller?.reason);
    if (caller?.aborted) onAbort();
    else caller?.addEventListener("abort", onAbort, { once: true });
    return {
      signal: controller.signal,
      clear: () => {
        clearTimeout(timer);
        caller?.removeEventListener("abort", onAbort);
      },
    };
  }

  /** Maps a failed fetch to a NeuralError: our time limit -> TimeoutError; the caller's abort passes through. */
  private rethrow(error: unknown, cid: CID, options: GetOptions, signal: AbortSignal, what: string): never {
    if (error instanceof NeuralError) throw error;
    if (options.signal?.aborted) throw options.signal.reason ?? error;
    if (signal.aborted) {
      throw new TimeoutError(`${what} ${cid.toString()}: not found locally and no peer provided it in time`, {
        cause: error,
        details: { cid: cid.toString(), peers: this.peers().length },
      });
    }
    throw new NetworkError(`${what} ${cid.toString()} failed: ${(error as Error).message}`, { cause: error });
  }

  // ------------------------------------------------------------------ raw blocks (spec, manifest, ...)

  /** Stores `bytes` as one raw block; its CID is the raw-codec CID of the bytes. */
  async putRaw(bytes: Uint8Array, options: AddOptions = {}): Promise<CID> {
    if (bytes.length > MAX_RAW_BLOCK_BYTES) {
      throw new ValidationError("raw block", [
        {
          path: "",
          message: `${bytes.length} bytes is over the ${MAX_RAW_BLOCK_BYTES}-byte limit: use addBytes`,
        },
      ]);
    }
    const cid = await rawCid(bytes);
    await this.helia.blockstore.put(cid, bytes, { signal: options.signal });
    if (options.pin ?? true) await this.pin(cid);
    return cid;
  }

  /** Canonical JSON of `value` as a raw block: the CID a spec or manifest is known by. */
  async putJson(value: unknown, options: AddOptions = {}): Promise<CID> {
    return this.putRaw(canonicalBytes(value), options);
  }

  /** Gets one raw block (locally or from peers) and verifies it against its CID. */
  async getRaw(cid: CID | string, options: GetOptions = {}): Promise<Uint8Array> {
    const parsed = toCid(cid);
    if (parsed.code !== RAW_CODEC) {
      throw new ValidationError("raw block request", [
        { path: "cid", message: `${parsed} is not a raw CID` },
      ]);
    }
    let bytes: Uint8Array;
    const { signal, clear } = this.limit(options);
    try {
      bytes = await this.helia.blockstore.get(parsed, { signal });
    } catch (error) {
      this.rethrow(error, parsed, options, signal, "get");
    } finally {
      clear();
    }
    await verifyBlock(parsed, bytes);
    return bytes;
  }

  // ------------------------------------------------------------------ UnixFS files and directories

  /** Adds bytes as a UnixFS file (dag-pb root). */
  async addBytes(bytes: Uint8Array, options: AddOptions = {}): Promise<CID> {
    const cid = await this.fs.addBytes(bytes, { ...UNIXFS_IMPORT_OPTIONS, signal: options.signal });
    if (options.pin ?? true) await this.pin(cid);
    return cid;
  }

  /** Adds a stream of chunks as a UnixFS file without holding it in memory. */
  async addStream(
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    options: AddOptions = {},
  ): Promise<CID> {
    const cid = await this.fs.addByteStream(source as AsyncIterable<Uint8Array>, {
      ...UNIXFS_IMPORT_OPTIONS,
      ...importProgress(options.onBytes),
      signal: options.signal,
    });
    if (options.pin ?? true) await this.pin(cid);
    return cid;
  }

  /** Adds a file from disk, streamed. */
  async addFile(path: string, options: AddOptions = {}): Promise<CID> {
    const info = await statPath(path).catch((cause: unknown) => {
      throw new NotFoundError(`file ${path} not found`, { cause });
    });
    if (!info.isFile()) throw new ValidationError("file", [{ path, message: "is not a regular file" }]);
    return this.addStream(createReadStream(path, { highWaterMark: 1024 * 1024 }), options);
  }

  /** Adds a directory tree from disk (hidden files included); returns the root directory CID. */
  async addDirectory(path: string, options: AddOptions = {}): Promise<CID> {
    const info = await statPath(path).catch((cause: unknown) => {
      throw new NotFoundError(`directory ${path} not found`, { cause });
    });
    if (!info.isDirectory())
      throw new ValidationError("directory", [{ path, message: "is not a directory" }]);
    let root: CID | undefined;
    for await (const entry of this.fs.addAll(globSource(path, "**/*", { hidden: true }), {
      ...UNIXFS_IMPORT_OPTIONS,
      ...importProgress(options.onBytes),
      wrapWithDirectory: true,
      signal: options.signal,
    })) {
      root = entry.cid;
    }
    if (root === undefined) throw new ValidationError("directory", [{ path, message: "nothing to add" }]);
    if (options.pin ?? true) await this.pin(root);
    return root;
  }

  /** Streams a UnixFS file (from the local store or peers); every block fetched is hash-verified. */
  async *cat(cid: CID | string, options: CatOptions = {}): AsyncGenerator<Uint8Array> {
    const parsed = toCid(cid);
    const { signal, clear } = this.limit(options);
    try {
      for await (const chunk of this.fs.cat(parsed, {
        signal,
        offset: options.offset,
        length: options.length,
      })) {
        yield chunk;
      }
    } catch (error) {
      this.rethrow(error, parsed, options, signal, "cat");
    } finally {
      clear();
    }
  }

  /** A whole UnixFS file in memory, refused above `maxBytes` (default 64 MiB): use getToFile for big files. */
  async getBytes(cid: CID | string, options: GetOptions & { maxBytes?: number } = {}): Promise<Uint8Array> {
    const max = options.maxBytes ?? 64 * 1024 * 1024;
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of this.cat(cid, options)) {
      size += chunk.length;
      if (size > max) {
        throw new ValidationError("download", [{ path: "", message: `${cid} is larger than ${max} bytes` }]);
      }
      chunks.push(chunk);
    }
    const out = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }

  /** Streams a UnixFS file to `path`, returning its size and sha256 (a checkpoint's leaf hash). */
  async getToFile(cid: CID | string, path: string, options: GetOptions = {}): Promise<WrittenFile> {
    await mkdir(dirname(resolve(path)), { recursive: true });
    const hasher = sha256Transform();
    await pipeline(Readable.from(this.cat(cid, options)), hasher.transform, createWriteStream(path));
    return { path, bytes: hasher.bytes(), sha256: hasher.digest() };
  }

  /** Writes a UnixFS directory (or file) tree under `destination`; returns the files written. */
  async getDirectory(
    cid: CID | string,
    destination: string,
    options: GetOptions = {},
  ): Promise<WrittenFile[]> {
    const parsed = toCid(cid);
    const root = resolve(destination);
    const written: WrittenFile[] = [];
    const { signal, clear } = this.limit(options);
    try {
      for await (const entry of recursive(parsed, this.helia.blockstore, { signal })) {
        const relative = entry.path.split("/").slice(1);
        if (relative.some((part) => part === ".." || part === "." || part === "")) {
          throw new ValidationError("directory entry", [{ path: entry.path, message: "unsafe path" }]);
        }
        const target = join(root, ...relative);
        if (target !== root && !target.startsWith(root + sep)) {
          throw new ValidationError("directory entry", [
            { path: entry.path, message: "escapes the destination" },
          ]);
        }
        if (entry.type === "directory") {
          await mkdir(target, { recursive: true });
        } else if (entry.type === "file" || entry.type === "raw") {
          await mkdir(dirname(target), { recursive: true });
          const hasher = sha256Transform();
          await pipeline(
            Readable.from(entry.content({ signal })),
            hasher.transform,
            createWriteStream(target),
          );
          written.push({ path: target, bytes: hasher.bytes(), sha256: hasher.digest() });
        }
      }
    } catch (error) {
      this.rethrow(error, parsed, options, signal, "get directory");
    } finally {
      clear();
    }
    return written;
  }

  // ------------------------------------------------------------------ pins and local store

  /** Pins a DAG (fetching missing blocks from peers) so gc() keeps it. */
  async pin(cid: CID | string, options: GetOptions = {}): Promise<void> {
    const parsed = toCid(cid);
    if (await this.helia.pins.isPinned(parsed)) return;
    const { signal, clear } = this.limit(options);
    try {
      for await (const _ of this.helia.pins.add(parsed, { signal })) {
        // drain
      }
    } catch (error) {
      this.rethrow(error, parsed, options, signal, "pin");
    } finally {
      clear();
    }
  }

  async unpin(cid: CID | string): Promise<void> {
    const parsed = toCid(cid);
    if (!(await this.helia.pins.isPinned(parsed))) return;
    for await (const _ of this.helia.pins.rm(parsed)) {
      // drain
    }
  }

  async isPinned(cid: CID | string): Promise<boolean> {
    return this.helia.pins.isPinned(toCid(cid));
  }

  /** True when the block is in the local store (no network). */
  async has(cid: CID | string): Promise<boolean> {
    return this.helia.blockstore.has(toCid(cid));
  }

  /** Deletes every local block that no pin reaches. */
  async gc(): Promise<void> {
    await this.helia.gc();
  }

  async stop(): Promise<void> {
    await this.helia.stop();
  }
}

/** Shorthand for StorageNode.create. */
export function createStorageNode(options: StorageNodeOptions): Promise<StorageNode> {
  return StorageNode.create(options);
}
