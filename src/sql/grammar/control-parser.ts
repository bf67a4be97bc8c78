/**
 * The statements that are neither queries, changes nor schema: transactions and savepoints
 * (lang_transaction.html, lang_savepoint.html), PRAGMA, VACUUM, ANALYZE, REINDEX, ATTACH and
 * DETACH.
 */
import type { Statement } from '../ast.js';
import { DdlParser } from './ddl-parser.js';

export class ControlParser extends DdlParser {
  /** `BEGIN [DEFERRED | IMMEDIATE | EXCLUSIVE] [TRANSACTION [name]]` */
  protected begin(): Statement {
    this.expectKw('BEGIN');
    let mode: 'DEFERRED' | 'IMMEDIATE' | 'EXCLUSIVE' = 'DEFERRED';
    if (this.atKw('DEFERRED', 'IMMEDIATE', 'EXCLUSIVE')) mode = this.next().value as typeof mode;
    this.transactionSuffix();
    return { kind: 'begin', mode };
  }

  /** `COMMIT | END [TRANSACTION [name]]` */
  protected commit(): Statement {
    this.next();
    this.transactionSuffix();
    return { kind: 'commit' };
  }

  /** `ROLLBACK [TRANSACTION [name]] [TO [SAVEPOINT] name]` */
  protected rollback(): Statement {
    this.expectKw('ROLLBACK');
    this.transactionSuffix();
    if (this.acceptKw('TO')) {
      this.acceptKw('SAVEPOINT');
      return { kind: 'rollback', savepoint: this.nm() };
    }
    return { kind: 'rollback' };
  }

  protected savepoint(): Statement {
    this.expectKw('SAVEPOINT');
    return { kind: 'savepoint', name: this.nm() };
  }

  protected release(): Statement {
    this.expectKw('RELEASE');
    this.acceptKw('SAVEPOINT');
    return { kind: 'release', name: this.nm() };
  }

  protected transactionSuffix(): void {
    if (this.acceptKw('TRANSACTION')) {
      const tok = this.peek();
      if (this.isName(tok, { string: true, joinKw: true }) && !this.isKw(tok, 'TO')) this.next();
    }
  }

  protected pragma(): Statement {
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
  /** `VACUUM [schema] [INTO expr]` */
  protected vacuum(): Statement {
    this.expectKw('VACUUM');
    let schema: string | undefined;
    if (this.isName(this.peek(), { string: true, joinKw: true })) schema = this.nm();
    const into = this.acceptKw('INTO') ? this.expr() : undefined;
    return {
      kind: 'vacuum',
      ...(schema === undefined ? {} : { schema }),
      ...(into === undefined ? {} : { into }),
    };
  }

  /** `ANALYZE [name]` and `REINDEX [name]` */
  protected analyzeOrReindex(): Statement {
    const tok = this.next();
    const kind = tok.value === 'ANALYZE' ? ('analyze' as const) : ('reindex' as const);
    if (this.isName(this.peek(), { string: true, joinKw: true })) return { kind, name: this.qualifiedName() };
    return { kind };
  }

  /** `ATTACH [DATABASE] expr AS expr [KEY expr]` */
  protected attach(): Statement {
    this.expectKw('ATTACH');
    this.acceptKw('DATABASE');
    const file = this.expr();
    this.expectKw('AS');
    const schema = this.expr();
    const key = this.acceptKw('KEY') ? this.expr() : undefined;
    return { kind: 'attach', file, schema, ...(key === undefined ? {} : { key }) };
  }

  /** `DETACH [DATABASE] expr` */
  protected detach(): Statement {
    this.expectKw('DETACH');
    this.acceptKw('DATABASE');
    return { kind: 'detach', schema: this.expr() };
  }
}
