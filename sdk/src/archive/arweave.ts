/**
 * Permanent archive of finalized models on Arweave (arweave-js). A model version is archived as three
 * transactions: the weights, the result manifest, and an Arweave path manifest linking both (its id is what
 * ModelRegistry.recordArchive stores, as bytes32). Downloads are verified against the sha256 / CID the
 * protocol already committed to, so an Arweave gateway is not trusted either.
 *
 * arweave-js builds a transaction from the whole data in memory: weights are uploaded from a buffer.
 */
import Arweave from "arweave";
import type { JWKInterface } from "arweave/node/lib/wallet.js";
import { bytesToHex, type Hex, hexToBytes } from "viem";
import { rawCid, sha256Hex } from "../cid/cid.js";
import {
  CidMismatchError,
  NetworkError,
  NeuralError,
  NotFoundError,
  ValidationError,
} from "../errors/errors.js";
import { type ResultManifest, resultManifest } from "../formats/manifest.js";

export type { JWKInterface };

export const APP_NAME = "Neural";

/** Arweave transaction ids are 32 bytes in base64url (43 characters). */
export function arweaveTxIdToBytes32(txId: string): Hex {
  if (!/^[A-Za-z0-9_-]{43}$/.test(txId)) {
    throw new ValidationError("Arweave transaction id", [
      { path: "", message: `not a 43-character id: ${txId}` },
    ]);
  }
  const bytes = Buffer.from(txId, "base64url");
  if (bytes.length !== 32) {
    throw new ValidationError("Arweave transaction id", [
      { path: "", message: "does not decode to 32 bytes" },
    ]);
  }
  return bytesToHex(bytes);
}

export function bytes32ToArweaveTxId(value: Hex): string {
  return Buffer.from(hexToBytes(value)).toString("base64url");
}

export interface ArweaveArchiveOptions {
  /** Gateway / node URL, e.g. https://arweave.net or http://127.0.0.1:1984 (arlocal). */
  url: string;
  /** Wallet (JWK) that pays for uploads. Needed for uploads only. */
  wallet?: JWKInterface;
  /** Time limit per HTTP request (ms). Default 60 s. */
  timeoutMs?: number;
}

export interface ArchivedModel {
  weightsTxId: string;
  manifestTxId: string;
  /** Path manifest linking both: the id recorded on-chain. */
  indexTxId: string;
  indexTxIdBytes32: Hex;
}

export interface ArchiveModelInput {
  modelId: bigint;
  version: bigint;
  /** Final weights file (its sha256 must equal manifest.finalWeights.hash). */
  weights: Uint8Array;
  /** The result manifest's canonical bytes (as stored under its raw CID). */
  manifest: Uint8Array;
}

interface PathManifest {
  manifest: "arweave/paths";
  version: "0.2.0";
  index: { path: string };
  paths: Record<string, { id: string }>;
}

export class ArweaveArchive {
  readonly arweave: Arweave;
  private readonly wallet: JWKInterface | undefined;

  constructor(options: ArweaveArchiveOptions) {
    const url = new URL(options.url);
    this.arweave = Arweave.init({
      host: url.hostname,
      port: url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80,
      protocol: url.protocol.replace(":", ""),
      timeout: options.timeoutMs ?? 60_000,
    });
    this.wallet = options.wallet;
  }

  private requireWallet(): JWKInterface {
    if (!this.wallet)
      throw new ValidationError("Arweave upload", [{ path: "wallet", message: "a wallet is required" }]);
    return this.wallet;
  }

