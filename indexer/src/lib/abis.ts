// The contracts' ABIs come from the shared SDK (generated from the forge artifacts by @wagmi/cli).
// TaskManagerExtension runs inside TaskManager by DELEGATECALL (its events there carry TaskManager's address
// and are decoded with TaskManager's ABI); it is indexed for what it emits at its own address (roles).
// NeuralTimelock is OpenZeppelin's TimelockController: the admin (DEFAULT_ADMIN_ROLE) of the governed contracts.
// DatasetRegistry holds the dataset library; the TaskManager emits the usage of its datasets (TaskUsesDataset,
// DatasetUsagePaid).
export {
  datasetRegistryAbi,
  disputeManagerAbi,
  modelRegistryAbi,
  neuralTimelockAbi,
  neuralTokenAbi,
  nodeRegistryAbi,
  sortitionAbi,
  taskManagerAbi,
  taskManagerExtensionAbi,
} from "@neural/sdk";
