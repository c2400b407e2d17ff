// Matchstick tests of the ModelRegistry mappings: publish, versions with CIDs, stars, tips, archives.
import { afterEach, assert, clearStore, describe, test } from "matchstick-as/assembly/index";
import {
  ModelArchived,
  ModelPublished,
  ModelStarred,
  ModelTipped,
  ModelUnstarred,
  ModelVersionAdded,
} from "../generated/ModelRegistry/ModelRegistry";
import {
  handleModelArchived,
  handleModelPublished,
  handleModelStarred,
  handleModelTipped,
  handleModelUnstarred,
  handleModelVersionAdded,
} from "../src/ModelRegistry";
import { addr, big, CLIENT, DAY_1, digest, fixed, flag, mockEvent, nrl, OPERATOR, text, uint } from "./utils";

function published(modelId: i64, parent: i64): ModelPublished {
  const params = [
    uint("modelId", modelId),
    addr("owner", CLIENT),
    uint("parentModelId", parent),
    text("name", "llama-neural"),
    text("license", "Apache-2.0"),
    fixed("metadataCid", digest("6d")),
  ];
  return changetype<ModelPublished>(mockEvent(params, DAY_1, 40));
}

function versionAdded(modelId: i64, version: i64, sourceTaskId: i64, verified: bool): ModelVersionAdded {
  const params = [
    uint("modelId", modelId),
    uint("version", version),
    uint("sourceTaskId", sourceTaskId),
    uint("sourceShard", 0),
    fixed("weightsCid", digest("77")),
    fixed("metadataCid", digest("6d")),
    fixed("manifestCid", digest("4d")),
    flag("verified", verified),
  ];
  return changetype<ModelVersionAdded>(mockEvent(params, DAY_1, 40));
}

afterEach(() => {
  clearStore();
});

describe("models", () => {
  test("publish with a verified first version", () => {
    handleModelPublished(published(1, 0));
    handleModelVersionAdded(versionAdded(1, 1, 9, true));
    assert.fieldEquals("Model", "1", "name", "llama-neural");
    assert.fieldEquals("Model", "1", "versionCount", "1");
    assert.fieldEquals("Model", "1", "verified", "true");
    assert.fieldEquals("ModelVersion", "1-1", "sourceTask", "9");
    assert.fieldEquals("ModelVersion", "1-1", "model", "1");
    assert.fieldEquals("Network", "network", "modelCount", "1");
    assert.fieldEquals("Network", "network", "verifiedModelVersions", "1");
  });

  test("a version seen before its ModelPublished keeps its count; lineage links the parent", () => {
    handleModelVersionAdded(versionAdded(2, 1, 0, false));
    handleModelPublished(published(2, 1));
    assert.fieldEquals("Model", "2", "versionCount", "1");
    assert.fieldEquals("Model", "2", "parent", "1");
    assert.fieldEquals("Model", "2", "owner", CLIENT);
  });

  test("stars, tips and archives", () => {
    handleModelPublished(published(1, 0));
    handleModelVersionAdded(versionAdded(1, 1, 0, false));
    handleModelStarred(
      changetype<ModelStarred>(
        mockEvent([uint("modelId", 1), addr("user", OPERATOR), uint("stars", 1)], DAY_1, 41),
      ),
    );
    assert.fieldEquals("ModelStar", "1-" + OPERATOR, "starred", "true");
    handleModelUnstarred(
      changetype<ModelUnstarred>(
        mockEvent([uint("modelId", 1), addr("user", OPERATOR), uint("stars", 0)], DAY_1, 42),
      ),
    );
    assert.fieldEquals("ModelStar", "1-" + OPERATOR, "starred", "false");
    assert.fieldEquals("Model", "1", "stars", "0");
    const tip = [uint("modelId", 1), addr("from", OPERATOR), addr("to", CLIENT), big("amount", nrl(3))];
    handleModelTipped(changetype<ModelTipped>(mockEvent(tip, DAY_1, 43)));
    assert.fieldEquals("Model", "1", "tipsReceived", nrl(3).toString());
    assert.entityCount("ModelTip", 1);
    const archived = [uint("modelId", 1), uint("version", 1), fixed("arweaveTxId", digest("ae"))];
    handleModelArchived(changetype<ModelArchived>(mockEvent(archived, DAY_1, 44)));
    assert.fieldEquals("ModelVersion", "1-1", "arweaveTxId", digest("ae"));
    assert.fieldEquals("ModelVersion", "1-1", "archivedAt", DAY_1.toString());
  });
});
