/**
 * `start(config)` → `{ ready, stop }`: the keeper service (lease, ingestion, scheduling, dispatch, finalizer,
 * timeouts) and its status API. `stop()` finishes the step in flight (a sent transaction is awaited), releases
 * the lease and closes every connection.
 */
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { ConfigError, deploymentStartBlock, parseDeployment, redisNames } from "@neural/sdk";
import { createStorageNode, loadDeployment, type StorageNode } from "@neural/sdk/node";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import { createPublicClient, type Hex, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createApp } from "./api/app.js";
import { KeeperChain } from "./chain/chain.js";
import { type KeeperConfig, redactedConfig } from "./config.js";
import { createLogger } from "./log.js";
import { createMetrics } from "./metrics.js";
import { KeeperStore } from "./redis/store.js";
import { KeeperService } from "./service.js";

export { loadConfig } from "./config.js";
export type { KeeperConfig };

export interface Keeper {
  ready: Promise<void>;
  stop(): Promise<void>;
  /** The status API's port once ready. */
  apiPort(): number;
  service: KeeperService;
}

async function privateKey(config: KeeperConfig): Promise<Hex> {
  if (config.KEEPER_PRIVATE_KEY) return config.KEEPER_PRIVATE_KEY as Hex;
  const path = config.KEEPER_KEYSTORE as string;
  let json: string;
  try {
    json = readFileSync(path, "utf8");
  } catch (cause) {
    throw new ConfigError(`KEEPER_KEYSTORE: cannot read ${path}`, { cause });
  }
  const { Wallet } = await import("ethers");
  try {
    const wallet = await Wallet.fromEncryptedJson(json, config.KEEPER_KEYSTORE_PASSWORD ?? "");
    return wallet.privateKey as Hex;
  } catch (cause) {
    throw new ConfigError(`KEEPER_KEYSTORE: cannot decrypt ${path} with KEEPER_KEYSTORE_PASSWORD`, { cause });
  }
}

export function start(config: KeeperConfig, options: { logger?: Logger } = {}): Keeper {
  const log = options.logger ?? createLogger(config.KEEPER_LOG_LEVEL);
  let service: KeeperService | undefined;
  let server: ReturnType<typeof serve> | undefined;
  let redis: Redis | undefined;
  let storage: StorageNode | undefined;
  let port = 0;
  const keeper: Partial<Keeper> = {};

  const ready = (async () => {
    log.info({ config: redactedConfig(config) }, "starting keeper");
    const account = privateKeyToAccount(await privateKey(config));
    const probe = createPublicClient({ transport: http(config.KEEPER_RPC_URL, { retryCount: 0 }) });
    let chainId: number;
    try {
      chainId = await probe.getChainId();
    } catch (cause) {
      throw new ConfigError(`KEEPER_RPC_URL: no chain answers at ${config.KEEPER_RPC_URL}`, { cause });
    }
    const deployment = config.KEEPER_DEPLOYMENT
      ? parseDeployment(JSON.parse(readFileSync(config.KEEPER_DEPLOYMENT, "utf8")), chainId)
      : await loadDeployment(chainId);
    const names = redisNames(config.KEEPER_REDIS_PREFIX);
    redis = new Redis(config.KEEPER_REDIS_URL, { maxRetriesPerRequest: 2, lazyConnect: true });
    redis.on("error", (err) => log.warn({ err: err.message }, "redis connection error"));
    try {
      await redis.connect();
    } catch (cause) {
      throw new ConfigError(`KEEPER_REDIS_URL: cannot connect to ${config.KEEPER_REDIS_URL}`, { cause });
    }
    const metrics = createMetrics();
    const chain = new KeeperChain({ rpcUrl: config.KEEPER_RPC_URL, chainId, account, deployment });
    const store = new KeeperStore(redis, names, config.KEEPER_ID);
    service = new KeeperService({
      config,
      chain,
      store,
      names,
      log,
      metrics,
      startBlock: BigInt(deploymentStartBlock(deployment)),
    });
    keeper.service = service;
    if (config.KEEPER_IPFS_DIR) storage = await createStorageNode({ directory: config.KEEPER_IPFS_DIR });
    const svc = service;
    const app = createApp({
      redis,
      names,
      registry: metrics.registry,
      storage,
      corsOrigins: config.KEEPER_CORS_ORIGINS,
      uploadMaxBytes: config.KEEPER_UPLOAD_MAX_BYTES,
      uploadRate: config.KEEPER_UPLOAD_RATE,
      status: () => ({
        keeper: config.KEEPER_ID,
        leader: svc.leader,
        cursor: svc.view.cursor ? Number(svc.view.cursor.block) : null,
        tasks: svc.view.tasks.size,
        nodes: svc.view.nodes.size,
      }),
    });
    await new Promise<void>((resolve, reject) => {
      server = serve(
        { fetch: app.fetch, port: config.KEEPER_API_PORT, hostname: config.KEEPER_API_HOST },
        (info) => {
          port = (info as AddressInfo).port;
          resolve();
        },
      );
      server.once("error", reject);
    });
    log.info({ port, account: account.address, chainId }, "keeper API listening");
    service.start();
    await service.firstTick;
  })();

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await ready.catch(() => {});
      const grace = new Promise<void>((r) => setTimeout(r, config.KEEPER_SHUTDOWN_GRACE_MS).unref());
      await Promise.race([service?.stop(), grace]);
      await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
      await storage?.stop().catch(() => {});
      redis?.disconnect();
      log.info("keeper stopped");
    })();
    return stopping;
  };
  return Object.assign(keeper, { ready, stop, apiPort: () => port }) as Keeper;
}
