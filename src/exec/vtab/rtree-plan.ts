/**
 * An R*Tree table in FROM: its source (columns id INT, coordinates REAL or INT, auxiliary
 * columns without affinity, the id also as rowid) and its access path, chosen as rtree.c's
 * xBestIndex does:
 *
 *   INDEX 1:        `id = v` (or rowid = v): the entry x_rowid names, nothing else read
 *   INDEX 2:<str>   up to 20 comparisons `coord op v` (op one of = < <= > >=, either operand
 *                   order, BETWEEN as >= and <=) steer the descent; the string names them as
 *                   SQLite does: A = B <= C < D >= E > then the coordinate's digit
 *   INDEX 2:        no usable comparison: the whole tree
 *
 * SQLite tells the core to skip the comparisons the tree decided (omit), and the tree decides
 * them its own way (a non-numeric right side: NULL matches nothing, text and blobs sort above
 * every number); so the terms used here leave the executor's WHERE (`consumed`).
 * `coord IN (list or SELECT)` and `id IN (…)` run one search per distinct value in ascending order, as
 * SQLite's IN loop does (the IN term itself is still tested).
 */
import type { Expr } from '../../sql/ast.js';
import type { Schema } from '../../schema/read-schema.js';
import type { VirtualTableInfo } from '../../schema/schema-types.js';
import { generatorSource, type AccessPath } from '../select/access-path.js';
import { applyAffinityValue, compareForSort } from '../select/expr-api.js';
import type { CoreScope, Source, SubqueryRun, TrackedExpr } from '../select/query-scope.js';
import type { RunContext } from '../select/query-types.js';
import type { TableFunction } from '../select/table-functions.js';
import type { Value } from '../value.js';
import { rtreeDef, type RtreeDef } from './rtree-def.js';
import { cellId, coordAt, rtreeLookup, rtreeSearch, type RtreeConstraint, type RtreeHit } from './rtree-search.js';
import { RtreeStore, rtreeShadow, type RtreeShadow } from './rtree-store.js';
import type { VirtualPlanner } from './virtual-plan.js';

