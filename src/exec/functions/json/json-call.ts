/**
 * Compiling calls of the JSON functions and the `->` / `->>` operators, and deciding which
 * arguments carry SQLite's JSON subtype.
 *
 * An argument is JSON (nested, not quoted) when SQLite would have given it the subtype: the
 * result of a JSON function (json_extract and json_each's `value` only for arrays and objects,
 * `->` always, `->>` never), also through `+x`, COLLATE, CASE, coalesce() and ifnull(). Anything
 * else — a column, a subquery — is plain SQL, as in SQLite ≥ 3.45, where subtypes do not cross
 * subqueries.
 */
import { SqliteError } from '../../../errors.js';
import type { Expr, FunctionExpr } from '../../../sql/ast.js';
import type { CompiledExpr, EvalContext, Scope } from '../../expr-contract.js';
import { isTrue } from '../../expr/value-ops.js';
import type { Value } from '../../value.js';
import { JSON_FUNCTIONS, jsonArrow } from './json-functions.js';
import { tryParseJson } from './json-parse.js';
import { JsonValue, toSqlValue, type JsonArg } from './json-value.js';

type Tagged = (row: readonly Value[], ctx: EvalContext) => JsonArg;
type CompileSql = (e: Expr) => CompiledExpr;

/**
 * A scope that knows which of its columns hold JSON (json_each / json_tree's `value`): the
 * slot of the column whose 'array' or 'object' says the value is JSON.
 */
export interface JsonColumnScope {
  jsonTypeSlot?(table: string | undefined, column: string): number | undefined;
}

/** The aggregates whose result has the JSON subtype. */
const JSON_AGGREGATES: ReadonlySet<string> = new Set(['json_group_array', 'json_group_object']);

/** Whether `name` is one of the scalar JSON functions. */
export function isJsonFunction(name: string): boolean {
  return Object.hasOwn(JSON_FUNCTIONS, name.toLowerCase());
}

/** A JSON function call compiled for SQL (its JSON results as text); undefined when `e` is not one. */
export function compileJsonCall(e: FunctionExpr, compileSql: CompileSql, scope: Scope): CompiledExpr | undefined {
  const t = taggedCall(e, compileSql, scope);
  if (t === undefined) return undefined;
  return (row, ctx) => toSqlValue(t(row, ctx));
}

/** `left -> right` / `left ->> right` compiled for SQL. */
export function compileJsonArrow(op: '->' | '->>', left: Expr, right: Expr, compileSql: CompileSql, scope: Scope): CompiledExpr {
  const t = taggedArrow(op, left, right, compileSql, scope);
  return (row, ctx) => toSqlValue(t(row, ctx));
}

function taggedArrow(op: '->' | '->>', left: Expr, right: Expr, compileSql: CompileSql, scope: Scope): Tagged {
  const l = taggedArg(left, compileSql, scope);
  const r = taggedArg(right, compileSql, scope);
  return (row, ctx) => jsonArrow(op, l(row, ctx), r(row, ctx));
}

function taggedCall(e: FunctionExpr, compileSql: CompileSql, scope: Scope): Tagged | undefined {
  const key = e.name.toLowerCase();
  if (!Object.hasOwn(JSON_FUNCTIONS, key)) return undefined;
  const spec = JSON_FUNCTIONS[key]!;
  const argc = e.args.length;
  if (e.star || argc < spec.min || (spec.max >= 0 && argc > spec.max)) {
    throw new SqliteError('SQLITE_ERROR', `wrong number of arguments to function ${e.name}()`);
  }
  const args = e.args.map((a) => taggedArg(a, compileSql, scope));
  const fn = spec.fn;
  return (row, ctx) => {
    const values = new Array<JsonArg>(args.length);
    for (let i = 0; i < args.length; i++) values[i] = args[i]!(row, ctx);
    return fn(values);
  };
}

