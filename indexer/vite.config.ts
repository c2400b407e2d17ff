// Read by Ponder's build (Vite 5): resolve the workspace's @neural/sdk to its TypeScript sources (the SDK's
// "@neural/source" export condition), so the indexer needs no SDK build step.
const conditions = ["@neural/source"];

export default {
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
};
