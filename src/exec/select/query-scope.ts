/**
 * Name resolution for one SELECT core, and the layout of the row its expressions read.
 *
 * Row layout (one `Value[]` per core, reused for every row):
 *
 *   [0, base)                  the enclosing query's columns (correlated subqueries read them)
 *   [offset_i, offset_i + w_i) FROM item i: a table's columns in declaration order then its
 *                              rowid; a subquery's (or view's) result columns
 *   [columnWidth, …)           slots the executor fills: subquery results, aggregate results
 *
 * While an expression is compiled the scope records which FROM items it read ("levels") and
 * which subqueries it bound, so the executor knows where in the join loop a WHERE term can be
 * tested and which subqueries to run before testing it.
 */
import { SqliteError } from '../../errors.js';
import type { Affinity } from '../../schema/affinity.js';
import type { TableInfo } from '../../schema/schema-types.js';
import type { Expr, SelectStatement } from '../../sql/ast.js';
import type { CompiledExpr, ResolvedColumn, Scope, SubqueryBinding } from '../expr-contract.js';
import { compareForSort, comparisonAffinity, compileExpr, createAggregate, exprAffinity, exprCollation, type Aggregate } from './expr-api.js';
import type { Value } from '../value.js';
import { jsonArgKinds } from '../functions/json/json-call.js';
import { groupKey } from './group-key.js';
import { orderedAggregate } from './ordered-aggregate.js';
import type { SortKey } from './sort-rows.js';
import type { TableFunction } from './table-functions.js';
import { compileWindowCall, type NamedWindows, type WindowBinding } from './window-binding.js';
import type { CompileEnv, CompiledQuery, ResultColumnInfo } from './query-types.js';

export interface SourceColumn {
  readonly name: string;
  /** undefined: no affinity (a subquery's or view's column computed by an expression). */
  readonly affinity: Affinity | undefined;
  readonly collation: string;
  /** A table-valued function's hidden column (its argument): left out of `*`. */
  readonly hidden?: boolean;
}

export interface Source {
  readonly level: number;
  /** The name columns are qualified with: the alias, else the table/view name. */
  readonly name: string;
  readonly offset: number;
  readonly columns: readonly SourceColumn[];
  /** Slot of the rowid (rowid tables only). */
  readonly rowidSlot: number | undefined;
  readonly table: TableInfo | undefined;
  readonly query: CompiledQuery | undefined;
  /** LEFT JOIN: the right-hand item of a LEFT JOIN (null-extended when nothing matches). */
  readonly leftJoin: boolean;
  /** Column indices hidden from `*` and from unqualified names (right-hand USING/NATURAL columns). */
  readonly usingHidden: Set<number>;
  /** Column indices read by some expression (-1: the rowid). */
  readonly used: Set<number>;
  /** `NOT INDEXED` (no index but the table's own b-tree) or `INDEXED BY name` (that index only). */
  readonly indexHint?: { readonly notIndexed: true } | { readonly indexedBy: string };
  /** A table-valued function in FROM, with its arguments (compiled once every source is added). */
  readonly tableFunction?: { readonly fn: TableFunction; readonly argExprs: readonly Expr[]; args: TrackedExpr[] };
}

export interface SubqueryRun {
  readonly slot: number;
  readonly mode: SubqueryBinding['mode'];
  readonly query: CompiledQuery;
  /** `x IN (SELECT …)`: the comparison affinity and collation of x against the column. */
  readonly inAffinity: Affinity | undefined;
  readonly inCollation: string;
  /** `(a, b) IN (SELECT x, y …)`: each member's comparison affinity and collation. */
  readonly rowIn?: { readonly affinities: readonly (Affinity | undefined)[]; readonly collations: readonly string[] };
}

export interface AggregateBinding {
  readonly slot: number;
  readonly args: readonly TrackedExpr[];
  readonly filter: TrackedExpr | undefined;
  readonly make: () => Aggregate;
  /** 'min' / 'max' with one argument (their bare columns come from the row they chose), else undefined. */
  readonly minMax: { readonly max: boolean; readonly collation: string } | undefined;
}

/** A compiled expression with what it needs at run time. */
export interface TrackedExpr {
  readonly expr: Expr;
  readonly fn: CompiledExpr;
  /** FROM items (levels) of this core it reads, directly or through correlated subqueries. */
  readonly levels: ReadonlySet<number>;
  /** Subqueries to run before evaluating it. */
  readonly subqueries: readonly SubqueryRun[];
}

