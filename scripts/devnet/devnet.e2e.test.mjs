// The devnet as a newcomer runs it, through its command (scripts/devnet.mjs) in child processes, on free
// ports and a temporary state root (NEURAL_DEVNET_DIR): a second devnet and a second indexer must leave a
// running instance's chain, deployment file and indexed data alone, and an indexer that loses the lock on
// its state must stop answering /ready.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../lib/devnet.mjs";
import { repoRoot } from "../lib/tools.mjs";

const root = mkdtempSync(join(tmpdir(), "neural-devnet-e2e-"));
const env = { ...process.env, NEURAL_DEVNET_DIR: root, NO_COLOR: "1" };
delete env.DATABASE_URL; // PGlite: the state that was lost in the issue
delete env.npm_lifecycle_event;

/** Runs a command to its end; resolves {code, out}. */
function run(cmd, args, extraEnv = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: repoRoot, env: { ...env, ...extraEnv } });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      out += d;
    });
    child.on("close", (code) => resolve({ code, out }));
  });
}

/** Starts a long-running devnet; resolves once it prints "running". */
function startDevnetProcess(args) {
  const child = spawn(process.execPath, ["scripts/devnet.mjs", ...args], { cwd: repoRoot, env });
  let out = "";
  const exited = new Promise((r) => child.on("exit", (code) => r(code)));
  const ready = new Promise((resolve, reject) => {
    const onData = (d) => {
      out += d;
      if (out.includes("running; Ctrl-C stops it")) resolve();
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    exited.then((code) => reject(new Error(`devnet exited with ${code}:\n${out}`)));
  });
  return {
    child,
    ready,
    exited,
    out: () => out,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGINT");
      await exited;
    },
  };
}

async function graphql(url, query) {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query }),
  });
  return res.json();
}

const readyStatus = (url) =>
  fetch(`${url}/ready`)
    .then((r) => r.status)
    .catch(() => 0);

