/**
 * ANALYZE against real SQLite: random schemas (many tables with mixed-case names, so the table
 * hash's order matters; UNIQUE, partial, expression, NOCASE and multi-column indexes, WITHOUT
 * ROWID tables) and random rows, analyzed by s3lite and by sql.js (SQLite 3.54) from the same
 * statements: sqlite_stat1 equal row for row, rowids included. sqlite3 (3.40.1) reads what we
 * wrote with integrity_check ok and computes the same statistics (3.40 writes no row for an
 * empty partial index; 3.4x later write "0 0": we follow the newer).
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../../../src/index.js';
import { integrityCheck, sqlite3, tempDir } from '../../support/sqlite3.js';
import { sqljs } from '../../support/sqljs.js';

const { dir, cleanup } = tempDir('s3lite-analyze');
afterAll(cleanup);

const SQL = await sqljs();
let n = 0;

/** Runs `statements` on a new s3lite file and in sql.js; returns both sides' answers to `query`. */
async function both(statements: readonly string[], query: string): Promise<{ ours: unknown[][]; theirs: unknown[][]; path: string }> {
  const path = join(dir, `db${n++}.sqlite`);
  const db = await Database.create(path);
  const ref = new SQL.Database();
  try {
    for (const sql of statements) {
      await db.exec(sql);
      ref.run(sql);
    }
    const ours = (await db.query(query)).map((r) => Object.values(r).map((v) => (typeof v === 'bigint' ? Number(v) : v)));
    const theirs = ref.exec(query)[0]?.values ?? [];
    return { ours, theirs, path };
  } finally {
    await db.close();
    ref.close();
  }
}

const STAT1 = 'SELECT rowid, tbl, idx, stat FROM sqlite_stat1 ORDER BY rowid';

const tableArb = fc.record({
  name: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,7}$/),
  withoutRowid: fc.boolean(),
  rows: fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.constantFrom('a', 'A', 'b', 'B ', null, 'c'), fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant(null), fc.constant(2.0))), { maxLength: 40 }),
  indexes: fc.array(fc.constantFrom('(x)', '(y)', '(y COLLATE NOCASE)', '(x, y)', '(y, z)', '(z) WHERE z > 1', '(x + 1)', 'UNIQUE (id)', '(z, x, y)', '(x) WHERE x > 100'), { maxLength: 4 }),
});

