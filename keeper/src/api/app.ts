/**
 * The keeper's status API (Hono): health, Prometheus metrics, a task's live progress as Server-Sent Events
 * (from its Redis progress stream, resumable with Last-Event-ID), and IPFS upload/read endpoints for browsers
 * (size- and rate-limited). Every bad request gets a 4xx with a JSON body `{ error }` that says what to fix.
 */
import { parseCid, type RedisNames, STREAM_FIELD, taskSpec } from "@neural/sdk";
import type { StorageNode } from "@neural/sdk/node";
import { Hono } from "hono";
import { cors } from "hono/cors";
import { streamSSE } from "hono/streaming";
import type { Redis } from "ioredis";
import type { Registry } from "prom-client";

export interface ApiDeps {
  redis: Redis;
  names: RedisNames;
  registry: Registry;
  status: () => Record<string, unknown>;
  storage?: StorageNode;
  corsOrigins: string;
  uploadMaxBytes: number;
  /** Uploads per client per minute. */
  uploadRate: number;
  /** How long one XREAD waits before the SSE stream sends a keep-alive comment (ms). */
  sseBlockMs?: number;
  /** The client's address for rate limiting (default: x-forwarded-for is NOT trusted; the socket address). */
  clientKey?: (req: Request, env: unknown) => string;
}

const STREAM_ID = /^\d{1,20}-\d{1,20}$/;
const TASK_ID = /^[1-9]\d{0,18}$/;

