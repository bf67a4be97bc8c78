/**
 * INSERT / UPDATE / DELETE on a view: only through its INSTEAD OF triggers
 * (https://www.sqlite.org/lang_createtrigger.html#instead_of_triggers). The rows the statement
 * would change are computed by the SELECT executor from the view (`SELECT * FROM v WHERE …`),
 * and for each one the INSTEAD OF triggers run with OLD / NEW in the view's columns; nothing is
 * written by the statement itself, and it reports no changes (as sqlite3_changes does).
 * Without such a trigger the statement fails with SQLite's message.
 */
import { SqliteError } from '../../errors.js';
import { asciiLower } from '../../schema/affinity.js';
import type { ViewInfo } from '../../schema/schema-types.js';
import type { DeleteStatement, Expr, InsertStatement, ResultColumn, SelectStatement, UpdateStatement } from '../../sql/ast.js';
import { compileSelect } from '../select/compile-select.js';
import type { CompiledQuery } from '../select/query-types.js';
import type { Value } from '../value.js';
import { compileEnvOf, type DmlRun } from './dml-run.js';
import { NO_CHANGES, type StatementResult } from './exec-env.js';
import { fireTriggers, selectTriggers, type TriggerTarget } from './triggers.js';
import { checkTriggers } from './trigger-check.js';

function viewTriggers(run: DmlRun, view: ViewInfo, event: 'INSERT' | 'UPDATE' | 'DELETE', setColumns?: readonly string[]) {
  const list = selectTriggers(run, view, event, 'INSTEAD OF', setColumns);
  if (list.length === 0 && selectTriggers(run, view, event, 'INSTEAD OF').length === 0) {
    throw new SqliteError('SQLITE_ERROR', `cannot modify ${view.name} because it is a view`);
  }
  return list;
}

function noReturning(stmt: { readonly returning?: readonly ResultColumn[] }): void {
  if (stmt.returning !== undefined) throw new SqliteError('SQLITE_ERROR', 'RETURNING on a view is not supported yet');
}

/** The view's rows (with WHERE) and, appended, `extra` expressions over them. */
function viewQuery(run: DmlRun, view: ViewInfo, alias: string | undefined, where: Expr | undefined, extra: readonly Expr[]): CompiledQuery {
  const select: SelectStatement = {
    kind: 'select',
    first: {
      kind: 'select-core',
      distinct: false,
      columns: [{ kind: 'star' }, ...extra.map((expr): ResultColumn => ({ kind: 'expr', expr }))],
      from: { kind: 'table', name: view.name, ...(alias !== undefined && { alias }), notIndexed: false },
      ...(where !== undefined && { where }),
    },
    compounds: [],
  };
  return compileSelect(select, compileEnvOf(run), run.frame?.scope);
}

async function allRows(run: DmlRun, q: CompiledQuery): Promise<Value[][]> {
  const out: Value[][] = [];
  for await (const b of q.batches(run.rt, run.frame?.row)) out.push(...b);
  return out;
}

function targetOf(view: ViewInfo, q: CompiledQuery, width: number): TriggerTarget {
  const target: TriggerTarget = {
    name: view.name,
    columns: q.columns.slice(0, width).map((c, i) => ({ name: view.columns?.[i] ?? c.name, affinity: c.affinity, collation: c.collation })),
    hasRowid: false,
  };
  // The same object for the same columns (of one view, one schema): trigger programs are cached
  // per target (triggers.ts), so the next statement on the view reuses them.
  const known = targets.get(view);
  if (known !== undefined && sameTarget(known, target)) return known;
  targets.set(view, target);
  return target;
}

const targets = new WeakMap<ViewInfo, TriggerTarget>();

function sameTarget(a: TriggerTarget, b: TriggerTarget): boolean {
  return (
    a.name === b.name &&
    a.columns.length === b.columns.length &&
    a.columns.every((c, i) => {
      const d = b.columns[i]!;
      return c.name === d.name && c.affinity === d.affinity && c.collation === d.collation;
    })
  );
}

function viewWidth(run: DmlRun, view: ViewInfo): { q: CompiledQuery; width: number } {
  const q = viewQuery(run, view, undefined, undefined, []);
  return { q, width: q.columns.length };
}

