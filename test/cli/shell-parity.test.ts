/**
 * A script piped into `s3lite shell FILE` prints what `sqlite3 FILE` prints — the same bytes on
 * standard output, the same error lines on standard error, the same exit status — and leaves a
 * file whose `.dump` equals the one sqlite3 leaves. sqlite3 (3.40 here) is the oracle: fixed
 * scripts for the output modes, dot-commands and error reporting, and random scripts of inserts
 * and queries over every storage class (reals near the 15-digit edge, text that CSV must quote,
 * blobs, NULL) in random modes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { sqlLiteral, tempDir } from '../support/sqlite3.js';
import { expectSame, runBoth, type Script } from './shell-support.js';

const { dir, cleanup } = tempDir('s3lite-shell-parity');
afterAll(cleanup);

const both = (seed: string | undefined, script: Script) => runBoth(dir, seed, script);

describe('s3lite shell prints what sqlite3 prints', () => {
  it('text that is not UTF-8 prints, and stays, byte for byte', () => {
    const script = [
      "CREATE TABLE u(id INTEGER PRIMARY KEY, name TEXT, n INT);",
      'CREATE INDEX u_name ON u(name);',
      "INSERT INTO u VALUES (1, CAST(x'4361666580' AS TEXT), 0), (2, CAST(x'ff41c328' AS TEXT), 0), (3, 'ok', 0);",
      'UPDATE u SET n = n + 1;',
      "INSERT INTO u SELECT id + 10, name || CAST(x'e9' AS TEXT), n FROM u;",
      'SELECT id, name, hex(name), length(CAST(name AS BLOB)), n FROM u ORDER BY name;',
      "SELECT id FROM u WHERE name = CAST(x'4361666580' AS TEXT);",
      '.mode csv',
      'SELECT * FROM u ORDER BY id;',
    ].join('\n');
    expectSame(both(undefined, script));
  }, 60_000);

  it('list, csv, tabs and line modes, headers, separators and NULL text', () => {
    const script = [
      'CREATE TABLE z(a, b TEXT, c REAL);',
      "INSERT INTO z VALUES (1, 'a b', 1.5), (NULL, 'é', -0.0), (x'4142', '', 1e20), (9223372036854775807, 'q\"x', 0.1), (-3, 'x,y', 1e-5);",
      "INSERT INTO z VALUES (2, 'it''s', 123456789012345.6), (3, 'tab\there', 1.0/3), (4, 'line\nbreak', 2e15), (5, '', 100000000000000.0), (6, x'80ff41', NULL);",
      'SELECT * FROM z ORDER BY rowid;',
      '.headers on',
      'SELECT * FROM z ORDER BY rowid;',
      '.mode csv',
      'SELECT * FROM z ORDER BY rowid;',
      '.separator ;',
      'SELECT a, b AS "b b" FROM z ORDER BY rowid;',
      '.mode line',
      'SELECT * FROM z ORDER BY rowid;',
      '.mode tabs',
      '.nullvalue NULL',
      'SELECT * FROM z ORDER BY rowid;',
      'SELECT * FROM z WHERE 0;',
      '.headers off',
      '.mode list',
      '.separator , ;',
      'SELECT * FROM z ORDER BY rowid;',
      '.separator |',
      'SELECT a FROM z WHERE rowid < 3 ORDER BY rowid;',
      '.mode',
      "SELECT typeof(c), c * 3, c / 7, round(c, 2), CAST(c AS INTEGER) FROM z ORDER BY rowid;",
    ].join('\n');
    expectSame(both(undefined, script));
  }, 60_000);

  it('errors: the line, the kind, the code, the marker; the rest of that input is skipped; exit status 1', () => {
    const script = [
      'CREATE TABLE t(a UNIQUE NOT NULL);',
      'INSERT INTO t VALUES (1);',
      'INSERT INTO t VALUES (1);',
      'SELECT 1; SELEC 2; SELECT 3;',
      'SELECT 4;',
      'INSERT INTO t VALUES (1,',
      '  2);',
      'SELECT * FROM nope;',
      'INSERT INTO t VALUES (NULL);',
      'SELECT 1 +;',
      '   SELECT a FROM t ORDER BY a;',
      'SELECT max(a) FROM t -- a comment ;',
      ';',
      'SELECT a /* ; */ FROM t;',
      'CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO t VALUES (new.a + 100); END; SELECT 5;',
      'INSERT INTO t VALUES (7);',
      'SELECT a FROM t ORDER BY a;',
      'COMMIT;',
      'SELECT count(*) FROM t',
    ].join('\n');
    const run = both(undefined, script);
    expect(run.ref.status).toBe(1);
    expectSame(run);
  }, 60_000);

  it('.schema, .tables and EXPLAIN QUERY PLAN on a real database', () => {
    const script = ['.schema', '.tables', 'EXPLAIN QUERY PLAN SELECT * FROM orders WHERE customer_id = 5 ORDER BY placed_at DESC;', 'SELECT * FROM big_spenders ORDER BY total DESC, name LIMIT 3;'].join('\n');
    expectSame(both('fixtures/sample.sqlite', script));
  }, 60_000);

  it('random scripts of inserts and queries in random modes', () => {
    const real = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.integer({ min: -1_000_000, max: 1_000_000 }).map((i) => i / 64),
      fc.constantFrom(0.1, 1 / 3, 2 / 3, 1e15, 1e16, 123456789012345.6, 1e-4, 1e-5, 9.999999999999999e14, 5e-324),
    );
    const text = fc.string({ unit: fc.constantFrom('a', ' ', ',', '"', "'", '|', '\t', 'é', '€', '\n', 'z', '0') , maxLength: 6 });
    const value = fc.oneof(
      fc.constant(null),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      real,
      text,
      // No NUL (it would end sqlite3's C string); `c || ''` makes text of any bytes, UTF-8 or not.
      fc.uint8Array({ minLength: 0, maxLength: 4, min: 1, max: 0xff }),
    );
    const mode = fc.constantFrom('list', 'csv', 'tabs', 'line');
    const statement = fc.oneof(
      fc.tuple(value, value, value).map((row) => `INSERT INTO r VALUES (${row.map(sqlLiteral).join(', ')});`),
      fc.constant('SELECT * FROM r ORDER BY rowid;'),
      fc.constant('SELECT a + b, b * 2.5, typeof(c), length(c), c || \'\' FROM r ORDER BY rowid;'),
      fc.constant('SELECT sum(a), avg(b), max(c), count(*) FROM r;'),
      mode.map((m) => `.mode ${m}`),
      fc.boolean().map((on) => `.headers ${on ? 'on' : 'off'}`),
      fc.constant('DELETE FROM r WHERE rowid % 3 = 0;'),
    );
    fc.assert(
      fc.property(fc.array(statement, { minLength: 5, maxLength: 40 }), (statements) => {
        expectSame(both(undefined, ['CREATE TABLE r(a, b, c);', ...statements].join('\n')));
      }),
      { numRuns: 4 },
    );
  }, 240_000);
});

