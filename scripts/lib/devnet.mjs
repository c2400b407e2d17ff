// A local Neural chain: anvil + every contract deployed by contracts/script/Deploy.s.sol + funded dev accounts.
// Used by `npm run devnet` (scripts/devnet.mjs), the benchmarks and any test suite that needs a real chain:
//
//   const devnet = await startDevnet({ port: 0 });   // 0 = a random free port, isolated files
//   devnet.rpcUrl; devnet.deployment.contracts.TaskManager.address; devnet.accounts[1].privateKey;
//   await devnet.stop();
//
// Only the native binaries npm installed are used (node_modules/@foundry-rs/<tool>-<platform>/bin), never the
// node_modules/.bin wrappers, which exit 0 whatever happens.
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicClient, createWalletClient, getAddress, http, parseAbi, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  defaultBroadcastDir,
  defaultDeploymentsDir,
  readBroadcastDeployment,
  writeDeployment,
} from "../deployments.mjs";
import { foundryBin, repoRoot } from "./tools.mjs";

export const DEFAULT_PORT = 8545;
export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_CHAIN_ID = 31337;
/** Dev accounts 1..fundAccounts (account 0 is the deployer and holds the rest of the supply). */
export const DEFAULT_FUND_ACCOUNTS = 5;
export const DEFAULT_FUND_AMOUNT = parseEther("100000");
export const HARDFORK = "prague"; // must match evm_version in foundry.toml

const erc20 = parseAbi([
  "function transfer(address to, uint256 amount) returns (bool)",
  "function balanceOf(address owner) view returns (uint256)",
]);

/** Resolves when `port` on `host` can be bound; rejects with a clear message when it is taken. */
export function assertPortFree(port, host = DEFAULT_HOST) {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (err) => {
      if (err.code === "EADDRINUSE") {
        reject(
          new Error(
            `port ${port} on ${host} is already in use (another devnet or node?). ` +
              "Stop it, or pick another port with --port N or NEURAL_DEVNET_PORT=N.",
          ),
        );
      } else {
        reject(new Error(`cannot bind ${host}:${port}: ${err.message}`));
      }
    });
    server.listen(port, host, () => server.close(() => resolve()));
  });
}

