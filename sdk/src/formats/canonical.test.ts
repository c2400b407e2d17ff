import { describe, expect, it } from "vitest";
import { ValidationError } from "../errors/errors.js";
import { canonicalBytes, canonicalize } from "./canonical.js";

describe("canonicalize", () => {
  it("sorts keys recursively and drops whitespace", () => {
    expect(canonicalize({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: "x" } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it("yields the same text whatever the key insertion order", () => {
    const a = { version: 1, name: "n", resources: { gpus: 1, cpus: 2 } };
    const b = { resources: { cpus: 2, gpus: 1 }, name: "n", version: 1 };
    expect(canonicalize(a)).toBe(canonicalize(b));
  });

  it("sorts keys by UTF-16 code units as RFC 8785 requires", () => {
    // RFC 8785 section 3.2.3 example keys
    const value = {
      "\u20ac": "Euro",
      "\r": "CR",
      "\ufb33": "Hebrew",
      "1": "One",
      "\ud83d\ude00": "Smiley",
      "\u0080": "Ctl",
      "\u00f6": "o",
    };
    const order = [...canonicalize(value).matchAll(/:"([A-Za-z]+)"/g)].map((m) => m[1]);
    expect(order).toEqual(["CR", "One", "Ctl", "o", "Euro", "Smiley", "Hebrew"]);
  });

  it("writes numbers in ECMAScript shortest form", () => {
    expect(canonicalize([1e21, 0.1, -0, 1.5e-7, 100])).toBe("[1e+21,0.1,0,1.5e-7,100]");
  });

  it("escapes strings like JSON.stringify", () => {
    expect(canonicalize({ s: 'a"b\\c\n\u0001' })).toBe('{"s":"a\\"b\\\\c\\n\\u0001"}');
  });

  it("omits undefined properties", () => {
    expect(canonicalize({ a: undefined, b: null })).toBe('{"b":null}');
  });

  it("rejects values JSON cannot represent, naming the path", () => {
    expect(() => canonicalize({ a: [1, Number.NaN] })).toThrow(ValidationError);
    expect(() => canonicalize({ a: [1, Number.NaN] })).toThrow(/a\[1\]: number NaN/);
    expect(() => canonicalize({ big: 1n })).toThrow(/big: a bigint/);
    expect(() => canonicalize({ d: new Date(0) })).toThrow(/plain objects/);
  });

  it("encodes as UTF-8", () => {
    expect(Array.from(canonicalBytes({ e: "\u00e9" }))).toEqual([
      123, 34, 101, 34, 58, 34, 0xc3, 0xa9, 34, 125,
    ]);
  });
});
