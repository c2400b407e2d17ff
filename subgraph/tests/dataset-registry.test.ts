// Matchstick tests of the DatasetRegistry mappings (publish, versions with their codec's CID, fee lowered,
// deprecation, transfer, stars, reports) and of the TaskManager's dataset usage (TaskUsesDataset,
// DatasetUsagePaid): counters on the dataset, its version and the task, and the network's totals.
import { BigInt, Bytes, ethereum } from "@graphprotocol/graph-ts";
import { afterEach, assert, clearStore, describe, test } from "matchstick-as/assembly/index";
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
} from "../generated/DatasetRegistry/DatasetRegistry";
import { DatasetUsagePaid, TaskPosted, TaskUsesDataset } from "../generated/TaskManager/TaskManager";
import {
  handleDatasetArchived,
  handleDatasetDeprecatedSet,
  handleDatasetPublished,
  handleDatasetReported,
  handleDatasetStarred,
  handleDatasetTransferred,
  handleDatasetUnstarred,
  handleDatasetUsageFeeLowered,
  handleDatasetVersionAdded,
  handleDatasetVersionDeprecated,
} from "../src/DatasetRegistry";
import { cidFromDigest } from "../src/lib/cid";
import { handleDatasetUsagePaid, handleTaskPosted, handleTaskUsesDataset } from "../src/TaskManager";
import {
  addr,
  big,
  CHALLENGER,
  CLIENT,
  DAY_1,
  digest,
  fixed,
  mockEvent,
  nrl,
  OPERATOR,
  resources,
  small,
  text,
  uint,
  ZERO_DIGEST,
} from "./utils";

const RAW: i32 = 0x55;
const DAG_PB: i32 = 0x70;

function published(datasetId: i64): DatasetPublished {
  const params = [
    uint("datasetId", datasetId),
    addr("owner", OPERATOR),
    text("name", "mnist-64"),
    text("description", "handwritten digits, 64 pixels"),
    text("license", "CC-BY-4.0"),
  ];
  return changetype<DatasetPublished>(mockEvent(params, DAY_1, 30));
}

function versionAdded(datasetId: i64, version: i64, codec: i32, fee: i32): DatasetVersionAdded {
  const params = [
    uint("datasetId", datasetId),
    uint("version", version),
    fixed("contentCid", digest("da")),
    uint("contentCodec", codec),
    uint("sizeBytes", 1048576),
    big("usageFeePerShard", nrl(fee)),
    text("format", "csv: pixels[64],label"),
    fixed("metadataCid", ZERO_DIGEST),
  ];
  return changetype<DatasetVersionAdded>(mockEvent(params, DAY_1, 30));
}

function taskPosted(taskId: i64): TaskPosted {
  const params = new Array<ethereum.EventParam>();
  params.push(uint("taskId", taskId));
  params.push(addr("client", CLIENT));
  params.push(fixed("specCid", digest("5e")));
  params.push(uint("shardCount", 2));
  params.push(big("maxPricePerShard", nrl(10)));
  params.push(small("minTier", 1));
  params.push(resources(1, 24576, 8, 65536));
  params.push(uint("maxDuration", 3600));
  params.push(small("auditRateBps", 0));
  // 2 shards * (10 NRL + a 2 NRL usage fee)
  params.push(big("escrow", nrl(24)));
  params.push(big("collateralPerShard", nrl(5)));
  params.push(big("auditFeePerShard", nrl(1)));
  return changetype<TaskPosted>(mockEvent(params, DAY_1, 31));
}

afterEach(() => {
  clearStore();
});

