import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBusyboxArchive } from "../../test/busybox-image.js";
import { TEST_DOCKER_HOST } from "../../test/docker-host.js";
import { runtimeContract } from "../../test/runtime-contract.js";
import { archiveImageId } from "../images/archive.js";
import { CONTAINER_LABEL, DockerRuntime } from "./docker.js";

// Real dockerd (started by .ci/services/docker.sh): a missing daemon fails these tests, it never skips them.
let runtime: DockerRuntime;
let dir: string;
let imageId: string;

async function leftovers(): Promise<number> {
  const list = await runtime.docker.listContainers({
    all: true,
    filters: { label: [`${CONTAINER_LABEL}=docker-test`] },
  });
  return list.length;
}

beforeAll(async () => {
  runtime = new DockerRuntime(TEST_DOCKER_HOST);
  await runtime.ping();
  dir = await mkdtemp(join(tmpdir(), "neural-docker-test-"));
  await chmod(dir, 0o755);
  const archive = await buildBusyboxArchive(dir);
  imageId = archive.imageId;
  expect(await archiveImageId(archive.path)).toBe(imageId);
  const stream = await runtime.docker.loadImage(archive.path);
  await new Promise((resolve, reject) =>
    runtime.docker.modem.followProgress(stream, (e: Error | null) => (e ? reject(e) : resolve(undefined))),
  );
  expect(await runtime.hasImage(imageId)).toBe(true);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("docker runtime", () => {
  it("builds the same image ID from the same inputs", async () => {
    const again = await buildBusyboxArchive(await mkdtemp(join(dir, "again-")));
    expect(again.imageId).toBe(imageId);
  });

  runtimeContract(() => ({
    runtime,
    imageId,
    dir,
    label: "docker-test",
    leftovers,
  }));
});
