/**
 * The TEMP database (src/api/temp-database.ts, src/schema/connection-schema.ts,
 * src/exec/ddl/ddl-database.ts) against SQLite (sql.js): every statement of each script runs on
 * both, and both agree on success or SQLite's exact error message and on the rows returned.
 * After each script main's sqlite_schema equals SQLite's, and the main database as stored —
 * exported to a plain file — passes `sqlite3 … PRAGMA integrity_check` and holds no TEMP object.
 * A property mixes TEMP and main tables, views, triggers and indexes with random statements.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database } from '../../../src/api/database.js';
import { ReadOnlyError } from '../../../src/errors.js';
import type { SqlValue } from '../../../src/record/value.js';
import { MemoryObjectStore } from '../../../src/store/memory-store.js';
import { serializeToBytes } from '../../../src/transfer/serialize.js';
import { BlockVfs } from '../../../src/vfs/block-vfs.js';
import { OpenFlags } from '../../../src/vfs/vfs.js';
import { integrityCheck, tempDir } from '../../support/sqlite3.js';
import { normalize, sqljs, type SqlJsDatabase } from '../../support/sqljs.js';

type Outcome = { ok: true; rows: SqlValue[][] } | { ok: false; error: string };

interface Pair {
  readonly ours: Database;
  readonly oracle: SqlJsDatabase;
  readonly objects: MemoryObjectStore;
}

async function openPair(): Promise<Pair> {
  const objects = new MemoryObjectStore();
  const ours = await Database.create({ objects, prefix: 'db' });
  const SQL = await sqljs();
  return { ours, oracle: new SQL.Database(), objects };
}

async function runOurs(db: Database, sql: string): Promise<Outcome> {
  let rows: SqlValue[][] = [];
  try {
    await db.execRows(sql, undefined, (r) => {
      rows = r === undefined ? [] : r.rows.map((row) => row.values as SqlValue[]);
    });
    return { ok: true, rows };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

function runOracle(db: SqlJsDatabase, sql: string): Outcome {
  try {
    const stmt = db.prepare(sql);
    const rows: SqlValue[][] = [];
    while (stmt.step()) rows.push(stmt.get(null, { useBigInt: true }).map(normalize));
    stmt.free();
    return { ok: true, rows };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** Runs each statement on both sides; returns the first disagreement (undefined when none). */
async function compare(pair: Pair, statements: readonly string[]): Promise<string | undefined> {
  for (const sql of statements) {
    // EXPLAIN QUERY PLAN: the detail lines (SQLite's ids count its own opcodes).
    const plan = (o: Outcome): Outcome => (o.ok && /^EXPLAIN/i.test(sql) ? { ok: true, rows: o.rows.map((r) => [r[3] ?? null]) } : o);
    const ours = plan(await runOurs(pair.ours, sql));
    const oracle = plan(runOracle(pair.oracle, sql));
    const a = JSON.stringify(ours, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
    const b = JSON.stringify(oracle, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
    if (a !== b) return `${sql}\n  s3lite: ${a}\n  sqlite: ${b}`;
  }
  return undefined;
}

const MAIN_SCHEMA = 'SELECT type, name, tbl_name, sql FROM main.sqlite_schema ORDER BY rowid';

/**
 * Main's schema equals SQLite's; the stored main database passes sqlite3's integrity check and
 * its schema is main's alone (no TEMP object reached the store).
 */
async function checkMain(pair: Pair, dir: string): Promise<void> {
  const ours = await runOurs(pair.ours, MAIN_SCHEMA);
  expect(ours).toEqual(runOracle(pair.oracle, MAIN_SCHEMA));
  const file = await new BlockVfs(pair.objects).xOpen('db', OpenFlags.SQLITE_OPEN_READONLY);
  const bytes = await serializeToBytes(file);
  const path = join(dir, 'main.sqlite');
  writeFileSync(path, bytes);
  expect(integrityCheck(path)).toBe('ok');
  const SQL = await sqljs();
  const stored = new SQL.Database(bytes);
  try {
    expect(runOracle(stored, MAIN_SCHEMA)).toEqual(ours);
  } finally {
    stored.close();
  }
}

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir('temp-schema'));
});
afterEach(() => cleanup());

