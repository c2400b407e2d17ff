import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const shim = resolve(__dirname, "solc-shim.cjs");

function compile(input: object, args: string[]) {
  const out = execFileSync(process.execPath, [shim, "--standard-json", ...args], {
    input: JSON.stringify(input),
    encoding: "utf8",
  });
  return JSON.parse(out) as {
    errors?: { severity: string; message: string }[];
    contracts?: Record<string, Record<string, { evm: { bytecode: { object: string } } }>>;
  };
}

describe("solc shim", () => {
  it("prints a version line forge can parse", () => {
    const out = execFileSync(process.execPath, [shim, "--version"], { encoding: "utf8" });
    expect(out).toMatch(/^Version: \d+\.\d+\.\d+\+commit\.[0-9a-f]{8}/m);
  });

  it("compiles standard JSON and resolves imports under --include-path", () => {
    const root = mkdtempSync(join(tmpdir(), "shim-"));
    mkdirSync(join(root, "lib"));
    writeFileSync(
      join(root, "lib", "Two.sol"),
      "pragma solidity ^0.8.0; library Two { function two() internal pure returns (uint256) { return 2; } }",
    );
    const input = {
      language: "Solidity",
      sources: {
        "A.sol": {
          content:
            'pragma solidity ^0.8.0; import "lib/Two.sol"; contract A { function f() external pure returns (uint256) { return Two.two(); } }',
        },
      },
      settings: { outputSelection: { "*": { "*": ["evm.bytecode.object"] } } },
    };
    const result = compile(input, ["--base-path", tmpdir(), "--include-path", root]);
    expect(result.errors?.filter((e) => e.severity === "error") ?? []).toEqual([]);
    expect(result.contracts?.["A.sol"]?.A?.evm.bytecode.object.length).toBeGreaterThan(10);
  });

  it("reports a missing import as a compiler error naming the file", () => {
    const input = {
      language: "Solidity",
      sources: {
        "B.sol": { content: 'pragma solidity ^0.8.0; import "nowhere/Missing.sol"; contract B {}' },
      },
      settings: { outputSelection: { "*": { "*": ["evm.bytecode.object"] } } },
    };
    const result = compile(input, ["--base-path", tmpdir()]);
    const errors = result.errors?.filter((e) => e.severity === "error") ?? [];
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.map((e) => e.message).join("\n")).toContain("nowhere/Missing.sol");
  });
});
