/**
 * The keeper's Redis side: the leader lease with its fencing token, and every write the keeper makes, each
 * in a Lua script that first checks the token (a deposed leader's late write is refused, never applied).
 *
 * Lease: `lease` holds the owner id with a PX expiry; `fence` the token of the latest acquisition. A token is
 * max(previous + 1, Redis TIME in µs), so it keeps growing even after Redis is wiped.
 */
import { type RedisNames, STREAM_FIELD } from "@neural/sdk";
import type { Redis } from "ioredis";

/** A write refused because another keeper acquired the lease since (or Redis was wiped). */
export class FencedError extends Error {
  constructor(token: string) {
    super(`Redis write refused: fencing token ${token} is no longer current (another keeper leads now)`);
    this.name = "FencedError";
  }
}

const ACQUIRE = `
local owner = redis.call('GET', KEYS[1])
if owner == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1, redis.call('GET', KEYS[2]) or '0'}
end
if owner then return {0, owner} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local cur = tonumber(redis.call('GET', KEYS[2]) or '0')
local token = math.max(cur + 1, now)
redis.call('SET', KEYS[2], string.format('%.0f', token))
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {2, string.format('%.0f', token)}
`;

const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] and redis.call('GET', KEYS[2]) == ARGV[2] then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 1
end
return 0
`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] and redis.call('GET', KEYS[2]) == ARGV[2] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`;

/**
 * KEYS: fence, then (marker, stream) per message. ARGV: token, field, marker ttl (s), then one message per pair.
 * Returns per message the new entry id, or false when it had been sent before. Refuses everything when the token
 * is not current. (All keys in one call: a single Redis, or a Cluster with the keys in one slot.)
 */
const DISPATCH = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return redis.error_reply('FENCED') end
local out = {}
for i = 2, #KEYS, 2 do
  local k = (i - 2) / 2 + 1
  if redis.call('SET', KEYS[i], '1', 'NX', 'EX', ARGV[3]) then
    out[k] = redis.call('XADD', KEYS[i + 1], '*', ARGV[2], ARGV[3 + k])
  else
    out[k] = false
  end
end
return out
`;

/** KEYS: fence, key. ARGV: token, value. */
const SET = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return redis.error_reply('FENCED') end
redis.call('SET', KEYS[2], ARGV[2])
return 1
`;

const MARKER_TTL_S = 30 * 24 * 3600;
/** Messages per Lua call. */
const DISPATCH_CHUNK = 200;

export interface Dispatch {
  /** Dedupe id, e.g. `job:1:0:3` (type, task, shard, epoch). */
  id: string;
  stream: string;
  /** encodeMessage(...) text. */
  message: string;
}

export class KeeperStore {
  readonly redis: Redis;
  readonly names: RedisNames;
  readonly owner: string;
  token: string | undefined;

  constructor(redis: Redis, names: RedisNames, owner: string) {
    this.redis = redis;
    this.names = names;
    this.owner = owner;
    redis.defineCommand("keeperAcquire", { numberOfKeys: 2, lua: ACQUIRE });
    redis.defineCommand("keeperRenew", { numberOfKeys: 2, lua: RENEW });
    redis.defineCommand("keeperRelease", { numberOfKeys: 2, lua: RELEASE });
    redis.defineCommand("keeperDispatch", { lua: DISPATCH });
    redis.defineCommand("keeperSet", { numberOfKeys: 2, lua: SET });
  }

  private cmd(name: string, ...args: Array<string | number>): Promise<unknown> {
    return (this.redis as unknown as Record<string, (...a: Array<string | number>) => Promise<unknown>>)[
      name
    ]?.(...args) as Promise<unknown>;
  }

