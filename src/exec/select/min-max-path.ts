/**
 * `SELECT min(col) FROM t` / `max(col)`: the answer is at one end of an index on col (or of the
 * table itself for the rowid), so one row is read instead of the whole table, as SQLite's
 * min/max optimization does (EXPLAIN QUERY PLAN: `SEARCH t USING [COVERING] INDEX i`, or
 * `SEARCH t` for the rowid).
 *
 * The path yields at most that one row — the first non-NULL entry for min(), the last entry
 * for max() (when every value is NULL, the first or last entry: its row gives the bare columns, as in SQLite) — and the aggregate runs over it as over the whole table: min()/max() of no row and of
 * only NULLs are both NULL, and the query's bare columns come from the row that holds the value.
 * Only the plain shape is taken: one table, no WHERE, no GROUP BY, one aggregate, min or max of
 * a column that leads an ascending, non-partial index under the aggregate's collation.
 */
import { IndexCursor } from '../../btree/index-cursor.js';
import { TableCursor } from '../../btree/table-cursor.js';
import { resolveCollation } from '../../record/collation.js';
import { compareRecordToKey, type KeyInfo } from '../../record/compare.js';
import type { TextEncoding } from '../../record/text-encoding.js';
import type { IndexInfo } from '../../schema/schema-types.js';
import type { Value } from '../value.js';
import type { AccessPath } from './access-path.js';
import type { CoreScope, Source } from './query-scope.js';
import type { RunContext } from './query-types.js';
import { RowDecoder } from './table-decode.js';
import { pagerOf } from '../../schema/connection-schema.js';

/** The min()/max() path of a single-table aggregate query, when its shape allows one. */
export function minMaxPath(scope: CoreScope, source: Source): AccessPath | undefined {
  const table = source.table;
  if (table === undefined || table.withoutRowid || source.rowidSlot === undefined || source.indexHint !== undefined) return undefined;
  if (scope.aggregates.length !== 1 || scope.windows.length > 0) return undefined;
  const agg = scope.aggregates[0]!;
  if (agg.minMax === undefined || agg.filter !== undefined || agg.args.length !== 1) return undefined;
  const arg = agg.args[0]!.expr;
  if (arg.kind !== 'column') return undefined;
  const r = scope.resolveColumn(arg.table, arg.column);
  if (r === undefined) return undefined;
  const max = agg.minMax.max;
  const label = source.name.toLowerCase() === table.name.toLowerCase() ? table.name : `${table.name} AS ${source.name}`;
  if (r.slot === source.rowidSlot) return rowidEnd(source, label, max);
  const column = r.slot - source.offset;
  if (column < 0 || column >= source.columns.length) return undefined;
  const collation = agg.minMax.collation.toUpperCase();
  const covers = (ix: IndexInfo): boolean =>
    [...source.used].every((c) => ix.recordColumns.some((rc) => rc.column === c || (c === -1 && rc.column === -1) || (c === table.rowidAlias && rc.column === -1)));
  const usable = table.indexes.filter(
    (ix) =>
      ix.rootPage > 0 &&
      ix.partial === undefined &&
      ix.columns[0]?.column === column &&
      ix.columns[0].desc === false &&
      ix.columns[0].collation.toUpperCase() === collation,
  );
  const index = usable.find(covers) ?? usable[0];
  if (index === undefined) return undefined;
  return indexEnd(source, label, index, covers(index), max);
}

function oneRow(fetch: (row: Value[], rt: RunContext) => Promise<boolean>): AccessPath['open'] {
  return (row, rt) => {
    let done = false;
    return {
      next() {
        if (done) return false;
        done = true;
        return () => fetch(row, rt);
      },
      close() {},
    };
  };
}

function rowidEnd(source: Source, label: string, max: boolean): AccessPath {
  const table = source.table!;
  return {
    description: `SEARCH ${label}`,
    providesOrder: true,
    open: oneRow(async (row, rt) => {
      const cursor = new TableCursor(pagerOf(table, rt.pager), table.rootPage);
      if (!(max ? await cursor.last() : await cursor.first())) return false;
      new RowDecoder(table, rt.pager.header.textEncoding as TextEncoding).fillRow(row, source.offset, source.rowidSlot, await cursor.payload(), cursor.rowid);
      return true;
    }),
  };
}

function indexEnd(source: Source, label: string, index: IndexInfo, covering: boolean, max: boolean): AccessPath {
  const table = source.table!;
  return {
    description: `SEARCH ${label} USING ${covering ? 'COVERING ' : ''}INDEX ${index.name}`,
    providesOrder: true,
    open: oneRow(async (row, rt) => {
      const encoding = rt.pager.header.textEncoding as TextEncoding;
      const cursor = new IndexCursor(pagerOf(index, rt.pager), index.rootPage);
      let ok: boolean;
      if (max) ok = await cursor.last();
      else {
        // NULLs sort first: the smallest value is the first entry after them.
        const info: KeyInfo = { collations: [resolveCollation(index.columns[0]!.collation)], desc: [false], encoding };
        ok = await cursor.seek((p) => compareRecordToKey(p, [null] as never, ['null'], info), 'gt');
        // Only NULLs: min() is NULL, the bare columns from the first entry's row (as SQLite).
        if (!ok) ok = await cursor.first();
      }
      if (!ok) return false;
      const d = new RowDecoder(table, encoding);
      const p = await cursor.payload();
      d.fillFromIndex(row, source.offset, source.rowidSlot, index, p, cursor.rootPgno);
      // Only NULLs: max() is NULL, and SQLite's bare columns come from that last entry's row.
      if (!covering) {
        const t = new TableCursor(pagerOf(table, rt.pager), table.rootPage);
        if (!(await t.seekRowid(d.indexRowid(p, cursor.rootPgno)))) return false;
        d.fillRow(row, source.offset, source.rowidSlot, await t.payload(), t.rowid);
      }
      return true;
    }),
  };
}
