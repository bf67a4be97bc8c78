/**
 * How one table of a FROM clause is read: the planner's choice among
 *
 *   SCAN t                                   every row in rowid (or PRIMARY KEY) order
 *   SEARCH t USING INTEGER PRIMARY KEY (…)   rowid =, IN, or a rowid range → TableCursor.seekRowid
 *   SEARCH t USING [COVERING] INDEX i (…)    equality on a prefix of an index, then at most one
 *                                            range → IndexCursor.seek, then the row by rowid (or
 *                                            by PRIMARY KEY in a WITHOUT ROWID table) unless the
 *                                            index holds every column the query reads
 *   SCAN t USING [COVERING] INDEX i          the whole index, when it gives ORDER BY's order
 *
 * A seek only narrows what is read: the executor still tests every WHERE term on every row it
 * gets, so a seek must never skip a row that matches, and may return rows that do not. That is
 * why a term is used only when its comparison affinity and collation agree with the index's.
 */
import { IndexCursor } from '../../btree/index-cursor.js';
import { TableCursor } from '../../btree/table-cursor.js';
import { rowidBatch, warmRowids } from '../../btree/warm-rowids.js';
import { resolveCollation } from '../../record/collation.js';
import { compareRecordToKey, type KeyInfo } from '../../record/compare.js';
import type { TextEncoding } from '../../record/text-encoding.js';
import type { IndexInfo, TableInfo } from '../../schema/schema-types.js';
import type { Expr } from '../../sql/ast.js';
import { storageClassOf, type Value } from '../value.js';
import { applyAffinityValue, compareForSort } from './expr-api.js';
import type { CoreScope, Source } from './query-scope.js';
import { noteIndexUse } from './stats-used.js';
import type { RunContext } from './query-types.js';
import { RowDecoder } from './table-decode.js';
import { stepperSource, type Stepper } from './stepper-source.js';
import { autoIndexPath } from './auto-index.js';
import { multiIndexOrPath } from './or-path.js';
import type { PlanLine } from './query-types.js';
import { IN_SUBQUERY_ROWS, RANGE_FRACTION, rowsPerKey, scanEstimate, seekEstimate, tableRows, type Estimate, type StatLookup } from './cost-model.js';
import { pagerOf } from '../../schema/connection-schema.js';
import { extract, MAX_INT64, MIN_INT64, partialImplied, type Constraint } from './where-constraints.js';

export type { Constraint } from './where-constraints.js';

/** What the join-order search tells the planner of one table's loop. */
export interface TablePlanOptions {
  /** The FROM items (levels) whose loops run outside this one (default: those written before it). */
  readonly outer?: ReadonlySet<number>;
  /** sqlite_stat1's numbers, when the database has them. */
  readonly stats?: StatLookup;
  /** Offer an automatic index when the path would scan the whole table (AccessPath.autoIndex). */
  readonly autoIndex?: boolean;
}

export interface OrderTerm {
  /** Table column index, or -1 for the rowid. */
  readonly column: number;
  readonly desc: boolean;
  readonly nulls: 'FIRST' | 'LAST' | undefined;
  readonly collation: string;
}

/**
 * The rest of a step that must wait (for a page, or a subquery): not started until called, so
 * that whoever steps can first hand out the rows it has — nothing is fetched for a row the
 * consumer may never ask for.
 */
export type Later = () => Promise<boolean>;

/** The answer of a step: now, or `Later`. */
export type Step = boolean | Later;

/** Runs a step to its end. */
export function settle(s: Step): boolean | Promise<boolean> {
  return typeof s === 'function' ? s() : s;
}

/**
 * The rows of one FROM item, one step at a time. `next()` moves to the next row and fills the
 * source's slots of the shared row: true when there is one, false at the end. It answers at
 * once when no page must be fetched (a scan's move within a cached leaf, a payload without
 * overflow), so a scan over cached pages costs no Promise per row; else it answers `Later`.
 */
export interface RowSource {
  next(): Step;
  /** The consumer stopped early: release what the source holds (an inner generator). */
  close(): void;
}

export interface AccessPath {
  readonly description: string;
  /** EXPLAIN QUERY PLAN lines beneath the description (a MULTI-INDEX OR's seeks), depth relative to it. */
  readonly subPlan?: readonly PlanLine[];
  /** What one run costs and yields (cost-model.ts); undefined for items the planner does not estimate. */
  readonly estimate?: Estimate;
  /**
   * An automatic index over the table for its equality terms (auto-index.ts), offered when this
   * path would read the whole table on every run: the join-order search decides which is cheaper.
   */
  readonly autoIndex?: AccessPath;
  /** Rows come out in the order of the ORDER BY terms given to the planner. */
  readonly providesOrder: boolean;
  /** A source that fills the source's slots of `row` at each step (nothing is read before the first `next()`). */
  open(row: Value[], rt: RunContext): RowSource;
}

