/**
 * The order of a join's nested loops, chosen by cost as SQLite's wherePathSolver does: the
 * partial orders of k loops are extended by every item that may come next, and the `width`
 * cheapest (one per set of items) are kept for the next step — N = 1 for one item, 5 for
 * two, 10 beyond, as SQLite. An order's cost is the sum over its loops of (rows of the loops
 * outside it) × (cost of one run of it), plus each loop's one-time setup (an automatic index);
 * its rows are the product of each loop's output rows.
 *
 * `prereq[i]` lists the items that must be outside item i: SQLite keeps every item written
 * before the right side of a LEFT JOIN or of a CROSS JOIN outside it.
 */

/** One way to run an item's loop, given the items outside it. */
export interface LoopOption {
  /** Cost of one run. */
  readonly cost: number;
  /** Rows one run yields (after the terms it can test). */
  readonly rows: number;
  /** Cost paid once. */
  readonly setup: number;
}

/** The item's options given the items outside it (`outer`, a bit set) — memoized by the caller's key. */
export type LoopOptions = (item: number, outer: bigint) => readonly LoopOption[];

export interface JoinOrder {
  /** Item per loop, outermost first. */
  readonly order: readonly number[];
  /** Index into the item's options, per loop. */
  readonly choice: readonly number[];
  readonly cost: number;
}

interface Partial {
  readonly mask: bigint;
  readonly order: number[];
  readonly choice: number[];
  readonly cost: number;
  readonly rows: number;
}

export function chooseJoinOrder(n: number, prereq: readonly bigint[], options: LoopOptions): JoinOrder {
  const width = n <= 1 ? 1 : n === 2 ? 5 : 10;
  let paths: Partial[] = [{ mask: 0n, order: [], choice: [], cost: 0, rows: 1 }];
  for (let step = 0; step < n; step++) {
    const best = new Map<bigint, Partial>();
    for (const p of paths) {
      for (let i = 0; i < n; i++) {
        const bit = 1n << BigInt(i);
        if ((p.mask & bit) !== 0n || (prereq[i]! & p.mask) !== prereq[i]!) continue;
        const opts = options(i, p.mask);
        const mask = p.mask | bit;
        for (let k = 0; k < opts.length; k++) {
          const o = opts[k]!;
          const cost = p.cost + o.setup + p.rows * o.cost;
          const rows = p.rows * o.rows;
          const old = best.get(mask);
          // Ties keep the earlier candidate: the written order wins among equals.
          if (old === undefined || cost < old.cost || (cost === old.cost && rows < old.rows)) {
            best.set(mask, { mask, order: [...p.order, i], choice: [...p.choice, k], cost, rows });
          }
        }
      }
    }
    paths = [...best.values()].sort((a, b) => a.cost - b.cost || a.rows - b.rows).slice(0, width);
    if (paths.length === 0) throw new Error('internal: no join order satisfies the prerequisites');
  }
  const won = paths[0]!;
  return { order: won.order, choice: won.choice, cost: won.cost };
}
