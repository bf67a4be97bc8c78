/**
 * Builds a TableInfo (and its automatic indexes) from a parsed CREATE TABLE, replaying what
 * SQLite's build.c does while it parses one (sqlite3AddColumn, sqlite3AddPrimaryKey,
 * sqlite3CreateIndex for constraints, convertToWithoutRowidTable at the end):
 *
 * - PRIMARY KEY / UNIQUE constraints create automatic indexes in source order, named
 *   `sqlite_autoindex_<table>_<n>` with n = 1 + the number of indexes created so far. A
 *   constraint whose key columns and collations equal an earlier one's creates nothing (a
 *   PRIMARY KEY that matches an earlier UNIQUE takes that index over as origin "pk").
 * - The INTEGER PRIMARY KEY rule: a single-column PRIMARY KEY whose declared type is exactly
 *   INTEGER makes that column the rowid, creating no index — except in the column-constraint
 *   form `INTEGER PRIMARY KEY DESC` (a documented quirk), and in WITHOUT ROWID tables, where the
 *   PRIMARY KEY index is created after all the others.
 * - WITHOUT ROWID: the PRIMARY KEY index is the table itself. Its key drops repeated columns
 *   (same column and collation), and every other non-VIRTUAL column follows with its own
 *   collation (SQLite 3.54 reports that; 3.40 reported BINARY — they are not key fields, so the
 *   on-disk order does not depend on it).
 *   Other automatic indexes get the PK columns they lack appended (with ascending order, as
 *   SQLite does for indexes that existed before the conversion: "bAscKeyBug").
 */
import { SqliteError } from '../errors.js';
import type { CreateTableStatement, Expr, IndexedColumn } from '../sql/ast.js';
import { asciiLower, declaredTypeOf, type Affinity } from './affinity.js';
import { constantOf, type ConstantValue } from './default-value.js';
import type { ColumnInfo, IndexColumnInfo, IndexInfo, TableInfo } from './schema-types.js';

/** Thrown for a CREATE TABLE that SQLite itself would refuse; the reader wraps it as corruption. */
export class SchemaError extends SqliteError {
  constructor(message: string) {
    super('SQLITE_ERROR', message);
    this.name = 'SchemaError';
  }
}

export interface BuiltTable {
  /** The table without `indexes` (filled in once sqlite_schema's index rows are known). */
  readonly table: Omit<TableInfo, 'indexes'>;
  /** Automatic indexes that have their own b-tree (and a sqlite_schema row with sql NULL). */
  readonly autoIndexes: readonly IndexInfo[];
}

interface MutableColumn {
  name: string;
  declaredType: string;
  standard: string | undefined;
  affinity: Affinity;
  notNull: boolean;
  defaultExpr?: Expr;
  defaultText?: string;
  collation: string | undefined;
  generated?: { expr: Expr; stored: boolean };
}

interface IndexSpec {
  origin: 'u' | 'pk';
  terms: { column: number; explicitCollation: string | undefined; desc: boolean }[];
}

function sameName(a: string, b: string): boolean {
  return asciiLower(a) === asciiLower(b);
}

export function findColumn(columns: readonly { name: string }[], name: string): number {
  const key = asciiLower(name);
  return columns.findIndex((c) => asciiLower(c.name) === key);
}

