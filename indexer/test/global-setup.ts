// The indexer imports the contracts' ABIs from @neural/sdk, generated from the forge artifacts.
import { ensureSdkAbis } from "../scripts/start.mjs";

export default async function setup(): Promise<void> {
  await ensureSdkAbis();
}
