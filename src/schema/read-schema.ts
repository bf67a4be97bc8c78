/**
 * Reads the rows of sqlite_schema (https://www.sqlite.org/schematab.html) into a Schema:
 *
 *   type     name                    tbl_name  rootpage  sql
 *   table    t                       t         2         CREATE TABLE t(…)
 *   index    sqlite_autoindex_t_1    t         3         NULL   ← from a UNIQUE/PK constraint
 *   index    i                       t         4         CREATE INDEX i ON t(…)
 *   view     v                       v         0         CREATE VIEW v AS …
 *   trigger  tr                      t         0         CREATE TRIGGER tr …
 *   table    f                       f         0         CREATE VIRTUAL TABLE f USING fts5(…)
 *
 * Every CREATE is parsed with the SQL parser. Automatic indexes have no SQL: their columns come
 * from the table's constraints (table-info.ts) and only their root page from the row. The
 * schema bytes are untrusted: anything SQLite would reject is a CorruptError
 * ("malformed database schema (name) - …") naming sqlite_schema's page.
 * Name lookups are case-insensitive for ASCII letters only, as in SQLite.
 */
import { CorruptError, SqliteError } from '../errors.js';
import { parseStatement } from '../sql/parser.js';
import { asciiLower } from './affinity.js';
import { buildIndex } from './index-info.js';
import type {
  IndexInfo,
  SchemaObject,
  SchemaRow,
  TableInfo,
  TriggerInfo,
  ViewInfo,
  VirtualTableInfo,
} from './schema-types.js';
import { buildTable, type BuiltTable } from './table-info.js';

export interface ReadSchemaOptions {
  /** Page to name in CorruptError (default 1, sqlite_schema's root). */
  readonly pgno?: number;
}

/** sqlite_schema itself: `CREATE TABLE sqlite_schema(type text, name text, tbl_name text, rootpage int, sql text)`. */
export const SQLITE_SCHEMA_TABLE: TableInfo = (() => {
  const sql = 'CREATE TABLE sqlite_schema(type text,name text,tbl_name text,rootpage int,sql text)';
  const ast = parseStatement(sql);
  if (ast.kind !== 'create-table') throw new Error('unreachable');
  const built = buildTable(ast, 1, sql);
  return Object.freeze({ ...built.table, indexes: [] });
})();

export class Schema {
  private readonly tablesByName = new Map<string, TableInfo>();
  private readonly indexesByName = new Map<string, IndexInfo>();
  private readonly viewsByName = new Map<string, ViewInfo>();
  private readonly triggersByName = new Map<string, TriggerInfo>();
  private readonly virtualByName = new Map<string, VirtualTableInfo>();

  constructor(
    readonly tables: readonly TableInfo[],
    readonly indexes: readonly IndexInfo[],
    readonly views: readonly ViewInfo[],
    readonly triggers: readonly TriggerInfo[],
    readonly virtualTables: readonly VirtualTableInfo[],
  ) {
    for (const t of tables) this.tablesByName.set(asciiLower(t.name), t);
    for (const i of indexes) this.indexesByName.set(asciiLower(i.name), i);
    for (const v of views) this.viewsByName.set(asciiLower(v.name), v);
    for (const t of triggers) this.triggersByName.set(asciiLower(t.name), t);
    for (const v of virtualTables) this.virtualByName.set(asciiLower(v.name), v);
    Object.freeze(this);
  }

