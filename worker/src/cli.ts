/**
 * `neural-worker`: the node operator's CLI. Every verb has --help; --json prints one JSON document for scripts.
 * Settings come from flags or NEURAL_* variables (src/config.ts); user mistakes print one clear message, no stack.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { createStorageNode } from "@neural/sdk/node";
import { Command, Option } from "commander";
import type { Hex } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { formatEth, formatNrl, parseAskPrice, parseNrl } from "./amounts.js";
import { type CapabilityOverrides, detectCapabilities, toCapabilities } from "./capabilities.js";
import { type Actor, chainOptions, NeuralChain } from "./chain/index.js";
import { parseConfig, SETTINGS, type WorkerConfig } from "./config.js";
import { start } from "./daemon/index.js";
import { type AddedContent, addContent, progressBar, registerContent } from "./datasets/publish.js";
import { runDoctor } from "./doctor.js";
import { UserError } from "./errors.js";
import { createKeystoreFile, loadKeystoreFile, readPassword } from "./keystore.js";
import { createLogger } from "./log.js";
import { createOutput, type Output } from "./output.js";
import { TtyStatus } from "./tty.js";
import { VERSION } from "./version.js";

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const processIo: Io = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
};

interface Context {
  config: WorkerConfig;
  out: Output;
  opts: Record<string, unknown>;
  io: Io;
  /** Exit status of the command (doctor: 1 when a check fails). */
  status: { code: number };
}

function positiveInt(name: string) {
  return (value: string) => {
    if (!/^\d+$/.test(value))
      throw new UserError(`${name}: expected a whole number, got ${JSON.stringify(value)}`);
    return Number(value);
  };
}

async function workerKey(ctx: Context): Promise<Hex> {
  const password = await readPassword({
    passwordFile: ctx.config.passwordFile,
    prompt: `Password for ${ctx.config.keystore}: `,
  });
  return loadKeystoreFile(ctx.config.keystore, password);
}

/** The operator key: --operator-keystore when given, else the worker key acts as its own operator. */
async function operatorKey(ctx: Context, workerPk: Hex): Promise<Hex> {
  const file = ctx.opts.operatorKeystore as string | undefined;
  if (file === undefined) return workerPk;
  const password = await readPassword({
    passwordFile: ctx.opts.operatorPasswordFile as string | undefined,
    prompt: `Password for the operator keystore ${file}: `,
  });
  return loadKeystoreFile(file, password);
}

async function resolveNodeId(ctx: Context, chain: NeuralChain, worker: Hex): Promise<bigint> {
  if (ctx.config.nodeId !== undefined) return BigInt(ctx.config.nodeId);
  const id = await chain.nodeIdOfWorker(privateKeyToAddress(worker));
  if (id === 0n) {
    throw new UserError(
      `the worker key ${privateKeyToAddress(worker)} is not registered: run \`neural-worker register\` first (or give --node-id)`,
    );
  }
  return id;
}

async function connect(ctx: Context): Promise<NeuralChain> {
  return NeuralChain.connect(chainOptions(ctx.config));
}

/** Operator keystore options, on the verbs the operator signs. */
function withOperator(cmd: Command): Command {
  return cmd
    .option(
      "--operator-keystore <file>",
      "the operator (cold) wallet's keystore; default: the worker key operates itself",
    )
    .option(
      "--operator-password-file <file>",
      "file holding the operator keystore's password (prompted otherwise)",
    );
}

function addSettings(cmd: Command): Command {
  for (const s of Object.values(SETTINGS)) {
    cmd.addOption(new Option(`${s.flag} <value>`, `${s.help} [${s.env}]`));
  }
  cmd.option("--json", "print one JSON document (for scripts)");
  return cmd;
}

type Action = (ctx: Context, ...args: string[]) => Promise<void>;

let currentIo: Io = processIo;
const exitStatus = { code: 0 };

function action(fn: Action) {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const opts = cmd.optsWithGlobals() as Record<string, unknown>;
    const out = createOutput(opts.json === true, currentIo.stdout);
    const config = parseConfig(opts, currentEnv);
    await fn({ config, out, opts, io: currentIo, status: exitStatus }, ...(args.slice(0, -2) as string[]));
  };
}
let currentEnv: Record<string, string | undefined> = process.env;

