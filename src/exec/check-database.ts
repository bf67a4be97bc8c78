/**
 * `s3lite check`, `Database.check()` and PRAGMA integrity_check: our own integrity check
 * (src/btree/integrity-check.ts) over sqlite_schema and every table and index b-tree, each
 * index compared in its own order
 * (collations and DESC from the schema's recordColumns), plus the page census (every page
 * used exactly once: orphans, duplicates, freelist count).
 */
import { integrityCheck, type EntryCompare, type IntegrityRoot } from '../btree/integrity-check.js';
import type { Pager } from '../pager/pager.js';
import { resolveCollation } from '../record/collation.js';
import { compareValues } from '../record/compare.js';
import { decodeRecord } from '../record/record.js';
import type { TextEncoding } from '../record/text-encoding.js';
import type { Schema } from '../schema/read-schema.js';
import type { IndexColumnInfo, SchemaRow } from '../schema/schema-types.js';

function indexCompare(columns: readonly IndexColumnInfo[], encoding: TextEncoding): EntryCompare {
  const collations = columns.map((c) => resolveCollation(c.collation));
  const desc = columns.map((c) => c.desc);
  return (a, b) => {
    const ra = decodeRecord(a, encoding);
    const rb = decodeRecord(b, encoding);
    const n = Math.min(ra.values.length, rb.values.length);
    for (let i = 0; i < n; i++) {
      const c = compareValues(ra.values[i]!, ra.classes[i]!, rb.values[i]!, rb.classes[i]!, collations[i] ?? 'BINARY', encoding);
      if (c !== 0) return desc[i] === true ? -c : c;
    }
    return ra.values.length - rb.values.length;
  };
}

/** The problems found (empty when the database is sound). */
export async function checkDatabase(pager: Pager, rows: readonly SchemaRow[], schema: Schema): Promise<string[]> {
  const encoding = pager.header.textEncoding as TextEncoding;
  const roots: IntegrityRoot[] = [];
  for (const row of rows) {
    if (row.rootPage <= 0 || (row.type !== 'table' && row.type !== 'index')) continue;
    let compare: EntryCompare | undefined;
    if (row.type === 'index') {
      const ix = schema.index(row.name);
      if (ix !== undefined) compare = indexCompare(ix.recordColumns, encoding);
    } else {
      const t = schema.table(row.name);
      if (t?.withoutRowid === true && t.primaryKeyIndex !== undefined) compare = indexCompare(t.primaryKeyIndex.recordColumns, encoding);
    }
    roots.push({ name: row.name, rootPgno: row.rootPage, ...(compare !== undefined && { compare }) });
  }
  return integrityCheck(pager, roots);
}
