/**
 * `s3lite dump` / the shell's `.dump` against `sqlite3 FILE .dump` (3.40.1) on databases sqlite3
 * wrote: the same text line for line, REAL literals compared as the doubles they denote (sqlite3
 * 3.40 works out digits 18–20 in x87 long double; s3lite prints the exact ones); and the dump read
 * back by sqlite3 rebuilds a database whose own `.dump` is the original's, byte for byte.
 * Random tables (names that need quoting, keywords, every storage class, text with quotes,
 * newlines, carriage returns and the replace() markers themselves) run in-process; the CLI, the
 * shell's `.dump`, patterns, --data-only / --nosys / --newlines / --preserve-rowids and a block directory run as a user
 * runs them.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/index.js';
import { dumpDatabase, type DumpOptions } from '../../src/cli/dump.js';
import { sqlite3, tempDir } from '../support/sqlite3.js';
import { runCli } from './support.js';

const { dir, cleanup } = tempDir('s3lite-dump');
afterAll(cleanup);

/** REAL literals outside quotes, as the double they denote. */
function normalizeReals(dump: string): string {
  return dump
    .split(/('(?:[^']|'')*')/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/(?<![\w.])-?\d+\.\d+(?:e[+-]\d+)?(?![\w.])/g, (m) => String(Number(m)))))
    .join('');
}

