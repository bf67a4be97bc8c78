import { NotADatabaseError } from '../errors.js';

/**
 * Thrown by `Pager.open` when the file has size 0: not a database yet, but a caller opening
 * for writing may treat it as a new, empty database (SQLite does the same).
 */
export class EmptyDatabaseError extends NotADatabaseError {
  constructor() {
    super('database file is empty');
    this.name = 'EmptyDatabaseError';
  }
}
