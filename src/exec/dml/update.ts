/**
 * UPDATE [OR conflict] t SET … [WHERE …] (https://www.sqlite.org/lang_update.html), in two
 * passes as SQLite's two-pass update: first the identities (rowid / PRIMARY KEY) of the rows
 * that satisfy WHERE are collected, then each row is re-read, its new image computed from the
 * old one, its old index entries and record removed, constraints checked against the rest of
 * the table, and the new image written (with a new rowid when the rowid or its alias is set).
 */
import { SqliteError } from '../../errors.js';
import { asciiLower } from '../../schema/affinity.js';
import type { UpdateStatement } from '../../sql/ast.js';
import type { Value } from '../value.js';
import type { ExecEnv, StatementResult } from './exec-env.js';
import { rowidValue } from './insert.js';
import { columnValue } from './row-codec.js';
import { rowidLookup } from './rowid-lookup.js';
import { targetTable } from './target-table.js';
import { TableWriter, type StoredRow } from './table-writer.js';
import { tableScope } from './table-scope.js';
import { isTrue } from '../expr/value-ops.js';

const ROWID_NAMES = new Set(['rowid', 'oid', '_rowid_']);

export async function executeUpdate(env: ExecEnv, stmt: UpdateStatement): Promise<StatementResult> {
  const table = targetTable(env.schema, stmt.table);
  if (stmt.from !== undefined) throw new SqliteError('SQLITE_ERROR', 'UPDATE … FROM is not supported yet');
  if (stmt.returning !== undefined) throw new SqliteError('SQLITE_ERROR', 'RETURNING is not supported yet');
  if (stmt.with !== undefined) throw new SqliteError('SQLITE_ERROR', 'WITH on UPDATE is not supported yet');
  const nCol = table.columns.length;
  const scope = tableScope(table, stmt.alias);
  const sets = stmt.set.map((s) => {
    if (s.columns.length !== 1) throw new SqliteError('SQLITE_ERROR', 'row-value SET (a, b) = … is not supported yet');
    const name = s.columns[0]!;
    const key = asciiLower(name);
    let slot = table.columns.findIndex((c) => asciiLower(c.name) === key);
    if (slot < 0 && !table.withoutRowid && ROWID_NAMES.has(key)) slot = nCol;
    if (slot < 0) throw new SqliteError('SQLITE_ERROR', `no such column: ${name}`);
    return { slot, fn: env.compile(s.value, scope) };
  });
  const where = stmt.where === undefined ? undefined : env.compile(stmt.where, scope);
  const writer = new TableWriter(env, table);
  const matched: StoredRow[] = [];
  const only = rowidLookup(table, stmt.where, scope, env);
  if (only === undefined) {
    await writer.scan((r) => {
      if (where === undefined || isTrue(where([...r.row, r.rowid ?? null], env.ctx))) matched.push(r);
    });
  } else if (only !== null) {
    const r = await writer.readByRowid(only);
    if (r !== undefined) matched.push(r);
  }
  const orClause = stmt.conflict;
  let changes = 0;
  for (const m of matched) {
    const old = table.withoutRowid ? await writer.readByPk(table.primaryKey.map((c) => m.row[c] ?? null)) : await writer.readByRowid(m.rowid!);
    if (old === undefined) continue;
    const slots: Value[] = [...old.row, old.rowid ?? null];
    const values = sets.map((s) => s.fn(slots, env.ctx));
    const row = [...old.row];
    let rowid = old.rowid;
    sets.forEach((s, i) => {
      const v = values[i]!;
      if (s.slot === nCol || s.slot === table.rowidAlias && !table.withoutRowid) {
        const r = rowidValue(v);
        // SQLite refuses a NULL rowid in UPDATE (it never picks a new one there).
        if (r === null) throw new SqliteError('SQLITE_MISMATCH', 'datatype mismatch');
        rowid = r;
      } else {
        row[s.slot] = columnValue(table, s.slot, v);
      }
    });
    await writer.deleteStored(old);
    if (table.rowidAlias >= 0 && !table.withoutRowid) row[table.rowidAlias] = rowid!;
    const next: StoredRow = { rowid, row };
    let keep: boolean;
    try {
      keep = writer.checkRow(next, orClause) && (await writer.checkUnique(next, orClause));
    } catch (err) {
      // The row goes back before the error propagates: OR FAIL keeps the statement's earlier
      // rows, and must not lose this one.
      await writer.writeStored(old);
      throw err;
    }
    if (!keep) {
      await writer.writeStored(old); // IGNORE: the row stays as it was
      continue;
    }
    await writer.writeStored(next);
    changes++;
  }
  return { changes, lastInsertRowid: undefined, schemaChanged: false };
}
