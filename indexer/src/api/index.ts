// HTTP API: GraphQL (/graphql and /), SQL over HTTP for @ponder/client (/sql/*, read-only), and REST
// routes for the dApp (/network/summary, /nodes/leaderboard, /tasks/:id/timeline). Ponder itself serves
// /health, /ready, /status and /metrics.

import type { IncomingMessage, ServerResponse } from "node:http";
import { db } from "ponder:api";
import schema from "ponder:schema";
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import pg from "pg";
import { and, asc, client, count, desc, eq, graphql, sql } from "ponder";
import { z } from "zod";
import { serviceEnv } from "../lib/config.js";
import { jsonSafe, TIER_NAMES } from "../lib/format.js";
import { estimateQueryCost } from "./cost.js";
import { refusal } from "./refusals.js";
import { ResponseCache } from "./response-cache.js";

const env = serviceEnv();
const app = new Hono();

// ---------------------------------------------------------------------------------------------------
// GraphQL with guards: depth, aliases and tokens (graphql-armor inside Ponder's middleware) plus an
// estimated row cost, checked here before the query reaches the database.
// ---------------------------------------------------------------------------------------------------
const costGuard = createMiddleware(async (c, next) => {
  if (c.req.method !== "POST") return next();
  let body: unknown;
  try {
    body = await c.req.raw.clone().json();
  } catch {
    return next(); // GraphQL answers malformed bodies itself
  }
  const ops = Array.isArray(body) ? body : [body];
  for (const op of ops) {
    if (!op || typeof op !== "object") continue;
    const { query, variables, operationName } = op as Record<string, unknown>;
    if (typeof query !== "string") continue;
    const cost = estimateQueryCost(
      query,
      variables && typeof variables === "object" ? (variables as Record<string, unknown>) : {},
      typeof operationName === "string" ? operationName : null,
      env.NEURAL_GRAPHQL_MAX_TOKENS * 10,
    );
    if (cost > env.NEURAL_GRAPHQL_MAX_COST) {
      return c.json(
        {
          errors: [
            {
              message: `Query too costly: it may read about ${cost} rows, the limit is ${env.NEURAL_GRAPHQL_MAX_COST}. Use smaller limits or fewer nested lists.`,
              extensions: { code: "QUERY_TOO_COSTLY", cost, maxCost: env.NEURAL_GRAPHQL_MAX_COST },
            },
          ],
        },
        400,
      );
    }
  }
  return next();
});

// ---------------------------------------------------------------------------------------------------
// Response cache: the dApp asks the same heavy queries again and again, and the answers only change when
// new blocks are indexed. Ponder notifies the channel "<schema>_live_query" when it commits a checkpoint
// (the mechanism behind @ponder/client's live queries); every notification drops the cache. The cache is
// used only once the app is ready (the backfill commits without notifying) and while the listener is up.
// An entry is tagged with the generation seen before it was computed and served only in that generation,
// so a response never predates a commit the server had been told about. Without the listener (not set up
// yet, or lost), the key of the indexed state is read per request instead: the last event's id and block
// hash (every entity change comes from an event; a reorg changes the hash or the id). Identical requests
// that arrive while one of them is computed wait for its answer (single flight, src/api/response-cache.ts):
// after each commit a popular query runs once, not once per waiting client.
// ---------------------------------------------------------------------------------------------------
// Bodies are cached as UTF-8 bytes: a hit is written to the socket as is (no re-encoding, no length scan of a
// string of a few hundred kB per request).
const responseCache = new ResponseCache<Uint8Array<ArrayBuffer>>(env.NEURAL_GRAPHQL_CACHE_ENTRIES);
const utf8 = new TextEncoder();
let generation = 0;
let listening = false;
let ready = false;

type PonderGlobals = {
  PONDER_DATABASE?: {
    driver:
      | {
          dialect: "pglite";
          instance: {
            query: (q: string) => Promise<unknown>;
            onNotification: (cb: (channel: string) => void) => unknown;
          };
        }
      | { dialect: "postgres" };
  };
  PONDER_NAMESPACE_BUILD?: { schema: string };
  PONDER_COMMON?: { apiShutdown: { add: (fn: () => unknown) => void } };
};

