/**
 * The daemon: heartbeats, the job stream, one shard at a time. `start(config, options)` returns
 * `{ ready, stop }` like every Neural service. On start it reconciles: its own pending stream entries are re-read
 * and each is checked against the chain and its journal before anything runs again, so a crash at any point
 * loses nothing and never submits twice.
 */
import type { Server } from "node:http";
import { hostname } from "node:os";
import { join } from "node:path";
import { AuditStatus, ContractRevertError, type JobMessage, NeuralError } from "@neural/sdk";
import { createStorageNode, type StorageNode } from "@neural/sdk/node";
import type { Hex } from "viem";
import { chainOptions, NeuralChain } from "../chain/index.js";
import type { WorkerConfig } from "../config.js";
import { UserError } from "../errors.js";
import type { Logger } from "../log.js";
import { type StreamEntry, WorkerQueue } from "../queue/redis.js";
import { selectRuntime } from "../runtimes/index.js";
import type { ContainerRuntime } from "../runtimes/types.js";
import { attemptName, JournalStore } from "../shard/journal.js";
import { runShard, type ShardDeps, type ShardOutcome } from "../shard/run.js";
import { type AuditOutcome, performAudit } from "../verify/audit.js";
import { type CommitteeOutcome, serveCommittee } from "../verify/committee.js";
import { VERSION } from "../version.js";
import { type ClaimResult, PendingClaimer } from "./claims.js";
import { BlockCursor } from "./cursor.js";
import { WorkerMetrics } from "./metrics.js";
import { type PingAnswer, PingAnswerer } from "./pings.js";
import { sweepRetention } from "./retention.js";
import { serializeWrites } from "./serial.js";

export interface DaemonOptions {
  privateKey: Hex;
  log: Logger;
  /** How long to wait for content from IPFS peers before calling it unavailable (default 120 s). */
  fetchTimeoutMs?: number;
  /** Seconds before a failed job (node fault) is tried again (default 10). */
  retrySeconds?: number;
  /** Test hook: called at named points of a shard attempt. */
  onPhase?: (phase: string, taskId: number) => void | Promise<void>;
  /** Called after each audit this node performed. */
  onAudit?: (taskId: bigint, shardIndex: bigint, outcome: AuditOutcome) => void;
  /** Called after each vote this node committed or revealed. */
  onCommittee?: (disputeId: bigint, outcome: CommitteeOutcome) => void;
  /** Seconds between scans for liveness pings (default: the heartbeat period). */
  pingPollSeconds?: number;
  /** Seconds between sweeps that unpin the artifacts of shards that are over on-chain (default 300). */
  retentionPollSeconds?: number;
  /** Called with the attempts whose artifacts a sweep released. */
  onRetention?: (released: string[]) => void;
  /** Called after each liveness ping this node answered. */
  onPingAnswered?: (answer: PingAnswer) => void;
  /** Called after each shard this node claimed itself (NEURAL_WORKER_CLAIM_PENDING). */
  onClaim?: (claim: Extract<ClaimResult, { kind: "claimed" }>) => void;
  /** Called with each progress line of the shard being trained (the terminal display). */
  onProgress?: ShardDeps["onProgress"];
  /** Called when a job starts (taskId, shardIndex) and with each phase of it. */
  onShardPhase?: (taskId: number, shardIndex: number, phase: string) => void;
  /** Called after each job entry is handled. */
  onOutcome?: (entryId: string, outcome: ShardOutcome | { kind: "error"; message: string }) => void;
}

export interface Daemon {
  ready: Promise<void>;
  stop(): Promise<void>;
  readonly nodeId: bigint;
  readonly metricsPort: number;
  readonly storage: StorageNode;
  /** The container runtime shards run in (NEURAL_RUNTIME, after `auto` chose). */
  readonly runtime: ContainerRuntime;
}

