// DisputeManager handlers: the same entities and semantics as indexer/src/DisputeManager.ts.
import { Address, BigInt, ethereum } from "@graphprotocol/graph-ts";
import {
  ChallengeCommitClosed,
  ChallengeCommitted,
  CommitteeDrawn,
  CommitteeSeedScheduled,
  DisputeOpened,
  DisputePayout as DisputePayoutEvent,
  DisputeResolved,
  NonRevealPenalized,
  ParameterSet,
  RoleAdminChanged,
  RoleGranted,
  RoleRevoked,
  TreasurySet,
  VoteCommitted,
  VoteRevealed,
} from "../generated/DisputeManager/DisputeManager";
import { Assignment, ChallengeCommit, Dispute, DisputePayout, DisputeVote } from "../generated/schema";
import { onAddressSet, onParameterSet, onRole } from "./governance";
import { DISPUTE_OUTCOME, enumName, PAYOUT_KIND, VOTE, votesAgainstSubmitter } from "./lib/enums";
import { assignmentId, shardId, voteId } from "./lib/ids";
import { idOf, Links, links, loadAggregates, logEvent, ZERO_32, zero } from "./store";
import { loadShard, loadTask, saveShard, saveTask } from "./tasks";

const C = "DisputeManager";

/** A dispute as stored, or its defaults when DisputeOpened has not been seen (events of a transaction may come in any order). */
function loadDispute(disputeId: BigInt, event: ethereum.Event): Dispute {
  const existing = Dispute.load(disputeId.toString());
  if (existing != null) return existing;
  const d = new Dispute(disputeId.toString());
  d.taskId = zero();
  d.shardIndex = 0;
  d.challenger = Address.zero();
  d.submitterNodeId = zero();
  d.commitId = zero();
  d.epoch = 0;
  d.checkpointIndex = 0;
  d.leafHash = ZERO_32;
  d.challengerHash = ZERO_32;
  d.bond = zero();
  d.status = "Drawing";
  d.outcome = "None";
  d.round = 0;
  d.seedBlock = zero();
  d.committee = new Array<BigInt>(0);
  d.commitDeadline = zero();
  d.revealDeadline = zero();
  d.commits = 0;
  d.reveals = 0;
  d.votesWrong = 0;
  d.votesRight = 0;
  d.slashed = zero();
  d.nonRevealSlashed = zero();
  d.totalPaidOut = zero();
  d.openedAt = event.block.timestamp;
  d.openedBlock = event.block.number;
  d.openedTx = event.transaction.hash;
  d.updatedAt = event.block.timestamp;
  return d;
}

/** Saves a dispute with its reference fields (task, shard, submitter) following the id columns. */
function saveDispute(d: Dispute, event: ethereum.Event): void {
  if (d.taskId.isZero()) {
    d.task = null;
    d.shard = null;
  } else {
    d.task = d.taskId.toString();
    d.shard = shardId(d.taskId.toString(), d.shardIndex);
  }
  d.submitter = d.submitterNodeId.isZero() ? null : d.submitterNodeId.toString();
  d.commit = d.commitId.isZero() ? null : d.commitId.toString();
  d.updatedAt = event.block.timestamp;
  d.save();
}

/** Saves a challenge commitment with its reference fields (task, shard, dispute). */
function saveCommit(c: ChallengeCommit, event: ethereum.Event): void {
  c.task = c.taskId.toString();
  c.shard = shardId(c.taskId.toString(), c.shardIndex);
  const disputeId = c.disputeId;
  c.dispute = disputeId ? disputeId.toString() : null;
  c.updatedAt = event.block.timestamp;
  c.save();
}

export function handleChallengeCommitted(event: ChallengeCommitted): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const shardIndex = p.shardIndex.toI32();
  const c = new ChallengeCommit(p.commitId.toString());
  c.taskId = p.taskId;
  c.shardIndex = shardIndex;
  c.challenger = p.challenger;
  c.epoch = p.epoch;
  c.commitment = p.commitment;
  c.bond = p.bond;
  c.revealDeadline = p.revealDeadline;
  c.status = "Committed";
  c.committedAt = event.block.timestamp;
  c.committedBlock = event.block.number;
  c.committedTx = event.transaction.hash;
  saveCommit(c, event);
  logEvent(event, C, "ChallengeCommitted", links().shard(p.taskId, shardIndex), agg);
}

