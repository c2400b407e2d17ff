import { describe, expect, it } from "vitest";
import { UnsupportedVersionError, ValidationError } from "../errors/errors.js";
import { exampleTaskSpec } from "../testing/fixtures.js";
import { canonicalize } from "./canonical.js";
import { checkpointStep, expectedCheckpointCount, taskSpec } from "./spec.js";

function errorOf(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error("expected a ValidationError");
}

describe("task spec", () => {
  it("accepts a valid spec from an object, JSON text and bytes", () => {
    const spec = exampleTaskSpec();
    expect(taskSpec.parse(spec)).toEqual(spec);
    expect(taskSpec.parse(JSON.stringify(spec))).toEqual(spec);
    expect(taskSpec.parse(new TextEncoder().encode(JSON.stringify(spec)))).toEqual(spec);
  });

  it("gives the same CID whatever the key order", async () => {
    const spec = exampleTaskSpec();
    const reordered = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(spec).reverse())));
    expect(canonicalize(reordered)).toBe(canonicalize(spec));
    const [a, b] = await Promise.all([taskSpec.cid(spec), taskSpec.cid(reordered)]);
    expect(a.toString()).toBe(b.toString());
    expect(a.code).toBe(0x55);
    expect(new TextDecoder().decode(taskSpec.encode(spec))).toBe(canonicalize(spec));
    const other = await taskSpec.cid(exampleTaskSpec({ seed: 43 }));
    expect(other.toString()).not.toBe(a.toString());
  });

  it("reports one line per problem, naming the field path", () => {
    const bad = {
      ...exampleTaskSpec(),
      image: "ghcr.io/neural/trainer:latest",
      resources: { gpus: -1, vramMiB: 1, cpus: 1, memoryMiB: 1, timeoutSeconds: 0 },
      verification: { kind: "exact", epsilon: 0.1 },
      env: { NEURAL_SEED: "1" },
      extra: true,
    };
    const error = errorOf(() => taskSpec.parse(bad));
    const paths = error.issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "image",
        "resources.gpus",
        "resources.timeoutSeconds",
        "verification.epsilon",
        "env.NEURAL_SEED",
        "",
      ]),
    );
    const lines = error.message.split("\n");
    expect(lines[0]).toBe("invalid task spec:");
    expect(lines.length).toBe(error.issues.length + 1);
    expect(error.message).toMatch(/^ {2}image: expected an image pinned by digest/m);
    expect(error.message).toMatch(/^ {2}resources\.gpus: /m);
    expect(error.retryable).toBe(false);
  });

  it("rejects a dataset CIDv0 and a wrong-typed field", () => {
    const error = errorOf(() =>
      taskSpec.parse({
        ...exampleTaskSpec(),
        dataset: "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG",
        seed: "42",
      }),
    );
    expect(error.message).toMatch(/dataset: CIDv0/);
    expect(error.message).toMatch(/seed: /);
  });

  it("takes an optional imageArchive CID (the image's docker-archive on IPFS) and checks it is a CID", () => {
    const archive = "bafybeibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq";
    expect(taskSpec.parse(exampleTaskSpec({ imageArchive: archive })).imageArchive).toBe(archive);
    expect(taskSpec.parse(exampleTaskSpec()).imageArchive).toBeUndefined();
    expect(() => taskSpec.parse(exampleTaskSpec({ imageArchive: "not-a-cid" }))).toThrow(/imageArchive/);
  });

  it("rejects unknown versions clearly", () => {
    const error = errorOf(() => taskSpec.parse({ ...exampleTaskSpec(), version: 2 }));
    expect(error).toBeInstanceOf(UnsupportedVersionError);
    expect(error.message).toContain("version: unsupported version 2 (this SDK reads version 1)");
    expect(() => taskSpec.parse({ ...exampleTaskSpec(), version: undefined })).toThrow(/version: missing/);
  });

  it("rejects JSON that is not an object, and bad JSON", () => {
    expect(() => taskSpec.parse("[1,2]")).toThrow(/expected a JSON object/);
    expect(() => taskSpec.parse("{not json")).toThrow(/not JSON/);
    expect(() => taskSpec.parse(new Uint8Array([0xff, 0xfe]))).toThrow(/UTF-8/);
  });

  it("checks checkpointInterval against totalSteps", () => {
    expect(() => taskSpec.parse(exampleTaskSpec({ totalSteps: 10, checkpointInterval: 20 }))).toThrow(
      /checkpointInterval: must not exceed totalSteps/,
    );
    expect(taskSpec.safeParse(exampleTaskSpec({ totalSteps: 10, checkpointInterval: 20 })).ok).toBe(false);
  });

  it("computes the checkpoint schedule", () => {
    const spec = { totalSteps: 1050, checkpointInterval: 100 };
    expect(expectedCheckpointCount(spec)).toBe(11);
    expect(checkpointStep(spec, 0)).toBe(100);
    expect(checkpointStep(spec, 10)).toBe(1050);
  });
});
