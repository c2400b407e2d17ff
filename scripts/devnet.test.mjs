// The devnet core end to end: anvil on a random port, the forge deploy script, the deployment file, funding.
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { createPublicClient, http, keccak256, parseAbi, parseEther, stringToHex, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONTRACTS } from "./deployments.mjs";
import { assertPortFree, startDevnet } from "./lib/devnet.mjs";
import { repoRoot } from "./lib/tools.mjs";

const abi = parseAbi([
  "function hasRole(bytes32 role, address account) view returns (bool)",
  "function balanceOf(address owner) view returns (uint256)",
  "function totalSupply() view returns (uint256)",
  "function getParameter(bytes32 name) view returns (uint256)",
  "function token() view returns (address)",
  "function taskManager() view returns (address)",
]);
const role = (name) => (name === "DEFAULT_ADMIN_ROLE" ? `0x${"00".repeat(32)}` : keccak256(toHex(name)));
const param = (name) => stringToHex(name, { size: 32 });

describe("startDevnet", () => {
  let devnet;
  let client;
  const repoFile = join(repoRoot, "deployments", "31337.json");
  const repoFileBefore = existsSync(repoFile) ? readFileSync(repoFile, "utf8") : null;

  beforeAll(async () => {
    devnet = await startDevnet({ port: 0, env: { NEURAL_CHALLENGE_WINDOW: "120" } });
    client = createPublicClient({ transport: http(devnet.rpcUrl) });
  });
  afterAll(async () => {
    await devnet?.stop();
  });

  it("deploys every contract and describes it in the deployment file", async () => {
    const { deployment } = devnet;
    expect(deployment.chainId).toBe(31337);
    expect(Object.keys(deployment.contracts)).toEqual(CONTRACTS);
    for (const name of CONTRACTS) {
      const { address, startBlock, txHash } = deployment.contracts[name];
      expect(await client.getCode({ address }), name).not.toBe(undefined);
      const receipt = await client.getTransactionReceipt({ hash: txHash });
      expect(receipt.contractAddress?.toLowerCase(), name).toBe(address.toLowerCase());
      expect(Number(receipt.blockNumber), name).toBe(startBlock);
    }
    expect(JSON.parse(readFileSync(devnet.deploymentFile, "utf8"))).toEqual(deployment);
  });

  it("keeps an isolated devnet's files out of the repository", () => {
    expect(devnet.deploymentFile.startsWith(devnet.logDir)).toBe(true);
    const now = existsSync(repoFile) ? readFileSync(repoFile, "utf8") : null;
    expect(now).toBe(repoFileBefore);
  });

  it("wires the roles and applies the timing overrides", async () => {
    const c = devnet.deployment.contracts;
    const deployer = devnet.accounts[0].address;
    // The devnet's governor is dev account 0; the admin is the timelock the script deploys (60 s delay).
    expect(devnet.deployment.roles).toEqual({
      governor: deployer,
      keeper: deployer,
      treasury: deployer,
      admin: c.NeuralTimelock.address,
    });
    const has = (target, r, who) =>
      client.readContract({ address: c[target].address, abi, functionName: "hasRole", args: [role(r), who] });
    expect(await has("NodeRegistry", "PROTOCOL_ROLE", c.TaskManager.address)).toBe(true);
    expect(await has("NodeRegistry", "PROTOCOL_ROLE", c.DisputeManager.address)).toBe(true);
    expect(await has("TaskManager", "DISPUTE_ROLE", c.DisputeManager.address)).toBe(true);
    expect(await has("TaskManager", "KEEPER_ROLE", deployer)).toBe(true);
    expect(await has("TaskManager", "GOVERNOR_ROLE", deployer)).toBe(true);
    expect(await has("TaskManager", "DEFAULT_ADMIN_ROLE", c.NeuralTimelock.address)).toBe(true);
    expect(await has("TaskManager", "DEFAULT_ADMIN_ROLE", deployer)).toBe(false);
    const window = await client.readContract({
      address: c.TaskManager.address,
      abi,
      functionName: "getParameter",
      args: [param("challengeWindow")],
    });
    expect(window).toBe(120n);
    const models = c.ModelRegistry.address;
    expect(await client.readContract({ address: models, abi, functionName: "token" })).toBe(
      c.NeuralToken.address,
    );
    expect(await client.readContract({ address: models, abi, functionName: "taskManager" })).toBe(
      c.TaskManager.address,
    );
  });

  it("funds dev accounts 1..5 with 100,000 NRL each", async () => {
    const token = devnet.deployment.contracts.NeuralToken.address;
    const balance = (a) => client.readContract({ address: token, abi, functionName: "balanceOf", args: [a] });
    expect(devnet.funded).toEqual(devnet.accounts.slice(1, 6).map((a) => a.address));
    for (const a of devnet.funded) expect(await balance(a)).toBe(parseEther("100000"));
    const supply = await client.readContract({ address: token, abi, functionName: "totalSupply" });
    expect(supply).toBe(parseEther("1000000000"));
    expect(await balance(devnet.accounts[0].address)).toBe(supply - 5n * parseEther("100000"));
  });

  it("refuses a port in use with a clear message", async () => {
    await expect(assertPortFree(devnet.port, devnet.host)).rejects.toThrow(/already in use/);
    await expect(startDevnet({ port: devnet.port })).rejects.toThrow(/already in use/);
  });

  it("stop() ends anvil and frees the port", async () => {
    const { port, host, logDir } = devnet;
    await devnet.stop();
    await devnet.stop(); // idempotent
    expect(existsSync(logDir)).toBe(false);
    await new Promise((resolve, reject) => {
      const s = createServer();
      s.once("error", reject);
      s.listen(port, host, () => s.close(resolve));
    });
  });
});
