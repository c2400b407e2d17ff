/** Archiving a model to a real local Arweave gateway (arlocal) started by the test. */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ArLocalModule from "arlocal";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../cid/cid.js";
import { CidMismatchError, NotFoundError } from "../errors/errors.js";
import { resultManifest } from "../formats/manifest.js";
import { exampleManifest } from "../testing/fixtures.js";
import { freePort } from "../testing/ports.js";
import {
  type ArweaveArchive as Archive,
  ArweaveArchive,
  arweaveTxIdToBytes32,
  bytes32ToArweaveTxId,
} from "./arweave.js";

type ArLocalInstance = { start(): Promise<void>; stop(): Promise<void> };
type ArLocalClass = new (
  port: number,
  showLogs: boolean,
  dbPath: string,
  persist: boolean,
) => ArLocalInstance;
const ArLocal = ((ArLocalModule as unknown as { default?: ArLocalClass }).default ??
  (ArLocalModule as unknown as ArLocalClass)) as ArLocalClass;

let dir: string;
let arlocal: ArLocalInstance;
let archive: Archive;
let url: string;
// arlocal appends a request log to ./logs in the working directory: remove it if this test made it
const strayLog = join(process.cwd(), "logs");
const hadLog = existsSync(strayLog);

async function mine(): Promise<void> {
  await archive.arweave.api.get("mine");
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "neural-arlocal-"));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  arlocal = new ArLocal(port, false, join(dir, "db"), false);
  await arlocal.start();
  const probe = new ArweaveArchive({ url });
  const wallet = await probe.arweave.wallets.generate();
  const address = await probe.arweave.wallets.jwkToAddress(wallet);
  await probe.arweave.api.get(`mint/${address}/1000000000000000`);
  archive = new ArweaveArchive({ url, wallet });
});

afterAll(async () => {
  await arlocal?.stop();
  await rm(dir, { recursive: true, force: true });
  if (!hadLog) await rm(strayLog, { force: true });
});

describe("Arweave archive (arlocal)", () => {
  const weights = randomBytes(300_000);
  let manifestBytes: Uint8Array;

  beforeAll(async () => {
    manifestBytes = resultManifest.encode(exampleManifest({}, { weightsHash: await sha256Hex(weights) }));
  });

  it("archives a model version and fetches it back verified", async () => {
    const archived = await archive.archiveModel({
      modelId: 7n,
      version: 1n,
      weights,
      manifest: manifestBytes,
    });
    await mine();
    expect(bytes32ToArweaveTxId(archived.indexTxIdBytes32)).toBe(archived.indexTxId);
    const manifestCid = (await resultManifest.cid(resultManifest.parse(manifestBytes))).toString();
    const fetched = await archive.fetchModel(archived.indexTxIdBytes32, { manifestCid });
    expect(Buffer.compare(Buffer.from(fetched.weights), weights)).toBe(0);
    expect(fetched.manifest.taskId).toBe(1);
    const tx = await archive.arweave.transactions.get(archived.weightsTxId);
    const tags = Object.fromEntries(
      tx.tags.map((t) => [
        t.get("name", { decode: true, string: true }),
        t.get("value", { decode: true, string: true }),
      ]),
    );
    expect(tags).toMatchObject({ "App-Name": "Neural", "Neural-Kind": "weights", "Neural-Model-Id": "7" });
  });

  it("refuses weights that do not match the manifest", async () => {
    await expect(
      archive.archiveModel({ modelId: 1n, version: 1n, weights: randomBytes(10), manifest: manifestBytes }),
    ).rejects.toBeInstanceOf(CidMismatchError);
  });

  it("detects archived bytes that do not match what was committed", async () => {
    const txId = await archive.upload(new TextEncoder().encode("not the weights"), {
      "Neural-Kind": "weights",
    });
    await mine();
    await expect(archive.download(txId, { sha256: `0x${"00".repeat(32)}` })).rejects.toBeInstanceOf(
      CidMismatchError,
    );
    const archived = await archive.archiveModel({
      modelId: 2n,
      version: 1n,
      weights,
      manifest: manifestBytes,
    });
    await mine();
    await expect(
      archive.fetchModel(archived.indexTxId, {
        manifestCid: "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq",
      }),
    ).rejects.toBeInstanceOf(CidMismatchError);
  });

  it("reports unknown transactions as NotFoundError", async () => {
    const unknown = bytes32ToArweaveTxId(`0x${"ab".repeat(32)}`);
    await expect(archive.download(unknown)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("converts transaction ids to bytes32 and back", () => {
    const id = bytes32ToArweaveTxId(`0x${"01".repeat(32)}`);
    expect(id).toHaveLength(43);
    expect(arweaveTxIdToBytes32(id)).toBe(`0x${"01".repeat(32)}`);
    expect(() => arweaveTxIdToBytes32("short")).toThrow(/43-character/);
  });
});
