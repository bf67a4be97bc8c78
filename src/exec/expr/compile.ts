/**
 * The expression compiler: an AST `Expr` → a closure `(row, ctx) => Value` evaluated
 * synchronously per row (https://www.sqlite.org/lang_expr.html). Name resolution, affinity
 * and collation are decided once here, at compile time, as SQLite's code generator does;
 * the closures only move values.
 *
 * Parameters: `?` takes the number after the largest one used so far in the statement, so
 * an executor compiling several expressions of one statement passes one `ParamNumbering`
 * (from `createParamNumbering()`) in every call's options. `?NNN` reads positional NNN;
 * `:name`/`@name`/`$name` read `ctx.params.named` by the name as written (sigil included) and
 * fall back to their positional number; a parameter never bound is NULL.
 *
 * Subqueries are slots the executor fills (see expr-contract.ts): 'scalar' → the value,
 * 'exists' → 1n/0n, 'in' → a `ValueSet` built with the comparison affinity and collation of
 * the IN (the executor knows the subquery column's; see value-set.ts). Aggregate calls are
 * slots too (`scope.bindAggregate`), filled by the SELECT executor with `createAggregate`.
 *
 * The oracle is SQLite as shipped in sql.js (3.5x). Known differences:
 * - REAL → TEXT needing 17 digits may differ in the 17th digit (see format-real.ts);
 * - TEXT is a JavaScript string: text that is not valid UTF-8 (from a BLOB cast or cut by
 *   printf's byte precision) holds U+FFFD where SQLite keeps the raw bytes;
 * - the affinity of a scalar subquery `(SELECT col …)` is none unless the scope implements
 *   the optional `subqueryAffinity(select)` (ScopeExtras below);
 * - 'localtime'/'utc' date modifiers are no-ops (UTC); window functions need a scope that binds
 *   them (the SELECT executor); JSON functions and `->`/`->>` are functions/json/'s (its
 *   differences are listed there); changes()/last_insert_rowid()/total_changes() need an
 *   EvalContext with a `connection` (functions/scalar.ts, EvalContextWithConnection).
 */
import { SqliteError } from '../../errors.js';
import type { Affinity } from '../../schema/affinity.js';
import { resolveCollation } from '../../record/collation.js';
import type { Expr, FunctionExpr, SelectStatement } from '../../sql/ast.js';
import type { CompiledExpr, Scope } from '../expr-contract.js';
import type { Value } from '../value.js';
import { isAggregateFunction } from '../functions/aggregate.js';
import { currentTimeValue } from '../functions/datetime.js';
import { compileJsonArrow, compileJsonCall } from '../functions/json/json-call.js';
import { resolveFunction } from '../functions/scalar.js';
import { isBuiltinWindowFunction } from '../window/builtin-window-functions.js';
import { arith, bitNot, bitop, negate } from './arith.js';
import { comparisonAffinity, compareOperands } from './compare.js';
import { binaryCollation, children, collationOf, exprAffinity, exprCollation, functionCollation, hasCollation, hasExplicitCollate } from './expr-collation.js';
import { globMatch, likeMatch } from './like.js';
import { INT64_MIN, isTrue, truth, valueToText, castValue } from './value-ops.js';
import { ValueSet } from './value-set.js';
import { RowSet, RowValue } from './row-set.js';
import { compileRaise, raiseAllowed } from './raise.js';
import { rtreecheckSubquery } from '../vtab/rtree-check-function.js';

export { isTrue, castValue, valueToText, applyAffinityValue } from './value-ops.js';
export { compareForSort, valuesEqualForDistinct, comparisonAffinity } from './compare.js';
export { binaryCollation, exprAffinity, exprCollation, hasCollation } from './expr-collation.js';
export { ValueSet } from './value-set.js';
export { createAggregate, type Aggregate } from '../functions/aggregate.js';
export { lookupFunction, type ScalarFunction, type ConnectionState, type EvalContextWithConnection } from '../functions/scalar.js';

/** Optional members a Scope may add (structurally) beyond the shared contract. */
export interface ScopeExtras {
  /** The affinity of the first result column of a scalar subquery (datatype3 §3.2), if known. */
  subqueryAffinity?(select: SelectStatement): Affinity | undefined;
}

