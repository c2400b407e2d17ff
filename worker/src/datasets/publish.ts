/**
 * `neural-worker dataset publish|info`: put a file or folder on IPFS (this node's helia store, pinned) and register
 * it in the DatasetRegistry as a new dataset or a new version of one. The content CID, its codec and its size go
 * on-chain; tasks then name the dataset by id and version (docs/protocol.md, "Datasets").
 */
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { NeuralClient } from "@neural/sdk";
import type { StorageNode } from "@neural/sdk/node";
import type { CID } from "multiformats/cid";
import { UserError } from "../errors.js";

/** Total size in bytes of the regular files under `path` (or of the file itself). Symlinks are refused. */
export async function contentSize(
  path: string,
): Promise<{ bytes: number; files: number; directory: boolean }> {
  const info = await lstat(path).catch(() => {
    throw new UserError(`dataset path ${path} does not exist: give a file or a folder`);
  });
  if (info.isSymbolicLink())
    throw new UserError(`${path} is a symbolic link: give the file or folder itself`);
  if (info.isFile()) return { bytes: info.size, files: 1, directory: false };
  if (!info.isDirectory()) throw new UserError(`${path} is neither a file nor a folder`);
  let bytes = 0;
  let files = 0;
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const sub = await contentSize(join(path, entry.name));
    bytes += sub.bytes;
    files += sub.files;
  }
  return { bytes, files, directory: true };
}

/** A one-line progress bar for a TTY: `[##########----------]  50%  3.0 / 6.0 MiB`. */
export function progressBar(done: number, total: number, width = 30): string {
  const ratio = total === 0 ? 1 : Math.min(1, done / total);
  const filled = Math.round(ratio * width);
  const mib = (n: number) => (n / (1024 * 1024)).toFixed(1);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}%  ${mib(done)} / ${mib(total)} MiB`;
}

export interface AddedContent {
  cid: CID;
  bytes: number;
  files: number;
}

/**
 * Adds `path` to `storage` (pinned), reporting progress through `onProgress(bytesRead, totalBytes)`. A folder
 * becomes a UnixFS directory (dag-pb), a file a UnixFS file.
 */
export async function addContent(
  storage: Pick<StorageNode, "addDirectory" | "addFile">,
  path: string,
  onProgress: (done: number, total: number) => void = () => undefined,
): Promise<AddedContent> {
  const size = await contentSize(path);
  if (size.bytes === 0)
    throw new UserError(`${path} holds no data: a dataset needs at least one non-empty file`);
  const options = { onBytes: (done: number) => onProgress(done, size.bytes) };
  const cid = size.directory
    ? await storage.addDirectory(path, options)
    : await storage.addFile(path, options);
  onProgress(size.bytes, size.bytes);
  return { cid, bytes: size.bytes, files: size.files };
}

export interface PublishInput {
  /** Existing dataset id for a new version; undefined publishes a new dataset. */
  datasetId?: bigint;
  name?: string;
  description?: string;
  license?: string;
  format: string;
  usageFeePerShard: bigint;
  metadataCid?: string;
}

/** Registers added content: a new dataset (with name and license) or a new version of `datasetId`. */
export async function registerContent(
  client: NeuralClient,
  content: AddedContent,
  input: PublishInput,
): Promise<{ datasetId: bigint; version: bigint; hash: `0x${string}` }> {
  const version = {
    contentCid: content.cid,
    sizeBytes: BigInt(content.bytes),
    usageFeePerShard: input.usageFeePerShard,
    format: input.format,
    ...(input.metadataCid ? { metadataCid: input.metadataCid } : {}),
  };
  if (input.datasetId !== undefined) {
    const added = await client.addDatasetVersion(input.datasetId, version);
    return { datasetId: input.datasetId, version: added.version, hash: added.hash };
  }
  if (!input.name)
    throw new UserError("--name is required for a new dataset (or give --dataset <id> for a version)");
  if (!input.license) {
    throw new UserError('--license is required for a new dataset: an SPDX identifier such as "CC-BY-4.0"');
  }
  const published = await client.publishDataset(
    { name: input.name, description: input.description ?? "", license: input.license },
    version,
  );
  return { datasetId: published.datasetId, version: 1n, hash: published.hash };
}
