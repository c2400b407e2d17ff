// `npm run devnet`: the devnet's services (services.mjs) started in order, with progress steps on the
// terminal and every tool's output in the instance's log file. See scripts/devnet.mjs for the options.
import { appendFileSync } from "node:fs";
import { relative } from "node:path";
import { parseArgs } from "node:util";
import { formatEther } from "viem";
import { DEFAULT_HOST, DEFAULT_PORT, freePort, nrlBalances } from "../lib/devnet.mjs";
import { repoRoot } from "../lib/tools.mjs";
import { claimInstance, DEFAULT_NAME, probePort, runningInstance, stateRoot } from "./instance.mjs";
import { redis } from "./redis.mjs";
import { services } from "./services.mjs";
import { startStack } from "./stack.mjs";

export const USAGE =
  "usage: npm run devnet -- [--port N] [--indexer-port N] [--host IP] [--name NAME] [--no-indexer] [--seed] [--once]\n" +
  "                         [--no-keeper | --keeper] [--keeper-port N] [--redis-port N]";

/** The one line printed when the keeper is not started because redis-server is missing. */
export const NO_REDIS =
  "keeper not started: redis-server is not installed (apt-get install redis-server); --no-keeper silences this";

const OPTIONS = {
  port: { type: "string" },
  host: { type: "string" },
  "indexer-port": { type: "string" },
  "no-indexer": { type: "boolean" },
  keeper: { type: "boolean" },
  "no-keeper": { type: "boolean" },
  "keeper-port": { type: "string" },
  "redis-port": { type: "string" },
  name: { type: "string" },
  seed: { type: "boolean" },
  once: { type: "boolean" },
  help: { type: "boolean", short: "h" },
};

class UsageError extends Error {}

/** Options from argv; UsageError with one line (plus the usage) for anything it cannot use. */
export function parseOptions(argv, env = process.env) {
  // `npm run devnet --port 8546` (no `--`): npm takes --port as its own config and passes "8546" on.
  if (env.npm_lifecycle_event === "devnet") {
    const swallowed = Object.keys(OPTIONS).filter(
      (o) => env[`npm_config_${o.replaceAll("-", "_")}`] !== undefined,
    );
    if (swallowed.length) {
      const again = swallowed.map((o) => `--${o}`).join(" ");
      throw new UsageError(
        `npm kept ${again} for itself: put -- before the devnet's options, e.g. npm run devnet -- ${again}${argv.length ? ` ${argv.join(" ")}` : ""}`,
      );
    }
  }
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    }));
  } catch (err) {
    throw new UsageError(err.message.split("\n")[0].replace(/\. To specify a positional.*$/, ""));
  }
  if (values.help) return { help: true };
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const port = (flag, raw) => {
    const n = Number(raw);
    if (!/^\d+$/.test(String(raw)) || n < 1 || n > 65535)
      throw new UsageError(`${flag} must be a port 1..65535, got "${raw}"`);
    return n;
  };
  if (values.keeper && values["no-keeper"])
    throw new UsageError("--keeper and --no-keeper exclude each other");
  const name = values.name ?? DEFAULT_NAME;
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/.test(name))
    throw new UsageError(`--name must be letters, digits, - or _ (got "${name}")`);
  return {
    help: false,
    name,
    host: values.host ?? DEFAULT_HOST,
    port: port("--port", values.port ?? env.NEURAL_DEVNET_PORT ?? DEFAULT_PORT),
    indexerPort: port("--indexer-port", values["indexer-port"] ?? 42069),
    indexer: !values["no-indexer"],
    // "auto" (the default): the keeper starts when redis-server is installed; --keeper requires it
    keeper: values["no-keeper"] ? false : values.keeper ? true : "auto",
    keeperPort: port("--keeper-port", values["keeper-port"] ?? 8788),
    // null: a free port is picked at start (a private redis-server per instance)
    redisPort: values["redis-port"] === undefined ? null : port("--redis-port", values["redis-port"]),
    seed: Boolean(values.seed),
    once: Boolean(values.once),
  };
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

const say = (line) => console.log(`[devnet] ${line}`);

