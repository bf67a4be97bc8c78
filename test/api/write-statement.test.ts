/**
 * Prepared write statements (`db.prepare` for INSERT / UPDATE / DELETE / RETURNING / DDL /
 * transaction control, write-statement.ts) against SQLite (sql.js) running the same prepared
 * statements: results, errors, the rows left, and the file (`sqlite3 PRAGMA integrity_check`).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import { ConstraintError, MisuseError, RangeError as SqlRangeError, SqlSyntaxError, SqliteError } from '../../src/errors.js';
import { integrityCheck, sqlite3, tempDir } from '../support/sqlite3.js';
import { normalize, sqljs } from '../support/sqljs.js';

const dirs: (() => void)[] = [];
afterEach(() => {
  for (const c of dirs.splice(0)) c();
});

function tempFile(name = 'db.sqlite'): string {
  const { dir, cleanup } = tempDir('s3lite-prepared');
  dirs.push(cleanup);
  return join(dir, name);
}

/** sql.js's statement and database, with the calls these tests use. */
interface OracleStatement {
  bind(p: unknown): void;
  step(): boolean;
  get(p: null, c: { useBigInt: boolean }): unknown[];
  getColumnNames(): string[];
  reset(): void;
  free(): void;
}
interface Oracle {
  run(sql: string): void;
  prepare(sql: string): OracleStatement;
  getRowsModified(): number;
  export(): Uint8Array;
  close(): void;
}

const SCHEMA = "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT UNIQUE, score REAL CHECK (score >= 0), tag TEXT NOT NULL DEFAULT 'x')";

/** The statements the property prepares on both sides, with how their parameters are drawn. */
const STATEMENTS = {
  insert: 'INSERT INTO t(name, score, tag) VALUES (?, ?, ?)',
  insertId: 'INSERT INTO t(id, name, score) VALUES (?3, ?1, ?2)',
  insertReturning: "INSERT OR REPLACE INTO t(name, score, tag) VALUES (:n, :s, coalesce(:t, 'y')) RETURNING id, name, score * 2 AS twice",
  update: 'UPDATE t SET score = score + ? WHERE id % 3 = ?',
  updateReturning: 'UPDATE t SET name = name || ? WHERE id = ? RETURNING *',
  delete: 'DELETE FROM t WHERE score > ?',
  deleteReturning: 'DELETE FROM t WHERE id = ? RETURNING id, tag',
  begin: 'BEGIN',
  commit: 'COMMIT',
  rollback: 'ROLLBACK',
} as const;
type Kind = keyof typeof STATEMENTS | 'schema';

const nameArb = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', null);
const scoreArb = fc.oneof(fc.integer({ min: -2, max: 50 }), fc.double({ min: -1, max: 100, noNaN: true }));
const opArb: fc.Arbitrary<{ kind: Kind; params: unknown }> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(nameArb, scoreArb, fc.constantFrom('p', 'q', null)).map((p) => ({ kind: 'insert' as const, params: p })) },
  { weight: 2, arbitrary: fc.tuple(nameArb, scoreArb, fc.integer({ min: 1, max: 12 })).map((p) => ({ kind: 'insertId' as const, params: p })) },
  { weight: 2, arbitrary: fc.record({ n: nameArb, s: scoreArb, t: fc.constantFrom('r', null) }).map((p) => ({ kind: 'insertReturning' as const, params: p })) },
  { weight: 2, arbitrary: fc.tuple(fc.integer({ min: -20, max: 5 }), fc.integer({ min: 0, max: 2 })).map((p) => ({ kind: 'update' as const, params: p })) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('!', 'z'), fc.integer({ min: 1, max: 12 })).map((p) => ({ kind: 'updateReturning' as const, params: p })) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 10, max: 60 })).map((p) => ({ kind: 'delete' as const, params: p })) },
  { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 1, max: 12 })).map((p) => ({ kind: 'deleteReturning' as const, params: p })) },
  { weight: 1, arbitrary: fc.constantFrom('begin', 'commit', 'rollback', 'schema').map((kind) => ({ kind: kind as Kind, params: [] })) },
);

/** Schema changes between runs (the prepared statements must follow them, as SQLite's re-prepare). */
const SCHEMA_CHANGES = ['CREATE INDEX IF NOT EXISTS t_score ON t(score)', 'ALTER TABLE t ADD COLUMN extra DEFAULT 7', 'DROP INDEX IF EXISTS t_score', 'CREATE INDEX IF NOT EXISTS t_tag ON t(tag, name)'];

