import { describe, expect, it } from "vitest";
import { isExactAsk, parseAskPrice, significantDigits } from "./amounts.js";
import { UserError } from "./errors.js";

describe("ask prices", () => {
  it("accepts what the registry stores exactly (PriceCodec: m × 10^e, m < 2^32, at most 2^96 − 1)", () => {
    expect(parseAskPrice("1.5")).toBe(1_500_000_000_000_000_000n);
    expect(parseAskPrice("0.123456789")).toBe(123_456_789_000_000_000n);
    expect(parseAskPrice("2500")).toBe(2_500n * 10n ** 18n);
    expect(isExactAsk(4_294_967_295n)).toBe(true);
    expect(isExactAsk(4_294_967_296n * 10n ** 10n)).toBe(false);
    expect(isExactAsk(1n << 96n)).toBe(false);
    expect(significantDigits(1_500_000_000_000_000_000n)).toBe(2);
  });

  it("refuses more than 9 significant digits with the reason and a rounded suggestion", () => {
    expect(() => parseAskPrice("1.0000000001")).toThrow(UserError);
    expect(() => parseAskPrice("1.0000000001")).toThrow(/11 significant digits.*at most 9.*e\.g\. to 1/s);
    expect(() => parseAskPrice("0")).toThrow(/above 0/);
  });
});
