/**
 * Recursive-descent parser for SQLite's SQL (https://www.sqlite.org/lang.html), producing the
 * frozen AST of ast.ts.
 *
 * It follows SQLite's LALR grammar (parse.y) closely:
 * - Keywords in parse.y's `%fallback ID` list act as identifiers wherever a name may stand and
 *   the keyword has no meaning (see keywords.ts).
 * - Expression precedence is lang_expr.html's table, tightest first:
 *     unary ~ + -  │ COLLATE │ || -> ->> │ * / % │ + - │ & | << >> │ (ESCAPE) │ < <= > >=
 *     │ = == != <> IS [NOT] [DISTINCT FROM] BETWEEN IN MATCH LIKE REGEXP GLOB ISNULL NOTNULL
 *       NOT NULL │ NOT │ AND │ OR
 *   All binary operators are left-associative; NOT is a right-associative prefix.
 * - Errors name the offending token as SQLite does: `near "FROM": syntax error`, or
 *   `incomplete input` when the text ends too early; tokenizer errors are
 *   `unrecognized token: "…"`. All are SqlSyntaxError with the 1-based line/column.
 */
import { SqlSyntaxError } from '../errors.js';
import { isFallbackKeyword, JOIN_KEYWORDS } from './keywords.js';
import { Tokenizer, type Token } from './tokenizer.js';
import {
  deepFreeze,
  type BinaryOp,
  type ColumnConstraint,
  type ColumnDef,
  type CommonTableExpr,
  type CompoundOp,
  type ConflictClause,
  type CreateIndexStatement,
  type CreateTableStatement,
  type CreateTriggerStatement,
  type CreateViewStatement,
  type CreateVirtualTableStatement,
  type DeleteStatement,
  type Expr,
  type ForeignKeyClause,
  type FromItem,
  type IndexedColumn,
  type InsertStatement,
  type JoinOp,
  type LiteralExpr,
  type OrderingTerm,
  type QualifiedName,
  type ResultColumn,
  type SelectCore,
  type SelectStatement,
  type Statement,
  type TableConstraint,
  type UpdateStatement,
  type ValuesCore,
  type WithClause,
  type SetClause,
  type UpsertClause,
  type AlterTableStatement,
} from './ast.js';

/** Nesting limit for expressions and sub-selects (SQLite's SQLITE_MAX_EXPR_DEPTH is 1000). */
const MAX_DEPTH = 1000;

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

const CONFLICT_RESOLUTIONS: ReadonlySet<string> = new Set(['ROLLBACK', 'ABORT', 'FAIL', 'IGNORE', 'REPLACE']);

/** One parsed statement with the source text it came from. */
export interface ParsedStatement {
  readonly statement: Statement;
  /** The statement's text, from its first token to the end of its last (no `;`). */
  readonly text: string;
  readonly offset: number;
}

export class Parser {
  private readonly tokenizer: Tokenizer;
  private readonly buf: Token[] = [];
  private depth = 0;
  /** The last token taken from the tokenizer (for context-dependent keywords). */
  private lastFetched: Token | undefined;
  /** End offset of the last consumed token. */
  private lastEnd = 0;

  constructor(readonly sql: string) {
    this.tokenizer = new Tokenizer(sql);
  }

  // ── Token stream ────────────────────────────────────────────────────────────────────────

  peek(k = 0): Token {
    while (this.buf.length <= k) {
      const last = this.buf[this.buf.length - 1];
      if (last !== undefined && last.kind === 'eof') return last;
      let tok = this.tokenizer.next();
      if (tok.kind === 'keyword' && (tok.value === 'OVER' || tok.value === 'FILTER' || tok.value === 'WINDOW')) {
        tok = this.contextualKeyword(tok);
      }
      this.buf.push(tok);
      this.lastFetched = tok;
    }
    return this.buf[k] as Token;
  }

  /**
   * tokenize.c's analyzeWindowKeyword/analyzeOverKeyword/analyzeFilterKeyword: WINDOW is a
   * keyword only before `name AS`; OVER only after `)` and before `(` or a name; FILTER only
   * after `)` and before `(`. Anywhere else they are plain identifiers.
   */
  private contextualKeyword(tok: Token): Token {
    const ahead = this.tokenizer.lookahead(tok.value === 'WINDOW' ? 2 : 1);
    const nameLike = (t: Token | undefined): boolean =>
      t !== undefined &&
      (t.kind === 'identifier' ||
        t.kind === 'identifier-quoted' ||
        t.kind === 'string' ||
        (t.kind === 'keyword' &&
          (isFallbackKeyword(t.value) || JOIN_KEYWORDS.has(t.value) || t.value === 'WINDOW' || t.value === 'OVER' || t.value === 'FILTER')));
    const afterParen = this.lastFetched !== undefined && this.isOp(this.lastFetched, ')');
    const next = ahead[0];
    let keyword: boolean;
    if (tok.value === 'WINDOW') keyword = nameLike(next) && ahead[1] !== undefined && this.isKw(ahead[1], 'AS');
    else if (tok.value === 'OVER') keyword = afterParen && next !== undefined && (this.isOp(next, '(') || nameLike(next));
    else keyword = afterParen && next !== undefined && this.isOp(next, '(');
    return keyword ? tok : { ...tok, kind: 'identifier', value: tok.text };
  }

  next(): Token {
    const tok = this.peek();
    if (tok.kind !== 'eof') {
      this.buf.shift();
      this.lastEnd = tok.offset + tok.text.length;
    }
    return tok;
  }

  error(tok: Token = this.peek()): never {
    if (tok.kind === 'eof') throw new SqlSyntaxError('incomplete input', tok.line, tok.col);
    throw new SqlSyntaxError(`near "${tok.text}": syntax error`, tok.line, tok.col);
  }

