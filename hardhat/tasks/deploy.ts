// deploy: runs contracts/script/Deploy.s.sol with forge against the selected network, then writes
// deployments/<chainId>.json from the broadcast (scripts/deployments.mjs).
import { spawnSync } from "node:child_process";
import path from "node:path";
import { task } from "hardhat/config";
import type { HttpNetworkConfig } from "hardhat/types";
import {
  deploymentFile,
  fail,
  foundryBinDir,
  parseAddress,
  parseUint,
  provider,
  repoRoot,
  userErrors,
} from "../lib/neural";

interface DeployArgs {
  governor?: string;
  keeper?: string;
  treasury?: string;
  challengeWindow?: string;
  commitPeriod?: string;
  revealPeriod?: string;
  unbondingPeriod?: string;
  timelockDelay?: string;
  timelockProposer?: string;
}

task("deploy", "Deploys the protocol with the forge script and writes deployments/<chainId>.json")
  .addOptionalParam(
    "governor",
    "GOVERNOR_ROLE holder (default: NEURAL_GOVERNOR, else the timelock the script deploys as admin)",
  )
  .addOptionalParam("keeper", "Keeper (default: NEURAL_KEEPER or the deployer)")
  .addOptionalParam("treasury", "Treasury (default: NEURAL_TREASURY or the deployer)")
  .addOptionalParam("challengeWindow", "TaskManager challengeWindow override, seconds")
  .addOptionalParam("commitPeriod", "DisputeManager commitPeriod override, seconds")
  .addOptionalParam("revealPeriod", "DisputeManager revealPeriod override, seconds")
  .addOptionalParam("unbondingPeriod", "NodeRegistry unbondingPeriod override, seconds")
  .addOptionalParam(
    "timelockDelay",
    "Delay of the admin timelock, seconds (default: NEURAL_TIMELOCK_DELAY or 2 days)",
  )
  .addOptionalParam(
    "timelockProposer",
    "Who may schedule and cancel admin operations (default: NEURAL_TIMELOCK_PROPOSER or the deployer)",
  )
  .setAction(
    userErrors(async (args: DeployArgs, hre) => {
      const net = hre.network.config as Partial<HttpNetworkConfig>;
      if (typeof net.url !== "string") {
        fail(`network "${hre.network.name}" has no RPC url; use --network localhost (NEURAL_RPC_URL)`);
      }
      const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
      const setAddr = (key: string, flag: string, v?: string) => {
        if (v !== undefined) env[key] = parseAddress(flag, v);
      };
      const setUint = (key: string, flag: string, v?: string) => {
        if (v !== undefined) env[key] = parseUint(flag, v).toString();
      };
      setAddr("NEURAL_GOVERNOR", "governor", args.governor);
      setAddr("NEURAL_KEEPER", "keeper", args.keeper);
      setAddr("NEURAL_TREASURY", "treasury", args.treasury);
      setUint("NEURAL_CHALLENGE_WINDOW", "challenge-window", args.challengeWindow);
      setUint("NEURAL_COMMIT_PERIOD", "commit-period", args.commitPeriod);
      setUint("NEURAL_REVEAL_PERIOD", "reveal-period", args.revealPeriod);
      setUint("NEURAL_UNBONDING_PERIOD", "unbonding-period", args.unbondingPeriod);
      setUint("NEURAL_TIMELOCK_DELAY", "timelock-delay", args.timelockDelay);
      setAddr("NEURAL_TIMELOCK_PROPOSER", "timelock-proposer", args.timelockProposer);

      // The network's own key when it has one, else the node's first unlocked account (anvil).
      let who: string[];
      const keys = Array.isArray(net.accounts) ? (net.accounts as string[]) : [];
      if (keys.length && typeof keys[0] === "string") {
        who = ["--private-key", keys[0]];
      } else {
        const accounts = await provider(hre).listAccounts();
        if (!accounts[0]) fail(`network "${hre.network.name}" has no accounts; set NEURAL_PRIVATE_KEY`);
        who = ["--unlocked", "--sender", accounts[0]];
      }

      const forge = path.join(foundryBinDir("forge"), "forge");
      const script = ["script", "contracts/script/Deploy.s.sol:Deploy", "--rpc-url", net.url, "--broadcast"];
      const res = spawnSync(forge, [...script, ...who, "--non-interactive", "--skip", "test"], {
        cwd: repoRoot,
        env,
        stdio: "inherit",
      });
      if (res.status !== 0) fail(`forge script failed (exit ${res.status ?? res.signal})`);

      const { chainId } = await provider(hre).getNetwork();
      const gen = spawnSync(process.execPath, ["scripts/deployments.mjs", "--chain-id", String(chainId)], {
        cwd: repoRoot,
        stdio: "inherit",
      });
      if (gen.status !== 0) fail(`writing the deployment file failed (exit ${gen.status ?? gen.signal})`);
      console.log(`deployment: ${path.relative(repoRoot, deploymentFile(chainId))}`);
    }),
  );
