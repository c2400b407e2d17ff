/**
 * Redis names shared by the keeper, the workers and the indexer: per-node job streams read through one consumer
 * group, heartbeat keys with a TTL, one progress stream per task. Messages on them are the ones of messages.ts
 * (encodeMessage / parseMessage), stored in the stream entry's field `REDIS_MESSAGE_FIELD`.
 */

/** Prefix of every key Neural writes, so one Redis can be shared with other applications. */
export const REDIS_PREFIX = "neural";

/** The stream entry field holding the message's canonical JSON. */
export const REDIS_MESSAGE_FIELD = "message";

/** Consumer group of the node's own job stream (each worker process is one consumer in it). */
export const JOB_CONSUMER_GROUP = "worker";

/** Seconds a heartbeat key lives; a node whose key expired is taken for offline. */
export const HEARTBEAT_TTL_SECONDS = 30;

export const redisKeys = {
  /** Stream of `job`, `audit` and `committeeDuty` messages for node `nodeId`. */
  jobStream: (nodeId: number | bigint) => `${REDIS_PREFIX}:node:${nodeId}:jobs`,
  /** String key holding the node's last `heartbeat` message, with a TTL. */
  heartbeat: (nodeId: number | bigint) => `${REDIS_PREFIX}:node:${nodeId}:heartbeat`,
  /** Stream of `progress` messages of task `taskId` (all its shards). */
  progressStream: (taskId: number | bigint) => `${REDIS_PREFIX}:task:${taskId}:progress`,
  /** The keeper's leader lease. */
  keeperLease: () => `${REDIS_PREFIX}:keeper:leader`,
} as const;
