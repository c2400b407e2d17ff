import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";
import { sha512 } from "multiformats/hashes/sha2";
import { describe, expect, it } from "vitest";
import { CidMismatchError, InvalidCidError } from "../errors/errors.js";
import {
  bytes32ToCid,
  bytes32ToCidOrNull,
  cidToBytes32,
  DAG_PB_CODEC,
  parseCid,
  RAW_CODEC,
  rawCid,
  sha256Hex,
  verifyBlock,
  ZERO_BYTES32,
} from "./cid.js";

const hello = new TextEncoder().encode("hello");
// sha256("hello")
const helloDigest = "0x2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

describe("CIDs", () => {
  it("round-trips a raw CID through bytes32", async () => {
    const cid = await rawCid(hello);
    expect(cid.toString()).toBe("bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq");
    expect(cidToBytes32(cid)).toBe(helloDigest);
    expect(cidToBytes32(cid.toString(), "spec")).toBe(helloDigest);
    expect(bytes32ToCid(helloDigest, "spec").equals(cid)).toBe(true);
    expect(bytes32ToCid(helloDigest, RAW_CODEC).toString()).toBe(cid.toString());
  });

  it("rebuilds a dag-pb CID for weights", () => {
    const cid = bytes32ToCid(helloDigest, "weights");
    expect(cid.code).toBe(DAG_PB_CODEC);
    expect(cid.version).toBe(1);
    expect(cidToBytes32(cid, "weights")).toBe(helloDigest);
  });

  it("rejects CIDv0 clearly", () => {
    const v0 = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG";
    expect(() => parseCid(v0)).toThrow(InvalidCidError);
    expect(() => parseCid(v0)).toThrow(/CIDv0 .* not supported/);
    const asObject = CID.parse(v0);
    expect(() => cidToBytes32(asObject)).toThrow(/CIDv0/);
  });

  it("rejects non-sha256 CIDs", async () => {
    const cid = CID.createV1(RAW_CODEC, await sha512.digest(hello));
    expect(() => cidToBytes32(cid)).toThrow(/only sha2-256/);
    const identity = CID.createV1(RAW_CODEC, Digest.create(0x00, hello));
    expect(() => cidToBytes32(identity)).toThrow(InvalidCidError);
  });

  it("rejects the wrong codec for a field", async () => {
    const cid = await rawCid(hello);
    expect(() => cidToBytes32(cid, "weights")).toThrow(/weights CID must be dag-pb/);
  });

  it("rejects malformed input", () => {
    expect(() => parseCid("not-a-cid")).toThrow(/not a CID/);
    expect(() => bytes32ToCid("0x1234", "spec")).toThrow(/not a bytes32/);
    expect(() => bytes32ToCid(ZERO_BYTES32, "spec")).toThrow(/zero/);
    expect(bytes32ToCidOrNull(ZERO_BYTES32, "spec")).toBeNull();
  });

  it("verifies bytes against a CID", async () => {
    const cid = await rawCid(hello);
    await expect(verifyBlock(cid, hello)).resolves.toBeUndefined();
    const tampered = new TextEncoder().encode("hellO");
    const error = await verifyBlock(cid, tampered).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CidMismatchError);
    expect((error as CidMismatchError).expected).toBe(cid.toString());
    expect((error as CidMismatchError).retryable).toBe(false);
    expect(await sha256Hex(hello)).toBe(helloDigest);
  });
});
