// tier:set / tierfee:set / tier:get: node tier thresholds (NodeRegistry) and protocol fees per tier (TaskManager).
import { ethers } from "ethers";
import { task } from "hardhat/config";
import { contract, fail, parseTier, parseUint, send, signer, TIERS, userErrors } from "../lib/neural";

const GRADED = TIERS.slice(1); // thresholds exist for Bronze..Platinum only

task("tier:set", "Sets the thresholds of one tier on NodeRegistry (GOVERNOR_ROLE)")
  .addParam("tier", `One of ${GRADED.join(", ")}`)
  .addParam("minStake", "Minimum bonded stake: wei, or an amount like 1000nrl")
  .addParam("minCompleted", "Minimum completed shards")
  .addParam("minSuccessBps", "Minimum success rate in basis points (0..10000)")
  .addOptionalParam(
    "minFeesPaid",
    "Minimum protocol fees the node's finalized shards paid: wei, or an amount like 10nrl (default: unchanged)",
  )
  .addOptionalParam("from", "Sender (default: the network's first account)")
  .setAction(
    userErrors(
      async (
        args: {
          tier: string;
          minStake: string;
          minCompleted: string;
          minSuccessBps: string;
          minFeesPaid?: string;
          from?: string;
        },
        hre,
      ) => {
        const tier = parseTier(args.tier, GRADED);
        const minStake = parseUint("min-stake", args.minStake);
        const minCompleted = parseUint("min-completed", args.minCompleted);
        const minSuccessBps = parseUint("min-success-bps", args.minSuccessBps);
        if (minStake.gt(ethers.BigNumber.from(2).pow(128).sub(1)))
          fail("--min-stake does not fit in uint128");
        if (minCompleted.gt(0xffffffff)) fail("--min-completed does not fit in uint32");
        if (minSuccessBps.gt(10_000)) fail("--min-success-bps must be at most 10000");
        const registry = await contract(hre, "NodeRegistry", await signer(hre, args.from));
        const minFeesPaid =
          args.minFeesPaid === undefined
            ? (await registry.tierThreshold(tier)).minFeesPaid
            : parseUint("min-fees-paid", args.minFeesPaid);
        if (minFeesPaid.gt(ethers.BigNumber.from(2).pow(128).sub(1)))
          fail("--min-fees-paid does not fit in uint128");
        const threshold = {
          minStake,
          minCompleted: minCompleted.toNumber(),
          minSuccessBps: minSuccessBps.toNumber(),
          minFeesPaid,
        };
        const receipt = await send(registry, "setTierThreshold", [tier, threshold]);
        const t = await registry.tierThreshold(tier);
        console.log(
          `NodeRegistry tier ${TIERS[tier]}: minStake ${ethers.utils.formatEther(t.minStake)} NRL, ` +
            `minCompleted ${t.minCompleted}, minSuccessBps ${t.minSuccessBps}, ` +
            `minFeesPaid ${ethers.utils.formatEther(t.minFeesPaid)} NRL  (tx ${receipt.transactionHash})`,
        );
      },
    ),
  );

task("tierfee:set", "Sets the protocol fee of one node tier on TaskManager (GOVERNOR_ROLE)")
  .addParam("tier", `One of ${TIERS.join(", ")}`)
  .addParam("bps", "Fee in basis points of the shard's price (at most 3000)")
  .addOptionalParam("from", "Sender (default: the network's first account)")
  .setAction(
    userErrors(async (args: { tier: string; bps: string; from?: string }, hre) => {
      const tier = parseTier(args.tier);
      const bps = parseUint("bps", args.bps);
      if (bps.gt(3000)) fail("--bps must be at most 3000 (docs/protocol.md)");
      const tasks = await contract(hre, "TaskManager", await signer(hre, args.from));
      const old = await tasks.tierFeeBps(tier);
      const receipt = await send(tasks, "setTierFee", [tier, bps.toNumber()]);
      const now = await tasks.tierFeeBps(tier);
      console.log(
        `TaskManager fee of tier ${TIERS[tier]}: ${old} -> ${now} bps  (tx ${receipt.transactionHash})`,
      );
    }),
  );

task("tier:get", "Prints the tier thresholds and the protocol fee of every tier").setAction(
  userErrors(async (_args, hre) => {
    const registry = await contract(hre, "NodeRegistry");
    const tasks = await contract(hre, "TaskManager");
    for (let tier = 0; tier < TIERS.length; tier++) {
      const fee = await tasks.tierFeeBps(tier);
      if (tier === 0) {
        console.log(`${TIERS[tier]}: fee ${fee} bps`);
        continue;
      }
      const t = await registry.tierThreshold(tier);
      console.log(
        `${TIERS[tier]}: minStake ${ethers.utils.formatEther(t.minStake)} NRL, minCompleted ${t.minCompleted}, ` +
          `minSuccessBps ${t.minSuccessBps}, minFeesPaid ${ethers.utils.formatEther(t.minFeesPaid)} NRL, fee ${fee} bps`,
      );
    }
  }),
);
