/**
 * A whole little Neural network for the worker's tests, all real: the project's devnet (anvil + contracts), a
 * private Redis, a client's Helia node holding specs, datasets and image archives, the test dockerd, and a
 * registered node whose worker key the daemon uses. The keeper's part (assignShards with KEEPER_ROLE, the job
 * message on the node's stream) is played by `assign()`.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  encodeMessage,
  type JobMessage,
  NeuralClient,
  redisNames,
  STREAM_FIELD,
  type TaskSpecInput,
  Tier,
  taskManagerAbi,
} from "@neural/sdk";
import { createStorageNode, type StorageNode } from "@neural/sdk/node";
import { type Devnet, startDevnet } from "@neural/sdk/testing";
import { Redis } from "ioredis";
import {
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  type PublicClient,
  parseEther,
  parseEventLogs,
  stringToHex,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { parseConfig, type WorkerConfig } from "../src/config.js";
import { createKeystoreFile } from "../src/keystore.js";
import { buildBusyboxArchive } from "./busybox-image.js";
import { TEST_DOCKER_HOST } from "./docker-host.js";
import { startRedis, type TestRedis } from "./redis.js";

export interface TestNetwork {
  devnet: Devnet;
  redis: TestRedis;
  redisClient: Redis;
  client: NeuralClient;
  keeper: NeuralClient;
  publicClient: PublicClient;
  storage: StorageNode;
  dir: string;
  worker: { privateKey: Hex; address: Hex; nodeId: bigint };
  busybox: { image: string; imageId: string; archiveCid: string };
  datasetCid: string;
  /** Worker config for this network (own home under dir). */
  config(over?: Record<string, string>): WorkerConfig;
  env(over?: Record<string, string>): Record<string, string>;
  spec(over?: Partial<TaskSpecInput>): TaskSpecInput;
  /**
   * Posts a one-shard task of `spec` (naming `dataset`, a DatasetRegistry version, when given), assigns it to the
   * node and publishes the job; returns the job.
   */
  assign(
    spec: TaskSpecInput | { rawSpec: Uint8Array },
    over?: Partial<JobMessage>,
    dataset?: { datasetId: bigint; datasetVersion: number },
  ): Promise<{ job: JobMessage; entryId: string }>;
  stop(): Promise<void>;
}

