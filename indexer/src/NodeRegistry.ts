import { ponder } from "ponder:registry";
import { stakeEvent, tierChange, tierThreshold } from "ponder:schema";
import { nodeRegistryAbi } from "./lib/abis.js";
import {
  cidFromDigest,
  enumName,
  minBig,
  NODE_STATUS,
  paddedAscii,
  SLASH_REASON,
  TIER_NAMES,
} from "./lib/format.js";
import { registerGeneric, setParameter } from "./lib/governance.js";
import { type AnyEvent, type Ctx, logEvent, type NodeRow, updateNode } from "./lib/store.js";

const C = "NodeRegistry";

type Capabilities = {
  gpuModel: `0x${string}`;
  gpuCount: number;
  vramMiB: number;
  cpuCores: number;
  memoryMiB: number;
  region: `0x${string}`;
};

const capabilityColumns = (c: Capabilities) => ({
  gpuModel: paddedAscii(c.gpuModel),
  gpuCount: Number(c.gpuCount),
  vramMiB: Number(c.vramMiB),
  cpuCores: Number(c.cpuCores),
  memoryMiB: Number(c.memoryMiB),
  region: paddedAscii(c.region),
});

async function stakeRow(
  ctx: Ctx,
  e: AnyEvent,
  n: NodeRow,
  kind: (typeof stakeEvent.$inferInsert)["kind"],
  amount: bigint,
  extra: Partial<typeof stakeEvent.$inferInsert> = {},
) {
  await ctx.db.insert(stakeEvent).values({
    id: e.id,
    nodeId: n.id,
    kind,
    amount,
    stakeAfter: n.stake,
    unbondingAfter: n.unbonding,
    lockedAfter: n.locked,
    blockNumber: e.block.number,
    timestamp: e.block.timestamp,
    transactionHash: e.transaction.hash,
    logIndex: e.log.logIndex,
    ...extra,
  });
}

ponder.on("NodeRegistry:NodeRegistered", async ({ event, context }) => {
  const a = event.args;
  const n = await updateNode(
    context,
    event,
    a.nodeId,
    () => ({
      operator: a.operator,
      worker: a.worker,
      status: "Active",
      ...capabilityColumns(a.capabilities),
      askPrice: a.askPrice,
      metadataCid: a.metadataCid,
      metadataCidStr: cidFromDigest(a.metadataCid),
      stake: a.stake,
      registeredAt: event.block.timestamp,
      registeredBlock: event.block.number,
      registeredTx: event.transaction.hash,
    }),
    {
      network: (x) => ({ nodeCount: x.nodeCount + 1 }),
      daily: (d) => ({ nodesRegistered: d.nodesRegistered + 1 }),
    },
  );
  await stakeRow(context, event, n, "Registered", a.stake);
  await logEvent(context, event, C, "NodeRegistered", { nodeId: a.nodeId });
});

ponder.on("NodeRegistry:NodeUpdated", async ({ event, context }) => {
  const a = event.args;
  await updateNode(context, event, a.nodeId, () => ({
    ...capabilityColumns(a.capabilities),
    askPrice: a.askPrice,
    metadataCid: a.metadataCid,
    metadataCidStr: cidFromDigest(a.metadataCid),
  }));
  await logEvent(context, event, C, "NodeUpdated", { nodeId: a.nodeId });
});

ponder.on("NodeRegistry:WorkerChanged", async ({ event, context }) => {
  const a = event.args;
  await updateNode(context, event, a.nodeId, () => ({ worker: a.newWorker }));
  await logEvent(context, event, C, "WorkerChanged", { nodeId: a.nodeId });
});

ponder.on("NodeRegistry:Staked", async ({ event, context }) => {
  const a = event.args;
  const n = await updateNode(context, event, a.nodeId, () => ({ stake: a.newStake }));
  await stakeRow(context, event, n, "Staked", a.amount);
  await logEvent(context, event, C, "Staked", { nodeId: a.nodeId });
});