/** A RowSource over a generator that yields once per row (the paths not worth a hand-written stepper). */
export function generatorSource(gen: AsyncGenerator<void>): RowSource {
  const later: Later = () => gen.next().then((r) => r.done !== true);
  return {
    next: () => later,
    close: () => {
      gen.return(undefined).catch(() => undefined);
    },
  };
}

/**
 * Fills `row` from the table cursor's current entry: synchronously when its payload has no
 * overflow (decoded straight from the page), else once the overflow chain is read.
 */
function fillFromCursor(cursor: TableCursor, d: RowDecoder, row: Value[], source: Source): Step {
  const local = cursor.localPayload();
  if (local !== undefined) {
    d.fillRow(row, source.offset, source.rowidSlot, local, cursor.rowid);
    return true;
  }
  return () =>
    cursor.payload().then((p) => {
      d.fillRow(row, source.offset, source.rowidSlot, p, cursor.rowid);
      return true;
    });
}

interface IndexChoice {
  readonly index: IndexInfo;
  readonly eq: readonly Constraint[];
  readonly low: Constraint | undefined;
  readonly high: Constraint | undefined;
  readonly score: number;
}

function indexColumnMatches(index: IndexInfo, j: number, c: Constraint, table: TableInfo): boolean {
  const ic = index.columns[j]!;
  if (ic.column === -2) return c.term === ic;
  const col = ic.column === table.rowidAlias && ic.column >= 0 ? -1 : ic.column;
  if (col !== c.column) return false;
  return c.column === -1 || ic.collation.toUpperCase() === c.collation.toUpperCase();
}

function chooseIndex(index: IndexInfo, table: TableInfo, cons: readonly Constraint[]): IndexChoice {
  const eq: Constraint[] = [];
  let low: Constraint | undefined;
  let high: Constraint | undefined;
  let sawIn = false;
  for (let j = 0; j < index.columns.length; j++) {
    const e = cons.find((c) => c.op === '=' && indexColumnMatches(index, j, c, table));
    const inc = sawIn ? undefined : cons.find((c) => c.op === 'in' && indexColumnMatches(index, j, c, table));
    if (e !== undefined || inc !== undefined) {
      eq.push(e ?? inc!);
      if (e === undefined) sawIn = true;
      continue;
    }
    low = cons.find((c) => (c.op === '>' || c.op === '>=') && indexColumnMatches(index, j, c, table));
    high = cons.find((c) => (c.op === '<' || c.op === '<=') && indexColumnMatches(index, j, c, table));
    break;
  }
  const score = eq.length * 4 + (low !== undefined ? 1 : 0) + (high !== undefined ? 1 : 0);
  return { index, eq, low, high, score };
}

function describeCons(name: string | ((c: Constraint) => string), eq: readonly Constraint[], low?: Constraint, high?: Constraint): string {
  const n = typeof name === 'string' ? () => name : name;
  // SQLite's explainIndexRange writes a lower bound as `>` and an upper one as `<`, inclusive or not.
  const parts = eq.map((c) => `${n(c)}=?`);
  if (low !== undefined) parts.push(`${n(low)}>?`);
  if (high !== undefined) parts.push(`${n(high)}<?`);
  return parts.join(' AND ');
}

/** Evaluates constraint keys on the current row (or runs its IN subquery), with the seek's affinity applied. */
async function keyValues(c: Constraint, row: Value[], rt: RunContext): Promise<Value[]> {
  if (c.list === undefined) return keyValuesNow(c, row, rt);
  const raw: Value[] = [];
  for await (const b of c.list.query.batches(rt, row)) for (const r of b) raw.push(r[0] ?? null);
  return convertKeys(c, raw);
}

/** As keyValues, without a Promise: for constraints whose keys do not come from an IN subquery. */
function keyValuesNow(c: Constraint, row: Value[], rt: RunContext): Value[] {
  const raw: Value[] = [];
  for (const k of c.keys) raw.push(k.fn(row, rt.eval));
  return convertKeys(c, raw);
}

function convertKeys(c: Constraint, raw: Value[]): Value[] {
  return c.convert === undefined ? raw : raw.map((v) => applyAffinityValue(v, c.convert!));
}

/** ORDER BY read backwards: each term's direction and NULLS placement flipped. */
function reversedOrder(order: readonly OrderTerm[]): OrderTerm[] {
  return order.map((t) => ({ ...t, desc: !t.desc, nulls: t.nulls === undefined ? undefined : t.nulls === 'FIRST' ? 'LAST' : 'FIRST' }));
}

/** Rowid seek key: the smallest integer ≥ v (undefined when v is not a number). */
function rowidCeil(v: Value): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (typeof v !== 'number') return undefined;
  if (v > 9.3e18) return MAX_INT64 + 1n;
  if (v < -9.3e18) return MIN_INT64;
  return BigInt(Math.ceil(v));
}

