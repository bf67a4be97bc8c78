/**
 * `s3lite exec LOCATION "SQL…"` / `s3lite exec LOCATION -f FILE`: runs the statements in order
 * (each commits on its own unless inside BEGIN … COMMIT). A statement that returns rows
 * (RETURNING, SELECT, PRAGMA) prints them when it is done, in the chosen format (a table by
 * default, `--json`, `--csv`), one block per statement; nothing else is printed but errors, or
 * with `--changes` the number of rows changed. A statement that fails stops the run (exit 1);
 * the statements before it stay done, as with `sqlite3 LOCATION "SQL…"`. A transaction left
 * open at the end is rolled back.
 */
import { readFileSync } from 'node:fs';
import { Database } from '../../api/database.js';
import { MisuseError } from '../../errors.js';
import { resolveLocation, storeOptions } from '../context.js';
import { createRowWriter } from '../output.js';
import { outputFormat, type FormatOptions } from './read.js';

export interface ExecOptions extends FormatOptions {
  readonly file?: string;
  readonly changes?: boolean;
}

export async function runExec(spec: string, sql: string | undefined, options: ExecOptions): Promise<void> {
  if ((sql === undefined) === (options.file === undefined)) {
    throw new MisuseError('exec needs the SQL either as an argument or with -f FILE (not both)');
  }
  const text = sql ?? readFileSync(options.file === '-' ? 0 : options.file!, 'utf8');
  const format = outputFormat(options);
  const write = (s: string): void => void process.stdout.write(s);
  const db = await Database.open(resolveLocation(spec), { ...storeOptions(options), readonly: false });
  let changes = 0;
  try {
    await db.execRows(text, undefined, (result, done) => {
      changes += done.changes;
      if (result === undefined) return;
      const writer = createRowWriter(format, result.columns, write);
      for (const r of result.rows) writer.row(r.values, r.classes);
      writer.end();
    });
  } finally {
    await db.close();
  }
  if (options.changes === true) process.stdout.write(`${changes}\n`);
}