export function handleChallengeCommitClosed(event: ChallengeCommitClosed): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const c = ChallengeCommit.load(p.commitId.toString());
  const l = links();
  if (c != null) {
    c.status = "Closed";
    c.closedTo = p.to;
    c.forfeited = p.forfeited;
    c.closedAmount = p.amount;
    c.closedAt = event.block.timestamp;
    saveCommit(c, event);
    l.shard(c.taskId, c.shardIndex);
  }
  logEvent(event, C, "ChallengeCommitClosed", l, agg);
}

/** ProtocolEvent links of a dispute event: the dispute, its shard once known, and a node. */
function disputeLinks(d: Dispute, nodeId: BigInt | null): Links {
  const l = links().dispute(BigInt.fromString(d.id));
  if (!d.taskId.isZero()) l.shard(d.taskId, d.shardIndex);
  if (nodeId) l.node(nodeId);
  return l;
}

/** The committee seat of `nodeId` in the dispute's current round (created when new). */
function loadVote(d: Dispute, nodeId: BigInt): DisputeVote {
  const id = voteId(d.id, d.round, nodeId.toString());
  const existing = DisputeVote.load(id);
  if (existing != null) return existing;
  const v = new DisputeVote(id);
  v.disputeId = BigInt.fromString(d.id);
  v.round = d.round;
  v.nodeId = nodeId;
  v.vote = "None";
  v.penalized = false;
  v.slashed = zero();
  v.dispute = d.id;
  v.node = nodeId.toString();
  return v;
}

export function handleDisputeOpened(event: DisputeOpened): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const shardIndex = p.shardIndex.toI32();
  const d = loadDispute(p.disputeId, event);
  d.taskId = p.taskId;
  d.shardIndex = shardIndex;
  d.challenger = p.challenger;
  d.submitterNodeId = p.submitterNodeId;
  d.commitId = p.commitId;
  d.epoch = p.epoch;
  // every assignment starts an epoch: the judged attempt is assignment number `epoch`
  if (p.epoch > 0) d.assignmentId = assignmentId(p.taskId.toString(), shardIndex, p.epoch);
  // The committee seed is the block after the commitment (CommitteeSeedScheduled only when it must wait).
  const c = ChallengeCommit.load(p.commitId.toString());
  if (c != null) {
    d.seedBlock = c.committedBlock.plus(BigInt.fromI32(1));
    c.status = "Revealed";
    c.disputeId = p.disputeId;
    saveCommit(c, event);
  }
  d.checkpointIndex = p.checkpointIndex.toI32();
  d.leafHash = p.leafHash;
  d.challengerHash = p.challengerHash;
  d.bond = p.bond;
  d.openedAt = event.block.timestamp;
  d.openedBlock = event.block.number;
  d.openedTx = event.transaction.hash;
  saveDispute(d, event);
  agg.network.disputeCount = agg.network.disputeCount + 1;
  agg.network.openDisputes = agg.network.openDisputes + 1;
  agg.daily.disputesOpened = agg.daily.disputesOpened + 1;
  logEvent(event, C, "DisputeOpened", disputeLinks(d, p.submitterNodeId), agg);
}

/** Round `round`'s committee waits for the randomness of block `seedBlock` (status Drawing). */
export function handleCommitteeSeedScheduled(event: CommitteeSeedScheduled): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const d = loadDispute(p.disputeId, event);
  d.status = "Drawing";
  d.round = p.round;
  d.seedBlock = p.seedBlock;
  saveDispute(d, event);
  logEvent(event, C, "CommitteeSeedScheduled", disputeLinks(d, null), agg);
}

export function handleCommitteeDrawn(event: CommitteeDrawn): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const d = loadDispute(p.disputeId, event);
  const members = p.members;
  d.status = "Voting";
  d.round = p.round;
  d.committee = members;
  d.commitDeadline = p.commitDeadline;
  d.revealDeadline = p.revealDeadline;
  // A new round starts a new vote.
  d.commits = 0;
  d.reveals = 0;
  d.votesWrong = 0;
  d.votesRight = 0;
  saveDispute(d, event);
  for (let i = 0; i < members.length; i++) loadVote(d, members[i]).save();
  logEvent(event, C, "CommitteeDrawn", disputeLinks(d, null), agg);
}

