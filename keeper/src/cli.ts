/**
 * `keeper start`: runs the keeper until SIGINT/SIGTERM (then finishes the step in flight and exits).
 * `keeper status`: prints the lease holder, its fencing token and the ingestion cursor from Redis, and the
 * API's /health when reachable.
 */
import { redisNames } from "@neural/sdk";
import { Command } from "commander";
import { Redis } from "ioredis";
import { loadConfig } from "./config.js";
import { start } from "./index.js";
import { createLogger } from "./log.js";

function fail(error: unknown): never {
  console.error(`keeper: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

const program = new Command("keeper").description(
  "Neural keeper: schedules, dispatches and finalizes shards",
);

program
  .command("start")
  .description("run the keeper (configuration from KEEPER_* environment variables; see keeper/README.md)")
  .action(async () => {
    let config: ReturnType<typeof loadConfig>;
    try {
      config = loadConfig();
    } catch (error) {
      fail(error);
    }
    const log = createLogger(config.KEEPER_LOG_LEVEL);
    const keeper = start(config, { logger: log });
    let signals = 0;
    const onSignal = (signal: string) => {
      signals++;
      if (signals > 1) process.exit(130);
      log.info({ signal }, "stopping: finishing the step in flight");
      keeper.stop().then(() => process.exit(0));
    };
    process.on("SIGINT", () => onSignal("SIGINT"));
    process.on("SIGTERM", () => onSignal("SIGTERM"));
    try {
      await keeper.ready;
      log.info({ api: `http://${config.KEEPER_API_HOST}:${keeper.apiPort()}` }, "keeper ready");
    } catch (error) {
      await keeper.stop();
      fail(error);
    }
  });

program
  .command("status")
  .description("show who leads, the fencing token and the ingestion cursor (reads KEEPER_REDIS_URL)")
  .action(async () => {
    const url = process.env.KEEPER_REDIS_URL ?? "redis://127.0.0.1:6379";
    const names = redisNames(process.env.KEEPER_REDIS_PREFIX ?? "neural");
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on("error", () => {});
    try {
      await redis.connect();
    } catch {
      fail(`cannot connect to Redis at ${url} (set KEEPER_REDIS_URL)`);
    }
    const [owner, ttl, token, cursor] = await Promise.all([
      redis.get(names.keeperLease),
      redis.pttl(names.keeperLease),
      redis.get(names.keeperFence),
      redis.get(names.keeperCursor),
    ]);
    redis.disconnect();
    const out: Record<string, unknown> = {
      leader: owner,
      leaseMsLeft: owner ? ttl : null,
      fencingToken: token,
      cursor: cursor ? JSON.parse(cursor) : null,
    };
    const api = `http://${process.env.KEEPER_API_HOST ?? "127.0.0.1"}:${process.env.KEEPER_API_PORT ?? "8788"}`;
    try {
      out.api = await (await fetch(`${api}/health`, { signal: AbortSignal.timeout(2000) })).json();
    } catch {
      out.api = `not reachable at ${api}`;
    }
    console.log(JSON.stringify(out, null, 2));
  });

program.parseAsync().catch(fail);
