// `npm run bench -w @neural/indexer`: indexer throughput and API latency, written to docs/benchmarks.md
// (section indexer-bench).
//
// 1. Generates >= 50,000 protocol events on a devnet through the real contracts: tasks of 100 shards,
//    batched assignShards, updateNode and stake calls, signed locally and mined in large blocks with
//    automine off.
// 2. Backfill: times a fresh `ponder start` from block 0 until /ready (the load is buried under 32 empty
//    blocks, so all of it is backfilled, none live), on PGlite and on PostgreSQL (fresh schema and RPC cache
//    each run), BENCH_RUNS times each (default 3), and checks every event was indexed. The baseline, run
//    alternately with it: the same Ponder project with handlers that do nothing (bench/floor), i.e. what
//    Ponder itself costs to fetch, store and decode these events on this machine.
// 3. GraphQL latency: the dApp's heaviest queries at 200 requests/s for 20 s each after a 5 s warm-up at the same
//    rate (autocannon, loopback), on an indexer caught up with the chain's head.
// 4. Freshness: with 1 s blocks, tasks posted one by one; how many blocks after the task's own block it
//    first shows in GraphQL (the indexer polls every NEURAL_POLLING_INTERVAL_MS, default 1000 ms).
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import autocannon from "autocannon";
import { encodeFunctionData, type Hex, maxUint256, parseEther, stringToHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { chainEvents } from "../test/helpers/compare.js";
import { cid, Protocol } from "../test/helpers/scenario.js";
import {
  type Devnet,
  gql,
  startDevnet,
  startTestIndexer,
  TestChain,
  waitForBlock,
} from "../test/helpers/stack.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const KINDS = (process.env.BENCH_DATABASES ?? "pglite,postgres").split(",") as ("pglite" | "postgres")[];
const LATENCY = process.env.BENCH_LATENCY !== "false";
const TASKS = Number(process.env.BENCH_TASKS ?? 200);
const SHARDS = 100;
const UPDATES = Number(process.env.BENCH_UPDATES ?? 6000);
const STAKES = Number(process.env.BENCH_STAKES ?? 4000);
const MIN_EVENTS = Number(process.env.BENCH_MIN_EVENTS ?? 50_000);
const OPERATORS = 10;
const CLIENT = 11;
const RATE = 200;
const FRESH_TASKS = Number(process.env.BENCH_FRESH_TASKS ?? 20);
const FLOOR_ROOT = resolve(import.meta.dirname, "floor");
const DURATION_S = 20;
/** Load at the same rate before each measured run, not counted: JIT, the response cache and V8's heap settle. */
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 5);
const BASELINE = "task list with shards, baseline: every answer computed (`Cache-Control: no-cache`)";

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const log = (msg: string) => console.log(`[indexer-bench] ${msg}`);