/**
 * How `left IN (SELECT col …)` compares, for the executor building the ValueSet: the
 * comparison affinity of the two sides (exprINAffinity) and the collation
 * (sqlite3BinaryCompareCollSeq) given what it knows of the subquery's column.
 */
export function inSubqueryComparison(
  left: Expr,
  scope: Scope,
  column: { readonly affinity?: Affinity; readonly collation?: string; readonly explicitCollation?: boolean },
): { affinity: Affinity | undefined; collation: string } {
  const affinity = comparisonAffinity(column.affinity, exprAffinity(left, scope));
  const l = collationOf(left, scope);
  let collation: string;
  if (l?.explicit) collation = l.name;
  else if (column.explicitCollation && column.collation !== undefined) collation = column.collation.toUpperCase();
  else collation = l?.name ?? column.collation?.toUpperCase() ?? 'BINARY';
  return { affinity, collation };
}

/** Shared `?` numbering for all expressions of one statement. */
export interface ParamNumbering {
  /** Largest parameter number assigned so far. */
  max: number;
  /** Numbers given to named parameters (`:a` twice is one parameter). */
  readonly named: Map<string, number>;
}

export function createParamNumbering(): ParamNumbering {
  return { max: 0, named: new Map() };
}

export interface CompileOptions {
  /** Aggregate calls are allowed (read from `scope.bindAggregate` slots). Default: when the scope can bind them. */
  readonly aggregateAllowed?: boolean;
  readonly params?: ParamNumbering;
}

interface Compiler {
  readonly scope: Scope;
  readonly aggregateAllowed: boolean;
  readonly params: ParamNumbering;
}

const TRUE = 1n;
const FALSE = 0n;

function bool(b: boolean | null): Value {
  return b === null ? null : b ? TRUE : FALSE;
}

export function compileExpr(expr: Expr, scope: Scope, options?: CompileOptions): CompiledExpr {
  const c: Compiler = {
    scope,
    aggregateAllowed: options?.aggregateAllowed ?? scope.bindAggregate !== undefined,
    params: options?.params ?? createParamNumbering(),
  };
  return compile(c, expr);
}

function noSuchColumn(table: string | undefined, column: string): SqliteError {
  return new SqliteError('SQLITE_ERROR', `no such column: ${table === undefined ? column : `${table}.${column}`}`);
}

function compile(c: Compiler, e: Expr): CompiledExpr {
  switch (e.kind) {
    case 'literal': {
      const v: Value = e.type === 'integer' ? BigInt(e.value) : e.value;
      return () => v;
    }
    case 'current-time': {
      const which = e.which;
      return (_row, ctx) => currentTimeValue(which, ctx.now);
    }
    case 'column': {
      const resolved = c.scope.resolveColumn(e.table, e.column);
      if (resolved === undefined) {
        const keyword = trueFalseKeyword(c, e);
        if (keyword !== undefined) {
          const v = keyword ? TRUE : FALSE;
          return () => v;
        }
        if (e.doubleQuoted && e.table === undefined) {
          const text = e.column;
          return () => text;
        }
        throw noSuchColumn(e.table, e.column);
      }
      const slot = resolved.slot;
      return (row) => row[slot] ?? null;
    }
    case 'parameter':
      return compileParameter(c, e.name);
    case 'unary': {
      // -9223372036854775808 is the one integer literal that exists only negated (codeInteger).
      if (e.op === '-' && e.operand.kind === 'literal' && e.operand.type === 'real' && /^0*9223372036854775808$/.test(e.operand.text)) {
        return () => INT64_MIN;
      }
      const operand = compile(c, e.operand);
      switch (e.op) {
        case '-':
          return (row, ctx) => negate(operand(row, ctx));
        case '+':
          return operand;
        case '~':
          return (row, ctx) => bitNot(operand(row, ctx));
        case 'NOT':
          return (row, ctx) => {
            const t = truth(operand(row, ctx));
            return t === null ? null : t ? FALSE : TRUE;
          };
      }
      break;
    }
    case 'binary':
      return compileBinary(c, e.op, e.left, e.right);
    case 'collate': {
      resolveCollation(e.collation);
      return compile(c, e.expr);
    }
    case 'cast': {
      const inner = compile(c, e.expr);
      const type = e.type;
      return (row, ctx) => castValue(inner(row, ctx), type);
    }
    case 'case':
      return compileCase(c, e);
    case 'function':
      return compileFunction(c, e);
    case 'in':
      return compileIn(c, e);
    case 'between': {
      // x BETWEEN lo AND hi ≡ x >= lo AND x <= hi, each with its own affinity and collation.
      const ge = compileComparison(c, '>=', e.expr, e.low);
      const le = compileComparison(c, '<=', e.expr, e.high);
      const not = e.not;
      return (row, ctx) => {
        const r = and3(truth(ge(row, ctx)), truth(le(row, ctx)));
        return bool(r === null ? null : r !== not);
      };
    }
    case 'like':
      return compileLike(c, e);
    case 'null-test': {
      const inner = compile(c, e.expr);
      const not = e.not;
      return (row, ctx) => ((inner(row, ctx) === null) !== not ? TRUE : FALSE);
    }
    case 'exists': {
      const slot = bindSubquery(c, e.select, 'exists');
      return (row) => row[slot] ?? FALSE;
    }
    case 'subquery': {
      const slot = bindSubquery(c, e.select, 'scalar');
      return (row) => row[slot] ?? null;
    }
    case 'vector':
      throw new SqliteError('SQLITE_ERROR', 'row value misused');
    case 'raise':
      if (!raiseAllowed(c.scope)) throw new SqliteError('SQLITE_ERROR', 'RAISE() may only be used within a trigger-program');
      return compileRaise(e, e.message === undefined ? undefined : compile(c, e.message));
  }
  throw new SqliteError('SQLITE_ERROR', `unsupported expression`);
}

