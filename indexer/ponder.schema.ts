// Neural indexer schema. Table and column names are a public API (GraphQL, SQL, the subgraph mirrors them):
// add, never rename. Conventions:
// - ids (`nodeId`, `taskId`, `disputeId`, `modelId`, `datasetId`) are uint256 -> bigint; shard indexes and counters are int.
// - timestamps are block timestamps in seconds (bigint); `...Block` columns are block numbers.
// - CIDs are stored twice: the raw bytes32 digest (`fooCid`, hex) and, where non-zero, the CIDv1 string
//   (`fooCidStr`): raw codec (0x55) for spec / manifest / metadata / logs, dag-pb (0x70) for model weights,
//   and a dataset version's own `contentCodec` (raw or dag-pb) for its content.
// - `tier` columns are the Solidity enum value: 0 None, 1 Bronze, 2 Silver, 3 Gold, 4 Platinum.
// - amounts are NRL wei (bigint).
import { index, onchainEnum, onchainTable, primaryKey, relations } from "ponder";

// -------------------------------------------------------------------------------------------------
// Enums (names and member order equal the Solidity enums in contracts/src/types/Types.sol)
// -------------------------------------------------------------------------------------------------
export const nodeStatus = onchainEnum("node_status", ["None", "Active", "Paused", "Exited"]);
export const taskStatus = onchainEnum("task_status", [
  "None",
  "Open",
  "Running",
  "Completed",
  "Cancelled",
  "Failed",
]);
export const shardStatus = onchainEnum("shard_status", [
  "Pending",
  "Assigned",
  "Submitted",
  "Challenged",
  "Finalized",
  "Failed",
  "Cancelled",
]);
export const auditStatus = onchainEnum("audit_status", ["None", "Assigned", "Attested", "Challenged"]);
export const releaseReason = onchainEnum("release_reason", [
  "None",
  "ImageUnavailable",
  "DataUnavailable",
  "InsufficientResources",
  "NodeShuttingDown",
  "InvalidSpec",
  "Other",
  "Unresponsive",
]);
export const slashReason = onchainEnum("slash_reason", ["Timeout", "DisputeLost", "NonReveal"]);
export const vote = onchainEnum("vote", ["None", "SubmitterRight", "SubmitterWrong", "DataUnavailable"]);
/** Drawing: waiting for the committee's seed block (drawCommittee); Voting: commit and reveal. */
export const disputeStatus = onchainEnum("dispute_status", ["None", "Drawing", "Voting", "Resolved"]);
export const disputeOutcome = onchainEnum("dispute_outcome", [
  "None",
  "SubmitterWrong",
  "SubmitterRight",
  "NoQuorumSubmitterPresumedRight",
  "NoCommittee",
]);
/** A challenge commitment: Committed (bond held) -> Revealed (dispute opened) | Closed (never revealed). */
export const challengeCommitStatus = onchainEnum("challenge_commit_status", [
  "None",
  "Committed",
  "Revealed",
  "Closed",
]);
export const payoutKind = onchainEnum("payout_kind", [
  "ClientCompensation",
  "ChallengerReward",
  "BondReturn",
  "VoterReward",
  "SubmitterReward",
  "Treasury",
]);
/** Indexer-side: how one assignment of a shard to a node ended. */
export const assignmentOutcome = onchainEnum("assignment_outcome", [
  "Active", // assigned, neither released, timed out nor submitted yet
  "Released", // handed back by the node (no penalty)
  "TimedOut", // deadline passed, node slashed
  "Submitted", // result committed, challenge window running
  "Disputed", // result challenged, dispute running
  "Finalized", // paid after the window (and the reveal period), no dispute open or lost
  "DisputeLost", // a dispute of this attempt found the submitter wrong
  "HandedBack", // ended without fault: an earlier checkpoint it resumed from lost its dispute (ShardResumeLowered)
]);
/** A NeuralTimelock (TimelockController) operation: Scheduled -> Executed | Cancelled (a cancelled one may be
 *  scheduled again). Whether a Scheduled operation is ready is time-based: `readyAt` <= block time.
 *  (Not named "timelock_...": Ponder's SQL generator takes any type name starting with "time" for a native
 *  type and leaves it unqualified by the schema.) */
export const governanceOperationStatus = onchainEnum("governance_operation_status", [
  "Scheduled",
  "Executed",
  "Cancelled",
]);
/** Why a user flagged a dataset version (DatasetRegistry.report; ReportReason in Types.sol). */
export const reportReason = onchainEnum("report_reason", [
  "None",
  "CidUnavailable",
  "LicenseMismatch",
  "FormatMismatch",
  "HarmfulContent",
  "Other",
]);
/** Indexer-side: what moved a node's stake. */
export const stakeEventKind = onchainEnum("stake_event_kind", [
  "Registered",
  "Staked",
  "UnstakeRequested",
  "Withdrawn",
  "Exited",
  "Slashed",
]);

// -------------------------------------------------------------------------------------------------
// Every event of every contract, in chain order (powers timelines and completeness checks)
// -------------------------------------------------------------------------------------------------
export const protocolEvent = onchainTable(
  "protocol_event",
  (t) => ({
    /** Ponder's event id: sorts in chain order (block, then log index). */
    id: t.text().primaryKey(),
    contract: t.text().notNull(), // "NodeRegistry", "TaskManager", ...
    name: t.text().notNull(), // event name, e.g. "ShardAssigned"
    address: t.hex().notNull(),
    blockNumber: t.bigint().notNull(),
    blockHash: t.hex().notNull(),
    timestamp: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
    logIndex: t.integer().notNull(),
    from: t.hex().notNull(), // transaction sender
    /** Entity links, when the event names them (null otherwise). */
    nodeId: t.bigint(),
    taskId: t.bigint(),
    shardIndex: t.integer(),
    disputeId: t.bigint(),
    modelId: t.bigint(),
    datasetId: t.bigint(),
    /** Decoded arguments; bigints as decimal strings. */
    args: t.json().notNull(),
  }),
  (table) => ({
    taskIdx: index().on(table.taskId, table.id),
    nodeIdx: index().on(table.nodeId),
    disputeIdx: index().on(table.disputeId),
    modelIdx: index().on(table.modelId),
    datasetIdx: index().on(table.datasetId),
    nameIdx: index().on(table.contract, table.name),
    blockIdx: index().on(table.blockNumber, table.logIndex),
  }),
);

