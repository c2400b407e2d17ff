// Row-cost estimate of a GraphQL operation against Ponder's generated schema, to refuse queries that
// would fan out into millions of rows (e.g. tasks(limit: 1000) { items { shards(limit: 1000) { ... } } }).
// graphql-armor (depth, aliases, tokens) bounds the query's shape; this bounds its result size.
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  Kind,
  type OperationDefinitionNode,
  parse,
  type SelectionSetNode,
  type ValueNode,
} from "graphql";

/** Ponder's page size when `limit` is not given, and its maximum. */
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 1000;

function limitOf(
  args: readonly { name: { value: string }; value: ValueNode }[] | undefined,
  vars: Record<string, unknown>,
) {
  const arg = args?.find((a) => a.name.value === "limit");
  if (!arg) return DEFAULT_LIMIT;
  const v = arg.value;
  if (v.kind === Kind.INT) return Math.min(Number(v.value), MAX_LIMIT);
  if (v.kind === Kind.VARIABLE) {
    const value = vars[v.name.value];
    return typeof value === "number" && Number.isFinite(value) ? Math.min(value, MAX_LIMIT) : MAX_LIMIT;
  }
  return MAX_LIMIT;
}

/**
 * Estimated number of rows the operation reads: a field whose selection has `items` (a Ponder page) reads
 * `limit` rows per parent row; every other field with a selection (a one-to-one relation) reads one.
 */
export function estimateCost(
  document: DocumentNode,
  variables: Record<string, unknown> = {},
  operationName?: string | null,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    if (def.kind === Kind.OPERATION_DEFINITION) operations.push(def);
  }
  const op = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (!op) return 0;

  const hasItems = (set: SelectionSetNode, seen: Set<string>): boolean =>
    set.selections.some((s) => {
      if (s.kind === Kind.FIELD) return s.name.value === "items";
      if (s.kind === Kind.INLINE_FRAGMENT) return hasItems(s.selectionSet, seen);
      const frag = fragments.get(s.name.value);
      if (!frag || seen.has(frag.name.value)) return false;
      return hasItems(frag.selectionSet, new Set([...seen, frag.name.value]));
    });

  const walk = (set: SelectionSetNode, multiplier: number, seen: Set<string>): number => {
    let cost = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.INLINE_FRAGMENT) {
        cost += walk(s.selectionSet, multiplier, seen);
      } else if (s.kind === Kind.FRAGMENT_SPREAD) {
        const frag = fragments.get(s.name.value);
        // Cycles are invalid GraphQL and refused by validation; stop here.
        if (frag && !seen.has(frag.name.value)) {
          cost += walk(frag.selectionSet, multiplier, new Set([...seen, frag.name.value]));
        }
      } else if (s.selectionSet) {
        if (s.name.value === "items" || s.name.value === "pageInfo") {
          cost += walk(s.selectionSet, multiplier, seen);
        } else if (hasItems(s.selectionSet, seen)) {
          const rows = multiplier * limitOf(s.arguments, variables);
          cost += rows + walk(s.selectionSet, rows, seen);
        } else {
          cost += multiplier + walk(s.selectionSet, multiplier, seen);
        }
      }
    }
    return cost;
  };
  return walk(op.selectionSet, 1, new Set());
}

/** Parses and estimates; a query that does not parse costs 0 (GraphQL itself reports the syntax error). */
export function estimateQueryCost(
  query: string,
  variables?: Record<string, unknown>,
  operationName?: string | null,
  maxTokens = 10_000,
) {
  try {
    return estimateCost(parse(query, { noLocation: true, maxTokens }), variables ?? {}, operationName);
  } catch {
    return 0;
  }
}
