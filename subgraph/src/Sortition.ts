// Sortition handlers (indexer/src/Sortition.ts): stake-weighted committee and audit draws. Its own events are
// governance (randomness source, parameters, roles); the audits it draws are recorded by TaskManager.
import {
  ParameterSet,
  RandomnessSourceSet,
  RoleAdminChanged,
  RoleGranted,
  RoleRevoked,
} from "../generated/Sortition/Sortition";
import { onAddressSet, onParameterSet, onRole } from "./governance";
import { links, loadAggregates, logEvent } from "./store";

const C = "Sortition";

export function handleRandomnessSourceSet(event: RandomnessSourceSet): void {
  const agg = loadAggregates(event);
  onAddressSet(event, C, "randomness", event.params.oldSource, event.params.newSource);
  logEvent(event, C, "RandomnessSourceSet", links(), agg);
}

export function handleParameterSet(event: ParameterSet): void {
  const p = event.params;
  const agg = loadAggregates(event);
  onParameterSet(event, C, p.name, p.oldValue, p.newValue);
  logEvent(event, C, "ParameterSet", links(), agg);
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

export function handleRoleAdminChanged(event: RoleAdminChanged): void {
  logEvent(event, C, "RoleAdminChanged", links(), loadAggregates(event));
}
