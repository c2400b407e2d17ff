// `npm run bench -w @neural/indexer`: indexer throughput and API latency, written to docs/benchmarks.md
// (section indexer-bench).
//
// 1. Generates >= 50,000 protocol events on a devnet through the real contracts: tasks of 100 shards,
//    batched assignShards, updateNode and stake calls, signed locally and mined in large blocks with
//    automine off.
// 2. Backfill: times a fresh `ponder start` from block 0 until /ready, on PGlite and on PostgreSQL (fresh
//    schema and RPC cache each run), BENCH_RUNS times each (default 3), and checks every event was indexed.
// 3. GraphQL latency: the dApp's heaviest queries at 200 requests/s for 20 s each (autocannon, loopback).
import { performance } from "node:perf_hooks";
import autocannon from "autocannon";
import { encodeFunctionData, type Hex, maxUint256, parseEther, stringToHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { chainEvents } from "../test/helpers/compare.js";
import { cid, Protocol } from "../test/helpers/scenario.js";
import { type Devnet, gql, startDevnet, startTestIndexer, TestChain } from "../test/helpers/stack.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TASKS = Number(process.env.BENCH_TASKS ?? 200);
const SHARDS = 100;
const UPDATES = Number(process.env.BENCH_UPDATES ?? 6000);
const STAKES = Number(process.env.BENCH_STAKES ?? 4000);
const MIN_EVENTS = Number(process.env.BENCH_MIN_EVENTS ?? 50_000);
const OPERATORS = 10;
const CLIENT = 11;
const RATE = 200;
const DURATION_S = 20;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const log = (msg: string) => console.log(`[indexer-bench] ${msg}`);

// -------------------------------------------------------------------------------------------------
// Event generation
// -------------------------------------------------------------------------------------------------
async function generate(devnet: Devnet): Promise<{ events: number; blocks: bigint; txs: number }> {
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
    rewardPerShard: parseEther("1"),
    minTier: 1,
    resources: { gpus: 1, vramMiB: 1024, cpus: 1, memoryMiB: 1024 },
    maxDuration: 30n * 24n * 3600n,
    auditRateBps: 0,
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
    ).json()) as { error?: { message: string } }[];
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
    if (pending.length >= 200) await flush();
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
        parseEther("0.1") + BigInt(i),
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

  const events = (await chainEvents(p)).length;
  return { events, blocks: await chain.blockNumber(), txs };
}

// -------------------------------------------------------------------------------------------------
// Backfill timing
// -------------------------------------------------------------------------------------------------
type Run = { total: number; backfill: number };

