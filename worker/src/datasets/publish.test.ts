import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../errors.js";
import { contentSize, progressBar } from "./publish.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "neural-dataset-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("dataset publishing helpers", () => {
  it("draws a progress bar that never passes 100%", () => {
    expect(progressBar(0, 4 * 1024 * 1024, 10)).toBe("[----------]   0%  0.0 / 4.0 MiB");
    expect(progressBar(1024 * 1024, 4 * 1024 * 1024, 10)).toBe("[###-------]  25%  1.0 / 4.0 MiB");
    expect(progressBar(9, 4, 10)).toBe("[##########] 100%  0.0 / 0.0 MiB");
    expect(progressBar(0, 0, 4)).toBe("[####] 100%  0.0 / 0.0 MiB");
  });

  it("sizes a folder tree and a file, and refuses links and missing paths", async () => {
    await mkdir(join(dir, "tree", "sub"), { recursive: true });
    await writeFile(join(dir, "tree", "a"), "12345");
    await writeFile(join(dir, "tree", "sub", "b"), "123");
    expect(await contentSize(join(dir, "tree"))).toEqual({ bytes: 8, files: 2, directory: true });
    expect(await contentSize(join(dir, "tree", "a"))).toEqual({ bytes: 5, files: 1, directory: false });
    await symlink(join(dir, "tree", "a"), join(dir, "link"));
    await expect(contentSize(join(dir, "link"))).rejects.toThrow(UserError);
    await expect(contentSize(join(dir, "missing"))).rejects.toThrow(/does not exist/);
  });
});
