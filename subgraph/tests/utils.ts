// Event builders for the matchstick mapping tests (AssemblyScript). Each mock event gets its own log index,
// so the ids of the rows it writes (ProtocolEvent, StakeEvent, ...) never collide within a test.
import { Address, BigInt, Bytes, ethereum } from "@graphprotocol/graph-ts";
import { newMockEvent } from "matchstick-as/assembly/index";

let nextLogIndex: i32 = 0;

/** A mock event with the given parameters, at `timestamp` (seconds) and block `blockNumber`. */
export function mockEvent(
  params: Array<ethereum.EventParam>,
  timestamp: i64,
  blockNumber: i64,
): ethereum.Event {
  const e = newMockEvent();
  e.parameters = params;
  e.logIndex = BigInt.fromI32(nextLogIndex);
  nextLogIndex += 1;
  e.block.timestamp = BigInt.fromI64(timestamp);
  e.block.number = BigInt.fromI64(blockNumber);
  return e;
}

/** A timestamp of 2024-02-29 (UTC), and one of the next day. */
export const DAY_1: i64 = 1709164800 + 3600;
export const DAY_2: i64 = DAY_1 + 86400;

export function uint(name: string, value: i64): ethereum.EventParam {
  return new ethereum.EventParam(name, ethereum.Value.fromUnsignedBigInt(BigInt.fromI64(value)));
}

export function big(name: string, value: BigInt): ethereum.EventParam {
  return new ethereum.EventParam(name, ethereum.Value.fromUnsignedBigInt(value));
}

/** uint8 / uint16 parameters (enums, small counters), decoded as i32. */
export function small(name: string, value: i32): ethereum.EventParam {
  return new ethereum.EventParam(name, ethereum.Value.fromI32(value));
}

export function addr(name: string, hex: string): ethereum.EventParam {
  return new ethereum.EventParam(name, ethereum.Value.fromAddress(Address.fromString(hex)));
}

export function fixed(name: string, hex: string): ethereum.EventParam {
  return new ethereum.EventParam(name, ethereum.Value.fromFixedBytes(Bytes.fromHexString(hex)));
}

export function flag(name: string, value: bool): ethereum.EventParam {
  return new ethereum.EventParam(name, ethereum.Value.fromBoolean(value));
}

export function text(name: string, value: string): ethereum.EventParam {
  return new ethereum.EventParam(name, ethereum.Value.fromString(value));
}

/** 1e18 * n (NRL wei). */
export function nrl(n: i32): BigInt {
  return BigInt.fromI32(n).times(BigInt.fromString("1000000000000000000"));
}

/** Right-padded ASCII as bytes32 hex (parameter names, GPU models). */
export function ascii32(value: string): string {
  let hex = "0x";
  for (let i = 0; i < 32; i++) {
    const c = i < value.length ? value.charCodeAt(i) : 0;
    hex += (c < 16 ? "0" : "") + c.toString(16);
  }
  return hex;
}

/** A bytes32 digest made of one repeated byte (e.g. "ab" -> 0xabab...). */
export function digest(byteHex: string): string {
  let hex = "0x";
  for (let i = 0; i < 32; i++) hex += byteHex;
  return hex;
}

export const ZERO_DIGEST = "0x0000000000000000000000000000000000000000000000000000000000000000";
export const OPERATOR = "0x00000000000000000000000000000000000000a1";
export const WORKER = "0x00000000000000000000000000000000000000b2";
export const CLIENT = "0x00000000000000000000000000000000000000c3";
export const CHALLENGER = "0x00000000000000000000000000000000000000d4";
export const TREASURY = "0x00000000000000000000000000000000000000e5";

/** The Resources tuple (gpus, vramMiB, cpus, memoryMiB) of TaskPosted. */
export function resources(gpus: i32, vramMiB: i64, cpus: i32, memoryMiB: i64): ethereum.EventParam {
  const t = new ethereum.Tuple();
  t.push(ethereum.Value.fromI32(gpus));
  t.push(ethereum.Value.fromUnsignedBigInt(BigInt.fromI64(vramMiB)));
  t.push(ethereum.Value.fromI32(cpus));
  t.push(ethereum.Value.fromUnsignedBigInt(BigInt.fromI64(memoryMiB)));
  return new ethereum.EventParam("resources", ethereum.Value.fromTuple(t));
}

/** ResultSubmitted's Checkpoint[] (step, hash): `count` checkpoints at steps 100, 200, ... */
export function checkpoints(count: i32): ethereum.EventParam {
  const list = new Array<ethereum.Tuple>();
  for (let i = 0; i < count; i++) {
    const t = new ethereum.Tuple();
    t.push(ethereum.Value.fromUnsignedBigInt(BigInt.fromI32((i + 1) * 100)));
    const nibble = "0123456789abcdef".charAt(i % 16);
    t.push(ethereum.Value.fromFixedBytes(Bytes.fromHexString(digest(nibble + nibble))));
    list.push(t);
  }
  return new ethereum.EventParam("checkpoints", ethereum.Value.fromTupleArray(list));
}