describe("a running devnet is never touched by a second devnet or indexer", () => {
  let first;
  let ports;
  let state;
  let deploymentBefore;

  beforeAll(async () => {
    ports = { rpc: await freePort(), indexer: await freePort() };
    first = startDevnetProcess([
      "--no-keeper",
      "--name",
      "first",
      "--port",
      String(ports.rpc),
      "--indexer-port",
      String(ports.indexer),
    ]);
    await first.ready;
    state = JSON.parse(readFileSync(join(root, "first", "state.json"), "utf8"));
    deploymentBefore = readFileSync(state.deploymentFile, "utf8");

    // Data worth losing: a task, posted with the README's hardhat task, which must find this devnet's
    // non-default ports through its state file, and indexed.
    const posted = await run(
      "npx",
      ["hardhat", "task:post", "--shards", "2", "--from", state.accounts[1].address],
      {
        NEURAL_DEVNET: "first",
      },
    );
    expect(posted.code, posted.out).toBe(0);
    expect(posted.out).toContain("Task 1 posted");
    expect(posted.out).toContain(`curl -s ${state.graphqlUrl} `);
    for (;;) {
      const r = await graphql(state.indexerUrl, '{ task(id: "1") { id shardCount } }');
      if (r.data?.task) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  afterAll(async () => {
    await first?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  const expectFirstIntact = async () => {
    expect(first.child.exitCode).toBe(null);
    expect(await readyStatus(state.indexerUrl)).toBe(200);
    expect(readFileSync(state.deploymentFile, "utf8")).toBe(deploymentBefore);
    expect(JSON.parse(readFileSync(join(root, "first", "state.json"), "utf8")).pid).toBe(first.child.pid);
    const r = await graphql(state.indexerUrl, '{ task(id: "1") { id shardCount } }');
    expect(r.data.task).toEqual({ id: "1", shardCount: 2 });
  };

  it("prints a misspelled hardhat flag in one line with a hint, without a stack trace", async () => {
    const { code, out } = await run("npx", ["hardhat", "task:post", "--shard", "2"], {
      NEURAL_DEVNET: "first",
    });
    expect(code).toBe(1);
    expect(out).toContain("Error HH305: Unrecognized param --shard");
    expect(out).toContain("Its options: npx hardhat help task:post.");
    expect(out).not.toMatch(/\n\s+at /);
  });

  it("refuses a second start of the same instance in one line that says what runs where", async () => {
    const other = await freePort();
    const { code, out } = await run(process.execPath, [
      "scripts/devnet.mjs",
      "--no-keeper",
      "--name",
      "first",
      "--port",
      String(other),
      "--indexer-port",
      String(await freePort()),
    ]);
    expect(code).toBe(1);
    expect(out.trim().split("\n")).toHaveLength(1);
    expect(out).toContain(
      `devnet "first" (pid ${first.child.pid}): rpc ${state.rpcUrl}, GraphQL ${state.graphqlUrl} is already running`,
    );
    await expectFirstIntact();
  });

  it("refuses another instance on the first one's indexer port, naming it", async () => {
    const { code, out } = await run(process.execPath, [
      "scripts/devnet.mjs",
      "--no-keeper",
      "--name",
      "second",
      "--port",
      String(await freePort()),
      "--indexer-port",
      String(ports.indexer),
    ]);
    expect(code).toBe(1);
    expect(out.trim().split("\n")).toHaveLength(1);
    expect(out).toContain(
      `port ${ports.indexer} on 127.0.0.1 (the indexer) is in use by the indexer of devnet "first"`,
    );
    expect(existsSync(join(root, "second"))).toBe(false);
    await expectFirstIntact();
  });

  it("runs a second instance beside the first in its own state folder", async () => {
    const { code, out } = await run(process.execPath, [
      "scripts/devnet.mjs",
      "--no-keeper",
      "--name",
      "second",
      "--port",
      String(await freePort()),
      "--indexer-port",
      String(await freePort()),
      "--once",
    ]);
    expect(code, out).toBe(0);
    expect(out).toContain('Neural devnet "second"');
    expect(existsSync(join(root, "second", "devnet.log"))).toBe(true);
    expect(existsSync(join(root, "second", "lock"))).toBe(false); // released when it stopped
    await expectFirstIntact();
  });

  it("refuses a second indexer on the devnet's port or on its database", async () => {
    const onPort = await run(process.execPath, [
      "indexer/scripts/start.mjs",
      "--port",
      String(ports.indexer),
      "--hostname",
      "127.0.0.1",
    ]);
    expect(onPort.code).toBe(1);
    expect(onPort.out).toMatch(new RegExp(`port ${ports.indexer} on 127.0.0.1 is in use`));

    const pglite = join(root, "first", "indexer", "pglite");
    const onState = await run(
      process.execPath,
      ["indexer/scripts/start.mjs", "--port", String(await freePort())],
      {
        NEURAL_PGLITE_DIR: pglite,
        NEURAL_RPC_URL: state.rpcUrl,
        NEURAL_DEPLOYMENT: state.deploymentFile,
      },
    );
    expect(onState.code).toBe(1);
    expect(onState.out).toContain(`is using PGlite ${pglite}`);

    // Ponder started by hand, without the launcher: the lock is taken inside Ponder, before the database.
    const direct = await run(
      process.execPath,
      [
        "node_modules/ponder/dist/esm/bin/ponder.js",
        "--root",
        "indexer",
        "start",
        "--schema",
        "neural",
        "--port",
        String(await freePort()),
      ],
      {
        NEURAL_PGLITE_DIR: pglite,
        NEURAL_RPC_URL: state.rpcUrl,
        NEURAL_DEPLOYMENT: state.deploymentFile,
        PONDER_TELEMETRY_DISABLED: "true",
      },
    );
    expect(direct.code).toBe(75);
    expect(direct.out).toContain("[indexer] refusing to start");
    await expectFirstIntact();
  });

  it("an indexer whose state lock is taken over stops answering /ready, and the devnet says so", async () => {
    const lock = join(root, "first", "indexer", "pglite.lock");
    writeFileSync(
      lock,
      JSON.stringify({ pid: process.pid, token: "someone else", state: "the same PGlite" }),
    );
    const code = await first.exited;
    expect(code).toBe(0);
    expect(first.out()).toContain("the indexer exited (code 75)");
    expect(await readyStatus(state.indexerUrl)).not.toBe(200);
    expect(readFileSync(join(root, "first", "devnet.log"), "utf8")).toContain(
      `[indexer] lost the lock on PGlite`,
    );
  });
});
