/**
 * CREATE INDEX on a populated table inserts the entries sorted in the index's order
 * (collations, DESC, mixed storage classes, rowid suffix): the resulting index must be what
 * SQLite builds — sqlite3 reads every entry back out of the index (covering INDEXED BY scans)
 * and finds the same values, classes and order as on a copy where sqlite3 built the index
 * itself — and a UNIQUE index over repeated keys fails with SQLite's message (NULLs repeat freely).
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { Database } from '../../../src/api/database.js';
import { integrityCheck, sqlite3, sqlLiteral, tempDir } from '../../support/sqlite3.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const INDEXES = [
  'CREATE INDEX i_a ON t(a)',
  'CREATE INDEX i_b ON t(b COLLATE NOCASE DESC, a)',
  'CREATE INDEX i_c ON t(c DESC)',
  'CREATE INDEX i_p ON t(b, c) WHERE a IS NOT NULL',
];

const PROBE = `
  SELECT 'i_a', a, typeof(a), rowid FROM t INDEXED BY i_a WHERE a IS NULL OR a IS NOT NULL;
  SELECT 'i_b', b, typeof(b), a, typeof(a), rowid FROM t INDEXED BY i_b WHERE b IS NULL OR b IS NOT NULL;
  SELECT 'i_c', c, typeof(c), rowid FROM t INDEXED BY i_c WHERE c IS NULL OR c IS NOT NULL;
  SELECT 'i_p', b, c, typeof(c), rowid FROM t INDEXED BY i_p WHERE a IS NOT NULL;`;

const value = fc.oneof(
  fc.constant(null),
  fc.integer({ min: -5, max: 5 }),
  fc.constantFrom(1.5, -0.5, 2.0, 1e300),
  fc.constantFrom('a', 'A', 'b', 'B', 'abc', 'ABC', '', 'é', 'É'),
  fc.constantFrom(new Uint8Array([0x61]), new Uint8Array([]), new Uint8Array([1, 2])),
);

describe('CREATE INDEX on a populated table', () => {
  it('builds the index SQLite builds (entry order, values, classes)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(value, value, value), { minLength: 0, maxLength: 400 }), async (rows) => {
        const { dir, cleanup } = tempDir('s3lite-create-index');
        cleanups.push(cleanup);
        const ours = join(dir, 'ours.sqlite');
        const theirs = join(dir, 'theirs.sqlite');
        const inserts = rows.map((r) => `INSERT INTO t VALUES (${r.map(sqlLiteral).join(', ')});`).join('\n');
        sqlite3(ours, `PRAGMA page_size=512; CREATE TABLE t(a, b TEXT, c NUMERIC);\nBEGIN;\n${inserts}\nCOMMIT;`);
        copyFileSync(ours, theirs);
        sqlite3(theirs, INDEXES.map((s) => `${s};`).join('\n'));
        const db = await Database.open(ours, { readonly: false });
        for (const sql of INDEXES) await db.run(sql);
        expect(await db.check()).toEqual([]);
        await db.close();
        expect(integrityCheck(ours)).toBe('ok');
        expect(sqlite3(ours, PROBE)).toBe(sqlite3(theirs, PROBE));
      }),
      { numRuns: 25 },
    );
  });

  it('indexes on plain columns (only their fields decoded) match SQLite: REAL affinity, rowid alias, big integers, ALTER TABLE defaults', async () => {
    const wide = fc.oneof(
      value,
      fc.constantFrom(9223372036854775807n, -9223372036854775808n, 9007199254740993n, 140737488355328, -0, 3.0, 2.5e15, 1e19, -4e18),
      // Entries larger than a 512-byte page spill into overflow pages.
      fc.constantFrom('x'.repeat(600), 'x'.repeat(599) + 'y', new Uint8Array(700).fill(7)),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
    );
    const probe = `
      SELECT 'r', r, typeof(r), rowid FROM t INDEXED BY i_r WHERE r IS NULL OR r IS NOT NULL;
      SELECT 'i', i, typeof(i), id FROM t INDEXED BY i_i WHERE i IS NULL OR i IS NOT NULL;
      SELECT 'n', n, typeof(n), rowid FROM t INDEXED BY i_n WHERE n IS NULL OR n IS NOT NULL;
      SELECT 'd', d, typeof(d), e, typeof(e), rowid FROM t INDEXED BY i_d WHERE d IS NULL OR d IS NOT NULL;
      SELECT 'id', id FROM t INDEXED BY i_id WHERE id IS NULL OR id IS NOT NULL;`;
    const indexes = ['CREATE INDEX i_r ON t(r)', 'CREATE INDEX i_i ON t(i DESC, id)', 'CREATE INDEX i_n ON t(n)', 'CREATE INDEX i_d ON t(d, e DESC)', 'CREATE INDEX i_id ON t(id DESC)'];
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(wide, wide, wide), { maxLength: 200 }), fc.nat(200), async (rows, altered) => {
        const { dir, cleanup } = tempDir('s3lite-create-index');
        cleanups.push(cleanup);
        const ours = join(dir, 'ours.sqlite');
        const theirs = join(dir, 'theirs.sqlite');
        const insert = (r: readonly (null | number | bigint | string | Uint8Array)[], k: number): string =>
          k < altered
            ? `INSERT INTO t (r, i, n) VALUES (${r.map(sqlLiteral).join(', ')});`
            : `INSERT INTO t (r, i, n, d, e) VALUES (${r.map(sqlLiteral).join(', ')}, ${sqlLiteral(r[0] ?? null)}, ${sqlLiteral(r[1] ?? null)});`;
        const before = rows.slice(0, altered).map(insert).join('\n');
        const after = rows.slice(altered).map((r, k) => insert(r, k + altered)).join('\n');
        sqlite3(
          ours,
          `PRAGMA page_size=512; CREATE TABLE t(id INTEGER PRIMARY KEY, r REAL, i INTEGER, n NUMERIC);
           BEGIN; ${before} COMMIT;
           ALTER TABLE t ADD COLUMN d REAL DEFAULT 7; ALTER TABLE t ADD COLUMN e DEFAULT 'z';
           BEGIN; ${after} COMMIT;`,
        );
        copyFileSync(ours, theirs);
        sqlite3(theirs, indexes.map((s) => `${s};`).join('\n'));
        const db = await Database.open(ours, { readonly: false });
        for (const sql of indexes) await db.run(sql);
        expect(await db.check()).toEqual([]);
        await db.close();
        expect(integrityCheck(ours)).toBe('ok');
        expect(sqlite3(ours, probe)).toBe(sqlite3(theirs, probe));
      }),
      { numRuns: 15 },
    );
  });

  it('every entry count and size builds a sound tree (leaf and interior edges, overflow, 3+ levels)', async () => {
    // Equal-sized entries make each leaf and interior node hold a fixed number of cells, so a
    // sweep over the entry count meets every case of the right edge: the last entry that would
    // open an empty leaf, the last divider that would open an empty interior node, a new level.
    const { dir, cleanup } = tempDir('s3lite-create-index');
    cleanups.push(cleanup);
    const path = join(dir, 'db.sqlite');
    sqlite3(
      path,
      `PRAGMA page_size=512; CREATE TABLE t(n INTEGER, k TEXT); CREATE TABLE u(n INTEGER, k TEXT, big TEXT);
       WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 1500)
       INSERT INTO t SELECT i, printf('key-%08d', (i * 7919) % 1500) FROM r;
       INSERT INTO u SELECT n, k, printf('%0600d', n) FROM t WHERE n <= 200;`,
    );
    const db = await Database.open(path, { readonly: false });
    const counts = [...Array.from({ length: 420 }, (_, i) => i + 1), ...Array.from({ length: 98 }, (_, i) => 421 + i * 11), 1500];
    let deepest = 0;
    for (const n of counts) {
      await db.run(`CREATE INDEX ix ON t(k) WHERE n <= ${n}`);
      const tree = (await db.pages()).trees.find((t) => t.name === 'ix')!;
      expect(tree.cells, `n = ${n}`).toBe(n);
      expect(await db.check(), `n = ${n}`).toEqual([]);
      // Depth: 1 (a root leaf), 2 (the root is the only interior page), 3+ (more interior pages).
      deepest = Math.max(deepest, tree.indexInterior > 1 ? 3 : tree.indexInterior + 1);
      if (n !== 1500) await db.run('DROP INDEX ix');
    }
    expect(deepest).toBe(3);
    for (const n of [1, 2, 3, 4, 5, 13, 14, 15, 40, 41, 100, 200]) {
      // Overflow-sized entries (600-byte keys on 512-byte pages) and a DESC key.
      await db.run(`CREATE INDEX ib ON u(big DESC, k) WHERE n <= ${n}`);
      expect((await db.pages()).trees.find((t) => t.name === 'ib')!.cells, `n = ${n}`).toBe(n);
      expect(await db.check(), `n = ${n}`).toEqual([]);
      if (n !== 200) await db.run('DROP INDEX ib');
    }
    await db.close();
    expect(integrityCheck(path)).toBe('ok');
    const probe = "SELECT k, n FROM t INDEXED BY ix WHERE k > '' AND n <= 1500 ORDER BY k; SELECT substr(big, -4), k FROM u INDEXED BY ib WHERE big > '' AND n <= 200 ORDER BY big DESC, k;";
    const copy = join(dir, 'copy.sqlite');
    copyFileSync(path, copy);
    sqlite3(copy, 'DROP INDEX ix; DROP INDEX ib; CREATE INDEX ix ON t(k) WHERE n <= 1500; CREATE INDEX ib ON u(big DESC, k) WHERE n <= 200;');
    expect(sqlite3(path, probe)).toBe(sqlite3(copy, probe));
    // Same shape as SQLite's own bulk build: the same pages and the same unused bytes.
    const shape = "SELECT name, count(*), sum(unused) FROM dbstat WHERE name IN ('ix', 'ib') GROUP BY name ORDER BY name;";
    expect(sqlite3(path, shape)).toBe(sqlite3(copy, shape));
  });

  it('indexes on expressions, with NOCASE / RTRIM keys, partial or UNIQUE, match SQLite (entries sorted as bytes or as values)', async () => {
    // Texts sharing long prefixes (the sorter's 12-byte keys tie and the records decide), case
    // variants (NOCASE folds A-Z only), trailing spaces (RTRIM), mixed classes.
    const keyed = fc.oneof(
      value,
      fc.constantFrom('prefix-common-AAAA', 'prefix-common-aaaa', 'prefix-common-aaab', 'prefix-commo', 'PREFIX-COMMON-', 'Àb', 'àB', 'ab ', 'AB  ', 'a\tB'),
    );
    const indexes = [
      'CREATE INDEX i_e ON t(lower(b), a DESC)',
      'CREATE INDEX i_n ON t(b COLLATE NOCASE, c COLLATE NOCASE DESC)',
      'CREATE INDEX i_x ON t((a || b) COLLATE NOCASE) WHERE c IS NOT NULL',
      'CREATE INDEX i_r ON t(b COLLATE RTRIM, a)',
      'CREATE INDEX i_l ON t(length(c) DESC, c)',
    ];
    const probe = `
      SELECT 'e', lower(b), a, typeof(a), rowid FROM t INDEXED BY i_e WHERE lower(b) IS NULL OR lower(b) IS NOT NULL;
      SELECT 'n', b, c, typeof(c), rowid FROM t INDEXED BY i_n WHERE b IS NULL OR b IS NOT NULL;
      SELECT 'x', a || b, rowid FROM t INDEXED BY i_x WHERE c IS NOT NULL AND ((a || b) IS NULL OR (a || b) IS NOT NULL);
      SELECT 'r', b, a, rowid FROM t INDEXED BY i_r WHERE b IS NULL OR b IS NOT NULL;
      SELECT 'l', length(c), c, rowid FROM t INDEXED BY i_l WHERE length(c) IS NULL OR length(c) IS NOT NULL;`;
    const unique = ['CREATE UNIQUE INDEX u_n ON t(b COLLATE NOCASE)', 'CREATE UNIQUE INDEX u_e ON t(upper(b), c)'];
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(keyed, keyed, keyed), { maxLength: 300 }), async (rows) => {
        const { dir, cleanup } = tempDir('s3lite-create-index');
        cleanups.push(cleanup);
        const ours = join(dir, 'ours.sqlite');
        const theirs = join(dir, 'theirs.sqlite');
        const inserts = rows.map((r) => `INSERT INTO t VALUES (${r.map(sqlLiteral).join(', ')});`).join('\n');
        sqlite3(ours, `PRAGMA page_size=512; CREATE TABLE t(a, b TEXT, c);\nBEGIN;\n${inserts}\nCOMMIT;`);
        copyFileSync(ours, theirs);
        sqlite3(theirs, indexes.map((s) => `${s};`).join('\n'));
        const db = await Database.open(ours, { readonly: false });
        for (const sql of indexes) await db.run(sql);
        for (const sql of unique) {
          const mine = await db.run(sql).then(() => 'ok', (e: unknown) => (e as Error).message);
          let sqliteSays = 'ok';
          try {
            sqlite3(theirs, `${sql};`);
          } catch (e) {
            sqliteSays = /UNIQUE constraint failed: [^\n]*?(?= \(\d+\)|\n|$)/.exec(String((e as Error).message))?.[0] ?? String(e);
          }
          expect(mine, sql).toBe(sqliteSays);
        }
        expect(await db.check()).toEqual([]);
        await db.close();
        expect(integrityCheck(ours)).toBe('ok');
        expect(sqlite3(ours, probe)).toBe(sqlite3(theirs, probe));
        const names = "SELECT name FROM sqlite_schema WHERE type = 'index' ORDER BY name;";
        expect(sqlite3(ours, names)).toBe(sqlite3(theirs, names));
      }),
      { numRuns: 25 },
    );
  });

  it('a UNIQUE index on an expression names the index in its failures, as SQLite does (CREATE INDEX and INSERT)', async () => {
    const { dir, cleanup } = tempDir('s3lite-create-index');
    cleanups.push(cleanup);
    const path = join(dir, 'db.sqlite');
    sqlite3(path, "CREATE TABLE t(a, b TEXT); INSERT INTO t VALUES (1, 'x'), (2, 'X');");
    const sqliteSays = (sql: string): string => {
      const copy = join(dir, 'copy.sqlite');
      copyFileSync(path, copy);
      try {
        sqlite3(copy, sql);
        return 'ok';
      } catch (e) {
        return /UNIQUE constraint failed: [^\n]*?(?= \(\d+\)|\n|$)/.exec(String((e as Error).message))?.[0] ?? String(e);
      }
    };
    const db = await Database.open(path, { readonly: false });
    const create = 'CREATE UNIQUE INDEX u_lb ON t(lower(b))';
    expect(await db.run(create).then(() => 'ok', (e: unknown) => (e as Error).message)).toBe(sqliteSays(`${create};`));
    await db.run('DELETE FROM t WHERE a = 2');
    await db.run(create);
    const insert = "INSERT INTO t VALUES (3, 'X')";
    expect(await db.run(insert).then(() => 'ok', (e: unknown) => (e as Error).message)).toBe(sqliteSays(`${insert};`)); // the file now holds our index
    await db.close();
    expect(integrityCheck(path)).toBe('ok');
  });

  it('a UNIQUE index over repeated keys fails as in SQLite; NULLs and distinct keys pass', async () => {
    const { dir, cleanup } = tempDir('s3lite-create-index');
    cleanups.push(cleanup);
    const path = join(dir, 'db.sqlite');
    sqlite3(
      path,
      `CREATE TABLE t(a, b TEXT);
       WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 3000)
       INSERT INTO t SELECT i, CASE WHEN i % 3 = 0 THEN NULL ELSE 'k' || i END FROM k;
       INSERT INTO t VALUES (5000, 'K17'), (5001, NULL);`,
    );
    const db = await Database.open(path, { readonly: false });
    await db.run('CREATE UNIQUE INDEX u_b ON t(b)'); // 'K17' ≠ 'k17' in BINARY; NULLs repeat
    await expect(db.run('CREATE UNIQUE INDEX u_nocase ON t(b COLLATE NOCASE)')).rejects.toThrow('UNIQUE constraint failed: t.b');
    await db.run('CREATE UNIQUE INDEX u_ab ON t(b, a)');
    expect(await db.check()).toEqual([]);
    await db.close();
    expect(integrityCheck(path)).toBe('ok');
    expect(sqlite3(path, "SELECT name FROM sqlite_schema WHERE type = 'index' ORDER BY name;").trim()).toBe('u_ab\nu_b');
    expect(() => sqlite3(path, 'CREATE UNIQUE INDEX x ON t(b COLLATE NOCASE);')).toThrow(/UNIQUE constraint failed: t.b/);
  });
});