// -------------------------------------------------------------------------------------------------
// Nodes
// -------------------------------------------------------------------------------------------------
export const node = onchainTable(
  "node",
  (t) => ({
    id: t.bigint().primaryKey(),
    operator: t.hex().notNull(),
    worker: t.hex().notNull(),
    status: nodeStatus("status").notNull(),
    /** Member of the on-chain active set. */
    active: t.boolean().notNull(),
    jailed: t.boolean().notNull(),
    jailedUntil: t.bigint().notNull(),
    tier: t.integer().notNull(),
    // capabilities
    gpuModel: t.text().notNull(), // decoded from the right-padded bytes32
    gpuCount: t.integer().notNull(),
    vramMiB: t.integer().notNull(),
    cpuCores: t.integer().notNull(),
    memoryMiB: t.integer().notNull(),
    region: t.text().notNull(), // decoded from the right-padded bytes16
    askPrice: t.bigint().notNull(),
    metadataCid: t.hex().notNull(),
    metadataCidStr: t.text(),
    // stake (NodeView semantics: stake is bonded and includes locked)
    stake: t.bigint().notNull(),
    locked: t.bigint().notNull(),
    unbonding: t.bigint().notNull(),
    unbondingReleaseAt: t.bigint().notNull(),
    totalWithdrawn: t.bigint().notNull(),
    totalSlashed: t.bigint().notNull(),
    // reputation
    completed: t.integer().notNull(),
    failed: t.integer().notNull(),
    slashCount: t.integer().notNull(),
    /** Protocol fees its finalized shards paid (value-weighted reputation; tiers need TierThreshold.minFeesPaid). */
    feesPaid: t.bigint().notNull(),
    /** completed / (completed + failed) in basis points; 10000 when both are 0 (as the contracts define). */
    successBps: t.integer().notNull(),
    // activity counters (indexer-side)
    assignmentCount: t.integer().notNull(),
    timeoutCount: t.integer().notNull(),
    releaseCount: t.integer().notNull(),
    /** Releases after the grace period (ShardReleased.late): each counted as a failed attempt and a failure. */
    lateReleaseCount: t.integer().notNull(),
    earned: t.bigint().notNull(), // shard prices paid to the operator (after fees) and audit fees
    registeredAt: t.bigint().notNull(),
    registeredBlock: t.bigint().notNull(),
    registeredTx: t.hex().notNull(),
    updatedAt: t.bigint().notNull(),
  }),
  (table) => ({
    operatorIdx: index().on(table.operator),
    workerIdx: index().on(table.worker),
    leaderboardIdx: index().on(table.tier, table.successBps, table.completed),
  }),
);

