/**
 * The SELECT compiler and executor (https://www.sqlite.org/lang_select.html).
 *
 * A SELECT core runs as nested loops over its FROM items, left to right (the order written;
 * no join reordering), each item read through an access path chosen by access-path.ts. Every
 * WHERE term is tested at the innermost loop level it reads, as early as its columns are known;
 * the ON terms of a LEFT JOIN decide whether its item matched and, when nothing did, the item's
 * columns are NULL for one pass. Rows then go through, in SQLite's order:
 *
 *   aggregate (GROUP BY groups, or one group)  →  HAVING  →  result columns  →  DISTINCT
 *   →  ORDER BY (a sort, unless the scan already yields that order)  →  OFFSET / LIMIT
 *
 * Rows stream: nothing is buffered unless a step needs the whole input (a sort, grouping,
 * DISTINCT keeps only its keys, INTERSECT/EXCEPT), and LIMIT stops the scan.
 *
 * Row by row, nothing waits unless it must: each FROM item is a RowSource whose `next()`
 * answers at once when no page must be fetched, the nested loops (`joinRows`) are a state
 * machine that steps synchronously through them, and result rows leave in batches
 * (`CompiledQuery.batches`): every row computed without waiting joins the batch, which goes
 * out before the scan waits for a page — one Promise per batch rather than one per row and per
 * layer. Batching changes no result: LIMIT/OFFSET are applied while producing (no row past the
 * LIMIT is computed), `want` lets a caller that needs one row (get(), a scalar subquery) ask
 * for one, and an error on a row is thrown after the batch of rows before it.
 */
import { countEntries } from '../../btree/count-entries.js';
import { SqliteError } from '../../errors.js';
import type { TableInfo } from '../../schema/schema-types.js';
import type {
  CompoundOp,
  Expr,
  FromItem,
  OrderingTerm,
  ResultColumn,
  SelectCore,
  SelectStatement,
  ValuesCore,
} from '../../sql/ast.js';
import type { Value } from '../value.js';
import { planTableAccess, settle, type AccessPath, type Later, type OrderTerm, type RowSource, type Step } from './access-path.js';
import { coreSpans } from './column-names.js';
import { compareForSort, exprAffinity, exprCollation, hasCollation, isTrue, ValueSet, applyAffinityValue } from './expr-api.js';
import { groupKey } from './group-key.js';
import { CoreScope, internalName, type Source, type SubqueryRun, type TrackedExpr } from './query-scope.js';
import type { CompileEnv, CompiledQuery, CteEntry, PlanLine, ResultColumnInfo, RunContext } from './query-types.js';

const MAX_VIEW_DEPTH = 32;

function err(message: string): SqliteError {
  return new SqliteError('SQLITE_ERROR', message);
}

function ordinal(n: number): string {
  const s = ['th', 'st', 'nd', 'rd'];
  const v = n % 100;
  return n + (s[(v - 20) % 10] ?? s[v] ?? s[0]!);
}

/** A term that is an integer literal fitting in 32 bits (optionally signed) is a column number (sqlite3ExprIsInteger). */
function columnNumber(e: Expr): number | undefined {
  let sign = 1;
  let x = e;
  if (x.kind === 'unary' && (x.op === '-' || x.op === '+')) {
    if (x.op === '-') sign = -1;
    x = x.operand;
  }
  if (x.kind !== 'literal' || x.type !== 'integer') return undefined;
  const v = sign * Number(x.value);
  return v >= -(2 ** 31) && v < 2 ** 31 ? v : undefined;
}

function splitAnd(e: Expr | undefined, out: Expr[] = []): Expr[] {
  if (e === undefined) return out;
  if (e.kind === 'binary' && e.op === 'AND') {
    splitAnd(e.left, out);
    splitAnd(e.right, out);
  } else out.push(e);
  return out;
}

function colRef(table: string, column: string): Expr {
  return { kind: 'column', table, column, doubleQuoted: false };
}

// ── Running expressions ──────────────────────────────────────────────────────────────────

async function subqueryValue(s: SubqueryRun, row: readonly Value[], rt: RunContext): Promise<Value> {
  if (!s.query.correlated && rt.cache.has(s)) return rt.cache.get(s) as Value;
  let v: unknown;
  if (s.mode === 'scalar') {
    v = null;
    for await (const b of s.query.batches(rt, row, 1)) {
      v = b[0]?.[0] ?? null;
      break;
    }
  } else if (s.mode === 'exists') {
    v = 0n;
    for await (const b of s.query.batches(rt, row, 1)) {
      if (b.length === 0) continue;
      v = 1n;
      break;
    }
  } else {
    const set = new ValueSet([], s.inAffinity, s.inCollation);
    for await (const b of s.query.batches(rt, row)) for (const r of b) set.add(r[0] ?? null);
    v = set;
  }
  if (!s.query.correlated) rt.cache.set(s, v);
  return v as Value;
}

async function fillSubqueries(subs: readonly SubqueryRun[], row: Value[], rt: RunContext): Promise<void> {
  for (const s of subs) row[s.slot] = await subqueryValue(s, row, rt);
}

/** Evaluates `t`, running its subqueries first (a Promise only when it has any). */
function evaluate(t: TrackedExpr, row: Value[], rt: RunContext): Value | Promise<Value> {
  if (t.subqueries.length === 0) return t.fn(row, rt.eval);
  return fillSubqueries(t.subqueries, row, rt).then(() => t.fn(row, rt.eval));
}

/** Whether every term is true of `row`: answered at once unless a term runs a subquery (then `Later`). */
function passesNow(terms: readonly TrackedExpr[], row: Value[], rt: RunContext): Step {
  for (let i = 0; i < terms.length; i++) {
    const t = terms[i]!;
    if (t.subqueries.length > 0) return () => passesFrom(terms, i, row, rt);
    if (!isTrue(t.fn(row, rt.eval))) return false;
  }
  return true;
}

async function passesFrom(terms: readonly TrackedExpr[], from: number, row: Value[], rt: RunContext): Promise<boolean> {
  for (let i = from; i < terms.length; i++) {
    if (!isTrue(await evaluate(terms[i]!, row, rt))) return false;
  }
  return true;
}

/** Result rows per batch at most (a batch also ends where the scan must wait for a page). */
const MAX_BATCH = 512;

/** One batch per row of a row stream (for the queries that do not batch by themselves). */
async function* rowBatches(rows: AsyncGenerator<Value[]>, want: number | undefined): AsyncGenerator<Value[][]> {
  if (want !== undefined && want <= 0) return;
  let n = 0;
  for await (const r of rows) {
    yield [r];
    if (want !== undefined && ++n >= want) return;
  }
}