  /** Uploads `data` with tags (chunked upload); returns the transaction id. */
  async upload(data: Uint8Array, tags: Record<string, string>): Promise<string> {
    const wallet = this.requireWallet();
    try {
      const tx = await this.arweave.createTransaction({ data }, wallet);
      tx.addTag("App-Name", APP_NAME);
      for (const [name, value] of Object.entries(tags)) tx.addTag(name, value);
      await this.arweave.transactions.sign(tx, wallet);
      const uploader = await this.arweave.transactions.getUploader(tx);
      while (!uploader.isComplete) {
        await uploader.uploadChunk();
        if (uploader.lastResponseStatus >= 400) {
          throw new NetworkError(
            `Arweave rejected a chunk of ${tx.id}: ${uploader.lastResponseStatus} ${uploader.lastResponseError}`,
            {
              retryable: uploader.lastResponseStatus >= 500 || uploader.lastResponseStatus === 429,
            },
          );
        }
      }
      return tx.id;
    } catch (error) {
      if (error instanceof NeuralError) throw error;
      throw new NetworkError(`Arweave upload failed: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Downloads a transaction's data; with `sha256`, throws CidMismatchError when the bytes differ. */
  async download(txId: string, expect: { sha256?: Hex } = {}): Promise<Uint8Array> {
    let data: string | Uint8Array;
    try {
      const { status } = await this.arweave.transactions.getStatus(txId);
      if (status === 404) throw new NotFoundError(`Arweave transaction ${txId} not found`);
      data = await this.arweave.transactions.getData(txId, { decode: true });
    } catch (error) {
      if (error instanceof NeuralError) throw error;
      const status = (error as { type?: string; response?: { status?: number } }).response?.status;
      if (status === 404 || (error as { type?: string }).type === "TX_NOT_FOUND") {
        throw new NotFoundError(`Arweave transaction ${txId} not found`, { cause: error });
      }
      throw new NetworkError(`Arweave download of ${txId} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : new Uint8Array(data);
    if (expect.sha256 !== undefined) {
      const actual = await sha256Hex(bytes);
      if (actual !== expect.sha256.toLowerCase()) {
        throw new CidMismatchError(`sha256:${expect.sha256}`, `sha256:${actual}`, { details: { txId } });
      }
    }
    return bytes;
  }

  /** Archives a finalized model version; the weights are checked against the manifest before upload. */
  async archiveModel(input: ArchiveModelInput): Promise<ArchivedModel> {
    const manifest = resultManifest.parse(input.manifest);
    const weightsHash = await sha256Hex(input.weights);
    if (weightsHash !== manifest.finalWeights.hash) {
      throw new CidMismatchError(`sha256:${manifest.finalWeights.hash}`, `sha256:${weightsHash}`, {
        details: { what: "weights do not match the manifest's finalWeights.hash" },
      });
    }
    const manifestCid = (await rawCid(input.manifest)).toString();
    const common = {
      "Neural-Model-Id": input.modelId.toString(),
      "Neural-Model-Version": input.version.toString(),
      "Neural-Task-Id": String(manifest.taskId),
      "Neural-Shard-Index": String(manifest.shardIndex),
    };
    const weightsTxId = await this.upload(input.weights, {
      ...common,
      "Content-Type": "application/octet-stream",
      "Neural-Kind": "weights",
      "Neural-Sha256": manifest.finalWeights.hash,
      "IPFS-CID": manifest.finalWeights.cid,
    });
    const manifestTxId = await this.upload(input.manifest, {
      ...common,
      "Content-Type": "application/json",
      "Neural-Kind": "manifest",
      "IPFS-CID": manifestCid,
    });
    const index: PathManifest = {
      manifest: "arweave/paths",
      version: "0.2.0",
      index: { path: "manifest.json" },
      paths: { "manifest.json": { id: manifestTxId }, weights: { id: weightsTxId } },
    };
    const indexTxId = await this.upload(new TextEncoder().encode(JSON.stringify(index)), {
      ...common,
      "Content-Type": "application/x.arweave-manifest+json",
      "Neural-Kind": "index",
    });
    return { weightsTxId, manifestTxId, indexTxId, indexTxIdBytes32: arweaveTxIdToBytes32(indexTxId) };
  }

  /**
   * Fetches an archived model version from its index transaction (a bytes32 from ModelRegistry or the id):
   * the manifest is checked against `manifestCid` when given, the weights against the manifest's hash.
   */
  async fetchModel(
    index: string | Hex,
    expect: { manifestCid?: string } = {},
  ): Promise<{ manifest: ResultManifest; manifestBytes: Uint8Array; weights: Uint8Array }> {
    const indexTxId = index.startsWith("0x") ? bytes32ToArweaveTxId(index as Hex) : index;
    const pathManifest = JSON.parse(new TextDecoder().decode(await this.download(indexTxId))) as PathManifest;
    const manifestId = pathManifest.paths?.["manifest.json"]?.id;
    const weightsId = pathManifest.paths?.weights?.id;
    if (!manifestId || !weightsId) {
      throw new ValidationError("Arweave model index", [
        { path: "paths", message: "manifest.json and weights are required" },
      ]);
    }
    const manifestBytes = await this.download(manifestId);
    if (expect.manifestCid !== undefined) {
      const actual = (await rawCid(manifestBytes)).toString();
      if (actual !== expect.manifestCid)
        throw new CidMismatchError(expect.manifestCid, actual, { details: { manifestId } });
    }
    const manifest = resultManifest.parse(manifestBytes);
    const weights = await this.download(weightsId, { sha256: manifest.finalWeights.hash });
    return { manifest, manifestBytes, weights };
  }
}