interface Tracking {
  levels: Set<number>;
  subqueries: SubqueryRun[];
}

export type CompileQuery = (select: SelectStatement, env: CompileEnv, parent: CoreScope | undefined) => CompiledQuery;

export class CoreScope implements Scope {
  readonly sources: Source[] = [];
  columnWidth: number;
  private nextSlot: number;
  /** Set when a name resolved in an enclosing query. */
  usesOuter = false;
  /** Aggregates bound so far (undefined: aggregates are not allowed here). */
  readonly aggregates: AggregateBinding[] = [];
  /** Window function calls bound so far (result columns and ORDER BY only). */
  readonly windows: WindowBinding[] = [];
  /** Set while compiling the clauses where window functions may appear. */
  windowsAllowed = false;
  /** The core's `WINDOW name AS (…)` definitions. */
  namedWindows: NamedWindows | undefined;
  private inWindowArgs = false;
  /** USING columns merged by RIGHT/FULL joins, by lower-case name (the last merge of a name wins). */
  readonly merged = new Map<string, MergedColumn>();
  readonly mergedList: MergedColumn[] = [];
  /** The FROM clause has a RIGHT or FULL JOIN (then `*` names USING columns unqualified, as SQLite does). */
  hasRightJoin = false;
  /** `level:index` of the left column of every USING/NATURAL join (the one `*` shows). */
  readonly usingOrigins = new Set<string>();
  /** Every subquery bound in this core's expressions (for the plan). */
  readonly subqueries: SubqueryRun[] = [];
  private tracking: Tracking[] = [];
  private inAggregateArgs = false;
  /** `x IN (SELECT …)` seen while compiling: the SELECT → x. */
  private readonly inLeft = new Map<SelectStatement, Expr>();

  constructor(
    readonly env: CompileEnv,
    readonly parent: CoreScope | undefined,
    readonly compileQuery: CompileQuery,
  ) {
    this.columnWidth = parent?.columnWidth ?? 0;
    this.nextSlot = this.columnWidth;
  }

  get base(): number {
    return this.parent?.columnWidth ?? 0;
  }

  /** Total row width once compilation is done. */
  get width(): number {
    return this.nextSlot;
  }

  addSource(init: Omit<Source, 'level' | 'offset' | 'used'>, width: number): Source {
    if (this.nextSlot !== this.columnWidth) throw new Error('internal: sources must be added before expressions');
    const source: Source = { ...init, level: this.sources.length, offset: this.columnWidth, used: new Set() };
    this.sources.push(source);
    this.columnWidth += width;
    this.nextSlot = this.columnWidth;
    return source;
  }

  /** Adds a merged USING column; returns its number (see resolveColumn). */
  mergeUsingColumn(name: string, m: MergedColumn): number {
    this.merged.set(name.toLowerCase(), m);
    return this.mergedList.push(m) - 1;
  }

  allocSlot(): number {
    return this.nextSlot++;
  }

  /** Compiles `expr` recording the levels it reads and the subqueries it binds. */
  compile(expr: Expr, aggregateAllowed = false): TrackedExpr {
    const t: Tracking = { levels: new Set(), subqueries: [] };
    noteInSubqueries(expr, this.inLeft);
    this.tracking.push(t);
    try {
      const fn = compileExpr(expr, this, { aggregateAllowed });
      return { expr, fn, levels: t.levels, subqueries: t.subqueries };
    } finally {
      this.tracking.pop();
      // What an inner expression read, its enclosing one read too.
      const outer = this.tracking[this.tracking.length - 1];
      if (outer !== undefined) {
        for (const l of t.levels) outer.levels.add(l);
        outer.subqueries.push(...t.subqueries);
      }
    }
  }

  private noteLevel(level: number): void {
    this.tracking[this.tracking.length - 1]?.levels.add(level);
  }

