/** The reference trainer image for tests: built on demand from the cache (trainer/image.ts) and loaded once. */

import type { DockerRuntime } from "../src/runtimes/docker.js";
import { ensureTrainerImage, type TrainerImage } from "../trainer/image.js";

export async function loadTrainerImage(runtime: DockerRuntime): Promise<TrainerImage> {
  const image = await ensureTrainerImage();
  if (!(await runtime.hasImage(image.imageId))) {
    const stream = await runtime.docker.loadImage(image.archive);
    await new Promise((resolve, reject) =>
      runtime.docker.modem.followProgress(stream, (e: Error | null) => (e ? reject(e) : resolve(undefined))),
    );
  }
  if (!(await runtime.hasImage(image.imageId)))
    throw new Error(`loading ${image.archive} gave no ${image.imageId}`);
  return image;
}
