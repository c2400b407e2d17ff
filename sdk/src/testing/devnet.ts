/**
 * The project's devnet (scripts/lib/devnet.mjs: anvil + contracts/script/Deploy.s.sol + funded accounts),
 * typed for the SDK's tests and tools. Loaded from the repository at run time.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Address, Hex } from "viem";
import { type Deployment, parseDeployment } from "../contracts/deployments.js";
import { repoRoot } from "./foundry.js";

export interface DevnetOptions {
  /** 0 (default here) picks a free port and keeps the broadcast and deployment file in a temp folder. */
  port?: number;
  chainId?: number;
  /** Deploy script environment: NEURAL_CHALLENGE_WINDOW, NEURAL_COMMIT_PERIOD, NEURAL_KEEPER, ... */
  env?: Record<string, string>;
  /** Dev accounts after the deployer that get NRL (default 5). */
  fundAccounts?: number;
  fundAmount?: bigint;
  log?: (line: string) => void;
}

export interface Devnet {
  rpcUrl: string;
  port: number;
  chainId: number;
  deployment: Deployment;
  /** anvil's dev accounts; [0] deployed the protocol and holds the NRL supply. */
  accounts: Array<{ address: Address; privateKey: Hex }>;
  funded: Address[];
  stop(): Promise<void>;
}

interface DevnetModule {
  startDevnet(
    options: DevnetOptions & { port: number },
  ): Promise<Omit<Devnet, "deployment"> & { deployment: unknown }>;
}

export async function startDevnet(options: DevnetOptions = {}): Promise<Devnet> {
  const url = pathToFileURL(join(repoRoot(), "scripts", "lib", "devnet.mjs")).href;
  const mod = (await import(url)) as DevnetModule;
  const devnet = await mod.startDevnet({ ...options, port: options.port ?? 0 });
  return { ...devnet, deployment: parseDeployment(devnet.deployment, devnet.chainId) };
}
