// The GraphQL response cache, without HTTP: answers keyed by request body and tagged with the state of the
// indexed data they were computed from, plus single flight (identical requests that arrive while one of
// them is computed wait for its answer instead of running the same query again). src/api/index.ts wires it
// to Ponder's commit notifications and to Hono.

// Bodies are kept as the caller stores them (the API keeps UTF-8 bytes, written to the socket as they are).
export type Lookup<B = string> =
  | { kind: "hit"; body: B }
  | { kind: "wait"; body: Promise<B | null> }
  | { kind: "compute"; done: (body: B | null, storeIfTag: () => boolean) => void };

export class ResponseCache<B = string> {
  private readonly entries = new Map<string, { tag: string; body: B }>();
  private readonly inFlight = new Map<string, { tag: string; body: Promise<B | null> }>();

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
  lookup(key: string, tag: string): Lookup<B> {
    const hit = this.entries.get(key);
    if (hit && hit.tag === tag) return { kind: "hit", body: hit.body };
    const running = this.inFlight.get(key);
    if (running && running.tag === tag) return { kind: "wait", body: running.body };
    let share: (body: B | null) => void = () => {};
    const mine = { tag, body: new Promise<B | null>((resolve) => (share = resolve)) };
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
