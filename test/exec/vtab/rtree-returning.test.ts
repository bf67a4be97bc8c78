/**
 * INSERT … RETURNING on R*Tree tables against sqlite3 running the same statements on a copy of
 * the same file: the rows (as quote()/typeof() see them, so types count), their column names,
 * an error and its message, and the trees afterwards (node bytes included).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../../src/index.js';
import { sqlite3, tempDir } from '../../support/sqlite3.js';

let dir: string;
let cleanup: () => void;
let base: string;

beforeAll(() => {
  const t = tempDir('s3lite-rtree-returning');
  dir = t.dir;
  cleanup = t.cleanup;
  base = join(dir, 'base.db');
  sqlite3(
    base,
    `PRAGMA page_size = 1024;
     CREATE VIRTUAL TABLE rt USING rtree(id, minx, maxx, miny, maxy, +label, +w);
     CREATE VIRTUAL TABLE ri USING rtree_i32(id, a, b);
     WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 300)
       INSERT INTO rt SELECT i, i, i + 0.5, -i, -i + 2, 'l' || i, i * 3 FROM s;
     INSERT INTO ri VALUES (1, 1, 2);`,
  );
});
afterAll(() => cleanup());

/** sqlite3's rows for one statement (header on), or `error: …`. */
function theirs(file: string, sql: string): string[] {
  const r = spawnSync('sqlite3', ['-header', '-bail', file], { input: `${sql};`, encoding: 'utf8' });
  const err = r.stderr.split('\n')[0] ?? '';
  if (err !== '') return [`error: ${/(?:error|Error)(?: near line \d+)?: (?:in prepare, |stepping, )?(.*?)(?: \(\d+\))?$/.exec(err)?.[1] ?? err}`];
  return r.stdout.split('\n').filter((l) => l !== '');
}

async function ours(file: string, sql: string): Promise<string[]> {
  const db = await Database.open(file, { readonly: false });
  const out: string[] = [];
  try {
    await db.execRows(sql, undefined, (rows) => {
      if (rows === undefined || rows.rows.length === 0) return;
      out.push(rows.columns.join('|'));
      // Every returned value here is a quote()/typeof() text, or NULL.
      for (const r of rows.rows) out.push(r.values.map((v) => (v === null ? '' : String(v))).join('|'));
    });
  } catch (err) {
    return [`error: ${(err as Error).message}`];
  } finally {
    await db.close();
  }
  return out;
}

const dump = (file: string): string =>
  sqlite3(file, "SELECT nodeno, hex(data) FROM rt_node; SELECT * FROM rt_rowid; SELECT nodeno, hex(data) FROM ri_node; SELECT * FROM ri_rowid; PRAGMA integrity_check; SELECT rtreecheck('rt'), rtreecheck('ri');");

describe('INSERT … RETURNING on an R*Tree', () => {
  const statements = [
    // Values as given, with the declared affinities; rowid is -1.
    "INSERT INTO rt VALUES ('400', '1', 2.5, 0.1, 0.2, '7', x'01') RETURNING quote(id), quote(minx), quote(maxx), quote(miny), quote(label), quote(w), quote(rowid), typeof(id)",
    "INSERT INTO rt VALUES (401.0, 'abc', 2, 3, 4, NULL, 1) RETURNING quote(id), quote(minx), quote(oid), quote(_rowid_)",
    "INSERT INTO rt VALUES ('402x', 1, 2, 3, 4, 5, 6) RETURNING quote(id)",
    // A NULL id: the id the module assigns does not show.
    'INSERT INTO rt(minx, maxx, miny, maxy) VALUES (1, 2, 3, 4), (5, 6, 7, 8) RETURNING quote(id), quote(minx), quote(label)',
    // Several rows, an INSERT … SELECT from the tree itself, names of the result columns.
    'INSERT INTO rt SELECT id + 1000, minx, maxx, miny, maxy, label, w FROM rt WHERE id <= 20 RETURNING id AS new_id, quote(minx * 2), label',
    'INSERT INTO rt VALUES (500, 1, 2, 3, 4, 5, 6) RETURNING *',
    // OR IGNORE returns the row it skips; OR REPLACE the row it puts in place.
    "INSERT OR IGNORE INTO rt VALUES (5, 9, 10, 11, 12, 'dup', 0) RETURNING quote(id), label",
    "INSERT OR IGNORE INTO rt VALUES (600, 9, 1, 11, 12, 'inside out', 0) RETURNING quote(id), label",
    "INSERT OR REPLACE INTO rt VALUES (6, 9, 10, 11, 12, 'replaced', 0) RETURNING quote(id), label, quote(maxy)",
    "INSERT INTO ri VALUES (3, '5', 7.7), (4, 2.0, 9) RETURNING quote(id), quote(a), quote(b)",
    // Errors: nothing is returned and nothing stays.
    'INSERT INTO ri VALUES (10, 1, 2), (11, 3, 1) RETURNING *',
    'INSERT INTO rt VALUES (7, 1, 2, 3, 4, 5, 6) RETURNING *',
    'INSERT INTO rt VALUES (800, 1, 2, 3, 4, 5, 6) RETURNING rt.*',
    'INSERT INTO rt VALUES (801, 1, 2, 3, 4, 5, 6) RETURNING nope',
  ];

  it('returns what sqlite3 returns and leaves the same trees', async () => {
    const mine = join(dir, 'ours.db');
    const other = join(dir, 'theirs.db');
    copyFileSync(base, mine);
    copyFileSync(base, other);
    for (const sql of statements) {
      const expected = theirs(other, sql);
      expect(expected.length, sql).toBeGreaterThan(0);
      expect(await ours(mine, sql), sql).toEqual(expected);
    }
    expect(dump(mine)).toBe(dump(other));
  });

  it('UPDATE and DELETE … RETURNING stay refused with SQLite’s messages', async () => {
    const mine = join(dir, 'ours-2.db');
    copyFileSync(base, mine);
    for (const sql of ['UPDATE rt SET maxx = 9 WHERE id = 3 RETURNING id', 'DELETE FROM rt WHERE id = 3 RETURNING *']) {
      expect(await ours(mine, sql), sql).toEqual(theirs(base, sql));
    }
  });
});
