/**
 * The query planner on SQLite's own logic tests (issue 19, "Planner"): the time and pass rate of
 * the whole select4.test (7-table joins) and select5.test (up to 64-table joins) on s3lite and on
 * sql.js, and the pass rate of the sample in fixtures/sqllogictest/ (which must not drop).
 *
 *   npx tsx bench/planner.ts CORPUS [--budget 400] [--timeout 10] [--no-sample]
 *
 * CORPUS is the `test/` tree of SQLite's sqllogictest corpus (fixtures/sqllogictest/README says
 * where to get it), or any folder holding select4.test and select5.test. Each script runs in a
 * child process per engine through test/slt/report.ts: a record running longer than --timeout
 * seconds counts as failed, and a script stops after --budget seconds (the rest counts as not
 * run). Printed, never asserted; the machine may be shared, so compare runs made side by side.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const corpus = process.argv[2];
if (corpus === undefined || corpus.startsWith('--')) {
  console.error('usage: npx tsx bench/planner.ts CORPUS [--budget 400] [--timeout 10] [--no-sample]');
  process.exit(2);
}
const budget = argValue('budget') ?? '400';
const timeout = argValue('timeout') ?? '10';
const report = fileURLToPath(new URL('../test/slt/report.ts', import.meta.url));
const sample = fileURLToPath(new URL('../fixtures/sqllogictest', import.meta.url));

/** Runs report.ts and prints its per-script lines and its family table. */
function run(title: string, args: string[]): void {
  console.log(`\n## ${title}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', report, ...args, '--timeout', timeout, '--file-budget', budget], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 2 ** 20,
  });
  const out = r.stdout ?? '';
  // The per-script lines and the family table; the failure causes follow a blank line after it.
  const table = out.split('\n\ns3lite failures by cause:')[0] ?? out;
  console.log(table.trim());
  const causes = out.split('\n\ns3lite failures by cause:')[1];
  if (causes !== undefined) console.log(`s3lite failures by cause:${causes.split('\n\nsqljs')[0]}`);
}

run('select4.test and select5.test (whole)', [corpus, '--only', 'select4.test,select5.test']);
if (!process.argv.includes('--no-sample')) run('the sample in fixtures/sqllogictest', [sample]);
