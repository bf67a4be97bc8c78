/**
 * Schema statements: CREATE TABLE (columns, constraints, foreign keys, generated columns),
 * CREATE INDEX, CREATE VIEW, CREATE VIRTUAL TABLE, ALTER TABLE and DROP
 * (https://www.sqlite.org/lang_createtable.html and its neighbours). CREATE dispatches to the
 * trigger layer for CREATE TRIGGER.
 */
import { SqlSyntaxError } from '../../errors.js';
import type { AlterTableStatement, ColumnConstraint, ColumnDef, CreateIndexStatement, CreateTableStatement, CreateViewStatement, CreateVirtualTableStatement, Expr, ForeignKeyClause, Statement, TableConstraint } from '../ast.js';
import { isFallbackKeyword } from '../keywords.js';
import { TriggerParser } from './trigger-parser.js';

export class DdlParser extends TriggerParser {
  protected alterTable(): AlterTableStatement {
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

  protected create(): Statement {
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

  protected createTable(temp: boolean): CreateTableStatement {
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

  protected atTableConstraint(): boolean {
    return this.atKw('CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN');
  }

  protected columnDef(): ColumnDef {
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

  protected generatedClause(): ColumnConstraint {
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
  protected defaultClause(): ColumnConstraint {
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
  protected defaultTerm(): Expr {
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

  protected foreignKeyClause(): ForeignKeyClause {
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

  protected deferSubclause(): void {
    this.acceptKw('NOT');
    this.expectKw('DEFERRABLE');
    if (this.acceptKw('INITIALLY')) {
      const t = this.next();
      if (!this.isKw(t, 'DEFERRED', 'IMMEDIATE')) this.error(t);
    }
  }

  /** One table constraint; undefined for a bare `CONSTRAINT name` (SQLite accepts one). */
  protected tableConstraint(): TableConstraint | undefined {
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

  protected createIndex(): CreateIndexStatement {
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

  protected createView(temp: boolean): CreateViewStatement {
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

  protected createVirtualTable(): CreateVirtualTableStatement {
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

  /** `DROP TABLE | INDEX | VIEW | TRIGGER [IF EXISTS] name` */
  protected drop(): Statement {
    this.expectKw('DROP');
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

}