export async function start(config: WorkerConfig, options: DaemonOptions): Promise<Daemon> {
  const log = options.log.child({ component: "daemon" });
  const controller = new AbortController();
  const closers: Array<() => Promise<unknown>> = [];
  const metrics = new WorkerMetrics();

  // every write of the daemon (shards, audits, votes, pings, claims) goes one at a time: see serial.ts
  const chain = serializeWrites(await NeuralChain.connect(chainOptions(config, options.log)));
  const actor = chain.actor(options.privateKey);
  const nodeId =
    config.nodeId !== undefined ? BigInt(config.nodeId) : await chain.nodeIdOfWorker(actor.account.address);
  if (nodeId === 0n) {
    throw new UserError(
      `the worker key ${actor.account.address} is not registered: run \`neural-worker register\``,
    );
  }
  log.debug({ nodeId: String(nodeId) }, "chain connected");
  const { runtime, detail: runtimeDetail, warning } = await selectRuntime(config);
  if (warning) log.warn({ runtime: runtime.name }, warning);
  const removed = await runtime.cleanup(String(nodeId));
  if (removed > 0) log.warn({ removed, runtime: runtime.name }, "removed containers left by a previous run");

  log.debug({ runtime: runtime.name, detail: runtimeDetail }, "container runtime ready");
  const storage = await createStorageNode({
    directory: config.ipfsDir,
    listen: config.ipfsListen,
    announce: config.ipfsAnnounce,
    peers: config.ipfsPeers,
    fetchTimeoutMs: options.fetchTimeoutMs ?? 120_000,
  });
  closers.push(() => storage.stop());
  log.debug({ peers: storage.peers().length }, "ipfs node started");
  const queue = new WorkerQueue(
    config.redisUrl,
    Number(nodeId),
    `node-${nodeId}@${hostname()}`,
    config.redisPrefix,
  );
  queue.onError((error) => log.warn({ err: error.message }, "redis"));
  await queue.connect();
  closers.push(() => queue.close());
  let http: { server: Server; port: number } | undefined;
  http = await metrics.serve(config.metricsPort);
  closers.push(() => new Promise((r) => http?.server.close(r)));

  const journals = new JournalStore(join(config.stateDir, "shards"));
  // Entries being worked on, by stream entry id: up to NEURAL_MAX_SHARDS shards train at once.
  const working = new Map<string, { taskId: number; shardIndex: number; epoch: number }>();
  const inflight = new Set<Promise<void>>();
  let stopping = false;
  const node = await chain.getNode(nodeId);
  const registeredGpus = Number(node.capabilities.gpuCount);
  const freeSlots = () => config.maxShards - Math.min(working.size, config.maxShards);

  const beat = async () => {
    try {
      await queue.heartbeat({
        nodeId: Number(nodeId),
        worker: actor.account.address,
        status: stopping ? "draining" : working.size > 0 ? "busy" : "idle",
        running: [...working.values()].map(({ taskId, shardIndex }) => ({ taskId, shardIndex })),
        freeGpus: Math.floor((registeredGpus * freeSlots()) / config.maxShards),
        slots: { max: config.maxShards, free: freeSlots() },
        capabilities: {
          gpuCount: node.capabilities.gpuCount,
          vramMiB: node.capabilities.vramMiB,
          cpuCores: node.capabilities.cpuCores,
          memoryMiB: node.capabilities.memoryMiB,
        },
        software: `neural-worker/${VERSION}`,
      });
      await queue.touch([...working.keys()]);
      metrics.heartbeats.inc();
    } catch (error) {
      log.warn({ err: (error as Error).message }, "heartbeat failed");
    }
  };
  await beat();
  const heartbeat = setInterval(beat, config.heartbeatSeconds * 1000);

  const handle = async (entry: StreamEntry): Promise<boolean> => {
    if (!entry.message) {
      log.error({ entry: entry.id, err: entry.error }, "unreadable message: acknowledged and dropped");
      await queue.ack(entry.id);
      return true;
    }
    if (entry.message.type !== "job") {
      log.warn(
        { entry: entry.id, type: entry.message.type },
        "verifier duties are not implemented yet: dropped",
      );
      await queue.ack(entry.id);
      return true;
    }
    const job: JobMessage = entry.message;
    working.set(entry.id, { taskId: job.taskId, shardIndex: job.shardIndex, epoch: job.epoch });
    options.onShardPhase?.(job.taskId, job.shardIndex, "checking");
    metrics.running.set(working.size);
    const timer = metrics.duration.startTimer();
    try {
      const outcome = await runShard(
        {
          chain,
          actor,
          nodeId,
          storage,
          runtime,
          queue,
          journals,
          workDir: config.workDir,
          log,
          signal: controller.signal,
          fetchTimeoutMs: options.fetchTimeoutMs ?? 120_000,
          onPhase: async (phase: string, taskId: number) => {
            options.onShardPhase?.(taskId, job.shardIndex, phase);
            await options.onPhase?.(phase, taskId);
          },
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        },
        job,
      );
      // acknowledged only now: after the receipt (submitted), the release, or a job the chain says is not ours
      await queue.ack(entry.id);
      metrics.shards.inc({ outcome: outcome.kind });
      if (outcome.kind === "released" && outcome.late) metrics.lateReleases.inc();
      log.info(
        { entry: entry.id, task: job.taskId, shard: job.shardIndex, ...outcome },
        `shard ${outcome.kind}`,
      );
      options.onOutcome?.(entry.id, outcome);
      return true;
    } catch (error) {
      if (error instanceof ContractRevertError && !stopping) {
        // the chain refused this attempt's call (e.g. its deadline passed): the same call cannot succeed later
        metrics.shards.inc({ outcome: "refused" });
        log.error(
          { entry: entry.id, task: job.taskId, shard: job.shardIndex, err: error.message },
          "the chain refused the shard's transaction: acknowledged, not retried",
        );
        await queue.ack(entry.id);
        options.onOutcome?.(entry.id, { kind: "error", message: error.message });
        return true;
      }
      metrics.shards.inc({ outcome: "error" });
      if (!stopping) {
        log.error(
          { entry: entry.id, task: job.taskId, shard: job.shardIndex, err: (error as Error).message },
          "shard failed on this node: kept pending, will retry",
        );
      }
      options.onOutcome?.(entry.id, { kind: "error", message: (error as Error).message });
      return false;
    } finally {
      timer();
      working.delete(entry.id);
      metrics.running.set(working.size);
    }
  };

  /** Waits `ms`, or less when the node stops; leaves no listener behind (the loop sleeps every second). */
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        controller.signal.removeEventListener("abort", done);
        resolve();
      };
      const t = setTimeout(done, ms);
      controller.signal.addEventListener("abort", done, { once: true });
    });

  const retryLater = () => Date.now() + (options.retrySeconds ?? 10) * 1000;
  let recheckPendingAt = 0;
  /** Starts `entry` in a free slot (waiting for one); an entry already being worked on is left alone. */
  const launch = async (entry: StreamEntry) => {
    if (working.has(entry.id)) return;
    while (inflight.size >= config.maxShards && !stopping) await Promise.race(inflight);
    if (stopping || working.has(entry.id)) return;
    // handle() marks a job as working before its first await, so the next pending() scan skips it
    const run: Promise<void> = handle(entry)
      .then((ok) => {
        if (!ok) recheckPendingAt = Math.min(recheckPendingAt, retryLater());
      })
      .finally(() => inflight.delete(run));
    inflight.add(run);
  };

  const loop = async () => {
    while (!stopping) {
      try {
        if (Date.now() >= recheckPendingAt) {
          recheckPendingAt = Number.POSITIVE_INFINITY;
          // what this consumer held (after a crash, or retries of node faults), then what a replaced one left
          const held = [...(await queue.pending()), ...(await queue.claimAbandoned(60_000))];
          for (const entry of held) {
            if (stopping) break;
            await launch(entry);
          }
        }
        const free = config.maxShards - inflight.size;
        if (free <= 0) {
          // every slot trains: wait for one to end (or a second, to keep the duties below polled)
          await Promise.race([...inflight, sleep(1000)]);
          continue;
        }
        // audits and committee seats take the loop (a slot's worth of work) only while a slot is free; a failed
        // scan is logged and tried again at the next beat, and never keeps the loop from reading jobs
        await checkAudits().catch((error: Error) =>
          log.warn({ err: error.message }, "scan for audit and committee duties failed (tried again later)"),
        );
        await checkClaims();
        for (const entry of await queue.next(1000, free)) {
          if (stopping) break;
          await launch(entry);
        }
      } catch (error) {
        if (stopping) break;
        log.error(
          { err: (error as Error).message, retryable: (error as NeuralError).retryable },
          "loop error",
        );
        await sleep(1000);
      }
    }
    await Promise.allSettled([...inflight]);
  };

  // Audit duties come from the chain (AuditAssigned for this node), not from Redis: a keeper outage cannot make
  // this node miss one. Checked between jobs; each audit is done once (its on-chain audit status says so).
  const auditDeps = {
    chain,
    actor,
    nodeId,
    storage,
    runtime,
    workDir: join(config.workDir, "audits"),
    fetchTimeoutMs: options.fetchTimeoutMs ?? 120_000,
    log,
    signal: controller.signal,
  };
  // Duties found in events are kept until they are over; each poll scans only the blocks not scanned yet.
  let auditsCheckedAt = 0;
  const dutyBlocks = new BlockCursor();
  const audits = new Map<string, { taskId: bigint; shardIndex: bigint }>();
  const seats = new Set<bigint>();
  const checkAudits = async () => {
    if (Date.now() - auditsCheckedAt < config.heartbeatSeconds * 1000) return;
    auditsCheckedAt = Date.now();
    const head = await chain.publicClient.getBlockNumber({ cacheTime: 0 });
    await dutyBlocks.scan(head, async (from, to) => {
      for (const a of await chain.auditsAssigned(nodeId, from, to))
        audits.set(`${a.taskId}:${a.shardIndex}`, a);
      for (const d of await chain.committeeSeats(nodeId, from, to)) seats.add(d);
    });
    await checkCommittees();
    for (const [key, { taskId, shardIndex }] of audits) {
      if (stopping) return;
      const shard = await chain.getShard(taskId, shardIndex);
      if (shard.auditorNodeId !== nodeId || shard.auditStatus !== AuditStatus.Assigned) {
        audits.delete(key);
        continue;
      }
      try {
        const outcome = await performAudit(auditDeps, taskId, shardIndex);
        audits.delete(key);
        metrics.audits.inc({ outcome: outcome.kind });
        options.onAudit?.(taskId, shardIndex, outcome);
      } catch (error) {
        metrics.audits.inc({ outcome: "error" });
        log.error(
          { task: String(taskId), shard: String(shardIndex), err: (error as Error).message },
          "audit failed (tried again at the next poll)",
        );
      }
    }
  };

  const checkCommittees = async () => {
    for (const disputeId of seats) {
      if (stopping) return;
      try {
        const outcome = await serveCommittee({ ...auditDeps, stateDir: config.stateDir }, disputeId);
        if (outcome.kind === "skipped") seats.delete(disputeId);
        if (outcome.kind === "committed" || outcome.kind === "revealed") {
          metrics.votes.inc({ outcome: outcome.kind });
          options.onCommittee?.(disputeId, outcome);
        }
      } catch (error) {
        log.error({ disputeId: String(disputeId), err: (error as Error).message }, "committee duty failed");
      }
    }
  };

  // Opt-in: claim eligible shards no keeper assigned within claimDelayBlocks, only while this node has nothing to
  // run (one shard at a time), at most one per poll; the claimed job then comes through the stream.
  const claimer = config.claimPending
    ? new PendingClaimer({ chain, actor, nodeId, queue, log: log.child({ component: "claims" }) })
    : undefined;
  let claimsCheckedAt = 0;
  const checkClaims = async () => {
    if (!claimer || stopping || working.size > 0) return;
    if (Date.now() - claimsCheckedAt < config.claimPollSeconds * 1000) return;
    claimsCheckedAt = Date.now();
    try {
      const result = await claimer.poll();
      if (result.kind === "claimed") {
        metrics.claims.inc();
        options.onClaim?.(result);
      }
    } catch (error) {
      log.warn({ err: (error as Error).message }, "scan for claimable shards failed");
    }
  };

  // Liveness pings are answered on their own timer: they come while a shard trains (the job loop is busy).
  const pinger = new PingAnswerer({
    chain,
    actor,
    nodeId,
    log: log.child({ component: "pings" }),
    holds: async (taskId, shardIndex, epoch) => {
      for (const w of working.values()) {
        if (w.taskId === Number(taskId) && w.shardIndex === Number(shardIndex) && w.epoch === epoch)
          return true;
      }
      const journal = await journals.read(attemptName(Number(taskId), Number(shardIndex), epoch));
      return journal !== undefined && journal.done === undefined;
    },
  });
  let pinging = false;
  const checkPings = async () => {
    if (pinging || stopping) return;
    pinging = true;
    try {
      for (const answer of await pinger.poll()) {
        metrics.pingsAnswered.inc();
        options.onPingAnswered?.(answer);
      }
    } catch (error) {
      log.warn(
        { err: (error as Error).message },
        "liveness ping check failed (tried again at the next beat)",
      );
    } finally {
      pinging = false;
    }
  };
  await checkPings();
  const pingTimer = setInterval(checkPings, (options.pingPollSeconds ?? config.heartbeatSeconds) * 1000);

  // Artifacts stay pinned until their shard is over on-chain, then are released (retention.ts).
  let sweeping = false;
  const sweep = async () => {
    if (sweeping || stopping) return;
    sweeping = true;
    try {
      const released = await sweepRetention({
        chain,
        storage,
        journals,
        log: log.child({ component: "retention" }),
      });
      if (released.length > 0) options.onRetention?.(released);
    } catch (error) {
      log.warn({ err: (error as Error).message }, "artifact retention sweep failed (tried again later)");
    } finally {
      sweeping = false;
    }
  };
  const retentionTimer = setInterval(sweep, (options.retentionPollSeconds ?? 300) * 1000);

  const running = loop();
  log.info(
    {
      nodeId: String(nodeId),
      worker: actor.account.address,
      metrics: http.port,
      ipfs: storage.multiaddrs(),
      claimPending: config.claimPending,
    },
    "worker started",
  );

  return {
    ready: Promise.resolve(),
    nodeId,
    metricsPort: http.port,
    storage,
    runtime,
    async stop() {
      if (stopping) return;
      stopping = true;
      controller.abort();
      clearInterval(heartbeat);
      clearInterval(pingTimer);
      clearInterval(retentionTimer);
      await beat();
      await running;
      for (const close of closers.reverse()) await close().catch(() => undefined);
      log.info("worker stopped");
    },
  };
}

export { NeuralError };
