// The contracts' ABIs come from the shared SDK (generated from the forge artifacts by @wagmi/cli).
export {
  disputeManagerAbi,
  modelRegistryAbi,
  neuralTokenAbi,
  nodeRegistryAbi,
  taskManagerAbi,
} from "@neural/sdk";
