/**
 * Inserts per second for 100,000 rows in one transaction on a local block directory, and the
 * object PUTs the commit costs (`npx tsx bench/insert-rate.ts [rows]`).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from '../src/api/database.js';

const rows = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 's3lite-bench-'));
try {
  const location = join(dir, 'db') + '/';
  const db = await Database.create(location);
  await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL, tag TEXT)');
  const started = performance.now();
  await db.transaction(async () => {
    for (let i = 0; i < rows; i++) {
      await db.run('INSERT INTO t(name, score, tag) VALUES (?, ?, ?)', [`name ${i}`, i / 7, i % 2 ? 'odd' : 'even']);
    }
  });
  const seconds = (performance.now() - started) / 1000;
  const indexStart = performance.now();
  await db.run('CREATE INDEX t_name ON t(name)');
  const indexSeconds = (performance.now() - indexStart) / 1000;
  const updStart = performance.now();
  await db.run('UPDATE t SET score = 0 WHERE id = 5000');
  const updSeconds = (performance.now() - updStart) / 1000;
  await db.close();
  const blocks = readdirSync(join(dir, 'db')).length;
  console.log(
    `${rows} rows in one transaction: ${seconds.toFixed(2)} s, ${Math.round(rows / seconds)} inserts/s; ` +
      `CREATE INDEX ${indexSeconds.toFixed(2)} s; single-row UPDATE by rowid ${updSeconds.toFixed(3)} s; ${blocks} blocks`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
