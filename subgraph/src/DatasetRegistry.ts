// DatasetRegistry handlers: the same entities and semantics as indexer/src/DatasetRegistry.ts. The usage of
// datasets (TaskUsesDataset, DatasetUsagePaid) is the TaskManager's (src/TaskManager.ts).
import { Address, BigInt, ethereum } from "@graphprotocol/graph-ts";
import {
  DatasetArchived,
  DatasetDeprecatedSet,
  DatasetPublished,
  DatasetReported,
  DatasetStarred,
  DatasetTransferred,
  DatasetUnstarred,
  DatasetUsageFeeLowered,
  DatasetVersionAdded,
  DatasetVersionDeprecated,
  ParameterSet,
  RoleAdminChanged,
  RoleGranted,
  RoleRevoked,
} from "../generated/DatasetRegistry/DatasetRegistry";
import { Dataset, DatasetReport, DatasetStar, DatasetVersion } from "../generated/schema";
import { loadDataset, loadDatasetVersion, saveDataset } from "./datasets";
import { onParameterSet, onRole } from "./governance";
import { cidFromDigest, RAW_CODEC } from "./lib/cid";
import { enumName, REPORT_REASON } from "./lib/enums";
import { datasetVersionId, pairId } from "./lib/ids";
import { idOf, links, loadAggregates, logEvent, zero } from "./store";

const C = "DatasetRegistry";

export function handleDatasetPublished(event: DatasetPublished): void {
  const p = event.params;
  const agg = loadAggregates(event);
  // DatasetVersionAdded (version 1) follows in the same call.
  const d = new Dataset(p.datasetId.toString());
  d.owner = p.owner;
  d.creator = p.owner;
  d.name = p.name;
  d.description = p.description;
  d.license = p.license;
  d.deprecated = false;
  d.versionCount = 0;
  d.stars = 0;
  d.reportCount = 0;
  d.transferCount = 0;
  d.taskCount = 0;
  d.shardsPaid = 0;
  d.feesEarned = zero();
  d.protocolCut = zero();
  d.createdAt = event.block.timestamp;
  d.createdBlock = event.block.number;
  d.createdTx = event.transaction.hash;
  saveDataset(d, event);
  agg.network.datasetCount = agg.network.datasetCount + 1;
  logEvent(event, C, "DatasetPublished", links().dataset(p.datasetId), agg);
}

export function handleDatasetVersionAdded(event: DatasetVersionAdded): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const version = p.version.toI32();
  const codec = p.contentCodec.toI32();
  const v = new DatasetVersion(datasetVersionId(p.datasetId.toString(), version));
  v.datasetId = p.datasetId;
  v.version = version;
  v.contentCid = p.contentCid;
  v.contentCidStr = cidFromDigest(p.contentCid, codec);
  v.contentCodec = codec;
  v.sizeBytes = p.sizeBytes;
  v.usageFeePerShard = p.usageFeePerShard;
  v.format = p.format;
  v.metadataCid = p.metadataCid;
  v.metadataCidStr = cidFromDigest(p.metadataCid, RAW_CODEC);
  v.deprecated = false;
  v.reports = 0;
  v.taskCount = 0;
  v.shardsPaid = 0;
  v.feesEarned = zero();
  v.protocolCut = zero();
  v.createdAt = event.block.timestamp;
  v.createdBlock = event.block.number;
  v.createdTx = event.transaction.hash;
  v.dataset = p.datasetId.toString();
  v.save();
  const d = loadDataset(p.datasetId);
  if (d != null) {
    d.versionCount = d.versionCount + 1;
    saveDataset(d, event);
  }
  logEvent(event, C, "DatasetVersionAdded", links().dataset(p.datasetId), agg);
}

export function handleDatasetVersionDeprecated(event: DatasetVersionDeprecated): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const v = loadDatasetVersion(p.datasetId, p.version.toI32());
  if (v != null) {
    v.deprecated = true;
    v.save();
  }
  logEvent(event, C, "DatasetVersionDeprecated", links().dataset(p.datasetId), agg);
}

export function handleDatasetDeprecatedSet(event: DatasetDeprecatedSet): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const d = loadDataset(p.datasetId);
  if (d != null) {
    d.deprecated = true;
    saveDataset(d, event);
  }
  logEvent(event, C, "DatasetDeprecatedSet", links().dataset(p.datasetId), agg);
}

