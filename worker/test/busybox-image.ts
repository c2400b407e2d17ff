/**
 * A tiny image for the failure cases and fast end-to-end runs: Debian's static busybox plus a shell "trainer" that
 * follows the container contract (deterministic checkpoint files from seed and step, progress JSON lines).
 * Built offline as a reproducible docker-archive.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type LayerFile, layerTar, writeDockerArchive } from "../src/images/archive.js";

const BUSYBOX = "/usr/bin/busybox";

/** A contract-following trainer in sh. CHEAT_FROM_STEP=n (set by a cheating node, never by a spec) skews steps > n. */
export const FAKE_TRAINER = `#!/bin/sh
set -e
step=\${NEURAL_RESUME_STEP:-0}
idx=\${NEURAL_START_INDEX:-0}
state=0
if [ -n "$NEURAL_RESUME_FROM" ]; then state=$(cat "$NEURAL_RESUME_FROM" | head -n1 | cut -d' ' -f2); fi
if [ -z "$NEURAL_RESUME_FROM" ] && [ -n "$NEURAL_INIT_WEIGHTS" ]; then state=$(cat "$NEURAL_INIT_WEIGHTS" | head -n1 | cut -d' ' -f2); fi
while [ "$step" -lt "$NEURAL_STOP_AT" ]; do
  step=$((step + 1))
  state=$(( (state * 31 + NEURAL_SEED + step) % 1000003 ))
  if [ -n "$CHEAT_FROM_STEP" ] && [ "$step" -gt "$CHEAT_FROM_STEP" ]; then state=$((state + 1)); fi
  if [ -n "$SLEEP_PER_STEP" ]; then sleep "$SLEEP_PER_STEP"; fi
  echo "{\\"type\\":\\"progress\\",\\"step\\":$step,\\"loss\\":$(( 1000 / step )).5}"
  if [ $((step % NEURAL_CHECKPOINT_INTERVAL)) -eq 0 ] || [ "$step" -eq "$NEURAL_TOTAL_STEPS" ]; then
    f=ckpt-$idx.bin
    printf 'state %s step %s seed %s\\n' "$state" "$step" "$NEURAL_SEED" > "$NEURAL_CHECKPOINT_DIR/$f"
    echo "{\\"type\\":\\"checkpoint\\",\\"index\\":$idx,\\"step\\":$step,\\"path\\":\\"/checkpoints/$f\\"}"
    idx=$((idx + 1))
  fi
done
if [ "$step" -eq "$NEURAL_TOTAL_STEPS" ]; then
  cp "$NEURAL_CHECKPOINT_DIR/ckpt-$((idx - 1)).bin" "$NEURAL_OUTPUT_DIR/weights.bin"
  echo "{\\"type\\":\\"done\\",\\"step\\":$step,\\"weightsPath\\":\\"/output/weights.bin\\"}"
fi
`;

const APPLETS = [
  "sh",
  "cat",
  "head",
  "cut",
  "printf",
  "echo",
  "cp",
  "sleep",
  "tr",
  "ls",
  "id",
  "wget",
  "ping",
  "touch",
];

export async function busyboxLayerFiles(): Promise<LayerFile[]> {
  const busybox = await readFile(BUSYBOX);
  return [
    { path: "bin/", type: "directory" },
    { path: "bin/busybox", content: busybox, mode: 0o755 },
    ...APPLETS.map((a): LayerFile => ({ path: `bin/${a}`, type: "symlink", linkname: "busybox" })),
    { path: "usr/", type: "directory" },
    { path: "usr/local/", type: "directory" },
    { path: "usr/local/bin/", type: "directory" },
    { path: "usr/local/bin/train", content: Buffer.from(FAKE_TRAINER), mode: 0o755 },
    { path: "tmp/", type: "directory", mode: 0o1777 },
    { path: "data/", type: "directory" },
    { path: "checkpoints/", type: "directory" },
    { path: "output/", type: "directory" },
  ];
}

/** Writes the busybox image archive into `dir`; returns its path and image ID. */
export async function buildBusyboxArchive(dir: string, tag = "neural/busybox-test:latest") {
  const layer = await layerTar(await busyboxLayerFiles());
  const out = join(dir, "busybox-image.tar");
  const { imageId } = await writeDockerArchive({
    layers: [layer],
    config: { env: ["PATH=/usr/local/bin:/bin"], cmd: ["/usr/local/bin/train"] },
    out,
    repoTag: tag,
  });
  return { path: out, imageId, image: `neural/busybox-test@${imageId}` };
}
