// Matchstick tests of the DisputeManager mappings: a dispute from opening to resolution, with the committee
// votes, the challenged assignment and the payouts.
import { BigInt, ethereum } from "@graphprotocol/graph-ts";
import { afterEach, assert, clearStore, describe, test } from "matchstick-as/assembly/index";
import {
  CommitteeDrawn,
  DisputeOpened,
  DisputePayout,
  DisputeResolved,
  NonRevealPenalized,
  VoteCommitted,
  VoteRevealed,
} from "../generated/DisputeManager/DisputeManager";
import { ShardAssigned, ShardChallenged, TaskPosted } from "../generated/TaskManager/TaskManager";
import {
  handleCommitteeDrawn,
  handleDisputeOpened,
  handleDisputePayout,
  handleDisputeResolved,
  handleNonRevealPenalized,
  handleVoteCommitted,
  handleVoteRevealed,
} from "../src/DisputeManager";
import { handleShardAssigned, handleShardChallenged, handleTaskPosted } from "../src/TaskManager";
import {
  addr,
  big,
  CHALLENGER,
  CLIENT,
  DAY_1,
  digest,
  fixed,
  flag,
  mockEvent,
  nrl,
  resources,
  small,
  uint,
  ZERO_DIGEST,
} from "./utils";

/** Task 1 with one shard, assigned to node 7 and challenged by dispute 1. */
function challengedShard(): void {
  const post = new Array<ethereum.EventParam>();
  post.push(uint("taskId", 1));
  post.push(addr("client", CLIENT));
  post.push(fixed("specCid", digest("5e")));
  post.push(uint("shardCount", 1));
  post.push(big("maxPricePerShard", nrl(10)));
  post.push(small("minTier", 0));
  post.push(resources(1, 1024, 1, 1024));
  post.push(uint("maxDuration", 3600));
  post.push(small("auditRateBps", 0));
  post.push(big("escrow", nrl(10)));
  post.push(big("collateralPerShard", nrl(5)));
  post.push(big("auditFeePerShard", nrl(0)));
  handleTaskPosted(changetype<TaskPosted>(mockEvent(post, DAY_1, 20)));
  const assign = [
    uint("taskId", 1),
    uint("shardIndex", 0),
    uint("nodeId", 7),
    small("epoch", 1),
    small("attempt", 1),
    uint("deadline", DAY_1 + 3600),
    uint("resumeFrom", 0),
    fixed("resumeManifestCid", ZERO_DIGEST),
    big("price", nrl(8)),
  ];
  handleShardAssigned(changetype<ShardAssigned>(mockEvent(assign, DAY_1, 21)));
  const challenged = [
    uint("taskId", 1),
    uint("shardIndex", 0),
    uint("disputeId", 1),
    small("epoch", 1),
    small("openDisputes", 1),
  ];
  handleShardChallenged(changetype<ShardChallenged>(mockEvent(challenged, DAY_1, 22)));
}

function opened(): DisputeOpened {
  const params = [
    uint("disputeId", 1),
    uint("taskId", 1),
    uint("shardIndex", 0),
    uint("commitId", 1),
    addr("challenger", CHALLENGER),
    uint("submitterNodeId", 7),
    small("epoch", 1),
    uint("checkpointIndex", 3),
    fixed("leafHash", digest("aa")),
    fixed("challengerHash", digest("bb")),
    big("bond", nrl(5)),
  ];
  return changetype<DisputeOpened>(mockEvent(params, DAY_1, 22));
}

function drawn(round: i32, members: Array<BigInt>): CommitteeDrawn {
  const params = [
    uint("disputeId", 1),
    small("round", round),
    new ethereum.EventParam("members", ethereum.Value.fromUnsignedBigIntArray(members)),
    uint("commitDeadline", DAY_1 + 600),
    uint("revealDeadline", DAY_1 + 1200),
  ];
  return changetype<CommitteeDrawn>(mockEvent(params, DAY_1, 22));
}

afterEach(() => {
  clearStore();
});

