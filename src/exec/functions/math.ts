/**
 * The built-in math functions (https://www.sqlite.org/lang_mathfunc.html), as SQLite's func.c
 * implements them: an argument counts only when it is a number or numeric text
 * (sqlite3_value_numeric_type), otherwise the result is NULL; results are REAL except
 * ceil/floor/trunc of an INTEGER, which return it unchanged; NaN results are NULL.
 */
import type { Value } from '../value.js';
import { numericAffinityText } from '../expr/value-ops.js';

/** sqlite3_value_numeric_type: the number a value is, or undefined for NULL, BLOB and other text. */
function numeric(v: Value | undefined): bigint | number | undefined {
  if (v === null || v === undefined || v instanceof Uint8Array) return undefined;
  if (typeof v === 'string') {
    const n = numericAffinityText(v, false);
    return typeof n === 'string' ? undefined : (n as bigint | number);
  }
  return v;
}

function real(r: number): Value {
  return Number.isNaN(r) ? null : r;
}

function rounding(f: (x: number) => number) {
  return ([x]: readonly Value[]): Value => {
    const n = numeric(x);
    if (n === undefined) return null;
    return typeof n === 'bigint' ? n : real(f(n));
  };
}

function math1(f: (x: number) => number) {
  return ([x]: readonly Value[]): Value => {
    const n = numeric(x);
    return n === undefined ? null : real(f(Number(n)));
  };
}

function math2(f: (x: number, y: number) => number) {
  return ([x, y]: readonly Value[]): Value => {
    const a = numeric(x);
    const b = numeric(y);
    return a === undefined || b === undefined ? null : real(f(Number(a), Number(b)));
  };
}

function logarithm(f: (x: number) => number) {
  return (args: readonly Value[]): Value => {
    const first = numeric(args[0]);
    if (first === undefined) return null;
    if (args.length === 1) {
      const x = Number(first);
      return x <= 0 ? null : real(f(x));
    }
    // log(B, X): logarithm of X in base B
    if (Number(first) <= 0) return null;
    const base = Math.log(Number(first));
    if (!(base > 0)) return null; // a base ≤ 1 is refused
    const xv = numeric(args[1]);
    if (xv === undefined || Number(xv) <= 0) return null;
    return real(Math.log(Number(xv)) / base);
  };
}

/** name → [min args, max args, implementation] */
export const MATH_FUNCTIONS: Record<string, readonly [number, number, (args: readonly Value[]) => Value]> = {
  ceil: [1, 1, rounding(Math.ceil)],
  ceiling: [1, 1, rounding(Math.ceil)],
  floor: [1, 1, rounding(Math.floor)],
  trunc: [1, 1, rounding(Math.trunc)],
  ln: [1, 1, logarithm(Math.log)],
  log: [1, 2, logarithm(Math.log10)],
  log10: [1, 1, logarithm(Math.log10)],
  log2: [1, 1, logarithm(Math.log2)],
  exp: [1, 1, math1(Math.exp)],
  pow: [2, 2, math2(Math.pow)],
  power: [2, 2, math2(Math.pow)],
  mod: [2, 2, math2((a, b) => a % b)],
  acos: [1, 1, math1(Math.acos)],
  asin: [1, 1, math1(Math.asin)],
  atan: [1, 1, math1(Math.atan)],
  atan2: [2, 2, math2(Math.atan2)],
  cos: [1, 1, math1(Math.cos)],
  sin: [1, 1, math1(Math.sin)],
  tan: [1, 1, math1(Math.tan)],
  cosh: [1, 1, math1(Math.cosh)],
  sinh: [1, 1, math1(Math.sinh)],
  tanh: [1, 1, math1(Math.tanh)],
  acosh: [1, 1, math1(Math.acosh)],
  asinh: [1, 1, math1(Math.asinh)],
  atanh: [1, 1, math1(Math.atanh)],
  sqrt: [1, 1, math1(Math.sqrt)],
  degrees: [1, 1, math1((x) => (x * 180) / Math.PI)],
  radians: [1, 1, math1((x) => (x * Math.PI) / 180)],
  pi: [0, 0, () => Math.PI],
};
