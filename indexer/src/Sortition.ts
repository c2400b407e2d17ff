// Sortition: stake-weighted committee and audit draws. Its own events are governance (randomness source,
// parameters, roles); the audits it draws are recorded by TaskManager (AuditAssigned).
import { sortitionAbi } from "./lib/abis.js";
import { registerGeneric } from "./lib/governance.js";

registerGeneric("Sortition", sortitionAbi, []);