function bindSubquery(c: Compiler, select: Extract<Expr, { kind: 'subquery' }>['select'], mode: 'scalar' | 'exists' | 'in'): number {
  if (c.scope.bindSubquery === undefined) throw new SqliteError('SQLITE_ERROR', 'subqueries are not supported here');
  return c.scope.bindSubquery(select, mode).slot;
}

function compileParameter(c: Compiler, name: string): CompiledExpr {
  let index: number;
  let named: string | undefined;
  if (name === '?') {
    index = ++c.params.max;
  } else if (name.startsWith('?')) {
    index = Number(name.slice(1));
    if (!Number.isInteger(index) || index < 1 || index > 32766) {
      throw new SqliteError('SQLITE_ERROR', `variable number must be between ?1 and ?32766`);
    }
    c.params.max = Math.max(c.params.max, index);
  } else {
    named = name;
    const known = c.params.named.get(name);
    if (known !== undefined) index = known;
    else {
      index = ++c.params.max;
      c.params.named.set(name, index);
    }
  }
  const position = index - 1;
  if (named !== undefined) {
    const key = named;
    return (_row, ctx) => {
      const v = ctx.params.named.get(key);
      return v !== undefined ? v : (ctx.params.positional[position] ?? null);
    };
  }
  return (_row, ctx) => ctx.params.positional[position] ?? null;
}

function and3(a: boolean | null, b: boolean | null): boolean | null {
  if (a === false || b === false) return false;
  if (a === null || b === null) return null;
  return true;
}

function or3(a: boolean | null, b: boolean | null): boolean | null {
  if (a === true || b === true) return true;
  if (a === null || b === null) return null;
  return false;
}

type ComparisonOp = '<' | '<=' | '>' | '>=' | '=' | '!=' | 'IS' | 'IS NOT';

/**
 * TRUE and FALSE are identifiers that become 1 and 0 when no column has that name
 * (sqlite3ExprIdToTrueFalse); `x IN ()` / `x NOT IN ()` are parsed straight into FALSE / TRUE.
 */
function trueFalseKeyword(c: Compiler, e: Expr): boolean | undefined {
  // (SQLite 3.5x keeps `f(…) IN ()` a plain 0/1 when the left side calls a function: EP_HasFunc.)
  if (e.kind === 'in' && e.target.kind === 'list' && e.target.items.length === 0) return hasFunctionCall(e.expr) ? undefined : e.not;
  if (e.kind !== 'column' || e.doubleQuoted || e.table !== undefined) return undefined;
  const name = e.column.toLowerCase();
  if (name !== 'true' && name !== 'false') return undefined;
  if (c.scope.resolveColumn(undefined, e.column) !== undefined) return undefined;
  return name === 'true';
}

