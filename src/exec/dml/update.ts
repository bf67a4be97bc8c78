/**
 * UPDATE [OR conflict] t SET … [WHERE …] (https://www.sqlite.org/lang_update.html), in two
 * passes as SQLite's two-pass update: first the identities (rowid / PRIMARY KEY) of the rows
 * that satisfy WHERE are collected, then each row is re-read, its new image computed from the
 * old one, NOT NULL and CHECK judged, and only what differs is changed (row-diff.ts): the index
 * entries whose values change are removed, uniqueness is checked for those indexes (and for the
 * rowid / PRIMARY KEY when it moves), then the new entries are written and the table cell is
 * replaced in place (or moved, when the rowid or its alias is set). A one-row UPDATE of a
 * non-indexed column so dirties the table leaf only, not every index of the table.
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
import { unchanged } from './row-diff.js';
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
    if (table.rowidAlias >= 0 && !table.withoutRowid) row[table.rowidAlias] = rowid!;
    const next: StoredRow = { rowid, row };
    // NOT NULL and CHECK read nothing from the tree: judged before anything changes (and they
    // may fill in defaults under REPLACE, which the diff must see).
    if (!writer.checkRow(next, orClause)) continue; // IGNORE: the row stays as it was
    const diff = writer.diff(old, next);
    if (unchanged(diff)) {
      changes++; // SQLite counts the row; its bytes would be written back unchanged
      continue;
    }
    // Only the changed index entries (and the cell, when the rowid / PRIMARY KEY moves) leave
    // before the uniqueness checks; an unchanged entry is the row's own and needs no check.
    await writer.deleteStored(old, diff);
    const restore = { ...diff, record: diff.identity };
    let keep: boolean;
    try {
      keep = await writer.checkUnique(next, orClause, false, diff);
    } catch (err) {
      // The removed parts go back before the error propagates: OR FAIL keeps the statement's
      // earlier rows, and must not lose this one.
      await writer.writeStored(old, undefined, restore);
      throw err;
    }
    if (!keep) {
      await writer.writeStored(old, undefined, restore); // IGNORE: the row stays as it was
      continue;
    }
    await writer.writeStored(next, undefined, diff);
    changes++;
  }
  return { changes, lastInsertRowid: undefined, schemaChanged: false };
}
