/**
 * Compiling one window function call of a SELECT core (`f(…) [FILTER (WHERE …)] OVER …`): the
 * window it names resolved against the core's WINDOW clause (sqlite3WindowChain's rules and
 * messages), its PARTITION BY / ORDER BY terms, arguments, FILTER and frame offsets compiled
 * in the core's scope. The executor (window-rows.ts) evaluates them per row.
 */
import { SqliteError } from '../../errors.js';
import type { Expr, FunctionExpr, WindowDefinition, WindowFrame } from '../../sql/ast.js';
import { isAggregateFunction } from '../functions/aggregate.js';
import { resolveFunction } from '../functions/scalar.js';
import { checkBuiltinArity, isBuiltinWindowFunction } from '../window/builtin-window-functions.js';
import type { OrderKey } from '../window/window-spec.js';
import { exprCollation } from './expr-api.js';
import type { CoreScope, TrackedExpr } from './query-scope.js';

export interface WindowBoundBinding {
  readonly type: WindowFrame['start']['type'];
  readonly offset: TrackedExpr | undefined;
}

export interface WindowBinding {
  /** The row slot the call's value goes to. */
  readonly slot: number;
  /** Lower-case function name. */
  readonly name: string;
  readonly args: readonly TrackedExpr[];
  readonly filter: TrackedExpr | undefined;
  /** The collation of the first argument (min/max). */
  readonly collation: string;
  readonly partition: readonly TrackedExpr[];
  readonly partitionCollations: readonly string[];
  readonly order: readonly TrackedExpr[];
  readonly orderKeys: readonly OrderKey[];
  /**
   * Calls with equal keys are one window (one sort of the rows): PARTITION BY, ORDER BY and the
   * frame as SQLite sets it for the function (sqlite3WindowUpdate: row_number(), rank(), lag()…
   * get a frame of their own, whatever was written).
   */
  readonly windowKey: string;
  readonly frame: {
    readonly units: WindowFrame['units'];
    readonly start: WindowBoundBinding;
    readonly end: WindowBoundBinding;
    readonly exclude: WindowFrame['exclude'];
  };
}

export type NamedWindows = readonly { readonly name: string; readonly definition: WindowDefinition }[];

function err(message: string): SqliteError {
  return new SqliteError('SQLITE_ERROR', message);
}

/** Checks the call's function and compiles it with its window (`slot` is already allocated). */
export function compileWindowCall(scope: CoreScope, call: FunctionExpr, named: NamedWindows | undefined, slot: number): WindowBinding {
  const name = call.name.toLowerCase();
  const argc = call.star ? 0 : call.args.length;
  if (isBuiltinWindowFunction(name)) {
    checkBuiltinArity(call.name, argc);
    if (call.filter !== undefined) throw err('FILTER clause may only be used with aggregate window functions');
  } else if (!isAggregateFunction(name, argc)) {
    resolveFunction(name, argc, call.name); // no such function / wrong number of arguments first
    throw err(`${call.name}() may not be used as a window function`);
  }
  if (call.distinct) throw err('DISTINCT is not supported for window functions');
  const compile = (e: Expr): TrackedExpr => scope.compile(e, true);
  // SQLite resolves the arguments first, then the window (sqlite3WindowUpdate): a window that
  // cannot extend its base stays as written, and the RANGE check's message replaces the first.
  const args = call.star ? [] : call.args.map(compile);
  let def: WindowDefinition;
  let chainError: unknown;
  try {
    def = resolveWindow(call.over!, named, 0);
  } catch (e) {
    if (typeof call.over === 'string') throw e;
    chainError = e;
    const { base: _base, ...asWritten } = call.over!;
    def = asWritten;
  }
  const frame = def.frame;
  const ranged = frame !== undefined && frame.units === 'RANGE' && [frame.start.type, frame.end.type].some((t) => t === 'PRECEDING' || t === 'FOLLOWING');
  if (ranged && (def.orderBy?.length ?? 0) !== 1) throw err('RANGE with offset PRECEDING/FOLLOWING requires one ORDER BY expression');
  if (chainError !== undefined) throw chainError;

  const partitionExprs = def.partitionBy ?? [];
  const orderTerms = def.orderBy ?? [];
  const bound = (b: WindowFrame['start']): WindowBoundBinding => ({ type: b.type, offset: b.offset === undefined ? undefined : compile(b.offset) });
  const firstArg = call.args[0];
  return {
    slot,
    name,
    args,
    filter: call.filter === undefined ? undefined : compile(call.filter),
    collation: firstArg === undefined ? 'BINARY' : exprCollation(firstArg, scope),
    partition: partitionExprs.map(compile),
    partitionCollations: partitionExprs.map((e) => exprCollation(e, scope)),
    order: orderTerms.map((t) => compile(t.expr)),
    orderKeys: orderTerms.map((t) => ({ desc: t.desc, nulls: t.nulls, collation: exprCollation(t.expr, scope) })),
    windowKey: JSON.stringify([partitionExprs, orderTerms, FRAME_OF[name] ?? frame ?? null], (_k, v: unknown) =>
      typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? [...v] : v,
    ),
    frame:
      frame === undefined
        ? { units: 'RANGE', start: { type: 'UNBOUNDED PRECEDING', offset: undefined }, end: { type: 'CURRENT ROW', offset: undefined }, exclude: 'NONE' }
        : { units: frame.units, start: bound(frame.start), end: bound(frame.end), exclude: frame.exclude },
  };
}

/** The frames sqlite3WindowUpdate gives the built-in functions that ignore the written one. */
const FRAME_OF: Record<string, string> = {
  row_number: 'ROWS UNBOUNDED CURRENT',
  dense_rank: 'RANGE UNBOUNDED CURRENT',
  rank: 'RANGE UNBOUNDED CURRENT',
  percent_rank: 'GROUPS CURRENT UNBOUNDED',
  cume_dist: 'GROUPS FOLLOWING UNBOUNDED',
  ntile: 'ROWS CURRENT UNBOUNDED',
  lead: 'ROWS UNBOUNDED UNBOUNDED',
  lag: 'ROWS UNBOUNDED CURRENT',
};

/**
 * `OVER name` is the named window; `OVER (base …)` extends it: it may add ORDER BY when the base
 * has none, nothing else, and the base may not have a frame of its own.
 */
function resolveWindow(over: string | WindowDefinition, named: NamedWindows | undefined, depth: number): WindowDefinition {
  if (depth > 32) throw err('too many levels of window definitions');
  const find = (n: string): WindowDefinition => {
    const w = named?.find((x) => x.name.toLowerCase() === n.toLowerCase());
    if (w === undefined) throw err(`no such window: ${n}`);
    return resolveWindow(w.definition, named, depth + 1);
  };
  if (typeof over === 'string') return find(over);
  if (over.base === undefined) return over;
  const base = find(over.base);
  let what: string | undefined;
  if (over.partitionBy !== undefined) what = 'PARTITION clause';
  else if (base.orderBy !== undefined && over.orderBy !== undefined) what = 'ORDER BY clause';
  else if (base.frame !== undefined) what = 'frame specification';
  if (what !== undefined) throw err(`cannot override ${what} of window: ${over.base}`);
  const orderBy = base.orderBy ?? over.orderBy;
  return {
    ...(base.partitionBy === undefined ? {} : { partitionBy: base.partitionBy }),
    ...(orderBy === undefined ? {} : { orderBy }),
    ...(over.frame === undefined ? {} : { frame: over.frame }),
  };
}