function hasFunctionCall(e: Expr): boolean {
  return e.kind === 'function' || children(e).some(hasFunctionCall);
}

function compileComparison(c: Compiler, op: ComparisonOp, left: Expr, right: Expr): CompiledExpr {
  if (isRowValue(left) || isRowValue(right)) return compileVectorComparison(c, op, left, right);
  if (op === 'IS' || op === 'IS NOT') {
    // `x IS TRUE` / `x IS NOT FALSE` test truthiness (TK_ISTRUE …), not equality with 1 or 0.
    const keyword = trueFalseKeyword(c, right);
    if (keyword !== undefined) {
      const l = compile(c, left);
      const want = (op === 'IS') === keyword;
      return (row, ctx) => {
        const v = l(row, ctx);
        if (v === null) return op === 'IS' ? FALSE : TRUE;
        return isTrue(v) === want ? TRUE : FALSE;
      };
    }
  }
  const l = compile(c, left);
  const r = compile(c, right);
  const affinity = comparisonAffinity(exprAffinity(left, c.scope), exprAffinity(right, c.scope));
  const collation = binaryCollation(left, right, c.scope);
  switch (op) {
    case '<':
      return (row, ctx) => cmpResult(compareOperands(l(row, ctx), r(row, ctx), affinity, collation), (d) => d < 0);
    case '<=':
      return (row, ctx) => cmpResult(compareOperands(l(row, ctx), r(row, ctx), affinity, collation), (d) => d <= 0);
    case '>':
      return (row, ctx) => cmpResult(compareOperands(l(row, ctx), r(row, ctx), affinity, collation), (d) => d > 0);
    case '>=':
      return (row, ctx) => cmpResult(compareOperands(l(row, ctx), r(row, ctx), affinity, collation), (d) => d >= 0);
    case '=':
      return (row, ctx) => cmpResult(compareOperands(l(row, ctx), r(row, ctx), affinity, collation), (d) => d === 0);
    case '!=':
      return (row, ctx) => cmpResult(compareOperands(l(row, ctx), r(row, ctx), affinity, collation), (d) => d !== 0);
    case 'IS':
    case 'IS NOT': {
      const want = op === 'IS';
      return (row, ctx) => {
        const a = l(row, ctx);
        const b = r(row, ctx);
        if (a === null || b === null) return (a === null && b === null) === want ? TRUE : FALSE;
        return (compareOperands(a, b, affinity, collation) === 0) === want ? TRUE : FALSE;
      };
    }
  }
}

function cmpResult(d: number | null, test: (d: number) => boolean): Value {
  return d === null ? null : test(d) ? TRUE : FALSE;
}

function compileBinary(c: Compiler, op: Extract<Expr, { kind: 'binary' }>['op'], left: Expr, right: Expr): CompiledExpr {
  switch (op) {
    case '<':
    case '<=':
    case '>':
    case '>=':
    case '=':
    case '!=':
    case 'IS':
    case 'IS NOT':
      if (isRowValue(left) || isRowValue(right)) return compileVectorComparison(c, op, left, right);
      return compileComparison(c, op, left, right);
    case 'AND': {
      const l = compile(c, left);
      const r = compile(c, right);
      return (row, ctx) => {
        const a = truth(l(row, ctx));
        if (a === false) return FALSE;
        return bool(and3(a, truth(r(row, ctx))));
      };
    }
    case 'OR': {
      const l = compile(c, left);
      const r = compile(c, right);
      return (row, ctx) => {
        const a = truth(l(row, ctx));
        if (a === true) return TRUE;
        return bool(or3(a, truth(r(row, ctx))));
      };
    }
    case '||': {
      const l = compile(c, left);
      const r = compile(c, right);
      return (row, ctx) => {
        const a = valueToText(l(row, ctx));
        if (a === null) return null;
        const b = valueToText(r(row, ctx));
        return b === null ? null : a + b;
      };
    }
    case '+':
    case '-':
    case '*':
    case '/':
    case '%': {
      const l = compile(c, left);
      const r = compile(c, right);
      return (row, ctx) => arith(op, l(row, ctx), r(row, ctx));
    }
    case '&':
    case '|':
    case '<<':
    case '>>': {
      const l = compile(c, left);
      const r = compile(c, right);
      return (row, ctx) => bitop(op, l(row, ctx), r(row, ctx));
    }
    case '->':
    case '->>':
      return compileJsonArrow(op, left, right, (x) => compile(c, x), c.scope);
  }
}

