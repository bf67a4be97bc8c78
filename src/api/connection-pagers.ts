/**
 * The transaction of a connection over its databases: main's pager and, once it exists, the
 * TEMP database's. Statement savepoints, SAVEPOINTs, ROLLBACK and COMMIT apply to every pager
 * that is in a write transaction, so a statement or transaction that changed both undoes or
 * keeps both (SQLite's statement journal and temp journal do the same).
 *
 * COMMIT writes main first: when main's commit fails, TEMP's changes are rolled back too, so
 * the two never disagree about what was committed. TEMP's commit (into memory) cannot fail but
 * by a bug.
 */
import type { Pager } from '../pager/pager.js';

export class ConnectionPagers {
  /** The TEMP database's pager, once the connection has one. */
  temp: Pager | undefined;

  constructor(readonly main: Pager) {}

  private *writing(): Generator<Pager> {
    if (this.main.inWriteTransaction) yield this.main;
    if (this.temp?.inWriteTransaction === true) yield this.temp;
  }

  /** Some database is in a write transaction. */
  get inWriteTransaction(): boolean {
    return this.main.inWriteTransaction || this.temp?.inWriteTransaction === true;
  }

  /** Moves whenever any page of either database changes (see Pager.writeStamp). */
  get writeStamp(): number {
    return this.main.writeStamp + (this.temp?.writeStamp ?? 0);
  }

  beginStatement(): void {
    for (const p of this.writing()) p.beginStatement();
  }

  endStatement(): void {
    for (const p of this.writing()) p.endStatement();
  }

  /** Undoes the running statement in every database it may have changed. */
  rollbackStatement(): void {
    for (const p of this.writing()) {
      try {
        p.rollbackStatement();
      } catch {
        // A pager whose write transaction began inside the statement has no statement savepoint:
        // it changed nothing before the statement, so the whole transaction goes.
        p.rollback();
      }
    }
  }

  openSavepoint(): void {
    for (const p of this.writing()) p.openSavepoint();
  }

  releaseSavepoint(depth: number): void {
    for (const p of this.writing()) p.releaseSavepoint(depth);
  }

  rollbackToSavepoint(depth: number): void {
    for (const p of this.writing()) p.rollbackToSavepoint(depth);
  }

  rollback(): void {
    for (const p of [...this.writing()]) p.rollback();
  }

  /** Commits main, then TEMP (see the header). */
  async commit(): Promise<void> {
    if (this.main.inWriteTransaction) {
      try {
        await this.main.commit();
      } catch (err) {
        if (this.temp?.inWriteTransaction === true) this.temp.rollback();
        throw err;
      }
    }
    if (this.temp?.inWriteTransaction === true) await this.temp.commit();
  }
}