  resolveColumn(table: string | undefined, column: string): ResolvedColumn | undefined {
    const col = column.toLowerCase();
    const tbl = table?.toLowerCase();
    // An unqualified name (or `*`'s MERGED_USING) reads the last merge of that name; MERGED_USING
    // followed by a number reads that merge (the next USING term of a chain compares with it).
    const merged =
      tbl === undefined || table === MERGED_USING
        ? this.merged.get(col)
        : table?.startsWith(MERGED_USING) === true
          ? this.mergedList[Number(table.slice(MERGED_USING.length))]
          : undefined;
    if (merged !== undefined) {
      if (tbl === undefined) {
        const visible = this.sources.filter((src) => src.columns.some((c, k) => !src.usingHidden.has(k) && c.name.toLowerCase() === col));
        if (visible.length > 1) throw new SqliteError('SQLITE_ERROR', `ambiguous column name: ${column}`);
      }
      this.noteLevel(merged.level);
      return { slot: merged.slot, affinity: merged.affinity as Affinity, collation: merged.collation };
    }
    let found: { source: Source; index: number } | undefined;
    let ambiguous = false;
    for (const source of this.sources) {
      if (tbl !== undefined && source.name.toLowerCase() !== tbl && tbl !== internalName(source.level)) continue;
      const index = source.columns.findIndex((c) => c.name.toLowerCase() === col);
      if (index >= 0) {
        if (tbl === undefined && source.usingHidden.has(index)) continue;
        if (found !== undefined) ambiguous = true;
        else found = { source, index };
      }
    }
    if (ambiguous) throw new SqliteError('SQLITE_ERROR', `ambiguous column name: ${table === undefined ? column : `${table}.${column}`}`);
    if (found === undefined && (col === 'rowid' || col === 'oid' || col === '_rowid_')) {
      const candidates = this.sources.filter(
        (s) => s.rowidSlot !== undefined && (tbl === undefined || s.name.toLowerCase() === tbl),
      );
      if (candidates.length === 1 || (candidates.length > 1 && tbl === undefined)) {
        const source = candidates[0]!;
        source.used.add(-1);
        this.noteLevel(source.level);
        return { slot: source.rowidSlot!, affinity: 'INTEGER', collation: 'BINARY', rowid: true };
      }
    }
    if (found !== undefined) {
      const { source, index } = found;
      source.used.add(index);
      // A generated column reads the whole row as SQLite counts it (sqlite3ExprColUsed: every
      // column is used), so no index covers it unless it covers every column.
      if (source.table?.columns[index]?.generated !== undefined) source.table.columns.forEach((_c, i) => source.used.add(i));
      this.noteLevel(source.level);
      const c = source.columns[index]!;
      // The INTEGER PRIMARY KEY reads the rowid slot (so an index lookup need not decode the row).
      const slot = source.table !== undefined && index === source.table.rowidAlias ? source.rowidSlot! : source.offset + index;
      if (slot === source.rowidSlot) source.used.add(-1);
      // A column of a subquery or view computed by an expression has no affinity at all (SQLite
      // then applies the other operand's affinity in a comparison); the contract's type has no
      // "none", so it travels as undefined, which exprAffinity passes through.
      return { slot, affinity: c.affinity as Affinity, collation: c.collation, ...(slot === source.rowidSlot && { rowid: true }) };
    }
    if (this.parent !== undefined) {
      const r = this.parent.resolveColumn(table, column);
      if (r !== undefined) {
        this.usesOuter = true;
        return r;
      }
    }
    return undefined;
  }

  /**
   * For a column holding JSON when it is an array or object (json_each's `value`), the slot
   * of the column saying which (its `type`); see json-call.ts.
   */
  jsonTypeSlot(table: string | undefined, column: string): number | undefined {
    let r: ResolvedColumn | undefined;
    try {
      r = this.resolveColumn(table, column);
    } catch {
      return undefined;
    }
    if (r === undefined) return undefined;
    for (const s of this.sources) {
      if (r.slot >= s.offset && r.slot < s.offset + s.columns.length) {
        const typeColumn = s.tableFunction?.fn.jsonColumns?.[s.columns[r.slot - s.offset]!.name];
        if (typeColumn === undefined) return undefined;
        const k = s.columns.findIndex((c) => c.name === typeColumn);
        return k < 0 ? undefined : s.offset + k;
      }
    }
    return this.parent?.jsonTypeSlot(table, column);
  }

