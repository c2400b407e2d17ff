/** Field schemas shared by the documents and messages. */
import { isAddress } from "viem";
import { z } from "zod";
import { type CidCodec, type CidField, parseCid } from "../cid/cid.js";

/** Unsigned integer that JSON can carry exactly (ids, indexes, steps, seconds). */
export const uint = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
export const positiveInt = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
export const uint16 = z.number().int().nonnegative().max(0xffff);
export const uint32 = z.number().int().nonnegative().max(0xffffffff);

/** A CIDv1 string with a sha2-256 multihash, optionally of a fixed codec. */
export function cidString(codec?: CidCodec | CidField) {
  return z.string().superRefine((value, ctx) => {
    try {
      parseCid(value, codec);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: (error as Error).message });
    }
  });
}

/** 0x-prefixed 32-byte hex (a sha256 digest, a Merkle root), lower case. */
export const bytes32Hex = z
  .string()
  .regex(/^0x[0-9a-f]{64}$/, "expected 0x followed by 64 lower-case hex digits")
  .transform((v) => v as `0x${string}`);

/** An EVM address (any case, checksum checked when mixed case). */
export const address = z
  .string()
  .refine((v) => isAddress(v), "expected a 20-byte 0x address")
  .transform((v) => v as `0x${string}`);

/** Container image pinned by digest: `name@sha256:<64 hex>`. Tags alone are mutable and rejected. */
export const imageRef = z
  .string()
  .regex(
    /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?@sha256:[0-9a-f]{64}$/,
    "expected an image pinned by digest: name@sha256:<64 hex>",
  );

/** ISO 8601 UTC timestamp with a Z suffix, e.g. 2026-01-31T12:00:00.000Z. */
export const timestamp = z.iso.datetime();

/** Environment variable name. */
export const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected an environment variable name");

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Any JSON value (finite numbers only). */
export const json: z.ZodType<Json> = z.lazy(() =>
  z.union([z.null(), z.boolean(), z.number(), z.string(), z.array(json), z.record(z.string(), json)]),
);