// -------------------------------------------------------------------------------------------------
// Event generation
// -------------------------------------------------------------------------------------------------
export async function generate(devnet: Devnet): Promise<{ events: number; blocks: bigint; txs: number }> {
  const chain = new TestChain(devnet);
  const p = new Protocol(chain);
  const bytes32 = (t: string) => stringToHex(t, { size: 32 });
  const bytes16 = (t: string) => stringToHex(t, { size: 16 });

  // Setup with automine: nodes, allowances.
  const nodes: bigint[] = [];
  for (let i = 1; i <= OPERATORS; i++) {
    nodes.push(await p.registerNode(i, parseEther("20000"), { label: `bench-${i}`, ask: parseEther("0.1") }));
    await p.approve(i, p.registry, maxUint256);
  }
  await p.approve(CLIENT, p.tasks, maxUint256);

  const taskParams = (i: number) => ({
    specCid: cid(`bench/spec/${i}`),
    shardCount: SHARDS,
    maxPricePerShard: parseEther("1"),
    minTier: 1,
    resources: { gpus: 1, vramMiB: 1024, cpus: 1, memoryMiB: 1024 },
    maxDuration: 30n * 24n * 3600n,
    auditRateBps: 0,
    datasetId: 0n,
    datasetVersion: 0,
  });
  const firstTask = (await chain.read<bigint>(p.tasks, p.abi.tasks, "taskCount")) + 1n;

  await chain.rpc("evm_setBlockGasLimit", ["0x11E1A300"]); // 300M: fewer, larger blocks
  await chain.rpc("evm_setAutomine", [false]);

  const fees = { maxFeePerGas: 50_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n };
  const nonces = new Map<number, number>();
  const nonceOf = async (i: number) => {
    let n = nonces.get(i);
    if (n === undefined) {
      n = await chain.pub.getTransactionCount({ address: chain.account(i).address, blockTag: "pending" });
    }
    nonces.set(i, n + 1);
    return n;
  };
  let pending: Hex[] = [];
  let txs = 0;
  const flush = async () => {
    if (pending.length === 0) return;
    const body = pending.map((raw, id) => ({
      jsonrpc: "2.0",
      id,
      method: "eth_sendRawTransaction",
      params: [raw],
    }));
    const res = (await (
      await fetch(devnet.rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      })
    ).json()) as { error?: { message: string } }[] | { error?: { message: string } };
    if (!Array.isArray(res))
      throw new Error(`batch eth_sendRawTransaction: ${JSON.stringify(res).slice(0, 300)}`);
    const failed = res.find((r) => r.error);
    if (failed) throw new Error(`eth_sendRawTransaction: ${failed.error?.message}`);
    txs += pending.length;
    pending = [];
  };
  const queue = async (from: number, to: Hex, data: Hex, gas: bigint) => {
    const key = devnet.accounts[from]?.privateKey;
    if (!key) throw new Error(`no account ${from}`);
    pending.push(
      await privateKeyToAccount(key).signTransaction({
        chainId: devnet.chainId,
        type: "eip1559",
        to,
        data,
        gas,
        nonce: await nonceOf(from),
        ...fees,
      }),
    );
    if (pending.length >= 200 || pending.reduce((n, raw) => n + raw.length, 0) > 400_000) await flush();
  };
  const mineAll = async () => {
    await flush();
    for (;;) {
      const status = await chain.rpc<{ pending: Hex }>("txpool_status");
      if (BigInt(status.pending) === 0n) return;
      await chain.rpc("evm_mine");
    }
  };

  // Phase 1: tasks.
  for (let i = 0; i < TASKS; i++) {
    const data = encodeFunctionData({ abi: p.abi.tasks, functionName: "postTask", args: [taskParams(i)] });
    await queue(CLIENT, p.tasks, data, 3_000_000n);
  }
  await mineAll();
  log(`posted ${TASKS} tasks of ${SHARDS} shards`);

  // Phase 2: every shard assigned, one assignShards batch per task.
  for (let i = 0; i < TASKS; i++) {
    const taskId = firstTask + BigInt(i);
    const batch = Array.from({ length: SHARDS }, (_, s) => ({
      taskId,
      shardIndex: s,
      nodeId: nodes[(i + s) % nodes.length] as bigint,
    }));
    const data = encodeFunctionData({ abi: p.abi.tasks, functionName: "assignShards", args: [batch] });
    await queue(0, p.tasks, data, 25_000_000n);
  }
  await mineAll();
  log(`assigned ${TASKS * SHARDS} shards`);

  // Phase 3: node updates and stake top-ups from every operator.
  for (let i = 0; i < UPDATES; i++) {
    const op = (i % OPERATORS) + 1;
    const data = encodeFunctionData({
      abi: p.abi.registry,
      functionName: "updateNode",
      args: [
        nodes[op - 1],
        {
          gpuModel: bytes32("NVIDIA H100 80GB"),
          gpuCount: 8,
          vramMiB: 81_920,
          cpuCores: 64,
          memoryMiB: 512_000,
          region: bytes16("eu-west"),
        },
        // An ask must be exact in the contract's price encoding (at most 9 significant digits).
        parseEther("0.1") + BigInt(i) * 10n ** 12n,
        cid(`bench/meta/${i}`),
      ],
    });
    await queue(op, p.registry, data, 200_000n);
  }
  for (let i = 0; i < STAKES; i++) {
    const op = (i % OPERATORS) + 1;
    const data = encodeFunctionData({
      abi: p.abi.registry,
      functionName: "stake",
      args: [nodes[op - 1], parseEther("1")],
    });
    await queue(op, p.registry, data, 300_000n);
  }
  await mineAll();
  await chain.rpc("evm_setAutomine", [true]);
  // Ponder treats chain 31337's last 30 blocks as unfinalized and indexes them live after /ready: bury the
  // load under empty blocks so that /ready means "everything backfilled".
  await chain.mine(32);

  const events = (await chainEvents(p)).length;
  return { events, blocks: await chain.blockNumber(), txs };
}

