// The indexer's whole configuration: one zod schema over the environment, parsed once per process,
// plus the deployment file (addresses and start blocks). Errors name the environment variable.
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Deployment, parseDeployment } from "@neural/sdk";
import { z } from "zod";

export type { Deployment };

/** Repository root (indexer/src/lib -> ../../..). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

const intFromEnv = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const envSchema = z.object({
  NEURAL_RPC_URL: z
    .url({ message: "must be an http(s) URL of the chain's JSON-RPC endpoint" })
    .default("http://127.0.0.1:8545"),
  NEURAL_CHAIN_ID: intFromEnv(1, 2 ** 53 - 1).default(31337),
  /**
   * Ponder RPC clients over NEURAL_RPC_URL. Ponder paces each client (20 requests/s at first, raised by
   * 5% per successful request), which suits hosted providers but starves a backfill from a local node.
   * Default: 10 when the URL is on this machine (127.0.0.1, localhost, ::1), else 1.
   */
  NEURAL_RPC_CLIENTS: intFromEnv(1, 50).optional(),
  /** Deployment file; default deployments/<chainId>.json at the repository root. */
  NEURAL_DEPLOYMENT: z.string().min(1).optional(),
  /** PostgreSQL connection string; when unset the embedded PGlite database is used. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// connection string")
    .optional(),
  DATABASE_POOL_MAX: intFromEnv(1, 1000).default(30),
  /** PGlite data directory (relative to indexer/). */
  NEURAL_PGLITE_DIR: z.string().min(1).default(".ponder/pglite"),
  /** How often Ponder polls the RPC for new blocks, in ms. */
  NEURAL_POLLING_INTERVAL_MS: intFromEnv(50, 60_000).default(1000),
  /** GraphQL guards (graphql-armor in Ponder's graphql() plus the indexer's row-cost estimate). */
  NEURAL_GRAPHQL_MAX_DEPTH: intFromEnv(2, 100).default(12),
  NEURAL_GRAPHQL_MAX_ALIASES: intFromEnv(0, 100).default(15),
  NEURAL_GRAPHQL_MAX_TOKENS: intFromEnv(50, 100_000).default(1000),
  NEURAL_GRAPHQL_MAX_COST: intFromEnv(1, 10_000_000).default(50_000),
  /** GraphQL responses kept until the indexed data changes (0 disables the cache). */
  NEURAL_GRAPHQL_CACHE_ENTRIES: intFromEnv(0, 1_000_000).default(1000),
});

export type Env = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

function formatIssues(error: z.ZodError): string {
  return error.issues.map((i) => `  ${i.path.join(".") || "(root)"}: ${i.message}`).join("\n");
}

/** Parses the environment. Throws ConfigError listing every bad variable by name. */
export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  // Empty strings mean "unset" (shell `VAR= cmd`).
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(`Invalid indexer environment:\n${formatIssues(parsed.error)}`);
  }
  return parsed.data;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * The `rpc` value for Ponder's chain config: the URL alone, or listed once per client (Ponder gives
 * every listed endpoint its own pacing and spreads requests over them).
 */
export function ponderRpc(env: Pick<Env, "NEURAL_RPC_URL" | "NEURAL_RPC_CLIENTS">): string | string[] {
  const clients = env.NEURAL_RPC_CLIENTS ?? (LOOPBACK.has(new URL(env.NEURAL_RPC_URL).hostname) ? 10 : 1);
  return clients === 1 ? env.NEURAL_RPC_URL : Array.from({ length: clients }, () => env.NEURAL_RPC_URL);
}

export const contractNames = [
  "NeuralToken",
  "NodeRegistry",
  "TaskManager",
  "DisputeManager",
  "ModelRegistry",
] as const;
export type ContractName = (typeof contractNames)[number];

export function deploymentPath(env: Env): string {
  if (env.NEURAL_DEPLOYMENT) {
    return isAbsolute(env.NEURAL_DEPLOYMENT) ? env.NEURAL_DEPLOYMENT : resolve(env.NEURAL_DEPLOYMENT);
  }
  return resolve(repoRoot, "deployments", `${env.NEURAL_CHAIN_ID}.json`);
}

/** Reads and validates the deployment file; the error says which file and how to produce it. */
export function loadDeployment(env: Env): Deployment {
  const path = deploymentPath(env);
  const source = env.NEURAL_DEPLOYMENT
    ? "NEURAL_DEPLOYMENT"
    : `default for NEURAL_CHAIN_ID=${env.NEURAL_CHAIN_ID}`;
  if (!existsSync(path)) {
    throw new ConfigError(
      `Deployment file not found: ${path} (${source}). Deploy the contracts first (npm run devnet writes ` +
        "deployments/<chainId>.json) or point NEURAL_DEPLOYMENT at the file.",
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ConfigError(
      `Deployment file ${path} (${source}) is not valid JSON: ${(error as Error).message}`,
    );
  }
  try {
    // The SDK's schema: addresses, start blocks, transaction hashes and roles; the chain id must match.
    // It is strict, so only its keys are passed: metadata the deploy script adds (generatedAt) is ignored.
    const { chainId, contracts, roles } = (json ?? {}) as Record<string, unknown>;
    return parseDeployment({ chainId, contracts, roles }, env.NEURAL_CHAIN_ID);
  } catch (error) {
    const issues = (error as { issues?: { path: string; message: string }[] }).issues;
    const detail = issues?.length
      ? issues.map((i) => `  ${i.path || "(root)"}: ${i.message}`).join("\n")
      : `  ${(error as Error).message}`;
    throw new ConfigError(`Deployment file ${path} (${source}) is invalid:\n${detail}`);
  }
}

let cached: { env: Env; deployment: Deployment } | undefined;

/** The service configuration, parsed once per process. */
export function serviceConfig(): { env: Env; deployment: Deployment } {
  if (!cached) {
    const env = parseEnv();
    cached = { env, deployment: loadDeployment(env) };
  }
  return cached;
}

/** Only the environment (the API does not need the deployment). */
export function serviceEnv(): Env {
  return cached?.env ?? parseEnv();
}
