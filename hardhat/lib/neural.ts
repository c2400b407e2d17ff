// Shared helpers of the Neural hardhat tasks: addresses from deployments/<chainId>.json, ABIs from forge's
// artifacts (contracts/out/<Name>.sol/<Name>.json), input validation with one-line errors, a signer.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import { HardhatPluginError } from "hardhat/plugins";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { runningDevnet } from "./devnet";

export const PLUGIN = "neural";
export const repoRoot = path.resolve(__dirname, "..", "..");

/** Native forge binary of this platform (never the node_modules/.bin wrapper, which hides exit codes). */
export function foundryBinDir(tool: "forge" | "anvil" | "cast"): string {
  const arch = process.arch === "arm64" ? "arm64" : "amd64";
  const os = process.platform === "darwin" ? "darwin" : "linux";
  return path.join(repoRoot, "node_modules", "@foundry-rs", `${tool}-${os}-${arch}`, "bin");
}

export function fail(message: string): never {
  throw new HardhatPluginError(PLUGIN, message);
}

/**
 * Wraps a task action: a user mistake (`fail`) prints one line and exits with 1. Without it hardhat adds
 * the stack trace, which it does on CI and on any Linux without a display.
 */
export function userErrors<A>(
  action: (args: A, hre: HardhatRuntimeEnvironment) => Promise<unknown>,
): (args: A, hre: HardhatRuntimeEnvironment) => Promise<unknown> {
  return async (args, hre) => {
    try {
      return await action(args, hre);
    } catch (err) {
      if (HardhatPluginError.isHardhatPluginError(err) && err.pluginName === PLUGIN) {
        console.error(`Error: ${err.message}`);
        process.exit(1);
      }
      throw err;
    }
  };
}

/** Governed parameters per contract (docs/protocol.md); names are right-padded to bytes32 on-chain. */
export const PARAMETERS: Record<string, readonly string[]> = {
  NodeRegistry: ["minStake", "unbondingPeriod", "jailPeriod"],
  TaskManager: [
    "challengeWindow",
    "maxAttempts",
    "collateralRatioBps",
    "auditFeeBps",
    "timeoutSlashBps",
    "maxShardsPerTask",
    "minMaxDuration",
    "maxMaxDuration",
    "challengeRevealPeriod",
    "minCollateral",
    "minShardPrice",
    "releaseGracePeriod",
    "claimDelayBlocks",
    "livenessWindow",
  ],
  DisputeManager: [
    "committeeSize",
    "committeeMinTier",
    "challengeBond",
    "commitPeriod",
    "revealPeriod",
    "disputeSlashBps",
    "challengerRewardBps",
    "voterRewardBps",
    "submitterBondShareBps",
    "nonRevealSlash",
    "maxSampleTries",
  ],
};

/** AccessControl roles per contract. DEFAULT_ADMIN_ROLE is 0x00; the others are read from the contract. */
export const ROLES: Record<string, readonly string[]> = {
  NodeRegistry: ["DEFAULT_ADMIN_ROLE", "GOVERNOR_ROLE", "PROTOCOL_ROLE", "SEALED_ROLE"],
  TaskManager: ["DEFAULT_ADMIN_ROLE", "GOVERNOR_ROLE", "KEEPER_ROLE", "DISPUTE_ROLE", "AUDIT_ROLE"],
  DisputeManager: ["DEFAULT_ADMIN_ROLE", "GOVERNOR_ROLE"],
};

export const TIERS = ["None", "Bronze", "Silver", "Gold", "Platinum"] as const;

/** Picks `value` of flag --`flag` from `choices` or fails with a one-line error naming them. */
export function choose(
  flag: string,
  value: string | undefined,
  choices: readonly string[],
  what = flag,
): string {
  if (value === undefined || value === "") fail(`missing --${flag}; valid: ${choices.join(", ")}`);
  if (!choices.includes(value)) fail(`unknown ${what} "${value}"; valid: ${choices.join(", ")}`);
  return value;
}

