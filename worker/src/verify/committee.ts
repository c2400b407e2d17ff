/**
 * The committee duty: this node was drawn (CommitteeDrawn) to judge checkpoint d of a disputed attempt. It
 * re-executes only segment d-1 -> d from the submitter's checkpoint d-1 and votes by commit-reveal: the vote and its
 * salt are journaled before the commitment is sent (so a crash cannot lose the salt and forfeit the reveal), and
 * revealed once the commit period is over, before the reveal deadline. A checkpoint that cannot be fetched is
 * voted DataUnavailable.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  bytes32ToCid,
  DisputeStatus,
  type ResultManifest,
  randomSalt,
  resultManifest,
  Vote,
} from "@neural/sdk";
import type { Hex } from "viem";
import { TaskFault } from "../errors.js";
import type { AuditDeps } from "./audit.js";
import { prepareVerifierInputs, type VerifierInputs } from "./inputs.js";
import { reexecuteSegment } from "./reexecute.js";

export interface VoteJournal {
  disputeId: string;
  round: number;
  vote: Vote;
  salt: Hex;
  committed: boolean;
  revealed: boolean;
}

export type CommitteeOutcome =
  | { kind: "committed"; vote: Vote }
  | { kind: "revealed"; vote: Vote }
  | { kind: "waiting"; why: string }
  | { kind: "skipped"; why: string };

async function readJournal(path: string): Promise<VoteJournal | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as VoteJournal;
  } catch {
    return undefined;
  }
}

async function writeJournal(path: string, journal: VoteJournal): Promise<void> {
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(`${path}.tmp`, JSON.stringify(journal));
  await rename(`${path}.tmp`, path);
}

/** Decides this node's vote on dispute `disputeId` by re-executing its one segment. */
export async function decideVote(deps: AuditDeps, disputeId: bigint): Promise<Vote> {
  const { chain } = deps;
  const dispute = await chain.getDispute(disputeId);
  const taskId = BigInt(dispute.taskId);
  const shardIndex = BigInt(dispute.shardIndex);
  const submitted = await chain.resultSubmitted(taskId, shardIndex, dispute.epoch);
  let manifest: ResultManifest;
  try {
    manifest = resultManifest.parse(
      await deps.storage.getRaw(bytes32ToCid(submitted.manifestCid, "manifest"), {
        timeoutMs: deps.fetchTimeoutMs,
      }),
    );
  } catch {
    return Vote.DataUnavailable;
  }
  const leaf = manifest.checkpoints[dispute.checkpointIndex];
  if (!leaf || leaf.hash !== dispute.leafHash) return Vote.SubmitterWrong; // the manifest is not what was committed
  const task = await chain.getTask(taskId);
  const dir = join(deps.workDir, `dispute-${disputeId}`);
  let inputs: VerifierInputs;
  try {
    inputs = await prepareVerifierInputs(deps, task, dir);
  } catch (error) {
    if (error instanceof TaskFault) return Vote.DataUnavailable;
    throw error;
  }
  const { spec, imageId } = inputs;
  const verdict = await reexecuteSegment(inputs.segmentDeps, {
    spec,
    imageId,
    manifest,
    index: dispute.checkpointIndex,
  });
  if (verdict.kind === "dataUnavailable") return Vote.DataUnavailable;
  if (verdict.kind === "failed") throw new Error(`committee re-execution failed: ${verdict.why}`);
  return verdict.right ? Vote.SubmitterRight : Vote.SubmitterWrong;
}

/**
 * One step of the duty for `disputeId`, called repeatedly (each daemon poll): commits during the commit period,
 * reveals during the reveal period, does nothing otherwise.
 */
export async function serveCommittee(
  deps: AuditDeps & { stateDir: string },
  disputeId: bigint,
): Promise<CommitteeOutcome> {
  const { chain } = deps;
  const dispute = await chain.getDispute(disputeId);
  if (dispute.status !== DisputeStatus.Voting)
    return { kind: "skipped", why: `dispute is ${dispute.statusName}` };
  if (!dispute.committee.some((m) => BigInt(m) === deps.nodeId))
    return { kind: "skipped", why: "not a member" };
  const path = join(deps.stateDir, "votes", `${disputeId}-${dispute.round}.json`);
  let journal = await readJournal(path);
  const now = await chain.chainTime();
  if (!journal?.committed) {
    if (now > BigInt(dispute.commitDeadline)) return { kind: "skipped", why: "commit period over" };
    if (!journal) {
      const vote = await decideVote(deps, disputeId);
      journal = {
        disputeId: String(disputeId),
        round: dispute.round,
        vote,
        salt: randomSalt(),
        committed: false,
        revealed: false,
      };
      await writeJournal(path, journal);
    }
    const { commitment } = await chain.voteOf(disputeId, deps.nodeId);
    if (/^0x0+$/.test(commitment)) {
      await chain.commitVote(deps.actor, {
        disputeId,
        nodeId: deps.nodeId,
        vote: journal.vote,
        salt: journal.salt,
      });
    }
    journal.committed = true;
    await writeJournal(path, journal);
    deps.log.info({ disputeId: String(disputeId), vote: journal.vote }, "vote committed");
    return { kind: "committed", vote: journal.vote };
  }
  if (journal.revealed) return { kind: "skipped", why: "already revealed" };
  if (now <= BigInt(dispute.commitDeadline)) return { kind: "waiting", why: "reveal period not open" };
  if (now > BigInt(dispute.revealDeadline)) return { kind: "skipped", why: "reveal period over" };
  await chain.revealVote(deps.actor, {
    disputeId,
    nodeId: deps.nodeId,
    vote: journal.vote,
    salt: journal.salt,
  });
  journal.revealed = true;
  await writeJournal(path, journal);
  deps.log.info({ disputeId: String(disputeId), vote: journal.vote }, "vote revealed");
  return { kind: "revealed", vote: journal.vote };
}
