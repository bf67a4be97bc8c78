/**
 * rtreecheck() against sqlite3's on the same files: sound trees of 1–5 dimensions, both
 * coordinate types, aux columns and several page sizes report "ok"; trees damaged through
 * their shadow tables (a mapping deleted or pointing elsewhere, a node missing or cut short, a
 * cell count or depth out of range, a box turned inside out or outside its parent) give
 * sqlite3's report, line for line; misuse gives sqlite3's messages.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../../src/index.js';
import { sqlite3, tempDir } from '../../support/sqlite3.js';

let dir: string;
let cleanup: () => void;
let fileNo = 0;

beforeAll(() => {
  const t = tempDir('s3lite-rtreecheck');
  dir = t.dir;
  cleanup = t.cleanup;
});
afterAll(() => cleanup());

/** sqlite3's answer: the report, or `error: message`. */
function theirs(file: string, sql: string): string {
  const r = spawnSync('sqlite3', [file], { input: `${sql};`, encoding: 'utf8' });
  const err = r.stderr.split('\n')[0] ?? '';
  if (err !== '') return `error: ${/(?:error|Error)(?: near line \d+)?: (?:in prepare, |stepping, )?(.*?)(?: \(\d+\))?$/.exec(err)?.[1] ?? err}`;
  return r.stdout.replace(/\n$/, '');
}

async function ours(file: string, sql: string): Promise<string> {
  const db = await Database.open(file, { readonly: true });
  try {
    const rows = await db.query(sql);
    return String(Object.values(rows[0]!)[0]);
  } catch (err) {
    return `error: ${(err as Error).message}`;
  } finally {
    await db.close();
  }
}

/** A tree made by sqlite3: `n` boxes in `dims` dimensions. */
function makeTree(opts: { dims: number; int32: boolean; n: number; pageSize: number; aux?: boolean }): string {
  const file = join(dir, `t-${fileNo++}.db`);
  const cols = Array.from({ length: opts.dims }, (_, d) => `min${d}, max${d}`).join(', ');
  const values = Array.from({ length: opts.dims }, (_, d) => `(i * ${7 + d * 13}) % 1000 - 500, (i * ${7 + d * 13}) % 1000 - 500 + i % 17`).join(', ');
  sqlite3(
    file,
    `PRAGMA page_size = ${opts.pageSize};
     CREATE VIRTUAL TABLE t USING ${opts.int32 ? 'rtree_i32' : 'rtree'}(id, ${cols}${opts.aux === true ? ', +label, +w' : ''});
     WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${opts.n})
       INSERT INTO t SELECT i, ${values}${opts.aux === true ? ", 'x' || i, i * 2" : ''} FROM s;`,
  );
  return file;
}

const cases = [
  { dims: 2, int32: false, n: 2000, pageSize: 1024 },
  { dims: 1, int32: true, n: 500, pageSize: 512 },
  { dims: 3, int32: false, n: 1500, pageSize: 4096, aux: true },
  { dims: 5, int32: true, n: 800, pageSize: 8192 },
];

describe('rtreecheck() on sound trees', () => {
  it('reports ok as sqlite3 does (and after our own writes)', async () => {
    for (const c of cases) {
      const file = makeTree(c);
      expect(theirs(file, "SELECT rtreecheck('t')")).toBe('ok');
      expect(await ours(file, "SELECT rtreecheck('t')")).toBe('ok');
      expect(await ours(file, "SELECT rtreecheck('main', 'T')")).toBe('ok');
      const db = await Database.open(file, { readonly: false });
      await db.run('DELETE FROM t WHERE id % 3 = 0');
      await db.close();
      expect(await ours(file, "SELECT rtreecheck('t')")).toBe(theirs(file, "SELECT rtreecheck('t')"));
    }
  });
});

/** Node `nodeno`'s blob as hex, from sqlite3. */
const nodeHex = (file: string, nodeno: number): string => sqlite3(file, `SELECT hex(data) FROM t_node WHERE nodeno = ${nodeno};`).trim();

describe('rtreecheck() on damaged trees', () => {
  it('reports what sqlite3 reports, line for line', async () => {
    const base = makeTree({ dims: 2, int32: false, n: 2000, pageSize: 1024 });
    const leaf = Number(sqlite3(base, 'SELECT nodeno FROM t_rowid WHERE rowid = 700;').trim());
    const parentOfLeaf = Number(sqlite3(base, `SELECT parentnode FROM t_parent WHERE nodeno = ${leaf};`).trim());
    const root = nodeHex(base, 1);
    const leafHex = nodeHex(base, leaf);
    // Leaf cell 0: 8-byte id, then min0 max0 min1 max1 as big-endian float32 (hex digits 24…55).
    const swapped = `${leafHex.slice(0, 24)}47000000${leafHex.slice(32)}`; // min0 = 32768 > max0
    const outside = `${leafHex.slice(0, 32)}7F000000${leafHex.slice(40)}`; // max0 = 1.7e38, beyond the parent's box
    const damages = [
      'DELETE FROM t_rowid WHERE rowid = 700',
      'UPDATE t_rowid SET nodeno = nodeno + 1 WHERE rowid IN (5, 9)',
      `DELETE FROM t_parent WHERE nodeno = ${leaf}`,
      `UPDATE t_parent SET parentnode = 99999 WHERE nodeno = ${leaf}`,
      `DELETE FROM t_node WHERE nodeno = ${leaf}`,
      `UPDATE t_node SET data = x'0000' WHERE nodeno = ${leaf}`,
      `UPDATE t_node SET data = x'${leafHex.slice(0, 4)}FFFF${leafHex.slice(8)}' WHERE nodeno = ${leaf}`,
      `UPDATE t_node SET data = x'0064${root.slice(4)}' WHERE nodeno = 1`,
      `UPDATE t_node SET data = x'${swapped}' WHERE nodeno = ${leaf}`,
      `UPDATE t_node SET data = x'${outside}' WHERE nodeno = ${leaf}`,
      `INSERT INTO t_rowid VALUES (99999, ${leaf})`,
      `INSERT INTO t_parent VALUES (99999, ${parentOfLeaf})`,
    ];
    for (const damage of damages) {
      const file = join(dir, `d-${fileNo++}.db`);
      copyFileSync(base, file);
      sqlite3(file, `${damage};`);
      const expected = theirs(file, "SELECT rtreecheck('t')");
      expect(expected, damage).not.toBe('ok');
      expect(expected, damage).not.toMatch(/^error/);
      expect(await ours(file, "SELECT rtreecheck('t')"), damage).toBe(expected);
    }
  });
});

describe('rtreecheck() misused', () => {
  it('gives sqlite3’s messages', async () => {
    const file = makeTree({ dims: 2, int32: false, n: 10, pageSize: 1024 });
    sqlite3(file, 'CREATE TABLE plain3(a, b, c); CREATE TABLE plain1(a);');
    for (const sql of [
      "SELECT rtreecheck('nope')",
      "SELECT rtreecheck('plain3')",
      "SELECT rtreecheck('plain1')",
      "SELECT rtreecheck('temp', 't')",
      'SELECT rtreecheck()',
      "SELECT rtreecheck('main', 't', 'x')",
      'SELECT rtreecheck(NULL)',
      "SELECT typeof(rtreecheck('t')), rtreecheck('t') = 'ok'",
    ]) {
      expect(await ours(file, sql), sql).toBe(theirs(file, sql).split('|')[0]);
    }
  });
});
