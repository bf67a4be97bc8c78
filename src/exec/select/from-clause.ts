/**
 * FROM: one source per item, in the order written — tables, views, common table expressions,
 * subqueries and table-valued functions — with the join terms of ON, USING and NATURAL; and the access path that
 * reads a subquery (or view, or CTE) item.
 */
import type { TableInfo } from '../../schema/schema-types.js';
import type { Expr, FromItem } from '../../sql/ast.js';
import type { Value } from '../value.js';
import type { AccessPath, Later } from './access-path.js';
import { colRef, splitAnd } from './ast-terms.js';
import { coreSpans } from './column-names.js';
import type { Affinity } from '../../schema/affinity.js';
import { internalName, MERGED_USING, type CoreScope, type Source } from './query-scope.js';
import type { CompileEnv, CompiledQuery, CteEntry } from './query-types.js';
import { compileRecursiveCte, workingRows } from './recursive-cte.js';
import { err } from './select-errors.js';
import { lookupTableFunction, type TableFunction } from './table-functions.js';
import { virtualTableSource } from '../vtab/virtual-source.js';

const MAX_VIEW_DEPTH = 32;

/** The join terms of a FROM clause, as written (compiled later, with WHERE). */
export interface JoinTerms {
  /** Per level: the ON/USING terms of a LEFT, RIGHT or FULL JOIN item (empty for other items). */
  readonly onTerms: readonly (readonly Expr[])[];
  /** The ON/USING terms of inner joins: they act as WHERE terms. */
  readonly innerTerms: readonly Expr[];
  /** The levels of RIGHT and FULL JOIN items, ascending (see join-loop.ts). */
  readonly rightJoins: readonly number[];
  /** The levels of CROSS JOIN right-hand items: every item written before stays outside them (join-order.ts). */
  readonly crossJoins: readonly number[];
  /** USING columns merged by RIGHT/FULL joins: the slot holding coalesce(left, right), filled at `level`. */
  readonly merges: readonly UsingMerge[];
}

export interface UsingMerge {
  readonly level: number;
  readonly slot: number;
  readonly left: number;
  readonly right: number;
}

