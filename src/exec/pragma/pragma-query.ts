/**
 * `PRAGMA name`, `PRAGMA name(arg)`, `PRAGMA name = arg` as a query: a CompiledQuery whose rows
 * are computed when it runs (against the pager's current header and the schema it was planned
 * with), for the PRAGMAs of pragma-catalog.ts.
 */
import { MisuseError, SqliteError } from '../../errors.js';
import type { PragmaStatement } from '../../sql/ast.js';
import type { CompiledQuery, ResultColumnInfo } from '../select/query-types.js';
import type { Value } from '../value.js';
import { pragmaDef, type PragmaDef, type PragmaEnv } from './pragma-catalog.js';

/** PRAGMAs whose `= value` form the write path (db.run / db.exec) carries out. */
const SETTABLE = new Set(['user_version', 'application_id', 'journal_mode']);

/** The result columns of a PRAGMA: SQLite's names, no affinity. */
export function pragmaColumns(def: PragmaDef): ResultColumnInfo[] {
  return def.columns.map((name) => ({ name, affinity: undefined, collation: 'BINARY' }));
}

/** Rows computed once per run by `rows`, handed out as one batch. */
export function rowsQuery(columns: readonly ResultColumnInfo[], correlated: boolean, rows: (rt: Parameters<CompiledQuery['run']>[0], outer: readonly Value[] | undefined) => Value[][] | Promise<Value[][]>): CompiledQuery {
  return {
    columns,
    correlated,
    plan: [],
    async *run(rt, outer) {
      for (const r of await rows(rt, outer)) yield r;
    },
    async *batches(rt, outer, want) {
      const all = await rows(rt, outer);
      const out = want === undefined ? all : all.slice(0, want);
      if (out.length > 0) yield out;
    },
  };
}

export function compilePragma(stmt: PragmaStatement, whole: Omit<PragmaEnv, 'pager'>): CompiledQuery {
  // `PRAGMA temp.table_info(t)`, `PRAGMA main.page_count`: that database's schema (and pager).
  const schema = whole.schema.database(stmt.schema);
  if (schema === undefined) throw new SqliteError('SQLITE_ERROR', `unknown database ${stmt.schema}`);
  const env = { ...whole, schema };
  const name = stmt.name.toLowerCase();
  const def = pragmaDef(name);
  if (stmt.value !== undefined && !stmt.call && (def === undefined || !def.takesArg)) {
    if (SETTABLE.has(name)) throw new MisuseError(`PRAGMA ${stmt.name} = … changes the database: run it with db.run() or db.exec()`);
    if (def !== undefined) throw new SqliteError('SQLITE_ERROR', `PRAGMA ${stmt.name} = … is not supported (s3lite sets only user_version, application_id and journal_mode)`);
  }
  if (def === undefined) throw new SqliteError('SQLITE_ERROR', `PRAGMA ${stmt.name} is not supported`);
  const arg = def.takesArg ? stmt.value : undefined;
  return rowsQuery(pragmaColumns(def), false, (rt) => def.rows({ ...env, pager: schema.temp?.pager ?? rt.pager }, arg));
}