/** Each script runs on a fresh pair, statement by statement, then main is checked. */
const SCRIPTS: Record<string, readonly string[]> = {
  'TEMP tables shadow main ones; qualified names pick one': [
    'CREATE TABLE t(a)',
    'INSERT INTO t VALUES (1)',
    'CREATE TEMP TABLE t(b)',
    'INSERT INTO t VALUES (2)',
    'SELECT * FROM t',
    'SELECT * FROM main.t',
    'SELECT * FROM temp.t',
    'INSERT INTO main.t VALUES (3)',
    'UPDATE main.t SET a = a + 10',
    'DELETE FROM temp.t WHERE b = 2',
    'SELECT * FROM main.t ORDER BY a',
    'SELECT count(*) FROM temp.t',
    'SELECT type, name, tbl_name, rootpage, sql FROM sqlite_temp_master',
    'SELECT type, name, tbl_name, rootpage, sql FROM sqlite_temp_schema',
    'SELECT name FROM temp.sqlite_master',
    'SELECT name FROM sqlite_master',
    'DROP TABLE t',
    'SELECT * FROM t',
    'DROP TABLE t',
    'SELECT * FROM t',
  ],
  'CREATE TEMPORARY TABLE, CREATE TABLE temp.x, TEMP AUTOINCREMENT and WITHOUT ROWID': [
    'CREATE TEMPORARY TABLE a(x INTEGER PRIMARY KEY AUTOINCREMENT, y UNIQUE)',
    'CREATE TABLE temp.b(k TEXT PRIMARY KEY, v) WITHOUT ROWID',
    "INSERT INTO a(y) VALUES ('p'), ('q')",
    "INSERT INTO a(y) VALUES ('p')",
    "INSERT INTO b VALUES ('k1', 1), ('k2', 2)",
    "INSERT INTO b VALUES ('k1', 3)",
    'SELECT * FROM a',
    'SELECT * FROM b ORDER BY k',
    'SELECT name, seq FROM temp.sqlite_sequence',
    'SELECT type, name, tbl_name, sql FROM sqlite_temp_master',
    'SELECT name FROM sqlite_master',
    'CREATE TABLE m(x INTEGER PRIMARY KEY AUTOINCREMENT, y)',
    "INSERT INTO m(y) VALUES ('z')",
    'SELECT name, seq FROM main.sqlite_sequence',
    'DROP TABLE a',
    'SELECT name, seq FROM temp.sqlite_sequence',
  ],
  'errors as SQLite words them': [
    'CREATE TEMP TABLE t(a)',
    'CREATE TEMP TABLE t(a)',
    'CREATE TEMP TABLE IF NOT EXISTS t(a)',
    'CREATE TEMP VIEW t AS SELECT 1',
    'CREATE TEMP TABLE sqlite_x(a)',
    'CREATE TABLE temp.sqlite_x(a)',
    'CREATE TEMP TABLE main.y(a)',
    'CREATE TEMP TABLE aux.y(a)',
    'CREATE TABLE aux.y(a)',
    'CREATE TEMP VIEW main.q AS SELECT 1',
    'CREATE TEMP TRIGGER main.q AFTER INSERT ON t BEGIN SELECT 1; END',
    'CREATE INDEX temp.t ON t(a)',
    'CREATE TABLE m(a)',
    'CREATE INDEX temp.im ON m(a)',
    'CREATE VIEW mv AS SELECT * FROM temp.t',
    'CREATE VIEW mv2 AS SELECT (SELECT 1 FROM temp.t)',
    'CREATE TRIGGER main.tr AFTER INSERT ON temp.t BEGIN SELECT 1; END',
    'CREATE TRIGGER mtr AFTER INSERT ON m BEGIN SELECT * FROM temp.t; END',
    'DROP TABLE temp.nosuch',
    'DROP TABLE IF EXISTS temp.nosuch',
    'DROP INDEX main.nosuch',
    'DROP VIEW aux.v',
    'SELECT * FROM temp.nosuch',
    'SELECT * FROM aux.t',
    'INSERT INTO temp.m VALUES (1)',
    'INSERT INTO aux.m VALUES (1)',
    'INSERT INTO temp.sqlite_master VALUES (1, 2, 3, 4, 5)',
  ],
  'views: TEMP ones see TEMP then main, main ones main only': [
    'CREATE TABLE t(a)',
    'INSERT INTO t VALUES (1)',
    'CREATE TEMP TABLE t(b)',
    'INSERT INTO t VALUES (2)',
    'CREATE VIEW v AS SELECT * FROM t',
    'SELECT * FROM v',
    'CREATE TEMP VIEW tv AS SELECT * FROM t',
    'SELECT * FROM tv',
    'CREATE TEMP VIEW tv2 AS SELECT * FROM main.t',
    'SELECT * FROM tv2',
    'CREATE TEMP TABLE only_temp(z)',
    'CREATE VIEW mv AS SELECT * FROM only_temp',
    'SELECT * FROM mv',
    'SELECT type, name FROM sqlite_temp_master ORDER BY name',
    'DROP VIEW tv',
    'DROP VIEW temp.tv2',
    'DROP VIEW v',
    'SELECT type, name FROM sqlite_temp_master ORDER BY name',
  ],
  'triggers: TEMP ones on main tables fire on main writes; main ones see main only': [
    'CREATE TABLE t(a)',
    'CREATE TABLE log(x)',
    'CREATE TEMP TABLE tlog(x)',
    'CREATE TEMP TRIGGER tr1 AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.a); INSERT INTO tlog VALUES (new.a * 10); END',
    'INSERT INTO t VALUES (1), (2)',
    'SELECT * FROM log',
    'SELECT * FROM tlog',
    'CREATE TEMP TABLE t(b)',
    'CREATE TEMP TRIGGER tr2 AFTER INSERT ON main.t BEGIN INSERT INTO log VALUES (-new.a); END',
    'INSERT INTO t VALUES (5)',
    'INSERT INTO main.t VALUES (6)',
    'SELECT * FROM log',
    'SELECT * FROM tlog',
    'CREATE TRIGGER mtr AFTER INSERT ON main.t BEGIN INSERT INTO tlog VALUES (1); END',
    'INSERT INTO main.t VALUES (7)',
    'DROP TRIGGER mtr',
    'CREATE TRIGGER ttr AFTER INSERT ON t BEGIN INSERT INTO tlog VALUES (new.b); END',
    'INSERT INTO t VALUES (8)',
    'SELECT * FROM tlog',
    'SELECT type, name, tbl_name FROM sqlite_temp_master ORDER BY name',
    'DROP TABLE temp.t',
    'SELECT type, name, tbl_name FROM sqlite_temp_master ORDER BY name',
    'DROP TABLE main.t',
    'SELECT type, name, tbl_name FROM sqlite_temp_master ORDER BY name',
  ],
  'indexes on TEMP tables go to TEMP and are used': [
    'CREATE TABLE m(a, b)',
    'CREATE TEMP TABLE t(a, b)',
    'CREATE INDEX ti ON t(a)',
    'CREATE INDEX temp.ti2 ON t(b)',
    'CREATE INDEX main.mi ON m(a)',
    'CREATE INDEX mi ON m(b)',
    "INSERT INTO t VALUES (1, 'x'), (2, 'y'), (3, 'z')",
    'INSERT INTO m SELECT a * 2, b FROM t',
    'SELECT type, name, tbl_name FROM sqlite_temp_master ORDER BY name',
    'SELECT * FROM t WHERE a = 2',
    'SELECT b FROM t WHERE b > ? ORDER BY b'.replace('?', "'x'"),
    'EXPLAIN QUERY PLAN SELECT * FROM t WHERE a = 2',
    // Every access path reads a TEMP table through its own pager: rowid range read downwards, min/max, count.
    'SELECT rowid, * FROM t WHERE rowid > 1 ORDER BY rowid DESC',
    'SELECT rowid, * FROM t WHERE rowid = 2',
    'SELECT max(a), min(a), count(*) FROM t',
    'SELECT min(b) FROM t',
    'DROP INDEX ti',
    'DROP INDEX temp.ti2',
    'DROP INDEX main.mi',
    'SELECT type, name, tbl_name FROM sqlite_temp_master ORDER BY name',
  ],
  'INSERT … SELECT, joins and CREATE TABLE AS across the two databases': [
    'CREATE TABLE m(id INTEGER PRIMARY KEY, v)',
    "INSERT INTO m(v) VALUES ('a'), ('b'), ('c')",
    'CREATE TEMP TABLE t AS SELECT id, v || v AS w FROM m WHERE id > 1',
    'SELECT * FROM t',
    'SELECT sql FROM sqlite_temp_master',
    'INSERT INTO m(v) SELECT w FROM t',
    'INSERT INTO t SELECT id, v FROM main.m WHERE id = 1',
    'SELECT m.id, m.v, t.w FROM m JOIN t ON t.id = m.id ORDER BY m.id',
    'SELECT m.id, t.w FROM m LEFT JOIN temp.t AS t USING (id) ORDER BY 1',
    'CREATE TABLE m2 AS SELECT * FROM t',
    'SELECT * FROM m2 ORDER BY id',
    'UPDATE m SET v = (SELECT w FROM t WHERE t.id = m.id) WHERE id IN (SELECT id FROM t)',
    'SELECT * FROM m ORDER BY id',
    'DELETE FROM t WHERE id IN (SELECT id FROM m WHERE v IS NULL)',
    'SELECT count(*) FROM t',
  ],
  'transactions, statement rollback and savepoints cover both databases': [
    'CREATE TABLE m(a UNIQUE)',
    'CREATE TEMP TABLE t(a UNIQUE)',
    'BEGIN',
    'INSERT INTO m VALUES (1)',
    'INSERT INTO t VALUES (1)',
    'ROLLBACK',
    'SELECT (SELECT count(*) FROM m), (SELECT count(*) FROM t)',
    'BEGIN',
    'INSERT INTO t VALUES (2)',
    'SAVEPOINT s1',
    'INSERT INTO m VALUES (2)',
    'INSERT INTO t VALUES (3)',
    'CREATE TEMP TABLE u(x)',
    'ROLLBACK TO s1',
    'SELECT * FROM u',
    'INSERT INTO t VALUES (4)',
    'RELEASE s1',
    'COMMIT',
    'SELECT * FROM m',
    'SELECT * FROM t ORDER BY a',
    'CREATE TEMP TRIGGER tr AFTER INSERT ON m BEGIN INSERT INTO t VALUES (new.a); END',
    'INSERT INTO m VALUES (5), (2)',
    'SELECT * FROM m ORDER BY a',
    'SELECT * FROM t ORDER BY a',
    'INSERT INTO m VALUES (4)',
    'SELECT * FROM m ORDER BY a',
    'BEGIN',
    'INSERT INTO m VALUES (6)',
    'INSERT OR ROLLBACK INTO t VALUES (2)',
    'SELECT * FROM m ORDER BY a',
    'SELECT * FROM t ORDER BY a',
    'SAVEPOINT outer_sp',
    'CREATE TEMP VIEW tv AS SELECT 1',
    'RELEASE outer_sp',
    'SELECT type, name FROM sqlite_temp_master ORDER BY name',
  ],
  'ALTER TABLE on TEMP tables, and TEMP objects naming a renamed main table': [
    'CREATE TABLE m(a, b)',
    'INSERT INTO m VALUES (1, 2)',
    'CREATE TEMP TABLE t(x, y)',
    'INSERT INTO t VALUES (1, 9)',
    'CREATE TEMP VIEW tv AS SELECT m.a, t.y FROM m JOIN t ON m.a = t.x',
    'ALTER TABLE t RENAME TO t2',
    'ALTER TABLE temp.t2 ADD COLUMN z',
    'SELECT sql FROM sqlite_temp_master ORDER BY name',
    'SELECT * FROM tv',
    'CREATE TEMP TRIGGER tt AFTER UPDATE ON m BEGIN INSERT INTO t2(x) VALUES (new.a); END',
    'ALTER TABLE m RENAME TO m2',
    'SELECT type, name, tbl_name, sql FROM sqlite_temp_master ORDER BY name',
    'UPDATE m2 SET a = 5',
    'SELECT * FROM t2 ORDER BY x',
    'VACUUM temp',
    'SELECT * FROM tv',
  ],
  'PRAGMAs name the TEMP database': [
    'PRAGMA database_list',
    'CREATE TABLE m(a)',
    'PRAGMA database_list',
    'CREATE TEMP TABLE t(x INTEGER PRIMARY KEY, y TEXT NOT NULL)',
    'PRAGMA temp.table_info(t)',
    'PRAGMA table_info(t)',
    'PRAGMA main.table_info(t)',
    'CREATE INDEX ti ON t(y)',
    'PRAGMA temp.index_list(t)',
    'PRAGMA temp.integrity_check',
    'PRAGMA aux.table_info(t)',
    "SELECT name, type FROM pragma_table_info('t', 'temp')",
    "SELECT name FROM pragma_table_info('t', 'main')",
    "SELECT name FROM pragma_index_list('t', 'temp')",
    "SELECT name FROM pragma_table_info('t', 'aux')",
  ],
};

