// The subgraph serves the same entities and field names as the Ponder indexer: every entity, field, type,
// nullability, enum and relation of indexer/ponder.schema.ts must be in schema.graphql and vice versa.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { onchainEnum, onchainTable, primaryKey, relations } from "ponder";
import { describe, expect, it } from "vitest";
import * as ponderSchema from "../../indexer/ponder.schema.ts";
import { compareShapes, graphqlShape, ponderShape } from "./lib/parity.ts";

const subgraphSchema = readFileSync(join(import.meta.dirname, "..", "schema.graphql"), "utf8");

describe("schema parity with the Ponder indexer", () => {
  const ponder = ponderShape(ponderSchema as Record<string, unknown>);
  const subgraph = graphqlShape(subgraphSchema);

  it("reads every table and enum of the Ponder schema", () => {
    expect(ponder.entities.size).toBeGreaterThanOrEqual(23);
    expect(ponder.entities.get("Node")?.get("successBps")).toEqual({ type: "Int!", derived: false });
    expect(ponder.entities.get("Shard")?.get("id")).toEqual({ type: "ID!", derived: false });
    expect(ponder.entities.get("Task")?.get("shards")).toEqual({ type: "[Shard!]!", derived: true });
    expect(ponder.enums.get("ShardStatus")?.[0]).toBe("Pending");
  });

  it("has every entity, field, type and relation in both schemas", () => {
    expect(compareShapes(ponder, subgraph)).toEqual([]);
  });

  it("has the same entities in both schemas", () => {
    expect([...subgraph.entities.keys()].sort()).toEqual([...ponder.entities.keys()].sort());
  });
});

// A deliberately small Ponder schema and its subgraph counterpart, to prove the comparison catches drift.
const thingStatus = onchainEnum("thing_status", ["Open", "Closed"]);
const thing = onchainTable("thing", (t) => ({
  id: t.bigint().primaryKey(),
  owner: t.hex().notNull(),
  label: t.text(),
  status: thingStatus("status").notNull(),
  tags: t.bigint().array().notNull(),
}));
const part = onchainTable(
  "part",
  (t) => ({ thingId: t.bigint().notNull(), index: t.integer().notNull(), meta: t.json().notNull() }),
  (table) => ({ pk: primaryKey({ columns: [table.thingId, table.index] }) }),
);
const thingRelations = relations(thing, ({ many }) => ({ parts: many(part) }));
const partRelations = relations(part, ({ one }) => ({
  thing: one(thing, { fields: [part.thingId], references: [thing.id] }),
}));
const small = { thingStatus, thing, part, thingRelations, partRelations };

const smallSdl = `
enum ThingStatus { Open Closed }
type Thing @entity(immutable: false) {
  id: ID!
  owner: Bytes!
  label: String
  status: ThingStatus!
  tags: [BigInt!]!
  parts: [Part!]! @derivedFrom(field: "thing")
}
type Part @entity(immutable: false) {
  id: ID!
  thingId: BigInt!
  index: Int!
  meta: String!
  thing: Thing
}
`;

describe("compareShapes", () => {
  const ponder = ponderShape(small);

  it("accepts a subgraph schema that follows the naming convention", () => {
    expect(compareShapes(ponder, graphqlShape(smallSdl))).toEqual([]);
  });

  it("fails when a field is added to the subgraph only", () => {
    const sdl = smallSdl.replace("label: String", "label: String\n  extra: Int");
    expect(compareShapes(ponder, graphqlShape(sdl))).toEqual([
      "Thing.extra is in the subgraph but not in the Ponder schema",
    ]);
  });

  it("fails when a field is added to the Ponder schema only", () => {
    const wider = onchainTable("thing", (t) => ({
      id: t.bigint().primaryKey(),
      owner: t.hex().notNull(),
      label: t.text(),
      status: thingStatus("status").notNull(),
      tags: t.bigint().array().notNull(),
      extra: t.integer(),
    }));
    const shape = ponderShape({ ...small, thing: wider });
    expect(compareShapes(shape, graphqlShape(smallSdl))).toEqual([
      "Thing.extra is in the Ponder schema but not in the subgraph",
    ]);
  });

  it("fails on a type or nullability mismatch", () => {
    const sdl = smallSdl.replace("owner: Bytes!", "owner: String!").replace("index: Int!", "index: Int");
    expect(compareShapes(ponder, graphqlShape(sdl))).toEqual([
      "Thing.owner: Ponder maps to Bytes!, the subgraph has String!",
      "Part.index: Ponder maps to Int!, the subgraph has Int",
    ]);
  });

  it("fails on a missing entity, relation, @derivedFrom or enum member", () => {
    const sdl = smallSdl
      .replace(' @derivedFrom(field: "thing")', "")
      .replace("  thing: Thing\n", "")
      .replace("enum ThingStatus { Open Closed }", "enum ThingStatus { Open }");
    expect(compareShapes(ponder, graphqlShape(sdl))).toEqual([
      "Thing.parts: a many() relation needs @derivedFrom",
      "Part.thing is in the Ponder schema but not in the subgraph",
      "enum ThingStatus: Ponder has Open, Closed, the subgraph has Open",
    ]);
    const noPart = smallSdl.slice(0, smallSdl.indexOf("type Part"));
    expect(compareShapes(ponder, graphqlShape(noPart))).toContain(
      "entity Part is in the Ponder schema but not in the subgraph",
    );
  });
});