/** A row stream from a batch stream: what `run` hands to callers that take rows one by one. */
async function* flattenBatches(batches: AsyncGenerator<Value[][]>): AsyncGenerator<Value[]> {
  for await (const b of batches) for (const r of b) yield r;
}

/** LIMIT / OFFSET value: an integer (text that looks like one is converted), else an error. */
function integerOf(v: Value, what: string): bigint {
  const n = applyAffinityValue(v, 'NUMERIC');
  if (typeof n === 'bigint') return n;
  if (typeof n === 'number' && Number.isInteger(n)) return BigInt(n);
  throw new SqliteError('SQLITE_MISMATCH', `datatype mismatch in ${what}`);
}

// ── Sorting ──────────────────────────────────────────────────────────────────────────────

interface SortKey {
  readonly desc: boolean;
  readonly nulls: 'FIRST' | 'LAST' | undefined;
  readonly collation: string;
}

function compareKeys(keys: readonly SortKey[], a: readonly Value[], b: readonly Value[]): number {
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (k.nulls !== undefined && (x === null) !== (y === null)) {
      return (x === null) === (k.nulls === 'FIRST') ? -1 : 1;
    }
    let c = compareForSort(x, y, k.collation);
    if (k.desc) c = -c;
    if (c !== 0) return c;
  }
  return 0;
}

// ── Compiling ────────────────────────────────────────────────────────────────────────────

export function compileSelect(select: SelectStatement, env: CompileEnv, parent: CoreScope | undefined): CompiledQuery {
  let inner = env;
  if (select.with !== undefined) {
    if (select.with.recursive) throw err('recursive common table expressions are not supported');
    const ctes = new Map(env.ctes);
    for (const cte of select.with.ctes) {
      const key = cte.name.toLowerCase();
      const entry: CteEntry = { cte, env: { ...env, ctes: new Map(ctes) } };
      ctes.set(key, entry);
    }
    inner = { ...env, ctes };
  }
  if (select.compounds.length === 0) {
    return compileCore(select.first, inner, parent, select);
  }
  return compileCompound(select, inner, parent);
}

interface FlatItem {
  readonly item: Exclude<FromItem, { kind: 'join' }>;
  readonly op: string | undefined;
  readonly natural: boolean;
  readonly on: Expr | undefined;
  readonly using: readonly string[] | undefined;
}

function flatten(from: FromItem, out: FlatItem[] = []): FlatItem[] {
  if (from.kind === 'join') {
    flatten(from.left, out);
    if (from.right.kind === 'join') throw err('parenthesized joins on the right are not supported');
    out.push({ item: from.right, op: from.op, natural: from.natural, on: from.on, using: from.using });
  } else out.push({ item: from, op: undefined, natural: false, on: undefined, using: undefined });
  return out;
}

