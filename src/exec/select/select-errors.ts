/** Errors of the SELECT compiler, with SQLite's messages. */
import { SqliteError } from '../../errors.js';

export function err(message: string): SqliteError {
  return new SqliteError('SQLITE_ERROR', message);
}

export function ordinal(n: number): string {
  const s = ['th', 'st', 'nd', 'rd'];
  const v = n % 100;
  return n + (s[(v - 20) % 10] ?? s[v] ?? s[0]!);
}
