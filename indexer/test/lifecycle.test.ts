// End to end: a devnet, the full protocol scenario through the real contracts, and two running indexers
// compared with the chain read directly:
// - PGlite, started before the scenario: indexes every block live, as it is mined;
// - PostgreSQL (fresh schema), started after it: backfills the whole chain.
// Then the API's guards: GraphQL limits, read-only SQL, REST validation and unknown ids.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CheckpointTree } from "@neural/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { successBps, TIER_NAMES } from "../src/lib/format.js";
import {
  type ChainEvent,
  chainCommits,
  chainDatasets,
  chainDisputes,
  chainEvents,
  chainModels,
  chainNodes,
  chainShards,
  chainTasks,
  indexedCommits,
  indexedDatasets,
  indexedDisputes,
  indexedModels,
  indexedNodes,
  indexedShards,
  indexedTasks,
} from "./helpers/compare.js";
import { Protocol, runScenario, type ScenarioResult } from "./helpers/scenario.js";
import {
  type Devnet,
  gql,
  gqlAll,
  startDevnet,
  startTestIndexer,
  TestChain,
  waitForBlock,
} from "./helpers/stack.js";

type Indexer = Awaited<ReturnType<typeof startTestIndexer>>;

let devnet: Devnet;
let chain: TestChain;
let protocol: Protocol;
let scenario: ScenarioResult;
const indexers: Record<"pglite" | "postgres", Indexer | undefined> = {
  pglite: undefined,
  postgres: undefined,
};
let events: ChainEvent[];

beforeAll(async () => {
  devnet = await startDevnet({ fundAccounts: 8 });
  chain = new TestChain(devnet);
  protocol = new Protocol(chain);
  indexers.pglite = await startTestIndexer(devnet, "pglite");
  scenario = await runScenario(protocol);
  indexers.postgres = await startTestIndexer(devnet, "postgres");
  const head = await chain.blockNumber();
  await waitForBlock(indexers.pglite.url, head);
  await waitForBlock(indexers.postgres.url, head);
  events = await chainEvents(protocol);
});

afterAll(async () => {
  for (const indexer of Object.values(indexers)) await indexer?.cleanup();
  await devnet?.stop();
});

const url = (kind: "pglite" | "postgres") => {
  const indexer = indexers[kind];
  if (!indexer) throw new Error(`${kind} indexer not started`);
  return indexer.url;
};

