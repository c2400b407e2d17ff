// ModelRegistry handlers: the same entities and semantics as indexer/src/ModelRegistry.ts.
import { Address, BigInt, Bytes, ethereum } from "@graphprotocol/graph-ts";
import {
  ModelArchived,
  ModelDeprecatedSet,
  ModelPublished,
  ModelStarred,
  ModelTipped,
  ModelTransferred,
  ModelUnstarred,
  ModelVersionAdded,
} from "../generated/ModelRegistry/ModelRegistry";
import { Model, ModelStar, ModelTip, ModelVersion } from "../generated/schema";
import { cidFromDigest, DAG_PB_CODEC, RAW_CODEC } from "./lib/cid";
import { modelVersionId, pairId } from "./lib/ids";
import { idOf, links, loadAggregates, logEvent, zero } from "./store";

const C = "ModelRegistry";

/** A model row with every field at its default (a ModelVersionAdded of the same call may come first). */
function newModel(modelId: BigInt, owner: Address, metadataCid: Bytes, event: ethereum.Event): Model {
  const m = new Model(modelId.toString());
  m.owner = owner;
  m.creator = owner;
  m.name = "";
  m.license = "";
  m.metadataCid = metadataCid;
  m.metadataCidStr = cidFromDigest(metadataCid, RAW_CODEC);
  m.parentModelId = zero();
  m.versionCount = 0;
  m.verified = false;
  m.stars = 0;
  m.tipsReceived = zero();
  m.tipCount = 0;
  m.deprecated = false;
  m.replacementModelId = zero();
  m.createdAt = event.block.timestamp;
  m.createdBlock = event.block.number;
  m.createdTx = event.transaction.hash;
  m.updatedAt = event.block.timestamp;
  return m;
}

/** Saves a model with its parent reference (null for parentModelId 0). */
function saveModel(m: Model, event: ethereum.Event): void {
  m.parent = m.parentModelId.isZero() ? null : m.parentModelId.toString();
  m.updatedAt = event.block.timestamp;
  m.save();
}

export function handleModelPublished(event: ModelPublished): void {
  const p = event.params;
  const agg = loadAggregates(event);
  // ModelVersionAdded of the same call may have been seen first: keep what it counted.
  let m = Model.load(p.modelId.toString());
  if (m == null) m = newModel(p.modelId, p.owner, p.metadataCid, event);
  const model = m as Model;
  model.owner = p.owner;
  model.creator = p.owner;
  model.name = p.name;
  model.license = p.license;
  model.metadataCid = p.metadataCid;
  model.metadataCidStr = cidFromDigest(p.metadataCid, RAW_CODEC);
  model.parentModelId = p.parentModelId;
  model.createdAt = event.block.timestamp;
  model.createdBlock = event.block.number;
  model.createdTx = event.transaction.hash;
  saveModel(model, event);
  agg.network.modelCount = agg.network.modelCount + 1;
  agg.daily.modelsPublished = agg.daily.modelsPublished + 1;
  logEvent(event, C, "ModelPublished", links().model(p.modelId), agg);
}

export function handleModelVersionAdded(event: ModelVersionAdded): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const version = p.version.toI32();
  const v = new ModelVersion(modelVersionId(p.modelId.toString(), version));
  v.modelId = p.modelId;
  v.version = version;
  v.sourceTaskId = p.sourceTaskId;
  v.sourceShard = p.sourceShard;
  v.weightsCid = p.weightsCid;
  v.weightsCidStr = cidFromDigest(p.weightsCid, DAG_PB_CODEC);
  v.metadataCid = p.metadataCid;
  v.metadataCidStr = cidFromDigest(p.metadataCid, RAW_CODEC);
  v.manifestCid = p.manifestCid;
  v.manifestCidStr = cidFromDigest(p.manifestCid, RAW_CODEC);
  v.weightsHash = p.weightsHash;
  v.verified = p.verified;
  v.createdAt = event.block.timestamp;
  v.createdBlock = event.block.number;
  v.createdTx = event.transaction.hash;
  v.model = p.modelId.toString();
  v.sourceTask = p.sourceTaskId.isZero() ? null : p.sourceTaskId.toString();
  v.save();

  let m = Model.load(p.modelId.toString());
  if (m == null) m = newModel(p.modelId, event.transaction.from, p.metadataCid, event);
  const model = m as Model;
  model.versionCount = model.versionCount + 1;
  model.verified = p.verified;
  saveModel(model, event);
  if (p.verified) agg.network.verifiedModelVersions = agg.network.verifiedModelVersions + 1;
  logEvent(event, C, "ModelVersionAdded", links().model(p.modelId), agg);
}

export function handleModelTransferred(event: ModelTransferred): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const m = Model.load(p.modelId.toString());
  if (m != null) {
    m.owner = p.to;
    saveModel(m, event);
  }
  logEvent(event, C, "ModelTransferred", links().model(p.modelId), agg);
}

export function handleModelDeprecatedSet(event: ModelDeprecatedSet): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const m = Model.load(p.modelId.toString());
  if (m != null) {
    m.deprecated = true;
    m.replacementModelId = p.replacementModelId;
    saveModel(m, event);
  }
  logEvent(event, C, "ModelDeprecatedSet", links().model(p.modelId), agg);
}

function setStar(modelId: BigInt, user: Address, stars: i32, starred: bool, event: ethereum.Event): void {
  const m = Model.load(modelId.toString());
  if (m != null) {
    m.stars = stars;
    saveModel(m, event);
  }
  const id = pairId(modelId.toString(), user.toHexString());
  let s = ModelStar.load(id);
  if (s == null) {
    s = new ModelStar(id);
    s.modelId = modelId;
    s.user = user;
    s.model = modelId.toString();
  }
  const star = s as ModelStar;
  star.starred = starred;
  star.updatedAt = event.block.timestamp;
  star.save();
}

export function handleModelStarred(event: ModelStarred): void {
  const p = event.params;
  const agg = loadAggregates(event);
  setStar(p.modelId, p.user, p.stars.toI32(), true, event);
  logEvent(event, C, "ModelStarred", links().model(p.modelId), agg);
}

export function handleModelUnstarred(event: ModelUnstarred): void {
  const p = event.params;
  const agg = loadAggregates(event);
  setStar(p.modelId, p.user, p.stars.toI32(), false, event);
  logEvent(event, C, "ModelUnstarred", links().model(p.modelId), agg);
}

export function handleModelTipped(event: ModelTipped): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const m = Model.load(p.modelId.toString());
  if (m != null) {
    m.tipsReceived = m.tipsReceived.plus(p.amount);
    m.tipCount = m.tipCount + 1;
    saveModel(m, event);
  }
  const tip = new ModelTip(idOf(event));
  tip.modelId = p.modelId;
  tip.from = p.from;
  tip.to = p.to;
  tip.amount = p.amount;
  tip.blockNumber = event.block.number;
  tip.timestamp = event.block.timestamp;
  tip.transactionHash = event.transaction.hash;
  tip.model = p.modelId.toString();
  tip.save();
  logEvent(event, C, "ModelTipped", links().model(p.modelId), agg);
}

export function handleModelArchived(event: ModelArchived): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const v = ModelVersion.load(modelVersionId(p.modelId.toString(), p.version.toI32()));
  if (v != null) {
    v.arweaveTxId = p.arweaveTxId;
    v.archivedAt = event.block.timestamp;
    v.save();
  }
  logEvent(event, C, "ModelArchived", links().model(p.modelId), agg);
}