ponder.on("NodeRegistry:UnstakeRequested", async ({ event, context }) => {
  const a = event.args;
  const n = await updateNode(context, event, a.nodeId, (old) => ({
    stake: old.stake - a.amount,
    unbonding: a.totalUnbonding,
    unbondingReleaseAt: a.releaseAt,
  }));
  await stakeRow(context, event, n, "UnstakeRequested", a.amount, { releaseAt: a.releaseAt });
  await logEvent(context, event, C, "UnstakeRequested", { nodeId: a.nodeId });
});

ponder.on("NodeRegistry:Withdrawn", async ({ event, context }) => {
  const a = event.args;
  // Withdraw pays out the whole unbonding amount and clears its release time.
  const n = await updateNode(context, event, a.nodeId, (old) => {
    const unbonding = old.unbonding > a.amount ? old.unbonding - a.amount : 0n;
    return {
      unbonding,
      unbondingReleaseAt: unbonding === 0n ? 0n : old.unbondingReleaseAt,
      totalWithdrawn: old.totalWithdrawn + a.amount,
    };
  });
  await stakeRow(context, event, n, "Withdrawn", a.amount, { account: a.to });
  await logEvent(context, event, C, "Withdrawn", { nodeId: a.nodeId });
});

ponder.on("NodeRegistry:NodePaused", async ({ event, context }) => {
  await updateNode(context, event, event.args.nodeId, () => ({ status: "Paused" }));
  await logEvent(context, event, C, "NodePaused", { nodeId: event.args.nodeId });
});

ponder.on("NodeRegistry:NodeResumed", async ({ event, context }) => {
  await updateNode(context, event, event.args.nodeId, () => ({ status: "Active" }));
  await logEvent(context, event, C, "NodeResumed", { nodeId: event.args.nodeId });
});

ponder.on("NodeRegistry:NodeExited", async ({ event, context }) => {
  const a = event.args;
  // Exit moves all bonded stake into unbonding; the event carries the resulting unbonding total.
  const n = await updateNode(context, event, a.nodeId, (old) => ({
    status: enumName(NODE_STATUS, 3),
    unbonding: a.unbonding,
    stake: old.stake + old.unbonding > a.unbonding ? old.stake + old.unbonding - a.unbonding : 0n,
    unbondingReleaseAt: a.releaseAt,
  }));
  await stakeRow(context, event, n, "Exited", a.unbonding, { releaseAt: a.releaseAt });
  await logEvent(context, event, C, "NodeExited", { nodeId: a.nodeId });
});

ponder.on("NodeRegistry:ActiveSetChanged", async ({ event, context }) => {
  const a = event.args;
  await updateNode(context, event, a.nodeId, () => ({ active: a.active }));
  await logEvent(context, event, C, "ActiveSetChanged", { nodeId: a.nodeId });
});

ponder.on("NodeRegistry:CollateralLocked", async ({ event, context }) => {
  const a = event.args;
  await updateNode(context, event, a.nodeId, () => ({ locked: a.totalLocked }));
  await logEvent(context, event, C, "CollateralLocked", { nodeId: a.nodeId });
});

ponder.on("NodeRegistry:CollateralUnlocked", async ({ event, context }) => {
  const a = event.args;
  await updateNode(context, event, a.nodeId, () => ({ locked: a.totalLocked }));
  await logEvent(context, event, C, "CollateralUnlocked", { nodeId: a.nodeId });
});

/** A slash left less bonded stake than was locked: locked is now all of it (`owed` stays with live shards). */
ponder.on("NodeRegistry:CollateralClamped", async ({ event, context }) => {
  const a = event.args;
  await updateNode(context, event, a.nodeId, () => ({ locked: a.locked }));
  await logEvent(context, event, C, "CollateralClamped", { nodeId: a.nodeId });
});

ponder.on("NodeRegistry:Slashed", async ({ event, context }) => {
  const a = event.args;
  const n = await updateNode(
    context,
    event,
    a.nodeId,
    (old) => {
      // Bonded stake first, then unbonding; locked collateral is clamped to what stays bonded.
      const fromStake = minBig(a.amount, old.stake);
      const rest = a.amount - fromStake;
      const stake = old.stake - fromStake;
      return {
        stake,
        unbonding: old.unbonding > rest ? old.unbonding - rest : 0n,
        locked: minBig(old.locked, stake),
        totalSlashed: old.totalSlashed + a.amount,
      };
    },
    {
      network: (x) => ({ slashCount: x.slashCount + 1, totalSlashed: x.totalSlashed + a.amount }),
      daily: (d) => ({ slashes: d.slashes + 1, slashedAmount: d.slashedAmount + a.amount }),
    },
  );
  await stakeRow(context, event, n, "Slashed", a.amount, {
    account: a.recipient,
    slashReason: enumName(SLASH_REASON, a.reason),
  });
  await logEvent(context, event, C, "Slashed", { nodeId: a.nodeId });
});

