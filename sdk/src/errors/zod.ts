import type { z } from "zod";
import { ValidationError, type ValidationIssue } from "./errors.js";

/** `a.b[2].c` from a zod issue path. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** One issue per zod problem, with the field path; union errors are flattened to their closest branch. */
export function formatZodError(error: z.ZodError): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const visit = (issue: z.core.$ZodIssue, prefix: readonly PropertyKey[]): void => {
    const path = [...prefix, ...issue.path];
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      // report the branch with the fewest problems: the one the input most likely meant
      const best = [...issue.errors].sort((a, b) => a.length - b.length)[0] ?? [];
      for (const sub of best) visit(sub, path);
      return;
    }
    issues.push({ path: formatPath(path), message: issue.message });
  };
  for (const issue of error.issues) visit(issue, []);
  return issues;
}

export function toValidationError(what: string, error: z.ZodError): ValidationError {
  return new ValidationError(what, formatZodError(error), { cause: error });
}