  /** An ordinary table (including sqlite_sequence, sqlite_stat1, shadow tables, and sqlite_schema). */
  table(name: string): TableInfo | undefined {
    const key = asciiLower(name);
    if (key === 'sqlite_schema' || key === 'sqlite_master') return this.tablesByName.get(key) ?? SQLITE_SCHEMA_TABLE;
    return this.tablesByName.get(key);
  }
  index(name: string): IndexInfo | undefined {
    return this.indexesByName.get(asciiLower(name));
  }
  view(name: string): ViewInfo | undefined {
    return this.viewsByName.get(asciiLower(name));
  }
  trigger(name: string): TriggerInfo | undefined {
    return this.triggersByName.get(asciiLower(name));
  }
  virtualTable(name: string): VirtualTableInfo | undefined {
    return this.virtualByName.get(asciiLower(name));
  }
  /** Whatever goes by that name among tables, views and virtual tables (one namespace in SQLite). */
  relation(name: string): TableInfo | ViewInfo | VirtualTableInfo | undefined {
    return this.table(name) ?? this.view(name) ?? this.virtualTable(name);
  }
  /** Any schema object by name. */
  object(name: string): SchemaObject | undefined {
    return this.relation(name) ?? this.index(name) ?? this.trigger(name);
  }
  triggersOf(tableName: string): TriggerInfo[] {
    const key = asciiLower(tableName);
    return this.triggers.filter((t) => asciiLower(t.tableName) === key);
  }
}

/**
 * Throws unless the rows of `obj` can be read by this engine: virtual tables need their module,
 * which we do not have (their shadow tables are ordinary tables and readable).
 */
export function assertReadable(obj: TableInfo | ViewInfo | VirtualTableInfo): asserts obj is TableInfo | ViewInfo {
  if (obj.kind === 'virtual-table') {
    throw new SqliteError('SQLITE_ERROR', `virtual table module ${obj.module} is not supported`);
  }
}

