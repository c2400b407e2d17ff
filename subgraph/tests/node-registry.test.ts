// Matchstick tests of the NodeRegistry mappings (run by `graph test` / test/matchstick.test.ts where a
// matchstick binary exists; compiled against the generated types in test/build.test.ts everywhere).
import { BigInt, Bytes, ethereum } from "@graphprotocol/graph-ts";
import { afterEach, assert, clearStore, describe, test } from "matchstick-as/assembly/index";
import {
  ActiveSetChanged,
  NodeRegistered,
  ParameterSet,
  RoleGranted,
  Slashed,
  Staked,
  TierChanged,
  TierThresholdSet,
  UnstakeRequested,
  Withdrawn,
} from "../generated/NodeRegistry/NodeRegistry";
import {
  handleActiveSetChanged,
  handleNodeRegistered,
  handleParameterSet,
  handleRoleGranted,
  handleSlashed,
  handleStaked,
  handleTierChanged,
  handleTierThresholdSet,
  handleUnstakeRequested,
  handleWithdrawn,
} from "../src/NodeRegistry";
import {
  addr,
  ascii32,
  big,
  DAY_1,
  DAY_2,
  digest,
  fixed,
  flag,
  mockEvent,
  nrl,
  OPERATOR,
  small,
  TREASURY,
  uint,
  WORKER,
} from "./utils";

function registered(nodeId: i64, stake: BigInt, timestamp: i64): NodeRegistered {
  const caps = new ethereum.Tuple();
  caps.push(ethereum.Value.fromFixedBytes(Bytes.fromHexString(ascii32("NVIDIA H100 80GB"))));
  caps.push(ethereum.Value.fromI32(8));
  caps.push(ethereum.Value.fromUnsignedBigInt(BigInt.fromI32(81920)));
  caps.push(ethereum.Value.fromI32(64));
  caps.push(ethereum.Value.fromUnsignedBigInt(BigInt.fromI32(524288)));
  caps.push(ethereum.Value.fromFixedBytes(Bytes.fromHexString("0x65752d77657374000000000000000000")));
  const params = new Array<ethereum.EventParam>();
  params.push(uint("nodeId", nodeId));
  params.push(addr("operator", OPERATOR));
  params.push(addr("worker", WORKER));
  params.push(new ethereum.EventParam("capabilities", ethereum.Value.fromTuple(caps)));
  params.push(big("askPrice", nrl(2)));
  params.push(fixed("metadataCid", digest("ab")));
  params.push(big("stake", stake));
  return changetype<NodeRegistered>(mockEvent(params, timestamp, 10));
}

function activeSet(nodeId: i64, active: bool, timestamp: i64): ActiveSetChanged {
  const params = [uint("nodeId", nodeId), flag("active", active), uint("activeCount", 1)];
  return changetype<ActiveSetChanged>(mockEvent(params, timestamp, 11));
}

function tierChanged(nodeId: i64, oldTier: i32, newTier: i32): TierChanged {
  const params = [uint("nodeId", nodeId), small("oldTier", oldTier), small("newTier", newTier)];
  return changetype<TierChanged>(mockEvent(params, DAY_1, 12));
}

afterEach(() => {
  clearStore();
});

describe("NodeRegistered", () => {
  test("creates the node, its first stake event and the aggregates", () => {
    handleNodeRegistered(registered(1, nrl(1000), DAY_1));
    assert.entityCount("Node", 1);
    assert.fieldEquals("Node", "1", "operator", OPERATOR);
    assert.fieldEquals("Node", "1", "worker", WORKER);
    assert.fieldEquals("Node", "1", "status", "Active");
    assert.fieldEquals("Node", "1", "active", "false");
    assert.fieldEquals("Node", "1", "gpuModel", "NVIDIA H100 80GB");
    assert.fieldEquals("Node", "1", "gpuCount", "8");
    assert.fieldEquals("Node", "1", "vramMiB", "81920");
    assert.fieldEquals("Node", "1", "region", "eu-west");
    assert.fieldEquals("Node", "1", "stake", nrl(1000).toString());
    assert.fieldEquals("Node", "1", "successBps", "10000");
    assert.fieldEquals("Node", "1", "registeredBlock", "10");
    assert.entityCount("StakeEvent", 1);
    assert.entityCount("ProtocolEvent", 1);
    assert.fieldEquals("Network", "network", "nodeCount", "1");
    assert.fieldEquals("Network", "network", "totalStaked", nrl(1000).toString());
    assert.fieldEquals("DailyStat", "2024-02-29", "nodesRegistered", "1");
    assert.fieldEquals("DailyStat", "2024-02-29", "dayStart", "1709164800");
  });
});

describe("active set and tiers", () => {
  test("count active nodes per tier on the network and the day", () => {
    handleNodeRegistered(registered(1, nrl(1000), DAY_1));
    handleActiveSetChanged(activeSet(1, true, DAY_1));
    assert.fieldEquals("Network", "network", "activeNodes", "1");
    assert.fieldEquals("Network", "network", "activeNodesTier0", "1");
    handleTierChanged(tierChanged(1, 0, 2));
    assert.fieldEquals("Node", "1", "tier", "2");
    assert.entityCount("TierChange", 1);
    assert.fieldEquals("Network", "network", "activeNodesTier0", "0");
    assert.fieldEquals("Network", "network", "activeNodesTier2", "1");
    assert.fieldEquals("DailyStat", "2024-02-29", "activeNodesTier2", "1");
    // A new day starts from the network's active set.
    handleActiveSetChanged(activeSet(1, false, DAY_2));
    assert.fieldEquals("Network", "network", "activeNodes", "0");
    assert.fieldEquals("DailyStat", "2024-02-29", "activeNodes", "1");
    assert.fieldEquals("DailyStat", "2024-03-01", "activeNodes", "0");
  });
});

