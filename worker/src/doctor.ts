/**
 * `neural-worker doctor`: every check the daemon depends on, each with what to fix when it fails. Checks run
 * independently; one failing does not hide the others.
 */
import { mkdir, statfs } from "node:fs/promises";
import { redisNames } from "@neural/sdk";
import { Redis } from "ioredis";
import type { Hex } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { formatEth } from "./amounts.js";
import { detectGpus } from "./capabilities.js";
import { chainOptions, NeuralChain } from "./chain/index.js";
import type { WorkerConfig } from "./config.js";
import { type AddressReport, isLoopback, probeReachability } from "./reachability.js";
import { selectRuntime } from "./runtimes/index.js";

export type CheckStatus = "pass" | "warn" | "fail";
export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What to do, when not passing. */
  fix?: string;
  /** The ipfs check: each probed address and what a dial and a block fetch from a second node gave. */
  addresses?: AddressReport[];
}

/** Below this, the hot key may not afford a few submissions. */
export const MIN_GAS_BALANCE = 10n ** 16n; // 0.01 ETH
export const MIN_FREE_DISK_BYTES = 5n * 1024n ** 3n;
export const MAX_CLOCK_SKEW_SECONDS = 60n;

async function check(name: string, fn: () => Promise<Omit<CheckResult, "name">>): Promise<CheckResult> {
  try {
    return { name, ...(await fn()) };
  } catch (error) {
    return { name, status: "fail", detail: (error as Error).message, fix: "see the detail" };
  }
}

export async function runDoctor(config: WorkerConfig, privateKey: Hex | undefined): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  let chain: NeuralChain | undefined;
  results.push(
    await check("rpc", async () => {
      try {
        chain = await NeuralChain.connect(chainOptions(config));
      } catch (error) {
        return {
          status: "fail",
          detail: (error as Error).message,
          fix: "set NEURAL_RPC_URL (--rpc-url) to a reachable JSON-RPC endpoint and NEURAL_DEPLOYMENTS_DIR to the deployment files",
        };
      }
      return { status: "pass", detail: `chain ${chain.chain.id} at ${config.rpcUrl}` };
    }),
  );
  results.push(
    await check("contracts", async () => {
      if (!chain) return { status: "fail", detail: "no chain connection", fix: "fix the rpc check first" };
      const missing: string[] = [];
      for (const [name, c] of Object.entries(chain.deployment.contracts)) {
        const code = await chain.publicClient.getCode({ address: c.address });
        if (!code || code === "0x") missing.push(`${name} (${c.address})`);
      }
      return missing.length === 0
        ? { status: "pass", detail: `${Object.keys(chain.deployment.contracts).length} contracts deployed` }
        : {
            status: "fail",
            detail: `no code at ${missing.join(", ")}`,
            fix: "the deployment file is for another chain or deployment: point NEURAL_DEPLOYMENTS_DIR at the right one",
          };
    }),
  );
  results.push(
    await check("worker key", async () => {
      if (!privateKey) {
        return {
          status: "fail",
          detail: `no usable keystore at ${config.keystore}`,
          fix: "run `neural-worker init`, and give --password-file (or NEURAL_PASSWORD_FILE)",
        };
      }
      const address = privateKeyToAddress(privateKey);
      if (!chain) return { status: "warn", detail: `${address} (balance not checked: no chain)` };
      const balance = await chain.gasBalance(address);
      const nodeId =
        config.nodeId !== undefined ? BigInt(config.nodeId) : await chain.nodeIdOfWorker(address);
      const node = nodeId === 0n ? "not registered" : `node ${nodeId}`;
      if (balance < MIN_GAS_BALANCE) {
        return {
          status: "fail",
          detail: `${address} (${node}) holds ${formatEth(balance)}`,
          fix: `send at least ${formatEth(MIN_GAS_BALANCE)} to ${address} for gas`,
        };
      }
      if (nodeId === 0n) {
        return {
          status: "warn",
          detail: `${address} holds ${formatEth(balance)} but is not registered`,
          fix: "run `neural-worker register`",
        };
      }
      return { status: "pass", detail: `${address} (${node}) holds ${formatEth(balance)}` };
    }),
  );
  results.push(
    await check("redis", async () => {
      const redis = new Redis(config.redisUrl, {
        lazyConnect: true,
        maxRetriesPerRequest: 1,
        retryStrategy: () => null,
      });
      redis.on("error", () => undefined); // reported by connect() below
      try {
        await redis.connect();
        const pong = await redis.ping();
        const info = await redis.info("server");
        const version = /redis_version:(\S+)/.exec(info)?.[1] ?? "?";
        const names = redisNames(config.redisPrefix);
        const keeper = (await redis.exists(names.keeperLease))
          ? "a keeper holds its lease there"
          : "no keeper lease seen under it yet";
        return {
          status: pong === "PONG" ? "pass" : "fail",
          detail: `Redis ${version} at ${config.redisUrl}, prefix ${names.prefix} (${keeper})`,
        };
      } catch (error) {
        return {
          status: "fail",
          detail: `cannot reach ${config.redisUrl}: ${(error as Error).message}`,
          fix: "set NEURAL_REDIS_URL (--redis-url) to the network's Redis, and check it runs",
        };
      } finally {
        redis.disconnect();
      }
    }),
  );
  results.push(await check("ipfs", () => ipfsCheck(config)));
  results.push(
    await check("container runtime", async () => {
      try {
        const selected = await selectRuntime(config);
        const detail = `${selected.runtime.name}: ${selected.detail}`;
        if (selected.warning === undefined) return { status: "pass", detail };
        return {
          status: "warn",
          detail: `${detail}; ${selected.warning}`,
          fix: "install and start Docker (apt-get install docker.io) and set NEURAL_DOCKER_HOST to its socket, or NEURAL_RUNTIME=local to accept the sandbox",
        };
      } catch (error) {
        return {
          status: "fail",
          detail: (error as Error).message,
          fix:
            config.runtime === "kubernetes"
              ? "point NEURAL_KUBECONFIG (--kubeconfig) and NEURAL_KUBERNETES_NAMESPACE (--kubernetes-namespace) at a reachable cluster whose RBAC lets the worker manage pods there"
              : config.runtime === "local"
                ? "install bubblewrap (apt-get install bubblewrap) and run the worker where user namespaces are allowed, or use Docker"
                : "install and start Docker (apt-get install docker.io), or set NEURAL_DOCKER_HOST to its socket",
        };
      }
    }),
  );
  results.push(
    await check("disk", async () => {
      await mkdir(config.home, { recursive: true });
      const s = await statfs(config.home);
      const free = BigInt(s.bavail) * BigInt(s.bsize);
      const gib = Number(free / 1024n ** 2n) / 1024;
      return free < MIN_FREE_DISK_BYTES
        ? {
            status: "fail",
            detail: `${gib.toFixed(1)} GiB free under ${config.home}`,
            fix: "free disk space or move NEURAL_WORKER_HOME (--home) to a larger disk (checkpoints and images need room)",
          }
        : { status: "pass", detail: `${gib.toFixed(1)} GiB free under ${config.home}` };
    }),
  );
  results.push(
    await check("gpu", async () => {
      const gpu = await detectGpus();
      return gpu
        ? { status: "pass", detail: `${gpu.count} x ${gpu.model} (${gpu.vramMiB} MiB)` }
        : {
            status: "warn",
            detail: "no NVIDIA GPU found (nvidia-smi missing or failing): CPU-only shards",
            fix: "install the NVIDIA driver and container toolkit to take GPU shards",
          };
    }),
  );
  results.push(
    await check("clock", async () => {
      if (!chain) return { status: "warn", detail: "not checked: no chain connection" };
      const head = await chain.chainTime();
      const now = BigInt(Math.floor(Date.now() / 1000));
      const skew = now - head;
      const abs = skew < 0n ? -skew : skew;
      return abs > MAX_CLOCK_SKEW_SECONDS
        ? {
            status: "warn",
            detail: `this clock is ${skew}s ${skew >= 0n ? "ahead of" : "behind"} the latest block`,
            fix: "sync the clock (systemd-timesyncd / chrony); on a quiet devnet a stale head block is expected",
          }
        : { status: "pass", detail: `within ${abs}s of the latest block` };
    }),
  );
  return results;
}

