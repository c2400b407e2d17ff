// The contracts' ABIs, in the SDK's naming. Interim: generated from forge artifacts by scripts/gen-abis.mjs
// until @neural/sdk is available.
export {
  disputeManagerAbi,
  modelRegistryAbi,
  neuralTokenAbi,
  nodeRegistryAbi,
  taskManagerAbi,
} from "../../generated/abis.js";
