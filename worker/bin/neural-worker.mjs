#!/usr/bin/env node
// The neural-worker CLI: runs the TypeScript sources through tsx (no build step).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli.ts");
process.exitCode = await main(process.argv);
