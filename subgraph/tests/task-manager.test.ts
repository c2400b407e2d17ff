// Matchstick tests of the TaskManager mappings: task posting, the shard state machine with its task
// counters, assignments, and the network / daily aggregates.
import { ethereum } from "@graphprotocol/graph-ts";
import { afterEach, assert, beforeEach, clearStore, describe, test } from "matchstick-as/assembly/index";
import {
  ParameterSet,
  PingAnswered,
  ResultSubmitted,
  ShardAssigned,
  ShardCancelled,
  ShardFinalized,
  ShardPinged,
  ShardReleased,
  ShardRequeued,
  ShardTimedOut,
  TaskCancelled,
  TaskPosted,
  TaskStatusChanged,
} from "../generated/TaskManager/TaskManager";
import {
  handleParameterSet,
  handlePingAnswered,
  handleResultSubmitted,
  handleShardAssigned,
  handleShardCancelled,
  handleShardFinalized,
  handleShardPinged,
  handleShardReleased,
  handleShardRequeued,
  handleShardTimedOut,
  handleTaskCancelled,
  handleTaskPosted,
  handleTaskStatusChanged,
} from "../src/TaskManager";
import {
  addr,
  ascii32,
  big,
  CLIENT,
  checkpoints,
  DAY_1,
  DAY_2,
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

function posted(taskId: i64, shardCount: i64, auditRateBps: i32): TaskPosted {
  const params = new Array<ethereum.EventParam>();
  params.push(uint("taskId", taskId));
  params.push(addr("client", CLIENT));
  params.push(fixed("specCid", digest("5e")));
  params.push(uint("shardCount", shardCount));
  params.push(big("maxPricePerShard", nrl(10)));
  params.push(small("minTier", 1));
  params.push(resources(1, 24576, 8, 65536));
  params.push(uint("maxDuration", 3600));
  params.push(small("auditRateBps", auditRateBps));
  // 4 shards * 10 NRL + 1 audit * 1 NRL
  params.push(big("escrow", nrl(41)));
  params.push(big("collateralPerShard", nrl(5)));
  params.push(big("auditFeePerShard", nrl(1)));
  return changetype<TaskPosted>(mockEvent(params, DAY_1, 20));
}

function assigned(taskId: i64, shardIndex: i64, nodeId: i64, attempt: i32): ShardAssigned {
  const params = [
    uint("taskId", taskId),
    uint("shardIndex", shardIndex),
    uint("nodeId", nodeId),
    small("epoch", 1),
    small("attempt", attempt),
    uint("deadline", DAY_1 + 3600),
    uint("resumeFrom", 0),
    fixed("resumeManifestCid", ZERO_DIGEST),
    big("price", nrl(8)),
  ];
  return changetype<ShardAssigned>(mockEvent(params, DAY_1, 21));
}

function setParameter(name: string, value: i64): void {
  const params = [fixed("name", ascii32(name)), uint("oldValue", 0), uint("newValue", value)];
  handleParameterSet(changetype<ParameterSet>(mockEvent(params, DAY_1, 1)));
}

beforeEach(() => {
  // The collateral ratio and audit fee rate are set from the constructor on; TaskPosted reads them.
  setParameter("collateralRatioBps", 5000);
  setParameter("auditFeeBps", 1000);
});

afterEach(() => {
  clearStore();
});

describe("TaskPosted", () => {
  test("creates the task with its pending shards, budget, fees and collateral", () => {
    handleTaskPosted(posted(1, 4, 2500));
    assert.fieldEquals("Task", "1", "status", "Open");
    assert.fieldEquals("Task", "1", "shardCount", "4");
    assert.fieldEquals("Task", "1", "pendingShards", "4");
    assert.fieldEquals("Task", "1", "auditBudget", "1");
    assert.fieldEquals("Task", "1", "auditFeePerShard", nrl(1).toString());
    assert.fieldEquals("Task", "1", "collateralPerShard", nrl(5).toString());
    assert.fieldEquals("Task", "1", "escrowRemaining", nrl(41).toString());
    assert.entityCount("Shard", 4);
    assert.fieldEquals("Shard", "1-3", "status", "Pending");
    assert.fieldEquals("Shard", "1-3", "task", "1");
    assert.fieldEquals("Network", "network", "taskCount", "1");
    assert.fieldEquals("Network", "network", "openTasks", "1");
    assert.fieldEquals("Network", "network", "shardCount", "4");
    assert.fieldEquals("DailyStat", "2024-02-29", "volume", nrl(41).toString());
    assert.fieldEquals("DailyStat", "2024-02-29", "tasksPosted", "1");
  });
});

describe("shard lifecycle", () => {
  test("assign, submit and finalize move the task counters and pay the node", () => {
    handleTaskPosted(posted(1, 4, 2500));
    handleShardAssigned(assigned(1, 0, 7, 1));
    assert.fieldEquals("Shard", "1-0", "status", "Assigned");
    assert.fieldEquals("Shard", "1-0", "nodeId", "7");
    assert.fieldEquals("Shard", "1-0", "node", "7");
    assert.fieldEquals("Task", "1", "pendingShards", "3");
    assert.fieldEquals("Task", "1", "assignedShards", "1");
    assert.fieldEquals("Assignment", "1-0-1", "outcome", "Active");
    assert.fieldEquals("Assignment", "1-0-1", "shard", "1-0");
    assert.fieldEquals("Node", "7", "assignmentCount", "1");

    const submit = [
      uint("taskId", 1),
      uint("shardIndex", 0),
      uint("nodeId", 7),
      small("epoch", 1),
      fixed("manifestCid", digest("4d")),
      fixed("checkpointRoot", digest("77")),
      uint("checkpointCount", 12),
      uint("challengeDeadline", DAY_1 + 7200),
      checkpoints(12),
    ];
    handleResultSubmitted(changetype<ResultSubmitted>(mockEvent(submit, DAY_1, 22)));
    assert.fieldEquals("Shard", "1-0", "status", "Submitted");
    assert.fieldEquals("Shard", "1-0", "checkpointCount", "12");
    assert.fieldEquals("Shard", "1-0", "epoch", "1");
    assert.entityCount("Checkpoint", 12);
    assert.fieldEquals("Checkpoint", "1-0-1-11", "isFinal", "true");
    assert.fieldEquals("Checkpoint", "1-0-1-0", "step", "100");
    assert.fieldEquals("Checkpoint", "1-0-1-0", "assignment", "1-0-1");
    assert.fieldEquals("Shard", "1-0", "deadline", (DAY_1 + 7200).toString());
    assert.fieldEquals("Assignment", "1-0-1", "outcome", "Submitted");

    const fin = [
      uint("taskId", 1),
      uint("shardIndex", 0),
      uint("nodeId", 7),
      big("payout", nrl(9)),
      big("fee", nrl(1)),
    ];
    handleShardFinalized(changetype<ShardFinalized>(mockEvent(fin, DAY_2, 30)));
    assert.fieldEquals("Shard", "1-0", "status", "Finalized");
    assert.fieldEquals("Task", "1", "finalizedShards", "1");
    assert.fieldEquals("Task", "1", "submittedShards", "0");
    assert.fieldEquals("Task", "1", "paid", nrl(9).toString());
    assert.fieldEquals("Task", "1", "escrowRemaining", nrl(31).toString());
    assert.fieldEquals("Assignment", "1-0-1", "outcome", "Finalized");
    assert.fieldEquals("Node", "7", "earned", nrl(9).toString());
    assert.fieldEquals("Network", "network", "shardsFinalized", "1");
    assert.fieldEquals("DailyStat", "2024-03-01", "rewardsPaid", nrl(9).toString());
  });

  test("a timeout ends the attempt; the re-queue returns the shard to Pending", () => {
    handleTaskPosted(posted(1, 4, 0));
    handleShardAssigned(assigned(1, 2, 7, 1));
    const timeout = [uint("taskId", 1), uint("shardIndex", 2), uint("nodeId", 7), big("slashed", nrl(2))];
    handleShardTimedOut(changetype<ShardTimedOut>(mockEvent(timeout, DAY_1, 23)));
    assert.fieldEquals("Shard", "1-2", "attempts", "1");
    assert.fieldEquals("Shard", "1-2", "status", "Assigned");
    assert.fieldEquals("Task", "1", "compensation", nrl(2).toString());
    assert.fieldEquals("Assignment", "1-2-1", "outcome", "TimedOut");
    assert.fieldEquals("Node", "7", "timeoutCount", "1");
    const requeue = [
      uint("taskId", 1),
      uint("shardIndex", 2),
      small("attempts", 1),
      uint("resumeFrom", 0),
      fixed("resumeManifestCid", ZERO_DIGEST),
    ];
    handleShardRequeued(changetype<ShardRequeued>(mockEvent(requeue, DAY_1, 24)));
    assert.fieldEquals("Shard", "1-2", "status", "Pending");
    assert.fieldEquals("Task", "1", "pendingShards", "4");
    assert.fieldEquals("Task", "1", "assignedShards", "0");
    assert.fieldEquals("DailyStat", "2024-02-29", "shardsTimedOut", "1");
  });
});

describe("prices, late releases and cancellation", () => {
  test("the shard and its assignment keep the locked price until the attempt ends", () => {
    handleTaskPosted(posted(1, 4, 0));
    handleShardAssigned(assigned(1, 0, 7, 1));
    assert.fieldEquals("Shard", "1-0", "price", nrl(8).toString());
    assert.fieldEquals("Assignment", "1-0-1", "price", nrl(8).toString());
  });

  test("a late release is a failed attempt; TaskCancelled cancels every Pending shard at once", () => {
    handleTaskPosted(posted(1, 4, 0));
    handleShardAssigned(assigned(1, 0, 7, 1));
    handleShardAssigned(assigned(1, 1, 8, 1));
    const release = [
      uint("taskId", 1),
      uint("shardIndex", 1),
      uint("nodeId", 8),
      small("reason", 2),
      fixed("logsCid", digest("10")),
      flag("late", true),
    ];
    handleShardReleased(changetype<ShardReleased>(mockEvent(release, DAY_1, 26)));
    assert.fieldEquals("Shard", "1-1", "status", "Pending");
    assert.fieldEquals("Shard", "1-1", "attempts", "1");
    assert.fieldEquals("Shard", "1-1", "lastReleaseLate", "true");
    assert.fieldEquals("Assignment", "1-1-1", "late", "true");
    assert.fieldEquals("Task", "1", "lateReleaseCount", "1");
    assert.fieldEquals("Node", "8", "lateReleaseCount", "1");
    assert.fieldEquals("Node", "8", "releaseCount", "1");

    // shards 1, 2 and 3 are Pending; shard 0 runs on
    const cancel = [uint("taskId", 1), uint("pendingShards", 3)];
    handleTaskCancelled(changetype<TaskCancelled>(mockEvent(cancel, DAY_1, 27)));
    assert.fieldEquals("Shard", "1-0", "status", "Assigned");
    assert.fieldEquals("Shard", "1-1", "status", "Cancelled");
    assert.fieldEquals("Shard", "1-3", "status", "Cancelled");
    assert.fieldEquals("Task", "1", "pendingShards", "0");
    assert.fieldEquals("Task", "1", "assignedShards", "1");
    assert.fieldEquals("Task", "1", "cancelledShards", "3");
    assert.fieldEquals("Task", "1", "cancelledPendingShards", "3");

    // the shard in flight is released early: Pending, then ShardCancelled
    const early = [
      uint("taskId", 1),
      uint("shardIndex", 0),
      uint("nodeId", 7),
      small("reason", 2),
      fixed("logsCid", digest("11")),
      flag("late", false),
    ];
    handleShardReleased(changetype<ShardReleased>(mockEvent(early, DAY_1, 28)));
    assert.fieldEquals("Shard", "1-0", "attempts", "0");
    assert.fieldEquals("Shard", "1-0", "lastReleaseLate", "false");
    handleShardCancelled(
      changetype<ShardCancelled>(mockEvent([uint("taskId", 1), uint("shardIndex", 0)], DAY_1, 29)),
    );
    assert.fieldEquals("Shard", "1-0", "status", "Cancelled");
    assert.fieldEquals("Task", "1", "cancelledShards", "4");
    assert.fieldEquals("Task", "1", "assignedShards", "0");
  });
});

function pinged(taskId: i64, shardIndex: i64, nodeId: i64, respondBy: i64): ShardPinged {
  const params = [
    uint("taskId", taskId),
    uint("shardIndex", shardIndex),
    uint("nodeId", nodeId),
    small("epoch", 1),
    uint("respondBy", respondBy),
  ];
  return changetype<ShardPinged>(mockEvent(params, DAY_1, 30));
}

describe("liveness pings", () => {
  test("a ping sets pingRespondBy; the answer clears it", () => {
    handleTaskPosted(posted(1, 4, 0));
    handleShardAssigned(assigned(1, 0, 7, 1));
    handleShardPinged(pinged(1, 0, 7, DAY_1 + 600));
    assert.fieldEquals("Shard", "1-0", "pingRespondBy", (DAY_1 + 600).toString());
    const answer = [uint("taskId", 1), uint("shardIndex", 0), uint("nodeId", 7), small("epoch", 1)];
    handlePingAnswered(changetype<PingAnswered>(mockEvent(answer, DAY_1, 31)));
    assert.fieldEquals("Shard", "1-0", "pingRespondBy", "null");
    assert.fieldEquals("Shard", "1-0", "status", "Assigned");
  });

  test("an unresponsive release ends the attempt (a late release) and the ping with it", () => {
    handleTaskPosted(posted(1, 4, 0));
    handleShardAssigned(assigned(1, 0, 7, 1));
    handleShardPinged(pinged(1, 0, 7, DAY_1 + 600));
    const release = [
      uint("taskId", 1),
      uint("shardIndex", 0),
      uint("nodeId", 7),
      small("reason", 7),
      fixed("logsCid", ZERO_DIGEST),
      flag("late", true),
    ];
    handleShardReleased(changetype<ShardReleased>(mockEvent(release, DAY_1, 32)));
    assert.fieldEquals("Shard", "1-0", "status", "Pending");
    assert.fieldEquals("Shard", "1-0", "pingRespondBy", "null");
    assert.fieldEquals("Shard", "1-0", "lastReleaseReason", "Unresponsive");
    assert.fieldEquals("Assignment", "1-0-1", "releaseReason", "Unresponsive");
  });
});

describe("TaskStatusChanged", () => {
  test("moves the network's task counters and stamps startedAt / closedAt", () => {
    handleTaskPosted(posted(1, 4, 0));
    const running = [uint("taskId", 1), small("oldStatus", 1), small("newStatus", 2)];
    handleTaskStatusChanged(changetype<TaskStatusChanged>(mockEvent(running, DAY_1, 25)));
    assert.fieldEquals("Task", "1", "status", "Running");
    assert.fieldEquals("Task", "1", "startedAt", DAY_1.toString());
    assert.fieldEquals("Network", "network", "openTasks", "0");
    assert.fieldEquals("Network", "network", "runningTasks", "1");
    const done = [uint("taskId", 1), small("oldStatus", 2), small("newStatus", 3)];
    handleTaskStatusChanged(changetype<TaskStatusChanged>(mockEvent(done, DAY_2, 26)));
    assert.fieldEquals("Task", "1", "closedAt", DAY_2.toString());
    assert.fieldEquals("Network", "network", "completedTasks", "1");
    assert.fieldEquals("DailyStat", "2024-03-01", "tasksCompleted", "1");
  });
});
