import { ponder } from "ponder:registry";
import { model, modelStar, modelTip, modelVersion } from "ponder:schema";
import { modelRegistryAbi } from "./lib/abis.js";
import { cidFromDigest, DAG_PB_CODEC } from "./lib/format.js";
import { registerGeneric } from "./lib/governance.js";
import { type AnyEvent, type Ctx, logEvent } from "./lib/store.js";

const C = "ModelRegistry";
type ModelRow = typeof model.$inferSelect;

async function updateModel(ctx: Ctx, e: AnyEvent, id: bigint, patch: (m: ModelRow) => Partial<ModelRow>) {
  const m0 = await ctx.db.find(model, { id });
  if (!m0) return null;
  const set = { ...patch(m0), updatedAt: e.block.timestamp };
  await ctx.db.update(model, { id }).set(set);
  return { ...m0, ...set };
}

ponder.on("ModelRegistry:ModelPublished", async ({ event, context }) => {
  const a = event.args;
  const ts = event.block.timestamp;
  // ModelVersionAdded of the same call may have been seen first: keep what it counted.
  const existing = await context.db.find(model, { id: a.modelId });
  const row = {
    owner: a.owner,
    creator: a.owner,
    name: a.name,
    license: a.license,
    metadataCid: a.metadataCid,
    metadataCidStr: cidFromDigest(a.metadataCid),
    parentModelId: a.parentModelId,
    createdAt: ts,
    createdBlock: event.block.number,
    createdTx: event.transaction.hash,
    updatedAt: ts,
  };
  if (existing) await context.db.update(model, { id: a.modelId }).set(row);
  else {
    await context.db.insert(model).values({
      id: a.modelId,
      ...row,
      versionCount: 0,
      verified: false,
      stars: 0,
      tipsReceived: 0n,
      tipCount: 0,
      deprecated: false,
      replacementModelId: 0n,
    });
  }
  await logEvent(
    context,
    event,
    C,
    "ModelPublished",
    { modelId: a.modelId },
    {
      network: (n) => ({ modelCount: n.modelCount + 1 }),
      daily: (d) => ({ modelsPublished: d.modelsPublished + 1 }),
    },
  );
});

ponder.on("ModelRegistry:ModelVersionAdded", async ({ event, context }) => {
  const a = event.args;
  const version = Number(a.version);
  await context.db.insert(modelVersion).values({
    modelId: a.modelId,
    version,
    sourceTaskId: a.sourceTaskId,
    sourceShard: a.sourceShard,
    weightsCid: a.weightsCid,
    weightsCidStr: cidFromDigest(a.weightsCid, DAG_PB_CODEC),
    metadataCid: a.metadataCid,
    metadataCidStr: cidFromDigest(a.metadataCid),
    manifestCid: a.manifestCid,
    manifestCidStr: cidFromDigest(a.manifestCid),
    weightsHash: a.weightsHash,
    verified: a.verified,
    createdAt: event.block.timestamp,
    createdBlock: event.block.number,
    createdTx: event.transaction.hash,
  });
  const m = await updateModel(context, event, a.modelId, (x) => ({
    versionCount: x.versionCount + 1,
    verified: a.verified,
  }));
  if (!m) {
    await context.db.insert(model).values({
      id: a.modelId,
      owner: event.transaction.from,
      creator: event.transaction.from,
      name: "",
      license: "",
      metadataCid: a.metadataCid,
      metadataCidStr: cidFromDigest(a.metadataCid),
      parentModelId: 0n,
      versionCount: 1,
      verified: a.verified,
      stars: 0,
      tipsReceived: 0n,
      tipCount: 0,
      deprecated: false,
      replacementModelId: 0n,
      createdAt: event.block.timestamp,
      createdBlock: event.block.number,
      createdTx: event.transaction.hash,
      updatedAt: event.block.timestamp,
    });
  }
  await logEvent(
    context,
    event,
    C,
    "ModelVersionAdded",
    { modelId: a.modelId },
    a.verified ? { network: (n) => ({ verifiedModelVersions: n.verifiedModelVersions + 1 }) } : {},
  );
});

ponder.on("ModelRegistry:ModelTransferred", async ({ event, context }) => {
  const a = event.args;
  await updateModel(context, event, a.modelId, () => ({ owner: a.to }));
  await logEvent(context, event, C, "ModelTransferred", { modelId: a.modelId });
});

ponder.on("ModelRegistry:ModelDeprecatedSet", async ({ event, context }) => {
  const a = event.args;
  await updateModel(context, event, a.modelId, () => ({
    deprecated: true,
    replacementModelId: a.replacementModelId,
  }));
  await logEvent(context, event, C, "ModelDeprecatedSet", { modelId: a.modelId });
});

async function setStar(ctx: Ctx, e: AnyEvent, modelId: bigint, user: `0x${string}`, starred: boolean) {
  const key = { modelId, user };
  const row = { starred, updatedAt: e.block.timestamp };
  if (await ctx.db.find(modelStar, key)) await ctx.db.update(modelStar, key).set(row);
  else await ctx.db.insert(modelStar).values({ ...key, ...row });
}

ponder.on("ModelRegistry:ModelStarred", async ({ event, context }) => {
  const a = event.args;
  await updateModel(context, event, a.modelId, () => ({ stars: Number(a.stars) }));
  await setStar(context, event, a.modelId, a.user, true);
  await logEvent(context, event, C, "ModelStarred", { modelId: a.modelId });
});

ponder.on("ModelRegistry:ModelUnstarred", async ({ event, context }) => {
  const a = event.args;
  await updateModel(context, event, a.modelId, () => ({ stars: Number(a.stars) }));
  await setStar(context, event, a.modelId, a.user, false);
  await logEvent(context, event, C, "ModelUnstarred", { modelId: a.modelId });
});

ponder.on("ModelRegistry:ModelTipped", async ({ event, context }) => {
  const a = event.args;
  await updateModel(context, event, a.modelId, (m) => ({
    tipsReceived: m.tipsReceived + a.amount,
    tipCount: m.tipCount + 1,
  }));
  await context.db.insert(modelTip).values({
    id: event.id,
    modelId: a.modelId,
    from: a.from,
    to: a.to,
    amount: a.amount,
    blockNumber: event.block.number,
    timestamp: event.block.timestamp,
    transactionHash: event.transaction.hash,
  });
  await logEvent(context, event, C, "ModelTipped", { modelId: a.modelId });
});

ponder.on("ModelRegistry:ModelArchived", async ({ event, context }) => {
  const a = event.args;
  const key = { modelId: a.modelId, version: Number(a.version) };
  if (await context.db.find(modelVersion, key)) {
    await context.db
      .update(modelVersion, key)
      .set({ arweaveTxId: a.arweaveTxId, archivedAt: event.block.timestamp });
  }
  await logEvent(context, event, C, "ModelArchived", { modelId: a.modelId });
});

registerGeneric(C, modelRegistryAbi, [
  "ModelPublished",
  "ModelVersionAdded",
  "ModelTransferred",
  "ModelDeprecatedSet",
  "ModelStarred",
  "ModelUnstarred",
  "ModelTipped",
  "ModelArchived",
]);
