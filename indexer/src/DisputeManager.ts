import { ponder } from "ponder:registry";
import { assignment, challengeCommit, dispute, disputePayout, disputeVote, shard } from "ponder:schema";
import { disputeManagerAbi } from "./lib/abis.js";
import { DISPUTE_OUTCOME, enumName, PAYOUT_KIND, VOTE } from "./lib/format.js";
import { registerGeneric } from "./lib/governance.js";
import { type AnyEvent, type Ctx, logEvent } from "./lib/store.js";
import { assignmentId, updateShard } from "./lib/tasks.js";

const C = "DisputeManager";
type DisputeRow = typeof dispute.$inferSelect;

const voteId = (disputeId: bigint, round: number, nodeId: bigint) => `${disputeId}-${round}-${nodeId}`;

/** A dispute row before DisputeOpened has been seen (events of one transaction may come in any order). */
const disputeDefaults = (id: bigint, e: AnyEvent): DisputeRow => ({
  id,
  taskId: 0n,
  shardIndex: 0,
  challenger: "0x0000000000000000000000000000000000000000",
  submitterNodeId: 0n,
  commitId: 0n,
  epoch: 0,
  assignmentId: null,
  checkpointIndex: 0,
  leafHash: `0x${"0".repeat(64)}`,
  challengerHash: `0x${"0".repeat(64)}`,
  bond: 0n,
  status: "Drawing",
  outcome: "None",
  round: 0,
  seedBlock: 0n,
  committee: [],
  commitDeadline: 0n,
  revealDeadline: 0n,
  commits: 0,
  reveals: 0,
  votesWrong: 0,
  votesRight: 0,
  slashed: 0n,
  live: null,
  nonRevealSlashed: 0n,
  totalPaidOut: 0n,
  openedAt: e.block.timestamp,
  openedBlock: e.block.number,
  openedTx: e.transaction.hash,
  resolvedAt: null,
  updatedAt: e.block.timestamp,
});

async function upsertDispute(
  ctx: Ctx,
  e: AnyEvent,
  id: bigint,
  patch: (d: DisputeRow) => Partial<DisputeRow>,
): Promise<DisputeRow> {
  const d0 = await ctx.db.find(dispute, { id });
  const base = d0 ?? disputeDefaults(id, e);
  const d1 = { ...base, ...patch(base), updatedAt: e.block.timestamp };
  const { id: _id, ...set } = d1;
  if (d0) await ctx.db.update(dispute, { id }).set(set);
  else await ctx.db.insert(dispute).values(d1);
  return d1;
}

const links = (d: DisputeRow, nodeId?: bigint) => ({
  disputeId: d.id,
  taskId: d.taskId === 0n ? null : d.taskId,
  shardIndex: d.taskId === 0n ? null : d.shardIndex,
  nodeId: nodeId ?? null,
});

async function upsertVote(
  ctx: Ctx,
  d: DisputeRow,
  nodeId: bigint,
  patch: (v: typeof disputeVote.$inferSelect) => Partial<typeof disputeVote.$inferSelect>,
) {
  const id = voteId(d.id, d.round, nodeId);
  const v0 = await ctx.db.find(disputeVote, { id });
  const base = v0 ?? {
    id,
    disputeId: d.id,
    round: d.round,
    nodeId,
    commitment: null,
    committedAt: null,
    vote: "None" as const,
    revealedAt: null,
    penalized: false,
    slashed: 0n,
  };
  const set = patch(base);
  if (v0) await ctx.db.update(disputeVote, { id }).set(set);
  else await ctx.db.insert(disputeVote).values({ ...base, ...set });
}

ponder.on("DisputeManager:ChallengeCommitted", async ({ event, context }) => {
  const a = event.args;
  const shardIndex = Number(a.shardIndex);
  await context.db.insert(challengeCommit).values({
    id: a.commitId,
    taskId: a.taskId,
    shardIndex,
    challenger: a.challenger,
    epoch: Number(a.epoch),
    commitment: a.commitment,
    bond: a.bond,
    revealDeadline: a.revealDeadline,
    status: "Committed",
    disputeId: null,
    closedTo: null,
    forfeited: null,
    closedAmount: null,
    committedAt: event.block.timestamp,
    committedBlock: event.block.number,
    committedTx: event.transaction.hash,
    closedAt: null,
    updatedAt: event.block.timestamp,
  });
  await logEvent(context, event, C, "ChallengeCommitted", { taskId: a.taskId, shardIndex });
});

