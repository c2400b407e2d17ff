import { defineConfig } from "vitest/config";

// The integration suites start anvil and Ponder processes: one file at a time, generous timeouts (they
// are safety nets for a hung child process, not performance thresholds).
export default defineConfig({
  test: {
    name: "indexer",
    root: import.meta.dirname,
    include: ["test/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 900_000,
  },
});
