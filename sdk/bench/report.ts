import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const SECTION = "sdk-bench";

/** Replaces the text between <!-- sdk-bench:start --> and <!-- sdk-bench:end --> in docs/benchmarks.md. */
export function writeSection(markdown: string): string {
  const file = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "docs", "benchmarks.md");
  const start = `<!-- ${SECTION}:start -->`;
  const end = `<!-- ${SECTION}:end -->`;
  const body = `${start}\n${markdown.trim()}\n${end}`;
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
