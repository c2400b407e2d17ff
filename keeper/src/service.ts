/**
 * The keeper's loop. Every `KEEPER_POLL_MS`: take or renew the lease; as leader, ingest confirmed blocks,
 * (re)dispatch what the chain assigned but Redis lacks, schedule and send one assignShards for this block,
 * then dispatch its jobs, finalize shards whose window ended, and time out shards past their deadline.
 * A keeper that is not leader only waits. Each step's failure is logged and retried on the next tick.
 */
import type { RedisNames } from "@neural/sdk";
import type { Logger } from "pino";
import type { KeeperChain } from "./chain/chain.js";
import type { KeeperConfig } from "./config.js";
import {
  auditDispatch,
  auditId,
  dutyDispatch,
  dutyId,
  fromAssigned,
  fromShard,
  jobDispatch,
  jobId,
} from "./dispatch/messages.js";
import { Follower, type PollResult } from "./ingest/follower.js";
import { AUDIT_ASSIGNED, ChainView, Shard, shardKey } from "./ingest/view.js";
import type { Metrics } from "./metrics.js";
import { FencedError, type KeeperStore } from "./redis/store.js";
import { heartbeatLive, type Inflight, schedulerInput } from "./schedule/plan.js";
import { schedule } from "./scheduler/scheduler.js";

export interface ServiceDeps {
  config: KeeperConfig;
  chain: KeeperChain;
  store: KeeperStore;
  names: RedisNames;
  log: Logger;
  metrics: Metrics;
  startBlock: bigint;
}

export class KeeperService {
  readonly view = new ChainView();
  leader = false;
  private readonly follower: Follower;
  /** Dispatch ids known to be in Redis (cleared on every new lease: Redis may have been wiped). */
  private readonly sent = new Set<string>();
  private readonly inflight = new Map<string, Inflight>();
  private lastAssignHead = -1n;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** Resolves after the first tick as leader or follower. */
  readonly firstTick: Promise<void>;
  private resolveFirst!: () => void;

  constructor(private readonly d: ServiceDeps) {
    this.follower = new Follower(d.chain, this.view, {
      startBlock: d.startBlock,
      confirmations: d.config.KEEPER_CONFIRMATIONS,
      chunk: d.config.KEEPER_LOG_CHUNK,
      log: d.log.child({ component: "ingest" }),
    });
    this.firstTick = new Promise((r) => {
      this.resolveFirst = r;
    });
  }

  start(): void {
    this.loop = (async () => {
      while (!this.stopping) {
        try {
          await this.tick();
        } catch (error) {
          this.onError(error);
        }
        this.resolveFirst();
        if (this.stopping) break;
        await new Promise<void>((r) => {
          const timer = setTimeout(r, this.d.config.KEEPER_POLL_MS);
          this.wake = () => {
            clearTimeout(timer);
            r();
          };
        });
      }
    })();
  }

