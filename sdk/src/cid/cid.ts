/**
 * CIDs on-chain: a `bytes32` holding the sha2-256 digest of a CIDv1. The codec is not stored; it is fixed per
 * field (see docs/cids.md), so `bytes32ToCid(value, codec)` rebuilds the full CID.
 */
import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";
import { sha256 } from "multiformats/hashes/sha2";
import { bytesToHex, type Hex, hexToBytes, isHex } from "viem";
import { CidMismatchError, InvalidCidError } from "../errors/errors.js";

/** Multicodec codes the protocol uses. */
export const RAW_CODEC = 0x55;
export const DAG_PB_CODEC = 0x70;
export const SHA2_256_CODE = 0x12;

export type CidCodec = typeof RAW_CODEC | typeof DAG_PB_CODEC;

/** The codec of every on-chain CID field. */
export const FIELD_CODECS = {
  spec: RAW_CODEC,
  manifest: RAW_CODEC,
  metadata: RAW_CODEC,
  logs: RAW_CODEC,
  weights: DAG_PB_CODEC,
} as const satisfies Record<string, CidCodec>;

export type CidField = keyof typeof FIELD_CODECS;

export const ZERO_BYTES32: Hex = `0x${"00".repeat(32)}`;

const CODEC_NAMES: Record<number, string> = { [RAW_CODEC]: "raw (0x55)", [DAG_PB_CODEC]: "dag-pb (0x70)" };

export function codecName(code: number): string {
  return CODEC_NAMES[code] ?? `0x${code.toString(16)}`;
}

function resolveCodec(codec: CidCodec | CidField): CidCodec {
  return typeof codec === "string" ? FIELD_CODECS[codec] : codec;
}

/** Parses a CID string (or returns a CID as is), rejecting what the protocol cannot store on-chain. */
export function parseCid(value: string | CID, expected?: CidCodec | CidField): CID {
  let cid: CID;
  if (typeof value === "string") {
    if (/^Qm[1-9A-HJ-NP-Za-km-z]{44}$/.test(value)) {
      throw new InvalidCidError(
        `CIDv0 ${value} is not supported: use a CIDv1 (e.g. \`ipfs add --cid-version 1\`)`,
      );
    }
    try {
      cid = CID.parse(value);
    } catch (cause) {
      throw new InvalidCidError(`not a CID: ${JSON.stringify(value)}`, { cause });
    }
  } else {
    const asCid = CID.asCID(value);
    if (asCid === null) throw new InvalidCidError("not a CID object");
    cid = asCid;
  }
  assertStorableCid(cid, expected);
  return cid;
}

/** Throws unless `cid` is a CIDv1 with a 32-byte sha2-256 multihash (and the expected codec, when given). */
export function assertStorableCid(cid: CID, expected?: CidCodec | CidField): void {
  if (cid.version !== 1) {
    throw new InvalidCidError(`CIDv0 ${cid.toString()} is not supported: use a CIDv1`);
  }
  if (cid.multihash.code !== SHA2_256_CODE || cid.multihash.digest.length !== 32) {
    throw new InvalidCidError(
      `CID ${cid.toString()} uses multihash 0x${cid.multihash.code.toString(16)}: only sha2-256 (0x12) CIDs fit on-chain`,
    );
  }
  if (expected !== undefined) {
    const codec = resolveCodec(expected);
    if (cid.code !== codec) {
      const field = typeof expected === "string" ? `${expected} ` : "";
      throw new InvalidCidError(
        `CID ${cid.toString()} has codec ${codecName(cid.code)}; a ${field}CID must be ${codecName(codec)}`,
      );
    }
  }
}

/** The bytes32 stored on-chain for `cid`: its sha2-256 digest. */
export function cidToBytes32(cid: string | CID, expected?: CidCodec | CidField): Hex {
  const parsed = parseCid(cid, expected);
  return bytesToHex(parsed.multihash.digest);
}

/** Rebuilds the CIDv1 of an on-chain bytes32 with the field's codec. Zero means "no CID" and is rejected. */
export function bytes32ToCid(value: Hex, codec: CidCodec | CidField): CID {
  if (!isHex(value, { strict: true }) || value.length !== 66) {
    throw new InvalidCidError(`not a bytes32: ${JSON.stringify(value)}`);
  }
  if (value.toLowerCase() === ZERO_BYTES32) {
    throw new InvalidCidError("bytes32 is zero: no CID is set");
  }
  return CID.createV1(resolveCodec(codec), Digest.create(SHA2_256_CODE, hexToBytes(value)));
}

/** Like bytes32ToCid but returns null for the zero value ("none"). */
export function bytes32ToCidOrNull(value: Hex, codec: CidCodec | CidField): CID | null {
  return value.toLowerCase() === ZERO_BYTES32 ? null : bytes32ToCid(value, codec);
}

/** The raw-codec CIDv1 of `bytes` (how spec, manifest, metadata and logs are addressed). */
export async function rawCid(bytes: Uint8Array): Promise<CID> {
  return CID.createV1(RAW_CODEC, await sha256.digest(bytes));
}

/** The sha256 of `bytes` as a 0x-prefixed bytes32 (a checkpoint or weights hash). */
export async function sha256Hex(bytes: Uint8Array): Promise<Hex> {
  return bytesToHex((await sha256.digest(bytes)).digest);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Throws CidMismatchError unless `bytes` hash to the multihash of `cid`. This checks one block: for a raw CID
 * that is the whole content; for a dag-pb CID it is the root node.
 */
export async function verifyBlock(cid: CID, bytes: Uint8Array): Promise<void> {
  if (cid.multihash.code !== SHA2_256_CODE) {
    throw new InvalidCidError(
      `cannot verify CID ${cid.toString()}: multihash 0x${cid.multihash.code.toString(16)} is not sha2-256`,
    );
  }
  const digest = await sha256.digest(bytes);
  if (!equalBytes(digest.digest, cid.multihash.digest)) {
    throw new CidMismatchError(cid.toString(), CID.createV1(cid.code, digest).toString(), {
      details: { size: bytes.length },
    });
  }
}

export { CID };
