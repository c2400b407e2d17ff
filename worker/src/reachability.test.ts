import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createStorageNode } from "@neural/sdk/node";
import { freePort } from "@neural/sdk/testing";
import { afterAll, describe, expect, it } from "vitest";
import { probeReachability } from "./reachability.js";

const dirs: string[] = [];
async function dir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "neural-reach-"));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("probeReachability", () => {
  it("dials each announced address from a second node and fetches a fresh block through it", async () => {
    const port = await freePort();
    const closed = await freePort();
    // accepts TCP and never speaks libp2p (a port forwarded to the wrong program, a black hole)
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const silentPort = (silent.address() as { port: number }).port;
    try {
      const r = await probeReachability({
        ipfsDir: await dir(),
        listen: [`/ip4/127.0.0.1/tcp/${port}`],
        announce: [
          `/ip4/127.0.0.1/tcp/${port}`,
          `/ip4/127.0.0.1/tcp/${closed}`,
          `/ip4/127.0.0.1/tcp/${silentPort}`,
        ],
        timeoutMs: 1_000,
      });
      expect(r.started).toBe(true);
      expect(r.source).toBe("announce");
      expect(r.addresses).toMatchObject([
        { address: `/ip4/127.0.0.1/tcp/${port}/p2p/${r.peerId}`, result: "reachable" },
        { address: `/ip4/127.0.0.1/tcp/${closed}/p2p/${r.peerId}`, result: "refused" },
        { address: `/ip4/127.0.0.1/tcp/${silentPort}/p2p/${r.peerId}`, result: "timeout" },
      ]);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it("dials only when the port is taken (the daemon runs)", async () => {
    const running = await createStorageNode({ directory: await dir(), listen: ["/ip4/127.0.0.1/tcp/0"] });
    try {
      const address = running.multiaddrs()[0]?.replace(/\/p2p\/.*$/, "") ?? "";
      const r = await probeReachability({ ipfsDir: await dir(), listen: [address], announce: [address] });
      expect(r.started).toBe(false);
      expect(r.addresses).toEqual([{ address, result: "reachable" }]);
    } finally {
      await running.stop();
    }
  });
});
