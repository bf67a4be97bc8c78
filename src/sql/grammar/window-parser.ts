/**
 * Window definitions (https://www.sqlite.org/windowfunctions.html): the `OVER ( … )` of a
 * function call and the definitions of a SELECT's `WINDOW name AS ( … )` clause.
 */
import type { Token } from '../tokenizer.js';
import { ExprParser } from './expr-parser.js';

export abstract class WindowParser extends ExprParser {
  /**
   * `( [base] [PARTITION BY …] [ORDER BY …] [frame] )`, checked against SQLite's grammar and
   * returned as source text (window functions are not evaluated by this engine yet).
   */
  protected windowDefinition(): string {
    const open = this.expectOp('(');
    const tok = this.peek();
    const framing = (t: Token): boolean => this.isKw(t, 'RANGE', 'ROWS', 'GROUPS');
    // A base window name, unless the token starts a clause (LALR shifts those keywords).
    if (this.isName(tok, { string: true, joinKw: true }) && !this.isKw(tok, 'PARTITION') && !framing(tok)) {
      this.next();
    }
    if (this.atKw('PARTITION')) {
      this.next();
      this.expectKw('BY');
      do this.expr();
      while (this.acceptOp(','));
    }
    if (this.acceptKw('ORDER')) {
      this.expectKw('BY');
      this.orderingTerms();
    }
    if (framing(this.peek())) {
      this.next();
      const bound = (start: boolean): void => {
        if (this.atKw('UNBOUNDED')) {
          this.next();
          this.expectKw(start ? 'PRECEDING' : 'FOLLOWING');
        } else if (this.atKw('CURRENT') && this.isKw(this.peek(1), 'ROW')) {
          this.next();
          this.next();
        } else {
          this.expr();
          const t = this.next();
          if (!this.isKw(t, 'PRECEDING', 'FOLLOWING')) this.error(t);
        }
      };
      if (this.acceptKw('BETWEEN')) {
        bound(true);
        this.expectKw('AND');
        bound(false);
      } else {
        bound(true);
      }
      if (this.acceptKw('EXCLUDE')) {
        if (this.acceptKw('NO')) this.expectKw('OTHERS');
        else if (this.acceptKw('CURRENT')) this.expectKw('ROW');
        else if (!this.acceptKw('GROUP') && !this.acceptKw('TIES')) this.error();
      }
    }
    this.expectOp(')');
    return this.sql.slice(open.offset, this.lastEnd);
  }
}