export function createApp(d: ApiDeps): Hono {
  const app = new Hono();
  const origins = d.corsOrigins === "*" ? "*" : d.corsOrigins.split(",").map((o) => o.trim());
  app.use(
    "*",
    cors({
      origin: origins,
      allowHeaders: ["Content-Type", "Last-Event-ID"],
      exposeHeaders: ["Retry-After"],
    }),
  );

  app.onError((err, c) => {
    return c.json({ error: err.message }, 500);
  });
  app.notFound((c) =>
    c.json(
      { error: `no route ${c.req.method} ${new URL(c.req.url).pathname}; see keeper/README.md#api` },
      404,
    ),
  );

  app.get("/health", (c) => c.json({ ok: true, ...d.status() }));

  app.get("/metrics", async (c) => {
    c.header("Content-Type", d.registry.contentType);
    return c.body(await d.registry.metrics());
  });

  app.get("/tasks/:id/progress", (c) => {
    const id = c.req.param("id");
    if (!TASK_ID.test(id)) {
      return c.json({ error: `task id must be a positive integer, got ${JSON.stringify(id)}` }, 400);
    }
    const last = c.req.header("Last-Event-ID") ?? c.req.query("lastEventId") ?? "0-0";
    if (last !== "0-0" && !STREAM_ID.test(last)) {
      return c.json(
        {
          error: `Last-Event-ID must be a Redis stream id like 1700000000000-0, got ${JSON.stringify(last)}`,
        },
        400,
      );
    }
    const key = d.names.progressStream(BigInt(id));
    return streamSSE(c, async (stream) => {
      const reader = d.redis.duplicate();
      let closed = false;
      stream.onAbort(() => {
        closed = true;
        reader.disconnect();
      });
      let cursor = last;
      try {
        while (!closed) {
          const res = (await reader.xread(
            "COUNT",
            100,
            "BLOCK",
            d.sseBlockMs ?? 15_000,
            "STREAMS",
            key,
            cursor,
          )) as Array<[string, Array<[string, string[]]>]> | null;
          if (closed) break;
          if (!res) {
            await stream.write(": keep-alive\n\n");
            continue;
          }
          for (const [, entries] of res) {
            for (const [entryId, fields] of entries) {
              const i = fields.indexOf(STREAM_FIELD);
              await stream.writeSSE({
                id: entryId,
                event: "progress",
                data: i >= 0 ? (fields[i + 1] ?? "") : "",
              });
              cursor = entryId;
            }
          }
        }
      } catch (error) {
        if (!closed)
          await stream.writeSSE({ event: "error", data: (error as Error).message }).catch(() => {});
      } finally {
        reader.disconnect();
      }
    });
  });

  // ---- IPFS -----------------------------------------------------------------------------------------------
  const buckets = new Map<string, { tokens: number; at: number }>();
  const allow = (key: string): boolean => {
    const now = Date.now();
    const b = buckets.get(key) ?? { tokens: d.uploadRate, at: now };
    b.tokens = Math.min(d.uploadRate, b.tokens + ((now - b.at) / 60_000) * d.uploadRate);
    b.at = now;
    buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  };
  const clientKey =
    d.clientKey ??
    ((_req: Request, env: unknown) => {
      const incoming = (env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
      return incoming?.socket?.remoteAddress ?? "unknown";
    });

  /** Reads the body up to the limit; undefined when it is larger. */
  async function readLimited(req: Request): Promise<Uint8Array | undefined> {
    const length = Number(req.headers.get("content-length") ?? "NaN");
    if (Number.isFinite(length) && length > d.uploadMaxBytes) return undefined;
    if (!req.body) return new Uint8Array();
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = req.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > d.uploadMaxBytes) {
        await reader.cancel();
        return undefined;
      }
      chunks.push(value);
    }
    const out = new Uint8Array(size);
    let o = 0;
    for (const ch of chunks) {
      out.set(ch, o);
      o += ch.byteLength;
    }
    return out;
  }

  const upload = (kind: "spec" | "file") =>
    app.post(kind === "spec" ? "/ipfs/spec" : "/ipfs/upload", async (c) => {
      if (!d.storage)
        return c.json({ error: "IPFS is not enabled on this keeper (set KEEPER_IPFS_DIR)" }, 503);
      if (!allow(clientKey(c.req.raw, c.env))) {
        c.header("Retry-After", "60");
        return c.json({ error: `too many uploads: at most ${d.uploadRate} per minute; retry later` }, 429);
      }
      const body = await readLimited(c.req.raw);
      if (!body)
        return c.json({ error: `body larger than ${d.uploadMaxBytes} bytes (KEEPER_UPLOAD_MAX_BYTES)` }, 413);
      if (body.byteLength === 0) return c.json({ error: "empty body: send the file's bytes" }, 400);
      if (kind === "spec") {
        let json: unknown;
        try {
          json = JSON.parse(new TextDecoder().decode(body));
        } catch {
          return c.json({ error: "the task spec must be JSON" }, 400);
        }
        const parsed = taskSpec.safeParse(json);
        if (!parsed.ok) return c.json({ error: parsed.error.message }, 400);
        const cid = await d.storage.putJson(parsed.value);
        return c.json({ cid: cid.toString(), bytes: body.byteLength }, 201);
      }
      const cid = await d.storage.addBytes(body);
      return c.json({ cid: cid.toString(), bytes: body.byteLength }, 201);
    });
  upload("spec");
  upload("file");

  app.get("/ipfs/:cid", async (c) => {
    if (!d.storage) return c.json({ error: "IPFS is not enabled on this keeper (set KEEPER_IPFS_DIR)" }, 503);
    let cid: ReturnType<typeof parseCid>;
    try {
      cid = parseCid(c.req.param("cid"));
    } catch (error) {
      return c.json({ error: `not a CID: ${(error as Error).message}` }, 400);
    }
    try {
      const bytes =
        cid.code === 0x55
          ? await d.storage.getRaw(cid, { timeoutMs: 10_000 })
          : await d.storage.getBytes(cid, { timeoutMs: 10_000, maxBytes: d.uploadMaxBytes });
      c.header("Content-Type", "application/octet-stream");
      c.header("Cache-Control", "public, max-age=31536000, immutable");
      return c.body(bytes as Uint8Array<ArrayBuffer>);
    } catch (error) {
      return c.json({ error: `cannot read ${cid}: ${(error as Error).message}` }, 404);
    }
  });

  return app;
}
