/** Node-only: reads `deployments/<chainId>.json` from disk. */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { NotFoundError } from "../errors/errors.js";
import { type Deployment, parseDeployment } from "./deployments.js";

export interface LoadDeploymentOptions {
  /**
   * Folder of the deployment files. Default: $NEURAL_DEPLOYMENTS_DIR, else the repository's deployments/
   * (found from this package, sdk/src or sdk/dist, so the caller's working directory does not matter).
   */
  directory?: string;
}

/** The repository's deployments/ folder: three levels above this file in sdk/src/contracts or sdk/dist/contracts. */
export const defaultDeploymentsDir = fileURLToPath(new URL("../../../deployments/", import.meta.url));

export function deploymentPath(chainId: number, options: LoadDeploymentOptions = {}): string {
  const dir = options.directory ?? process.env.NEURAL_DEPLOYMENTS_DIR ?? defaultDeploymentsDir;
  return resolve(dir, `${chainId}.json`);
}

/** Loads and validates the deployment of `chainId`; NotFoundError when there is no file. */
export async function loadDeployment(
  chainId: number,
  options: LoadDeploymentOptions = {},
): Promise<Deployment> {
  const path = deploymentPath(chainId, options);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new NotFoundError(`no deployment for chain ${chainId}: ${path} not found`, { cause });
  }
  return parseDeployment(text, chainId);
}