/** Adds a source to `scope` for every FROM item (`fromQueries` collects the queries they read). */
export function compileFrom(scope: CoreScope, from: FromItem | undefined, env: CompileEnv, fromQueries: CompiledQuery[]): JoinTerms {
  const onTerms: Expr[][] = [];
  const innerTerms: Expr[] = [];
  const rightJoins: number[] = [];
  const crossJoins: number[] = [];
  // USING columns of RIGHT/FULL joins: an unqualified name means coalesce(left, right), as in SQLite ≥ 3.39.
  const pending: { name: string; level: number; left: number | string; right: number; affinity: Affinity | undefined; collation: string; origin: Source; index: number }[] = [];
  const merged = new Map<string, (typeof pending)[number]>();
  const flat = from === undefined ? [] : flatten(from);
  const anyRight = flat.some((f) => f.op === 'RIGHT' || f.op === 'FULL');
  const onScopes: [Expr, { lo: number; hi: number }, number | undefined][] = [];
  flat.forEach((f, i) => {
    const leftJoin = f.op === 'LEFT' || f.op === 'FULL';
    const rightJoin = f.op === 'RIGHT' || f.op === 'FULL';
    if (f.op === 'CROSS') crossJoins.push(i);
    if (rightJoin) {
      rightJoins.push(i);
      scope.hasRightJoin = true;
    }
    const source = addSource(scope, f.item, leftJoin, env, fromQueries);
    let usingCols = f.using;
    if (f.natural) {
      usingCols = source.columns
        .map((c) => c.name)
        .filter((n) => scope.sources.slice(f.nested?.lo ?? 0, i).some((s) => s.columns.some((c, k) => !s.usingHidden.has(k) && c.name.toLowerCase() === n.toLowerCase())));
    }
    const terms: Expr[] = [];
    for (const name of usingCols ?? []) {
      const key = name.toLowerCase();
      const right = source.columns.findIndex((c) => c.name.toLowerCase() === key);
      const has = (src: Source): boolean => src.columns.some((c) => c.name.toLowerCase() === key);
      // Inside parentheses, USING and NATURAL look only at the parenthesized items to the left.
      const lefts = scope.sources.slice(f.nested?.lo ?? 0, i).filter(has);
      const left = lefts[0];
      if (right < 0 || left === undefined) throw err(`cannot join using column ${name} - column not present in both tables`);
      // With a RIGHT/FULL JOIN anywhere in FROM, every further table on the left with the
      // column must have joined USING it (the sides then merge); otherwise it is ambiguous.
      if (anyRight) {
        for (const other of lefts.slice(1)) {
          const k = other.columns.findIndex((c) => c.name.toLowerCase() === key);
          if (!other.usingHidden.has(k)) throw err(`ambiguous reference to ${name} in USING()`);
        }
      }
      source.usingHidden.add(right);
      scope.usingOrigins.add(`${left.level}:${left.columns.findIndex((c, k) => !left.usingHidden.has(k) && c.name.toLowerCase() === key)}`);
      const earlier = merged.get(key);
      // After an earlier merge of this name, the join compares with that merge (its number is
      // its place in `pending`, the order the scope numbers them in).
      const leftRef = earlier !== undefined ? colRef(`${MERGED_USING}${pending.indexOf(earlier)}`, name) : colRef(internalName(left.level), name);
      terms.push({ kind: 'binary', op: '=', left: leftRef, right: colRef(internalName(source.level), name) });
      if (rightJoin || earlier !== undefined) {
        const li = left.columns.findIndex((c, k) => !left.usingHidden.has(k) && c.name.toLowerCase() === key);
        const m = {
          name,
          level: i,
          left: earlier !== undefined ? key : left.offset + li,
          right: source.offset + right,
          affinity: left.columns[li]!.affinity,
          collation: left.columns[li]!.collation,
          origin: earlier?.origin ?? left,
          index: earlier?.index ?? li,
        };
        pending.push(m);
        merged.set(key, m);
      }
    }
    if (f.on !== undefined && (f.nested !== undefined || leftJoin || rightJoin)) {
      onScopes.push([f.on, f.nested ?? { lo: 0, hi: flat.length }, leftJoin || rightJoin ? i : undefined]);
    }
    splitAnd(f.on, terms);
    onTerms.push(leftJoin || rightJoin ? terms : []);
    if (!leftJoin && !rightJoin) innerTerms.push(...terms);
  });
  // Names first (SQLite resolves every name before it looks at which tables an ON reads), the
  // innermost parentheses first.
  const byDepth = [...onScopes].sort((x, y) => x[1].hi - x[1].lo - (y[1].hi - y[1].lo));
  for (const [on, nested] of byDepth) checkOnScope(scope, on, nested, undefined);
  for (const [on, , outer] of onScopes) if (outer !== undefined) checkOnScope(scope, on, { lo: 0, hi: flat.length }, outer);
  // The merged USING columns get their slots once every source is in the scope.
  const merges: UsingMerge[] = [];
  const slots = new Map<string, number>();
  for (const m of pending) {
    const slot = scope.allocSlot();
    const left = typeof m.left === 'number' ? m.left : slots.get(m.left)!;
    slots.set(m.name.toLowerCase(), slot);
    merges.push({ level: m.level, slot, left, right: m.right });
    scope.mergeUsingColumn(m.name, { slot, level: m.level, affinity: m.affinity, collation: m.collation, origin: m.origin, index: m.index });
  }
  // Table-valued function arguments may read any FROM item to their left: compiled now that
  // every source is in the scope.
  for (const src of scope.sources) {
    const tf = src.tableFunction;
    if (tf !== undefined) tf.args = tf.argExprs.map((e) => scope.compile(e));
  }
  return { onTerms, innerTerms, rightJoins, crossJoins, merges };
}

const INNER_OPS: ReadonlySet<string> = new Set([',', 'JOIN', 'INNER', 'CROSS']);