async function nodeOp(
  ctx: Context,
  verb: string,
  signer: "operator" | "worker",
  fn: (chain: NeuralChain, actor: Actor, nodeId: bigint) => Promise<{ hash: Hex }>,
) {
  const chain = await connect(ctx);
  const worker = await workerKey(ctx);
  const key = signer === "operator" ? await operatorKey(ctx, worker) : worker;
  const nodeId = await resolveNodeId(ctx, chain, worker);
  const actor = chain.actor(key);
  const { hash } = await fn(chain, actor, nodeId);
  const node = await chain.getNode(nodeId);
  ctx.out.result(
    { verb, nodeId, tx: hash, status: node.statusName, stake: node.stake, unbonding: node.unbonding },
    [
      `${verb}: node ${nodeId} is ${node.statusName}, stake ${formatNrl(node.stake)}, unbonding ${formatNrl(node.unbonding)} (tx ${hash})`,
    ],
  );
}

export function buildProgram(): Command {
  const program = new Command("neural-worker")
    .description("Neural node operator: register and stake a node, then run the daemon that trains shards")
    .version(VERSION)
    .showHelpAfterError("(run with --help for usage)")
    .configureHelp({ showGlobalOptions: true });
  addSettings(program);

  program
    .command("init")
    .description("create the worker (hot) key in an encrypted keystore (Web3 Secret Storage v3)")
    .option(
      "--scrypt-n <n>",
      "scrypt cost of the keystore (default 131072, as geth)",
      positiveInt("--scrypt-n"),
    )
    .option("--private-key-file <file>", "import this 0x-hex private key instead of generating one")
    .option("--out <file>", "write the keystore here instead of --keystore (e.g. an operator keystore)")
    .action(
      action(async (ctx) => {
        let privateKey: Hex | undefined;
        const keyFile = ctx.opts.privateKeyFile as string | undefined;
        if (keyFile !== undefined) {
          const text = await readFile(keyFile, "utf8").catch((cause: unknown) => {
            throw new UserError(`cannot read the private key file ${keyFile}`, { cause });
          });
          if (!/^0x[0-9a-fA-F]{64}$/.test(text.trim())) {
            throw new UserError(`${keyFile} must hold one private key as 0x followed by 64 hex digits`);
          }
          privateKey = text.trim().toLowerCase() as Hex;
        }
        const password = await readPassword({
          passwordFile: ctx.config.passwordFile,
          prompt: "New keystore password: ",
          confirm: true,
        });
        const n = ctx.opts.scryptN as number | undefined;
        const target = (ctx.opts.out as string | undefined) ?? ctx.config.keystore;
        const { address, path } = await createKeystoreFile(resolve(target), password, {
          ...(n ? { scryptN: n } : {}),
          ...(privateKey ? { privateKey } : {}),
        });
        ctx.out.result({ address, keystore: path }, [
          `worker key ${address}`,
          `keystore ${path} (keep the password; back the file up)`,
          `next: send a little ETH to ${address} for gas, then \`neural-worker register\``,
        ]);
      }),
    );

  withOperator(
    program
      .command("register")
      .description("register this node on-chain (operator signs, the worker key consents) and bond stake")
      .requiredOption("--stake <nrl>", "NRL to bond now (at least the registry's minStake)")
      .requiredOption(
        "--ask-price <nrl>",
        "the price per shard this node asks, in NRL (at most 9 significant digits): a shard assigned to it pays " +
          "exactly this (raised to the network's minShardPrice), and only tasks whose maxPricePerShard reaches it",
      )
      .option("--region <text>", "region label, up to 16 ASCII characters (e.g. eu-west)")
      .option("--gpu-model <text>", "override the detected GPU model (up to 32 ASCII characters)")
      .option("--gpu-count <n>", "override the detected GPU count", positiveInt("--gpu-count"))
      .option("--vram-mib <n>", "override the detected VRAM per GPU (MiB)", positiveInt("--vram-mib"))
      .option("--cpu-cores <n>", "override the detected CPU cores", positiveInt("--cpu-cores"))
      .option("--memory-mib <n>", "override the detected memory (MiB)", positiveInt("--memory-mib"))
      .option(
        "--metadata-cid <cid>",
        "CID of the node's metadata; default: one holding this node's IPFS addresses",
      ),
  ).action(
    action(async (ctx) => {
      const o = ctx.opts;
      const stake = parseNrl(String(o.stake), "--stake");
      const askPrice = parseAskPrice(String(o.askPrice));
      const overrides: CapabilityOverrides = {};
      if (o.region !== undefined) overrides.region = String(o.region);
      if (o.gpuModel !== undefined) overrides.gpuModel = String(o.gpuModel);
      if (o.gpuCount !== undefined) overrides.gpuCount = o.gpuCount as number;
      if (o.vramMib !== undefined) overrides.vramMiB = o.vramMib as number;
      if (o.cpuCores !== undefined) overrides.cpuCores = o.cpuCores as number;
      if (o.memoryMib !== undefined) overrides.memoryMiB = o.memoryMib as number;
      const detected = await detectCapabilities(overrides);
      const capabilities = toCapabilities(detected);
      const chain = await connect(ctx);
      const workerPk = await workerKey(ctx);
      const operatorPk = await operatorKey(ctx, workerPk);
      const worker = chain.actor(workerPk);
      const operator = chain.actor(operatorPk);
      const existing = await chain.nodeIdOfWorker(worker.account.address);
      if (existing !== 0n) {
        throw new UserError(`the worker key ${worker.account.address} already serves node ${existing}`);
      }
      let metadataCid = o.metadataCid as string | undefined;
      if (metadataCid === undefined) {
        const storage = await createStorageNode({ directory: ctx.config.ipfsDir, listen: [] });
        try {
          const addrs = (
            ctx.config.ipfsAnnounce.length ? ctx.config.ipfsAnnounce : ctx.config.ipfsListen
          ).map((a) => `${a}/p2p/${storage.peerId}`);
          metadataCid = (
            await storage.putJson({ version: 1, kind: "neural-node", peerId: storage.peerId, ipfs: addrs })
          ).toString();
        } finally {
          await storage.stop();
        }
      }
      const consent =
        operator.account.address === worker.account.address
          ? undefined
          : await chain.signConsent(worker, operator.account.address);
      const { nodeId, hash } = await chain.register(operator, {
        worker: worker.account.address,
        capabilities,
        askPrice,
        metadataCid,
        stake,
        ...(consent ? { consent } : {}),
      });
      const { sources, ...caps } = detected;
      ctx.out.result(
        {
          nodeId,
          tx: hash,
          operator: operator.account.address,
          worker: worker.account.address,
          capabilities: caps,
          sources,
          askPrice,
          stake,
          metadataCid,
        },
        [
          `registered node ${nodeId} (tx ${hash})`,
          `operator ${operator.account.address}, worker ${worker.account.address}`,
          `capabilities: ${caps.gpuCount} GPU ${caps.gpuModel || "-"} ${caps.vramMiB} MiB, ${caps.cpuCores} CPU cores, ${caps.memoryMiB} MiB memory, region ${caps.region || "-"}`,
          `ask ${formatNrl(askPrice)} per shard, stake ${formatNrl(stake)}, metadata ${metadataCid}`,
          "next: `neural-worker doctor`, then `neural-worker start`",
        ],
      );
    }),
  );

  withOperator(
    program
      .command("stake")
      .description(
        "bond more stake (from the operator wallet, or the worker key without --operator-keystore)",
      )
      .argument("<nrl>", "amount of NRL"),
  ).action(
    action(async (ctx, amount) => {
      const wei = parseNrl(String(amount), "stake <nrl>");
      await nodeOp(ctx, "stake", "operator", (chain, actor, id) => chain.stake(actor, id, wei));
    }),
  );

  withOperator(
    program
      .command("unstake")
      .description("start unbonding free stake (operator; withdraw after the unbonding period)")
      .argument("<nrl>", "amount of NRL"),
  ).action(
    action(async (ctx, amount) => {
      const wei = parseNrl(String(amount), "unstake <nrl>");
      await nodeOp(ctx, "unstake", "operator", (chain, actor, id) => chain.requestUnstake(actor, id, wei));
    }),
  );

  withOperator(
    program
      .command("withdraw")
      .description("pay out unbonded stake to the operator once the unbonding period is over"),
  ).action(action(async (ctx) => nodeOp(ctx, "withdraw", "operator", (c, a, id) => c.withdraw(a, id))));

  program
    .command("pause")
    .description("leave the active set (no new shards; running ones continue)")
    .action(action(async (ctx) => nodeOp(ctx, "pause", "worker", (c, a, id) => c.pause(a, id))));

  withOperator(
    program.command("resume").description("return a paused node to the active set (operator)"),
  ).action(action(async (ctx) => nodeOp(ctx, "resume", "operator", (c, a, id) => c.resume(a, id))));

  withOperator(
    program
      .command("exit")
      .description("leave for good: all stake starts unbonding (operator; no live shards)"),
  ).action(action(async (ctx) => nodeOp(ctx, "exit", "operator", (c, a, id) => c.exit(a, id))));

  const dataset = program
    .command("dataset")
    .description("publish training data to IPFS and the DatasetRegistry, and read it back");

  dataset
    .command("publish")
    .description(
      "add a file or folder to this node's IPFS store (pinned) and register it: a new dataset, or with --dataset a new version",
    )
    .argument("<path>", "the file or folder holding the data")
    .option(
      "--dataset <id>",
      "add a version to this dataset (you must own it) instead of publishing a new one",
    )
    .option("--name <name>", "name of a new dataset (1-64 bytes)")
    .option("--description <text>", "what the data is, where it comes from (up to 1024 bytes)", "")
    .option("--license <spdx>", 'SPDX license identifier of a new dataset, e.g. "CC-BY-4.0"')
    .requiredOption(
      "--format <text>",
      'what the content looks like, e.g. "csv: pixels[64],label" (1-256 bytes)',
    )
    .option("--fee <nrl>", "usage fee per finalized shard, paid by tasks that train on this version", "0")
    .option("--metadata-cid <cid>", "CID (raw) of a JSON datasheet or schema")
    .action(
      action(async (ctx, path) => {
        const o = ctx.opts;
        const fee = parseNrl(String(o.fee), "--fee <nrl>");
        const datasetId =
          o.dataset === undefined ? undefined : BigInt(positiveInt("--dataset")(String(o.dataset)));
        const chain = await connect(ctx);
        const actor = chain.actor(await workerKey(ctx));
        const storage = await createStorageNode({ directory: ctx.config.ipfsDir, listen: [] });
        let content: AddedContent;
        try {
          const tty = !ctx.out.json && process.stderr.isTTY === true;
          content = await addContent(storage, resolve(String(path)), (done, total) => {
            if (tty) ctx.io.stderr(`\r${progressBar(done, total)}`);
          });
          if (tty) ctx.io.stderr("\n");
        } finally {
          await storage.stop();
        }
        const registered = await registerContent(actor.client, content, {
          ...(datasetId !== undefined ? { datasetId } : {}),
          name: o.name as string | undefined,
          description: o.description as string,
          license: o.license as string | undefined,
          format: String(o.format),
          usageFeePerShard: fee,
          metadataCid: o.metadataCid as string | undefined,
        });
        ctx.out.result(
          {
            datasetId: registered.datasetId,
            version: registered.version,
            contentCid: content.cid.toString(),
            sizeBytes: content.bytes,
            files: content.files,
            usageFeePerShard: fee,
            tx: registered.hash,
          },
          [
            `dataset ${registered.datasetId} v${registered.version}: ${content.cid} (${content.files} files, ${content.bytes} bytes, fee ${formatNrl(fee)} per shard) (tx ${registered.hash})`,
            `tasks train on it with datasetId ${registered.datasetId}, datasetVersion ${registered.version} and spec "dataset": "${content.cid}"`,
            `its blocks are in ${ctx.config.ipfsDir}: keep a node serving them (\`neural-worker start\`) or pin ${content.cid} elsewhere`,
          ],
        );
      }),
    );

  dataset
    .command("info")
    .description(
      "a dataset's owner, license and versions (content CID, size, format, fee, deprecation, reports)",
    )
    .argument("<id>", "dataset id")
    .action(
      action(async (ctx, id) => {
        const datasetId = BigInt(positiveInt("<id>")(String(id)));
        const chain = await connect(ctx);
        const d = await chain.getDataset(datasetId);
        const versions = [];
        for (let v = 1n; v <= BigInt(d.versionCount); v++) {
          versions.push({ version: v, ...(await chain.getDatasetVersion(datasetId, v)) });
        }
        ctx.out.result(
          {
            datasetId,
            ...d,
            versions: versions.map((v) => ({
              version: v.version,
              contentCid: v.contentCidString,
              sizeBytes: v.sizeBytes,
              format: v.format,
              usageFeePerShard: v.usageFeePerShard,
              deprecated: v.deprecated,
              reports: v.reports,
            })),
          },
          [
            `dataset ${datasetId} "${d.name}" (${d.license}) owned by ${d.owner}${d.deprecated ? ", deprecated" : ""}, ${d.stars} stars`,
            ...versions.map(
              (v) =>
                `  v${v.version}: ${v.contentCidString} ${v.sizeBytes} bytes, ${v.format}, fee ${formatNrl(v.usageFeePerShard)} per shard${v.deprecated ? ", deprecated" : ""}${v.reports ? `, ${v.reports} reports` : ""}`,
            ),
          ],
        );
      }),
    );

  program
    .command("status")
    .description("stake, tier, reputation, active shards, earnings and jail state of this node")
    .action(
      action(async (ctx) => {
        const chain = await connect(ctx);
        const worker = await workerKey(ctx);
        const address = privateKeyToAddress(worker);
        const nodeId = await resolveNodeId(ctx, chain, worker);
        const [node, live, earnings, gas, now] = await Promise.all([
          chain.getNode(nodeId),
          chain.liveAssignments(nodeId),
          chain.earnings(nodeId),
          chain.gasBalance(address),
          chain.chainTime(),
        ]);
        const jailed = node.jailedUntil > now;
        ctx.out.result(
          {
            nodeId,
            worker: address,
            operator: node.operator,
            status: node.statusName,
            active: node.active,
            tier: node.tierName,
            stake: node.stake,
            locked: node.locked,
            unbonding: node.unbonding,
            unbondingReleaseAt: node.unbondingReleaseAt,
            askPrice: node.askPrice,
            reputation: {
              completed: node.completed,
              failed: node.failed,
              slashed: node.slashCount,
              feesPaid: node.feesPaid,
            },
            activeShards: live.map((s) => ({ taskId: s.taskId, shardIndex: s.shardIndex, epoch: s.epoch })),
            earnings: { paid: earnings.paid, finalizedShards: earnings.finalized },
            jailed,
            jailedUntil: node.jailedUntil,
            gasBalance: gas,
          },
          [
            `node ${nodeId}: ${node.statusName}${node.active ? " (active set)" : ""}, tier ${node.tierName}`,
            `stake ${formatNrl(node.stake)} (locked ${formatNrl(node.locked)}), unbonding ${formatNrl(node.unbonding)}`,
            `reputation: ${node.completed} completed, ${node.failed} failed, ${node.slashCount} slashed, ${formatNrl(node.feesPaid)} fees paid`,
            `active shards: ${live.length ? live.map((s) => `${s.taskId}/${s.shardIndex}`).join(", ") : "none"}`,
            `earnings: ${formatNrl(earnings.paid)} over ${earnings.finalized} finalized shards`,
            jailed ? `JAILED until ${new Date(Number(node.jailedUntil) * 1000).toISOString()}` : "not jailed",
            `worker key ${address}: ${formatEth(gas)} for gas`,
          ],
        );
      }),
    );

  program
    .command("doctor")
    .description(
      "check RPC, contracts, the hot key's gas, Redis, IPFS, the container runtime, disk, GPU and clock",
    )
    .action(
      action(async (ctx) => {
        let key: Hex | undefined;
        try {
          key = await workerKey(ctx);
        } catch {
          key = undefined;
        }
        const checks = await runDoctor(ctx.config, key);
        const failed = checks.filter((c) => c.status === "fail").length;
        ctx.out.result(
          { ok: failed === 0, checks },
          checks.map(
            (c) =>
              `${c.status.toUpperCase().padEnd(4)} ${c.name}: ${c.detail}${c.fix && c.status !== "pass" ? `\n     fix: ${c.fix}` : ""}`,
          ),
        );
        if (failed > 0) ctx.status.code = 1;
      }),
    );

  program
    .command("start")
    .description("run the daemon: heartbeats, jobs from Redis, training in containers, results on-chain")
    .action(
      action(async (ctx) => {
        const privateKey = await workerKey(ctx);
        // On a terminal: readable log lines above a status line (spinner, phase, steps, loss); else JSON lines.
        const tty =
          ctx.io === processIo && !ctx.out.json && process.stderr.isTTY === true
            ? new TtyStatus(process.stderr)
            : undefined;
        const log = createLogger(ctx.config.logLevel, tty?.logStream ?? 2);
        const crashAt = ctx.io === processIo ? process.env.NEURAL_WORKER_CRASH_AT : undefined;
        tty?.start();
        const daemon = await start(ctx.config, {
          privateKey,
          log,
          fetchTimeoutMs: ctx.config.ipfsFetchTimeoutSeconds * 1000,
          ...(tty
            ? {
                onShardPhase: (taskId: number, shardIndex: number, phase: string) =>
                  tty.phase(taskId, shardIndex, phase),
                onProgress: (p: Parameters<TtyStatus["progress"]>[0]) => tty.progress(p),
                onOutcome: () => tty.idle(),
              }
            : {}),
          // test hook: die like kill -9 at a named phase ("<taskId>:<phase>") of a shard attempt (crash-safety tests)
          ...(crashAt
            ? {
                onPhase: (phase: string, taskId: number) => {
                  if (`${taskId}:${phase}` === crashAt) process.kill(process.pid, "SIGKILL");
                },
              }
            : {}),
        });
        await daemon.ready;
        await new Promise<void>((resolve) => {
          const shutdown = (signal: string) => {
            log.info({ signal }, "shutting down");
            const force = setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS);
            force.unref();
            daemon.stop().then(resolve, resolve);
          };
          process.once("SIGINT", () => shutdown("SIGINT"));
          process.once("SIGTERM", () => shutdown("SIGTERM"));
        });
        tty?.stop();
      }),
    );

  return program;
}

