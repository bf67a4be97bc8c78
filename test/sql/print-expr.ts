/**
 * Test helper: prints an expression AST back to SQL with every operator parenthesised, so that
 * SQLite can confirm our parse tree (`SELECT (original) IS (printed)`).
 */
import type { Expr } from '../../src/sql/ast.js';

function quoteIdent(s: string): string {
  return '"' + s.replaceAll('"', '""') + '"';
}

export function printExpr(e: Expr): string {
  switch (e.kind) {
    case 'literal':
      return e.text;
    case 'current-time':
      return e.which;
    case 'column':
      return [e.schema, e.table, e.column].filter((p) => p !== undefined).map((p) => quoteIdent(p as string)).join('.');
    case 'parameter':
      return e.name;
    case 'unary':
      return `(${e.op} ${printExpr(e.operand)})`;
    case 'binary':
      return `(${printExpr(e.left)} ${e.op} ${printExpr(e.right)})`;
    case 'collate':
      return `(${printExpr(e.expr)} COLLATE ${quoteIdent(e.collation)})`;
    case 'cast':
      return `CAST(${printExpr(e.expr)} AS ${e.type})`;
    case 'case':
      return `(CASE${e.operand === undefined ? '' : ' ' + printExpr(e.operand)}${e.whens
        .map((w) => ` WHEN ${printExpr(w.when)} THEN ${printExpr(w.then)}`)
        .join('')}${e.else === undefined ? '' : ' ELSE ' + printExpr(e.else)} END)`;
    case 'function':
      return `${e.name}(${e.star ? '*' : (e.distinct ? 'DISTINCT ' : '') + e.args.map(printExpr).join(', ')})`;
    case 'in': {
      const t = e.target;
      const target = t.kind === 'list' ? `(${t.items.map(printExpr).join(', ')})` : '(SELECT 1)';
      return `(${printExpr(e.expr)}${e.not ? ' NOT' : ''} IN ${target})`;
    }
    case 'between':
      return `(${printExpr(e.expr)}${e.not ? ' NOT' : ''} BETWEEN ${printExpr(e.low)} AND ${printExpr(e.high)})`;
    case 'like':
      return `(${printExpr(e.expr)}${e.not ? ' NOT' : ''} ${e.op} ${printExpr(e.pattern)}${
        e.escape === undefined ? '' : ' ESCAPE ' + printExpr(e.escape)
      })`;
    case 'null-test':
      return `(${printExpr(e.expr)} ${e.not ? 'NOTNULL' : 'ISNULL'})`;
    case 'vector':
      return `(${e.items.map(printExpr).join(', ')})`;
    case 'exists':
    case 'subquery':
    case 'raise':
      throw new Error(`printExpr: ${e.kind} not supported in tests`);
  }
}
