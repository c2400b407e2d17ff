#!/usr/bin/env node
// `npm run seed`: fills the running devnet (npm run devnet; NEURAL_DEVNET=<name> for one started with --name)
// with nodes, tasks, finalized shards, models and a dispute (scripts/devnet/seed.mjs). Run it once per devnet
// start; `npm run devnet -- --seed` does the same as the devnet's last step.
import { requireNode } from "./lib/node-version.mjs";

requireNode("npm run seed");
const { readRunningState } = await import("./devnet/instance.mjs");
const { seedNetwork, summary } = await import("./devnet/seed.mjs");

const name = process.env.NEURAL_DEVNET || "default";
const state = readRunningState(name);
if (!state) {
  console.error(
    `[seed] no devnet "${name}" is running: start one with npm run devnet (or npm run devnet -- --seed)`,
  );
  process.exit(1);
}
try {
  const result = await seedNetwork({
    rpcUrl: state.rpcUrl,
    deploymentFile: state.deploymentFile,
    accounts: state.accounts,
    log: (line) => console.log(`[${line.replace(/^seed: /, "seed] ")}`),
  });
  console.log(`[seed] done: ${summary(result)}`);
  if (state.graphqlUrl) console.log(`[seed] look at it: ${state.graphqlUrl} (GraphiQL in a browser)`);
} catch (err) {
  console.error(`[seed] ${(err.shortMessage ?? err.message.split("\n")[0]).replace(/^seed: /, "")}`);
  process.exit(1);
}
