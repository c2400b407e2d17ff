/**
 * `npm run bench -w @neural/sdk`: storage and Merkle benchmarks, medians over several runs, written into
 * docs/benchmarks.md between the sdk-bench markers. `--quick` skips the 500 MiB file (for development).
 */
import { benchMerkle } from "./merkle.js";
import { MiB, machine } from "./stats.js";
import { benchStorage, type StorageResult } from "./storage.js";

const quick = process.argv.includes("--quick");
const TARGET = 0.3;

const storage: StorageResult[] = [];
storage.push(await benchStorage("10 MiB", 10 * MiB, 7));
if (!quick) storage.push(await benchStorage("500 MiB", 500 * MiB, 3));
const merkle = await benchMerkle(10_000, 5);

const fmt = (n: number, digits = 1) => n.toFixed(digits);
const rows = storage.map(
  (r) =>
    `| ${r.label} | ${r.runs} | ${fmt(r.sha256)} | ${fmt(r.add)} (${fmt((r.add / r.sha256) * 100, 0)}%) | ${fmt(r.cat)} (${fmt((r.cat / r.sha256) * 100, 0)}%) |`,
);
const meets = storage.every((r) => r.add / r.sha256 >= TARGET);
const markdown = `
### SDK: IPFS storage and checkpoint Merkle trees

_Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}${quick ? " (quick run: 10 MiB only)" : ""}._

IPFS throughput of the SDK's Helia node (filesystem blockstore, 1 MiB chunks, raw leaves, CIDv1), medians
in MB/s (10^6 bytes/s); the percentage is of raw sha256 over the same file in the same run. Each run adds the
file from disk with a fresh node (add without pinning) and then cats it back from the local store (cat
does not re-hash local blocks and reads them from the page cache, hence faster than sha256).

| file | runs | sha256 MB/s | add MB/s (of sha256) | cat MB/s (of sha256) |
|---|---|---|---|---|
${rows.join("\n")}

Target: add at least ${TARGET * 100}% of raw sha256 speed — ${meets ? "met" : "**not met**"}.

Checkpoint Merkle tree (@openzeppelin/merkle-tree StandardMerkleTree, leaves (index, step, sha256)),
${merkle.leaves.toLocaleString("en-US")} checkpoints, medians of ${merkle.runs} runs: build ${fmt(merkle.buildMs)} ms,
one proof ${fmt(merkle.proofMs, 2)} ms (${merkle.proofLength} hashes), verify ${fmt(merkle.verifyMs, 2)} ms.
`;
// The section writer every benchmark of the repository shares.
const { writeBenchSection } = (await import(
  new URL("../../scripts/lib/bench-report.mjs", import.meta.url).href
)) as {
  writeBenchSection: (name: string, markdown: string, options?: { stamp?: boolean }) => string;
};
const file = writeBenchSection("sdk-bench", markdown, { stamp: false });
console.log(markdown);
console.log(`written to ${file}`);