type Outcome = { ok: true; changes?: number; lastInsertRowid: number | bigint; rows?: unknown[][] } | { ok: false; message: string };

/** One run of a prepared statement on sql.js: its rows and what SQLite reports after it. */
function oracleRun(oracle: Oracle, stmt: OracleStatement, params: unknown, dml: boolean, returns: boolean): Outcome {
  try {
    const rows: unknown[][] = [];
    // sql.js binds an object by the names with their sigil; ours binds `{ n }` to `:n` too.
    stmt.bind(Array.isArray(params) ? params : Object.fromEntries(Object.entries(params as object).map(([k, v]) => [`:${k}`, v])));
    while (stmt.step()) rows.push(stmt.get(null, { useBigInt: true }).map(normalize));
    stmt.reset();
    const last = oracle.prepare('SELECT last_insert_rowid()');
    last.step();
    const lastInsertRowid = normalize(last.get(null, { useBigInt: true })[0]) as number | bigint;
    last.free();
    return { ok: true, lastInsertRowid, ...(dml && { changes: oracle.getRowsModified() }), ...(returns && { rows }) };
  } catch (err) {
    stmt.reset();
    return { ok: false, message: (err as Error).message };
  }
}

describe('db.prepare for statements that are not queries', () => {
  it('runs prepared INSERT/UPDATE/DELETE/RETURNING, BEGIN/COMMIT/ROLLBACK and schema changes between runs as SQLite does', async () => {
    const SQL = await sqljs();
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 60 }), async (ops) => {
        const oracle = new SQL.Database() as unknown as Oracle;
        const path = tempFile(`p-${Math.random().toString(36).slice(2)}.sqlite`);
        const db = await Database.create(path);
        try {
          oracle.run(SCHEMA);
          await db.exec(SCHEMA);
          const theirs = new Map(Object.entries(STATEMENTS).map(([k, sql]) => [k, oracle.prepare(sql)]));
          const ours = new Map(await Promise.all(Object.entries(STATEMENTS).map(async ([k, sql]) => [k, await db.prepare(sql)] as const)));
          let schemaStep = 0;
          let inTx = false;
          for (const [i, op] of ops.entries()) {
            const where = `op ${i} ${op.kind} ${JSON.stringify(op.params)}`;
            if (op.kind === 'schema') {
              const sql = SCHEMA_CHANGES[schemaStep++ % SCHEMA_CHANGES.length]!;
              let expected = 'ok';
              try {
                oracle.run(sql);
              } catch (err) {
                expected = (err as Error).message;
              }
              const actual = await db.exec(sql).then(() => 'ok', (err: Error) => err.message);
              expect(actual, where).toBe(expected);
              continue;
            }
            const dml = !['begin', 'commit', 'rollback'].includes(op.kind);
            const returns = op.kind.endsWith('Returning');
            const expected = oracleRun(oracle, theirs.get(op.kind)!, op.params, dml, returns);
            const stmt = ours.get(op.kind)!;
            expect(stmt.reader, where).toBe(returns);
            let actual: Outcome;
            try {
              const r = await stmt.run(op.params as unknown[]);
              actual = {
                ok: true,
                lastInsertRowid: r.lastInsertRowid,
                ...(dml && { changes: r.changes }),
                ...(returns && { rows: (r.rows ?? []).map((row) => r.columns!.map((c) => row[c])) }),
              };
              if (returns) expect(r.columns, where).toEqual(theirs.get(op.kind)!.getColumnNames());
            } catch (err) {
              actual = { ok: false, message: (err as Error).message };
            }
            expect(actual, where).toEqual(expected);
            // Only BEGIN, COMMIT and ROLLBACK open or end a transaction in these scripts.
            if (expected.ok && op.kind === 'begin') inTx = true;
            if (expected.ok && (op.kind === 'commit' || op.kind === 'rollback')) inTx = false;
            expect(db.inTransaction, where).toBe(inTx);
          }
          for (const s of theirs.values()) s.free();
          if (db.inTransaction) {
            oracle.run('COMMIT');
            await db.exec('COMMIT');
          }
          writeFileSync(path.replace(/[^/]*$/, 'oracle.sqlite'), oracle.export());
        } finally {
          oracle.close();
          await db.close();
        }
        // The file we left: what SQLite itself reads from it, and its integrity.
        expect(integrityCheck(path)).toBe('ok');
        const dump = 'SELECT * FROM t ORDER BY id; SELECT name, sql FROM sqlite_schema ORDER BY name;';
        const theirsPath = path.replace(/[^/]*$/, 'oracle.sqlite');
        expect(sqlite3(path, dump)).toBe(sqlite3(theirsPath, dump));
      }),
      { numRuns: 25 },
    );
  });

  it('commits each run in autocommit, and undoes a failing run (and only it) as db.run does', async () => {
    const path = tempFile();
    const db = await Database.create(path);
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL)');
    const insert = await db.prepare('INSERT INTO t(name) VALUES (?)');
    expect(await insert.run(['a'])).toEqual({ changes: 1, lastInsertRowid: 1 });
    await expect(insert.run(['a'])).rejects.toThrow(ConstraintError);
    await expect(insert.run([null])).rejects.toThrow('NOT NULL constraint failed: t.name');
    expect(await insert.run(['b'])).toEqual({ changes: 1, lastInsertRowid: 2 });
    // Committed run by run: SQLite reads them while our connection stays open.
    expect(sqlite3(path, 'SELECT group_concat(name) FROM t;').trim()).toBe('a,b');
    // Inside transaction(): a throw undoes what the prepared statement wrote.
    await expect(
      db.transaction(async () => {
        for (const n of ['c', 'd', 'e']) await insert.run([n]);
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    // Inside one, a failing run is undone alone and the transaction goes on.
    await db.transaction(async () => {
      await insert.run(['f']);
      await expect(insert.run(['f'])).rejects.toThrow('UNIQUE constraint failed: t.name');
      await insert.run(['g']);
    });
    await db.close();
    expect(sqlite3(path, 'SELECT group_concat(name) FROM t;').trim()).toBe('a,b,f,g');
    expect(integrityCheck(path)).toBe('ok');
  });

  it('follows schema changes between runs: re-planned, or "no such table" once the table is gone', async () => {
    const path = tempFile();
    const db = await Database.create(path);
    await db.exec('CREATE TABLE t(a, b)');
    const insert = await db.prepare('INSERT INTO t(a, b) VALUES (?, ?) RETURNING *');
    expect(insert.columns()).toEqual(['a', 'b']);
    expect(await insert.all([1, 2])).toEqual([{ a: 1, b: 2 }]);
    await db.exec('ALTER TABLE t ADD COLUMN c DEFAULT 3; CREATE UNIQUE INDEX t_a ON t(a)');
    // `*` is the table's columns as it is now; the new UNIQUE index is checked.
    expect(await insert.get([4, 5])).toEqual({ a: 4, b: 5, c: 3 });
    expect(insert.columns()).toEqual(['a', 'b', 'c']);
    await expect(insert.run([4, 6])).rejects.toThrow('UNIQUE constraint failed: t.a');
    await db.exec('DROP TABLE t');
    await expect(insert.run([7, 8])).rejects.toThrow('no such table: t');
    await db.exec("CREATE TABLE t(z DEFAULT 'new', b, a)");
    expect((await insert.run([7, 8])).rows).toEqual([{ z: 'new', b: 8, a: 7 }]);
    await db.close();
    expect(sqlite3(path, 'SELECT * FROM t;').trim()).toBe('new|8|7');
    expect(integrityCheck(path)).toBe('ok');
  });

  it('reports what SQLite reports at prepare time: an unknown table, more than one statement, a syntax error', async () => {
    const SQL = await sqljs();
    const oracle = new SQL.Database();
    const db = await Database.create(tempFile());
    for (const sql of ['INSERT INTO nope VALUES (1)', 'UPDATE nope SET a = 1', 'DELETE FROM main.nope']) {
      let message = '';
      try {
        oracle.prepare(sql);
      } catch (err) {
        message = (err as Error).message;
      }
      await expect(db.prepare(sql)).rejects.toThrow(new SqliteError('SQLITE_ERROR', message));
    }
    oracle.close();
    await expect(db.prepare('CREATE TABLE a(x); CREATE TABLE b(y)')).rejects.toThrow(SqlSyntaxError);
    await expect(db.prepare('INSERT INTO')).rejects.toThrow(SqlSyntaxError);
    await db.close();
  });

  it('refuses all/get/iterate on a statement that returns no rows, without running it', async () => {
    const db = await Database.create(tempFile());
    await db.exec('CREATE TABLE t(a)');
    const insert = await db.prepare('INSERT INTO t VALUES (?)');
    expect(insert.reader).toBe(false);
    await expect(insert.all([1])).rejects.toThrow(MisuseError);
    await expect(insert.get([1])).rejects.toThrow('This statement does not return data. Use run() instead');
    await expect(insert.iterate([1]).next()).rejects.toThrow(MisuseError);
    expect(await db.query('SELECT count(*) AS n FROM t')).toEqual([{ n: 0 }]);
    // A RETURNING statement streams its rows (all changed at the first step, as SQLite does).
    const ret = await db.prepare('INSERT INTO t VALUES (?), (?) RETURNING a, typeof(a) AS type');
    const seen: unknown[] = [];
    for await (const r of ret.iterate([1, 2.5])) seen.push(r);
    expect(seen).toEqual([{ a: 1, type: 'integer' }, { a: 2.5, type: 'real' }]);
    const typed: unknown[] = [];
    for await (const r of ret.typedIterate(['x', null])) typed.push(r.values);
    expect(typed).toEqual([['x', 'text'], [null, 'null']]);
    await db.close();
  });

  it('binds as db.run binds, and runs one at a time with the connection’s other statements', async () => {
    const db = await Database.create(tempFile());
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, a, b)');
    const named = await db.prepare('INSERT INTO t(a, b) VALUES (:a, $b)');
    expect(named.parameterCount).toBe(2);
    await named.run({ a: 1, $b: 'x' });
    await expect(named.run([1, 2, 3])).rejects.toThrow(SqlRangeError);
    await expect(db.run('INSERT INTO t(a, b) VALUES (:a, $b)', [1, 2, 3])).rejects.toThrow(SqlRangeError);
    const bump = await db.prepare('UPDATE t SET a = a + 1');
    // Started together, they run in the order they were started.
    const results = await Promise.all([named.run([10, 'y']), bump.run(), db.run('UPDATE t SET b = b || ?', ['!']), named.run([20, 'z']), bump.run()]);
    expect(results.map((r) => r.changes)).toEqual([1, 2, 2, 1, 3]);
    expect(await db.query('SELECT a, b FROM t ORDER BY id')).toEqual([
      { a: 3, b: 'x!' },
      { a: 12, b: 'y!' },
      { a: 21, b: 'z' },
    ]);
    await db.close();
    await expect(named.run([1, 2])).rejects.toThrow(MisuseError);
  });

  it('each run binds its own values and reads its own clock, whatever the run before did', async () => {
    const db = await Database.create(tempFile());
    await db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, a, b, at TEXT DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')))");
    const insert = await db.prepare('INSERT INTO t(a, b) VALUES (?, ?)');
    await insert.run([1, 'x']);
    await expect(insert.run([1, 2, 3])).rejects.toThrow(SqlRangeError);
    await expect(insert.run([{}, 2])).rejects.toThrow(TypeError);
    await insert.run([2]); // b unbound: NULL, not the value of an earlier run
    await new Promise((resolve) => setTimeout(resolve, 20));
    await insert.run([3n, new Uint8Array([7])]);
    const rows = await db.query('SELECT a, b, at FROM t ORDER BY id');
    expect(rows.map((r) => [r.a, r.b])).toEqual([
      [1, 'x'],
      [2, null],
      [3, new Uint8Array([7])],
    ]);
    // 'now' is fixed within a statement, read anew by the next run.
    expect(rows[2]!.at).not.toBe(rows[0]!.at);
    await db.close();
  });

  it('prepares DDL and transaction control, and a query still gets a Statement (with run)', async () => {
    const db = await Database.create(tempFile());
    const create = await db.prepare('CREATE TABLE t(a)');
    expect(await create.run()).toEqual({ changes: 0, lastInsertRowid: 0 });
    await expect(create.run()).rejects.toThrow('table t already exists');
    const begin = await db.prepare('BEGIN');
    const rollback = await db.prepare('ROLLBACK');
    await begin.run();
    expect(db.inTransaction).toBe(true);
    await db.run('INSERT INTO t VALUES (1)');
    await rollback.run();
    expect(db.inTransaction).toBe(false);
    const query = await db.prepare('SELECT count(*) AS n FROM t');
    expect(query.reader).toBe(true);
    // The last insert rowid is the connection's: a ROLLBACK does not take it back (as in SQLite).
    expect(await query.run()).toEqual({ changes: 0, lastInsertRowid: 1, columns: ['n'], rows: [{ n: 0 }] });
    await db.close();
  });
});