/**
 * Row values `(a, b) <op> (c, d)` (https://www.sqlite.org/rowvalue.html): = and != combine the
 * member comparisons with three-valued AND; IS / IS NOT treat NULLs as values; the ordering
 * operators compare member by member and decide at the first pair that differs (NULL there
 * makes the result NULL).
 */
function compileVectorComparison(c: Compiler, op: ComparisonOp, left: Expr, right: Expr): CompiledExpr {
  const width = rowWidth(left) ?? rowWidth(right);
  if (width === undefined || (rowWidth(left) ?? width) !== width || (rowWidth(right) ?? width) !== width || width < 2) {
    throw new SqliteError('SQLITE_ERROR', 'row value misused');
  }
  const l = rowMembers(c, left, width);
  const r = rowMembers(c, right, width);
  const members = l.map((a, i) => {
    const b = r[i]!;
    return {
      l: a.value,
      r: b.value,
      affinity: comparisonAffinity(a.affinity, b.affinity),
      collation: memberCollation(c, a, b),
    };
  });
  if (op === 'IS' || op === 'IS NOT') {
    const want = op === 'IS';
    return (row, ctx) => {
      for (const m of members) {
        const a = m.l(row, ctx);
        const b = m.r(row, ctx);
        const same = a === null || b === null ? a === b : compareOperands(a, b, m.affinity, m.collation) === 0;
        if (!same) return want ? FALSE : TRUE;
      }
      return want ? TRUE : FALSE;
    };
  }
  if (op === '=' || op === '!=') {
    return (row, ctx) => {
      let result: boolean | null = true;
      for (const m of members) {
        const d = compareOperands(m.l(row, ctx), m.r(row, ctx), m.affinity, m.collation);
        result = and3(result, d === null ? null : d === 0);
        if (result === false) break;
      }
      return bool(result === null ? null : op === '=' ? result : !result);
    };
  }
  return (row, ctx) => {
    for (const m of members) {
      const d = compareOperands(m.l(row, ctx), m.r(row, ctx), m.affinity, m.collation);
      if (d === null) return null;
      if (d === 0) continue;
      return bool(op === '<' || op === '<=' ? d < 0 : d > 0);
    }
    return bool(op === '<=' || op === '>=');
  };
}

/** A row value: `(a, b, …)`, or a subquery with more than one result column. */
function isRowValue(e: Expr): boolean {
  return e.kind === 'vector' || (e.kind === 'subquery' && (subqueryWidth(e) ?? 1) > 1);
}

/** The number of members of a row value (undefined: not known from the text, e.g. `SELECT *`). */
function rowWidth(e: Expr): number | undefined {
  if (e.kind === 'vector') return e.items.length;
  if (e.kind === 'subquery') return subqueryWidth(e);
  return 1;
}

function subqueryWidth(e: Extract<Expr, { kind: 'subquery' }>): number | undefined {
  const first = e.select.first;
  if (first.kind === 'values') return first.rows[0]?.length;
  return first.columns.some((rc) => rc.kind !== 'expr') ? undefined : first.columns.length;
}

interface RowMember {
  readonly value: CompiledExpr;
  readonly affinity: Affinity | undefined;
  /** The member's expression (undefined for a subquery's column). */
  readonly expr: Expr | undefined;
  /** A subquery column's collation. */
  readonly collation: string | undefined;
}

