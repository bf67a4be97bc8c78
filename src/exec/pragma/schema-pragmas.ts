/**
 * The PRAGMAs that describe schema objects (https://www.sqlite.org/pragma.html), row for row
 * as SQLite's pragma.c builds them:
 *
 *   table_info(T)        cid, name, type, notnull, dflt_value, pk — generated columns left
 *                        out and the cids after them renumbered
 *   table_xinfo(T)       … and hidden (0 normal, 2 generated VIRTUAL, 3 generated STORED)
 *   index_list(T)        seq, name, unique, origin (c | u | pk), partial — newest index
 *                        first, as SQLite keeps them (each new index goes to the front)
 *   index_info(I)        seqno, cid, name — the key columns (cid -1 rowid, -2 expression)
 *   index_xinfo(I)       seqno, cid, name, desc, coll, key — every field of the index record
 *   foreign_key_list(T)  id, seq, table, from, to, on_update, on_delete, match — the last
 *                        declared constraint first (id 0), one row per column
 *
 * An unknown name gives no rows, as in SQLite. For a view, table_info reports the view's
 * columns with the types SQLite gives them (the declared type of a plain column, else the
 * name of the expression's affinity).
 */
import type { Affinity } from '../../schema/affinity.js';
import type { Schema } from '../../schema/read-schema.js';
import type { IndexColumnInfo, IndexInfo, TableInfo, ViewInfo } from '../../schema/schema-types.js';
import { virtualTableInfoRows } from '../vtab/virtual-info.js';
import type { ForeignKeyClause, FromItem, SelectCore } from '../../sql/ast.js';
import type { CompiledQuery } from '../select/query-types.js';
import type { Value } from '../value.js';

const int = (n: number | boolean): bigint => BigInt(typeof n === 'boolean' ? (n ? 1 : 0) : n);

/** table_info / table_xinfo rows of a table or view (none for other names). */
export function tableInfoRows(schema: Schema, name: string, extended: boolean, compileView: (v: ViewInfo) => CompiledQuery): Value[][] {
  const rel = schema.relation(name);
  if (rel === undefined) return [];
  if (rel.kind === 'virtual-table') return virtualTableInfoRows(rel, extended);
  if (rel.kind === 'view') return viewInfoRows(schema, rel, compileView(rel), extended);
  const rows: Value[][] = [];
  let hidden = 0;
  rel.columns.forEach((c, i) => {
    if (c.hidden !== 0 && !extended) {
      hidden++;
      return;
    }
    const dflt = c.hidden >= 2 || c.defaultText === undefined ? null : c.defaultText;
    const row: Value[] = [int(i - hidden), c.name, c.declaredType, int(c.notNull), dflt, int(c.pk)];
    if (extended) row.push(int(c.hidden));
    rows.push(row);
  });
  return rows;
}

/** SQLite's names for a column's type when a view's column has no declared type of its own. */
const AFFINITY_TYPE: Readonly<Record<Affinity, string>> = { BLOB: 'BLOB', INTEGER: 'INT', REAL: 'REAL', TEXT: 'TEXT', NUMERIC: 'NUM' };

function viewInfoRows(schema: Schema, view: ViewInfo, query: CompiledQuery, extended: boolean): Value[][] {
  const declared = view.select.compounds.length === 0 && view.select.first.kind === 'select-core' ? declaredTypes(view.select.first, schema) : [];
  const names = uniqueNames(query.columns.map((c, i) => view.columns?.[i] ?? c.name));
  return query.columns.map((c, i) => {
    const name = names[i]!;
    const type = declared[i] ?? (c.affinity === undefined ? '' : AFFINITY_TYPE[c.affinity]);
    const row: Value[] = [int(i), name, type, 0n, null, 0n];
    if (extended) row.push(0n);
    return row;
  });
}

/** A view's column names made unique as SQLite makes them: a repeated name gets `:1`, `:2`, … */
function uniqueNames(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.map((name) => {
    let out = name;
    let cnt = 0;
    while (seen.has(out.toLowerCase())) {
      const base = /^(.*?):\d+$/.exec(out)?.[1] ?? out;
      out = `${base}:${++cnt}`;
    }
    seen.add(out.toLowerCase());
    return out;
  });
}

/**
 * The declared type of each result column that is a plain column of a table named in FROM
 * (`SELECT a, t.b, * FROM t`), as sqlite3SubqueryColumnTypes keeps it; undefined for the rest
 * (typed by their affinity). Only FROM clauses of plain tables are looked into.
 */
