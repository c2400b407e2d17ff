// The indexer as a service of the common shape every devnet service has (`start(config) -> { ready, stop }`):
//
//   import { indexer } from "@neural/indexer/service";
//   const running = indexer.start({ rpcUrl, deploymentFile, chainId, port, stateDir, logFile });
//   await running.ready;            // /ready answers 200: the chain is indexed
//   running.url;                    // http://127.0.0.1:<port>  (GraphQL at /graphql)
//   await running.stop();
//
// The devnet starts it from its service list (scripts/devnet/services.mjs); its state (the PGlite directory,
// or the PostgreSQL schema when DATABASE_URL is set) is the instance's own, so two devnets never share it.
import { join } from "node:path";
import { startIndexer } from "./start.mjs";

export const indexer = {
  name: "indexer",
  /**
   * @param {object} config
   * @param {string} config.rpcUrl
   * @param {string} config.deploymentFile
   * @param {number} config.chainId
   * @param {number} config.port
   * @param {string} [config.host="127.0.0.1"]
   * @param {string} config.stateDir this instance's folder: PGlite lives in <stateDir>/pglite
   * @param {string} [config.schema="neural"] PostgreSQL schema (with DATABASE_URL)
   * @param {string} [config.databaseUrl] PostgreSQL; default: DATABASE_URL, else PGlite
   * @param {string} [config.logFile] Ponder's output is appended here
   * @returns {{ ready: Promise<void>, stop: () => Promise<void>, url: string, exited: Promise<number|null> }}
   */
  start(config) {
    const abort = new AbortController();
    const host = config.host ?? "127.0.0.1";
    let running;
    let resolveExited;
    const exited = new Promise((r) => {
      resolveExited = r;
    });
    const ready = startIndexer({
      rpcUrl: config.rpcUrl,
      deployment: config.deploymentFile,
      chainId: config.chainId,
      port: config.port,
      hostname: host,
      schema: config.schema ?? "neural",
      databaseUrl: config.databaseUrl,
      pgliteDir: join(config.stateDir, "pglite"),
      logFile: config.logFile,
      fresh: true, // the devnet's chain is new on every start
      signal: abort.signal,
    }).then((r) => {
      running = r;
      r.exited.then(resolveExited);
    });
    ready.catch(() => resolveExited(null));
    return {
      ready,
      url: `http://${host}:${config.port}`,
      exited,
      async stop() {
        abort.abort();
        await ready.catch(() => {});
        await running?.stop();
      },
    };
  },
};
