/**
 * Looks a parent key up in its parent table (fkLookupParent's search, also PRAGMA
 * foreign_key_check's): the rowid itself for an INTEGER PRIMARY KEY parent — the child value
 * must become an integer (MustBeInt) or there is no parent — else a seek in the parent's UNIQUE
 * index with the parent columns' affinities applied to the child values and the index's
 * collations.
 */
import { IndexCursor } from '../../btree/index-cursor.js';
import { TableCursor } from '../../btree/table-cursor.js';
import type { Pager } from '../../pager/pager.js';
import type { TextEncoding } from '../../record/text-encoding.js';
import type { Value } from '../value.js';
import type { ParentKey } from './foreign-key-schema.js';
import { withAffinity } from './row-codec.js';
import { keyInfoOf, recordCompare } from './table-writer.js';
import { pagerOf } from '../../schema/connection-schema.js';

/** Whether the parent row with key `values` (child values in key order, NULL-free) exists. */
export async function parentKeyExists(pager: Pager, encoding: TextEncoding, key: ParentKey, values: readonly Value[]): Promise<boolean> {
  const { parent, index } = key;
  if (index === undefined) {
    const v = withAffinity(values[0]!, 'NUMERIC');
    return typeof v === 'bigint' && new TableCursor(pagerOf(parent, pager), parent.rootPage).seekRowid(v);
  }
  const probe = values.map((v, i) => {
    const c = key.parentCols[i]!;
    return withAffinity(v, c === parent.rowidAlias && !parent.withoutRowid ? 'INTEGER' : parent.columns[c]!.affinity);
  });
  const cmp = recordCompare(probe, keyInfoOf(index.recordColumns, { encoding }));
  const cur = new IndexCursor(pagerOf(index, pager), index.rootPage);
  if (!(await cur.seek(cmp, 'ge'))) return false;
  return cmp(await cur.payload()) === 0;
}

