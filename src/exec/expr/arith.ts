/**
 * Arithmetic and bit operators as SQLite's VDBE performs them (OP_Add … OP_ShiftRight):
 * INTEGER op INTEGER stays INTEGER unless the 64-bit result overflows, then it is redone in
 * REAL; TEXT/BLOB operands are read by their numeric prefix; NULL in → NULL out; a REAL
 * result that is NaN (∞ − ∞) is NULL; division and remainder by zero are NULL.
 */
import type { Value } from '../value.js';
import { INT64_MIN, inInt64, toInt, toNumeric, wrapInt64 } from './value-ops.js';

export type ArithOp = '+' | '-' | '*' | '/' | '%';

function real(r: number): Value {
  return Number.isNaN(r) ? null : r;
}

export function arith(op: ArithOp, left: Value, right: Value): Value {
  if (left === null || right === null) return null;
  const a = toNumeric(left);
  const b = toNumeric(right);
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    switch (op) {
      case '+': {
        const r = a + b;
        return inInt64(r) ? r : real(Number(a) + Number(b));
      }
      case '-': {
        const r = a - b;
        return inInt64(r) ? r : real(Number(a) - Number(b));
      }
      case '*': {
        const r = a * b;
        return inInt64(r) ? r : real(Number(a) * Number(b));
      }
      case '/':
        if (b === 0n) return null;
        if (a === INT64_MIN && b === -1n) return Number(a) / -1;
        return a / b;
      case '%':
        if (b === 0n) return null;
        return b === -1n ? 0n : a % b;
    }
  }
  const x = Number(a);
  const y = Number(b);
  switch (op) {
    case '+':
      return real(x + y);
    case '-':
      return real(x - y);
    case '*':
      return real(x * y);
    case '/':
      return y === 0 ? null : real(x / y);
    case '%': {
      // SQLite takes the remainder of the integer parts and returns it as REAL.
      const ia = toInt(typeof left === 'string' || left instanceof Uint8Array ? left : a);
      let ib = toInt(typeof right === 'string' || right instanceof Uint8Array ? right : b);
      if (ib === 0n) return null;
      if (ib === -1n) ib = 1n;
      return Number(ia % ib);
    }
  }
}

export type BitOp = '&' | '|' | '<<' | '>>';

export function bitop(op: BitOp, left: Value, right: Value): Value {
  if (left === null || right === null) return null;
  const a = toInt(left);
  let b = toInt(right);
  switch (op) {
    case '&':
      return a & b;
    case '|':
      return a | b;
    default: {
      let shiftLeft = op === '<<';
      if (b < 0n) {
        shiftLeft = !shiftLeft;
        b = b > -64n ? -b : 64n;
      }
      if (b >= 64n) return shiftLeft || a >= 0n ? 0n : -1n;
      return shiftLeft ? wrapInt64(a << b) : a >> b;
    }
  }
}

/** Unary minus: -INT64_MIN overflows to REAL; text reads as a number. */
export function negate(v: Value): Value {
  if (v === null) return null;
  const n = toNumeric(v);
  if (typeof n === 'bigint') return n === INT64_MIN ? -Number(n) : -n;
  return -n;
}

export function bitNot(v: Value): Value {
  return v === null ? null : ~toInt(v);
}
