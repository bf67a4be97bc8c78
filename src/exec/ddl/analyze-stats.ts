/**
 * The `stat` text ANALYZE writes into sqlite_stat1 for one index, computed as SQLite's analyze.c
 * does (stat_push / stat_get), from one scan of the index b-tree in key order:
 *
 *   "N a1 a2 … ak"   N = entries in the index; ai = ceil(N / Di), where Di is the number of
 *                    distinct values of the first i key columns (equality under each column's
 *                    collation, NULL equal to NULL) — except that 2 becomes 1 when N ≤ 1.1·Di.
 *
 * Only the first `tested` fields of each entry are compared (SQLite's nColTest): for a UNIQUE
 * index whose key columns are all NOT NULL, the last key column is not (every entry is distinct
 * there), and a WITHOUT ROWID table's own b-tree compares all its PRIMARY KEY columns but the
 * last. A field past `tested` counts as changed on every entry.
 */
import { IndexCursor } from '../../btree/index-cursor.js';
import type { Pager } from '../../pager/pager.js';
import { resolveCollation, type CollationName } from '../../record/collation.js';
import { compareValues } from '../../record/compare.js';
import { decodeRecord, type DecodedRecord } from '../../record/record.js';
import type { TextEncoding } from '../../record/text-encoding.js';

export interface IndexShape {
  readonly rootPage: number;
  /** Key columns (SQLite's nKeyCol): one number each after the entry count. */
  readonly keyColumns: number;
  /** Fields compared between neighbouring entries (SQLite's nColTest); ≤ the record's fields. */
  readonly tested: number;
  /** The collation of each of the first `tested` fields, as declared. */
  readonly collations: readonly string[];
}

/** The index's entry count and stat text (`entries` 0: the index is empty). */
export async function indexStat(pager: Pager, shape: IndexShape, encoding: TextEncoding): Promise<{ entries: number; stat: string }> {
  const collations: CollationName[] = shape.collations.slice(0, shape.tested).map(resolveCollation);
  const distinctAfterFirst = new Array<number>(shape.keyColumns).fill(0); // SQLite's anDLt
  let entries = 0;
  let prev: DecodedRecord | undefined;
  const cursor = new IndexCursor(pager, shape.rootPage);
  for (let ok = await cursor.first(); ok; ok = await cursor.next()) {
    const rec = decodeRecord(await cursor.payload(), encoding);
    if (prev !== undefined) {
      let changed = 0;
      while (changed < shape.tested && sameField(prev, rec, changed, collations[changed]!, encoding)) changed++;
      for (let i = changed; i < shape.keyColumns; i++) distinctAfterFirst[i]!++;
    }
    prev = rec;
    entries++;
  }
  let stat = String(entries);
  for (const d of distinctAfterFirst) {
    const distinct = d + 1;
    let perValue = Math.floor((entries + distinct - 1) / distinct);
    if (perValue === 2 && entries * 10 <= distinct * 11) perValue = 1;
    stat += ` ${perValue}`;
  }
  return { entries, stat };
}

/** OP_Ne with SQLITE_NULLEQ under the field's collation, negated. */
function sameField(a: DecodedRecord, b: DecodedRecord, i: number, collation: CollationName, encoding: TextEncoding): boolean {
  const classA = a.classes[i] ?? 'null';
  const classB = b.classes[i] ?? 'null';
  if (classA === 'null' || classB === 'null') return classA === classB;
  return compareValues(a.values[i] ?? null, classA, b.values[i] ?? null, classB, collation, encoding) === 0;
}
