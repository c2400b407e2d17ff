/**
 * The keeper's scheduler: which pending shards go to which nodes in the next block. Pure and deterministic
 * (same input, same output); no I/O.
 *
 * Objective, in order: (1) place as many shards as possible, (2) then minimise what clients pay: each shard
 * pays the price TaskManager locks at assignment, its node's ask raised to `minPrice` (minShardPrice) — a
 * reverse auction, so the sum of those prices is the cost —, (3) ties broken by reputation (higher first),
 * then by spreading a task's shards over distinct nodes, then by node id. A node with spare capacity for
 * several shards takes several (packing): spreading only ever chooses among nodes of the same price.
 *
 * Hard constraints (every placement meets all of them): node live (heartbeat present, not draining); tier ≥
 * the task's minimum; gpuCount ≥ gpus, per-GPU VRAM ≥ vramMiB (as NodeRegistry.isEligible checks it, even for gpus = 0), cpuCores ≥ cpus, memory ≥
 * memoryMiB (per shard); the node's remaining capacity (GPUs, CPUs, memory, free stake for the collateral,
 * concurrent-shard cap) after everything already running and placed; ask ≤ the task's max price; at most
 * `perClientCap` shards of one client and `maxAssignments` in total.
 *
 * Algorithm (one call = one block):
 *  1. Classes: tasks with identical requirements (tier, resources, max price, collateral) share one list of
 *     statically eligible nodes, sorted by (price ↑, reputation ↓, node id ↑).
 *  2. Fair selection: clients in order of their oldest task, round-robin one shard at a time, and inside a
 *     client round-robin over its tasks oldest first, until every client reaches its cap or the batch is full.
 *     A small task posted after a huge one therefore gets a shard in the first round.
 *  3. Greedy placement of the selected demand: GPU shards before CPU-only ones (a CPU-only shard on a GPU machine
 *     must not strand its GPUs), smaller shards first (more shards per capacity), then the most constrained class
 *     (fewest eligible nodes, then lowest max price): each shard goes to the cheapest node with room; among nodes of equal price, one shard per node
 *     per pass (spread), repeated while room remains (pack). A per-class cursor skips nodes already full for
 *     that class's shape (capacity only shrinks during a call).
 *  4. Repair: for a task that still has selected shards but no room, search an augmenting path breadth-first —
 *     move a shard of another class placed in this call to another eligible node with room, which frees room
 *     for this task (chains of moves allowed) — the classic augmenting path of bipartite b-matching, applied
 *     under the multi-dimensional capacities. A class whose search fails is not searched again in this call.
 *  5. Shards selected but still unplaced give their quota back; selection (2) runs again over the tasks that
 *     are not blocked, until nothing changes.
 *
 * Complexity, with N nodes, K requirement classes, T tasks, C clients, S shards placed: O(N log N) to sort the
 * nodes, O(K·N) to build the eligible lists, O(S + T + C·R) for selection over R rounds, O(S·G + K·N) for
 * placement where G is the size of the largest group of equal-ask nodes scanned per shard, and the repair
 * phases are bounded by `augmentBudget` and `priceBudget` steps (O(N + placements) per search). Memory O(N + K·N + S).
 * Measured: docs/benchmarks.md (10,000 shards on 1,000 nodes).
 *
 * The problem with multi-dimensional capacities is NP-hard in general (vector bin packing), so this is a
 * heuristic; on single-resource instances the benchmark compares it with an exact min-cost flow.
 */
import {
  type Placement,
  type SchedNode,
  type SchedTask,
  type ScheduleOptions,
  type ScheduleResult,
  shardPrice,
} from "./types.js";

const DEFAULT_AUGMENT_BUDGET = 150_000;
/** Work budget of the price repair (it never changes the count, so it gets less). */
const DEFAULT_PRICE_BUDGET = 50_000;
const UNLIMITED = 0x3fffffff;

interface Class {
  /** Eligible node positions, sorted by (ask, -reputation, nodeId). */
  eligible: Int32Array;
  /** groupEnd[i]: first position after the run of equal asks containing i. */
  groupEnd: Int32Array;
  cursor: number;
  gpus: number;
  cpus: number;
  memoryMiB: number;
  collateral: bigint;
  maxPrice: bigint;
  augmentFailed: boolean;
  id: number;
  minTier: number;
  /** Resources (not price, tier or collateral): classes of one shape nest by eligibility. */
  shape: string;
}

