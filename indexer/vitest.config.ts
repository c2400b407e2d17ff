import { defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

// The integration suites start anvil and Ponder processes: one file at a time, generous timeouts (they
// are safety nets for a hung child process, not performance thresholds). @neural/sdk resolves to its
// sources; the global setup generates its ABIs when they are missing.
export default defineConfig({
  resolve: { conditions: ["@neural/source", ...defaultServerConditions] },
  ssr: { resolve: { conditions: ["@neural/source", ...defaultServerConditions] } },
  test: {
    name: "indexer",
    root: import.meta.dirname,
    include: ["test/**/*.test.ts"],
    globalSetup: ["./test/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 900_000,
  },
});
