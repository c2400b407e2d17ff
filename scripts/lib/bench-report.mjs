// Writes one benchmark's section into docs/benchmarks.md between <!-- NAME:start --> / <!-- NAME:end -->
// markers, stamped with the date and the machine, leaving every other section as it was.

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { repoRoot } from "./tools.mjs";

export function machineLine() {
  const cpu = cpus()[0]?.model?.trim() ?? "unknown CPU";
  const mem = Math.round(totalmem() / 2 ** 30);
  return `${new Date().toISOString().slice(0, 10)}, ${cpu}, ${cpus().length} cores, ${mem} GiB, Node ${process.version}`;
}

/**
 * @param {string} name section name (markers `<!-- name:start -->` / `<!-- name:end -->`)
 * @param {string} markdown the section's body
 * @param {{stamp?: boolean}} [options] stamp: prepend the date-and-machine line (default true; false when the
 *   body already says when and on what it was measured)
 * @returns {string} the path of docs/benchmarks.md
 */
export function writeBenchSection(name, markdown, { stamp = true } = {}) {
  const file = join(repoRoot, "docs", "benchmarks.md");
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const body = stamp
    ? `${start}\n_Measured ${machineLine()}._\n\n${markdown}\n${end}`
    : `${start}\n${markdown.trim()}\n${end}`;
  let doc = existsSync(file)
    ? readFileSync(file, "utf8")
    : "# Benchmarks\n\nWritten by `npm run bench`; each section says when and on what it was measured.\n";
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  doc =
    i >= 0 && j > i ? doc.slice(0, i) + body + doc.slice(j + end.length) : `${doc.trimEnd()}\n\n${body}\n`;
  writeFileSync(file, doc);
  return file;
}
