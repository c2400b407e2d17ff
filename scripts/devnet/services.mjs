// The devnet's services, started in this order and stopped in reverse (stack.mjs). Each entry says how to
// configure its service from the options and from what the earlier ones expose. A new service (keeper,
// worker, dApp) joins the devnet with one entry here.
import { join } from "node:path";
import { indexer } from "@neural/indexer/service";
import { keeper } from "@neural/keeper/service";
import { build } from "./build.mjs";
import { chain } from "./chain.mjs";
import { redis } from "./redis.mjs";
import { seed } from "./seed.mjs";

/** @typedef {{ options: object, instance: { dir: string, logFile: string, name: string }, running: object }} Ctx */

export const services = [
  {
    name: "build",
    title: "forge build + the SDK's ABIs (the first start compiles everything: about a minute)",
    service: build,
    config: (/** @type {Ctx} */ ctx) => ({ logFile: ctx.instance.logFile }),
  },
  {
    name: "chain",
    title: "anvil + Deploy.s.sol + funded dev accounts",
    service: chain,
    config: (/** @type {Ctx} */ ctx) => ({
      host: ctx.options.host,
      port: ctx.options.port,
      stateDir: join(ctx.instance.dir, "chain"),
      logFile: ctx.instance.logFile,
      shared: ctx.instance.shared,
    }),
    describe: (running) => `rpc ${running.devnet.rpcUrl}, chain ${running.devnet.chainId}`,
  },
  {
    name: "indexer",
    title: "Ponder: backfill, then GraphQL",
    service: indexer,
    enabled: (/** @type {Ctx} */ ctx) => ctx.options.indexer,
    config: (/** @type {Ctx} */ ctx) => {
      const { devnet } = ctx.running.chain;
      return {
        rpcUrl: devnet.rpcUrl,
        deploymentFile: devnet.deploymentFile,
        chainId: devnet.chainId,
        host: ctx.options.host,
        port: ctx.options.indexerPort,
        stateDir: join(ctx.instance.dir, "indexer"),
        schema: ctx.instance.shared ? "neural" : `neural_${ctx.instance.name.replace(/\W/g, "_")}`,
        logFile: ctx.instance.logFile,
      };
    },
    describe: (running) => `GraphQL ${running.url}/graphql`,
  },
  {
    name: "redis",
    title: "redis-server for the keeper's queues",
    service: redis,
    enabled: (/** @type {Ctx} */ ctx) => ctx.options.keeper,
    config: (/** @type {Ctx} */ ctx) => ({
      host: ctx.options.host,
      port: ctx.options.redisPort,
      dir: join(ctx.instance.dir, "redis"),
      logFile: ctx.instance.logFile,
    }),
    describe: (running) => running.url,
  },
  {
    name: "keeper",
    title: "keeper: scheduling, dispatch, finalization, liveness pings, status API",
    service: keeper,
    enabled: (/** @type {Ctx} */ ctx) => ctx.options.keeper,
    config: (/** @type {Ctx} */ ctx) => {
      const { devnet } = ctx.running.chain;
      return {
        rpcUrl: devnet.rpcUrl,
        privateKey: devnet.accounts[0].privateKey, // the deployer holds KEEPER_ROLE on the devnet
        deploymentFile: devnet.deploymentFile,
        redisUrl: ctx.running.redis.url,
        host: ctx.options.host,
        port: ctx.options.keeperPort,
        confirmations: 0, // anvil mines a block per transaction: there is no later block to wait for
        ipfsDir: join(ctx.instance.dir, "keeper-ipfs"),
        logFile: ctx.instance.logFile,
      };
    },
    describe: (running) => `API ${running.url} (health, metrics, SSE progress, IPFS)`,
  },
  {
    name: "seed",
    title: "nodes, tasks, finalized shards, models",
    service: seed,
    enabled: (/** @type {Ctx} */ ctx) => ctx.options.seed,
    config: (/** @type {Ctx} */ ctx) => ({
      devnet: ctx.running.chain.devnet,
      indexerUrl: ctx.running.indexer?.url,
      logFile: ctx.instance.logFile,
    }),
    describe: (running) => running.summary,
  },
];