describe('.read, .output, .once, .print, .tables and .indexes, as sqlite3 runs them', () => {
  it('scripts read from files, nested, with errors, .quit and .bail; output sent to files', () => {
    const file = (name: string, text: string): string => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const errs = file('errs.sql', 'SELECT 10;\nSELECT x FROM nope;\nSELECT 11;\n  SELECT\n 1 +;\nSELECT 12;\n');
    const quits = file('quits.sql', 'SELECT 20;\n.quit\nSELECT 21;\n');
    const unfinished = file('unfinished.sql', "INSERT INTO t VALUES ('from a file');\nSELECT 30;\nSELECT 31");
    const nested = file('nested.sql', `SELECT 40;\n.read ${errs}\n.read "${quits}"\nSELECT 41;\n`);
    const script = (side: 'ref' | 'mine'): string =>
      [
        'CREATE TABLE t(a UNIQUE, b);',
        'CREATE TABLE "tab two"(c);',
        'CREATE TABLE sqliteXfoo(d);',
        'CREATE VIEW v AS SELECT 1;',
        'CREATE INDEX t_b ON t(b);',
        'CREATE INDEX "idx é" ON "tab two"(c);',
        '.tables',
        '.tables T%',
        '.tables %o',
        '.indexes',
        '.indices t',
        '.indexes %two',
        '.indexes a b',
        `.read ${errs}`,
        `.read ${nested}`,
        `.read ${unfinished}`,
        'SELECT b IS NULL, a FROM t;',
        '.read',
        `.read ${join(dir, 'no-such.sql')}`,
        `.print plain  words "double \\t quoted" 'single \\t quoted' a\\tb "g"h \\101\\e\\q`,
        '.print',
        `.output ${join(dir, `${side}-out.txt`)}`,
        'SELECT 50;',
        '.print to the file',
        '.tables',
        '.output',
        'SELECT 51;',
        `.once ${join(dir, `${side}-once.txt`)}`,
        'SELECT 52; SELECT 53;',
        'SELECT 54;',
        `.once ${join(dir, `${side}-once-read.txt`)}`,
        `.read ${errs}`,
        `.output ${join(dir, 'no-such-dir', 'x.txt')}`,
        'SELECT 55;',
        `.output ${join(dir, `${side}-out.txt`)}`,
        'SELECT 56;',
        '.output stdout',
        '.bail on',
        `.read ${nested}`,
        'SELECT 57;',
      ].join('\n');
    const run = both(undefined, script);
    expect(run.ref.status).toBe(1);
    expectSame(run);
    for (const name of ['out', 'once', 'once-read']) {
      const [mine, ref] = (['mine', 'ref'] as const).map((side) => readFileSync(join(dir, `${side}-${name}.txt`), 'latin1'));
      expect(mine, name).toBe(ref);
    }
  }, 60_000);

  it('.bail on stops every level of .read at the first error; pipes and byte-order marks', () => {
    const errs = join(dir, 'bail-errs.sql');
    writeFileSync(errs, 'SELECT 10;\nSELECT x FROM nope;\nSELECT 11;\n');
    const nested = join(dir, 'bail-nested.sql');
    writeFileSync(nested, `SELECT 20;\n.read ${errs}\nSELECT 21;\n`);
    const script = (side: 'ref' | 'mine'): string =>
      [
        '.bail on',
        `.once --bom ${join(dir, `${side}-bom.txt`)}`,
        "SELECT 'é';",
        ".output '|tr a-z A-Z'",
        "SELECT 'piped';",
        '.print through the pipe',
        '.output',
        "SELECT 'after';",
        '.headers maybe',
        `.read ${nested}`,
        'SELECT 30;',
      ].join('\n');
    const run = both(undefined, script);
    expect(run.ref.status).toBe(1);
    expectSame(run);
    const [mine, ref] = (['mine', 'ref'] as const).map((side) => readFileSync(join(dir, `${side}-bom.txt`), 'latin1'));
    expect(mine).toBe(ref);
  }, 60_000);
});