interface FlatItem {
  readonly item: Exclude<FromItem, { kind: 'join' }>;
  readonly op: string | undefined;
  readonly natural: boolean;
  readonly on: Expr | undefined;
  readonly using: readonly string[] | undefined;
  /** An ON written inside parentheses sees only the items [lo, hi) of its parenthesized join. */
  readonly nested?: { readonly lo: number; readonly hi: number };
}

function flatten(from: FromItem, out: FlatItem[] = []): FlatItem[] {
  if (from.kind === 'join') {
    flatten(from.left, out);
    if (from.right.kind === 'join') {
      // An inner join of a parenthesized join, `a JOIN (b LEFT JOIN c ON x) ON y`, is the flat
      // `a JOIN b ON y LEFT JOIN c ON x`: y, an inner join's ON, filters the joined rows as a
      // WHERE term would (after c's NULL rows), and x still sees only b and c (checkNestedOn).
      // USING and NATURAL inside look only at the parenthesized items (compileFrom). A
      // LEFT/RIGHT/FULL join of the parentheses, USING/NATURAL on them, or a RIGHT/FULL join
      // inside them (whose NULL rows would then pair with a as well) keep their nesting, which
      // s3lite does not evaluate.
      const lo = out.length;
      flatten(from.right, out);
      const hi = out.length;
      const inner = (op: string | undefined): boolean => op === undefined || INNER_OPS.has(op);
      const plainOuter = inner(from.op) && !from.natural && from.using === undefined;
      if (!plainOuter || !out.slice(lo).every((f) => inner(f.op) || f.op === 'LEFT')) throw err('parenthesized joins on the right are not supported');
      out[lo] = { ...out[lo]!, op: from.op, on: from.on };
      for (let i = lo + 1; i < hi; i++) if (out[i]!.nested === undefined) out[i] = { ...out[i]!, nested: { lo, hi } };
      return out;
    }
    out.push({ item: from.right, op: from.op, natural: from.natural, on: from.on, using: from.using });
  } else out.push({ item: from, op: undefined, natural: false, on: undefined, using: undefined });
  return out;
}

/**
 * Where an ON clause may look, as SQLite resolves it: one written inside parentheses sees only
 * the parenthesized items [lo, hi) — a name found only outside them is "no such column" — and
 * the ON of a LEFT, RIGHT or FULL JOIN (item `outer`) only the items up to its own: "ON clause
 * references tables to its right". Names inside subqueries are not looked at.
 */
function checkOnScope(scope: CoreScope, on: Expr, nested: { readonly lo: number; readonly hi: number }, outer: number | undefined): void {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return;
    const o = node as Record<string, unknown>;
    if (o.kind === 'subquery' || o.kind === 'exists' || o.kind === 'select') return;
    if (o.kind === 'column') {
      const c = node as Expr & { kind: 'column' };
      const tbl = c.table?.toLowerCase();
      const col = c.column.toLowerCase();
      const rowid = col === 'rowid' || col === 'oid' || col === '_rowid_';
      const matches = scope.sources.filter(
        (s) => (tbl === undefined || s.name.toLowerCase() === tbl) && (s.columns.some((x) => x.name.toLowerCase() === col) || (rowid && s.rowidSlot !== undefined)),
      );
      if (matches.length > 0 && !matches.some((s) => s.level >= nested.lo && s.level < nested.hi)) {
        throw err(`no such column: ${c.table !== undefined ? `${c.table}.` : ''}${c.column}`);
      }
      if (outer !== undefined && matches.length > 0 && !matches.some((s) => s.level <= outer)) throw err('ON clause references tables to its right');
      return;
    }
    Object.values(o).forEach(visit);
  };
  visit(on);
}