const invalidate = () => {
  generation++;
  responseCache.clear();
};

async function listen(): Promise<void> {
  const g = globalThis as unknown as PonderGlobals;
  const database = g.PONDER_DATABASE;
  const schemaName = g.PONDER_NAMESPACE_BUILD?.schema;
  if (!database || !schemaName) return;
  const channel = `${schemaName}_live_query`;
  const driver = database.driver;
  if (driver.dialect === "pglite") {
    driver.instance.onNotification((ch) => {
      if (ch === channel) invalidate();
    });
    await driver.instance.query(`LISTEN "${channel}"`);
    listening = true;
    return;
  }
  // A connection of its own: Ponder's internal pool has two, and @ponder/client's listener holds one.
  const url = env.DATABASE_URL;
  if (!url) return;
  const connect = async (): Promise<void> => {
    const client = new pg.Client({ connectionString: url, application_name: "neural_indexer_cache" });
    try {
      client.on("notification", (n) => {
        if (n.channel === channel) invalidate();
      });
      client.on("error", () => {
        listening = false;
        invalidate();
        client.end().catch(() => {});
        setTimeout(() => void connect(), 1000);
      });
      await client.connect();
      g.PONDER_COMMON?.apiShutdown.add(() => client.end());
      await client.query(`LISTEN "${channel}"`);
      invalidate();
      listening = true;
    } catch {
      listening = false;
      client.end().catch(() => {});
      setTimeout(() => void connect(), 1000);
    }
  };
  await connect();
}

