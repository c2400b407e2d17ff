// Types of service.mjs.
export type IndexerConfig = {
  rpcUrl: string;
  deploymentFile: string;
  chainId: number;
  port: number;
  host?: string;
  stateDir: string;
  schema?: string;
  databaseUrl?: string;
  logFile?: string;
};
export type RunningService = {
  ready: Promise<void>;
  stop: () => Promise<void>;
  url: string;
  exited: Promise<number | null>;
};
export declare const indexer: { name: "indexer"; start(config: IndexerConfig): RunningService };
