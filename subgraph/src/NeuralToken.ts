// NeuralToken handlers: token balances (TokenAccount) and every token event in the ProtocolEvent log, as
// indexer/src/NeuralToken.ts.
import { Address, BigInt, ethereum } from "@graphprotocol/graph-ts";
import { Approval, EIP712DomainChanged, Transfer } from "../generated/NeuralToken/NeuralToken";
import { TokenAccount } from "../generated/schema";
import { links, loadAggregates, logEvent, zero } from "./store";

const C = "NeuralToken";

function move(address: Address, delta: BigInt, incoming: bool, event: ethereum.Event): void {
  const id = address.toHexString();
  let a = TokenAccount.load(id);
  if (a == null) {
    a = new TokenAccount(id);
    a.address = address;
    a.balance = zero();
    a.transfersIn = 0;
    a.transfersOut = 0;
  }
  const account = a as TokenAccount;
  account.balance = account.balance.plus(delta);
  if (incoming) account.transfersIn = account.transfersIn + 1;
  else account.transfersOut = account.transfersOut + 1;
  account.updatedAt = event.block.timestamp;
  account.save();
}

export function handleTransfer(event: Transfer): void {
  const p = event.params;
  const agg = loadAggregates(event);
  if (!p.from.equals(Address.zero())) move(p.from, p.value.neg(), false, event);
  if (!p.to.equals(Address.zero())) move(p.to, p.value, true, event);
  logEvent(event, C, "Transfer", links(), agg);
}

export function handleApproval(event: Approval): void {
  logEvent(event, C, "Approval", links(), loadAggregates(event));
}

export function handleEIP712DomainChanged(event: EIP712DomainChanged): void {
  logEvent(event, C, "EIP712DomainChanged", links(), loadAggregates(event));
}
