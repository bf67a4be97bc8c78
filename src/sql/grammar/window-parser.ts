/**
 * Window definitions (https://www.sqlite.org/windowfunctions.html): the `OVER ( … )` of a
 * function call and the definitions of a SELECT's `WINDOW name AS ( … )` clause.
 */
import { SqliteError } from '../../errors.js';
import type { Expr, OrderingTerm, WindowBoundType, WindowDefinition, WindowFrame } from '../ast.js';
import type { Token } from '../tokenizer.js';
import { ExprParser } from './expr-parser.js';

const NULL_OFFSET: Expr = { kind: 'literal', type: 'null', value: null, text: 'NULL' };

export abstract class WindowParser extends ExprParser {
  /** `( [base] [PARTITION BY …] [ORDER BY …] [frame] )`, checked against SQLite's grammar. */
  protected windowDefinition(): WindowDefinition {
    this.expectOp('(');
    const tok = this.peek();
    const framing = (t: Token): boolean => this.isKw(t, 'RANGE', 'ROWS', 'GROUPS');
    let base: string | undefined;
    // A base window name, unless the token starts a clause (LALR shifts those keywords).
    if (this.isName(tok, { string: true, joinKw: true }) && !this.isKw(tok, 'PARTITION') && !framing(tok)) {
      base = this.nm();
    }
    let partitionBy: Expr[] | undefined;
    if (this.atKw('PARTITION')) {
      this.next();
      this.expectKw('BY');
      partitionBy = [];
      do partitionBy.push(this.expr());
      while (this.acceptOp(','));
    }
    let orderBy: OrderingTerm[] | undefined;
    if (this.acceptKw('ORDER')) {
      this.expectKw('BY');
      orderBy = [...this.orderingTerms()];
    }
    let frame: WindowFrame | undefined;
    if (framing(this.peek())) frame = this.frame();
    this.expectOp(')');
    return {
      ...(base === undefined ? {} : { base }),
      ...(partitionBy === undefined ? {} : { partitionBy }),
      ...(orderBy === undefined ? {} : { orderBy }),
      ...(frame === undefined ? {} : { frame }),
    };
  }

  /** `ROWS|RANGE|GROUPS bound | BETWEEN bound AND bound [EXCLUDE …]` (one bound ends at CURRENT ROW). */
  private frame(): WindowFrame {
    const units = this.next().value.toUpperCase() as WindowFrame['units'];
    const bound = (start: boolean): { type: WindowBoundType; offset?: Expr } => {
      if (this.atKw('UNBOUNDED')) {
        this.next();
        this.expectKw(start ? 'PRECEDING' : 'FOLLOWING');
        return { type: start ? 'UNBOUNDED PRECEDING' : 'UNBOUNDED FOLLOWING' };
      }
      if (this.atKw('CURRENT') && this.isKw(this.peek(1), 'ROW')) {
        this.next();
        this.next();
        return { type: 'CURRENT ROW' };
      }
      const e = this.expr();
      const t = this.next();
      if (!this.isKw(t, 'PRECEDING', 'FOLLOWING')) this.error(t);
      return { type: this.isKw(t, 'PRECEDING') ? 'PRECEDING' : 'FOLLOWING', offset: constantOffset(e) ? e : NULL_OFFSET };
    };
    let start: { type: WindowBoundType; offset?: Expr };
    let end: { type: WindowBoundType; offset?: Expr };
    if (this.acceptKw('BETWEEN')) {
      start = bound(true);
      this.expectKw('AND');
      end = bound(false);
    } else {
      start = bound(true);
      end = { type: 'CURRENT ROW' };
    }
    let exclude: WindowFrame['exclude'] = 'NONE';
    if (this.acceptKw('EXCLUDE')) {
      if (this.acceptKw('NO')) {
        this.expectKw('OTHERS');
        exclude = 'NO OTHERS';
      }
      else if (this.acceptKw('CURRENT')) {
        this.expectKw('ROW');
        exclude = 'CURRENT ROW';
      } else if (this.acceptKw('GROUP')) exclude = 'GROUP';
      else if (this.acceptKw('TIES')) exclude = 'TIES';
      else this.error();
    }
    // sqlite3WindowAlloc: the start may not come after the end in the bound order.
    if ((start.type === 'CURRENT ROW' && end.type === 'PRECEDING') || (start.type === 'FOLLOWING' && (end.type === 'PRECEDING' || end.type === 'CURRENT ROW'))) {
      throw new SqliteError('SQLITE_ERROR', 'unsupported frame specification');
    }
    return { units, start, end, exclude };
  }
}

/**
 * sqlite3ExprIsConstant as the parser applies it to a frame offset: literals, parameters and
 * operators over them; a column, function call or subquery makes it NULL.
 */
function constantOffset(e: Expr): boolean {
  switch (e.kind) {
    case 'literal':
    case 'parameter':
      return true;
    case 'unary':
      return constantOffset(e.operand);
    case 'binary':
      return constantOffset(e.left) && constantOffset(e.right);
    case 'collate':
    case 'cast':
      return constantOffset(e.expr);
    case 'between':
      return constantOffset(e.expr) && constantOffset(e.low) && constantOffset(e.high);
    case 'null-test':
      return constantOffset(e.expr);
    case 'case':
      return (
        (e.operand === undefined || constantOffset(e.operand)) &&
        e.whens.every((w) => constantOffset(w.when) && constantOffset(w.then)) &&
        (e.else === undefined || constantOffset(e.else))
      );
    default:
      return false;
  }
}
