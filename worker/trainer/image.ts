/**
 * The reference trainer's image: the cached Debian + PyTorch root filesystem (build-rootfs.sh, outside the clone)
 * as the first layer, train.py as the second, written as a reproducible docker-archive. Same rootfs cache and
 * same train.py give the same image ID. Also gives the digits dataset the rootfs build extracted.
 *
 *   node --import tsx worker/trainer/image.ts   # builds (or reuses) it and prints { archive, imageId, ... }
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { access, readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { layerTar, writeDockerArchive } from "../src/images/archive.js";

const here = fileURLToPath(new URL(".", import.meta.url));

export const TRAINER_ENV = [
  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  // portable kernels: ATen's baseline path, no oneDNN ISA dispatch, one thread (docs/toolchain.md)
  "ATEN_CPU_CAPABILITY=default",
  "OMP_NUM_THREADS=1",
  "MKL_NUM_THREADS=1",
  "PYTHONHASHSEED=0",
  "PYTHONDONTWRITEBYTECODE=1",
  "PYTHONUNBUFFERED=1",
];

export interface TrainerImage {
  archive: string;
  imageId: string;
  /** `neural/trainer@sha256:<image id>`: what a spec's `image` says. */
  image: string;
  digits: string;
  packages: string;
}

export async function ensureTrainerImage(): Promise<TrainerImage> {
  const { stdout } = await promisify(execFile)("bash", [join(here, "build-rootfs.sh")], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const dir = stdout.trim().split("\n").pop() as string;
  const script = await readFile(join(here, "train.py"));
  const layer = await layerTar([
    { path: "opt/", type: "directory" },
    { path: "opt/neural/", type: "directory" },
    { path: "opt/neural/train.py", content: script, mode: 0o755 },
  ]);
  const key = createHash("sha256").update(layer).update(TRAINER_ENV.join("\n")).digest("hex").slice(0, 16);
  const archive = join(dir, `image-${key}.tar`);
  const meta = `${archive}.id`;
  let imageId: string | undefined;
  try {
    await access(archive);
    imageId = (await readFile(meta, "utf8")).trim();
  } catch {
    const tmp = `${archive}.tmp`;
    const written = await writeDockerArchive({
      layers: [join(dir, "rootfs.tar"), layer],
      config: { env: TRAINER_ENV, cmd: ["python3", "/opt/neural/train.py"], workingDir: "/tmp" },
      out: tmp,
      repoTag: "neural/trainer:latest",
    });
    imageId = written.imageId;
    await import("node:fs/promises").then((fs) => fs.writeFile(meta, `${imageId}\n`));
    await rename(tmp, archive);
  }
  return {
    archive,
    imageId,
    image: `neural/trainer@${imageId}`,
    digits: join(dir, "digits.csv.gz"),
    packages: join(dir, "packages.txt"),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(JSON.stringify(await ensureTrainerImage(), null, 2));
}
