// Fills a running devnet with a small, realistic network for a dashboard: six nodes of different hardware,
// tasks in every state (open, running, submitted, finalized, cancelled), finalized shards paid out, models
// with verified provenance, versions, stars and a tip, and a dispute decided by committee votes.
//
// Every step is a transaction against the deployed contracts (viem, ABIs from forge's artifacts, addresses
// from the deployment file). Inputs are built by the ABI's parameter names, so a changed signature fails with
// a line naming it instead of a wrong call; the dispute (committed, then revealed, then voted) is seeded last,
// and skipped with a note when it cannot be.
import { createHash } from "node:crypto";
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  createPublicClient,
  createWalletClient,
  decodeEventLog,
  http,
  keccak256,
  parseEther,
  stringToHex,
  toHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { repoRoot } from "../lib/tools.mjs";

const ZERO32 = `0x${"0".repeat(64)}`;
const cid = (label) => keccak256(stringToHex(label));
const bytes32 = (text) => stringToHex(text, { size: 32 });
const bytes16 = (text) => stringToHex(text, { size: 16 });

function artifactAbi(name) {
  const file = join(repoRoot, "contracts", "out", `${name}.sol`, `${name}.json`);
  return JSON.parse(readFileSync(file, "utf8")).abi;
}

/** Arguments of `fn` by input name from `values`; fails naming an input it has no value for. */
function argsByName(abi, fn, values) {
  const item = abi.find((x) => x.type === "function" && x.name === fn);
  if (!item) throw new Error(`seed: the ABI has no ${fn}(); update scripts/devnet/seed.mjs`);
  return item.inputs.map((input) => {
    if (!(input.name in values)) {
      throw new Error(
        `seed: ${fn}() takes "${input.name}" (${input.type}), which the seed does not know; update scripts/devnet/seed.mjs`,
      );
    }
    return values[input.name];
  });
}

/**
 * A result's checkpoints `{ step, hash }` in order (the last one is the final weights) and their Merkle tree as
 * the contracts compute it: leaves (index, step, sha256) in checkpoint order, not sorted.
 */
async function checkpointTree(label, count) {
  const { StandardMerkleTree } = await import("@openzeppelin/merkle-tree");
  const checkpoints = [];
  for (let i = 0; i < count; i++) {
    checkpoints.push({
      step: BigInt((i + 1) * 100),
      hash: `0x${createHash("sha256").update(`${label}/ckpt/${i}`).digest("hex")}`,
    });
  }
  const tree = StandardMerkleTree.of(
    checkpoints.map((c, i) => [BigInt(i), c.step, c.hash]),
    ["uint256", "uint256", "bytes32"],
    { sortLeaves: false },
  );
  /** The final-weights leaf with its proof, as ModelRegistry verifies it. */
  const weights = () => ({
    step: checkpoints[count - 1].step,
    hash: checkpoints[count - 1].hash,
    proof: tree.getProof(count - 1),
  });
  return { checkpoints, tree, weights };
}

/**
 * @param {object} o
 * @param {string} o.rpcUrl
 * @param {string} o.deploymentFile
 * @param {{address: string, privateKey: string}[]} o.accounts anvil's dev accounts (0 = deployer, keeper, governor)
 * @param {(line: string) => void} [o.log]
 * @returns {Promise<{nodes: number, tasks: number, finalizedShards: number, models: number, datasets: number, disputes: number, notes: string[]}>}
 */
