/**
 * The keeper's loop. Every `KEEPER_POLL_MS`: take or renew the lease; as leader, ingest confirmed blocks,
 * (re)dispatch what the chain assigned but Redis lacks, schedule and send one assignShards for this block,
 * then dispatch its jobs, finalize shards whose window ended, time out shards past their deadline, ping the
 * nodes of running shards whose heartbeat expired and release the shards whose ping went unanswered.
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
import {
  heartbeatLive,
  heartbeatPresent,
  type Inflight,
  livenessDuties,
  schedulerInput,
} from "./schedule/plan.js";
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
    if (this.stopping) return;
    await this.liveness(now);
    this.updateGauges();
  }

  /**
   * What the ingested blocks did besides this keeper's own work: nodes' claims (claimShard after the shard sat
   * Pending claimDelayBlocks blocks: the shard is Assigned in the view like any other and `reconcile` puts its
   * job on the claiming node's stream), late releases and cancelled tasks. Logs and metrics only.
   */
  private async noteIngested(poll: PollResult): Promise<void> {
    const { chain, log, metrics } = this.d;
    if (poll.pingsAnswered > 0) {
      metrics.pingsAnswered.inc(poll.pingsAnswered);
      log.info({ count: poll.pingsAnswered }, "nodes answered liveness pings: their shards stay theirs");
    }
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

  /**
   * Liveness (issue 12): a node holding Assigned shards whose heartbeat key is gone is pinged on-chain (pingShard,
   * one per shard, at most KEEPER_PING_BATCH per tick); its worker answers (answerPing) if it is alive after all.
   * A ping still unanswered after respondBy is released (releaseUnresponsive): the shard goes back to Pending and
   * the scheduler places it on a live node's stream. Both are simulated first; a shard someone else moved on is
   * skipped. The chain decides: the keeper can neither release a node that answered nor ping more often than the
   * contract's cooldown.
   */
  private async liveness(now: bigint): Promise<void> {
    const { config, chain, store, log, metrics } = this.d;
    const holders = new Set<bigint>();
    for (const s of this.view.shards.values()) if (s.status === Shard.Assigned) holders.add(s.nodeId);
    for (const key of this.view.pings.keys()) if (!this.view.shards.has(key)) this.view.pings.delete(key);
    if (holders.size === 0) return;
    const ids = [...holders];
    const raw = await store.heartbeats(ids);
    const present = new Set(ids.filter((nodeId, i) => heartbeatPresent(raw[i] ?? null, { nodeId })));
    const duties = livenessDuties(this.view, present, this.inflight, now, config.KEEPER_PING_BATCH);
    for (const s of duties.release) {
      if (this.stopping) return;
      const key = shardKey(s.taskId, s.shardIndex);
      const where = { taskId: s.taskId.toString(), shardIndex: s.shardIndex, nodeId: s.nodeId.toString() };
      let released: boolean;
      try {
        released = await chain.releaseUnresponsive(s.taskId, BigInt(s.shardIndex));
      } catch (error) {
        metrics.txFailures.inc({ function: "releaseUnresponsive" });
        throw error;
      }
      // either released now, or answered / moved on: the view's re-read brings the shard back either way
      this.view.pings.delete(key);
      if (!released) continue;
      metrics.unresponsiveReleases.inc();
      log.info(where, "released a shard whose node left its liveness ping unanswered");
    }
    for (const s of duties.ping) {
      if (this.stopping) return;
      const key = shardKey(s.taskId, s.shardIndex);
      const epoch = Number(s.epoch);
      let r: Awaited<ReturnType<KeeperChain["pingShard"]>>;
      try {
        r = await chain.pingShard(s.taskId, BigInt(s.shardIndex));
      } catch (error) {
        metrics.txFailures.inc({ function: "pingShard" });
        throw error;
      }
      // remember the ping (or why the chain refused one) until the view ingests the event
      if (r.ok) {
        this.view.pings.set(key, { epoch: r.epoch, respondBy: r.respondBy, nextPingAt: r.respondBy });
        metrics.pings.inc();
        log.info(
          {
            taskId: s.taskId.toString(),
            shardIndex: s.shardIndex,
            nodeId: s.nodeId.toString(),
            respondBy: r.respondBy.toString(),
          },
          "heartbeat expired: pinged the node of a running shard",
        );
      } else if (r.reason === "cooldown" && r.at !== undefined) {
        this.view.pings.set(key, { epoch, respondBy: 0n, nextPingAt: r.at });
      } else if (r.reason === "outstanding" && r.at !== undefined) {
        this.view.pings.set(key, { epoch, respondBy: r.at, nextPingAt: r.at });
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