function compileCore(
  core: SelectCore | ValuesCore,
  env: CompileEnv,
  parent: CoreScope | undefined,
  stmt: SelectStatement | undefined,
): CompiledQuery {
  if (core.kind === 'values') return compileValues(core, env, parent, stmt);
  const distinct = core.distinct;
  const scope = new CoreScope(env, parent, compileSelect);
  const planLines: PlanLine[] = [];
  const fromQueries: CompiledQuery[] = [];

  // FROM: one source per item, in order.
  const onTerms: Expr[][] = [];
  const innerTerms: Expr[] = [];
  const flat = core.from === undefined ? [] : flatten(core.from);
  flat.forEach((f, i) => {
    if (f.op === 'RIGHT' || f.op === 'FULL') throw err(`${f.op} JOIN is not supported`);
    const leftJoin = f.op === 'LEFT';
    const source = addSource(scope, f.item, leftJoin, env, fromQueries);
    let usingCols = f.using;
    if (f.natural) {
      usingCols = source.columns
        .map((c) => c.name)
        .filter((n) => scope.sources.slice(0, i).some((s) => s.columns.some((c, k) => !s.usingHidden.has(k) && c.name.toLowerCase() === n.toLowerCase())));
    }
    const terms: Expr[] = [];
    for (const name of usingCols ?? []) {
      const right = source.columns.findIndex((c) => c.name.toLowerCase() === name.toLowerCase());
      const left = scope.sources
        .slice(0, i)
        .find((s) => s.columns.some((c, k) => !s.usingHidden.has(k) && c.name.toLowerCase() === name.toLowerCase()));
      if (right < 0 || left === undefined) throw err(`cannot join using column ${name} - column not present in both tables`);
      source.usingHidden.add(right);
      terms.push({ kind: 'binary', op: '=', left: colRef(internalName(left.level), name), right: colRef(internalName(source.level), name) });
    }
    splitAnd(f.on, terms);
    onTerms.push(leftJoin ? terms : []);
    if (!leftJoin) innerTerms.push(...terms);
  });

  // Result columns.
  const spans = env.spans?.get(core) ?? [];
  const results: { tracked: TrackedExpr; name: string; info: ResultColumnInfo; expr: Expr; alias: string | undefined }[] = [];
  const addResult = (expr: Expr, name: string, alias: string | undefined): void => {
    const tracked = scope.compile(expr, true);
    results.push({
      tracked,
      name,
      expr,
      alias,
      info: { name, affinity: exprAffinity(expr, scope), collation: exprCollation(expr, scope), collated: hasCollation(expr, scope) },
    });
  };
  core.columns.forEach((rc: ResultColumn, i) => {
    if (rc.kind === 'star' || rc.kind === 'table-star') {
      if (scope.sources.length === 0) throw err('no tables specified');
      const chosen =
        rc.kind === 'star' ? scope.sources : scope.sources.filter((s) => s.name.toLowerCase() === rc.table.toLowerCase());
      if (chosen.length === 0) throw err(`no such table: ${(rc as { table: string }).table}`);
      for (const s of chosen) {
        s.columns.forEach((c, k) => {
          if (rc.kind === 'star' && s.usingHidden.has(k)) return;
          addResult(colRef(internalName(s.level), c.name), c.name, undefined);
        });
      }
      return;
    }
    const name = rc.alias ?? columnName(scope, rc.expr) ?? spans[i] ?? (rc.expr.kind === 'literal' ? rc.expr.text : `column${i + 1}`);
    addResult(rc.expr, name, rc.alias);
  });
  const columns = results.map((r) => r.info);

  // WHERE, GROUP BY, HAVING.
  // Result aliases may be used in WHERE, GROUP BY, HAVING and ORDER BY expressions where no
  // FROM column has that name (SQLite substitutes the aliased expression).
  const aliases = new Map<string, Expr>();
  for (const r of results) if (r.alias !== undefined && !aliases.has(r.alias.toLowerCase())) aliases.set(r.alias.toLowerCase(), r.expr);
  const withAliases = (e: Expr): Expr => substituteAliases(e, aliases, scope);
  const whereTerms = [...innerTerms, ...splitAnd(core.where).map(withAliases)].map((e) => scope.compile(e));
  const leftOn = onTerms.map((ts) => ts.map((e) => scope.compile(e)));
  const resolveResultRef = (e: Expr, clause: string, i: number, n: number): number | undefined => {
    const inner = e.kind === 'collate' ? e.expr : e;
    const k = columnNumber(inner);
    if (k !== undefined) {
      if (k < 1 || k > n) throw err(`${ordinal(i + 1)} ${clause} term out of range - should be between 1 and ${n}`);
      return k - 1;
    }
    // ORDER BY prefers an alias to a column of that name; GROUP BY the column.
    if (inner.kind === 'column' && inner.table === undefined && (clause === 'ORDER BY' || !namesLocalColumn(scope, inner.column))) {
      const k = results.findIndex((r) => r.alias !== undefined && r.alias.toLowerCase() === inner.column.toLowerCase());
      if (k >= 0) return k;
    }
    return undefined;
  };
  const groupBy = (core.groupBy ?? []).map((e, i) => {
    const k = resolveResultRef(e, 'GROUP BY', i, results.length);
    const expr = k === undefined ? withAliases(e) : e.kind === 'collate' ? { ...e, expr: results[k]!.expr } : results[k]!.expr;
    try {
      return { tracked: scope.compile(expr, false), collation: exprCollation(expr, scope) };
    } catch (e2) {
      if (e2 instanceof SqliteError && e2.message.startsWith('misuse of aggregate')) {
        throw err('aggregate functions are not allowed in the GROUP BY clause');
      }
      throw e2;
    }
  });
  const having = core.having === undefined ? undefined : scope.compile(withAliases(core.having), true);

  // ORDER BY (a lone core owns the statement's ORDER BY).
  const order = (stmt?.orderBy ?? []).map((t: OrderingTerm, i) => {
    const k = resolveResultRef(t.expr, 'ORDER BY', i, results.length);
    const explicit = t.expr.kind === 'collate' ? t.expr.collation : undefined;
    if (k !== undefined) {
      return { result: k, tracked: undefined, key: { desc: t.desc, nulls: t.nulls, collation: explicit ?? columns[k]!.collation }, expr: results[k]!.expr };
    }
    const e = withAliases(t.expr);
    const tracked = scope.compile(e, true);
    return { result: undefined, tracked, key: { desc: t.desc, nulls: t.nulls, collation: exprCollation(e, scope) }, expr: e };
  });

  const aggregate = scope.aggregates.length > 0 || groupBy.length > 0;
  if (having !== undefined && !aggregate) throw err('HAVING clause on a non-aggregate query');

  // LIMIT / OFFSET: no columns in scope (the enclosing query's are).
  const limitScope = new CoreScope(env, parent, compileSelect);
  const limit = stmt?.limit === undefined ? undefined : limitScope.compile(stmt.limit);
  const offset = stmt?.offset === undefined ? undefined : limitScope.compile(stmt.offset);

  // Where each WHERE term is tested: the innermost level it reads (-1: before any loop).
  const n = scope.sources.length;
  const whereAt: TrackedExpr[][] = scope.sources.map(() => []);
  const constant: TrackedExpr[] = [];
  whereTerms.forEach((t) => {
    let max = -1;
    for (const l of t.levels) max = Math.max(max, l);
    if (max < 0 && t.subqueries.length === 0) constant.push(t);
    else whereAt[Math.max(max, 0)]?.push(t) ?? constant.push(t);
  });
  if (n === 0) for (const ts of whereAt) constant.push(...ts);

  // ORDER BY on columns of the first table may come for free from its scan order.
  let orderHint: OrderTerm[] | undefined;
  if (!aggregate && !core.distinct && order.length > 0 && n > 0 && scope.sources[0]!.table !== undefined) {
    const s0 = scope.sources[0]!;
    const hint: OrderTerm[] = [];
    for (const o of order) {
      const e = o.expr.kind === 'collate' ? o.expr.expr : o.expr;
      if (e.kind !== 'column') break;
      const r = scope.resolveColumn(e.table, e.column);
      if (r === undefined) break;
      let column: number;
      if (r.slot === s0.rowidSlot) column = -1;
      else if (r.slot >= s0.offset && r.slot < s0.offset + s0.columns.length) column = r.slot - s0.offset;
      else break;
      if (column === s0.table!.rowidAlias) column = -1;
      hint.push({ column, desc: o.key.desc, nulls: o.key.nulls, collation: o.key.collation });
    }
    if (hint.length === order.length) orderHint = hint;
  }

  // Access paths, level by level.
  const paths: AccessPath[] = scope.sources.map((s, i) => {
    if (s.table !== undefined) {
      const usable = (s.leftJoin ? leftOn[i]! : whereAt[i]!).map((t) => t.expr);
      return planTableAccess(scope, s, usable, i === 0 ? orderHint : undefined);
    }
    return subqueryPath(s, i === 0);
  });
  const sorted = order.length > 0 && !(orderHint !== undefined && paths[0]?.providesOrder === true);

  // count(*) of a whole table: count the b-tree's cells, decode nothing.
  const countOnly =
    n === 1 &&
    scope.sources[0]!.table !== undefined &&
    core.where === undefined &&
    groupBy.length === 0 &&
    having === undefined &&
    !core.distinct &&
    results.length === 1 &&
    scope.aggregates.length === 1 &&
    (() => {
      const e = results[0]!.expr;
      return e.kind === 'function' && e.star && e.name.toLowerCase() === 'count' && e.filter === undefined;
    })();

  // count(*) walks the smallest b-tree holding one entry per row: a full (not partial) index
  // with narrower entries than the table's rows, as SQLite's covering-index count does.
  let countRoot = 0;
  if (countOnly) {
    const t = scope.sources[0]!.table!;
    countRoot = t.rootPage;
    let narrowest: { rootPage: number; name: string; width: number } | undefined;
    for (const ix of t.indexes) {
      if (ix.partial !== undefined || ix.rootPage <= 0 || ix === t.primaryKeyIndex) continue;
      if (narrowest === undefined || ix.recordColumns.length < narrowest.width) {
        narrowest = { rootPage: ix.rootPage, name: ix.name, width: ix.recordColumns.length };
      }
    }
    if (narrowest !== undefined && narrowest.width < t.columns.length + (t.withoutRowid ? 0 : 1)) {
      countRoot = narrowest.rootPage;
      const label = scope.sources[0]!.name.toLowerCase() === t.name.toLowerCase() ? t.name : `${t.name} AS ${scope.sources[0]!.name}`;
      paths[0] = { ...paths[0]!, description: `SCAN ${label} USING COVERING INDEX ${narrowest.name}` };
    }
  }

  for (const [i, p] of paths.entries()) {
    planLines.push({ depth: 0, text: p.description });
    const q = scope.sources[i]!.query;
    if (q !== undefined) for (const l of q.plan) planLines.push({ depth: l.depth + 1, text: l.text });
  }
  for (const s of scope.subqueries) {
    const kind = s.mode === 'in' ? 'LIST SUBQUERY' : s.mode === 'exists' ? 'EXISTS SUBQUERY' : 'SCALAR SUBQUERY';
    planLines.push({ depth: 0, text: `${s.query.correlated ? 'CORRELATED ' : ''}${kind}` });
    for (const l of s.query.plan) planLines.push({ depth: l.depth + 1, text: l.text });
  }
  if (groupBy.length > 0) planLines.push({ depth: 0, text: 'USE TEMP B-TREE FOR GROUP BY' });
  if (core.distinct) planLines.push({ depth: 0, text: 'USE TEMP B-TREE FOR DISTINCT' });
  if (sorted) planLines.push({ depth: 0, text: 'USE TEMP B-TREE FOR ORDER BY' });

  const width = () => scope.width;
  const base = scope.base;
  const sources = scope.sources;

  /**
   * The joined rows of FROM + WHERE, one `step()` at a time, in the shared row array: nested
   * loops over the levels' sources, written as a resumable state machine so that a step costs
   * no Promise unless a source must fetch a page or a term runs a subquery.
   */
  function joinRows(rt: RunContext, outer: readonly Value[] | undefined): Joined {
    const row = new Array<Value>(width()).fill(null);
    if (outer !== undefined) for (let i = 0; i < base; i++) row[i] = outer[i] ?? null;
    const open: (RowSource | undefined)[] = new Array<RowSource | undefined>(n).fill(undefined);
    const matched: boolean[] = new Array<boolean>(n).fill(false);
    let mode: Mode = Phase.START;
    /** The level being stepped (-1 before the first). */
    let i = -1;
    const enter = (k: number): void => {
      matched[k] = false;
      open[k] = paths[k]!.open(row, rt);
    };
    /** Continues after an awaited answer: `yes`/`no` is the next mode. */
    const resume =
      (later: Later, yes: Mode, no: Mode): Later =>
      () =>
        later().then((v) => {
          mode = v ? yes : no;
          return settle(step());
        });
    const step = (): Step => {
      for (;;) {
        switch (mode) {
          case Phase.START: {
            const ok = passesNow(constant, row, rt);
            if (typeof ok === 'function') return resume(ok, Phase.DESCEND, Phase.END);
            mode = ok ? Phase.DESCEND : Phase.END;
            continue;
          }
          case Phase.DESCEND:
            if (i + 1 === n) {
              mode = n === 0 ? Phase.END : Phase.ADVANCE;
              return true;
            }
            i++;
            enter(i);
            mode = Phase.ADVANCE;
            continue;
          case Phase.ADVANCE: {
            const src = open[i];
            if (src === undefined) {
              mode = Phase.UP; // its LEFT JOIN NULL row went out
              continue;
            }
            const got = src.next();
            if (typeof got === 'function') return resume(got, Phase.HAVE_ROW, Phase.EXHAUSTED);
            mode = got ? Phase.HAVE_ROW : Phase.EXHAUSTED;
            continue;
          }
          case Phase.HAVE_ROW: {
            const on = leftOn[i]!;
            const ok = on.length === 0 || passesNow(on, row, rt);
            if (typeof ok === 'function') {
              return () =>
                ok().then((v) => {
                  if (v) matched[i] = true;
                  mode = v ? Phase.WHERE : Phase.ADVANCE;
                  return settle(step());
                });
            }
            if (ok) matched[i] = true;
            mode = ok ? Phase.WHERE : Phase.ADVANCE;
            continue;
          }
          case Phase.WHERE:
          case Phase.NULL_WHERE: {
            const wh = whereAt[i]!;
            const fail = mode === Phase.WHERE ? Phase.ADVANCE : Phase.UP;
            const ok = wh.length === 0 || passesNow(wh, row, rt);
            if (typeof ok === 'function') return resume(ok, Phase.DESCEND, fail);
            mode = ok ? Phase.DESCEND : fail;
            continue;
          }
          case Phase.EXHAUSTED: {
            open[i] = undefined;
            const src = sources[i]!;
            if (src.leftJoin && !matched[i]) {
              // No row matched the ON terms: one pass with the item's columns NULL.
              const stop = src.offset + src.columns.length + (src.rowidSlot !== undefined ? 1 : 0);
              for (let k = src.offset; k < stop; k++) row[k] = null;
              mode = Phase.NULL_WHERE;
            } else mode = Phase.UP;
            continue;
          }
          case Phase.UP:
            if (i === 0) {
              mode = Phase.END;
              return false;
            }
            i--;
            mode = Phase.ADVANCE;
            continue;
          default:
            return false;
        }
      }
    };
    return {
      row,
      step,
      close() {
        mode = Phase.END;
        for (let k = 0; k < n; k++) {
          open[k]?.close();
          open[k] = undefined;
        }
      },
    };
  }

  // A result column that is a GROUP BY term shows the group's key as SQLite stores it: the
  // value from the group's first row.
  const groupTexts = groupBy.map((g) => JSON.stringify(g.tracked.expr));
  const fromGroup = results.map((r) => (groupBy.length === 0 ? -1 : groupTexts.indexOf(JSON.stringify(r.expr))));

  /** The result columns of `row`: without a Promise unless a column runs a subquery. */
  function project(row: Value[], rt: RunContext, groupKeyValues?: readonly Value[]): Value[] | Promise<Value[]> {
    const out = new Array<Value>(results.length);
    for (let i = 0; i < results.length; i++) {
      const j = fromGroup[i]!;
      if (j >= 0 && groupKeyValues !== undefined) {
        out[i] = groupKeyValues[j] ?? null;
        continue;
      }
      const t = results[i]!.tracked;
      if (t.subqueries.length > 0) return projectFrom(i, out, row, rt, groupKeyValues);
      out[i] = t.fn(row, rt.eval);
    }
    return out;
  }

  async function projectFrom(from: number, out: Value[], row: Value[], rt: RunContext, groupKeyValues?: readonly Value[]): Promise<Value[]> {
    for (let i = from; i < results.length; i++) {
      const j = fromGroup[i]!;
      if (j >= 0 && groupKeyValues !== undefined) {
        out[i] = groupKeyValues[j] ?? null;
        continue;
      }
      out[i] = await evaluate(results[i]!.tracked, row, rt);
    }
    return out;
  }

  /** True when no ORDER BY term runs a subquery: sort keys are computed without a Promise. */
  const plainSortKeys = order.every((o) => o.result !== undefined || o.tracked!.subqueries.length === 0);

  function sortKeys(row: Value[], out: readonly Value[], rt: RunContext): Value[] | Promise<Value[]> {
    if (!plainSortKeys) return Promise.all(order.map((o) => (o.result !== undefined ? out[o.result]! : evaluate(o.tracked!, row, rt))));
    const keys = new Array<Value>(order.length);
    for (let k = 0; k < order.length; k++) {
      const o = order[k]!;
      keys[k] = o.result !== undefined ? out[o.result]! : o.tracked!.fn(row, rt.eval);
    }
    return keys;
  }

  type Produced = { out: Value[]; keys: Value[] | undefined };

  /**
   * Output rows (with their sort keys when sorting), before ORDER BY / LIMIT, handed to `sink`
   * (which answers false to stop).
   */
  async function produce(rt: RunContext, outer: readonly Value[] | undefined, sink: (r: Produced) => boolean): Promise<void> {
    const seen = distinct ? new Set<string>() : undefined;
    const distinctColl = columns.map((c) => c.collation);
    // HAVING → result columns → DISTINCT → sort keys; a Promise only when a subquery runs.
    const finish = (row: Value[], out: Value[]): Produced | undefined | Promise<Produced> => {
      if (seen !== undefined) {
        const k = groupKey(out, distinctColl);
        if (seen.has(k)) return undefined;
        seen.add(k);
      }
      if (!sorted) return { out, keys: undefined };
      const keys = sortKeys(row, out, rt);
      return keys instanceof Promise ? keys.then((k) => ({ out, keys: k })) : { out, keys };
    };
    const emitHaving = async (row: Value[], groupKeyValues?: readonly Value[]): Promise<Produced | undefined> => {
      if (!isTrue(await evaluate(having!, row, rt))) return undefined;
      return finish(row, await project(row, rt, groupKeyValues));
    };
    const emit = (row: Value[], groupKeyValues?: readonly Value[]): Produced | undefined | Promise<Produced | undefined> => {
      if (having !== undefined) return emitHaving(row, groupKeyValues);
      const out = project(row, rt, groupKeyValues);
      return out instanceof Promise ? out.then((o) => finish(row, o)) : finish(row, out);
    };
    if (countOnly) {
      const row = new Array<Value>(width()).fill(null);
      row[scope.aggregates[0]!.slot] = BigInt(await countEntries(rt.pager, countRoot));
      const r = await emit(row);
      if (r !== undefined) sink(r);
      return;
    }
    const joinedRows = joinRows(rt, outer);
    try {
      if (!aggregate) {
        for (;;) {
          const ok = joinedRows.step();
          if (!(typeof ok === 'function' ? await ok() : ok)) return;
          let r = emit(joinedRows.row);
          if (r instanceof Promise) r = await r;
          if (r !== undefined && !sink(r)) return;
        }
      }
      await aggregateRows(joinedRows, rt, outer, emit, sink);
    } finally {
      joinedRows.close();
    }
  }

  async function aggregateRows(
    joinedRows: Joined,
    rt: RunContext,
    outer: readonly Value[] | undefined,
    emit: (row: Value[], groupKeyValues?: readonly Value[]) => Produced | undefined | Promise<Produced | undefined>,
    sink: (r: Produced) => boolean,
  ): Promise<void> {
    const groups = new Map<string, { row: Value[]; aggs: ReturnType<(typeof scope.aggregates)[number]['make']>[]; key: Value[]; best: Value }>();
    const bareFrom = scope.aggregates.length === 1 && scope.aggregates[0]!.minMax !== undefined ? scope.aggregates[0] : undefined;
    const groupColl = groupBy.map((g) => g.collation);
    const value = (t: TrackedExpr, row: Value[]): Value | Promise<Value> => (t.subqueries.length === 0 ? t.fn(row, rt.eval) : evaluate(t, row, rt));
    for (;;) {
      const ok = joinedRows.step();
      if (!(typeof ok === 'function' ? await ok() : ok)) break;
      const row = joinedRows.row;
      const keyVals: Value[] = [];
      for (const g of groupBy) {
        const v = value(g.tracked, row);
        keyVals.push(v instanceof Promise ? await v : v);
      }
      const key = groupKey(keyVals, groupColl);
      let g = groups.get(key);
      if (g === undefined) {
        g = { row: row.slice(), aggs: scope.aggregates.map((a) => a.make()), key: keyVals, best: null };
        groups.set(key, g);
      }
      // Bare columns otherwise show the group's first row (as SQLite's aggregate loop does).
      for (let k = 0; k < scope.aggregates.length; k++) {
        const a = scope.aggregates[k]!;
        if (a.filter !== undefined) {
          const f = value(a.filter, row);
          if (!isTrue(f instanceof Promise ? await f : f)) continue;
        }
        const args: Value[] = [];
        for (const t of a.args) {
          const v = value(t, row);
          args.push(v instanceof Promise ? await v : v);
        }
        g.aggs[k]!.step(args);
        if (a === bareFrom) {
          // The lone min()/max(): bare columns come from the row it chose (the first such row).
          const v = args[0] ?? null;
          if (v !== null) {
            const c = g.best === null ? 1 : compareForSort(v, g.best, a.minMax!.collation) * (a.minMax!.max ? 1 : -1);
            if (c > 0) {
              g.best = v;
              for (let i = 0; i < row.length; i++) g.row[i] = row[i]!;
            }
          }
        }
      }
    }
    if (groups.size === 0 && groupBy.length === 0) {
      const row = new Array<Value>(width()).fill(null);
      if (outer !== undefined) for (let i = 0; i < base; i++) row[i] = outer[i] ?? null;
      groups.set('', { row, aggs: scope.aggregates.map((a) => a.make()), key: [], best: null });
    }
    const list = [...groups.values()];
    if (groupBy.length > 0) {
      const keys = groupBy.map((g) => ({ desc: false, nulls: undefined, collation: g.collation }));
      list.sort((a, b) => compareKeys(keys, a.key, b.key));
    }
    for (const g of list) {
      scope.aggregates.forEach((a, k) => (g.row[a.slot] = g.aggs[k]!.final()));
      // With a lone min()/max(), even the GROUP BY columns show the row it chose.
      const r = await emit(g.row, bareFrom === undefined ? g.key : undefined);
      if (r !== undefined && !sink(r)) return;
    }
  }

  /**
   * The common shape — no sort, no grouping — streamed in batches: the rows read without
   * waiting go out together, a batch ends before the scan waits for a page. LIMIT/OFFSET are
   * applied here, so no row past the LIMIT is computed. An error on a row goes out after the
   * rows before it (as SQLite's step returns them first).
   */
  async function* streamBatches(rt: RunContext, outer: readonly Value[] | undefined, max: bigint, skip: bigint): AsyncGenerator<Value[][]> {
    const joinedRows = joinRows(rt, outer);
    const seen = distinct ? new Set<string>() : undefined;
    const distinctColl = seen === undefined ? [] : columns.map((c) => c.collation);
    let batch: Value[][] = [];
    let produced = 0n;
    try {
      for (;;) {
        let ok = joinedRows.step();
        if (typeof ok === 'function') {
          // The scan must wait: what is ready goes out first (and if the consumer stops
          // there, nothing more is fetched).
          if (batch.length > 0) {
            yield batch;
            batch = [];
          }
          ok = await ok();
        }
        if (!ok) break;
        let out = project(joinedRows.row, rt, undefined);
        if (out instanceof Promise) out = await out;
        if (seen !== undefined) {
          const k = groupKey(out, distinctColl);
          if (seen.has(k)) continue;
          seen.add(k);
        }
        if (skip > 0n) {
          skip--;
          continue;
        }
        batch.push(out);
        if (max > 0n && ++produced >= max) break;
        if (batch.length >= MAX_BATCH) {
          yield batch;
          batch = [];
        }
      }
    } catch (e) {
      if (batch.length > 0) {
        const ready = batch;
        batch = [];
        yield ready;
      }
      throw e;
    } finally {
      joinedRows.close();
    }
    if (batch.length > 0) yield batch;
  }

  const keys = order.map((o) => o.key);
  const correlated = () => scope.usesOuter || limitScope.usesOuter || fromQueries.some((q) => q.correlated);
  async function* batches(rt: RunContext, outer: readonly Value[] | undefined, want?: number): AsyncGenerator<Value[][]> {
    const { max, skip: skip0, cap } = limit === undefined && offset === undefined ? wantOnly(want) : await limits(rt, outer, limit, offset, want);
    if (max === 0n) return;
    let skip = skip0;
    if (!sorted && !aggregate && !countOnly) {
      yield* streamBatches(rt, outer, max, skip);
      return;
    }
    const out: Value[][] = [];
    let taken = 0n;
    const take = (r: Value[]): boolean => {
      if (skip > 0n) {
        skip--;
        return true;
      }
      out.push(r);
      return !(max > 0n && ++taken >= max);
    };
    try {
      if (!sorted) await produce(rt, outer, (r) => take(r.out));
      else {
        const top = new TopRows<Produced>((a, b) => compareKeys(keys, a.keys!, b.keys!), cap);
        await produce(rt, outer, (r) => top.add(r));
        for (const r of top.rows()) if (!take(r.out)) break;
      }
    } catch (e) {
      if (out.length > 0) yield out.splice(0);
      throw e;
    }
    if (out.length > 0) yield out;
  }
  return {
    columns,
    get correlated() {
      return correlated();
    },
    plan: planLines,
    batches,
    run: (rt, outer) => flattenBatches(batches(rt, outer)),
  };

  function subqueryPath(s: Source, stream: boolean): AccessPath {
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
}

/** True when `name` is a column (or the rowid) of one of the core's own FROM items. */
function namesLocalColumn(scope: CoreScope, name: string): boolean {
  const n = name.toLowerCase();
  if (n === 'rowid' || n === 'oid' || n === '_rowid_') return scope.sources.some((s) => s.rowidSlot !== undefined);
  return scope.sources.some((s) => s.columns.some((c) => c.name.toLowerCase() === n));
}

/** Replaces bare names that are result aliases (and not FROM columns) by the aliased expression. */
function substituteAliases(e: Expr, aliases: ReadonlyMap<string, Expr>, scope: CoreScope): Expr {
  if (aliases.size === 0) return e;
  const walk = (n: unknown): unknown => {
    if (Array.isArray(n)) return n.map(walk);
    if (n === null || typeof n !== 'object' || n instanceof Uint8Array) return n;
    const o = n as Record<string, unknown>;
    if (o.kind === 'select') return n;
    if (o.kind === 'column' && o.table === undefined) {
      const column = o.column as string;
      const a = aliases.get(column.toLowerCase());
      return a !== undefined && !namesLocalColumn(scope, column) ? a : n;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) out[k] = walk(v);
    return out;
  };
  return walk(e) as Expr;
}

/** The name SQLite gives a result column that is a plain column reference: the column's own name. */
function columnName(scope: CoreScope, expr: Expr): string | undefined {
  if (expr.kind !== 'column') return undefined;
  let r;
  try {
    r = scope.resolveColumn(expr.table, expr.column);
  } catch {
    return undefined;
  }
  if (r === undefined) return undefined;
  for (const s of scope.sources) {
    if (r.slot >= s.offset && r.slot < s.offset + s.columns.length) return s.columns[r.slot - s.offset]!.name;
    if (r.slot === s.rowidSlot) {
      const alias = s.table?.rowidAlias ?? -1;
      // `rowid` of a table with an INTEGER PRIMARY KEY is named after that column.
      return alias >= 0 ? s.columns[alias]!.name : expr.column;
    }
  }
  return expr.column;
}

/**
 * Where joinRows' state machine stands: START (the terms that read no column), ADVANCE (the
 * current level's next row), HAVE_ROW (its LEFT JOIN ON terms), WHERE (the terms tested at
 * this level), DESCEND (into the next level, or out with a joined row), EXHAUSTED (the level is
 * done: maybe its LEFT JOIN NULL row, tested by NULL_WHERE), UP (back to the enclosing level), END.
 */
const Phase = { START: 0, ADVANCE: 1, HAVE_ROW: 2, WHERE: 3, DESCEND: 4, EXHAUSTED: 5, NULL_WHERE: 6, UP: 7, END: 8 } as const;
type Mode = (typeof Phase)[keyof typeof Phase];

/** The shared row array of a join and how to move it to the next joined row. */
interface Joined {
  readonly row: Value[];
  /** Moves to the next joined row: true when there is one (see Step). */
  step(): Step;
  close(): void;
}

/**
 * LIMIT / OFFSET of one run: `max` rows at most (-1: no limit; also capped by `want`, the
 * caller's own limit), after skipping `skip`; `cap` is how many rows a sort must keep.
 */
async function limits(
  rt: RunContext,
  outer: readonly Value[] | undefined,
  limit: TrackedExpr | undefined,
  offset: TrackedExpr | undefined,
  want: number | undefined,
): Promise<{ max: bigint; skip: bigint; cap: number | undefined }> {
  const scratch: Value[] = outer === undefined ? [] : [...outer];
  let max = -1n;
  if (limit !== undefined) max = integerOf(await evaluate(limit, scratch, rt), 'LIMIT');
  let skip = offset === undefined ? 0n : integerOf(await evaluate(offset, scratch, rt), 'OFFSET');
  if (max === 0n) return { max, skip, cap: undefined };
  if (skip < 0n) skip = 0n;
  if (want !== undefined && (max < 0n || BigInt(want) < max)) max = BigInt(Math.max(0, want));
  // A sort feeding LIMIT keeps only the rows that can still be output.
  const capBig = max > 0n ? max + skip : undefined;
  const cap = capBig !== undefined && capBig <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(capBig) : undefined;
  return { max, skip, cap };
}

/** `limits` without LIMIT and OFFSET: no Promise. */
function wantOnly(want: number | undefined): { max: bigint; skip: bigint; cap: number | undefined } {
  const max = want === undefined ? -1n : BigInt(Math.max(0, want));
  return { max, skip: 0n, cap: want === undefined ? undefined : Math.max(0, want) };
}

/** The rows of a batch stream after OFFSET / LIMIT (for compounds and VALUES). */
async function* limitBatches(
  rt: RunContext,
  outer: readonly Value[] | undefined,
  limit: TrackedExpr | undefined,
  offset: TrackedExpr | undefined,
  want: number | undefined,
  rows: (cap: number | undefined) => AsyncGenerator<Value[][]>,
): AsyncGenerator<Value[][]> {
  const { max, skip: skip0, cap } = limit === undefined && offset === undefined ? wantOnly(want) : await limits(rt, outer, limit, offset, want);
  if (max === 0n) return;
  let skip = skip0;
  let produced = 0n;
  for await (const b of rows(cap)) {
    let from = 0;
    if (skip > 0n) {
      const k = skip >= BigInt(b.length) ? b.length : Number(skip);
      skip -= BigInt(k);
      from = k;
    }
    if (from >= b.length) continue;
    let part = from === 0 ? b : b.slice(from);
    if (max > 0n && produced + BigInt(part.length) >= max) {
      part = part.slice(0, Number(max - produced));
      yield part;
      return;
    }
    produced += BigInt(part.length);
    yield part;
  }
}

/**
 * Keeps rows in sorted order (stably). With `cap`, only the first `cap` rows of the sorted
 * order are kept while adding (ORDER BY … LIMIT holds LIMIT + OFFSET rows, not the whole input).
 */
class TopRows<T> {
  private readonly out: T[] = [];
  constructor(
    private readonly cmp: (a: T, b: T) => number,
    private readonly cap: number | undefined,
  ) {}

  /** Always true (a sink that never stops the input). */
  add(r: T): true {
    const { out, cap, cmp } = this;
    if (cap === undefined) {
      out.push(r);
      return true;
    }
    if (out.length === cap && cmp(r, out[out.length - 1]!) >= 0) return true;
    // Insert after every row that sorts before or equal to it (stable).
    let lo = 0;
    let hi = out.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp(out[mid]!, r) <= 0) lo = mid + 1;
      else hi = mid;
    }
    out.splice(lo, 0, r);
    if (out.length > cap) out.pop();
    return true;
  }

  rows(): T[] {
    return this.cap === undefined ? this.out.sort(this.cmp) : this.out;
  }
}

