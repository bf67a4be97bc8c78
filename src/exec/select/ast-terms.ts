/** Small AST helpers of the SELECT compiler: WHERE terms, column references, column numbers. */
import type { Expr } from '../../sql/ast.js';

/** A term that is an integer literal fitting in 32 bits (optionally signed) is a column number (sqlite3ExprIsInteger). */
export function columnNumber(e: Expr): number | undefined {
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

export function splitAnd(e: Expr | undefined, out: Expr[] = []): Expr[] {
  if (e === undefined) return out;
  if (e.kind === 'binary' && e.op === 'AND') {
    splitAnd(e.left, out);
    splitAnd(e.right, out);
  } else out.push(e);
  return out;
}

export function colRef(table: string, column: string): Expr {
  return { kind: 'column', table, column, doubleQuoted: false };
}
