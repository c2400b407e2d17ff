import { describe, expect, it } from "vitest";
import { ValidationError } from "../errors/errors.js";
import { EXAMPLE_RAW_CID, exampleManifest } from "../testing/fixtures.js";
import { resultManifest } from "./manifest.js";

describe("result manifest", () => {
  it("accepts a valid manifest and addresses it by a raw CID", async () => {
    const manifest = exampleManifest();
    expect(resultManifest.parse(manifest)).toEqual(manifest);
    const cid = await resultManifest.cid(manifest);
    expect(cid.code).toBe(0x55);
  });

  it("requires contiguous checkpoint indexes and increasing steps", () => {
    const manifest = exampleManifest();
    const [c0, c1, c2] = manifest.checkpoints;
    if (!c0 || !c1 || !c2) throw new Error("fixture");
    const bad = { ...manifest, checkpoints: [c0, { ...c2, index: 1, step: 50 }] };
    let error: unknown;
    try {
      resultManifest.parse(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toContain(
      "checkpoints[1].step: must be greater than the previous step 100",
    );
    expect(() => resultManifest.parse({ ...manifest, checkpoints: [c1] })).toThrow(
      /checkpoints\[0\]\.index: expected 0/,
    );
  });

  it("checks CID codecs per field and hash format", () => {
    const manifest = exampleManifest();
    expect(() =>
      resultManifest.parse({
        ...manifest,
        finalWeights: { cid: EXAMPLE_RAW_CID, hash: manifest.finalWeights.hash },
      }),
    ).toThrow(/finalWeights\.cid: .*must be dag-pb/);
    expect(() =>
      resultManifest.parse({ ...manifest, finalWeights: { ...manifest.finalWeights, hash: "0xABC" } }),
    ).toThrow(/finalWeights\.hash: expected 0x followed by 64/);
  });

  it("rejects times out of order and non-finite metrics", () => {
    const manifest = exampleManifest({ finishedAt: "2025-01-01T00:00:00.000Z" });
    expect(() => resultManifest.parse(manifest)).toThrow(/finishedAt: is before startedAt/);
    expect(() =>
      resultManifest.parse(
        exampleManifest({ metrics: [{ step: 1, loss: 1, acc: "x" as unknown as number }] }),
      ),
    ).toThrow(/metrics\[0\]\.acc: metrics must be finite numbers/);
  });

  it("rejects unknown versions", () => {
    expect(() => resultManifest.parse({ ...exampleManifest(), version: 7 })).toThrow(/unsupported version 7/);
  });
});
