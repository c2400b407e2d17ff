// Entity ids. Pure: shared by the AssemblyScript mappings and the Vitest tests (see README.md here).

/** Left-pads a decimal string with zeros to `width` characters (longer strings are returned as they are). */
export function padDecimal(value: string, width: i32): string {
  let out = value;
  while (out.length < width) out = "0" + out;
  return out;
}

/**
 * Id of the entity one event writes: "<block number, 16 digits>-<log index in the block, 8 digits>".
 * Sorts in chain order (as Ponder's event ids do). `blockNumber` and `logIndex` are decimal strings.
 */
export function eventId(blockNumber: string, logIndex: string): string {
  return padDecimal(blockNumber, 16) + "-" + padDecimal(logIndex, 8);
}

/** Id of the `sub`-th extra row one event writes (0 is the event id itself), as Ponder's `${id}-${sub}`. */
export function subEventId(id: string, sub: i32): string {
  if (sub == 0) return id;
  return id + "-" + sub.toString();
}

/** Shard: "<taskId>-<shardIndex>" (Ponder's primary key (taskId, shardIndex)). */
export function shardId(taskId: string, shardIndex: i32): string {
  return taskId + "-" + shardIndex.toString();
}

/** Assignment: "<taskId>-<shardIndex>-<seq>", the same id Ponder uses. */
export function assignmentId(taskId: string, shardIndex: i32, seq: i32): string {
  return taskId + "-" + shardIndex.toString() + "-" + seq.toString();
}

/** DisputeVote: "<disputeId>-<round>-<nodeId>", the same id Ponder uses. */
/** Checkpoint id: "<taskId>-<shardIndex>-<epoch>-<index>". */
export function checkpointId(taskId: string, shardIndex: i32, epoch: i32, index: i32): string {
  return taskId + "-" + shardIndex.toString() + "-" + epoch.toString() + "-" + index.toString();
}

export function voteId(disputeId: string, round: i32, nodeId: string): string {
  return disputeId + "-" + round.toString() + "-" + nodeId;
}

/** ModelVersion: "<modelId>-<version>" (Ponder's primary key (modelId, version)). */
export function modelVersionId(modelId: string, version: i32): string {
  return modelId + "-" + version.toString();
}

/** DatasetVersion: "<datasetId>-<version>" (Ponder's primary key (datasetId, version)). */
export function datasetVersionId(datasetId: string, version: i32): string {
  return datasetId + "-" + version.toString();
}

/** Two-column keys: ModelStar (modelId, user), DatasetStar (datasetId, user), ProtocolParameter and GovernedAddress (contract, name). */
export function pairId(a: string, b: string): string {
  return a + "-" + b;
}

/** RoleMember: "<contract>-<role>-<account>" (Ponder's primary key (contract, role, account)). */
export function roleMemberId(contract: string, role: string, account: string): string {
  return contract + "-" + role + "-" + account;
}

/** The single Network entity. */
export const NETWORK_ID = "network";