/** The members of a row value `(a, b)` or `(SELECT x, y …)` (its first row; NULLs when none). */
function rowMembers(c: Compiler, e: Expr, width: number): RowMember[] {
  if (e.kind === 'vector') {
    return e.items.map((item) => ({ value: compile(c, item), affinity: exprAffinity(item, c.scope), expr: item, collation: undefined }));
  }
  if (e.kind !== 'subquery' || c.scope.bindSubquery === undefined) throw new SqliteError('SQLITE_ERROR', 'row value misused');
  const binding = c.scope.bindSubquery(e.select, 'row', width);
  const slot = binding.slot;
  return Array.from({ length: width }, (_, i) => ({
    value: (row: readonly Value[]) => {
      const rv = row[slot];
      return rv instanceof RowValue ? (rv.values[i] ?? null) : null;
    },
    affinity: binding.columns?.[i]?.affinity,
    expr: undefined,
    collation: binding.columns?.[i]?.collation,
  }));
}

/** sqlite3BinaryCompareCollSeq for two members, a subquery's column counting as a column. */
function memberCollation(c: Compiler, a: RowMember, b: RowMember): string {
  if (a.expr !== undefined && b.expr !== undefined) return binaryCollation(a.expr, b.expr, c.scope);
  if (a.expr !== undefined && hasExplicitCollate(a.expr)) return exprCollation(a.expr, c.scope);
  if (b.expr !== undefined && hasExplicitCollate(b.expr)) return exprCollation(b.expr, c.scope);
  if (a.expr !== undefined && hasCollation(a.expr, c.scope)) return exprCollation(a.expr, c.scope);
  if (a.collation !== undefined) return a.collation;
  if (b.expr !== undefined && hasCollation(b.expr, c.scope)) return exprCollation(b.expr, c.scope);
  return b.collation ?? 'BINARY';
}

function compileCase(c: Compiler, e: Extract<Expr, { kind: 'case' }>): CompiledExpr {
  const elseExpr = e.else === undefined ? undefined : compile(c, e.else);
  const thens = e.whens.map((w) => compile(c, w.then));
  const whens = e.whens.map((w) => compile(c, w.when));
  if (e.operand === undefined) {
    return (row, ctx) => {
      for (let i = 0; i < whens.length; i++) {
        if (isTrue(whens[i]!(row, ctx))) return thens[i]!(row, ctx);
      }
      return elseExpr === undefined ? null : elseExpr(row, ctx);
    };
  }
  // CASE x WHEN w …: x is evaluated once and compared with each w as `x = w` would be.
  const operandExpr = e.operand;
  const operand = compile(c, operandExpr);
  const operandAffinity = exprAffinity(operandExpr, c.scope);
  const rules = e.whens.map((w) => ({
    affinity: comparisonAffinity(operandAffinity, exprAffinity(w.when, c.scope)),
    collation: binaryCollation(operandExpr, w.when, c.scope),
  }));
  return (row, ctx) => {
    const x = operand(row, ctx);
    for (let i = 0; i < whens.length; i++) {
      const rule = rules[i]!;
      if (compareOperands(x, whens[i]!(row, ctx), rule.affinity, rule.collation) === 0) return thens[i]!(row, ctx);
    }
    return elseExpr === undefined ? null : elseExpr(row, ctx);
  };
}

function compileIn(c: Compiler, e: Extract<Expr, { kind: 'in' }>): CompiledExpr {
  if (e.expr.kind === 'vector') return compileRowIn(c, e, e.expr.items.length);
  const left = compile(c, e.expr);
  const not = e.not;
  const finish = (r: boolean | null): Value => bool(r === null ? null : r !== not);
  const target = e.target;
  if (target.kind === 'list') {
    if (target.items.length === 0) return () => (not ? TRUE : FALSE);
    // comparisonAffinity of an IN list: the left operand's affinity, or none.
    const leftAff = exprAffinity(e.expr, c.scope);
    const affinity = leftAff === undefined || leftAff === 'BLOB' ? undefined : comparisonAffinity(leftAff, undefined);
    // sqlite3ExprCodeIN compares every item under the LEFT operand's collation only.
    const collation = exprCollation(e.expr, c.scope);
    const items = target.items.map((item) => ({ value: compile(c, item), collation }));
    return (row, ctx) => {
      const v = left(row, ctx);
      let sawNull = v === null;
      for (const item of items) {
        const w = item.value(row, ctx);
        if (w === null) {
          sawNull = true;
          continue;
        }
        if (v === null) continue;
        if (compareOperands(v, w, affinity, item.collation) === 0) return finish(true);
      }
      return finish(sawNull ? null : false);
    };
  }
  const slot = bindSubquery(c, target.select, 'in');
  return (row, ctx) => {
    const set = row[slot];
    if (!(set instanceof ValueSet)) {
      throw new SqliteError('SQLITE_INTERNAL', 'IN subquery slot does not hold a ValueSet');
    }
    return finish(set.has(left(row, ctx)));
  };
}