ponder.on("NodeRegistry:Jailed", async ({ event, context }) => {
  const a = event.args;
  await updateNode(context, event, a.nodeId, () => ({ jailed: true, jailedUntil: a.until }));
  await logEvent(context, event, C, "Jailed", { nodeId: a.nodeId });
});

ponder.on("NodeRegistry:Unjailed", async ({ event, context }) => {
  await updateNode(context, event, event.args.nodeId, () => ({ jailed: false, jailedUntil: 0n }));
  await logEvent(context, event, C, "Unjailed", { nodeId: event.args.nodeId });
});

ponder.on("NodeRegistry:ReputationUpdated", async ({ event, context }) => {
  const a = event.args;
  await updateNode(context, event, a.nodeId, () => ({
    completed: Number(a.completed),
    failed: Number(a.failed),
    slashCount: Number(a.slashCount),
    feesPaid: a.feesPaid,
  }));
  await logEvent(context, event, C, "ReputationUpdated", { nodeId: a.nodeId });
});

ponder.on("NodeRegistry:TierChanged", async ({ event, context }) => {
  const a = event.args;
  await updateNode(context, event, a.nodeId, () => ({ tier: Number(a.newTier) }));
  await context.db.insert(tierChange).values({
    id: event.id,
    nodeId: a.nodeId,
    oldTier: Number(a.oldTier),
    newTier: Number(a.newTier),
    blockNumber: event.block.number,
    timestamp: event.block.timestamp,
    transactionHash: event.transaction.hash,
  });
  await logEvent(context, event, C, "TierChanged", { nodeId: a.nodeId });
});

ponder.on("NodeRegistry:TierThresholdSet", async ({ event, context }) => {
  const a = event.args;
  const tier = Number(a.tier);
  const found = await context.db.find(tierThreshold, { tier });
  const old = found ? { ...found } : null; // the update below may change the cached object
  const row = {
    minStake: a.minStake,
    minCompleted: Number(a.minCompleted),
    minSuccessBps: Number(a.minSuccessBps),
    minFeesPaid: a.minFeesPaid,
    updatedAt: event.block.timestamp,
  };
  if (old) await context.db.update(tierThreshold, { tier }).set(row);
  else await context.db.insert(tierThreshold).values({ tier, ...row });
  const name = `tierThreshold.${enumName(TIER_NAMES, tier)}`;
  await setParameter(context, event, C, `${name}.minStake`, old?.minStake ?? null, a.minStake);
  await setParameter(context, event, C, `${name}.minCompleted`, old?.minCompleted ?? null, a.minCompleted, 1);
  await setParameter(
    context,
    event,
    C,
    `${name}.minSuccessBps`,
    old?.minSuccessBps ?? null,
    a.minSuccessBps,
    2,
  );
  await setParameter(context, event, C, `${name}.minFeesPaid`, old?.minFeesPaid ?? null, a.minFeesPaid, 3);
  await logEvent(context, event, C, "TierThresholdSet");
});

// ParameterSet and every event without a dedicated handler above (AccessControl and others the
// implementation adds), so the indexer covers the whole ABI.
registerGeneric(C, nodeRegistryAbi, [
  "NodeRegistered",
  "NodeUpdated",
  "WorkerChanged",
  "Staked",
  "UnstakeRequested",
  "Withdrawn",
  "NodePaused",
  "NodeResumed",
  "NodeExited",
  "ActiveSetChanged",
  "CollateralLocked",
  "CollateralUnlocked",
  "CollateralClamped",
  "Slashed",
  "Jailed",
  "Unjailed",
  "ReputationUpdated",
  "TierChanged",
  "TierThresholdSet",
]);
