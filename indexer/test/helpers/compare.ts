// Reads the chain directly (viem) and the indexer (GraphQL / REST) into the same plain shapes, so the tests
// can compare them with toEqual.
import { type Abi, type Address, decodeEventLog, type Hex } from "viem";
import { datasetRegistryAbi, neuralTimelockAbi, taskManagerExtensionAbi } from "../../src/lib/abis.js";
import {
  AUDIT_STATUS,
  cidFromDigest,
  DISPUTE_OUTCOME,
  NODE_STATUS,
  paddedAscii,
  REPORT_REASON,
  SHARD_STATUS,
  TASK_STATUS,
} from "../../src/lib/format.js";
import type { Protocol } from "./scenario.js";
import { gqlAll } from "./stack.js";

const ZERO32 = `0x${"0".repeat(64)}`;
const s = (v: bigint | number | string | null | undefined) =>
  v === null || v === undefined ? "0" : v.toString();
const hex = (v: string | null | undefined) => (v ?? ZERO32).toLowerCase();
const addr = (v: string) => v.toLowerCase();

// ------------------------------------------------------------------------------------------------
// Nodes
// ------------------------------------------------------------------------------------------------
type ChainNode = {
  operator: Address;
  worker: Address;
  status: number;
  tier: number;
  active: boolean;
  registeredAt: bigint;
  jailedUntil: bigint;
  unbondingReleaseAt: bigint;
  stake: bigint;
  locked: bigint;
  unbonding: bigint;
  askPrice: bigint;
  completed: number;
  failed: number;
  slashCount: number;
  feesPaid: bigint;
  metadataCid: Hex;
  capabilities: {
    gpuModel: Hex;
    gpuCount: number;
    vramMiB: number;
    cpuCores: number;
    memoryMiB: number;
    region: Hex;
  };
};

export const NODE_FIELDS =
  "id operator worker status tier active jailedUntil unbondingReleaseAt stake locked unbonding askPrice completed failed slashCount feesPaid successBps metadataCid gpuModel gpuCount vramMiB cpuCores memoryMiB region registeredAt";

export async function chainNodes(p: Protocol) {
  const count = await p.chain.read<bigint>(p.registry, p.abi.registry, "nodeCount");
  const out = [];
  for (let id = 1n; id <= count; id++) {
    const n = await p.chain.read<ChainNode>(p.registry, p.abi.registry, "getNode", [id]);
    out.push({
      id: id.toString(),
      operator: addr(n.operator),
      worker: addr(n.worker),
      status: NODE_STATUS[n.status],
      tier: n.tier,
      active: n.active,
      jailedUntil: s(n.jailedUntil),
      unbondingReleaseAt: s(n.unbondingReleaseAt),
      stake: s(n.stake),
      locked: s(n.locked),
      unbonding: s(n.unbonding),
      askPrice: s(n.askPrice),
      completed: n.completed,
      failed: n.failed,
      slashCount: n.slashCount,
      feesPaid: s(n.feesPaid),
      metadataCid: hex(n.metadataCid),
      gpuModel: paddedAscii(n.capabilities.gpuModel),
      gpuCount: n.capabilities.gpuCount,
      vramMiB: n.capabilities.vramMiB,
      cpuCores: n.capabilities.cpuCores,
      memoryMiB: n.capabilities.memoryMiB,
      region: paddedAscii(n.capabilities.region),
      registeredAt: s(n.registeredAt),
    });
  }
  return out;
}

export async function indexedNodes(url: string) {
  const rows = await gqlAll<Record<string, unknown>>(
    url,
    "nodes",
    NODE_FIELDS,
    'orderBy: "id", orderDirection: "asc"',
  );
  return rows.map(({ successBps: _s, ...n }) => ({
    ...n,
    operator: addr(n.operator as string),
    worker: addr(n.worker as string),
    metadataCid: hex(n.metadataCid as string),
  }));
}

