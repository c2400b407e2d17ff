import { describe, expect, it } from "vitest";
import { ValidationError } from "../errors/errors.js";
import { taskSpecV1Schema } from "../formats/spec.js";
import { parentModelOf, resolveInitialWeights } from "./lineage.js";

const WEIGHTS = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
const OTHER = "bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";
const HASH = `0x${"ab".repeat(32)}` as const;

const reader = (cid: string, weightsHash: `0x${string}` = HASH) => ({
  calls: [] as Array<[bigint, bigint]>,
  async getModelVersion(id: bigint, version: bigint) {
    this.calls.push([id, version]);
    return { weightsCidString: cid, weightsHash };
  },
});

describe("fine-tune lineage", () => {
  it("trains from scratch when the spec names no initial weights, without reading the registry", async () => {
    const r = reader(WEIGHTS);
    expect(await resolveInitialWeights(r, {})).toBeUndefined();
    expect(parentModelOf({})).toBe(0n);
    expect(r.calls).toEqual([]);
  });

  it("takes bare weights by CID, with no hash to check and no parent", async () => {
    const r = reader(WEIGHTS);
    expect(await resolveInitialWeights(r, { initialWeights: { cid: OTHER } })).toEqual({ cid: OTHER });
    expect(parentModelOf({ initialWeights: { cid: OTHER } })).toBe(0n);
    expect(r.calls).toEqual([]);
  });

  it("checks a named model version against the registry and returns its weights hash", async () => {
    const r = reader(WEIGHTS);
    const spec = { initialWeights: { cid: WEIGHTS, model: { id: 4, version: 2 } } };
    expect(await resolveInitialWeights(r, spec)).toEqual({ cid: WEIGHTS, sha256: HASH });
    expect(r.calls).toEqual([[4n, 2n]]);
    expect(parentModelOf(spec)).toBe(4n);
  });

  it("has no hash to check for an unverified version (the registry keeps none)", async () => {
    const spec = { initialWeights: { cid: WEIGHTS, model: { id: 4, version: 1 } } };
    expect(await resolveInitialWeights(reader(WEIGHTS, `0x${"0".repeat(64)}`), spec)).toEqual({
      cid: WEIGHTS,
    });
  });

  it("refuses weights that are not the named version's", async () => {
    const error = await resolveInitialWeights(reader(WEIGHTS), {
      initialWeights: { cid: OTHER, model: { id: 4, version: 2 } },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(
      /initialWeights\.cid: is bafybeihd.*model 4 v2 is registered with weights bafybeigd/,
    );
  });

  it("the spec refuses a weights CID that is not a UnixFS file CID and a version 0", () => {
    const base = {
      version: 1,
      name: "ft",
      image: `neural/x@sha256:${"1".repeat(64)}`,
      command: [],
      env: {},
      dataset: WEIGHTS,
      hyperparameters: {},
      seed: 1,
      totalSteps: 4,
      checkpointInterval: 2,
      resources: { cpus: 1, memoryMiB: 256, gpus: 0, vramMiB: 0, timeoutSeconds: 60 },
      verification: { kind: "exact", epsilon: 0 },
    };
    const bad = taskSpecV1Schema.safeParse({
      ...base,
      initialWeights: {
        cid: "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy",
        model: { id: 1, version: 0 },
      },
    });
    expect(bad.success).toBe(false);
    expect(
      taskSpecV1Schema.safeParse({ ...base, initialWeights: { cid: WEIGHTS, model: { id: 1, version: 1 } } })
        .error,
    ).toBeUndefined();
    const paths = (bad.error?.issues ?? []).map((i) => i.path.join("."));
    expect(paths).toEqual(expect.arrayContaining(["initialWeights.cid", "initialWeights.model.version"]));
  });
});
