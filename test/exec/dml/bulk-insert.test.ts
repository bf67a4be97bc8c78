/**
 * The bulk-insert fast paths, against the sqlite3 shell running the same statements:
 * - INSERT plans cached per (statement, schema): the same SQL text keeps working, and stops
 *   using a stale plan when the schema changes (new column, new UNIQUE index, rolled-back DDL);
 * - fresh rowids (max + 1) skip the rowid uniqueness probe and insert through the right edge
 *   found with the rowid (balance_quick, dividers added to the parent in place);
 * - the same statement text with different parameters, named and positional.
 * Small pages (512 bytes) make trees several levels deep within a few thousand rows; every file
 * must pass sqlite3's integrity_check and hold the rows sqlite3 itself would hold.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { Database } from '../../../src/api/database.js';
import { ConstraintError, SqliteError } from '../../../src/errors.js';
import { integrityCheck, sqlite3, sqlLiteral, tempDir } from '../../support/sqlite3.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function tempPath(name: string): string {
  const { dir, cleanup } = tempDir('s3lite-bulk');
  cleanups.push(cleanup);
  return join(dir, name);
}

type Param = null | number | bigint | string | Uint8Array;

/** One statement with its parameters, run by us with db.run and by sqlite3 as literal SQL. */
interface Step {
  readonly sql: string;
  readonly params: readonly Param[];
  /** May fail (constraint): both sides must then agree that it failed. */
  readonly mayFail?: boolean;
}

function inline(sql: string, params: readonly Param[]): string {
  let i = 0;
  return sql.replace(/\?/g, () => sqlLiteral(params[i++] ?? null));
}