export function readSchema(rows: readonly SchemaRow[], opts: ReadSchemaOptions = {}): Schema {
  const pgno = opts.pgno ?? 1;
  const corrupt = (name: string, message: string, cause?: unknown): CorruptError =>
    new CorruptError(
      `malformed database schema (${name}) - ${message}`,
      pgno,
      cause === undefined ? undefined : { cause },
    );
  const parse = (row: SchemaRow) => {
    try {
      return parseStatement(row.sql ?? '');
    } catch (err) {
      throw corrupt(row.name, err instanceof Error ? err.message : String(err), err);
    }
  };
  const guard = <T>(name: string, f: () => T): T => {
    try {
      return f();
    } catch (err) {
      if (err instanceof CorruptError) throw err;
      throw corrupt(name, err instanceof Error ? err.message : String(err), err);
    }
  };

  const names = new Set<string>();
  const claim = (name: string): void => {
    const key = asciiLower(name);
    if (names.has(key)) throw corrupt(name, `object ${name} already exists`);
    names.add(key);
  };
  const checkName = (row: SchemaRow, parsed: string): void => {
    if (asciiLower(parsed) !== asciiLower(row.name)) {
      throw corrupt(row.name, `name in sqlite_schema does not match its SQL (${parsed})`);
    }
  };
  const checkRoot = (row: SchemaRow): void => {
    if (!Number.isSafeInteger(row.rootPage) || row.rootPage < 1) {
      throw corrupt(row.name, `invalid rootpage ${String(row.rootPage)}`);
    }
  };

  // Pass 1: tables and virtual tables.
  const built = new Map<string, BuiltTable>();
  const tableOrder: string[] = [];
  const virtualTables: VirtualTableInfo[] = [];
  for (const row of rows) {
    if (row.type !== 'table') continue;
    if (row.sql === null) throw corrupt(row.name, 'table without SQL');
    const ast = parse(row);
    if (ast.kind === 'create-table') {
      checkName(row, ast.table.name);
      checkRoot(row);
      claim(row.name);
      const b = guard(row.name, () => buildTable(ast, row.rootPage, row.sql));
      built.set(asciiLower(row.name), b);
      tableOrder.push(asciiLower(row.name));
    } else if (ast.kind === 'create-virtual-table') {
      checkName(row, ast.table.name);
      claim(row.name);
      virtualTables.push(
        Object.freeze({ kind: 'virtual-table', name: ast.table.name, sql: row.sql, module: ast.module, args: ast.args }),
      );
    } else {
      throw corrupt(row.name, 'a table row whose SQL is not CREATE TABLE');
    }
  }

  // Pass 2: indexes, views, triggers.
  const indexes: IndexInfo[] = [];
  const indexesByTable = new Map<string, IndexInfo[]>();
  const views: ViewInfo[] = [];
  const triggers: TriggerInfo[] = [];
  for (const row of rows) {
    switch (row.type) {
      case 'table':
        break;
      case 'index': {
        claim(row.name);
        checkRoot(row);
        const tableKey = asciiLower(row.tblName);
        const table = built.get(tableKey);
        let index: IndexInfo;
        if (row.sql === null) {
          const auto = table?.autoIndexes.find((i) => asciiLower(i.name) === asciiLower(row.name));
          if (auto === undefined) throw corrupt(row.name, 'orphan index');
          index = Object.freeze({ ...auto, rootPage: row.rootPage });
        } else {
          const ast = parse(row);
          if (ast.kind !== 'create-index') throw corrupt(row.name, 'an index row whose SQL is not CREATE INDEX');
          checkName(row, ast.index.name);
          const owner = built.get(asciiLower(ast.table));
          if (owner === undefined || asciiLower(ast.table) !== tableKey) {
            throw corrupt(row.name, `no such table: ${ast.table}`);
          }
          index = guard(row.name, () => buildIndex(ast, owner.table, row.rootPage, row.sql));
        }
        indexes.push(index);
        const list = indexesByTable.get(tableKey) ?? [];
        list.push(index);
        indexesByTable.set(tableKey, list);
        break;
      }
      case 'view': {
        if (row.sql === null) throw corrupt(row.name, 'view without SQL');
        const ast = parse(row);
        if (ast.kind !== 'create-view') throw corrupt(row.name, 'a view row whose SQL is not CREATE VIEW');
        checkName(row, ast.view.name);
        claim(row.name);
        views.push(
          Object.freeze({
            kind: 'view',
            name: ast.view.name,
            sql: row.sql,
            ...(ast.columns === undefined ? {} : { columns: ast.columns }),
            select: ast.select,
            selectText: ast.selectText,
            ast,
          }),
        );
        break;
      }
      case 'trigger': {
        if (row.sql === null) throw corrupt(row.name, 'trigger without SQL');
        const ast = parse(row);
        if (ast.kind !== 'create-trigger') throw corrupt(row.name, 'a trigger row whose SQL is not CREATE TRIGGER');
        checkName(row, ast.trigger.name);
        if (names.has('trigger:' + asciiLower(row.name))) throw corrupt(row.name, `trigger ${row.name} already exists`);
        names.add('trigger:' + asciiLower(row.name));
        triggers.push(
          Object.freeze({
            kind: 'trigger',
            name: ast.trigger.name,
            tableName: ast.table,
            sql: row.sql,
            timing: ast.timing,
            event: ast.event,
            ...(ast.updateOf === undefined ? {} : { updateOf: ast.updateOf }),
            forEachRow: ast.forEachRow,
            ...(ast.when === undefined ? {} : { when: ast.when }),
            body: ast.body,
            ast,
          }),
        );
        break;
      }
      default:
        throw corrupt(row.name, `unknown schema object type ${JSON.stringify(row.type)}`);
    }
  }

  const tables: TableInfo[] = tableOrder.map((key) => {
    const b = built.get(key) as BuiltTable;
    const stored = indexesByTable.get(key) ?? [];
    // Automatic indexes that sqlite_schema lacks keep root page 0 (SQLite loads such a file
    // too; an integrity check reports it).
    const missing = b.autoIndexes.filter((a) => !stored.some((s) => s.name === a.name));
    return Object.freeze({ ...b.table, indexes: Object.freeze([...stored, ...missing]) });
  });
  return new Schema(tables, indexes, views, triggers, virtualTables);
}