  private isKw(tok: Token, ...names: string[]): boolean {
    return tok.kind === 'keyword' && names.includes(tok.value);
  }
  private atKw(...names: string[]): boolean {
    return this.isKw(this.peek(), ...names);
  }
  private acceptKw(name: string): boolean {
    if (this.atKw(name)) {
      this.next();
      return true;
    }
    return false;
  }
  private expectKw(name: string): Token {
    if (!this.atKw(name)) this.error();
    return this.next();
  }
  private isOp(tok: Token, ...ops: string[]): boolean {
    return tok.kind === 'operator' && ops.includes(tok.value);
  }
  private atOp(...ops: string[]): boolean {
    return this.isOp(this.peek(), ...ops);
  }
  private acceptOp(op: string): boolean {
    if (this.atOp(op)) {
      this.next();
      return true;
    }
    return false;
  }
  private expectOp(op: string): Token {
    if (!this.atOp(op)) this.error();
    return this.next();
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) {
      const tok = this.peek();
      throw new SqlSyntaxError('parser stack overflow', tok.line, tok.col);
    }
  }
  private leave(): void {
    this.depth--;
  }

  // ── Names ───────────────────────────────────────────────────────────────────────────────

  /**
   * Whether `tok` can be a name. parse.y: `nm ::= id | STRING | JOIN_KW`, `id ::= ID | INDEXED`,
   * `ids ::= ID | STRING` (bare aliases, type names, collations: `joinKw: false`), where ID
   * includes the fallback keywords.
   */
  private isName(tok: Token, opts: { string: boolean; joinKw: boolean }): boolean {
    switch (tok.kind) {
      case 'identifier':
      case 'identifier-quoted':
        return true;
      case 'string':
        return opts.string;
      case 'keyword':
        // parse.y: `%token_class id ID|INDEXED`, so INDEXED is a name wherever `nm`/`id` is.
        return isFallbackKeyword(tok.value) || (opts.joinKw && (JOIN_KEYWORDS.has(tok.value) || tok.value === 'INDEXED'));
      default:
        return false;
    }
  }

  /** nm: an identifier, a string, a fallback keyword or a join keyword. */
  private nm(): string {
    const tok = this.peek();
    if (!this.isName(tok, { string: true, joinKw: true })) this.error();
    this.next();
    return tok.kind === 'keyword' ? tok.text : tok.value;
  }

  /** `[schema.]name` */
  private qualifiedName(): QualifiedName {
    const first = this.nm();
    if (this.acceptOp('.')) return { schema: first, name: this.nm() };
    return { name: first };
  }

  /** `( name, name, … )` */
  private nameList(): string[] {
    this.expectOp('(');
    const names = [this.nm()];
    while (this.acceptOp(',')) names.push(this.nm());
    this.expectOp(')');
    return names;
  }

  /** An optional alias: `AS nm`, or a bare ID/STRING (not a join keyword). */
  private optionalAlias(): string | undefined {
    if (this.acceptKw('AS')) return this.nm();
    const tok = this.peek();
    if (this.isName(tok, { string: true, joinKw: false })) {
      this.next();
      return tok.kind === 'keyword' ? tok.text : tok.value;
    }
    return undefined;
  }

  /**
   * typetoken: `ids+ [ ( signed [, signed] ) ]`. Returns the source span (or "" when absent);
   * the schema layer applies SQLite's dequoting and standard-name rules.
   */
  private typeToken(): string {
    let start = -1;
    while (this.isName(this.peek(), { string: true, joinKw: false })) {
      const tok = this.next();
      if (start < 0) start = tok.offset;
    }
    if (start < 0) return '';
    if (this.atOp('(')) {
      this.next();
      this.signedNumber();
      if (this.acceptOp(',')) this.signedNumber();
      this.expectOp(')');
    }
    return this.sql.slice(start, this.lastEnd);
  }

  private signedNumber(): string {
    let sign = '';
    if (this.atOp('+', '-')) sign = this.next().value === '-' ? '-' : '';
    const tok = this.peek();
    if (tok.kind !== 'integer' && tok.kind !== 'float') this.error();
    this.next();
    return sign + tok.text;
  }

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

  private prefix(): Expr {
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
  private infix(left: Expr, minPrec: number): Expr | undefined {
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
  private comparison(left: Expr, not: boolean): Expr {
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
        return {
          kind: 'in',
          expr: left,
          not,
          target: { kind: 'table', ...name, ...(args === undefined ? {} : { args }) },
        };
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

  private collationName(): string {
    // `COLLATE ids`: ID or STRING (fallback keywords included).
    const tok = this.peek();
    if (!this.isName(tok, { string: true, joinKw: false })) this.error();
    this.next();
    return tok.kind === 'keyword' ? tok.text : tok.value;
  }

  private atSelectStart(): boolean {
    return this.atKw('SELECT', 'VALUES', 'WITH');
  }

  private literal(tok: Token): LiteralExpr {
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

  private primary(): Expr {
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
  private nameExpr(): Expr {
    const tok = this.peek();
    const after = this.peek(1);
    if (this.isOp(after, '(')) return this.functionCall();
    if (this.isOp(after, '.')) return this.columnRef();
    this.next();
    const column = tok.kind === 'keyword' ? tok.text : tok.value;
    return { kind: 'column', column, doubleQuoted: tok.kind === 'identifier-quoted' };
  }

  private columnRef(): Expr {
    const a = this.nm();
    this.expectOp('.');
    const b = this.nm();
    if (this.acceptOp('.')) {
      const c = this.nm();
      return { kind: 'column', schema: a, table: b, column: c, doubleQuoted: false };
    }
    return { kind: 'column', table: a, column: b, doubleQuoted: false };
  }

  private functionCall(): Expr {
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
    let over: string | undefined;
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

  /**
   * `( [base] [PARTITION BY …] [ORDER BY …] [frame] )`, checked against SQLite's grammar and
   * returned as source text (window functions are not evaluated by this engine yet).
   */
  private windowDefinition(): string {
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

  private parenthesized(): Expr {
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

  private caseExpr(): Expr {
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

  // ── SELECT ──────────────────────────────────────────────────────────────────────────────

  private withClause(): WithClause | undefined {
    if (!this.acceptKw('WITH')) return undefined;
    const recursive = this.acceptKw('RECURSIVE');
    const ctes: CommonTableExpr[] = [];
    do {
      const name = this.nm();
      const columns = this.atOp('(') ? this.nameList() : undefined;
      this.expectKw('AS');
      let materialized: boolean | undefined;
      if (this.acceptKw('MATERIALIZED')) materialized = true;
      else if (this.atKw('NOT') && this.isKw(this.peek(1), 'MATERIALIZED')) {
        this.next();
        this.next();
        materialized = false;
      }
      this.expectOp('(');
      const select = this.select();
      this.expectOp(')');
      ctes.push({
        name,
        ...(columns === undefined ? {} : { columns }),
        ...(materialized === undefined ? {} : { materialized }),
        select,
      });
    } while (this.acceptOp(','));
    return { recursive, ctes };
  }

  select(): SelectStatement {
    this.enter();
    const withClause = this.withClause();
    const first = this.selectCore();
    const compounds: { op: CompoundOp; core: SelectCore | ValuesCore }[] = [];
    for (;;) {
      let op: CompoundOp;
      if (this.acceptKw('UNION')) op = this.acceptKw('ALL') ? 'UNION ALL' : 'UNION';
      else if (this.acceptKw('INTERSECT')) op = 'INTERSECT';
      else if (this.acceptKw('EXCEPT')) op = 'EXCEPT';
      else break;
      compounds.push({ op, core: this.selectCore() });
    }
    // ORDER BY and LIMIT belong to the last SELECT core in SQLite's grammar: a compound (or a
    // lone statement) that ends in VALUES cannot have them.
    const last = compounds.length > 0 ? compounds[compounds.length - 1]?.core : first;
    if (last?.kind === 'values' && this.atKw('ORDER', 'LIMIT')) this.error();
    let orderBy: OrderingTerm[] | undefined;
    if (this.acceptKw('ORDER')) {
      this.expectKw('BY');
      orderBy = this.orderingTerms();
    }
    let limit: Expr | undefined;
    let offset: Expr | undefined;
    if (this.acceptKw('LIMIT')) {
      limit = this.expr();
      if (this.acceptKw('OFFSET')) offset = this.expr();
      else if (this.acceptOp(',')) {
        // LIMIT <offset>, <count>
        offset = limit;
        limit = this.expr();
      }
    }
    this.leave();
    return {
      kind: 'select',
      ...(withClause === undefined ? {} : { with: withClause }),
      first,
      compounds,
      ...(orderBy === undefined ? {} : { orderBy }),
      ...(limit === undefined ? {} : { limit }),
      ...(offset === undefined ? {} : { offset }),
    };
  }

  private orderingTerms(): OrderingTerm[] {
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

  private valuesRows(): Expr[][] {
    const rows: Expr[][] = [];
    do {
      this.expectOp('(');
      const row = [this.expr()];
      while (this.acceptOp(',')) row.push(this.expr());
      this.expectOp(')');
      rows.push(row);
    } while (this.acceptOp(','));
    return rows;
  }

  private selectCore(): SelectCore | ValuesCore {
    if (this.acceptKw('VALUES')) return { kind: 'values', rows: this.valuesRows() };
    this.expectKw('SELECT');
    let distinct = false;
    if (this.acceptKw('DISTINCT')) distinct = true;
    else this.acceptKw('ALL');
    const columns: ResultColumn[] = [];
    do columns.push(this.resultColumn());
    while (this.acceptOp(','));
    const from = this.acceptKw('FROM') ? this.fromClause() : undefined;
    const where = this.acceptKw('WHERE') ? this.expr() : undefined;
    let groupBy: Expr[] | undefined;
    let having: Expr | undefined;
    if (this.acceptKw('GROUP')) {
      this.expectKw('BY');
      groupBy = [this.expr()];
      while (this.acceptOp(',')) groupBy.push(this.expr());
      if (this.acceptKw('HAVING')) having = this.expr();
    }
    let window: string | undefined;
    if (this.atKw('WINDOW') && this.isName(this.peek(1), { string: true, joinKw: true })) {
      const start = this.next().offset;
      do {
        this.nm();
        this.expectKw('AS');
        this.windowDefinition();
      } while (this.acceptOp(','));
      window = this.sql.slice(start, this.lastEnd);
    }
    return {
      kind: 'select-core',
      distinct,
      columns,
      ...(from === undefined ? {} : { from }),
      ...(where === undefined ? {} : { where }),
      ...(groupBy === undefined ? {} : { groupBy }),
      ...(having === undefined ? {} : { having }),
      ...(window === undefined ? {} : { window }),
    };
  }

  private resultColumn(): ResultColumn {
    if (this.acceptOp('*')) return { kind: 'star' };
    const tok = this.peek();
    if (
      this.isName(tok, { string: true, joinKw: true }) &&
      this.isOp(this.peek(1), '.') &&
      this.isOp(this.peek(2), '*')
    ) {
      this.next();
      this.next();
      this.next();
      return { kind: 'table-star', table: tok.kind === 'keyword' ? tok.text : tok.value };
    }
    const expr = this.expr();
    const alias = this.optionalAlias();
    return { kind: 'expr', expr, ...(alias === undefined ? {} : { alias }) };
  }

  private fromClause(): FromItem {
    let left = this.fromItem();
    if (this.atKw('ON', 'USING')) {
      const t = this.peek();
      throw new SqlSyntaxError(`a JOIN clause is required before ${t.value}`, t.line, t.col);
    }
    for (;;) {
      let op: JoinOp;
      let natural = false;
      if (this.acceptOp(',')) {
        op = ',';
      } else if (this.atKw('JOIN') || (this.peek().kind === 'keyword' && JOIN_KEYWORDS.has(this.peek().value))) {
        if (this.acceptKw('NATURAL')) natural = true;
        if (this.acceptKw('LEFT')) op = 'LEFT';
        else if (this.acceptKw('RIGHT')) op = 'RIGHT';
        else if (this.acceptKw('FULL')) op = 'FULL';
        else if (this.acceptKw('INNER')) op = 'INNER';
        else if (this.acceptKw('CROSS')) op = 'CROSS';
        else op = 'JOIN';
        if (op === 'LEFT' || op === 'RIGHT' || op === 'FULL') this.acceptKw('OUTER');
        this.expectKw('JOIN');
      } else {
        return left;
      }
      const right = this.fromItem();
      let on: Expr | undefined;
      let using: string[] | undefined;
      if (this.acceptKw('ON')) on = this.expr();
      else if (this.acceptKw('USING')) using = this.nameList();
      left = {
        kind: 'join',
        op,
        natural,
        left,
        right,
        ...(on === undefined ? {} : { on }),
        ...(using === undefined ? {} : { using }),
      };
    }
  }

  private fromItem(): FromItem {
    if (this.acceptOp('(')) {
      this.enter();
      let item: FromItem;
      if (this.atSelectStart()) {
        const select = this.select();
        this.expectOp(')');
        const alias = this.optionalAlias();
        item = { kind: 'subquery', select, ...(alias === undefined ? {} : { alias }) };
      } else {
        item = this.fromClause();
        this.expectOp(')');
        const alias = this.optionalAlias();
        if (alias !== undefined && item.kind !== 'join') item = { ...item, alias };
      }
      this.leave();
      return item;
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
    const alias = this.optionalAlias();
    let indexedBy: string | undefined;
    let notIndexed = false;
    if (this.acceptKw('INDEXED')) {
      this.expectKw('BY');
      indexedBy = this.nm();
    } else if (this.atKw('NOT') && this.isKw(this.peek(1), 'INDEXED')) {
      this.next();
      this.next();
      notIndexed = true;
    }
    return {
      kind: 'table',
      ...name,
      ...(alias === undefined ? {} : { alias }),
      ...(args === undefined ? {} : { args }),
      ...(indexedBy === undefined ? {} : { indexedBy }),
      notIndexed,
    };
  }

  // ── Statements ──────────────────────────────────────────────────────────────────────────

  statement(): Statement {
    const tok = this.peek();
    if (tok.kind !== 'keyword') this.error(tok);
    switch (tok.value) {
      case 'EXPLAIN': {
        this.next();
        let queryPlan = false;
        if (this.atKw('QUERY')) {
          this.next();
          this.expectKw('PLAN');
          queryPlan = true;
        }
        return { kind: 'explain', queryPlan, statement: this.statement() };
      }
      case 'SELECT':
      case 'VALUES':
        return this.select();
      case 'WITH': {
        // WITH … SELECT | INSERT | UPDATE | DELETE: look past the WITH clause.
        const withClause = this.withClause();
        if (withClause === undefined) return this.error();
        if (this.atKw('INSERT', 'REPLACE')) return this.insert(withClause);
        if (this.atKw('UPDATE')) return this.update(withClause);
        if (this.atKw('DELETE')) return this.delete(withClause);
        const rest = this.select();
        return { ...rest, with: withClause };
      }
      case 'CREATE':
        return this.create();
      case 'INSERT':
      case 'REPLACE':
        return this.insert(undefined);
      case 'UPDATE':
        return this.update(undefined);
      case 'DELETE':
        return this.delete(undefined);
      case 'DROP': {
        this.next();
        const t = this.next();
        if (!this.isKw(t, 'TABLE', 'INDEX', 'VIEW', 'TRIGGER')) this.error(t);
        let ifExists = false;
        if (this.atKw('IF')) {
          this.next();
          this.expectKw('EXISTS');
          ifExists = true;
        }
        const objectType = t.value.toLowerCase() as 'table' | 'index' | 'view' | 'trigger';
        return { kind: 'drop', objectType, ifExists, name: this.qualifiedName() };
      }
      case 'BEGIN': {
        this.next();
        let mode: 'DEFERRED' | 'IMMEDIATE' | 'EXCLUSIVE' = 'DEFERRED';
        if (this.atKw('DEFERRED', 'IMMEDIATE', 'EXCLUSIVE')) mode = this.next().value as typeof mode;
        this.transactionSuffix();
        return { kind: 'begin', mode };
      }
      case 'COMMIT':
      case 'END':
        this.next();
        this.transactionSuffix();
        return { kind: 'commit' };
      case 'ROLLBACK': {
        this.next();
        this.transactionSuffix();
        if (this.acceptKw('TO')) {
          this.acceptKw('SAVEPOINT');
          return { kind: 'rollback', savepoint: this.nm() };
        }
        return { kind: 'rollback' };
      }
      case 'SAVEPOINT':
        this.next();
        return { kind: 'savepoint', name: this.nm() };
      case 'RELEASE':
        this.next();
        this.acceptKw('SAVEPOINT');
        return { kind: 'release', name: this.nm() };
      case 'PRAGMA':
        return this.pragma();
      case 'ALTER':
        return this.alterTable();
      case 'VACUUM': {
        this.next();
        let schema: string | undefined;
        if (this.isName(this.peek(), { string: true, joinKw: true })) schema = this.nm();
        const into = this.acceptKw('INTO') ? this.expr() : undefined;
        return {
          kind: 'vacuum',
          ...(schema === undefined ? {} : { schema }),
          ...(into === undefined ? {} : { into }),
        };
      }
      case 'ANALYZE':
      case 'REINDEX': {
        this.next();
        const kind = tok.value === 'ANALYZE' ? ('analyze' as const) : ('reindex' as const);
        if (this.isName(this.peek(), { string: true, joinKw: true })) return { kind, name: this.qualifiedName() };
        return { kind };
      }
      case 'ATTACH': {
        this.next();
        this.acceptKw('DATABASE');
        const file = this.expr();
        this.expectKw('AS');
        const schema = this.expr();
        const key = this.acceptKw('KEY') ? this.expr() : undefined;
        return { kind: 'attach', file, schema, ...(key === undefined ? {} : { key }) };
      }
      case 'DETACH':
        this.next();
        this.acceptKw('DATABASE');
        return { kind: 'detach', schema: this.expr() };
      default:
        return this.error(tok);
    }
  }

  /** `[TRANSACTION [name]]` after BEGIN/COMMIT/END/ROLLBACK. */
  private transactionSuffix(): void {
    if (this.acceptKw('TRANSACTION')) {
      const tok = this.peek();
      if (this.isName(tok, { string: true, joinKw: true }) && !this.isKw(tok, 'TO')) this.next();
    }
  }

  private pragma(): Statement {
    this.expectKw('PRAGMA');
    const name = this.qualifiedName();
    const base = { kind: 'pragma' as const, ...name };
    const value = (): string => {
      const tok = this.peek();
      if (this.atOp('+', '-') || tok.kind === 'integer' || tok.kind === 'float') return this.signedNumber();
      if (this.isKw(tok, 'ON', 'DELETE', 'DEFAULT')) {
        this.next();
        return tok.text;
      }
      return this.nm();
    };
    if (this.acceptOp('=')) return { ...base, value: value(), call: false };
    if (this.acceptOp('(')) {
      const v = value();
      this.expectOp(')');
      return { ...base, value: v, call: true };
    }
    return { ...base, call: false };
  }

  private alterTable(): AlterTableStatement {
    this.expectKw('ALTER');
    this.expectKw('TABLE');
    const table = this.qualifiedName();
    if (this.acceptKw('RENAME')) {
      if (this.acceptKw('TO')) return { kind: 'alter-table', table, action: { kind: 'rename-table', newName: this.nm() } };
      this.acceptKw('COLUMN');
      const column = this.nm();
      this.expectKw('TO');
      return { kind: 'alter-table', table, action: { kind: 'rename-column', column, newName: this.nm() } };
    }
    if (this.acceptKw('ADD')) {
      this.acceptKw('COLUMN');
      const start = this.peek().offset;
      const column = this.columnDef();
      return { kind: 'alter-table', table, action: { kind: 'add-column', column, text: this.sql.slice(start, this.lastEnd) } };
    }
    this.expectKw('DROP');
    this.acceptKw('COLUMN');
    return { kind: 'alter-table', table, action: { kind: 'drop-column', column: this.nm() } };
  }

  /** `RETURNING result-column, …` */
  private returning(): ResultColumn[] | undefined {
    if (!this.acceptKw('RETURNING')) return undefined;
    const columns: ResultColumn[] = [];
    do columns.push(this.resultColumn());
    while (this.acceptOp(','));
    return columns;
  }

  /** `col = expr | (col, …) = expr`, comma-separated (UPDATE and upserts). */
  private setList(): SetClause[] {
    const set: SetClause[] = [];
    do {
      const columns = this.atOp('(') ? this.nameList() : [this.nm()];
      this.expectOp('=');
      set.push({ columns, value: this.expr() });
    } while (this.acceptOp(','));
    return set;
  }

  /** Upsert clauses; a clause without a conflict target must be the last. */
  private upsertClauses(): UpsertClause[] | undefined {
    const clauses: UpsertClause[] = [];
    while (this.atKw('ON') && this.isKw(this.peek(1), 'CONFLICT')) {
      this.next();
      this.next();
      let target: UpsertClause['target'];
      if (this.atOp('(')) {
        const columns = this.indexedColumns();
        this.expectOp(')');
        const where = this.acceptKw('WHERE') ? this.expr() : undefined;
        target = { columns, ...(where === undefined ? {} : { where }) };
      }
      this.expectKw('DO');
      let action: UpsertClause['action'];
      if (this.acceptKw('NOTHING')) {
        action = { kind: 'nothing' };
      } else {
        this.expectKw('UPDATE');
        this.expectKw('SET');
        const set = this.setList();
        const where = this.acceptKw('WHERE') ? this.expr() : undefined;
        action = { kind: 'update', set, ...(where === undefined ? {} : { where }) };
      }
      clauses.push({ ...(target === undefined ? {} : { target }), action });
      if (target === undefined) break;
    }
    return clauses.length === 0 ? undefined : clauses;
  }

  private conflictClause(): ConflictClause | undefined {
    if (this.atKw('ON') && this.isKw(this.peek(1), 'CONFLICT')) {
      this.next();
      this.next();
      return this.resolveType();
    }
    return undefined;
  }

  private resolveType(): ConflictClause {
    const tok = this.next();
    if (tok.kind !== 'keyword' || !CONFLICT_RESOLUTIONS.has(tok.value)) this.error(tok);
    return tok.value as ConflictClause;
  }

  private orConflict(): ConflictClause | undefined {
    if (this.acceptKw('OR')) return this.resolveType();
    return undefined;
  }

  private insert(withClause: WithClause | undefined): InsertStatement {
    let conflict: ConflictClause | undefined;
    if (this.acceptKw('REPLACE')) conflict = 'REPLACE';
    else {
      this.expectKw('INSERT');
      conflict = this.orConflict();
    }
    this.expectKw('INTO');
    const table = this.qualifiedName();
    const alias = this.acceptKw('AS') ? this.nm() : undefined;
    const columns = this.atOp('(') ? this.nameList() : undefined;
    let source: InsertStatement['source'];
    let upsert: UpsertClause[] | undefined;
    if (this.atKw('DEFAULT')) {
      this.next();
      this.expectKw('VALUES');
      source = { kind: 'default-values' };
    } else {
      const select = this.select();
      if (
        select.with === undefined &&
        select.first.kind === 'values' &&
        select.compounds.length === 0 &&
        select.orderBy === undefined &&
        select.limit === undefined
      ) {
        source = { kind: 'values', rows: select.first.rows };
      } else {
        source = { kind: 'select', select };
      }
      upsert = this.upsertClauses();
    }
    const returning = this.returning();
    return {
      kind: 'insert',
      ...(withClause === undefined ? {} : { with: withClause }),
      ...(conflict === undefined ? {} : { conflict }),
      table,
      ...(alias === undefined ? {} : { alias }),
      ...(columns === undefined ? {} : { columns }),
      source,
      ...(upsert === undefined ? {} : { upsert }),
      ...(returning === undefined ? {} : { returning }),
    };
  }

  /** `[AS alias] [INDEXED BY name | NOT INDEXED]` after UPDATE/DELETE's table (xfullname: AS required). */
  private dmlAlias(): string | undefined {
    let alias: string | undefined;
    if (this.acceptKw('AS')) alias = this.nm();
    if (this.acceptKw('INDEXED')) {
      this.expectKw('BY');
      this.nm();
    } else if (this.atKw('NOT') && this.isKw(this.peek(1), 'INDEXED')) {
      this.next();
      this.next();
    }
    return alias;
  }

  private update(withClause: WithClause | undefined): UpdateStatement {
    this.expectKw('UPDATE');
    const conflict = this.orConflict();
    const table = this.qualifiedName();
    const alias = this.dmlAlias();
    this.expectKw('SET');
    const set = this.setList();
    const from = this.acceptKw('FROM') ? this.fromClause() : undefined;
    const where = this.acceptKw('WHERE') ? this.expr() : undefined;
    const returning = this.returning();
    return {
      kind: 'update',
      ...(withClause === undefined ? {} : { with: withClause }),
      ...(conflict === undefined ? {} : { conflict }),
      table,
      ...(alias === undefined ? {} : { alias }),
      set,
      ...(from === undefined ? {} : { from }),
      ...(where === undefined ? {} : { where }),
      ...(returning === undefined ? {} : { returning }),
    };
  }

  private delete(withClause: WithClause | undefined): DeleteStatement {
    this.expectKw('DELETE');
    this.expectKw('FROM');
    const table = this.qualifiedName();
    const alias = this.dmlAlias();
    const where = this.acceptKw('WHERE') ? this.expr() : undefined;
    const returning = this.returning();
    return {
      kind: 'delete',
      ...(withClause === undefined ? {} : { with: withClause }),
      table,
      ...(alias === undefined ? {} : { alias }),
      ...(where === undefined ? {} : { where }),
      ...(returning === undefined ? {} : { returning }),
    };
  }

  private ifNotExists(): boolean {
    if (this.atKw('IF')) {
      this.next();
      this.expectKw('NOT');
      this.expectKw('EXISTS');
      return true;
    }
    return false;
  }

  private create(): Statement {
    this.expectKw('CREATE');
    const temp = this.atKw('TEMP', 'TEMPORARY') ? (this.next(), true) : false;
    const tok = this.peek();
    if (this.isKw(tok, 'TABLE')) return this.createTable(temp);
    if (this.isKw(tok, 'VIEW')) return this.createView(temp);
    if (this.isKw(tok, 'TRIGGER')) return this.createTrigger(temp);
    if (!temp && this.isKw(tok, 'UNIQUE', 'INDEX')) return this.createIndex();
    if (!temp && this.isKw(tok, 'VIRTUAL')) return this.createVirtualTable();
    return this.error(tok);
  }

  private createTable(temp: boolean): CreateTableStatement {
    this.expectKw('TABLE');
    const ifNotExists = this.ifNotExists();
    const table = this.qualifiedName();
    const base = { kind: 'create-table' as const, temp, ifNotExists, table };
    if (this.acceptKw('AS')) {
      const asSelect = this.select();
      return { ...base, columns: [], constraints: [], withoutRowid: false, strict: false, asSelect };
    }
    this.expectOp('(');
    const columns: ColumnDef[] = [this.columnDef()];
    const constraints: TableConstraint[] = [];
    let inConstraints = false;
    for (;;) {
      if (this.acceptOp(')')) break;
      const comma = this.acceptOp(',');
      if (!inConstraints && comma && !this.atTableConstraint()) {
        columns.push(this.columnDef());
        continue;
      }
      // `conslist ::= conslist tconscomma tcons`: the comma between table constraints is optional.
      if (!comma && !inConstraints) this.error();
      inConstraints = true;
      const c = this.tableConstraint();
      if (c !== undefined) constraints.push(c);
    }
    let withoutRowid = false;
    let strict = false;
    // table_option_set: WITHOUT ROWID | STRICT, comma-separated.
    if (this.atKw('WITHOUT') || this.isName(this.peek(), { string: false, joinKw: false })) {
      do {
        const opt = this.peek();
        if (this.isKw(opt, 'WITHOUT')) {
          this.next();
          const r = this.peek();
          if (!this.isName(r, { string: false, joinKw: false }) || r.value.toUpperCase() !== 'ROWID') {
            throw new SqlSyntaxError(`unknown table option: ${r.text}`, r.line, r.col);
          }
          this.next();
          withoutRowid = true;
        } else if (opt.kind === 'identifier' && opt.value.toUpperCase() === 'STRICT') {
          this.next();
          strict = true;
        } else if (this.isName(opt, { string: false, joinKw: false })) {
          throw new SqlSyntaxError(`unknown table option: ${opt.text}`, opt.line, opt.col);
        } else {
          this.error(opt);
        }
      } while (this.acceptOp(','));
    }
    return { ...base, columns, constraints, withoutRowid, strict };
  }

  private atTableConstraint(): boolean {
    return this.atKw('CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN');
  }

  private columnDef(): ColumnDef {
    const name = this.nm();
    const type = this.typeToken();
    const constraints: ColumnConstraint[] = [];
    let pendingName: string | undefined;
    const push = (c: ColumnConstraint): void => {
      constraints.push(pendingName === undefined ? c : { ...c, name: pendingName });
      pendingName = undefined;
    };
    for (;;) {
      const tok = this.peek();
      if (tok.kind !== 'keyword') break;
      if (tok.value === 'CONSTRAINT') {
        this.next();
        pendingName = this.nm();
        continue;
      }
      if (tok.value === 'DEFAULT') {
        push(this.defaultClause());
      } else if (tok.value === 'NULL') {
        this.next();
        const conflict = this.conflictClause();
        push({ kind: 'null', ...(conflict === undefined ? {} : { conflict }) });
      } else if (tok.value === 'NOT' && this.isKw(this.peek(1), 'NULL')) {
        this.next();
        this.next();
        const conflict = this.conflictClause();
        push({ kind: 'not-null', ...(conflict === undefined ? {} : { conflict }) });
      } else if (tok.value === 'PRIMARY') {
        this.next();
        this.expectKw('KEY');
        let order: 'ASC' | 'DESC' | undefined;
        if (this.atKw('ASC', 'DESC')) order = this.next().value as 'ASC' | 'DESC';
        const conflict = this.conflictClause();
        const autoincrement = this.acceptKw('AUTOINCREMENT');
        push({
          kind: 'primary-key',
          desc: order === 'DESC',
          ...(order === undefined ? {} : { order }),
          ...(conflict === undefined ? {} : { conflict }),
          autoincrement,
        });
      } else if (tok.value === 'UNIQUE') {
        this.next();
        const conflict = this.conflictClause();
        push({ kind: 'unique', ...(conflict === undefined ? {} : { conflict }) });
      } else if (tok.value === 'CHECK') {
        this.next();
        this.expectOp('(');
        const expr = this.expr();
        this.expectOp(')');
        push({ kind: 'check', expr });
      } else if (tok.value === 'REFERENCES') {
        push({ kind: 'references', fk: this.foreignKeyClause() });
      } else if (tok.value === 'DEFERRABLE' || (tok.value === 'NOT' && this.isKw(this.peek(1), 'DEFERRABLE'))) {
        // A defer_subclause on its own (SQLite accepts and attaches it to the last FK).
        this.deferSubclause();
      } else if (tok.value === 'COLLATE') {
        this.next();
        push({ kind: 'collate', collation: this.collationName() });
      } else if (tok.value === 'GENERATED' || tok.value === 'AS') {
        if (tok.value === 'GENERATED') {
          this.next();
          this.expectKw('ALWAYS');
        }
        this.expectKw('AS');
        push(this.generatedClause());
      } else {
        break;
      }
    }
    return { name, type, constraints };
  }

  private generatedClause(): ColumnConstraint {
    this.expectOp('(');
    const expr = this.expr();
    this.expectOp(')');
    let stored = false;
    const tok = this.peek();
    if (tok.kind === 'identifier') {
      const word = tok.value.toUpperCase();
      if (word === 'STORED') stored = true;
      else if (word !== 'VIRTUAL') this.error(tok);
      this.next();
    } else if (this.isKw(tok, 'VIRTUAL')) {
      this.next();
    }
    return { kind: 'generated', expr, stored };
  }

  /**
   * DEFAULT clause. dflt_value is SQLite's span: the term (with its sign) as written, or the text
   * between the parentheses trimmed, or the identifier.
   */
  private defaultClause(): ColumnConstraint {
    this.expectKw('DEFAULT');
    const tok = this.peek();
    if (this.isOp(tok, '(')) {
      this.next();
      const inner = this.peek();
      const expr = this.expr();
      const close = this.expectOp(')');
      const text = this.sql.slice(inner.offset, close.offset).trim();
      return { kind: 'default', expr, text };
    }
    if (this.isOp(tok, '+', '-')) {
      this.next();
      const term = this.defaultTerm();
      const expr: Expr = { kind: 'unary', op: tok.value as '+' | '-', operand: term };
      return { kind: 'default', expr, text: this.sql.slice(tok.offset, this.lastEnd) };
    }
    if (tok.kind === 'identifier' || tok.kind === 'identifier-quoted' || (tok.kind === 'keyword' && isFallbackKeyword(tok.value) && !tok.value.startsWith('CURRENT_'))) {
      // `DEFAULT id`: a string, except that TRUE/FALSE are the integers 1/0.
      this.next();
      const word = tok.kind === 'keyword' ? tok.text : tok.value;
      let expr: Expr = { kind: 'literal', type: 'text', value: word, text: tok.text };
      if (tok.kind === 'identifier' && /^(true|false)$/i.test(word)) {
        const one = word.toLowerCase() === 'true';
        expr = { kind: 'literal', type: 'integer', value: one ? 1 : 0, text: tok.text };
      }
      return { kind: 'default', expr, text: tok.text };
    }
    const expr = this.defaultTerm();
    return { kind: 'default', expr, text: tok.text };
  }

  /** term ::= NULL | FLOAT | BLOB | STRING | INTEGER | CTIME_KW */
  private defaultTerm(): Expr {
    const tok = this.peek();
    if (tok.kind === 'integer' || tok.kind === 'float' || tok.kind === 'string' || tok.kind === 'blob') {
      this.next();
      return this.literal(tok);
    }
    if (this.isKw(tok, 'NULL')) {
      this.next();
      return this.literal(tok);
    }
    if (this.isKw(tok, 'CURRENT_TIME', 'CURRENT_DATE', 'CURRENT_TIMESTAMP')) {
      this.next();
      return { kind: 'current-time', which: tok.value as 'CURRENT_TIME' };
    }
    return this.error(tok);
  }

  private foreignKeyClause(): ForeignKeyClause {
    this.expectKw('REFERENCES');
    const table = this.nm();
    const columns = this.atOp('(') ? this.nameList() : [];
    let start = -1;
    const mark = (): void => {
      if (start < 0) start = this.peek().offset;
    };
    for (;;) {
      if (this.atKw('ON')) {
        mark();
        this.next();
        const ev = this.next();
        if (!this.isKw(ev, 'DELETE', 'UPDATE')) this.error(ev);
        const act = this.next();
        if (this.isKw(act, 'SET')) {
          const what = this.next();
          if (!this.isKw(what, 'NULL', 'DEFAULT')) this.error(what);
        } else if (this.isKw(act, 'NO')) {
          this.expectKw('ACTION');
        } else if (!this.isKw(act, 'CASCADE', 'RESTRICT')) {
          this.error(act);
        }
      } else if (this.atKw('MATCH')) {
        mark();
        this.next();
        this.nm();
      } else if (this.atKw('DEFERRABLE') || (this.atKw('NOT') && this.isKw(this.peek(1), 'DEFERRABLE'))) {
        mark();
        this.deferSubclause();
      } else {
        break;
      }
    }
    return { table, columns, actions: start < 0 ? '' : this.sql.slice(start, this.lastEnd) };
  }

  private deferSubclause(): void {
    this.acceptKw('NOT');
    this.expectKw('DEFERRABLE');
    if (this.acceptKw('INITIALLY')) {
      const t = this.next();
      if (!this.isKw(t, 'DEFERRED', 'IMMEDIATE')) this.error(t);
    }
  }

  /** sortlist terms of PRIMARY KEY(…), UNIQUE(…) and CREATE INDEX. */
  private indexedColumns(): IndexedColumn[] {
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

  /** One table constraint; undefined for a bare `CONSTRAINT name` (SQLite accepts one). */
  private tableConstraint(): TableConstraint | undefined {
    let name: string | undefined;
    if (this.acceptKw('CONSTRAINT')) {
      name = this.nm();
      if (this.atOp(',', ')')) return undefined;
    }
    const named = name === undefined ? {} : { name };
    const tok = this.next();
    if (this.isKw(tok, 'PRIMARY')) {
      this.expectKw('KEY');
      // `PRIMARY KEY LP sortlist autoinc RP onconf`
      const columns = this.indexedColumns();
      const autoincrement = this.acceptKw('AUTOINCREMENT');
      this.expectOp(')');
      const conflict = this.conflictClause();
      return { ...named, kind: 'primary-key', columns, autoincrement, ...(conflict === undefined ? {} : { conflict }) };
    }
    if (this.isKw(tok, 'UNIQUE')) {
      const columns = this.indexedColumns();
      this.expectOp(')');
      const conflict = this.conflictClause();
      return { ...named, kind: 'unique', columns, ...(conflict === undefined ? {} : { conflict }) };
    }
    if (this.isKw(tok, 'CHECK')) {
      this.expectOp('(');
      const expr = this.expr();
      this.expectOp(')');
      const conflict = this.conflictClause();
      return { ...named, kind: 'check', expr, ...(conflict === undefined ? {} : { conflict }) };
    }
    if (this.isKw(tok, 'FOREIGN')) {
      this.expectKw('KEY');
      const columns = this.nameList();
      return { ...named, kind: 'foreign-key', columns, fk: this.foreignKeyClause() };
    }
    return this.error(tok);
  }

  private createIndex(): CreateIndexStatement {
    const unique = this.acceptKw('UNIQUE');
    this.expectKw('INDEX');
    const ifNotExists = this.ifNotExists();
    const index = this.qualifiedName();
    this.expectKw('ON');
    const table = this.nm();
    const columns = this.indexedColumns();
    this.expectOp(')');
    const where = this.acceptKw('WHERE') ? this.expr() : undefined;
    return {
      kind: 'create-index',
      unique,
      ifNotExists,
      index,
      table,
      columns,
      ...(where === undefined ? {} : { where }),
    };
  }

  private createView(temp: boolean): CreateViewStatement {
    this.expectKw('VIEW');
    const ifNotExists = this.ifNotExists();
    const view = this.qualifiedName();
    const columns = this.atOp('(') ? this.nameList() : undefined;
    this.expectKw('AS');
    const start = this.peek().offset;
    const select = this.select();
    return {
      kind: 'create-view',
      temp,
      ifNotExists,
      view,
      ...(columns === undefined ? {} : { columns }),
      select,
      selectText: this.sql.slice(start, this.lastEnd),
    };
  }

  private createTrigger(temp: boolean): CreateTriggerStatement {
    this.expectKw('TRIGGER');
    const ifNotExists = this.ifNotExists();
    const trigger = this.qualifiedName();
    let timing: CreateTriggerStatement['timing'] = 'BEFORE';
    if (this.acceptKw('BEFORE')) timing = 'BEFORE';
    else if (this.acceptKw('AFTER')) timing = 'AFTER';
    else if (this.atKw('INSTEAD')) {
      this.next();
      this.expectKw('OF');
      timing = 'INSTEAD OF';
    }
    const ev = this.next();
    if (!this.isKw(ev, 'DELETE', 'INSERT', 'UPDATE')) this.error(ev);
    const event = ev.value as CreateTriggerStatement['event'];
    let updateOf: string[] | undefined;
    if (event === 'UPDATE' && this.acceptKw('OF')) {
      updateOf = [this.nm()];
      while (this.acceptOp(',')) updateOf.push(this.nm());
    }
    this.expectKw('ON');
    const table = this.qualifiedName().name;
    let forEachRow = false;
    if (this.acceptKw('FOR')) {
      this.expectKw('EACH');
      this.expectKw('ROW');
      forEachRow = true;
    }
    const when = this.acceptKw('WHEN') ? this.expr() : undefined;
    this.expectKw('BEGIN');
    // The body is kept as text. It ends at the END that follows a `;` outside any CASE … END
    // (body statements cannot start with END, but CASE expressions inside them end with one).
    const bodyStart = this.peek().offset;
    let caseDepth = 0;
    let afterSemicolon = false;
    let bodyEnd = bodyStart;
    for (;;) {
      const tok = this.peek();
      if (tok.kind === 'eof') this.error(tok);
      if (this.isKw(tok, 'END') && caseDepth === 0 && afterSemicolon) {
        this.next();
        break;
      }
      this.next();
      if (this.isKw(tok, 'CASE')) caseDepth++;
      else if (this.isKw(tok, 'END') && caseDepth > 0) caseDepth--;
      afterSemicolon = this.isOp(tok, ';');
      bodyEnd = this.lastEnd;
    }
    if (bodyEnd === bodyStart) this.error();
    return {
      kind: 'create-trigger',
      temp,
      ifNotExists,
      trigger,
      timing,
      event,
      ...(updateOf === undefined ? {} : { updateOf }),
      table,
      forEachRow,
      ...(when === undefined ? {} : { when }),
      body: this.sql.slice(bodyStart, bodyEnd),
    };
  }

  private createVirtualTable(): CreateVirtualTableStatement {
    this.expectKw('VIRTUAL');
    this.expectKw('TABLE');
    const ifNotExists = this.ifNotExists();
    const table = this.qualifiedName();
    this.expectKw('USING');
    const module = this.nm();
    const args: string[] = [];
    if (this.acceptOp('(')) {
      let depth = 0;
      let argStart = -1;
      let argEnd = -1;
      const flush = (): void => {
        if (argStart >= 0) args.push(this.sql.slice(argStart, argEnd));
        argStart = -1;
      };
      for (;;) {
        const tok = this.next();
        if (tok.kind === 'eof') this.error(tok);
        if (depth === 0 && this.isOp(tok, ')')) {
          flush();
          break;
        }
        if (depth === 0 && this.isOp(tok, ',')) {
          flush();
          continue;
        }
        if (this.isOp(tok, '(')) depth++;
        else if (this.isOp(tok, ')')) depth--;
        if (argStart < 0) argStart = tok.offset;
        argEnd = this.lastEnd;
      }
    }
    return { kind: 'create-virtual-table', ifNotExists, table, module, args };
  }

  // ── Entry points ────────────────────────────────────────────────────────────────────────

  /** Parses every statement; empty statements (`;;`) are skipped. */
  statements(): ParsedStatement[] {
    const out: ParsedStatement[] = [];
    for (;;) {
      while (this.acceptOp(';')) {
        /* empty statement */
      }
      const first = this.peek();
      if (first.kind === 'eof') return out;
      const statement = deepFreeze(this.statement());
      out.push({ statement, text: this.sql.slice(first.offset, this.lastEnd), offset: first.offset });
      const end = this.peek();
      if (end.kind !== 'eof' && !this.isOp(end, ';')) this.error(end);
    }
  }

  expectEnd(): void {
    const tok = this.peek();
    if (tok.kind !== 'eof') this.error(tok);
  }
}

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

/** Parses a script of `;`-separated statements (empty statements are ignored). */
export function parseStatements(sql: string): Statement[] {
  return new Parser(sql).statements().map((s) => s.statement);
}

/** Like parseStatements, keeping each statement's source text. */
export function parseStatementsWithText(sql: string): ParsedStatement[] {
  return new Parser(sql).statements();
}

/** Parses exactly one statement (a trailing `;` is allowed). */
export function parseStatement(sql: string): Statement {
  const parser = new Parser(sql);
  const list = parser.statements();
  const first = list[0];
  if (first === undefined) {
    const tok = parser.peek();
    throw new SqlSyntaxError('incomplete input', tok.line, tok.col);
  }
  if (list.length > 1) {
    const second = list[1] as ParsedStatement;
    const { line, col } = new Tokenizer(sql).locate(second.offset);
    throw new SqlSyntaxError('expected a single statement', line, col);
  }
  return first.statement;
}

/** Parses a single expression. */
export function parseExpression(sql: string): Expr {
  const parser = new Parser(sql);
  const expr = parser.expr();
  parser.expectEnd();
  return deepFreeze(expr);
}
