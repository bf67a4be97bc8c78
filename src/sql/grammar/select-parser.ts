/**
 * SELECT (https://www.sqlite.org/lang_select.html): WITH clauses, compound SELECTs, cores,
 * VALUES, result columns and FROM clauses with their joins.
 */
import { SqlSyntaxError } from '../../errors.js';
import type { CommonTableExpr, CompoundOp, Expr, FromItem, JoinOp, OrderingTerm, ResultColumn, SelectCore, SelectStatement, ValuesCore, WindowDefinition, WithClause } from '../ast.js';
import { JOIN_KEYWORDS } from '../keywords.js';
import { WindowParser } from './window-parser.js';

export class SelectParser extends WindowParser {
  // ── SELECT ──────────────────────────────────────────────────────────────────────────────

  protected withClause(): WithClause | undefined {
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

  protected valuesRows(): Expr[][] {
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

  protected selectCore(): SelectCore | ValuesCore {
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
    }
    // HAVING without GROUP BY (SQLite ≥ 3.39): the aggregate query's one group is filtered.
    if (this.acceptKw('HAVING')) having = this.expr();
    let window: { name: string; definition: WindowDefinition }[] | undefined;
    if (this.atKw('WINDOW') && this.isName(this.peek(1), { string: true, joinKw: true })) {
      this.next();
      window = [];
      do {
        const name = this.nm();
        this.expectKw('AS');
        window.push({ name, definition: this.windowDefinition() });
      } while (this.acceptOp(','));
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

  protected resultColumn(): ResultColumn {
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

  protected fromClause(): FromItem {
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

  protected fromItem(): FromItem {
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
}
