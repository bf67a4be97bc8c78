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
  TempTag,
  TriggerInfo,
  ViewInfo,
  VirtualTableInfo,
} from './schema-types.js';
import { buildTable, type BuiltTable } from './table-info.js';

export interface ReadSchemaOptions {
  /** Page to name in CorruptError (default 1, sqlite_schema's root). */
  readonly pgno?: number;
  /** The rows are sqlite_temp_schema's: every object is tagged as the TEMP database's. */
  readonly temp?: TempTag;
}

/**
 * The schemas of one connection with a TEMP database (connection-schema.ts): everything (TEMP
 * objects first, then main's, SQLite's lookup order), main's alone and TEMP's alone.
 */
export interface SchemaLinks {
  all: Schema;
  main: Schema;
  temp: Schema;
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

  /** sqlite_temp_schema itself, in the TEMP database's own schema (temp.sqlite_master). */
  private readonly tempSchemaTable: TableInfo | undefined;

  constructor(
    readonly tables: readonly TableInfo[],
    readonly indexes: readonly IndexInfo[],
    readonly views: readonly ViewInfo[],
    readonly triggers: readonly TriggerInfo[],
    readonly virtualTables: readonly VirtualTableInfo[],
    /** For the TEMP database's schema: its tag. */
    readonly temp?: TempTag,
    /** With a TEMP database: the connection's schemas (later objects win a name: TEMP's). */
    private readonly links?: SchemaLinks,
  ) {
    this.tempSchemaTable = temp === undefined ? undefined : Object.freeze({ ...SQLITE_SCHEMA_TABLE, temp });
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
    const found = this.tablesByName.get(key);
    if (found !== undefined) return found;
    if (key === 'sqlite_schema' || key === 'sqlite_master') return this.tempSchemaTable ?? SQLITE_SCHEMA_TABLE;
    if (key === 'sqlite_temp_schema' || key === 'sqlite_temp_master') return this.tempSchemaTable ?? this.links?.temp.tempSchemaTable;
    return undefined;
  }
  /**
   * The schema a qualifier names (`main.x`, `temp.x`; undefined: this one), or undefined for a
   * database the connection does not have.
   */
  database(name: string | undefined): Schema | undefined {
    if (name === undefined) return this;
    const key = asciiLower(name);
    if (key === 'main') return this.links?.main ?? (this.temp === undefined ? this : undefined);
    if (key === 'temp') return this.links?.temp ?? (this.temp === undefined ? undefined : this);
    return undefined;
  }
  /** The schema of the database `obj` lives in (its TEMP or main part). */
  homeOf(obj: SchemaObject): Schema {
    if (this.links === undefined) return this;
    return obj.temp === undefined ? this.links.main : this.links.temp;
  }
  /**
   * The schema the SQL stored with `obj` (a view's SELECT, a trigger's body) names things in:
   * a main object sees main's objects only, a TEMP one sees TEMP's and then main's (SQLite's
   * rule: the main database cannot depend on a connection's TEMP objects).
   */
  scopeOf(obj: SchemaObject): Schema {
    if (this.links === undefined) return this;
    return obj.temp === undefined ? this.links.main : this.links.all;
  }
  /** The connection's schemas when it has a TEMP database. */
  get connection(): SchemaLinks | undefined {
    return this.links;
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
  /**
   * The triggers on a table or view (given by name: the one the name finds here). With a TEMP
   * database these include TEMP triggers on main's tables, and never a trigger on an object of
   * the same name in the other database.
   */
  triggersOf(target: string | TableInfo | ViewInfo | VirtualTableInfo): TriggerInfo[] {
    const key = asciiLower(typeof target === 'string' ? target : target.name);
    const links = this.links;
    if (links === undefined) return this.triggers.filter((t) => asciiLower(t.tableName) === key);
    const obj = typeof target === 'string' ? this.relation(target) : target;
    if (obj === undefined) return [];
    const on = links.all.triggers.filter((t) => asciiLower(t.tableName) === key && triggerTarget(links, t) === obj);
    // SQLite's firing order (sqlite3TriggerList; callers fire from the end): the table's own
    // database's triggers newest first, then TEMP triggers on a main table oldest first.
    const own = on.filter((t) => (t.temp === undefined) === (obj.temp === undefined));
    const tempOnMain = on.filter((t) => t.temp !== undefined && obj.temp === undefined);
    return tempOnMain.length === 0 ? own : [...own, ...tempOnMain.reverse()];
  }
}

/** The table or view a trigger is on: main's for a main trigger; for a TEMP one as its ON names it, TEMP first. */
function triggerTarget(links: SchemaLinks, t: TriggerInfo): TableInfo | ViewInfo | VirtualTableInfo | undefined {
  if (t.temp === undefined) return links.main.relation(t.tableName);
  const on = t.ast.tableSchema === undefined ? undefined : asciiLower(t.ast.tableSchema);
  if (on === 'main') return links.main.relation(t.tableName);
  if (on === 'temp') return links.temp.relation(t.tableName);
  return t.onTemp === true ? links.temp.relation(t.tableName) : links.main.relation(t.tableName);
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
  const temp = opts.temp;
  const tag = temp === undefined ? {} : { temp };
  const tagged = <T extends object>(o: T): T => (temp === undefined ? o : Object.freeze({ ...o, temp }));
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
        Object.freeze({ kind: 'virtual-table', name: ast.table.name, sql: row.sql, module: ast.module, args: ast.args, ...tag }),
      );
    } else {
      throw corrupt(row.name, 'a table row whose SQL is not CREATE TABLE');
    }
  }

  // Pass 2: indexes, views, triggers.
  const indexes: IndexInfo[] = [];
  const indexesByTable = new Map<string, IndexInfo[]>();
  /** Tables and views met so far in row order (a TEMP trigger's `onTemp`). */
  const relationsBefore = new Set<string>();
  const views: ViewInfo[] = [];
  const triggers: TriggerInfo[] = [];
  for (const row of rows) {
    if (row.type === 'table' || row.type === 'view') relationsBefore.add(asciiLower(row.name));
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
        index = tagged(index);
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
            ...tag,
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
            ...tag,
            ...(temp !== undefined && ast.tableSchema === undefined && { onTemp: relationsBefore.has(asciiLower(ast.table)) }),
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
    const missing = b.autoIndexes.filter((a) => !stored.some((s) => s.name === a.name)).map(tagged);
    const pk = b.table.primaryKeyIndex;
    return Object.freeze({
      ...b.table,
      ...tag,
      ...(pk !== undefined && temp !== undefined && { primaryKeyIndex: tagged(pk) }),
      indexes: Object.freeze([...stored, ...missing]),
    });
  });
  return new Schema(tables, indexes, views, triggers, virtualTables, temp);
}