  /** Stops after the step in flight (a sent transaction is awaited to its receipt), then releases the lease. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    if (this.leader) await this.d.store.release().catch(() => {});
    this.leader = false;
    this.d.metrics.leader.set(0);
  }

  private onError(error: unknown): void {
    if (error instanceof FencedError) {
      this.d.log.warn({ err: error.message }, "deposed: another keeper holds the lease");
      this.demote();
      return;
    }
    this.d.log.error(
      { err: error instanceof Error ? error.message : String(error) },
      "tick failed; retrying",
    );
  }

  private demote(): void {
    this.leader = false;
    this.d.metrics.leader.set(0);
  }

  async tick(): Promise<void> {
    const { store, config, log, metrics } = this.d;
    const lease = await store.acquire(config.KEEPER_LEASE_MS);
    if (lease === "held") {
      if (this.leader) log.warn("lost the lease");
      this.demote();
      return;
    }
    if (lease === "acquired") {
      log.info({ token: store.token }, "acquired the lease: rebuilding the view from the chain");
      this.view.clear();
      this.sent.clear();
      this.inflight.clear();
    }
    this.leader = true;
    metrics.leader.set(1);

    const poll = await this.follower.poll();
    if (poll.reorg) {
      metrics.reorgs.inc();
      this.sent.clear();
    }
    // a rebuilt view re-ingests history: count and log only what is new
    if (lease !== "acquired" && !poll.reorg) await this.noteIngested(poll);
    const cursor = this.view.cursor;
    if (cursor) {
      await store.setCursor(cursor);
      metrics.cursor.set(Number(cursor.block));
      for (const [key, f] of this.inflight) if (f.block <= cursor.block) this.inflight.delete(key);
    }
    if (this.stopping) return;
    await this.reconcile();
    if (this.stopping) return;
    await this.assign(poll.head);
    if (this.stopping) return;
    const now = (await this.d.chain.block(poll.head)).timestamp;
    await this.finalize(now);
    if (this.stopping) return;
    await this.timeouts(now);
    this.updateGauges();
  }

  /**
   * What the ingested blocks did besides this keeper's own work: nodes' claims (claimShard after the shard sat
   * Pending claimDelayBlocks blocks: the shard is Assigned in the view like any other and `reconcile` puts its
   * job on the claiming node's stream), late releases and cancelled tasks. Logs and metrics only.
   */
  private async noteIngested(poll: PollResult): Promise<void> {
    const { chain, log, metrics } = this.d;
    if (poll.lateReleases > 0) {
      metrics.lateReleases.inc(poll.lateReleases);
      log.info({ count: poll.lateReleases }, "late releases: failed attempts of their nodes");
    }
    for (const taskId of poll.cancelled) {
      metrics.cancelledTasks.inc();
      log.info({ taskId: taskId.toString() }, "task cancelled: its pending shards left the view");
    }
    // assignments whose job this keeper did not send, still running at the cursor: claims (or another keeper's)
    const unsent = poll.assigned.filter((a) => {
      const s = this.view.shards.get(shardKey(a.taskId, a.shardIndex));
      return (
        s?.status === Shard.Assigned &&
        Number(s.epoch) === Number(a.epoch) &&
        !this.sent.has(jobId(fromAssigned(a)))
      );
    });
    if (unsent.length === 0) return;
    const txs = [...new Set(unsent.map((a) => a.tx))];
    const claims = new Set(
      (await Promise.all(txs.map(async (h) => ((await chain.isClaim(h)) ? h : undefined)))).filter(
        (h) => h !== undefined,
      ),
    );
    for (const a of unsent) {
      if (!claims.has(a.tx)) continue;
      metrics.claimed.inc();
      log.info(
        { taskId: a.taskId.toString(), shardIndex: a.shardIndex.toString(), nodeId: a.nodeId.toString() },
        "node claimed a shard: its job goes to the node's stream",
      );
    }
  }

  /** Jobs and audits the chain holds but Redis may lack (a deposed leader's batch, a wiped Redis, a restart). */
  private async reconcile(): Promise<void> {
    const { store, names, metrics } = this.d;
    const jobs = [];
    const audits = [];
    for (const s of this.view.shards.values()) {
      if (s.status === Shard.Assigned && !this.sent.has(jobId(fromShard(s)))) jobs.push(s);
      if (
        (s.status === Shard.Submitted || s.status === Shard.Challenged) &&
        s.auditStatus === AUDIT_ASSIGNED &&
        !this.sent.has(auditId(s))
      ) {
        audits.push(s);
      }
    }
    const items = [
      ...jobs.flatMap((s) => {
        const t = this.view.tasks.get(s.taskId);
        return t ? [jobDispatch(names, t, fromShard(s))] : [];
      }),
      ...audits.map((s) => auditDispatch(names, s)),
    ];
    items.push(...(await this.duties()));
    const added = await store.dispatch(items);
    for (const it of items) this.sent.add(it.id);
    for (const id of added) metrics.dispatched.inc({ type: id.split(":")[0] });
    if (added.length)
      this.d.log.info({ added: added.length }, "dispatched messages the chain holds and Redis lacked");
  }

  /** committeeDuty messages for the members of every drawn committee not told yet (DisputeView at the head). */
  private async duties() {
    const { chain, names } = this.d;
    const items = [];
    for (const [disputeId, round] of this.view.duties) {
      if (this.sent.has(`duties:${disputeId}:${round}`)) continue;
      const d = await chain.getDispute(disputeId);
      if (d.status !== 2) continue; // Voting only: Drawing has no members yet, Resolved needs nobody
      const members = d.committee.filter((m) => !this.sent.has(dutyId(disputeId, Number(d.round), m)));
      if (members.length === 0) {
        this.sent.add(`duties:${disputeId}:${d.round}`);
        continue;
      }
      const result = await chain.resultSubmitted(d.taskId, BigInt(d.shardIndex), Number(d.epoch));
      const leaf = result?.checkpoints[Number(d.checkpointIndex)];
      if (!result || !leaf) {
        this.d.log.warn(
          { disputeId: disputeId.toString() },
          "judged result not found: committee duty not sent",
        );
        continue;
      }
      for (const m of members) {
        items.push(
          dutyDispatch(names, disputeId, d, m, { manifestCid: result.manifestCid, step: leaf.step }),
        );
      }
    }
    return items;
  }

