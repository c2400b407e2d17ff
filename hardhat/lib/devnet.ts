// The running devnet as `npm run devnet` describes it in .devnet/<name>/state.json (scripts/devnet/instance.mjs):
// its RPC URL, deployment file and indexer URL, so the tasks follow the ports the devnet was started with.
// NEURAL_DEVNET picks an instance started with --name (default "default"); NEURAL_DEVNET_DIR moves the root.
import { readFileSync } from "node:fs";
import path from "node:path";

export interface DevnetState {
  name: string;
  pid: number;
  rpcUrl: string;
  chainId: number;
  deploymentFile: string;
  indexerUrl: string | null;
  graphqlUrl: string | null;
  logFile: string;
}

const repoRoot = path.resolve(__dirname, "..", "..");

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The state of the running devnet instance, or undefined when none runs. */
export function runningDevnet(env: NodeJS.ProcessEnv = process.env): DevnetState | undefined {
  const root = env.NEURAL_DEVNET_DIR ? path.resolve(env.NEURAL_DEVNET_DIR) : path.join(repoRoot, ".devnet");
  const file = path.join(root, env.NEURAL_DEVNET || "default", "state.json");
  try {
    const state = JSON.parse(readFileSync(file, "utf8")) as DevnetState;
    return Number.isInteger(state.pid) && alive(state.pid) ? state : undefined;
  } catch {
    return undefined;
  }
}
