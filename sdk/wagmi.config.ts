/**
 * Generates src/generated/abis.ts (gitignored) from the forge artifacts. `npm run generate` forge-builds
 * first with the native binary, so this config never builds (the npm forge wrapper would hide failures).
 *
 * For each deployable contract the implementation's artifact is used when it exists, else its interface's
 * (I<Name>) while the implementation is not merged yet; either way the export is named after the contract
 * (`taskManagerAbi`), so SDK code does not change when implementations land.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type Config, defineConfig } from "@wagmi/cli";
import { foundry } from "@wagmi/cli/plugins";

export const DEPLOYABLE = [
  "NeuralToken",
  "NodeRegistry",
  "TaskManager",
  "DisputeManager",
  "ModelRegistry",
  "DatasetRegistry",
  "BlockhashRandomness",
  "Sortition",
  "NeuralTimelock",
] as const;

/**
 * Contracts generated for their errors only: TaskManagerExtension runs inside TaskManager by DELEGATECALL
 * (TaskManager's ABI covers its functions and events), but its own guard `NotDelegated` is in no other ABI.
 */
export const INTERNAL = ["TaskManagerExtension"] as const;

/** Interface standing in for a contract whose implementation is not there yet. */
const INTERFACES: Record<(typeof DEPLOYABLE)[number], string> = {
  NeuralToken: "INeuralToken",
  NodeRegistry: "INodeRegistry",
  TaskManager: "ITaskManager",
  DisputeManager: "IDisputeManager",
  ModelRegistry: "IModelRegistry",
  DatasetRegistry: "IDatasetRegistry",
  BlockhashRandomness: "IRandomnessSource",
  Sortition: "ISortition",
  NeuralTimelock: "NeuralTimelock",
};

const root = join(import.meta.dirname ?? __dirname, "..");
const out = join(root, "contracts", "out");

const chosen = [
  ...DEPLOYABLE.map((name) => {
    const impl = existsSync(join(out, `${name}.sol`, `${name}.json`));
    return { name: name as string, artifact: impl ? name : INTERFACES[name], implementation: impl };
  }),
  ...INTERNAL.map((name) => ({ name: name as string, artifact: name as string, implementation: true })),
];

const base = foundry({
  project: root,
  artifacts: "contracts/out",
  include: chosen.map((c) => `${c.artifact}.sol/${c.artifact}.json`),
  forge: { build: false, rebuild: false },
});

const rename = new Map(chosen.map((c) => [c.artifact, c.name]));

const config: Config = {
  out: "src/generated/abis.ts",
  plugins: [
    {
      ...base,
      name: "Foundry (Neural deployables)",
      async contracts() {
        const contracts = await base.contracts();
        const missing = chosen.filter((c) => !contracts.some((x) => x.name === c.artifact));
        if (missing.length > 0) {
          throw new Error(
            `forge artifacts missing: ${missing.map((c) => c.artifact).join(", ")} (run forge build)`,
          );
        }
        return contracts.map((c) => ({ ...c, name: rename.get(c.name) ?? c.name }));
      },
    },
    {
      name: "Neural ABI sources",
      async run() {
        const lines = chosen.map(
          (c) => `  ${c.name}: "${c.implementation ? "implementation" : `interface ${c.artifact}`}",`,
        );
        return {
          content: `/** Where each ABI came from: the contract itself, or its interface while the implementation is missing. */\nexport const abiSources = {\n${lines.join("\n")}\n} as const;`,
        };
      },
    },
  ],
};

export default defineConfig(config) as Config;