export function handleVoteCommitted(event: VoteCommitted): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const d = loadDispute(p.disputeId, event);
  d.commits = d.commits + 1;
  saveDispute(d, event);
  const v = loadVote(d, p.nodeId);
  v.commitment = p.commitment;
  v.committedAt = event.block.timestamp;
  v.save();
  logEvent(event, C, "VoteCommitted", disputeLinks(d, p.nodeId), agg);
}

export function handleVoteRevealed(event: VoteRevealed): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const vote = enumName(VOTE, p.vote);
  const d = loadDispute(p.disputeId, event);
  d.reveals = d.reveals + 1;
  if (votesAgainstSubmitter(vote)) d.votesWrong = d.votesWrong + 1;
  if (vote == "SubmitterRight") d.votesRight = d.votesRight + 1;
  saveDispute(d, event);
  const v = loadVote(d, p.nodeId);
  v.vote = vote;
  v.revealedAt = event.block.timestamp;
  v.save();
  logEvent(event, C, "VoteRevealed", disputeLinks(d, p.nodeId), agg);
}

export function handleNonRevealPenalized(event: NonRevealPenalized): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const d = loadDispute(p.disputeId, event);
  d.nonRevealSlashed = d.nonRevealSlashed.plus(p.slashed);
  saveDispute(d, event);
  const v = loadVote(d, p.nodeId);
  v.penalized = true;
  v.slashed = p.slashed;
  v.save();
  logEvent(event, C, "NonRevealPenalized", disputeLinks(d, p.nodeId), agg);
}

export function handleDisputeResolved(event: DisputeResolved): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const outcome = enumName(DISPUTE_OUTCOME, p.outcome);
  const d = loadDispute(p.disputeId, event);
  const wasOpen = d.status != "Resolved";
  d.status = "Resolved";
  d.outcome = outcome;
  d.votesWrong = p.votesWrong;
  d.votesRight = p.votesRight;
  d.slashed = p.slashed;
  d.live = p.live;
  d.resolvedAt = event.block.timestamp;
  saveDispute(d, event);
  // Only a live attempt loses (and is slashed); a verdict on an attempt that already ended changes nothing.
  const challenged = d.assignmentId;
  if (outcome == "SubmitterWrong" && p.live) {
    if (challenged) {
      const a = Assignment.load(challenged);
      if (a != null) {
        a.outcome = "DisputeLost";
        a.disputeId = p.disputeId;
        a.slashed = p.slashed;
        a.endedAt = event.block.timestamp;
        a.endedTx = event.transaction.hash;
        a.save();
      }
    }
    // The shard resumes from the lost checkpoint (ShardRequeued said so too; ShardFailed / Cancelled did not).
    const s = loadShard(d.taskId, d.shardIndex);
    const t = loadTask(d.taskId);
    if (s != null && t != null && s.resumeFrom != d.checkpointIndex) {
      s.resumeFrom = d.checkpointIndex;
      saveShard(s, event);
      saveTask(t, event);
    }
  }
  if (wasOpen) agg.network.openDisputes = agg.network.openDisputes - 1;
  agg.daily.disputesResolved = agg.daily.disputesResolved + 1;
  logEvent(event, C, "DisputeResolved", disputeLinks(d, d.submitterNodeId), agg);
}

export function handleDisputePayout(event: DisputePayoutEvent): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const d = loadDispute(p.disputeId, event);
  d.totalPaidOut = d.totalPaidOut.plus(p.amount);
  saveDispute(d, event);
  const row = new DisputePayout(idOf(event));
  row.disputeId = p.disputeId;
  row.to = p.to;
  row.kind = enumName(PAYOUT_KIND, p.kind);
  row.amount = p.amount;
  row.blockNumber = event.block.number;
  row.timestamp = event.block.timestamp;
  row.transactionHash = event.transaction.hash;
  row.dispute = d.id;
  row.save();
  logEvent(event, C, "DisputePayout", disputeLinks(d, null), agg);
}

export function handleTreasurySet(event: TreasurySet): void {
  const agg = loadAggregates(event);
  onAddressSet(event, C, "treasury", event.params.oldTreasury, event.params.newTreasury);
  logEvent(event, C, "TreasurySet", links(), agg);
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
