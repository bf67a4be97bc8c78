/**
 * `s3lite dump LOCATION [TABLE-PATTERN …]`: the SQL text that rebuilds the database, as
 * `sqlite3 FILE .dump` writes it (src/cli/dump.ts), read where the database lies.
 */
import { once } from 'node:events';
import { dumpDatabase } from '../dump.js';
import type { GlobalOptions } from '../context.js';
import { withDatabase } from './read.js';

export interface DumpCommandOptions extends GlobalOptions {
  readonly dataOnly?: boolean;
  readonly nosys?: boolean;
  readonly newlines?: boolean;
  readonly preserveRowids?: boolean;
}

export async function runDump(spec: string, patterns: readonly string[], options: DumpCommandOptions): Promise<void> {
  await withDatabase(spec, options, async (db) => {
    await dumpDatabase(
      db,
      {
        patterns,
        ...(options.dataOnly === true && { dataOnly: true }),
        ...(options.nosys === true && { noSys: true }),
        ...(options.newlines === true && { newlines: true }),
        ...(options.preserveRowids === true && { preserveRowids: true }),
      },
      // A large dump waits for standard output to drain rather than piling up in memory.
      (text) => (process.stdout.write(text) ? undefined : once(process.stdout, 'drain').then(() => undefined)),
    );
  });
}
