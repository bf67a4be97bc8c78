/**
 * Which FROM item each nested loop reads: the cost-based order of join-order.ts over the
 * estimates of access-path.ts and cost-model.ts, for the joins it may reorder — inner joins of
 * tables and FROM subqueries, with LEFT and CROSS JOIN keeping what is written before them
 * outside. A FROM clause with a RIGHT or FULL JOIN or a table-valued function (whose arguments
 * read the items to their left) keeps its written order.
 */
import type { Expr } from '../../sql/ast.js';
import { planTableAccess, type AccessPath } from './access-path.js';
import { DEFAULT_TABLE_ROWS, scanEstimate, type Estimate, type StatLookup } from './cost-model.js';
import type { JoinTerms } from './from-clause.js';
import { chooseJoinOrder, type LoopOption } from './join-order.js';
import type { CoreScope, TrackedExpr } from './query-scope.js';

export interface LoopOrder {
  /** The FROM item (level) of each loop, outermost first. */
  readonly order: readonly number[];
  /** Per loop: the join-order search chose the automatic index its table path offers. */
  readonly autoIndex: readonly boolean[];
}

/** Each term not consumed by a seek still keeps a share of the rows (SQLite: LogEst −1 each). */
const TERM_FRACTION = 0.93;

export function orderLoops(
  scope: CoreScope,
  join: JoinTerms,
  whereTerms: readonly TrackedExpr[],
  leftOn: readonly (readonly TrackedExpr[])[],
  implied: ReadonlySet<TrackedExpr>,
  stats: StatLookup | undefined,
): LoopOrder {
  const sources = scope.sources;
  const n = sources.length;
  const identity: LoopOrder = { order: sources.map((_, i) => i), autoIndex: sources.map(() => false) };
  if (n === 0 || join.rightJoins.length > 0 || sources.some((s) => s.tableFunction !== undefined || (s.table === undefined && s.query === undefined))) {
    return identity;
  }
  const prereq = sources.map((s, i) => (s.leftJoin || join.crossJoins.includes(i) ? (1n << BigInt(i)) - 1n : 0n));

  const maskOf = (levels: ReadonlySet<number>): bigint => {
    let m = 0n;
    for (const l of levels) m |= 1n << BigInt(l);
    return m;
  };
  const whereMasks = whereTerms.map((t) => maskOf(t.levels));
  const onMasks = leftOn.map((ts) => ts.map((t) => maskOf(t.levels)));
  /** The terms tested in item i's loop when `outer` is outside it: they read i and only known items. */
  const localTerms = (i: number, outer: bigint): TrackedExpr[] => {
    const self = 1n << BigInt(i);
    const known = outer | self;
    const out: TrackedExpr[] = [];
    const from = sources[i]!.leftJoin ? leftOn[i]! : whereTerms;
    const masks = sources[i]!.leftJoin ? onMasks[i]! : whereMasks;
    from.forEach((t, k) => {
      const m = masks[k]!;
      if ((m & self) !== 0n && (m & ~known) === 0n) out.push(t);
    });
    return out;
  };

  // An item's options depend only on which of the items its terms read are outside it: the
  // memo key keeps just those (for select5's 64-table joins, a handful of keys per item).
  const neighbours = sources.map((_, i) => {
    const self = 1n << BigInt(i);
    let m = 0n;
    const masks = sources[i]!.leftJoin ? onMasks[i]! : whereMasks;
    for (const t of masks) if ((t & self) !== 0n) m |= t;
    return m & ~self;
  });
  const memo = new Map<string, readonly LoopOption[]>();
  const options = (i: number, outerAll: bigint): readonly LoopOption[] => {
    const outer = outerAll & neighbours[i]!;
    const key = `${i}:${outer}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const terms = localTerms(i, outer);
    const s = sources[i]!;
    const opts: LoopOption[] = [];
    if (s.table !== undefined) {
      const outerSet = new Set<number>();
      for (let l = 0; l < n; l++) if ((outer & (1n << BigInt(l))) !== 0n) outerSet.add(l);
      const path = planTableAccess(
        scope,
        s,
        terms.map((t) => t.expr),
        undefined,
        { outer: outerSet, autoIndex: outer !== 0n, ...(stats !== undefined && { stats }) },
      );
      const counted = terms.filter((t) => !implied.has(t));
      opts.push(adjusted(path.estimate ?? scanEstimate(DEFAULT_TABLE_ROWS), counted));
      if (path.autoIndex?.estimate !== undefined) opts.push(adjusted(path.autoIndex.estimate, counted));
    } else opts.push(adjusted(scanEstimate(DEFAULT_TABLE_ROWS), terms.filter((t) => !implied.has(t))));
    memo.set(key, opts);
    return opts;
  };
  const { order, choice } = chooseJoinOrder(n, prereq, options);
  return { order, autoIndex: choice.map((c) => c === 1) };
}

/**
 * A loop's rows after the terms it tests without seeking on them (whereLoopOutputAdjust): each
 * keeps TERM_FRACTION of them, and an equality at most a quarter (half when it compares with
 * -1, 0 or 1).
 */
function adjusted(e: Estimate, terms: readonly TrackedExpr[]): LoopOption {
  let rows = e.rows;
  let reduce = 1;
  for (const t of terms) {
    if (e.consumed.has(t.expr)) continue;
    rows *= TERM_FRACTION;
    if (isEquality(t.expr)) reduce = Math.max(reduce, smallIntegerOperand(t.expr) ? 2 : 4);
  }
  rows = Math.min(rows, e.rows / reduce);
  return { cost: e.cost, rows: Math.max(rows, Math.min(e.rows, 1)), setup: e.setup };
}

function isEquality(e: Expr): e is Expr & { kind: 'binary' } {
  return e.kind === 'binary' && (e.op === '=' || e.op === 'IS');
}

function smallIntegerOperand(e: Expr): boolean {
  if (e.kind !== 'binary') return false;
  const small = (x: Expr): boolean => x.kind === 'literal' && x.type === 'integer' && ['-1', '0', '1'].includes(String(x.value));
  return small(e.left) || small(e.right);
}

/** The table path of loop `p` as ordered: its own, or the automatic index the search chose. */
export function chosenPath(path: AccessPath, autoIndex: boolean): AccessPath {
  return autoIndex && path.autoIndex !== undefined ? path.autoIndex : path;
}
