/**
 * Liveness pings (issue 12). When a keeper stops seeing this node's heartbeat it may ping one of the node's running
 * shards on-chain (ShardPinged); unless the node's keys call answerPing before `respondBy`, anyone can release the
 * shard (a failed attempt of the node). The answerer follows ShardPinged events for this node on its own timer,
 * independent of the job loop (a ping comes while a shard trains), and answers every ping of a shard this daemon
 * holds: the one it is running, or one whose attempt journal is open (it will resume it after a restart). A shard it
 * does not hold is left unanswered on purpose, so the keeper can hand it to a live node. Idempotent: the chain's
 * ping state is read before each answer (a ping already answered, or of an earlier assignment, is skipped), and an
 * answer the chain refuses changes nothing.
 */

import { ContractRevertError, ShardStatus } from "@neural/sdk";
import type { Actor, NeuralChain } from "../chain/index.js";
import type { Logger } from "../log.js";
import { BlockCursor } from "./cursor.js";

export interface PingRef {
  taskId: bigint;
  shardIndex: bigint;
  epoch: number;
}

/** What to do about one ping, from the chain's state and what this daemon holds. */
export type PingDecision =
  /** the shard is this node's, Assigned in the pinged epoch, the ping outstanding and the daemon holds it */
  | "answer"
  /** the ping is over: answered already, or the shard moved on (submitted, released, another epoch or node) */
  | "done"
  /** outstanding, but this daemon does not hold the shard: left unanswered (looked at again next poll) */
  | "not-held";

export function pingDecision(
  ping: PingRef,
  state: {
    nodeId: bigint;
    shard: { status: number; nodeId: bigint; epoch: number };
    /** TaskManager.shardPing: the epoch of the latest ping and its respondBy (0 once answered). */
    latest: { epoch: number; respondBy: bigint };
    holds: boolean;
  },
): PingDecision {
  const { shard, latest } = state;
  if (shard.status !== ShardStatus.Assigned || shard.nodeId !== state.nodeId) return "done";
  if (shard.epoch !== ping.epoch || latest.epoch !== ping.epoch || latest.respondBy === 0n) return "done";
  return state.holds ? "answer" : "not-held";
}

export interface PingDeps {
  chain: NeuralChain;
  actor: Actor;
  nodeId: bigint;
  log: Logger;
  /** Whether this daemon holds attempt `epoch` of the shard (running it, or its journal is open). */
  holds: (taskId: bigint, shardIndex: bigint, epoch: number) => boolean | Promise<boolean>;
}

export type PingAnswer = PingRef & { hash: `0x${string}` };

export class PingAnswerer {
  private readonly blocks = new BlockCursor();
  /** Pings seen and not over yet, by `task:shard:epoch`. */
  private readonly open = new Map<string, PingRef>();
  private readonly warned = new Set<string>();

  constructor(private readonly deps: PingDeps) {}

  /** One poll: scans new ShardPinged events of this node and answers every open ping of a shard it holds. */
  async poll(): Promise<PingAnswer[]> {
    const { chain, actor, nodeId, log } = this.deps;
    const head = await chain.publicClient.getBlockNumber({ cacheTime: 0 });
    await this.blocks.scan(head, async (from, to) => {
      for (const p of await chain.pingsOf(nodeId, from, to)) {
        this.open.set(`${p.taskId}:${p.shardIndex}:${p.epoch}`, {
          taskId: p.taskId,
          shardIndex: p.shardIndex,
          epoch: p.epoch,
        });
      }
    });
    const answered: PingAnswer[] = [];
    for (const [key, ping] of this.open) {
      const [shard, latest] = await Promise.all([
        chain.getShard(ping.taskId, ping.shardIndex),
        chain.shardPing(ping.taskId, ping.shardIndex),
      ]);
      const decision = pingDecision(ping, {
        nodeId,
        shard: { status: shard.status, nodeId: BigInt(shard.nodeId), epoch: Number(shard.epoch) },
        latest: { epoch: Number(latest.epoch), respondBy: latest.respondBy },
        holds: await this.deps.holds(ping.taskId, ping.shardIndex, ping.epoch),
      });
      const where = { task: String(ping.taskId), shard: String(ping.shardIndex), epoch: ping.epoch };
      if (decision === "done") {
        this.open.delete(key);
        this.warned.delete(key);
        continue;
      }
      if (decision === "not-held") {
        if (!this.warned.has(key))
          log.warn(where, "liveness ping of a shard this daemon does not hold: left unanswered");
        this.warned.add(key);
        continue;
      }
      try {
        const r = await chain.answerPing(actor, ping.taskId, ping.shardIndex);
        this.open.delete(key);
        answered.push({ ...ping, hash: r.hash });
        log.info({ ...where, tx: r.hash }, "answered a keeper's liveness ping: the shard stays ours");
      } catch (error) {
        // answered or released in the meantime: the next poll reads the chain again
        if (!(error instanceof ContractRevertError)) throw error;
        log.warn({ ...where, err: error.message }, "liveness answer refused");
      }
    }
    return answered;
  }
}
