import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../errors/errors.js";
import { EXAMPLE_RAW_CID, exampleManifest } from "../testing/fixtures.js";
import { manifestCheckpoints, manifestCheckpointTree, resultManifest } from "./manifest.js";

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

  it("binds the root (unsorted tree) and the final weights to the checkpoints", () => {
    const manifest = exampleManifest();
    const tree = manifestCheckpointTree(resultManifest.parse(manifest));
    expect(tree.root).toBe(manifest.checkpointRoot);
    expect(manifestCheckpoints(resultManifest.parse(manifest))).toEqual(tree.checkpoints);
    // the root of the same leaves sorted by hash (the v1 tree) is refused
    const v1Root = StandardMerkleTree.of(
      tree.leaves.map((l) => [BigInt(l.index), BigInt(l.step), l.hash]),
      ["uint256", "uint256", "bytes32"],
    ).root;
    expect(v1Root).not.toBe(tree.root);
    expect(() => resultManifest.parse({ ...manifest, checkpointRoot: v1Root })).toThrow(/checkpointRoot/);
    const other = `0x${"ab".repeat(32)}`;
    expect(() => resultManifest.parse({ ...manifest, checkpointRoot: other })).toThrow(
      /checkpointRoot: is not the root of the checkpoints/,
    );
    expect(() =>
      resultManifest.parse({ ...manifest, finalWeights: { ...manifest.finalWeights, hash: other } }),
    ).toThrow(/finalWeights: must equal the last checkpoint/);
    expect(() => resultManifest.parse({ ...manifest, version: 1 })).toThrow(/unsupported version 1/);
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
