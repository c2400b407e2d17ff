import { describe, expect, it } from "vitest";
import { UnsupportedVersionError, ValidationError } from "../errors/errors.js";
import { EXAMPLE_RAW_CID } from "../testing/fixtures.js";
import {
  encodeMessage,
  type MessageInput,
  type MessageInputOf,
  parseMessage,
  parseMessageOf,
} from "./messages.js";

const sentAt = "2026-01-01T00:00:00.000Z";
const job: MessageInputOf<"job"> = {
  version: 2,
  type: "job",
  sentAt,
  taskId: 1,
  shardIndex: 0,
  nodeId: 2,
  attempt: 1,
  epoch: 1,
  specCid: EXAMPLE_RAW_CID,
  deadline: 1_800_000_000,
  resumeFrom: 0,
};

describe("messages", () => {
  it("round-trips every message type through canonical JSON", () => {
    const messages: MessageInput[] = [
      job,
      {
        version: 1,
        type: "heartbeat",
        sentAt,
        nodeId: 2,
        worker: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        status: "busy",
        running: [{ taskId: 1, shardIndex: 0 }],
        freeGpus: 0,
      },
      {
        version: 1,
        type: "progress",
        sentAt,
        taskId: 1,
        shardIndex: 0,
        nodeId: 2,
        step: 10,
        totalSteps: 100,
        loss: 0.3,
      },
      {
        version: 2,
        type: "audit",
        sentAt,
        taskId: 1,
        shardIndex: 0,
        epoch: 1,
        verifierNodeId: 3,
        submitterNodeId: 2,
        manifestCid: EXAMPLE_RAW_CID,
        checkpointRoot: `0x${"aa".repeat(32)}`,
        checkpointCount: 10,
        deadline: 1_800_000_000,
      },
      {
        version: 2,
        type: "committeeDuty",
        sentAt,
        disputeId: 1,
        commitId: 1,
        round: 0,
        seedBlock: 120,
        nodeId: 4,
        taskId: 1,
        shardIndex: 0,
        epoch: 2,
        checkpointIndex: 3,
        step: 400,
        leafHash: `0x${"bb".repeat(32)}`,
        manifestCid: EXAMPLE_RAW_CID,
        commitDeadline: 1_800_000_000,
        revealDeadline: 1_800_003_600,
      },
    ];
    for (const message of messages) {
      const text = encodeMessage(message);
      expect(text).not.toMatch(/\s/);
      expect(parseMessage(text)).toEqual(message);
    }
  });

  it("dispatches on type and checks the expected type", () => {
    expect(parseMessageOf("job", job).taskId).toBe(1);
    expect(() => parseMessageOf("heartbeat", job)).toThrow(/type: expected "heartbeat", got "job"/);
    expect(() => parseMessage({ ...job, type: "jobb" })).toThrow(/type: expected one of job, heartbeat/);
  });

  it("names the field of each problem", () => {
    let error: unknown;
    try {
      parseMessage({ ...job, taskId: 0, resumeFrom: 2, specCid: "bafy-not" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const message = (error as ValidationError).message;
    expect(message.split("\n")[0]).toBe("invalid job message:");
    expect(message).toMatch(/^ {2}taskId: /m);
    expect(message).toMatch(/^ {2}specCid: not a CID/m);
  });

  it("requires resumeManifestCid when resuming", () => {
    expect(() => parseMessage({ ...job, resumeFrom: 2 })).toThrow(
      /resumeManifestCid: required when resumeFrom > 0/,
    );
    expect(parseMessage({ ...job, resumeFrom: 2, resumeManifestCid: EXAMPLE_RAW_CID }).type).toBe("job");
  });

  it("rejects unknown versions and bad addresses", () => {
    expect(() => parseMessage({ ...job, version: 3 })).toThrow(UnsupportedVersionError);
    // v1 jobs carried no epoch: refused, not misread
    const { epoch: _epoch, ...v1Job } = job;
    expect(() => parseMessage({ ...v1Job, version: 1 })).toThrow(UnsupportedVersionError);
    expect(() => parseMessage({ ...job, epoch: 0 })).toThrow(/epoch: /);
    expect(() =>
      parseMessage({
        version: 1,
        type: "heartbeat",
        sentAt,
        nodeId: 1,
        worker: "0x123",
        status: "idle",
        running: [],
        freeGpus: 1,
      }),
    ).toThrow(/worker: expected a 20-byte 0x address/);
  });
});
