// Handlers' bodies shared by every governed contract (indexer/src/lib/governance.ts): IParameters'
// ParameterSet, governed addresses (TreasurySet, RandomnessSourceSet) and AccessControl role membership.
import { Address, BigInt, Bytes, ethereum } from "@graphprotocol/graph-ts";
import { GovernedAddress, ParameterChange, ProtocolParameter, RoleMember } from "../generated/schema";
import { paddedAscii } from "./lib/format";
import { pairId, roleMemberId, subEventId } from "./lib/ids";
import { idOf } from "./store";

/** Appends one ParameterChange (`sub` tells apart several changes of one event). */
export function recordParameterChange(
  event: ethereum.Event,
  contract: string,
  name: string,
  oldValue: string | null,
  newValue: string,
  sub: i32,
): void {
  const c = new ParameterChange(subEventId(idOf(event), sub));
  c.contract = contract;
  c.name = name;
  c.oldValue = oldValue;
  c.newValue = newValue;
  c.blockNumber = event.block.number;
  c.timestamp = event.block.timestamp;
  c.transactionHash = event.transaction.hash;
  c.save();
}

/** ParameterSet(name, oldValue, newValue): the parameter's current value and its history. */
export function onParameterSet(
  event: ethereum.Event,
  contract: string,
  nameRaw: Bytes,
  oldValue: BigInt,
  newValue: BigInt,
): void {
  const name = paddedAscii(nameRaw);
  const id = pairId(contract, name);
  let p = ProtocolParameter.load(id);
  if (p == null) {
    p = new ProtocolParameter(id);
    p.contract = contract;
    p.name = name;
  }
  const param = p as ProtocolParameter;
  param.nameRaw = nameRaw;
  param.value = newValue;
  param.updatedAt = event.block.timestamp;
  param.updatedBlock = event.block.number;
  param.save();
  recordParameterChange(event, contract, name, oldValue.toString(), newValue.toString(), 0);
}

/** TreasurySet / RandomnessSourceSet: the governed address and its history. */
export function onAddressSet(
  event: ethereum.Event,
  contract: string,
  name: string,
  oldValue: Address,
  newValue: Address,
): void {
  const id = pairId(contract, name);
  let a = GovernedAddress.load(id);
  if (a == null) {
    a = new GovernedAddress(id);
    a.contract = contract;
    a.name = name;
  }
  const row = a as GovernedAddress;
  row.value = newValue;
  row.updatedAt = event.block.timestamp;
  row.save();
  recordParameterChange(event, contract, name, oldValue.toHexString(), newValue.toHexString(), 0);
}

/** RoleGranted (active) / RoleRevoked (inactive). */
export function onRole(
  event: ethereum.Event,
  contract: string,
  role: Bytes,
  account: Address,
  active: bool,
): void {
  const id = roleMemberId(contract, role.toHexString(), account.toHexString());
  let m = RoleMember.load(id);
  if (m == null) {
    m = new RoleMember(id);
    m.contract = contract;
    m.role = role;
    m.account = account;
  }
  const row = m as RoleMember;
  row.active = active;
  row.updatedAt = event.block.timestamp;
  row.save();
}