/** Every change of a node's stake: register, stake, unstake request, withdraw, exit, slash. */
export const stakeEvent = onchainTable(
  "stake_event",
  (t) => ({
    id: t.text().primaryKey(),
    nodeId: t.bigint().notNull(),
    kind: stakeEventKind("kind").notNull(),
    amount: t.bigint().notNull(),
    stakeAfter: t.bigint().notNull(),
    unbondingAfter: t.bigint().notNull(),
    lockedAfter: t.bigint().notNull(),
    /** Withdrawn: receiver; Slashed: recipient. */
    account: t.hex(),
    slashReason: slashReason("slash_reason"),
    /** UnstakeRequested / Exited: when the unbonding stake can be withdrawn. */
    releaseAt: t.bigint(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
    logIndex: t.integer().notNull(),
  }),
  (table) => ({ nodeIdx: index().on(table.nodeId, table.blockNumber) }),
);

/** Tier history: one row per TierChanged. */
export const tierChange = onchainTable(
  "tier_change",
  (t) => ({
    id: t.text().primaryKey(),
    nodeId: t.bigint().notNull(),
    oldTier: t.integer().notNull(),
    newTier: t.integer().notNull(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({ nodeIdx: index().on(table.nodeId, table.blockNumber) }),
);

// -------------------------------------------------------------------------------------------------
// Tasks, shards, assignments
// -------------------------------------------------------------------------------------------------
export const task = onchainTable(
  "task",
  (t) => ({
    id: t.bigint().primaryKey(),
    client: t.hex().notNull(),
    status: taskStatus("status").notNull(),
    specCid: t.hex().notNull(),
    specCidStr: t.text(),
    shardCount: t.integer().notNull(),
    /** The most the client pays per shard; each shard pays its node's ask, locked at assignment (shard.price). */
    maxPricePerShard: t.bigint().notNull(),
    minTier: t.integer().notNull(),
    gpus: t.integer().notNull(),
    vramMiB: t.integer().notNull(),
    cpus: t.integer().notNull(),
    memoryMiB: t.integer().notNull(),
    maxDuration: t.bigint().notNull(),
    auditRateBps: t.integer().notNull(),
    /** Audits paid for at post time: ceil(shardCount * auditRateBps / 10000). */
    auditBudget: t.integer().notNull(),
    auditFeePerShard: t.bigint().notNull(),
    /** Collateral locked per assignment: maxPricePerShard * collateralRatioBps (at post time) / 10000. */
    collateralPerShard: t.bigint().notNull(),
    /** Escrow pulled at post time. */
    escrow: t.bigint().notNull(),
    /** Escrow still held: escrow - paid - fees - audit fees paid - refunded - datasetFeesPaid - datasetProtocolCut. */
    escrowRemaining: t.bigint().notNull(),
    paid: t.bigint().notNull(), // to nodes, after fees (paid + fees = the locked prices of finalized shards)
    fees: t.bigint().notNull(), // protocol fees taken at finalize
    auditFeesPaid: t.bigint().notNull(),
    /** TaskRefunded total: max price minus locked price of each finalized shard (at finalization), max prices of
     *  cancelled shards (at cancelTask), and what is left at the close (failed shards, unused audit fees). */
    refunded: t.bigint().notNull(),
    /** Collateral slashed from timed-out nodes, paid to the client. */
    compensation: t.bigint().notNull(),
    // shard counters
    pendingShards: t.integer().notNull(),
    assignedShards: t.integer().notNull(),
    submittedShards: t.integer().notNull(),
    challengedShards: t.integer().notNull(),
    finalizedShards: t.integer().notNull(),
    failedShards: t.integer().notNull(),
    cancelledShards: t.integer().notNull(),
    // activity counters
    assignmentCount: t.integer().notNull(),
    releaseCount: t.integer().notNull(),
    /** Releases after the grace period (counted as failed attempts). */
    lateReleaseCount: t.integer().notNull(),
    timeoutCount: t.integer().notNull(),
    auditsUsed: t.integer().notNull(),
    disputeCount: t.integer().notNull(),
    /** TaskCancelled.pendingShards: the Pending shards cancelTask cancelled at once (null: never cancelled). */
    cancelledPendingShards: t.integer(),
    // dataset (TaskUsesDataset; all null when the task names no DatasetRegistry dataset)
    datasetId: t.bigint(),
    datasetVersion: t.integer(),
    /** Usage fee escrowed per shard (the version's fee at posting), paid to the dataset's owner per finalized shard. */
    datasetFeePerShard: t.bigint(),
    /** The protocol's share of that fee, in basis points, fixed at posting. */
    datasetCutBps: t.integer(),
    /** DatasetUsagePaid totals: usage fees paid to the dataset's owner, and the protocol's cut of them. */
    datasetFeesPaid: t.bigint().notNull(),
    datasetProtocolCut: t.bigint().notNull(),
    // timestamps
    createdAt: t.bigint().notNull(),
    createdBlock: t.bigint().notNull(),
    createdTx: t.hex().notNull(),
    startedAt: t.bigint(), // first assignment (Open -> Running)
    closedAt: t.bigint(), // Completed / Failed / Cancelled
    updatedAt: t.bigint().notNull(),
  }),
  (table) => ({
    clientIdx: index().on(table.client),
    statusIdx: index().on(table.status),
    createdIdx: index().on(table.createdAt),
    datasetIdx: index().on(table.datasetId, table.datasetVersion),
  }),
);

export const shard = onchainTable(
  "shard",
  (t) => ({
    taskId: t.bigint().notNull(),
    shardIndex: t.integer().notNull(),
    status: shardStatus("status").notNull(),
    /** Node of the current attempt (as the contract's ShardView): null while Pending, after a timeout or a lost dispute. */
    nodeId: t.bigint(),
    /** Assignment counter: every assignment starts a new epoch (ShardAssigned.epoch); disputes name the epoch. */
    epoch: t.integer().notNull(),
    /** Disputes of this shard (any epoch) not resolved yet; finalization waits for zero. */
    openDisputes: t.integer().notNull(),
    /** A challenge was committed against the current epoch: payment waits for the reveal period. */
    challengeCommitted: t.boolean().notNull(),
    /** Until when a challenge committed against the current epoch may be revealed. */
    revealDeadline: t.bigint(),
    /** A keeper's liveness ping of the current attempt awaits the node's answer until then (ShardPinged); null
     *  once answered (PingAnswered) or when the attempt ends. Past it, anyone may releaseUnresponsive. */
    pingRespondBy: t.bigint(),
    /** Assignments that counted as attempts (the contract's `attempts`). */
    attempts: t.integer().notNull(),
    /** All assignments, releases included; the current one is assignment `${taskId}-${shardIndex}-${assignmentCount}`. */
    assignmentCount: t.integer().notNull(),
    /** Assignment deadline (Assigned) or end of the challenge window (Submitted / Challenged / Finalized). */
    deadline: t.bigint(),
    assignedAt: t.bigint(),
    /** Price of the current attempt: its node's ask at assignment (at least minShardPrice), what the shard pays
     *  when finalized (ShardView.price). Null while no attempt holds one (Pending, after a release, timeout or
     *  lost dispute, never assigned); kept when Finalized. */
    price: t.bigint(),
    // result (manifest, root and disputeId stay after the attempt ends, as in the contract)
    manifestCid: t.hex(),
    manifestCidStr: t.text(),
    checkpointRoot: t.hex(),
    checkpointCount: t.integer().notNull(),
    submittedAt: t.bigint(),
    /** Block of submitResult (ShardView.submittedBlock); block submittedBlock + 1 seeds the audit draw. */
    submittedBlock: t.bigint(),
    challengeDeadline: t.bigint(),
    // resume information (after a lost dispute)
    resumeFrom: t.integer().notNull(),
    resumeManifestCid: t.hex(),
    resumeManifestCidStr: t.text(),
    // audit
    auditStatus: auditStatus("audit_status").notNull(),
    auditorNodeId: t.bigint(),
    auditFee: t.bigint(),
    // dispute
    disputeId: t.bigint(),
    // release
    lastReleaseReason: releaseReason("last_release_reason"),
    lastLogsCid: t.hex(),
    lastLogsCidStr: t.text(),
    /** The last release came after the grace period (counted as a failed attempt). */
    lastReleaseLate: t.boolean(),
    // settlement
    payout: t.bigint(),
    fee: t.bigint(),
    refund: t.bigint(),
    finalizedAt: t.bigint(),
    updatedAt: t.bigint().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.taskId, table.shardIndex] }),
    nodeIdx: index().on(table.nodeId),
    statusIdx: index().on(table.status),
  }),
);

/** Every assignment of a shard to a node, with how it ended. */
export const assignment = onchainTable(
  "assignment",
  (t) => ({
    /** `${taskId}-${shardIndex}-${seq}` */
    id: t.text().primaryKey(),
    taskId: t.bigint().notNull(),
    shardIndex: t.integer().notNull(),
    /** 1-based sequence among the shard's assignments (releases included). */
    seq: t.integer().notNull(),
    nodeId: t.bigint().notNull(),
    /** The contract's attempt number from ShardAssigned. */
    attempt: t.integer().notNull(),
    /** The shard epoch this assignment started (ShardAssigned.epoch). */
    epoch: t.integer().notNull(),
    outcome: assignmentOutcome("outcome").notNull(),
    assignedAt: t.bigint().notNull(),
    assignedBlock: t.bigint().notNull(),
    assignedTx: t.hex().notNull(),
    deadline: t.bigint().notNull(),
    /** The price locked for this assignment (ShardAssigned.price): the node's ask, at least minShardPrice. */
    price: t.bigint().notNull(),
    resumeFrom: t.integer().notNull(),
    resumeManifestCid: t.hex().notNull(),
    resumeManifestCidStr: t.text(),
    // Released
    releaseReason: releaseReason("release_reason"),
    /** Released after the grace period: the attempt counted as failed (attempts + 1, a reputation failure). */
    late: t.boolean(),
    logsCid: t.hex(),
    logsCidStr: t.text(),
    // Submitted
    manifestCid: t.hex(),
    manifestCidStr: t.text(),
    checkpointRoot: t.hex(),
    checkpointCount: t.integer(),
    submittedAt: t.bigint(),
    submittedBlock: t.bigint(),
    challengeDeadline: t.bigint(),
    // TimedOut
    slashed: t.bigint(),
    // Finalized
    payout: t.bigint(),
    fee: t.bigint(),
    // Disputed / DisputeLost: the latest dispute of this attempt
    disputeId: t.bigint(),
    endedAt: t.bigint(),
    endedTx: t.hex(),
  }),
  (table) => ({
    shardIdx: index().on(table.taskId, table.shardIndex),
    nodeIdx: index().on(table.nodeId),
  }),
);

/**
 * Every checkpoint a result committed (ResultSubmitted.checkpoints): leaf `index` of the tree whose root is
 * the result's checkpointRoot (OpenZeppelin StandardMerkleTree, leaves unsorted). The last one of a result is
 * its final weights. Enough to rebuild the tree and a proof for any leaf (challenges, weights proofs).
 */
export const checkpoint = onchainTable(
  "checkpoint",
  (t) => ({
    /** `${taskId}-${shardIndex}-${epoch}-${index}` */
    id: t.text().primaryKey(),
    taskId: t.bigint().notNull(),
    shardIndex: t.integer().notNull(),
    epoch: t.integer().notNull(),
    /** Leaf index (position in the submitted list). */
    index: t.integer().notNull(),
    step: t.bigint().notNull(),
    /** sha256 of the checkpoint file. */
    hash: t.hex().notNull(),
    /** True for the last checkpoint of its result (the final weights). */
    isFinal: t.boolean().notNull(),
    /** The assignment that submitted it (`assignment.id`). */
    assignmentId: t.text(),
    nodeId: t.bigint().notNull(),
    checkpointRoot: t.hex().notNull(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({
    resultIdx: index().on(table.taskId, table.shardIndex, table.epoch, table.index),
    assignmentIdx: index().on(table.assignmentId),
    hashIdx: index().on(table.hash),
  }),
);

// -------------------------------------------------------------------------------------------------
// Disputes
// -------------------------------------------------------------------------------------------------
/** A challenge committed (with its bond) before its claim is revealed; one per commitChallenge. */
export const challengeCommit = onchainTable(
  "challenge_commit",
  (t) => ({
    id: t.bigint().primaryKey(),
    taskId: t.bigint().notNull(),
    shardIndex: t.integer().notNull(),
    challenger: t.hex().notNull(),
    /** The shard epoch (attempt) the commitment targets. */
    epoch: t.integer().notNull(),
    commitment: t.hex().notNull(),
    bond: t.bigint().notNull(),
    revealDeadline: t.bigint().notNull(),
    status: challengeCommitStatus("status").notNull(),
    /** Set once revealed (DisputeOpened.commitId). */
    disputeId: t.bigint(),
    /** Closed: who got the bond, whether it was forfeited to the treasury, how much. */
    closedTo: t.hex(),
    forfeited: t.boolean(),
    closedAmount: t.bigint(),
    committedAt: t.bigint().notNull(),
    committedBlock: t.bigint().notNull(),
    committedTx: t.hex().notNull(),
    closedAt: t.bigint(),
    updatedAt: t.bigint().notNull(),
  }),
  (table) => ({
    shardIdx: index().on(table.taskId, table.shardIndex),
    challengerIdx: index().on(table.challenger),
  }),
);

export const dispute = onchainTable(
  "dispute",
  (t) => ({
    id: t.bigint().primaryKey(),
    taskId: t.bigint().notNull(),
    shardIndex: t.integer().notNull(),
    challenger: t.hex().notNull(),
    submitterNodeId: t.bigint().notNull(),
    /** The challenge commitment this dispute revealed (`challengeCommit.id`). */
    commitId: t.bigint().notNull(),
    /** The shard epoch (attempt) judged. */
    epoch: t.integer().notNull(),
    /** The challenged assignment (`assignment.id`). */
    assignmentId: t.text(),
    checkpointIndex: t.integer().notNull(),
    leafHash: t.hex().notNull(),
    challengerHash: t.hex().notNull(),
    bond: t.bigint().notNull(),
    status: disputeStatus("status").notNull(),
    outcome: disputeOutcome("outcome").notNull(),
    /** Committee round: 0, or 1 after a redraw. */
    round: t.integer().notNull(),
    /** Block whose randomness draws the current round's committee (CommitteeSeedScheduled). */
    seedBlock: t.bigint().notNull(),
    /** Node ids of the current round's committee. */
    committee: t.bigint().array().notNull(),
    commitDeadline: t.bigint().notNull(),
    revealDeadline: t.bigint().notNull(),
    commits: t.integer().notNull(),
    reveals: t.integer().notNull(),
    votesWrong: t.integer().notNull(),
    votesRight: t.integer().notNull(),
    /** Stake slashed from the submitter at resolution. */
    slashed: t.bigint().notNull(),
    /** At resolution: whether the judged attempt was still the shard's live result (null until resolved). */
    live: t.boolean(),
    /** Slashed from committee members that did not reveal. */
    nonRevealSlashed: t.bigint().notNull(),
    totalPaidOut: t.bigint().notNull(),
    openedAt: t.bigint().notNull(),
    openedBlock: t.bigint().notNull(),
    openedTx: t.hex().notNull(),
    resolvedAt: t.bigint(),
    updatedAt: t.bigint().notNull(),
  }),
  (table) => ({
    shardIdx: index().on(table.taskId, table.shardIndex),
    challengerIdx: index().on(table.challenger),
  }),
);

/** One committee seat of one round: drawn, committed, revealed, penalized. */
export const disputeVote = onchainTable(
  "dispute_vote",
  (t) => ({
    /** `${disputeId}-${round}-${nodeId}` */
    id: t.text().primaryKey(),
    disputeId: t.bigint().notNull(),
    round: t.integer().notNull(),
    nodeId: t.bigint().notNull(),
    commitment: t.hex(),
    committedAt: t.bigint(),
    vote: vote("vote").notNull(),
    revealedAt: t.bigint(),
    penalized: t.boolean().notNull(),
    slashed: t.bigint().notNull(),
  }),
  (table) => ({
    disputeIdx: index().on(table.disputeId),
    nodeIdx: index().on(table.nodeId),
  }),
);

export const disputePayout = onchainTable(
  "dispute_payout",
  (t) => ({
    id: t.text().primaryKey(),
    disputeId: t.bigint().notNull(),
    to: t.hex().notNull(),
    kind: payoutKind("kind").notNull(),
    amount: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({ disputeIdx: index().on(table.disputeId), toIdx: index().on(table.to) }),
);

// -------------------------------------------------------------------------------------------------
// Models
// -------------------------------------------------------------------------------------------------
export const model = onchainTable(
  "model",
  (t) => ({
    id: t.bigint().primaryKey(),
    owner: t.hex().notNull(),
    creator: t.hex().notNull(),
    name: t.text().notNull(),
    license: t.text().notNull(),
    metadataCid: t.hex().notNull(),
    metadataCidStr: t.text(),
    /** 0 = none. */
    parentModelId: t.bigint().notNull(),
    versionCount: t.integer().notNull(),
    /** True when the latest version has verified provenance. */
    verified: t.boolean().notNull(),
    stars: t.integer().notNull(),
    tipsReceived: t.bigint().notNull(),
    tipCount: t.integer().notNull(),
    deprecated: t.boolean().notNull(),
    replacementModelId: t.bigint().notNull(),
    createdAt: t.bigint().notNull(),
    createdBlock: t.bigint().notNull(),
    createdTx: t.hex().notNull(),
    updatedAt: t.bigint().notNull(),
  }),
  (table) => ({
    ownerIdx: index().on(table.owner),
    parentIdx: index().on(table.parentModelId),
    starsIdx: index().on(table.stars),
  }),
);

export const modelVersion = onchainTable(
  "model_version",
  (t) => ({
    modelId: t.bigint().notNull(),
    version: t.integer().notNull(),
    /** 0 = no source task. */
    sourceTaskId: t.bigint().notNull(),
    sourceShard: t.bigint().notNull(),
    weightsCid: t.hex().notNull(),
    weightsCidStr: t.text(), // dag-pb
    metadataCid: t.hex().notNull(),
    metadataCidStr: t.text(),
    manifestCid: t.hex().notNull(),
    manifestCidStr: t.text(),
    /** sha256 of the weights file; when verified, the source shard's last committed checkpoint. */
    weightsHash: t.hex().notNull(),
    /** Provenance verified on-chain: the source shard is Finalized with this manifest and final weights. */
    verified: t.boolean().notNull(),
    arweaveTxId: t.hex(),
    archivedAt: t.bigint(),
    createdAt: t.bigint().notNull(),
    createdBlock: t.bigint().notNull(),
    createdTx: t.hex().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.modelId, table.version] }),
    sourceIdx: index().on(table.sourceTaskId, table.sourceShard),
  }),
);

export const modelStar = onchainTable(
  "model_star",
  (t) => ({
    modelId: t.bigint().notNull(),
    user: t.hex().notNull(),
    starred: t.boolean().notNull(),
    updatedAt: t.bigint().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.modelId, table.user] }), userIdx: index().on(table.user) }),
);

