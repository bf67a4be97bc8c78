/**
 * Statement parameters (https://www.sqlite.org/lang_expr.html#varparam), numbered as SQLite
 * numbers them: `?NNN` is parameter NNN; a bare `?` is one more than the largest number given
 * so far; `:name`, `@name`, `$name` get the next number at their first appearance and keep it.
 *
 * The statement's AST is rewritten so that every bare `?` becomes `?N` (the compiled
 * expression then needs no counter), and the bound values are laid out both by number and by
 * name: an array binds by number (`[v1, v2, …]`), an object binds by name (with or without
 * the sigil: `{ id: 1 }` binds `:id`, `@id` and `$id`).
 */
import { RangeError as SqlRangeError } from '../../errors.js';
import type { Statement } from '../../sql/ast.js';
import type { ParamValues } from '../expr-contract.js';
import { bindObject } from '../select/parameters.js';
import { fromPublic, type Value } from '../value.js';

/** What callers may pass as parameters. */
export type BindParams = readonly unknown[] | { readonly [name: string]: unknown };

/** SQLITE_MAX_VARIABLE_NUMBER. */
const MAX_PARAMETER = 32766;

export interface NumberedStatement {
  readonly statement: Statement;
  /** Number of parameters (the largest number used). */
  readonly count: number;
  /** Named parameters (with their sigil) → number. */
  readonly names: ReadonlyMap<string, number>;
}

/**
 * Numbered statements by the parsed statement they came from. The parsed AST is frozen and the
 * caller caches it by SQL text, so the same statement run again gets the same numbered AST back:
 * no rewrite per call, and executors may cache their plans keyed by that AST (insert.ts does).
 */
const numberedCache = new WeakMap<Statement, NumberedStatement>();

/**
 * Numbers the parameters of `statement` (in source order) and rewrites bare `?` as `?N`.
 * The result is cached per statement object (the rewrite depends on nothing else).
 */
export function numberParameters(statement: Statement): NumberedStatement {
  let numbered = numberedCache.get(statement);
  if (numbered === undefined) {
    numbered = numberParametersUncached(statement);
    numberedCache.set(statement, numbered);
  }
  return numbered;
}

function numberParametersUncached(statement: Statement): NumberedStatement {
  let max = 0;
  const names = new Map<string, number>();
  const rewrite = (node: unknown): unknown => {
    if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return node;
    if (Array.isArray(node)) {
      let changed = false;
      const out = node.map((n) => {
        const r = rewrite(n);
        if (r !== n) changed = true;
        return r;
      });
      return changed ? Object.freeze(out) : node;
    }
    const obj = node as Record<string, unknown>;
    if (obj['kind'] === 'parameter' && typeof obj['name'] === 'string') {
      const name = obj['name'];
      if (name === '?') {
        max++;
        if (max > MAX_PARAMETER) throw new SqlRangeError('too many SQL variables');
        return Object.freeze({ kind: 'parameter', name: `?${max}` });
      }
      if (name.startsWith('?')) {
        const n = Number(name.slice(1));
        if (!Number.isInteger(n) || n < 1 || n > MAX_PARAMETER) {
          throw new SqlRangeError(`variable number must be between ?1 and ?${MAX_PARAMETER}`);
        }
        max = Math.max(max, n);
        return node;
      }
      if (!names.has(name)) names.set(name, ++max);
      return node;
    }
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) {
      const r = rewrite(v);
      if (r !== v) changed = true;
      out[k] = r;
    }
    return changed ? Object.freeze(out) : node;
  };
  const rewritten = rewrite(statement) as Statement;
  return { statement: rewritten, count: max, names };
}

/** The named values of a statement without named parameters (shared: never written to). */
const NO_NAMES: ReadonlyMap<string, Value> = new Map();

/**
 * Lays out the caller's values for the numbered statement. Unbound parameters are NULL, as in
 * SQLite. `into`: values bound by an array go into its `positional` (the same length: a prepared
 * statement's own, reused run after run), and it is returned.
 */
export function bindParameters(numbered: NumberedStatement, params: BindParams | undefined, into?: { readonly positional: Value[]; readonly named: ReadonlyMap<string, Value> }): ParamValues {
  const count = numbered.count;
  if (Array.isArray(params) && numbered.names.size === 0) {
    // The common case (`?` parameters bound by an array): no map of names, one pass.
    const given = params.length;
    if (given > count) throw new SqlRangeError(`${given} parameters given but the statement has ${count}`);
    if (into !== undefined && into.positional.length === count) {
      const out = into.positional;
      for (let i = 0; i < count; i++) out[i] = i < given ? fromPublic(params[i]) : null;
      return into;
    }
    const positional = new Array<Value>(count);
    for (let i = 0; i < count; i++) positional[i] = i < given ? fromPublic(params[i]) : null;
    return { positional, named: NO_NAMES };
  }
  const positional: Value[] = new Array<Value>(count).fill(null);
  const named = new Map<string, Value>();
  if (params === undefined) {
    for (const name of numbered.names.keys()) named.set(name, null);
    return { positional, named };
  }
  if (Array.isArray(params)) {
    if (params.length > numbered.count) {
      throw new SqlRangeError(`${params.length} parameters given but the statement has ${numbered.count}`);
    }
    for (let i = 0; i < params.length; i++) positional[i] = fromPublic(params[i]);
    for (const [name, n] of numbered.names) named.set(name, positional[n - 1] ?? null);
    return { positional, named };
  }
  bindObject(params as Readonly<Record<string, unknown>>, numbered.names, numbered.count, positional, named);
  return { positional, named };
}