describe.each(["pglite", "postgres"] as const)("indexer on %s matches the chain", (kind) => {
  it("has every event of every contract, in chain order", async () => {
    const rows = await gqlAll<{ contract: string; name: string; blockNumber: string; logIndex: number }>(
      url(kind),
      "protocolEvents",
      "contract name blockNumber logIndex",
      'orderBy: "id", orderDirection: "asc"',
    );
    expect(events.length).toBeGreaterThan(200);
    expect(rows.map((r) => `${r.blockNumber}:${r.logIndex}:${r.contract}:${r.name}`)).toEqual(
      events.map((e) => `${e.blockNumber}:${e.logIndex}:${e.contract}:${e.name}`),
    );
    // Every kind of event the scenario produces is there.
    const names = new Set(rows.map((r) => r.name));
    for (const name of [
      "NodeRegistered",
      "Staked",
      "UnstakeRequested",
      "Withdrawn",
      "Slashed",
      "Jailed",
      "TierChanged",
      "TaskPosted",
      "ShardReleased",
      "ShardPinged",
      "PingAnswered",
      "ShardTimedOut",
      "ShardRequeued",
      "ShardFinalized",
      "AuditAssigned",
      "AuditRecorded",
      "ShardChallengeCommitted",
      "ShardChallenged",
      "ShardDisputeCleared",
      "ChallengeCommitted",
      "ChallengeCommitClosed",
      "DisputeOpened",
      "CommitteeSeedScheduled",
      "CommitteeDrawn",
      "VoteRevealed",
      "DisputeResolved",
      "DisputePayout",
      "ModelVersionAdded",
      "ParameterSet",
      "RandomnessSourceSet",
      "WorkerChanged",
      "TaskCancelled",
      "TaskRefunded",
      "ReputationUpdated",
      "ProtocolContractsSet",
      "CallScheduled",
      "CallSalt",
      "CallExecuted",
      "Cancelled",
      "MinDelayChange",
      "TaskUsesDataset",
      "DatasetUsagePaid",
      "DatasetPublished",
      "DatasetVersionAdded",
      "DatasetVersionDeprecated",
      "DatasetDeprecatedSet",
      "DatasetTransferred",
      "DatasetUsageFeeLowered",
      "DatasetArchived",
      "DatasetStarred",
      "DatasetUnstarred",
      "DatasetReported",
    ]) {
      expect(names, name).toContain(name);
    }
    // Sortition and the TaskManagerExtension are indexed too.
    const contracts = new Set(rows.map((r) => r.contract));
    expect(contracts).toContain("Sortition");
    expect(contracts).toContain("TaskManagerExtension");
    expect(contracts).toContain("NeuralTimelock");
    expect(contracts).toContain("DatasetRegistry");
  });

  it("nodes equal NodeRegistry.getNode", async () => {
    const onChain = await chainNodes(protocol);
    expect(onChain).toHaveLength(6);
    expect(await indexedNodes(url(kind))).toEqual(onChain);
  });

  it("tasks equal TaskManager.getTask and shards equal getShard", async () => {
    expect(await indexedTasks(url(kind))).toEqual(await chainTasks(protocol));
    expect(await indexedShards(url(kind))).toEqual(await chainShards(protocol));
  });

  it("disputes equal DisputeManager.getDispute, with votes and payouts", async () => {
    const onChain = await chainDisputes(protocol);
    expect(onChain).toHaveLength(2);
    expect(await indexedDisputes(url(kind))).toEqual(onChain);
    expect(onChain.map((d) => d.outcome)).toEqual(["SubmitterWrong", "SubmitterRight"]);
    const data = await gql<{
      dispute: {
        votes: { items: { nodeId: string; vote: string; round: number; commitment: string | null }[] };
        payouts: { items: { kind: string; amount: string; to: string }[] };
        slashed: string;
        totalPaidOut: string;
        bond: string;
      };
    }>(
      url(kind),
      `query ($id: BigInt!) { dispute(id: $id) { slashed totalPaidOut bond
         votes { items { nodeId vote round commitment } } payouts { items { kind amount to } } } }`,
      { id: scenario.disputeId.toString() },
    );
    const d = data.dispute;
    const revealed = events.filter(
      (e) => e.name === "VoteRevealed" && e.args.disputeId === scenario.disputeId,
    );
    expect(d.votes.items.filter((v) => v.vote !== "None")).toHaveLength(revealed.length);
    expect(d.votes.items.every((v) => v.commitment !== null)).toBe(true);
    const payouts = events.filter(
      (e) => e.name === "DisputePayout" && e.args.disputeId === scenario.disputeId,
    );
    expect(d.payouts.items.map((x) => x.amount).sort()).toEqual(
      payouts.map((e) => String(e.args.amount)).sort(),
    );
    // Payouts of a lost dispute add up to the slash plus the bond.
    expect(BigInt(d.totalPaidOut)).toBe(BigInt(d.slashed) + BigInt(d.bond));
  });

  it("challenge commitments equal DisputeManager.getChallengeCommit, with how each ended", async () => {
    const onChain = await chainCommits(protocol);
    expect(onChain.map((c) => c.status)).toEqual(["Revealed", "Closed", "Revealed"]);
    expect(await indexedCommits(url(kind))).toEqual(onChain);
    const data = await gql<{
      challengeCommit: { forfeited: boolean; closedAmount: string; closedTo: string; dispute: null };
      dispute: { live: boolean; commit: { id: string; status: string } };
    }>(
      url(kind),
      `query ($c: BigInt!, $d: BigInt!) {
         challengeCommit(id: $c) { forfeited closedAmount closedTo dispute { id } }
         dispute(id: $d) { live commit { id status } } }`,
      { c: scenario.closedCommitId.toString(), d: scenario.disputeId.toString() },
    );
    const closed = events.find((e) => e.name === "ChallengeCommitClosed");
    expect(data.challengeCommit.forfeited).toBe(true);
    expect(data.challengeCommit.closedAmount).toBe(String(closed?.args.amount));
    expect(data.challengeCommit.dispute).toBeNull();
    expect(data.dispute.live).toBe(true);
    expect(data.dispute.commit.status).toBe("Revealed");
  });

  it("stores every committed checkpoint: the tree (unsorted leaves) rebuilds each result's root", async () => {
    const rows = await gqlAll<{
      taskId: string;
      shardIndex: number;
      epoch: number;
      index: number;
      step: string;
      hash: string;
      isFinal: boolean;
      checkpointRoot: string;
    }>(url(kind), "checkpoints", "taskId shardIndex epoch index step hash isFinal checkpointRoot");
    const submitted = events.filter((e) => e.name === "ResultSubmitted");
    expect(rows).toHaveLength(submitted.reduce((n, e) => n + (e.args.checkpoints as unknown[]).length, 0));
    for (const e of submitted) {
      const mine = rows
        .filter(
          (r) =>
            r.taskId === String(e.args.taskId) &&
            r.shardIndex === Number(e.args.shardIndex) &&
            r.epoch === Number(e.args.epoch),
        )
        .sort((a, b) => a.index - b.index);
      const committed = e.args.checkpoints as { step: bigint; hash: string }[];
      expect(mine.map((r) => `${r.step}:${r.hash.toLowerCase()}`)).toEqual(
        committed.map((c) => `${c.step}:${c.hash.toLowerCase()}`),
      );
      expect(mine.map((r) => r.isFinal)).toEqual(committed.map((_, i) => i === committed.length - 1));
      const tree = CheckpointTree.fromCheckpoints(
        mine.map((r) => ({ step: BigInt(r.step), hash: r.hash as `0x${string}` })),
        { strictSteps: false },
      );
      expect(tree.root).toBe(String(e.args.checkpointRoot).toLowerCase());
    }
  });

  it("models and versions equal ModelRegistry, with verified provenance and CIDs", async () => {
    const onChain = await chainModels(protocol);
    expect(await indexedModels(url(kind))).toEqual(onChain);
    const data = await gql<{
      model: {
        verified: boolean;
        tipCount: number;
        versions: {
          items: { version: number; verified: boolean; weightsCidStr: string; manifestCidStr: string }[];
        };
        children: { items: { id: string }[] };
      };
    }>(
      url(kind),
      `query ($id: BigInt!) { model(id: $id) { verified tipCount
         versions(orderBy: "version") { items { version verified weightsCidStr manifestCidStr } }
         children { items { id } } } }`,
      { id: scenario.models[0]?.toString() },
    );
    const [v1, v2] = data.model.versions.items;
    expect(v1?.verified).toBe(true);
    expect(v2?.verified).toBe(false);
    expect(v1?.weightsCidStr).toMatch(/^bafybei/); // dag-pb
    expect(v1?.manifestCidStr).toMatch(/^bafkrei/); // raw
    expect(data.model.children.items.map((c) => c.id)).toEqual([scenario.models[1]?.toString()]);
    expect(data.model.tipCount).toBe(1);
  });

  it("datasets, versions, stars, reports and usage payments equal DatasetRegistry and the usage events", async () => {
    const onChain = await chainDatasets(protocol, events);
    expect(onChain.datasets).toHaveLength(2);
    expect(onChain.versions).toHaveLength(3);
    const indexed = await indexedDatasets(url(kind));
    expect(indexed.datasets).toEqual(onChain.datasets);
    expect(indexed.versions).toEqual(onChain.versions);
    expect(indexed.stars).toEqual(onChain.stars);
    expect(indexed.reports).toEqual(onChain.reports);
    expect(indexed.payments).toEqual(onChain.payments);
    // What the scenario did: one finalized shard paid version 2's fee at posting (0.8 NRL), less the cut,
    // to the owner of the time; the cancelled shard paid nothing; the fee was lowered afterwards.
    const [d1] = onChain.datasets;
    const v2 = onChain.versions.find((v) => v.datasetId === "1" && v.version === 2);
    expect(d1).toMatchObject({ taskCount: 1, shardsPaid: 1, reportCount: 2, transferCount: 1, stars: 1 });
    expect(d1?.owner).not.toBe(d1?.creator);
    expect(BigInt(d1?.feesEarned ?? 0) + BigInt(d1?.protocolCut ?? 0)).toBe(8n * 10n ** 17n);
    expect(BigInt(d1?.protocolCut ?? 0)).toBeGreaterThan(0n);
    expect(v2?.usageFeePerShard).toBe((6n * 10n ** 17n).toString());
    expect(onChain.payments).toHaveLength(1);
    expect(onChain.payments[0]?.owner).toBe(d1?.creator);
    // account 3 starred; account 4 starred then unstarred
    expect(Object.fromEntries(onChain.stars.map((r) => [r.user, r.starred]))).toEqual({
      [chain.account(3).address.toLowerCase()]: true,
      [chain.account(4).address.toLowerCase()]: false,
    });
    expect(onChain.reports.map((r) => `${r.version}:${r.reason}`)).toEqual([
      "2:LicenseMismatch",
      "1:CidUnavailable",
    ]);
    // CIDs are served with each version's own codec: v1 dag-pb, v2 raw.
    expect(onChain.versions.map((v) => v.contentCidStr?.slice(0, 7))).toEqual([
      "bafybei",
      "bafkrei",
      "bafybei",
    ]);

    // The task's dataset terms (compared with getTask above) and what it paid.
    const t6 = await gql<{
      task: {
        status: string;
        datasetFeePerShard: string;
        datasetFeesPaid: string;
        datasetProtocolCut: string;
        escrowRemaining: string;
        datasetUsagePayments: { items: { shards: number; amount: string }[] };
        events: { items: { name: string }[] };
      };
    }>(
      url(kind),
      `query ($id: BigInt!) { task(id: $id) { status datasetFeePerShard datasetFeesPaid datasetProtocolCut
         escrowRemaining datasetUsagePayments { items { shards amount } }
         events(orderBy: "id", where: { name_in: ["TaskUsesDataset", "DatasetUsagePaid"] }) { items { name } } } }`,
      { id: scenario.tasks.dataset.toString() },
    );
    expect(t6.task.status).toBe("Cancelled");
    expect(t6.task.datasetFeesPaid).toBe(d1?.feesEarned);
    expect(t6.task.datasetProtocolCut).toBe(d1?.protocolCut);
    expect(t6.task.escrowRemaining).toBe("0");
    expect(t6.task.datasetUsagePayments.items).toEqual([{ shards: 1, amount: d1?.feesEarned }]);
    expect(t6.task.events.items.map((e) => e.name)).toEqual(["TaskUsesDataset", "DatasetUsagePaid"]);
    const transfers = await gqlAll<{ name: string; datasetId: string }>(
      url(kind),
      "protocolEvents",
      "name datasetId",
      'where: { contract: "DatasetRegistry", name: "DatasetTransferred" }',
    );
    expect(transfers).toEqual([{ name: "DatasetTransferred", datasetId: "1" }]);
  });

  it("provenance both ways: model -> source task -> dataset version, dataset -> tasks -> models", async () => {
    const [, , m3] = scenario.models;
    const [d1] = scenario.datasets;
    const fromModel = await gql<{
      model: {
        versions: {
          items: {
            verified: boolean;
            sourceTask: {
              id: string;
              dataset: { id: string; name: string; license: string };
              trainingData: { version: number; contentCidStr: string; format: string };
            };
          }[];
        };
      };
    }>(
      url(kind),
      `query ($id: BigInt!) { model(id: $id) { versions { items { verified sourceTask { id
         dataset { id name license } trainingData { version contentCidStr format } } } } } }`,
      { id: m3?.toString() },
    );
    const [mv] = fromModel.model.versions.items;
    expect(mv?.verified).toBe(true);
    expect(mv?.sourceTask.id).toBe(scenario.tasks.dataset.toString());
    expect(mv?.sourceTask.dataset).toEqual({ id: d1?.toString(), name: "mnist-64", license: "CC-BY-4.0" });
    expect(mv?.sourceTask.trainingData.version).toBe(2);
    expect(mv?.sourceTask.trainingData.contentCidStr).toMatch(/^bafkrei/);

    const fromDataset = await gql<{
      dataset: {
        tasks: { items: { id: string; trainedModels: { items: { modelId: string; version: number }[] } }[] };
        versions: { items: { version: number; tasks: { items: { id: string }[] } }[] };
      };
    }>(
      url(kind),
      `query ($id: BigInt!) { dataset(id: $id) {
         tasks { items { id trainedModels { items { modelId version } } } }
         versions(orderBy: "version") { items { version tasks { items { id } } } } } }`,
      { id: d1?.toString() },
    );
    expect(fromDataset.dataset.tasks.items).toEqual([
      {
        id: scenario.tasks.dataset.toString(),
        trainedModels: { items: [{ modelId: m3?.toString(), version: 1 }] },
      },
    ]);
    expect(
      fromDataset.dataset.versions.items.map((v) => `${v.version}:${v.tasks.items.map((t) => t.id)}`),
    ).toEqual(["1:", `2:${scenario.tasks.dataset}`]);
  });

  it("answers the README's dataset examples for integrators", async () => {
    const readme = readFileSync(join(import.meta.dirname, "..", "README.md"), "utf8");
    const section = readme.slice(
      readme.indexOf("Datasets (issue 14"),
      readme.indexOf("Governance through the timelock"),
    );
    const queries = [...section.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1] as string);
    expect(queries).toHaveLength(3);
    const [library, trainedOn, trainedFrom] = await Promise.all(
      queries.map((q) => gql<Record<string, unknown>>(url(kind), q)),
    );
    // model 3 was trained on dataset 1 (the ids the examples use)
    expect(scenario.models[2]).toBe(3n);
    expect(scenario.datasets[0]).toBe(1n);
    expect(JSON.stringify(library)).toContain('"name":"mnist-64"');
    expect(JSON.stringify(trainedOn)).toContain('"trainingData":{"version":2');
    expect(JSON.stringify(trainedFrom)).toContain('"trainedModels":{"items":[{"modelId":"3"');
  });

  it("assignment history records every outcome", async () => {
    const rows = await gqlAll<{
      taskId: string;
      shardIndex: number;
      seq: number;
      nodeId: string;
      outcome: string;
    }>(url(kind), "assignments", "taskId shardIndex seq nodeId outcome");
    const of = (taskId: bigint, shardIndex: number) =>
      rows
        .filter((r) => r.taskId === taskId.toString() && r.shardIndex === shardIndex)
        .sort((a, b) => a.seq - b.seq)
        .map((r) => `${r.nodeId}:${r.outcome}`);
    const [n1, n2, n3, n4, n5, n6] = scenario.nodes.map(String);
    expect(of(scenario.tasks.lifecycle, 0)).toEqual([`${n1}:Finalized`]);
    expect(of(scenario.tasks.lifecycle, 1)).toEqual([`${n2}:Released`, `${n4}:Finalized`]);
    expect(of(scenario.tasks.lifecycle, 2)).toEqual([`${n3}:Finalized`]);
    expect(of(scenario.tasks.timeout, 0)).toEqual([`${n5}:TimedOut`, `${n6}:Finalized`]);
    expect(of(scenario.tasks.dispute, 0)).toEqual([`${n1}:DisputeLost`, `${n2}:Finalized`]);
    // a dispute won by the submitter does not end its attempt: paid after the window
    expect(of(scenario.tasks.dispute, 1)).toEqual([`${n3}:Finalized`]);
    expect(of(scenario.tasks.cancelled, 0)).toEqual([`${n4}:Released`]);
    expect(of(scenario.tasks.cancelled, 1)).toEqual([`${n6}:Released`]);
    expect(of(scenario.tasks.cancelled, 2)).toEqual([]);
    // liveness: node 2 answered its ping and still runs its shard; node 4 did not and was released
    expect(of(scenario.tasks.liveness, 0)).toEqual([`${n2}:Active`]);
    expect(of(scenario.tasks.liveness, 1)).toEqual([`${n4}:Released`]);
    expect(rows).toHaveLength(events.filter((e) => e.name === "ShardAssigned").length);
  });

  it("liveness pings: an answered ping clears, an unanswered one releases the shard as Unresponsive", async () => {
    const shards = await gqlAll<{ taskId: string; shardIndex: number; pingRespondBy: string | null }>(
      url(kind),
      "shards",
      "taskId shardIndex pingRespondBy",
    );
    const t5 = shards.filter((r) => r.taskId === scenario.tasks.liveness.toString());
    const pinged = events.filter(
      (e) => e.name === "ShardPinged" && e.args.taskId === scenario.tasks.liveness,
    );
    expect(pinged).toHaveLength(3);
    // the last ping of shard 0 is outstanding; shard 1 was released (its ping ended with the attempt)
    expect(t5.find((r) => r.shardIndex === 0)?.pingRespondBy).toBe(String(pinged.at(-1)?.args.respondBy));
    expect(t5.find((r) => r.shardIndex === 1)?.pingRespondBy).toBeNull();
    const released = await gqlAll<{
      taskId: string;
      shardIndex: number;
      releaseReason: string;
      late: boolean;
    }>(url(kind), "assignments", "taskId shardIndex releaseReason late");
    expect(
      released.filter((r) => r.taskId === scenario.tasks.liveness.toString() && r.shardIndex === 1),
    ).toEqual([
      {
        taskId: scenario.tasks.liveness.toString(),
        shardIndex: 1,
        releaseReason: "Unresponsive",
        late: true,
      },
    ]);
  });

  it("shard prices, late releases, refunds and the bulk cancellation follow the events", async () => {
    // Every assignment carries the price ShardAssigned locked; late releases are flagged.
    const rows = await gqlAll<{
      taskId: string;
      shardIndex: number;
      seq: number;
      price: string;
      late: boolean | null;
      outcome: string;
    }>(url(kind), "assignments", "taskId shardIndex seq price late outcome");
    const key = (taskId: unknown, shardIndex: unknown, epoch: unknown) => `${taskId}-${shardIndex}-${epoch}`;
    const assigned = new Map(
      events
        .filter((e) => e.name === "ShardAssigned")
        .map((e) => [key(e.args.taskId, e.args.shardIndex, e.args.epoch), String(e.args.price)]),
    );
    for (const r of rows) expect(r.price).toBe(assigned.get(key(r.taskId, r.shardIndex, r.seq)));
    const released = events.filter((e) => e.name === "ShardReleased");
    // the last one is task 5's unresponsive release: late, like any release after the grace period
    expect(released.map((e) => e.args.late)).toEqual([false, true, true, true]);
    expect(rows.filter((r) => r.outcome === "Released").map((r) => r.late)).toHaveLength(4);
    expect(rows.filter((r) => r.late === true)).toHaveLength(3);

    // A node's ask below the task's max price: the difference went back to the client at finalization.
    const t1 = await gql<{
      task: {
        maxPricePerShard: string;
        paid: string;
        fees: string;
        refunded: string;
        lateReleaseCount: number;
        cancelledPendingShards: number | null;
        shards: { items: { shardIndex: number; price: string | null; payout: string; fee: string }[] };
      };
    }>(
      url(kind),
      `query ($id: BigInt!) { task(id: $id) { maxPricePerShard paid fees refunded lateReleaseCount
         cancelledPendingShards shards(orderBy: "shardIndex") { items { shardIndex price payout fee } } } }`,
      { id: scenario.tasks.lifecycle.toString() },
    );
    const prices = t1.task.shards.items.map((x) => BigInt(x.price ?? 0));
    expect(prices.every((x) => x > 0n && x < BigInt(t1.task.maxPricePerShard))).toBe(true);
    expect(prices.some((x) => x !== prices[0])).toBe(true); // node 4 asks more
    expect(BigInt(t1.task.paid) + BigInt(t1.task.fees)).toBe(prices.reduce((a, b) => a + b, 0n));
    const refundedOf = (taskId: bigint) =>
      events
        .filter((e) => e.name === "TaskRefunded" && e.args.taskId === taskId)
        .reduce((a, e) => a + (e.args.amount as bigint), 0n);
    expect(BigInt(t1.task.refunded)).toBe(refundedOf(scenario.tasks.lifecycle));
    // at least the unused part of the three max prices (the close also refunds the unused audit fees)
    const unused = 3n * BigInt(t1.task.maxPricePerShard) - prices.reduce((a, b) => a + b, 0n);
    expect(BigInt(t1.task.refunded) >= unused).toBe(true);
    expect(t1.task.cancelledPendingShards).toBeNull();

    // Task 4: two Pending shards cancelled by TaskCancelled alone, the one in flight by its late release.
    const t4 = await gql<typeof t1>(
      url(kind),
      `query ($id: BigInt!) { task(id: $id) { maxPricePerShard paid fees refunded lateReleaseCount
         cancelledPendingShards shards(orderBy: "shardIndex") { items { shardIndex price payout fee } } } }`,
      { id: scenario.tasks.cancelled.toString() },
    );
    expect(t4.task.cancelledPendingShards).toBe(2);
    expect(t4.task.lateReleaseCount).toBe(2);
    expect(t4.task.shards.items.map((x) => x.price)).toEqual([null, null, null]);
    expect(BigInt(t4.task.refunded)).toBe(refundedOf(scenario.tasks.cancelled));
    const cancelledEvents = events.filter((e) => e.name === "TaskCancelled");
    // task 4's two Pending shards, then the dataset task's one
    expect(cancelledEvents.map((e) => Number(e.args.pendingShards))).toEqual([2, 1]);

    // Value-weighted reputation: feesPaid is what ReputationUpdated said last.
    const nodes = await gqlAll<{ id: string; feesPaid: string; lateReleaseCount: number }>(
      url(kind),
      "nodes",
      "id feesPaid lateReleaseCount",
    );
    const [, , , n4, , n6] = scenario.nodes.map(String);
    // node 4: task 4's late release and task 5's unresponsive release
    expect(nodes.find((n) => n.id === n4)?.lateReleaseCount).toBe(2);
    expect(nodes.find((n) => n.id === n6)?.lateReleaseCount).toBe(1);
    expect(nodes.some((n) => BigInt(n.feesPaid) > 0n)).toBe(true);
  });

  it("timelock operations follow the NeuralTimelock's events", async () => {
    const ops = await gqlAll<{
      id: string;
      status: string;
      callCount: number;
      target: string;
      salt: string;
      delay: string;
      readyAt: string;
      scheduledAt: string;
      executedAt: string | null;
      cancelledAt: string | null;
    }>(
      url(kind),
      "timelockOperations",
      "id status callCount target salt delay readyAt scheduledAt executedAt cancelledAt",
    );
    const byId = new Map(ops.map((o) => [o.id.toLowerCase(), o]));
    const executed = byId.get(scenario.timelock.executed.toLowerCase());
    const cancelled = byId.get(scenario.timelock.cancelled.toLowerCase());
    expect(ops).toHaveLength(2);
    expect(executed).toMatchObject({ status: "Executed", callCount: 1, delay: "60", cancelledAt: null });
    expect(executed?.target.toLowerCase()).toBe(protocol.tasks.toLowerCase());
    expect(BigInt(executed?.readyAt ?? 0)).toBe(BigInt(executed?.scheduledAt ?? 0) + 60n);
    expect(BigInt(executed?.executedAt ?? 0)).toBeGreaterThanOrEqual(BigInt(executed?.readyAt ?? 0));
    expect(cancelled).toMatchObject({ status: "Cancelled", callCount: 2, executedAt: null });
    expect(cancelled?.salt).not.toMatch(/^0x0+$/);
    const calls = await gqlAll<{ timelockOperationId: string; index: number; executed: boolean }>(
      url(kind),
      "timelockCalls",
      "timelockOperationId index executed",
    );
    expect(
      calls.map((c) => `${c.timelockOperationId === executed?.id}:${c.index}:${c.executed}`).sort(),
    ).toEqual(["false:0:false", "false:1:false", "true:0:true"]);
    // The grant it executed is a role membership of the TaskManager.
    const members = await gqlAll<{ contract: string; account: string; active: boolean }>(
      url(kind),
      "roleMembers",
      "contract account active",
    );
    expect(
      members.some(
        (m) =>
          m.contract === "TaskManager" &&
          m.active &&
          m.account.toLowerCase() === chain.account(9).address.toLowerCase(),
      ),
    ).toBe(true);
  });

  it("stake history and tier history follow the events", async () => {
    const stakeRows = await gqlAll<{ kind: string }>(url(kind), "stakeEvents", "kind");
    const count = (names: string[]) =>
      events.filter((e) => e.contract === "NodeRegistry" && names.includes(e.name));
    expect(stakeRows).toHaveLength(
      count(["NodeRegistered", "Staked", "UnstakeRequested", "Withdrawn", "NodeExited", "Slashed"]).length,
    );
    expect(stakeRows.filter((r) => r.kind === "Slashed")).toHaveLength(count(["Slashed"]).length);
    const tiers = await gqlAll<{ nodeId: string; newTier: number }>(
      url(kind),
      "tierChanges",
      "nodeId newTier",
    );
    expect(tiers).toHaveLength(count(["TierChanged"]).length);
  });

  it("parameters, tier thresholds and tier fees equal the contracts", async () => {
    const params = await gqlAll<{ contract: string; name: string; value: string }>(
      url(kind),
      "protocolParameters",
      "contract name value",
    );
    // The timelock's one parameter is its delay (getMinDelay).
    const minDelay = params.find((r) => r.contract === "NeuralTimelock");
    expect(minDelay).toEqual({ contract: "NeuralTimelock", name: "minDelay", value: "60" });
    expect(
      await chain.read<bigint>(chain.address("NeuralTimelock"), protocol.abi.timelock, "getMinDelay"),
    ).toBe(60n);
    const address = {
      NodeRegistry: protocol.registry,
      TaskManager: protocol.tasks,
      DisputeManager: protocol.disputes,
      Sortition: protocol.sortition,
      DatasetRegistry: protocol.datasets,
    };
    const abi = {
      NodeRegistry: protocol.abi.registry,
      TaskManager: protocol.abi.tasks,
      DisputeManager: protocol.abi.disputes,
      Sortition: protocol.abi.sortition,
      DatasetRegistry: protocol.abi.datasets,
    };
    expect(params.length).toBeGreaterThanOrEqual(3 + 8 + 11);
    for (const row of params.filter((r) => r.contract !== "NeuralTimelock")) {
      const c = row.contract as keyof typeof address;
      const name = `0x${Buffer.from(row.name).toString("hex").padEnd(64, "0")}`;
      const value = await chain.read<bigint>(address[c], abi[c], "getParameter", [name]);
      expect(`${c}.${row.name}=${row.value}`).toBe(`${c}.${row.name}=${value}`);
    }
    expect(params.find((r) => r.name === "maxAttempts")?.value).toBe("4");
    expect(params.find((r) => r.contract === "DatasetRegistry")?.name).toBe("usageFeeCutBps");
    const history = await gqlAll<{ name: string; oldValue: string; newValue: string }>(
      url(kind),
      "parameterChanges",
      "name oldValue newValue",
      'where: { name: "maxAttempts" }',
    );
    expect(history.map((h) => h.newValue)).toEqual(["3", "4"]);

    const thresholds = await gqlAll<{
      tier: number;
      minStake: string;
      minCompleted: number;
      minSuccessBps: number;
      minFeesPaid: string;
    }>(
      url(kind),
      "tierThresholds",
      "tier minStake minCompleted minSuccessBps minFeesPaid",
      'orderBy: "tier"',
    );
    for (const t of thresholds) {
      const onChain = await chain.read<{
        minStake: bigint;
        minCompleted: number;
        minSuccessBps: number;
        minFeesPaid: bigint;
      }>(protocol.registry, protocol.abi.registry, "tierThreshold", [t.tier]);
      expect(t).toEqual({
        tier: t.tier,
        minStake: onChain.minStake.toString(),
        minCompleted: onChain.minCompleted,
        minSuccessBps: onChain.minSuccessBps,
        minFeesPaid: onChain.minFeesPaid.toString(),
      });
    }
    expect(thresholds.map((t) => t.tier)).toEqual([1, 2, 3, 4]);
    const fees = await gqlAll<{ tier: number; feeBps: number }>(
      url(kind),
      "tierFees",
      "tier feeBps",
      'orderBy: "tier"',
    );
    expect(fees.length).toBeGreaterThan(0);
    for (const f of fees) {
      expect(f.feeBps).toBe(
        await chain.read<number>(protocol.tasks, protocol.abi.tasks, "tierFeeBps", [f.tier]),
      );
    }
  });

  it("NRL balances equal the token", async () => {
    const rows = await gqlAll<{ address: string; balance: string }>(
      url(kind),
      "tokenAccounts",
      "address balance",
    );
    expect(rows.length).toBeGreaterThan(8);
    for (const row of rows) {
      const balance = await chain.read<bigint>(protocol.token, protocol.abi.token, "balanceOf", [
        row.address,
      ]);
      expect(`${row.address}=${row.balance}`).toBe(`${row.address}=${balance}`);
    }
  });

  it("network totals and daily stats add up to the chain", async () => {
    const { network } = await gql<{ network: Record<string, string | number> }>(
      url(kind),
      `{ network(id: "network") { nodeCount activeNodes activeNodesTier0 activeNodesTier1 activeNodesTier2
         activeNodesTier3 activeNodesTier4 totalStaked totalLocked taskCount disputeCount modelCount
         totalFees feesSwept completedTasks cancelledTasks openTasks runningTasks failedTasks
         datasetCount datasetFeesPaid } }`,
    );
    const read = (c: "registry" | "tasks" | "disputes" | "models" | "datasets", fn: string) =>
      chain.read<bigint>(protocol[c], protocol.abi[c], fn);
    expect(network.totalStaked).toBe((await read("registry", "totalStaked")).toString());
    expect(network.activeNodes).toBe(Number(await read("registry", "activeNodeCount")));
    expect(network.nodeCount).toBe(Number(await read("registry", "nodeCount")));
    expect(network.taskCount).toBe(Number(await read("tasks", "taskCount")));
    expect(network.disputeCount).toBe(Number(await read("disputes", "disputeCount")));
    expect(network.modelCount).toBe(Number(await read("models", "modelCount")));
    expect(network.datasetCount).toBe(Number(await read("datasets", "datasetCount")));
    expect(network.datasetFeesPaid).toBe(
      events
        .filter((e) => e.name === "DatasetUsagePaid")
        .reduce((a, e) => a + (e.args.amount as bigint), 0n)
        .toString(),
    );
    expect(BigInt(network.totalFees as string) - BigInt(network.feesSwept as string)).toBe(
      await read("tasks", "accruedFees"),
    );
    // Active nodes per tier, from the chain's nodes.
    const nodes = await chainNodes(protocol);
    for (let tier = 0; tier <= 4; tier++) {
      expect(network[`activeNodesTier${tier}`], `tier ${tier}`).toBe(
        nodes.filter((n) => n.active && n.tier === tier).length,
      );
    }
    const tasks = await chainTasks(protocol);
    expect(network.completedTasks).toBe(tasks.filter((t) => t.status === "Completed").length);
    expect(network.cancelledTasks).toBe(tasks.filter((t) => t.status === "Cancelled").length);
    expect(Number(network.openTasks) + Number(network.runningTasks) + Number(network.failedTasks)).toBe(
      tasks.filter((t) => ["Open", "Running", "Failed"].includes(t.status as string)).length,
    );

    const days = await gqlAll<{
      tasksPosted: number;
      shardsFinalized: number;
      slashes: number;
    }>(url(kind), "dailyStats", "tasksPosted shardsFinalized slashes");
    const sum = (k: keyof (typeof days)[number]) => days.reduce((a, d) => a + d[k], 0);
    expect(sum("tasksPosted")).toBe(tasks.length);
    expect(sum("shardsFinalized")).toBe(events.filter((e) => e.name === "ShardFinalized").length);
    expect(sum("slashes")).toBe(events.filter((e) => e.name === "Slashed").length);
  });

  it("REST: network summary, leaderboard and task timeline", async () => {
    const summary = (await (await fetch(`${url(kind)}/network/summary`)).json()) as {
      network: { taskCount: number; totalStaked: string };
      activeNodesByTier: Record<string, number>;
      parameters: unknown[];
    };
    expect(summary.network.taskCount).toBe(6);
    expect(summary.network.totalStaked).toBe(
      (await chain.read<bigint>(protocol.registry, protocol.abi.registry, "totalStaked")).toString(),
    );
    expect(Object.keys(summary.activeNodesByTier)).toEqual([...TIER_NAMES]);
    expect(summary.parameters.length).toBeGreaterThan(0);

    // Leaderboard: by tier, then success rate, then completed shards, from the chain's nodes.
    const nodes = await chainNodes(protocol);
    const expected = [...nodes]
      .sort(
        (a, b) =>
          b.tier - a.tier ||
          successBps(b.completed, b.failed) - successBps(a.completed, a.failed) ||
          b.completed - a.completed ||
          Number(a.id) - Number(b.id),
      )
      .map((n) => n.id);
    const board = (await (await fetch(`${url(kind)}/nodes/leaderboard?limit=10`)).json()) as {
      nodes: { id: string; rank: number }[];
    };
    expect(board.nodes.map((n) => n.id)).toEqual(expected);
    const silver = (await (await fetch(`${url(kind)}/nodes/leaderboard?tier=Silver`)).json()) as {
      nodes: { id: string }[];
    };
    const silverIds = new Set(nodes.filter((n) => n.tier === 2).map((n) => n.id));
    expect(silver.nodes.map((n) => n.id)).toEqual(expected.filter((id) => silverIds.has(id)));
    expect(silver.nodes.length).toBeGreaterThan(0);

    // Timeline of the disputed task: its TaskManager events plus its dispute's events, in chain order.
    const taskId = scenario.tasks.dispute;
    const disputeIds = new Set(
      events
        .filter((e) => e.name === "DisputeOpened" && e.args.taskId === taskId)
        .map((e) => String(e.args.disputeId)),
    );
    const commitIds = new Set(
      events
        .filter((e) => e.name === "ChallengeCommitted" && e.args.taskId === taskId)
        .map((e) => String(e.args.commitId)),
    );
    const expectedTimeline = events
      .filter(
        (e) =>
          (e.contract === "TaskManager" && e.args.taskId === taskId) ||
          (e.contract === "DisputeManager" &&
            (disputeIds.has(String(e.args.disputeId)) || commitIds.has(String(e.args.commitId)))),
      )
      .map((e) => `${e.blockNumber}:${e.logIndex}:${e.name}`);
    const res = await fetch(`${url(kind)}/tasks/${taskId}/timeline`);
    expect(res.status).toBe(200);
    const timeline = (await res.json()) as {
      total: number;
      events: { name: string; blockNumber: string; logIndex: number }[];
    };
    expect(timeline.events.map((e) => `${e.blockNumber}:${e.logIndex}:${e.name}`)).toEqual(expectedTimeline);
    expect(timeline.total).toBe(expectedTimeline.length);
    expect(expectedTimeline.some((e) => e.endsWith("VoteRevealed"))).toBe(true);
  });
});