export const modelTip = onchainTable(
  "model_tip",
  (t) => ({
    id: t.text().primaryKey(),
    modelId: t.bigint().notNull(),
    from: t.hex().notNull(),
    to: t.hex().notNull(),
    amount: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({ modelIdx: index().on(table.modelId) }),
);

// -------------------------------------------------------------------------------------------------
// Datasets (DatasetRegistry; usage fees escrowed and paid by the TaskManager)
// -------------------------------------------------------------------------------------------------
export const dataset = onchainTable(
  "dataset",
  (t) => ({
    id: t.bigint().primaryKey(),
    owner: t.hex().notNull(),
    /** Who published it (the first owner). */
    creator: t.hex().notNull(),
    name: t.text().notNull(),
    /** Emitted by DatasetPublished, not stored on-chain. */
    description: t.text().notNull(),
    /** SPDX identifier. */
    license: t.text().notNull(),
    /** No new task may reference it, no version may be added (DatasetDeprecatedSet; one-way). */
    deprecated: t.boolean().notNull(),
    versionCount: t.integer().notNull(),
    stars: t.integer().notNull(),
    /** Reports of all its versions. */
    reportCount: t.integer().notNull(),
    /** Ownership changes (DatasetTransferred). */
    transferCount: t.integer().notNull(),
    // usage (TaskManager: TaskUsesDataset, DatasetUsagePaid)
    /** Tasks posted that train on one of its versions. */
    taskCount: t.integer().notNull(),
    /** Finalized shards that paid its usage fee. */
    shardsPaid: t.integer().notNull(),
    /** Usage fees paid to its owners (after the protocol's cut). */
    feesEarned: t.bigint().notNull(),
    /** The protocol's cut of its usage fees (to the protocol's fees). */
    protocolCut: t.bigint().notNull(),
    createdAt: t.bigint().notNull(),
    createdBlock: t.bigint().notNull(),
    createdTx: t.hex().notNull(),
    updatedAt: t.bigint().notNull(),
  }),
  (table) => ({
    ownerIdx: index().on(table.owner),
    starsIdx: index().on(table.stars),
    nameIdx: index().on(table.name),
  }),
);

/** One immutable version of a dataset's content (its fee can only be lowered). */
export const datasetVersion = onchainTable(
  "dataset_version",
  (t) => ({
    datasetId: t.bigint().notNull(),
    version: t.integer().notNull(),
    contentCid: t.hex().notNull(),
    /** CIDv1 with the version's own codec (`contentCodec`). */
    contentCidStr: t.text(),
    /** Multicodec of the content CID: 0x55 (85) raw, 0x70 (112) dag-pb. */
    contentCodec: t.integer().notNull(),
    sizeBytes: t.bigint().notNull(),
    /** Current usage fee per finalized shard for tasks posted from now on (lowered by DatasetUsageFeeLowered). */
    usageFeePerShard: t.bigint().notNull(),
    format: t.text().notNull(),
    /** Optional JSON document (raw codec); zero = none. */
    metadataCid: t.hex().notNull(),
    metadataCidStr: t.text(),
    arweaveTxId: t.hex(),
    archivedAt: t.bigint(),
    /** No new task may reference it (DatasetVersionDeprecated; one-way). */
    deprecated: t.boolean().notNull(),
    /** Distinct reporters (DatasetReported.reports). */
    reports: t.integer().notNull(),
    taskCount: t.integer().notNull(),
    shardsPaid: t.integer().notNull(),
    feesEarned: t.bigint().notNull(),
    protocolCut: t.bigint().notNull(),
    createdAt: t.bigint().notNull(),
    createdBlock: t.bigint().notNull(),
    createdTx: t.hex().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.datasetId, table.version] }),
    contentIdx: index().on(table.contentCid),
  }),
);

