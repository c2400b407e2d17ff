/**
 * The CLI end to end against the project's devnet (real anvil + deployed contracts), a private Redis and the test
 * dockerd: init, register with the operator's keystore and the worker's consent, stake, pause, resume, unstake,
 * withdraw, status, doctor, exit, and the errors a user sees.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createStorageNode } from "@neural/sdk/node";
import { type Devnet, freePort, startDevnet } from "@neural/sdk/testing";
import { createTestClient, createWalletClient, http, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/cli.js";
import { TEST_DOCKER_HOST } from "./docker-host.js";
import { startRedis, type TestRedis } from "./redis.js";

let devnet: Devnet;
let redis: TestRedis;
let dir: string;
let env: Record<string, string>;
let operatorArgs: string[];

async function cli(args: string[], extraEnv: Record<string, string> = {}) {
  let stdout = "";
  let stderr = "";
  const code = await main(
    ["node", "neural-worker", ...args],
    { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) },
    { ...env, ...extraEnv },
  );
  return { code, stdout, stderr, json: () => JSON.parse(stdout) };
}

beforeAll(async () => {
  devnet = await startDevnet({ env: { NEURAL_UNBONDING_PERIOD: "3600" } });
  redis = await startRedis();
  dir = await mkdtemp(join(tmpdir(), "neural-cli-"));
  await writeFile(join(dir, "pw"), "worker password\n");
  await writeFile(join(dir, "op-pw"), "operator password\n");
  const operator = devnet.accounts[1];
  if (!operator) throw new Error("devnet has no account 1");
  operatorArgs = [
    "--operator-keystore",
    join(dir, "operator.json"),
    "--operator-password-file",
    join(dir, "op-pw"),
  ];
  env = {
    NEURAL_WORKER_HOME: join(dir, "home"),
    NEURAL_PASSWORD_FILE: join(dir, "pw"),
    NEURAL_RPC_URL: devnet.rpcUrl,
    NEURAL_DEPLOYMENTS_DIR: await deploymentsDir(devnet),
    NEURAL_REDIS_URL: redis.url,
    NEURAL_DOCKER_HOST: TEST_DOCKER_HOST,
    NEURAL_RUNTIME: "docker", // a dead Docker fails the tests instead of falling back to the local sandbox
    NEURAL_IPFS_LISTEN: "/ip4/127.0.0.1/tcp/0",
  };
});

async function deploymentsDir(d: Devnet): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), "neural-deployments-"));
  await writeFile(join(folder, `${d.chainId}.json`), JSON.stringify(d.deployment));
  return folder;
}

afterAll(async () => {
  await redis?.stop();
  await devnet?.stop();
  // a helia datastore may still be flushing files as the last node stops: retry the removal briefly
  if (dir) await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
});

describe("neural-worker CLI", () => {
  let worker: `0x${string}`;
  let nodeId: string;

  it("init imports the operator's key into its own keystore", async () => {
    await writeFile(join(dir, "operator.key"), `${devnet.accounts[1]?.privateKey}\n`);
    const r = await cli([
      "init",
      "--private-key-file",
      join(dir, "operator.key"),
      "--out",
      join(dir, "operator.json"),
      "--password-file",
      join(dir, "op-pw"),
      "--scrypt-n",
      "1024",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({
      address: devnet.accounts[1]?.address,
      keystore: join(dir, "operator.json"),
    });
    await writeFile(join(dir, "bad.key"), "0x1234\n");
    const bad = await cli(["init", "--private-key-file", join(dir, "bad.key"), "--out", join(dir, "x.json")]);
    expect(bad.stderr).toContain("must hold one private key as 0x followed by 64 hex digits");
  });

  it("init writes an encrypted keystore and refuses to overwrite it", async () => {
    const r = await cli(["init", "--scrypt-n", "1024", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    worker = r.json().address;
    expect(r.json().keystore).toBe(join(dir, "home", "keystore.json"));
    const again = await cli(["init", "--scrypt-n", "1024"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: .*already exists/);
    // gas for the hot key
    const funder = devnet.accounts[0];
    if (!funder) throw new Error("no funder");
    const wallet = createWalletClient({
      account: privateKeyToAccount(funder.privateKey),
      chain: { ...foundry, id: devnet.chainId },
      transport: http(devnet.rpcUrl),
    });
    await wallet.sendTransaction({ to: worker, value: parseEther("1") });
  });

  it("register: operator signs, the worker key consents, capabilities detected and overridden", async () => {
    // an ask the registry cannot store exactly is refused before any transaction, with the reason and a fix
    const inexact = await cli(["register", "--stake", "150", "--ask-price", "1.0000000001", ...operatorArgs]);
    expect(inexact.code).toBe(1);
    expect(inexact.stderr).toContain("has 11 significant digits; an ask may have at most 9");
    expect(inexact.stderr).toContain("InvalidAskPrice");
    const r = await cli([
      "register",
      "--stake",
      "150",
      "--ask-price",
      "1.5",
      "--region",
      "eu-west",
      "--cpu-cores",
      "4",
      "--memory-mib",
      "8192",
      ...operatorArgs,
      "--json",
    ]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const out = r.json();
    nodeId = out.nodeId;
    expect(out.operator).toBe(devnet.accounts[1]?.address);
    expect(out.worker).toBe(worker);
    expect(out.capabilities).toMatchObject({ cpuCores: 4, memoryMiB: 8192, region: "eu-west", gpuCount: 0 });
    expect(out.sources).toMatchObject({ cpuCores: "override", region: "override", gpuCount: "none" });
    const twice = await cli(["register", "--stake", "150", "--ask-price", "1", ...operatorArgs]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain(`already serves node ${nodeId}`);
  });

  it("status shows stake, tier, reputation, shards, earnings and jail state", async () => {
    const r = await cli(["status", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({
      nodeId,
      worker,
      status: "Active",
      active: true,
      tier: "Bronze",
      stake: parseEther("150").toString(),
      askPrice: parseEther("1.5").toString(),
      reputation: { completed: 0, failed: 0, slashed: 0, feesPaid: "0" },
      activeShards: [],
      earnings: { paid: "0", finalizedShards: 0 },
      jailed: false,
    });
    const human = await cli(["status"]);
    expect(human.stdout).toContain(`node ${nodeId}: Active (active set), tier Bronze`);
    expect(human.stdout).toContain("0 slashed, 0 NRL fees paid");
  });

  it("stake, pause, resume, unstake and withdraw move the node on-chain", async () => {
    expect((await cli(["stake", "10", ...operatorArgs, "--json"])).json()).toMatchObject({
      stake: parseEther("160").toString(),
    });
    expect((await cli(["pause", "--json"])).json()).toMatchObject({ status: "Paused" });
    const resumeByWorker = await cli(["resume"]);
    expect(resumeByWorker.code).toBe(1);
    expect(resumeByWorker.stderr).toMatch(/NotNodeOperator/);
    expect(resumeByWorker.stderr).not.toMatch(/\n\s+at /);
    expect((await cli(["resume", ...operatorArgs, "--json"])).json()).toMatchObject({ status: "Active" });
    expect((await cli(["unstake", "20", ...operatorArgs, "--json"])).json()).toMatchObject({
      stake: parseEther("140").toString(),
      unbonding: parseEther("20").toString(),
    });
    const early = await cli(["withdraw", ...operatorArgs]);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/StillUnbonding/);
    const test = createTestClient({ mode: "anvil", transport: http(devnet.rpcUrl) });
    await test.increaseTime({ seconds: 3601 });
    await test.mine({ blocks: 1 });
    expect((await cli(["withdraw", ...operatorArgs, "--json"])).json()).toMatchObject({ unbonding: "0" });
  });

  it("doctor passes what is there and says what to fix", async () => {
    const r = await cli(["doctor", "--json"]);
    const checks = Object.fromEntries(
      (r.json().checks as Array<{ name: string; status: string; detail: string; fix?: string }>).map((c) => [
        c.name,
        c,
      ]),
    );
    for (const name of ["rpc", "contracts", "worker key", "redis", "container runtime"]) {
      expect(checks[name]?.status, `${name}: ${JSON.stringify(checks[name])}`).toBe("pass");
    }
    // listening on loopback, nothing announced: reachable here, but not by other nodes
    expect(checks.ipfs).toMatchObject({
      status: "warn",
      fix: expect.stringContaining("NEURAL_IPFS_ANNOUNCE"),
      addresses: [
        { address: expect.stringMatching(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//), result: "reachable" },
      ],
    });
    expect(checks.ipfs?.detail).toContain("not the NAT or firewall");
    // an announced address that answers and serves a block passes; a closed port fails with what to open
    const [open, closed] = [await freePort(), await freePort()];
    const announced = await cli(["doctor", "--json"], {
      NEURAL_IPFS_LISTEN: `/ip4/127.0.0.1/tcp/${open}`,
      NEURAL_IPFS_ANNOUNCE: `/ip4/127.0.0.1/tcp/${open}`,
    });
    const ipfsOf = (r: { json(): { checks: Array<{ name: string }> } }) =>
      r.json().checks.find((c) => c.name === "ipfs");
    expect(ipfsOf(announced)).toMatchObject({
      status: "pass",
      addresses: [{ address: expect.stringContaining(`/tcp/${open}/p2p/`), result: "reachable" }],
    });
    const refused = await cli(["doctor", "--json"], {
      NEURAL_IPFS_LISTEN: `/ip4/127.0.0.1/tcp/${open}`,
      NEURAL_IPFS_ANNOUNCE: `/ip4/127.0.0.1/tcp/${open},/ip4/127.0.0.1/tcp/${closed}`,
    });
    expect(refused.code).toBe(1);
    expect(ipfsOf(refused)).toMatchObject({
      status: "fail",
      fix: expect.stringContaining("open that TCP port"),
      addresses: [
        { result: "reachable" },
        { address: expect.stringContaining(`/tcp/${closed}/p2p/`), result: "refused" },
      ],
    });
    const text = await cli(["doctor"], {
      NEURAL_IPFS_LISTEN: `/ip4/127.0.0.1/tcp/${open}`,
      NEURAL_IPFS_ANNOUNCE: `/ip4/127.0.0.1/tcp/${closed}`,
    });
    expect(text.stdout).toMatch(/FAIL ipfs: \/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/\w+ refused/);
    expect(text.stdout).toContain("fix: refused: open that TCP port");
    const broken = await cli(["doctor", "--json"], {
      NEURAL_REDIS_URL: "redis://127.0.0.1:1",
      NEURAL_DOCKER_HOST: "unix:///nonexistent.sock",
      NEURAL_RUNTIME: "auto",
    });
    expect(broken.code).toBe(1);
    const bad = Object.fromEntries(
      (broken.json().checks as Array<{ name: string; status: string; fix?: string }>).map((c) => [c.name, c]),
    );
    expect(bad.redis).toMatchObject({ status: "fail", fix: expect.stringContaining("NEURAL_REDIS_URL") });
    // with no Docker, `auto` falls back to the local bubblewrap sandbox, and says it is weaker
    expect(bad["container runtime"]).toMatchObject({
      status: "warn",
      detail: expect.stringMatching(/^local: bubblewrap .*cannot reach Docker.*weaker isolation/),
      fix: expect.stringContaining("Docker"),
    });
  });

  it("user mistakes print one clear line, no stack", async () => {
    await writeFile(join(dir, "wrong"), "not the password\n");
    const wrong = await cli(["status"], { NEURAL_PASSWORD_FILE: join(dir, "wrong") });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe(`error: wrong password for keystore ${join(dir, "home", "keystore.json")}\n`);
    const badEnv = await cli(["status"], { NEURAL_RPC_URL: "localhost:8545" });
    expect(badEnv.code).toBe(1);
    expect(badEnv.stderr).toContain("NEURAL_RPC_URL (--rpc-url): expected a http: or https:");
    const badAmount = await cli(["stake", "ten", ...operatorArgs]);
    expect(badAmount.stderr).toBe('error: stake <nrl>: expected an NRL amount like 100 or 0.5, got "ten"\n');
    const json = await cli(["status", "--json"], { NEURAL_PASSWORD_FILE: join(dir, "wrong") });
    expect(json.json()).toMatchObject({
      error: expect.stringContaining("wrong password"),
      kind: "UserError",
    });
  });

  it("dataset publish adds a folder to the node's IPFS store and registers it; a version; info reads both", async () => {
    const folder = join(dir, "data-v1");
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, "train.csv"), "x,y\n1,2\n".repeat(50_000));
    await writeFile(join(folder, "README"), "toy data\n");
    const published = await cli([
      "dataset",
      "publish",
      folder,
      "--name",
      "toy",
      "--license",
      "CC0-1.0",
      "--format",
      "csv: x,y",
      "--fee",
      "1.5",
      "--json",
    ]);
    expect(published.code, published.stdout + published.stderr).toBe(0);
    const first = published.json();
    expect(first).toMatchObject({
      datasetId: "1",
      version: "1",
      files: 2,
      usageFeePerShard: "1500000000000000000",
    });
    expect(first.sizeBytes).toBe(8 * 50_000 + 9);

    // The blocks are in the node's own store: reopen it and read the file back through the CID.
    const storage = await createStorageNode({
      directory: join(env.NEURAL_WORKER_HOME ?? "", "ipfs"),
      listen: [],
    });
    try {
      const files = await storage.getDirectory(first.contentCid, join(dir, "data-back"), {
        timeoutMs: 5_000,
      });
      expect(files.length).toBe(2);
      expect(await readFile(join(dir, "data-back", "train.csv"), "utf8")).toBe("x,y\n1,2\n".repeat(50_000));
    } finally {
      await storage.stop();
    }

    await writeFile(join(dir, "v2.csv"), "x,y\n3,4\n");
    const second = await cli([
      "dataset",
      "publish",
      join(dir, "v2.csv"),
      "--dataset",
      "1",
      "--format",
      "csv",
      "--json",
    ]);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.json()).toMatchObject({ datasetId: "1", version: "2", files: 1, sizeBytes: 8 });

    const info = await cli(["dataset", "info", "1"]);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toContain('dataset 1 "toy" (CC0-1.0)');
    expect(info.stdout).toContain(`v1: ${first.contentCid} 400009 bytes, csv: x,y, fee 1.5 NRL per shard`);
    expect(info.stdout, info.stdout).toMatch(/v2: bafy\S+ 8 bytes, csv, fee 0 NRL per shard/);
  });

  it("dataset mistakes print one clear line", async () => {
    const noLicense = await cli([
      "dataset",
      "publish",
      join(dir, "v2.csv"),
      "--name",
      "x",
      "--format",
      "csv",
    ]);
    expect(noLicense.code).toBe(1);
    expect(noLicense.stderr).toBe(
      'error: --license is required for a new dataset: an SPDX identifier such as "CC-BY-4.0"\n',
    );
    const missing = await cli(["dataset", "publish", join(dir, "nope"), "--format", "csv"]);
    expect(missing.stderr).toMatch(/^error: dataset path .*nope does not exist: give a file or a folder\n$/);
    const noFormat = await cli(["dataset", "publish", join(dir, "v2.csv")]);
    expect(noFormat.code).toBe(1);
    expect(noFormat.stderr).toContain("--format");
    const unknown = await cli(["dataset", "info", "99"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/UnknownDataset\(datasetId: 99\)|UnknownDataset/);
    expect(unknown.stderr).not.toMatch(/\n\s+at /);
    const notOwner = await cli(
      ["dataset", "publish", join(dir, "v2.csv"), "--dataset", "1", "--format", "csv"],
      {
        NEURAL_PASSWORD_FILE: join(dir, "op-pw"),
        NEURAL_KEYSTORE: join(dir, "operator.json"),
      },
    );
    expect(notOwner.code).toBe(1);
    expect(notOwner.stderr).toMatch(/NotDatasetOwner/);
  });

  it("exit leaves for good", async () => {
    const r = await cli(["exit", ...operatorArgs, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ status: "Exited", stake: "0" });
  });
});
