/**
 * Folds a DEFAULT expression to a value when it is a constant: a literal, NULL, or a signed
 * numeric literal (what `DEFAULT -5` and `DEFAULT (1.5)` produce). Anything else —
 * CURRENT_TIME, `(1 + 2)`, `-'x'` — is left for the expression evaluator.
 *
 * The storage class travels with the value because a number alone cannot tell the integer 1
 * from the real 1.0 (`DEFAULT 1.0` fills a missing field with a REAL).
 */
import type { Expr } from '../sql/ast.js';
import type { SqlValue, ValueClass } from './schema-types.js';

const INT64_MIN = -(1n << 63n);

export interface ConstantValue {
  readonly value: SqlValue;
  readonly valueClass: ValueClass;
}

function safe(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** The constant `expr` stands for, or undefined when it is not a simple constant. */
export function constantOf(expr: Expr): ConstantValue | undefined {
  if (expr.kind === 'literal') return { value: expr.value, valueClass: expr.type };
  if (expr.kind !== 'unary' || (expr.op !== '-' && expr.op !== '+')) return undefined;
  const operand = expr.operand;
  if (operand.kind !== 'literal' || (operand.type !== 'integer' && operand.type !== 'real')) return undefined;
  if (expr.op === '+') return { value: operand.value, valueClass: operand.type };
  if (operand.type === 'real') {
    // -9223372036854775808: the digits are too large for an integer (so the token is a real),
    // but SQLite turns exactly that negated text into the smallest 64-bit integer.
    const digits = operand.text.replaceAll('_', '');
    if (/^[0-9]+$/.test(digits) && BigInt(digits) === -INT64_MIN) return { value: INT64_MIN, valueClass: 'integer' };
    return { value: -operand.value, valueClass: 'real' };
  }
  const v = operand.value;
  if (typeof v === 'bigint') {
    // Negating the smallest integer overflows to a real, as in SQLite.
    if (v === INT64_MIN) return { value: 9223372036854775808, valueClass: 'real' };
    return { value: safe(-v), valueClass: 'integer' };
  }
  return { value: v === 0 ? 0 : -v, valueClass: 'integer' };
}

/** Just the value of constantOf(). */
export function constantValue(expr: Expr): SqlValue | undefined {
  return constantOf(expr)?.value;
}