describe('TEMP database against SQLite', () => {
  for (const [name, statements] of Object.entries(SCRIPTS)) {
    it(name, async () => {
      const pair = await openPair();
      try {
        // database_list's main file name is where each lives: compared without it.
        const script = statements.map((s) => (s === 'PRAGMA database_list' ? 'SELECT seq, name FROM pragma_database_list' : s));
        expect(await compare(pair, script)).toBeUndefined();
        await checkMain(pair, dir);
      } finally {
        await pair.ours.close();
        pair.oracle.close();
      }
    });
  }

  it('drops the TEMP database with the connection: a new one starts without it', async () => {
    const objects = new MemoryObjectStore();
    const db = await Database.create({ objects, prefix: 'db' });
    await db.exec('CREATE TABLE m(a); CREATE TEMP TABLE t(a); INSERT INTO t VALUES (1); INSERT INTO m SELECT a FROM t');
    await db.close();
    const again = await Database.open({ objects, prefix: 'db' }, { readonly: false });
    try {
      expect(await again.query('SELECT * FROM m')).toEqual([{ a: 1 }]);
      await expect(again.query('SELECT * FROM t')).rejects.toThrow('no such table: t');
      expect(await again.query('SELECT name FROM pragma_database_list')).toEqual([{ name: 'main' }]);
    } finally {
      await again.close();
    }
  });

  it('lets a read-only database have TEMP objects, and refuses writes to main', async () => {
    const objects = new MemoryObjectStore();
    const writer = await Database.create({ objects, prefix: 'db' });
    await writer.exec("CREATE TABLE m(a); INSERT INTO m VALUES ('x'), ('y')");
    await writer.close();
    const db = await Database.open({ objects, prefix: 'db' });
    try {
      await db.exec('CREATE TEMP TABLE t(a, n)');
      await db.exec("INSERT INTO t SELECT a, length(a) FROM m; CREATE INDEX ti ON t(a); CREATE TEMP VIEW v AS SELECT m.a, t.n FROM m JOIN t USING (a)");
      await db.exec('BEGIN; UPDATE t SET n = n + 1; SAVEPOINT s; DELETE FROM t; ROLLBACK TO s; COMMIT');
      expect(await db.query('SELECT * FROM v ORDER BY a')).toEqual([
        { a: 'x', n: 2 },
        { a: 'y', n: 2 },
      ]);
      await expect(db.run("INSERT INTO m VALUES ('z')")).rejects.toBeInstanceOf(ReadOnlyError);
      await expect(db.run('CREATE TABLE m2(a)')).rejects.toBeInstanceOf(ReadOnlyError);
      expect(await db.query('SELECT count(*) AS n FROM m')).toEqual([{ n: 2 }]);
    } finally {
      await db.close();
    }
  });
});