// ------------------------------------------------------------------------------------------------
// Tasks and shards
// ------------------------------------------------------------------------------------------------
type ChainTask = {
  client: Address;
  status: number;
  minTier: number;
  auditRateBps: number;
  shardCount: number;
  finalizedShards: number;
  failedShards: number;
  cancelledShards: number;
  auditBudget: number;
  auditsUsed: number;
  createdAt: bigint;
  maxDuration: bigint;
  maxPricePerShard: bigint;
  collateralPerShard: bigint;
  auditFeePerShard: bigint;
  escrowRemaining: bigint;
  specCid: Hex;
  resources: { gpus: number; vramMiB: number; cpus: number; memoryMiB: number };
  datasetId: bigint;
  datasetVersion: number;
  datasetFeePerShard: bigint;
  datasetCutBps: number;
};

export const TASK_FIELDS =
  "id client status minTier auditRateBps shardCount finalizedShards failedShards cancelledShards auditBudget auditsUsed createdAt maxDuration maxPricePerShard collateralPerShard auditFeePerShard escrowRemaining specCid gpus vramMiB cpus memoryMiB datasetId datasetVersion datasetFeePerShard datasetCutBps";

export async function chainTasks(p: Protocol) {
  const count = await p.chain.read<bigint>(p.tasks, p.abi.tasks, "taskCount");
  const out = [];
  for (let id = 1n; id <= count; id++) {
    const t = await p.chain.read<ChainTask>(p.tasks, p.abi.tasks, "getTask", [id]);
    out.push({
      id: id.toString(),
      client: addr(t.client),
      status: TASK_STATUS[t.status],
      minTier: t.minTier,
      auditRateBps: t.auditRateBps,
      shardCount: t.shardCount,
      finalizedShards: t.finalizedShards,
      failedShards: t.failedShards,
      cancelledShards: t.cancelledShards,
      auditBudget: t.auditBudget,
      auditsUsed: t.auditsUsed,
      createdAt: s(t.createdAt),
      maxDuration: s(t.maxDuration),
      maxPricePerShard: s(t.maxPricePerShard),
      collateralPerShard: s(t.collateralPerShard),
      auditFeePerShard: s(t.auditFeePerShard),
      escrowRemaining: s(t.escrowRemaining),
      specCid: hex(t.specCid),
      gpus: t.resources.gpus,
      vramMiB: t.resources.vramMiB,
      cpus: t.resources.cpus,
      memoryMiB: t.resources.memoryMiB,
      // 0 = the task names no dataset (the indexer's columns are null then)
      datasetId: s(t.datasetId),
      datasetVersion: Number(t.datasetVersion),
      datasetFeePerShard: s(t.datasetFeePerShard),
      datasetCutBps: Number(t.datasetCutBps),
    });
  }
  return out;
}

export async function indexedTasks(url: string) {
  const rows = await gqlAll<Record<string, unknown>>(
    url,
    "tasks",
    TASK_FIELDS,
    'orderBy: "id", orderDirection: "asc"',
  );
  return rows.map((t) => ({
    ...t,
    client: addr(t.client as string),
    specCid: hex(t.specCid as string),
    datasetId: s(t.datasetId as string | null),
    datasetVersion: (t.datasetVersion as number | null) ?? 0,
    datasetFeePerShard: s(t.datasetFeePerShard as string | null),
    datasetCutBps: (t.datasetCutBps as number | null) ?? 0,
  }));
}

type ChainShard = {
  status: number;
  auditStatus: number;
  attempts: number;
  epoch: number;
  openDisputes: number;
  challengeCommitted: boolean;
  nodeId: bigint;
  auditorNodeId: bigint;
  deadline: bigint;
  submittedBlock: bigint;
  checkpointCount: number;
  resumeFrom: number;
  manifestCid: Hex;
  checkpointRoot: Hex;
  resumeManifestCid: Hex;
  disputeId: bigint;
  price: bigint;
};

export const SHARD_FIELDS =
  "taskId shardIndex status auditStatus attempts epoch openDisputes challengeCommitted nodeId auditorNodeId deadline submittedBlock checkpointCount resumeFrom manifestCid checkpointRoot resumeManifestCid disputeId price pingRespondBy";

