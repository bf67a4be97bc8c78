/**
 * VACUUM against sqlite3: random databases (tables with and without rowid, AUTOINCREMENT,
 * UNIQUE and plain indexes, overflow-sized values, a view and a trigger) with random deletions,
 * vacuumed by s3lite — on a plain file and on a block database — and by sqlite3 on a copy:
 * the same sqlite_schema (root pages included), the same rows, the same page count, no free
 * pages, header values kept, and sqlite3's integrity_check passes; `VACUUM INTO` a plain file or a
 * block directory gives what sqlite3's VACUUM INTO gives. Fixed seed (SEED/RUNS explore).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { Database } from '../../../src/api/database.js';
import { SqliteError } from '../../../src/errors.js';
import { MemoryObjectStore } from '../../../src/store/memory-store.js';
import { serializeToBytes } from '../../../src/transfer/serialize.js';
import { BlockVfs } from '../../../src/vfs/block-vfs.js';
import { OpenFlags } from '../../../src/vfs/vfs.js';
import { integrityCheck, sqlite3, sqlLiteral, tempDir } from '../../support/sqlite3.js';

const dirs: (() => void)[] = [];
afterEach(() => {
  for (const c of dirs.splice(0)) c();
});

const SCHEMA = `
CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT UNIQUE, b, c REAL);
CREATE INDEX tb ON t(b);
CREATE VIEW v AS SELECT id, a FROM t;
CREATE TABLE w(k TEXT PRIMARY KEY, n INT, big) WITHOUT ROWID;
CREATE INDEX wn ON w(n DESC);
CREATE TRIGGER tr AFTER DELETE ON w BEGIN SELECT 1; END;
CREATE TABLE plain(x, y);
PRAGMA user_version = 77;
PRAGMA application_id = 1234;
`;

const value = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.constantFrom(0.5, -2.25, null),
  fc.string({ maxLength: 20 }),
  fc.string({ minLength: 500, maxLength: 3000 }),
);

const spec = fc.record({
  rows: fc.array(fc.tuple(value, value), { minLength: 10, maxLength: 120 }),
  keep: fc.integer({ min: 2, max: 5 }),
  dropPlain: fc.boolean(),
});

function script(s: { rows: readonly (readonly unknown[])[]; keep: number; dropPlain: boolean }): string {
  const lines = [SCHEMA];
  s.rows.forEach(([x, y], i) => {
    const b = sqlLiteral(x as never);
    const big = sqlLiteral(y as never);
    lines.push(`INSERT INTO t(a, b, c) VALUES ('a${i}', ${b}, ${i / 4});`);
    lines.push(`INSERT INTO w VALUES ('k${i}', ${i % 17}, ${big});`);
    lines.push(`INSERT INTO plain VALUES (${big}, ${b});`);
  });
  lines.push(`DELETE FROM t WHERE id % ${s.keep} <> 0;`);
  lines.push(`DELETE FROM w WHERE n % ${s.keep} = 1;`);
  lines.push(s.dropPlain ? 'DROP TABLE plain;' : 'DELETE FROM plain WHERE rowid % 2 = 0;');
  return lines.join('\n');
}

const FACTS = `SELECT type, name, tbl_name, rootpage, sql FROM sqlite_schema;
SELECT * FROM t ORDER BY id; SELECT * FROM w ORDER BY k; SELECT * FROM sqlite_sequence;
PRAGMA page_count; PRAGMA freelist_count; PRAGMA user_version; PRAGMA application_id;`;

function facts(path: string): string {
  // `plain` may be gone: its rows are read apart.
  const plain = sqlite3(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'plain';").trim() === '1' ? sqlite3(path, 'SELECT * FROM plain ORDER BY rowid;') : '';
  return sqlite3(path, FACTS) + plain;
}

describe('VACUUM', () => {
  it('leaves what sqlite3 VACUUM leaves, on a plain file and on blocks', async () => {
    await fc.assert(
      fc.asyncProperty(spec, fc.constantFrom(512, 1024, 4096), async (s, pageSize) => {
        const { dir, cleanup } = tempDir('s3lite-vacuum');
        dirs.push(cleanup);
        const original = join(dir, 'orig.sqlite');
        sqlite3(original, `PRAGMA page_size = ${pageSize};\n${script(s)}`);
        const bytes = new Uint8Array(readFileSync(original));
        const theirs = join(dir, 'theirs.sqlite');
        writeFileSync(theirs, bytes);
        sqlite3(theirs, 'VACUUM;');
        const expected = facts(theirs);

        // A plain file, vacuumed in place.
        const ours = join(dir, 'ours.sqlite');
        writeFileSync(ours, bytes);
        const db = await Database.open(ours, { readonly: false });
        await db.run('VACUUM');
        await db.close();
        expect(integrityCheck(ours)).toBe('ok');
        expect(facts(ours)).toBe(expected);

        // A block database (sqlite-s3vfs layout in a memory store): the same bytes come out.
        const objects = new MemoryObjectStore();
        const blocks = await Database.create({ objects, prefix: 'db' }, { pageSize });
        await blocks.close();
        const file = await new BlockVfs(objects).xOpen('db', OpenFlags.SQLITE_OPEN_READWRITE);
        await file.xTruncate(0);
        await file.xWrite(bytes, 0);
        await file.xClose();
        const onBlocks = await Database.open({ objects, prefix: 'db' }, { readonly: false });
        await onBlocks.run('VACUUM');
        await onBlocks.close();
        const back = await new BlockVfs(objects).xOpen('db', OpenFlags.SQLITE_OPEN_READONLY);
        const blockPath = join(dir, 'blocks.sqlite');
        writeFileSync(blockPath, await serializeToBytes(back));
        await back.xClose();
        expect(integrityCheck(blockPath)).toBe('ok');
        expect(facts(blockPath)).toBe(expected);

        // VACUUM INTO a plain file and into a block directory: what sqlite3's VACUUM INTO writes.
        const original2 = join(dir, 'orig2.sqlite');
        writeFileSync(original2, bytes);
        const theirsInto = join(dir, 'theirs-into.sqlite');
        sqlite3(original2, `VACUUM INTO '${theirsInto}';`);
        const expectedInto = facts(theirsInto);
        const source = await Database.open(original2, { readonly: false });
        const oursInto = join(dir, 'ours-into.sqlite');
        await source.run(`VACUUM INTO '${oursInto}'`);
        await source.run(`VACUUM INTO '${join(dir, 'into-blocks')}/'`);
        await expect(source.run(`VACUUM INTO '${oursInto}'`)).rejects.toThrow('output file already exists');
        await source.close();
        expect(integrityCheck(oursInto)).toBe('ok');
        expect(facts(oursInto)).toBe(expectedInto);
        const intoBlocks = await Database.open(join(dir, 'into-blocks/'));
        const intoFile = await Database.open(oursInto);
        expect(await intoBlocks.query('SELECT count(*) FROM t')).toEqual(await intoFile.query('SELECT count(*) FROM t'));
        await intoBlocks.close();
        await intoFile.close();
        const fromBlocks = join(dir, 'from-blocks.sqlite');
        writeFileSync(fromBlocks, Buffer.concat(readdirSync(join(dir, 'into-blocks')).sort().map((f) => readFileSync(join(dir, 'into-blocks', f)))));
        expect(facts(fromBlocks)).toBe(expectedInto);
      }),
      { numRuns: Number(process.env.RUNS ?? 5), seed: Number(process.env.SEED ?? 21), endOnFailure: true },
    );
  }, 120_000);

  it('PRAGMA incremental_vacuum(N) is a no-op outside auto-vacuum mode, frees N pages in incremental mode as sqlite3 does', async () => {
    const { dir, cleanup } = tempDir('s3lite-incr');
    dirs.push(cleanup);
    const plain = join(dir, 'plain.sqlite');
    sqlite3(plain, 'CREATE TABLE t(a); INSERT INTO t VALUES (1);');
    const before = readFileSync(plain);
    const db = await Database.open(plain, { readonly: false });
    expect((await db.run('PRAGMA incremental_vacuum(5)')).rows ?? []).toEqual([]);
    await db.close();
    expect(readFileSync(plain).equals(before)).toBe(true);
    const incremental = join(dir, 'incremental.sqlite');
    sqlite3(incremental, "PRAGMA page_size = 1024; PRAGMA auto_vacuum = 2; CREATE TABLE t(a); INSERT INTO t VALUES (1), (zeroblob(20000)); DELETE FROM t;");
    const reference = join(dir, 'reference.sqlite');
    writeFileSync(reference, readFileSync(incremental));
    const counts = (path: string): string => sqlite3(path, 'PRAGMA page_count; PRAGMA freelist_count;');
    expect(counts(incremental).split('\n')[1]).not.toBe('0');
    const db2 = await Database.open(incremental, { readonly: false });
    for (const n of ['5', '2', '']) {
      await db2.run(n === '' ? 'PRAGMA incremental_vacuum' : `PRAGMA incremental_vacuum(${n})`);
      sqlite3(reference, n === '' ? 'PRAGMA incremental_vacuum;' : `PRAGMA incremental_vacuum(${n});`);
      expect(counts(incremental)).toBe(counts(reference));
      expect(integrityCheck(incremental)).toBe('ok');
    }
    expect(counts(incremental).split('\n')[1]).toBe('0');
    await db2.close();
  });

  it('refuses what SQLite refuses', async () => {
    const db = await Database.create({ objects: new MemoryObjectStore(), prefix: 'db' });
    await db.run('BEGIN');
    await expect(db.run('VACUUM')).rejects.toThrow(new SqliteError('SQLITE_ERROR', 'cannot VACUUM from within a transaction'));
    await db.run('ROLLBACK');
    await expect(db.run('VACUUM other')).rejects.toThrow('unknown database other');
    await expect(db.run('VACUUM INTO 5')).rejects.toThrow('non-text filename');
    await expect(db.run('VACUUM INTO ?', [null])).rejects.toThrow('non-text filename');
    // The file name may be a bound value.
    const { dir, cleanup } = tempDir('s3lite-vacuum-param');
    dirs.push(cleanup);
    await db.run('CREATE TABLE t(a)');
    await db.run('INSERT INTO t VALUES (42)');
    await db.run('VACUUM INTO ?', [join(dir, 'bound.sqlite')]);
    expect(sqlite3(join(dir, 'bound.sqlite'), 'SELECT a FROM t;')).toBe('42\n');
    await db.close();
  });
});
