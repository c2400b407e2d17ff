// Matchstick tests of the NeuralToken mappings: balances and the event log.
import { afterEach, assert, clearStore, describe, test } from "matchstick-as/assembly/index";
import { Transfer } from "../generated/NeuralToken/NeuralToken";
import { handleTransfer } from "../src/NeuralToken";
import { addr, big, CLIENT, DAY_1, mockEvent, nrl, OPERATOR } from "./utils";

const ZERO = "0x0000000000000000000000000000000000000000";

afterEach(() => {
  clearStore();
});

describe("Transfer", () => {
  test("mints and moves balances; the zero address has no account", () => {
    handleTransfer(
      changetype<Transfer>(
        mockEvent([addr("from", ZERO), addr("to", CLIENT), big("value", nrl(100))], DAY_1, 1),
      ),
    );
    handleTransfer(
      changetype<Transfer>(
        mockEvent([addr("from", CLIENT), addr("to", OPERATOR), big("value", nrl(30))], DAY_1, 2),
      ),
    );
    assert.fieldEquals("TokenAccount", CLIENT, "balance", nrl(70).toString());
    assert.fieldEquals("TokenAccount", CLIENT, "transfersIn", "1");
    assert.fieldEquals("TokenAccount", CLIENT, "transfersOut", "1");
    assert.fieldEquals("TokenAccount", OPERATOR, "balance", nrl(30).toString());
    assert.notInStore("TokenAccount", ZERO);
    assert.entityCount("ProtocolEvent", 2);
  });
});
