/**
 * The foreign keys of a schema (https://www.sqlite.org/foreignkeys.html), as SQLite's FKey
 * objects hold them, and the parent key each one uses (sqlite3FkLocateIndex).
 *
 * Order matters where SQLite's lists give it:
 * - a table's own foreign keys (it is the child) come last declared first — column REFERENCES
 *   in column order, then FOREIGN KEY table constraints, each prepended — which is also the
 *   order of `PRAGMA foreign_key_list` ids;
 * - the foreign keys naming a table as parent come most recently created first (each new one
 *   goes to the head of the schema's list for that name; tables load in sqlite_schema order).
 *
 * The parent key: a one-column key that names (or defaults to) the INTEGER PRIMARY KEY is the
 * rowid itself; otherwise it must be a UNIQUE index (or the PRIMARY KEY) of exactly those
 * columns, not partial, whose collations are the columns' own — else "foreign key mismatch".
 */
import { SqliteError } from '../../errors.js';
import { asciiLower } from '../../schema/affinity.js';
import type { Schema } from '../../schema/read-schema.js';
import type { IndexInfo, TableInfo } from '../../schema/schema-types.js';

export type FkAction = 'NO ACTION' | 'RESTRICT' | 'SET NULL' | 'SET DEFAULT' | 'CASCADE';

export interface ForeignKey {
  readonly child: TableInfo;
  /** The child columns, in the FOREIGN KEY's order. */
  readonly childCols: readonly number[];
  readonly parentName: string;
  /** The parent columns as named in REFERENCES (same order), or undefined for the PRIMARY KEY. */
  readonly parentNames: readonly string[] | undefined;
  readonly onDelete: FkAction;
  readonly onUpdate: FkAction;
  /** DEFERRABLE INITIALLY DEFERRED. */
  readonly deferred: boolean;
  /** Position in the child's list (PRAGMA foreign_key_list's id, foreign_key_check's fkid). */
  readonly id: number;
}

/** The parent key of a foreign key, by key position (the index's column order). */
export interface ParentKey {
  readonly parent: TableInfo;
  /** The UNIQUE / PRIMARY KEY index; undefined when the key is the rowid (INTEGER PRIMARY KEY). */
  readonly index: IndexInfo | undefined;
  readonly parentCols: readonly number[];
  readonly childCols: readonly number[];
}

interface SchemaKeys {
  readonly byChild: Map<string, ForeignKey[]>;
  readonly byParent: Map<string, ForeignKey[]>;
}

const cache = new WeakMap<Schema, SchemaKeys>();

/** `ON DELETE …`, `ON UPDATE …` and the deferral out of the clause's source text. */
function parseClause(text: string): { onDelete: FkAction; onUpdate: FkAction; deferred: boolean } {
  let onDelete: FkAction = 'NO ACTION';
  let onUpdate: FkAction = 'NO ACTION';
  for (const m of text.matchAll(/\bON\s+(DELETE|UPDATE)\s+(SET\s+NULL|SET\s+DEFAULT|CASCADE|RESTRICT|NO\s+ACTION)\b/gi)) {
    const action = m[2]!.toUpperCase().replace(/\s+/g, ' ') as FkAction;
    if (m[1]!.toUpperCase() === 'DELETE') onDelete = action;
    else onUpdate = action;
  }
  // SQLite's grammar: only `DEFERRABLE INITIALLY DEFERRED` (not after NOT) defers; a later
  // defer clause wins.
  let deferred = false;
  for (const m of text.matchAll(/\b(NOT\s+)?DEFERRABLE\b(\s+INITIALLY\s+(DEFERRED|IMMEDIATE))?/gi)) {
    deferred = m[1] === undefined && m[3] !== undefined && m[3].toUpperCase() === 'DEFERRED';
  }
  return { onDelete, onUpdate, deferred };
}

function columnIndex(table: TableInfo, name: string): number {
  const key = asciiLower(name);
  return table.columns.findIndex((c) => asciiLower(c.name) === key);
}