describe("a dispute", () => {
  test("links the challenged assignment and seats the committee", () => {
    challengedShard();
    handleDisputeOpened(opened());
    assert.fieldEquals("Dispute", "1", "assignmentId", "1-0-1");
    assert.fieldEquals("Dispute", "1", "status", "Voting");
    assert.fieldEquals("Dispute", "1", "shard", "1-0");
    assert.fieldEquals("Dispute", "1", "submitter", "7");
    assert.fieldEquals("Network", "network", "openDisputes", "1");
    assert.fieldEquals("Assignment", "1-0-1", "outcome", "Disputed");
    handleCommitteeDrawn(drawn(0, [BigInt.fromI32(2), BigInt.fromI32(3), BigInt.fromI32(4)]));
    assert.fieldEquals("Dispute", "1", "committee", "[2, 3, 4]");
    assert.entityCount("DisputeVote", 3);
    assert.fieldEquals("DisputeVote", "1-0-3", "vote", "None");
  });

  test("tallies revealed votes, penalizes non-revealers and ends with the submitter's loss", () => {
    challengedShard();
    handleDisputeOpened(opened());
    handleCommitteeDrawn(drawn(0, [BigInt.fromI32(2), BigInt.fromI32(3), BigInt.fromI32(4)]));
    for (let node = 2; node <= 4; node++) {
      const c = [
        uint("disputeId", 1),
        uint("nodeId", node),
        fixed("commitment", digest("c" + node.toString())),
      ];
      handleVoteCommitted(changetype<VoteCommitted>(mockEvent(c, DAY_1 + 60, 23)));
    }
    assert.fieldEquals("Dispute", "1", "commits", "3");
    // SubmitterWrong, DataUnavailable (both against the submitter); node 4 does not reveal.
    handleVoteRevealed(
      changetype<VoteRevealed>(
        mockEvent([uint("disputeId", 1), uint("nodeId", 2), small("vote", 2)], DAY_1 + 700, 24),
      ),
    );
    handleVoteRevealed(
      changetype<VoteRevealed>(
        mockEvent([uint("disputeId", 1), uint("nodeId", 3), small("vote", 3)], DAY_1 + 700, 24),
      ),
    );
    assert.fieldEquals("Dispute", "1", "votesWrong", "2");
    assert.fieldEquals("DisputeVote", "1-0-2", "vote", "SubmitterWrong");
    handleNonRevealPenalized(
      changetype<NonRevealPenalized>(
        mockEvent([uint("disputeId", 1), uint("nodeId", 4), big("slashed", nrl(1))], DAY_1 + 1300, 25),
      ),
    );
    assert.fieldEquals("DisputeVote", "1-0-4", "penalized", "true");
    assert.fieldEquals("Dispute", "1", "nonRevealSlashed", nrl(1).toString());
    const resolved = [
      uint("disputeId", 1),
      small("outcome", 1),
      small("votesWrong", 2),
      small("votesRight", 0),
      big("slashed", nrl(5)),
      flag("live", true),
    ];
    handleDisputeResolved(changetype<DisputeResolved>(mockEvent(resolved, DAY_1 + 1300, 25)));
    assert.fieldEquals("Dispute", "1", "status", "Resolved");
    assert.fieldEquals("Dispute", "1", "outcome", "SubmitterWrong");
    assert.fieldEquals("Assignment", "1-0-1", "outcome", "DisputeLost");
    assert.fieldEquals("Assignment", "1-0-1", "slashed", nrl(5).toString());
    assert.fieldEquals("Network", "network", "openDisputes", "0");
    assert.fieldEquals("DailyStat", "2024-02-29", "disputesResolved", "1");
    const payout = [uint("disputeId", 1), addr("to", CHALLENGER), small("kind", 1), big("amount", nrl(3))];
    handleDisputePayout(changetype<DisputePayout>(mockEvent(payout, DAY_1 + 1300, 25)));
    assert.fieldEquals("Dispute", "1", "totalPaidOut", nrl(3).toString());
    assert.entityCount("DisputePayout", 1);
  });
});
