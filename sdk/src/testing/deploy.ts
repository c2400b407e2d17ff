/**
 * Deploys the Neural contracts present in contracts/out onto a local chain from their forge artifacts and
 * returns a Deployment (for tests of SDK helpers). Wiring: the registry grants PROTOCOL_ROLE to TaskManager,
 * TaskManager grants KEEPER_ROLE to the keeper. Until DisputeManager is merged its address is a placeholder
 * with no code. Prefer the project's devnet (scripts/lib/devnet.mjs) where it exists.
 */
import {
  type Account,
  type Address,
  type Chain,
  type Hex,
  keccak256,
  type PublicClient,
  parseAbi,
  parseEther,
  type Transport,
  toHex,
  type WalletClient,
} from "viem";
import type { Deployment } from "../contracts/deployments.js";
import { readForgeArtifact } from "./foundry.js";

const roles = parseAbi(["function grantRole(bytes32 role, address account)"]);

export interface DeployCoreOptions {
  publicClient: PublicClient;
  wallet: WalletClient<Transport, Chain | undefined, Account>;
  keeper: Address;
  treasury: Address;
  supply?: bigint;
}

export async function deployCore(options: DeployCoreOptions): Promise<Deployment> {
  const { publicClient, wallet } = options;
  const governor = wallet.account.address;
  const deployed: Record<string, { address: Address; startBlock: number; txHash: Hex }> = {};
  async function deploy(name: string, args: readonly unknown[], file?: string): Promise<Address> {
    const artifact = await readForgeArtifact(name, file);
    const hash = await wallet.deployContract({
      abi: artifact.abi,
      bytecode: artifact.bytecode,
      args,
      chain: wallet.chain,
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (!receipt.contractAddress) throw new Error(`${name} not deployed`);
    deployed[name] = {
      address: receipt.contractAddress,
      startBlock: Number(receipt.blockNumber),
      txHash: hash,
    };
    return receipt.contractAddress;
  }
  async function call(address: Address, role: string, account: Address): Promise<void> {
    const hash = await wallet.writeContract({
      address,
      abi: roles,
      functionName: "grantRole",
      args: [keccak256(toHex(role)), account],
      chain: wallet.chain,
    });
    await publicClient.waitForTransactionReceipt({ hash });
  }
  const token = await deploy("NeuralToken", [governor, options.supply ?? parseEther("1000000000")]);
  const registry = await deploy("NodeRegistry", [token, governor]);
  const taskManager = await deploy("TaskManager", [token, registry, governor, options.treasury]);
  await deploy("PrevrandaoRandomness", [], "PrevrandaoRandomness.sol");
  await deploy("ModelRegistry", [token, taskManager]);
  await call(registry, "PROTOCOL_ROLE", taskManager);
  await call(taskManager, "KEEPER_ROLE", options.keeper);
  const placeholder = {
    address: "0x000000000000000000000000000000000000dEaD" as Address,
    startBlock: deployed.ModelRegistry?.startBlock ?? 0,
    txHash: `0x${"00".repeat(32)}` as Hex,
  };
  return {
    chainId: await publicClient.getChainId(),
    contracts: {
      NeuralToken: deployed.NeuralToken as Deployment["contracts"]["NeuralToken"],
      NodeRegistry: deployed.NodeRegistry as Deployment["contracts"]["NodeRegistry"],
      TaskManager: deployed.TaskManager as Deployment["contracts"]["TaskManager"],
      DisputeManager: deployed.DisputeManager ?? placeholder,
      ModelRegistry: deployed.ModelRegistry as Deployment["contracts"]["ModelRegistry"],
      PrevrandaoRandomness: deployed.PrevrandaoRandomness as Deployment["contracts"]["PrevrandaoRandomness"],
    },
    roles: { governor, keeper: options.keeper, treasury: options.treasury },
  };
}