export async function chainShards(p: Protocol) {
  const count = await p.chain.read<bigint>(p.tasks, p.abi.tasks, "taskCount");
  const out = [];
  for (let taskId = 1n; taskId <= count; taskId++) {
    const t = await p.chain.read<ChainTask>(p.tasks, p.abi.tasks, "getTask", [taskId]);
    for (let i = 0; i < t.shardCount; i++) {
      const sh = await p.chain.read<ChainShard>(p.tasks, p.abi.tasks, "getShard", [taskId, BigInt(i)]);
      const [pingEpoch, respondBy] = await p.chain.read<readonly [number, bigint, bigint]>(
        p.tasks,
        p.abi.tasks,
        "shardPing",
        [taskId, BigInt(i)],
      );
      // outstanding: the current assignment's ping, not answered yet
      const outstanding = sh.status === 1 && Number(pingEpoch) === Number(sh.epoch) && respondBy !== 0n;
      out.push({
        taskId: taskId.toString(),
        shardIndex: i,
        status: SHARD_STATUS[sh.status],
        auditStatus: AUDIT_STATUS[sh.auditStatus],
        attempts: sh.attempts,
        epoch: sh.epoch,
        openDisputes: sh.openDisputes,
        challengeCommitted: sh.challengeCommitted,
        nodeId: s(sh.nodeId),
        auditorNodeId: s(sh.auditorNodeId),
        deadline: s(sh.deadline),
        submittedBlock: s(sh.submittedBlock),
        checkpointCount: sh.checkpointCount,
        resumeFrom: sh.resumeFrom,
        manifestCid: hex(sh.manifestCid),
        checkpointRoot: hex(sh.checkpointRoot),
        resumeManifestCid: hex(sh.resumeManifestCid),
        disputeId: s(sh.disputeId),
        price: s(sh.price),
        pingRespondBy: s(outstanding ? respondBy : null),
      });
    }
  }
  return out;
}

export async function indexedShards(url: string) {
  type Row = { taskId: string; shardIndex: number } & Record<string, string | number | null>;
  const rows = await gqlAll<Row>(url, "shards", SHARD_FIELDS);
  return rows
    .map((r) => ({
      ...r,
      taskId: r.taskId,
      shardIndex: r.shardIndex,
      nodeId: s(r.nodeId),
      auditorNodeId: s(r.auditorNodeId),
      deadline: s(r.deadline),
      submittedBlock: s(r.submittedBlock),
      manifestCid: hex(r.manifestCid as string | null),
      checkpointRoot: hex(r.checkpointRoot as string | null),
      resumeManifestCid: hex(r.resumeManifestCid as string | null),
      disputeId: s(r.disputeId),
      price: s(r.price),
      pingRespondBy: s(r.pingRespondBy),
    }))
    .sort((a, b) =>
      a.taskId === b.taskId ? a.shardIndex - b.shardIndex : Number(BigInt(a.taskId) - BigInt(b.taskId)),
    );
}

// ------------------------------------------------------------------------------------------------
// Disputes
// ------------------------------------------------------------------------------------------------
type ChainDispute = {
  status: number;
  outcome: number;
  round: number;
  epoch: number;
  seedBlock: bigint;
  commitId: bigint;
  votesWrong: number;
  votesRight: number;
  reveals: number;
  checkpointIndex: number;
  taskId: bigint;
  shardIndex: number;
  submitterNodeId: bigint;
  openedAt: bigint;
  commitDeadline: bigint;
  revealDeadline: bigint;
  challenger: Address;
  bond: bigint;
  leafHash: Hex;
  challengerHash: Hex;
  committee: readonly bigint[];
};

export const DISPUTE_FIELDS =
  "id status outcome round epoch seedBlock commitId votesWrong votesRight reveals checkpointIndex taskId shardIndex submitterNodeId openedAt commitDeadline revealDeadline challenger bond leafHash challengerHash committee";

