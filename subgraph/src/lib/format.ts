// Pure conversions under the mappings, the same as the indexer's (indexer/src/lib/format.ts). Shared by the
// AssemblyScript mappings and the Vitest tests (see README.md here).

/**
 * Integer division truncated toward zero, for integers in both languages: AssemblyScript divides integers
 * exactly; in TypeScript `a - a % b` is a multiple of `b`, so the quotient has no fraction.
 */
export function idiv(a: i64, b: i64): i64 {
  return (a - (a % b)) / b;
}

/** Decodes right-padded ASCII (bytes32 GPU model, bytes16 region, bytes32 parameter names), dropping the zero padding. */
export function paddedAscii(bytes: Uint8Array): string {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] == 0) end--;
  let text = "";
  for (let i = 0; i < end; i++) text += String.fromCharCode(<i32>bytes[i]);
  return text;
}

/** Success rate in basis points as the contracts define it: 10000 (100 %) when there is no history yet. */
export function successBps(completed: i32, failed: i32): i32 {
  const total = <i64>completed + <i64>failed;
  if (total == 0) return 10000;
  return <i32>idiv(<i64>completed * 10000, total);
}

/** Audits paid for at post time: ceil(shardCount * auditRateBps / 10000). */
export function auditBudget(shardCount: i32, auditRateBps: i32): i32 {
  const product = <i64>shardCount * <i64>auditRateBps;
  return <i32>idiv(product + 9999, 10000);
}

const SECONDS_PER_DAY: i64 = 86400;

/** Unix seconds of 00:00 UTC of the day of `timestamp` (block time, seconds, not negative). */
export function dayStart(timestamp: i64): i64 {
  return timestamp - (timestamp % SECONDS_PER_DAY);
}

function twoDigits(value: i64): string {
  return value < 10 ? "0" + value.toString() : value.toString();
}

/** UTC day of a block timestamp as "YYYY-MM-DD" (the DailyStat id), for dates from 1970 on. */
export function dayId(timestamp: i64): string {
  // Civil date from days since 1970-01-01 (H. Hinnant's algorithm); every operand is non-negative here.
  const z: i64 = idiv(timestamp, SECONDS_PER_DAY) + 719468;
  const era: i64 = idiv(z, 146097);
  const doe: i64 = z - era * 146097;
  const yoe: i64 = idiv(doe - idiv(doe, 1460) + idiv(doe, 36524) - idiv(doe, 146096), 365);
  const doy: i64 = doe - (365 * yoe + idiv(yoe, 4) - idiv(yoe, 100));
  const mp: i64 = idiv(5 * doy + 2, 153);
  const day: i64 = doy - idiv(153 * mp + 2, 5) + 1;
  const month: i64 = mp < 10 ? mp + 3 : mp - 9;
  const year: i64 = yoe + era * 400 + (month <= 2 ? 1 : 0);
  let y = year.toString();
  while (y.length < 4) y = "0" + y;
  return y + "-" + twoDigits(month) + "-" + twoDigits(day);
}

const HEX_DIGITS = "0123456789abcdef";

/** JSON string literal of `value` (quotes, backslashes and control characters escaped). */
export function jsonString(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c == 0x22) out += '\\"';
    else if (c == 0x5c) out += "\\\\";
    else if (c == 0x0a) out += "\\n";
    else if (c == 0x0d) out += "\\r";
    else if (c == 0x09) out += "\\t";
    else if (c < 0x20) {
      out += "\\u00" + HEX_DIGITS.charAt((c >> 4) & 15) + HEX_DIGITS.charAt(c & 15);
    } else out += value.charAt(i);
  }
  return out + '"';
}
