// DatasetRegistry handlers: the community dataset library (datasets, immutable versions, stars, reports).
// Usage (tasks that train on a version, fees paid per finalized shard) comes from the TaskManager's
// TaskUsesDataset / DatasetUsagePaid, handled in ./TaskManager.ts. Governance (ParameterSet: usageFeeCutBps,
// AccessControl roles) goes through the generic handlers like every governed contract's.
import { ponder } from "ponder:registry";
import { dataset, datasetReport, datasetStar, datasetVersion } from "ponder:schema";
import { datasetRegistryAbi } from "./lib/abis.js";
import { updateDataset, updateDatasetVersion } from "./lib/datasets.js";
import { cidFromDigest, enumName, REPORT_REASON } from "./lib/format.js";
import { registerGeneric } from "./lib/governance.js";
import { type AnyEvent, type Ctx, logEvent } from "./lib/store.js";

const C = "DatasetRegistry";

ponder.on("DatasetRegistry:DatasetPublished", async ({ event, context }) => {
  const a = event.args;
  const ts = event.block.timestamp;
  // DatasetVersionAdded (version 1) follows in the same call.
  await context.db.insert(dataset).values({
    id: a.datasetId,
    owner: a.owner,
    creator: a.owner,
    name: a.name,
    description: a.description,
    license: a.license,
    deprecated: false,
    versionCount: 0,
    stars: 0,
    reportCount: 0,
    transferCount: 0,
    taskCount: 0,
    shardsPaid: 0,
    feesEarned: 0n,
    protocolCut: 0n,
    createdAt: ts,
    createdBlock: event.block.number,
    createdTx: event.transaction.hash,
    updatedAt: ts,
  });
  await logEvent(
    context,
    event,
    C,
    "DatasetPublished",
    { datasetId: a.datasetId },
    { network: (n) => ({ datasetCount: n.datasetCount + 1 }) },
  );
});

ponder.on("DatasetRegistry:DatasetVersionAdded", async ({ event, context }) => {
  const a = event.args;
  const codec = Number(a.contentCodec);
  await context.db.insert(datasetVersion).values({
    datasetId: a.datasetId,
    version: Number(a.version),
    contentCid: a.contentCid,
    contentCidStr: cidFromDigest(a.contentCid, codec),
    contentCodec: codec,
    sizeBytes: a.sizeBytes,
    usageFeePerShard: a.usageFeePerShard,
    format: a.format,
    metadataCid: a.metadataCid,
    metadataCidStr: cidFromDigest(a.metadataCid),
    deprecated: false,
    reports: 0,
    taskCount: 0,
    shardsPaid: 0,
    feesEarned: 0n,
    protocolCut: 0n,
    createdAt: event.block.timestamp,
    createdBlock: event.block.number,
    createdTx: event.transaction.hash,
  });
  await updateDataset(context, event, a.datasetId, (d) => ({ versionCount: d.versionCount + 1 }));
  await logEvent(context, event, C, "DatasetVersionAdded", { datasetId: a.datasetId });
});

ponder.on("DatasetRegistry:DatasetVersionDeprecated", async ({ event, context }) => {
  const a = event.args;
  await updateDatasetVersion(context, a.datasetId, Number(a.version), () => ({ deprecated: true }));
  await logEvent(context, event, C, "DatasetVersionDeprecated", { datasetId: a.datasetId });
});

ponder.on("DatasetRegistry:DatasetDeprecatedSet", async ({ event, context }) => {
  const a = event.args;
  await updateDataset(context, event, a.datasetId, () => ({ deprecated: true }));
  await logEvent(context, event, C, "DatasetDeprecatedSet", { datasetId: a.datasetId });
});

ponder.on("DatasetRegistry:DatasetTransferred", async ({ event, context }) => {
  const a = event.args;
  await updateDataset(context, event, a.datasetId, (d) => ({
    owner: a.to,
    transferCount: d.transferCount + 1,
  }));
  await logEvent(context, event, C, "DatasetTransferred", { datasetId: a.datasetId });
});

ponder.on("DatasetRegistry:DatasetUsageFeeLowered", async ({ event, context }) => {
  const a = event.args;
  await updateDatasetVersion(context, a.datasetId, Number(a.version), () => ({
    usageFeePerShard: a.newFee,
  }));
  await logEvent(context, event, C, "DatasetUsageFeeLowered", { datasetId: a.datasetId });
});

ponder.on("DatasetRegistry:DatasetArchived", async ({ event, context }) => {
  const a = event.args;
  await updateDatasetVersion(context, a.datasetId, Number(a.version), () => ({
    arweaveTxId: a.arweaveTxId,
    archivedAt: event.block.timestamp,
  }));
  await logEvent(context, event, C, "DatasetArchived", { datasetId: a.datasetId });
});

async function setStar(ctx: Ctx, e: AnyEvent, datasetId: bigint, user: `0x${string}`, starred: boolean) {
  const row = { starred, updatedAt: e.block.timestamp };
  await ctx.db
    .insert(datasetStar)
    .values({ datasetId, user, ...row })
    .onConflictDoUpdate(row);
}

ponder.on("DatasetRegistry:DatasetStarred", async ({ event, context }) => {
  const a = event.args;
  await updateDataset(context, event, a.datasetId, () => ({ stars: Number(a.stars) }));
  await setStar(context, event, a.datasetId, a.user, true);
  await logEvent(context, event, C, "DatasetStarred", { datasetId: a.datasetId });
});

ponder.on("DatasetRegistry:DatasetUnstarred", async ({ event, context }) => {
  const a = event.args;
  await updateDataset(context, event, a.datasetId, () => ({ stars: Number(a.stars) }));
  await setStar(context, event, a.datasetId, a.user, false);
  await logEvent(context, event, C, "DatasetUnstarred", { datasetId: a.datasetId });
});

ponder.on("DatasetRegistry:DatasetReported", async ({ event, context }) => {
  const a = event.args;
  const version = Number(a.version);
  await context.db.insert(datasetReport).values({
    id: event.id,
    datasetId: a.datasetId,
    version,
    reporter: a.reporter,
    reason: enumName(REPORT_REASON, a.reason),
    detailsCid: a.detailsCid,
    detailsCidStr: cidFromDigest(a.detailsCid),
    blockNumber: event.block.number,
    timestamp: event.block.timestamp,
    transactionHash: event.transaction.hash,
  });
  await updateDatasetVersion(context, a.datasetId, version, () => ({ reports: Number(a.reports) }));
  await updateDataset(context, event, a.datasetId, (d) => ({ reportCount: d.reportCount + 1 }));
  await logEvent(context, event, C, "DatasetReported", { datasetId: a.datasetId });
});

registerGeneric(C, datasetRegistryAbi, [
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
]);