// -------------------------------------------------------------------------------------------------
// Backfill timing
// -------------------------------------------------------------------------------------------------
/** total / backfill: seconds; load: the machine's 1-minute load average when the run ended. */
type Run = { total: number; backfill: number; load: number };
const loadAverage = () => Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
type Variant = "neural" | "floor";

class IncompleteRun extends Error {}

/** A backfill, run again (at most twice more) when it did not see every event of the chain. */
async function backfillChecked(...args: Parameters<typeof backfill>): ReturnType<typeof backfill> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await backfill(...args);
    } catch (error) {
      if (!(error instanceof IncompleteRun) || attempt >= 3) throw error;
      log(`${error.message}: run discarded, running it again`);
    }
  }
}

export async function backfill(
  devnet: Devnet,
  kind: "pglite" | "postgres",
  variant: Variant,
  events: number,
  keep: boolean,
  root?: string,
) {
  const t0 = performance.now();
  let tBackfill = 0;
  const indexer = await startTestIndexer(devnet, kind, {
    pollingIntervalMs: 1000,
    ...(root ? { root } : variant === "floor" ? { root: FLOOR_ROOT } : {}),
    onLine: (line) => {
      if (process.env.BENCH_VERBOSE) console.log(`  [ponder] ${line}`);
      if (!tBackfill && line.includes("Started backfill indexing")) tBackfill = performance.now();
    },
  });
  const tReady = performance.now();
  // Every run must have indexed every event of this chain: Ponder counts the events it ran handlers for. (A
  // floor run once "backfilled" in 0.5 s: Ponder's RPC cache in the shared PostgreSQL database held another
  // chain 31337's blocks, written by a concurrent test between the reset and the start.)
  const completed = (await (await fetch(`${indexer.url}/metrics`)).text())
    .split("\n")
    .filter((line) => line.startsWith("ponder_indexing_completed_events{"))
    .reduce((n, line) => n + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
  if (completed !== events) {
    await indexer.cleanup();
    throw new IncompleteRun(`${kind} ${variant}: Ponder ran ${completed} events, the chain has ${events}`);
  }
  if (variant === "neural") {
    await waitForBlock(indexer.url, await new TestChain(devnet).blockNumber());
    const { protocolEvents } = await gql<{ protocolEvents: { totalCount: number } }>(
      indexer.url,
      "{ protocolEvents { totalCount } }",
    );
    if (protocolEvents.totalCount !== events) {
      await indexer.cleanup();
      throw new Error(`${kind}: indexed ${protocolEvents.totalCount} events, the chain has ${events}`);
    }
  }
  const run: Run = {
    total: (tReady - t0) / 1000,
    backfill: (tReady - (tBackfill || t0)) / 1000,
    load: loadAverage(),
  };
  log(
    `${kind} ${variant}: ${events} events, ready after ${run.total.toFixed(1)} s (backfill ${run.backfill.toFixed(1)} s)`,
  );
  if (!keep) {
    await indexer.cleanup();
    return { run, indexer: undefined };
  }
  return { run, indexer };
}

// -------------------------------------------------------------------------------------------------
// GraphQL latency
// -------------------------------------------------------------------------------------------------
export const QUERIES = (taskId: string) => ({
  "task list with shards": `{ tasks(limit: 20, orderBy: "createdAt", orderDirection: "desc") { items { id client status
      shardCount finalizedShards escrow escrowRemaining createdAt
      shards(limit: 100) { items { shardIndex status nodeId attempts deadline manifestCidStr } } } } }`,
  "node leaderboard": `{ nodes(limit: 50, orderBy: "tier", orderDirection: "desc") { items { id operator tier
      completed failed successBps stake locked active gpuModel gpuCount region } } }`,
  "task timeline": `{ protocolEvents(where: { taskId: "${taskId}" }, orderBy: "id", orderDirection: "asc", limit: 300)
      { items { id contract name blockNumber timestamp transactionHash logIndex shardIndex nodeId args } } }`,
});

type Latency = {
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  /** Share of the run's /graphql requests the server answered within 5 ms (Ponder's own histogram). */
  server5ms: number;
  /** CPU the load generator (autocannon, in this process) used, in cores (CPU seconds per second of run). */
  clientCpu: number;
  /** Size of one response (bytes). */
  bytes: number;
};

/** Ponder's server-side duration histogram of POST /graphql: cumulative counts by upper bound (ms). */
async function graphqlHistogram(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m =
      /^ponder_http_server_request_duration_ms_bucket\{le="([^"]+)",method="POST",path="\/graphql",status="2XX"\} (\d+)/.exec(
        line,
      );
    if (m?.[1] && m[2]) out.set(m[1], Number(m[2]));
  }
  return out;
}

