/**
 * UPDATE and DELETE find their rows through an index when WHERE is an equality on one: on a
 * cold connection, `UPDATE t SET … WHERE email = ?` reads about the index's depth plus the
 * table's, not the table. Compared with the same change by a column no index covers (a scan),
 * and the file stays what sqlite3 makes of the same statements.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../../../src/api/database.js';
import { integrityCheck, sqlite3, tempDir } from '../../support/sqlite3.js';

const { dir, cleanup } = tempDir('s3lite-update-index');
afterAll(cleanup);

function build(path: string): void {
  sqlite3(
    path,
    "CREATE TABLE users(id INTEGER PRIMARY KEY, email TEXT, name TEXT, n INT); CREATE UNIQUE INDEX users_email ON users(email); " +
      "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 20000) INSERT INTO users(email, name, n) SELECT 'u' || i || '@x.org', printf('%040d', i), i FROM k;",
  );
}

async function readsFor(path: string, sql: string, params: unknown[]): Promise<{ reads: number; changes: number }> {
  const db = await Database.open(path, { readonly: false });
  try {
    const before = db.stats.reads;
    const r = await db.run(sql, params);
    return { reads: db.stats.reads - before, changes: r.changes };
  } finally {
    await db.close();
  }
}

describe('UPDATE / DELETE through an index', () => {
  it('reads the index path and the row, not the table; the same rows change as in sqlite3', async () => {
    const a = join(dir, 'a.sqlite');
    const b = join(dir, 'b.sqlite');
    build(a);
    build(b);
    const viaIndex = await readsFor(a, "UPDATE users SET name = 'changed' WHERE email = ?", ['u12345@x.org']);
    const scan = await readsFor(b, "UPDATE users SET name = 'changed' WHERE n = ?", [12345]);
    expect(viaIndex.changes).toBe(1);
    expect(scan.changes).toBe(1);
    expect(viaIndex.reads).toBeLessThan(12);
    expect(scan.reads).toBeGreaterThan(viaIndex.reads * 20);
    const del = await readsFor(a, 'DELETE FROM users WHERE email = ?', ['u777@x.org']);
    expect(del.changes).toBe(1);
    expect(del.reads).toBeLessThan(16);
    expect(sqlite3(a, "SELECT id, name FROM users WHERE name = 'changed' OR id IN (777, 778);")).toBe('778|0000000000000000000000000000000000000778\n12345|changed\n');
    expect(integrityCheck(a)).toBe('ok');
  }, 60_000);

  it('through an index on an expression too (WHERE lower(email) = ?)', async () => {
    const c = join(dir, 'c.sqlite');
    build(c);
    sqlite3(c, 'CREATE INDEX users_lower ON users(lower(email));');
    const viaExpr = await readsFor(c, "UPDATE users SET name = 'lowered' WHERE lower(email) = ?", ['u4242@x.org']);
    expect(viaExpr.changes).toBe(1);
    expect(viaExpr.reads).toBeLessThan(14);
    const del = await readsFor(c, 'DELETE FROM users WHERE lower(email) = ?', ['u4243@x.org']);
    expect(del.changes).toBe(1);
    expect(sqlite3(c, "SELECT id FROM users WHERE name = 'lowered' OR id IN (4243, 4244);")).toBe('4242\n4244\n');
    expect(integrityCheck(c)).toBe('ok');
  }, 60_000);
});