/** What a dial from this machine proves, said with every ipfs result. */
export const SAME_MACHINE_NOTE =
  "dialled from this machine: proves the port, libp2p and bitswap, not the NAT or firewall seen from the internet";

const ADDRESS_FIX: Record<AddressReport["result"], string> = {
  reachable: "",
  refused: "refused: open that TCP port, and check NEURAL_IPFS_LISTEN (--ipfs-listen) listens on it",
  timeout:
    "no answer: set NEURAL_IPFS_ANNOUNCE (--ipfs-announce) to this node's public address, forward the port on the NAT and open it in the firewall",
  "no-block":
    "answered but served no block: another program may hold that port, or NEURAL_IPFS_ANNOUNCE names another machine",
  error: "check the address is a valid multiaddr like /ip4/203.0.113.5/tcp/4101",
};

/**
 * Starts the node's IPFS as the daemon would and has a second node dial each announced address (else each listen
 * address) and fetch a block the node just added (reachability.ts).
 */
async function ipfsCheck(config: WorkerConfig): Promise<Omit<CheckResult, "name">> {
  const probe = await probeReachability({
    ipfsDir: config.ipfsDir,
    listen: config.ipfsListen,
    announce: config.ipfsAnnounce,
  });
  const { addresses } = probe;
  const lines = addresses.map((a) => `${a.address} ${a.result}`).join(", ");
  const detail = `${lines || "no address to probe"} (${SAME_MACHINE_NOTE})`;
  const bad = addresses.filter((a) => a.result !== "reachable");
  if (addresses.length === 0 || bad.length > 0) {
    const fixes = [...new Set(bad.map((a) => ADDRESS_FIX[a.result]))];
    return {
      status: "fail",
      detail,
      fix:
        fixes.join("; ") || "set NEURAL_IPFS_LISTEN (--ipfs-listen) to addresses like /ip4/0.0.0.0/tcp/4101",
      addresses,
    };
  }
  if (probe.source === "listen" && addresses.every((a) => isLoopback(a.address))) {
    return {
      status: "warn",
      detail: `${detail}; listening on loopback only with nothing announced: other nodes cannot fetch this node's results`,
      fix: "set NEURAL_IPFS_ANNOUNCE (--ipfs-announce) to the public multiaddr(s) and open that TCP port",
      addresses,
    };
  }
  if (!probe.started) {
    return {
      status: "warn",
      detail: `${detail}; the IPFS port is in use (the daemon runs?): dialled only, block exchange not tested`,
      fix: "stop `neural-worker start` and run doctor again for the full check",
      addresses,
    };
  }
  return { status: "pass", detail, addresses };
}