export async function latency(url: string, query: string, fresh = false): Promise<Latency> {
  const body = JSON.stringify({ query });
  // fresh: every request asks for an answer computed for it (the response cache bypassed): the baseline.
  const headers: Record<string, string> = {
    "content-type": "application/json",
    ...(fresh ? { "cache-control": "no-cache" } : {}),
  };
  const text = await (await fetch(`${url}/graphql`, { method: "POST", headers, body })).text();
  const check = JSON.parse(text) as { errors?: { message: string }[] };
  if (check.errors) throw new Error(`query failed: ${check.errors[0]?.message}`);
  const load = (duration: number) =>
    autocannon({
      url: `${url}/graphql`,
      method: "POST",
      headers,
      body,
      connections: 20,
      overallRate: RATE,
      duration,
    });
  if (WARMUP_S > 0) await load(WARMUP_S);
  const before = await graphqlHistogram(url);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await load(DURATION_S);
  const cpu = process.cpuUsage(cpu0);
  const clientCpu = (cpu.user + cpu.system) / 1000 / (performance.now() - t0);
  const after = await graphqlHistogram(url);
  const delta = (le: string) => (after.get(le) ?? 0) - (before.get(le) ?? 0);
  return {
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts + result.non2xx,
    server5ms: delta("+Inf") > 0 ? delta("5") / delta("+Inf") : Number.NaN,
    clientCpu,
    bytes: Buffer.byteLength(text),
  };
}

// -------------------------------------------------------------------------------------------------
// Freshness: blocks between a task's block and the first GraphQL answer that has it
// -------------------------------------------------------------------------------------------------
type Freshness = { blocks: number[]; seconds: number[] };