/** A port that was free a moment ago. */
export function freePort(host = DEFAULT_HOST) {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function rpc(url, method, params = []) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

function tail(file, lines = 30) {
  if (!existsSync(file)) return "";
  return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
}

/** Runs a command to completion with its output in `logFile`; resolves with the exit code. */
function runLogged(cmd, args, { env, logFile, signal }) {
  return new Promise((resolve) => {
    const out = createWriteStream(logFile, { flags: "a" });
    const child = spawn(cmd, args, { cwd: repoRoot, env, signal, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.on("error", (err) => {
      out.end(`\n${err.message}\n`);
      resolve(127);
    });
    child.on("close", (code, signal) => {
      out.end(() => resolve(code ?? (signal ? 128 : 1)));
    });
  });
}

/**
 * Starts anvil, deploys the protocol with the forge script, writes the deployment file and funds dev accounts.
 *
 * @param {object} [options]
 * @param {number} [options.port=8545] 0 picks a random free port.
 * @param {string} [options.host="127.0.0.1"]
 * @param {number} [options.chainId=31337]
 * @param {boolean} [options.isolated] Keep the forge broadcast and the deployment file in the devnet's own
 *   temporary folder instead of the repository's broadcast/ and deployments/. Default: true when port is 0,
 *   so parallel test chains never overwrite each other or the developer's deployments/31337.json.
 * @param {Record<string,string>} [options.env] Extra environment for the deploy script (NEURAL_GOVERNOR,
 *   NEURAL_CHALLENGE_WINDOW, ...). Defaults to none: process.env is passed through as well.
 * @param {number} [options.fundAccounts=5] How many dev accounts after the deployer get NRL.
 * @param {bigint} [options.fundAmount=100000 NRL]
 * @param {(line: string) => void} [options.log] Progress lines (default: silent).
 * @param {AbortSignal} [options.signal] Aborting it during startup stops anvil and forge and rejects.
 * @param {boolean} [options.keepLogs=false] Keep the temporary folder (anvil.log, forge.log) after stop().
 * @param {string} [options.stateDir] Use this folder (created if missing, kept after stop()) instead of a
 *   temporary one: `npm run devnet` gives each instance its own (.devnet/<name>/chain).
 * @param {string} [options.logFile] Append anvil's and forge's output to this file instead of anvil.log and
 *   forge.log in the folder.
 * @returns {Promise<{rpcUrl: string, host: string, port: number, chainId: number, deployment: object,
 *   deploymentFile: string, accounts: {address: string, privateKey: string}[], funded: string[],
 *   logDir: string, stop: () => Promise<void>}>}
 */
export async function startDevnet(options = {}) {
  const host = options.host ?? DEFAULT_HOST;
  const chainId = options.chainId ?? DEFAULT_CHAIN_ID;
  const requested = options.port ?? DEFAULT_PORT;
  const isolated = options.isolated ?? requested === 0;
  const fundAccounts = options.fundAccounts ?? DEFAULT_FUND_ACCOUNTS;
  const fundAmount = options.fundAmount ?? DEFAULT_FUND_AMOUNT;
  const log = options.log ?? (() => {});
  const { signal } = options;
  signal?.throwIfAborted();

  const anvilBin = foundryBin("anvil");
  const forgeBin = foundryBin("forge");
  let port = requested;
  if (port === 0) port = await freePort(host);
  else await assertPortFree(port, host);

  const dir = options.stateDir ?? mkdtempSync(join(tmpdir(), "neural-devnet-"));
  if (options.stateDir) mkdirSync(dir, { recursive: true });
  const anvilLog = options.logFile ?? join(dir, "anvil.log");
  const forgeLog = options.logFile ?? join(dir, "forge.log");
  const anvilConfig = join(dir, "anvil.json");
  const broadcastDir = isolated ? join(dir, "broadcast") : defaultBroadcastDir;
  const deploymentsDir = isolated ? join(dir, "deployments") : defaultDeploymentsDir;
  const rpcUrl = `http://${host}:${port}`;

  // anvil
  const anvilOut = createWriteStream(anvilLog, { flags: "a" });
  const anvil = spawn(
    anvilBin,
    [
      "--host",
      host,
      "--port",
      String(port),
      "--chain-id",
      String(chainId),
      "--hardfork",
      HARDFORK,
      "--accounts",
      String(Math.max(10, fundAccounts + 1)),
      "--config-out",
      anvilConfig,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  anvil.stdout.pipe(anvilOut);
  anvil.stderr.pipe(anvilOut);
  let anvilExit = null;
  const anvilExited = new Promise((resolve) => {
    anvil.on("exit", (code, signal) => {
      anvilExit = { code, signal };
      resolve();
    });
    anvil.on("error", (err) => {
      anvilExit = { code: 127, signal: null, err };
      resolve();
    });
  });
  const killOnExit = () => anvil.kill("SIGKILL");
  process.on("exit", killOnExit);

  let stopping;
  const stop = () => {
    stopping ??= (async () => {
      process.off("exit", killOnExit);
      if (!anvilExit) {
        anvil.kill("SIGTERM");
        const timer = setTimeout(() => anvil.kill("SIGKILL"), 3000);
        await anvilExited;
        clearTimeout(timer);
      }
      if (!options.keepLogs && !options.stateDir) rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  const onAbort = () => {
    stop();
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  const checkAborted = () => {
    if (signal?.aborted) throw new Error("devnet start aborted");
  };

  try {
    // Wait for the RPC (anvil answers in about 0.1 s).
    const deadline = Date.now() + 20_000;
    for (;;) {
      checkAborted();
      if (anvilExit) {
        throw new Error(`anvil exited (code ${anvilExit.code}) before serving ${rpcUrl}:\n${tail(anvilLog)}`);
      }
      try {
        const id = Number(await rpc(rpcUrl, "eth_chainId"));
        if (id !== chainId) throw new Error(`${rpcUrl} answers chain id ${id}, expected ${chainId}`);
        if (existsSync(anvilConfig)) break;
      } catch (err) {
        if (err.message.includes("expected")) throw err;
      }
      if (Date.now() > deadline) throw new Error(`anvil did not answer on ${rpcUrl} within 20 s`);
      await sleep(50);
    }
    log(`anvil listening on ${rpcUrl} (chain ${chainId}, ${HARDFORK})`);

    const cfg = JSON.parse(readFileSync(anvilConfig, "utf8"));
    const accounts = cfg.available_accounts.map((address, i) => ({
      address: getAddress(address),
      privateKey: cfg.private_keys[i],
    }));
    const deployer = accounts[0];

    // Deploy with the forge script, broadcast from dev account 0.
    log("deploying contracts/script/Deploy.s.sol (forge script) ...");
    const code = await runLogged(
      forgeBin,
      [
        "script",
        "contracts/script/Deploy.s.sol:Deploy",
        "--rpc-url",
        rpcUrl,
        "--private-key",
        deployer.privateKey,
        "--broadcast",
        "--non-interactive",
        "--skip",
        "test",
      ],
      {
        env: {
          // The devnet's governor is dev account 0 (parameters change at once, for demos and tests) and its
          // timelock (the admin: role grants) waits one minute; production deploys default to the timelock for
          // both, with a 2-day delay. Either can be overridden from the environment.
          NEURAL_GOVERNOR: deployer.address,
          NEURAL_TIMELOCK_DELAY: "60",
          ...process.env,
          ...options.env,
          FOUNDRY_BROADCAST: broadcastDir,
          NO_COLOR: "1",
        },
        logFile: forgeLog,
        signal,
      },
    );
    checkAborted();
    if (code !== 0) throw new Error(`forge script exited with code ${code}:\n${tail(forgeLog, 40)}`);

    const deployment = readBroadcastDeployment(chainId, broadcastDir);
    const deploymentFile = writeDeployment(deployment, deploymentsDir);
    log(`wrote ${deploymentFile}`);

    // Fund dev accounts 1..fundAccounts from the deployer.
    const funded = accounts.slice(1, 1 + fundAccounts).map((a) => a.address);
    if (funded.length && fundAmount > 0n) {
      const chain = {
        id: chainId,
        name: "neural-devnet",
        nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
        rpcUrls: { default: { http: [rpcUrl] } },
      };
      const transport = http(rpcUrl);
      const pub = createPublicClient({ chain, transport });
      const wallet = createWalletClient({
        chain,
        transport,
        account: privateKeyToAccount(deployer.privateKey),
      });
      const tokenAddress = deployment.contracts.NeuralToken.address;
      const hashes = [];
      for (const to of funded) {
        hashes.push(
          await wallet.writeContract({
            address: tokenAddress,
            abi: erc20,
            functionName: "transfer",
            args: [to, fundAmount],
          }),
        );
      }
      for (const hash of hashes) {
        const receipt = await pub.waitForTransactionReceipt({ hash, pollingInterval: 50 });
        if (receipt.status !== "success") throw new Error(`funding transfer ${hash} reverted`);
      }
      log(`funded ${funded.length} dev accounts with ${fundAmount / 10n ** 18n} NRL each`);
    }
    checkAborted();
    signal?.removeEventListener("abort", onAbort);

    return { rpcUrl, host, port, chainId, deployment, deploymentFile, accounts, funded, logDir: dir, stop };
  } catch (err) {
    signal?.removeEventListener("abort", onAbort);
    await stop().catch(() => {});
    throw signal?.aborted ? new Error("devnet start aborted") : err;
  }
}

/** NRL balances (wei) of `addresses` on a running devnet. */
export async function nrlBalances(rpcUrl, tokenAddress, addresses) {
  const pub = createPublicClient({ transport: http(rpcUrl) });
  return Promise.all(
    addresses.map((a) =>
      pub.readContract({ address: tokenAddress, abi: erc20, functionName: "balanceOf", args: [a] }),
    ),
  );
}
