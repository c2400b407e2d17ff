/**
 * EIP-1559 fees of a transaction and of its replacements. A replacement of a pending transaction (same nonce) is
 * accepted by nodes only when both fees rise by at least 10% (geth's and most clients' price bump); each bump here
 * raises both by at least 12.5%, and never past the operator's cap.
 */
export interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

/** `value` raised by 12.5%, rounded up. */
export function raised(value: bigint): bigint {
  return (value * 9n + 7n) / 8n;
}

// Math.max and Math.min do not take bigints
const max = (...values: bigint[]) => {
  let out = values[0] ?? 0n;
  for (const v of values) if (v > out) out = v;
  return out;
};
const min = (a: bigint, b: bigint) => -max(-a, -b);

/** The first version's fees: the market's estimate, held under the cap. */
export function initialFees(market: Fees, cap: bigint): Fees {
  const maxFeePerGas = min(market.maxFeePerGas, cap);
  return { maxFeePerGas, maxPriorityFeePerGas: min(market.maxPriorityFeePerGas, maxFeePerGas) };
}

/**
 * The fees of the next version: each of the previous fees raised by 12.5%, or the market's estimate when that is
 * higher. Undefined when the raised maxFeePerGas would pass `cap` (the caller keeps waiting on what it sent).
 */
export function bumpedFees(previous: Fees, market: Fees, cap: bigint): Fees | undefined {
  const maxPriorityFeePerGas = max(raised(previous.maxPriorityFeePerGas), market.maxPriorityFeePerGas);
  const maxFeePerGas = max(raised(previous.maxFeePerGas), market.maxFeePerGas, maxPriorityFeePerGas);
  if (maxFeePerGas > cap) return undefined;
  return { maxFeePerGas, maxPriorityFeePerGas };
}