export function planTableAccess(
  scope: CoreScope,
  source: Source,
  terms: readonly Expr[],
  order: readonly OrderTerm[] | undefined,
  options: TablePlanOptions = {},
): AccessPath {
  const single = planSingleAccess(scope, source, terms, order, options);
  if (source.indexHint !== undefined || !terms.some((t) => t.kind === 'binary' && t.op === 'OR')) return single;
  const subOptions: TablePlanOptions = {
    ...(options.outer !== undefined && { outer: options.outer }),
    ...(options.stats !== undefined && { stats: options.stats }),
  };
  const or = multiIndexOrPath(source, terms, (ts) => planSingleAccess(scope, source, ts, undefined, subOptions));
  if (or === undefined || single.estimate === undefined) return single;
  // A path that gives ORDER BY's order saves the sort the union would need.
  const rows = or.estimate!.rows;
  const sort = order !== undefined && order.length > 0 && single.providesOrder ? rows * Math.log2(Math.max(rows, 2)) : 0;
  if (or.estimate!.cost + sort >= single.estimate.cost) return single;
  return single.autoIndex !== undefined ? { ...or, autoIndex: single.autoIndex } : or;
}

/** The best path for `terms` that reads one index (or the table) once per run. */
function planSingleAccess(
  scope: CoreScope,
  source: Source,
  terms: readonly Expr[],
  order: readonly OrderTerm[] | undefined,
  options: TablePlanOptions,
): AccessPath {
  const table = source.table!;
  const cons = extract(scope, source, terms, options.outer);
  const nRows = tableRows(table, options.stats);
  const consumedBy = (...cs: readonly (Constraint | undefined)[]): Set<Expr> => {
    const out = new Set<Expr>();
    for (const c of cs) if (c !== undefined) out.add(c.from);
    return out;
  };
  const label = source.name.toLowerCase() === table.name.toLowerCase() ? table.name : `${table.name} AS ${source.name}`;
  // One decoder for every run of the plan (it only depends on the text encoding; its scratch
  // record is used synchronously inside each fill, so interleaved runs can share it).
  let cachedDecoder: RowDecoder | undefined;
  const decoder = (rt: RunContext): RowDecoder => {
    const encoding = rt.pager.header.textEncoding as TextEncoding;
    // Made at the first run, once compiling has noted every column the query reads.
    if (cachedDecoder === undefined || cachedDecoder.encoding !== encoding) cachedDecoder = new RowDecoder(table, encoding, source.used);
    return cachedDecoder;
  };

  // Index candidates: the table's indexes (a partial one only when WHERE implies its condition),
  // and for a WITHOUT ROWID table its PRIMARY KEY b-tree.
  const candidates: IndexChoice[] = [];
  const hint = source.indexHint;
  for (const index of table.indexes) {
    if (index.rootPage <= 0 || index === table.primaryKeyIndex) continue;
    if (hint !== undefined && ('notIndexed' in hint || index.name.toLowerCase() !== hint.indexedBy.toLowerCase())) continue;
    if (index.partial !== undefined && !partialImplied(scope, source, terms, index.partial)) continue;
    candidates.push(chooseIndex(index, table, cons));
  }
  const pk = table.withoutRowid ? table.primaryKeyIndex : undefined;
  if (pk !== undefined) {
    const c = chooseIndex(pk, table, cons);
    // Ahead of an equal secondary index when a term seeks on it; no term: a plain scan (below).
    candidates.push({ ...c, score: c.score > 0 ? c.score + 0.5 : c.score });
  }
  for (const c of candidates) noteIndexUse(scope.env.schema, table, c.index, c.eq.length + (c.low !== undefined || c.high !== undefined ? 1 : 0));
  let best: IndexChoice | undefined;
  const stats = options.stats;
  if (stats !== undefined && table.indexes.some((ix) => stats(table.name, ix.name) !== undefined)) {
    // With sqlite_stat1's numbers the cheapest seek wins, and none when reading the whole
    // table costs less (an equality on a column of few distinct values).
    let bestCost = scanEstimate(nRows).cost;
    for (const c of candidates) {
      if (c.score <= 0) continue;
      const cost = indexPath(c, true).estimate!.cost;
      if (cost < bestCost) [best, bestCost] = [c, cost];
    }
  } else {
    for (const c of candidates) if (c.score > 0 && (best === undefined || c.score > best.score)) best = c;
  }

  if (!table.withoutRowid) {
    const eq = cons.find((c) => c.column === -1 && c.op === '=');
    const inList = cons.find((c) => c.column === -1 && c.op === 'in');
    // rowid = beats everything; rowid IN (SELECT …) yields to an index equality (the subquery may be big).
    if (eq !== undefined || (inList !== undefined && (inList.list === undefined || best === undefined || best.eq.length === 0))) {
      const c = (eq ?? inList)!;
      const seeks = c.op === '=' ? 1 : c.list !== undefined ? IN_SUBQUERY_ROWS : c.keys.length;
      return {
        // SQLite writes `rowid=?` for an IN list on the rowid too (WHERE_COLUMN_IN).
        description: `SEARCH ${label} USING INTEGER PRIMARY KEY (rowid=?)`,
        estimate: seekEstimate(nRows, seeks, 1, true, consumedBy(c)),
        providesOrder: c.op === '=' || orderIsRowid(order, false),
        open(row, rt) {
          const d = decoder(rt);
          const cursor = new TableCursor(pagerOf(table, rt.pager), table.rootPage);
          let wanted: bigint[] | undefined;
          let at = 0;
          const start = (values: Value[]): Step => {
            const list: bigint[] = [];
            for (const v of values) {
              const r = typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 2 ** 63 ? BigInt(v) : v;
              if (typeof r === 'bigint' && r >= MIN_INT64 && r <= MAX_INT64) list.push(r);
            }
            list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
            wanted = list.filter((r, i) => i === 0 || r !== list[i - 1]);
            return seekNext();
          };
          let warmed = 0;
          const seekNext = (): Step => {
            if (at >= warmed && wanted!.length - at > 1) {
              // Many rowids (e.g. `fid IN (SELECT id FROM rtree …)`): their leaves come in parallel, a batch at a time.
              warmed = at + rowidBatch(rt.pager);
              return () => warmRowids(pagerOf(table, rt.pager), table.rootPage, wanted!.slice(at, warmed)).then(() => settle(seekNext()));
            }
            const r = wanted![at++];
            if (r === undefined) return false;
            // On cached pages the seek needs no Promise.
            const now = cursor.seekRowidNow(r);
            if (now !== undefined) return now ? fillFromCursor(cursor, d, row, source) : seekNext();
            return () => cursor.seekRowid(r).then((found) => settle(found ? fillFromCursor(cursor, d, row, source) : seekNext()));
          };
          return {
            next() {
              if (wanted !== undefined) return seekNext();
              if (c.list !== undefined) return () => keyValues(c, row, rt).then((keys) => settle(start(keys)));
              return start(keyValuesNow(c, row, rt));
            },
            close() {},
          };
        },
      };
    }
  }

  const rowidLow = table.withoutRowid ? undefined : cons.find((c) => c.column === -1 && (c.op === '>' || c.op === '>='));
  const rowidHigh = table.withoutRowid ? undefined : cons.find((c) => c.column === -1 && (c.op === '<' || c.op === '<='));
  if ((rowidLow !== undefined || rowidHigh !== undefined) && (best === undefined || best.eq.length === 0)) {
    // ORDER BY rowid DESC: the range read from its top down, as SQLite does, instead of a sort.
    return orderIsRowid(order, true) && !orderIsRowid(order, false) ? rowidRangeReverse(rowidLow, rowidHigh) : rowidRange(rowidLow, rowidHigh);
  }
  if (best !== undefined) return indexPath(best, true);
  // INDEXED BY: the named index, read whole when no term can seek on it.
  if (hint !== undefined && 'indexedBy' in hint && candidates[0] !== undefined) {
    return indexPath({ ...candidates[0], eq: [], low: undefined, high: undefined }, false);
  }

  // No usable term: read in ORDER BY's order if an index gives it.
  if (order !== undefined && order.length > 0) {
    if (!table.withoutRowid && orderIsRowid(order, true)) return withAutoIndex(fullScan(orderIsRowid(order, false) ? 'forward' : 'reverse'));
    for (const c of candidates) {
      if (orderMatchesIndex(c.index, [], order)) return withAutoIndex(indexPath({ ...c, eq: [], low: undefined, high: undefined }, false, 'forward'));
    }
    for (const c of candidates) {
      if (orderMatchesIndex(c.index, [], reversedOrder(order))) return withAutoIndex(indexPath({ ...c, eq: [], low: undefined, high: undefined }, false, 'reverse'));
    }
  }
  // A whole-table read goes through the narrowest index holding every column the query reads,
  // when its entries are narrower than the table's rows (SQLite's covering-index scan); for a
  // WITHOUT ROWID table also when they are as wide (its own b-tree is an index too, and SQLite
  // then takes the secondary one).
  {
    let narrowest: IndexChoice | undefined;
    for (const c of candidates) {
      if (c.index.partial !== undefined || c.index === pk || !covers(c.index)) continue;
      if (narrowest === undefined || c.index.recordColumns.length <= narrowest.index.recordColumns.length) narrowest = c;
    }
    const width = narrowest?.index.recordColumns.length;
    const tableWidth = table.withoutRowid ? (table.primaryKeyIndex?.recordColumns.length ?? table.columns.length) : table.columns.length + 1;
    // (count(*) reads no column: SQLite counts the PRIMARY KEY b-tree unless an index is narrower.)
    const tieGoesToIndex = table.withoutRowid && source.used.size > 0;
    if (narrowest !== undefined && width !== undefined && (tieGoesToIndex ? width <= tableWidth : width < tableWidth)) {
      return withAutoIndex(indexPath({ ...narrowest, eq: [], low: undefined, high: undefined }, false));
    }
  }
  return withAutoIndex(fullScan('forward'));

  /** Whether `index`'s entries hold every column the query reads of the table. */
  function covers(index: IndexInfo): boolean {
    return [...source.used].every((col) =>
      index.recordColumns.some((rc) => rc.column === col || (col === -1 && rc.column === table.rowidAlias && rc.column >= 0) || (col === table.rowidAlias && rc.column === -1)),
    );
  }

  /** A path that reads the whole table, with the automatic index it could use instead. */
  function withAutoIndex(scan: AccessPath): AccessPath {
    if (options.autoIndex !== true || table.withoutRowid || source.rowidSlot === undefined || hint !== undefined) return scan;
    // SQLite keys an automatic index on the equality terms whose other side is known outside the loop.
    const keys = cons.filter((c) => c.op === '=' && c.matchesNull !== true && c.column >= 0 && c.list === undefined && c.keys.length === 1);
    if (keys.length === 0) return scan;
    const keyed = keys.filter((c, i) => keys.findIndex((d) => d.column === c.column) === i);
    const path = autoIndexPath(scope, source, label, fullScan('forward'), keyed, terms, nRows, keyValuesNow);
    return path === undefined ? scan : { ...scan, autoIndex: path };
  }

  function orderIsRowid(o: readonly OrderTerm[] | undefined, eitherWay: boolean): boolean {
    if (o === undefined || o.length !== 1) return false;
    const t = o[0]!;
    if (t.column !== -1) return false;
    const fwd = !t.desc && t.nulls !== 'LAST';
    const rev = t.desc && t.nulls !== 'FIRST';
    return eitherWay ? fwd || rev : fwd;
  }

  function orderMatchesIndex(index: IndexInfo, eq: readonly Constraint[], o: readonly OrderTerm[]): boolean {
    let j = 0;
    for (const t of o) {
      // Columns fixed by an equality can appear anywhere in ORDER BY.
      while (j < index.columns.length && j < eq.length && eq[j]!.op === '=' && !sameColumn(index, j, t)) j++;
      if (j < eq.length && eq[j]!.op === '=' && sameColumn(index, j, t)) continue;
      const ic = index.columns[j];
      if (ic === undefined || !sameColumn(index, j, t)) return false;
      if (ic.desc !== t.desc || (t.nulls !== undefined && (t.nulls === 'FIRST') === t.desc)) return false;
      if (ic.collation.toUpperCase() !== t.collation.toUpperCase()) return false;
      j++;
    }
    return true;
  }

  function sameColumn(index: IndexInfo, j: number, t: OrderTerm): boolean {
    const ic = index.columns[j]!;
    if (ic.column < 0 && ic.column !== -1) return false;
    const col = ic.column === table.rowidAlias && ic.column >= 0 ? -1 : ic.column;
    return col === t.column;
  }

  function fullScan(direction: 'forward' | 'reverse'): AccessPath {
    return {
      description: `SCAN ${label}`,
      estimate: scanEstimate(nRows),
      providesOrder: order === undefined || order.length === 0 || (table.withoutRowid ? false : orderIsRowid(order, true)),
      open(row, rt) {
        const d = decoder(rt);
        if (table.withoutRowid) {
          // As the rowid scan below: a step within a leaf (or back up to the interior cell the
          // PRIMARY KEY b-tree holds next), with the payload on the page, costs no Promise.
          const cursor = new IndexCursor(pagerOf(table, rt.pager), table.rootPage);
          let started = false;
          const fill = (ok: boolean): Step => {
            if (!ok) return false;
            const local = cursor.localPayload();
            if (local !== undefined) {
              d.fillRow(row, source.offset, source.rowidSlot, local, undefined);
              return true;
            }
            return () =>
              cursor.payload().then((p) => {
                d.fillRow(row, source.offset, source.rowidSlot, p, undefined);
                return true;
              });
          };
          const filled = (ok: boolean): boolean | Promise<boolean> => settle(fill(ok));
          const next: Later = () => cursor.next().then(filled);
          return {
            next() {
              if (!started) {
                started = true;
                return () => cursor.first().then(filled);
              }
              const moved = cursor.nextInLeaf();
              return moved !== undefined ? fill(moved) : next;
            },
            close() {},
          };
        }
        const cursor = new TableCursor(pagerOf(table, rt.pager), table.rootPage);
        const fwd = direction === 'forward';
        let started = false;
        const fill = (ok: boolean): Step => ok && fillFromCursor(cursor, d, row, source);
        const filled = (ok: boolean): boolean | Promise<boolean> => settle(fill(ok));
        const first: Later = () => (fwd ? cursor.first() : cursor.last()).then(filled);
        const prev: Later = () => cursor.prev().then(filled);
        const next: Later = () => cursor.next().then(filled);
        return {
          next() {
            if (!started) {
              started = true;
              return first;
            }
            // Within a leaf a step (either way) costs no Promise.
            const moved = fwd ? cursor.nextInLeaf() : cursor.prevInLeaf();
            return moved !== undefined ? fill(moved) : fwd ? next : prev;
          },
          close() {},
        };
      },
    };
  }

  function rowidRangeReverse(low: Constraint | undefined, high: Constraint | undefined): AccessPath {
    return {
      description: `SEARCH ${label} USING INTEGER PRIMARY KEY (${describeCons('rowid', [], low, high)})`,
      estimate: seekEstimate(nRows, 1, nRows * RANGE_FRACTION ** ((low !== undefined ? 1 : 0) + (high !== undefined ? 1 : 0)), true, consumedBy(low, high)),
      providesOrder: true,
      open: (row, rt) => stepperSource(scanDown(row, rt)),
    };

    // Bounds only narrow the read (the WHERE terms are tested on every row): from the largest
    // integer <= the upper bound down to the smallest integer >= the lower one.
    function* scanDown(row: Value[], rt: RunContext): Stepper {
      const d = decoder(rt);
      const cursor = new TableCursor(pagerOf(table, rt.pager), table.rootPage);
      let floor: bigint | undefined;
      if (low !== undefined) {
        const v = ((yield () => keyValues(low, row, rt)) as Value[])[0] ?? null;
        if (v === null || typeof v === 'string' || v instanceof Uint8Array) return; // rowid > NULL/text: nothing
        floor = rowidCeil(v);
        if (floor !== undefined && floor > MAX_INT64) return;
      }
      let top: bigint | undefined;
      if (high !== undefined) {
        const v = ((yield () => keyValues(high, row, rt)) as Value[])[0] ?? null;
        if (v === null) return;
        if (typeof v === 'bigint') top = v;
        else if (typeof v === 'number') top = v > 9.3e18 ? MAX_INT64 : v < -9.3e18 ? MIN_INT64 - 1n : BigInt(Math.floor(v));
        // every integer is < text: no upper bound
        if (top !== undefined && top < MIN_INT64) return;
      }
      let ok: boolean;
      if (top === undefined) ok = (yield () => cursor.last()) as boolean;
      else if ((yield () => cursor.seekRowid(top)) as boolean) ok = true;
      else ok = cursor.eof ? ((yield () => cursor.last()) as boolean) : ((yield () => cursor.prev()) as boolean);
      for (; ok; ok = cursor.prevInLeaf() ?? ((yield () => cursor.prev()) as boolean)) {
        if (floor !== undefined && BigInt(cursor.rowid) < floor) return;
        const filled = fillFromCursor(cursor, d, row, source);
        if (typeof filled === 'function') yield filled;
        yield;
      }
    }
  }

  function rowidRange(low: Constraint | undefined, high: Constraint | undefined): AccessPath {
    return {
      description: `SEARCH ${label} USING INTEGER PRIMARY KEY (${describeCons('rowid', [], low, high)})`,
      estimate: seekEstimate(nRows, 1, nRows * RANGE_FRACTION ** ((low !== undefined ? 1 : 0) + (high !== undefined ? 1 : 0)), true, consumedBy(low, high)),
      providesOrder: order === undefined || order.length === 0 || orderIsRowid(order, false),
      open(row, rt) {
        const d = decoder(rt);
        const cursor = new TableCursor(pagerOf(table, rt.pager), table.rootPage);
        let stop: Value = null;
        let state: 'new' | 'open' | 'over' = 'new';
        const fill = (ok: boolean): Step => {
          if (!ok) return false;
          const r = cursor.rowid;
          if (stop !== null && (r > (stop as number | bigint) || (high!.op === '<' && r >= (stop as number | bigint)))) {
            state = 'over';
            return false;
          }
          return fillFromCursor(cursor, d, row, source);
        };
        const begin = async (): Promise<boolean> => {
          let start: bigint | undefined;
          if (low !== undefined) {
            const v = (await keyValues(low, row, rt))[0] ?? null;
            if (v === null || typeof v === 'string' || v instanceof Uint8Array) return false; // rowid > NULL/text: nothing
            start = rowidCeil(v);
            if (start !== undefined && start > MAX_INT64) return false;
          }
          if (high !== undefined) {
            stop = (await keyValues(high, row, rt))[0] ?? null;
            if (stop === null) return false;
            if (typeof stop === 'string' || stop instanceof Uint8Array) stop = null; // every integer is < text
          }
          state = 'open';
          const ok = start === undefined ? await cursor.first() : (await cursor.seekRowid(start), !cursor.eof);
          return settle(fill(ok));
        };
        const next: Later = () => cursor.next().then((ok) => settle(fill(ok)));
        return {
          next() {
            if (state === 'new') {
              state = 'over';
              return begin;
            }
            if (state === 'over') return false;
            const moved = cursor.nextInLeaf();
            return moved !== undefined ? fill(moved) : next;
          },
          close() {},
        };
      },
    };
  }

  /** The direction an index path reads in: backwards when that gives ORDER BY's order and forwards does not. */
  function directionFor(index: IndexInfo, eq: readonly Constraint[]): 'forward' | 'reverse' {
    if (order === undefined || order.length === 0 || orderMatchesIndex(index, eq, order)) return 'forward';
    return orderMatchesIndex(index, eq, reversedOrder(order)) ? 'reverse' : 'forward';
  }

  function indexPath(choice: IndexChoice, search: boolean, direction: 'forward' | 'reverse' = directionFor(choice.index, choice.eq)): AccessPath {
    const { index, eq } = choice;
    const isPk = index === table.primaryKeyIndex;
    const covering = isPk || covers(index);
    const colName = (c: Constraint): string => (c.column === -1 ? 'rowid' : c.column === -2 ? '<expr>' : table.columns[c.column]!.name);
    const using = isPk ? 'PRIMARY KEY' : `${covering ? 'COVERING ' : ''}INDEX ${index.name}`;
    // A WITHOUT ROWID table read whole through its own b-tree is a plain SCAN to SQLite.
    const constrained = eq.length > 0 || choice.low !== undefined || choice.high !== undefined;
    const description =
      search && constrained
        ? `SEARCH ${label} USING ${using} (${describeCons(colName, eq, choice.low, choice.high)})`
        : isPk
          ? `SCAN ${label}`
          : `SCAN ${label} USING ${using}`;
    // A range on a DESC column bounds the other end of the index order.
    const rangeDesc = index.columns[eq.length]?.desc === true;
    const lowIdx = rangeDesc ? choice.high : choice.low;
    const highIdx = rangeDesc ? choice.low : choice.high;
    const hasIn = eq.some((c) => c.op === 'in');
    const reverse = direction === 'reverse';
    let seeks = 1;
    for (const c of eq) if (c.op === 'in') seeks *= c.list !== undefined ? IN_SUBQUERY_ROWS : c.keys.length;
    const bounds = (choice.low !== undefined ? 1 : 0) + (choice.high !== undefined ? 1 : 0);
    const perSeek = (eq.length > 0 ? rowsPerKey(table, index, eq.length, options.stats) : nRows) * RANGE_FRACTION ** bounds;
    const estimate = search && constrained ? seekEstimate(nRows, seeks, perSeek, covering, consumedBy(...eq, choice.low, choice.high)) : scanEstimate(nRows);
    return {
      description,
      estimate,
      providesOrder: order === undefined || order.length === 0 || (!hasIn && orderMatchesIndex(index, eq, reverse ? reversedOrder(order) : order)),
      open: (row, rt) => stepperSource(scanIndex(row, rt)),
    };

    // A stepper (stepper-source.ts): `yield` hands out a row; `yield () => promise` waits —
    // only for what is not in memory: steps within a leaf, payloads on the page and lookups of
    // the table row on cached pages cost no Promise.
    function* scanIndex(row: Value[], rt: RunContext): Stepper {
      {
        const d = decoder(rt);
        const info: KeyInfo = {
          collations: index.columns.map((c) => resolveCollation(c.collation)),
          desc: index.columns.map((c) => c.desc),
          encoding: rt.pager.header.textEncoding as TextEncoding,
        };
        // Equality values; an IN contributes a list (each value one seek, in index order).
        const prefixes: Value[][] = [[]];
        for (const c of eq) {
          const all = (yield () => keyValues(c, row, rt)) as Value[];
          const vals = c.matchesNull === true ? all : all.filter((v) => v !== null);
          if (vals.length === 0) return; // col = NULL matches nothing
          const coll = c.collation;
          const j = prefixes[0]!.length;
          const desc = index.columns[j]?.desc === true;
          vals.sort((a, b) => (desc ? -1 : 1) * compareForSort(a, b, coll));
          const uniq = vals.filter((v, i) => i === 0 || compareForSort(vals[i - 1]!, v, coll) !== 0);
          const next: Value[][] = [];
          for (const p of prefixes) for (const v of uniq) next.push([...p, v]);
          prefixes.splice(0, prefixes.length, ...next);
        }
        const lowV = lowIdx === undefined ? undefined : (((yield () => keyValues(lowIdx, row, rt)) as Value[])[0] ?? null);
        const highV = highIdx === undefined ? undefined : (((yield () => keyValues(highIdx, row, rt)) as Value[])[0] ?? null);
        if (lowV === null || highV === null) return; // a comparison with NULL is never true
        const cmp = (key: readonly Value[]) => (p: Uint8Array) =>
          compareRecordToKey(p, key as never, key.map(storageClassOf), info);
        const tableCursor = isPk ? undefined : table.withoutRowid ? new IndexCursor(pagerOf(table, rt.pager), table.rootPage) : new TableCursor(pagerOf(table, rt.pager), table.rootPage);
        const pkInfo: KeyInfo | undefined =
          table.withoutRowid && table.primaryKeyIndex !== undefined
            ? {
                collations: table.primaryKeyIndex.columns.map((c) => resolveCollation(c.collation)),
                desc: table.primaryKeyIndex.columns.map((c) => c.desc),
                encoding: info.encoding,
              }
            : undefined;
        const strictLow = lowIdx !== undefined && (lowIdx.op === '>' || lowIdx.op === '<');
        const strictHigh = highIdx !== undefined && (highIdx.op === '<' || highIdx.op === '>');
        if (reverse) prefixes.reverse();
        for (const prefix of prefixes) {
          const cursor = new IndexCursor(pagerOf(index, rt.pager), index.rootPage);
          const inPrefix = cmp(prefix);
          let start: () => Promise<boolean>;
          // Forwards from the low bound to the high one; backwards (ORDER BY … DESC on an
          // ascending index) from the high bound to the low one.
          if (reverse) {
            if (highV !== undefined) start = () => cursor.seek(cmp([...prefix, highV]), strictHigh ? 'lt' : 'le');
            else if (prefix.length > 0) start = () => cursor.seek(inPrefix, 'le');
            else start = () => cursor.last();
          } else if (lowV !== undefined) start = () => cursor.seek(cmp([...prefix, lowV]), strictLow ? 'gt' : 'ge');
          else if (highV !== undefined && !rangeDesc) start = () => cursor.seek(cmp([...prefix, null]), 'gt');
          else if (prefix.length > 0) start = () => cursor.seek(inPrefix, 'ge');
          else start = () => cursor.first();
          let ok = (yield start) as boolean;
          const endV = reverse ? lowV : highV;
          // Backwards with only an upper bound, the NULLs (first in an ascending index) end the range.
          const stopAt = endV !== undefined ? cmp([...prefix, endV]) : reverse && highV !== undefined && !rangeDesc ? cmp([...prefix, null]) : undefined;
          const strict = reverse ? (lowV !== undefined ? strictLow : false) : strictHigh;
          const sign = reverse ? -1 : 1;
          for (; ok; ok = reverse ? (cursor.prevInLeaf() ?? ((yield () => cursor.prev()) as boolean)) : (cursor.nextInLeaf() ?? ((yield () => cursor.next()) as boolean))) {
            const p = cursor.localPayload() ?? ((yield () => cursor.payload()) as Uint8Array);
            if (prefix.length > 0 && inPrefix(p) !== 0) break;
            if (stopAt !== undefined) {
              const c = sign * stopAt(p);
              if (c > 0 || (c === 0 && (strict || endV === undefined))) break;
            }
            const pgno = cursor.rootPgno;
            if (isPk) {
              d.fillRow(row, source.offset, source.rowidSlot, p, undefined);
            } else if (covering) {
              d.fillFromIndex(row, source.offset, source.rowidSlot, index, p, pgno);
            } else if (tableCursor instanceof TableCursor) {
              const rowid = d.indexRowid(p, pgno);
              const found = tableCursor.seekRowidNow(rowid) ?? ((yield () => tableCursor.seekRowid(rowid)) as boolean);
              if (!found) continue; // corrupt index: the row is gone
              const payload = tableCursor.localPayload() ?? ((yield () => tableCursor.payload()) as Uint8Array);
              d.fillRow(row, source.offset, source.rowidSlot, payload, tableCursor.rowid);
            } else if (tableCursor !== undefined && pkInfo !== undefined) {
              const key = d.indexPrimaryKey(index, p, pgno);
              const c = (q: Uint8Array) => compareRecordToKey(q, key as never, key.map(storageClassOf), pkInfo);
              if (!((yield () => tableCursor.seek(c, 'ge')) as boolean)) continue;
              const payload = tableCursor.localPayload() ?? ((yield () => tableCursor.payload()) as Uint8Array);
              if (c(payload) !== 0) continue;
              d.fillRow(row, source.offset, source.rowidSlot, payload, undefined);
            }
            yield;
          }
        }
      }
    }
  }
}