export const datasetStar = onchainTable(
  "dataset_star",
  (t) => ({
    datasetId: t.bigint().notNull(),
    user: t.hex().notNull(),
    starred: t.boolean().notNull(),
    updatedAt: t.bigint().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.datasetId, table.user] }),
    userIdx: index().on(table.user),
  }),
);

/** One per DatasetReported (one report per address and version). */
export const datasetReport = onchainTable(
  "dataset_report",
  (t) => ({
    id: t.text().primaryKey(),
    datasetId: t.bigint().notNull(),
    version: t.integer().notNull(),
    reporter: t.hex().notNull(),
    reason: reportReason("reason").notNull(),
    /** Optional evidence (raw codec); zero = none. */
    detailsCid: t.hex().notNull(),
    detailsCidStr: t.text(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({
    versionIdx: index().on(table.datasetId, table.version),
    reporterIdx: index().on(table.reporter),
  }),
);

/** One per DatasetUsagePaid: finalized shards of a task paid the usage fee of its dataset version. */
export const datasetUsagePayment = onchainTable(
  "dataset_usage_payment",
  (t) => ({
    id: t.text().primaryKey(),
    datasetId: t.bigint().notNull(),
    version: t.integer().notNull(),
    taskId: t.bigint().notNull(),
    /** The dataset's owner at finalization (who was paid). */
    owner: t.hex().notNull(),
    shards: t.integer().notNull(),
    /** Paid to the owner. */
    amount: t.bigint().notNull(),
    /** To the protocol's fees. */
    protocolCut: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({
    versionIdx: index().on(table.datasetId, table.version),
    taskIdx: index().on(table.taskId),
    ownerIdx: index().on(table.owner),
  }),
);

// -------------------------------------------------------------------------------------------------
// Protocol parameters and governance
// -------------------------------------------------------------------------------------------------
/** Current value of every parameter set through IParameters.setParameter (ParameterSet). */
export const protocolParameter = onchainTable(
  "protocol_parameter",
  (t) => ({
    contract: t.text().notNull(), // "NodeRegistry" | "TaskManager" | "DisputeManager" | "Sortition" | "DatasetRegistry"
    name: t.text().notNull(), // decoded, e.g. "challengeWindow"
    nameRaw: t.hex().notNull(),
    value: t.bigint().notNull(),
    updatedAt: t.bigint().notNull(),
    updatedBlock: t.bigint().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.contract, table.name] }) }),
);

/** History of parameters, tier thresholds, tier fees and governed addresses. */
export const parameterChange = onchainTable(
  "parameter_change",
  (t) => ({
    id: t.text().primaryKey(),
    contract: t.text().notNull(),
    /** Parameter name; "tierThreshold.<Tier>.<field>", "tierFeeBps.<Tier>", "treasury", "randomness". */
    name: t.text().notNull(),
    oldValue: t.text(), // decimal or address; null when unknown (first set)
    newValue: t.text().notNull(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({ nameIdx: index().on(table.contract, table.name) }),
);

export const tierThreshold = onchainTable("tier_threshold", (t) => ({
  tier: t.integer().primaryKey(),
  minStake: t.bigint().notNull(),
  minCompleted: t.integer().notNull(),
  minSuccessBps: t.integer().notNull(),
  /** Protocol fees the node's finalized shards must have paid in total (value-weighted reputation). */
  minFeesPaid: t.bigint().notNull(),
  updatedAt: t.bigint().notNull(),
}));

export const tierFee = onchainTable("tier_fee", (t) => ({
  tier: t.integer().primaryKey(),
  feeBps: t.integer().notNull(),
  updatedAt: t.bigint().notNull(),
}));

/** Governed addresses: treasury (TaskManager, DisputeManager), randomness source (Sortition). */
export const governedAddress = onchainTable(
  "governed_address",
  (t) => ({
    contract: t.text().notNull(),
    name: t.text().notNull(), // "treasury" | "randomness"
    value: t.hex().notNull(),
    updatedAt: t.bigint().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.contract, table.name] }) }),
);

/** AccessControl role membership (RoleGranted / RoleRevoked), when the contracts emit them. */
export const roleMember = onchainTable(
  "role_member",
  (t) => ({
    contract: t.text().notNull(),
    role: t.hex().notNull(),
    account: t.hex().notNull(),
    active: t.boolean().notNull(),
    updatedAt: t.bigint().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.contract, table.role, table.account] }) }),
);

