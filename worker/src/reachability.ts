/**
 * Can other nodes reach this node's IPFS? `doctor` starts the node as the daemon would (its key, listen and
 * announce addresses), adds a small random block, and from a SECOND libp2p node (its own key, its own store)
 * dials every address the node announces and fetches that block over bitswap: a pass proves the port, the libp2p
 * handshake and block exchange, not only that TCP connects.
 *
 * The probe runs on this machine, so it cannot see the NAT or firewall from the internet: a reachable address
 * here can still be unreachable from outside. Nothing on the network dials back on request (no AutoNAT service
 * runs on Neural nodes), so that part stays the operator's to check.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { multiaddr } from "@multiformats/multiaddr";
import { createStorageNode, type StorageNode } from "@neural/sdk/node";

export type AddressResult = "reachable" | "refused" | "timeout" | "no-block" | "error";

export interface AddressReport {
  address: string;
  result: AddressResult;
  /** The dial's or the fetch's error, when not reachable. */
  error?: string;
}

export interface Reachability {
  /** The node was started here (false: its port was taken, probably by the running daemon: dials only). */
  started: boolean;
  peerId?: string;
  /** Which addresses were probed: the announced ones, else the listen addresses. */
  source: "announce" | "listen";
  addresses: AddressReport[];
}

export interface ReachabilityOptions {
  ipfsDir: string;
  listen: string[];
  announce: string[];
  /** Per address, for the dial and for the fetch each. */
  timeoutMs?: number;
}

const LOOPBACK = /^\/(ip4\/127\.|ip6\/::1\/|dns4?\/localhost\/)/;

export function isLoopback(address: string): boolean {
  return LOOPBACK.test(address);
}

/** What went wrong with a dial or fetch, from its error (libp2p nests the socket's error in causes or `errors`). */
function classify(error: unknown, timedOut: boolean): AddressResult {
  if (timedOut) return "timeout";
  const seen = new Set<unknown>();
  const walk = (e: unknown): AddressResult | undefined => {
    if (e === null || e === undefined || seen.has(e)) return undefined;
    seen.add(e);
    const { code, message, name } = e as { code?: unknown; message?: unknown; name?: unknown };
    if (code === "ECONNREFUSED" || /ECONNREFUSED/.test(String(message))) return "refused";
    if (code === "ETIMEDOUT" || name === "TimeoutError" || name === "AbortError") return "timeout";
    for (const inner of (e as { errors?: unknown[] }).errors ?? []) {
      const r = walk(inner);
      if (r) return r;
    }
    return walk((e as { cause?: unknown }).cause);
  };
  return walk(error) ?? "error";
}

/** The addresses to probe: the announced ones (with this node's /p2p id), else the listen addresses it has. */
function targets(node: StorageNode | undefined, options: ReachabilityOptions) {
  const withId = (a: string) => (node && !a.includes("/p2p/") ? `${a}/p2p/${node.peerId}` : a);
  if (options.announce.length > 0) return { source: "announce" as const, list: options.announce.map(withId) };
  const listening = node
    ? node.multiaddrs()
    : options.listen.map((a) => a.replace(/^\/ip4\/0\.0\.0\.0\//, "/ip4/127.0.0.1/"));
  const outside = listening.filter((a) => !isLoopback(a));
  return { source: "listen" as const, list: outside.length > 0 ? outside : listening };
}

export async function probeReachability(options: ReachabilityOptions): Promise<Reachability> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const probeDir = await mkdtemp(join(tmpdir(), "neural-ipfs-probe-"));
  let node: StorageNode | undefined;
  let probe: StorageNode | undefined;
  try {
    try {
      node = await createStorageNode({
        directory: options.ipfsDir,
        listen: options.listen,
        announce: options.announce,
      });
    } catch (error) {
      // the port is taken: most likely by `neural-worker start` itself; its addresses can still be dialled
      if (!/EADDRINUSE/.test(String((error as Error).message))) throw error;
      node = undefined;
    }
    probe = await createStorageNode({ directory: probeDir, listen: ["/ip4/127.0.0.1/tcp/0"] });
    const block = node ? await node.putRaw(randomBytes(32), { pin: false }) : undefined;
    const { source, list } = targets(node, options);
    const addresses: AddressReport[] = [];
    for (const address of list) {
      const report = await probeOne(probe, address, block, timeoutMs);
      addresses.push(report);
    }
    if (node && block) await node.helia.blockstore.delete(block).catch(() => undefined);
    return { started: node !== undefined, ...(node ? { peerId: node.peerId } : {}), source, addresses };
  } finally {
    await probe?.stop().catch(() => undefined);
    await node?.stop().catch(() => undefined);
    await rm(probeDir, { recursive: true, force: true });
  }
}

async function probeOne(
  probe: StorageNode,
  address: string,
  block: Awaited<ReturnType<StorageNode["putRaw"]>> | undefined,
  timeoutMs: number,
): Promise<AddressReport> {
  const libp2p = probe.helia.libp2p;
  let ma: ReturnType<typeof multiaddr>;
  try {
    ma = multiaddr(address);
  } catch (error) {
    return { address, result: "error", error: `not a multiaddr: ${(error as Error).message}` };
  }
  const dialTimeout = AbortSignal.timeout(timeoutMs);
  let connection: Awaited<ReturnType<typeof libp2p.dial>>;
  try {
    connection = await libp2p.dial(ma, { signal: dialTimeout });
  } catch (error) {
    return { address, result: classify(error, dialTimeout.aborted), error: (error as Error).message };
  }
  try {
    if (block === undefined) return { address, result: "reachable" };
    // over this connection only: the block is on no other peer, and the probe had none before
    const fetchTimeout = AbortSignal.timeout(timeoutMs);
    try {
      await probe.getRaw(block, { signal: fetchTimeout, timeoutMs });
      return { address, result: "reachable" };
    } catch (error) {
      return { address, result: "no-block", error: (error as Error).message };
    }
  } finally {
    // the next address must fetch it again, over its own connection
    if (block) await probe.helia.blockstore.delete(block).catch(() => undefined);
    await libp2p.hangUp(connection.remotePeer).catch(() => undefined);
  }
}
