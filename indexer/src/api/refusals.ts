// One answer for every refused GraphQL request: HTTP 400 with a readable message and a code. Ponder's
// GraphQL server (yoga) answers validation and parse failures, and graphql-armor's depth / alias / token
// limits, with HTTP 200; the indexer's own cost guard with 400. A request that was not executed at all (the
// answer has errors and no `data`) is the caller's mistake, so it gets 400 like the cost guard's.

type GraphqlError = { message: string; extensions?: Record<string, unknown> } & Record<string, unknown>;
type Body = { data?: unknown; errors?: GraphqlError[] } & Record<string, unknown>;

const ARMOR: [RegExp, string][] = [
  [/depth limit/i, "QUERY_TOO_DEEP"],
  [/aliases limit/i, "TOO_MANY_ALIASES"],
  [/token limit/i, "TOO_MANY_TOKENS"],
];

function readable(error: GraphqlError): GraphqlError {
  let message = error.message;
  let code = error.extensions?.code as string | undefined;
  for (const [pattern, armorCode] of ARMOR) {
    if (pattern.test(message)) {
      // graphql-armor reports its limits as syntax errors; they are not.
      message = message.replace(/^Syntax Error: /, "");
      code = armorCode;
    }
  }
  // `task(id: 1)`: ids (and every BigInt argument) are strings in GraphQL.
  if (/Expected value of type "BigInt!?", found -?\d+/.test(message)) {
    const found = /found (-?\d+)/.exec(message)?.[1];
    message = `BigInt arguments (ids, amounts, blocks) are strings: write "${found}" instead of ${found}. (${message})`;
  }
  return { ...error, message, extensions: { ...error.extensions, code: code ?? "BAD_REQUEST" } };
}

/** The status and body to send for a GraphQL answer: refusals become 400 with readable errors. */
export function refusal(status: number, body: Body): { status: number; body: Body } | null {
  if (status !== 200 || !Array.isArray(body.errors) || body.errors.length === 0) return null;
  if ("data" in body && body.data !== null) return null; // executed: partial data with errors stays 200
  return { status: 400, body: { ...body, errors: body.errors.map(readable) } };
}
