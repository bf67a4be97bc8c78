/**
 * Parameter numbering (https://www.sqlite.org/lang_expr.html#parameters): `?` takes the number
 * one larger than the largest assigned so far, `?NNN` takes NNN, and a named parameter
 * (`:x`, `@x`, `$x`) takes the next number the first time its name appears. Rewriting every
 * `?` to `?N` up front lets each expression be compiled on its own.
 */
import { RangeError as SqlRangeError } from '../../errors.js';
import type { Value } from '../value.js';
import { fromPublic } from '../value.js';
import type { ParamValues } from '../expr-contract.js';

export interface ParameterInfo {
  /** Highest parameter number used. */
  readonly count: number;
  /** Named parameters (with their sigil) → number. */
  readonly named: ReadonlyMap<string, number>;
}

const MAX_PARAMETER = 32766;

/** Returns a copy of `node` with every bare `?` numbered, and what parameters it uses. */
export function numberParameters<T>(node: T): { node: T; info: ParameterInfo } {
  let next = 0;
  const named = new Map<string, number>();
  const walk = (n: unknown): unknown => {
    if (Array.isArray(n)) return n.map(walk);
    if (n === null || typeof n !== 'object' || n instanceof Uint8Array) return n;
    const obj = n as Record<string, unknown>;
    if (obj.kind === 'parameter' && typeof obj.name === 'string') {
      const name = obj.name;
      if (name === '?') return { kind: 'parameter', name: `?${++next}` };
      if (/^\?\d+$/.test(name)) {
        const k = Number(name.slice(1));
        if (k < 1 || k > MAX_PARAMETER) throw new SqlRangeError(`variable number must be between ?1 and ?${MAX_PARAMETER}`);
        next = Math.max(next, k);
        return n;
      }
      if (!named.has(name)) named.set(name, ++next);
      return n;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) out[k] = walk(v);
    return out;
  };
  const copy = walk(node) as T;
  return { node: copy, info: { count: next, named } };
}

/**
 * What callers may bind: an array (by position) or an object (by name, with or without sigil,
 * and `?N` by the key N).
 */
export type BindParams = readonly unknown[] | Readonly<Record<string, unknown>>;

/** Binds user values to the statement's parameters. */
export function bindParameters(info: ParameterInfo, params: BindParams | undefined): ParamValues {
  // positional[n - 1] holds parameter ?n (the expression compiler's convention).
  const positional: Value[] = new Array<Value>(info.count).fill(null);
  const namedValues = new Map<string, Value>();
  if (params === undefined) return { positional, named: namedValues };
  if (Array.isArray(params)) {
    if (params.length > info.count) {
      throw new SqlRangeError(`${params.length} values given for ${info.count} parameter${info.count === 1 ? '' : 's'}`);
    }
    params.forEach((v, i) => (positional[i] = fromPublic(v)));
    for (const [name, k] of info.named) namedValues.set(name, positional[k - 1] ?? null);
  } else {
    bindObject(params as Readonly<Record<string, unknown>>, info.named, info.count, positional, namedValues);
  }
  return { positional, named: namedValues };
}

/**
 * Binds an object of values, for queries and writes alike: each named parameter (`:x`, `@x`, `$x`)
 * by its name with the sigil, else without it (own keys only); `{ N: v }` binds ?N.
 */
export function bindObject(
  obj: Readonly<Record<string, unknown>>,
  names: ReadonlyMap<string, number>,
  count: number,
  positional: Value[],
  namedValues: Map<string, Value>,
): void {
  for (const [name, k] of names) {
    const bare = name.slice(1);
    const raw = Object.hasOwn(obj, name) ? obj[name] : Object.hasOwn(obj, bare) ? obj[bare] : undefined;
    const v = fromPublic(raw);
    namedValues.set(name, v);
    positional[k - 1] = v;
  }
  for (const [key, raw] of Object.entries(obj)) {
    if (!/^[1-9][0-9]*$/.test(key)) continue;
    const n = Number(key);
    if (n <= count) positional[n - 1] = fromPublic(raw);
  }
}