function addSource(scope: CoreScope, item: FlatItem['item'], leftJoin: boolean, env: CompileEnv, fromQueries: CompiledQuery[]): Source {
  if (item.kind === 'subquery') {
    const q = scope.compileQuery(item.select, env, scope.parent);
    fromQueries.push(q);
    return scope.addSource(
      {
        name: item.alias ?? `(subquery-${scope.sources.length + 1})`,
        columns: q.columns.map((c) => ({ name: c.name, affinity: c.affinity, collation: c.collation })),
        rowidSlot: undefined,
        table: undefined,
        query: q,
        leftJoin,
        usingHidden: new Set(),
      },
      q.columns.length,
    );
  }
  const name = item.alias ?? item.name;
  const key = item.name.toLowerCase();
  if (item.args !== undefined) {
    const fn = item.schema === undefined ? lookupTableFunction(item.name) : undefined;
    if (fn === undefined) {
      // SQLite's answers: a table (or view) that exists is "not a function"; anything else is no table.
      const known = item.schema === undefined && (env.ctes.has(key) || env.schema.relation(item.name) !== undefined);
      throw err(known ? `'${item.name}' is not a function` : `no such table: ${item.schema === undefined ? '' : `${item.schema}.`}${item.name}`);
    }
    return tableFunctionSource(scope, fn, name, item.args, leftJoin);
  }
  const cte = item.schema === undefined ? env.ctes.get(key) : undefined;
  if (cte !== undefined) {
    if (cte.working !== undefined) return workingTableSource(scope, cte.working, name, leftJoin);
    if (env.expanding?.has(cte) === true) throw err(`circular reference: ${cte.cte.name}`);
    const expanding = new Set(env.expanding ?? []).add(cte);
    const inside: CteEntry = { ...cte, env: { ...cte.env, expanding } };
    const q = cte.recursive === true ? compileRecursiveCte(inside, scope.compileQuery) : scope.compileQuery(cte.cte.select, inside.env, undefined);
    return viewLike(name, q, cte.cte.columns, `table ${cte.cte.name} has ${q.columns.length} values for ${cte.cte.columns?.length} columns`);
  }
  // `main.x` / `temp.x` look in that database only; a bare name in TEMP first, then main.
  const rel = env.schema.database(item.schema)?.relation(item.name);
  // A table-valued function named without arguments (SQLite's eponymous virtual table).
  const eponymous = rel === undefined && item.schema === undefined ? lookupTableFunction(item.name) : undefined;
  if (eponymous !== undefined) return tableFunctionSource(scope, eponymous, name, [], leftJoin);
  if (rel === undefined) throw err(`no such table: ${item.schema !== undefined ? `${item.schema}.` : env.inMain === true ? 'main.' : ''}${item.name}`);
  if (rel.kind === 'virtual-table') return virtualTableSource(scope, rel, name, leftJoin, env.schema);
  if (rel.kind === 'view') {
    if (env.viewStack.includes(key) || env.viewStack.length >= MAX_VIEW_DEPTH) throw err(`view ${rel.name} is circularly defined`);
    const q = scope.compileQuery(
      rel.select,
      // A main view names main's objects only (SQLite binds them to main), a TEMP one both.
      {
        schema: env.schema.scopeOf(rel),
        ctes: new Map(),
        viewStack: [...env.viewStack, key],
        spans: coreSpans(rel.selectText, rel.select),
        ...(rel.temp === undefined && { inMain: true }),
      },
      undefined,
    );
    return viewLike(name, q, rel.columns, `expected ${rel.columns?.length} columns for '${rel.name}' but got ${q.columns.length}`);
  }
  const indexedBy = item.indexedBy;
  if (indexedBy !== undefined && !rel.indexes.some((ix) => ix.name.toLowerCase() === indexedBy.toLowerCase())) {
    throw err(`no such index: ${indexedBy}`);
  }
  const hint = item.notIndexed ? ({ notIndexed: true } as const) : indexedBy !== undefined ? { indexedBy } : undefined;
  return tableSource(scope, rel, name, leftJoin, hint);

  function viewLike(alias: string, q: CompiledQuery, names: readonly string[] | undefined, mismatch: string): Source {
    if (names !== undefined && names.length !== q.columns.length) throw err(mismatch);
    fromQueries.push(q);
    return scope.addSource(
      {
        name: alias,
        columns: q.columns.map((c, i) => ({ name: names?.[i] ?? c.name, affinity: c.affinity, collation: c.collation })),
        rowidSlot: undefined,
        table: undefined,
        query: q,
        leftJoin,
        usingHidden: new Set(),
      },
      q.columns.length,
    );
  }
}

