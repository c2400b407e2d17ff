// NeuralTimelock handlers (indexer/src/NeuralTimelock.ts): OpenZeppelin's TimelockController, the admin
// (DEFAULT_ADMIN_ROLE) of the NodeRegistry, TaskManager, DisputeManager and Sortition. Its operations are
// TimelockOperation entities with their calls (TimelockCall); MinDelayChange is its "minDelay" parameter; its
// roles (proposer, canceller, executor, admin) are RoleMember rows like every contract's.
import { BigInt, Bytes, ethereum } from "@graphprotocol/graph-ts";
import {
  CallExecuted,
  CallSalt,
  CallScheduled,
  Cancelled,
  MinDelayChange,
  RoleAdminChanged,
  RoleGranted,
  RoleRevoked,
} from "../generated/NeuralTimelock/NeuralTimelock";
import { TimelockCall, TimelockOperation } from "../generated/schema";
import { onParameterSet, onRole } from "./governance";
import { links, loadAggregates, logEvent } from "./store";

const C = "NeuralTimelock";

function callId(operationId: string, index: BigInt): string {
  return operationId + "-" + index.toString();
}

function zero32(): Bytes {
  return changetype<Bytes>(new Uint8Array(32));
}

/** A bytes32 parameter name: ASCII, right-padded with zeros (as the contracts' ParameterSet names). */
function bytes32Name(name: string): Bytes {
  const out = new Uint8Array(32);
  const text = Bytes.fromUTF8(name);
  for (let i = 0; i < text.length && i < 32; i++) out[i] = text[i];
  return changetype<Bytes>(out);
}

function touch(op: TimelockOperation, event: ethereum.Event): void {
  op.updatedAt = event.block.timestamp;
  op.save();
}

/**
 * One call of a scheduled operation (scheduleBatch emits one per call, index 0..n-1, in one transaction).
 * Call 0 (re)starts the operation: an operation cancelled before may be scheduled again under the same id.
 */
export function handleCallScheduled(event: CallScheduled): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const opId = p.id.toHexString();
  const ts = event.block.timestamp;
  const c = new TimelockCall(callId(opId, p.index));
  c.timelockOperationId = opId;
  c.index = p.index.toI32();
  c.target = p.target;
  c.value = p.value;
  c.data = p.data;
  c.executed = false;
  c.executedAt = null;
  c.operation = opId;
  c.save();
  if (p.index.isZero()) {
    const op = new TimelockOperation(opId);
    op.status = "Scheduled";
    op.target = p.target;
    op.value = p.value;
    op.data = p.data;
    op.callCount = 1;
    op.predecessor = p.predecessor;
    op.salt = zero32();
    op.delay = p.delay;
    op.readyAt = ts.plus(p.delay);
    op.scheduledAt = ts;
    op.scheduledBlock = event.block.number;
    op.scheduledTx = event.transaction.hash;
    op.executedAt = null;
    op.executedTx = null;
    op.cancelledAt = null;
    op.cancelledTx = null;
    touch(op, event);
  } else {
    const op = TimelockOperation.load(opId);
    if (op != null) {
      op.callCount = p.index.toI32() + 1;
      touch(op, event);
    }
  }
  logEvent(event, C, "CallScheduled", links(), agg);
}

/** Emitted after the CallScheduled events when the operation has a non-zero salt. */
export function handleCallSalt(event: CallSalt): void {
  const agg = loadAggregates(event);
  const op = TimelockOperation.load(event.params.id.toHexString());
  if (op != null) {
    op.salt = event.params.salt;
    touch(op, event);
  }
  logEvent(event, C, "CallSalt", links(), agg);
}

/** One call executed; the operation is Executed (all its calls run in the same transaction or none does). */
export function handleCallExecuted(event: CallExecuted): void {
  const p = event.params;
  const agg = loadAggregates(event);
  const opId = p.id.toHexString();
  const c = TimelockCall.load(callId(opId, p.index));
  if (c != null) {
    c.executed = true;
    c.executedAt = event.block.timestamp;
    c.save();
  }
  const op = TimelockOperation.load(opId);
  if (op != null) {
    op.status = "Executed";
    op.executedAt = event.block.timestamp;
    op.executedTx = event.transaction.hash;
    touch(op, event);
  }
  logEvent(event, C, "CallExecuted", links(), agg);
}

export function handleCancelled(event: Cancelled): void {
  const agg = loadAggregates(event);
  const op = TimelockOperation.load(event.params.id.toHexString());
  if (op != null) {
    op.status = "Cancelled";
    op.cancelledAt = event.block.timestamp;
    op.cancelledTx = event.transaction.hash;
    touch(op, event);
  }
  logEvent(event, C, "Cancelled", links(), agg);
}

/** The delay is the timelock's only parameter: ProtocolParameter "NeuralTimelock-minDelay". */
export function handleMinDelayChange(event: MinDelayChange): void {
  const p = event.params;
  const agg = loadAggregates(event);
  onParameterSet(event, C, bytes32Name("minDelay"), p.oldDuration, p.newDuration);
  logEvent(event, C, "MinDelayChange", links(), agg);
}

export function handleRoleGranted(event: RoleGranted): void {
  const agg = loadAggregates(event);
  onRole(event, C, event.params.role, event.params.account, true);
  logEvent(event, C, "RoleGranted", links(), agg);
}

export function handleRoleRevoked(event: RoleRevoked): void {
  const agg = loadAggregates(event);
  onRole(event, C, event.params.role, event.params.account, false);
  logEvent(event, C, "RoleRevoked", links(), agg);
}

export function handleRoleAdminChanged(event: RoleAdminChanged): void {
  logEvent(event, C, "RoleAdminChanged", links(), loadAggregates(event));
}
