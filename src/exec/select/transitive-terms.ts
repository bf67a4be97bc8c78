/**
 * Transitive join terms: `a = b AND b = c` implies `a = c`, so that the loop over c's table can
 * seek on it with a's table outside it even when b's is not (SQLite finds these through its
 * WO_EQUIV equivalence classes in whereScanNext, up to 11 columns a class).
 *
 * Only columns that compare without any conversion join a class — the same affinity and the same
 * collation on both sides of every term — because only then is `=` transitive (with conversions,
 * `'1' = 1` and `1 = '1.0'` need not imply `'1' = '1.0'`). The derived terms are implied by the
 * written ones, so testing them as well never changes a result; the cost model does not count
 * them again when it estimates a loop's output rows.
 */
import type { Expr } from '../../sql/ast.js';
import type { CoreScope, TrackedExpr } from './query-scope.js';

const MAX_CLASS = 11;

interface Column {
  readonly expr: Expr;
  readonly slot: number;
  readonly level: number;
  readonly affinity: string;
  readonly collation: string;
}

export function transitiveTerms(scope: CoreScope, terms: readonly TrackedExpr[]): TrackedExpr[] {
  if (scope.sources.length < 3) return [];
  const column = (e: Expr): Column | undefined => {
    if (e.kind !== 'column') return undefined;
    const r = scope.resolveColumn(e.table, e.column);
    if (r === undefined || r.slot < scope.base) return undefined;
    const source = scope.sources.find((s) => r.slot === s.rowidSlot || (r.slot >= s.offset && r.slot < s.offset + s.columns.length));
    if (source === undefined) return undefined;
    return { expr: e, slot: r.slot, level: source.level, affinity: String(r.affinity), collation: r.rowid === true ? 'BINARY' : r.collation.toUpperCase() };
  };
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  const columns = new Map<number, Column>();
  const written = new Set<string>();
  for (const t of terms) {
    const e = t.expr;
    if (e.kind !== 'binary' || e.op !== '=') continue;
    const l = column(e.left);
    const r = column(e.right);
    if (l === undefined || r === undefined || l.level === r.level) continue;
    if (l.affinity !== r.affinity || l.collation !== r.collation) continue;
    for (const c of [l, r]) {
      if (!columns.has(c.slot)) {
        columns.set(c.slot, c);
        parent.set(c.slot, c.slot);
      }
    }
    parent.set(find(l.slot), find(r.slot));
    written.add(`${Math.min(l.slot, r.slot)}:${Math.max(l.slot, r.slot)}`);
  }
  const classes = new Map<number, Column[]>();
  for (const c of columns.values()) {
    const root = find(c.slot);
    const members = classes.get(root) ?? [];
    members.push(c);
    classes.set(root, members);
  }
  const derived: TrackedExpr[] = [];
  for (const members of classes.values()) {
    if (members.length < 3 || members.length > MAX_CLASS) continue;
    // Every member compares like the others (the terms that joined them checked it pairwise).
    const first = members[0]!;
    if (!members.every((m) => m.affinity === first.affinity && m.collation === first.collation)) continue;
    for (let i = 0; i < members.length; i++) {
      for (let j = i + 1; j < members.length; j++) {
        const a = members[i]!;
        const b = members[j]!;
        if (a.level === b.level || written.has(`${Math.min(a.slot, b.slot)}:${Math.max(a.slot, b.slot)}`)) continue;
        derived.push(scope.compile({ kind: 'binary', op: '=', left: a.expr, right: b.expr }));
      }
    }
  }
  return derived;
}
