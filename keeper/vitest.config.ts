import { defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

// Real anvil chains and a real Redis: one file at a time on this small machine; the timeouts are safety nets
// for a hung child process, never performance thresholds. @neural/sdk resolves to its sources.
export default defineConfig({
  resolve: { conditions: ["@neural/source", ...defaultServerConditions] },
  ssr: { resolve: { conditions: ["@neural/source", ...defaultServerConditions] } },
  test: {
    name: "keeper",
    root: import.meta.dirname,
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