export async function chainDisputes(p: Protocol) {
  const count = await p.chain.read<bigint>(p.disputes, p.abi.disputes, "disputeCount");
  const out = [];
  for (let id = 1n; id <= count; id++) {
    const d = await p.chain.read<ChainDispute>(p.disputes, p.abi.disputes, "getDispute", [id]);
    out.push({
      id: id.toString(),
      status: ["None", "Drawing", "Voting", "Resolved"][d.status],
      outcome: DISPUTE_OUTCOME[d.outcome],
      round: d.round,
      epoch: d.epoch,
      seedBlock: s(d.seedBlock),
      commitId: s(d.commitId),
      votesWrong: d.votesWrong,
      votesRight: d.votesRight,
      reveals: d.reveals,
      checkpointIndex: d.checkpointIndex,
      taskId: s(d.taskId),
      shardIndex: d.shardIndex,
      submitterNodeId: s(d.submitterNodeId),
      openedAt: s(d.openedAt),
      commitDeadline: s(d.commitDeadline),
      revealDeadline: s(d.revealDeadline),
      challenger: addr(d.challenger),
      bond: s(d.bond),
      leafHash: hex(d.leafHash),
      challengerHash: hex(d.challengerHash),
      committee: d.committee.map((m) => m.toString()),
    });
  }
  return out;
}

export async function indexedDisputes(url: string) {
  const rows = await gqlAll<Record<string, unknown>>(
    url,
    "disputes",
    DISPUTE_FIELDS,
    'orderBy: "id", orderDirection: "asc"',
  );
  return rows.map((d) => ({
    ...d,
    challenger: addr(d.challenger as string),
    leafHash: hex(d.leafHash as string),
    challengerHash: hex(d.challengerHash as string),
  }));
}

// ------------------------------------------------------------------------------------------------
// Models
// ------------------------------------------------------------------------------------------------
type ChainModel = {
  owner: Address;
  deprecated: boolean;
  versionCount: number;
  stars: number;
  createdAt: bigint;
  parentModelId: bigint;
  replacementModelId: bigint;
  tipsReceived: bigint;
  name: string;
  license: string;
};
type ChainVersion = {
  verified: boolean;
  createdAt: bigint;
  sourceTaskId: bigint;
  sourceShard: bigint;
  weightsCid: Hex;
  metadataCid: Hex;
  manifestCid: Hex;
  weightsHash: Hex;
  arweaveTxId: Hex;
};

export async function chainModels(p: Protocol) {
  const count = await p.chain.read<bigint>(p.models, p.abi.models, "modelCount");
  const models = [];
  const versions = [];
  for (let id = 1n; id <= count; id++) {
    const m = await p.chain.read<ChainModel>(p.models, p.abi.models, "getModel", [id]);
    models.push({
      id: id.toString(),
      owner: addr(m.owner),
      deprecated: m.deprecated,
      versionCount: m.versionCount,
      stars: m.stars,
      createdAt: s(m.createdAt),
      parentModelId: s(m.parentModelId),
      replacementModelId: s(m.replacementModelId),
      tipsReceived: s(m.tipsReceived),
      name: m.name,
      license: m.license,
    });
    for (let v = 1; v <= m.versionCount; v++) {
      const x = await p.chain.read<ChainVersion>(p.models, p.abi.models, "getVersion", [id, BigInt(v)]);
      versions.push({
        modelId: id.toString(),
        version: v,
        verified: x.verified,
        createdAt: s(x.createdAt),
        sourceTaskId: s(x.sourceTaskId),
        sourceShard: s(x.sourceShard),
        weightsCid: hex(x.weightsCid),
        metadataCid: hex(x.metadataCid),
        manifestCid: hex(x.manifestCid),
        weightsHash: hex(x.weightsHash),
        arweaveTxId: hex(x.arweaveTxId),
      });
    }
  }
  return { models, versions };
}

export async function indexedModels(url: string) {
  const models = await gqlAll<Record<string, unknown>>(
    url,
    "models",
    "id owner deprecated versionCount stars createdAt parentModelId replacementModelId tipsReceived name license",
    'orderBy: "id", orderDirection: "asc"',
  );
  const versions = await gqlAll<{ modelId: string; version: number } & Record<string, unknown>>(
    url,
    "modelVersions",
    "modelId version verified createdAt sourceTaskId sourceShard weightsCid metadataCid manifestCid weightsHash arweaveTxId",
  );
  return {
    models: models.map((m) => ({ ...m, owner: addr(m.owner as string) })),
    versions: versions
      .map((v) => ({
        ...v,
        modelId: v.modelId,
        version: v.version,
        weightsCid: hex(v.weightsCid as string),
        metadataCid: hex(v.metadataCid as string),
        manifestCid: hex(v.manifestCid as string),
        weightsHash: hex(v.weightsHash as string),
        arweaveTxId: hex(v.arweaveTxId as string | null),
      }))
      .sort((a, b) => Number(a.modelId) - Number(b.modelId) || a.version - b.version),
  };
}

