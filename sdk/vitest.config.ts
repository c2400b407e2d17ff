import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "sdk",
    include: ["src/**/*.test.ts"],
    globalSetup: ["./vitest.global-setup.ts"],
    // real anvil, real helia nodes and a real arlocal: give slow machines room, never assert on time
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // the machine is small: run files one after another so nodes and chains do not starve each other
    fileParallelism: false,
  },
});
