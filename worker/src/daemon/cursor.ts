/**
 * Incremental event scans (audit and committee duties, liveness pings, claimable tasks): each scan reads only the
 * blocks after the previous one, up to the head, from the deployment on the first. When no block came since, it
 * reads nothing — an RPC refuses a range that ends before it starts.
 */
export class BlockCursor {
  private scannedTo: bigint | undefined;

  /** Calls `read(from, head)` for the unscanned blocks (`from` undefined: from the deployment), then moves on. */
  async scan(head: bigint, read: (from: bigint | undefined, to: bigint) => Promise<void>): Promise<void> {
    const from = this.scannedTo === undefined ? undefined : this.scannedTo + 1n;
    if (from !== undefined && from > head) return;
    await read(from, head);
    this.scannedTo = head;
  }
}