function addSource(scope: CoreScope, item: FlatItem['item'], leftJoin: boolean, env: CompileEnv, fromQueries: CompiledQuery[]): Source {
  if (item.kind === 'subquery') {
    const q = compileSelect(item.select, env, scope.parent);
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
  if (item.args !== undefined) throw err(`no such table-valued function: ${item.name}`);
  const name = item.alias ?? item.name;
  const key = item.name.toLowerCase();
  const cte = item.schema === undefined ? env.ctes.get(key) : undefined;
  if (cte !== undefined) {
    const q = compileSelect(cte.cte.select, cte.env, undefined);
    return viewLike(name, q, cte.cte.columns, `table ${cte.cte.name} has ${q.columns.length} values for ${cte.cte.columns?.length} columns`);
  }
  if (item.schema !== undefined && !['main', 'temp'].includes(item.schema.toLowerCase())) {
    throw err(`unknown database ${item.schema}`);
  }
  const rel = env.schema.relation(item.name);
  if (rel === undefined) throw err(`no such table: ${item.schema === undefined ? item.name : `${item.schema}.${item.name}`}`);
  if (rel.kind === 'virtual-table') throw err(`virtual table module ${rel.module} is not supported`);
  if (rel.kind === 'view') {
    if (env.viewStack.includes(key) || env.viewStack.length >= MAX_VIEW_DEPTH) throw err(`view ${rel.name} is circularly defined`);
    const q = compileSelect(
      rel.select,
      { schema: env.schema, ctes: new Map(), viewStack: [...env.viewStack, key], spans: coreSpans(rel.selectText, rel.select) },
      undefined,
    );
    return viewLike(name, q, rel.columns, `expected ${rel.columns?.length} columns for '${rel.name}' but got ${q.columns.length}`);
  }
  return tableSource(scope, rel, name, leftJoin);

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

function tableSource(scope: CoreScope, table: TableInfo, name: string, leftJoin: boolean): Source {
  const virtual = table.columns.find((c) => c.hidden === 2);
  if (virtual !== undefined) throw err(`generated VIRTUAL column ${table.name}.${virtual.name} is not supported yet`);
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
    },
    ncols + 1,
  );
}