/** A tier given by name (case-insensitive) or number; `allowed` restricts the valid ones. */
export function parseTier(value: string | undefined, allowed: readonly string[] = TIERS): number {
  const names = allowed.join(", ");
  if (value === undefined || value === "") fail(`missing --tier; valid: ${names}`);
  const byName = TIERS.findIndex((t) => t.toLowerCase() === value.toLowerCase());
  const index = byName >= 0 ? byName : /^\d+$/.test(value) ? Number(value) : -1;
  const name = TIERS[index];
  if (name === undefined || !allowed.includes(name)) fail(`unknown tier "${value}"; valid: ${names}`);
  return index;
}

/** An unsigned integer, or a token amount written with an "nrl" suffix ("100nrl" = 100e18). */
export function parseUint(flag: string, value: string | undefined): ethers.BigNumber {
  if (value === undefined || value === "") fail(`missing --${flag}`);
  const v = value.trim();
  const nrl = /^(\d+(\.\d+)?)\s*nrl$/i.exec(v);
  if (nrl?.[1]) return ethers.utils.parseEther(nrl[1]);
  if (!/^\d+$/.test(v))
    fail(`--${flag} must be an unsigned integer (or an amount like 100nrl), got "${value}"`);
  return ethers.BigNumber.from(v);
}

export function parseAddress(flag: string, value: string | undefined): string {
  if (value !== undefined && /^0x[0-9a-fA-F]{40}$/.test(value) && !ethers.utils.isAddress(value)) {
    fail(`--${flag} ${value} has a wrong EIP-55 checksum (write it all lower-case to skip the check)`);
  }
  if (value === undefined || !ethers.utils.isAddress(value)) {
    fail(`--${flag} must be a 0x-prefixed 20-byte address, got "${value ?? ""}"`);
  }
  return ethers.utils.getAddress(value);
}

export interface Deployment {
  chainId: number;
  contracts: Record<string, { address: string; startBlock: number; txHash: string }>;
  roles: { governor: string; keeper: string; treasury: string };
  generatedAt: string;
}

/**
 * The deployment file: the running devnet's when the network is that devnet (same RPC URL and chain id),
 * else deployments/<chainId>.json.
 */
export function deploymentFile(chainId: number, rpcUrl?: string): string {
  const devnet = runningDevnet();
  if (devnet && devnet.chainId === chainId && (rpcUrl === undefined || rpcUrl === devnet.rpcUrl)) {
    return devnet.deploymentFile;
  }
  return path.join(repoRoot, "deployments", `${chainId}.json`);
}

/** The RPC URL of a network given by URL in the config (undefined for the in-process hardhat network). */
export function networkUrl(hre: HardhatRuntimeEnvironment): string | undefined {
  const config = hre.network.config as { url?: string };
  return config.url;
}

export function readDeployment(chainId: number, rpcUrl?: string): Deployment {
  const file = deploymentFile(chainId, rpcUrl);
  if (!existsSync(file)) {
    fail(`no ${path.relative(repoRoot, file)}: start \`npm run devnet\` or run \`npx hardhat deploy\` first`);
  }
  return JSON.parse(readFileSync(file, "utf8")) as Deployment;
}

export function readAbi(name: string): ethers.ContractInterface {
  const file = path.join(repoRoot, "contracts", "out", `${name}.sol`, `${name}.json`);
  if (!existsSync(file))
    fail(`no forge artifact ${path.relative(repoRoot, file)}: run \`npx hardhat compile\``);
  return JSON.parse(readFileSync(file, "utf8")).abi;
}

export function provider(hre: HardhatRuntimeEnvironment): ethers.providers.Web3Provider {
  // biome-ignore lint/suspicious/noExplicitAny: hardhat's EIP-1193 provider fits ethers' ExternalProvider
  return new ethers.providers.Web3Provider(hre.network.provider as any, "any");
}

/** The signer: `from` if given (must be one of the network's accounts), else the network's first account. */
export async function signer(hre: HardhatRuntimeEnvironment, from?: string): Promise<ethers.Signer> {
  const p = provider(hre);
  const accounts: string[] = await p.listAccounts();
  if (!accounts.length) fail(`network "${hre.network.name}" has no accounts; set NEURAL_PRIVATE_KEY`);
  if (from === undefined) return p.getSigner(accounts[0]);
  const wanted = parseAddress("from", from);
  if (!accounts.some((a) => a.toLowerCase() === wanted.toLowerCase())) {
    fail(`--from ${wanted} is not an account of network "${hre.network.name}"`);
  }
  return p.getSigner(wanted);
}