ponder.on("DisputeManager:ChallengeCommitClosed", async ({ event, context }) => {
  const a = event.args;
  const c = await context.db.find(challengeCommit, { id: a.commitId });
  if (c) {
    await context.db.update(challengeCommit, { id: a.commitId }).set({
      status: "Closed",
      closedTo: a.to,
      forfeited: a.forfeited,
      closedAmount: a.amount,
      closedAt: event.block.timestamp,
      updatedAt: event.block.timestamp,
    });
  }
  await logEvent(context, event, C, "ChallengeCommitClosed", {
    taskId: c?.taskId ?? null,
    shardIndex: c?.shardIndex ?? null,
  });
});

ponder.on("DisputeManager:DisputeOpened", async ({ event, context }) => {
  const a = event.args;
  const shardIndex = Number(a.shardIndex);
  const epoch = Number(a.epoch);
  // The committee seed is the block after the commitment (CommitteeSeedScheduled only when it must wait).
  const commit = await context.db.find(challengeCommit, { id: a.commitId });
  const seedBlock = commit ? commit.committedBlock + 1n : 0n;
  const d = await upsertDispute(context, event, a.disputeId, () => ({
    seedBlock,
    taskId: a.taskId,
    shardIndex,
    challenger: a.challenger,
    submitterNodeId: a.submitterNodeId,
    commitId: a.commitId,
    epoch,
    // every assignment starts an epoch: the judged attempt is assignment number `epoch`
    assignmentId: epoch > 0 ? assignmentId(a.taskId, shardIndex, epoch) : null,
    checkpointIndex: Number(a.checkpointIndex),
    leafHash: a.leafHash,
    challengerHash: a.challengerHash,
    bond: a.bond,
    openedAt: event.block.timestamp,
    openedBlock: event.block.number,
    openedTx: event.transaction.hash,
  }));
  if (commit) {
    await context.db.update(challengeCommit, { id: a.commitId }).set({
      status: "Revealed",
      disputeId: a.disputeId,
      updatedAt: event.block.timestamp,
    });
  }
  await logEvent(context, event, C, "DisputeOpened", links(d, a.submitterNodeId), {
    network: (n) => ({ disputeCount: n.disputeCount + 1, openDisputes: n.openDisputes + 1 }),
    daily: (x) => ({ disputesOpened: x.disputesOpened + 1 }),
  });
});

/** Round `round`'s committee waits for the randomness of block `seedBlock` (status Drawing). */
ponder.on("DisputeManager:CommitteeSeedScheduled", async ({ event, context }) => {
  const a = event.args;
  const d = await upsertDispute(context, event, a.disputeId, () => ({
    status: "Drawing",
    round: Number(a.round),
    seedBlock: a.seedBlock,
  }));
  await logEvent(context, event, C, "CommitteeSeedScheduled", links(d));
});

ponder.on("DisputeManager:CommitteeDrawn", async ({ event, context }) => {
  const a = event.args;
  const round = Number(a.round);
  const members = a.members.map((m) => BigInt(m));
  const d = await upsertDispute(context, event, a.disputeId, () => ({
    status: "Voting",
    round,
    committee: members,
    commitDeadline: a.commitDeadline,
    revealDeadline: a.revealDeadline,
    // A new round starts a new vote.
    commits: 0,
    reveals: 0,
    votesWrong: 0,
    votesRight: 0,
  }));
  for (const nodeId of members) await upsertVote(context, d, nodeId, () => ({}));
  await logEvent(context, event, C, "CommitteeDrawn", links(d));
});

ponder.on("DisputeManager:VoteCommitted", async ({ event, context }) => {
  const a = event.args;
  const d = await upsertDispute(context, event, a.disputeId, (x) => ({ commits: x.commits + 1 }));
  await upsertVote(context, d, a.nodeId, () => ({
    commitment: a.commitment,
    committedAt: event.block.timestamp,
  }));
  await logEvent(context, event, C, "VoteCommitted", links(d, a.nodeId));
});