describe('ANALYZE', () => {
  it('writes the sqlite_stat1 rows SQLite writes, in the same rowid order (random schemas)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(tableArb, { minLength: 1, maxLength: 14, selector: (t) => t.name.toLowerCase() }), fc.boolean(), async (tables, viewToo) => {
        const statements: string[] = [];
        for (const t of tables) {
          const key = t.withoutRowid ? 'id INT PRIMARY KEY' : 'id INTEGER PRIMARY KEY';
          statements.push(`CREATE TABLE "${t.name}"(${key}, x, y TEXT, z NOT NULL DEFAULT 0)${t.withoutRowid ? ' WITHOUT ROWID' : ''}`);
          t.rows.forEach(([x, y, z], i) => statements.push(`INSERT INTO "${t.name}" VALUES (${i}, ${x}, ${y === null ? 'NULL' : `'${y}'`}, ${z ?? 0})`));
          t.indexes.forEach((ix, i) => statements.push(`CREATE ${ix.startsWith('UNIQUE') ? 'UNIQUE ' : ''}INDEX "${t.name}_${i}" ON "${t.name}"${ix.replace('UNIQUE ', '')}`));
          if (viewToo) statements.push(`CREATE VIEW "v_${t.name}" AS SELECT x FROM "${t.name}"`);
        }
        // ANALYZE by a new connection on each side: SQLite visits tables in its table hash's
        // order, which for a schema loaded from the file analyze-order.ts reproduces.
        const path = join(dir, `db${n++}.sqlite`);
        const db = await Database.create(path);
        await db.exec(['BEGIN', ...statements, 'COMMIT'].join(';\n'));
        await db.close();
        const reopened = await Database.open(path, { readonly: false });
        await reopened.exec('ANALYZE');
        await reopened.close();
        expect(integrityCheck(path)).toBe('ok');
        const refPath = join(dir, `ref${n++}.sqlite`);
        sqlite3(refPath, statements.join(';\n') + ';');
        sqlite3(refPath, 'ANALYZE;');
        // sqlite3 3.40 leaves out empty partial indexes; later versions (sql.js's) write "0 0".
        const byRowid = 'SELECT tbl, idx, stat FROM sqlite_stat1 ORDER BY rowid;';
        expect(sqlite3(path, byRowid.replace(' ORDER', " WHERE NOT (stat LIKE '0 %' AND idx IS NOT NULL) ORDER"))).toBe(sqlite3(refPath, byRowid));
        // sql.js (SQLite 3.54): the same rows.
        const ref = new SQL.Database();
        for (const sql of [...statements, 'ANALYZE']) ref.run(sql);
        const bySql = 'SELECT tbl, idx, stat FROM sqlite_stat1 ORDER BY tbl, idx';
        const theirs = ref.exec(bySql)[0]?.values ?? [];
        ref.close();
        expect(sqlite3(path, bySql + ';')).toBe(theirs.map((r) => r.map((v) => v ?? '').join('|')).join('\n') + (theirs.length > 0 ? '\n' : ''));
      }),
      { numRuns: 25 },
    );
  });

  it('ANALYZE table, index, main and temp; a second ANALYZE replaces the rows; errors as SQLite', async () => {
    const setup = [
      'CREATE TABLE t(a, b)',
      'CREATE TABLE u(c)',
      'CREATE INDEX t_a ON t(a)',
      'CREATE INDEX t_b ON t(b)',
      'CREATE INDEX u_c ON u(c)',
      "INSERT INTO t VALUES (1, 'x'), (1, 'y'), (2, 'y'), (3, NULL)",
      'INSERT INTO u VALUES (5), (5), (6)',
    ];
    for (const step of [['ANALYZE t'], ['ANALYZE t_b'], ['ANALYZE main'], ['ANALYZE', 'INSERT INTO u VALUES (7)', 'ANALYZE u'], ['ANALYZE main.t_a', 'ANALYZE', 'ANALYZE temp'], ['ANALYZE sqlite_master'], ['CREATE VIEW v AS SELECT 1', 'ANALYZE v']]) {
      const { ours, theirs } = await both([...setup, ...step], STAT1);
      expect(ours, step.join('; ')).toEqual(theirs);
    }
    const db = await Database.create(join(dir, `errors.sqlite`));
    const ref = new SQL.Database();
    for (const bad of ['ANALYZE nosuch', 'ANALYZE aux.t', 'ANALYZE main.nosuch']) {
      let theirs = '';
      try {
        ref.run(bad);
      } catch (err) {
        theirs = (err as Error).message;
      }
      await expect(db.exec(bad)).rejects.toThrow(theirs);
      expect(theirs).not.toBe('');
    }
    await db.close();
    ref.close();
  });

  it('the planner uses the new statistics in the same connection', async () => {
    const path = join(dir, 'planner.sqlite');
    const db = await Database.create(path);
    await db.exec('CREATE TABLE t(a, b); CREATE INDEX t_a ON t(a); CREATE INDEX t_b ON t(b)');
    await db.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) INSERT INTO t SELECT i % 2, i FROM n");
    await db.exec('ANALYZE');
    const plan = await db.query('EXPLAIN QUERY PLAN SELECT * FROM t WHERE a = 1 AND b = 7');
    await db.close();
    const theirs = sqlite3(path, 'EXPLAIN QUERY PLAN SELECT * FROM t WHERE a = 1 AND b = 7;');
    expect(theirs).toContain('t_b');
    expect(plan.map((r) => r.detail).join('\n')).toContain('USING INDEX t_b (b=?)');
  });
});
