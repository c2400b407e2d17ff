import { ponder } from "ponder:registry";
import { tokenAccount } from "ponder:schema";
import type { Hex } from "viem";
import { neuralTokenAbi } from "./lib/abis.js";
import { registerGeneric } from "./lib/governance.js";
import { type AnyEvent, type Ctx, logEvent } from "./lib/store.js";

const ZERO = "0x0000000000000000000000000000000000000000";

async function move(ctx: Ctx, e: AnyEvent, address: Hex, delta: bigint, incoming: boolean) {
  await ctx.db
    .insert(tokenAccount)
    .values({
      address,
      balance: delta,
      transfersIn: incoming ? 1 : 0,
      transfersOut: incoming ? 0 : 1,
      updatedAt: e.block.timestamp,
    })
    .onConflictDoUpdate((row) => ({
      balance: row.balance + delta,
      ...(incoming ? { transfersIn: row.transfersIn + 1 } : { transfersOut: row.transfersOut + 1 }),
      updatedAt: e.block.timestamp,
    }));
}

ponder.on("NeuralToken:Transfer", async ({ event, context }) => {
  const { from, to, value } = event.args;
  if (from !== ZERO) await move(context, event, from, -value, false);
  if (to !== ZERO) await move(context, event, to, value, true);
  await logEvent(context, event, "NeuralToken", "Transfer");
});

registerGeneric("NeuralToken", neuralTokenAbi, ["Transfer"]);
