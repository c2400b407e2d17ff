/**
 * Versioned JSON documents: parse (bytes, text or object) with a clear error per problem, reject unknown
 * versions, encode canonically, and address by the raw-codec CID of the canonical bytes.
 */
import type { CID } from "multiformats/cid";
import type { z } from "zod";
import { rawCid } from "../cid/cid.js";
import { UnsupportedVersionError, ValidationError } from "../errors/errors.js";
import { toValidationError } from "../errors/zod.js";
import { canonicalBytes } from "./canonical.js";

const decoder = new TextDecoder("utf-8", { fatal: true });

/** Turns bytes or JSON text into a value; objects pass through. */
export function decodeJsonInput(what: string, input: unknown): unknown {
  let text: string;
  if (input instanceof Uint8Array) {
    try {
      text = decoder.decode(input);
    } catch (cause) {
      throw new ValidationError(what, [{ path: "", message: "not valid UTF-8" }], { cause });
    }
  } else if (typeof input === "string") {
    text = input;
  } else {
    return input;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new ValidationError(what, [{ path: "", message: `not JSON: ${(cause as Error).message}` }], {
      cause,
    });
  }
}

export interface DocumentCodec<S extends z.ZodType> {
  /** Human name used in errors, e.g. "task spec". */
  readonly what: string;
  readonly schema: S;
  readonly versions: readonly number[];
  /** Validates bytes, JSON text or an object. Throws ValidationError / UnsupportedVersionError. */
  parse(input: unknown): z.output<S>;
  /** Like parse, returning a result instead of throwing. */
  safeParse(input: unknown): { ok: true; value: z.output<S> } | { ok: false; error: ValidationError };
  /** Canonical bytes of a valid document (validated first). */
  encode(value: z.input<S>): Uint8Array;
  /** Raw-codec CIDv1 of the canonical bytes. */
  cid(value: z.input<S>): Promise<CID>;
}

/** Builds parse/encode/cid for a schema whose objects carry `version`. */
export function defineDocument<S extends z.ZodType>(
  what: string,
  schema: S,
  versions: readonly number[] = [1],
): DocumentCodec<S> {
  const parse = (input: unknown): z.output<S> => {
    const value = decodeJsonInput(what, input);
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new ValidationError(what, [{ path: "", message: "expected a JSON object" }]);
    }
    const version = (value as { version?: unknown }).version;
    if (version === undefined) {
      throw new ValidationError(what, [
        { path: "version", message: `missing (expected ${versions.join(", ")})` },
      ]);
    }
    if (typeof version !== "number" || !versions.includes(version)) {
      throw new UnsupportedVersionError(what, version, versions);
    }
    const result = schema.safeParse(value);
    if (!result.success) throw toValidationError(what, result.error);
    return result.data;
  };
  return {
    what,
    schema,
    versions,
    parse,
    safeParse(input) {
      try {
        return { ok: true, value: parse(input) };
      } catch (error) {
        if (error instanceof ValidationError) return { ok: false, error };
        throw error;
      }
    },
    encode(value) {
      return canonicalBytes(parse(value));
    },
    async cid(value) {
      return rawCid(canonicalBytes(parse(value)));
    },
  };
}
