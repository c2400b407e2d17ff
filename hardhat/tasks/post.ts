// task:post: posts a training task from a funded account (approve + postTask) and prints how to find it in
// the indexer's GraphQL. For trying the devnet by hand: `npx hardhat task:post --shards 2 --reward 5nrl`.
import { readFileSync } from "node:fs";
import { ethers } from "ethers";
import { task } from "hardhat/config";
import { runningDevnet } from "../lib/devnet";
import {
  contract,
  decodeError,
  fail,
  networkUrl,
  parseTier,
  parseUint,
  send,
  signer,
  TIERS,
  userErrors,
} from "../lib/neural";

/** A version-1 task spec (docs/cids.md): the CID is the sha2-256 digest of these exact bytes. */
const DEMO_SPEC = JSON.stringify({
  version: 1,
  name: "devnet demo",
  image: "ghcr.io/neural/reference-trainer:latest",
  dataset: "synthetic",
  steps: 100,
  checkpointEvery: 10,
});

task("task:post", "Posts a training task (approves the escrow first) and prints its id")
  .addOptionalParam("shards", "Number of shards", "1")
  .addOptionalParam("reward", "Reward per shard: wei, or an amount like 5nrl", "1nrl")
  .addOptionalParam("minTier", `Lowest node tier allowed: one of ${TIERS.join(", ")}`, "Bronze")
  .addOptionalParam("maxDuration", "Seconds a node has per attempt", "3600")
  .addOptionalParam("auditBps", "Share of shards re-executed by a verifier, in basis points", "0")
  .addOptionalParam("gpus", "GPUs per shard", "1")
  .addOptionalParam("vram", "GPU memory per shard, MiB", "8192")
  .addOptionalParam("cpus", "CPU cores per shard", "4")
  .addOptionalParam("memory", "Memory per shard, MiB", "16384")
  .addOptionalParam(
    "dataset",
    "DatasetRegistry dataset id to train on (its usage fee is escrowed per shard)",
    "0",
  )
  .addOptionalParam("datasetVersion", "Version of --dataset (default 1 when --dataset is given)")
  .addOptionalParam("specFile", "Task spec file; its sha2-256 digest is the spec CID (default: a demo spec)")
  .addOptionalParam("from", "Sender (default: the network's first account)")
  .setAction(
    userErrors(
      async (
        args: {
          shards: string;
          reward: string;
          minTier: string;
          maxDuration: string;
          auditBps: string;
          gpus: string;
          vram: string;
          cpus: string;
          memory: string;
          dataset: string;
          datasetVersion?: string;
          specFile?: string;
          from?: string;
        },
        hre,
      ) => {
        const bounded = (flag: string, value: string, max: number) => {
          const n = parseUint(flag, value);
          if (n.gt(max)) fail(`--${flag} must be at most ${max}`);
          return n.toNumber();
        };
        const shardCount = bounded("shards", args.shards, 0xffffffff);
        if (shardCount === 0) fail("--shards must be at least 1");
        const maxPricePerShard = parseUint("reward", args.reward);
        if (maxPricePerShard.isZero()) fail("--reward must be more than 0");
        let spec: Buffer;
        if (args.specFile) {
          try {
            spec = readFileSync(args.specFile);
          } catch (err) {
            fail(`--spec-file ${args.specFile}: ${(err as Error).message}`);
          }
        } else {
          spec = Buffer.from(DEMO_SPEC);
        }
        const params = {
          specCid: ethers.utils.sha256(spec),
          shardCount,
          maxPricePerShard,
          minTier: parseTier(args.minTier),
          resources: {
            gpus: bounded("gpus", args.gpus, 0xffff),
            vramMiB: bounded("vram", args.vram, 0xffffffff),
            cpus: bounded("cpus", args.cpus, 0xffff),
            memoryMiB: bounded("memory", args.memory, 0xffffffff),
          },
          maxDuration: bounded("max-duration", args.maxDuration, 0xffffffff),
          auditRateBps: bounded("audit-bps", args.auditBps, 10_000),
          datasetId: parseUint("dataset", args.dataset),
          datasetVersion: 0,
        };
        if (!params.datasetId.isZero())
          params.datasetVersion = bounded("dataset-version", args.datasetVersion ?? "1", 0xffffffff);
        else if (args.datasetVersion !== undefined) fail("--dataset-version needs --dataset <id>");

        const from = await signer(hre, args.from);
        const tasks = await contract(hre, "TaskManager", from);
        const token = await contract(hre, "NeuralToken", from);
        const address = await from.getAddress();
        let escrow: ethers.BigNumber;
        try {
          escrow = await tasks.quoteEscrow(params);
        } catch (err) {
          const datasets = await contract(hre, "DatasetRegistry", from);
          fail(`TaskManager refuses this task: ${decodeError(tasks, err, datasets)}`);
        }
        const balance: ethers.BigNumber = await token.balanceOf(address);
        if (balance.lt(escrow)) {
          fail(
            `${address} holds ${ethers.utils.formatEther(balance)} NRL; the task escrows ` +
              `${ethers.utils.formatEther(escrow)} NRL. Use a funded account (--from; npm run devnet funds ` +
              "dev accounts #1-#5) or a smaller --reward / --shards",
          );
        }
        if ((await token.allowance(address, tasks.address)).lt(escrow)) {
          await send(token, "approve", [tasks.address, escrow]);
        }
        const receipt = await send(tasks, "postTask", [params]);
        const posted = receipt.logs
          .map((log) => {
            try {
              return tasks.interface.parseLog(log);
            } catch {
              return undefined;
            }
          })
          .find((e) => e?.name === "TaskPosted");
        if (!posted) fail(`postTask succeeded in ${receipt.transactionHash} but emitted no TaskPosted`);
        const taskId = posted.args.taskId.toString();
        console.log(
          `Task ${taskId} posted by ${address}: ${shardCount} shard(s) of ` +
            `${ethers.utils.formatEther(maxPricePerShard)} NRL, escrow ${ethers.utils.formatEther(escrow)} NRL, ` +
            `block ${receipt.blockNumber} (tx ${receipt.transactionHash})`,
        );
        const devnet = runningDevnet();
        const graphql =
          devnet?.graphqlUrl && devnet.rpcUrl === networkUrl(hre) ? devnet.graphqlUrl : undefined;
        if (graphql) {
          console.log(
            `In GraphQL (the devnet's indexer):\n  curl -s ${graphql} -H 'content-type: application/json' \\\n` +
              `    -d '{"query":"{ task(id: \\"${taskId}\\") { id status shardCount escrow specCidStr } }"}'`,
          );
        } else {
          console.log(
            "No devnet indexer serves this chain (npm run devnet starts one): look it up there by id.",
          );
        }
      },
    ),
  );
