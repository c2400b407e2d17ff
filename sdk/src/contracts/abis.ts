// ABIs generated from the forge artifacts by `npm run generate` (wagmi.config.ts). Never edit by hand.
export {
  abiSources,
  blockhashRandomnessAbi,
  datasetRegistryAbi,
  disputeManagerAbi,
  modelRegistryAbi,
  neuralTimelockAbi,
  neuralTokenAbi,
  nodeRegistryAbi,
  sortitionAbi,
  taskManagerAbi,
  taskManagerExtensionAbi,
} from "../generated/abis.js";
