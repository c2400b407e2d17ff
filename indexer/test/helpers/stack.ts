// Test stack: a devnet (anvil + deployed contracts, from scripts/lib/devnet.mjs) and indexers started with
// scripts/start.mjs, plus small clients for the chain and the indexer's HTTP API.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  type PublicClient,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type RunningIndexer, type StartIndexerOptions, startIndexer } from "../../scripts/start.mjs";

export type Devnet = {
  rpcUrl: string;
  chainId: number;
  deployment: {
    chainId: number;
    contracts: Record<string, { address: Address; startBlock: number; txHash?: Hex }>;
  };
  deploymentFile: string;
  accounts: { address: Address; privateKey: Hex }[];
  stop: () => Promise<void>;
};

type DevnetModule = {
  startDevnet: (options: {
    port?: number;
    chainId?: number;
    fundAccounts?: number;
    fundAmount?: bigint;
    env?: Record<string, string>;
  }) => Promise<Devnet>;
};

const repoRoot = resolve(import.meta.dirname, "..", "..", "..");

/** anvil with every contract deployed (Deploy.s.sol) and `fundAccounts` dev accounts holding NRL. */
export async function startDevnet(
  options: { fundAccounts?: number; fundAmount?: bigint } = {},
): Promise<Devnet> {
  const path = join(repoRoot, "scripts", "lib", "devnet.mjs");
  const mod = (await import(path)) as DevnetModule;
  return mod.startDevnet({ port: 0, ...options });
}

export const TEST_DATABASE_URL =
  process.env.NEURAL_TEST_DATABASE_URL ?? "postgresql://neural:neural@127.0.0.1:5432/neural";

/** A Ponder indexer on the devnet with its own database: a temp PGlite dir, or a fresh PostgreSQL schema. */
export async function startTestIndexer(
  devnet: Devnet,
  kind: "pglite" | "postgres",
  extra: StartIndexerOptions = {},
): Promise<RunningIndexer & { cleanup: () => Promise<void> }> {
  const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  if (kind === "pglite") {
    const dir = mkdtempSync(join(tmpdir(), "neural-indexer-pglite-"));
    const indexer = await startIndexer({
      rpcUrl: devnet.rpcUrl,
      deployment: devnet.deploymentFile,
      pgliteDir: dir,
      schema: `test_${runId}`,
      chainId: devnet.chainId,
      pollingIntervalMs: 100,
      databaseUrl: "",
      ...extra,
    });
    return {
      ...indexer,
      cleanup: async () => {
        await indexer.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `test_${runId}`;
  // `fresh` also clears ponder_sync, Ponder's RPC cache shared by the database, which would otherwise hold
  // blocks of earlier anvil chains with the same chain id.
  const indexer = await startIndexer({
    rpcUrl: devnet.rpcUrl,
    deployment: devnet.deploymentFile,
    databaseUrl: TEST_DATABASE_URL,
    chainId: devnet.chainId,
    schema,
    pollingIntervalMs: 100,
    fresh: true,
    ...extra,
  });
  return {
    ...indexer,
    cleanup: async () => {
      await indexer.stop();
      const { default: pg } = await import("pg");
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
      const { resetIndexerData } = await import("../../scripts/start.mjs");
      await resetIndexerData({ databaseUrl: TEST_DATABASE_URL, schema, chainId: devnet.chainId });
    },
  };
}

// -------------------------------------------------------------------------------------------------
// Chain
// -------------------------------------------------------------------------------------------------
export class TestChain {
  readonly chain: Chain;
  readonly pub: PublicClient;
  private readonly wallets = new Map<Address, WalletClient>();

  constructor(readonly devnet: Devnet) {
    this.chain = {
      id: devnet.chainId,
      name: "neural-devnet",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [devnet.rpcUrl] } },
    };
    this.pub = createPublicClient({ chain: this.chain, transport: http(devnet.rpcUrl) }) as PublicClient;
  }

  address(name: keyof Devnet["deployment"]["contracts"] & string): Address {
    const c = this.devnet.deployment.contracts[name];
    if (!c) throw new Error(`no ${name} in the deployment`);
    return c.address;
  }

  account(i: number): Account {
    const a = this.devnet.accounts[i];
    if (!a) throw new Error(`no dev account ${i}`);
    return privateKeyToAccount(a.privateKey);
  }

  private wallet(account: Account): WalletClient {
    let w = this.wallets.get(account.address);
    if (!w) {
      w = createWalletClient({ chain: this.chain, account, transport: http(this.devnet.rpcUrl) });
      this.wallets.set(account.address, w);
    }
    return w;
  }

  /**
   * Sends a transaction and waits for a successful receipt (simulating first, for readable reverts).
   * `gas` overrides the estimate, for calls whose cost depends on the block (committee sampling).
   */
  async send(
    from: number,
    address: Address,
    abi: Abi,
    functionName: string,
    args: readonly unknown[] = [],
    gas?: bigint,
  ) {
    const account = this.account(from);
    const { request } = await this.pub.simulateContract({ account, address, abi, functionName, args });
    const hash = await this.wallet(account).writeContract(gas ? { ...request, gas } : request);
    const receipt = await this.pub.waitForTransactionReceipt({ hash, pollingInterval: 20 });
    if (receipt.status !== "success") throw new Error(`${functionName} reverted (${hash})`);
    return receipt;
  }

  read<T>(address: Address, abi: Abi, functionName: string, args: readonly unknown[] = []): Promise<T> {
    return this.pub.readContract({ address, abi, functionName, args }) as Promise<T>;
  }

  rpc<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
    return this.pub.request({ method: method as never, params: params as never }) as Promise<T>;
  }

  async increaseTime(seconds: number) {
    await this.rpc("evm_increaseTime", [seconds]);
    await this.rpc("evm_mine");
  }

  async mine(blocks = 1) {
    await this.rpc("anvil_mine", [`0x${blocks.toString(16)}`]);
  }

  async blockNumber(): Promise<bigint> {
    return this.pub.getBlockNumber({ cacheTime: 0 });
  }
}

// -------------------------------------------------------------------------------------------------
// Indexer HTTP
// -------------------------------------------------------------------------------------------------
export async function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length) throw new Error(`GraphQL: ${body.errors.map((e) => e.message).join("; ")}`);
  if (!body.data) throw new Error(`GraphQL: no data (HTTP ${res.status})`);
  return body.data;
}

/** Every row of a Ponder list field, following the cursor. `selection` is the item selection set. */
export async function gqlAll<T>(url: string, field: string, selection: string, args = ""): Promise<T[]> {
  const rows: T[] = [];
  let after: string | null = null;
  for (;;) {
    const extra = [args, "limit: 1000", after ? `after: "${after}"` : ""].filter(Boolean).join(", ");
    const data: Record<string, { items: T[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }> =
      await gql(url, `{ ${field}(${extra}) { items { ${selection} } pageInfo { hasNextPage endCursor } } }`);
    const page = data[field];
    if (!page) throw new Error(`no field ${field}`);
    rows.push(...page.items);
    if (!page.pageInfo.hasNextPage) return rows;
    after = page.pageInfo.endCursor;
  }
}

/** Waits until the indexer has indexed `block` (its /status reports it). */
export async function waitForBlock(url: string, block: bigint, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${url}/status`);
      if (res.ok) {
        const status = (await res.json()) as Record<string, { block?: { number: number } }>;
        const indexed = status.anvil?.block?.number;
        if (indexed !== undefined && BigInt(indexed) >= block) return;
      }
    } catch {
      // retried below
    }
    if (Date.now() > deadline) throw new Error(`indexer at ${url} did not reach block ${block}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