  /**
   * Takes or renews the lease. Returns "acquired" (new token: rebuild everything), "renewed" (still leader) or
   * "held" (another keeper leads).
   */
  async acquire(leaseMs: number): Promise<"acquired" | "renewed" | "held"> {
    const n = this.names;
    if (this.token !== undefined) {
      const ok = await this.cmd("keeperRenew", n.keeperLease, n.keeperFence, this.owner, this.token, leaseMs);
      if (ok === 1) return "renewed";
      this.token = undefined;
    }
    const [state, value] = (await this.cmd(
      "keeperAcquire",
      n.keeperLease,
      n.keeperFence,
      this.owner,
      leaseMs,
    )) as [number, string];
    if (state === 0) return "held";
    this.token = value;
    return "acquired";
  }

  async release(): Promise<void> {
    if (this.token === undefined) return;
    await this.cmd("keeperRelease", this.names.keeperLease, this.names.keeperFence, this.owner, this.token);
    this.token = undefined;
  }

  private requireToken(): string {
    if (this.token === undefined) throw new FencedError("(none)");
    return this.token;
  }

  private fenced(error: unknown): never {
    if (error instanceof Error && error.message.includes("FENCED")) {
      const token = this.token ?? "(none)";
      this.token = undefined;
      throw new FencedError(token);
    }
    throw error;
  }

  /**
   * XADDs each message once (a marker per id), all in one pipeline, each checked against the token. Returns
   * the ids that were added now (the others had been sent before). Throws FencedError if deposed.
   */
  async dispatch(items: readonly Dispatch[]): Promise<string[]> {
    if (items.length === 0) return [];
    const token = this.requireToken();
    const pipe = this.redis.pipeline();
    const p = pipe as unknown as Record<string, (...a: Array<string | number>) => unknown>;
    const chunks: Dispatch[][] = [];
    for (let i = 0; i < items.length; i += DISPATCH_CHUNK) chunks.push(items.slice(i, i + DISPATCH_CHUNK));
    for (const chunk of chunks) {
      const keys = chunk.flatMap((it) => [this.names.dispatched(it.id), it.stream]);
      p.keeperDispatch?.(
        1 + keys.length,
        this.names.keeperFence,
        ...keys,
        token,
        STREAM_FIELD,
        MARKER_TTL_S,
        ...chunk.map((it) => it.message),
      );
    }
    const results = (await pipe.exec()) ?? [];
    const added: string[] = [];
    results.forEach(([err, value], c) => {
      if (err) this.fenced(err);
      const chunk = chunks[c] as Dispatch[];
      (value as Array<string | null>).forEach((v, k) => {
        if (v) added.push((chunk[k] as Dispatch).id);
      });
    });
    return added;
  }

  /** Which of these dispatch ids were already sent (markers present). */
  async dispatchedAlready(ids: readonly string[]): Promise<boolean[]> {
    if (ids.length === 0) return [];
    const values = await this.redis.mget(ids.map((id) => this.names.dispatched(id)));
    return values.map((v) => v !== null);
  }

  async setCursor(cursor: { block: bigint; hash: string }): Promise<void> {
    const token = this.requireToken();
    try {
      await this.cmd(
        "keeperSet",
        this.names.keeperFence,
        this.names.keeperCursor,
        token,
        JSON.stringify({ block: cursor.block.toString(), hash: cursor.hash }),
      );
    } catch (error) {
      this.fenced(error);
    }
  }

  async getCursor(): Promise<{ block: bigint; hash: string } | undefined> {
    const raw = await this.redis.get(this.names.keeperCursor);
    if (!raw) return undefined;
    const v = JSON.parse(raw) as { block: string; hash: string };
    return { block: BigInt(v.block), hash: v.hash };
  }

  /** The raw heartbeat values of these nodes (null when expired or never sent). */
  async heartbeats(nodeIds: readonly bigint[]): Promise<Array<string | null>> {
    if (nodeIds.length === 0) return [];
    return this.redis.mget(nodeIds.map((id) => this.names.heartbeat(id)));
  }

  async leaseInfo(): Promise<{ owner: string | null; ttlMs: number; token: string | null }> {
    const [owner, ttl, token] = await Promise.all([
      this.redis.get(this.names.keeperLease),
      this.redis.pttl(this.names.keeperLease),
      this.redis.get(this.names.keeperFence),
    ]);
    return { owner, ttlMs: ttl, token };
  }
}
