// Schema parity between the Ponder indexer (indexer/ponder.schema.ts, the source of truth) and the subgraph
// (schema.graphql). Both are reduced to one shape, entity -> field -> GraphQL type text, and compared.
//
// The naming convention (the only differences allowed), also in README.md:
// - Ponder table export `fooBar` <-> entity `FooBar`; column `x` <-> field `x`; relation `r` <-> field `r`.
// - onchainEnum("foo_bar", [...]) <-> enum `FooBar` with the same members in the same order.
// - Column types: text -> String, hex -> Bytes, bigint -> BigInt, integer -> Int, boolean -> Boolean,
//   json -> String (JSON text), enum -> its enum, bigint().array() -> [BigInt!]; notNull() <-> `!`.
// - The `id` column (any type) <-> `id: ID!`. A table without an `id` column (composite or other primary
//   key) <-> an extra `id: ID!` in the subgraph, built from its key columns.
// - one(...) relation <-> nullable reference field of the target entity; many(...) <-> `[Target!]!`
//   with @derivedFrom.
import { createTableRelationsHelpers, getTableColumns, getTableName, is, One, Relations } from "drizzle-orm";
import { PgTable } from "drizzle-orm/pg-core";
import { type DocumentNode, Kind, parse, print } from "graphql";

export type FieldShape = { type: string; derived: boolean };
export type SchemaShape = {
  entities: Map<string, Map<string, FieldShape>>;
  enums: Map<string, string[]>;
};

export const entityName = (tableExport: string): string =>
  tableExport.charAt(0).toUpperCase() + tableExport.slice(1);

export const enumTypeName = (pgEnumName: string): string =>
  pgEnumName
    .split("_")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");

type Column = {
  columnType: string;
  notNull: boolean;
  enum?: { enumName: string };
  baseColumn?: Column;
};

/** GraphQL type (without the outer `!`) of a Ponder column, per the convention above. */
export function columnType(column: Column): string {
  switch (column.columnType) {
    case "PgText":
    case "PgJson":
      return "String";
    case "PgHex":
      return "Bytes";
    case "PgEvmBigint":
      return "BigInt";
    case "PgInteger":
      return "Int";
    case "PgBoolean":
      return "Boolean";
    case "PgEnumColumn":
      if (!column.enum) throw new Error("enum column without its enum");
      return enumTypeName(column.enum.enumName);
    case "PgArray":
      if (!column.baseColumn) throw new Error("array column without its element column");
      return `[${columnType(column.baseColumn)}!]`;
    default:
      throw new Error(`no GraphQL mapping for Ponder column type ${column.columnType}`);
  }
}

type PonderEnum = { enumName: string; enumValues: readonly string[] };
const isPonderEnum = (v: unknown): v is PonderEnum =>
  typeof v === "function" && typeof (v as Partial<PonderEnum>).enumName === "string";

/** The shape the subgraph must have, derived from the exports of a Ponder schema module. */
export function ponderShape(schema: Record<string, unknown>): SchemaShape {
  const entities = new Map<string, Map<string, FieldShape>>();
  const enums = new Map<string, string[]>();
  const exportOfTable = new Map<string, string>();
  for (const [name, value] of Object.entries(schema)) {
    if (isPonderEnum(value)) enums.set(enumTypeName(value.enumName), [...value.enumValues]);
    if (!is(value as PgTable, PgTable)) continue;
    const table = value as PgTable;
    exportOfTable.set(getTableName(table), name);
    const fields = new Map<string, FieldShape>();
    const columns = getTableColumns(table) as unknown as Record<string, Column>;
    if (!("id" in columns)) fields.set("id", { type: "ID!", derived: false });
    for (const [key, column] of Object.entries(columns)) {
      const type = key === "id" ? "ID!" : `${columnType(column)}${column.notNull ? "!" : ""}`;
      fields.set(key, { type, derived: false });
    }
    entities.set(entityName(name), fields);
  }
  for (const value of Object.values(schema)) {
    if (!is(value as Relations, Relations)) continue;
    const relations = value as Relations;
    const owner = exportOfTable.get(getTableName(relations.table));
    const fields = owner && entities.get(entityName(owner));
    if (!owner || !fields) throw new Error(`relations of an unknown table ${getTableName(relations.table)}`);
    const config = relations.config(createTableRelationsHelpers(relations.table));
    for (const [name, relation] of Object.entries(config)) {
      const targetExport = exportOfTable.get(getTableName(relation.referencedTable));
      if (!targetExport) throw new Error(`${owner}.${name} references an unknown table`);
      const target = entityName(targetExport);
      fields.set(
        name,
        is(relation, One) ? { type: target, derived: false } : { type: `[${target}!]!`, derived: true },
      );
    }
  }
  return { entities, enums };
}

