/**
 * Expressions (https://www.sqlite.org/lang_expr.html), by precedence climbing. The precedence
 * is lang_expr.html's table, tightest first:
 *     unary ~ + -  │ COLLATE │ || -> ->> │ * / % │ + - │ & | << >> │ (ESCAPE) │ < <= > >=
 *     │ = == != <> IS [NOT] [DISTINCT FROM] BETWEEN IN MATCH LIKE REGEXP GLOB ISNULL NOTNULL
 *       NOT NULL │ NOT │ AND │ OR
 * All binary operators are left-associative; NOT is a right-associative prefix. The JSON
 * operators `->` and `->>` share `||`'s level. Also here: the expression lists other layers
 * share (ORDER BY terms, indexed columns).
 */
import { SqlSyntaxError } from '../../errors.js';
import type { BinaryOp, Expr, IndexedColumn, LiteralExpr, OrderingTerm, SelectStatement, WindowDefinition } from '../ast.js';
import type { Token } from '../tokenizer.js';
import { ParserBase } from './parser-base.js';

// Binding powers, loosest first.
const P_OR = 1;
const P_AND = 2;
const P_NOT = 3;
const P_EQ = 4;
const P_REL = 5;
const P_BIT = 7;
const P_ADD = 8;
const P_MUL = 9;
const P_CONCAT = 10;
const P_COLLATE = 11;
const P_UNARY = 12;

/** Integer literal: decimal or hex; decimal beyond int64 becomes a real, as in SQLite. */
function integerLiteral(tok: Token): LiteralExpr {
  const text = tok.value;
  if (/^0[xX]/.test(text)) {
    const digits = text.slice(2).replace(/^0+/, '');
    if (digits.length > 16) throw new SqlSyntaxError(`hex literal too big: ${tok.text}`, tok.line, tok.col);
    let v = BigInt('0x' + (digits === '' ? '0' : digits));
    if (v >= 1n << 63n) v -= 1n << 64n;
    return { kind: 'literal', type: 'integer', value: normaliseInt(v), text: tok.text };
  }
  const v = BigInt(text);
  if (v >= 1n << 63n) return { kind: 'literal', type: 'real', value: Number(text), text: tok.text };
  return { kind: 'literal', type: 'integer', value: normaliseInt(v), text: tok.text };
}

function normaliseInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

export abstract class ExprParser extends ParserBase {
  /** A full SELECT (parenthesized subqueries, IN (SELECT …), EXISTS): the SELECT layer's. */
  abstract select(): SelectStatement;
  /** `OVER ( … )` after a function call: the window layer's. */
  protected abstract windowDefinition(): WindowDefinition;

  // ── Expressions ─────────────────────────────────────────────────────────────────────────

  /**
   * `stopAtAnd` is for BETWEEN's lower bound: there SQLite's LALR parser shifts every operator
   * (even OR) except the AND that belongs to BETWEEN, which only nested operands may take.
   */
  expr(minPrec = P_OR, stopAtAnd = false): Expr {
    this.enter();
    let left = this.prefix();
    for (;;) {
      if (stopAtAnd && this.atKw('AND')) break;
      const next = this.infix(left, minPrec);
      if (next === undefined) break;
      left = next;
    }
    this.leave();
    return left;
  }

  protected prefix(): Expr {
    const tok = this.peek();
    if (this.isKw(tok, 'NOT')) {
      this.next();
      return { kind: 'unary', op: 'NOT', operand: this.expr(P_NOT) };
    }
    if (this.isOp(tok, '-', '+', '~')) {
      this.next();
      return { kind: 'unary', op: tok.value as '-' | '+' | '~', operand: this.expr(P_UNARY) };
    }
    return this.primary();
  }

