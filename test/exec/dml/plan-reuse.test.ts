/**
 * Statement plans are cached per (statement, schema, enclosing scope) (src/exec/dml/plan-memo.ts):
 * the same SQL text run again reuses its compiled plan and its triggers' programs. These scripts
 * run the same texts with new parameters across what must make a plan new — CREATE / DROP INDEX,
 * ALTER TABLE, a trigger dropped and made again inside a transaction, ROLLBACK TO, a failed
 * statement — and what must not be baked into one — PRAGMA recursive_triggers and foreign_keys,
 * the OR clause a trigger is fired under, a statement running inside itself (recursive triggers).
 * Each step runs on sql.js and on our engine: the same outcome (the same message for errors) and
 * rows; afterwards every table equal and a file sqlite3 finds sound.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Database } from '../../../src/api/database.js';
import { SqliteError } from '../../../src/errors.js';
import { MemoryObjectStore } from '../../../src/store/memory-store.js';
import { serializeToBytes } from '../../../src/transfer/serialize.js';
import { BlockVfs } from '../../../src/vfs/block-vfs.js';
import { OpenFlags } from '../../../src/vfs/vfs.js';
import { integrityCheck, tempDir } from '../../support/sqlite3.js';
import { normalize, sqljs, sqljsClass, type SqlJsDatabase } from '../../support/sqljs.js';

type Param = number | string | null;
/** A statement, or a statement and the parameter lists it runs with, one run each. */
type Step = string | readonly [string, readonly (readonly Param[])[]];

interface Outcome {
  readonly ok: boolean;
  readonly message?: string;
  readonly rows?: readonly unknown[];
}

