// TaskManagerExtension handlers (indexer/src/TaskManagerExtension.ts): TaskManager's DELEGATECALL extension.
// What it does for TaskManager is emitted with TaskManager's address (src/TaskManager.ts); at its own address
// it emits only its AccessControl setup. Its own storage is never used, so only role membership is kept;
// every event is logged.
import {
  AuditAssigned,
  AuditRecorded,
  ParameterSet,
  PingAnswered,
  RoleAdminChanged,
  RoleGranted,
  RoleRevoked,
  ShardAssigned,
  ShardCancelled,
  ShardChallengeCommitted,
  ShardChallenged,
  ShardDisputeCleared,
  ShardFailed,
  ShardPinged,
  ShardReleased,
  ShardRequeued,
  ShardResumeLowered,
  ShardTimedOut,
  TaskCancelled,
  TaskRefunded,
  TaskStatusChanged,
  TierFeeSet,
  TreasurySet,
} from "../generated/TaskManagerExtension/TaskManagerExtension";
import { onRole } from "./governance";
import { links, loadAggregates, logEvent } from "./store";

const C = "TaskManagerExtension";

export function handleAuditAssigned(event: AuditAssigned): void {
  logEvent(event, C, "AuditAssigned", links(), loadAggregates(event));
}

export function handleAuditRecorded(event: AuditRecorded): void {
  logEvent(event, C, "AuditRecorded", links(), loadAggregates(event));
}

export function handleParameterSet(event: ParameterSet): void {
  logEvent(event, C, "ParameterSet", links(), loadAggregates(event));
}

export function handleRoleAdminChanged(event: RoleAdminChanged): void {
  logEvent(event, C, "RoleAdminChanged", links(), loadAggregates(event));
}

export function handleRoleGranted(event: RoleGranted): void {
  const agg = loadAggregates(event);
  onRole(event, C, event.params.role, event.params.account, true);
  logEvent(event, C, "RoleGranted", links(), agg);
}

export function handleRoleRevoked(event: RoleRevoked): void {
  const agg = loadAggregates(event);
  onRole(event, C, event.params.role, event.params.account, false);
  logEvent(event, C, "RoleRevoked", links(), agg);
}

export function handleShardAssigned(event: ShardAssigned): void {
  logEvent(event, C, "ShardAssigned", links(), loadAggregates(event));
}

export function handleShardReleased(event: ShardReleased): void {
  logEvent(event, C, "ShardReleased", links(), loadAggregates(event));
}

export function handleShardPinged(event: ShardPinged): void {
  logEvent(event, C, "ShardPinged", links(), loadAggregates(event));
}

export function handlePingAnswered(event: PingAnswered): void {
  logEvent(event, C, "PingAnswered", links(), loadAggregates(event));
}

export function handleShardTimedOut(event: ShardTimedOut): void {
  logEvent(event, C, "ShardTimedOut", links(), loadAggregates(event));
}

export function handleTaskCancelled(event: TaskCancelled): void {
  logEvent(event, C, "TaskCancelled", links(), loadAggregates(event));
}

export function handleShardCancelled(event: ShardCancelled): void {
  logEvent(event, C, "ShardCancelled", links(), loadAggregates(event));
}

export function handleShardChallengeCommitted(event: ShardChallengeCommitted): void {
  logEvent(event, C, "ShardChallengeCommitted", links(), loadAggregates(event));
}

export function handleShardChallenged(event: ShardChallenged): void {
  logEvent(event, C, "ShardChallenged", links(), loadAggregates(event));
}

export function handleShardDisputeCleared(event: ShardDisputeCleared): void {
  logEvent(event, C, "ShardDisputeCleared", links(), loadAggregates(event));
}

export function handleShardFailed(event: ShardFailed): void {
  logEvent(event, C, "ShardFailed", links(), loadAggregates(event));
}

export function handleShardRequeued(event: ShardRequeued): void {
  logEvent(event, C, "ShardRequeued", links(), loadAggregates(event));
}

export function handleShardResumeLowered(event: ShardResumeLowered): void {
  logEvent(event, C, "ShardResumeLowered", links(), loadAggregates(event));
}

export function handleTaskRefunded(event: TaskRefunded): void {
  logEvent(event, C, "TaskRefunded", links(), loadAggregates(event));
}

export function handleTaskStatusChanged(event: TaskStatusChanged): void {
  logEvent(event, C, "TaskStatusChanged", links(), loadAggregates(event));
}

export function handleTierFeeSet(event: TierFeeSet): void {
  logEvent(event, C, "TierFeeSet", links(), loadAggregates(event));
}

export function handleTreasurySet(event: TreasurySet): void {
  logEvent(event, C, "TreasurySet", links(), loadAggregates(event));
}
