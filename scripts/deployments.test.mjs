import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getAddress } from "viem";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  broadcastChainIds,
  CONTRACTS,
  deploymentFromBroadcast,
  readBroadcastDeployment,
  writeDeployment,
} from "./deployments.mjs";

const addr = (i) => getAddress(`0x${i.toString(16).padStart(40, "0")}`);
const hash = (i) => `0x${i.toString(16).padStart(64, "0")}`;

/** A run-latest.json shaped like forge's: CREATE and CALL transactions, receipts, named returns. */
function broadcast({ chain = 31337, skip = [] } = {}) {
  const transactions = [];
  const receipts = [];
  CONTRACTS.filter((n) => !skip.includes(n)).forEach((name, i) => {
    transactions.push({
      hash: hash(200 + i), // forge 1.7 can record a wrong hash here; the receipt's is the true one
      transactionType: "CREATE",
      contractName: name,
      contractAddress: addr(0x100 + i),
      function: null,
    });
    receipts.push({
      status: "0x1",
      transactionHash: hash(i + 1),
      blockNumber: `0x${(i + 1).toString(16)}`,
      contractAddress: addr(0x100 + i)
        .toUpperCase()
        .replace("0X", "0x"),
    });
  });
  transactions.push({
    hash: hash(99),
    transactionType: "CALL",
    contractName: "NodeRegistry",
    contractAddress: addr(0x101),
    function: "grantRole(bytes32,address)",
  });
  receipts.push({ status: "0x1", transactionHash: hash(99), blockNumber: "0x10", contractAddress: null });
  return {
    transactions,
    receipts,
    chain,
    returns: {
      governor: { internal_type: "address", value: addr(0xa) },
      keeper: { internal_type: "address", value: addr(0xb) },
      treasury: { internal_type: "address", value: addr(0xc) },
      admin: { internal_type: "address", value: addr(0x100) },
    },
  };
}

describe("deploymentFromBroadcast", () => {
  it("takes addresses from the CREATE transactions, tx hashes and start blocks from the receipts", () => {
    const d = deploymentFromBroadcast(broadcast(), { generatedAt: "2026-01-01T00:00:00.000Z" });
    expect(d.chainId).toBe(31337);
    expect(Object.keys(d.contracts)).toEqual(CONTRACTS);
    expect(d.contracts.NeuralTimelock).toEqual({ address: addr(0x100), startBlock: 1, txHash: hash(1) });
    expect(d.contracts.NeuralToken).toEqual({ address: addr(0x101), startBlock: 2, txHash: hash(2) });
    const last = CONTRACTS.length - 1;
    expect(CONTRACTS[last]).toBe("ModelRegistry");
    expect(d.contracts.ModelRegistry).toEqual({
      address: addr(0x100 + last),
      startBlock: last + 1,
      txHash: hash(last + 1),
    });
    expect(d.roles).toEqual({
      governor: addr(0xa),
      keeper: addr(0xb),
      treasury: addr(0xc),
      admin: addr(0x100),
    });
    expect(d.generatedAt).toBe("2026-01-01T00:00:00.000Z");
  });

  it("fails when a contract is missing", () => {
    expect(() => deploymentFromBroadcast(broadcast({ skip: ["DisputeManager"] }))).toThrow(/DisputeManager/);
  });

  it("fails when a receipt is missing or failed", () => {
    const b = broadcast();
    const tm = CONTRACTS.indexOf("TaskManager");
    b.receipts = b.receipts.filter((r) => r.transactionHash !== hash(tm + 1));
    expect(() => deploymentFromBroadcast(b)).toThrow(/no receipt for the TaskManager deployment at 0x/);
    const c = broadcast();
    c.receipts[0].status = "0x0";
    expect(() => deploymentFromBroadcast(c)).toThrow(/NeuralTimelock deployment .* failed/);
  });

  it("fails when a role was not returned", () => {
    const b = broadcast();
    delete b.returns.keeper;
    expect(() => deploymentFromBroadcast(b)).toThrow(/"keeper" return value/);
  });

  it("fails when a contract was created twice", () => {
    const b = broadcast();
    b.transactions.push({ ...b.transactions[0], hash: hash(50) });
    b.receipts.push({ ...b.receipts[0], transactionHash: hash(50) });
    expect(() => deploymentFromBroadcast(b)).toThrow(/created twice/);
  });
});

describe("broadcast files", () => {
  let dir;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "neural-deployments-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("reads run-latest.json per chain and writes <chainId>.json", () => {
    const broadcastDir = join(dir, "broadcast");
    mkdirSync(join(broadcastDir, "Deploy.s.sol", "11155111"), { recursive: true });
    writeFileSync(
      join(broadcastDir, "Deploy.s.sol", "11155111", "run-latest.json"),
      JSON.stringify(broadcast({ chain: 11155111 })),
    );
    expect(broadcastChainIds(broadcastDir)).toEqual([11155111]);
    const d = readBroadcastDeployment(11155111, broadcastDir);
    const file = writeDeployment(d, join(dir, "deployments"));
    expect(file).toBe(join(dir, "deployments", "11155111.json"));
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(d);
  });

  it("names the missing broadcast file", () => {
    expect(() => readBroadcastDeployment(5, join(dir, "none"))).toThrow(/run-latest.json/);
  });
});