/** Posts FRESH_TASKS tasks one at a time and watches every indexer (by kind) for each of them. */
async function freshness(devnet: Devnet, urls: Record<string, string>): Promise<Record<string, Freshness>> {
  const chain = new TestChain(devnet);
  const p = new Protocol(chain);
  await chain.rpc("evm_setIntervalMining", [1]);
  const out: Record<string, Freshness> = {};
  for (const kind of Object.keys(urls)) out[kind] = { blocks: [], seconds: [] };
  try {
    for (let i = 0; i < FRESH_TASKS; i++) {
      const receipt = await chain.send(CLIENT, p.tasks, p.abi.tasks, "postTask", [
        {
          specCid: cid(`bench/fresh/${i}`),
          shardCount: 1,
          maxPricePerShard: parseEther("1"),
          minTier: 1,
          resources: { gpus: 1, vramMiB: 1024, cpus: 1, memoryMiB: 1024 },
          maxDuration: 3600n,
          auditRateBps: 0,
          datasetId: 0n,
          datasetVersion: 0,
        },
      ]);
      const t0 = performance.now();
      const taskId = await chain.read<bigint>(p.tasks, p.abi.tasks, "taskCount");
      await Promise.all(
        Object.entries(urls).map(async ([kind, url]) => {
          for (;;) {
            const { task } = await gql<{ task: { id: string } | null }>(
              url,
              `{ task(id: "${taskId}") { id } }`,
            );
            if (task) break;
            if (performance.now() - t0 > 60_000)
              throw new Error(`${kind}: task ${taskId} not in GraphQL after 60 s`);
            await new Promise((r) => setTimeout(r, 25));
          }
          const head = await chain.blockNumber();
          out[kind]?.blocks.push(Number(head - receipt.blockNumber));
          out[kind]?.seconds.push((performance.now() - t0) / 1000);
        }),
      );
    }
  } finally {
    await chain.rpc("evm_setIntervalMining", [0]);
    await chain.rpc("evm_setAutomine", [true]);
  }
  return out;
}

// -------------------------------------------------------------------------------------------------
type KindResult = {
  runs: Record<Variant, Run[]>;
  latency: Record<string, Latency>;
  fresh?: Freshness;
};

async function main() {
  log("starting devnet");
  const devnet = await startDevnet({ fundAccounts: 12 });
  try {
    const t = performance.now();
    const gen = await generate(devnet);
    log(
      `generated ${gen.events} events in ${gen.txs} transactions, ${gen.blocks} blocks (${((performance.now() - t) / 1000).toFixed(0)} s)`,
    );
    if (gen.events < MIN_EVENTS) throw new Error(`only ${gen.events} events generated (< ${MIN_EVENTS})`);

    const results: Record<string, KindResult> = {};
    const live: Record<string, Awaited<ReturnType<typeof startTestIndexer>>> = {};
    try {
      for (const kind of KINDS) {
        const r: KindResult = { runs: { neural: [], floor: [] }, latency: {} };
        results[kind] = r;
        // Alternate the indexer and its floor so that drift in the machine's load hits both alike.
        for (let i = 0; i < RUNS; i++) {
          r.runs.floor.push((await backfillChecked(devnet, kind, "floor", gen.events, false)).run);
          const last = i === RUNS - 1;
          const b = await backfillChecked(devnet, kind, "neural", gen.events, last);
          r.runs.neural.push(b.run);
          if (b.indexer) live[kind] = b.indexer;
        }
        const url = live[kind]?.url;
        if (LATENCY && url) {
          const firstTask = await gql<{ tasks: { items: { id: string }[] } }>(
            url,
            '{ tasks(limit: 1, orderBy: "id", orderDirection: "asc") { items { id } } }',
          );
          const taskId = firstTask.tasks.items[0]?.id ?? "1";
          const queries = QUERIES(taskId);
          const measure = async (name: string, query: string, fresh: boolean) => {
            const l = await latency(url, query, fresh);
            r.latency[name] = l;
            log(
              `${kind} ${name}: p50 ${l.p50} ms, p99 ${l.p99} ms, ${l.requests} requests, load generator ${(l.clientCpu * 100).toFixed(0)}% of a core`,
            );
          };
          for (const [name, query] of Object.entries(queries)) await measure(name, query, false);
          // The baseline, last: Ponder's own GraphQL answering every request (no response cache).
          await measure(BASELINE, queries["task list with shards"], true);
        }
      }
      // Last: it adds events to the chain the backfills above count.
      if (FRESH_TASKS > 0 && Object.keys(live).length > 0) {
        const fresh = await freshness(
          devnet,
          Object.fromEntries(Object.entries(live).map(([kind, l]) => [kind, l.url])),
        );
        for (const [kind, f] of Object.entries(fresh)) {
          const r = results[kind];
          if (r) r.fresh = f;
          log(`${kind} freshness: blocks ${f.blocks.join(",")}`);
        }
      }
    } finally {
      for (const l of Object.values(live)) await l.cleanup();
    }
    await report(gen, results);
  } finally {
    await devnet.stop();
  }
}

