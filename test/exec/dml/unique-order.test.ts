/**
 * Which uniqueness constraint a row that breaks several is reported for: SQLite judges the rowid
 * first, then the indexes newest first (automatic ones in constraint order, a WITHOUT ROWID
 * INTEGER PRIMARY KEY last, then CREATE INDEX ones) — each case checked against the sqlite3 shell.
 */
import { describe, expect, it } from 'vitest';
import { Database } from '../../../src/api/database.js';
import { MemoryObjectStore } from '../../../src/store/memory-store.js';
import { sqlite3, tempDir } from '../../support/sqlite3.js';
import { join } from 'node:path';

const CASES: readonly { schema: string; insert: string }[] = [
  { schema: 'CREATE TABLE t(a UNIQUE, b UNIQUE)', insert: 'INSERT INTO t VALUES (1, 1)' },
  { schema: 'CREATE TABLE t(a, b, UNIQUE(b), UNIQUE(a))', insert: 'INSERT INTO t VALUES (1, 1)' },
  { schema: 'CREATE TABLE t(a, b); CREATE UNIQUE INDEX ia ON t(a); CREATE UNIQUE INDEX ib ON t(b)', insert: 'INSERT INTO t VALUES (1, 1)' },
  { schema: 'CREATE TABLE t(a UNIQUE, b); CREATE UNIQUE INDEX ib ON t(b)', insert: 'INSERT INTO t VALUES (1, 1)' },
  { schema: 'CREATE TABLE t(id INTEGER PRIMARY KEY, a UNIQUE)', insert: 'INSERT INTO t VALUES (1, 1)' },
  { schema: 'CREATE TABLE t(k TEXT PRIMARY KEY, z UNIQUE) WITHOUT ROWID', insert: 'INSERT INTO t VALUES (1, 1)' },
  { schema: 'CREATE TABLE t(z UNIQUE, k TEXT PRIMARY KEY) WITHOUT ROWID', insert: 'INSERT INTO t VALUES (1, 1)' },
  { schema: 'CREATE TABLE t(k TEXT, z UNIQUE, PRIMARY KEY(k)) WITHOUT ROWID', insert: 'INSERT INTO t VALUES (1, 1)' },
  { schema: 'CREATE TABLE t(k INTEGER PRIMARY KEY, z UNIQUE) WITHOUT ROWID', insert: 'INSERT INTO t VALUES (1, 1)' },
  { schema: 'CREATE TABLE t(k PRIMARY KEY, z UNIQUE, w UNIQUE) WITHOUT ROWID; CREATE UNIQUE INDEX iz ON t(z, w)', insert: 'INSERT INTO t VALUES (1, 1, 1)' },
  { schema: 'CREATE TABLE t(a UNIQUE, b UNIQUE)', insert: "INSERT INTO t VALUES (2, 2); UPDATE t SET a = 1, b = 1 WHERE a = 2" },
];

describe('the order uniqueness constraints are judged in', () => {
  it.each(CASES)('$schema', async ({ schema, insert }) => {
    const { dir, cleanup } = tempDir('s3lite-unique');
    try {
      const script = `${schema}; INSERT INTO t VALUES ${insert.includes('(1, 1, 1)') ? '(1, 1, 1)' : '(1, 1)'}; ${insert};`;
      let expected = '';
      try {
        sqlite3(join(dir, 'db.sqlite'), script);
      } catch (err) {
        expected = /UNIQUE constraint failed: [^\n(]*/.exec(String((err as { stderr?: string }).stderr ?? err))![0].trim();
      }
      expect(expected).not.toBe('');
      const db = await Database.create({ objects: new MemoryObjectStore(), prefix: 'db' });
      await expect(db.exec(script)).rejects.toThrow(expected);
      await db.close();
    } finally {
      cleanup();
    }
  });
});
