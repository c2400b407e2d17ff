// The GraphQL response cache, without HTTP: answers keyed by request body and tagged with the state of the
// indexed data they were computed from, plus single flight (identical requests that arrive while one of
// them is computed wait for its answer instead of running the same query again). src/api/index.ts wires it
// to Ponder's commit notifications and to Hono.

export type Lookup =
  | { kind: "hit"; body: string }
  | { kind: "wait"; body: Promise<string | null> }
  | { kind: "compute"; done: (body: string | null, storeIfTag: () => boolean) => void };

export class ResponseCache {
  private readonly entries = new Map<string, { tag: string; body: string }>();
  private readonly inFlight = new Map<string, { tag: string; body: Promise<string | null> }>();

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }

  /**
   * What to do with a request for `key` while the indexed data is in state `tag`: answer from the cache,
   * wait for the identical request being computed (its body, or null when it failed: compute then), or
   * compute it and call `done` exactly once with the body to share (null: not shareable). `storeIfTag` is
   * asked after the computation whether the data is still in `tag`; only then is the body cached.
   */
  lookup(key: string, tag: string): Lookup {
    const hit = this.entries.get(key);
    if (hit && hit.tag === tag) return { kind: "hit", body: hit.body };
    const running = this.inFlight.get(key);
    if (running && running.tag === tag) return { kind: "wait", body: running.body };
    let share: (body: string | null) => void = () => {};
    const mine = { tag, body: new Promise<string | null>((resolve) => (share = resolve)) };
    this.inFlight.set(key, mine);
    let settled = false;
    return {
      kind: "compute",
      done: (body, storeIfTag) => {
        if (settled) return;
        settled = true;
        if (this.inFlight.get(key) === mine) this.inFlight.delete(key);
        share(body);
        if (body === null || !storeIfTag()) return;
        if (this.entries.size >= this.maxEntries && !this.entries.has(key)) {
          const oldest = this.entries.keys().next();
          if (!oldest.done) this.entries.delete(oldest.value);
        }
        this.entries.set(key, { tag, body });
      },
    };
  }
}