const SCRIPTS: Readonly<Record<string, readonly Step[]>> = {
  'an UPDATE, INSERT and DELETE planned before CREATE INDEX, DROP INDEX and ADD COLUMN follow them': [
    'CREATE TABLE t(id INTEGER PRIMARY KEY, email TEXT, n INT)',
    "INSERT INTO t(email, n) VALUES ('a@x', 1), ('b@x', 2), ('c@x', 3)",
    ['UPDATE t SET n = n + ? WHERE email = ?', [[10, 'a@x'], [20, 'b@x']]],
    ['INSERT INTO t(email, n) VALUES (?, ?)', [['d@x', 4]]],
    'CREATE UNIQUE INDEX t_email ON t(email)',
    ['UPDATE t SET n = n + ? WHERE email = ?', [[100, 'a@x'], [200, 'zz']]],
    ['INSERT INTO t(email, n) VALUES (?, ?)', [['a@x', 5], ['e@x', 6]]],
    ['DELETE FROM t WHERE email = ?', [['b@x'], ['nobody']]],
    'DROP INDEX t_email',
    ['INSERT INTO t(email, n) VALUES (?, ?)', [['a@x', 7]]],
    'ALTER TABLE t ADD COLUMN z DEFAULT 9',
    ['INSERT INTO t(email, n) VALUES (?, ?)', [['f@x', 8]]],
    ['UPDATE t SET n = n + ? WHERE email = ?', [[1000, 'a@x']]],
    ['DELETE FROM t WHERE email = ?', [['c@x']]],
    'SELECT * FROM t ORDER BY id',
  ],
  'a trigger dropped and made again inside a transaction, and ROLLBACK TO': [
    'CREATE TABLE t(id INTEGER PRIMARY KEY, v)',
    'CREATE TABLE log(id, what)',
    'CREATE TABLE cnt(n)',
    'INSERT INTO cnt VALUES (0)',
    "CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.id, 'v1 ' || new.v); END",
    ['INSERT INTO t(v) VALUES (?)', [['a'], ['b']]],
    'BEGIN',
    'DROP TRIGGER tr',
    ['INSERT INTO t(v) VALUES (?)', [['c']]],
    "CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.id, 'v2 ' || new.v); UPDATE cnt SET n = n + 1; END",
    ['INSERT INTO t(v) VALUES (?)', [['d'], ['e']]],
    'SAVEPOINT s',
    'DROP TRIGGER tr',
    "CREATE TRIGGER tr BEFORE INSERT ON t BEGIN INSERT INTO log VALUES (new.id, 'v3 ' || new.v); END",
    ['INSERT INTO t(v) VALUES (?)', [['f']]],
    'ROLLBACK TO s',
    ['INSERT INTO t(v) VALUES (?)', [['g']]],
    'COMMIT',
    ['INSERT INTO t(v) VALUES (?)', [['h']]],
    'SELECT * FROM log ORDER BY rowid',
  ],
  'recursive_triggers and the OR clause are per run: REPLACE fires DELETE triggers only while it is on': [
    'CREATE TABLE t(k PRIMARY KEY, v)',
    'CREATE TABLE log(x)',
    "CREATE TRIGGER d AFTER DELETE ON t BEGIN INSERT INTO log VALUES ('deleted ' || old.k || '=' || old.v); END",
    "CREATE TRIGGER i AFTER INSERT ON t WHEN length(new.k) < 3 BEGIN INSERT OR REPLACE INTO t VALUES (new.k || '!', new.v); END",
    ['INSERT OR REPLACE INTO t VALUES (?, ?)', [['a', 1], ['a', 2]]],
    'PRAGMA recursive_triggers = ON',
    ['INSERT OR REPLACE INTO t VALUES (?, ?)', [['a', 3], ['b', 4]]],
    'PRAGMA recursive_triggers = OFF',
    ['INSERT OR REPLACE INTO t VALUES (?, ?)', [['a', 5]]],
    ['INSERT OR IGNORE INTO t VALUES (?, ?)', [['a', 6]]],
    ['INSERT INTO t VALUES (?, ?)', [['a', 7]]],
    'SELECT * FROM t ORDER BY k',
    'SELECT * FROM log ORDER BY rowid',
  ],
  'a statement that runs inside its own run (recursive triggers)': [
    'PRAGMA recursive_triggers = ON',
    'CREATE TABLE c(n, m)',
    'CREATE TABLE log(x)',
    'CREATE TRIGGER r AFTER INSERT ON c WHEN new.n < 4 BEGIN INSERT INTO c VALUES (new.n + 1, new.m); UPDATE c SET m = m + 1 WHERE n = new.n; INSERT INTO log VALUES (new.n); END',
    'CREATE TRIGGER u AFTER UPDATE ON c WHEN new.m < 3 BEGIN UPDATE c SET m = m + 1 WHERE n = new.n; END',
    ['INSERT INTO c VALUES (?, ?)', [[0, 0], [2, 1]]],
    'DELETE FROM c WHERE n = 3',
    ['INSERT INTO c VALUES (?, ?)', [[1, 0]]],
    'SELECT * FROM c ORDER BY rowid',
    'SELECT * FROM log ORDER BY rowid',
  ],
  'foreign_keys switched between runs of the same statements': [
    'CREATE TABLE p(id INTEGER PRIMARY KEY)',
    'CREATE TABLE c(id INTEGER PRIMARY KEY, pid REFERENCES p(id) ON DELETE CASCADE)',
    'INSERT INTO p VALUES (1), (2), (3)',
    ['INSERT INTO c(pid) VALUES (?)', [[1], [9]]],
    ['DELETE FROM p WHERE id = ?', [[1]]],
    'PRAGMA foreign_keys = ON',
    ['INSERT INTO c(pid) VALUES (?)', [[2], [9]]],
    ['DELETE FROM p WHERE id = ?', [[2]]],
    ['UPDATE c SET pid = ? WHERE id = ?', [[3, 3], [8, 3]]],
    'PRAGMA foreign_keys = OFF',
    ['INSERT INTO c(pid) VALUES (?)', [[7]]],
    ['DELETE FROM p WHERE id = ?', [[3]]],
    'SELECT * FROM c ORDER BY id',
  ],
  'a failed run, then the same text again (inside BEGIN and in autocommit)': [
    'CREATE TABLE t(id INTEGER PRIMARY KEY, u UNIQUE, v)',
    'CREATE TABLE log(x)',
    'CREATE TRIGGER a AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.u); END',
    "CREATE TRIGGER b BEFORE UPDATE ON t WHEN new.v = 'bad' BEGIN SELECT RAISE(ABORT, 'no bad'); END",
    ['INSERT INTO t(u, v) VALUES (?, ?)', [[1, 'x'], [1, 'y'], [2, 'z']]],
    'BEGIN',
    ['INSERT INTO t(u, v) VALUES (?, ?)', [[3, 'x'], [3, 'y'], [4, 'z']]],
    ['UPDATE t SET v = ? WHERE u = ?', [['ok', 1], ['bad', 2], ['fine', 2]]],
    'COMMIT',
    ['UPDATE t SET v = ? WHERE u = ?', [['bad', 3], ['good', 3]]],
    'SELECT * FROM t ORDER BY id',
    'SELECT * FROM log ORDER BY rowid',
  ],
};

