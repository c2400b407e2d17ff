/** Prometheus metrics of one keeper (prom-client, its own registry). */
import { Counter, Gauge, Histogram, Registry } from "prom-client";

export function createMetrics() {
  const registry = new Registry();
  const m = {
    registry,
    shardsPending: new Gauge({
      name: "keeper_shards_pending",
      help: "Pending shards in the keeper's view",
      registers: [registry],
    }),
    shardsRunning: new Gauge({
      name: "keeper_shards_running",
      help: "Assigned shards in the keeper's view",
      registers: [registry],
    }),
    nodesLive: new Gauge({
      name: "keeper_nodes_live",
      help: "Active nodes with a live heartbeat",
      registers: [registry],
    }),
    leader: new Gauge({
      name: "keeper_lease_leader",
      help: "1 while this keeper holds the lease",
      registers: [registry],
    }),
    cursor: new Gauge({ name: "keeper_cursor_block", help: "Last block ingested", registers: [registry] }),
    assigned: new Counter({
      name: "keeper_shards_assigned_total",
      help: "Shards assigned by this keeper",
      registers: [registry],
    }),
    dispatched: new Counter({
      name: "keeper_messages_dispatched_total",
      help: "Messages XADDed to node streams",
      labelNames: ["type"],
      registers: [registry],
    }),
    claimed: new Counter({
      name: "keeper_shards_claimed_total",
      help: "Shards nodes took with claimShard (their jobs are dispatched like the keeper's own)",
      registers: [registry],
    }),
    lateReleases: new Counter({
      name: "keeper_late_releases_total",
      help: "Shards released after the grace period (a failed attempt of the node)",
      registers: [registry],
    }),
    cancelledTasks: new Counter({
      name: "keeper_tasks_cancelled_total",
      help: "Tasks cancelled by their client (their Pending shards left the view)",
      registers: [registry],
    }),
    finalized: new Counter({
      name: "keeper_shards_finalized_total",
      help: "Shards finalized by this keeper",
      registers: [registry],
    }),
    timedOut: new Counter({
      name: "keeper_shards_timed_out_total",
      help: "Shards timed out by this keeper",
      registers: [registry],
    }),
    pings: new Counter({
      name: "keeper_pings_total",
      help: "Liveness pings sent to nodes whose heartbeat expired (pingShard)",
      registers: [registry],
    }),
    pingsAnswered: new Counter({
      name: "keeper_pings_answered_total",
      help: "Liveness pings the nodes answered (PingAnswered ingested)",
      registers: [registry],
    }),
    unresponsiveReleases: new Counter({
      name: "keeper_unresponsive_releases_total",
      help: "Shards released because their node left a ping unanswered (releaseUnresponsive)",
      registers: [registry],
    }),
    txFailures: new Counter({
      name: "keeper_tx_failures_total",
      help: "Transactions that failed",
      labelNames: ["function"],
      registers: [registry],
    }),
    reorgs: new Counter({
      name: "keeper_reorgs_total",
      help: "Reorgs detected below the cursor",
      registers: [registry],
    }),
    assignmentLatency: new Histogram({
      name: "keeper_assignment_latency_blocks",
      help: "Blocks from TaskPosted to the job in the node's stream",
      buckets: [0, 1, 2, 3, 5, 10, 20, 50],
      registers: [registry],
    }),
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
