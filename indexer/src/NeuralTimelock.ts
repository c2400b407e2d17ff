// NeuralTimelock: OpenZeppelin's TimelockController, the admin (DEFAULT_ADMIN_ROLE) of the NodeRegistry,
// TaskManager, DisputeManager and Sortition. Its operations (schedule / scheduleBatch, execute, cancel) are
// timelock_operation rows with their calls (timelock_call); MinDelayChange is its "minDelay" parameter; its
// roles (proposer, canceller, executor, admin) go to role_member like every contract's.
import { ponder } from "ponder:registry";
import { timelockCall, timelockOperation } from "ponder:schema";
import { stringToHex } from "viem";
import { neuralTimelockAbi } from "./lib/abis.js";
import { registerGeneric, upsertParameter } from "./lib/governance.js";
import { logEvent } from "./lib/store.js";

const C = "NeuralTimelock";
const ZERO_32 = `0x${"0".repeat(64)}` as const;
const callId = (operationId: string, index: number) => `${operationId}-${index}`;

/**
 * One call of a scheduled operation (scheduleBatch emits one per call, index 0..n-1, in one transaction).
 * Call 0 (re)starts the operation: an operation cancelled before may be scheduled again under the same id.
 */
ponder.on("NeuralTimelock:CallScheduled", async ({ event, context }) => {
  const a = event.args;
  const index = Number(a.index);
  const ts = event.block.timestamp;
  const call = { target: a.target, value: a.value, data: a.data, executed: false, executedAt: null };
  await context.db
    .insert(timelockCall)
    .values({ id: callId(a.id, index), timelockOperationId: a.id, index, ...call })
    .onConflictDoUpdate(call);
  if (index === 0) {
    const op = {
      status: "Scheduled" as const,
      target: a.target,
      value: a.value,
      data: a.data,
      callCount: 1,
      predecessor: a.predecessor,
      salt: ZERO_32,
      delay: a.delay,
      readyAt: ts + a.delay,
      scheduledAt: ts,
      scheduledBlock: event.block.number,
      scheduledTx: event.transaction.hash,
      executedAt: null,
      executedTx: null,
      cancelledAt: null,
      cancelledTx: null,
      updatedAt: ts,
    };
    await context.db
      .insert(timelockOperation)
      .values({ id: a.id, ...op })
      .onConflictDoUpdate(op);
  } else if (await context.db.find(timelockOperation, { id: a.id })) {
    await context.db.update(timelockOperation, { id: a.id }).set({ callCount: index + 1, updatedAt: ts });
  }
  await logEvent(context, event, C, "CallScheduled");
});

/** Emitted after the CallScheduled events when the operation has a non-zero salt. */
ponder.on("NeuralTimelock:CallSalt", async ({ event, context }) => {
  const a = event.args;
  if (await context.db.find(timelockOperation, { id: a.id })) {
    await context.db
      .update(timelockOperation, { id: a.id })
      .set({ salt: a.salt, updatedAt: event.block.timestamp });
  }
  await logEvent(context, event, C, "CallSalt");
});

/** One call executed; the operation is Executed (all its calls run in the same transaction or none does). */
ponder.on("NeuralTimelock:CallExecuted", async ({ event, context }) => {
  const a = event.args;
  const index = Number(a.index);
  const ts = event.block.timestamp;
  const id = callId(a.id, index);
  if (await context.db.find(timelockCall, { id })) {
    await context.db.update(timelockCall, { id }).set({ executed: true, executedAt: ts });
  }
  if (await context.db.find(timelockOperation, { id: a.id })) {
    await context.db
      .update(timelockOperation, { id: a.id })
      .set({ status: "Executed", executedAt: ts, executedTx: event.transaction.hash, updatedAt: ts });
  }
  await logEvent(context, event, C, "CallExecuted");
});

ponder.on("NeuralTimelock:Cancelled", async ({ event, context }) => {
  const a = event.args;
  const ts = event.block.timestamp;
  if (await context.db.find(timelockOperation, { id: a.id })) {
    await context.db
      .update(timelockOperation, { id: a.id })
      .set({ status: "Cancelled", cancelledAt: ts, cancelledTx: event.transaction.hash, updatedAt: ts });
  }
  await logEvent(context, event, C, "Cancelled");
});

/** The delay is the timelock's only parameter: protocol_parameter ("NeuralTimelock", "minDelay"). */
ponder.on("NeuralTimelock:MinDelayChange", async ({ event, context }) => {
  const a = event.args;
  const nameRaw = stringToHex("minDelay", { size: 32 });
  await upsertParameter(context, event, C, nameRaw, a.oldDuration, a.newDuration);
  await logEvent(context, event, C, "MinDelayChange");
});

// RoleGranted / RoleRevoked (role_member) and RoleAdminChanged (logged).
registerGeneric(C, neuralTimelockAbi, [
  "CallScheduled",
  "CallSalt",
  "CallExecuted",
  "Cancelled",
  "MinDelayChange",
]);
