/**
 * The write API: create, run/exec with parameters, autocommit, BEGIN/COMMIT/ROLLBACK,
 * transaction(), statement-level rollback inside a transaction, conflict clauses, the stored
 * sqlite_schema text, REAL storage on disk, and files shared with sqlite3 in both directions.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import { ConstraintError, IoError, SqliteError } from '../../src/errors.js';
import { MemoryObjectStore } from '../../src/store/memory-store.js';
import { FaultyStore } from '../safety/harness.js';
import { integrityCheck, sqlite3, tempDir } from '../support/sqlite3.js';

const dirs: (() => void)[] = [];
afterEach(() => {
  for (const c of dirs.splice(0)) c();
});

async function rows(db: Database, table: string): Promise<unknown[][]> {
  const out: unknown[][] = [];
  for await (const r of db.rows(table)) out.push(r);
  return out;
}

async function memoryDb(pageSize = 4096): Promise<{ db: Database; objects: MemoryObjectStore }> {
  const objects = new MemoryObjectStore();
  return { db: await Database.create({ objects, prefix: 'db' }, { pageSize }), objects };
}

function tempFile(name = 'db.sqlite'): string {
  const { dir, cleanup } = tempDir('s3lite-write');
  dirs.push(cleanup);
  return join(dir, name);
}

describe('Database write API', () => {
  it('binds ?, ?N, :name, @name, $name from arrays and objects', async () => {
    const { db } = await memoryDb();
    await db.exec('CREATE TABLE t(a, b, c)');
    await db.run('INSERT INTO t VALUES (?, ?, ?)', [1, 'two', new Uint8Array([3])]);
    await db.run('INSERT INTO t VALUES (?2, ?1, ?2)', [10, 20]);
    await db.run('INSERT INTO t VALUES (:x, @y, $z)', { x: 1.5, '@y': null, $z: 2n ** 62n });
    await db.run('INSERT INTO t VALUES (:x, :x, ?)', [7, 8]);
    expect(await rows(db, 't')).toEqual([
      [1, 'two', new Uint8Array([3])],
      [20, 10, 20],
      [1.5, null, 2n ** 62n],
      [7, 7, 8],
    ]);
    await db.close();
  });

  it('binds ?N by the object key N in queries as in writes, beside names', async () => {
    const { db } = await memoryDb();
    await db.exec('CREATE TABLE t(a, b)');
    await db.run('INSERT INTO t VALUES (?1, ?3)', { 1: 'one', 3: 3 });
    await db.run('INSERT INTO t VALUES (:x, ?2)', { ':x': 'x', 2: 22 });
    expect(await rows(db, 't')).toEqual([
      ['one', 3],
      ['x', 22],
    ]);
    const stmt = await db.prepare('SELECT ? AS a, ?3 AS b, :y AS c, ? AS d');
    expect((await stmt.all({ 1: 7, 3: 9, ':y': 'why', 5: 'five' })).map((r) => Object.values(r))).toEqual([[7, 9, 'why', 'five']]);
    expect(await db.query('SELECT ?2 AS two, ?1 AS one', { 1: 'a', 2: 'b' })).toEqual([{ two: 'b', one: 'a' }]);
    // Only the object's own keys bind (a name such as :constructor is unbound: NULL, as in SQLite).
    expect(await db.query('SELECT :constructor AS c, :toString AS t', {})).toEqual([{ c: null, t: null }]);
    await db.run('INSERT INTO t VALUES (:constructor, 1)', {});
    await db.close();
  });

  it('reports changes and lastInsertRowid like SQLite', async () => {
    const { db } = await memoryDb();
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v)');
    expect(await db.run('INSERT INTO t(v) VALUES (1), (2), (3)')).toEqual({ changes: 3, lastInsertRowid: 3 });
    expect(await db.run('INSERT INTO t VALUES (100, 4)')).toEqual({ changes: 1, lastInsertRowid: 100 });
    expect(await db.run('UPDATE t SET v = v + 1 WHERE id > 1')).toEqual({ changes: 3, lastInsertRowid: 100 });
    expect(await db.run('DELETE FROM t WHERE v > 3')).toEqual({ changes: 2, lastInsertRowid: 100 });
    expect(await db.run('DELETE FROM t')).toEqual({ changes: 2, lastInsertRowid: 100 });
    await db.close();
  });

  it('autocommit: a failing statement leaves no trace; the others stay', async () => {
    const { db, objects } = await memoryDb();
    await db.exec('CREATE TABLE t(a UNIQUE)');
    await db.run('INSERT INTO t VALUES (1)');
    await expect(db.run('INSERT INTO t VALUES (2), (1)')).rejects.toThrow(ConstraintError);
    expect(await rows(db, 't')).toEqual([[1]]);
    const again = await Database.open({ objects, prefix: 'db' });
    expect(await rows(again, 't')).toEqual([[1]]);
    expect(await again.check()).toEqual([]);
    await again.close();
    await db.close();
  });

  it('BEGIN … ROLLBACK discards, COMMIT keeps; a failing statement inside is undone alone', async () => {
    const { db, objects } = await memoryDb();
    await db.exec('CREATE TABLE t(a PRIMARY KEY, b)');
    await db.exec("BEGIN; INSERT INTO t VALUES (1, 'x'); INSERT INTO t VALUES (2, 'y')");
    expect(db.inTransaction).toBe(true);
    const other = await Database.open({ objects, prefix: 'db' });
    expect(await rows(other, 't')).toEqual([]); // nothing written before COMMIT
    await expect(db.run("INSERT INTO t VALUES (3, 'z'), (1, 'dup')")).rejects.toThrow('UNIQUE constraint failed: t.a');
    await db.exec('COMMIT');
    expect(db.inTransaction).toBe(false);
    const fresh = await Database.open({ objects, prefix: 'db' });
    expect(await rows(fresh, 't')).toEqual([
      [1, 'x'],
      [2, 'y'],
    ]);
    await db.exec("BEGIN; DELETE FROM t; INSERT INTO t VALUES (9, 'gone'); ROLLBACK");
    expect(await rows(db, 't')).toHaveLength(2);
    await expect(db.exec('COMMIT')).rejects.toThrow('cannot commit - no transaction is active');
    await Promise.all([other.close(), fresh.close(), db.close()]);
  });

  it('transaction() commits on success and rolls back on a throw', async () => {
    const { db } = await memoryDb();
    await db.exec('CREATE TABLE t(a)');
    const n = await db.transaction(async () => {
      await db.run('INSERT INTO t VALUES (1)');
      await db.run('INSERT INTO t VALUES (2)');
      return 2;
    });
    expect(n).toBe(2);
    await expect(
      db.transaction(async () => {
        await db.run('INSERT INTO t VALUES (3)');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await rows(db, 't')).toEqual([[1], [2]]);
    expect(db.inTransaction).toBe(false);
    await db.close();
  });

  it('OR IGNORE, OR REPLACE, OR FAIL, OR ROLLBACK', async () => {
    const { db } = await memoryDb();
    await db.exec('CREATE TABLE t(a INTEGER PRIMARY KEY, b UNIQUE, c NOT NULL DEFAULT 5)');
    await db.run('INSERT INTO t VALUES (1, 10, 0), (2, 20, 0)');
    expect((await db.run('INSERT OR IGNORE INTO t VALUES (3, 10, 0), (4, 40, 0)')).changes).toBe(1);
    await db.run('INSERT OR REPLACE INTO t VALUES (5, 20, NULL)'); // replaces row 2, NULL → DEFAULT
    expect(await rows(db, 't')).toEqual([
      [1, 10, 0],
      [4, 40, 0],
      [5, 20, 5],
    ]);
    await expect(db.run('INSERT OR FAIL INTO t VALUES (6, 60, 0), (7, 10, 0)')).rejects.toThrow(ConstraintError);
    expect((await rows(db, 't')).map((r) => r[0])).toEqual([1, 4, 5, 6]); // the row before the failure stays
    await db.exec('BEGIN; INSERT INTO t VALUES (8, 80, 0)');
    await expect(db.run('INSERT OR ROLLBACK INTO t VALUES (9, 10, 0)')).rejects.toThrow(ConstraintError);
    expect(db.inTransaction).toBe(false);
    expect((await rows(db, 't')).map((r) => r[0])).toEqual([1, 4, 5, 6]);
    await db.close();
  });

  it('inside BEGIN a one-row INSERT runs without a savepoint: a failure before its first change leaves the transaction going, one after it rolls the transaction back', async () => {
    const inner = new MemoryObjectStore();
    const seed = await Database.create({ objects: inner, prefix: 'db' });
    await seed.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT, u UNIQUE); CREATE INDEX t_k ON t(k)');
    // Enough entries for many index leaves: a key far from the last one lands on a leaf not yet read.
    await seed.transaction(async () => {
      for (let i = 0; i < 2000; i++) {
        const key = `key ${String(i).padStart(5, '0')} ${'x'.repeat(80)}`;
        await seed.run('INSERT INTO t(k, u) VALUES (?, ?)', [key, key]);
      }
    });
    await seed.close();
    const faulty = new FaultyStore(inner);
    const heal = (): void => {
      faulty.crashed = false;
      faulty.armed = false;
    };
    const db = await Database.open({ objects: faulty, prefix: 'db' }, { readonly: false });
    await db.exec('BEGIN');
    await db.run("INSERT INTO t(k, u) VALUES ('zzz', 'zzz')"); // reads the right edges of the trees
    // Constraints are checked before any change: the transaction goes on with its row.
    await expect(db.run("INSERT INTO t(k, u) VALUES ('zzz', 'zzz')")).rejects.toThrow('UNIQUE constraint failed: t.u');
    expect(db.inTransaction).toBe(true);
    // So is the UNIQUE probe, here failing on I/O: nothing changed yet, the transaction goes on.
    faulty.arm(1);
    await expect(db.run("INSERT INTO t(k, u) VALUES ('a', 'key 01000 a')")).rejects.toThrow(IoError);
    expect(db.inTransaction).toBe(true);
    heal();
    // The row goes in (its table leaf is cached and dirty), then its entry in t_k needs a leaf
    // from the store, which fails: the statement stopped half-way, so the transaction is undone.
    faulty.arm(1);
    await expect(db.run("INSERT INTO t(k) VALUES ('key 01000 a')")).rejects.toThrow(IoError);
    expect(db.inTransaction).toBe(false);
    heal();
    expect(await db.query("SELECT count(*) AS n, sum(k = 'zzz') AS z FROM t")).toEqual([{ n: 2000, z: 0 }]);
    expect(await db.check()).toEqual([]);
    await db.close();
  });

  it('errors carry SQLite messages and classes', async () => {
    const { db } = await memoryDb();
    await db.exec('CREATE TABLE s(a INT, b TEXT CHECK (length(b) < 3) ) STRICT; CREATE TABLE c(x CHECK (x > 0), y, CONSTRAINT pos CHECK (y >= 0))');
    await expect(db.run("INSERT INTO s(a) VALUES ('x')")).rejects.toThrow('cannot store TEXT value in INT column s.a');
    await expect(db.run('INSERT INTO c VALUES (0, 1)')).rejects.toThrow('CHECK constraint failed: x > 0');
    await expect(db.run('INSERT INTO c VALUES (1, -1)')).rejects.toThrow('CHECK constraint failed: pos');
    await expect(db.run('INSERT INTO nope VALUES (1)')).rejects.toThrow('no such table: nope');
    // A statement that is not a query prepares as a WriteStatement (write-statement.test.ts); an unknown table fails there too.
    await expect(db.prepare('INSERT INTO nope VALUES (1)')).rejects.toThrow('no such table: nope');
    await expect(db.run('INSERT INTO c(z) VALUES (1)')).rejects.toThrow('table c has no column named z');
    await expect(db.run('CREATE TABLE c(a)')).rejects.toThrow('table c already exists');
    await expect(db.run('CREATE TABLE sqlite_x(a)')).rejects.toThrow('object name reserved for internal use: sqlite_x');
    const err = await db.run('INSERT INTO c VALUES (').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqliteError);
    expect((err as SqliteError).name).toBe('SqlSyntaxError');
    await db.close();
  });

  it('stores sqlite_schema rows, autoindexes and sqlite_sequence exactly as sqlite3 does', async () => {
    const sql = [
      'create   table  if not exists  main."t" (a integer primary key autoincrement, b text unique, c, unique(c,b))',
      'create unique index  if not exists i1 on t(b) where b>1',
      'CREATE TABLE w(a primary key, b) without rowid',
      'CREATE INDEX iw ON w(b DESC)',
    ];
    const theirs = tempFile('theirs.sqlite');
    sqlite3(theirs, `${sql.join(';\n')};`);
    const ours = tempFile('ours.sqlite');
    const db = await Database.create(ours);
    for (const s of sql) await db.run(s);
    await db.close();
    const q = 'SELECT type, name, tbl_name, rootpage, quote(sql) FROM sqlite_schema ORDER BY rowid;';
    expect(sqlite3(ours, q)).toBe(sqlite3(theirs, q));
    expect(integrityCheck(ours)).toBe('ok');
  });

  it('REAL columns store integral values as integers on disk, as SQLite does', async () => {
    const ours = tempFile();
    const db = await Database.create(ours);
    await db.exec('CREATE TABLE r(x REAL, y NUMERIC, z)');
    await db.run('INSERT INTO r VALUES (2.0, 2.0, 2.0), (2.5, 2.5, 2.5), (3, 3, 3), (1125899906842624.0, 1125899906842624.0, 1125899906842624.0)');
    await db.close();
    const theirs = tempFile('theirs.sqlite');
    sqlite3(theirs, 'CREATE TABLE r(x REAL, y NUMERIC, z); INSERT INTO r VALUES (2.0, 2.0, 2.0), (2.5, 2.5, 2.5), (3, 3, 3), (1125899906842624.0, 1125899906842624.0, 1125899906842624.0);');
    // Same records byte for byte: the table's only leaf page is identical apart from nothing.
    const page = (path: string) => readFileSync(path).subarray(4096, 8192);
    expect(Buffer.from(page(ours)).toString('hex')).toBe(Buffer.from(page(theirs)).toString('hex'));
    expect(sqlite3(ours, 'SELECT typeof(x), typeof(y), typeof(z) FROM r;')).toBe(sqlite3(theirs, 'SELECT typeof(x), typeof(y), typeof(z) FROM r;'));
  });

  it('files written by sqlite3 are changed by us and stay valid; ours changed by sqlite3 stay readable', async () => {
    for (const pageSize of [512, 1024, 8192]) {
      for (const encoding of ['UTF-8', 'UTF-16le', 'UTF-16be']) {
        const path = tempFile(`${pageSize}-${encoding}.sqlite`);
        sqlite3(
          path,
          `PRAGMA page_size=${pageSize}; PRAGMA encoding='${encoding}';
           CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE, n REAL);
           CREATE INDEX t_name ON t(name);
           WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 300)
           INSERT INTO t SELECT i, 'name ' || i || printf('%.*c', i % 50, 'x'), i / 3.0 FROM k;`,
        );
        const db = await Database.open(path, { readonly: false });
        await db.run("UPDATE t SET name = 'Changed' WHERE id % 7 = 0");
        await db.run('DELETE FROM t WHERE id % 5 = 0');
        await db.run('INSERT INTO t(name, n) VALUES (?, ?)', ['ünïcödé', 0.5]);
        await db.run('CREATE UNIQUE INDEX t_n ON t(n)');
        expect(await db.check()).toEqual([]);
        await db.close();
        expect(integrityCheck(path)).toBe('ok');
        expect(sqlite3(path, "SELECT count(*), sum(name = 'Changed'), max(id) FROM t;").trim()).toBe('241|34|300');
        sqlite3(path, "INSERT INTO t(name, n) SELECT name || '!', n + 1000 FROM t WHERE id < 100; DELETE FROM t WHERE id % 11 = 0;");
        const back = await Database.open(path);
        expect(await back.check()).toEqual([]);
        expect((await rows(back, 't')).length).toBe(Number(sqlite3(path, 'SELECT count(*) FROM t;').trim()));
        await back.close();
      }
    }
  });

  it('writes to a database opened read-only fail with ReadOnlyError', async () => {
    const path = tempFile();
    sqlite3(path, 'CREATE TABLE t(a);');
    const db = await Database.open(path);
    await expect(db.run('INSERT INTO t VALUES (1)')).rejects.toMatchObject({ code: 'SQLITE_READONLY' });
    await db.close();
  });
});