describe("datasets", () => {
  test("publish with a first version: the content CID takes the version's codec", () => {
    handleDatasetPublished(published(1));
    handleDatasetVersionAdded(versionAdded(1, 1, DAG_PB, 2));
    handleDatasetVersionAdded(versionAdded(1, 2, RAW, 3));
    assert.fieldEquals("Dataset", "1", "name", "mnist-64");
    assert.fieldEquals("Dataset", "1", "license", "CC-BY-4.0");
    assert.fieldEquals("Dataset", "1", "versionCount", "2");
    assert.fieldEquals("DatasetVersion", "1-1", "dataset", "1");
    assert.fieldEquals("DatasetVersion", "1-1", "contentCodec", DAG_PB.toString());
    assert.fieldEquals("DatasetVersion", "1-2", "usageFeePerShard", nrl(3).toString());
    // the same digest, two codecs: the string follows each version's codec
    const content = Bytes.fromHexString(digest("da"));
    const dagPb = cidFromDigest(content, DAG_PB) as string;
    const raw = cidFromDigest(content, RAW) as string;
    assert.assertTrue(dagPb != raw);
    assert.fieldEquals("DatasetVersion", "1-1", "contentCidStr", dagPb);
    assert.fieldEquals("DatasetVersion", "1-2", "contentCidStr", raw);
    assert.fieldEquals("Network", "network", "datasetCount", "1");
  });

  test("fee lowered, version and dataset deprecated, archived, transferred", () => {
    handleDatasetPublished(published(1));
    handleDatasetVersionAdded(versionAdded(1, 1, RAW, 2));
    const lowered = [uint("datasetId", 1), uint("version", 1), big("oldFee", nrl(2)), big("newFee", nrl(1))];
    handleDatasetUsageFeeLowered(changetype<DatasetUsageFeeLowered>(mockEvent(lowered, DAY_1, 32)));
    assert.fieldEquals("DatasetVersion", "1-1", "usageFeePerShard", nrl(1).toString());
    const archived = [uint("datasetId", 1), uint("version", 1), fixed("arweaveTxId", digest("ae"))];
    handleDatasetArchived(changetype<DatasetArchived>(mockEvent(archived, DAY_1, 32)));
    assert.fieldEquals("DatasetVersion", "1-1", "arweaveTxId", digest("ae"));
    const deprecated = [uint("datasetId", 1), uint("version", 1)];
    handleDatasetVersionDeprecated(changetype<DatasetVersionDeprecated>(mockEvent(deprecated, DAY_1, 33)));
    assert.fieldEquals("DatasetVersion", "1-1", "deprecated", "true");
    assert.fieldEquals("Dataset", "1", "deprecated", "false");
    handleDatasetDeprecatedSet(
      changetype<DatasetDeprecatedSet>(mockEvent([uint("datasetId", 1)], DAY_1, 34)),
    );
    assert.fieldEquals("Dataset", "1", "deprecated", "true");
    const moved = [uint("datasetId", 1), addr("from", OPERATOR), addr("to", CHALLENGER)];
    handleDatasetTransferred(changetype<DatasetTransferred>(mockEvent(moved, DAY_1, 35)));
    assert.fieldEquals("Dataset", "1", "owner", CHALLENGER);
    assert.fieldEquals("Dataset", "1", "creator", OPERATOR);
    assert.fieldEquals("Dataset", "1", "transferCount", "1");
  });

  test("stars and reports", () => {
    handleDatasetPublished(published(1));
    handleDatasetVersionAdded(versionAdded(1, 1, RAW, 0));
    handleDatasetStarred(
      changetype<DatasetStarred>(
        mockEvent([uint("datasetId", 1), addr("user", CLIENT), uint("stars", 1)], DAY_1, 36),
      ),
    );
    assert.fieldEquals("DatasetStar", "1-" + CLIENT, "starred", "true");
    handleDatasetUnstarred(
      changetype<DatasetUnstarred>(
        mockEvent([uint("datasetId", 1), addr("user", CLIENT), uint("stars", 0)], DAY_1, 37),
      ),
    );
    assert.fieldEquals("DatasetStar", "1-" + CLIENT, "starred", "false");
    assert.fieldEquals("Dataset", "1", "stars", "0");
    const report = [
      uint("datasetId", 1),
      uint("version", 1),
      addr("reporter", CHALLENGER),
      small("reason", 2),
      fixed("detailsCid", digest("de")),
      uint("reports", 1),
    ];
    handleDatasetReported(changetype<DatasetReported>(mockEvent(report, DAY_1, 38)));
    assert.entityCount("DatasetReport", 1);
    assert.fieldEquals("DatasetVersion", "1-1", "reports", "1");
    assert.fieldEquals("Dataset", "1", "reportCount", "1");
  });

  test("a task trains on a version; finalized shards pay its owner, less the protocol's cut", () => {
    handleDatasetPublished(published(1));
    handleDatasetVersionAdded(versionAdded(1, 1, RAW, 2));
    handleTaskPosted(taskPosted(7));
    const uses = [
      uint("taskId", 7),
      uint("datasetId", 1),
      uint("datasetVersion", 1),
      big("usageFeePerShard", nrl(2)),
      small("cutBps", 1000),
    ];
    handleTaskUsesDataset(changetype<TaskUsesDataset>(mockEvent(uses, DAY_1, 31)));
    assert.fieldEquals("Task", "7", "dataset", "1");
    assert.fieldEquals("Task", "7", "trainingData", "1-1");
    assert.fieldEquals("Task", "7", "datasetCutBps", "1000");
    assert.fieldEquals("Dataset", "1", "taskCount", "1");
    assert.fieldEquals("DatasetVersion", "1-1", "taskCount", "1");
    // two shards finalized: 4 NRL of usage fees, 10% to the protocol
    const usage = nrl(4);
    const protocolCut = usage.div(BigInt.fromI32(10));
    const amount = usage.minus(protocolCut);
    const paid = [
      uint("datasetId", 1),
      uint("taskId", 7),
      addr("owner", OPERATOR),
      uint("shards", 2),
      big("amount", amount),
      big("protocolCut", protocolCut),
    ];
    handleDatasetUsagePaid(changetype<DatasetUsagePaid>(mockEvent(paid, DAY_1, 40)));
    assert.entityCount("DatasetUsagePayment", 1);
    assert.fieldEquals("Dataset", "1", "shardsPaid", "2");
    assert.fieldEquals("Dataset", "1", "feesEarned", amount.toString());
    assert.fieldEquals("DatasetVersion", "1-1", "protocolCut", protocolCut.toString());
    assert.fieldEquals("Task", "7", "datasetFeesPaid", amount.toString());
    assert.fieldEquals("Task", "7", "escrowRemaining", nrl(20).toString());
    assert.fieldEquals("Network", "network", "totalFees", protocolCut.toString());
    assert.fieldEquals("Network", "network", "datasetFeesPaid", amount.toString());
  });
});