  /**
   * The columns `x IN (subquery)` compares against: of a compound, its last arm's (SQLite's
   * exprINAffinity and sqlite3BinaryCompareCollSeq read pSelect, the rightmost SELECT; a VALUES
   * of several rows is such a compound), so `1 IN (SELECT t UNION SELECT 5)` compares without
   * affinity. Row-value comparisons with a subquery read the same columns.
   */
  private inColumns(select: SelectStatement, query: CompiledQuery): readonly ResultColumnInfo[] {
    let last = select.compounds[select.compounds.length - 1]?.core ?? select.first;
    // A VALUES of several rows is a compound to SQLite too: its last row is the last arm.
    if (last.kind === 'values' && last.rows.length > 1) last = { kind: 'values', rows: [last.rows[last.rows.length - 1]!] };
    else if (last === select.first) return query.columns;
    return this.compileQuery({ kind: 'select', ...(select.with !== undefined && { with: select.with }), first: last, compounds: [] }, this.env, this).columns;
  }

  bindSubquery(select: SelectStatement, mode: SubqueryBinding['mode'], width = 1): SubqueryBinding {
    const query = this.compileQuery(select, this.env, this);
    const n = query.columns.length;
    if (mode === 'row' && n !== width) throw new SqliteError('SQLITE_ERROR', 'row value misused');
    if ((mode === 'scalar' || mode === 'in') && n !== width) {
      throw new SqliteError('SQLITE_ERROR', `sub-select returns ${n} columns - expected ${width}`);
    }
    let inAffinity: Affinity | undefined;
    let inCollation = 'BINARY';
    let rowIn: SubqueryRun['rowIn'];
    const left = this.inLeft.get(select);
    // Of a compound, the last arm's columns (see inColumns).
    const cols = mode === 'in' || mode === 'row' ? this.inColumns(select, query) : query.columns;
    if (mode === 'in' && width > 1) {
      // `(a, b) IN (SELECT x, y …)`: each member pair compares as `a = x` would.
      const items = left?.kind === 'vector' ? left.items : [];
      rowIn = {
        affinities: cols.map((col, i) => comparisonAffinity(items[i] === undefined ? undefined : exprAffinity(items[i], this), col.affinity)),
        collations: cols.map((col, i) => {
          const l = items[i];
          return l !== undefined && (l.kind === 'collate' || l.kind === 'column') ? exprCollation(l, this) : col.collation;
        }),
      };
    } else if (mode === 'in') {
      const col = cols[0]!;
      const la = left === undefined ? undefined : exprAffinity(left, this);
      inAffinity = comparisonAffinity(la, col.affinity);
      inCollation = left !== undefined && (left.kind === 'collate' || left.kind === 'column') ? exprCollation(left, this) : col.collation;
    }
    const run: SubqueryRun = { slot: this.allocSlot(), mode, query, inAffinity, inCollation, ...(rowIn && { rowIn }) };
    this.subqueries.push(run);
    const t = this.tracking[this.tracking.length - 1];
    t?.subqueries.push(run);
    return { slot: run.slot, mode, columns: cols.map((c) => ({ affinity: c.affinity, collation: c.collation })) };
  }

  bindWindow(call: Expr & { kind: 'function' }): { readonly slot: number } {
    if (!this.windowsAllowed || this.inAggregateArgs || this.inWindowArgs) {
      throw new SqliteError('SQLITE_ERROR', `misuse of window function ${call.name}()`);
    }
    const slot = this.allocSlot();
    // Its terms are evaluated per row before the window runs, outside the expression being compiled.
    const saved = this.tracking;
    this.tracking = [];
    this.inWindowArgs = true;
    try {
      this.windows.push(compileWindowCall(this, call, this.namedWindows, slot));
    } finally {
      this.tracking = saved;
      this.inWindowArgs = false;
    }
    return { slot };
  }

