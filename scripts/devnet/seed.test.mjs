// The seed against a real devnet and indexer, both started through their service entries: what it claims
// to have created must be what the indexer serves.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { indexer } from "@neural/indexer/service";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../lib/devnet.mjs";
import { chain } from "./chain.mjs";
import { seedNetwork } from "./seed.mjs";

describe("seed", () => {
  const dir = mkdtempSync(join(tmpdir(), "neural-seed-"));
  let chainService;
  let indexerService;
  let result;

  beforeAll(async () => {
    chainService = chain.start({
      host: "127.0.0.1",
      port: await freePort(),
      stateDir: join(dir, "chain"),
      logFile: join(dir, "log"),
    });
    await chainService.ready;
    const { devnet } = chainService;
    result = await seedNetwork({
      rpcUrl: devnet.rpcUrl,
      deploymentFile: devnet.deploymentFile,
      accounts: devnet.accounts,
    });
    indexerService = indexer.start({
      rpcUrl: devnet.rpcUrl,
      deploymentFile: devnet.deploymentFile,
      chainId: devnet.chainId,
      port: await freePort(),
      stateDir: join(dir, "indexer"),
      databaseUrl: "",
      logFile: join(dir, "log"),
    });
    await indexerService.ready;
    // /ready means the backfill is done (Ponder backfills up to 30 blocks behind the head on anvil); wait
    // until the live indexing has reached the head as well.
    const head = Number(
      (
        await (
          await fetch(devnet.rpcUrl, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber" }),
          })
        ).json()
      ).result,
    );
    for (;;) {
      const status = await (await fetch(`${indexerService.url}/status`)).json();
      if (status.anvil?.block?.number >= head) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  afterAll(async () => {
    await indexerService?.stop();
    await chainService?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates nodes, tasks in every state, finalized shards, models and a dispute, as the indexer sees them", async () => {
    expect(result).toEqual({
      nodes: 6,
      tasks: 6,
      finalizedShards: 5,
      models: 3,
      datasets: 2,
      disputes: 1,
      notes: [],
    });
    const res = await fetch(`${indexerService.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: `{ nodes(limit: 100) { items { id active } }
          tasks(limit: 100) { items { id status } }
          shards(where: { status: Finalized }, limit: 100) { items { taskId } }
          models(limit: 100) { items { id verified } }
          datasets(limit: 10, orderBy: "id") { items { name versionCount stars reportCount shardsPaid feesEarned } }
          disputes(limit: 10) { items { id outcome } } }`,
      }),
    });
    const { data, errors } = await res.json();
    expect(errors).toBeUndefined();
    expect(data.nodes.items).toHaveLength(6);
    expect(new Set(data.tasks.items.map((t) => t.status)), JSON.stringify(data.tasks.items)).toEqual(
      new Set(["Completed", "Running", "Open", "Cancelled"]),
    );
    expect(data.shards.items).toHaveLength(5);
    expect(data.models.items).toHaveLength(3);
    expect(data.models.items.some((m) => m.verified)).toBe(true); // provenance from a finalized shard
    // the vision task trained on the curator's image subset: its two finalized shards paid 2 NRL each, less 10%
    expect(data.datasets.items).toEqual([
      expect.objectContaining({ name: "sklearn-digits-8x8", versionCount: 1, stars: 1, shardsPaid: 0 }),
      expect.objectContaining({
        name: "imagenet-1k-subset",
        versionCount: 2,
        stars: 1,
        reportCount: 1,
        shardsPaid: 2,
        feesEarned: "3600000000000000000",
      }),
    ]);
    expect(data.disputes.items).toHaveLength(1);
    expect(data.disputes.items[0].outcome).not.toBe("Pending");
  });
});
