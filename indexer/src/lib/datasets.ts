// Dataset write helpers shared by the DatasetRegistry and TaskManager handlers.
import { dataset, datasetVersion } from "ponder:schema";
import { type AnyEvent, type Ctx, orNull } from "./store.js";
export type DatasetRow = typeof dataset.$inferSelect;
export type DatasetVersionRow = typeof datasetVersion.$inferSelect;

/** One read-modify-write of a dataset (null when unknown: never the case for a deployed registry). */
export function updateDataset(
  ctx: Ctx,
  e: AnyEvent,
  id: bigint,
  patch: (d: DatasetRow) => Partial<DatasetRow>,
): Promise<DatasetRow | null> {
  return orNull(ctx.db.update(dataset, { id }).set((d) => ({ ...patch(d), updatedAt: e.block.timestamp })));
}

export function updateDatasetVersion(
  ctx: Ctx,
  datasetId: bigint,
  version: number,
  patch: (v: DatasetVersionRow) => Partial<DatasetVersionRow>,
): Promise<DatasetVersionRow | null> {
  return orNull(ctx.db.update(datasetVersion, { datasetId, version }).set(patch));
}
