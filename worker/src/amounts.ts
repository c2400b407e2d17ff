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