  /** Applies one infix/postfix operator of binding power >= minPrec, or returns undefined. */
  protected infix(left: Expr, minPrec: number): Expr | undefined {
    const tok = this.peek();
    const binary = (op: BinaryOp, prec: number): Expr => {
      this.next();
      return { kind: 'binary', op, left, right: this.expr(prec + 1) };
    };
    if (tok.kind === 'operator') {
      switch (tok.value) {
        case '||': case '->': case '->>':
          return minPrec <= P_CONCAT ? binary(tok.value, P_CONCAT) : undefined;
        case '*': case '/': case '%':
          return minPrec <= P_MUL ? binary(tok.value, P_MUL) : undefined;
        case '+': case '-':
          return minPrec <= P_ADD ? binary(tok.value, P_ADD) : undefined;
        case '&': case '|': case '<<': case '>>':
          return minPrec <= P_BIT ? binary(tok.value, P_BIT) : undefined;
        case '<': case '<=': case '>': case '>=':
          return minPrec <= P_REL ? binary(tok.value, P_REL) : undefined;
        case '=': case '==':
          return minPrec <= P_EQ ? binary('=', P_EQ) : undefined;
        case '!=': case '<>':
          return minPrec <= P_EQ ? binary('!=', P_EQ) : undefined;
        default:
          return undefined;
      }
    }
    if (tok.kind !== 'keyword') return undefined;
    switch (tok.value) {
      case 'OR':
        return minPrec <= P_OR ? binary('OR', P_OR) : undefined;
      case 'AND':
        return minPrec <= P_AND ? binary('AND', P_AND) : undefined;
      case 'COLLATE': {
        if (minPrec > P_COLLATE) return undefined;
        this.next();
        return { kind: 'collate', expr: left, collation: this.collationName() };
      }
      case 'IS': {
        if (minPrec > P_EQ) return undefined;
        this.next();
        let not = this.acceptKw('NOT');
        if (this.acceptKw('DISTINCT')) {
          this.expectKw('FROM');
          not = !not;
        }
        return { kind: 'binary', op: not ? 'IS NOT' : 'IS', left, right: this.expr(P_EQ + 1) };
      }
      case 'ISNULL': case 'NOTNULL':
        if (minPrec > P_EQ) return undefined;
        this.next();
        return { kind: 'null-test', not: tok.value === 'NOTNULL', expr: left };
      case 'NOT': {
        if (minPrec > P_EQ) return undefined;
        const after = this.peek(1);
        if (this.isKw(after, 'NULL')) {
          this.next();
          this.next();
          return { kind: 'null-test', not: true, expr: left };
        }
        if (!this.isKw(after, 'BETWEEN', 'IN', 'LIKE', 'GLOB', 'REGEXP', 'MATCH')) return undefined;
        this.next();
        return this.comparison(left, true);
      }
      case 'BETWEEN': case 'IN': case 'LIKE': case 'GLOB': case 'REGEXP': case 'MATCH':
        if (minPrec > P_EQ) return undefined;
        return this.comparison(left, false);
      default:
        return undefined;
    }
  }

  /** BETWEEN / IN / LIKE-family after the optional NOT. */
  protected comparison(left: Expr, not: boolean): Expr {
    const tok = this.next();
    switch (tok.value) {
      case 'BETWEEN': {
        const low = this.expr(P_OR, true);
        this.expectKw('AND');
        const high = this.expr(P_REL);
        return { kind: 'between', expr: left, not, low, high };
      }
      case 'IN': {
        if (this.acceptOp('(')) {
          if (this.atSelectStart()) {
            const select = this.select();
            this.expectOp(')');
            return { kind: 'in', expr: left, not, target: { kind: 'select', select } };
          }
          const items: Expr[] = [];
          if (!this.atOp(')')) {
            items.push(this.expr());
            while (this.acceptOp(',')) items.push(this.expr());
          }
          this.expectOp(')');
          return { kind: 'in', expr: left, not, target: { kind: 'list', items } };
        }
        const name = this.qualifiedName();
        let args: Expr[] | undefined;
        if (this.acceptOp('(')) {
          args = [];
          if (!this.atOp(')')) {
            args.push(this.expr());
            while (this.acceptOp(',')) args.push(this.expr());
          }
          this.expectOp(')');
        }
        // `x IN t` / `x IN f(args)` means `x IN (SELECT * FROM t)`, as SQLite's grammar rewrites it.
        const select: SelectStatement = {
          kind: 'select',
          first: {
            kind: 'select-core',
            distinct: false,
            columns: [{ kind: 'star' }],
            from: { kind: 'table', ...name, ...(args === undefined ? {} : { args }), notIndexed: false },
            implicit: true,
          },
          compounds: [],
        };
        return { kind: 'in', expr: left, not, target: { kind: 'select', select } };
      }
      default: {
        const op = tok.value as 'LIKE' | 'GLOB' | 'REGEXP' | 'MATCH';
        const pattern = this.expr(P_REL);
        if (this.acceptKw('ESCAPE')) {
          // The LIKE rule has LIKE's precedence, so the escape operand takes tighter operators.
          const escape = this.expr(P_REL);
          return { kind: 'like', op, not, expr: left, pattern, escape };
        }
        return { kind: 'like', op, not, expr: left, pattern };
      }
    }
  }