/**
 * NeuralTimelock operations (OpenZeppelin TimelockController: the admin of every governed contract).
 * `target`, `value` and `data` are those of call 0, the only call unless the operation was scheduled with
 * scheduleBatch (then every call is a timelockCall row).
 */
export const timelockOperation = onchainTable(
  "timelock_operation",
  (t) => ({
    /** The operation id (bytes32, hex): keccak256 of its calls, predecessor and salt. */
    id: t.text().primaryKey(),
    status: governanceOperationStatus("status").notNull(),
    target: t.hex().notNull(),
    value: t.bigint().notNull(),
    data: t.hex().notNull(),
    callCount: t.integer().notNull(),
    /** Operation that must be executed first (zero: none). */
    predecessor: t.hex().notNull(),
    /** CallSalt (zero when scheduled without a salt). */
    salt: t.hex().notNull(),
    /** Seconds between scheduling and the earliest execution. */
    delay: t.bigint().notNull(),
    /** scheduledAt + delay: executable by anyone from then on. */
    readyAt: t.bigint().notNull(),
    scheduledAt: t.bigint().notNull(),
    scheduledBlock: t.bigint().notNull(),
    scheduledTx: t.hex().notNull(),
    executedAt: t.bigint(),
    executedTx: t.hex(),
    cancelledAt: t.bigint(),
    cancelledTx: t.hex(),
    updatedAt: t.bigint().notNull(),
  }),
  (table) => ({ statusIdx: index().on(table.status), scheduledIdx: index().on(table.scheduledAt) }),
);