async function waitUntilReady(): Promise<void> {
  while (!ready) {
    try {
      const rows = (await db.execute(
        sql`select (value->>'is_ready')::int as ready from _ponder_meta where key = 'app'`,
      )) as unknown as { rows?: { ready: number }[] } | { ready: number }[];
      const list = Array.isArray(rows) ? rows : (rows.rows ?? []);
      if (list[0]?.ready === 1) {
        invalidate();
        ready = true;
        return;
      }
    } catch {
      // not created yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

if (env.NEURAL_GRAPHQL_CACHE_ENTRIES > 0) {
  listen().catch(() => {
    listening = false;
  });
  void waitUntilReady();
}

async function indexedState(): Promise<string> {
  const [last] = await db
    .select({ id: schema.protocolEvent.id, blockHash: schema.protocolEvent.blockHash })
    .from(schema.protocolEvent)
    .orderBy(desc(schema.protocolEvent.id))
    .limit(1);
  return last ? `${last.id}:${last.blockHash}` : "empty";
}

const json = { "content-type": "application/json; charset=utf-8" };

// The request's and response's Node objects (@hono/node-server's documented `HttpBindings`), absent on other
// runtimes. A hit is read and written through them: no Web Request clone, Response or stream per request,
// which once cost the server about 1 ms of CPU per 225 kB hit (as much as the socket write itself).
type NodeBindings = { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined;
type Ctx = Parameters<Parameters<typeof createMiddleware>[0]>[0];

/** The request body. Read from the Node request when there is one; `c.req.raw` then gets a copy of it. */
async function requestText(c: Ctx): Promise<string> {
  const incoming = (c.env as NodeBindings)?.incoming;
  if (!incoming || incoming.readableEnded || incoming.readableFlowing !== null) {
    return c.req.raw.clone().text();
  }
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  // What runs after this middleware (cost guard, GraphQL) reads the body from the raw request.
  c.req.raw = new Request(c.req.url, { method: c.req.method, headers: c.req.raw.headers, body: text });
  return text;
}

/**
 * Answers with a cached body: written to the Node response as is when there is one (with the headers set so
 * far, e.g. Ponder's CORS header), then RESPONSE_ALREADY_SENT's marker so that the server writes nothing more.
 */
function cachedResponse(c: Ctx, body: Uint8Array<ArrayBuffer>, how: "hit" | "shared"): Response {
  const outgoing = (c.env as NodeBindings)?.outgoing;
  if (!outgoing || outgoing.headersSent) {
    c.header("x-neural-cache", how);
    return c.body(body, 200, json);
  }
  const headers: Record<string, string | number> = {};
  c.res.headers.forEach((value, name) => {
    headers[name] = value;
  });
  Object.assign(headers, json, { "content-length": body.byteLength, "x-neural-cache": how });
  outgoing.writeHead(200, headers);
  outgoing.end(body);
  // content-length for Ponder's response-size metric; the server sends nothing for this response.
  return new Response(null, {
    headers: { "x-hono-already-sent": "true", "content-length": String(body.byteLength) },
  });
}

/** A request asking for a fresh answer (`Cache-Control: no-cache` or `no-store`) skips the cache both ways. */
const wantsFresh = (c: Ctx) => /\bno-(cache|store)\b/i.test(c.req.header("cache-control") ?? "");

const responseCacheMiddleware = createMiddleware(async (c, next) => {
  if (c.req.method !== "POST" || env.NEURAL_GRAPHQL_CACHE_ENTRIES === 0 || !ready || wantsFresh(c)) {
    return next();
  }
  const key = await requestText(c);
  const tag = listening ? `g${generation}` : `s${await indexedState()}`;
  const found = responseCache.lookup(key, tag);
  if (found.kind === "hit") return cachedResponse(c, found.body, "hit");
  if (found.kind === "wait") {
    const body = await found.body;
    if (body === null) return next();
    return cachedResponse(c, body, "shared");
  }
  let body: Uint8Array<ArrayBuffer> | null = null;
  try {
    await next();
    if (c.res.status === 200) {
      const text = await c.res.clone().text();
      try {
        if (text.length <= 2_000_000 && !(JSON.parse(text) as { errors?: unknown }).errors) {
          body = utf8.encode(text);
        }
      } catch {
        // not JSON: not shared
      }
    }
  } finally {
    // Cached only if nothing was committed meanwhile (same tag as before the computation).
    found.done(body, () => (listening ? `g${generation}` : tag) === tag);
  }
});

const graphqlHandler = graphql(
  { db, schema },
  {
    maxOperationDepth: env.NEURAL_GRAPHQL_MAX_DEPTH,
    maxOperationAliases: env.NEURAL_GRAPHQL_MAX_ALIASES,
    maxOperationTokens: env.NEURAL_GRAPHQL_MAX_TOKENS,
  },
);
// Refused requests (not executed: errors and no data) answer 400 like the cost guard, with readable errors.
const refusals = createMiddleware(async (c, next) => {
  await next();
  if (c.res.status !== 200 || !c.res.headers.get("content-type")?.includes("json")) return;
  let body: Parameters<typeof refusal>[1];
  try {
    body = await c.res.clone().json();
  } catch {
    return;
  }
  const refused = refusal(c.res.status, body);
  if (refused) {
    // Unset first: assigning over a response copies its headers, Content-Length included.
    c.res = undefined as unknown as Response;
    c.res = c.json(refused.body, 400);
  }
});
app.use("/graphql", responseCacheMiddleware, costGuard, refusals, graphqlHandler);
app.use("/", responseCacheMiddleware, costGuard, refusals, graphqlHandler);

// ---------------------------------------------------------------------------------------------------
// SQL over HTTP (@ponder/client). Ponder parses every statement and allows only read-only SELECTs on
// the schema's tables, run in a read-only transaction. A refused statement is the caller's fault: 400.
// ---------------------------------------------------------------------------------------------------
const sqlHandler = client({ db, schema });
app.use(
  "/sql/*",
  createMiddleware(async (c, next) => {
    await next();
    if (c.res.status === 500) {
      const message = await c.res.clone().text();
      c.res = new Response(message, {
        status: 400,
        headers: { "content-type": "text/plain; charset=UTF-8" },
      });
    }
  }),
  sqlHandler,
);

// ---------------------------------------------------------------------------------------------------
// REST
// ---------------------------------------------------------------------------------------------------
const badRequest = (error: z.ZodError) => ({
  error: "invalid request",
  issues: error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
});

/** GET /network/summary: network totals, active nodes per tier, today's stats, parameters. */
app.get("/network/summary", async (c) => {
  const [net] = await db.select().from(schema.network).where(eq(schema.network.id, "network"));
  const [today] = await db.select().from(schema.dailyStat).orderBy(desc(schema.dailyStat.dayStart)).limit(1);
  const parameters = await db
    .select()
    .from(schema.protocolParameter)
    .orderBy(asc(schema.protocolParameter.contract), asc(schema.protocolParameter.name));
  const tierThresholds = await db.select().from(schema.tierThreshold).orderBy(asc(schema.tierThreshold.tier));
  const tierFees = await db.select().from(schema.tierFee).orderBy(asc(schema.tierFee.tier));
  const n = net ?? null;
  const activeNodesByTier = Object.fromEntries(
    TIER_NAMES.map((name, i) => [name, n ? (n[`activeNodesTier${i}` as keyof typeof n] as number) : 0]),
  );
  return c.json(
    jsonSafe({
      network: n,
      activeNodesByTier,
      latestDay: today ?? null,
      parameters,
      tierThresholds,
      tierFees,
    }) as object,
  );
});

const tierParam = z
  .union([
    z.coerce.number().int().min(0).max(4),
    z.enum(TIER_NAMES).transform((name) => TIER_NAMES.indexOf(name)),
  ])
  .optional();

const leaderboardQuery = z.object({
  tier: tierParam,
  limit: z.coerce.number().int().min(1).max(500).default(50),
  active: z.enum(["true", "false"]).optional(),
});

/** GET /nodes/leaderboard?tier=&limit=&active=: by tier (high first), then success rate, then completed. */
app.get("/nodes/leaderboard", async (c) => {
  const parsed = leaderboardQuery.safeParse(c.req.query());
  if (!parsed.success) return c.json(badRequest(parsed.error), 400);
  const { tier, limit, active } = parsed.data;
  const filters = [
    tier === undefined ? undefined : eq(schema.node.tier, tier),
    active === undefined ? undefined : eq(schema.node.active, active === "true"),
  ].filter((f) => f !== undefined);
  const rows = await db
    .select()
    .from(schema.node)
    .where(filters.length ? and(...filters) : undefined)
    .orderBy(
      desc(schema.node.tier),
      desc(schema.node.successBps),
      desc(schema.node.completed),
      asc(schema.node.id),
    )
    .limit(limit);
  return c.json(
    jsonSafe({
      tier: tier ?? null,
      limit,
      nodes: rows.map((n, i) => ({ rank: i + 1, tierName: TIER_NAMES[n.tier] ?? null, ...n })),
    }) as object,
  );
});

const timelineParams = z.object({
  id: z
    .string()
    .regex(/^\d{1,78}$/, "task id must be a non-negative integer")
    .transform((s) => BigInt(s)),
});
const timelineQuery = z.object({
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
  offset: z.coerce.number().int().min(0).default(0),
});

/** GET /tasks/:id/timeline: every event of one task (task, shards, audits, disputes) in chain order. */
app.get("/tasks/:id/timeline", async (c) => {
  const params = timelineParams.safeParse(c.req.param());
  if (!params.success) return c.json(badRequest(params.error), 400);
  const query = timelineQuery.safeParse(c.req.query());
  if (!query.success) return c.json(badRequest(query.error), 400);
  const taskId = params.data.id;
  const [t] = await db.select().from(schema.task).where(eq(schema.task.id, taskId));
  if (!t) {
    return c.json(
      { error: `task ${taskId} not found`, taskId: taskId.toString(), task: null, events: [] },
      404,
    );
  }
  const events = await db
    .select()
    .from(schema.protocolEvent)
    .where(eq(schema.protocolEvent.taskId, taskId))
    .orderBy(asc(schema.protocolEvent.id)) // event ids sort in chain order
    .limit(query.data.limit)
    .offset(query.data.offset);
  const [{ total } = { total: 0 }] = await db
    .select({ total: count() })
    .from(schema.protocolEvent)
    .where(eq(schema.protocolEvent.taskId, taskId));
  return c.json(jsonSafe({ taskId, task: t, total, events }) as object);
});

export default app;
