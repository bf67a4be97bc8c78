/**
 * The run-time frame of one data-changing statement, and of the statements its triggers run.
 *
 * Expressions of INSERT/UPDATE/DELETE are compiled against a `CoreScope` (the SELECT compiler's
 * name resolution), so they may hold subqueries, correlated or not, exactly as in a SELECT. The
 * row an expression reads is laid out as the SELECT executor lays out a core's row:
 *
 *   [0, base)                the enclosing frame (a trigger's OLD and NEW rows), when any
 *   [offset, offset + n)     the target table's columns in declaration order, then its rowid
 *   …                        further sources (`excluded` of an upsert)
 *   [columnWidth, width)     slots the executor fills: subquery results
 *
 * A trigger body's statements compile with the trigger's scope as their parent, so `NEW.x` and
 * `OLD.x` resolve there and read the frame's row prefix.
 */
import type { ConflictClause, WithClause } from '../../sql/ast.js';
import { SqliteError } from '../../errors.js';
import { referencesTable } from '../select/recursive-cte.js';
import type { TableInfo } from '../../schema/schema-types.js';
import { compileSelect } from '../select/compile-select.js';
import { CoreScope, type Source, type SubqueryRun, type TrackedExpr } from '../select/query-scope.js';
import type { CompileEnv, RunContext } from '../select/query-types.js';
import { ValueSet } from '../expr/value-set.js';
import type { Value } from '../value.js';
import type { ExecEnv } from './exec-env.js';

/** A trigger's OLD/NEW rows and the scope that names them (the parent of its body's scopes). */
export interface RowFrame {
  readonly scope: CoreScope;
  readonly row: readonly Value[];
}

export interface DmlRun {
  readonly env: ExecEnv;
  readonly rt: RunContext;
  /** Set inside a trigger program. */
  readonly frame: RowFrame | undefined;
  /** The OR clause of the statement that fired the trigger (it overrides the body's own). */
  readonly orOverride: ConflictClause | undefined;
  /** Triggers whose programs are running (lower-case names), outermost first. */
  readonly active: readonly string[];
  /** The statement's WITH clause, as the SELECT compiler sees common table expressions. */
  readonly ctes?: CompileEnv['ctes'];
  /**
   * DROP TABLE's implicit DELETE (foreign keys on): the table's own triggers do not fire, and
   * foreign key errors of its keys are ignored (foreign-key-drop.ts).
   */
  readonly dropping?: boolean;
}

/** The run of a top-level statement. */
export function topRun(env: ExecEnv): DmlRun {
  return { env, rt: { eval: env.ctx, pager: env.pager, cache: new Map() }, frame: undefined, orOverride: undefined, active: [] };
}

export function compileEnvOf(run: { readonly env: ExecEnv; readonly ctes?: CompileEnv['ctes'] }): CompileEnv {
  return { schema: run.env.schema, ctes: run.ctes ?? new Map(), viewStack: [] };
}

/**
 * The run of a statement with `WITH …` in front: its common table expressions are visible to
 * every SELECT and subquery of the statement (each CTE sees all of them, as compileSelect
 * arranges for a SELECT's own WITH). Not to the statements of the triggers it fires.
 */
export function withCtes(run: DmlRun, clause: WithClause | undefined): DmlRun {
  if (clause === undefined) return run;
  const ctes = new Map(run.ctes ?? []);
  const visible: CompileEnv = { schema: run.env.schema, ctes, viewStack: [] };
  for (const cte of clause.ctes) {
    const key = cte.name.toLowerCase();
    if (ctes.has(key) && !(run.ctes?.has(key) ?? false)) throw new SqliteError('SQLITE_ERROR', `duplicate WITH table name: ${cte.name}`);
    const recursive = referencesTable(cte.select, key);
    ctes.set(key, { cte, env: visible, ...(recursive && { recursive }) });
  }
  return { ...run, ctes };
}

/** A new scope for one statement's expressions, inside the run's frame. */
export function newScope(run: DmlRun): CoreScope {
  return new CoreScope(compileEnvOf(run), run.frame?.scope, compileSelect);
}

/**
 * Adds a table's row (columns, then rowid) to `scope` under `name`. `qualifiedOnly`: its
 * columns resolve only as `name.col` (an upsert's `excluded`).
 */
export function addTableSource(scope: CoreScope, table: TableInfo, name: string, qualifiedOnly = false): Source {
  const n = table.columns.length;
  const offset = scope.columnWidth;
  return scope.addSource(
    {
      name,
      columns: table.columns.map((c) => ({ name: c.name, affinity: c.affinity, collation: c.collation })),
      rowidSlot: table.withoutRowid ? undefined : offset + n,
      table,
      query: undefined,
      leftJoin: false,
      usingHidden: qualifiedOnly ? new Set(table.columns.map((_c, i) => i)) : new Set(),
    },
    n + 1,
  );
}

/** Writes a table row (and its rowid) into a row buffer at `source`'s place. */
export function placeRow(buffer: Value[], source: Source, row: readonly Value[], rowid: bigint | undefined): void {
  const at = source.offset;
  for (let i = 0; i < row.length; i++) buffer[at + i] = row[i] ?? null;
  buffer[at + row.length] = rowid ?? null;
}

/** A row buffer for `scope`, its frame prefix filled in. */
export function rowBuffer(scope: CoreScope, run: DmlRun): Value[] {
  const row = new Array<Value>(scope.width).fill(null);
  const outer = run.frame?.row;
  if (outer !== undefined) for (let i = 0; i < scope.base; i++) row[i] = outer[i] ?? null;
  return row;
}

async function subqueryValue(s: SubqueryRun, row: readonly Value[], rt: RunContext): Promise<Value> {
  if (!s.query.correlated && rt.cache.has(s)) return rt.cache.get(s) as Value;
  let v: unknown;
  if (s.mode === 'scalar') {
    v = null;
    for await (const b of s.query.batches(rt, row, 1)) {
      v = b[0]?.[0] ?? null;
      break;
    }
  } else if (s.mode === 'exists') {
    v = 0n;
    for await (const b of s.query.batches(rt, row, 1)) {
      if (b.length === 0) continue;
      v = 1n;
      break;
    }
  } else {
    const set = new ValueSet([], s.inAffinity, s.inCollation);
    for await (const b of s.query.batches(rt, row)) for (const r of b) set.add(r[0] ?? null);
    v = set;
  }
  if (!s.query.correlated) rt.cache.set(s, v);
  return v as Value;
}

/** Evaluates `t` on `row`, running its subqueries first (a Promise only when it has any). */
export function evaluate(t: TrackedExpr, row: Value[], rt: RunContext): Value | Promise<Value> {
  if (t.subqueries.length === 0) return t.fn(row, rt.eval);
  return (async () => {
    for (const s of t.subqueries) row[s.slot] = await subqueryValue(s, row, rt);
    return t.fn(row, rt.eval);
  })();
}

/** Evaluates every expression of `list` in order. */
export async function evaluateAll(list: readonly TrackedExpr[], row: Value[], rt: RunContext): Promise<Value[]> {
  const out = new Array<Value>(list.length);
  for (let i = 0; i < list.length; i++) {
    const v = evaluate(list[i]!, row, rt);
    out[i] = v instanceof Promise ? await v : v;
  }
  return out;
}

/** Whether an AST node holds a subquery anywhere (then its statement takes the general path). */
export function hasSubquery(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(hasSubquery);
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return false;
  const o = node as Record<string, unknown>;
  if (o.kind === 'select' || o.kind === 'subquery' || o.kind === 'exists') return true;
  return Object.values(o).some(hasSubquery);
}
