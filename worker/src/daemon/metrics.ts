/** Prometheus metrics of the daemon (prom-client), served at /metrics on 127.0.0.1. */
import { createServer, type Server } from "node:http";
import { Counter, Gauge, Histogram, Registry } from "prom-client";

export class WorkerMetrics {
  readonly registry = new Registry();
  readonly shards = new Counter({
    name: "neural_worker_shards_total",
    help: "Shard attempts handled, by outcome (submitted, released, skipped, error)",
    labelNames: ["outcome"],
    registers: [this.registry],
  });
  readonly running = new Gauge({
    name: "neural_worker_running_shards",
    help: "Shards being worked on now",
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: "neural_worker_shard_seconds",
    help: "Wall time of a shard attempt, from job to on-chain result",
    buckets: [1, 5, 15, 60, 300, 900, 3600, 14400],
    registers: [this.registry],
  });
  readonly audits = new Counter({
    name: "neural_worker_audits_total",
    help: "Audits performed, by outcome (attested, challenged, skipped, error)",
    labelNames: ["outcome"],
    registers: [this.registry],
  });
  readonly votes = new Counter({
    name: "neural_worker_votes_total",
    help: "Committee votes committed and revealed",
    labelNames: ["outcome"],
    registers: [this.registry],
  });
  readonly claims = new Counter({
    name: "neural_worker_claims_total",
    help: "Pending shards this node claimed itself (NEURAL_WORKER_CLAIM_PENDING)",
    registers: [this.registry],
  });
  readonly pingsAnswered = new Counter({
    name: "neural_worker_pings_answered_total",
    help: "Liveness pings of this node's running shards it answered on-chain (answerPing)",
    registers: [this.registry],
  });
  readonly lateReleases = new Counter({
    name: "neural_worker_late_releases_total",
    help: "Releases after the TaskManager's releaseGracePeriod (each counted as a failed attempt of this node)",
    registers: [this.registry],
  });
  readonly heartbeats = new Counter({
    name: "neural_worker_heartbeats_total",
    help: "Heartbeats written to Redis",
    registers: [this.registry],
  });

  /** Serves /metrics; resolves with the bound port. */
  serve(port: number): Promise<{ server: Server; port: number }> {
    const server = createServer(async (req, res) => {
      if (req.url === "/metrics") {
        res.setHeader("content-type", this.registry.contentType);
        res.end(await this.registry.metrics());
      } else {
        res.statusCode = 404;
        res.end("not found: try /metrics\n");
      }
    });
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        const address = server.address();
        resolve({ server, port: typeof address === "object" && address ? address.port : port });
      });
    });
  }
}
