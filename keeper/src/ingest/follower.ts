/**
 * Follows the chain up to `head - confirmations`, in chunks of `chunk` blocks, into the ChainView. Reorgs:
 * before each step the hash of the cursor block is compared with the chain's; if it changed, the view is
 * rebuilt from the deployment's start block (the view is derived data: rebuilding is always correct).
 */
import type { Logger } from "pino";
import type { KeeperChain } from "../chain/chain.js";
import type { AssignedEvent, ChainView } from "./view.js";

export interface PollResult {
  /** The chain reorganised below the cursor: the view was rebuilt from scratch. */
  reorg: boolean;
  /** Blocks ingested in this poll. */
  blocks: bigint;
  head: bigint;
  /** Every ShardAssigned ingested in this poll (the keeper's batches and nodes' claims alike). */
  assigned: AssignedEvent[];
  /** Tasks cancelled in this poll (their Pending shards left the view). */
  cancelled: bigint[];
  /** Late releases ingested in this poll (each a failed attempt of its node). */
  lateReleases: number;
  /** Liveness pings nodes answered (PingAnswered) in this poll. */
  pingsAnswered: number;
}

export class Follower {
  constructor(
    private readonly chain: KeeperChain,
    private readonly view: ChainView,
    private readonly options: { startBlock: bigint; confirmations: number; chunk: number; log: Logger },
  ) {}

  async poll(): Promise<PollResult> {
    const { chain, view, options } = this;
    const head = await chain.head();
    let reorg = false;
    if (view.cursor) {
      const current = await chain.block(view.cursor.block).catch(() => undefined);
      if (!current || current.hash !== view.cursor.hash) {
        options.log.warn(
          { block: view.cursor.block.toString(), was: view.cursor.hash, now: current?.hash },
          "reorg below the cursor: rebuilding the view from the chain",
        );
        view.clear();
        reorg = true;
      }
    }
    const target = head - BigInt(options.confirmations);
    let from = view.cursor ? view.cursor.block + 1n : options.startBlock;
    const first = from;
    const result: PollResult = {
      reorg,
      blocks: 0n,
      head,
      assigned: [],
      cancelled: [],
      lateReleases: 0,
      pingsAnswered: 0,
    };
    while (from <= target) {
      const to = from + BigInt(options.chunk) - 1n < target ? from + BigInt(options.chunk) - 1n : target;
      const [logs, block] = await Promise.all([chain.logs(from, to), chain.block(to)]);
      const applied = await view.apply(chain, logs, to);
      result.assigned.push(...applied.assigned);
      result.cancelled.push(...applied.cancelled);
      result.lateReleases += applied.lateReleases;
      result.pingsAnswered += applied.pingsAnswered;
      view.cursor = { block: to, hash: block.hash };
      from = to + 1n;
    }
    result.blocks = from - first;
    return result;
  }
}