/**
 * `(a, b) IN (…)`: true when some element equals the row member by member, NULL when none does
 * but one might (a member comparison is NULL), false otherwise. The elements are row values of
 * the same width: `((1, 2), (3, 4))`, or the rows of `(SELECT x, y …)` / `(VALUES …)`.
 */
function compileRowIn(c: Compiler, e: Extract<Expr, { kind: 'in' }>, width: number): CompiledExpr {
  const not = e.not;
  const finish = (r: boolean | null): Value => bool(r === null ? null : r !== not);
  const target = e.target;
  if (target.kind === 'list') {
    if (target.items.length === 0) return () => (not ? TRUE : FALSE);
    const items = target.items.map((item) => {
      const w = rowWidth(item) ?? 1;
      if (w !== width) throw new SqliteError('SQLITE_ERROR', `IN(...) element has ${w} term${w === 1 ? '' : 's'} - expected ${width}`);
      return compileVectorComparison(c, '=', e.expr, item);
    });
    return (row, ctx) => {
      let sawNull = false;
      for (const item of items) {
        const r = item(row, ctx);
        if (r === null) sawNull = true;
        else if (r === TRUE) return finish(true);
      }
      return finish(sawNull ? null : false);
    };
  }
  if (target.kind !== 'select') throw new SqliteError('SQLITE_ERROR', 'row value misused');
  const members = (e.expr as Extract<Expr, { kind: 'vector' }>).items.map((item) => compile(c, item));
  if (c.scope.bindSubquery === undefined) throw new SqliteError('SQLITE_ERROR', 'subqueries are not supported here');
  const slot = c.scope.bindSubquery(target.select, 'in', width).slot;
  return (row, ctx) => {
    const set = row[slot];
    if (!(set instanceof RowSet)) throw new SqliteError('SQLITE_INTERNAL', 'IN subquery slot does not hold a RowSet');
    return finish(set.has(members.map((m) => m(row, ctx))));
  };
}

function compileLike(c: Compiler, e: Extract<Expr, { kind: 'like' }>): CompiledExpr {
  if (e.op === 'REGEXP' || e.op === 'MATCH') {
    throw new SqliteError('SQLITE_ERROR', `no such function: ${e.op}`);
  }
  const glob = e.op === 'GLOB';
  // glob() takes two arguments: `x GLOB y ESCAPE z` is a call with three.
  if (glob && e.escape !== undefined) throw new SqliteError('SQLITE_ERROR', 'wrong number of arguments to function GLOB()');
  const subject = compile(c, e.expr);
  const pattern = compile(c, e.pattern);
  const escape = e.escape === undefined ? undefined : compile(c, e.escape);
  const not = e.not;
  return (row, ctx) => {
    const r = likeOrGlob(glob, pattern(row, ctx), subject(row, ctx), escape === undefined ? undefined : escape(row, ctx));
    return r === null ? null : (r === TRUE) !== not ? TRUE : FALSE;
  };
}

/** The like()/glob() functions: NULL when any argument is NULL. */
export function likeOrGlob(glob: boolean, pattern: Value, subject: Value, escape?: Value): Value {
  if (pattern === null || subject === null) return null;
  let esc: string | undefined;
  if (escape !== undefined) {
    if (escape === null) return null;
    const text = valueToText(escape)!;
    if ([...text].length !== 1) throw new SqliteError('SQLITE_ERROR', 'ESCAPE expression must be a single character');
    esc = text;
  }
  const p = valueToText(pattern)!;
  const s = valueToText(subject)!;
  if (glob) return globMatch(p, s) ? TRUE : FALSE;
  return likeMatch(p, s, esc) ? TRUE : FALSE;
}