/** One call of a timelock operation (CallScheduled / CallExecuted). */
export const timelockCall = onchainTable(
  "timelock_call",
  (t) => ({
    /** `${timelockOperationId}-${index}` */
    id: t.text().primaryKey(),
    timelockOperationId: t.text().notNull(),
    index: t.integer().notNull(),
    target: t.hex().notNull(),
    value: t.bigint().notNull(),
    data: t.hex().notNull(),
    executed: t.boolean().notNull(),
    executedAt: t.bigint(),
  }),
  (table) => ({ operationIdx: index().on(table.timelockOperationId), targetIdx: index().on(table.target) }),
);

// -------------------------------------------------------------------------------------------------
// NRL token
// -------------------------------------------------------------------------------------------------
export const tokenAccount = onchainTable("token_account", (t) => ({
  address: t.hex().primaryKey(),
  balance: t.bigint().notNull(),
  transfersIn: t.integer().notNull(),
  transfersOut: t.integer().notNull(),
  updatedAt: t.bigint().notNull(),
}));

// -------------------------------------------------------------------------------------------------
// Aggregates
// -------------------------------------------------------------------------------------------------
/** Network-wide totals; a single row with id "network". */
export const network = onchainTable("network", (t) => ({
  id: t.text().primaryKey(),
  nodeCount: t.integer().notNull(),
  activeNodes: t.integer().notNull(),
  activeNodesTier0: t.integer().notNull(),
  activeNodesTier1: t.integer().notNull(),
  activeNodesTier2: t.integer().notNull(),
  activeNodesTier3: t.integer().notNull(),
  activeNodesTier4: t.integer().notNull(),
  /** Bonded + unbonding stake of all nodes (the registry's token balance). */
  totalStaked: t.bigint().notNull(),
  totalLocked: t.bigint().notNull(),
  taskCount: t.integer().notNull(),
  openTasks: t.integer().notNull(),
  runningTasks: t.integer().notNull(),
  completedTasks: t.integer().notNull(),
  failedTasks: t.integer().notNull(),
  cancelledTasks: t.integer().notNull(),
  shardCount: t.integer().notNull(),
  shardsFinalized: t.integer().notNull(),
  totalEscrowed: t.bigint().notNull(),
  totalPaid: t.bigint().notNull(),
  totalFees: t.bigint().notNull(),
  feesSwept: t.bigint().notNull(),
  totalRefunded: t.bigint().notNull(),
  slashCount: t.integer().notNull(),
  totalSlashed: t.bigint().notNull(),
  disputeCount: t.integer().notNull(),
  openDisputes: t.integer().notNull(),
  modelCount: t.integer().notNull(),
  verifiedModelVersions: t.integer().notNull(),
  datasetCount: t.integer().notNull(),
  /** Dataset usage fees paid to dataset owners (their protocol cut is in totalFees). */
  datasetFeesPaid: t.bigint().notNull(),
  /** Block time and number of the last change of these totals. */
  updatedAt: t.bigint().notNull(),
  updatedBlock: t.bigint().notNull(),
}));

/** Per UTC day (block time). `activeNodes*` are the values at the end of the day (last change). */
export const dailyStat = onchainTable("daily_stat", (t) => ({
  /** "YYYY-MM-DD" */
  id: t.text().primaryKey(),
  dayStart: t.bigint().notNull(), // unix seconds of 00:00 UTC
  tasksPosted: t.integer().notNull(),
  tasksCompleted: t.integer().notNull(),
  tasksFailed: t.integer().notNull(),
  tasksCancelled: t.integer().notNull(),
  shardsFinalized: t.integer().notNull(),
  shardsFailed: t.integer().notNull(),
  shardsTimedOut: t.integer().notNull(),
  /** Escrow posted. */
  volume: t.bigint().notNull(),
  rewardsPaid: t.bigint().notNull(),
  fees: t.bigint().notNull(),
  refunds: t.bigint().notNull(),
  slashes: t.integer().notNull(),
  slashedAmount: t.bigint().notNull(),
  disputesOpened: t.integer().notNull(),
  disputesResolved: t.integer().notNull(),
  nodesRegistered: t.integer().notNull(),
  modelsPublished: t.integer().notNull(),
  activeNodes: t.integer().notNull(),
  activeNodesTier0: t.integer().notNull(),
  activeNodesTier1: t.integer().notNull(),
  activeNodesTier2: t.integer().notNull(),
  activeNodesTier3: t.integer().notNull(),
  activeNodesTier4: t.integer().notNull(),
}));

// -------------------------------------------------------------------------------------------------
// Relations (GraphQL nested fields)
// -------------------------------------------------------------------------------------------------
export const nodeRelations = relations(node, ({ many }) => ({
  stakeEvents: many(stakeEvent),
  tierChanges: many(tierChange),
  assignments: many(assignment),
  votes: many(disputeVote),
}));

export const stakeEventRelations = relations(stakeEvent, ({ one }) => ({
  node: one(node, { fields: [stakeEvent.nodeId], references: [node.id] }),
}));

export const tierChangeRelations = relations(tierChange, ({ one }) => ({
  node: one(node, { fields: [tierChange.nodeId], references: [node.id] }),
}));