export async function startNetwork(): Promise<TestNetwork> {
  const dir = await mkdtemp(join(tmpdir(), "neural-worker-net-"));
  const devnet = await startDevnet({ fundAccounts: 5 });
  const redis = await startRedis();
  const redisClient = new Redis(redis.url);
  const transport = http(devnet.rpcUrl);
  const chain = { ...foundry, id: devnet.chainId };
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 100 }) as PublicClient;
  const clientOf = (pk: Hex) =>
    new NeuralClient({
      publicClient,
      walletClient: createWalletClient({ account: privateKeyToAccount(pk), chain, transport }),
      deployment: devnet.deployment,
    });
  const [acc0, acc1, acc2] = devnet.accounts;
  if (!acc0 || !acc1 || !acc2) throw new Error("devnet accounts missing");
  const keeper = clientOf(acc0.privateKey);
  const client = clientOf(acc1.privateKey);
  const operator = clientOf(acc2.privateKey);

  // the node: operator account 2, a fresh worker key with gas
  const workerKey = generatePrivateKey();
  const workerAddress = privateKeyToAccount(workerKey).address;
  await createWalletClient({
    account: privateKeyToAccount(acc0.privateKey),
    chain,
    transport,
  }).sendTransaction({
    to: workerAddress,
    value: parseEther("10"),
  });
  const consent = await clientOf(workerKey).signWorkerConsent({ operator: operator.account });
  const storage = await createStorageNode({ directory: join(dir, "client-ipfs") });
  const metadataCid = (await storage.putJson({ version: 1, kind: "neural-node" })).toString();
  const { nodeId } = await operator.registerNode({
    worker: workerAddress,
    capabilities: {
      gpuModel: stringToHex("", { size: 32 }),
      gpuCount: 0,
      vramMiB: 0,
      cpuCores: 4,
      memoryMiB: 8192,
      region: stringToHex("test", { size: 16 }),
    },
    askPrice: parseEther("1"),
    metadataCid,
    stake: parseEther("1000"),
    consent,
  });
  await createKeystoreFile(join(dir, "home", "keystore.json"), "worker password", {
    privateKey: workerKey,
    scryptN: 1 << 10,
  });
  await writeFile(join(dir, "pw"), "worker password\n");

  const archive = await buildBusyboxArchive(dir);
  const archiveCid = (await storage.addFile(archive.path)).toString();
  const datasetCid = (await storage.addBytes(new TextEncoder().encode("1 2 3 4 5\n"))).toString();
  const deploymentsDir = join(dir, "deployments");
  await import("node:fs/promises").then((fs) => fs.mkdir(deploymentsDir, { recursive: true }));
  await writeFile(join(deploymentsDir, `${devnet.chainId}.json`), JSON.stringify(devnet.deployment));

  const env = (over: Record<string, string> = {}) => ({
    NEURAL_WORKER_HOME: join(dir, "home"),
    NEURAL_PASSWORD_FILE: join(dir, "pw"),
    NEURAL_RPC_URL: devnet.rpcUrl,
    NEURAL_DEPLOYMENTS_DIR: deploymentsDir,
    NEURAL_REDIS_URL: redis.url,
    NEURAL_DOCKER_HOST: TEST_DOCKER_HOST,
    // docker, not auto: a Docker that died must fail these tests, not switch them to the local sandbox
    NEURAL_RUNTIME: "docker",
    NEURAL_IPFS_LISTEN: "/ip4/127.0.0.1/tcp/0",
    NEURAL_IPFS_PEERS: storage.multiaddrs()[0] ?? "",
    NEURAL_METRICS_PORT: "0",
    NEURAL_HEARTBEAT_SECONDS: "1",
    NEURAL_IPFS_FETCH_TIMEOUT_SECONDS: "5",
    NEURAL_LOG_LEVEL: process.env.NEURAL_TEST_LOG_LEVEL ?? "info",
    ...over,
  });

  const network: TestNetwork = {
    devnet,
    redis,
    redisClient,
    client,
    keeper,
    publicClient,
    storage,
    dir,
    worker: { privateKey: workerKey, address: workerAddress, nodeId },
    busybox: { image: archive.image, imageId: archive.imageId, archiveCid },
    datasetCid,
    env,
    config: (over = {}) => parseConfig({}, env(over)),
    spec: (over = {}) => ({
      version: 1,
      name: "busybox-test",
      image: archive.image,
      imageArchive: archiveCid,
      command: [],
      env: {},
      dataset: datasetCid,
      hyperparameters: {},
      seed: 7,
      totalSteps: 6,
      checkpointInterval: 2,
      resources: { gpus: 0, vramMiB: 0, cpus: 1, memoryMiB: 64, timeoutSeconds: 120 },
      verification: { kind: "exact", epsilon: 0 },
      ...over,
    }),
    async assign(spec, over = {}, dataset = { datasetId: 0n, datasetVersion: 0 }) {
      const specCid =
        "rawSpec" in spec
          ? (await storage.putRaw(spec.rawSpec)).toString()
          : (await storage.putJson(spec)).toString();
      const { taskId } = await client.postTaskWithPermit({
        specCid,
        shardCount: 1,
        maxPricePerShard: parseEther("10"),
        minTier: Tier.Bronze,
        resources:
          "rawSpec" in spec
            ? { gpus: 0, vramMiB: 0, cpus: 1, memoryMiB: 64 }
            : {
                gpus: spec.resources.gpus,
                vramMiB: spec.resources.vramMiB,
                cpus: spec.resources.cpus,
                memoryMiB: spec.resources.memoryMiB,
              },
        maxDuration: 3600n,
        auditRateBps: 0,
        ...dataset,
      });
      const { receipt } = await keeper.assignShards([{ taskId, shardIndex: 0, nodeId }]);
      const [assigned] = parseEventLogs({
        abi: taskManagerAbi,
        logs: receipt.logs,
        eventName: "ShardAssigned",
      });
      if (!assigned) throw new Error("no ShardAssigned");
      const job: JobMessage = {
        version: 2,
        type: "job",
        sentAt: new Date().toISOString(),
        taskId: Number(taskId),
        shardIndex: 0,
        nodeId: Number(nodeId),
        attempt: 1,
        epoch: assigned.args.epoch,
        specCid,
        deadline: Number(assigned.args.deadline),
        resumeFrom: 0,
        ...over,
      };
      const entryId = (await redisClient.xadd(
        redisNames().nodeStream(nodeId),
        "*",
        STREAM_FIELD,
        encodeMessage(job),
      )) as string;
      return { job, entryId };
    },
    async stop() {
      redisClient.disconnect();
      await storage.stop().catch(() => undefined);
      await redis.stop();
      await devnet.stop();
      if (process.env.NEURAL_TEST_KEEP !== "1") await rm(dir, { recursive: true, force: true });
    },
  };
  return network;
}
