import { describe, expect, it } from "vitest";
import { ValidationError } from "../errors/errors.js";
import { datasetReferenceIssues, resolveTaskDataset } from "./datasets.js";

const V1 = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
const OTHER = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";

const reader = (cid: string) => ({
  calls: [] as Array<[bigint, bigint]>,
  async getDatasetVersion(id: bigint, version: bigint) {
    this.calls.push([id, version]);
    return { contentCidString: cid };
  },
});

describe("task dataset references", () => {
  it("uses the spec's CID for a task without a dataset, without reading the registry", async () => {
    const r = reader(V1);
    expect(await resolveTaskDataset(r, { dataset: OTHER }, { datasetId: 0n, datasetVersion: 0 })).toBe(OTHER);
    expect(r.calls).toEqual([]);
  });

  it("returns the registered content of the task's version when the spec agrees", async () => {
    const r = reader(V1);
    const spec = { dataset: V1, datasetRef: { id: 3, version: 2 } };
    expect(await resolveTaskDataset(r, spec, { datasetId: 3n, datasetVersion: 2 })).toBe(V1);
    expect(r.calls).toEqual([[3n, 2n]]);
  });

  it("refuses a spec whose CID is not the registered version's content", async () => {
    const error = await resolveTaskDataset(
      reader(V1),
      { dataset: OTHER },
      { datasetId: 3n, datasetVersion: 1 },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/dataset: is bafkrei.*registered with content bafybei/);
  });

  it("names a datasetRef the task was not posted with", () => {
    expect(
      datasetReferenceIssues(
        { dataset: V1, datasetRef: { id: 3, version: 2 } },
        { datasetId: 3n, datasetVersion: 1 },
        V1,
      ).map((i) => i.path),
    ).toEqual(["datasetRef"]);
    const [issue] = datasetReferenceIssues(
      { dataset: V1, datasetRef: { id: 4, version: 1 } },
      { datasetId: 0n, datasetVersion: 0 },
      undefined,
    );
    expect(issue?.message).toMatch(/posted without a dataset: post it with datasetId 4, datasetVersion 1/);
  });
});