ponder.on("DisputeManager:VoteRevealed", async ({ event, context }) => {
  const a = event.args;
  const v = enumName(VOTE, a.vote);
  const wrong = v === "SubmitterWrong" || v === "DataUnavailable";
  const d = await upsertDispute(context, event, a.disputeId, (x) => ({
    reveals: x.reveals + 1,
    votesWrong: x.votesWrong + (wrong ? 1 : 0),
    votesRight: x.votesRight + (v === "SubmitterRight" ? 1 : 0),
  }));
  await upsertVote(context, d, a.nodeId, () => ({ vote: v, revealedAt: event.block.timestamp }));
  await logEvent(context, event, C, "VoteRevealed", links(d, a.nodeId));
});

ponder.on("DisputeManager:NonRevealPenalized", async ({ event, context }) => {
  const a = event.args;
  const d = await upsertDispute(context, event, a.disputeId, (x) => ({
    nonRevealSlashed: x.nonRevealSlashed + a.slashed,
  }));
  await upsertVote(context, d, a.nodeId, () => ({ penalized: true, slashed: a.slashed }));
  await logEvent(context, event, C, "NonRevealPenalized", links(d, a.nodeId));
});

ponder.on("DisputeManager:DisputeResolved", async ({ event, context }) => {
  const a = event.args;
  const outcome = enumName(DISPUTE_OUTCOME, a.outcome);
  let wasOpen = false;
  const d = await upsertDispute(context, event, a.disputeId, (x) => {
    wasOpen = x.status !== "Resolved";
    return {
      status: "Resolved",
      outcome,
      votesWrong: Number(a.votesWrong),
      votesRight: Number(a.votesRight),
      slashed: a.slashed,
      live: a.live,
      resolvedAt: event.block.timestamp,
    };
  });
  // Only a live attempt loses (and is slashed); a verdict on an attempt that already ended changes nothing.
  if (outcome === "SubmitterWrong" && a.live) {
    if (d.assignmentId) {
      const id = d.assignmentId;
      if (await context.db.find(assignment, { id })) {
        await context.db.update(assignment, { id }).set({
          outcome: "DisputeLost",
          disputeId: d.id,
          slashed: a.slashed,
          endedAt: event.block.timestamp,
          endedTx: event.transaction.hash,
        });
      }
    }
    // The shard resumes from the lost checkpoint (ShardRequeued said so too; ShardFailed / Cancelled did not).
    const s = await context.db.find(shard, { taskId: d.taskId, shardIndex: d.shardIndex });
    if (s && s.resumeFrom !== d.checkpointIndex) {
      await updateShard(context, event, d.taskId, d.shardIndex, () => ({ resumeFrom: d.checkpointIndex }));
    }
  }
  await logEvent(context, event, C, "DisputeResolved", links(d, d.submitterNodeId), {
    network: (n) => ({ openDisputes: n.openDisputes - (wasOpen ? 1 : 0) }),
    daily: (x) => ({ disputesResolved: x.disputesResolved + 1 }),
  });
});

ponder.on("DisputeManager:DisputePayout", async ({ event, context }) => {
  const a = event.args;
  const d = await upsertDispute(context, event, a.disputeId, (x) => ({
    totalPaidOut: x.totalPaidOut + a.amount,
  }));
  await context.db.insert(disputePayout).values({
    id: event.id,
    disputeId: a.disputeId,
    to: a.to,
    kind: enumName(PAYOUT_KIND, a.kind),
    amount: a.amount,
    blockNumber: event.block.number,
    timestamp: event.block.timestamp,
    transactionHash: event.transaction.hash,
  });
  await logEvent(context, event, C, "DisputePayout", links(d));
});

registerGeneric(C, disputeManagerAbi, [
  "ChallengeCommitted",
  "ChallengeCommitClosed",
  "DisputeOpened",
  "CommitteeSeedScheduled",
  "CommitteeDrawn",
  "VoteCommitted",
  "VoteRevealed",
  "NonRevealPenalized",
  "DisputeResolved",
  "DisputePayout",
]);