describe("API guards and bad input", () => {
  const post = (query: string) =>
    fetch(`${url("pglite")}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query }),
    }).then(async (r) => ({
      status: r.status,
      body: (await r.json()) as {
        data?: unknown;
        errors?: { message: string; extensions?: { code?: string } }[];
      },
    }));

  it("returns null for unknown ids over GraphQL", async () => {
    const { body } = await post(
      '{ task(id: "999999") { id } node(id: "424242") { id } shard(taskId: "1", shardIndex: 999) { status } }',
    );
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ task: null, node: null, shard: null });
  });

  it("refuses too deep queries", async () => {
    let nested = "id";
    for (let i = 0; i < 8; i++) nested = `task { shards(limit: 1) { items { ${nested} } } }`;
    const { status, body } = await post(`{ shards(limit: 1) { items { ${nested} } } }`);
    expect(status).toBe(400); // like the cost guard
    expect(body.errors?.[0]?.message).toMatch(/^Query depth limit of \d+ exceeded/i);
    expect(body.errors?.[0]?.extensions?.code).toBe("QUERY_TOO_DEEP");
  });

  it("refuses a number where an id string is expected, saying how to write it", async () => {
    const { status, body } = await post("{ task(id: 1) { id } }");
    expect(status).toBe(400);
    expect(body.errors?.[0]?.message).toMatch(/are strings: write "1" instead of 1/);
  });

  it("refuses too many aliases", async () => {
    const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: task(id: "${i + 1}") { id }`).join(" ");
    const { status, body } = await post(`{ ${aliases} }`);
    expect(status).toBe(400);
    expect(body.errors?.[0]?.message).toMatch(/aliases limit of \d+ exceeded/i);
  });

  it("refuses too costly and too long queries", async () => {
    const costly = await post(
      "{ tasks(limit: 1000) { items { shards(limit: 1000) { items { status } } } } }",
    );
    expect(costly.status).toBe(400);
    expect(costly.body.errors?.[0]?.message).toMatch(/Query too costly/);
    const fields = Array.from({ length: 1200 }, () => "id").join(" ");
    const long = await post(`{ tasks { items { ${fields} } } }`);
    expect(long.status).toBe(400);
    expect(long.body.errors?.[0]?.message).toMatch(/token limit of \d+ exceeded/i);
  });

  it("serves read-only SQL and refuses writes", async () => {
    const sql = (statement: string) =>
      fetch(
        `${url("pglite")}/sql/db?sql=${encodeURIComponent(JSON.stringify({ json: { sql: statement, params: [] } }))}`,
      );
    const ok = await sql("select count(*) as n from task");
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { rows: { n: number }[] }).rows[0]?.n).toBe(6);
    for (const statement of [
      "insert into task (id) values (99)",
      "update node set stake = 0",
      "delete from task",
      "drop table task",
      "select 1; drop table node",
    ]) {
      const res = await sql(statement);
      expect(res.status, statement).toBe(400);
    }
    const after = await sql("select count(*) as n from task");
    expect(((await after.json()) as { rows: { n: number }[] }).rows[0]?.n).toBe(6);
  });

  it("answers a burst of identical GraphQL queries alike, computing the answer once", async () => {
    // A fresh generation: the next answers cannot come from the cache of earlier tests.
    await protocol.stake(6, 6n, 10n ** 18n);
    await waitForBlock(url("pglite"), await chain.blockNumber());
    const query =
      "{ tasks(limit: 50) { items { id status shards(limit: 20) { items { shardIndex status } } } } }";
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetch(`${url("pglite")}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query }),
        }),
      ),
    );
    const bodies = await Promise.all(responses.map((r) => r.text()));
    expect(new Set(bodies).size).toBe(1);
    expect(JSON.parse(bodies[0] as string).data.tasks.items.length).toBeGreaterThan(0);
    const computed = responses.filter((r) => r.headers.get("x-neural-cache") === null).length;
    expect(computed).toBe(1);
  });

  it("serves repeated GraphQL queries from a cache that new events invalidate", async () => {
    const query = '{ node(id: "6") { stake } }';
    const ask = () =>
      fetch(`${url("pglite")}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query }),
      });
    const first = (await (await ask()).json()) as { data: { node: { stake: string } } };
    const second = await ask();
    expect(second.headers.get("x-neural-cache")).toBe("hit");
    // A hit is written to the socket directly: with Ponder's CORS header and its exact length.
    expect(second.headers.get("access-control-allow-origin")).toBe("*");
    expect(second.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(Number(second.headers.get("content-length"))).toBe(Buffer.byteLength(JSON.stringify(first)));
    expect(await second.json()).toEqual(first);
    // A client that asks for a fresh answer gets one computed for it, the same while nothing changed.
    const fresh = await fetch(`${url("pglite")}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", "cache-control": "no-cache" },
      body: JSON.stringify({ query }),
    });
    expect(fresh.headers.get("x-neural-cache")).toBeNull();
    expect(await fresh.json()).toEqual(first);
    await protocol.stake(6, 6n, 10n ** 18n);
    await waitForBlock(url("pglite"), await chain.blockNumber());
    const third = await ask();
    expect(third.headers.get("x-neural-cache")).toBeNull();
    const stake = await chain.read<{ stake: bigint }>(protocol.registry, protocol.abi.registry, "getNode", [
      6n,
    ]);
    expect(((await third.json()) as { data: { node: { stake: string } } }).data.node.stake).toBe(
      stake.stake.toString(),
    );
    expect(BigInt(first.data.node.stake) + 10n ** 18n).toBe(stake.stake);
  });

  it("validates REST parameters and answers unknown ids with 404 JSON", async () => {
    const base = url("pglite");
    const bad = await fetch(`${base}/nodes/leaderboard?tier=9&limit=0`);
    expect(bad.status).toBe(400);
    const badBody = (await bad.json()) as { issues: { path: string }[] };
    expect(badBody.issues.map((i) => i.path).sort()).toEqual(["limit", "tier"]);
    expect((await fetch(`${base}/tasks/abc/timeline`)).status).toBe(400);
    const missing = await fetch(`${base}/tasks/999999/timeline`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: "task 999999 not found", events: [] });
    const empty = (await (await fetch(`${base}/nodes/leaderboard?tier=Platinum`)).json()) as {
      nodes: unknown[];
    };
    expect(empty.nodes).toEqual([]);
  });
});
