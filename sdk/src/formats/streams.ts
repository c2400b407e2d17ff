/**
 * Redis names shared by the keeper and the workers (DESIGN §4 "Redis"): one job stream per node with one
 * consumer group, a heartbeat key per node with a TTL, a progress stream per task, the keeper's lease.
 * Every entry of a stream carries one field, `STREAM_FIELD`, holding `encodeMessage(...)` text.
 *
 * Names live under a prefix (default "neural") so several networks can share one Redis: use
 * `redisNames("neural:31337")` when they do. Keys of one node or task share a `{...}` hash tag, so they stay in
 * one Redis Cluster slot.
 */

export const DEFAULT_REDIS_PREFIX = "neural";

/** The single field of every stream entry: the message as canonical JSON (`encodeMessage`). */
export const STREAM_FIELD = "msg";

/** The consumer group a node's worker reads its job stream with (consumers: one per worker process). */
export const WORKER_CONSUMER_GROUP = "worker";

/** Default heartbeat TTL: a node whose heartbeat key is older than this is presumed dead. */
export const DEFAULT_HEARTBEAT_TTL_SECONDS = 30;

export interface RedisNames {
  prefix: string;
  /**
   * Stream of `job`, `audit` and `committeeDuty` messages for one node (written by the keeper; also by the node's
   * own worker, for the job of a shard it took itself with claimShard).
   */
  nodeStream(nodeId: bigint | number): string;
  /** The node's latest `heartbeat` message (SET with EX = the TTL, written by its worker). */
  heartbeat(nodeId: bigint | number): string;
  /** Stream of `progress` messages of one task (written by the workers, read by the keeper's SSE). */
  progressStream(taskId: bigint | number): string;
  /** Keeper leader lease (value: owner id; PX = lease time). */
  keeperLease: string;
  /** Fencing token: incremented on every lease acquisition. */
  keeperFence: string;
  /** Keeper ingestion cursor (JSON: block number and hash of the last block acted on). */
  keeperCursor: string;
  /** Marker set once per dispatched message (`taskId:shardIndex:epoch:type`), so nothing is sent twice. */
  dispatched(id: string): string;
}

export function redisNames(prefix: string = DEFAULT_REDIS_PREFIX): RedisNames {
  if (!/^[A-Za-z0-9:_-]+$/.test(prefix)) {
    throw new RangeError(
      `Redis prefix ${JSON.stringify(prefix)} must use only letters, digits, ':', '_' and '-'`,
    );
  }
  return {
    prefix,
    nodeStream: (nodeId) => `${prefix}:node:{${nodeId}}:jobs`,
    heartbeat: (nodeId) => `${prefix}:node:{${nodeId}}:heartbeat`,
    progressStream: (taskId) => `${prefix}:task:{${taskId}}:progress`,
    keeperLease: `${prefix}:keeper:lease`,
    keeperFence: `${prefix}:keeper:fence`,
    keeperCursor: `${prefix}:keeper:cursor`,
    dispatched: (id) => `${prefix}:keeper:dispatched:${id}`,
  };
}