function compileValues(core: ValuesCore, env: CompileEnv, parent: CoreScope | undefined, stmt: SelectStatement | undefined): CompiledQuery {
  const scope = new CoreScope(env, parent, compileSelect);
  const width = core.rows[0]?.length ?? 0;
  const rows = core.rows.map((r) => {
    if (r.length !== width) throw err('all VALUES must have the same number of terms');
    return r.map((e) => scope.compile(e));
  });
  const first = core.rows[0] ?? [];
  const columns: ResultColumnInfo[] = first.map((e, i) => ({
    name: `column${i + 1}`,
    affinity: exprAffinity(e, scope),
    collation: exprCollation(e, scope),
  }));
  const plan: PlanLine[] = [{ depth: 0, text: `SCAN ${rows.length} CONSTANT ROW${rows.length === 1 ? '' : 'S'}` }];
  const values: CompiledQuery = {
    columns,
    get correlated() {
      return scope.usesOuter;
    },
    plan,
    run,
    batches: (rt, outer, want) => rowBatches(run(rt, outer), want),
  };
  async function* run(rt: RunContext, outer: readonly Value[] | undefined): AsyncGenerator<Value[]> {
    const row = new Array<Value>(scope.width).fill(null);
    if (outer !== undefined) for (let i = 0; i < scope.base; i++) row[i] = outer[i] ?? null;
    for (const r of rows) {
      const out: Value[] = [];
      for (const t of r) out.push(await evaluate(t, row, rt));
      yield out;
    }
  }
  if (stmt === undefined || (stmt.orderBy === undefined && stmt.limit === undefined)) return values;
  return orderAndLimit(values, stmt, env, parent);
}

