/**
 * Canonical JSON (RFC 8785, JCS): object keys sorted by UTF-16 code units, no whitespace, numbers in
 * ECMAScript shortest form, strings escaped as JSON.stringify does. The same value always yields the same
 * bytes, so the same document always yields the same CID.
 */
import { ValidationError } from "../errors/errors.js";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

function fail(path: string, message: string): never {
  throw new ValidationError("JSON value", [{ path, message }]);
}

function serialize(value: unknown, path: string, out: string[]): void {
  if (value === null) {
    out.push("null");
    return;
  }
  switch (typeof value) {
    case "boolean":
      out.push(value ? "true" : "false");
      return;
    case "number":
      if (!Number.isFinite(value)) fail(path, `number ${value} has no JSON form`);
      out.push(JSON.stringify(value));
      return;
    case "string":
      out.push(JSON.stringify(value));
      return;
    case "object": {
      if (Array.isArray(value)) {
        out.push("[");
        value.forEach((item, i) => {
          if (i > 0) out.push(",");
          if (item === undefined) fail(`${path}[${i}]`, "undefined in an array has no JSON form");
          serialize(item, `${path}[${i}]`, out);
        });
        out.push("]");
        return;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) fail(path, "only plain objects can be serialized");
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record)
        .filter((k) => record[k] !== undefined)
        .sort();
      out.push("{");
      keys.forEach((key, i) => {
        if (i > 0) out.push(",");
        out.push(JSON.stringify(key), ":");
        serialize(record[key], path ? `${path}.${key}` : key, out);
      });
      out.push("}");
      return;
    }
    default:
      fail(path, `a ${typeof value} has no JSON form`);
  }
}

/** The canonical JSON text of `value`. Throws ValidationError on values JSON cannot represent. */
export function canonicalize(value: unknown): string {
  const out: string[] = [];
  serialize(value, "", out);
  return out.join("");
}

const encoder = new TextEncoder();

/** The UTF-8 bytes of the canonical JSON of `value`. */
export function canonicalBytes(value: unknown): Uint8Array {
  return encoder.encode(canonicalize(value));
}