  private async liveNodes(): Promise<Set<bigint>> {
    const ids = [...this.view.nodes.values()].filter((n) => n.active).map((n) => n.nodeId);
    const raw = await this.d.store.heartbeats(ids);
    const live = new Set<bigint>();
    ids.forEach((id, i) => {
      const node = this.view.nodes.get(id);
      if (node && heartbeatLive(raw[i] ?? null, node)) live.add(id);
    });
    this.d.metrics.nodesLive.set(live.size);
    return live;
  }

  private async assign(head: bigint): Promise<void> {
    if (head <= this.lastAssignHead) return; // one assignShards per block
    const { config, chain, store, names, log, metrics } = this.d;
    const live = await this.liveNodes();
    const { tasks, nodes, minPrice } = schedulerInput(this.view, live, this.inflight);
    if (tasks.length === 0) return;
    const result = schedule(tasks, nodes, {
      perClientCap: config.KEEPER_PER_CLIENT_CAP,
      maxAssignments: config.KEEPER_MAX_ASSIGNMENTS,
      minPrice,
    });
    if (result.placements.length === 0) return;
    const assignments = result.placements.map((p) => ({
      taskId: BigInt(p.taskId),
      shardIndex: p.shardIndex,
      nodeId: BigInt(p.nodeId),
    }));
    this.lastAssignHead = head;
    let outcome: Awaited<ReturnType<KeeperChain["assignShards"]>>;
    try {
      outcome = await chain.assignShards(assignments);
    } catch (error) {
      metrics.txFailures.inc({ function: "assignShards" });
      throw error;
    }
    for (const s of outcome.skipped)
      log.info({ ...stringify(s.assignment), reason: s.reason }, "assignment skipped");
    if (outcome.assigned.length === 0) return;
    const receiptBlock = outcome.hash
      ? (await chain.publicClient.getTransactionReceipt({ hash: outcome.hash })).blockNumber
      : head;
    const items = [];
    for (const a of outcome.assigned) {
      this.inflight.set(shardKey(a.taskId, a.shardIndex), {
        block: receiptBlock,
        nodeId: a.nodeId,
        taskId: a.taskId,
      });
      const t = this.view.tasks.get(a.taskId);
      if (t) {
        items.push(jobDispatch(names, t, fromAssigned(a)));
        metrics.assignmentLatency.observe(Number(receiptBlock - t.postedBlock));
      }
    }
    const added = await store.dispatch(items);
    for (const it of items) this.sent.add(it.id);
    metrics.assigned.inc(outcome.assigned.length);
    metrics.dispatched.inc({ type: "job" }, added.length);
    log.info(
      { assigned: outcome.assigned.length, block: receiptBlock.toString(), tx: outcome.hash },
      "assigned shards",
    );
  }

  private async finalize(now: bigint): Promise<void> {
    const { config, chain, log, metrics } = this.d;
    const due = [...this.view.shards.values()]
      .filter((s) => s.status === Shard.Submitted && s.deadline <= now)
      .slice(0, config.KEEPER_FINALIZE_BATCH * 4)
      .map((s) => ({ taskId: s.taskId, shardIndex: s.shardIndex }));
    if (due.length === 0) return;
    const ready = (await chain.finalizable(due)).slice(0, config.KEEPER_FINALIZE_BATCH);
    if (ready.length === 0) return;
    try {
      const r = await chain.finalizeShards(ready);
      metrics.finalized.inc(r.finalized);
      log.info({ finalized: r.finalized, tx: r.hash }, "finalized shards");
    } catch (error) {
      metrics.txFailures.inc({ function: "finalizeShards" });
      throw error;
    }
  }

  private async timeouts(now: bigint): Promise<void> {
    const { config, chain, log, metrics } = this.d;
    const due = [...this.view.shards.values()]
      .filter(
        (s) =>
          s.status === Shard.Assigned &&
          s.deadline < now &&
          !this.inflight.has(shardKey(s.taskId, s.shardIndex)),
      )
      .slice(0, config.KEEPER_TIMEOUT_BATCH);
    for (const s of due) {
      if (this.stopping) return;
      try {
        if (await chain.timeoutShard(s.taskId, BigInt(s.shardIndex))) {
          metrics.timedOut.inc();
          log.info(
            { taskId: s.taskId.toString(), shardIndex: s.shardIndex, nodeId: s.nodeId.toString() },
            "timed out shard",
          );
        }
      } catch (error) {
        metrics.txFailures.inc({ function: "timeoutShard" });
        throw error;
      }
    }
  }

  private updateGauges(): void {
    let pending = 0;
    let running = 0;
    for (const s of this.view.shards.values()) {
      if (s.status === Shard.Pending) pending++;
      else if (s.status === Shard.Assigned) running++;
    }
    this.d.metrics.shardsPending.set(pending);
    this.d.metrics.shardsRunning.set(running);
  }
}

function stringify(o: object): Record<string, string> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, String(v)]));
}
