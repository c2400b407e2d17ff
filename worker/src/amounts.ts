import { formatUnits, parseUnits } from "viem";
import { UserError } from "./errors.js";

/** NRL amount from text ("100", "0.5") to wei; UserError naming the option when malformed. */
export function parseNrl(value: string, option: string): bigint {
  if (!/^\d+(\.\d{1,18})?$/.test(value.trim())) {
    throw new UserError(`${option}: expected an NRL amount like 100 or 0.5, got ${JSON.stringify(value)}`);
  }
  return parseUnits(value.trim(), 18);
}

export function formatNrl(wei: bigint): string {
  return `${formatUnits(wei, 18)} NRL`;
}

export function formatEth(wei: bigint): string {
  return `${formatUnits(wei, 18)} ETH`;
}

const MAX_ASK = (1n << 96n) - 1n;

/**
 * True when the registry can store `wei` as an ask exactly: NodeRegistry refuses (InvalidAskPrice) an ask above
 * 2^96 − 1 or one that is not m × 10^e with m < 2^32 (PriceCodec) — every price of at most 9 significant digits is.
 */
export function isExactAsk(wei: bigint): boolean {
  if (wei > MAX_ASK) return false;
  let m = wei;
  while (m >= 1n << 32n) {
    if (m % 10n !== 0n) return false;
    m /= 10n;
  }
  return true;
}

/** Significant decimal digits of `wei` (trailing zeros do not count). */
export function significantDigits(wei: bigint): number {
  let m = wei;
  while (m > 0n && m % 10n === 0n) m /= 10n;
  return m === 0n ? 0 : m.toString().length;
}

/** --ask-price in NRL to wei, refused with the reason before any transaction when the registry would refuse it. */
export function parseAskPrice(value: string, option = "--ask-price"): bigint {
  const wei = parseNrl(value, option);
  if (wei === 0n) throw new UserError(`${option}: the ask must be above 0 NRL`);
  if (!isExactAsk(wei)) {
    throw new UserError(
      `${option}: ${value.trim()} NRL has ${significantDigits(wei)} significant digits; an ask may have at most 9 ` +
        "(e.g. 1.5 or 0.123456789 or 2500), because the price a shard pays is locked into the shard exactly " +
        "(NodeRegistry refuses it with InvalidAskPrice). Round it, e.g. to " +
        `${formatUnits(roundToDigits(wei, 9), 18)}`,
    );
  }
  return wei;
}

function roundToDigits(wei: bigint, digits: number): bigint {
  const extra = wei.toString().length - digits;
  if (extra <= 0) return wei;
  const unit = 10n ** BigInt(extra);
  return ((wei + unit / 2n) / unit) * unit;
}
