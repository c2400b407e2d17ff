import { defineConfig } from "vitest/config";

// test/: Vitest suites (pure helpers, schema parity, scripts, codegen + build, matchstick runner).
// tests/: matchstick's AssemblyScript mapping tests, run by test/matchstick.test.ts when a binary exists.
// graph codegen + graph build take minutes on a loaded 2-core machine: generous timeouts, files one by one.
export default defineConfig({
  test: {
    name: "subgraph",
    root: import.meta.dirname,
    include: ["test/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 900_000,
  },
});
