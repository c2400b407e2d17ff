// One devnet instance = one state directory, .devnet/<name>/ (NEURAL_DEVNET_DIR moves the root):
//
//   lock         {pid, name, ports}: held while the instance runs; a second start of the same name is refused
//   state.json   what runs where (rpc, chain id, deployment file, indexer URL, log): read by the hardhat tasks,
//                `npm run seed` and anyone scripting against the devnet; written once every service is ready
//   devnet.log   the full output of every tool (forge, wagmi, anvil, Ponder); the terminal shows steps only
//   chain/       anvil's config and the forge broadcast        indexer/   the indexer's PGlite database
//
// Nothing of an instance is touched by another one: the lock and a probe of every port come first.
import { mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, relative, resolve } from "node:path";
import { repoRoot } from "../lib/tools.mjs";

export const DEFAULT_NAME = "default";

export function stateRoot(env = process.env) {
  return env.NEURAL_DEVNET_DIR ? resolve(env.NEURAL_DEVNET_DIR) : join(repoRoot, ".devnet");
}

export function instanceDir(name, root = stateRoot()) {
  return join(root, name);
}

export function processAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === "EPERM";
  }
}

const readJson = (file) => {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return null;
  }
};

/** The live lock of an instance ({pid, name, ports: {rpc, indexer}, ...}), or null. */
export function runningInstance(name, root = stateRoot()) {
  const lock = readJson(join(instanceDir(name, root), "lock"));
  return lock && processAlive(lock.pid) ? lock : null;
}

/** Every running instance under the root, with its state.json when written. */
export function runningInstances(root = stateRoot()) {
  let names = [];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  return names
    .map((name) => {
      const lock = runningInstance(name, root);
      return lock && { ...lock, state: readJson(join(instanceDir(name, root), "state.json")) };
    })
    .filter(Boolean);
}

/** state.json of a running instance (default: NEURAL_DEVNET, else "default"), or null. */
export function readRunningState(name = process.env.NEURAL_DEVNET || DEFAULT_NAME, root = stateRoot()) {
  if (!runningInstance(name, root)) return null;
  return readJson(join(instanceDir(name, root), "state.json"));
}

/** One line: what a running instance serves. */
export function describeInstance(lock) {
  const parts = [`rpc http://${lock.host}:${lock.ports.rpc}`];
  if (lock.ports.indexer) parts.push(`GraphQL http://${lock.host}:${lock.ports.indexer}/graphql`);
  return `devnet "${lock.name}" (pid ${lock.pid}): ${parts.join(", ")}`;
}

/** Resolves when the port can be bound, else rejects with one line naming what uses it (if a devnet). */
export function probePort(port, host, what, root = stateRoot()) {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once("error", (err) => {
      if (err.code !== "EADDRINUSE")
        return fail(new Error(`cannot bind ${host}:${port} for ${what}: ${err.message}`));
      const owner = runningInstances(root).find((i) => i.ports.rpc === port || i.ports.indexer === port);
      const by = owner
        ? `by the ${owner.ports.rpc === port ? "chain" : "indexer"} of ${describeInstance(owner)}`
        : "by another program";
      const flag =
        { "the chain": "--port", "the keeper": "--keeper-port", "the keeper's Redis": "--redis-port" }[
          what
        ] ?? "--indexer-port";
      fail(new Error(`port ${port} on ${host} (${what}) is in use ${by}; pick another with ${flag} N`));
    });
    server.listen(port, host, () => server.close(() => ok()));
  });
}

/**
 * Takes the instance's lock, or throws one line saying what runs where. The directory's previous contents
 * (a stopped instance's logs, database and state) are removed: a new chain starts empty.
 */
export function claimInstance({ name, host, ports, root = stateRoot() }) {
  const dir = instanceDir(name, root);
  const lockFile = join(dir, "lock");
  const running = runningInstance(name, root);
  if (running) {
    const other = name === DEFAULT_NAME ? "two" : `${name}-2`;
    throw new Error(
      `${describeInstance(running)} is already running; stop it first, or start another beside it: ` +
        `npm run devnet -- --name ${other} --port ${running.ports.rpc + 1}` +
        (running.ports.indexer ? ` --indexer-port ${running.ports.indexer + 1}` : ""),
    );
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const lock = { pid: process.pid, name, host, ports, since: new Date().toISOString() };
  try {
    writeFileSync(lockFile, `${JSON.stringify(lock)}\n`, { flag: "wx" });
  } catch (err) {
    if (err.code === "EEXIST") throw new Error(`devnet "${name}" is starting in another process`);
    throw err;
  }
  return {
    name,
    dir,
    logFile: join(dir, "devnet.log"),
    stateFile: join(dir, "state.json"),
    rel: (p) => relative(process.cwd(), p) || ".",
    writeState(state) {
      writeFileSync(
        join(dir, "state.json"),
        `${JSON.stringify({ name, pid: process.pid, ...state }, null, 2)}\n`,
      );
    },
    /** Removes the lock and state.json (logs and data stay for a look after the fact). */
    release() {
      for (const f of ["state.json", "lock"]) {
        try {
          if (f === "lock" && readJson(lockFile)?.pid !== process.pid) continue;
          unlinkSync(join(dir, f));
        } catch {
          // gone already
        }
      }
    },
  };
}
