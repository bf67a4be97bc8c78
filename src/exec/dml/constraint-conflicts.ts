/**
 * The ON CONFLICT clauses written on a table's PRIMARY KEY and UNIQUE constraints
 * (https://www.sqlite.org/lang_conflict.html): `a INT UNIQUE ON CONFLICT REPLACE`,
 * `PRIMARY KEY (a, b) ON CONFLICT IGNORE`. A statement's own OR clause wins over them; without
 * either the action is ABORT. Indexes made by CREATE [UNIQUE] INDEX have no clause.
 *
 * Keys: -1 for the rowid / INTEGER PRIMARY KEY / WITHOUT ROWID PRIMARY KEY, else the position of
 * the index in `indexes` (the TableWriter's index plans). An automatic index is matched to the
 * first constraint, in source order, over the same columns.
 */
import { asciiLower } from '../../schema/affinity.js';
import type { IndexInfo, TableInfo } from '../../schema/schema-types.js';
import type { ConflictClause } from '../../sql/ast.js';

interface Declared {
  readonly pk: boolean;
  readonly columns: readonly string[];
  readonly conflict: ConflictClause | undefined;
}

function declared(table: TableInfo): Declared[] {
  const out: Declared[] = [];
  const ast = table.ast;
  if (ast === undefined) return out;
  for (const col of ast.columns) {
    for (const k of col.constraints) {
      if (k.kind === 'primary-key') out.push({ pk: true, columns: [asciiLower(col.name)], conflict: k.conflict });
      else if (k.kind === 'unique') out.push({ pk: false, columns: [asciiLower(col.name)], conflict: k.conflict });
    }
  }
  for (const k of ast.constraints) {
    if (k.kind !== 'primary-key' && k.kind !== 'unique') continue;
    const columns = k.columns.map((c) => asciiLower(c.column ?? ''));
    out.push({ pk: k.kind === 'primary-key', columns, conflict: k.conflict });
  }
  return out;
}

export function constraintConflicts(table: TableInfo, indexes: readonly IndexInfo[]): Map<number, ConflictClause> {
  const out = new Map<number, ConflictClause>();
  const list = declared(table);
  if (list.length === 0) return out;
  const pk = list.find((d) => d.pk);
  if (pk?.conflict !== undefined && (table.rowidAlias >= 0 || table.withoutRowid)) out.set(-1, pk.conflict);
  indexes.forEach((ix, i) => {
    if (ix.origin === 'c') return;
    const names = ix.columns.map((c) => asciiLower(c.name ?? ''));
    const same = (d: Declared): boolean => d.columns.length === names.length && d.columns.every((c, j) => c === names[j]);
    const match = list.find((d) => d.pk === (ix.origin === 'pk') && same(d)) ?? list.find(same);
    if (match?.conflict !== undefined) out.set(i, match.conflict);
  });
  return out;
}