// ── A property: random statements over TEMP and main objects ─────────────────────────────────

const tableName = fc.constantFrom('m1', 'm2', 't1', 'x');
const qualifier = fc.constantFrom('', '', '', 'main.', 'temp.');
const val = fc.oneof(fc.constant('NULL'), fc.integer({ min: -3, max: 9 }).map(String), fc.constantFrom("'a'", "'b'", "'zz'", '1.5'));

const statement: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('', 'TEMP ', 'TEMPORARY '), qualifier, tableName, fc.boolean()).map(([t, q, n, u]) => `CREATE ${t}TABLE ${q}${n}(id INTEGER PRIMARY KEY, b${u ? ' UNIQUE' : ''}, c)`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('', 'TEMP '), tableName, qualifier, tableName).map(([t, n, q, src]) => `CREATE ${t}TABLE ${n}_as AS SELECT b, c FROM ${q}${src}`) },
  { weight: 1, arbitrary: fc.tuple(qualifier, tableName).map(([q, n]) => `DROP TABLE ${q}${n}`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('', 'TEMP '), fc.integer({ min: 1, max: 2 }), qualifier, tableName).map(([t, k, q, n]) => `CREATE ${t}VIEW v${k} AS SELECT id, b FROM ${q}${n} WHERE c IS NOT NULL`) },
  { weight: 1, arbitrary: fc.tuple(qualifier, fc.integer({ min: 1, max: 2 })).map(([q, k]) => `DROP VIEW ${q}v${k}`) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('', 'TEMP '), fc.integer({ min: 1, max: 2 }), fc.constantFrom('', 'main.'), tableName, tableName, fc.constantFrom('INSERT', 'DELETE'))
      .map(([t, k, q, on, into, ev]) => `CREATE ${t}TRIGGER tr${k} AFTER ${ev} ON ${t === '' ? '' : q}${on} BEGIN INSERT INTO ${into}(b, c) VALUES (${ev === 'INSERT' ? 'new' : 'old'}.b, 'trig'); END`),
  },
  { weight: 1, arbitrary: fc.tuple(qualifier, fc.integer({ min: 1, max: 2 })).map(([q, k]) => `DROP TRIGGER ${q}tr${k}`) },
  { weight: 1, arbitrary: fc.tuple(qualifier, fc.integer({ min: 1, max: 2 }), tableName).map(([q, k, n]) => `CREATE INDEX ${q}i${k} ON ${n}(b)`) },
  { weight: 6, arbitrary: fc.tuple(qualifier, tableName, fc.array(fc.tuple(val, val), { minLength: 1, maxLength: 3 })).map(([q, n, rows]) => `INSERT INTO ${q}${n}(b, c) VALUES ${rows.map(([b, c]) => `(${b}, ${c})`).join(', ')}`) },
  { weight: 2, arbitrary: fc.tuple(qualifier, tableName, qualifier, tableName).map(([q, n, q2, src]) => `INSERT INTO ${q}${n}(b, c) SELECT c, b FROM ${q2}${src} WHERE b IS NOT NULL`) },
  { weight: 2, arbitrary: fc.tuple(qualifier, tableName, val).map(([q, n, v]) => `UPDATE ${q}${n} SET c = ${v} WHERE id % 2 = 0`) },
  { weight: 2, arbitrary: fc.tuple(qualifier, tableName, val).map(([q, n, v]) => `DELETE FROM ${q}${n} WHERE b = ${v}`) },
  { weight: 4, arbitrary: fc.tuple(qualifier, tableName).map(([q, n]) => `SELECT id, b, c FROM ${q}${n} ORDER BY id`) },
  { weight: 2, arbitrary: fc.tuple(qualifier, tableName, qualifier, tableName).map(([q, n, q2, m]) => `SELECT x1.id, x2.c FROM ${q}${n} AS x1 JOIN ${q2}${m} AS x2 ON x1.b = x2.b ORDER BY 1, 2`) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 2 }).map((k) => `SELECT * FROM v${k} ORDER BY id`) },
  { weight: 1, arbitrary: fc.constant('SELECT type, name, tbl_name, sql FROM sqlite_temp_master ORDER BY name') },
  { weight: 3, arbitrary: fc.constantFrom('BEGIN', 'COMMIT', 'ROLLBACK', 'SAVEPOINT s', 'ROLLBACK TO s', 'RELEASE s') },
);

describe('TEMP and main objects under random statements', () => {
  it('agree with SQLite statement by statement, and main stays clean', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(statement, { minLength: 5, maxLength: 30 }), async (statements) => {
        const pair = await openPair();
        try {
          const diff = await compare(pair, statements);
          expect(diff).toBeUndefined();
          await compare(pair, ['ROLLBACK']);
          await checkMain(pair, dir);
        } finally {
          await pair.ours.close();
          pair.oracle.close();
        }
      }),
      { numRuns: 60 },
    );
  });
});
