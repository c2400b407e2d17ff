// Decoded event arguments as JSON text (ProtocolEvent.args). The Graph has no JSON scalar, so the subgraph
// stores the text of what the indexer stores as json: an object keyed by parameter name.
// Integers are decimal strings, addresses and bytes lowercase hex, tuples arrays of their fields.
import { ethereum } from "@graphprotocol/graph-ts";
import { jsonString } from "./lib/format";

export function valueJson(value: ethereum.Value): string {
  const kind = value.kind;
  if (kind == ethereum.ValueKind.ADDRESS) return jsonString(value.toAddress().toHexString());
  if (kind == ethereum.ValueKind.FIXED_BYTES || kind == ethereum.ValueKind.BYTES) {
    return jsonString(value.toBytes().toHexString());
  }
  if (kind == ethereum.ValueKind.INT || kind == ethereum.ValueKind.UINT) {
    return jsonString(value.toBigInt().toString());
  }
  if (kind == ethereum.ValueKind.BOOL) return value.toBoolean() ? "true" : "false";
  if (kind == ethereum.ValueKind.STRING) return jsonString(value.toString());
  if (kind == ethereum.ValueKind.ARRAY || kind == ethereum.ValueKind.FIXED_ARRAY) {
    return listJson(value.toArray());
  }
  if (kind == ethereum.ValueKind.TUPLE) return listJson(value.toTuple());
  return "null";
}

function listJson(items: Array<ethereum.Value>): string {
  let out = "[";
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += ",";
    out += valueJson(items[i]);
  }
  return out + "]";
}

/** `{"name":value,...}` of an event's parameters, in ABI order. */
export function argsJson(params: Array<ethereum.EventParam>): string {
  let out = "{";
  for (let i = 0; i < params.length; i++) {
    if (i > 0) out += ",";
    out += jsonString(params[i].name) + ":" + valueJson(params[i].value);
  }
  return out + "}";
}
