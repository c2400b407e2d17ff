/**
 * What every re-execution needs before it runs a segment: the task's spec, its image (loaded and ID-checked) and its
 * dataset (the task's registered DatasetRegistry version when it names one) and its initial weights, fetched into
 * `dir` and CID-checked. A
 * broken task (unparsable spec, missing image or data) throws TaskFault: an audit then skips the shard, a committee
 * member votes DataUnavailable.
 */
import { bytes32ToCid } from "@neural/sdk";
import type { Hex } from "viem";
import { fetchSpec, prepareImageAndData } from "../shard/run.js";
import type { AuditDeps } from "./audit.js";

export interface VerifierInputs {
  spec: Awaited<ReturnType<typeof fetchSpec>>;
  imageId: string;
  /** Where the dataset was put: the re-execution's data directory. */
  dataDir: string;
  /** The spec's initial weights, when it fine-tunes. */
  initialWeightsFile?: string;
  /** What reexecuteSegment needs to run in `dir`. */
  segmentDeps: {
    runtime: AuditDeps["runtime"];
    storage: AuditDeps["storage"];
    workDir: string;
    dataDir: string;
    initialWeightsFile?: string;
    fetchTimeoutMs: number;
    label: string;
  };
}

export async function prepareVerifierInputs(
  deps: Pick<AuditDeps, "chain" | "storage" | "runtime" | "fetchTimeoutMs" | "signal" | "nodeId">,
  task: { specCid: Hex; datasetId: bigint; datasetVersion: number },
  dir: string,
): Promise<VerifierInputs> {
  const fetchDeps = { storage: deps.storage, fetchTimeoutMs: deps.fetchTimeoutMs, signal: deps.signal };
  const spec = await fetchSpec(fetchDeps, bytes32ToCid(task.specCid, "spec").toString());
  // The same image and content the submitter had to train on (the task's registered dataset version, if any).
  const { imageId, dataDir, initialWeightsFile } = await prepareImageAndData(
    { ...fetchDeps, runtime: deps.runtime, chain: deps.chain },
    spec,
    task,
    dir,
  );
  return {
    spec,
    imageId,
    dataDir,
    ...(initialWeightsFile ? { initialWeightsFile } : {}),
    segmentDeps: {
      runtime: deps.runtime,
      storage: deps.storage,
      workDir: dir,
      dataDir,
      ...(initialWeightsFile ? { initialWeightsFile } : {}),
      fetchTimeoutMs: deps.fetchTimeoutMs,
      label: String(deps.nodeId),
    },
  };
}
