/**
 * The deployment file `deployments/<chainId>.json` written by the deploy script: addresses, start blocks
 * (where indexers begin) and roles. Validated with zod; unknown or malformed files are rejected clearly.
 */
import { getAddress, isAddress } from "viem";
import { z } from "zod";
import { ValidationError } from "../errors/errors.js";
import { toValidationError } from "../errors/zod.js";
import { decodeJsonInput } from "../formats/document.js";

/**
 * Every contract the deploy script creates, in deployment order (scripts/deployments.mjs `CONTRACTS`).
 * TaskManagerExtension is TaskManager's DELEGATECALL extension: deployed, never called directly.
 * NeuralTimelock (an OpenZeppelin TimelockController) is the admin of every governed contract (`roles.admin`).
 */
export const CONTRACT_NAMES = [
  "NeuralTimelock",
  "NeuralToken",
  "NodeRegistry",
  "TaskManagerExtension",
  "DatasetRegistry",
  "TaskManager",
  "BlockhashRandomness",
  "Sortition",
  "DisputeManager",
  "ModelRegistry",
] as const;

export type ContractName = (typeof CONTRACT_NAMES)[number];

const checksummed = z
  .string()
  .refine((v) => isAddress(v, { strict: false }), "expected a 20-byte 0x address")
  .transform((v) => getAddress(v));

const txHash = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, "expected a 32-byte 0x transaction hash")
  .transform((v) => v.toLowerCase() as `0x${string}`);

export const deployedContractSchema = z.strictObject({
  address: checksummed,
  /** Block of the deployment transaction: where indexers start. */
  startBlock: z.number().int().nonnegative(),
  txHash,
});

export const deploymentSchema = z.strictObject({
  chainId: z.number().int().positive(),
  contracts: z.strictObject(
    Object.fromEntries(CONTRACT_NAMES.map((name) => [name, deployedContractSchema])) as Record<
      ContractName,
      typeof deployedContractSchema
    >,
  ),
  /** `admin`: the TimelockController holding DEFAULT_ADMIN_ROLE; `governor`: GOVERNOR_ROLE (the timelock by default). */
  roles: z.strictObject({
    governor: checksummed,
    keeper: checksummed,
    treasury: checksummed,
    admin: checksummed,
  }),
  /** When scripts/deployments.mjs wrote the file. */
  generatedAt: z.iso.datetime().optional(),
});

export type Deployment = z.output<typeof deploymentSchema>;
export type DeployedContract = z.output<typeof deployedContractSchema>;

/** Validates a deployment (object, JSON text or bytes); `chainId`, when given, must match. */
export function parseDeployment(input: unknown, chainId?: number): Deployment {
  const value = decodeJsonInput("deployment", input);
  const result = deploymentSchema.safeParse(value);
  if (!result.success) throw toValidationError("deployment", result.error);
  if (chainId !== undefined && result.data.chainId !== chainId) {
    throw new ValidationError("deployment", [
      { path: "chainId", message: `is ${result.data.chainId}, expected ${chainId}` },
    ]);
  }
  return result.data;
}

/** The earliest start block of all contracts (where an indexer begins). */
export function deploymentStartBlock(deployment: Deployment): number {
  return Math.min(...CONTRACT_NAMES.map((name) => deployment.contracts[name].startBlock));
}