function declaredTypes(core: SelectCore, schema: Schema): (string | undefined)[] {
  const tables: Array<{ name: string; table: TableInfo }> = [];
  const collect = (f: FromItem): boolean => {
    if (f.kind === 'join') return collect(f.left) && collect(f.right);
    if (f.kind !== 'table' || f.args !== undefined) return false;
    const table = schema.table(f.name);
    if (table === undefined) return false;
    tables.push({ name: (f.alias ?? f.name).toLowerCase(), table });
    return true;
  };
  if (core.from === undefined || !collect(core.from)) return [];
  const typeOf = (t: TableInfo, i: number): string | undefined => {
    const c = t.columns[i];
    // A column without a declared type is typed by its affinity (BLOB), like an expression.
    return c === undefined || c.declaredType === '' ? undefined : c.declaredType;
  };
  const out: (string | undefined)[] = [];
  for (const rc of core.columns) {
    if (rc.kind === 'star' || rc.kind === 'table-star') {
      const which = rc.kind === 'star' ? tables : tables.filter((t) => t.name === rc.table.toLowerCase());
      // Generated columns are columns of `*` too (hidden only from table_info).
      for (const { table } of which) table.columns.forEach((_c, i) => out.push(typeOf(table, i)));
      continue;
    }
    const e = rc.expr;
    if (e.kind !== 'column') {
      out.push(undefined);
      continue;
    }
    const col = e.column.toLowerCase();
    const hit = tables
      .filter((t) => e.table === undefined || t.name === e.table.toLowerCase())
      .map((t) => ({ t: t.table, i: t.table.columns.findIndex((c) => c.name.toLowerCase() === col) }))
      .find((x) => x.i >= 0);
    out.push(hit === undefined ? undefined : typeOf(hit.t, hit.i));
  }
  return out;
}

/** The rows of index_list(T): newest index first. */
export function indexListRows(schema: Schema, name: string): Value[][] {
  const table = schema.table(name);
  if (table === undefined) return [];
  const all = [...table.indexes];
  // A WITHOUT ROWID table's PRIMARY KEY index is made with the table, before any other.
  if (table.primaryKeyIndex !== undefined && !all.includes(table.primaryKeyIndex)) all.unshift(table.primaryKeyIndex);
  return all.reverse().map((ix, seq) => [int(seq), ix.name, int(ix.unique), ix.origin, int(ix.partial !== undefined)]);
}

/** The index named `name`, or for a WITHOUT ROWID table its PRIMARY KEY index (as SQLite 3.30+). */
function findIndex(schema: Schema, name: string): IndexInfo | undefined {
  const lower = name.toLowerCase();
  return (
    schema.index(name) ??
    schema.table(name)?.primaryKeyIndex ??
    // sqlite_schema has no row of its own for a WITHOUT ROWID table's PRIMARY KEY index.
    schema.tables.find((t) => t.primaryKeyIndex?.name.toLowerCase() === lower)?.primaryKeyIndex
  );
}

/** index_info / index_xinfo rows. */
export function indexInfoRows(schema: Schema, name: string, extended: boolean): Value[][] {
  const ix = findIndex(schema, name);
  if (ix === undefined) return [];
  const table = schema.table(ix.tableName);
  const fields = extended ? ix.recordColumns : ix.recordColumns.filter((c) => c.key);
  return fields.map((c, seqno) => {
    const row: Value[] = [int(seqno), int(c.column), columnName(c, table)];
    if (extended) row.push(int(c.desc), c.collation, int(c.key));
    return row;
  });
}

function columnName(c: IndexColumnInfo, table: TableInfo | undefined): Value {
  if (c.column < 0) return null;
  return table?.columns[c.column]?.name ?? c.name;
}

interface ForeignKey {
  readonly from: readonly string[];
  readonly fk: ForeignKeyClause;
}

/** foreign_key_list rows: SQLite lists a table's constraints last declared first. */
export function foreignKeyRows(schema: Schema, name: string): Value[][] {
  const table = schema.table(name);
  const ast = table?.ast;
  if (ast === undefined) return [];
  const keys: ForeignKey[] = [];
  for (const col of ast.columns) {
    for (const c of col.constraints) if (c.kind === 'references') keys.push({ from: [col.name], fk: c.fk });
  }
  for (const c of ast.constraints) if (c.kind === 'foreign-key') keys.push({ from: c.columns, fk: c.fk });
  const rows: Value[][] = [];
  keys.reverse().forEach((k, id) => {
    const actions = parseActions(k.fk.actions);
    k.from.forEach((from, seq) => {
      rows.push([int(id), int(seq), k.fk.table, from, k.fk.columns[seq] ?? null, actions.update, actions.delete, 'NONE']);
    });
  });
  return rows;
}

/** `ON DELETE …` / `ON UPDATE …` out of the clause's text (MATCH is parsed and ignored by SQLite). */
function parseActions(text: string): { update: string; delete: string } {
  const out = { update: 'NO ACTION', delete: 'NO ACTION' };
  for (const m of text.matchAll(/\bON\s+(DELETE|UPDATE)\s+(SET\s+NULL|SET\s+DEFAULT|CASCADE|RESTRICT|NO\s+ACTION)\b/gi)) {
    const action = m[2]!.toUpperCase().replace(/\s+/g, ' ');
    if (m[1]!.toUpperCase() === 'DELETE') out.delete = action;
    else out.update = action;
  }
  return out;
}

