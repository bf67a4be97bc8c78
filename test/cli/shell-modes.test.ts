/**
 * Every output mode of sqlite3's shell (3.40), as `s3lite shell` prints it: the table-like modes
 * (table, box, markdown, column, qbox) with their wrap, word-wrap and quote options, and quote,
 * insert, json, html, tcl and ascii. sqlite3 is the oracle: a fixed script with the awkward
 * cases (values that span lines, tabs, control characters, wide and invalid UTF-8, names that
 * need quoting, empty results, `.mode` with and without options), and random tables printed in
 * random modes with random options.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createColumnarWriter, ROWS_PER_TABLE } from '../../src/cli/shell-columnar.js';
import { sqlLiteral, tempDir } from '../support/sqlite3.js';
import { expectSame, runBoth } from './shell-support.js';

const { dir, cleanup } = tempDir('s3lite-shell-modes');
afterAll(cleanup);

const TABLE = `CREATE TABLE t(a, "b c", d);
INSERT INTO t VALUES (1, 'x', 1.5), (NULL, 'héllo', -0.0), (x'41', 'multi' || char(10) || 'line', 2.0);
INSERT INTO t VALUES ('tab' || char(9) || 'x' || char(9) || char(9) || 'y', 'cr' || char(13) || char(10) || 'lf', 1e15);
INSERT INTO t VALUES (char(1) || 'ctl' || char(27) || '[0m', 'quo"te''s <&>', 9223372036854775807);
INSERT INTO t VALUES (CAST(x'ff41c3' AS TEXT), '日本語 wide', x'00ff'), ('', 'trailing' || char(10), 0.25);
INSERT INTO t VALUES ('${'word '.repeat(20)}end', '${'x'.repeat(75)}', 'a-b,c;d e');
`;

const MODES = ['table', 'box', 'markdown', 'column', 'qbox', 'json', 'quote', 'insert', 'html', 'tcl', 'ascii', 'list', 'csv', 'tabs', 'line'];

describe('output modes, as sqlite3 prints them', () => {
  it('every mode on awkward values, with and without headers; .mode options and errors', () => {
    const script = [
      TABLE,
      ...MODES.flatMap((m) => [`.mode ${m}`, 'SELECT * FROM t;', 'SELECT * FROM t WHERE 0;', '.headers on', 'SELECT a AS "k\'", d AS "<v>" FROM t LIMIT 2;', '.headers off', '.mode']),
      '.mode column --wrap 5',
      'SELECT "b c" FROM t;',
      '.mode markdown --wrap 4 --wordwrap on',
      'SELECT a FROM t;',
      '.mode table -ww --wrap 7 --quote',
      'SELECT * FROM t;',
      '.mode --wrap 5 qbox',
      'SELECT "b c" FROM t;',
      '.mode qbox --noquote --wrap 0',
      'SELECT * FROM t;',
      '.mode insert "my table"',
      '.headers on',
      'SELECT * FROM t;',
      '.mode insert a b',
      '.mode table --bogus',
      '.mode nonsense',
      '.mode list extra',
      'SELECT 1;',
      '.nullvalue NIL',
      ...['table', 'qbox', 'html', 'tcl', 'quote', 'json'].flatMap((m) => [`.mode ${m}`, 'SELECT NULL AS n, 1 AS one;']),
      '.mode column',
      'SELECT 1 AS a;',
      'EXPLAIN QUERY PLAN SELECT * FROM t WHERE a = 1;',
    ].join('\n');
    const run = runBoth(dir, undefined, script);
    expect(run.ref.status).toBe(1);
    expectSame(run);
  }, 60_000);

  it('random tables in random modes with random options', () => {
    const piece = fc.constantFrom('a', 'bc', ' ', '  ', '\t', '\n', '\r\n', '\r', '\x01', 'é', '日本', '-', ',', 'word', 'longerword', "'", '"', '<');
    const text = fc.array(piece, { maxLength: 12 }).map((p) => sqlLiteral(p.join('')));
    const value = fc.oneof(
      text,
      fc.constant('NULL'),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
      // REALs whose "%!.20g" digits sqlite3 3.40 gets right (it works them out in long double,
      // and 40.5 comes out as 40.500000000000000001).
      fc.constantFrom('0.5', '1.5', '-2.25', '0.015625', '100.25', '3.125', '1e15', '-0.0', '2.0', '0.1', '0.75', '12.5'),
      fc.uint8Array({ maxLength: 5 }).map((b) => `x'${Buffer.from(b).toString('hex')}'`),
    );
    const modeLine = fc.oneof(
      fc
        .tuple(
          fc.constantFrom('table', 'box', 'markdown', 'column', 'qbox'),
          fc.option(fc.integer({ min: 0, max: 14 }), { nil: undefined }),
          fc.constantFrom('', ' -ww', ' --wordwrap off'),
          fc.constantFrom('', ' --quote', ' --noquote'),
        )
        .map(([m, wrap, ww, q]) => `.mode ${m}${wrap === undefined ? '' : ` --wrap ${wrap}`}${ww}${q}`),
      fc.constantFrom('.mode json', '.mode quote', '.mode insert', '.mode html', '.mode tcl', '.mode ascii', '.mode list'),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(value, value), { minLength: 1, maxLength: 6 }),
        fc.array(fc.tuple(modeLine, fc.boolean()), { minLength: 1, maxLength: 8 }),
        (rows, modes) => {
          const script = [
            'CREATE TABLE r(p, "q r");',
            ...rows.map(([p, q]) => `INSERT INTO r VALUES (${p}, ${q});`),
            ...modes.flatMap(([m, headers]) => [`.headers ${headers ? 'on' : 'off'}`, m, 'SELECT * FROM r;']),
          ].join('\n');
          expectSame(runBoth(dir, undefined, script));
        },
      ),
      { numRuns: 6 },
    );
  }, 120_000);
});

describe('.width, .echo, .changes and .show, as sqlite3 runs them', () => {
  it('column widths and alignment, echoed commands, change counts, the settings listed', () => {
    const script = [
      'CREATE TABLE t(a);',
      '.echo on',
      'SELECT 1,',
      '  2;',
      '.changes on',
      'INSERT INTO t VALUES (1); INSERT INTO t VALUES (2),(3); SELECT 5;',
      'CREATE TABLE u(b);',
      'SELECT x FROM nope;',
      '.echo off',
      '.mode insert t2',
      ".nullvalue 'a\tb'",
      '.separator , \\r\\n',
      '.show',
      '.width 2',
      '.mode column',
      '.headers on',
      "SELECT 'abcdef' AS longname;",
      '.mode markdown',
      '.width -3 4',
      "SELECT 1 AS a, 'abcdefgh' AS b, 3 AS c;",
      '.width 3 -5 0',
      '.mode column',
      "SELECT 'abcdef' AS x, 12 AS y, 'z' AS z;",
      '.show',
      '.width',
      '.mode table',
      '.width -8',
      'SELECT 1 AS a, 22 AS b;',
      '.mode qbox',
      '.show',
      '.changes off',
      'PRAGMA table_info(t);',
      '.show',
    ].join('\n');
    const run = runBoth(dir, undefined, script);
    // `.show` names the file each shell was given.
    const named = (out: Buffer): string => out.toString('latin1').replaceAll(/^( {4}filename: ).*$/gm, '$1FILE');
    expect(run.mine.stderr).toBe(run.ref.stderr);
    expect(named(run.mine.stdout)).toBe(named(run.ref.stdout));
    expect(run.mine.stdout.toString()).toContain(`filename: ${run.mineFile}`);
    expect(run.mine.status).toBe(run.ref.status);
  }, 60_000);
});

describe('.param, as sqlite3 binds parameters', () => {
  it('set (SQL or text), list, unset, clear; ?N, :x, @x, $x bound in queries and writes', () => {
    const script = [
      '.param set :x 5',
      ".param set @y 'hello'",
      '.param set $z 1+2',
      '.param set :w abc',
      '.param list',
      'SELECT :x, @y, $z, :w, :missing, ?1;',
      '.param unset :x',
      '.param list',
      'SELECT :x;',
      '.param clear',
      '.param list',
      '.param bogus',
      '.param set :x (',
      '.param set :long_parameter_name_here_more_than_forty_characters_long 1',
      ".param set :y x'00ff'",
      '.param list',
      'SELECT ?, ?3, hex(:y), ?;',
      '.param set ?1 7',
      '.param set ?3 9',
      'SELECT ?, ?3, hex(:y), ?;',
      'CREATE TABLE t(a, b);',
      'INSERT INTO t VALUES (:x, ?3);',
      'SELECT * FROM t;',
    ].join('\n');
    expectSame(runBoth(dir, undefined, script));
  }, 60_000);
});

describe('.timer, as sqlite3 reports run times', () => {
  it('one "Run Time" line per chunk of SQL (errors too), none for dot-commands', () => {
    const script = ['.timer on', 'SELECT 1; SELECT 2;', 'SELECT x FROM nope;', '.print hi', 'CREATE TABLE q(a);', '.timer off', 'SELECT 3;'].join('\n');
    const run = runBoth(dir, undefined, script);
    const times = (out: Buffer): string => out.toString().replace(/^Run Time: real \d+\.\d{3} user \d+\.\d{6} sys \d+\.\d{6}$/gm, 'Run Time');
    expect(times(run.mine.stdout)).toBe(times(run.ref.stdout));
    expect(times(run.mine.stdout).match(/Run Time/g)?.length).toBe(3);
    expect(run.mine.stderr).toBe(run.ref.stderr);
  }, 60_000);
});

describe('table-like modes hold a bounded number of rows', () => {
  it(`a result longer than ${ROWS_PER_TABLE} rows is drawn as several tables, every row once`, () => {
    const chunks: Uint8Array[] = [];
    const writer = createColumnarWriter({ mode: 'table', headers: true, nullValue: '', wrap: 60, wordWrap: false, quote: false, widths: [] }, ['n'], (b) => chunks.push(b));
    const total = ROWS_PER_TABLE + 5;
    for (let i = 0; i < total; i++) writer.execRow([BigInt(i)]);
    // The first table is out before the result ends.
    expect(chunks.length).toBe(1);
    writer.end();
    const text = Buffer.concat(chunks).toString();
    expect(text.match(/^\| +n +\|$/gm)?.length).toBe(2);
    const values = [...text.matchAll(/^\| (\d+) +\|$/gm)].map((m) => Number(m[1]));
    expect(values).toEqual(Array.from({ length: total }, (_v, i) => i));
  });
});
