/**
 * The worker's one configuration schema. Every setting has an environment variable and a CLI flag (the flag
 * wins); it is parsed once into a frozen object. A bad value fails with one line per problem naming the variable,
 * the flag and how to fix it. Secrets never live here: the keystore password comes from a prompt or a file.
 */
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { DEFAULT_HEARTBEAT_TTL_SECONDS } from "@neural/sdk";
import { parseGwei } from "viem";
import { z } from "zod";
import { UserError } from "./errors.js";

interface Setting {
  env: string;
  flag: string;
  schema: z.ZodType;
  help: string;
  /** What to do when the value is wrong or missing. */
  fix: string;
}

const intFrom = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int(`expected a whole number`).min(min).max(max);
const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    `expected a ${protocols.join(" or ")} URL`,
  );
const list = z
  .string()
  .transform((v) =>
    v
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .or(z.array(z.string()));

export const SETTINGS = {
  home: {
    env: "NEURAL_WORKER_HOME",
    flag: "--home",
    schema: z.string().min(1).default(join(homedir(), ".neural-worker")),
    help: "folder of the keystore, IPFS repository, work directories, state and the local runtime's unpacked images (default ~/.neural-worker)",
    fix: "give a writable folder",
  },
  keystore: {
    env: "NEURAL_KEYSTORE",
    flag: "--keystore",
    schema: z.string().min(1).optional(),
    help: "the worker (hot) key's encrypted keystore (default <home>/keystore.json)",
    fix: "point it at the file `neural-worker init` wrote",
  },
  passwordFile: {
    env: "NEURAL_PASSWORD_FILE",
    flag: "--password-file",
    schema: z.string().min(1).optional(),
    help: "file whose first line is the keystore password (prompted on a TTY otherwise)",
    fix: "give a readable file holding the password",
  },
  rpcUrl: {
    env: "NEURAL_RPC_URL",
    flag: "--rpc-url",
    schema: url(["http:", "https:", "ws:", "wss:"]).default("http://127.0.0.1:8545"),
    help: "the chain's JSON-RPC endpoint (default http://127.0.0.1:8545, the devnet)",
    fix: "set it to the chain's JSON-RPC endpoint, e.g. http://127.0.0.1:8545",
  },
  deploymentsDir: {
    env: "NEURAL_DEPLOYMENTS_DIR",
    flag: "--deployments-dir",
    schema: z.string().min(1).optional(),
    help: "folder of deployments/<chainId>.json (default: the repository's deployments/)",
    fix: "point it at the folder holding <chainId>.json from the protocol's deployment",
  },
  nodeId: {
    env: "NEURAL_NODE_ID",
    flag: "--node-id",
    schema: intFrom(1).optional(),
    help: "this node's id (default: looked up on-chain from the worker key)",
    fix: "give the id `neural-worker register` printed, or leave it unset",
  },
  redisUrl: {
    env: "NEURAL_REDIS_URL",
    flag: "--redis-url",
    schema: url(["redis:", "rediss:"]).default("redis://127.0.0.1:6379"),
    help: "Redis carrying jobs, heartbeats and progress (default redis://127.0.0.1:6379)",
    fix: "set it to redis://host:port of the network's Redis",
  },
  redisPrefix: {
    env: "NEURAL_REDIS_PREFIX",
    flag: "--redis-prefix",
    schema: z
      .string()
      .regex(/^[A-Za-z0-9:_-]+$/, "expected letters, digits, ':', '_' and '-' only")
      .default("neural"),
    help: "prefix of the Redis keys; must equal the keeper's KEEPER_REDIS_PREFIX (default neural)",
    fix: "use the keeper's KEEPER_REDIS_PREFIX, e.g. neural or neural:31337",
  },
  runtime: {
    env: "NEURAL_RUNTIME",
    flag: "--runtime",
    schema: z.enum(["auto", "docker", "kubernetes", "local"]).default("auto"),
    help: "container runtime: docker, kubernetes, local (bubblewrap sandbox) or auto: docker, else local with a warning (default auto)",
    fix: "use auto, docker, kubernetes or local",
  },
  dockerHost: {
    env: "NEURAL_DOCKER_HOST",
    flag: "--docker-host",
    schema: z.string().min(1).default("unix:///var/run/docker.sock"),
    help: "Docker daemon: unix:///path/to/docker.sock or tcp://host:port (default unix:///var/run/docker.sock)",
    fix: "give the daemon's socket as unix:///path/docker.sock",
  },
  kubeconfig: {
    env: "NEURAL_KUBECONFIG",
    flag: "--kubeconfig",
    schema: z.string().min(1).optional(),
    help: "kubeconfig of the kubernetes runtime (default: $KUBECONFIG, ~/.kube/config, else the in-cluster service account)",
    fix: "point it at a readable kubeconfig file, or leave it unset",
  },
  kubernetesNamespace: {
    env: "NEURAL_KUBERNETES_NAMESPACE",
    flag: "--kubernetes-namespace",
    schema: z
      .string()
      .regex(
        /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
        "expected a namespace name (lowercase letters, digits, '-')",
      )
      .optional(),
    help: "namespace of the shard pods, with --runtime kubernetes (default: the kubeconfig context's, else default)",
    fix: "give an existing namespace, e.g. neural",
  },
  kubernetesNode: {
    env: "NEURAL_KUBERNETES_NODE",
    flag: "--kubernetes-node",
    schema: z.string().min(1).optional(),
    help: "node to pin shard pods to, with --runtime kubernetes: the worker's own node (its folders are hostPath volumes)",
    fix: "give the node's name (in a DaemonSet, from the downward API's spec.nodeName)",
  },
  ipfsListen: {
    env: "NEURAL_IPFS_LISTEN",
    flag: "--ipfs-listen",
    schema: list.default(["/ip4/0.0.0.0/tcp/4101"]),
    help: "libp2p listen multiaddrs of this node's IPFS (comma-separated; default /ip4/0.0.0.0/tcp/4101)",
    fix: "give multiaddrs like /ip4/0.0.0.0/tcp/4101",
  },
  ipfsAnnounce: {
    env: "NEURAL_IPFS_ANNOUNCE",
    flag: "--ipfs-announce",
    schema: list.default([]),
    help: "multiaddrs others reach this node's IPFS at, when behind NAT (comma-separated)",
    fix: "give public multiaddrs like /ip4/203.0.113.5/tcp/4101",
  },
  ipfsPeers: {
    env: "NEURAL_IPFS_PEERS",
    flag: "--ipfs-peers",
    schema: list.default([]),
    help: "IPFS peers to keep connected, multiaddrs ending in /p2p/<peer id> (comma-separated)",
    fix: "give multiaddrs ending in /p2p/<peer id>",
  },
  ipfsFetchTimeoutSeconds: {
    env: "NEURAL_IPFS_FETCH_TIMEOUT_SECONDS",
    flag: "--ipfs-fetch-timeout-seconds",
    schema: intFrom(1, 86400).default(120),
    help: "seconds to wait for a spec, dataset, image or checkpoint from IPFS peers before calling it unavailable (default 120)",
    fix: "give a number of seconds",
  },
  metricsPort: {
    env: "NEURAL_METRICS_PORT",
    flag: "--metrics-port",
    schema: intFrom(0, 65535).default(9464),
    help: "port of the Prometheus /metrics endpoint on 127.0.0.1 (0: a free port; default 9464)",
    fix: "give a port number 0-65535",
  },
  maxShards: {
    env: "NEURAL_MAX_SHARDS",
    flag: "--max-shards",
    schema: intFrom(1, 64).default(1),
    help: "shards this node trains at once (default 1); more only when the node has the GPUs, CPUs and memory for that many of its shards' specs",
    fix: "give a whole number 1-64, e.g. the node's GPU count",
  },
  heartbeatSeconds: {
    env: "NEURAL_HEARTBEAT_SECONDS",
    flag: "--heartbeat-seconds",
    schema: intFrom(1, DEFAULT_HEARTBEAT_TTL_SECONDS - 1).default(10),
    help: "seconds between heartbeats (default 10; must be below the 30 s heartbeat TTL the keeper reads)",
    fix: "give a number of seconds below the heartbeat TTL (30)",
  },
  claimPending: {
    env: "NEURAL_WORKER_CLAIM_PENDING",
    flag: "--claim-pending",
    schema: z
      .union([z.boolean(), z.enum(["1", "0", "true", "false", "yes", "no", "on", "off"])])
      .transform((v) => v === true || v === "1" || v === "true" || v === "yes" || v === "on")
      .default(false),
    help:
      "claim shards this node is eligible for that no keeper assigned within claimDelayBlocks (claimShard), " +
      "so a keeper that ignores the node cannot starve it (default off)",
    fix: "use true or false",
  },
  claimPollSeconds: {
    env: "NEURAL_WORKER_CLAIM_POLL_SECONDS",
    flag: "--claim-poll-seconds",
    schema: intFrom(1, 3600).default(30),
    help: "seconds between scans for claimable pending shards, with --claim-pending (default 30)",
    fix: "give a number of seconds",
  },
  gasBumpBlocks: {
    env: "NEURAL_GAS_BUMP_BLOCKS",
    flag: "--gas-bump-blocks",
    schema: intFrom(1, 1000).default(3),
    help:
      "blocks a signed transaction may stay unmined before it is replaced by one with the same nonce and fees " +
      "raised by 12.5% (default 3)",
    fix: "give a number of blocks, e.g. 3",
  },
  maxFeeGwei: {
    env: "NEURAL_MAX_FEE_GWEI",
    flag: "--max-fee-gwei",
    schema: z.coerce
      .string()
      .regex(/^\d+(\.\d{1,9})?$/, "expected a number of gwei (at most 9 decimals)")
      .refine((v) => Number(v) > 0, "expected more than 0")
      .transform((v) => parseGwei(v))
      .default(parseGwei("100")),
    help:
      "the highest maxFeePerGas the worker signs, in gwei; fee bumps stop there and the transaction waits " +
      "(default 100)",
    fix: "give a number of gwei, e.g. 100 or 0.5",
  },
  logLevel: {
    env: "NEURAL_LOG_LEVEL",
    flag: "--log-level",
    schema: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
    help: "log level (default info)",
    fix: "use one of trace, debug, info, warn, error, fatal, silent",
  },
} satisfies Record<string, Setting>;

export type SettingName = keyof typeof SETTINGS;
type Out<K extends SettingName> = z.output<(typeof SETTINGS)[K]["schema"]>;
export type WorkerConfig = Readonly<{ [K in SettingName]: Out<K> }> & {
  readonly keystore: string;
  readonly ipfsDir: string;
  readonly workDir: string;
  readonly stateDir: string;
};

/** commander's name for a setting's option (camelCase of the flag). */
export function optionKey(name: SettingName): string {
  return SETTINGS[name].flag.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Parses the configuration from `flags` (commander's option values) over `env`. Throws a UserError listing every
 * bad setting as `VAR (--flag): problem. fix`.
 */
export function parseConfig(
  flags: Record<string, unknown> = {},
  env: Record<string, string | undefined> = process.env,
): WorkerConfig {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, s] of Object.entries(SETTINGS) as [SettingName, Setting][]) {
    const flag = flags[optionKey(name)];
    const raw = flag !== undefined ? flag : env[s.env] === "" ? undefined : env[s.env];
    const result = s.schema.safeParse(raw);
    if (result.success) out[name] = result.data;
    else {
      const issue = result.error.issues[0];
      const given = raw === undefined ? "missing" : `got ${JSON.stringify(raw)}`;
      problems.push(`${s.env} (${s.flag}): ${issue?.message ?? "invalid"} (${given}); ${s.fix}`);
    }
  }
  if (problems.length > 0) {
    throw new UserError(`invalid configuration:\n  ${problems.join("\n  ")}`, { details: { problems } });
  }
  const home = resolve(out.home as string);
  return Object.freeze({
    ...out,
    home,
    keystore: resolve((out.keystore as string | undefined) ?? join(home, "keystore.json")),
    ipfsDir: join(home, "ipfs"),
    workDir: join(home, "work"),
    stateDir: join(home, "state"),
  }) as WorkerConfig;
}