/** ORDER BY / LIMIT over the output columns of a compound (or VALUES): terms name output columns. */
function orderAndLimit(q: CompiledQuery, stmt: SelectStatement, env: CompileEnv, parent: CoreScope | undefined): CompiledQuery {
  const keys: SortKey[] = [];
  const index: number[] = [];
  (stmt.orderBy ?? []).forEach((t, i) => {
    const e = t.expr.kind === 'collate' ? t.expr.expr : t.expr;
    let k: number | undefined;
    const num = columnNumber(e);
    if (num !== undefined) {
      k = num - 1;
      if (k < 0 || k >= q.columns.length) {
        throw err(`${ordinal(i + 1)} ORDER BY term out of range - should be between 1 and ${q.columns.length}`);
      }
    } else if (e.kind === 'column') {
      const found = q.columns.findIndex((c) => c.name.toLowerCase() === e.column.toLowerCase());
      if (found >= 0) k = found;
    }
    if (k === undefined) throw err(`${ordinal(i + 1)} ORDER BY term does not match any column in the result set`);
    index.push(k);
    keys.push({ desc: t.desc, nulls: t.nulls, collation: t.expr.kind === 'collate' ? t.expr.collation : q.columns[k]!.collation });
  });
  const limitScope = new CoreScope(env, parent, compileSelect);
  const limit = stmt.limit === undefined ? undefined : limitScope.compile(stmt.limit);
  const offset = stmt.offset === undefined ? undefined : limitScope.compile(stmt.offset);
  const plan = [...q.plan];
  if (keys.length > 0) plan.push({ depth: 0, text: 'USE TEMP B-TREE FOR ORDER BY' });
  return {
    columns: q.columns,
    get correlated() {
      return q.correlated || limitScope.usesOuter;
    },
    plan,
    batches,
    run: (rt, outer) => flattenBatches(batches(rt, outer)),
  };
  function batches(rt: RunContext, outer: readonly Value[] | undefined, want?: number): AsyncGenerator<Value[][]> {
    return limitBatches(rt, outer, limit, offset, want, async function* (cap) {
      if (keys.length === 0) {
        yield* q.batches(rt, outer);
        return;
      }
      const pick = (r: Value[]) => index.map((k) => r[k] ?? null);
      const top = new TopRows<Value[]>((a, b) => compareKeys(keys, pick(a), pick(b)), cap);
      for await (const b of q.batches(rt, outer)) for (const r of b) top.add(r);
      const sortedRows = top.rows();
      if (sortedRows.length > 0) yield sortedRows;
    });
  }
}