function compileFunction(c: Compiler, e: FunctionExpr): CompiledExpr {
  const name = e.name.toLowerCase();
  const argc = e.star ? 0 : e.args.length;
  // rtreecheck() reads the database: a scalar subquery over its table-valued form (vtab/rtree-check.ts).
  if (name === 'rtreecheck' && e.over === undefined && c.scope.bindSubquery !== undefined) return compile(c, rtreecheckSubquery(e.args));
  if (e.over !== undefined) {
    // Window functions are evaluated by the SELECT executor (src/exec/window/) into a slot.
    if (c.scope.bindWindow === undefined) throw new SqliteError('SQLITE_ERROR', `misuse of window function ${e.name}()`);
    const slot = c.scope.bindWindow(e).slot;
    return (row) => row[slot] ?? null;
  }
  if (isBuiltinWindowFunction(name)) throw new SqliteError('SQLITE_ERROR', `misuse of window function ${e.name}()`);
  if (isAggregateFunction(name, argc)) {
    if (e.distinct && argc !== 1) throw new SqliteError('SQLITE_ERROR', 'DISTINCT aggregates must have exactly one argument');
    if (!c.aggregateAllowed || c.scope.bindAggregate === undefined) {
      throw new SqliteError('SQLITE_ERROR', `misuse of aggregate function ${e.name}()`);
    }
    // Check the arguments resolve (and are not aggregates themselves) now, as SQLite does.
    const inner: Compiler = { ...c, aggregateAllowed: false };
    for (const a of e.args) {
      try {
        compile(inner, a);
      } catch (err) {
        if (err instanceof SqliteError && err.message.startsWith('misuse of aggregate')) {
          throw new SqliteError('SQLITE_ERROR', `misuse of aggregate function ${e.name}()`);
        }
        throw err;
      }
    }
    const slot = c.scope.bindAggregate(e).slot;
    return (row) => row[slot] ?? null;
  }
  if (e.distinct || e.star || e.filter !== undefined || e.orderBy !== undefined) {
    if (!isAggregateFunction(name, -1)) {
      if (e.orderBy !== undefined && !e.distinct && !e.star && e.filter === undefined) {
        throw new SqliteError('SQLITE_ERROR', `ORDER BY may not be used with non-aggregate ${e.name}()`);
      }
      throw new SqliteError('SQLITE_ERROR', e.star ? `wrong number of arguments to function ${e.name}()` : `${e.name}() may not be used as an aggregate`);
    }
  }
  const json = compileJsonCall(e, (x) => compile(c, x), c.scope);
  if (json !== undefined) return json;
  const args = e.args.map((a) => compile(c, a));
  switch (name) {
    // Lazy forms: later arguments are evaluated only when needed, as SQLite's OP_NotNull/If jumps do.
    case 'coalesce':
    case 'ifnull':
      if (name === 'ifnull' ? argc !== 2 : argc < 2) break;
      return (row, ctx) => {
        for (const a of args) {
          const v = a(row, ctx);
          if (v !== null) return v;
        }
        return null;
      };
    case 'iif':
    case 'if':
      if (argc !== 3 && argc !== 2) break;
      return (row, ctx) => (isTrue(args[0]!(row, ctx)) ? args[1]!(row, ctx) : argc === 3 ? args[2]!(row, ctx) : null);
    case 'likely':
    case 'unlikely':
      if (argc !== 1) break;
      return args[0]!;
    case 'likelihood':
      if (argc !== 2) break;
      if (e.args[1]!.kind !== 'literal' || e.args[1]!.type !== 'real' || e.args[1]!.value < 0 || e.args[1]!.value > 1) {
        throw new SqliteError('SQLITE_ERROR', 'second argument to likelihood() must be a constant between 0.0 and 1.0');
      }
      return args[0]!;
  }
  const fn = resolveFunction(name, argc, e.name);
  const collation = functionCollation(e, c.scope);
  if (argc === 0) return (_row, ctx) => fn([], { collation, ctx });
  if (argc === 1) {
    const a0 = args[0]!;
    return (row, ctx) => fn([a0(row, ctx)], { collation, ctx });
  }
  return (row, ctx) => {
    const values = new Array<Value>(argc);
    for (let i = 0; i < argc; i++) values[i] = args[i]!(row, ctx);
    return fn(values, { collation, ctx });
  };
}
