// ABIs generated from the forge artifacts by `npm run generate` (wagmi.config.ts). Never edit by hand.
export {
  abiSources,
  disputeManagerAbi,
  modelRegistryAbi,
  neuralTokenAbi,
  nodeRegistryAbi,
  prevrandaoRandomnessAbi,
  taskManagerAbi,
} from "../generated/abis.js";