describe("stake", () => {
  test("Staked, UnstakeRequested and Withdrawn move bonded and unbonding stake", () => {
    handleNodeRegistered(registered(1, nrl(1000), DAY_1));
    handleStaked(
      changetype<Staked>(
        mockEvent([uint("nodeId", 1), big("amount", nrl(500)), big("newStake", nrl(1500))], DAY_1, 13),
      ),
    );
    assert.fieldEquals("Node", "1", "stake", nrl(1500).toString());
    handleUnstakeRequested(
      changetype<UnstakeRequested>(
        mockEvent(
          [
            uint("nodeId", 1),
            big("amount", nrl(300)),
            big("totalUnbonding", nrl(300)),
            uint("releaseAt", DAY_2),
          ],
          DAY_1,
          14,
        ),
      ),
    );
    assert.fieldEquals("Node", "1", "stake", nrl(1200).toString());
    assert.fieldEquals("Node", "1", "unbonding", nrl(300).toString());
    assert.fieldEquals("Node", "1", "unbondingReleaseAt", DAY_2.toString());
    assert.fieldEquals("Network", "network", "totalStaked", nrl(1500).toString());
    handleWithdrawn(
      changetype<Withdrawn>(
        mockEvent([uint("nodeId", 1), addr("to", OPERATOR), big("amount", nrl(300))], DAY_2, 15),
      ),
    );
    assert.fieldEquals("Node", "1", "unbonding", "0");
    assert.fieldEquals("Node", "1", "unbondingReleaseAt", "0");
    assert.fieldEquals("Node", "1", "totalWithdrawn", nrl(300).toString());
    assert.fieldEquals("Network", "network", "totalStaked", nrl(1200).toString());
    assert.entityCount("StakeEvent", 4);
  });

  test("Slashed takes bonded stake first, then unbonding, and clamps locked collateral", () => {
    handleNodeRegistered(registered(1, nrl(100), DAY_1));
    handleUnstakeRequested(
      changetype<UnstakeRequested>(
        mockEvent(
          [
            uint("nodeId", 1),
            big("amount", nrl(40)),
            big("totalUnbonding", nrl(40)),
            uint("releaseAt", DAY_2),
          ],
          DAY_1,
          14,
        ),
      ),
    );
    handleSlashed(
      changetype<Slashed>(
        mockEvent(
          [uint("nodeId", 1), big("amount", nrl(70)), addr("recipient", TREASURY), small("reason", 1)],
          DAY_1,
          15,
        ),
      ),
    );
    assert.fieldEquals("Node", "1", "stake", "0");
    assert.fieldEquals("Node", "1", "unbonding", nrl(30).toString());
    assert.fieldEquals("Node", "1", "totalSlashed", nrl(70).toString());
    assert.fieldEquals("Network", "network", "slashCount", "1");
    assert.fieldEquals("Network", "network", "totalStaked", nrl(30).toString());
    assert.fieldEquals("DailyStat", "2024-02-29", "slashedAmount", nrl(70).toString());
  });
});

describe("governance", () => {
  test("ParameterSet keeps the current value and the history", () => {
    const name = ascii32("unbondingPeriod");
    handleParameterSet(
      changetype<ParameterSet>(
        mockEvent([fixed("name", name), uint("oldValue", 0), uint("newValue", 600)], DAY_1, 2),
      ),
    );
    assert.fieldEquals("ProtocolParameter", "NodeRegistry-unbondingPeriod", "value", "600");
    assert.fieldEquals("ProtocolParameter", "NodeRegistry-unbondingPeriod", "nameRaw", name);
    assert.entityCount("ParameterChange", 1);
    assert.entityCount("ProtocolEvent", 1);
  });

  test("TierThresholdSet writes one history row per field, with the previous values", () => {
    const first = [
      small("tier", 2),
      big("minStake", nrl(100)),
      uint("minCompleted", 5),
      small("minSuccessBps", 9000),
      big("minFeesPaid", nrl(1)),
    ];
    handleTierThresholdSet(changetype<TierThresholdSet>(mockEvent(first, DAY_1, 3)));
    assert.fieldEquals("TierThreshold", "2", "minCompleted", "5");
    assert.entityCount("ParameterChange", 4);
    const second = [
      small("tier", 2),
      big("minStake", nrl(200)),
      uint("minCompleted", 6),
      small("minSuccessBps", 9100),
      big("minFeesPaid", nrl(2)),
    ];
    const e = changetype<TierThresholdSet>(mockEvent(second, DAY_1, 4));
    handleTierThresholdSet(e);
    const id = "0000000000000004-" + e.logIndex.toString().padStart(8, "0");
    assert.fieldEquals("ParameterChange", id, "name", "tierThreshold.Silver.minStake");
    assert.fieldEquals("ParameterChange", id, "oldValue", nrl(100).toString());
    assert.fieldEquals("ParameterChange", id + "-1", "oldValue", "5");
    assert.fieldEquals("ParameterChange", id + "-2", "newValue", "9100");
    assert.fieldEquals("ParameterChange", id + "-3", "name", "tierThreshold.Silver.minFeesPaid");
    assert.fieldEquals("ParameterChange", id + "-3", "oldValue", nrl(1).toString());
    assert.fieldEquals("TierThreshold", "2", "minFeesPaid", nrl(2).toString());
  });

  test("RoleGranted records the role member", () => {
    const role = digest("11");
    handleRoleGranted(
      changetype<RoleGranted>(
        mockEvent([fixed("role", role), addr("account", OPERATOR), addr("sender", OPERATOR)], DAY_1, 2),
      ),
    );
    assert.fieldEquals("RoleMember", "NodeRegistry-" + role + "-" + OPERATOR, "active", "true");
  });
});