  protected collationName(): string {
    // `COLLATE ids`: ID or STRING (fallback keywords included).
    const tok = this.peek();
    if (!this.isName(tok, { string: true, joinKw: false })) this.error();
    this.next();
    return tok.kind === 'keyword' ? tok.text : tok.value;
  }

  protected atSelectStart(): boolean {
    return this.atKw('SELECT', 'VALUES', 'WITH');
  }

  protected literal(tok: Token): LiteralExpr {
    switch (tok.kind) {
      case 'string':
        return { kind: 'literal', type: 'text', value: tok.value, text: tok.text };
      case 'blob': {
        const hex = tok.value;
        const bytes = new Uint8Array(hex.length / 2);
        for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
        return { kind: 'literal', type: 'blob', value: bytes, text: tok.text };
      }
      case 'float':
        return { kind: 'literal', type: 'real', value: Number(tok.value), text: tok.text };
      case 'integer':
        return integerLiteral(tok);
      default:
        return { kind: 'literal', type: 'null', value: null, text: tok.text };
    }
  }

  protected primary(): Expr {
    const tok = this.peek();
    switch (tok.kind) {
      case 'integer':
      case 'float':
      case 'blob':
        this.next();
        return this.literal(tok);
      case 'string':
        if (this.isOp(this.peek(1), '.')) return this.columnRef();
        this.next();
        return this.literal(tok);
      case 'parameter':
        if (/^#[0-9]/.test(tok.text)) this.error(tok);
        this.next();
        return { kind: 'parameter', name: tok.text };
      case 'operator':
        if (tok.value === '(') return this.parenthesized();
        return this.error(tok);
      case 'identifier':
      case 'identifier-quoted':
        return this.nameExpr();
      case 'keyword':
        break;
      default:
        return this.error(tok);
    }
    const after = this.peek(1);
    switch (tok.value) {
      case 'NULL':
        this.next();
        return this.literal(tok);
      case 'CURRENT_TIME':
      case 'CURRENT_DATE':
      case 'CURRENT_TIMESTAMP':
        this.next();
        return { kind: 'current-time', which: tok.value };
      case 'CASE':
        return this.caseExpr();
      case 'EXISTS': {
        this.next();
        this.expectOp('(');
        const select = this.select();
        this.expectOp(')');
        return { kind: 'exists', select };
      }
      case 'CAST':
        if (this.isOp(after, '(')) {
          this.next();
          this.next();
          const expr = this.expr();
          this.expectKw('AS');
          const type = this.typeToken();
          this.expectOp(')');
          return { kind: 'cast', expr, type };
        }
        break;
      case 'RAISE':
        if (this.isOp(after, '(')) {
          this.next();
          this.next();
          const action = this.next();
          if (this.isKw(action, 'IGNORE')) {
            this.expectOp(')');
            return { kind: 'raise', action: 'IGNORE' };
          }
          if (!this.isKw(action, 'ROLLBACK', 'ABORT', 'FAIL')) this.error(action);
          this.expectOp(',');
          const message = this.expr();
          this.expectOp(')');
          return { kind: 'raise', action: action.value as 'ROLLBACK' | 'ABORT' | 'FAIL', message };
        }
        break;
      default:
        break;
    }
    // CAST and RAISE start expressions, so SQLite never falls back to reading them as names here.
    if (this.isKw(tok, 'CAST', 'RAISE')) return this.error(after);
    if (this.isName(tok, { string: false, joinKw: true })) {
      return this.nameExpr();
    }
    return this.error(tok);
  }

  /** A column reference or a function call starting with a name. */
  protected nameExpr(): Expr {
    const tok = this.peek();
    const after = this.peek(1);
    if (this.isOp(after, '(')) return this.functionCall();
    if (this.isOp(after, '.')) return this.columnRef();
    this.next();
    const column = tok.kind === 'keyword' ? tok.text : tok.value;
    return { kind: 'column', column, doubleQuoted: tok.kind === 'identifier-quoted' };
  }

  protected columnRef(): Expr {
    const a = this.nm();
    this.expectOp('.');
    const b = this.nm();
    if (this.acceptOp('.')) {
      const c = this.nm();
      return { kind: 'column', schema: a, table: b, column: c, doubleQuoted: false };
    }
    return { kind: 'column', table: a, column: b, doubleQuoted: false };
  }

  protected functionCall(): Expr {
    const nameTok = this.next();
    const name = nameTok.kind === 'keyword' ? nameTok.text : nameTok.value;
    this.expectOp('(');
    let distinct = false;
    let star = false;
    const args: Expr[] = [];
    let orderBy: OrderingTerm[] | undefined;
    if (this.atOp('*')) {
      this.next();
      star = true;
    } else if (!this.atOp(')')) {
      if (this.acceptKw('DISTINCT')) distinct = true;
      else this.acceptKw('ALL');
      args.push(this.expr());
      while (this.acceptOp(',')) args.push(this.expr());
      if (this.atKw('ORDER')) {
        this.next();
        this.expectKw('BY');
        orderBy = this.orderingTerms();
      }
    }
    this.expectOp(')');
    let filter: Expr | undefined;
    if (this.atKw('FILTER')) {
      this.next();
      this.next();
      this.expectKw('WHERE');
      filter = this.expr();
      this.expectOp(')');
    }
    let over: string | WindowDefinition | undefined;
    if (this.atKw('OVER')) {
      this.next();
      if (this.atOp('(')) over = this.windowDefinition();
      else over = this.nm();
    }
    return {
      kind: 'function',
      name,
      args,
      distinct,
      star,
      ...(orderBy === undefined ? {} : { orderBy }),
      ...(filter === undefined ? {} : { filter }),
      ...(over === undefined ? {} : { over }),
    };
  }

  protected parenthesized(): Expr {
    this.expectOp('(');
    if (this.atSelectStart()) {
      const select = this.select();
      this.expectOp(')');
      return { kind: 'subquery', select };
    }
    const first = this.expr();
    if (this.acceptOp(')')) return first;
    const items = [first];
    while (this.acceptOp(',')) items.push(this.expr());
    this.expectOp(')');
    return { kind: 'vector', items };
  }

  protected caseExpr(): Expr {
    this.expectKw('CASE');
    const operand = this.atKw('WHEN') ? undefined : this.expr();
    const whens: { when: Expr; then: Expr }[] = [];
    while (this.acceptKw('WHEN')) {
      const when = this.expr();
      this.expectKw('THEN');
      whens.push({ when, then: this.expr() });
    }
    if (whens.length === 0) this.error();
    const elseExpr = this.acceptKw('ELSE') ? this.expr() : undefined;
    this.expectKw('END');
    return {
      kind: 'case',
      ...(operand === undefined ? {} : { operand }),
      whens,
      ...(elseExpr === undefined ? {} : { else: elseExpr }),
    };
  }

  protected orderingTerms(): OrderingTerm[] {
    const terms: OrderingTerm[] = [];
    do {
      const expr = this.expr();
      let desc = false;
      if (this.acceptKw('DESC')) desc = true;
      else this.acceptKw('ASC');
      let nulls: 'FIRST' | 'LAST' | undefined;
      if (this.atKw('NULLS') && this.isKw(this.peek(1), 'FIRST', 'LAST')) {
        this.next();
        nulls = this.next().value as 'FIRST' | 'LAST';
      }
      terms.push({ expr, desc, ...(nulls === undefined ? {} : { nulls }) });
    } while (this.acceptOp(','));
    return terms;
  }

  /** sortlist terms of PRIMARY KEY(…), UNIQUE(…) and CREATE INDEX. */
  protected indexedColumns(): IndexedColumn[] {
    this.expectOp('(');
    const cols: IndexedColumn[] = [];
    do {
      let expr = this.expr();
      let collation: string | undefined;
      if (expr.kind === 'collate') {
        collation = expr.collation;
        expr = expr.expr;
      }
      let desc = false;
      if (this.acceptKw('DESC')) desc = true;
      else this.acceptKw('ASC');
      if (this.atKw('NULLS')) {
        // SQLite rejects NULLS FIRST/LAST here: "unsupported use of NULLS FIRST/LAST"
        const t = this.peek();
        throw new SqlSyntaxError(`unsupported use of NULLS ${this.peek(1).text.toUpperCase()}`, t.line, t.col);
      }
      // sqlite3StringToId: a lone string or identifier names a column.
      let column: string | undefined;
      if (expr.kind === 'column' && expr.table === undefined) column = expr.column;
      else if (expr.kind === 'literal' && expr.type === 'text') column = expr.value;
      cols.push({
        ...(column === undefined ? {} : { column }),
        expr,
        ...(collation === undefined ? {} : { collation }),
        desc,
      });
    } while (this.acceptOp(','));
    return cols;
  }
}