export async function seedNetwork({ rpcUrl, deploymentFile, accounts, log = () => {} }) {
  const deployment = JSON.parse(readFileSync(deploymentFile, "utf8"));
  const at = (name) => deployment.contracts[name].address;
  const abi = {
    token: artifactAbi("NeuralToken"),
    registry: artifactAbi("NodeRegistry"),
    tasks: artifactAbi("TaskManager"),
    disputes: artifactAbi("DisputeManager"),
    models: artifactAbi("ModelRegistry"),
    datasets: artifactAbi("DatasetRegistry"),
  };
  const chain = {
    id: deployment.chainId,
    name: "neural-devnet",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  };
  const pub = createPublicClient({ chain, transport: http(rpcUrl) });
  const wallets = accounts.map((a) =>
    createWalletClient({ chain, transport: http(rpcUrl), account: privateKeyToAccount(a.privateKey) }),
  );
  if (wallets.length < 10) throw new Error("seed: needs anvil's 10 dev accounts");
  const rpc = (method, params = []) =>
    fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    }).then((r) => r.json());
  const increaseTime = async (seconds) => {
    await rpc("evm_increaseTime", [seconds]);
    await rpc("evm_mine");
  };

  const read = (address, contractAbi, functionName, args = []) =>
    pub.readContract({ address, abi: contractAbi, functionName, args });
  const send = async (from, address, contractAbi, functionName, args, gas) => {
    let request;
    try {
      ({ request } = await pub.simulateContract({
        account: wallets[from].account,
        address,
        abi: contractAbi,
        functionName,
        args,
        gas,
      }));
    } catch (err) {
      const data = err.walk?.((e) => e.data?.errorName)?.data;
      const why = data
        ? `${data.errorName}(${(data.args ?? []).join(", ")})`
        : (err.shortMessage ?? err.message);
      throw new Error(`seed: ${functionName} would revert: ${why}`);
    }
    const hash = await wallets[from].writeContract(request);
    const receipt = await pub.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    if (receipt.status !== "success") throw new Error(`seed: ${functionName} reverted in ${hash}`);
    return receipt;
  };
  const event = (receipt, contractAbi, name) => {
    for (const l of receipt.logs) {
      try {
        const e = decodeEventLog({ abi: contractAbi, data: l.data, topics: l.topics });
        if (e.eventName === name) return e.args;
      } catch {
        // another contract's event
      }
    }
    throw new Error(`seed: no ${name} event`);
  };
  const approve = (from, spender, amount) =>
    send(from, at("NeuralToken"), abi.token, "approve", [spender, amount]);

  const notes = [];
  const KEEPER = 0;
  const CLIENT = 5;
  const CHALLENGER = 8;
  const OPERATORS = [1, 2, 3, 4, 6, 7];

  // Accounts 6..9 get NRL from the deployer (the devnet funds 1..5).
  for (const i of [6, 7, 8, 9]) {
    await send(0, at("NeuralToken"), abi.token, "transfer", [accounts[i].address, parseEther("20000")]);
  }

  // Nodes: different hardware, regions and stakes.
  const hardware = [
    ["NVIDIA H100 80GB", 8, 81_920, "eu-west", "3000"],
    ["NVIDIA H100 80GB", 4, 81_920, "us-east", "2500"],
    ["NVIDIA A100 40GB", 8, 40_960, "us-west", "2000"],
    ["NVIDIA L40S 48GB", 4, 49_152, "ap-south", "1500"],
    ["NVIDIA RTX 4090", 2, 24_576, "eu-central", "1000"],
    ["NVIDIA H200 141GB", 8, 144_384, "us-east", "4000"],
  ];
  const nodeOf = new Map(); // operator account -> node id
  for (const [k, account] of OPERATORS.entries()) {
    const [gpu, gpus, vram, region, stake] = hardware[k];
    await approve(account, at("NodeRegistry"), parseEther(stake));
    const receipt = await send(
      account,
      at("NodeRegistry"),
      abi.registry,
      "register",
      argsByName(abi.registry, "register", {
        operator: accounts[account].address,
        worker: accounts[account].address,
        caps: {
          gpuModel: bytes32(gpu),
          gpuCount: gpus,
          vramMiB: vram,
          cpuCores: 32,
          memoryMiB: 256_000,
          region: bytes16(region),
        },
        capabilities: {
          gpuModel: bytes32(gpu),
          gpuCount: gpus,
          vramMiB: vram,
          cpuCores: 32,
          memoryMiB: 256_000,
          region: bytes16(region),
        },
        askPerShard: parseEther("1"),
        ask: parseEther("1"),
        askPrice: parseEther("1"),
        metadataCid: cid(`node-meta/${k + 1}`),
        stakeAmount: parseEther(stake),
        // The operator is its own worker key here, so no EIP-712 consent is needed.
        consentDeadline: 0n,
        consentSignature: "0x",
      }),
    );
    nodeOf.set(account, event(receipt, abi.registry, "NodeRegistered").nodeId);
  }
  const node = (account) => nodeOf.get(account);
  log(`seed: ${nodeOf.size} nodes`);

  // Tasks.
  const reward = parseEther("25");
  const post = async (label, shards, opts = {}) => {
    const params = {
      specCid: cid(`spec/${label}`),
      shardCount: shards,
      maxPricePerShard: opts.reward ?? reward,
      minTier: 1,
      resources: { gpus: 1, vramMiB: 24_576, cpus: 8, memoryMiB: 64_000 },
      maxDuration: 7200n,
      auditRateBps: opts.auditRateBps ?? 0,
      datasetId: opts.datasetId ?? 0n,
      datasetVersion: opts.datasetVersion ?? 0,
    };
    await approve(
      CLIENT,
      at("TaskManager"),
      await read(at("TaskManager"), abi.tasks, "quoteEscrow", [params]),
    );
    const receipt = await send(CLIENT, at("TaskManager"), abi.tasks, "postTask", [params]);
    return event(receipt, abi.tasks, "TaskPosted").taskId;
  };
  const assign = (list) =>
    send(KEEPER, at("TaskManager"), abi.tasks, "assignShards", [
      list.map(([taskId, shardIndex, account]) => ({ taskId, shardIndex, nodeId: node(account) })),
    ]);
  const trees = new Map();
  const submit = async (account, taskId, shardIndex, count = 4) => {
    const label = `t${taskId}/${shardIndex}`;
    const result = await checkpointTree(label, count);
    trees.set(label, result);
    await send(
      account,
      at("TaskManager"),
      abi.tasks,
      "submitResult",
      argsByName(abi.tasks, "submitResult", {
        taskId,
        shardIndex,
        manifestCid: cid(`manifest/${label}`),
        checkpoints: result.checkpoints,
      }),
    );
    return result;
  };

  const finetune = await post("llama-7b-finetune", 3);
  await assign([
    [finetune, 0, 1],
    [finetune, 1, 2],
    [finetune, 2, 3],
  ]);
  for (const [i, account] of [1, 2, 3].entries()) await submit(account, finetune, i);
  // Datasets: the reference trainer's digits (free) and an image subset with a usage fee, which the vision task
  // trains on: its finalized shards pay the curator (account 9).
  const CURATOR = 9;
  const publishDataset = async (from, name, license, format, fee) => {
    const receipt = await send(from, at("DatasetRegistry"), abi.datasets, "publish", [
      { name, description: `${name} (devnet seed)`, license },
      {
        contentCid: cid(`dataset/${name}/v1`),
        contentCodec: 0x70,
        sizeBytes: 1n << 20n,
        usageFeePerShard: fee,
        format,
        metadataCid: ZERO32,
      },
    ]);
    return event(receipt, abi.datasets, "DatasetPublished").datasetId;
  };
  const digits = await publishDataset(
    CLIENT,
    "sklearn-digits-8x8",
    "BSD-3-Clause",
    "csv.gz: pixels[64],label",
    0n,
  );
  const images = await publishDataset(
    CURATOR,
    "imagenet-1k-subset",
    "CC-BY-4.0",
    "jpeg + labels.csv",
    parseEther("2"),
  );
  await send(CURATOR, at("DatasetRegistry"), abi.datasets, "addVersion", [
    images,
    {
      contentCid: cid("dataset/imagenet-1k-subset/v2"),
      contentCodec: 0x70,
      sizeBytes: 2n << 20n,
      usageFeePerShard: parseEther("3"),
      format: "jpeg + labels.csv",
      metadataCid: ZERO32,
    },
  ]);
  await send(CLIENT, at("DatasetRegistry"), abi.datasets, "star", [images]);
  await send(KEEPER, at("DatasetRegistry"), abi.datasets, "star", [digits]);
  await send(KEEPER, at("DatasetRegistry"), abi.datasets, "report", [images, 2n, 2, ZERO32]); // LicenseMismatch
  const datasets = 2;
  log("seed: 2 datasets (3 versions), stars and a report");

  const vision = await post("vit-base-imagenet", 2, { datasetId: images, datasetVersion: 1 });
  await assign([
    [vision, 0, 4],
    [vision, 1, 6],
  ]);
  await submit(4, vision, 0);
  await submit(6, vision, 1);
  const window = Number(
    await read(at("TaskManager"), abi.tasks, "getParameter", [bytes32("challengeWindow")]),
  );
  await increaseTime(window + 1);
  await send(KEEPER, at("TaskManager"), abi.tasks, "finalizeShards", [
    [
      [finetune, 0],
      [finetune, 1],
      [finetune, 2],
      [vision, 0],
      [vision, 1],
    ].map(([taskId, shardIndex]) => ({ taskId, shardIndex })),
  ]);
  const finalizedShards = 5;
  log("seed: 2 tasks with 5 finalized shards");

  const speech = await post("whisper-small-multilingual", 2); // running: assigned, one result submitted
  await assign([
    [speech, 0, 7],
    [speech, 1, 1],
  ]);
  await submit(7, speech, 0);
  await post("diffusion-lora-sweep", 4); // open: waiting for nodes
  const cancelled = await post("bert-tiny-distill", 1);
  await send(CLIENT, at("TaskManager"), abi.tasks, "cancelTask", [cancelled]);
  let tasks = 5;
  log("seed: 3 more tasks (running, open, cancelled)");

  // Models: one with verified provenance (task shard 0's manifest), a version, a fine-tuned child, stars, a tip.
  const noWeights = { step: 0n, hash: ZERO32, proof: [] }; // ignored without a source task
  const publish = async (from, name, extra = {}) => {
    const receipt = await send(from, at("ModelRegistry"), abi.models, "publish", [
      {
        name,
        license: "Apache-2.0",
        weightsCid: cid(`weights/${name}`),
        metadataCid: cid(`model-meta/${name}`),
        parentModelId: extra.parent ?? 0n,
        sourceTaskId: extra.sourceTaskId ?? 0n,
        sourceShard: extra.sourceShard ?? 0n,
        manifestCid: extra.manifestCid ?? ZERO32,
        weights: extra.weights ?? noWeights,
      },
    ]);
    return event(receipt, abi.models, "ModelPublished").modelId;
  };
  const llama = await publish(CLIENT, "neural-llama-7b", {
    sourceTaskId: finetune,
    sourceShard: 0n,
    manifestCid: cid(`manifest/t${finetune}/0`),
    weights: trees.get(`t${finetune}/0`).weights(),
  });
  await send(CLIENT, at("ModelRegistry"), abi.models, "addVersion", [
    llama,
    {
      weightsCid: cid("weights/neural-llama-7b-v2"),
      metadataCid: cid("model-meta/neural-llama-7b-v2"),
      sourceTaskId: 0n,
      sourceShard: 0n,
      manifestCid: ZERO32,
      weights: noWeights,
    },
  ]);
  await publish(1, "neural-llama-7b-chat", { parent: llama });
  await publish(CLIENT, "vit-base-imagenet", {
    sourceTaskId: vision,
    sourceShard: 0n,
    manifestCid: cid(`manifest/t${vision}/0`),
    weights: trees.get(`t${vision}/0`).weights(),
  });
  for (const account of [2, 3, 9]) await send(account, at("ModelRegistry"), abi.models, "star", [llama]);
  await approve(2, at("ModelRegistry"), parseEther("10"));
  await send(2, at("ModelRegistry"), abi.models, "tip", [llama, parseEther("10")]);
  const models = 3;
  log("seed: 3 models");

  // Last: a dispute decided by the committee (the submitter is voted wrong and slashed). The challenge is
  // committed, then revealed once the committee's seed block (the block after the commitment) is mined.
  let disputes = 0;
  try {
    const disputed = await post("gpt2-small-pretrain", 1);
    await assign([[disputed, 0, 2]]);
    const { checkpoints, tree } = await submit(2, disputed, 0);
    const bond = await read(at("DisputeManager"), abi.disputes, "getParameter", [bytes32("challengeBond")]);
    await approve(CHALLENGER, at("DisputeManager"), bond);
    const params = {
      taskId: disputed,
      shardIndex: 0,
      checkpointIndex: 2,
      step: checkpoints[2].step,
      leafHash: checkpoints[2].hash,
      challengerHash: cid("recomputed"),
      proof: tree.getProof(2),
    };
    const salt = cid(`challenge-salt/${disputed}`);
    const commitment = await read(at("DisputeManager"), abi.disputes, "challengeCommitment", [
      accounts[CHALLENGER].address,
      params,
      salt,
    ]);
    const committed = await send(CHALLENGER, at("DisputeManager"), abi.disputes, "commitChallenge", [
      disputed,
      0,
      commitment,
    ]);
    const { commitId } = event(committed, abi.disputes, "ChallengeCommitted");
    await rpc("anvil_mine", ["0x2"]); // the seed block is mined before the reveal is simulated
    const receipt = await send(
      CHALLENGER,
      at("DisputeManager"),
      abi.disputes,
      "revealChallenge",
      [commitId, params, salt],
      8_000_000n,
    );
    const disputeId = event(receipt, abi.disputes, "DisputeOpened").disputeId;
    let d = await read(at("DisputeManager"), abi.disputes, "getDispute", [disputeId]);
    if (Number(d.status) === 1) {
      // Drawing: the seed block was not readable yet when the reveal ran.
      await rpc("anvil_mine", ["0x1"]);
      await send(KEEPER, at("DisputeManager"), abi.disputes, "drawCommittee", [disputeId], 8_000_000n);
      d = await read(at("DisputeManager"), abi.disputes, "getDispute", [disputeId]);
    }
    const operatorOf = new Map([...nodeOf].map(([account, id]) => [id, account]));
    const votes = d.committee.map((nodeId, i) => ({
      nodeId,
      vote: i < Math.ceil(d.committee.length / 2) ? 2 : 1,
    }));
    for (const { nodeId, vote } of votes) {
      const salt = toHex(`salt-${disputeId}-${nodeId}`, { size: 32 });
      const commitment = await read(at("DisputeManager"), abi.disputes, "voteCommitment", [
        disputeId,
        nodeId,
        vote,
        salt,
      ]);
      await send(operatorOf.get(nodeId), at("DisputeManager"), abi.disputes, "commitVote", [
        disputeId,
        nodeId,
        commitment,
      ]);
    }
    const now = (await pub.getBlock()).timestamp;
    await increaseTime(Number(d.commitDeadline - now) + 1);
    for (const { nodeId, vote } of votes) {
      const salt = toHex(`salt-${disputeId}-${nodeId}`, { size: 32 });
      await send(operatorOf.get(nodeId), at("DisputeManager"), abi.disputes, "revealVote", [
        disputeId,
        nodeId,
        vote,
        salt,
      ]);
    }
    const after = await read(at("DisputeManager"), abi.disputes, "getDispute", [disputeId]);
    const now2 = (await pub.getBlock()).timestamp;
    if (after.revealDeadline > now2) await increaseTime(Number(after.revealDeadline - now2) + 1);
    await send(KEEPER, at("DisputeManager"), abi.disputes, "resolve", [disputeId], 8_000_000n);
    disputes = 1;
    tasks += 1;
    log(`seed: dispute ${disputeId} resolved by ${votes.length} committee votes`);
  } catch (err) {
    notes.push(`skipped the dispute: ${err.shortMessage ?? err.message.split("\n")[0]}`);
  }
  return { nodes: nodeOf.size, tasks, finalizedShards, models, datasets, disputes, notes };
}

/** The seed as a devnet service (`npm run devnet -- --seed`): ready once the network is seeded. */
export const seed = {
  name: "seed",
  /** @param {{ devnet: {rpcUrl: string, deploymentFile: string, accounts: object[]}, logFile: string }} config */
  start(config) {
    const handle = {
      summary: "",
      ready: undefined,
      async stop() {
        await handle.ready.catch(() => {});
      },
    };
    handle.ready = seedNetwork({
      rpcUrl: config.devnet.rpcUrl,
      deploymentFile: config.devnet.deploymentFile,
      accounts: config.devnet.accounts,
      log: (line) => appendFileSync(config.logFile, `${line}\n`),
    }).then((r) => {
      handle.summary = summary(r);
    });
    return handle;
  },
};

export function summary(r) {
  const text = `${r.nodes} nodes, ${r.tasks} tasks, ${r.finalizedShards} finalized shards, ${r.disputes} dispute(s), ${r.models} models, ${r.datasets} datasets`;
  return r.notes.length ? `${text} (${r.notes.join("; ")})` : text;
}