// ------------------------------------------------------------------------------------------------
// Datasets: state from DatasetRegistry's views, history (usage, reports, stars) from the events, so a
// missed event changes a counter or a row and fails the comparison
// ------------------------------------------------------------------------------------------------
type ChainDataset = {
  owner: Address;
  deprecated: boolean;
  versionCount: number;
  stars: number;
  createdAt: bigint;
  name: string;
  license: string;
};
type ChainDatasetVersion = {
  deprecated: boolean;
  contentCodec: number;
  reports: number;
  sizeBytes: bigint;
  createdAt: bigint;
  usageFeePerShard: bigint;
  contentCid: Hex;
  metadataCid: Hex;
  arweaveTxId: Hex;
  format: string;
};

export const DATASET_FIELDS =
  "id owner creator name description license deprecated versionCount stars reportCount transferCount taskCount shardsPaid feesEarned protocolCut createdAt";
export const DATASET_VERSION_FIELDS =
  "datasetId version deprecated contentCodec reports sizeBytes createdAt usageFeePerShard contentCid contentCidStr metadataCid metadataCidStr arweaveTxId format taskCount shardsPaid feesEarned protocolCut";

const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
const sum = (list: ChainEvent[], field: string) => list.reduce((a, e) => a + (e.args[field] as bigint), 0n);

export async function chainDatasets(p: Protocol, events: ChainEvent[]) {
  const count = await p.chain.read<bigint>(p.datasets, p.abi.datasets, "datasetCount");
  const of = (name: string, datasetId: bigint, version?: number) =>
    events.filter(
      (e) =>
        e.name === name &&
        e.args.datasetId === datasetId &&
        (version === undefined ||
          Number(e.name === "TaskUsesDataset" ? e.args.datasetVersion : e.args.version) === version),
    );
  // DatasetUsagePaid names no version: the version is the one its task named (TaskUsesDataset).
  const versionOfTask = new Map(
    events
      .filter((e) => e.name === "TaskUsesDataset")
      .map((e) => [e.args.taskId, Number(e.args.datasetVersion)]),
  );
  const paidFor = (datasetId: bigint, version?: number) =>
    of("DatasetUsagePaid", datasetId).filter(
      (e) => version === undefined || versionOfTask.get(e.args.taskId) === version,
    );
  const datasets = [];
  const versions = [];
  const stars = [];
  for (let id = 1n; id <= count; id++) {
    const d = await p.chain.read<ChainDataset>(p.datasets, p.abi.datasets, "getDataset", [id]);
    const published = of("DatasetPublished", id)[0];
    const paid = paidFor(id);
    datasets.push({
      id: id.toString(),
      owner: addr(d.owner),
      creator: addr(String(published?.args.owner)),
      name: d.name,
      description: String(published?.args.description),
      license: d.license,
      deprecated: d.deprecated,
      versionCount: d.versionCount,
      stars: d.stars,
      reportCount: of("DatasetReported", id).length,
      transferCount: of("DatasetTransferred", id).length,
      taskCount: of("TaskUsesDataset", id).length,
      shardsPaid: paid.reduce((a, e) => a + Number(e.args.shards), 0),
      feesEarned: s(sum(paid, "amount")),
      protocolCut: s(sum(paid, "protocolCut")),
      createdAt: s(d.createdAt),
    });
    for (let v = 1; v <= d.versionCount; v++) {
      const x = await p.chain.read<ChainDatasetVersion>(p.datasets, p.abi.datasets, "getVersion", [
        id,
        BigInt(v),
      ]);
      const vPaid = paidFor(id, v);
      versions.push({
        datasetId: id.toString(),
        version: v,
        deprecated: x.deprecated,
        contentCodec: x.contentCodec,
        reports: x.reports,
        sizeBytes: s(x.sizeBytes),
        createdAt: s(x.createdAt),
        usageFeePerShard: s(x.usageFeePerShard),
        contentCid: hex(x.contentCid),
        contentCidStr: cidFromDigest(x.contentCid, x.contentCodec),
        metadataCid: hex(x.metadataCid),
        metadataCidStr: cidFromDigest(x.metadataCid),
        arweaveTxId: hex(x.arweaveTxId),
        format: x.format,
        taskCount: of("TaskUsesDataset", id, v).length,
        shardsPaid: vPaid.reduce((a, e) => a + Number(e.args.shards), 0),
        feesEarned: s(sum(vPaid, "amount")),
        protocolCut: s(sum(vPaid, "protocolCut")),
      });
    }
    // Everyone who ever starred or unstarred, with hasStarred now.
    const users = new Set(
      events
        .filter(
          (e) => (e.name === "DatasetStarred" || e.name === "DatasetUnstarred") && e.args.datasetId === id,
        )
        .map((e) => addr(String(e.args.user))),
    );
    for (const user of users) {
      const starred = await p.chain.read<boolean>(p.datasets, p.abi.datasets, "hasStarred", [id, user]);
      stars.push({ key: `${id}-${user}`, datasetId: id.toString(), user, starred });
    }
  }
  const reports = events
    .filter((e) => e.name === "DatasetReported")
    .map((e) => ({
      datasetId: s(e.args.datasetId as bigint),
      version: Number(e.args.version),
      reporter: addr(String(e.args.reporter)),
      reason: REPORT_REASON[Number(e.args.reason)],
      detailsCid: hex(e.args.detailsCid as string),
      detailsCidStr: cidFromDigest(e.args.detailsCid as Hex),
      blockNumber: s(e.blockNumber),
    }));
  const payments = events
    .filter((e) => e.name === "DatasetUsagePaid")
    .map((e) => ({
      datasetId: s(e.args.datasetId as bigint),
      version: versionOfTask.get(e.args.taskId) ?? 0,
      taskId: s(e.args.taskId as bigint),
      owner: addr(String(e.args.owner)),
      shards: Number(e.args.shards),
      amount: s(e.args.amount as bigint),
      protocolCut: s(e.args.protocolCut as bigint),
      blockNumber: s(e.blockNumber),
    }));
  return { datasets, versions, stars: stars.sort(byKey), reports, payments };
}