async function backfill(devnet: Devnet, kind: "pglite" | "postgres", events: number, keep: boolean) {
  const t0 = performance.now();
  let tBackfill = 0;
  const indexer = await startTestIndexer(devnet, kind, {
    onLine: (line) => {
      if (!tBackfill && line.includes("Started backfill indexing")) tBackfill = performance.now();
    },
  });
  const tReady = performance.now();
  const { network } = await gql<{ network: { eventCount: number } | null }>(
    indexer.url,
    '{ network(id: "network") { eventCount } }',
  );
  if (network?.eventCount !== events) {
    await indexer.cleanup();
    throw new Error(`${kind}: indexed ${network?.eventCount} events, the chain has ${events}`);
  }
  const run: Run = { total: (tReady - t0) / 1000, backfill: (tReady - (tBackfill || t0)) / 1000 };
  log(
    `${kind}: ${events} events, ready after ${run.total.toFixed(1)} s (backfill ${run.backfill.toFixed(1)} s)`,
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
const QUERIES = (taskId: string) => ({
  "task list with shards": `{ tasks(limit: 20, orderBy: "createdAt", orderDirection: "desc") { items { id client status
      shardCount finalizedShards escrow escrowRemaining createdAt
      shards(limit: 100) { items { shardIndex status nodeId attempts deadline manifestCidStr } } } } }`,
  "node leaderboard": `{ nodes(limit: 50, orderBy: "tier", orderDirection: "desc") { items { id operator tier
      completed failed successBps stake locked active gpuModel gpuCount region } } }`,
  "task timeline": `{ protocolEvents(where: { taskId: "${taskId}" }, orderBy: "id", orderDirection: "asc", limit: 300)
      { items { id contract name blockNumber timestamp transactionHash logIndex shardIndex nodeId args } } }`,
});

type Latency = { p50: number; p99: number; requests: number; errors: number };

async function latency(url: string, query: string): Promise<Latency> {
  const body = JSON.stringify({ query });
  const check = (await (
    await fetch(`${url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body })
  ).json()) as { errors?: { message: string }[] };
  if (check.errors) throw new Error(`query failed: ${check.errors[0]?.message}`);
  const result = await autocannon({
    url: `${url}/graphql`,
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    connections: 20,
    overallRate: RATE,
    duration: DURATION_S,
  });
  return {
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

// -------------------------------------------------------------------------------------------------
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

    const results: Record<string, { runs: Run[]; latency: Record<string, Latency> }> = {};
    for (const kind of ["pglite", "postgres"] as const) {
      const runs: Run[] = [];
      let live: Awaited<ReturnType<typeof startTestIndexer>> | undefined;
      for (let i = 0; i < RUNS; i++) {
        const r = await backfill(devnet, kind, gen.events, i === RUNS - 1);
        runs.push(r.run);
        live = r.indexer;
      }
      const lat: Record<string, Latency> = {};
      if (live) {
        try {
          const firstTask = await gql<{ tasks: { items: { id: string }[] } }>(
            live.url,
            '{ tasks(limit: 1, orderBy: "id", orderDirection: "asc") { items { id } } }',
          );
          const taskId = firstTask.tasks.items[0]?.id ?? "1";
          for (const [name, query] of Object.entries(QUERIES(taskId))) {
            lat[name] = await latency(live.url, query);
            log(
              `${kind} ${name}: p50 ${lat[name].p50} ms, p99 ${lat[name].p99} ms, ${lat[name].requests} requests`,
            );
          }
        } finally {
          await live.cleanup();
        }
      }
      results[kind] = { runs, latency: lat };
    }
    await report(gen, results);
  } finally {
    await devnet.stop();
  }
}

async function report(
  gen: { events: number; blocks: bigint; txs: number },
  results: Record<string, { runs: Run[]; latency: Record<string, Latency> }>,
) {
  const rate = (events: number, s: number) => Math.round(events / s).toLocaleString("en-US");
  const target: Record<string, number> = { pglite: 3000, postgres: 5000 };
  const label: Record<string, string> = { pglite: "PGlite (embedded)", postgres: "PostgreSQL 15 (local)" };
  let md = `Ponder 0.16.10 backfill of a devnet with **${gen.events.toLocaleString("en-US")} protocol events** `;
  md += `(${gen.txs.toLocaleString("en-US")} transactions in ${gen.blocks} blocks: ${TASKS} tasks of ${SHARDS} shards, `;
  md += `batched assignShards, ${UPDATES} updateNode and ${STAKES} stake calls), from block 0 to \`/ready\`, `;
  md += `median of ${RUNS} runs, fresh database each run. "Backfill" counts from Ponder's "Started backfill indexing" `;
  md += `log line (after its build and database setup); "start to ready" includes them.\n\n`;
  md +=
    "| database | start to ready (s) | events/s (start to ready) | backfill (s) | events/s (backfill) | target |\n";
  md += "|---|---|---|---|---|---|\n";
  for (const [kind, r] of Object.entries(results)) {
    const total = median(r.runs.map((x) => x.total));
    const bf = median(r.runs.map((x) => x.backfill));
    md += `| ${label[kind]} | ${total.toFixed(1)} | ${rate(gen.events, total)} | ${bf.toFixed(1)} | ${rate(gen.events, bf)} | ≥ ${target[kind]?.toLocaleString("en-US")} |\n`;
  }
  md += `\nGraphQL latency at ${RATE} requests/s for ${DURATION_S} s per query (autocannon, 20 connections, loopback), `;
  md += "on the indexed devnet above; target p99 < 50 ms.\n\n";
  md += "| database | query | p50 (ms) | p99 (ms) | requests | errors |\n|---|---|---|---|---|---|\n";
  for (const [kind, r] of Object.entries(results)) {
    for (const [name, l] of Object.entries(r.latency)) {
      md += `| ${label[kind]} | ${name} | ${l.p50} | ${l.p99} | ${l.requests} | ${l.errors} |\n`;
    }
  }
  md +=
    "\nRuns: " +
    Object.entries(results)
      .map(
        ([kind, r]) =>
          `${kind} ${r.runs.map((x) => `${x.total.toFixed(1)}/${x.backfill.toFixed(1)} s`).join(", ")}`,
      )
      .join("; ");
  md += " (start to ready / backfill).\n";
  const { writeBenchSection } = (await import(
    new URL("../../scripts/lib/bench-report.mjs", import.meta.url).href
  )) as {
    writeBenchSection: (name: string, markdown: string) => void;
  };
  writeBenchSection("indexer-bench", md);
  log("wrote docs/benchmarks.md (indexer-bench)");
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
