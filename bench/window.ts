/**
 * Window functions over one large partition, against real SQLite (sql.js) on the same file
 * (issue 19: "the window-function cost on a 1,000,000-row partition (sliding frame)"):
 *
 *   sum(x)  OVER (ORDER BY id ROWS BETWEEN 100 PRECEDING AND 100 FOLLOWING)
 *   min(x), max(x) over the same frame
 *   sum(x)  OVER (… ROWS BETWEEN 10000 PRECEDING AND 10000 FOLLOWING)   a 100× wider frame:
 *                                                   sliding, the cost must not grow with it
 *   avg(r)  OVER (ORDER BY id RANGE BETWEEN 50 PRECEDING AND CURRENT ROW)
 *   row_number() OVER (ORDER BY x), rank() OVER (ORDER BY x)       a sort of the partition
 *
 * The table t(id INTEGER PRIMARY KEY, x INTEGER, r REAL) is built by sql.js and written to a
 * temporary file that both sides read. Each figure is the best of `--runs` runs (the machine is
 * shared); every run reads all rows, and both sides' results are checked equal (a checksum of
 * every value). Printed, never asserted.
 *
 *   npx tsx bench/window.ts [--rows 1000000] [--runs 2] [--quick]   (--quick: 100,000 rows)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from '../src/api/database.js';
import { sqljs } from '../test/support/sqljs.js';

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const ROWS = Number(argValue('rows') ?? (process.argv.includes('--quick') ? 100_000 : 1_000_000));
const RUNS = Number(argValue('runs') ?? 2);

const QUERIES: { label: string; sql: string }[] = [
  { label: 'sum, ROWS ±100', sql: 'SELECT sum(x) OVER (ORDER BY id ROWS BETWEEN 100 PRECEDING AND 100 FOLLOWING) FROM t' },
  {
    label: 'min + max, ROWS ±100',
    sql: 'SELECT min(x) OVER w, max(x) OVER w FROM t WINDOW w AS (ORDER BY id ROWS BETWEEN 100 PRECEDING AND 100 FOLLOWING)',
  },
  { label: 'sum, ROWS ±10000', sql: 'SELECT sum(x) OVER (ORDER BY id ROWS BETWEEN 10000 PRECEDING AND 10000 FOLLOWING) FROM t' },
  { label: 'avg(real), RANGE 50 PRECEDING', sql: 'SELECT avg(r) OVER (ORDER BY id RANGE BETWEEN 50 PRECEDING AND CURRENT ROW) FROM t' },
  { label: 'row_number + rank, ORDER BY x (sort)', sql: 'SELECT row_number() OVER w, rank() OVER w FROM t WINDOW w AS (ORDER BY x)' },
];

/** An order-sensitive checksum of every value (INTEGERs and REALs as numbers). */
function mix(acc: number, v: unknown): number {
  const n = typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : v === null ? -1 : 7;
  return (acc * 31 + Math.round(n * 1000)) % 2147483647;
}

async function main(): Promise<void> {
  const SQL = await sqljs();
  const build = new SQL.Database();
  build.run('CREATE TABLE t(id INTEGER PRIMARY KEY, x INTEGER, r REAL)');
  build.run(
    `WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ${ROWS})
     INSERT INTO t SELECT i, (i * 7919) % 1000, ((i * 104729) % 10007) / 8.0 FROM c`,
  );
  const bytes = build.export();
  build.close();
  const dir = mkdtempSync(join(tmpdir(), 's3lite-window-bench-'));
  const path = join(dir, 'window.sqlite');
  writeFileSync(path, bytes);
  console.log(`window functions over one partition of ${ROWS.toLocaleString('en-US')} rows (best of ${RUNS}; ms, all rows read)`);
  try {
    for (const q of QUERIES) {
      let ours = Infinity;
      let theirs = Infinity;
      let oursSum = 0;
      let theirSum = 0;
      for (let run = 0; run < RUNS; run++) {
        const db = await Database.open(path);
        try {
          const t0 = performance.now();
          const stmt = await db.prepare(q.sql);
          let acc = 0;
          for await (const row of stmt.iterate()) for (const v of Object.values(row)) acc = mix(acc, v);
          ours = Math.min(ours, performance.now() - t0);
          oursSum = acc;
        } finally {
          await db.close();
        }
        const sdb = new SQL.Database(bytes);
        try {
          const t0 = performance.now();
          const stmt = sdb.prepare(q.sql);
          let acc = 0;
          while (stmt.step()) for (const v of stmt.get(null, { useBigInt: true })) acc = mix(acc, v);
          stmt.free();
          theirs = Math.min(theirs, performance.now() - t0);
          theirSum = acc;
        } finally {
          sdb.close();
        }
      }
      const check = oursSum === theirSum ? 'same results' : `RESULTS DIFFER (${oursSum} vs ${theirSum})`;
      console.log(
        `  ${q.label.padEnd(38)} s3lite ${ours.toFixed(0).padStart(6)}   sql.js ${theirs.toFixed(0).padStart(6)}   ratio ${(ours / theirs).toFixed(2)}   ${check}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
