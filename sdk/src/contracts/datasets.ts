/**
 * Which dataset a task trains on. A task names a DatasetRegistry version on-chain (`getTask().datasetId /
 * datasetVersion`) and its spec names the content CID (`dataset`, optionally `datasetRef`); workers fetch exactly
 * the registered version's content, so the three must agree. docs/protocol.md, "Datasets".
 */
import { ValidationError } from "../errors/errors.js";
import type { TaskSpec } from "../formats/spec.js";

/** The dataset reference a task was posted with (0 = none). */
export interface TaskDatasetRef {
  datasetId: bigint;
  datasetVersion: number;
}

/** What checking a reference needs of the registry: the content CID of a version. */
export interface DatasetVersionReader {
  getDatasetVersion(datasetId: bigint, version: bigint): Promise<{ contentCidString: string }>;
}

/**
 * The problems between a spec and the task it was posted with, given the registered content CID of the task's
 * dataset version (undefined when the task names none). Empty when they agree.
 */
export function datasetReferenceIssues(
  spec: Pick<TaskSpec, "dataset" | "datasetRef">,
  task: TaskDatasetRef,
  registeredCid: string | undefined,
): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  const ref = spec.datasetRef;
  if (task.datasetId === 0n) {
    if (ref !== undefined) {
      issues.push({
        path: "datasetRef",
        message: `names dataset ${ref.id} v${ref.version}, but the task was posted without a dataset: post it with datasetId ${ref.id}, datasetVersion ${ref.version}`,
      });
    }
    return issues;
  }
  if (ref !== undefined && (BigInt(ref.id) !== task.datasetId || ref.version !== task.datasetVersion)) {
    issues.push({
      path: "datasetRef",
      message: `names dataset ${ref.id} v${ref.version}, but the task was posted with dataset ${task.datasetId} v${task.datasetVersion}`,
    });
  }
  if (registeredCid !== undefined && spec.dataset !== registeredCid) {
    issues.push({
      path: "dataset",
      message: `is ${spec.dataset}, but dataset ${task.datasetId} v${task.datasetVersion} is registered with content ${registeredCid}`,
    });
  }
  return issues;
}

/**
 * The content CID to fetch for a task: the registered version's when the task names one (checked against the
 * spec), else the spec's `dataset`. Throws ValidationError("task dataset") naming each disagreement.
 */
export async function resolveTaskDataset(
  reader: DatasetVersionReader,
  spec: Pick<TaskSpec, "dataset" | "datasetRef">,
  task: TaskDatasetRef,
): Promise<string> {
  const registered =
    task.datasetId === 0n
      ? undefined
      : (await reader.getDatasetVersion(task.datasetId, BigInt(task.datasetVersion))).contentCidString;
  const issues = datasetReferenceIssues(spec, task, registered);
  if (issues.length > 0) throw new ValidationError("task dataset", issues);
  return registered ?? spec.dataset;
}
