/**
 * `s3lite check LOCATION`: our integrity check (every b-tree in its own key order, every page
 * accounted for once, the freelist as the header says). Prints "ok" or one problem per line;
 * the exit code is 1 when there is any problem.
 */
import { Database } from '../../api/database.js';
import { resolveLocation, storeOptions, type GlobalOptions } from '../context.js';

export async function runCheck(spec: string, options: GlobalOptions): Promise<number> {
  const db = await Database.open(resolveLocation(spec), { ...storeOptions(options), readonly: true });
  try {
    const problems = await db.check();
    process.stdout.write(problems.length === 0 ? 'ok\n' : `${problems.join('\n')}\n`);
    return problems.length === 0 ? 0 : 1;
  } finally {
    await db.close();
  }
}
