/**
 * INSERT, UPDATE and DELETE (https://www.sqlite.org/lang_insert.html, lang_update.html,
 * lang_delete.html), with their conflict clauses, upserts and RETURNING.
 */
import type { ConflictClause, DeleteStatement, InsertStatement, ResultColumn, SetClause, UpdateStatement, UpsertClause, WithClause } from '../ast.js';
import { SelectParser } from './select-parser.js';

const CONFLICT_RESOLUTIONS: ReadonlySet<string> = new Set(['ROLLBACK', 'ABORT', 'FAIL', 'IGNORE', 'REPLACE']);

export class DmlParser extends SelectParser {
  /** `RETURNING result-column, …` */
  protected returning(): ResultColumn[] | undefined {
    if (!this.acceptKw('RETURNING')) return undefined;
    const columns: ResultColumn[] = [];
    do columns.push(this.resultColumn());
    while (this.acceptOp(','));
    return columns;
  }

  /** `col = expr | (col, …) = expr`, comma-separated (UPDATE and upserts). */
  protected setList(): SetClause[] {
    const set: SetClause[] = [];
    do {
      const columns = this.atOp('(') ? this.nameList() : [this.nm()];
      this.expectOp('=');
      set.push({ columns, value: this.expr() });
    } while (this.acceptOp(','));
    return set;
  }

  /** Upsert clauses; a clause without a conflict target must be the last. */
  protected upsertClauses(): UpsertClause[] | undefined {
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

  protected conflictClause(): ConflictClause | undefined {
    if (this.atKw('ON') && this.isKw(this.peek(1), 'CONFLICT')) {
      this.next();
      this.next();
      return this.resolveType();
    }
    return undefined;
  }

  protected resolveType(): ConflictClause {
    const tok = this.next();
    if (tok.kind !== 'keyword' || !CONFLICT_RESOLUTIONS.has(tok.value)) this.error(tok);
    return tok.value as ConflictClause;
  }

  protected orConflict(): ConflictClause | undefined {
    if (this.acceptKw('OR')) return this.resolveType();
    return undefined;
  }

  protected insert(withClause: WithClause | undefined): InsertStatement {
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
  protected dmlAlias(): string | undefined {
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

  protected update(withClause: WithClause | undefined): UpdateStatement {
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

  protected delete(withClause: WithClause | undefined): DeleteStatement {
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
}