export const taskRelations = relations(task, ({ one, many }) => ({
  shards: many(shard),
  assignments: many(assignment),
  disputes: many(dispute),
  challengeCommits: many(challengeCommit),
  events: many(protocolEvent),
  /** The dataset it trains on (null: none). */
  dataset: one(dataset, { fields: [task.datasetId], references: [dataset.id] }),
  /** The dataset version it trains on (datasetId, datasetVersion). */
  trainingData: one(datasetVersion, {
    fields: [task.datasetId, task.datasetVersion],
    references: [datasetVersion.datasetId, datasetVersion.version],
  }),
  datasetUsagePayments: many(datasetUsagePayment),
  /** Model versions whose source task (provenance) is this task. */
  trainedModels: many(modelVersion),
}));

export const shardRelations = relations(shard, ({ one, many }) => ({
  task: one(task, { fields: [shard.taskId], references: [task.id] }),
  node: one(node, { fields: [shard.nodeId], references: [node.id] }),
  auditor: one(node, { fields: [shard.auditorNodeId], references: [node.id] }),
  dispute: one(dispute, { fields: [shard.disputeId], references: [dispute.id] }),
  assignments: many(assignment),
  checkpoints: many(checkpoint),
  challengeCommits: many(challengeCommit),
}));

export const assignmentRelations = relations(assignment, ({ one, many }) => ({
  task: one(task, { fields: [assignment.taskId], references: [task.id] }),
  shard: one(shard, {
    fields: [assignment.taskId, assignment.shardIndex],
    references: [shard.taskId, shard.shardIndex],
  }),
  node: one(node, { fields: [assignment.nodeId], references: [node.id] }),
  checkpoints: many(checkpoint),
}));

export const checkpointRelations = relations(checkpoint, ({ one }) => ({
  shard: one(shard, {
    fields: [checkpoint.taskId, checkpoint.shardIndex],
    references: [shard.taskId, shard.shardIndex],
  }),
  assignment: one(assignment, { fields: [checkpoint.assignmentId], references: [assignment.id] }),
}));

export const challengeCommitRelations = relations(challengeCommit, ({ one }) => ({
  task: one(task, { fields: [challengeCommit.taskId], references: [task.id] }),
  shard: one(shard, {
    fields: [challengeCommit.taskId, challengeCommit.shardIndex],
    references: [shard.taskId, shard.shardIndex],
  }),
  dispute: one(dispute, { fields: [challengeCommit.disputeId], references: [dispute.id] }),
}));

export const disputeRelations = relations(dispute, ({ one, many }) => ({
  task: one(task, { fields: [dispute.taskId], references: [task.id] }),
  shard: one(shard, {
    fields: [dispute.taskId, dispute.shardIndex],
    references: [shard.taskId, shard.shardIndex],
  }),
  submitter: one(node, { fields: [dispute.submitterNodeId], references: [node.id] }),
  commit: one(challengeCommit, { fields: [dispute.commitId], references: [challengeCommit.id] }),
  votes: many(disputeVote),
  payouts: many(disputePayout),
}));

export const disputeVoteRelations = relations(disputeVote, ({ one }) => ({
  dispute: one(dispute, { fields: [disputeVote.disputeId], references: [dispute.id] }),
  node: one(node, { fields: [disputeVote.nodeId], references: [node.id] }),
}));

export const disputePayoutRelations = relations(disputePayout, ({ one }) => ({
  dispute: one(dispute, { fields: [disputePayout.disputeId], references: [dispute.id] }),
}));

export const modelRelations = relations(model, ({ one, many }) => ({
  parent: one(model, { fields: [model.parentModelId], references: [model.id], relationName: "lineage" }),
  children: many(model, { relationName: "lineage" }),
  versions: many(modelVersion),
  tips: many(modelTip),
  starsBy: many(modelStar),
}));

export const modelVersionRelations = relations(modelVersion, ({ one }) => ({
  model: one(model, { fields: [modelVersion.modelId], references: [model.id] }),
  sourceTask: one(task, { fields: [modelVersion.sourceTaskId], references: [task.id] }),
}));

export const modelStarRelations = relations(modelStar, ({ one }) => ({
  model: one(model, { fields: [modelStar.modelId], references: [model.id] }),
}));

export const modelTipRelations = relations(modelTip, ({ one }) => ({
  model: one(model, { fields: [modelTip.modelId], references: [model.id] }),
}));

export const datasetRelations = relations(dataset, ({ many }) => ({
  versions: many(datasetVersion),
  tasks: many(task),
  starsBy: many(datasetStar),
  reportsBy: many(datasetReport),
  usagePayments: many(datasetUsagePayment),
  events: many(protocolEvent),
}));

export const datasetVersionRelations = relations(datasetVersion, ({ one, many }) => ({
  dataset: one(dataset, { fields: [datasetVersion.datasetId], references: [dataset.id] }),
  tasks: many(task),
  reportsBy: many(datasetReport),
  usagePayments: many(datasetUsagePayment),
}));

export const datasetStarRelations = relations(datasetStar, ({ one }) => ({
  dataset: one(dataset, { fields: [datasetStar.datasetId], references: [dataset.id] }),
}));

export const datasetReportRelations = relations(datasetReport, ({ one }) => ({
  dataset: one(dataset, { fields: [datasetReport.datasetId], references: [dataset.id] }),
  datasetVersion: one(datasetVersion, {
    fields: [datasetReport.datasetId, datasetReport.version],
    references: [datasetVersion.datasetId, datasetVersion.version],
  }),
}));

export const datasetUsagePaymentRelations = relations(datasetUsagePayment, ({ one }) => ({
  dataset: one(dataset, { fields: [datasetUsagePayment.datasetId], references: [dataset.id] }),
  datasetVersion: one(datasetVersion, {
    fields: [datasetUsagePayment.datasetId, datasetUsagePayment.version],
    references: [datasetVersion.datasetId, datasetVersion.version],
  }),
  task: one(task, { fields: [datasetUsagePayment.taskId], references: [task.id] }),
}));

export const timelockOperationRelations = relations(timelockOperation, ({ many }) => ({
  calls: many(timelockCall),
}));

export const timelockCallRelations = relations(timelockCall, ({ one }) => ({
  operation: one(timelockOperation, {
    fields: [timelockCall.timelockOperationId],
    references: [timelockOperation.id],
  }),
}));

export const protocolEventRelations = relations(protocolEvent, ({ one }) => ({
  task: one(task, { fields: [protocolEvent.taskId], references: [task.id] }),
  dataset: one(dataset, { fields: [protocolEvent.datasetId], references: [dataset.id] }),
}));
