import { defineConfig } from "vitest/config";

export default defineConfig({
  test: { name: "scripts", include: ["**/*.test.{mjs,ts}"], testTimeout: 60_000, hookTimeout: 600_000 },
});
