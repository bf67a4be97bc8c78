/**
 * RETURNING on INSERT / UPDATE / DELETE (https://www.sqlite.org/lang_returning.html): one
 * output row per row the statement itself changes (not rows its triggers change), computed right
 * after the change and before the AFTER triggers run, from the new row (INSERT, UPDATE) or the
 * old one (DELETE). `*` is the table's columns; `t.*` is refused as SQLite refuses it; aggregates
 * are refused. Column names are SQLite's: the alias, a column reference's column name, else
 * the expression's source text.
 */
import { SqliteError } from '../../errors.js';
import type { ResultColumn } from '../../sql/ast.js';
import { tokenize, type Token } from '../../sql/tokenizer.js';
import type { TableInfo } from '../../schema/schema-types.js';
import type { CoreScope, Source, TrackedExpr } from '../select/query-scope.js';
import type { Value } from '../value.js';
import { evaluateAll, type DmlRun } from './dml-run.js';

export interface Returning {
  readonly columns: readonly string[];
  readonly exprs: readonly TrackedExpr[];
}

/** The rows a statement returns, in the order it changed them. */
export interface ReturnedRows {
  readonly columns: readonly string[];
  readonly rows: Value[][];
}

export function compileReturning(
  list: readonly ResultColumn[],
  scope: CoreScope,
  source: Source,
  table: TableInfo,
  run: DmlRun,
  text: string | undefined,
): Returning {
  const alias = table.rowidAlias >= 0 && !table.withoutRowid ? table.columns[table.rowidAlias]!.name : undefined;
  return compileReturningColumns(list, scope, source, table.columns.map((c) => c.name), alias, run, text);
}

/**
 * compileReturning for any target with these column names (a virtual table's too);
 * `rowidAlias`: the column rowid / oid / _rowid_ take their result name from, if any.
 */
export function compileReturningColumns(
  list: readonly ResultColumn[],
  scope: CoreScope,
  source: Source,
  names: readonly string[],
  rowidAlias: string | undefined,
  run: DmlRun,
  text: string | undefined,
): Returning {
  if (run.frame !== undefined) throw new SqliteError('SQLITE_ERROR', 'cannot use RETURNING in a trigger');
  const exprs: TrackedExpr[] = [];
  for (const rc of list) {
    if (rc.kind === 'table-star') throw new SqliteError('SQLITE_ERROR', 'RETURNING may not use "TABLE.*" wildcards');
    if (rc.kind === 'star') {
      for (const name of names) exprs.push(scope.compile({ kind: 'column', table: source.name, column: name, doubleQuoted: false }));
    } else exprs.push(scope.compile(rc.expr));
  }
  return { columns: returningNames(list, names, rowidAlias, text), exprs };
}

/**
 * The result column names of a RETURNING list on a target with these column names: the alias, a
 * column reference's column name, else the item's source text (`text`: the statement's SQL).
 * Also what a prepared statement's `columns()` says before its first run (write-statement.ts).
 */
export function returningNames(list: readonly ResultColumn[], names: readonly string[], rowidAlias: string | undefined, text: string | undefined): string[] {
  const spans = text === undefined ? [] : returningSpans(text);
  const columns: string[] = [];
  list.forEach((rc, i) => {
    if (rc.kind === 'star') columns.push(...names);
    else if (rc.kind === 'table-star') return;
    else if (rc.alias !== undefined) columns.push(rc.alias);
    else if (rc.expr.kind === 'column') columns.push(columnRefName(rc.expr.column, names, rowidAlias));
    else columns.push(spans[i] ?? `column${columns.length + 1}`);
  });
  return columns;
}

/** A column reference's result name: the column's; rowid / oid / _rowid_ take the INTEGER PRIMARY KEY's name. */
function columnRefName(written: string, names: readonly string[], rowidAlias: string | undefined): string {
  const key = written.toLowerCase();
  const col = names.find((n) => n.toLowerCase() === key);
  if (col !== undefined) return col;
  if ((key === 'rowid' || key === 'oid' || key === '_rowid_') && rowidAlias !== undefined) return rowidAlias;
  return written;
}

/** Evaluates the RETURNING list on a row buffer holding the changed row. */
export function returningRow(r: Returning, buffer: Value[], run: DmlRun): Promise<Value[]> {
  return evaluateAll(r.exprs, buffer, run.rt);
}

/** Source text of each item after the statement's last top-level RETURNING keyword. */
function returningSpans(sql: string): string[] {
  let tokens: Token[];
  try {
    tokens = tokenize(sql);
  } catch {
    return [];
  }
  let depth = 0;
  let at = -1;
  tokens.forEach((t, i) => {
    if (t.text === '(') depth++;
    else if (t.text === ')') depth--;
    else if (depth === 0 && t.kind === 'keyword' && t.value === 'RETURNING') at = i;
  });
  if (at < 0) return [];
  const spans: string[] = [];
  let start = tokens[at + 1]?.offset ?? sql.length;
  depth = 0;
  let i = at + 1;
  for (; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.text === '(') depth++;
    else if (t.text === ')') depth--;
    else if (depth === 0 && t.text === ',') {
      spans.push(sql.slice(start, t.offset).trim());
      start = tokens[i + 1]?.offset ?? sql.length;
    } else if (depth === 0 && (t.kind === 'eof' || t.text === ';')) break;
  }
  spans.push(sql.slice(start, tokens[i]?.offset ?? sql.length).trim());
  return spans;
}