function tableFunctionSource(scope: CoreScope, fn: TableFunction, name: string, argExprs: readonly Expr[], leftJoin: boolean): Source {
  const hidden = fn.columns.filter((c) => c.hidden).length;
  if (argExprs.length > hidden) throw err(`too many arguments on ${name}() - max ${hidden}`);
  const withRowid = fn.rowidBase !== undefined;
  return scope.addSource(
    {
      name,
      columns: fn.columns.map((c) => ({ name: c.name, affinity: 'BLOB' as const, collation: 'BINARY', hidden: c.hidden })),
      rowidSlot: withRowid ? scope.columnWidth + fn.columns.length : undefined,
      table: undefined,
      query: undefined,
      leftJoin,
      usingHidden: new Set(),
      tableFunction: { fn, argExprs, args: [] },
    },
    fn.columns.length + (withRowid ? 1 : 0),
  );
}

/** A recursive CTE's name inside its recursive SELECT: the row the recursion is at. */
function workingTableSource(scope: CoreScope, working: NonNullable<CteEntry['working']>, name: string, leftJoin: boolean): Source {
  const fn: TableFunction = {
    columns: working.columns.map((c) => ({ name: c.name, hidden: false })),
    rows: (_args, ctx) => workingRows(ctx.rt, working.token),
    describe: (n) => `SCAN ${n}`,
  };
  return scope.addSource(
    {
      name,
      columns: working.columns.map((c) => ({ name: c.name, affinity: c.affinity, collation: c.collation })),
      rowidSlot: undefined,
      table: undefined,
      query: undefined,
      leftJoin,
      usingHidden: new Set(),
      tableFunction: { fn, argExprs: [], args: [] },
    },
    working.columns.length,
  );
}

function tableSource(scope: CoreScope, table: TableInfo, name: string, leftJoin: boolean, indexHint?: Source['indexHint']): Source {
  const ncols = table.columns.length;
  const offset = scope.columnWidth;
  return scope.addSource(
    {
      name,
      columns: table.columns.map((c) => ({ name: c.name, affinity: c.affinity, collation: c.collation })),
      rowidSlot: table.withoutRowid ? undefined : offset + ncols,
      table,
      query: undefined,
      leftJoin,
      usingHidden: new Set(),
      ...(indexHint !== undefined && { indexHint }),
    },
    ncols + 1,
  );
}

/** Reads a subquery item: streamed when first or correlated, else materialized once per execution. */
export function subqueryPath(s: Source, stream: boolean): AccessPath {
  const q = s.query!;
  return {
    description: `SCAN ${s.name}`,
    providesOrder: false,
    open(row, rt) {
      let batch: readonly Value[][] = [];
      let at = 0;
      const fill = (): true => {
        const r = batch[at++]!;
        for (let k = 0; k < s.columns.length; k++) row[s.offset + k] = r[k] ?? null;
        return true;
      };
      if (stream || q.correlated) {
        const it = q.batches(rt, row);
        const more: Later = () =>
          it.next().then((r) => {
            if (r.done === true) return false;
            batch = r.value;
            at = 0;
            return at < batch.length ? fill() : more();
          });
        return {
          next: () => (at < batch.length ? fill() : more),
          close: () => {
            it.return(undefined).catch(() => undefined);
          },
        };
      }
      let started = false;
      return {
        next() {
          if (started) return at < batch.length && fill();
          started = true;
          const cached = rt.cache.get(s) as Value[][] | undefined;
          if (cached !== undefined) {
            batch = cached;
            return at < batch.length && fill();
          }
          return async () => {
            const rows: Value[][] = [];
            for await (const b of q.batches(rt, row)) for (const r of b) rows.push(r);
            rt.cache.set(s, rows);
            batch = rows;
            return at < batch.length && fill();
          };
        },
        close() {},
      };
    },
  };
}