describe('.import, as sqlite3 reads files into tables', () => {
  const files: Record<string, string> = {
    'imp.csv': 'a,b,c\n1,"x,y",3\n4,"he said ""hi""",\n7,8\n9,10,11,12\n"multi\nline",2,3\n',
    'dup.csv': 'a,a,b,,A,x y,"q""r"\n1,2,3,4,5,6,7\n',
    'dup2.csv': 'a,A,a,b,,\n',
    'bom.csv': '\ufeffh1,h2\n1,2\n',
    'crlf.csv': 'a,b\r\n1,2\r\n"3\r\n4",5\r\n',
    'bad.csv': 'a,b\n"x"y,2\n"unterminated,3\n',
    'wide.csv': 'c1,c2,c3,c4,c5,c6,c7,c8,c9,c10\n1,2,3,4,5,6,7,8,9,10\n',
    'empty.csv': '',
    'pipes.txt': 'a|b\n1|2\n"x|y"|3\n',
  };
  const path = (name: string): string => join(dir, name);

  it('every kind of file, option and mode', () => {
    for (const [name, text] of Object.entries(files)) writeFileSync(path(name), text);
    const script = [
      `.import --csv ${path('imp.csv')} t`,
      '.schema t',
      'SELECT rowid, quote(a), quote(b), quote(c) FROM t;',
      `.import --csv --skip 1 ${path('imp.csv')} t`,
      'SELECT count(*) FROM t;',
      'CREATE TABLE n(x INTEGER, y REAL);',
      `.import --csv ${path('imp.csv')} n`,
      'SELECT quote(x), quote(y) FROM n;',
      ...['dup.csv', 'dup2.csv', 'bom.csv', 'crlf.csv', 'bad.csv', 'wide.csv', 'empty.csv', 'nosuch.csv'].flatMap((f, i) => [
        `.import --csv ${path(f)} f${i}`,
        `.schema f${i}`,
        `SELECT * FROM f${i};`,
      ]),
      `.import ${path('pipes.txt')} p`,
      'SELECT * FROM p;',
      '.mode csv',
      `.import ${path('imp.csv')} q`,
      'SELECT count(*) FROM q;',
      `.import -v --schema main --csv ${path('imp.csv')} v`,
      'BEGIN;',
      `.import --csv ${path('imp.csv')} inside`,
      'ROLLBACK;',
      "SELECT count(*) FROM sqlite_schema WHERE name = 'inside';",
    ].join('\n');
    expectSame(both(undefined, script));
  }, 60_000);

  it('random CSV files, well-formed or not', () => {
    const piece = fc.constantFrom('a', 'b c', '"', '""', ',', '\n', '\r\n', 'é', '1', '2.5', ' ', '|');
    const field = fc.array(piece, { maxLength: 4 }).map((p) => p.join(''));
    let n = 0;
    fc.assert(
      fc.property(fc.array(fc.array(field, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 }), fc.boolean(), (rows, wellFormed) => {
        const name = path(`random${n++}.csv`);
        // Well-formed: every field quoted as CSV wants; else the raw pieces, stray quotes and all.
        const cell = (f: string): string => (wellFormed ? `"${f.replaceAll('"', '""')}"` : f);
        writeFileSync(name, rows.map((r) => r.map(cell).join(',')).join('\n') + '\n');
        expectSame(both(undefined, `.import --csv ${name} r\nSELECT * FROM r;\n.mode csv\nSELECT * FROM r;\n`));
      }),
      { numRuns: 5 },
    );
  }, 120_000);
});
