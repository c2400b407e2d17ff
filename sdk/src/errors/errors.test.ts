import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  CidMismatchError,
  ContractRevertError,
  isRetryable,
  NetworkError,
  NeuralError,
  NotFoundError,
  TimeoutError,
  ValidationError,
} from "./errors.js";
import { formatZodError, toValidationError } from "./zod.js";

describe("errors", () => {
  it("share one base class with code, details, cause and retryable", () => {
    const cause = new Error("socket hang up");
    const errors = [
      new ValidationError("thing", [{ path: "a", message: "bad" }]),
      new CidMismatchError("bafy1", "bafy2"),
      new ContractRevertError("reverted", { errorName: "EmptyBatch" }),
      new NotFoundError("missing"),
      new TimeoutError("slow", { cause }),
      new NetworkError("down", { cause }),
    ];
    for (const error of errors) {
      expect(error).toBeInstanceOf(NeuralError);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe(error.constructor.name);
    }
    expect(errors.map(isRetryable)).toEqual([false, false, false, false, true, true]);
    expect(errors[4]?.cause).toBe(cause);
    expect(errors[1]?.details).toEqual({ expected: "bafy1", actual: "bafy2" });
    expect(isRetryable(new Error("x"))).toBe(false);
    expect(new NetworkError("bad request", { retryable: false }).retryable).toBe(false);
  });

  it("render a zod error as one line per problem with the field path", () => {
    const schema = z.object({ a: z.object({ b: z.array(z.number()) }), c: z.string() });
    const result = schema.safeParse({ a: { b: [1, "x"] }, c: 3 });
    if (result.success) throw new Error("expected failure");
    expect(formatZodError(result.error).map((i) => i.path)).toEqual(["a.b[1]", "c"]);
    const error = toValidationError("example", result.error);
    expect(error.message.split("\n")).toEqual([
      "invalid example:",
      expect.stringMatching(/^ {2}a\.b\[1\]: .*number/),
      expect.stringMatching(/^ {2}c: .*string/),
    ]);
    expect(error.cause).toBe(result.error);
  });

  it("flatten union errors to the closest branch", () => {
    const schema = z.union([z.object({ kind: z.literal("a"), n: z.number() }), z.string()]);
    const result = schema.safeParse({ kind: "a", n: "1" });
    if (result.success) throw new Error("expected failure");
    expect(formatZodError(result.error)).toEqual([{ path: "n", message: expect.stringContaining("number") }]);
  });
});
