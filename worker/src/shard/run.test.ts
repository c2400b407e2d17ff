import { describe, expect, it } from "vitest";
import { TaskFault } from "../errors.js";
import { checkSpecAgainstTask } from "./run.js";

const task = { resources: { gpus: 1, vramMiB: 16_384, cpus: 4, memoryMiB: 8192 }, maxDuration: 3600n };
const spec = (
  over: Partial<{ gpus: number; vramMiB: number; cpus: number; memoryMiB: number; timeoutSeconds: number }>,
) => ({
  resources: { gpus: 1, vramMiB: 16_384, cpus: 2, memoryMiB: 4096, timeoutSeconds: 3600, ...over },
});

describe("the spec against the task's on-chain requirements (checked before anything is fetched or run)", () => {
  it("accepts a spec within the posted resources and maxDuration", () => {
    expect(() => checkSpecAgainstTask(spec({}), task)).not.toThrow();
  });

  it("is the task's fault (InvalidSpec) when the spec asks for more than the task was posted with", () => {
    const fault = (() => {
      try {
        checkSpecAgainstTask(spec({ memoryMiB: 9000, gpus: 2 }), task);
      } catch (error) {
        return error as TaskFault;
      }
    })();
    expect(fault).toBeInstanceOf(TaskFault);
    expect(fault?.reason).toBe("InvalidSpec");
    expect(fault?.message).toContain("gpus 2 > 1, memoryMiB 9000 > 8192");
    expect(() => checkSpecAgainstTask(spec({ timeoutSeconds: 3601 }), task)).toThrow(
      /exceeds the task's maxDuration/,
    );
  });
});
