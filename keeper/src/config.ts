/**
 * The keeper's one configuration schema, read from the environment and validated once at boot. A bad value
 * fails fast with a message naming the variable and saying what is expected. Secrets are never logged
 * (`redactedConfig`).
 */
import { hostname } from "node:os";
import { ConfigError } from "@neural/sdk";
import { z } from "zod";

const int = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min, `must be ≥ ${min}`).max(max, `must be ≤ ${max}`));

const url = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine(
      (v) => {
        try {
          return protocols.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      },
      `must be a URL starting with ${protocols.map((p) => `${p}//`).join(" or ")}`,
    );

export const configSchema = z
  .object({
    KEEPER_RPC_URL: url(["http:", "https:"]),
    /** 0x + 64 hex digits. Either this or KEEPER_KEYSTORE. */
    KEEPER_PRIVATE_KEY: z
      .string()
      .trim()
      .regex(/^0x[0-9a-fA-F]{64}$/, "must be 0x followed by 64 hex digits")
      .optional(),
    /** Path of an encrypted JSON keystore (Web3 Secret Storage), decrypted with KEEPER_KEYSTORE_PASSWORD. */
    KEEPER_KEYSTORE: z.string().trim().min(1).optional(),
    KEEPER_KEYSTORE_PASSWORD: z.string().optional(),
    /** Deployment file (deployments/<chainId>.json); default: the repository's file for the RPC's chain id. */
    KEEPER_DEPLOYMENT: z.string().trim().min(1).optional(),
    KEEPER_REDIS_URL: url(["redis:", "rediss:"]).default("redis://127.0.0.1:6379"),
    KEEPER_REDIS_PREFIX: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9:_-]+$/, "must use only letters, digits, ':', '_' and '-'")
      .default("neural"),
    /** Blocks behind the head the keeper treats as final (0: act on the head). */
    KEEPER_CONFIRMATIONS: int(0, 1000).default(2),
    KEEPER_POLL_MS: int(50, 60_000).default(1000),
    /** Most assignments in one assignShards transaction (one per block). */
    KEEPER_MAX_ASSIGNMENTS: int(1, 2000).default(200),
    /** Most shards of one client per block (fairness). */
    KEEPER_PER_CLIENT_CAP: int(1, 2000).default(100),
    KEEPER_FINALIZE_BATCH: int(1, 2000).default(100),
    KEEPER_TIMEOUT_BATCH: int(1, 500).default(20),
    /** Most liveness transactions (pingShard, releaseUnresponsive) per tick. */
    KEEPER_PING_BATCH: int(1, 500).default(20),
    /** Blocks per eth_getLogs request. */
    KEEPER_LOG_CHUNK: int(1, 100_000).default(2000),
    /** Leader lease; another keeper takes over at most this long after the leader's death. */
    KEEPER_LEASE_MS: int(500, 60_000).default(6000),
    KEEPER_API_HOST: z.string().trim().min(1).default("127.0.0.1"),
    /** 0 picks a free port. */
    KEEPER_API_PORT: int(0, 65_535).default(8788),
    /** Comma-separated origins allowed by CORS, or "*". */
    KEEPER_CORS_ORIGINS: z.string().trim().min(1).default("*"),
    KEEPER_UPLOAD_MAX_BYTES: int(1, 2 ** 31).default(100 * 1024 * 1024),
    /** Uploads per client IP per minute. */
    KEEPER_UPLOAD_RATE: int(1, 10_000).default(10),
    /** Folder of the keeper's IPFS (Helia) node; unset: the upload and read endpoints answer 503. */
    KEEPER_IPFS_DIR: z.string().trim().min(1).optional(),
    KEEPER_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    KEEPER_ID: z.string().trim().min(1).default(`${hostname()}-${process.pid}`),
    /** Graceful shutdown: how long to wait for the in-flight transaction. */
    KEEPER_SHUTDOWN_GRACE_MS: int(0, 600_000).default(30_000),
  })
  .superRefine((c, ctx) => {
    if (!c.KEEPER_PRIVATE_KEY && !c.KEEPER_KEYSTORE) {
      ctx.addIssue({
        code: "custom",
        path: ["KEEPER_PRIVATE_KEY"],
        message:
          "set KEEPER_PRIVATE_KEY (0x + 64 hex) or KEEPER_KEYSTORE (+ KEEPER_KEYSTORE_PASSWORD): the keeper signs assignShards",
      });
    }
    if (c.KEEPER_KEYSTORE && c.KEEPER_KEYSTORE_PASSWORD === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["KEEPER_KEYSTORE_PASSWORD"],
        message: "required with KEEPER_KEYSTORE",
      });
    }
  });

export type KeeperConfig = Readonly<z.output<typeof configSchema>>;

/** Parses the environment (or any record of strings); throws one ConfigError listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): KeeperConfig {
  const picked = Object.fromEntries(
    Object.entries(env).filter(([k, v]) => k.startsWith("KEEPER_") && v !== undefined && v !== ""),
  );
  const parsed = configSchema.safeParse(picked);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const name = String(i.path[0] ?? "config");
      const message = i.code === "invalid_type" && picked[name] === undefined ? "is required" : i.message;
      return `  ${name}: ${message}`;
    });
    throw new ConfigError(`invalid keeper configuration:\n${lines.join("\n")}`);
  }
  return Object.freeze(parsed.data);
}

const SECRET = /PRIVATE_KEY|PASSWORD/;

/** The config with secrets replaced, for logs and `keeper status`. */
export function redactedConfig(config: KeeperConfig): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config).map(([k, v]) => [k, SECRET.test(k) && v !== undefined ? "[redacted]" : v]),
  );
}