/** An argument of a JSON function: JsonValue where SQLite's value would carry the JSON subtype. */
function taggedArg(e: Expr, compileSql: CompileSql, scope: Scope): Tagged {
  switch (e.kind) {
    case 'function': {
      const t = taggedCall(e, compileSql, scope);
      if (t !== undefined) return t;
      const name = e.name.toLowerCase();
      if (JSON_AGGREGATES.has(name) && e.over === undefined) {
        const f = compileSql(e);
        return (row, ctx) => asJson(f(row, ctx));
      }
      if ((name === 'coalesce' && e.args.length >= 2) || (name === 'ifnull' && e.args.length === 2)) {
        const args = e.args.map((a) => taggedArg(a, compileSql, scope));
        return (row, ctx) => {
          for (const a of args) {
            const v = a(row, ctx);
            if (v !== null) return v;
          }
          return null;
        };
      }
      break;
    }
    case 'binary':
      if (e.op === '->' || e.op === '->>') return taggedArrow(e.op, e.left, e.right, compileSql, scope);
      break;
    case 'unary':
      if (e.op === '+') return taggedArg(e.operand, compileSql, scope);
      break;
    case 'collate':
      return taggedArg(e.expr, compileSql, scope);
    case 'case': {
      // The chosen branch's subtype passes (CASE x WHEN w is `x = w`, as SQLite compares).
      const operand = e.operand;
      const conds = e.whens.map((w) => compileSql(operand === undefined ? w.when : { kind: 'binary', op: '=', left: operand, right: w.when }));
      const thens = e.whens.map((w) => taggedArg(w.then, compileSql, scope));
      const otherwise = e.else === undefined ? undefined : taggedArg(e.else, compileSql, scope);
      return (row, ctx) => {
        for (let i = 0; i < conds.length; i++) if (isTrue(conds[i]!(row, ctx))) return thens[i]!(row, ctx);
        return otherwise === undefined ? null : otherwise(row, ctx);
      };
    }
    case 'column':
      const typeSlot = (scope as Scope & JsonColumnScope).jsonTypeSlot?.(e.table, e.column);
      if (typeSlot !== undefined) {
        const f = compileSql(e);
        return (row, ctx) => {
          const t = row[typeSlot];
          return t === 'array' || t === 'object' ? asJson(f(row, ctx)) : f(row, ctx);
        };
      }
      break;
    default:
      break;
  }
  return compileSql(e);
}

/** Text that is JSON (an aggregate's result). */
function asJson(v: Value): JsonArg {
  if (typeof v !== 'string') return v;
  const n = tryParseJson(v);
  return n === undefined ? v : new JsonValue(n);
}

/** json_extract's single-path result: JSON when it is an array or object. */
function containerJson(v: Value): JsonArg {
  if (typeof v !== 'string' || (v[0] !== '[' && v[0] !== '{')) return v;
  const n = tryParseJson(v);
  return n === undefined ? v : new JsonValue(n);
}

/**
 * How an aggregate's arguments carry JSON (json_group_array, json_group_object): 'json' for
 * one SQLite would give the JSON subtype, 'container' for one that has it only when it is an
 * array or object, 'sql' otherwise.
 */
export type JsonArgKind = 'json' | 'container' | 'sql';

export function jsonArgKinds(args: readonly Expr[], scope: Scope): JsonArgKind[] {
  return args.map((a) => argKind(a, scope));
}

function argKind(e: Expr, scope: Scope): JsonArgKind {
  switch (e.kind) {
    case 'function': {
      const name = e.name.toLowerCase();
      if (name === 'json_extract') return e.args.length > 2 ? 'json' : 'container';
      // The jsonb_ functions return BLOBs without the subtype (a JSONB BLOB is read as JSON anyway).
      if (name.startsWith('jsonb')) return 'sql';
      if (isJsonFunction(name) || JSON_AGGREGATES.has(name)) {
        return name === 'json_valid' || name === 'json_type' || name === 'json_array_length' ? 'sql' : 'json';
      }
      if ((name === 'coalesce' || name === 'ifnull') && e.args.length >= 2) {
        const kinds = e.args.map((a) => argKind(a, scope));
        return kinds.every((k) => k === 'sql') ? 'sql' : 'container';
      }
      return 'sql';
    }
    case 'binary':
      return e.op === '->' ? 'json' : 'sql';
    case 'unary':
      return e.op === '+' ? argKind(e.operand, scope) : 'sql';
    case 'collate':
      return argKind(e.expr, scope);
    case 'column':
      return (scope as Scope & JsonColumnScope).jsonTypeSlot?.(e.table, e.column) !== undefined ? 'container' : 'sql';
    default:
      return 'sql';
  }
}

/** An aggregate's argument value as its kind says. */
export function jsonArgOf(v: Value, kind: JsonArgKind | undefined): JsonArg {
  if (kind === 'json') return asJson(v);
  if (kind === 'container') return containerJson(v);
  return v;
}