export function handleDatasetTransferred(event: DatasetTransferred): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const d = loadDataset(p.datasetId);
  if (d != null) {
    d.owner = p.to;
    d.transferCount = d.transferCount + 1;
    saveDataset(d, event);
  }
  logEvent(event, C, "DatasetTransferred", links().dataset(p.datasetId), agg);
}

export function handleDatasetUsageFeeLowered(event: DatasetUsageFeeLowered): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const v = loadDatasetVersion(p.datasetId, p.version.toI32());
  if (v != null) {
    v.usageFeePerShard = p.newFee;
    v.save();
  }
  logEvent(event, C, "DatasetUsageFeeLowered", links().dataset(p.datasetId), agg);
}

export function handleDatasetArchived(event: DatasetArchived): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const v = loadDatasetVersion(p.datasetId, p.version.toI32());
  if (v != null) {
    v.arweaveTxId = p.arweaveTxId;
    v.archivedAt = event.block.timestamp;
    v.save();
  }
  logEvent(event, C, "DatasetArchived", links().dataset(p.datasetId), agg);
}

function setStar(datasetId: BigInt, user: Address, stars: i32, starred: bool, event: ethereum.Event): void {
  const d = loadDataset(datasetId);
  if (d != null) {
    d.stars = stars;
    saveDataset(d, event);
  }
  const id = pairId(datasetId.toString(), user.toHexString());
  let s = DatasetStar.load(id);
  if (s == null) {
    s = new DatasetStar(id);
    s.datasetId = datasetId;
    s.user = user;
    s.dataset = datasetId.toString();
  }
  const star = s as DatasetStar;
  star.starred = starred;
  star.updatedAt = event.block.timestamp;
  star.save();
}

export function handleDatasetStarred(event: DatasetStarred): void {
  const p = event.params;
  const agg = loadAggregates(event);
  setStar(p.datasetId, p.user, p.stars.toI32(), true, event);
  logEvent(event, C, "DatasetStarred", links().dataset(p.datasetId), agg);
}

export function handleDatasetUnstarred(event: DatasetUnstarred): void {
  const p = event.params;
  const agg = loadAggregates(event);
  setStar(p.datasetId, p.user, p.stars.toI32(), false, event);
  logEvent(event, C, "DatasetUnstarred", links().dataset(p.datasetId), agg);
}

export function handleDatasetReported(event: DatasetReported): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const version = p.version.toI32();
  const r = new DatasetReport(idOf(event));
  r.datasetId = p.datasetId;
  r.version = version;
  r.reporter = p.reporter;
  r.reason = enumName(REPORT_REASON, p.reason);
  r.detailsCid = p.detailsCid;
  r.detailsCidStr = cidFromDigest(p.detailsCid, RAW_CODEC);
  r.blockNumber = event.block.number;
  r.timestamp = event.block.timestamp;
  r.transactionHash = event.transaction.hash;
  r.dataset = p.datasetId.toString();
  r.datasetVersion = datasetVersionId(p.datasetId.toString(), version);
  r.save();
  const v = loadDatasetVersion(p.datasetId, version);
  if (v != null) {
    v.reports = p.reports.toI32();
    v.save();
  }
  const d = loadDataset(p.datasetId);
  if (d != null) {
    d.reportCount = d.reportCount + 1;
    saveDataset(d, event);
  }
  logEvent(event, C, "DatasetReported", links().dataset(p.datasetId), agg);
}

export function handleParameterSet(event: ParameterSet): void {
  const p = event.params;
  const agg = loadAggregates(event);
  onParameterSet(event, C, p.name, p.oldValue, p.newValue);
  logEvent(event, C, "ParameterSet", links(), agg);
}

export function handleRoleGranted(event: RoleGranted): void {
  const agg = loadAggregates(event);
  onRole(event, C, event.params.role, event.params.account, true);
  logEvent(event, C, "RoleGranted", links(), agg);
}

export function handleRoleRevoked(event: RoleRevoked): void {
  const agg = loadAggregates(event);
  onRole(event, C, event.params.role, event.params.account, false);
  logEvent(event, C, "RoleRevoked", links(), agg);
}

export function handleRoleAdminChanged(event: RoleAdminChanged): void {
  logEvent(event, C, "RoleAdminChanged", links(), loadAggregates(event));
}
