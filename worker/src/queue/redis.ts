/**
 * The worker's side of Redis, with the names the keeper uses (`redisNames` in @neural/sdk): heartbeats (the node's
 * key, SET with EX), its job stream read through the consumer group `WORKER_CONSUMER_GROUP` (entries carry the
 * message in `STREAM_FIELD`), progress messages to the task's stream. Entries are acknowledged only by the caller, after the
 * on-chain submission is mined; entries this consumer holds are re-read after a restart and their idle time is
 * reset on every heartbeat, so a long training is never taken for an abandoned one.
 */
import {
  DEFAULT_HEARTBEAT_TTL_SECONDS,
  encodeMessage,
  type HeartbeatMessage,
  type Message,
  type ProgressMessage,
  parseMessage,
  type RedisNames,
  redisNames,
  STREAM_FIELD,
  WORKER_CONSUMER_GROUP,
} from "@neural/sdk";
import { Redis } from "ioredis";

export interface StreamEntry {
  id: string;
  /** The parsed message, or the reason it could not be parsed. */
  message: Message | undefined;
  error?: string;
}

type RawEntry = [string, string[]];

function toEntry([id, fields]: RawEntry): StreamEntry {
  const at = fields.indexOf(STREAM_FIELD);
  const text = at >= 0 ? fields[at + 1] : undefined;
  if (text === undefined) return { id, message: undefined, error: `no "${STREAM_FIELD}" field` };
  try {
    return { id, message: parseMessage(text) };
  } catch (error) {
    return { id, message: undefined, error: (error as Error).message };
  }
}

export class WorkerQueue {
  readonly redis: Redis;
  /** Reads block on their own connection so heartbeats and progress are never stuck behind them. */
  private readonly blocking: Redis;
  readonly stream: string;
  readonly names: RedisNames;

  constructor(
    url: string,
    readonly nodeId: number,
    readonly consumer: string,
    prefix?: string,
  ) {
    this.names = redisNames(prefix);
    const options = { maxRetriesPerRequest: null, lazyConnect: true } as const;
    this.redis = new Redis(url, options);
    this.blocking = new Redis(url, options);
    this.stream = this.names.nodeStream(nodeId);
  }

  async connect(): Promise<void> {
    await this.redis.connect();
    await this.blocking.connect();
    try {
      await this.redis.xgroup("CREATE", this.stream, WORKER_CONSUMER_GROUP, "0", "MKSTREAM");
    } catch (error) {
      if (!String((error as Error).message).includes("BUSYGROUP")) throw error;
    }
  }

  onError(handler: (error: Error) => void): void {
    this.redis.on("error", handler);
    this.blocking.on("error", handler);
  }

  /** Entries delivered to this consumer and not acknowledged (what it held when it stopped). */
  async pending(): Promise<StreamEntry[]> {
    const res = (await this.redis.xreadgroup(
      "GROUP",
      WORKER_CONSUMER_GROUP,
      this.consumer,
      "COUNT",
      100,
      "STREAMS",
      this.stream,
      "0",
    )) as Array<[string, RawEntry[]]> | null;
    return (res?.[0]?.[1] ?? []).map(toEntry);
  }

  /** New entries; waits up to `blockMs`. */
  async next(blockMs: number, count = 1): Promise<StreamEntry[]> {
    const res = (await this.blocking.xreadgroup(
      "GROUP",
      WORKER_CONSUMER_GROUP,
      this.consumer,
      "COUNT",
      count,
      "BLOCK",
      blockMs,
      "STREAMS",
      this.stream,
      ">",
    )) as Array<[string, RawEntry[]]> | null;
    return (res?.[0]?.[1] ?? []).map(toEntry);
  }

  /** Takes over entries another consumer of this node left idle for `minIdleMs` (a replaced process). */
  async claimAbandoned(minIdleMs: number): Promise<StreamEntry[]> {
    const res = (await this.redis.xautoclaim(
      this.stream,
      WORKER_CONSUMER_GROUP,
      this.consumer,
      minIdleMs,
      "0",
      "COUNT",
      100,
    )) as [string, RawEntry[]];
    return (res?.[1] ?? []).filter((e) => e !== null).map(toEntry);
  }

  async ack(id: string): Promise<void> {
    await this.redis.xack(this.stream, WORKER_CONSUMER_GROUP, id);
  }

  /** Resets the idle time of the entries being worked on. */
  async touch(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.redis.xclaim(this.stream, WORKER_CONSUMER_GROUP, this.consumer, 0, ...ids, "JUSTID");
  }

  async heartbeat(
    message: Omit<HeartbeatMessage, "version" | "type" | "sentAt">,
    ttlSeconds = DEFAULT_HEARTBEAT_TTL_SECONDS,
  ) {
    const text = encodeMessage({
      version: 1,
      type: "heartbeat",
      sentAt: new Date().toISOString(),
      ...message,
    });
    await this.redis.set(this.names.heartbeat(this.nodeId), text, "EX", ttlSeconds);
  }

  /**
   * Puts a job for a shard this node claimed itself (claimShard) on its own stream, in the keeper's format, so it
   * is read, journaled and recovered like any job. Returns the entry id.
   */
  async enqueueOwnJob(message: string): Promise<string> {
    return (await this.redis.xadd(this.stream, "*", STREAM_FIELD, message)) as string;
  }

  async progress(message: Omit<ProgressMessage, "version" | "type" | "sentAt">): Promise<void> {
    const text = encodeMessage({
      version: 1,
      type: "progress",
      sentAt: new Date().toISOString(),
      ...message,
    });
    await this.redis.xadd(
      this.names.progressStream(message.taskId),
      "MAXLEN",
      "~",
      "10000",
      "*",
      STREAM_FIELD,
      text,
    );
  }

  async close(): Promise<void> {
    this.blocking.disconnect();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
