/**
 * Re-executing one segment d-1 -> d of a submitted result (audits and committee votes): fetch checkpoint d-1 by its
 * CID from the submitter's manifest (or start from the spec's initial state when d = 0), run the image with
 * resume-from and stop-at in the same hardened runtime, and judge the checkpoint it writes against leaf d under
 * the spec's tolerance. A checkpoint that cannot be fetched is "dataUnavailable" (which a committee votes as wrong).
 */
import { copyFile, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import {
  buildContainerEnv,
  checkpointStep,
  INIT_WEIGHTS_FILE,
  parseContainerLine,
  type ResultManifest,
  type TaskSpec,
} from "@neural/sdk";
import type { StorageNode } from "@neural/sdk/node";
import type { ContainerRuntime } from "../runtimes/types.js";
import { writableByContainer } from "../shard/run.js";
import { type Judgement, judge } from "./compare.js";

export interface SegmentDeps {
  runtime: ContainerRuntime;
  storage: StorageNode;
  workDir: string;
  fetchTimeoutMs: number;
  /** Host folder holding the dataset (fetched once per task). */
  dataDir: string;
  /** Host file holding the spec's initial weights, when it fine-tunes. */
  initialWeightsFile?: string;
  /** Extra environment for the container (e.g. other kernels); never NEURAL_*. */
  extraEnv?: Record<string, string>;
  label?: string;
}

export type SegmentVerdict =
  | ({ kind: "judged"; index: number } & Judgement)
  | { kind: "dataUnavailable"; index: number; what: string }
  | { kind: "failed"; index: number; why: string };

export async function reexecuteSegment(
  deps: SegmentDeps,
  input: { spec: TaskSpec; imageId: string; manifest: ResultManifest; index: number },
): Promise<SegmentVerdict> {
  const { spec, manifest, index } = input;
  const leaf = manifest.checkpoints[index];
  if (!leaf) return { kind: "failed", index, why: `the manifest has no checkpoint ${index}` };
  const dir = join(
    deps.workDir,
    `segment-${manifest.taskId}-${manifest.shardIndex}-e${manifest.epoch}-${index}-${Date.now()}`,
  );
  const mounts = { data: deps.dataDir, checkpoints: join(dir, "checkpoints"), output: join(dir, "output") };
  try {
    await writableByContainer(mounts.checkpoints);
    await writableByContainer(mounts.output);
    // a fine-tune's segment 0 starts from the spec's initial weights, like the submitter's run did
    if (deps.initialWeightsFile) {
      await copyFile(deps.initialWeightsFile, join(mounts.checkpoints, INIT_WEIGHTS_FILE));
    }
    let resume: { file: string; step: number; index: number } | undefined;
    if (index > 0) {
      const prev = manifest.checkpoints[index - 1];
      if (!prev) return { kind: "failed", index, why: `no checkpoint ${index - 1}` };
      try {
        const got = await deps.storage.getToFile(prev.cid, join(dir, "resume.bin"), {
          timeoutMs: deps.fetchTimeoutMs,
        });
        if (got.sha256 !== prev.hash) {
          return {
            kind: "dataUnavailable",
            index,
            what: `checkpoint ${index - 1} does not hash to its leaf`,
          };
        }
      } catch {
        return {
          kind: "dataUnavailable",
          index,
          what: `checkpoint ${index - 1} (${prev.cid}) could not be fetched`,
        };
      }
      await copyFile(join(dir, "resume.bin"), join(mounts.checkpoints, "resume.bin"));
      resume = { file: "resume.bin", step: prev.step, index: index - 1 };
    }
    const stopAt = checkpointStep(spec, index);
    const env = {
      ...deps.extraEnv,
      ...buildContainerEnv({
        taskId: manifest.taskId,
        shardIndex: manifest.shardIndex,
        spec,
        ...(resume ? { resume } : {}),
        stopAt,
      }),
    };
    let written: string | undefined;
    const result = await deps.runtime.run({
      image: input.imageId,
      command: spec.command,
      env,
      mounts,
      limits: {
        memoryMiB: spec.resources.memoryMiB,
        cpus: spec.resources.cpus,
        pids: 512,
        gpus: spec.resources.gpus,
        timeoutSeconds: spec.resources.timeoutSeconds,
      },
      label: deps.label ?? "verifier",
      onLine: (line, stream) => {
        if (stream !== "stdout") return;
        try {
          const e = parseContainerLine(line);
          if (e.type === "checkpoint" && e.index === index) written = e.path.slice("/checkpoints/".length);
        } catch {
          // not ours to judge here: a malformed line simply yields no checkpoint
        }
      },
    });
    if (result.exitCode !== 0 || written === undefined) {
      return {
        kind: "failed",
        index,
        why: `re-execution exited ${result.exitCode} without checkpoint ${index}`,
      };
    }
    const ours = await readFile(join(mounts.checkpoints, written));
    let committed: Uint8Array | undefined;
    if (spec.verification.kind === "relativeL2") {
      committed = await deps.storage
        .getBytes(leaf.cid, { timeoutMs: deps.fetchTimeoutMs })
        .catch(() => undefined);
      if (committed === undefined)
        return { kind: "dataUnavailable", index, what: `checkpoint ${index} could not be fetched` };
    }
    return { kind: "judged", index, ...judge(spec.verification, leaf.hash, committed, ours) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** An audit: re-executes the sampled segments in order and returns the first one judged wrong, if any. */
export async function auditResult(
  deps: SegmentDeps,
  input: { spec: TaskSpec; imageId: string; manifest: ResultManifest; sample: number[] },
): Promise<{ verdicts: SegmentVerdict[]; firstWrong: SegmentVerdict | undefined }> {
  const verdicts: SegmentVerdict[] = [];
  for (const index of [...input.sample].sort((a, b) => a - b)) {
    const verdict = await reexecuteSegment(deps, { ...input, index });
    verdicts.push(verdict);
    if ((verdict.kind === "judged" && !verdict.right) || verdict.kind === "dataUnavailable") {
      return { verdicts, firstWrong: verdict };
    }
  }
  return { verdicts, firstWrong: undefined };
}
