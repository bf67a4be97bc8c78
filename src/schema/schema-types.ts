/**
 * What the schema layer knows about each object of sqlite_schema
 * (https://www.sqlite.org/schematab.html): tables with their columns and b-tree layout,
 * indexes with their key layout, views, triggers and virtual tables.
 */
import type {
  CreateIndexStatement,
  CreateTableStatement,
  CreateTriggerStatement,
  CreateViewStatement,
  Expr,
  SelectStatement,
} from '../sql/ast.js';
import type { Pager } from '../pager/pager.js';
import type { Affinity } from './affinity.js';

/**
 * Marks an object of the connection's TEMP database (sqlite_temp_schema): its b-trees live in
 * the temp database's own pager. Objects without it belong to the main database, whose pager is
 * the one every statement runs against.
 */
export interface TempTag {
  readonly pager: Pager;
}

/** A value as SQLite stores it: integers are numbers when safe, else bigints (as record/). */
export type SqlValue = null | number | bigint | string | Uint8Array;

/** A value's storage class (the same union as record/'s StorageClass). */
export type ValueClass = 'null' | 'integer' | 'real' | 'text' | 'blob';

/** One row of sqlite_schema as stored. */
export interface SchemaRow {
  readonly type: string;
  readonly name: string;
  readonly tblName: string;
  readonly rootPage: number;
  readonly sql: string | null;
}

export interface ColumnInfo {
  readonly name: string;
  /** As `PRAGMA table_info` reports it ("" when none). */
  readonly declaredType: string;
  readonly affinity: Affinity;
  readonly notNull: boolean;
  /** The DEFAULT expression; absent when the column has no DEFAULT clause. */
  readonly defaultExpr?: Expr;
  /** dflt_value of `PRAGMA table_info`: the DEFAULT clause's text; absent without DEFAULT. */
  readonly defaultText?: string;
  /**
   * The default as a value when it is a constant (literal, signed number, NULL; no DEFAULT
   * clause means NULL). Absent when it must be evaluated (CURRENT_TIME, expressions).
   * Note: SQLite applies the column affinity before using it to fill a record's missing
   * trailing fields (sqlite3ColumnDefault); that conversion belongs to the caller.
   */
  readonly defaultValue?: SqlValue;
  /** Storage class of defaultValue (a number may be an integer or a real); set with it. */
  readonly defaultClass?: ValueClass;
  /** Collation name as written, or "BINARY". */
  readonly collation: string;
  /** 1-based position in the PRIMARY KEY (first occurrence), 0 when not part of it. */
  readonly pk: number;
  /** PRAGMA table_xinfo's hidden: 0 normal, 2 generated VIRTUAL, 3 generated STORED. */
  readonly hidden: 0 | 2 | 3;
  readonly generated?: { readonly expr: Expr; readonly stored: boolean };
}

export interface IndexColumnInfo {
  /** Table column index; -1 for the rowid; -2 for an expression. */
  readonly column: number;
  /** Column name, or null for the rowid and expressions. */
  readonly name: string | null;
  readonly expr?: Expr;
  /** Explicit COLLATE, else the table column's collation, else "BINARY" (as written). */
  readonly collation: string;
  readonly desc: boolean;
  /** Part of the key proper (PRAGMA index_xinfo's `key`), rather than the trailing locator. */
  readonly key: boolean;
}

export interface IndexInfo {
  readonly kind: 'index';
  readonly name: string;
  readonly tableName: string;
  /** 0 if sqlite_schema has no row for an automatic index (corrupt; caught by integrity checks). */
  readonly rootPage: number;
  readonly unique: boolean;
  /** How it came to be (PRAGMA index_list's origin): CREATE INDEX, UNIQUE or PRIMARY KEY. */
  readonly origin: 'c' | 'u' | 'pk';
  readonly partial?: Expr;
  readonly sql: string | null;
  /** The indexed terms (the key columns as declared, after de-duplication where SQLite does). */
  readonly columns: readonly IndexColumnInfo[];
  /**
   * The index b-tree's record, field by field (exactly PRAGMA index_xinfo's rows): the key
   * columns, then the rowid (rowid tables) or the PRIMARY KEY columns not already among the
   * key columns (WITHOUT ROWID tables; for the PK index itself, the remaining columns).
   */
  readonly recordColumns: readonly IndexColumnInfo[];
  readonly ast?: CreateIndexStatement;
  /** Set on the objects of the TEMP database. */
  readonly temp?: TempTag;
}

export interface TableInfo {
  readonly kind: 'table';
  readonly name: string;
  readonly rootPage: number;
  readonly sql: string | null;
  readonly columns: readonly ColumnInfo[];
  readonly withoutRowid: boolean;
  readonly strict: boolean;
  /** Index of the INTEGER PRIMARY KEY column (an alias for the rowid), or -1. */
  readonly rowidAlias: number;
  /** Column indices of the PRIMARY KEY in key order (de-duplicated for WITHOUT ROWID). */
  readonly primaryKey: readonly number[];
  readonly primaryKeyDesc: readonly boolean[];
  readonly primaryKeyCollations: readonly string[];
  readonly autoincrement: boolean;
  /**
   * Record field i holds column storageToDeclared[i]. Rowid tables: every column except
   * generated VIRTUAL ones, in declaration order (the rowid alias is stored as NULL).
   * WITHOUT ROWID: the PRIMARY KEY columns in key order, then the other non-virtual columns.
   */
  readonly storageToDeclared: readonly number[];
  /** Inverse of storageToDeclared; -1 for generated VIRTUAL columns. */
  readonly declaredToStorage: readonly number[];
  readonly checks: readonly Expr[];
  /** Indexes stored in sqlite_schema (CREATE INDEX and automatic ones), in schema order. */
  readonly indexes: readonly IndexInfo[];
  /** WITHOUT ROWID only: the PRIMARY KEY index, which is the table's own b-tree. */
  readonly primaryKeyIndex?: IndexInfo;
  readonly ast?: CreateTableStatement;
  /** Set on the objects of the TEMP database. */
  readonly temp?: TempTag;
}

export interface ViewInfo {
  readonly kind: 'view';
  readonly name: string;
  readonly sql: string;
  readonly columns?: readonly string[];
  readonly select: SelectStatement;
  readonly selectText: string;
  readonly ast: CreateViewStatement;
  /** Set on the objects of the TEMP database. */
  readonly temp?: TempTag;
}

export interface TriggerInfo {
  readonly kind: 'trigger';
  readonly name: string;
  readonly tableName: string;
  readonly sql: string;
  readonly timing: CreateTriggerStatement['timing'];
  readonly event: CreateTriggerStatement['event'];
  readonly updateOf?: readonly string[];
  readonly forEachRow: boolean;
  readonly when?: Expr;
  readonly body: string;
  readonly ast: CreateTriggerStatement;
  /**
   * A TEMP trigger whose ON names no database: whether its table was TEMP's when it was made
   * (a TEMP table or view of that name comes before it in sqlite_temp_schema), else main's — as
   * SQLite binds the trigger to the table it found then.
   */
  readonly onTemp?: boolean;
  /** Set on the objects of the TEMP database. */
  readonly temp?: TempTag;
}

export interface VirtualTableInfo {
  readonly kind: 'virtual-table';
  readonly name: string;
  readonly sql: string;
  readonly module: string;
  readonly args: readonly string[];
  /** Set on the objects of the TEMP database. */
  readonly temp?: TempTag;
}

export type SchemaObject = TableInfo | IndexInfo | ViewInfo | TriggerInfo | VirtualTableInfo;