function sqliteDump(path: string, args = ''): string {
  return execFileSync('sqlite3', [path, `.dump ${args}`.trim()], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
}

async function oursDump(path: string, options: DumpOptions = {}): Promise<string> {
  const db = await Database.open(path);
  let out = '';
  try {
    await dumpDatabase(db, options, (t) => void (out += t));
  } finally {
    await db.close();
  }
  return out;
}

/** The dump loaded into a new database by sqlite3, then dumped by sqlite3 again. */
function rebuiltDump(dump: string, name: string): string {
  const path = join(dir, `${name}.sqlite`);
  execFileSync('sqlite3', [path], { input: dump });
  return sqliteDump(path);
}

const FIXTURE_SQL = `
CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB);
CREATE TABLE "odd name"(a, "b c");
CREATE TABLE [br](x);
CREATE TABLE seq(id INTEGER PRIMARY KEY AUTOINCREMENT, v);
CREATE INDEX t_name ON t(name);
CREATE VIEW v AS SELECT name FROM t -- a comment
;
CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END;
CREATE TABLE w(k PRIMARY KEY, v) WITHOUT ROWID;
CREATE INDEX w_v ON w(v);
CREATE TABLE g(a, b AS (a * 2), c, d AS (a + 1) STORED);
CREATE TABLE "order"(x) /* trailing comment */;
CREATE TABLE e(x);
INSERT INTO t VALUES (1, 'ada', 2.0, x'0102'), (2, 'it''s', NULL, NULL), (3, 'line1
line2', 1.5e300, x''), (4, 'tab	here', -0.0, NULL), (5, 'cr'||char(13)||'x', 0.1, NULL),
  (6, 9e999, -9e999, NULL), (7, 1e-5, 123456789012.5, 'ü'), (8, 'has \\n and \\012 in it' || char(10), 1e100, NULL);
INSERT INTO "odd name" VALUES (1, 2), (NULL, 'x');
INSERT INTO seq(v) VALUES ('a'), ('b');
INSERT INTO w VALUES ('k1', 1), ('k0', 2);
INSERT INTO g(a, c) VALUES (1, 'x');
INSERT INTO "order" VALUES ('nul' || char(0) || 'x'), (12345678901234567890), (-1.0), (3.0e15);
CREATE VIRTUAL TABLE r USING rtree(id, x0, x1);
INSERT INTO r VALUES (1, 0, 1);
ANALYZE;
`;

describe('dump', () => {
  let fixture: string;
  beforeAll(() => {
    fixture = join(dir, 'fixture.sqlite');
    sqlite3(fixture, FIXTURE_SQL);
  });

  it('writes what sqlite3 .dump writes, and sqlite3 rebuilds the same database from it', async () => {
    const ours = await oursDump(fixture);
    expect(normalizeReals(ours)).toBe(normalizeReals(sqliteDump(fixture)));
    expect(rebuiltDump(ours, 'rebuilt')).toBe(sqliteDump(fixture));
  });

  it('--preserve-rowids keeps the rowids that are not columns, under the name sqlite3 picks', async () => {
    const path = join(dir, 'rowids.sqlite');
    sqlite3(
      path,
      `CREATE TABLE a(x, y); INSERT INTO a VALUES (1, 2), (3, 4), (5, 6); DELETE FROM a WHERE x = 3;
       CREATE TABLE alias(id INTEGER PRIMARY KEY, v); INSERT INTO alias VALUES (5, 'q');
       CREATE TABLE "desc pk"("my col" TEXT, "select", id INTEGER PRIMARY KEY DESC); INSERT INTO "desc pk" VALUES ('a', 'b', 9);
       CREATE TABLE intpk(a int primary key, b); INSERT INTO intpk VALUES (6, 7);
       CREATE TABLE shadow1(RowId, b); INSERT INTO shadow1 VALUES (4, 5);
       CREATE TABLE shadow2(rowid, _ROWID_, b); INSERT INTO shadow2 VALUES (1, 2, 3);
       CREATE TABLE shadow3(rowid, _rowid_, oid); INSERT INTO shadow3 VALUES (1, 2, 3);
       CREATE TABLE alias2(a INTEGER PRIMARY KEY, oid, rowid); INSERT INTO alias2 VALUES (10, 2, 3);
       CREATE TABLE w(k INTEGER PRIMARY KEY, v) WITHOUT ROWID; INSERT INTO w VALUES (1, 2);
       CREATE TABLE g(a, b AS (a * 2), c); INSERT INTO g(a, c) VALUES (7, 8);
       CREATE TABLE two(a, b, PRIMARY KEY(a, b)); INSERT INTO two VALUES (1, 2);
       INSERT INTO a(rowid, x, y) VALUES (100, 'late', NULL);`,
    );
    for (const dataOnly of [false, true]) {
      const ours = await oursDump(path, { preserveRowids: true, dataOnly });
      expect(ours).toBe(sqliteDump(path, `--preserve-rowids${dataOnly ? ' --data-only' : ''}`));
    }
    // Read back, the rowids are the same ones.
    const rebuilt = join(dir, 'rowids-rebuilt.sqlite');
    execFileSync('sqlite3', [rebuilt], { input: await oursDump(path, { preserveRowids: true }) });
    expect(sqliteDump(rebuilt, '--preserve-rowids')).toBe(sqliteDump(path, '--preserve-rowids'));
  });

  it('a commit by another writer while the dump runs ends it with BusyError (the text would mix two states)', async () => {
    const path = join(dir, 'moving.sqlite');
    copyFileSync(fixture, path);
    const reader = await Database.open(path);
    const writer = await Database.open(path, { readonly: false });
    let wrote = false;
    try {
      await expect(
        dumpDatabase(reader, {}, async () => {
          if (wrote) return;
          wrote = true;
          // Another connection commits after the dump's first line.
          await writer.run("INSERT INTO t(name) VALUES ('late')");
        }),
      ).rejects.toThrow(/landed during the dump/);
      // Without a commit in between, the same dump completes.
      let text = '';
      await dumpDatabase(reader, {}, (t) => void (text += t));
      expect(text).toContain("'late'");
    } finally {
      await writer.close();
      await reader.close();
    }
  });

  it('random tables: the same text, and the same database rebuilt', async () => {
    const name = fc.constantFrom('t', 'order', 'odd name', 'x"y', 'ü', '_a1', '1abc', 'Select', 'sqlitex');
    const value = fc.oneof(
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((b) => b.toString()),
      // REALs of every size sqlite3 3.40 reads back exactly (its long-double AtoF drifts near 1e-300).
      fc.tuple(fc.double({ min: -10, max: 10, noNaN: true }), fc.integer({ min: -200, max: 200 })).map(([m, e]) => `(${m.toExponential(16)} * 1e${e})`),
      fc.constantFrom('9e999', '-9e999', '-0.0', '0.1', '2.0', '123456789012.5', '1e100'),
      fc.string({ unit: fc.constantFrom('a', "'", '\n', '\r', '\\n', '\\012', '(\\n0)', 'é', '"', ' ', '\t') }).map((s) => `'${s.replaceAll("'", "''")}'`),
      fc.uint8Array({ maxLength: 6 }).map((b) => `x'${Buffer.from(b).toString('hex')}'`),
      fc.constant('NULL'),
    );
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(name, { minLength: 1, maxLength: 3 }), fc.array(fc.tuple(value, value), { maxLength: 6 }), async (names, rows) => {
        const path = join(dir, `random${n++}.sqlite`);
        const tables = names.map((t) => `"${t.replaceAll('"', '""')}"`);
        sqlite3(path, tables.map((t) => `CREATE TABLE ${t}(a, "b c");${rows.map(([a, b]) => `INSERT INTO ${t} VALUES (${a}, ${b});`).join('')}`).join('\n'));
        const ours = await oursDump(path);
        expect(normalizeReals(ours)).toBe(normalizeReals(sqliteDump(path)));
        expect(rebuiltDump(ours, `random-rebuilt${n}`)).toBe(sqliteDump(path));
      }),
      { numRuns: 20 },
    );
  });

  it('s3lite dump: patterns, --data-only, --nosys, --newlines; a block directory dumps as its file', () => {
    for (const [args, shellArgs] of [
      [['o%'], "'o%'"],
      [['t', 'r'], 't r'],
      [['--data-only'], '--data-only'],
      [['--nosys'], '--nosys'],
      [['--newlines', 't'], '--newlines t'],
      [['--preserve-rowids'], '--preserve-rowids'],
    ] as const) {
      const r = runCli(['dump', fixture, ...args]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(normalizeReals(r.stdout.toString()), args.join(' ')).toBe(normalizeReals(sqliteDump(fixture, shellArgs)));
    }
    const blocks = join(dir, 'blocks');
    expect(runCli(['import', fixture, `${blocks}/`, '--quiet']).status).toBe(0);
    expect(readdirSync(blocks).length).toBeGreaterThan(0);
    const fromBlocks = runCli(['dump', `${blocks}/`]);
    expect(fromBlocks.stdout.toString()).toBe(runCli(['dump', fixture]).stdout.toString());
  });

  it('the shell runs .dump (and .schema) as sqlite3 does', () => {
    const script = ".dump 'o%'\n.dump --data-only t\n.schema\n";
    const ours = runCli(['shell', fixture], { input: Buffer.from(script) });
    const theirs = execFileSync('sqlite3', [fixture], { input: script, encoding: 'utf8' });
    expect(ours.stderr).toBe('');
    expect(normalizeReals(ours.stdout.toString())).toBe(normalizeReals(theirs));
  });
});
