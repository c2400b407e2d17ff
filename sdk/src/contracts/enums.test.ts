import { describe, expect, it } from "vitest";
import { DisputeOutcome, enumName, ShardStatus, TaskStatus, Tier } from "./enums.js";

describe("enumName", () => {
  it("names a contract enum value, from a number or a bigint", () => {
    expect(enumName(TaskStatus, 2)).toBe("Running");
    expect(enumName(ShardStatus, 4n)).toBe("Finalized");
    expect(enumName(Tier, 0)).toBe("None");
    expect(enumName(DisputeOutcome, DisputeOutcome.NoCommittee)).toBe("NoCommittee");
  });

  it("says Unknown(n) for a value the enum does not have", () => {
    expect(enumName(TaskStatus, 9)).toBe("Unknown(9)");
  });
});