function classKey(t: SchedTask): string {
  const r = t.resources;
  return `${t.minTier}|${r.gpus}|${r.vramMiB}|${r.cpus}|${r.memoryMiB}|${t.maxPrice}|${t.collateral}`;
}

function validate(tasks: readonly SchedTask[], nodes: readonly SchedNode[], options: ScheduleOptions): void {
  if (!Number.isInteger(options.perClientCap) || options.perClientCap < 0) {
    throw new RangeError(`perClientCap must be an integer ≥ 0, got ${options.perClientCap}`);
  }
  if (!Number.isInteger(options.maxAssignments) || options.maxAssignments < 0) {
    throw new RangeError(`maxAssignments must be an integer ≥ 0, got ${options.maxAssignments}`);
  }
  if (options.minPrice !== undefined && options.minPrice < 0n) {
    throw new RangeError(`minPrice must be ≥ 0, got ${options.minPrice}`);
  }
  const seenNodes = new Set<number>();
  for (const n of nodes) {
    if (seenNodes.has(n.nodeId)) throw new RangeError(`node ${n.nodeId} appears twice`);
    seenNodes.add(n.nodeId);
  }
  const seenTasks = new Set<number>();
  for (const t of tasks) {
    if (seenTasks.has(t.taskId)) throw new RangeError(`task ${t.taskId} appears twice`);
    seenTasks.add(t.taskId);
  }
}