function oracleRun(db: SqlJsDatabase, sql: string, params: readonly Param[] | undefined): Outcome {
  try {
    const st = db.prepare(sql);
    try {
      if (params !== undefined) st.bind([...params]);
      const rows: unknown[] = [];
      while (st.step()) rows.push(st.get(null, { useBigInt: true }).map((v) => [normalize(v), sqljsClass(v)]));
      return rows.length === 0 ? { ok: true } : { ok: true, rows };
    } finally {
      st.free();
    }
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}

async function ourRun(db: Database, sql: string, params: readonly Param[] | undefined): Promise<Outcome> {
  try {
    let out: Outcome = { ok: true };
    await db.execRows(sql, params === undefined ? undefined : [...params], (r) => {
      if (r !== undefined && r.rows.length > 0) out = { ok: true, rows: r.rows.map((x) => x.values.map((v, i) => [v, x.classes[i]])) };
    });
    return out;
  } catch (err) {
    if (!(err instanceof SqliteError)) throw err;
    return { ok: false, message: err.message };
  }
}

/** Every table of both, equal; the file sound by sqlite3. */
async function compareAll(db: Database, objects: MemoryObjectStore, oracle: SqlJsDatabase, dir: string): Promise<void> {
  const tables = oracleRun(oracle, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name", undefined);
  for (const row of (tables.rows ?? []) as [string, string][][]) {
    const q = `SELECT * FROM "${row[0]![0]}" ORDER BY rowid`;
    expect(await ourRun(db, q, undefined), q).toEqual(oracleRun(oracle, q, undefined));
  }
  const file = await new BlockVfs(objects).xOpen('db', OpenFlags.SQLITE_OPEN_READONLY);
  const path = join(dir, 'db.sqlite');
  writeFileSync(path, await serializeToBytes(file));
  await file.xClose();
  expect(integrityCheck(path)).toBe('ok');
}

describe('cached statement plans against SQLite', () => {
  for (const [title, script] of Object.entries(SCRIPTS)) {
    it(title, async () => {
      const SQL = await sqljs();
      const oracle = new SQL.Database();
      const objects = new MemoryObjectStore();
      const db = await Database.create({ objects, prefix: 'db' });
      const { dir, cleanup } = tempDir('s3lite-plan-reuse');
      try {
        for (const step of script) {
          const [sql, runs] = typeof step === 'string' ? [step, [undefined]] : [step[0], step[1]];
          for (const params of runs) {
            const label = `${sql} ${JSON.stringify(params ?? [])}`;
            expect(await ourRun(db, sql, params), label).toEqual(oracleRun(oracle, sql, params));
          }
        }
        expect(db.inTransaction).toBe(false);
        await compareAll(db, objects, oracle, dir);
      } finally {
        await db.close();
        oracle.close();
        cleanup();
      }
    });
  }

  it('two connections whose triggers have the same text keep their own plans', async () => {
    // Trigger bodies are parsed once per text for the whole process, so both connections run the
    // same statement objects — each under its own schema, with different tables behind them.
    const SQL = await sqljs();
    const setup = [
      'CREATE TABLE t(id INTEGER PRIMARY KEY, v)',
      'CREATE TABLE log(id, v)',
      'CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.id, new.v); UPDATE log SET v = v || "!" WHERE id = new.id - 1; END',
    ];
    const sides = await Promise.all(
      [['CREATE TABLE pad(x)'], ['CREATE TABLE pad(x, y)', 'CREATE INDEX log_id ON log(id)']].map(async (extra) => {
        const objects = new MemoryObjectStore();
        const db = await Database.create({ objects, prefix: 'db' });
        const oracle = new SQL.Database();
        for (const sql of [...extra, ...setup]) {
          expect(await ourRun(db, sql, undefined)).toEqual(oracleRun(oracle, sql, undefined));
        }
        return { db, objects, oracle };
      }),
    );
    const { dir, cleanup } = tempDir('s3lite-plan-reuse');
    try {
      for (let i = 0; i < 6; i++) {
        // Interleaved, and concurrently: each connection serialises its own statements only.
        await Promise.all(
          sides.map(async (s, k) => {
            const params = [`${k}:${i}`];
            expect(await ourRun(s.db, 'INSERT INTO t(v) VALUES (?)', params)).toEqual(oracleRun(s.oracle, 'INSERT INTO t(v) VALUES (?)', params));
          }),
        );
      }
      for (const s of sides) await compareAll(s.db, s.objects, s.oracle, dir);
    } finally {
      for (const s of sides) {
        await s.db.close();
        s.oracle.close();
      }
      cleanup();
    }
  });
});
