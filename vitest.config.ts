import { existsSync } from "node:fs";
import { defineConfig } from "vitest/config";

// One Vitest run over every workspace that has tests; each keeps its own vitest.config.ts.
const workspaces = ["tools", "scripts", "sdk", "indexer", "subgraph", "keeper", "worker", "dapp"];

export default defineConfig({
  test: {
    projects: workspaces
      .filter((w) => existsSync(`${w}/vitest.config.ts`))
      .map((w) => `${w}/vitest.config.ts`),
  },
});
