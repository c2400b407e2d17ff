import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["@neural/source"] },
  ssr: { resolve: { conditions: ["@neural/source"] } },
  test: {
    name: "worker",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // real anvil, Redis, dockerd and helia: give a slow machine room, never assert on time
    testTimeout: 300_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
});
