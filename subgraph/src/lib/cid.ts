// CIDv1 strings of the sha2-256 digests the contracts store as bytes32 (docs/protocol.md). Pure: shared by
// the AssemblyScript mappings and the Vitest tests (see README.md here).

/** Multicodec of spec / manifest / metadata / logs CIDs. */
export const RAW_CODEC: i32 = 0x55;
/** Multicodec of model weights CIDs. */
export const DAG_PB_CODEC: i32 = 0x70;
const SHA2_256: i32 = 0x12;
const DIGEST_LENGTH: i32 = 32;
const BASE32_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

/** RFC 4648 base32, lowercase, no padding (the multibase "b" encoding without its prefix). */
export function base32(bytes: Uint8Array): string {
  let out = "";
  let buffer: i32 = 0;
  let bits: i32 = 0;
  for (let i = 0; i < bytes.length; i++) {
    buffer = ((buffer << 8) | <i32>bytes[i]) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET.charAt((buffer >> (bits - 5)) & 31);
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32_ALPHABET.charAt((buffer << (5 - bits)) & 31);
  return out;
}

export function isZero(bytes: Uint8Array): bool {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] != 0) return false;
  }
  return true;
}

/**
 * CIDv1 (multibase base32, "b...") of a 32-byte sha2-256 digest with the given codec, or null for the zero
 * digest ("no CID") and for digests of another length. Equals the indexer's `cidFromDigest`.
 * Both codecs are below 0x80, so every varint of the prefix is one byte.
 */
export function cidFromDigest(digest: Uint8Array, codec: i32): string | null {
  if (digest.length != DIGEST_LENGTH || isZero(digest)) return null;
  const bytes = new Uint8Array(4 + DIGEST_LENGTH);
  bytes[0] = 1; // CID version
  bytes[1] = <u8>codec;
  bytes[2] = <u8>SHA2_256;
  bytes[3] = <u8>DIGEST_LENGTH;
  for (let i = 0; i < DIGEST_LENGTH; i++) bytes[4 + i] = digest[i];
  return "b" + base32(bytes);
}
