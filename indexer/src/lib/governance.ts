// Handlers shared by every contract: parameters, governed addresses, roles, and a generic handler that
// records any event of the ABI without a dedicated handler, so the indexer covers every event.
import { ponder } from "ponder:registry";
import { governedAddress, parameterChange, protocolParameter, roleMember } from "ponder:schema";
import type { Abi, Hex } from "viem";
import { paddedAscii } from "./format.js";
import { type AnyEvent, type Ctx, logEvent } from "./store.js";

/** Appends one parameter_change row (`sub` distinguishes several changes from one event). */
export async function setParameter(
  ctx: Ctx,
  e: AnyEvent,
  contract: string,
  name: string,
  oldValue: bigint | number | string | null,
  newValue: bigint | number | string,
  sub = 0,
): Promise<void> {
  await ctx.db.insert(parameterChange).values({
    id: sub === 0 ? e.id : `${e.id}-${sub}`,
    contract,
    name,
    oldValue: oldValue === null ? null : String(oldValue),
    newValue: String(newValue),
    blockNumber: e.block.number,
    timestamp: e.block.timestamp,
    transactionHash: e.transaction.hash,
  });
}

type Handler = (args: { event: AnyEvent & { args: Record<string, unknown> }; context: Ctx }) => Promise<void>;

/** Sets a parameter's current value (protocol_parameter) and appends its history row. */
export async function upsertParameter(
  ctx: Ctx,
  e: AnyEvent,
  contract: string,
  nameRaw: Hex,
  oldValue: bigint,
  value: bigint,
): Promise<void> {
  const name = paddedAscii(nameRaw);
  const key = { contract, name };
  const row = { nameRaw, value, updatedAt: e.block.timestamp, updatedBlock: e.block.number };
  if (await ctx.db.find(protocolParameter, key)) await ctx.db.update(protocolParameter, key).set(row);
  else await ctx.db.insert(protocolParameter).values({ ...key, ...row });
  await setParameter(ctx, e, contract, name, oldValue, value);
}

async function onParameterSet(contract: string, e: AnyEvent & { args: Record<string, unknown> }, ctx: Ctx) {
  await upsertParameter(
    ctx,
    e,
    contract,
    e.args.name as Hex,
    e.args.oldValue as bigint,
    e.args.newValue as bigint,
  );
}

async function onAddressSet(
  contract: string,
  name: "treasury" | "randomness",
  e: AnyEvent & { args: Record<string, unknown> },
  ctx: Ctx,
  oldKey: string,
  newKey: string,
) {
  const value = e.args[newKey] as Hex;
  const key = { contract, name };
  const row = { value, updatedAt: e.block.timestamp };
  if (await ctx.db.find(governedAddress, key)) await ctx.db.update(governedAddress, key).set(row);
  else await ctx.db.insert(governedAddress).values({ ...key, ...row });
  await setParameter(ctx, e, contract, name, e.args[oldKey] as Hex, value);
}

async function onRole(
  contract: string,
  e: AnyEvent & { args: Record<string, unknown> },
  ctx: Ctx,
  active: boolean,
) {
  const key = { contract, role: e.args.role as Hex, account: e.args.account as Hex };
  const row = { active, updatedAt: e.block.timestamp };
  if (await ctx.db.find(roleMember, key)) await ctx.db.update(roleMember, key).set(row);
  else await ctx.db.insert(roleMember).values({ ...key, ...row });
}

/**
 * Registers a handler for every event of `abi` not in `handled`. Known shapes (ParameterSet, TreasurySet,
 * RandomnessSourceSet, RoleGranted / RoleRevoked) update their tables; every event is logged. With
 * `rolesOnly`, only role events update a table (a contract whose other state is not its own, e.g. the
 * TaskManagerExtension: its own storage is never used).
 */
export function registerGeneric(
  contract: string,
  abi: Abi,
  handled: readonly string[],
  options: { rolesOnly?: boolean } = {},
): void {
  const skip = new Set(handled);
  const names = new Set(abi.filter((i) => i.type === "event").map((i) => (i as { name: string }).name));
  for (const name of names) {
    if (skip.has(name)) continue;
    const handler: Handler = async ({ event, context }) => {
      switch (options.rolesOnly && !name.startsWith("Role") ? "" : name) {
        case "ParameterSet":
          await onParameterSet(contract, event, context);
          break;
        case "TreasurySet":
          await onAddressSet(contract, "treasury", event, context, "oldTreasury", "newTreasury");
          break;
        case "RandomnessSourceSet":
          await onAddressSet(contract, "randomness", event, context, "oldSource", "newSource");
          break;
        case "RoleGranted":
          await onRole(contract, event, context, true);
          break;
        case "RoleRevoked":
          await onRole(contract, event, context, false);
          break;
      }
      await logEvent(context, event, contract, name);
    };
    // Event names come from the ABI at run time, so the registry's typed names cannot be checked here.
    (ponder.on as unknown as (name: string, fn: Handler) => void)(`${contract}:${name}`, handler);
  }
}