const hasDirective = (node: { directives?: readonly { name: { value: string } }[] }, name: string) =>
  (node.directives ?? []).some((d) => d.name.value === name);

/** The shape of a subgraph schema (its @entity types and enums). */
export function graphqlShape(sdl: string | DocumentNode): SchemaShape {
  const doc = typeof sdl === "string" ? parse(sdl) : sdl;
  const entities = new Map<string, Map<string, FieldShape>>();
  const enums = new Map<string, string[]>();
  for (const def of doc.definitions) {
    if (def.kind === Kind.OBJECT_TYPE_DEFINITION && hasDirective(def, "entity")) {
      const fields = new Map<string, FieldShape>();
      for (const field of def.fields ?? []) {
        fields.set(field.name.value, {
          type: print(field.type),
          derived: hasDirective(field, "derivedFrom"),
        });
      }
      entities.set(def.name.value, fields);
    } else if (def.kind === Kind.ENUM_TYPE_DEFINITION) {
      enums.set(
        def.name.value,
        (def.values ?? []).map((v) => v.name.value),
      );
    }
  }
  return { entities, enums };
}

/** Every difference between the Ponder shape and the subgraph shape; empty when they are in parity. */
export function compareShapes(ponder: SchemaShape, subgraph: SchemaShape): string[] {
  const problems: string[] = [];
  for (const [entity, fields] of ponder.entities) {
    const other = subgraph.entities.get(entity);
    if (!other) {
      problems.push(`entity ${entity} is in the Ponder schema but not in the subgraph`);
      continue;
    }
    for (const [field, shape] of fields) {
      const mine = other.get(field);
      if (!mine) problems.push(`${entity}.${field} is in the Ponder schema but not in the subgraph`);
      else if (mine.type !== shape.type) {
        problems.push(`${entity}.${field}: Ponder maps to ${shape.type}, the subgraph has ${mine.type}`);
      } else if (mine.derived !== shape.derived) {
        problems.push(
          `${entity}.${field}: ${shape.derived ? "a many() relation needs" : "only many() relations take"} @derivedFrom`,
        );
      }
    }
    for (const field of other.keys()) {
      if (!fields.has(field))
        problems.push(`${entity}.${field} is in the subgraph but not in the Ponder schema`);
    }
  }
  for (const entity of subgraph.entities.keys()) {
    if (!ponder.entities.has(entity)) {
      problems.push(`entity ${entity} is in the subgraph but not in the Ponder schema`);
    }
  }
  for (const [name, values] of ponder.enums) {
    const other = subgraph.enums.get(name);
    if (!other) problems.push(`enum ${name} is in the Ponder schema but not in the subgraph`);
    else if (other.join(",") !== values.join(",")) {
      problems.push(`enum ${name}: Ponder has ${values.join(", ")}, the subgraph has ${other.join(", ")}`);
    }
  }
  for (const name of subgraph.enums.keys()) {
    if (!ponder.enums.has(name))
      problems.push(`enum ${name} is in the subgraph but not in the Ponder schema`);
  }
  return problems;
}
