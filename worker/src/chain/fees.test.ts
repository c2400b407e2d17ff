import { parseGwei } from "viem";
import { describe, expect, it } from "vitest";
import { bumpedFees, initialFees, raised } from "./fees.js";

const gwei = (v: string) => parseGwei(v);
const fees = (max: string, tip: string) => ({ maxFeePerGas: gwei(max), maxPriorityFeePerGas: gwei(tip) });

describe("fees", () => {
  it("raises by 12.5%, rounding up (clients require 10%)", () => {
    expect(raised(800n)).toBe(900n);
    expect(raised(1n)).toBe(2n);
    expect(raised(gwei("2")) * 100n >= gwei("2") * 110n).toBe(true);
  });

  it("bumps both fees by 12.5% at least, or to the market when it is higher", () => {
    expect(bumpedFees(fees("2", "1"), fees("1", "0.5"), gwei("100"))).toEqual(fees("2.25", "1.125"));
    expect(bumpedFees(fees("2", "1"), fees("10", "1"), gwei("100"))).toEqual(fees("10", "1.125"));
  });

  it("refuses to pass the cap, and starts under it", () => {
    expect(bumpedFees(fees("90", "1"), fees("1", "1"), gwei("100"))).toBeUndefined();
    expect(bumpedFees(fees("88", "1"), fees("1", "1"), gwei("100"))).toEqual(fees("99", "1.125"));
    expect(initialFees(fees("150", "200"), gwei("100"))).toEqual(fees("100", "100"));
    expect(initialFees(fees("3", "1"), gwei("100"))).toEqual(fees("3", "1"));
  });
});