export function buildTable(ast: CreateTableStatement, rootPage: number, sql: string | null): BuiltTable {
  const tableName = ast.table.name;
  if (ast.asSelect !== undefined) {
    throw new SchemaError(`CREATE TABLE … AS SELECT cannot be read back from sqlite_schema: ${tableName}`);
  }
  const cols: MutableColumn[] = [];
  const checks: Expr[] = [];
  const specs: IndexSpec[] = [];
  let pkSeen = false;
  let iPKey = -1;
  let iPKeyDesc = false;
  let autoincrement = false;

  const notePrimaryKey = (): void => {
    if (pkSeen) throw new SchemaError(`table "${tableName}" has more than one primary key`);
    pkSeen = true;
  };

  for (const def of ast.columns) {
    if (findColumn(cols, def.name) >= 0) throw new SchemaError(`duplicate column name: ${def.name}`);
    const dt = declaredTypeOf(def.type);
    const col: MutableColumn = {
      name: def.name,
      declaredType: dt.declaredType,
      standard: dt.standard,
      affinity: dt.affinity,
      notNull: false,
      collation: undefined,
    };
    const iCol = cols.length;
    cols.push(col);
    for (const c of def.constraints) {
      switch (c.kind) {
        case 'not-null':
          col.notNull = true;
          break;
        case 'default':
          col.defaultExpr = c.expr;
          col.defaultText = c.text;
          break;
        case 'collate':
          col.collation = c.collation;
          break;
        case 'generated':
          if (col.generated !== undefined) throw new SchemaError(`error in generated column "${col.name}"`);
          col.generated = { expr: c.expr, stored: c.stored };
          break;
        case 'check':
          checks.push(c.expr);
          break;
        case 'unique':
          specs.push({ origin: 'u', terms: [{ column: iCol, explicitCollation: undefined, desc: false }] });
          break;
        case 'primary-key':
          notePrimaryKey();
          if (col.standard === 'INTEGER' && c.order !== 'DESC') {
            iPKey = iCol;
            autoincrement = c.autoincrement;
          } else {
            if (c.autoincrement) throw new SchemaError('AUTOINCREMENT is only allowed on an INTEGER PRIMARY KEY');
            specs.push({ origin: 'pk', terms: [{ column: iCol, explicitCollation: undefined, desc: c.desc }] });
          }
          break;
        case 'null':
        case 'references':
          break;
      }
    }
    if (col.generated !== undefined && col.defaultExpr !== undefined) {
      throw new SchemaError(`cannot use DEFAULT on a generated column`);
    }
  }

  const resolveTerms = (terms: readonly IndexedColumn[]): IndexSpec['terms'] =>
    terms.map((t) => {
      if (t.column === undefined) {
        throw new SchemaError('expressions prohibited in PRIMARY KEY and UNIQUE constraints');
      }
      const column = findColumn(cols, t.column);
      if (column < 0) throw new SchemaError(`no such column: ${t.column}`);
      return { column, explicitCollation: t.collation, desc: t.desc };
    });

  for (const c of ast.constraints) {
    switch (c.kind) {
      case 'primary-key': {
        notePrimaryKey();
        const terms = resolveTerms(c.columns);
        const only = terms[0];
        if (terms.length === 1 && only !== undefined && cols[only.column]?.standard === 'INTEGER') {
          iPKey = only.column;
          iPKeyDesc = only.desc;
          autoincrement = c.autoincrement;
        } else {
          if (c.autoincrement) throw new SchemaError('AUTOINCREMENT is only allowed on an INTEGER PRIMARY KEY');
          specs.push({ origin: 'pk', terms });
        }
        break;
      }
      case 'unique':
        specs.push({ origin: 'u', terms: resolveTerms(c.columns) });
        break;
      case 'check':
        checks.push(c.expr);
        break;
      case 'foreign-key':
        break;
    }
  }

  const withoutRowid = ast.withoutRowid;
  if (cols.every((c) => c.generated !== undefined)) throw new SchemaError('must have at least one non-generated column');
  if (withoutRowid) {
    if (!pkSeen) throw new SchemaError(`PRIMARY KEY missing on table ${tableName}`);
    if (autoincrement) throw new SchemaError('AUTOINCREMENT not allowed on WITHOUT ROWID tables');
    if (iPKey >= 0) specs.push({ origin: 'pk', terms: [{ column: iPKey, explicitCollation: undefined, desc: iPKeyDesc }] });
  }

  if (ast.strict) {
    for (const col of cols) {
      if (col.declaredType === '') throw new SchemaError(`missing datatype for ${tableName}.${col.name}`);
      if (col.standard === undefined) {
        throw new SchemaError(`unknown datatype for ${tableName}.${col.name}: "${col.declaredType}"`);
      }
      if (col.standard === 'ANY') col.affinity = 'BLOB';
    }
  }

  const collationOf = (iCol: number): string => cols[iCol]?.collation ?? 'BINARY';

  // STRICT tables make every PRIMARY KEY column except the rowid alias NOT NULL (sqlite3EndTable).
  if (ast.strict) {
    for (const spec of specs) {
      if (spec.origin !== 'pk') continue;
      for (const t of spec.terms) {
        const col = cols[t.column];
        if (col !== undefined && (withoutRowid || t.column !== iPKey)) col.notNull = true;
      }
    }
  }

  // Create the automatic indexes in order, skipping duplicates of earlier ones.
  interface Made {
    name: string;
    origin: 'u' | 'pk';
    key: { column: number; collation: string; desc: boolean }[];
  }
  const made: Made[] = [];
  for (const spec of specs) {
    const key = spec.terms.map((t) => ({
      column: t.column,
      collation: t.explicitCollation ?? collationOf(t.column),
      desc: t.desc,
    }));
    const dup = made.find(
      (m) =>
        m.key.length === key.length &&
        m.key.every((k, i) => k.column === key[i]?.column && sameName(k.collation, key[i]?.collation ?? '')),
    );
    if (dup !== undefined) {
      if (spec.origin === 'pk') dup.origin = 'pk';
      continue;
    }
    made.push({ name: `sqlite_autoindex_${tableName}_${made.length + 1}`, origin: spec.origin, key });
  }

  for (const col of cols) {
    if (col.generated !== undefined) {
      const iCol = cols.indexOf(col);
      if (iCol === iPKey || made.some((m) => m.origin === 'pk' && m.key.some((k) => k.column === iCol))) {
        throw new SchemaError('generated columns cannot be part of the PRIMARY KEY');
      }
    }
  }

  const columnEntry = (k: { column: number; collation: string; desc: boolean }, key: boolean): IndexColumnInfo => ({
    column: k.column,
    name: cols[k.column]?.name ?? null,
    collation: k.collation,
    desc: k.desc,
    key,
  });
  const isVirtual = (iCol: number): boolean => cols[iCol]?.generated !== undefined && !cols[iCol]?.generated?.stored;

  let primaryKey: number[] = [];
  let primaryKeyDesc: boolean[] = [];
  let primaryKeyCollations: string[] = [];
  let storageToDeclared: number[];
  let primaryKeyIndex: IndexInfo | undefined;
  const autoIndexes: IndexInfo[] = [];
  const pkMade = made.find((m) => m.origin === 'pk');

  if (withoutRowid) {
    if (pkMade === undefined) throw new SchemaError(`PRIMARY KEY missing on table ${tableName}`);
    // De-duplicate the PK key (same column and collation).
    const pkKey: Made['key'] = [];
    for (const k of pkMade.key) {
      if (!pkKey.some((p) => p.column === k.column && sameName(p.collation, k.collation))) pkKey.push(k);
    }
    for (const k of pkKey) {
      const col = cols[k.column];
      if (col !== undefined) col.notNull = true;
    }
    primaryKey = pkKey.map((k) => k.column);
    primaryKeyDesc = pkKey.map((k) => k.desc);
    primaryKeyCollations = pkKey.map((k) => k.collation);
    const rest: number[] = [];
    for (let i = 0; i < cols.length; i++) if (!primaryKey.includes(i) && !isVirtual(i)) rest.push(i);
    storageToDeclared = [...primaryKey, ...rest];
    const pkColumns = pkKey.map((k) => columnEntry(k, true));
    primaryKeyIndex = deepFreezeIndex({
      kind: 'index',
      name: pkMade.name,
      tableName,
      rootPage,
      unique: true,
      origin: 'pk',
      sql: null,
      columns: pkColumns,
      recordColumns: [
        ...pkColumns,
        ...rest.map((i) => columnEntry({ column: i, collation: collationOf(i), desc: false }, false)),
      ],
    });
    for (const m of made) {
      if (m === pkMade) continue;
      const keyCols = m.key.map((k) => columnEntry(k, true));
      const extra = pkKey
        .filter((p) => !m.key.some((k) => k.column === p.column && sameName(k.collation, p.collation)))
        .map((p) => columnEntry({ column: p.column, collation: p.collation, desc: false }, false));
      autoIndexes.push(autoIndex(m, tableName, keyCols, [...keyCols, ...extra]));
    }
  } else {
    if (iPKey >= 0) {
      primaryKey = [iPKey];
      primaryKeyDesc = [iPKeyDesc];
      primaryKeyCollations = [collationOf(iPKey)];
    } else if (pkMade !== undefined) {
      primaryKey = pkMade.key.map((k) => k.column);
      primaryKeyDesc = pkMade.key.map((k) => k.desc);
      primaryKeyCollations = pkMade.key.map((k) => k.collation);
    }
    storageToDeclared = [];
    for (let i = 0; i < cols.length; i++) if (!isVirtual(i)) storageToDeclared.push(i);
    for (const m of made) {
      const keyCols = m.key.map((k) => columnEntry(k, true));
      const rowid: IndexColumnInfo = { column: -1, name: null, collation: 'BINARY', desc: false, key: false };
      autoIndexes.push(autoIndex(m, tableName, keyCols, [...keyCols, rowid]));
    }
  }

  const declaredToStorage = cols.map(() => -1);
  storageToDeclared.forEach((iCol, field) => {
    declaredToStorage[iCol] = field;
  });

  const columns: ColumnInfo[] = cols.map((c, i) => {
    const pkPos = primaryKey.indexOf(i);
    const constant: ConstantValue | undefined =
      c.defaultExpr === undefined ? { value: null, valueClass: 'null' } : constantOf(c.defaultExpr);
    return Object.freeze({
      name: c.name,
      declaredType: c.declaredType,
      affinity: c.affinity,
      notNull: c.notNull,
      ...(c.defaultExpr === undefined ? {} : { defaultExpr: c.defaultExpr }),
      ...(c.defaultText === undefined ? {} : { defaultText: c.defaultText }),
      ...(constant === undefined || c.generated !== undefined
        ? {}
        : { defaultValue: constant.value, defaultClass: constant.valueClass }),
      collation: c.collation ?? 'BINARY',
      pk: pkPos < 0 ? 0 : pkPos + 1,
      hidden: c.generated === undefined ? 0 : c.generated.stored ? 3 : 2,
      ...(c.generated === undefined ? {} : { generated: Object.freeze({ ...c.generated }) }),
    });
  });

  const table: Omit<TableInfo, 'indexes'> = {
    kind: 'table',
    name: tableName,
    rootPage,
    sql,
    columns: Object.freeze(columns),
    withoutRowid,
    strict: ast.strict,
    rowidAlias: withoutRowid ? -1 : iPKey,
    primaryKey: Object.freeze(primaryKey),
    primaryKeyDesc: Object.freeze(primaryKeyDesc),
    primaryKeyCollations: Object.freeze(primaryKeyCollations),
    autoincrement,
    storageToDeclared: Object.freeze(storageToDeclared),
    declaredToStorage: Object.freeze(declaredToStorage),
    checks: Object.freeze(checks),
    ...(primaryKeyIndex === undefined ? {} : { primaryKeyIndex }),
    ast,
  };
  return { table, autoIndexes };
}

function autoIndex(
  m: { name: string; origin: 'u' | 'pk' },
  tableName: string,
  columns: IndexColumnInfo[],
  recordColumns: IndexColumnInfo[],
): IndexInfo {
  return deepFreezeIndex({
    kind: 'index',
    name: m.name,
    tableName,
    rootPage: 0,
    unique: true,
    origin: m.origin,
    sql: null,
    columns,
    recordColumns,
  });
}

function deepFreezeIndex(index: IndexInfo): IndexInfo {
  for (const c of index.recordColumns) Object.freeze(c);
  for (const c of index.columns) Object.freeze(c);
  Object.freeze(index.columns);
  Object.freeze(index.recordColumns);
  return Object.freeze(index);
}
