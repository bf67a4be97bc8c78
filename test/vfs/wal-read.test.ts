/**
 * Reading WAL-mode databases against sqlite3: the same database file + `-wal` (copied while
 * sqlite3 still had them open, so the frames are not checkpointed), read by sqlite3 (on a copy)
 * and by `Database.open` — the rows must be the same. Cases: several transactions in the log,
 * every page size, a log larger than the database, a torn last frame, a bad checksum in the
 * middle, frames of an older generation after a restart, big-endian checksums, a last
 * transaction without its commit frame, garbage logs.
 */
import { existsSync, truncateSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import { CantOpenError, CorruptError } from '../../src/errors.js';
import { WAL_FRAME_HEADER_SIZE, WAL_HEADER_SIZE, encodeWalFrame, encodeWalHeader } from '../../src/format/wal-format.js';
import { tempDir } from '../support/sqlite3.js';
import {
  dumpSql,
  makeWalDatabase,
  ourView,
  readBytes,
  reencodeWal,
  sqlite3View,
  walFrames,
  writeBytes,
} from './wal-support.js';

const tmp = tempDir('s3lite-wal-read');
afterAll(() => tmp.cleanup());
let seq = 0;
const fresh = (label: string): string => `${label}-${++seq}.db`;

const DUMP = dumpSql('t', ['a', 'b']);
const QUERIES = ['SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name;', DUMP, 'SELECT count(*), sum(length(b)) FROM t;'];

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Our rows equal sqlite3's for every query, on the very same files. */
async function expectSameAsSqlite(path: string): Promise<string> {
  let all = '';
  for (const sql of QUERIES) {
    const theirs = sqlite3View(path, sql, tmp.dir);
    expect(await ourView(path, sql), sql).toBe(theirs);
    all += theirs;
  }
  return all;
}

/** What the database file alone holds (sqlite3 without the log). */
function baseOnly(path: string): string {
  const copy = `${path}.alone`;
  writeBytes(copy, readBytes(path));
  return QUERIES.map((sql) => sqlite3View(copy, sql, tmp.dir)).join('');
}

const BASE = `CREATE TABLE t(a INTEGER PRIMARY KEY, b);
INSERT INTO t(b) SELECT printf('base-%d-', value) || hex(randomblob(value % 50)) FROM generate_series(1, 40);`;

const LOGGED = [
  `INSERT INTO t(b) SELECT printf('tx1-%d', value) || hex(randomblob(30)) FROM generate_series(1, 60);`,
  `UPDATE t SET b = 'updated ' || a WHERE a % 7 = 0;`,
  `BEGIN; DELETE FROM t WHERE a % 5 = 0; INSERT INTO t(b) VALUES (randomblob(3000)), (zeroblob(70000)); COMMIT;`,
  `CREATE INDEX t_b ON t(b);`,
  `INSERT INTO t(b) VALUES ('last');`,
];

describe('a WAL database reads as sqlite3 reads it', () => {
  for (const pageSize of [512, 1024, 2048, 4096, 8192, 16384, 32768, 65536]) {
    it(`page size ${pageSize}: several transactions in the log`, async () => {
      const path = makeWalDatabase(tmp.dir, fresh(`ps${pageSize}`), { pageSize, base: BASE, logged: LOGGED });
      const frames = walFrames(readBytes(`${path}-wal`)).frames;
      expect(frames.filter((f) => f.dbPagesAfterCommit !== 0).length).toBe(LOGGED.length);
      const seen = await expectSameAsSqlite(path);
      expect(seen).toContain('last');
      // The log matters: the file alone holds other rows.
      expect(baseOnly(path)).not.toBe(seen);
      // Reading changed nothing.
      expect(existsSync(`${path}-wal`)).toBe(true);
    });
  }

  it('a log larger than the database (the file holds only the schema)', async () => {
    const path = makeWalDatabase(tmp.dir, fresh('larger'), {
      pageSize: 1024,
      base: 'CREATE TABLE t(a INTEGER PRIMARY KEY, b);',
      logged: [
        `INSERT INTO t(b) SELECT hex(randomblob(200)) FROM generate_series(1, 500);`,
        `INSERT INTO t(b) SELECT zeroblob(5000) FROM generate_series(1, 20);`,
      ],
    });
    expect(readBytes(`${path}-wal`).length).toBeGreaterThan(100 * readBytes(path).length);
    const seen = await expectSameAsSqlite(path);
    expect(seen).toContain('520|');
  });

  it('a torn last frame: the last transaction is not there (a cut at every place in its last frame)', async () => {
    const path = makeWalDatabase(tmp.dir, fresh('torn'), { pageSize: 1024, base: BASE, logged: LOGGED });
    const wal = readBytes(`${path}-wal`);
    const { frameSize } = walFrames(wal);
    for (const cut of [1, WAL_FRAME_HEADER_SIZE, frameSize - 1]) {
      writeBytes(`${path}-wal`, wal.subarray(0, wal.length - cut));
      const seen = await expectSameAsSqlite(path);
      expect(seen).not.toContain('last');
    }
  });

  it('a frame with a bad checksum ends the valid log there', async () => {
    const path = makeWalDatabase(tmp.dir, fresh('cksum'), { pageSize: 4096, base: BASE, logged: LOGGED });
    const wal = readBytes(`${path}-wal`);
    const { frameSize, frames } = walFrames(wal);
    // A byte of the page of the first frame of the second transaction.
    const firstCommit = frames.findIndex((f) => f.dbPagesAfterCommit !== 0);
    const bad = wal.slice();
    bad[WAL_HEADER_SIZE + (firstCommit + 1) * frameSize + WAL_FRAME_HEADER_SIZE + 100]! ^= 0x55;
    writeBytes(`${path}-wal`, bad);
    const seen = await expectSameAsSqlite(path);
    expect(seen).toContain('tx1-60');
    expect(seen).not.toContain('updated');
  });

  it('frames of an older generation after a restart of the log are not read', async () => {
    const path = makeWalDatabase(tmp.dir, fresh('salt'), {
      pageSize: 1024,
      base: BASE,
      logged: [
        // A long first generation, checkpointed; the next write restarts the log from its start
        // with new salts, leaving the older frames after the new ones.
        `INSERT INTO t(b) SELECT 'gen1-' || hex(randomblob(300)) FROM generate_series(1, 200);`,
        'PRAGMA wal_checkpoint;',
        `INSERT INTO t(b) VALUES ('gen2');`,
        `UPDATE t SET b = 'gen2-update' WHERE a = 3;`,
      ],
    });
    const { frames } = walFrames(readBytes(`${path}-wal`));
    const gen2 = frames[0]!;
    const stale = frames.findIndex((f) => f.salt1 !== gen2.salt1 || f.salt2 !== gen2.salt2);
    expect(stale).toBeGreaterThan(0); // the setup did leave older frames behind
    const seen = await expectSameAsSqlite(path);
    expect(seen).toContain('gen2-update');
  });

  it('checksums over big-endian words (magic 0x377f0683) read the same', async () => {
    const path = makeWalDatabase(tmp.dir, fresh('be'), { pageSize: 2048, base: BASE, logged: LOGGED });
    const little = await expectSameAsSqlite(path);
    writeBytes(`${path}-wal`, reencodeWal(readBytes(`${path}-wal`), { bigEndian: true }));
    expect(readBytes(`${path}-wal`)[3]).toBe(0x83);
    expect(await expectSameAsSqlite(path)).toBe(little);
  });

  it('frames after the last commit frame are ignored', async () => {
    const path = makeWalDatabase(tmp.dir, fresh('uncommitted'), { pageSize: 1024, base: BASE, logged: LOGGED });
    const wal = readBytes(`${path}-wal`);
    const { frames } = walFrames(wal);
    const last = frames.length - 1;
    expect(frames[last]!.dbPagesAfterCommit).not.toBe(0);
    writeBytes(`${path}-wal`, reencodeWal(wal, { bigEndian: false, commitOverride: new Map([[last, 0]]) }));
    const seen = await expectSameAsSqlite(path);
    expect(seen).not.toContain('last');
    expect(seen).toContain('t_b');
  });

  it('a log SQLite ignores is ignored: garbage, a bad header checksum, a header only, no commit frame', async () => {
    const path = makeWalDatabase(tmp.dir, fresh('garbage'), { pageSize: 1024, base: BASE, logged: LOGGED });
    const wal = readBytes(`${path}-wal`);
    const alone = baseOnly(path);
    const { frames } = walFrames(wal);
    const variants: Uint8Array[] = [
      Uint8Array.from({ length: 5000 }, (_, i) => (i * 7919) & 0xff),
      (() => {
        const b = wal.slice();
        b[20]! ^= 1; // salt-2: the header checksum no longer matches
        return b;
      })(),
      wal.subarray(0, WAL_HEADER_SIZE),
      wal.subarray(0, 10),
      reencodeWal(wal, { bigEndian: false, commitOverride: new Map(frames.map((_, i) => [i, 0])) }),
    ];
    for (const variant of variants) {
      writeBytes(`${path}-wal`, variant);
      expect(await expectSameAsSqlite(path)).toBe(alone);
    }
  });

  it('a valid header with an unknown format version is SQLITE_CANTOPEN, as in sqlite3', async () => {
    const path = makeWalDatabase(tmp.dir, fresh('version'), { pageSize: 1024, base: BASE, logged: LOGGED });
    // (sqlite3 looks at a log's header only when at least one frame follows it.)
    const header = encodeWalHeader({ bigEndianChecksum: false, pageSize: 1024, checkpointSequence: 0, salt1: 1, salt2: 2, formatVersion: 3007001 });
    const dv = new DataView(header.buffer);
    const { frame } = encodeWalFrame(false, [dv.getUint32(24), dv.getUint32(28)], [1, 2], 2, 2, new Uint8Array(1024));
    writeBytes(`${path}-wal`, concat(header, frame));
    expect(() => sqlite3View(path, 'SELECT count(*) FROM t;', tmp.dir)).toThrow(/unable to open database file/);
    await expect(ourView(path, 'SELECT count(*) FROM t')).rejects.toBeInstanceOf(CantOpenError);
  });

  it('a log of another page size that does not hold page 1: CorruptError naming both sizes', async () => {
    const path = makeWalDatabase(tmp.dir, fresh('foreign'), { pageSize: 4096, base: BASE, logged: LOGGED });
    const header = encodeWalHeader({ bigEndianChecksum: false, pageSize: 1024, checkpointSequence: 0, salt1: 5, salt2: 6 });
    const dv = new DataView(header.buffer);
    const { frame } = encodeWalFrame(false, [dv.getUint32(24), dv.getUint32(28)], [5, 6], 2, 2, new Uint8Array(1024));
    writeBytes(`${path}-wal`, concat(header, frame));
    const err = await ourView(path, 'SELECT count(*) FROM t').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptError);
    expect(String((err as Error).message)).toMatch(/1024-byte pages but the database .* has 4096-byte pages/);
    // A writer stops at the same check: nothing written, the log left.
    const before = readBytes(path);
    await expect(Database.open(path, { readonly: false })).rejects.toBeInstanceOf(CorruptError);
    expect(readBytes(path)).toEqual(before);
    expect(existsSync(`${path}-wal`)).toBe(true);
    expect(existsSync(`${path}-journal`)).toBe(false);
  });

  it('a log from another database of the same page size: its page 1 makes it that database; without, SQLITE_CORRUPT — as for sqlite3', async () => {
    const path = makeWalDatabase(tmp.dir, fresh('mine'), { pageSize: 1024, base: BASE, logged: LOGGED });
    const other = makeWalDatabase(tmp.dir, fresh('other'), {
      pageSize: 1024,
      base: 'CREATE TABLE t(a INTEGER PRIMARY KEY, b);',
      logged: [`INSERT INTO t(b) VALUES ('from the other database');`, 'CREATE TABLE u(x);'],
    });
    writeBytes(`${path}-wal`, readBytes(`${other}-wal`));
    expect(walFrames(readBytes(`${path}-wal`)).frames.some((f) => f.pgno === 1)).toBe(true);
    expect(await expectSameAsSqlite(path)).toContain('from the other database');
    // Only the first transaction (page 2, no page 1): the other database's size, our header.
    const onlyFirst = makeWalDatabase(tmp.dir, fresh('other'), {
      pageSize: 1024,
      base: 'CREATE TABLE t(a INTEGER PRIMARY KEY, b);',
      logged: [`INSERT INTO t(b) VALUES ('from the other database');`],
    });
    writeBytes(`${path}-wal`, readBytes(`${onlyFirst}-wal`));
    expect(() => sqlite3View(path, 'SELECT count(*) FROM t;', tmp.dir)).toThrow(/database disk image is malformed/);
    const err = await ourView(path, 'SELECT count(*) FROM t').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptError);
  });

  it('a log whose last frame is cut by truncate(2) at a page boundary of the frame', async () => {
    const path = makeWalDatabase(tmp.dir, fresh('trunc'), { pageSize: 512, base: BASE, logged: LOGGED });
    const size = readBytes(`${path}-wal`).length;
    truncateSync(`${path}-wal`, size - 256);
    const seen = await expectSameAsSqlite(path);
    expect(seen).not.toContain('last');
  });

  it('the Database API: tables(), rows() and check() see the log', async () => {
    const path = makeWalDatabase(tmp.dir, fresh('api'), { pageSize: 4096, base: BASE, logged: LOGGED });
    const db = await Database.open(path);
    try {
      expect((await db.tables()).map((t) => t.name).sort()).toEqual(['t', 't_b']);
      expect(await db.check()).toEqual([]);
      let n = 0;
      for await (const _ of db.rows('t')) n++;
      expect(String(n)).toBe(sqlite3View(path, 'SELECT count(*) FROM t;', tmp.dir).trim());
    } finally {
      await db.close();
    }
  });
});