export async function indexedDatasets(url: string) {
  const datasets = await gqlAll<Record<string, unknown>>(
    url,
    "datasets",
    DATASET_FIELDS,
    'orderBy: "id", orderDirection: "asc"',
  );
  const versions = await gqlAll<{ datasetId: string; version: number } & Record<string, unknown>>(
    url,
    "datasetVersions",
    DATASET_VERSION_FIELDS,
  );
  const stars = await gqlAll<{ datasetId: string; user: string; starred: boolean }>(
    url,
    "datasetStars",
    "datasetId user starred",
  );
  const reports = await gqlAll<Record<string, string | number | null>>(
    url,
    "datasetReports",
    "datasetId version reporter reason detailsCid detailsCidStr blockNumber",
    'orderBy: "id", orderDirection: "asc"',
  );
  const payments = await gqlAll<Record<string, string | number>>(
    url,
    "datasetUsagePayments",
    "datasetId version taskId owner shards amount protocolCut blockNumber",
    'orderBy: "id", orderDirection: "asc"',
  );
  // Reports and payments: one row per event, in chain order (their ids sort so), like the chain's side.
  return {
    datasets: datasets.map((d) => ({
      ...d,
      owner: addr(d.owner as string),
      creator: addr(d.creator as string),
    })),
    versions: versions
      .map((v) => ({
        ...v,
        contentCid: hex(v.contentCid as string),
        metadataCid: hex(v.metadataCid as string),
        arweaveTxId: hex(v.arweaveTxId as string | null),
      }))
      .sort((a, b) => Number(a.datasetId) - Number(b.datasetId) || a.version - b.version),
    stars: stars
      .map((r) => ({ key: `${r.datasetId}-${addr(r.user)}`, ...r, user: addr(r.user) }))
      .sort(byKey),
    reports: reports.map((r) => ({
      ...r,
      reporter: addr(r.reporter as string),
      detailsCid: hex(r.detailsCid as string),
    })),
    payments: payments.map((r) => ({ ...r, owner: addr(r.owner as string) })),
  };
}