async function report(
  gen: { events: number; blocks: bigint; txs: number },
  results: Record<string, KindResult>,
) {
  const rate = (events: number, s: number) => Math.round(events / s).toLocaleString("en-US");
  const label: Record<string, string> = { pglite: "PGlite (embedded)", postgres: "PostgreSQL 15 (local)" };
  let md = "### Indexer (Ponder)\n\n";
  md += `Ponder 0.16.10 backfill of a devnet with **${gen.events.toLocaleString("en-US")} protocol events** `;
  md += `(${gen.txs.toLocaleString("en-US")} transactions in ${gen.blocks} blocks: ${TASKS} tasks of ${SHARDS} shards, `;
  md += `batched assignShards, ${UPDATES} updateNode and ${STAKES} stake calls), from block 0 to \`/ready\`, `;
  md += `median of ${RUNS} runs, fresh database each run. "Backfill" counts from Ponder's "Started backfill indexing" `;
  md += `log line (after its build and database setup); "start to ready" includes them. The baseline, run `;
  md +=
    "alternately with the indexer, is Ponder's floor: the same project and events with handlers that do nothing ";
  md +=
    "(`indexer/bench/floor`), i.e. what Ponder alone needs to fetch, store and decode them on this machine.\n\n";
  md += "| database | indexer | start to ready (s) | backfill (s) | events/s (backfill) | target |\n";
  md += "|---|---|---|---|---|---|\n";
  for (const [kind, r] of Object.entries(results)) {
    for (const variant of ["neural", "floor"] as const) {
      const runs = r.runs[variant];
      if (runs.length === 0) continue;
      const total = median(runs.map((x) => x.total));
      const bf = median(runs.map((x) => x.backfill));
      const name = variant === "neural" ? "Neural handlers" : "Ponder floor (no-op handlers)";
      const floorBf = median(r.runs.floor.map((x) => x.backfill));
      const goal = variant === "neural" ? `≥ ${rate(gen.events * 0.8, floorBf)} (0.8× the floor)` : "—";
      md += `| ${label[kind]} | ${name} | ${total.toFixed(1)} | ${bf.toFixed(1)} | ${rate(gen.events, bf)} | ${goal} |\n`;
    }
  }
  md +=
    "\nThroughput of the indexer over its floor (events/s of the indexer / events/s of the floor in the same run, i.e. ";
  md += "floor backfill time / indexer backfill time; median of the per-run ratios, target ≥ 0.8): ";
  md += Object.entries(results)
    .map(([kind, r]) => {
      const ratios = r.runs.neural.map((x, i) => (r.runs.floor[i]?.backfill ?? Number.NaN) / x.backfill);
      return `${label[kind]} **${median(ratios).toFixed(2)}×** (runs ${ratios.map((x) => x.toFixed(2)).join(", ")})`;
    })
    .join("; ");
  md += ".\n";
  const loads = Object.values(results).flatMap((r) => [...r.runs.neural, ...r.runs.floor].map((x) => x.load));
  if (loads.length > 0) {
    md += `\n1-minute load average at the end of each run (the benchmark's own processes included): ${Math.min(...loads).toFixed(1)} to `;
    md += `${Math.max(...loads).toFixed(1)} (median ${median(loads).toFixed(1)}) on the machine's 2 cores.\n`;
  }
  if (Object.values(results).some((r) => Object.keys(r.latency).length > 0)) {
    md += `\nGraphQL latency at ${RATE} requests/s for ${DURATION_S} s per query (autocannon, 20 connections, loopback), `;
    md += `on the indexed devnet above, once the indexer has reached the chain's head, each after ${WARMUP_S} s `;
    md += "of the same load that is not counted (JIT, response cache and heap settle after the backfill); ";
    md += "target p99 < 50 ms. The load generator runs on the same 2 cores as the ";
    md +=
      "indexer, anvil and PostgreSQL; the last column is the server's side, from Ponder's request-duration ";
    md +=
      "histogram (time to produce the response, not to send it). The load generator's CPU is what autocannon ";
    md +=
      "itself used (CPU seconds per second of the run, 100% = one of the 2 cores). The baseline row, run in ";
    md +=
      "the same run on the same indexer, sends the task list with `Cache-Control: no-cache`: Ponder's GraphQL ";
    md += "computes every answer, as it would without the indexer's response cache (with 20 connections the ";
    md +=
      "load generator waits for answers, so fewer than 4,000 requests are sent when the server cannot keep up).\n\n";
    md +=
      "| database | query | p50 (ms) | p99 (ms) | requests | errors | answered by the server within 5 ms | response (kB) | load generator CPU |\n";
    md += "|---|---|---|---|---|---|---|---|---|\n";
    for (const [kind, r] of Object.entries(results)) {
      for (const [name, l] of Object.entries(r.latency)) {
        md += `| ${label[kind]} | ${name} | ${l.p50} | ${l.p99} | ${l.requests} | ${l.errors} | ${(l.server5ms * 100).toFixed(1)}% | ${(l.bytes / 1000).toFixed(0)} | ${(l.clientCpu * 100).toFixed(0)}% |\n`;
      }
    }
  }
  if (Object.values(results).some((r) => r.fresh)) {
    md += `\nFreshness: with anvil mining a block every second and the indexer polling every 1000 ms (the default), `;
    md += `${FRESH_TASKS} tasks posted one at a time; blocks mined after the task's own block until GraphQL first `;
    md += "returns it (target: within two blocks).\n\n";
    md +=
      "| database | blocks, median | blocks, max | within 2 blocks | seconds after receipt, median |\n|---|---|---|---|---|\n";
    for (const [kind, r] of Object.entries(results)) {
      if (!r.fresh) continue;
      const within = r.fresh.blocks.filter((b) => b <= 2).length;
      md += `| ${label[kind]} | ${median(r.fresh.blocks)} | ${Math.max(...r.fresh.blocks)} | ${within} of ${r.fresh.blocks.length} | ${median(r.fresh.seconds).toFixed(2)} |\n`;
    }
  }
  md += "\nRuns (start to ready / backfill, s, in the order run): ";
  md += Object.entries(results)
    .flatMap(([kind, r]) =>
      (["neural", "floor"] as const).map(
        (v) =>
          `${kind} ${v} ${r.runs[v].map((x) => `${x.total.toFixed(1)}/${x.backfill.toFixed(1)}`).join(", ")}`,
      ),
    )
    .join("; ");
  md += ".\n";
  const { writeBenchSection } = (await import(
    new URL("../../scripts/lib/bench-report.mjs", import.meta.url).href
  )) as {
    writeBenchSection: (name: string, markdown: string) => void;
  };
  writeBenchSection("indexer-bench", md);
  log("wrote docs/benchmarks.md (indexer-bench)");
}

if (import.meta.filename === process.argv[1]) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
