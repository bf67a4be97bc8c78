/**
 * `s3lite exec LOCATION "SQL…"` / `s3lite exec LOCATION -f FILE`: runs the statements in order
 * (each commits on its own unless inside BEGIN … COMMIT). Prints nothing but errors, or with
 * `--changes` the number of rows changed. A statement that fails stops the run (exit 1); the
 * statements before it stay done, as with `sqlite3 LOCATION "SQL…"`. A transaction left open
 * at the end is rolled back.
 */
import { readFileSync } from 'node:fs';
import { Database } from '../../api/database.js';
import { MisuseError } from '../../errors.js';
import { parseStatementsWithText } from '../../sql/parser.js';
import { resolveLocation, storeOptions, type GlobalOptions } from '../context.js';

export interface ExecOptions extends GlobalOptions {
  readonly file?: string;
  readonly changes?: boolean;
}

export async function runExec(spec: string, sql: string | undefined, options: ExecOptions): Promise<void> {
  if ((sql === undefined) === (options.file === undefined)) {
    throw new MisuseError('exec needs the SQL either as an argument or with -f FILE (not both)');
  }
  const text = sql ?? readFileSync(options.file === '-' ? 0 : options.file!, 'utf8');
  const statements = parseStatementsWithText(text);
  const db = await Database.open(resolveLocation(spec), { ...storeOptions(options), readonly: false });
  let changes = 0;
  try {
    for (const s of statements) changes += (await db.run(s.text)).changes;
  } finally {
    await db.close();
  }
  if (options.changes === true) process.stdout.write(`${changes}\n`);
}
