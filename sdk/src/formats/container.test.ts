import { describe, expect, it } from "vitest";
import { ValidationError } from "../errors/errors.js";
import { exampleTaskSpec } from "../testing/fixtures.js";
import { buildContainerEnv, ENV, formatContainerEvent, parseContainerLine } from "./container.js";
import { taskSpec } from "./spec.js";

describe("container contract", () => {
  const spec = taskSpec.parse(exampleTaskSpec());

  it("builds the environment of a fresh run", () => {
    const env = buildContainerEnv({ taskId: 7n, shardIndex: 2, spec });
    expect(env).toMatchObject({
      PYTHONUNBUFFERED: "1",
      [ENV.TASK_ID]: "7",
      [ENV.SHARD_INDEX]: "2",
      [ENV.SEED]: "42",
      [ENV.RESUME_FROM]: "",
      [ENV.RESUME_STEP]: "0",
      [ENV.START_INDEX]: "0",
      [ENV.STOP_AT]: "1000",
      [ENV.DATA_DIR]: "/data",
      [ENV.CHECKPOINT_DIR]: "/checkpoints",
      [ENV.OUTPUT_DIR]: "/output",
      [ENV.HYPERPARAMETERS]: '{"batchSize":64,"layers":[128,64],"lr":0.001}',
    });
  });

  it("builds the environment of a resumed segment", () => {
    const env = buildContainerEnv({
      taskId: 1,
      shardIndex: 0,
      spec,
      resume: { file: "ckpt-3", step: 400, index: 3 },
      stopAt: 500,
    });
    expect(env[ENV.RESUME_FROM]).toBe("/checkpoints/ckpt-3");
    expect(env[ENV.START_INDEX]).toBe("4");
    expect(env[ENV.STOP_AT]).toBe("500");
    expect(() => buildContainerEnv({ taskId: 1, shardIndex: 0, spec, stopAt: 5000 })).toThrow(/stopAt/);
    expect(() =>
      buildContainerEnv({ taskId: 1, shardIndex: 0, spec, resume: { file: "../x", step: 1, index: 0 } }),
    ).toThrow(/resume\.file/);
  });

  it("parses progress, checkpoint and done lines", () => {
    expect(parseContainerLine('{"type":"progress","step":10,"loss":0.5,"lr":0.1}')).toEqual({
      type: "progress",
      step: 10,
      loss: 0.5,
      lr: 0.1,
    });
    expect(
      parseContainerLine('{"type":"checkpoint","index":0,"step":100,"path":"/checkpoints/c0.pt"}'),
    ).toEqual({
      type: "checkpoint",
      index: 0,
      step: 100,
      path: "/checkpoints/c0.pt",
    });
    const done = { type: "done", step: 1000, weightsPath: "/output/model.safetensors" } as const;
    expect(parseContainerLine(formatContainerEvent(done))).toEqual(done);
  });

  it("treats other lines as logs", () => {
    expect(parseContainerLine("epoch 1 done")).toEqual({ type: "log", line: "epoch 1 done" });
    expect(parseContainerLine('{"level":"info"}')).toEqual({ type: "log", line: '{"level":"info"}' });
    expect(parseContainerLine("{broken")).toEqual({ type: "log", line: "{broken" });
  });

  it("rejects malformed events, naming the field", () => {
    expect(() =>
      parseContainerLine('{"type":"checkpoint","index":0,"step":100,"path":"/etc/passwd"}'),
    ).toThrow(ValidationError);
    expect(() =>
      parseContainerLine('{"type":"checkpoint","index":0,"step":100,"path":"/checkpoints/../x"}'),
    ).toThrow(/path: must be a path under \/checkpoints/);
    expect(() => parseContainerLine('{"type":"progress","step":-1,"loss":"x"}')).toThrow(
      /step: [\s\S]*loss: /,
    );
  });
});
