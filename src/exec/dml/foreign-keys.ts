/**
 * Foreign keys are not enforced yet. With `PRAGMA foreign_keys = ON`, SQLite would check and act
 * on every write to a table that has a FOREIGN KEY or that one names as its parent; rather than
 * write such a table unchecked, s3lite refuses the write (and DROP TABLE of it) with a message
 * that says so. With the pragma off (SQLite's default) nothing is checked, as in SQLite.
 */
import { SqliteError } from '../../errors.js';
import { asciiLower } from '../../schema/affinity.js';
import type { Schema } from '../../schema/read-schema.js';
import type { ExecEnv } from './exec-env.js';

const involved = new WeakMap<Schema, ReadonlySet<string>>();

/** Lower-case names of the tables that have a foreign key or are named as a parent by one. */
function fkTables(schema: Schema): ReadonlySet<string> {
  let set = involved.get(schema);
  if (set === undefined) {
    const s = new Set<string>();
    for (const t of schema.tables) {
      const ast = t.ast;
      if (ast === undefined) continue;
      const parents = [
        ...ast.columns.flatMap((c) => c.constraints.flatMap((k) => (k.kind === 'references' ? [k.fk.table] : []))),
        ...ast.constraints.flatMap((k) => (k.kind === 'foreign-key' ? [k.fk.table] : [])),
      ];
      if (parents.length === 0) continue;
      s.add(asciiLower(t.name));
      for (const p of parents) s.add(asciiLower(p));
    }
    set = s;
    involved.set(schema, set);
  }
  return set;
}

/** Throws when foreign_keys is on and writing `table` would need foreign key checks. */
export function refuseUncheckedForeignKeys(env: ExecEnv, table: string): void {
  if (env.settings?.foreignKeys !== true) return;
  if (!fkTables(env.schema).has(asciiLower(table))) return;
  throw new SqliteError(
    'SQLITE_ERROR',
    `foreign key enforcement is not supported yet: table ${table} takes part in a foreign key (PRAGMA foreign_keys = OFF writes it unchecked, as SQLite does with the pragma off)`,
  );
}
