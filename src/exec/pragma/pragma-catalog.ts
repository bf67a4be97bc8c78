/**
 * The PRAGMAs s3lite answers as queries, with SQLite's result column names: as statements
 * (`PRAGMA table_info(t)`, `PRAGMA main.page_count`) and as table-valued functions in FROM
 * (`pragma_table_info('t')`, `pragma_page_count`). PRAGMAs that set something (user_version = N,
 * foreign_keys = ON, …) are the write path's (src/exec/pragma-set.ts, run by db.run/db.exec).
 */
import type { Pager } from '../../pager/pager.js';
import type { Schema } from '../../schema/read-schema.js';
import type { ViewInfo } from '../../schema/schema-types.js';
import type { CompiledQuery } from '../select/query-types.js';
import type { Value } from '../value.js';
import { databaseListRows, HEADER_PRAGMAS, integrityRows } from './file-pragmas.js';
import { foreignKeyRows, indexInfoRows, indexListRows, tableInfoRows } from './schema-pragmas.js';

/** What a PRAGMA reads. */
export interface PragmaEnv {
  readonly pager: Pager;
  readonly schema: Schema;
  /** Where the database lives (database_list's `file`). */
  readonly file: string;
  /** A view's query, compiled (table_info of a view lists its result columns). */
  readonly compileView: (view: ViewInfo) => CompiledQuery;
}

export interface PragmaDef {
  readonly columns: readonly string[];
  /** Whether it takes an argument (a table or index name, or integrity_check's limit). */
  readonly takesArg: boolean;
  /** Its rows; `arg` is undefined when none was given (a name-taking PRAGMA then has no rows). */
  rows(env: PragmaEnv, arg: string | undefined): Value[][] | Promise<Value[][]>;
}

const TABLE_INFO = ['cid', 'name', 'type', 'notnull', 'dflt_value', 'pk'];
const INDEX_INFO = ['seqno', 'cid', 'name'];

const byName = (f: (env: PragmaEnv, name: string) => Value[][]): PragmaDef['rows'] => (env, arg) => (arg === undefined ? [] : f(env, arg));

/** SQLite's reading of integrity_check's argument: a number is the limit, a name a table to check. */
function integrityLimit(arg: string | undefined): number {
  const m = arg === undefined ? null : /^\s*([+-]?\d+)\s*$/.exec(arg);
  if (m === null) return 100;
  const n = Number(m[1]);
  return n <= 0 ? 100 : n;
}

const PRAGMAS: Readonly<Record<string, PragmaDef>> = {
  table_info: { columns: TABLE_INFO, takesArg: true, rows: byName((e, n) => tableInfoRows(e.schema, n, false, e.compileView)) },
  table_xinfo: { columns: [...TABLE_INFO, 'hidden'], takesArg: true, rows: byName((e, n) => tableInfoRows(e.schema, n, true, e.compileView)) },
  index_list: { columns: ['seq', 'name', 'unique', 'origin', 'partial'], takesArg: true, rows: byName((e, n) => indexListRows(e.schema, n)) },
  index_info: { columns: INDEX_INFO, takesArg: true, rows: byName((e, n) => indexInfoRows(e.schema, n, false)) },
  index_xinfo: { columns: [...INDEX_INFO, 'desc', 'coll', 'key'], takesArg: true, rows: byName((e, n) => indexInfoRows(e.schema, n, true)) },
  foreign_key_list: {
    columns: ['id', 'seq', 'table', 'from', 'to', 'on_update', 'on_delete', 'match'],
    takesArg: true,
    rows: byName((e, n) => foreignKeyRows(e.schema, n)),
  },
  foreign_key_check: {
    columns: ['table', 'rowid', 'parent', 'fkid'],
    takesArg: true,
    // Loaded on use: it reads rows with the write path's codecs.
    rows: async (e, arg) => (await import('./foreign-key-check.js')).foreignKeyCheckRows(e.pager, e.schema, arg),
  },
  database_list: { columns: ['seq', 'name', 'file'], takesArg: false, rows: (e) => databaseListRows(e.file, e.schema.connection !== undefined) },
  integrity_check: { columns: ['integrity_check'], takesArg: true, rows: (e, arg) => integrityRows(e.pager, e.schema, integrityLimit(arg)) },
  quick_check: { columns: ['quick_check'], takesArg: true, rows: (e, arg) => integrityRows(e.pager, e.schema, integrityLimit(arg)) },
  ...Object.fromEntries(
    Object.entries(HEADER_PRAGMAS).map(([name, read]) => [name, { columns: [name], takesArg: false, rows: (e: PragmaEnv) => [[read(e.pager)]] } satisfies PragmaDef]),
  ),
};

/** The names of the PRAGMAs answered as queries (lower case). */
export function pragmaNames(): string[] {
  return Object.keys(PRAGMAS);
}

/** The PRAGMA of that name (any case), if s3lite answers it as a query. */
export function pragmaDef(name: string): PragmaDef | undefined {
  const key = name.toLowerCase();
  return Object.hasOwn(PRAGMAS, key) ? PRAGMAS[key] : undefined;
}
