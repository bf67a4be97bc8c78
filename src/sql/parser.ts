/**
 * Recursive-descent parser for SQLite's SQL (https://www.sqlite.org/lang.html), producing the
 * frozen AST of ast.ts.
 *
 * It follows SQLite's LALR grammar (parse.y) closely:
 * - Keywords in parse.y's `%fallback ID` list act as identifiers wherever a name may stand and
 *   the keyword has no meaning (see keywords.ts).
 * - Each grammar family is a layer of its own under grammar/ (token stream and names,
 *   expressions, windows, SELECT, DML, triggers, DDL, control statements; the chain is
 *   described in grammar/parser-base.ts). This file dispatches statements and holds the
 *   entry points.
 */
import { SqlSyntaxError } from '../errors.js';
import { deepFreeze, type Expr, type Statement } from './ast.js';
import { ControlParser } from './grammar/control-parser.js';
import { Tokenizer } from './tokenizer.js';

/** One parsed statement with the source text it came from. */
export interface ParsedStatement {
  readonly statement: Statement;
  /** The statement's text, from its first token to the end of its last (no `;`). */
  readonly text: string;
  readonly offset: number;
}

export class Parser extends ControlParser {
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
      case 'DROP':
        return this.drop();
      case 'ALTER':
        return this.alterTable();
      case 'BEGIN':
        return this.begin();
      case 'COMMIT':
      case 'END':
        return this.commit();
      case 'ROLLBACK':
        return this.rollback();
      case 'SAVEPOINT':
        return this.savepoint();
      case 'RELEASE':
        return this.release();
      case 'PRAGMA':
        return this.pragma();
      case 'VACUUM':
        return this.vacuum();
      case 'ANALYZE':
      case 'REINDEX':
        return this.analyzeOrReindex();
      case 'ATTACH':
        return this.attach();
      case 'DETACH':
        return this.detach();
      default:
        return this.error(tok);
    }
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

