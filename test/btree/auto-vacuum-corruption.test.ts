/**
 * Damaged auto-vacuum databases: a pointer map or header field that lies makes a write fail
 * with SQLITE_CORRUPT — never a crash, a hang or a wrong page moved — and the file is left as
 * it was (the transaction rolls back).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import { SqliteError } from '../../src/errors.js';
import { writeU32 } from '../../src/format/bytes.js';
import { sqlite3, tempDir } from '../support/sqlite3.js';

const tmp = tempDir('s3lite-av-corrupt');
afterAll(() => tmp.cleanup());
let n = 0;

/** A FULL-mode database (1024-byte pages; map page 2, roots 3 and 4) damaged by `damage`. */
function damaged(damage: (bytes: Uint8Array) => void): string {
  const path = join(tmp.dir, `db-${++n}.sqlite`);
  sqlite3(path, "PRAGMA page_size = 1024; PRAGMA auto_vacuum = FULL; CREATE TABLE t(a INTEGER PRIMARY KEY, b); CREATE TABLE u(x); INSERT INTO t SELECT value, printf('%.*c', 900, 'b') FROM (WITH RECURSIVE c(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM c WHERE value < 40) SELECT value FROM c);");
  const bytes = new Uint8Array(readFileSync(path));
  damage(bytes);
  writeFileSync(path, bytes);
  return path;
}

async function expectCorruptWrite(path: string, sql: string): Promise<void> {
  const before = readFileSync(path);
  const db = await Database.open(path, { readonly: false });
  try {
    const err = await db.run(sql).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err, sql).toBeInstanceOf(SqliteError);
    expect((err as SqliteError).code, `${sql}: ${(err as Error).message}`).toBe('SQLITE_CORRUPT');
  } finally {
    await db.close();
  }
  expect(readFileSync(path).equals(before), `${sql} changed the file`).toBe(true);
}

const MAP = 1024; // byte offset of page 2, the pointer map
/** Offset of page `pgno`'s entry on map page 2. */
const entry = (pgno: number): number => MAP + 5 * (pgno - 3);

describe('auto-vacuum writes on damaged files', () => {
  it('an unknown pointer-map type: the commit that needs it fails', async () => {
    const path = damaged((b) => b.fill(0xff, MAP, MAP + 1024));
    await expectCorruptWrite(path, 'DELETE FROM t WHERE a > 20');
  });

  it('a pointer-map parent that does not point back: the page cannot be moved', async () => {
    // Page 5 (a leaf of t, where the next root goes) claims u's root, page 4, as its parent.
    const path = damaged((b) => {
      expect(b[entry(5)]).toBe(5);
      writeU32(b, entry(5) + 1, 4);
    });
    await expectCorruptWrite(path, 'CREATE TABLE v(y)');
  });

  it('a largest-root field past the end of the file: CREATE TABLE fails', async () => {
    const path = damaged((b) => writeU32(b, 52, 100_000));
    await expectCorruptWrite(path, 'CREATE TABLE v(y)');
  });

  it('the page after the roots marked as a root: CREATE TABLE does not move it', async () => {
    // Page 5 (after the roots 3 and 4) says it is a root: the new root cannot take its place.
    const path = damaged((b) => {
      b[entry(5)] = 1;
      writeU32(b, entry(5) + 1, 0);
    });
    await expectCorruptWrite(path, 'CREATE TABLE v(y)');
  });
});