/** How long SIGINT/SIGTERM waits for the daemon to stop cleanly before exiting anyway. */
export const SHUTDOWN_GRACE_MS = 30_000;

/** Runs the CLI; user mistakes print their message alone (exit 1), bugs print their stack (exit 2). */
export async function main(
  argv: string[] = process.argv,
  io: Io = processIo,
  env: Record<string, string | undefined> = process.env,
): Promise<number> {
  currentIo = io;
  currentEnv = env;
  exitStatus.code = 0;
  const program = buildProgram();
  program.exitOverride();
  program.configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: (s, write) => write(s) });
  // Every level of subcommand (`dataset publish`) reports errors through io and never exits the process.
  const configure = (cmd: Command) => {
    for (const sub of cmd.commands) {
      sub.exitOverride();
      sub.configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: (s, write) => write(s) });
      configure(sub);
    }
  };
  configure(program);
  try {
    await program.parseAsync(argv);
    return exitStatus.code;
  } catch (error) {
    const e = error as Error & { code?: string; exitCode?: number };
    if (e.code?.startsWith("commander.")) return e.exitCode ?? 1;
    const json = argv.includes("--json");
    const known = e instanceof UserError || (e as { retryable?: unknown }).retryable !== undefined;
    if (json) io.stdout(`${JSON.stringify({ error: e.message, kind: e.name })}\n`);
    else if (known) io.stderr(`error: ${e.message}\n`);
    else io.stderr(`unexpected error: ${e.stack ?? e.message}\n`);
    return known ? 1 : 2;
  }
}
