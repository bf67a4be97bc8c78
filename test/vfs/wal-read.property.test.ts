/**
 * Property: for random transactions left in a log by sqlite3 (random page size, row sizes from a
 * few bytes to several overflow pages, inserts, updates, deletes, an index), cut at a random byte
 * (a torn log, as a crash or a copy mid-write leaves it), `Database.open` reads the same rows as
 * sqlite3 on the same files — and a writer's checkpoint leaves a file sqlite3 reads the same.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/sqlite3.js';
import { dumpSql, makeWalDatabase, ourView, readBytes, sqlite3On, sqlite3View, writeBytes } from './wal-support.js';
import { Database } from '../../src/api/database.js';

const tmp = tempDir('s3lite-wal-prop');
afterAll(() => tmp.cleanup());
let seq = 0;

const DUMP = dumpSql('t', ['a', 'b']);

const statement = fc.oneof(
  fc
    .tuple(fc.integer({ min: 1, max: 40 }), fc.constantFrom(1, 20, 300, 3000, 20000))
    .map(([n, size]) => `INSERT INTO t(b) SELECT randomblob(${size}) FROM generate_series(1, ${n});`),
  fc.integer({ min: 2, max: 9 }).map((k) => `DELETE FROM t WHERE a % ${k} = 0;`),
  fc.tuple(fc.integer({ min: 2, max: 9 }), fc.constantFrom(5, 500, 5000)).map(([k, size]) => `UPDATE t SET b = randomblob(${size}) WHERE a % ${k} = 1;`),
  fc.constant('CREATE INDEX IF NOT EXISTS t_b ON t(b);'),
  fc.constant('DROP INDEX IF EXISTS t_b;'),
);

describe('WAL reads against sqlite3 (property)', () => {
  it('random transactions, random cut of the log: same rows as sqlite3; a checkpointing writer agrees', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(512, 1024, 4096, 8192, 65536),
        fc.array(fc.array(statement, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 5 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        async (pageSize, transactions, cutAt) => {
          const path = makeWalDatabase(tmp.dir, `p${++seq}.db`, {
            pageSize,
            base: `CREATE TABLE t(a INTEGER PRIMARY KEY, b); INSERT INTO t(b) SELECT randomblob(value * 10) FROM generate_series(1, 30);`,
            logged: transactions.map((tx) => `BEGIN; ${tx.join(' ')} COMMIT;`),
          });
          const wal = readBytes(`${path}-wal`);
          writeBytes(`${path}-wal`, wal.subarray(0, 32 + Math.floor(cutAt * (wal.length - 32))));
          const expected = sqlite3View(path, DUMP, tmp.dir);
          expect(await ourView(path, DUMP)).toBe(expected);
          const db = await Database.open(path, { readonly: false });
          await db.exec('CREATE TABLE IF NOT EXISTS extra(x); INSERT INTO extra VALUES (1);');
          await db.close();
          expect(sqlite3On(path, DUMP)).toBe(expected);
          expect(sqlite3On(path, 'PRAGMA integrity_check;')).toBe('ok\n');
        },
      ),
      { numRuns: 25 },
    );
  });
});
