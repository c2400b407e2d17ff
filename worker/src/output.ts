/** Command output: a JSON document on stdout with --json, readable lines otherwise. Logs go to stderr. */

export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2);
}

export interface Output {
  json: boolean;
  /** The command's result: printed as JSON, or as `lines` for people. */
  result(value: Record<string, unknown>, lines: string[]): void;
}

export function createOutput(
  json: boolean,
  write: (s: string) => void = (s) => process.stdout.write(s),
): Output {
  return {
    json,
    result(value, lines) {
      write(json ? `${toJson(value)}\n` : `${lines.join("\n")}\n`);
    },
  };
}
