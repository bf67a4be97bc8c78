/**
 * The parser's foundation: the token stream (with SQLite's context-dependent keywords), the
 * token tests every grammar layer uses, names, type names and signed numbers.
 *
 * The parser is a stack of layers, one grammar family each, every layer extending the one
 * below (so each method calls the others as `this.…`):
 *
 *   ParserBase → ExprParser → WindowParser → SelectParser → DmlParser → TriggerParser
 *   → DdlParser → ControlParser → Parser (statement dispatch and entry points, ../parser.ts)
 *
 * A grammar family of its own goes in a new layer file inserted into that chain; a rule a
 * lower layer needs from a higher one is declared abstract where it is called (ExprParser
 * declares `select()` and `windowDefinition()`).
 *
 * Errors name the offending token as SQLite does: `near "FROM": syntax error`, or
 * `incomplete input` when the text ends too early; tokenizer errors are
 * `unrecognized token: "…"`. All are SqlSyntaxError with the 1-based line/column.
 */
import { SqlSyntaxError } from '../../errors.js';
import type { QualifiedName } from '../ast.js';
import { isFallbackKeyword, JOIN_KEYWORDS } from '../keywords.js';
import { Tokenizer, type Token } from '../tokenizer.js';

/** Nesting limit for expressions and sub-selects (SQLite's SQLITE_MAX_EXPR_DEPTH is 1000). */
const MAX_DEPTH = 1000;

export abstract class ParserBase {
  private readonly tokenizer: Tokenizer;
  private readonly buf: Token[] = [];
  private depth = 0;
  /** The last token taken from the tokenizer (for context-dependent keywords). */
  private lastFetched: Token | undefined;
  /** End offset of the last consumed token. */
  protected lastEnd = 0;

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

  protected isKw(tok: Token, ...names: string[]): boolean {
    return tok.kind === 'keyword' && names.includes(tok.value);
  }
  protected atKw(...names: string[]): boolean {
    return this.isKw(this.peek(), ...names);
  }
  protected acceptKw(name: string): boolean {
    if (this.atKw(name)) {
      this.next();
      return true;
    }
    return false;
  }
  protected expectKw(name: string): Token {
    if (!this.atKw(name)) this.error();
    return this.next();
  }
  protected isOp(tok: Token, ...ops: string[]): boolean {
    return tok.kind === 'operator' && ops.includes(tok.value);
  }
  protected atOp(...ops: string[]): boolean {
    return this.isOp(this.peek(), ...ops);
  }
  protected acceptOp(op: string): boolean {
    if (this.atOp(op)) {
      this.next();
      return true;
    }
    return false;
  }
  protected expectOp(op: string): Token {
    if (!this.atOp(op)) this.error();
    return this.next();
  }

  protected enter(): void {
    if (++this.depth > MAX_DEPTH) {
      const tok = this.peek();
      throw new SqlSyntaxError('parser stack overflow', tok.line, tok.col);
    }
  }
  protected leave(): void {
    this.depth--;
  }

  // ── Names ───────────────────────────────────────────────────────────────────────────────

  /**
   * Whether `tok` can be a name. parse.y: `nm ::= id | STRING | JOIN_KW`, `id ::= ID | INDEXED`,
   * `ids ::= ID | STRING` (bare aliases, type names, collations: `joinKw: false`), where ID
   * includes the fallback keywords.
   */
  protected isName(tok: Token, opts: { string: boolean; joinKw: boolean }): boolean {
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
  protected nm(): string {
    const tok = this.peek();
    if (!this.isName(tok, { string: true, joinKw: true })) this.error();
    this.next();
    return tok.kind === 'keyword' ? tok.text : tok.value;
  }

  /** `[schema.]name` */
  protected qualifiedName(): QualifiedName {
    const first = this.nm();
    if (this.acceptOp('.')) return { schema: first, name: this.nm() };
    return { name: first };
  }

  /** `( name, name, … )` */
  protected nameList(): string[] {
    this.expectOp('(');
    const names = [this.nm()];
    while (this.acceptOp(',')) names.push(this.nm());
    this.expectOp(')');
    return names;
  }

  /** An optional alias: `AS nm`, or a bare ID/STRING (not a join keyword). */
  protected optionalAlias(): string | undefined {
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
  protected typeToken(): string {
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

  protected signedNumber(): string {
    let sign = '';
    if (this.atOp('+', '-')) sign = this.next().value === '-' ? '-' : '';
    const tok = this.peek();
    if (tok.kind !== 'integer' && tok.kind !== 'float') this.error();
    this.next();
    return sign + tok.text;
  }

  /** `IF NOT EXISTS` (CREATE TABLE, INDEX, VIEW, TRIGGER, VIRTUAL TABLE). */
  protected ifNotExists(): boolean {
    if (this.atKw('IF')) {
      this.next();
      this.expectKw('NOT');
      this.expectKw('EXISTS');
      return true;
    }
    return false;
  }
}
