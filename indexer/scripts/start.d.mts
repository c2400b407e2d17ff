// Types of start.mjs for TypeScript callers (tests, benchmarks).
export declare const indexerDir: string;
export declare function ponderBin(): string;
export declare function ensureSdkAbis(options?: { logFile?: string }): Promise<void>;
export declare function freePort(host?: string): Promise<number>;
export declare function assertPortFree(port: number, host?: string, what?: string): Promise<void>;
export declare function resetIndexerData(options: {
  databaseUrl?: string;
  schema?: string;
  pgliteDir?: string;
  chainId?: number;
}): Promise<void>;
export type StartIndexerOptions = {
  rpcUrl?: string;
  deployment?: string;
  chainId?: number;
  port?: number;
  hostname?: string;
  schema?: string;
  databaseUrl?: string;
  pgliteDir?: string;
  pollingIntervalMs?: number;
  env?: Record<string, string>;
  stdio?: "inherit" | "pipe" | "ignore";
  fresh?: boolean;
  onLine?: (line: string) => void;
  root?: string;
  nodeArgs?: string[];
  readyTimeoutMs?: number;
  logFile?: string;
  signal?: AbortSignal;
};
export type RunningIndexer = {
  url: string;
  port: number;
  schema: string;
  pid: number;
  logs: () => string;
  exited: Promise<number | null>;
  stop: () => Promise<void>;
};
export declare function startIndexer(options?: StartIndexerOptions): Promise<RunningIndexer>;
