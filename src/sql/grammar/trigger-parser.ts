/** CREATE TRIGGER (https://www.sqlite.org/lang_createtrigger.html). */
import type { CreateTriggerStatement } from '../ast.js';
import { DmlParser } from './dml-parser.js';

export class TriggerParser extends DmlParser {
  protected createTrigger(temp: boolean): CreateTriggerStatement {
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
    const on = this.qualifiedName();
    const table = on.name;
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
      ...(on.schema === undefined ? {} : { tableSchema: on.schema }),
      forEachRow,
      ...(when === undefined ? {} : { when }),
      body: this.sql.slice(bodyStart, bodyEnd),
    };
  }
}
