#!/usr/bin/env node
// `npm run devnet`: anvil on 127.0.0.1:8545 with every Neural contract deployed, the deployment written to
// deployments/<chainId>.json, dev accounts 1..5 funded with 100,000 NRL each, and the Ponder indexer serving
// GraphQL / SQL / REST on 127.0.0.1:42069 (embedded PGlite, or PostgreSQL when DATABASE_URL is set).
// Runs until Ctrl-C.
//
//   npm run devnet -- [--port 8545] [--host 127.0.0.1] [--indexer-port 42069] [--no-indexer] [--once]
//   env: NEURAL_DEVNET_PORT, and the deploy script's NEURAL_GOVERNOR, NEURAL_KEEPER, NEURAL_TREASURY,
//        NEURAL_CHALLENGE_WINDOW, NEURAL_COMMIT_PERIOD, NEURAL_REVEAL_PERIOD, NEURAL_UNBONDING_PERIOD
//   --once: deploy, print the table and exit (a smoke test for CI).
import { relative } from "node:path";
import { parseArgs } from "node:util";
import { formatEther } from "viem";
import { startIndexer } from "../indexer/scripts/start.mjs";
import { DEFAULT_HOST, DEFAULT_PORT, nrlBalances, startDevnet } from "./lib/devnet.mjs";
import { repoRoot } from "./lib/tools.mjs";

const usage = "usage: npm run devnet -- [--port N] [--host IP] [--indexer-port N] [--no-indexer] [--once]";

function options() {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      host: { type: "string", default: DEFAULT_HOST },
      once: { type: "boolean", default: false },
      "indexer-port": { type: "string", default: "42069" },
      "no-indexer": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const raw = values.port ?? process.env.NEURAL_DEVNET_PORT ?? String(DEFAULT_PORT);
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`invalid port "${raw}" (1..65535). ${usage}`);
  }
  const indexerPort = Number(values["indexer-port"]);
  if (!Number.isInteger(indexerPort) || indexerPort < 1 || indexerPort > 65535) {
    throw new Error(`invalid --indexer-port "${values["indexer-port"]}" (1..65535). ${usage}`);
  }
  return { port, host: values.host, once: values.once, indexer: !values["no-indexer"], indexerPort };
}

function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  const line = (r) =>
    r
      .map((cell, c) => String(cell).padEnd(widths[c]))
      .join("  ")
      .trimEnd();
  return [line(rows[0]), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)].join("\n");
}

async function main() {
  const opts = options();

  // Signals are handled from the start: during startup they abort it (anvil and forge are stopped).
  const abort = new AbortController();
  let devnet;
  let indexer;
  let stopping = false;
  const shutdown = async (signal) => {
    if (stopping) return;
    stopping = true;
    if (signal) console.log(`\n[devnet] ${signal}: stopping${indexer ? " the indexer and" : ""} anvil`);
    if (!devnet) {
      abort.abort();
      return; // startDevnet rejects; main's catch exits 0
    }
    await indexer?.stop();
    await devnet.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));

  try {
    devnet = await startDevnet({
      port: opts.port,
      host: opts.host,
      isolated: false,
      signal: abort.signal,
      log: (l) => console.log(`[devnet] ${l}`),
    });
  } catch (err) {
    if (abort.signal.aborted) process.exit(0);
    throw err;
  }

  const { deployment } = devnet;
  const contracts = Object.entries(deployment.contracts).map(([name, c]) => [name, c.address, c.startBlock]);
  const shown = devnet.accounts.slice(0, 1 + devnet.funded.length);
  const balances = await nrlBalances(
    devnet.rpcUrl,
    deployment.contracts.NeuralToken.address,
    shown.map((a) => a.address),
  );
  const role = (a) => {
    const names = Object.entries(deployment.roles)
      .filter(([, holder]) => holder.toLowerCase() === a.address.toLowerCase())
      .map(([r]) => r);
    return names.length ? names.join(",") : "";
  };
  const accounts = shown.map((a, i) => [
    `#${i}${i === 0 ? " deployer" : ""}`,
    a.address,
    a.privateKey,
    formatEther(balances[i]),
    role(a),
  ]);

  console.log(`\nNeural devnet  rpc ${devnet.rpcUrl}  chain ${devnet.chainId}`);
  console.log(`deployment file ${relative(repoRoot, devnet.deploymentFile)}\n`);
  console.log(table([["contract", "address", "start block"], ...contracts]));
  console.log("");
  console.log(table([["account", "address", "private key (anvil dev key)", "NRL", "roles"], ...accounts]));
  console.log("");

  if (opts.indexer && !stopping) {
    console.log("[devnet] starting the indexer (Ponder) ...");
    try {
      indexer = await startIndexer({
        rpcUrl: devnet.rpcUrl,
        deployment: devnet.deploymentFile,
        chainId: devnet.chainId,
        port: opts.indexerPort,
        fresh: true, // a new anvil chain: forget what was indexed from the last one
      });
    } catch (err) {
      await devnet.stop();
      throw new Error(
        `the indexer did not start: ${err.message}\n(npm run devnet -- --no-indexer runs without it)`,
      );
    }
    console.log(
      `[devnet] indexer ready: GraphQL ${indexer.url}/graphql  SQL ${indexer.url}/sql  REST ${indexer.url}/network/summary`,
    );
  }

  if (opts.once) {
    stopping = true;
    await indexer?.stop();
    await devnet.stop();
    return;
  }
  const client = shown[1]?.address;
  if (client) {
    const rpc = devnet.rpcUrl === "http://127.0.0.1:8545" ? "" : `NEURAL_RPC_URL=${devnet.rpcUrl} `;
    console.log(`[devnet] post a task: ${rpc}npx hardhat task:post --shards 2 --from ${client}`);
  }
  console.log("[devnet] running; Ctrl-C stops it");
}

main().catch((err) => {
  console.error(`[devnet] ${err.message}`);
  process.exit(1);
});