  bindAggregate(call: Expr & { kind: 'function' }): { readonly slot: number } {
    if (this.inAggregateArgs) {
      throw new SqliteError('SQLITE_ERROR', `misuse of aggregate function ${call.name}()`);
    }
    const argc = call.star ? 0 : call.args.length;
    const lname = call.name.toLowerCase();
    const collation = argc === 1 && (lname === 'min' || lname === 'max') ? exprCollation(call.args[0]!, this) : 'BINARY';
    const distinctCollation = call.distinct && argc === 1 ? exprCollation(call.args[0]!, this) : 'BINARY';
    // Which arguments carry SQLite's JSON subtype (json_group_array(json_object(…)) nests).
    const jsonArgs = jsonArgKinds(call.args, this);
    // ORDER BY inside the call: its keys travel after the arguments, and the aggregate sees the
    // group's rows in that order (ordered-aggregate.ts).
    const order = call.orderBy ?? [];
    const keys: SortKey[] = order.map((t) => ({ desc: t.desc, nulls: t.nulls, collation: exprCollation(t.expr, this) }));
    const make = (): Aggregate => {
      // min()/max() compare text under their argument's collation (createAggregate knows no collation).
      if (collation.toUpperCase() !== 'BINARY') return minMax(lname === 'max', collation);
      const plainDistinct = call.distinct && argc !== 1;
      const created = createAggregate(call.name, plainDistinct, argc, undefined, jsonArgs);
      if (created === undefined) throw new SqliteError('SQLITE_ERROR', `no such function: ${call.name}`);
      const inner = order.length === 0 ? created : orderedAggregate(created, argc, keys);
      // DISTINCT: duplicates (under the argument's collation) are dropped as rows arrive, before
      // any ORDER BY sorts the survivors — as SQLite checks them at each step.
      return call.distinct && argc === 1 ? distinctOf(inner, distinctCollation) : inner;
    };
    make();
    this.inAggregateArgs = true;
    let args: TrackedExpr[];
    let filter: TrackedExpr | undefined;
    // Arguments are evaluated per input row, outside the expression being compiled.
    const saved = this.tracking;
    this.tracking = [];
    try {
      args = call.star ? [] : call.args.map((a) => this.compile(a));
      for (const t of order) args.push(this.compile(t.expr));
      filter = call.filter === undefined ? undefined : this.compile(call.filter);
    } finally {
      this.tracking = saved;
      this.inAggregateArgs = false;
    }
    const minMaxOf = argc === 1 && !call.distinct && order.length === 0 && (lname === 'min' || lname === 'max') ? { max: lname === 'max', collation } : undefined;
    const binding: AggregateBinding = { slot: this.allocSlot(), args, filter, make, minMax: minMaxOf };
    this.aggregates.push(binding);
    return { slot: binding.slot };
  }
}

/** Records, for every `x IN (SELECT …)` inside `node`, the SELECT → x. */
function noteInSubqueries(node: unknown, out: Map<SelectStatement, Expr>): void {
  if (Array.isArray(node)) {
    for (const n of node) noteInSubqueries(n, out);
    return;
  }
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return;
  const o = node as Record<string, unknown>;
  if (o.kind === 'select') return; // a nested query's own INs are its own scope's business
  if (o.kind === 'in') {
    const e = node as Expr & { kind: 'in' };
    if (e.target.kind === 'select') out.set(e.target.select, e.expr);
  }
  for (const v of Object.values(o)) noteInSubqueries(v, out);
}

/** Aggregate min()/max() under a collation: NULLs ignored, NULL when there is no other value. */
function minMax(max: boolean, collation: string): Aggregate {
  let best: Value = null;
  return {
    step(args: Value[]): void {
      const v = args[0] ?? null;
      if (v === null) return;
      if (best === null) best = v;
      else {
        const c = compareForSort(v, best, collation);
        if (max ? c > 0 : c < 0) best = v;
      }
    },
    final: () => best,
  };
}

/** Feeds `inner` each distinct non-NULL value once (NULLs pass: aggregates ignore them anyway). */
function distinctOf(inner: Aggregate, collation: string): Aggregate {
  const seen = new Set<string>();
  return {
    step(args: Value[]): void {
      const v = args[0] ?? null;
      if (v !== null) {
        const k = groupKey([v], [collation]);
        if (seen.has(k)) return;
        seen.add(k);
      }
      inner.step(args);
    },
    final: () => inner.final(),
  };
}

/**
 * A name no SQL text can spell, for the executor's own references to FROM item `level` (the
 * equality terms of USING and NATURAL joins, which must work even in `t NATURAL JOIN t`).
 */
/** The table name of merged USING columns (RIGHT/FULL JOIN … USING): never a name a user can write. */
export const MERGED_USING = '\u0000using';

/** A USING column of a RIGHT/FULL JOIN: coalesce(left, right), in its own slot. */
export interface MergedColumn {
  readonly slot: number;
  /** The level that fills it (the RIGHT/FULL JOIN item). */
  readonly level: number;
  readonly affinity: Affinity | undefined;
  readonly collation: string;
  /** The left-most source's column it stands for (where `*` shows it). */
  readonly origin: Source;
  readonly index: number;
}

export function internalName(level: number): string {
  return `\u0000${level}`;
}
