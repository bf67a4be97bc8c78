/**
 * The planner's statistics from `sqlite_stat1`, which SQLite's ANALYZE writes:
 *
 *   CREATE TABLE sqlite_stat1(tbl, idx, stat);
 *
 * One row per index (`idx` its name) or per table without an index (`idx` NULL). `stat` is text:
 * the row count, then for an index the average number of rows per distinct value of each
 * prefix of its columns (`"10000 100 1"`: 10,000 rows, 100 per value of the first column, 1
 * per value of the first two), then optional keywords (`unordered`, `sz=N`, `noskipscan`) that
 * the planner here ignores. As SQLite (analysis_loader in analyze.c), a table's row count comes
 * from its NULL-idx row or from an index that is not partial. The numbers are read when the
 * schema is (SQLite reloads them with the schema too); malformed text gives no statistics for
 * that row, never an error.
 */
import { TableCursor } from '../btree/table-cursor.js';
import type { Pager } from '../pager/pager.js';
import { decodeRecord } from '../record/record.js';
import type { TextEncoding } from '../record/text-encoding.js';
import { asciiLower } from './affinity.js';
import type { Schema } from './read-schema.js';

/** Row count, then rows per distinct prefix value: for a table (`index` undefined) or one of its indexes. */
export type StatLookup = (table: string, index: string | undefined) => readonly number[] | undefined;

/** An index entry's prefixes cannot outnumber SQLite's column limit; longer stat text is cut there. */
const MAX_NUMBERS = 2001;

const loaded = new WeakMap<Schema, StatLookup>();

/** The statistics loaded for `schema` (undefined: the database has no sqlite_stat1, or no rows in it). */
export function statsOf(schema: Schema): StatLookup | undefined {
  return loaded.get(schema);
}

/** Reads sqlite_stat1 when the schema has it, and keeps its numbers beside the schema. */
export async function loadStats(pager: Pager, schema: Schema): Promise<void> {
  const table = schema.table('sqlite_stat1');
  if (table === undefined || table.rootPage <= 0 || loaded.has(schema)) return;
  const encoding = pager.header.textEncoding as TextEncoding;
  const byKey = new Map<string, number[]>();
  const tableRows = new Map<string, number>();
  const cursor = new TableCursor(pager, table.rootPage);
  for (let ok = await cursor.first(); ok; ok = await cursor.next()) {
    const { values } = decodeRecord(await cursor.payload(), encoding);
    const [tbl, idx, stat] = values;
    if (typeof tbl !== 'string' || typeof stat !== 'string') continue;
    const numbers = parseStat(stat);
    if (numbers.length === 0) continue;
    const t = asciiLower(tbl);
    if (typeof idx === 'string') {
      // A WITHOUT ROWID table's own b-tree is named by the table (analysisLoader).
      const index = asciiLower(idx) === t ? (schema.table(tbl)?.primaryKeyIndex ?? schema.index(idx)) : schema.index(idx);
      if (index === undefined || asciiLower(index.tableName) !== t) continue;
      byKey.set(`${t}\u0000${asciiLower(index.name)}`, numbers);
      if (index.partial === undefined && !tableRows.has(t)) tableRows.set(t, numbers[0]!);
    } else {
      tableRows.set(t, numbers[0]!);
    }
  }
  if (byKey.size === 0 && tableRows.size === 0) return;
  loaded.set(schema, (tbl, idx) => {
    const t = asciiLower(tbl);
    if (idx !== undefined) return byKey.get(`${t}\u0000${asciiLower(idx)}`);
    const n = tableRows.get(t);
    return n === undefined ? undefined : [n];
  });
}

/** The leading numbers of a stat text (SQLite's decodeIntArray: digits, separated by spaces). */
export function parseStat(stat: string): number[] {
  const out: number[] = [];
  for (const word of stat.split(' ')) {
    if (!/^\d+$/.test(word) || out.length >= MAX_NUMBERS) break;
    out.push(Number(word));
  }
  return out;
}