// ------------------------------------------------------------------------------------------------
// Challenge commitments
// ------------------------------------------------------------------------------------------------
type ChainCommit = {
  status: number;
  challenger: Address;
  taskId: bigint;
  shardIndex: number;
  epoch: number;
  committedBlock: bigint;
  revealDeadline: bigint;
  bond: bigint;
  commitment: Hex;
  disputeId: bigint;
};

export const COMMIT_FIELDS =
  "id status challenger taskId shardIndex epoch committedBlock revealDeadline bond commitment disputeId";

export async function chainCommits(p: Protocol) {
  const count = await p.chain.read<bigint>(p.disputes, p.abi.disputes, "challengeCommitCount");
  const out = [];
  for (let id = 1n; id <= count; id++) {
    const c = await p.chain.read<ChainCommit>(p.disputes, p.abi.disputes, "getChallengeCommit", [id]);
    out.push({
      id: id.toString(),
      status: ["None", "Committed", "Revealed", "Closed"][c.status],
      challenger: addr(c.challenger),
      taskId: s(c.taskId),
      shardIndex: c.shardIndex,
      epoch: c.epoch,
      committedBlock: s(c.committedBlock),
      revealDeadline: s(c.revealDeadline),
      bond: s(c.bond),
      commitment: hex(c.commitment),
      disputeId: s(c.disputeId),
    });
  }
  return out;
}

export async function indexedCommits(url: string) {
  const rows = await gqlAll<Record<string, unknown>>(
    url,
    "challengeCommits",
    COMMIT_FIELDS,
    'orderBy: "id", orderDirection: "asc"',
  );
  return rows.map((c) => ({
    ...c,
    challenger: addr(c.challenger as string),
    commitment: hex(c.commitment as string),
    disputeId: s(c.disputeId as string | null),
  }));
}

// ------------------------------------------------------------------------------------------------
// Raw events straight from the chain
// ------------------------------------------------------------------------------------------------
export type ChainEvent = {
  contract: string;
  name: string;
  blockNumber: bigint;
  logIndex: number;
  args: Record<string, unknown>;
};

export async function chainEvents(p: Protocol): Promise<ChainEvent[]> {
  const contracts: [string, Address, Abi][] = [
    ["NeuralTimelock", p.chain.address("NeuralTimelock"), neuralTimelockAbi as Abi],
    ["NeuralToken", p.token, p.abi.token],
    ["NodeRegistry", p.registry, p.abi.registry],
    ["TaskManagerExtension", p.chain.address("TaskManagerExtension"), taskManagerExtensionAbi as Abi],
    ["DatasetRegistry", p.datasets, datasetRegistryAbi as Abi],
    ["TaskManager", p.tasks, p.abi.tasks],
    ["Sortition", p.sortition, p.abi.sortition],
    ["DisputeManager", p.disputes, p.abi.disputes],
    ["ModelRegistry", p.models, p.abi.models],
  ];
  const out: ChainEvent[] = [];
  const head = await p.chain.blockNumber();
  const step = 1n; // block by block: a block of the benchmark holds thousands of logs (viem caps responses at 10 MB)
  for (const [contract, address, abi] of contracts) {
    const logs = [];
    for (let from = 0n; from <= head; from += step) {
      const to = from + step - 1n < head ? from + step - 1n : head;
      logs.push(...(await p.chain.pub.getLogs({ address, fromBlock: from, toBlock: to })));
    }
    for (const log of logs) {
      const decoded = decodeEventLog({ abi, data: log.data, topics: log.topics });
      out.push({
        contract,
        name: String(decoded.eventName),
        blockNumber: log.blockNumber as bigint,
        logIndex: log.logIndex as number,
        args: (decoded.args ?? {}) as Record<string, unknown>,
      });
    }
  }
  return out.sort((a, b) => Number(a.blockNumber - b.blockNumber) || a.logIndex - b.logIndex);
}
