// TaskManagerExtension: TaskManager's DELEGATECALL extension. What it does for TaskManager is emitted with
// TaskManager's address (src/TaskManager.ts); at its own address it emits only its AccessControl setup.
import { taskManagerExtensionAbi } from "./lib/abis.js";
import { registerGeneric } from "./lib/governance.js";

registerGeneric("TaskManagerExtension", taskManagerExtensionAbi, [], { rolesOnly: true });
