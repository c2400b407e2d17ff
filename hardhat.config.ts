// Hardhat 2 drives forge (@foundry-rs/hardhat-forge): `npx hardhat compile` runs `forge build`, `npx hardhat test`
// runs `forge test` (the plugin ignores forge's exit code: CI calls forge directly, see scripts/test.mjs).
// Operator tasks (hardhat/tasks): deploy, params:get, params:set, roles:grant, roles:revoke, roles:check,
// tier:set, tier:get, tierfee:set, task:post. They read addresses from the deployment file and ABIs from forge's
// artifacts. Network: `localhost` (the default) = NEURAL_RPC_URL, else the running devnet's RPC
// (.devnet/<name>/state.json, written by `npm run devnet` with the ports it was given; NEURAL_DEVNET=<name>
// picks an instance started with --name), else http://127.0.0.1:8545. Signing with NEURAL_PRIVATE_KEY when
// set, else with the node's unlocked accounts (anvil's dev accounts).
// The project is ESM ("type": "module"); tsconfig.json's ts-node moduleTypes load these files as CommonJS.
import path from "node:path";
import "@foundry-rs/hardhat-forge";
import type { HardhatUserConfig } from "hardhat/config";
import { runningDevnet } from "./hardhat/lib/devnet";
import { foundryBinDir } from "./hardhat/lib/neural";
import { quietUsageErrors } from "./hardhat/lib/quiet-errors";
import "./hardhat/tasks/deploy";
import "./hardhat/tasks/params";
import "./hardhat/tasks/post";
import "./hardhat/tasks/roles";
import "./hardhat/tasks/tiers";

// The plugin looks `forge` up on PATH: put the native binary npm installed first (never node_modules/.bin).
process.env.PATH = `${foundryBinDir("forge")}${path.delimiter}${process.env.PATH ?? ""}`;

quietUsageErrors();

const privateKey = process.env.NEURAL_PRIVATE_KEY;

const config: HardhatUserConfig = {
  // Only to quiet hardhat: forge compiles, with the solc of foundry.toml.
  solidity: "0.8.30",
  defaultNetwork: "localhost",
  networks: {
    localhost: {
      url: process.env.NEURAL_RPC_URL ?? runningDevnet()?.rpcUrl ?? "http://127.0.0.1:8545",
      accounts: privateKey ? [privateKey] : "remote",
    },
  },
  paths: {
    root: __dirname,
    sources: "contracts/src",
    tests: "contracts/test",
    cache: "contracts/cache/hardhat",
    artifacts: "contracts/out",
  },
  // forge reads foundry.toml; these are passed as `forge build` flags.
  foundry: { offline: true, writeArtifacts: false },
};

export default config;
