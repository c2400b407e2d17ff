import { ContractRevertError, NetworkError, toNeuralError } from "@neural/sdk";
import {
  BaseError,
  ContractFunctionRevertedError,
  HttpRequestError,
  InsufficientFundsError,
  LimitExceededRpcError,
  NonceTooLowError,
  parseEther,
  RpcRequestError,
  TimeoutError,
  TransactionRejectedRpcError,
} from "viem";
import { describe, expect, it } from "vitest";
import { UserError } from "../errors.js";
import { backoffDelay, classifyChainError, insufficientFunds, withRetry } from "./errors.js";

const url = "http://127.0.0.1:8545";
/** A node's JSON-RPC error as viem's http transport and buildRequest hand it out. */
const nodeSays = (message: string, code = -32003) =>
  new TransactionRejectedRpcError(new RpcRequestError({ body: {}, error: { code, message }, url }));
const refused = () => {
  const cause = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8545"), { code: "ECONNREFUSED" });
  return new HttpRequestError({
    url,
    details: "fetch failed",
    cause: new TypeError("fetch failed", { cause }),
  });
};

describe("classifyChainError", () => {
  it("retries what did not get an answer: refused, timeouts, 408/429/5xx, rate limits", () => {
    expect(classifyChainError(refused())).toBe("transient");
    expect(classifyChainError(new TimeoutError({ body: {}, url }))).toBe("transient");
    for (const status of [408, 429, 500, 502, 503, 504]) {
      expect(classifyChainError(new HttpRequestError({ url, status })), String(status)).toBe("transient");
    }
    expect(
      classifyChainError(
        new LimitExceededRpcError(
          new RpcRequestError({ body: {}, error: { code: -32005, message: "limit" }, url }),
        ),
      ),
    ).toBe("transient");
    // as the SDK wraps them (toNeuralError), found along the cause chain
    expect(classifyChainError(toNeuralError(new HttpRequestError({ url, status: 503 })))).toBe("transient");
    expect(classifyChainError(new NetworkError("x", { cause: refused() }))).toBe("transient");
  });

  it("does not retry client errors or unknown failures", () => {
    expect(classifyChainError(new HttpRequestError({ url, status: 400 }))).toBe("fatal");
    expect(classifyChainError(new HttpRequestError({ url, status: 401 }))).toBe("fatal");
    expect(classifyChainError(new Error("something else"))).toBe("fatal");
    expect(classifyChainError(nodeSays("invalid sender", -32000))).toBe("fatal");
  });

  it("sends a known transaction or a used nonce to the receipts", () => {
    expect(classifyChainError(nodeSays("nonce too low"))).toBe("already-sent");
    expect(classifyChainError(nodeSays("already known", -32000))).toBe("already-sent");
    expect(classifyChainError(nodeSays("transaction already imported"))).toBe("already-sent"); // anvil
    expect(classifyChainError(new NonceTooLowError({ nonce: 3 }))).toBe("already-sent");
  });

  it("bumps an underpriced replacement, refuses without funds", () => {
    expect(classifyChainError(nodeSays("replacement transaction underpriced", -32000))).toBe("underpriced");
    expect(classifyChainError(nodeSays("Insufficient funds for gas * price + value"))).toBe(
      "insufficient-funds",
    );
    expect(classifyChainError(new InsufficientFundsError({ cause: new BaseError("x") }))).toBe(
      "insufficient-funds",
    );
  });

  it("never retries a revert, whatever its text says", () => {
    expect(classifyChainError(new ContractFunctionRevertedError({ abi: [], functionName: "f" }))).toBe(
      "revert",
    );
    expect(
      classifyChainError(
        new RpcRequestError({ body: {}, error: { code: 3, message: "execution reverted: timeout" }, url }),
      ),
    ).toBe("revert");
    expect(
      classifyChainError(new ContractRevertError("TaskManager.submitResult reverted: DeadlinePassed", {})),
    ).toBe("revert");
  });
});

describe("backoffDelay", () => {
  const policy = { attempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };
  it("doubles from the base, is capped, and jitters within the upper half", () => {
    expect([0, 1, 2, 3, 4, 9].map((a) => backoffDelay(a, policy, () => 1))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
    expect([0, 1, 2, 3, 4, 9].map((a) => backoffDelay(a, policy, () => 0))).toEqual([
      50, 100, 200, 400, 500, 500,
    ]);
  });
});

describe("withRetry", () => {
  const policy = { attempts: 4, baseDelayMs: 1, maxDelayMs: 2 };
  it("retries transient failures until one succeeds", async () => {
    let calls = 0;
    const result = await withRetry(
      async () => {
        if (++calls < 3) throw new HttpRequestError({ url, status: 503 });
        return "ok";
      },
      { policy },
    );
    expect([result, calls]).toEqual(["ok", 3]);
  });

  it("gives up after the policy's attempts, and never retries another class", async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw refused();
        },
        { policy },
      ),
    ).rejects.toBeInstanceOf(HttpRequestError);
    expect(calls).toBe(4);
    calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw nodeSays("nonce too low");
        },
        { policy },
      ),
    ).rejects.toThrow();
    expect(calls).toBe(1);
  });
});

describe("insufficientFunds", () => {
  it("names the key and the amount short", () => {
    const error = insufficientFunds(
      "0x00000000000000000000000000000000000000aa",
      "TaskManager.submitResult",
      { balance: parseEther("0.001"), needed: parseEther("0.0035") },
    );
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toBe(
      "the worker key 0x00000000000000000000000000000000000000aa cannot pay the gas of TaskManager.submitResult " +
        "(it holds 0.001 ETH; the transaction may cost up to 0.0035): send at least 0.0025 ETH more to " +
        "0x00000000000000000000000000000000000000aa",
    );
    expect(insufficientFunds("0x00000000000000000000000000000000000000aa", "a call").message).toContain(
      "send it ETH to 0x00000000000000000000000000000000000000aa",
    );
  });
});
