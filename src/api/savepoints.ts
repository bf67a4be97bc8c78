/**
 * The names of the open savepoints (https://www.sqlite.org/lang_savepoint.html), outermost
 * first. Savepoint i is the pager's savepoint at depth i once the pager's write transaction has
 * begun (the pager transaction starts at the first write, so the savepoints opened before it get
 * their pager journals then: nothing had changed since they were opened).
 */
import { SqliteError } from '../errors.js';
import { asciiLower } from '../schema/affinity.js';

export class SavepointNames {
  private readonly names: string[] = [];
  /** The outermost SAVEPOINT started the transaction (its RELEASE commits, as SQLite's does). */
  startedTransaction = false;

  get depth(): number {
    return this.names.length;
  }

  push(name: string): void {
    this.names.push(asciiLower(name));
  }

  /** The depth of the most recent savepoint named `name`, or SQLite's error. */
  find(name: string): number {
    const key = asciiLower(name);
    const i = this.names.lastIndexOf(key);
    if (i < 0) throw new SqliteError('SQLITE_ERROR', `no such savepoint: ${name}`);
    return i;
  }

  /** Keeps the first `depth` savepoints. */
  truncate(depth: number): void {
    this.names.length = depth;
    if (depth === 0) this.startedTransaction = false;
  }
}