export async function main(argv = process.argv.slice(2)) {
  let opts;
  try {
    opts = parseOptions(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`[devnet] ${err.message}\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }

  const root = stateRoot();
  // Before anything is touched: is this instance running, are the ports free? Then take its lock.
  let instance;
  try {
    const running = runningInstance(opts.name, root);
    if (running) claimInstance({ name: opts.name, host: opts.host, ports: running.ports, root }); // throws
    if (opts.indexer && opts.indexerPort === opts.port)
      throw new Error("--port and --indexer-port must differ");
    await probePort(opts.port, opts.host, "the chain", root);
    if (opts.indexer) await probePort(opts.indexerPort, opts.host, "the indexer", root);
    if (opts.keeper === "auto") {
      opts.keeper = redis.available();
      if (!opts.keeper) say(NO_REDIS);
    } else if (opts.keeper && !redis.available()) {
      throw new Error(
        "--keeper needs redis-server: apt-get install redis-server (or bash scripts/ensure-services.sh)",
      );
    }
    if (opts.keeper) {
      await probePort(opts.keeperPort, opts.host, "the keeper", root);
      if (opts.redisPort === null) opts.redisPort = await freePort(opts.host);
      else await probePort(opts.redisPort, opts.host, "the keeper's Redis", root);
    }
    const ports = { rpc: opts.port, indexer: opts.indexer ? opts.indexerPort : null };
    instance = claimInstance({ name: opts.name, host: opts.host, ports, root });
  } catch (err) {
    console.error(`[devnet] ${err.message}`);
    return 1;
  }
  // The default instance of the repository's own state root is the one the docs and tools know: its
  // deployment is deployments/<chainId>.json. Others keep theirs in their folder.
  instance.shared = opts.name === DEFAULT_NAME && !process.env.NEURAL_DEVNET_DIR;
  const log = (line) => appendFileSync(instance.logFile, `\n[devnet] ${line}\n`);
  say(`full log: ${relative(process.cwd(), instance.logFile)}`);

  const abort = new AbortController();
  let stack;
  let stopping = false;
  const shutdown = async (signal) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping`);
    abort.abort();
    await stack?.stop();
    instance.release();
    process.exit(0);
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));

  const started = Date.now();
  let stepStart = started;
  try {
    stack = await startStack(
      services,
      { options: opts, instance },
      {
        signal: abort.signal,
        onStep: ({ index, total, entry, phase, line }) => {
          const tag = `[${index + 1}/${total}] ${entry.name}`;
          if (phase === "start") {
            stepStart = Date.now();
            say(`${tag}: ${entry.title} ...`);
            log(`${tag}: starting`);
          } else {
            const secs = ((Date.now() - stepStart) / 1000).toFixed(1);
            say(`${tag}: ready in ${secs} s${line ? `: ${line}` : ""}`);
            log(`${tag}: ready${line ? `: ${line}` : ""}`);
          }
        },
      },
    );
  } catch (err) {
    instance.release();
    if (stopping || abort.signal.aborted) return 0;
    console.error(`[devnet] ${err.message.split("\n")[0]}`);
    console.error(`[devnet] the full log is ${relative(process.cwd(), instance.logFile)}`);
    return 1;
  }

  const { devnet } = stack.running.chain;
  const indexerUrl = stack.running.indexer?.url ?? null;
  const shown = devnet.accounts.slice(0, 1 + devnet.funded.length);
  instance.writeState({
    startedAt: new Date(started).toISOString(),
    rpcUrl: devnet.rpcUrl,
    chainId: devnet.chainId,
    deploymentFile: devnet.deploymentFile,
    indexerUrl,
    graphqlUrl: indexerUrl && `${indexerUrl}/graphql`,
    keeperUrl: stack.running.keeper?.url ?? null,
    redisUrl: stack.running.redis?.url ?? null,
    logFile: instance.logFile,
    accounts: devnet.accounts.map((a) => ({ address: a.address, privateKey: a.privateKey })),
  });

  // Indexer crash (or lost lock): say so, stop the rest.
  stack.running.indexer?.exited.then((code) => {
    if (stopping) return;
    console.error(
      `[devnet] the indexer exited (code ${code}); see ${relative(process.cwd(), instance.logFile)}`,
    );
    shutdown("indexer exit");
  });

  const { deployment } = devnet;
  const balances = await nrlBalances(
    devnet.rpcUrl,
    deployment.contracts.NeuralToken.address,
    shown.map((a) => a.address),
  );
  const roles = (a) =>
    Object.entries(deployment.roles)
      .filter(([, holder]) => holder.toLowerCase() === a.address.toLowerCase())
      .map(([r]) => r)
      .join(",");
  const contracts = Object.entries(deployment.contracts).map(([name, c]) => [name, c.address, c.startBlock]);
  const accounts = shown.map((a, i) => [
    `#${i}${i === 0 ? " deployer" : ""}`,
    a.address,
    a.privateKey,
    formatEther(balances[i]),
    roles(a),
  ]);
  const rel = (p) => relative(process.cwd(), p) || ".";
  console.log(
    `\nNeural devnet "${opts.name}"  rpc ${devnet.rpcUrl}  chain ${devnet.chainId}  ready in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  console.log(
    `deployment ${relative(repoRoot, devnet.deploymentFile)}   state ${rel(instance.stateFile)}   log ${rel(instance.logFile)}\n`,
  );
  console.log(table([["contract", "address", "start block"], ...contracts]));
  console.log("");
  console.log(table([["account", "address", "private key (anvil dev key)", "NRL", "roles"], ...accounts]));
  console.log("");
  if (stack.running.keeper) {
    say(`keeper ${stack.running.keeper.url}/health   Redis ${stack.running.redis.url}`);
  }
  if (indexerUrl) {
    say(`GraphQL ${indexerUrl}/graphql   SQL ${indexerUrl}/sql   REST ${indexerUrl}/network/summary`);
  }

  if (opts.once) {
    stopping = true;
    await stack.stop();
    instance.release();
    return 0;
  }
  const client = shown[1]?.address;
  const env =
    opts.name === DEFAULT_NAME && !process.env.NEURAL_DEVNET_DIR ? "" : `NEURAL_DEVNET=${opts.name} `;
  if (client) say(`post a task: ${env}npx hardhat task:post --shards 2 --from ${client}`);
  if (!opts.seed) say(`fill it with nodes, tasks and models: ${env}npm run seed`);
  say("running; Ctrl-C stops it");
  return null; // keep running
}
