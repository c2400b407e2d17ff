import { ShardStatus, TaskStatus } from "@neural/sdk";
import { describe, expect, it } from "vitest";
import { mayUnpin } from "./retention.js";

describe("artifact retention", () => {
  it("keeps a shard's artifacts while it can be challenged, disputed or resumed from", () => {
    const running = { status: TaskStatus.Running };
    for (const status of [
      ShardStatus.Submitted,
      ShardStatus.Challenged,
      ShardStatus.Pending,
      ShardStatus.Assigned,
    ]) {
      expect(mayUnpin({ status, openDisputes: 0 }, running), `shard ${status}`).toBe(false);
    }
    // a re-run after a lost dispute may still resume from these checkpoints, and an open dispute needs them
    expect(mayUnpin({ status: ShardStatus.Finalized, openDisputes: 1 }, running)).toBe(false);
  });

  it("releases them once the shard is over, or its task is closed", () => {
    const running = { status: TaskStatus.Running };
    for (const status of [ShardStatus.Finalized, ShardStatus.Failed, ShardStatus.Cancelled]) {
      expect(mayUnpin({ status, openDisputes: 0 }, running), `shard ${status}`).toBe(true);
    }
    expect(
      mayUnpin({ status: ShardStatus.Submitted, openDisputes: 0 }, { status: TaskStatus.Completed }),
    ).toBe(true);
    expect(mayUnpin({ status: ShardStatus.Submitted, openDisputes: 0 }, { status: TaskStatus.Failed })).toBe(
      true,
    );
  });
});
