// Dataset helpers shared by the DatasetRegistry and TaskManager mappings (indexer/src/lib/datasets.ts).
import { BigInt, ethereum } from "@graphprotocol/graph-ts";
import { Dataset, DatasetVersion } from "../generated/schema";
import { datasetVersionId } from "./lib/ids";

export function loadDataset(datasetId: BigInt): Dataset | null {
  return Dataset.load(datasetId.toString());
}

export function loadDatasetVersion(datasetId: BigInt, version: i32): DatasetVersion | null {
  return DatasetVersion.load(datasetVersionId(datasetId.toString(), version));
}

export function saveDataset(d: Dataset, event: ethereum.Event): void {
  d.updatedAt = event.block.timestamp;
  d.save();
}
