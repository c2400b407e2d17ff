import { describe, expect, it } from "vitest";
import { formatLogLine, statusLine, TtyStatus } from "./tty.js";

describe("terminal display of neural-worker start", () => {
  it("makes a pino line readable: time, level, message, scalar fields", () => {
    const line = JSON.stringify({
      level: 30,
      time: "2026-12-03T12:04:05.123Z",
      service: "neural-worker",
      msg: "shard submitted",
      task: 7,
      shard: 0,
      kind: "submitted",
      nested: { skipped: true },
    });
    expect(formatLogLine(line)).toBe("12:04:05 info  shard submitted task=7 shard=0 kind=submitted");
    expect(formatLogLine(JSON.stringify({ level: 50, time: "2026-12-03T00:00:01Z", msg: "boom" }))).toBe(
      "00:00:01 ERROR boom",
    );
    expect(formatLogLine("not json")).toBe("not json");
  });

  it("draws the shard's phase, a bar of steps and the loss, or idle", () => {
    expect(statusLine(undefined, 0)).toBe("⠋ idle: waiting for jobs");
    expect(statusLine({ taskId: 7, shardIndex: 1, phase: "fetching" }, 1)).toBe(
      "⠙ task 7 shard 1 · fetching",
    );
    expect(
      statusLine(
        { taskId: 7, shardIndex: 1, phase: "training", step: 150, totalSteps: 300, loss: 0.41234 },
        2,
        10,
      ),
    ).toBe("⠹ task 7 shard 1 · training [#####-----] 150/300 · loss 0.4123");
    // never past full, whatever the trainer reports
    expect(
      statusLine({ taskId: 1, shardIndex: 0, phase: "training", step: 9, totalSteps: 3 }, 0, 4),
    ).toContain("[####] 9/3");
  });

  it("prints each log line above the status line and redraws it", async () => {
    const writes: string[] = [];
    const tty = new TtyStatus({ write: (s: string) => writes.push(s) });
    tty.progress({ taskId: 3, shardIndex: 0, step: 1, totalSteps: 2, loss: 1 });
    await new Promise<void>((resolve) =>
      tty.logStream.write(
        `${JSON.stringify({ level: 30, time: "2026-12-03T01:02:03Z", msg: "hello" })}\n`,
        () => resolve(),
      ),
    );
    const screen = writes.join("");
    expect(screen).toContain("\r\x1b[K01:02:03 info  hello\n");
    expect(writes.at(-1)).toBe(
      "\r\x1b[K⠋ task 3 shard 0 · training [##########----------] 1/2 · loss 1.0000",
    );
    tty.phase(3, 0, "stored");
    expect(writes.at(-1)).toContain("task 3 shard 0 · stored [");
    tty.idle();
    expect(writes.at(-1)).toBe("\r\x1b[K⠋ idle: waiting for jobs");
    tty.stop();
    expect(writes.at(-1)).toBe("\r\x1b[K");
  });
});
