/**
 * Whether a data-changing statement may change the main database, judged before it runs from
 * the TEMP database's schema alone: one that changes only TEMP objects does not open a write
 * transaction on main (no writer's lease over S3, and it works on a read-only main — SQLite
 * allows TEMP objects on a read-only database too).
 *
 * Only changes that surely stay in TEMP count: a schema change ddl-database.ts sends to TEMP,
 * and INSERT / UPDATE / DELETE of a TEMP table without triggers (a TEMP trigger may write main).
 */
import { SqliteError } from '../errors.js';
import { asciiLower } from '../schema/affinity.js';
import type { Schema } from '../schema/read-schema.js';
import type { Statement } from '../sql/ast.js';
import { ddlDatabase } from '../exec/ddl/ddl-database.js';

export function touchesMain(stmt: Statement, temp: Schema): boolean {
  switch (stmt.kind) {
    case 'create-table':
    case 'create-index':
    case 'create-view':
    case 'create-trigger':
    case 'drop':
    case 'alter-table':
      try {
        return ddlDatabase(temp, stmt) === 'main';
      } catch (err) {
        // The statement fails (unknown database …) without changing anything.
        if (err instanceof SqliteError) return false;
        throw err;
      }
    case 'insert':
    case 'update':
    case 'delete': {
      const q = stmt.table.schema === undefined ? undefined : asciiLower(stmt.table.schema);
      if (q !== undefined && q !== 'temp') return true;
      const table = temp.table(stmt.table.name);
      if (table === undefined || asciiLower(table.name).startsWith('sqlite_')) return true;
      return temp.triggersOf(stmt.table.name).length > 0;
    }
    default:
      return true;
  }
}