export function schedule(
  tasks: readonly SchedTask[],
  nodes: readonly SchedNode[],
  options: ScheduleOptions,
): ScheduleResult {
  validate(tasks, nodes, options);
  /** Work budget of the count repair, then (reset below) of the price repair. */
  let budgetLimit = options.augmentBudget ?? DEFAULT_AUGMENT_BUDGET;

  // ---- nodes: live ones, in price order -------------------------------------------------------------
  // A shard pays its node's ask raised to minPrice (TaskManager locks that price): that is the node's cost.
  const minPrice = options.minPrice ?? 0n;
  const floored = (n: SchedNode): bigint => (n.ask < minPrice ? minPrice : n.ask);
  const live = nodes.filter((n) => n.live);
  live.sort((a, b) => {
    const x = floored(a);
    const y = floored(b);
    return x < y ? -1 : x > y ? 1 : b.reputation - a.reputation || a.nodeId - b.nodeId;
  });
  const N = live.length;
  /** What a shard placed on live[i] pays (for a task whose max price is at least minPrice). */
  const cost: bigint[] = live.map(floored);
  const freeG = new Int32Array(N);
  const freeC = new Int32Array(N);
  const freeM = new Float64Array(N);
  const freeSlots = new Int32Array(N);
  const freeStake: bigint[] = new Array(N);
  for (let i = 0; i < N; i++) {
    const n = live[i] as SchedNode;
    freeG[i] = n.gpuCount - n.used.gpus;
    freeC[i] = n.cpuCores - n.used.cpus;
    freeM[i] = n.memoryMiB - n.used.memoryMiB;
    freeSlots[i] = n.maxShards === undefined ? UNLIMITED : n.maxShards - (n.running ?? 0);
    freeStake[i] = n.freeStake;
  }

  // ---- classes ----------------------------------------------------------------------------------------
  const classes: Class[] = [];
  const classByKey = new Map<string, Class>();
  const T = tasks.length;
  const taskClass: Class[] = new Array(T);
  for (let t = 0; t < T; t++) {
    const task = tasks[t] as SchedTask;
    const key = classKey(task);
    let cls = classByKey.get(key);
    if (!cls) {
      const r = task.resources;
      const elig: number[] = [];
      for (let i = 0; i < N; i++) {
        const n = live[i] as SchedNode;
        const ci = cost[i] as bigint;
        // sorted by cost: nothing further is eligible (cost = minPrice > maxPrice: the max was posted before a
        // raise of the minimum; those nodes all pay the max, and the ask itself is checked below)
        if (ci > task.maxPrice && ci > minPrice) break;
        if (
          n.ask <= task.maxPrice &&
          n.tier >= task.minTier &&
          n.gpuCount >= r.gpus &&
          n.vramMiB >= r.vramMiB &&
          n.cpuCores >= r.cpus &&
          n.memoryMiB >= r.memoryMiB
        ) {
          elig.push(i);
        }
      }
      const eligible = Int32Array.from(elig);
      const groupEnd = new Int32Array(eligible.length);
      for (let i = eligible.length - 1; i >= 0; i--) {
        const next = i + 1;
        groupEnd[i] =
          next < eligible.length && cost[eligible[next] as number] === cost[eligible[i] as number]
            ? (groupEnd[next] as number)
            : next;
      }
      cls = {
        eligible,
        groupEnd,
        cursor: 0,
        gpus: r.gpus,
        cpus: r.cpus,
        memoryMiB: r.memoryMiB,
        collateral: task.collateral,
        maxPrice: task.maxPrice,
        augmentFailed: false,
        id: classes.length,
        minTier: task.minTier,
        shape: `${r.gpus}|${r.vramMiB}|${r.cpus}|${r.memoryMiB}`,
      };
      classes.push(cls);
      classByKey.set(key, cls);
    }
    taskClass[t] = cls;
  }

  const fits = (i: number, c: Class): boolean =>
    (freeG[i] as number) >= c.gpus &&
    (freeC[i] as number) >= c.cpus &&
    (freeM[i] as number) >= c.memoryMiB &&
    (freeSlots[i] as number) > 0 &&
    (freeStake[i] as bigint) >= c.collateral;
  const take = (i: number, c: Class, sign: 1 | -1): void => {
    freeG[i] = (freeG[i] as number) - sign * c.gpus;
    freeC[i] = (freeC[i] as number) - sign * c.cpus;
    freeM[i] = (freeM[i] as number) - sign * c.memoryMiB;
    freeSlots[i] = (freeSlots[i] as number) - sign;
    freeStake[i] = (freeStake[i] as bigint) - (sign === 1 ? c.collateral : -c.collateral);
  };

  // ---- placements made in this call ---------------------------------------------------------------------
  const pTask: number[] = [];
  const pNode: number[] = [];
  const nodePl: number[][] = Array.from({ length: N }, () => []);
  const placed = new Int32Array(T);
  const place = (t: number, i: number): void => {
    take(i, taskClass[t] as Class, 1);
    const p = pTask.length;
    pTask.push(t);
    pNode.push(i);
    (nodePl[i] as number[]).push(p);
    placed[t] = (placed[t] as number) + 1;
  };
  /** Takes placement p back (its shard is pending again); the slot p stays in the arrays, marked -1. */
  const unplace = (p: number): void => {
    const t = pTask[p] as number;
    const from = pNode[p] as number;
    take(from, taskClass[t] as Class, -1);
    const list = nodePl[from] as number[];
    list.splice(list.indexOf(p), 1);
    placed[t] = (placed[t] as number) - 1;
    pTask[p] = -1;
  };
  const move = (p: number, to: number): void => {
    const from = pNode[p] as number;
    const c = taskClass[pTask[p] as number] as Class;
    take(from, c, -1);
    const list = nodePl[from] as number[];
    list.splice(list.indexOf(p), 1);
    take(to, c, 1);
    pNode[p] = to;
    (nodePl[to] as number[]).push(p);
  };

  // ---- fairness: clients and their tasks -----------------------------------------------------------
  const order = Array.from({ length: T }, (_, t) => t).sort(
    (a, b) =>
      (tasks[a] as SchedTask).seq - (tasks[b] as SchedTask).seq ||
      (tasks[a] as SchedTask).taskId - (tasks[b] as SchedTask).taskId,
  );
  const clientIndex = new Map<string, number>();
  const clientTasks: number[][] = [];
  for (const t of order) {
    const client = (tasks[t] as SchedTask).client.toLowerCase();
    let c = clientIndex.get(client);
    if (c === undefined) {
      c = clientTasks.length;
      clientIndex.set(client, c);
      clientTasks.push([]);
    }
    if ((tasks[t] as SchedTask).pending.length > 0 && (taskClass[t] as Class).eligible.length > 0) {
      (clientTasks[c] as number[]).push(t);
    }
  }
  const C = clientTasks.length;
  /** Tasks that could take over a displaced shard's quota in the repair phase. */
  const replaceCandidates = order.filter(
    (t) => (tasks[t] as SchedTask).pending.length > 0 && (taskClass[t] as Class).eligible.length > 0,
  );
  const quota = new Int32Array(C).fill(options.perClientCap);
  const rr = new Int32Array(C);
  const demand = new Int32Array(T);
  const blocked = new Uint8Array(T);
  let budget = options.maxAssignments;
  let rounds = 0;
  let augmentations = 0;
  let augmentSteps = 0;
  let improvements = 0;

  const pendingLeft = (t: number): number =>
    (tasks[t] as SchedTask).pending.length - (placed[t] as number) - (demand[t] as number);

  /** Round-robin selection; returns the tasks that got demand. */
  const select = (): number[] => {
    const touched: number[] = [];
    let active = Array.from({ length: C }, (_, c) => c).filter(
      (c) => (quota[c] as number) > 0 && (clientTasks[c] as number[]).length > 0,
    );
    while (budget > 0 && active.length > 0) {
      const still: number[] = [];
      for (const c of active) {
        if (budget === 0) break;
        const list = clientTasks[c] as number[];
        // drop tasks that cannot take more (blocked or nothing left)
        let picked = -1;
        while (list.length > 0) {
          const k = (rr[c] as number) % list.length;
          const t = list[k] as number;
          if (blocked[t] || pendingLeft(t) <= 0) {
            list.splice(k, 1);
            continue;
          }
          picked = t;
          rr[c] = k + 1;
          break;
        }
        if (picked < 0) continue;
        if (demand[picked] === 0) touched.push(picked);
        demand[picked] = (demand[picked] as number) + 1;
        quota[c] = (quota[c] as number) - 1;
        budget--;
        if ((quota[c] as number) > 0) still.push(c);
      }
      active = still;
    }
    return touched;
  };

  /** Greedy placement of task t's demand; returns how many could not be placed. */
  const greedy = (t: number): number => {
    const c = taskClass[t] as Class;
    const elig = c.eligible;
    let k = demand[t] as number;
    while (c.cursor < elig.length && !fits(elig[c.cursor] as number, c)) c.cursor++;
    let pos = c.cursor;
    while (k > 0 && pos < elig.length) {
      const end = c.groupEnd[pos] as number;
      // passes over the equal-ask group: one shard per node per pass (spread), again while room (pack)
      let progress = true;
      while (k > 0 && progress) {
        progress = false;
        for (let q = pos; q < end && k > 0; q++) {
          const i = elig[q] as number;
          if (fits(i, c)) {
            place(t, i);
            k--;
            progress = true;
          }
        }
      }
      pos = end;
    }
    demand[t] = 0;
    return k;
  };

  // BFS scratch
  const stamp = new Int32Array(N);
  let epoch = 0;
  const eTask: number[] = [];
  const eParent: number[] = [];
  const eP: number[] = [];
  const eNode: number[] = [];
  /** 1: the entry's task takes the quota of placement eP (a shard of another task, which goes back to pending). */
  const eReplace: number[] = [];
  const taskStamp = new Int32Array(T);
  const clientStamp = new Int32Array(T + 1);
  const taskClient = new Int32Array(T);
  for (let t = 0; t < T; t++)
    taskClient[t] = clientIndex.get((tasks[t] as SchedTask).client.toLowerCase()) as number;
  const clientOf = (t: number): number => taskClient[t] as number;

  /**
   * One more shard of task t through an augmenting path, taking one unit of its client's quota and of the
   * batch; false (nothing changed) when no path exists or the work budget is spent.
   */
  /**
   * Searches that failed, by shape. A class of the same shape whose eligible nodes are a subset (tier at least as
   * high, max price at most as high, collateral at least as high) cannot succeed either: its reachable set is a
   * subset of the failed one's.
   */
  const failedByShape = new Map<string, Array<{ minTier: number; maxPrice: bigint; collateral: bigint }>>();
  const dominated = (c: Class): boolean =>
    (failedByShape.get(c.shape) ?? []).some(
      (f) => f.minTier <= c.minTier && f.maxPrice >= c.maxPrice && f.collateral <= c.collateral,
    );
  const augment = (t: number): boolean => {
    const root = taskClass[t] as Class;
    if (root.augmentFailed || augmentSteps >= budgetLimit) return false;
    if (dominated(root)) {
      root.augmentFailed = true;
      return false;
    }
    const rootClient = clientOf(t);
    quota[rootClient] = (quota[rootClient] as number) - 1;
    budget--;
    const found = search(t);
    if (!found) {
      quota[rootClient] = (quota[rootClient] as number) + 1;
      budget++;
    }
    return found;
  };
  /**
   * Breadth-first search for an augmenting path from task t. With `rootP` < 0 it places one more shard of t;
   * otherwise it moves placement rootP (a shard of t) and succeeds only if the chain ends on a node asking less
   * than `limit` (the net price change of a chain is the end node's ask minus rootP's), without replacements.
   */
  const search = (t: number, rootP = -1, limit = 0n): boolean => {
    const root = taskClass[t] as Class;
    const costMode = rootP >= 0;
    epoch++;
    eTask.length = eParent.length = eP.length = eNode.length = eReplace.length = 0;
    const push = (u: number, parent: number, p: number, node: number, replace: number): void => {
      taskStamp[u] = epoch;
      eTask.push(u);
      eParent.push(parent);
      eP.push(p);
      eNode.push(node);
      eReplace.push(replace);
    };
    push(t, -1, rootP, costMode ? (pNode[rootP] as number) : -1, 0);
    if (costMode) stamp[pNode[rootP] as number] = epoch;
    for (let e = 0; e < eTask.length; e++) {
      const u = eTask[e] as number;
      const cu = taskClass[u] as Class;
      const elig = cu.eligible;
      for (let q = 0; q < elig.length; q++) {
        const i = elig[q] as number;
        // price repair stays among nodes cheaper than the shard's current one (lists are sorted by ask)
        if (costMode && (cost[i] as bigint) >= limit) break;
        if (stamp[i] === epoch) continue;
        stamp[i] = epoch;
        if (++augmentSteps >= budgetLimit) return false;
        if (fits(i, cu) && (!costMode || (cost[i] as bigint) < limit)) {
          // apply the chain: u goes to i, each parent takes the place its child left
          let target = i;
          let cur = e;
          for (;;) {
            const p = eP[cur] as number;
            if (p < 0) {
              place(eTask[cur] as number, target);
              break;
            }
            if (eReplace[cur]) {
              const w = eTask[cur] as number;
              const cv = clientOf(pTask[p] as number);
              const cw = clientOf(w);
              unplace(p);
              place(w, target);
              if (cv !== cw) {
                quota[cv] = (quota[cv] as number) + 1;
                quota[cw] = (quota[cw] as number) - 1;
              }
            } else {
              move(p, target);
            }
            target = eNode[cur] as number;
            cur = eParent[cur] as number;
            if (cur < 0) break;
          }
          if (costMode) improvements++;
          else augmentations++;
          return true;
        }
        for (const p of nodePl[i] as number[]) {
          const v = pTask[p] as number;
          const cv = taskClass[v] as Class;
          if (cv === cu) continue;
          augmentSteps++;
          // would u fit on i once p left?
          if (
            (freeG[i] as number) + cv.gpus >= cu.gpus &&
            (freeC[i] as number) + cv.cpus >= cu.cpus &&
            (freeM[i] as number) + cv.memoryMiB >= cu.memoryMiB &&
            (freeStake[i] as bigint) + cv.collateral >= cu.collateral
          ) {
            // v's shard moves elsewhere ...
            if (taskStamp[v] !== epoch) push(v, e, p, i, 0);
            // ... or its quota goes to another task of its client, or of a client with quota left
            if (costMode) continue;
            const clientV = clientOf(v);
            if (clientStamp[clientV] === epoch) continue;
            clientStamp[clientV] = epoch;
            augmentSteps += replaceCandidates.length;
            for (const w of replaceCandidates) {
              if (taskStamp[w] === epoch || w === v || pendingLeft(w) <= 0) continue;
              if (clientOf(w) !== clientV && (quota[clientOf(w)] as number) <= 0) continue;
              push(w, e, p, i, 1);
            }
          }
        }
      }
    }
    if (!costMode && augmentSteps < budgetLimit) {
      root.augmentFailed = true;
      const list = failedByShape.get(root.shape) ?? [];
      list.push({ minTier: root.minTier, maxPrice: root.maxPrice, collateral: root.collateral });
      failedByShape.set(root.shape, list);
    }
    return false;
  };

  for (;;) {
    rounds++;
    const touched = select();
    if (touched.length === 0) break;
    touched.sort((a, b) => {
      const ca = taskClass[a] as Class;
      const cb = taskClass[b] as Class;
      return (
        Number(ca.gpus === 0) - Number(cb.gpus === 0) ||
        ca.gpus - cb.gpus ||
        ca.cpus - cb.cpus ||
        ca.memoryMiB - cb.memoryMiB ||
        ca.eligible.length - cb.eligible.length ||
        (ca.maxPrice < cb.maxPrice ? -1 : ca.maxPrice > cb.maxPrice ? 1 : 0) ||
        (tasks[a] as SchedTask).seq - (tasks[b] as SchedTask).seq ||
        a - b
      );
    });
    const short: Array<[number, number]> = [];
    for (const t of touched) {
      const left = greedy(t);
      if (left > 0) short.push([t, left]);
    }
    // give the unplaced quota back, then repair: each augmenting path takes one unit again
    for (const [t, left] of short) {
      const c = clientOf(t);
      quota[c] = (quota[c] as number) + left;
      budget += left;
      blocked[t] = 1;
    }
    for (const [t] of short) {
      const c = clientOf(t);
      while (budget > 0 && (quota[c] as number) > 0 && pendingLeft(t) > 0 && augment(t)) {}
    }
    if (short.length === 0) break;
  }

  // Final sweep: quotas moved between clients while classes were being searched, so a class that failed
  // earlier may have an augmenting path now. Retry every task whose client and the batch still have room.
  for (let progress = true; progress && budget > 0 && augmentSteps < budgetLimit; ) {
    progress = false;
    for (const cls of classes) cls.augmentFailed = false;
    failedByShape.clear();
    for (const t of order) {
      const c = clientOf(t);
      while (budget > 0 && (quota[c] as number) > 0 && pendingLeft(t) > 0 && augment(t)) progress = true;
    }
  }

  // Price: move placed shards to cheaper nodes along augmenting chains (most expensive first), while the work
  // budget lasts. Counts and quotas do not change; each success lowers the total price.
  const byPrice = Array.from({ length: pTask.length }, (_, p) => p).sort((a, b) => {
    const x = cost[pNode[a] as number] as bigint;
    const y = cost[pNode[b] as number] as bigint;
    return x > y ? -1 : x < y ? 1 : a - b;
  });
  const countSteps = augmentSteps;
  budgetLimit = countSteps + (options.priceBudget ?? DEFAULT_PRICE_BUDGET);
  for (const p of byPrice) {
    if (augmentSteps >= budgetLimit) break;
    const t = pTask[p] as number;
    if (t < 0) continue;
    const c = taskClass[t] as Class;
    // nothing cheaper is eligible: skip without searching
    if ((cost[c.eligible[0] as number] as bigint) >= (cost[pNode[p] as number] as bigint)) continue;
    search(t, p, cost[pNode[p] as number] as bigint);
  }

  // ---- result -----------------------------------------------------------------------------------------
  const next = new Int32Array(T);
  const placements: Placement[] = [];
  let totalPrice = 0n;
  // shard indexes in ascending order per task, in the order the placements were made
  for (let p = 0; p < pTask.length; p++) {
    const t = pTask[p] as number;
    if (t < 0) continue;
    const task = tasks[t] as SchedTask;
    const node = live[pNode[p] as number] as SchedNode;
    const k = next[t] as number;
    next[t] = k + 1;
    const price = shardPrice(node.ask, task.maxPrice, minPrice);
    placements.push({
      taskId: task.taskId,
      shardIndex: task.pending[k] as number,
      nodeId: node.nodeId,
      price,
    });
    totalPrice += price;
  }
  placements.sort((a, b) => a.taskId - b.taskId || a.shardIndex - b.shardIndex);
  let pendingTotal = 0;
  for (const task of tasks) pendingTotal += task.pending.length;
  return {
    placements,
    totalPrice,
    unplaced: pendingTotal - placements.length,
    stats: { augmentations, improvements, augmentSteps, rounds },
  };
}
