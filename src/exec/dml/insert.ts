/**
 * INSERT [OR conflict] INTO t [(cols)] VALUES (…),(…) | DEFAULT VALUES
 * (https://www.sqlite.org/lang_insert.html). Each row: values evaluated, missing columns take
 * their DEFAULT, affinity (and STRICT types) applied, the rowid chosen (the INTEGER PRIMARY KEY
 * value, else max + 1, AUTOINCREMENT's max(max, seq) + 1), constraints checked, then the row
 * and its index entries written.
 */
import { SqliteError } from '../../errors.js';
import { asciiLower } from '../../schema/affinity.js';
import type { InsertStatement } from '../../sql/ast.js';
import type { Scope } from '../expr-contract.js';
import type { Value } from '../value.js';
import { readSequence, writeSequence } from './autoincrement.js';
import type { ExecEnv, StatementResult } from './exec-env.js';
import { columnDefault, columnValue, withAffinity } from './row-codec.js';
import { targetTable } from './target-table.js';
import { TableWriter } from './table-writer.js';

const EMPTY_SCOPE: Scope = { resolveColumn: () => undefined };
const ROWID_NAMES = new Set(['rowid', 'oid', '_rowid_']);

/** The rowid a value given for the rowid / INTEGER PRIMARY KEY becomes (SQLITE_MISMATCH if none). */
export function rowidValue(v: Value): bigint | null {
  if (v === null) return null;
  const r = withAffinity(v, 'INTEGER');
  if (typeof r !== 'bigint') throw new SqliteError('SQLITE_MISMATCH', 'datatype mismatch');
  return r;
}

export async function executeInsert(env: ExecEnv, stmt: InsertStatement): Promise<StatementResult> {
  const table = targetTable(env.schema, stmt.table);
  if (stmt.upsert !== undefined && stmt.upsert.length > 0) throw new SqliteError('SQLITE_ERROR', 'UPSERT (ON CONFLICT … DO) is not supported yet');
  if (stmt.returning !== undefined) throw new SqliteError('SQLITE_ERROR', 'RETURNING is not supported yet');
  if (stmt.with !== undefined) throw new SqliteError('SQLITE_ERROR', 'WITH on INSERT is not supported yet');
  const nCol = table.columns.length;
  // Target slot per value position: a column index, or nCol for the rowid.
  let targets: number[];
  if (stmt.columns === undefined) {
    targets = table.columns.map((_c, i) => i);
  } else {
    targets = stmt.columns.map((name) => {
      const key = asciiLower(name);
      const i = table.columns.findIndex((c) => asciiLower(c.name) === key);
      if (i >= 0) return i;
      if (!table.withoutRowid && ROWID_NAMES.has(key)) return nCol;
      throw new SqliteError('SQLITE_ERROR', `table ${table.name} has no column named ${name}`);
    });
  }
  let rows: (readonly Value[])[];
  const source = stmt.source;
  if (source.kind === 'select') throw new SqliteError('SQLITE_ERROR', 'INSERT … SELECT is not supported yet (needs the SELECT executor)');
  if (source.kind === 'default-values') {
    rows = [[]];
    targets = [];
  } else {
    rows = source.rows.map((exprs) => {
      if (exprs.length !== targets.length) {
        throw new SqliteError(
          'SQLITE_ERROR',
          stmt.columns === undefined
            ? `table ${table.name} has ${nCol} columns but ${exprs.length} values were supplied`
            : `${exprs.length} values for ${targets.length} columns`,
        );
      }
      const fns = exprs.map((e) => env.compile(e, EMPTY_SCOPE));
      return fns.map((f) => f([], env.ctx));
    });
  }
  const defaults = table.columns.map((c, i) => {
    const d = columnDefault(table, i);
    if (d !== undefined) return () => d;
    const f = env.compile(c.defaultExpr!, EMPTY_SCOPE);
    return () => f([], env.ctx);
  });
  const writer = new TableWriter(env, table);
  const orClause = stmt.conflict;
  const seqBefore = table.autoincrement ? await readSequence(env, table.name) : undefined;
  let seqMax = seqBefore?.seq ?? 0n;
  let changes = 0;
  let lastInsertRowid: bigint | undefined;
  for (const values of rows) {
    const given = new Array<Value | undefined>(nCol + 1).fill(undefined);
    targets.forEach((slot, i) => {
      given[slot] = values[i] ?? null;
    });
    const row = new Array<Value>(nCol);
    for (let i = 0; i < nCol; i++) {
      const v = given[i] !== undefined ? given[i]! : defaults[i]!();
      row[i] = i === table.rowidAlias ? v : columnValue(table, i, v);
    }
    let rowid: bigint | undefined;
    if (!table.withoutRowid) {
      const explicit = table.rowidAlias >= 0 ? (given[table.rowidAlias] !== undefined ? given[table.rowidAlias]! : given[nCol]) : given[nCol];
      let r = rowidValue(explicit ?? null);
      if (r === null) r = await writer.newRowid(table.autoincrement ? seqMax : undefined);
      rowid = r;
      if (table.rowidAlias >= 0) row[table.rowidAlias] = r;
      // OP_MemMax: the sequence follows every rowid chosen, even for a row then IGNOREd.
      if (r > seqMax) seqMax = r;
    }
    const stored = { rowid, row };
    if (!writer.checkRow(stored, orClause)) continue;
    if (!(await writer.checkUnique(stored, orClause))) continue;
    await writer.writeStored(stored);
    changes++;
    if (rowid !== undefined) lastInsertRowid = rowid;
  }
  if (seqBefore !== undefined) await writeSequence(env, table.name, seqBefore, seqMax);
  return { changes, lastInsertRowid, schemaChanged: false };
}