function compileCompound(select: SelectStatement, env: CompileEnv, parent: CoreScope | undefined): CompiledQuery {
  const first = compileCore(select.first, env, parent, undefined);
  const parts: { op: CompoundOp; q: CompiledQuery }[] = select.compounds.map((c) => ({ op: c.op, q: compileCore(c.core, env, parent, undefined) }));
  for (const p of parts) {
    if (p.q.columns.length !== first.columns.length) {
      throw err(`SELECTs to the left and right of ${p.op} do not have the same number of result columns`);
    }
  }
  // Each column's collation is that of the left-most SELECT whose column has one
  // (multiSelectCollSeq): `SELECT ipk … UNION SELECT nocase_col …` compares with NOCASE.
  const collations = first.columns.map((c, i) => {
    for (const q of [first, ...parts.map((p) => p.q)]) {
      const col = q.columns[i];
      if (col !== undefined && col.collated !== false) return col.collation;
    }
    return c.collation;
  });
  const allKeys: SortKey[] = collations.map((collation) => ({ desc: false, nulls: undefined, collation }));
  const plan: PlanLine[] = [{ depth: 0, text: 'COMPOUND QUERY' }, { depth: 1, text: 'LEFT-MOST SUBQUERY' }];
  for (const l of first.plan) plan.push({ depth: l.depth + 2, text: l.text });
  for (const p of parts) {
    plan.push({ depth: 1, text: p.op === 'UNION ALL' ? 'UNION ALL' : `${p.op} USING TEMP B-TREE` });
    for (const l of p.q.plan) plan.push({ depth: l.depth + 2, text: l.text });
  }
  const streaming = parts.every((p) => p.op === 'UNION ALL');
  const compound: CompiledQuery = {
    // The compound's columns compare (ORDER BY, an enclosing query) with those collations too.
    columns: first.columns.map((c, i) => ({
      ...c,
      collation: collations[i] ?? c.collation,
      collated: [first, ...parts.map((p) => p.q)].some((q) => q.columns[i]?.collated !== false),
    })),
    get correlated() {
      return first.correlated || parts.some((p) => p.q.correlated);
    },
    plan,
    batches: (rt, outer, want) => limitBatches(rt, outer, undefined, undefined, want, () => compoundBatches(rt, outer)),
    run: (rt, outer) => flattenBatches(compoundBatches(rt, outer)),
  };
  async function* compoundBatches(rt: RunContext, outer: readonly Value[] | undefined): AsyncGenerator<Value[][]> {
    if (streaming) {
      yield* first.batches(rt, outer);
      for (const p of parts) yield* p.q.batches(rt, outer);
      return;
    }
    let acc = new Map<string, Value[]>();
    let all: Value[][] | undefined = [];
    for await (const b of first.batches(rt, outer)) for (const r of b) all.push(r);
    for (const p of parts) {
      if (p.op === 'UNION ALL') {
        if (all === undefined) all = [...acc.values()];
        for await (const b of p.q.batches(rt, outer)) for (const r of b) all.push(r);
        continue;
      }
      if (all !== undefined) {
        acc = new Map();
        // Equal rows replace each other in SQLite's temporary index: the last one stays.
        for (const r of all) acc.set(groupKey(r, collations), r);
        all = undefined;
      }
      if (p.op === 'UNION') {
        for await (const b of p.q.batches(rt, outer)) for (const r of b) acc.set(groupKey(r, collations), r);
      } else {
        const right = new Set<string>();
        for await (const b of p.q.batches(rt, outer)) for (const r of b) right.add(groupKey(r, collations));
        for (const k of [...acc.keys()]) if (right.has(k) === (p.op === 'EXCEPT')) acc.delete(k);
      }
    }
    if (all !== undefined) {
      if (all.length > 0) yield all;
      return;
    }
    const out = [...acc.values()];
    out.sort((a, b) => compareKeys(allKeys, a, b));
    if (out.length > 0) yield out;
  }
  if (select.orderBy === undefined && select.limit === undefined) return compound;
  return orderAndLimit(compound, select, env, parent);
}

