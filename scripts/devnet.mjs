#!/usr/bin/env node
// `npm run devnet`: a local Neural network as one instance of services (scripts/devnet/services.mjs):
// the build (forge + the SDK's ABIs), anvil with every contract deployed and dev accounts 1..5 funded with
// 100,000 NRL each, the Ponder indexer serving GraphQL / SQL / REST, the keeper with its Redis, and on request a
// seeded network.
// Runs until Ctrl-C. State, lock and the full log: .devnet/<name>/ (scripts/devnet/instance.mjs).
//
//   npm run devnet -- [--port 8545] [--indexer-port 42069] [--host 127.0.0.1] [--name default]
//                     [--no-indexer] [--no-keeper | --keeper] [--keeper-port 8788] [--redis-port N]
//                     [--seed] [--once]
//   the keeper (scheduling, liveness pings, finalization) starts by default when redis-server is installed, with
//   a private redis-server on a free port (--redis-port picks one); --no-keeper leaves both out, --keeper fails
//   when redis-server is missing
//   --name: a second instance beside the first, with its own state folder and ports
//   --once: start, print the tables and stop (a smoke test)
//   env: NEURAL_DEVNET_PORT, NEURAL_DEVNET_DIR (the state root, default .devnet), DATABASE_URL (indexer on
//        PostgreSQL), and the deploy script's NEURAL_GOVERNOR, NEURAL_KEEPER, NEURAL_TREASURY,
//        NEURAL_CHALLENGE_WINDOW, NEURAL_COMMIT_PERIOD, NEURAL_REVEAL_PERIOD, NEURAL_UNBONDING_PERIOD
import { requireNode } from "./lib/node-version.mjs";

requireNode("npm run devnet");
const { main } = await import("./devnet/cli.mjs");
try {
  const code = await main();
  if (code !== null) process.exit(code);
} catch (err) {
  console.error(`[devnet] ${err.message}`);
  process.exit(1);
}
