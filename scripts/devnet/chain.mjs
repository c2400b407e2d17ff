// The chain as a devnet service: anvil with every contract deployed and dev accounts funded
// (scripts/lib/devnet.mjs), in the common `start(config) -> { ready, stop }` shape.
import { startDevnet } from "../lib/devnet.mjs";

export const chain = {
  name: "chain",
  /**
   * @param {object} config
   * @param {string} config.host
   * @param {number} config.port
   * @param {string} config.stateDir anvil's config and the forge broadcast
   * @param {string} [config.logFile] anvil's and forge's output
   * @param {boolean} [config.shared] write the deployment to the repository's deployments/<chainId>.json
   *   (the default instance) instead of <stateDir>/deployments
   * @returns {{ ready: Promise<void>, stop: () => Promise<void>, devnet: object|undefined }}
   */
  start(config) {
    const abort = new AbortController();
    const handle = {
      devnet: undefined,
      ready: undefined,
      async stop() {
        abort.abort();
        await handle.ready.catch(() => {});
        await handle.devnet?.stop();
      },
    };
    handle.ready = startDevnet({
      host: config.host,
      port: config.port,
      isolated: !config.shared,
      stateDir: config.stateDir,
      logFile: config.logFile,
      env: config.env,
      signal: abort.signal,
    }).then((devnet) => {
      handle.devnet = devnet;
    });
    return handle;
  },
};