/** Runs the steps on both sides (ours inside one transaction, sqlite3 likewise) and compares every table. */
async function runBoth(setup: string, steps: readonly Step[], tables: readonly string[], pageSize = 512): Promise<void> {
  const ours = tempPath('ours.sqlite');
  const theirs = tempPath('theirs.sqlite');
  const db = await Database.create(ours, { pageSize });
  await db.exec(setup);
  const outcomes: boolean[] = [];
  await db.transaction(async () => {
    for (const s of steps) {
      try {
        await db.run(s.sql, s.params);
        outcomes.push(true);
      } catch (err) {
        if (!s.mayFail || !(err instanceof ConstraintError)) throw err;
        outcomes.push(false);
      }
    }
  });
  await db.close();
  // sqlite3: one statement per line, not bailing: a failing statement is reported on stderr as
  // "… error near line N: …" and the script goes on, with the same statement-level rollback
  // inside BEGIN as ours.
  const head = [`PRAGMA page_size=${pageSize};`, `${setup};`, 'BEGIN;'];
  const script = [...head, ...steps.map((s) => `${inline(s.sql, s.params).replace(/\n/g, ' ')};`), 'COMMIT;', ''].join('\n');
  const run = spawnSync('sqlite3', [theirs], { input: script, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const failedLines = new Set([...run.stderr.matchAll(/error near line (\d+):/g)].map((m) => Number(m[1])));
  expect(outcomes.map((_, i) => !failedLines.has(head.length + i + 1))).toEqual(outcomes);
  expect(integrityCheck(ours)).toBe('ok');
  for (const t of tables) {
    const q = `SELECT rowid, * FROM ${t} ORDER BY rowid;`;
    const qNoRowid = `SELECT * FROM ${t} ORDER BY 1;`;
    const isWithoutRowid = sqlite3(theirs, `SELECT sql LIKE '%WITHOUT ROWID%' FROM sqlite_schema WHERE name = '${t}';`).trim() === '1';
    const sql = isWithoutRowid ? qNoRowid : q;
    expect(sqlite3(ours, sql), `table ${t}`).toBe(sqlite3(theirs, sql));
  }
  // Index contents must match the table: integrity_check compares them; also the counts.
  expect(sqlite3(ours, 'SELECT name FROM sqlite_schema ORDER BY name;')).toBe(sqlite3(theirs, 'SELECT name FROM sqlite_schema ORDER BY name;'));
}

describe('bulk INSERT through the cached plan and the append path', () => {
  it('thousands of appends with an index and a UNIQUE index, explicit rowids, OR IGNORE/REPLACE mixed in', async () => {
    const setup =
      'CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL, tag TEXT, u INTEGER UNIQUE);' +
      'CREATE INDEX t_name ON t(name);' +
      'CREATE TABLE plain(a, b);' +
      'CREATE TABLE seq(id INTEGER PRIMARY KEY AUTOINCREMENT, v)';
    const steps: Step[] = [];
    for (let i = 0; i < 2500; i++) {
      const name = i % 7 === 0 ? `n${i % 50}` : `name ${i} ${'x'.repeat(i % 40)}`;
      steps.push({ sql: 'INSERT INTO t(name, score, tag, u) VALUES (?, ?, ?, ?)', params: [name, i / 7, i % 2 ? 'odd' : 'even', i % 97 === 0 ? null : i], mayFail: true });
      steps.push({ sql: 'INSERT INTO plain VALUES (?, ?)', params: [i, i % 3 === 0 ? 'y'.repeat(i % 300) : 2.5] });
      if (i % 3 === 0) steps.push({ sql: 'INSERT INTO seq(v) VALUES (?)', params: [i] });
      if (i % 250 === 0) {
        // An explicit large rowid, then appends continue after it.
        steps.push({ sql: 'INSERT INTO t(id, name, u) VALUES (?, ?, ?)', params: [100_000 + i * 10, 'explicit', -i - 1], mayFail: true });
        steps.push({ sql: 'INSERT INTO seq(id, v) VALUES (?, ?)', params: [50_000 + i, 'jump'] });
      }
      if (i % 311 === 5) {
        // A duplicate UNIQUE value: ABORT fails, IGNORE skips, REPLACE deletes the old row.
        steps.push({ sql: 'INSERT INTO t(name, u) VALUES (?, ?)', params: ['dup', i - 1], mayFail: true });
        steps.push({ sql: 'INSERT OR IGNORE INTO t(name, u) VALUES (?, ?)', params: ['ignored', i - 2] });
        steps.push({ sql: 'INSERT OR REPLACE INTO t(name, u) VALUES (?, ?)', params: ['replaced', i - 3] });
      }
      if (i % 400 === 7) steps.push({ sql: 'DELETE FROM t WHERE id > ?', params: [100_000 + i * 10 - 5000] });
    }
    await runBoth(setup, steps, ['t', 'plain', 'seq', 'sqlite_sequence']);
  }, 60_000);

  it('random rows into a WITHOUT ROWID table and a rowid table with a CHECK (property, small runs)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            k: fc.integer({ min: 0, max: 400 }),
            v: fc.oneof(fc.constant(null), fc.integer({ min: -5, max: 1000 }), fc.string({ maxLength: 60 }), fc.double({ noNaN: true }).map((d) => (Object.is(d, -0) ? 0 : d)) /* a bound -0.0 is a REAL; its SQL literal would be an INTEGER */),
            explicit: fc.option(fc.integer({ min: 1, max: 3000 }), { nil: undefined }),
          }),
          { minLength: 50, maxLength: 250 },
        ),
        async (rows) => {
          const steps: Step[] = [];
          for (const r of rows) {
            steps.push({ sql: 'INSERT OR REPLACE INTO w(k, v) VALUES (?, ?)', params: [r.k, r.v] });
            if (r.explicit === undefined) steps.push({ sql: 'INSERT INTO c(v) VALUES (?)', params: [r.v], mayFail: true });
            else steps.push({ sql: 'INSERT INTO c(id, v) VALUES (?, ?)', params: [r.explicit, r.v], mayFail: true });
          }
          await runBoth('CREATE TABLE w(k INTEGER PRIMARY KEY, v) WITHOUT ROWID; CREATE TABLE c(id INTEGER PRIMARY KEY, v CHECK (v IS NULL OR v <> 7))', steps, ['w', 'c']);
        },
      ),
      { numRuns: 4 },
    );
  }, 60_000);

  it('appends that reuse the last append\'s path, interleaved with what moves the right edge (property)', async () => {
    // Between two appends of the same statement: a skipped row (OR IGNORE: nothing changes), a
    // deleted or updated last row, an explicit rowid, a failing multi-row INSERT (its savepoint
    // rolled back), another statement text appending to the same table, another table's rows.
    const op = fc.constantFrom('append', 'append', 'append', 'append', 'other-text', 'ignored', 'delete-last', 'update-last', 'explicit', 'failing-multi', 'other-table');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(op, fc.integer({ min: 0, max: 200 })), { minLength: 100, maxLength: 400 }), async (ops) => {
        const steps: Step[] = [];
        let explicit = 1_000;
        let high = 0; // about the largest rowid (exact is not needed: sqlite3 runs the same)
        for (const [kind, n] of ops) {
          if (kind === 'append' || kind === 'other-text') high++;
          const v = 'v'.repeat(n % 90);
          switch (kind) {
            case 'append':
              steps.push({ sql: 'INSERT INTO t(v, w) VALUES (?, ?)', params: [v, n] });
              break;
            case 'other-text':
              steps.push({ sql: 'INSERT INTO t(w, v) VALUES (?, ?)', params: [n, v] });
              break;
            case 'ignored':
              steps.push({ sql: 'INSERT OR IGNORE INTO t(v, w) VALUES (?, NULL)', params: [v] });
              break;
            case 'delete-last':
              steps.push({ sql: 'DELETE FROM t WHERE id >= ?', params: [high - (n % 3)] });
              break;
            case 'update-last':
              steps.push({ sql: 'UPDATE t SET v = ? WHERE id >= ?', params: ['u'.repeat(n), high] });
              break;
            case 'explicit':
              explicit += 1 + n;
              high = explicit;
              steps.push({ sql: 'INSERT INTO t(id, v, w) VALUES (?, ?, ?)', params: [explicit, v, n], mayFail: true });
              break;
            case 'failing-multi':
              steps.push({ sql: 'INSERT INTO t(v, w) VALUES (?, 1), (?, NULL)', params: [v, v], mayFail: true });
              break;
            case 'other-table':
              steps.push({ sql: 'INSERT INTO o(x) VALUES (?)', params: [v] });
              break;
          }
        }
        await runBoth('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT, w INTEGER NOT NULL); CREATE INDEX t_v ON t(v); CREATE TABLE o(x)', steps, ['t', 'o']);
      }),
      { numRuns: 6 },
    );
  }, 60_000);

  it('the same SQL text after the schema changes: new column, new UNIQUE index, rolled-back DDL', async () => {
    const db = await Database.create(tempPath('schema.sqlite'));
    const ins = 'INSERT INTO t VALUES (?, ?)';
    await db.exec('CREATE TABLE t(a, b)');
    await db.run(ins, [1, 'one']);
    await db.run(ins, [1, 'one again']);
    // A UNIQUE index created after the plan was cached must be enforced.
    await expect(db.run('CREATE UNIQUE INDEX t_a ON t(a)')).rejects.toBeInstanceOf(ConstraintError);
    await db.run('DELETE FROM t WHERE b = ?', ['one again']);
    await db.run('CREATE UNIQUE INDEX t_a ON t(a)');
    await expect(db.run(ins, [1, 'dup'])).rejects.toThrow('UNIQUE constraint failed: t.a');
    await db.run(ins, [2, 'two']);
    // DDL rolled back inside a transaction: the plan must follow the schema back.
    await db.exec('BEGIN');
    await db.exec('DROP INDEX t_a');
    await db.run(ins, [2, 'two, no index']);
    await db.exec('ROLLBACK');
    await expect(db.run(ins, [2, 'dup'])).rejects.toThrow('UNIQUE constraint failed: t.a');
    // The table replaced by one with another shape: same text, new columns count.
    await db.exec('DROP TABLE t; CREATE TABLE t(a, b, c DEFAULT 5)');
    await expect(db.run(ins, [3, 'three'])).rejects.toThrow('table t has 3 columns but 2 values were supplied');
    await db.run('INSERT INTO t(a, b) VALUES (?, ?)', [3, 'three']);
    // Named parameters through the cached numbering: each call binds its own values.
    for (let i = 0; i < 3; i++) await db.run('INSERT INTO t VALUES (:x, @y, :x)', { x: i, '@y': `y${i}` });
    const rows: unknown[][] = [];
    for await (const r of db.rows('t')) rows.push(r);
    expect(rows).toEqual([
      [3, 'three', 5],
      [0, 'y0', 0],
      [1, 'y1', 1],
      [2, 'y2', 2],
    ]);
    await db.close();
  });

  it('a rowid past 2^53 and the largest rowid: appends switch to random probing, as SQLite does', async () => {
    const db = await Database.create(tempPath('big.sqlite'));
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v)');
    await db.run('INSERT INTO t VALUES (?, ?)', [2n ** 53n + 1n, 'a']);
    expect((await db.run('INSERT INTO t(v) VALUES (?)', ['b'])).lastInsertRowid).toBe(2n ** 53n + 2n);
    await db.run('INSERT INTO t VALUES (?, ?)', [2n ** 63n - 1n, 'max']);
    const r = await db.run('INSERT INTO t(v) VALUES (?)', ['random']);
    expect(typeof r.lastInsertRowid === 'bigint' || typeof r.lastInsertRowid === 'number').toBe(true);
    await db.exec('CREATE TABLE s(id INTEGER PRIMARY KEY AUTOINCREMENT, v)');
    await db.run('INSERT INTO s VALUES (?, ?)', [2n ** 63n - 1n, 'max']);
    await expect(db.run('INSERT INTO s(v) VALUES (?)', ['full'])).rejects.toSatisfy((e: unknown) => e instanceof SqliteError && e.code === 'SQLITE_FULL');
    await db.close();
  });
});
