/**
 * Reproducible docker-archives (the `docker save` layout) and their image IDs, so images travel over IPFS with no
 * registry. The image ID is the sha256 of the image config; the config has a fixed creation date and the layer
 * tars have fixed file times and owners, so the same inputs always give the same ID.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import * as tar from "tar-stream";
import { TaskFault } from "../errors.js";

export const FIXED_CREATED = "1970-01-01T00:00:00Z";

export interface ImageConfigInput {
  env?: string[];
  entrypoint?: string[];
  cmd?: string[];
  user?: string;
  workingDir?: string;
  labels?: Record<string, string>;
}

export interface LayerFile {
  path: string;
  /** File content; absent for directories and symlinks. */
  content?: Buffer;
  mode?: number;
  type?: "file" | "directory" | "symlink";
  linkname?: string;
}

/** A layer tar (bytes) from files, sorted by path, owner 0:0, mtime 0. */
export async function layerTar(files: LayerFile[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    pack.on("end", resolve);
    pack.on("error", reject);
  });
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const type = f.type ?? (f.content ? "file" : "directory");
    const header = {
      name: f.path,
      mode: f.mode ?? (type === "directory" ? 0o755 : 0o644),
      uid: 0,
      gid: 0,
      uname: "",
      gname: "",
      mtime: new Date(0),
      type,
      ...(type === "symlink" ? { linkname: f.linkname ?? "" } : {}),
    };
    await new Promise<void>((resolve, reject) =>
      pack.entry(header, type === "file" ? f.content : undefined, (e) => (e ? reject(e) : resolve())),
    );
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

function sha256Hex(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return hash.digest("hex");
}

/** The image config JSON (bytes): its sha256 is the image ID. */
export function imageConfig(diffIds: string[], input: ImageConfigInput): Buffer {
  const config = {
    architecture: "amd64",
    config: {
      Env: input.env ?? ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
      ...(input.entrypoint ? { Entrypoint: input.entrypoint } : {}),
      ...(input.cmd ? { Cmd: input.cmd } : {}),
      User: input.user ?? "65534:65534",
      WorkingDir: input.workingDir ?? "/",
      Labels: input.labels ?? {},
    },
    created: FIXED_CREATED,
    history: diffIds.map(() => ({ created: FIXED_CREATED, created_by: "neural image builder" })),
    os: "linux",
    rootfs: { type: "layers", diff_ids: diffIds.map((d) => `sha256:${d}`) },
  };
  return Buffer.from(JSON.stringify(config));
}

/**
 * Writes a docker-archive to `out` from layer tars (paths or bytes, in order) and returns its image ID
 * (`sha256:<hex>`). `repoTag` names the image after `docker load` (optional).
 */
export async function writeDockerArchive(input: {
  layers: Array<string | Buffer>;
  config: ImageConfigInput;
  out: string;
  repoTag?: string;
}): Promise<{ imageId: string; bytes: number }> {
  const diffIds: string[] = [];
  for (const layer of input.layers) {
    diffIds.push(typeof layer === "string" ? await sha256File(layer) : sha256Hex(layer));
  }
  const config = imageConfig(diffIds, input.config);
  const configHex = sha256Hex(config);
  const manifest = Buffer.from(
    JSON.stringify([
      {
        Config: `${configHex}.json`,
        RepoTags: input.repoTag ? [input.repoTag] : null,
        Layers: diffIds.map((d) => `${d}/layer.tar`),
      },
    ]),
  );
  const pack = tar.pack();
  const written = pipeline(pack, createWriteStream(input.out));
  const entry = (
    name: string,
    body: Buffer | undefined,
    size?: number,
    type: "file" | "directory" = "file",
  ) =>
    pack.entry(
      {
        name,
        mode: type === "file" ? 0o644 : 0o755,
        mtime: new Date(0),
        uid: 0,
        gid: 0,
        type,
        ...(size !== undefined ? { size } : {}),
      },
      body,
    );
  entry(`${configHex}.json`, config);
  for (let i = 0; i < input.layers.length; i++) {
    const layer = input.layers[i] as string | Buffer;
    const dir = diffIds[i] as string;
    entry(`${dir}`, undefined, undefined, "directory");
    if (typeof layer === "string") {
      const { size } = await stat(layer);
      const sink = pack.entry({
        name: `${dir}/layer.tar`,
        size,
        mode: 0o644,
        mtime: new Date(0),
        uid: 0,
        gid: 0,
      });
      await pipeline(createReadStream(layer), sink);
    } else {
      entry(`${dir}/layer.tar`, layer);
    }
  }
  entry("manifest.json", manifest);
  pack.finalize();
  await written;
  return { imageId: `sha256:${configHex}`, bytes: (await stat(input.out)).size };
}

/** Reads a docker-archive's manifest and returns the image ID its config hashes to. TaskFault when malformed. */
export async function archiveImageId(path: string): Promise<string> {
  const extract = tar.extract();
  const files = new Map<string, Buffer>();
  extract.on("entry", (header, stream, next) => {
    const name = header.name.replace(/^\.\//, "");
    if (
      name === "manifest.json" ||
      (/^[0-9a-f]{64}\.json$/.test(name) && header.size !== undefined && header.size < 4 << 20)
    ) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        files.set(name, Buffer.concat(chunks));
        next();
      });
    } else {
      stream.on("end", next);
      stream.resume();
    }
  });
  try {
    await pipeline(createReadStream(path), extract);
  } catch (cause) {
    throw new TaskFault("ImageUnavailable", "the image archive is not a tar file (docker save layout)", {
      cause,
    });
  }
  const manifestBytes = files.get("manifest.json");
  if (!manifestBytes) throw new TaskFault("ImageUnavailable", "the image archive has no manifest.json");
  let configName: string;
  try {
    const manifest = JSON.parse(manifestBytes.toString()) as Array<{ Config: string }>;
    if (manifest.length !== 1 || typeof manifest[0]?.Config !== "string")
      throw new Error("need exactly one image");
    configName = manifest[0].Config;
  } catch (cause) {
    throw new TaskFault(
      "ImageUnavailable",
      "the image archive's manifest.json must describe exactly one image",
      {
        cause,
      },
    );
  }
  const config = files.get(configName);
  if (!config) throw new TaskFault("ImageUnavailable", `the image archive lacks its config ${configName}`);
  return `sha256:${sha256Hex(config)}`;
}

export function bufferStream(data: Buffer): Readable {
  return Readable.from([data]);
}
