/**
 * SQLite's transient automatic index: when a join term `t.col = <value known outside the loop>`
 * has no index to seek on and the loop runs many times, reading `t` whole on every run costs
 * more than reading it once into an index. The index is a hash map here, from the key columns'
 * values (normalized as GROUP BY compares them: 1 = 1.0, under the column's collation) to the
 * rows holding them, built on the first run of one execution of the join and kept for its
 * other runs (it is keyed by the join's row array, which lives as long as that execution).
 *
 * Like every seek it only narrows what is read: the executor still tests every term on every
 * row it yields. EXPLAIN QUERY PLAN says `SEARCH t USING AUTOMATIC COVERING INDEX (col=?)`, or
 * `AUTOMATIC PARTIAL COVERING INDEX` when terms on `t` alone leave rows out of it.
 *
 * Memory is bounded: a table with more than MAX_AUTO_INDEX_ROWS rows (after the partial terms)
 * is not indexed; the path then scans it on every run, as it would have without the index.
 */
import type { Expr } from '../../sql/ast.js';
import type { Value } from '../value.js';
import type { AccessPath, Constraint, RowSource, Step } from './access-path.js';
import { autoIndexEstimate } from './cost-model.js';
import { isTrue } from './expr-api.js';
import { groupKey } from './group-key.js';
import type { CoreScope, Source, TrackedExpr } from './query-scope.js';
import type { RunContext } from './query-types.js';

/** The largest automatic index built (rows); a bigger table is scanned on every run instead. */
export const MAX_AUTO_INDEX_ROWS = 250_000;

type Built = Map<string, Value[][]> | 'too-big';

type KeyValues = (c: Constraint, row: Value[], rt: RunContext) => Value[];

export function autoIndexPath(
  scope: CoreScope,
  source: Source,
  label: string,
  scan: AccessPath,
  keys: readonly Constraint[],
  terms: readonly Expr[],
  nRows: number,
  keyValues: KeyValues,
): AccessPath | undefined {
  const table = source.table!;
  const collations = keys.map((c) => c.collation);
  // Terms on this table alone leave rows out of the index (they read nothing that changes
  // during one execution of the join, which is as long as the index lives).
  const partial: TrackedExpr[] = [];
  if (!source.leftJoin) {
    for (const term of terms) {
      if (hasSubquery(term)) continue;
      const t = scope.compile(term);
      if (t.subqueries.length === 0 && t.levels.size === 1 && t.levels.has(source.level)) partial.push(t);
    }
  }
  const names = keys.map((c) => `${table.columns[c.column]!.name}=?`).join(' AND ');
  const width = source.columns.length;
  const built = new WeakMap<Value[], Built>();

  const build = async (row: Value[], rt: RunContext): Promise<Built> => {
    const scratch = row.slice();
    const src = scan.open(scratch, rt);
    const index = new Map<string, Value[][]>();
    let count = 0;
    try {
      for (;;) {
        const s = src.next();
        const ok = typeof s === 'function' ? await s() : s;
        if (!ok) break;
        let keep = true;
        for (const t of partial) {
          if (!isTrue(t.fn(scratch, rt.eval))) {
            keep = false;
            break;
          }
        }
        if (!keep) continue;
        if (++count > MAX_AUTO_INDEX_ROWS) return 'too-big';
        const kv = keys.map((c) => scratch[source.offset + c.column] ?? null);
        if (kv.includes(null)) continue; // NULL equals nothing
        const k = groupKey(kv, collations);
        const stored = scratch.slice(source.offset, source.offset + width);
        stored.push(source.rowidSlot === undefined ? null : (scratch[source.rowidSlot] ?? null));
        const bucket = index.get(k);
        if (bucket === undefined) index.set(k, [stored]);
        else bucket.push(stored);
      }
    } finally {
      src.close();
    }
    return index;
  };

  const shape: Shape = { source, width, keys, collations, keyValues, scan, built, build };
  return {
    description: `SEARCH ${label} USING AUTOMATIC ${partial.length > 0 ? 'PARTIAL ' : ''}COVERING INDEX (${names})`,
    estimate: autoIndexEstimate(nRows, new Set(keys.map((c) => c.from))),
    providesOrder: false,
    open: (row, rt) => new AutoIndexSource(shape, row, rt),
  };
}

interface Shape {
  readonly source: Source;
  readonly width: number;
  readonly keys: readonly Constraint[];
  readonly collations: readonly string[];
  readonly keyValues: KeyValues;
  readonly scan: AccessPath;
  readonly built: WeakMap<Value[], Built>;
  readonly build: (row: Value[], rt: RunContext) => Promise<Built>;
}

/** One run of the loop: the rows of one key (a class, not closures: it is made once per outer row). */
class AutoIndexSource implements RowSource {
  private rows: readonly Value[][] | undefined;
  private at = 0;
  private fallback: RowSource | undefined;

  constructor(
    private readonly shape: Shape,
    private readonly row: Value[],
    private readonly rt: RunContext,
  ) {}

  next(): Step {
    if (this.fallback !== undefined) return this.fallback.next();
    if (this.rows !== undefined) return this.at < this.rows.length && this.fill();
    const ix = this.shape.built.get(this.row);
    if (ix !== undefined) return this.start(ix);
    return () =>
      this.shape.build(this.row, this.rt).then((b) => {
        this.shape.built.set(this.row, b);
        const s = this.start(b);
        return typeof s === 'function' ? s() : s;
      });
  }

  close(): void {
    this.fallback?.close();
  }

  private fill(): true {
    const { source, width } = this.shape;
    const r = this.rows![this.at++]!;
    for (let k = 0; k < width; k++) this.row[source.offset + k] = r[k] ?? null;
    if (source.rowidSlot !== undefined) this.row[source.rowidSlot] = r[width] ?? null;
    return true;
  }

  private start(ix: Built): Step {
    if (ix === 'too-big') {
      this.fallback = this.shape.scan.open(this.row, this.rt);
      return this.fallback.next();
    }
    const { keys, keyValues, collations } = this.shape;
    const kv: Value[] = [];
    for (const c of keys) kv.push(keyValues(c, this.row, this.rt)[0] ?? null);
    this.rows = kv.includes(null) ? [] : (ix.get(groupKey(kv, collations)) ?? []);
    return this.at < this.rows.length && this.fill();
  }
}

function hasSubquery(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(hasSubquery);
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return false;
  const o = node as Record<string, unknown>;
  if (o.kind === 'subquery' || o.kind === 'exists' || o.kind === 'select') return true;
  return Object.values(o).some(hasSubquery);
}
