/**
 * Images without a registry: the spec pins an image ID (`name@sha256:<image id>`) and the CID of its
 * docker-archive on IPFS. The worker fetches the archive, checks the ID its config hashes to BEFORE loading, loads
 * it, and checks the loaded image again. A mismatch is the task's fault (ImageUnavailable).
 */
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { StorageNode } from "@neural/sdk/node";
import { TaskFault } from "../errors.js";
import type { ContainerRuntime } from "../runtimes/types.js";
import { archiveImageId } from "./archive.js";

/** The image ID a spec's `image` pins (`sha256:<hex>`). */
export function pinnedImageId(image: string): string {
  const at = image.lastIndexOf("@");
  return image.slice(at + 1);
}

export async function ensureImage(input: {
  runtime: ContainerRuntime;
  storage: StorageNode;
  image: string;
  archiveCid?: string | undefined;
  tmpDir: string;
  signal?: AbortSignal;
}): Promise<{ imageId: string; loaded: boolean }> {
  const imageId = pinnedImageId(input.image);
  if (await input.runtime.hasImage(imageId)) return { imageId, loaded: false };
  if (input.archiveCid === undefined) {
    throw new TaskFault(
      "ImageUnavailable",
      `image ${input.image} is not on this node and the spec names no imageArchive CID to fetch it from`,
    );
  }
  await mkdir(input.tmpDir, { recursive: true });
  const file = join(input.tmpDir, `image-${imageId.slice(7, 23)}.tar`);
  try {
    try {
      await input.storage.getToFile(input.archiveCid, file, input.signal ? { signal: input.signal } : {});
    } catch (cause) {
      throw new TaskFault(
        "ImageUnavailable",
        `cannot fetch the image archive ${input.archiveCid} from IPFS`,
        {
          cause,
        },
      );
    }
    const archived = await archiveImageId(file);
    if (archived !== imageId) {
      throw new TaskFault(
        "ImageUnavailable",
        `the image archive ${input.archiveCid} holds image ${archived}, but the spec pins ${imageId}`,
      );
    }
    await input.runtime.loadImage(file);
    if (!(await input.runtime.hasImage(imageId))) {
      throw new TaskFault(
        "ImageUnavailable",
        `loading ${input.archiveCid} into ${input.runtime.name} did not produce image ${imageId}`,
      );
    }
    return { imageId, loaded: true };
  } finally {
    await rm(file, { force: true });
  }
}