export async function insteadOfUpdate(run: DmlRun, view: ViewInfo, stmt: UpdateStatement, _text: string | undefined): Promise<StatementResult> {
  noReturning(stmt);
  if (stmt.from !== undefined) throw new SqliteError('SQLITE_ERROR', 'UPDATE … FROM on a view is not supported yet');
  const setNames = stmt.set.flatMap((s) => s.columns);
  const triggers = viewTriggers(run, view, 'UPDATE', setNames);
  const { width } = viewWidth(run, view);
  const values: Expr[] = [];
  const slots: number[] = [];
  const { q: shape } = viewWidth(run, view);
  const names = targetOf(view, shape, width).columns.map((c) => asciiLower(c.name));
  for (const s of stmt.set) {
    const exprs = s.columns.length === 1 ? [s.value] : s.value.kind === 'vector' ? s.value.items : undefined;
    if (exprs === undefined || exprs.length !== s.columns.length) throw new SqliteError('SQLITE_ERROR', `${s.columns.length} columns assigned 1 values`);
    s.columns.forEach((c, i) => {
      const slot = names.indexOf(asciiLower(c));
      if (slot < 0) throw new SqliteError('SQLITE_ERROR', `no such column: ${c}`);
      slots.push(slot);
      values.push(exprs[i]!);
    });
  }
  const q = viewQuery(run, view, stmt.alias, stmt.where, values);
  const target = targetOf(view, q, width);
  checkTriggers(run, triggers, target, true, true);
  for (const r of await allRows(run, q)) {
    const old = r.slice(0, width);
    const neu = [...old];
    slots.forEach((slot, i) => (neu[slot] = r[width + i] ?? null));
    await fireTriggers(run, triggers, target, { row: old, rowid: undefined }, { row: neu, rowid: undefined }, run.orOverride ?? stmt.conflict);
  }
  return NO_CHANGES;
}

export async function insteadOfDelete(run: DmlRun, view: ViewInfo, stmt: DeleteStatement, _text: string | undefined): Promise<StatementResult> {
  noReturning(stmt);
  const triggers = viewTriggers(run, view, 'DELETE');
  const q = viewQuery(run, view, stmt.alias, stmt.where, []);
  const target = targetOf(view, q, q.columns.length);
  checkTriggers(run, triggers, target, true, false);
  for (const r of await allRows(run, q)) {
    await fireTriggers(run, triggers, target, { row: r, rowid: undefined }, undefined, run.orOverride);
  }
  return NO_CHANGES;
}

/** INSERT into a view: `rows` are the source rows, in the order of `columns` (or the view's). */
export async function insteadOfInsert(run: DmlRun, view: ViewInfo, stmt: InsertStatement, rows: AsyncIterable<Value[]> | Iterable<Value[]>): Promise<StatementResult> {
  noReturning(stmt);
  if (stmt.upsert !== undefined && stmt.upsert.length > 0) throw new SqliteError('SQLITE_ERROR', 'cannot UPSERT a view');
  const triggers = viewTriggers(run, view, 'INSERT');
  const { q, width } = viewWidth(run, view);
  const target = targetOf(view, q, width);
  checkTriggers(run, triggers, target, false, true);
  const names = target.columns.map((c) => asciiLower(c.name));
  const positions =
    stmt.columns === undefined
      ? names.map((_n, i) => i)
      : stmt.columns.map((c) => {
          const i = names.indexOf(asciiLower(c));
          if (i < 0) throw new SqliteError('SQLITE_ERROR', `table ${view.name} has no column named ${c}`);
          return i;
        });
  for await (const values of rows) {
    if (values.length !== positions.length) {
      throw new SqliteError(
        'SQLITE_ERROR',
        stmt.columns === undefined ? `table ${view.name} has ${width} columns but ${values.length} values were supplied` : `${values.length} values for ${positions.length} columns`,
      );
    }
    const neu = new Array<Value>(width).fill(null);
    positions.forEach((p, i) => (neu[p] = values[i] ?? null));
    await fireTriggers(run, triggers, target, undefined, { row: neu, rowid: undefined }, run.orOverride ?? stmt.conflict);
  }
  return NO_CHANGES;
}