/** A deployed protocol contract (validated name), connected to `signerOrProvider`. */
export async function contract(
  hre: HardhatRuntimeEnvironment,
  name: string,
  signerOrProvider?: ethers.Signer,
): Promise<ethers.Contract> {
  const p = provider(hre);
  const { chainId } = await p.getNetwork();
  const deployment = readDeployment(chainId, networkUrl(hre));
  const entry = deployment.contracts[name];
  if (!entry) fail(`${name} is not in ${path.relative(repoRoot, deploymentFile(chainId, networkUrl(hre)))}`);
  const code = await p.getCode(entry.address);
  if (code === "0x") {
    fail(`no code at ${name} ${entry.address} on chain ${chainId}: the deployment file is stale, redeploy`);
  }
  return new ethers.Contract(entry.address, readAbi(name), signerOrProvider ?? p);
}

export function bytes32Name(name: string): string {
  return ethers.utils.formatBytes32String(name);
}

/** Role id: 0x00 for DEFAULT_ADMIN_ROLE, else the contract's public constant of that name. */
export async function roleId(c: ethers.Contract, role: string): Promise<string> {
  if (role === "DEFAULT_ADMIN_ROLE") return ethers.constants.HashZero;
  return (await c[role]()) as string;
}

/** Sends a transaction, waits for it, and fails with the decoded custom error when it reverts. */
export async function send(
  c: ethers.Contract,
  method: string,
  args: unknown[],
): Promise<ethers.providers.TransactionReceipt> {
  const simulate = c.callStatic[method];
  if (!simulate) fail(`${method} is not in the ABI`);
  try {
    await simulate(...args);
  } catch (err) {
    fail(`${method} would revert: ${decodeError(c, err)}`);
  }
  const tx: ethers.providers.TransactionResponse = await c[method](...args);
  const receipt = await tx.wait();
  if (receipt.status !== 1) fail(`${method} reverted in ${tx.hash}`);
  return receipt;
}

function findRevertData(err: unknown): string | undefined {
  let e = err as Record<string, unknown> | undefined;
  for (let depth = 0; e && depth < 6; depth++) {
    const data = e.data;
    if (typeof data === "string" && data.startsWith("0x") && data.length >= 10) return data;
    if (data && typeof data === "object" && typeof (data as { data?: unknown }).data === "string") {
      return (data as { data: string }).data;
    }
    e = (e.error ?? e.cause) as Record<string, unknown> | undefined;
  }
  return undefined;
}

const ROLE_NAMES = new Map<string, string>(
  [...new Set(Object.values(ROLES).flat())].map((r) => [
    r === "DEFAULT_ADMIN_ROLE" ? ethers.constants.HashZero : ethers.utils.id(r),
    r,
  ]),
);

/** Role ids by name, bytes32 ASCII names (parameter names) as text, everything else as is. */
function formatArg(a: unknown): string {
  if (typeof a === "string" && /^0x[0-9a-f]{64}$/i.test(a)) {
    const role = ROLE_NAMES.get(a.toLowerCase());
    if (role) return role;
    try {
      const text = ethers.utils.parseBytes32String(a);
      if (/^[\x20-\x7e]+$/.test(text)) return `"${text}"`;
    } catch {
      // not a right-padded string
    }
  }
  return String(a);
}

/** The custom error in `err`, decoded against `c` and then each of `more` (a call may revert in a callee). */
export function decodeError(c: ethers.Contract, err: unknown, ...more: ethers.Contract[]): string {
  const data = findRevertData(err);
  if (data) {
    for (const candidate of [c, ...more]) {
      try {
        const parsed = candidate.interface.parseError(data);
        return `${parsed.name}(${parsed.args.map(formatArg).join(", ")})`;
      } catch {
        // not this contract's error: try the next
      }
    }
    return `revert data ${data}`;
  }
  return (err as Error).message?.split("\n")[0] ?? String(err);
}
