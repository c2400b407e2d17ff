#!/usr/bin/env node
// Forge's compiler, backed by the npm `solc` package (wasm): no native solc exists offline.
// `--version` prints what forge parses; any other call reads standard JSON on stdin and writes
// the compiler's standard JSON output, resolving imports under --base-path / --include-path.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const solc = require("solc");

function parseArgs(argv) {
  const roots = [];
  let version = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--version" || a === "-v") version = true;
    else if (a === "--base-path" || a === "--include-path") roots.push(argv[++i]);
    else if (a.startsWith("--base-path=") || a.startsWith("--include-path=")) roots.push(a.split("=")[1]);
  }
  return { version, roots: roots.length ? roots : [process.cwd()] };
}

function makeImportResolver(roots) {
  return (importPath) => {
    const candidates = path.isAbsolute(importPath)
      ? [importPath]
      : roots.map((r) => path.resolve(r, importPath));
    for (const file of candidates) {
      if (fs.existsSync(file)) return { contents: fs.readFileSync(file, "utf8") };
    }
    return { error: `File not found: ${importPath} (searched ${roots.join(", ")})` };
  };
}

function main() {
  const { version, roots } = parseArgs(process.argv.slice(2));
  if (version) {
    process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
    return;
  }
  const input = fs.readFileSync(0, "utf8");
  process.stdout.write(solc.compile(input, { import: makeImportResolver(roots) }));
}

main();