function keysOf(schema: Schema): SchemaKeys {
  let keys = cache.get(schema);
  if (keys !== undefined) return keys;
  const byChild = new Map<string, ForeignKey[]>();
  const byParent = new Map<string, ForeignKey[]>();
  for (const t of schema.tables) {
    const ast = t.ast;
    if (ast === undefined) continue;
    const declared: { from: readonly string[]; table: string; columns: readonly string[]; actions: string }[] = [];
    for (const col of ast.columns) {
      for (const c of col.constraints) if (c.kind === 'references') declared.push({ from: [col.name], ...c.fk });
    }
    for (const c of ast.constraints) if (c.kind === 'foreign-key') declared.push({ from: c.columns, ...c.fk });
    if (declared.length === 0) continue;
    const list: ForeignKey[] = [];
    declared.forEach((d, i) => {
      const fk: ForeignKey = {
        child: t,
        childCols: d.from.map((n) => columnIndex(t, n)),
        parentName: d.table,
        parentNames: d.columns.length === 0 ? undefined : d.columns,
        ...parseClause(d.actions),
        id: declared.length - 1 - i,
      };
      list.unshift(fk);
      const p = asciiLower(d.table);
      const parents = byParent.get(p) ?? [];
      parents.unshift(fk);
      byParent.set(p, parents);
    });
    byChild.set(asciiLower(t.name), list);
  }
  keys = { byChild, byParent };
  cache.set(schema, keys);
  return keys;
}

/** The foreign keys of `table` (it is the child), last declared first. */
export function childKeys(schema: Schema, table: string): readonly ForeignKey[] {
  return keysOf(schema).byChild.get(asciiLower(table)) ?? [];
}

/** The foreign keys that name `table` as their parent, newest first. */
export function parentKeys(schema: Schema, table: string): readonly ForeignKey[] {
  return keysOf(schema).byParent.get(asciiLower(table)) ?? [];
}

/** Whether `table` takes part in a foreign key (as child or parent). */
export function hasForeignKeys(schema: Schema, table: string): boolean {
  return childKeys(schema, table).length > 0 || parentKeys(schema, table).length > 0;
}

export function mismatchError(fk: ForeignKey): SqliteError {
  return new SqliteError('SQLITE_ERROR', `foreign key mismatch - "${fk.child.name}" referencing "${fk.parentName}"`);
}

/** The parent key of `fk` in `parent`, or undefined when there is none (a mismatch). */
export function locateParentKey(parent: TableInfo, fk: ForeignKey): ParentKey | undefined {
  const n = fk.childCols.length;
  if (fk.childCols.some((c) => c < 0)) return undefined;
  const named = fk.parentNames;
  if (named !== undefined && named.length !== n) return undefined;
  if (n === 1 && parent.rowidAlias >= 0 && !parent.withoutRowid) {
    const ipk = parent.columns[parent.rowidAlias]!;
    if (named === undefined || asciiLower(named[0]!) === asciiLower(ipk.name)) {
      return { parent, index: undefined, parentCols: [parent.rowidAlias], childCols: fk.childCols };
    }
  }
  const candidates = parent.primaryKeyIndex === undefined ? parent.indexes : [parent.primaryKeyIndex, ...parent.indexes.filter((ix) => ix !== parent.primaryKeyIndex)];
  for (const ix of candidates) {
    if (!ix.unique || ix.partial !== undefined || ix.columns.length !== n) continue;
    if (named === undefined) {
      if (ix.origin !== 'pk') continue;
      if (ix.columns.some((c) => c.column < 0)) continue;
      return { parent, index: ix, parentCols: ix.columns.map((c) => c.column), childCols: fk.childCols };
    }
    const childCols: number[] = [];
    let ok = true;
    for (const c of ix.columns) {
      if (c.column < 0) {
        ok = false;
        break;
      }
      const col = parent.columns[c.column]!;
      if (asciiLower(c.collation) !== asciiLower(col.collation || 'BINARY')) {
        ok = false;
        break;
      }
      const j = named.findIndex((name) => asciiLower(name) === asciiLower(col.name));
      if (j < 0) {
        ok = false;
        break;
      }
      childCols.push(fk.childCols[j]!);
    }
    if (ok) return { parent, index: ix, parentCols: ix.columns.map((c) => c.column), childCols };
  }
  return undefined;
}