type Op = '=' | '<' | '<=' | '>' | '>=';
const FLIP: Record<Op, Op> = { '=': '=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
const LETTER: Record<Op, string> = { '=': 'A', '<=': 'B', '<': 'C', '>=': 'D', '>': 'E' };
const OP: Record<Op, RtreeConstraint['op']> = { '=': 'EQ', '<=': 'LE', '<': 'LT', '>=': 'GE', '>': 'GT' };
/** rtree.c's idxStr holds RTREE_MAX_DIMENSIONS*8 characters: 20 constraints. */
const MAX_CONSTRAINTS = 20;

interface Planned {
  readonly term: TrackedExpr;
  readonly coord: number;
  readonly op: Op;
  readonly key: TrackedExpr;
}

function hasSubquery(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(hasSubquery);
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return false;
  const o = node as Record<string, unknown>;
  if (o.kind === 'subquery' || o.kind === 'exists' || o.kind === 'select') return true;
  return Object.values(o).some(hasSubquery);
}

/** The source's column `expr` names (0 the id, also as rowid), if it is a bare column reference to it. */
function columnOf(scope: CoreScope, source: Source, expr: Expr): number | undefined {
  if (expr.kind !== 'column') return undefined;
  const r = scope.resolveColumn(expr.table, expr.column);
  if (r === undefined) return undefined;
  if (r.slot === source.rowidSlot) return 0;
  const index = r.slot - source.offset;
  return index >= 0 && index < source.columns.length ? index : undefined;
}

/** sqlite3_value_numeric_type's view of a value: a number, or undefined when it is not numeric. */
function numeric(v: Value): number | bigint | undefined {
  const n = applyAffinityValue(v, 'NUMERIC');
  return typeof n === 'number' || typeof n === 'bigint' ? n : undefined;
}

/** rtree.c's xFilter for a comparison: a numeric value compares as a double; others decide alone. */
function constraintOf(coord: number, op: Op, v: Value): RtreeConstraint {
  const n = numeric(v);
  if (n !== undefined) return { coord, op: OP[op], value: Number(n) };
  return { coord, op: v !== null && (op === '<' || op === '<=') ? 'TRUE' : 'FALSE', value: 0 };
}

/** The rowid an `id =` value looks up: an integer, or a real equal to one. */
function lookupRowid(v: Value): bigint | undefined {
  const n = numeric(v);
  if (typeof n === 'bigint') return n;
  if (typeof n === 'number' && Number.isInteger(n) && Math.abs(n) < 2 ** 63) return BigInt(n);
  return undefined;
}

export function rtreePlanner(def: RtreeDef, shadow: RtreeShadow): VirtualPlanner {
  return (scope, source, terms) => {
    const usable = (other: Expr): TrackedExpr | undefined => {
      if (hasSubquery(other)) return undefined;
      const t = scope.compile(other);
      for (const l of t.levels) if (l >= source.level) return undefined;
      return t;
    };
    const planned: Planned[] = [];
    const later: Planned[] = [];
    let rowidKey: TrackedExpr | undefined;
    let rowidTerm: TrackedExpr | undefined;
    let inList: { column: number; keys: TrackedExpr[]; list?: SubqueryRun } | undefined;
    const take = (term: TrackedExpr, column: number, op: Op, other: Expr, into: Planned[]): boolean => {
      if (column === 0) {
        if (op !== '=' || rowidKey !== undefined) return false;
        const key = usable(other);
        if (key === undefined) return false;
        rowidKey = key;
        rowidTerm = term;
        return true;
      }
      if (column > 2 * def.dims || rowidKey !== undefined) return false;
      const key = usable(other);
      if (key === undefined) return false;
      into.push({ term, coord: column - 1, op, key });
      return true;
    };
    for (const term of terms) {
      const e = term.expr;
      if (e.kind === 'binary' && e.op in FLIP) {
        const op = e.op as Op;
        const l = columnOf(scope, source, e.left);
        if (l !== undefined && take(term, l, op, e.right, planned)) continue;
        const r = columnOf(scope, source, e.right);
        if (r !== undefined) take(term, r, FLIP[op], e.left, planned);
      } else if (e.kind === 'between' && !e.not) {
        const c = columnOf(scope, source, e.expr);
        if (c === undefined || c === 0 || c > 2 * def.dims) continue;
        const low = usable(e.low);
        const high = usable(e.high);
        if (low === undefined || high === undefined) continue;
        // SQLite adds BETWEEN's two halves as virtual terms after the others.
        later.push({ term, coord: c - 1, op: '>=', key: low }, { term, coord: c - 1, op: '<=', key: high });
      } else if (e.kind === 'in' && !e.not && e.target.kind === 'list' && e.target.items.length > 0 && inList === undefined) {
        const c = columnOf(scope, source, e.expr);
        if (c === undefined || c > 2 * def.dims) continue;
        const keys = e.target.items.map(usable);
        if (keys.every((k): k is TrackedExpr => k !== undefined)) inList = { column: c, keys };
      } else if (e.kind === 'in' && !e.not && e.target.kind === 'select' && inList === undefined) {
        const c = columnOf(scope, source, e.expr);
        if (c === undefined || c > 2 * def.dims) continue;
        // Compiled again as a private copy: it runs once per open, not per row.
        const before = scope.subqueries.length;
        const t = scope.compile({ kind: 'exists', select: e.target.select });
        const run = t.subqueries[0];
        scope.subqueries.splice(before);
        if (run === undefined || run.query.columns.length !== 1 || [...t.levels].some((l) => l >= source.level)) continue;
        inList = { column: c, keys: [], list: run };
      }
    }
    const all = rowidKey !== undefined ? [] : [...planned, ...later];
    const useIn = rowidKey === undefined && inList !== undefined && (inList.column === 0 || all.length < MAX_CONSTRAINTS) ? inList : undefined;
    // Past rtree.c's limit a comparison is left to the executor (a BETWEEN only goes whole).
    const cons = useIn?.column === 0 ? [] : all.slice(0, MAX_CONSTRAINTS - (useIn !== undefined ? 1 : 0));
    const consumed = new Set<TrackedExpr>(rowidTerm !== undefined ? [rowidTerm] : cons.map((c) => c.term));
    for (const c of all.slice(cons.length)) consumed.delete(c.term);
    const byRowid = rowidKey !== undefined || useIn?.column === 0;
    const idxStr = byRowid
      ? ''
      : [...(useIn !== undefined ? [{ coord: useIn.column - 1, op: '=' as Op }] : []), ...cons].map((c) => `${LETTER[c.op]}${c.coord}`).join('');
    const path: AccessPath = {
      description: `SCAN ${source.name} VIRTUAL TABLE INDEX ${byRowid ? 1 : 2}:${idxStr}`,
      providesOrder: false,
      open(row: Value[], rt: RunContext) {
        const store = new RtreeStore(def, shadow, rt.pager);
        // x_rowid is read only when some expression reads an auxiliary column.
        const needAux = def.aux > 0 && [...source.used].some((i) => i > 2 * def.dims);
        const view = (d: Uint8Array): DataView => new DataView(d.buffer, d.byteOffset, d.byteLength);
        const fill = async (hit: RtreeHit): Promise<void> => {
          const id = cellId(hit.data, hit.at);
          const v = view(hit.data);
          row[source.offset] = id;
          for (let k = 0; k < 2 * def.dims; k++) {
            const c = coordAt(v, hit.at, k, def.int32);
            row[source.offset + 1 + k] = def.int32 ? BigInt(c) : c;
          }
          if (def.aux > 0) {
            const aux = needAux ? ((await store.entry(id))?.aux ?? []) : [];
            for (let k = 0; k < def.aux; k++) row[source.offset + 1 + 2 * def.dims + k] = aux[k] ?? null;
          }
          if (source.rowidSlot !== undefined) row[source.rowidSlot] = id;
        };
        const keyValues = (keys: readonly TrackedExpr[]): Value[] => keys.map((k) => k.fn(row, rt.eval));
        /** IN values: with the column's affinity, distinct, ascending (SQLite's ephemeral IN table). */
        const inValues = async (column: number, keys: readonly TrackedExpr[], list: SubqueryRun | undefined): Promise<Value[]> => {
          const affinity = source.columns[column]!.affinity;
          let raw = keyValues(keys);
          if (list !== undefined) {
            raw = [];
            for await (const b of list.query.batches(rt, row)) for (const r of b) raw.push(r[0] ?? null);
          }
          const vs = raw.map((v) => (affinity === undefined ? v : applyAffinityValue(v, affinity)));
          vs.sort((a, b) => compareForSort(a, b, 'BINARY'));
          return vs.filter((v, i) => i === 0 || compareForSort(vs[i - 1]!, v, 'BINARY') !== 0);
        };
        async function* rows(): AsyncGenerator<void> {
          if (byRowid) {
            const ids = rowidKey !== undefined ? keyValues([rowidKey]) : await inValues(0, useIn!.keys, useIn!.list);
            for (const v of ids) {
              const rowid = lookupRowid(v);
              const hit = rowid === undefined ? undefined : await rtreeLookup(store, rowid);
              if (hit === undefined) continue;
              await fill(hit);
              yield;
            }
            return;
          }
          const base = cons.map((c) => constraintOf(c.coord, c.op, c.key.fn(row, rt.eval)));
          const runs = useIn === undefined ? [base] : (await inValues(useIn.column, useIn.keys, useIn.list)).map((v) => [constraintOf(useIn.column - 1, '=', v), ...base]);
          for (const run of runs) {
            for await (const hit of rtreeSearch(store, run)) {
              await fill(hit);
              yield;
            }
          }
        }
        return generatorSource(rows());
      },
    };
    return { path, consumed };
  };
}

/** The source of an rtree/rtree_i32 table in FROM (planned by loop-plan through `plan`). */
export function rtreeTableFunction(vt: VirtualTableInfo, schema: Schema): { fn: TableFunction; def: RtreeDef } {
  const def = rtreeDef(vt.name, vt.module, vt.args);
  const shadow = rtreeShadow(def, schema);
  const planner = rtreePlanner(def, shadow);
  const fn: TableFunction = {
    columns: def.columns.map((c) => ({ name: c.name, hidden: false })),
    rows: () => {
      throw new Error('internal: an rtree source is read through its planner');
    },
    plan: planner,
  };
  return { fn, def };
}
