/**
 * Cursors against real SQLite files: random databases made by the sqlite3 shell over page sizes
 * 512..65536 and the three auto-vacuum modes; the cursors must agree with SQL queries run by the
 * shell on the same file.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { countEntries } from '../../src/btree/count-entries.js';
import { IndexCursor, type SeekBias } from '../../src/btree/index-cursor.js';
import { TableCursor } from '../../src/btree/table-cursor.js';
import type { Pager } from '../../src/pager/pager.js';
import { TempDir, decodeRecord, makeDb, openBytes, randomDbSql, rows, scalar, type RandomDbOptions, type Value } from './sqlite-fixture.js';

const tmp = new TempDir();
afterAll(() => tmp.cleanup());

const CASES: RandomDbOptions[] = [
  { pageSize: 512, autoVacuum: 'none', rows: 400, seed: 1 },
  { pageSize: 1024, autoVacuum: 'full', rows: 300, seed: 2 },
  { pageSize: 2048, autoVacuum: 'incremental', rows: 300, seed: 3 },
  { pageSize: 4096, autoVacuum: 'none', rows: 500, seed: 4 },
  { pageSize: 1024, autoVacuum: 'none', rows: 300, seed: 9, reserve: 33 },
  { pageSize: 4096, autoVacuum: 'full', rows: 200, seed: 10, reserve: 200 },
  { pageSize: 8192, autoVacuum: 'incremental', rows: 200, seed: 5 },
  { pageSize: 16384, autoVacuum: 'full', rows: 150, seed: 6 },
  { pageSize: 32768, autoVacuum: 'none', rows: 100, seed: 7 },
  { pageSize: 65536, autoVacuum: 'none', rows: 60, seed: 8 },
];

function rootOf(path: string, name: string): number {
  return Number(scalar(path, `SELECT rootpage FROM sqlite_schema WHERE name='${name}'`));
}

function big(s: string): number | bigint {
  const b = BigInt(s);
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

async function scanRowids(pager: Pager, root: number, backward = false): Promise<(number | bigint)[]> {
  const c = new TableCursor(pager, root);
  const out: (number | bigint)[] = [];
  for (let ok = backward ? await c.last() : await c.first(); ok; ok = backward ? await c.prev() : await c.next()) out.push(c.rowid);
  expect(c.eof).toBe(true);
  return out;
}

describe.each(CASES)('random database %o', (opts) => {
  const path = tmp.file();
  const bytes = makeDb(path, randomDbSql(opts));

  it('header agrees with the pragmas', async () => {
    const pager = await openBytes(bytes);
    expect(pager.pageSize).toBe(Number(scalar(path, 'PRAGMA page_size')));
    expect(pager.usableSize).toBe(opts.pageSize - (opts.reserve ?? 0));
    expect(pager.pageCount).toBe(Number(scalar(path, 'PRAGMA page_count')));
    expect(pager.header.freelistCount).toBe(Number(scalar(path, 'PRAGMA freelist_count')));
    const av = Number(scalar(path, 'PRAGMA auto_vacuum'));
    expect(av).toBe({ none: 0, full: 1, incremental: 2 }[opts.autoVacuum]);
    expect(pager.header.largestRootPage !== 0).toBe(av !== 0);
    expect(pager.header.incrementalVacuum !== 0).toBe(av === 2);
  });

  it('TableCursor yields the rowids of SELECT rowid ... ORDER BY rowid, both ways, with payloads', async () => {
    const pager = await openBytes(bytes);
    for (const t of ['t1', 't3']) {
      const root = rootOf(path, t);
      const expected = rows(path, `SELECT rowid FROM ${t} ORDER BY rowid`).map((r) => big(r[0]!));
      expect(await scanRowids(pager, root)).toEqual(expected);
      expect(await scanRowids(pager, root, true)).toEqual([...expected].reverse());
      expect(await countEntries(pager, root)).toBe(Number(scalar(path, `SELECT count(*) FROM ${t}`)));
    }
    // Payloads: column lengths of text/blob values match length(CAST(b AS BLOB)).
    const lengths = new Map(
      rows(path, "SELECT a, typeof(b), length(CAST(b AS BLOB)), n FROM t1").map((r) => [Number(r[0]), { type: r[1]!, len: Number(r[2]), n: Number(r[3]) }]),
    );
    const c = new TableCursor(pager, rootOf(path, 't1'));
    let overflowSeen = 0;
    for (let ok = await c.first(); ok; ok = await c.next()) {
      const rec = await c.payload();
      expect(rec.length).toBe(c.payloadSize);
      if (c.payloadSize > pager.usableSize - 35) overflowSeen++;
      const cols = decodeRecord(rec);
      const want = lengths.get(c.rowid as number)!;
      expect(cols[0]).toBeNull(); // INTEGER PRIMARY KEY is stored as NULL
      expect(cols[1]).toBe(want.n);
      const b = cols[2]!;
      expect(typeof b === 'string' ? new TextEncoder().encode(b).length : (b as Uint8Array).length).toBe(want.len);
    }
    expect(overflowSeen).toBeGreaterThan(0);
  });

  it('random walks mixing next() and prev() stay in step with the rowid list', async () => {
    const pager = await openBytes(bytes, 32 * 1024);
    const root = rootOf(path, 't1');
    const ids = rows(path, 'SELECT rowid FROM t1 ORDER BY rowid').map((r) => Number(r[0]));
    const c = new TableCursor(pager, root);
    const ix = new IndexCursor(pager, rootOf(path, 't1n'));
    const entries = rows(path, 'SELECT n, a FROM t1 ORDER BY n, a').map((r) => [Number(r[0]), Number(r[1])]);
    let seed = opts.seed;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    await c.first();
    await ix.first();
    let i = 0;
    for (let step = 0; step < 400; step++) {
      const forward = rand() < 0.6;
      const run = 1 + Math.floor(rand() * 20);
      for (let k = 0; k < run && !c.eof; k++) {
        // Half the moves through the Promise-free steps (undefined: a page is needed, move async);
        // forward ones through nextInLeaf or nextNow (which also crosses to the next leaf when its pages are cached).
        const now = rand() < 0.5;
        const tableNext = (): boolean | undefined => (!now ? undefined : rand() < 0.5 ? c.nextInLeaf() : c.nextNow());
        const ok = forward ? (tableNext() ?? (await c.next())) : ((now ? c.prevInLeaf() : undefined) ?? (await c.prev()));
        const okIx = forward ? ((now ? ix.nextInLeaf() : undefined) ?? (await ix.next())) : ((now ? ix.prevInLeaf() : undefined) ?? (await ix.prev()));
        i += forward ? 1 : -1;
        expect(ok).toBe(i >= 0 && i < ids.length);
        expect(okIx).toBe(ok);
        if (ok) {
          expect(c.rowid).toBe(ids[i]);
          expect(decodeRecord(await ix.payload())).toEqual(entries[i]);
          const local = ix.localPayload();
          if (local !== undefined) expect(decodeRecord(local)).toEqual(entries[i]);
        }
      }
      if (c.eof) {
        i = rand() < 0.5 ? 0 : ids.length - 1;
        if (i === 0) {
          await c.first();
          await ix.first();
        } else {
          await c.last();
          await ix.last();
        }
      }
    }
  });

  it('seekRowid hits and misses', async () => {
    const pager = await openBytes(bytes);
    for (const t of ['t1', 't3']) {
      const root = rootOf(path, t);
      const ids = rows(path, `SELECT rowid FROM ${t} ORDER BY rowid`).map((r) => BigInt(r[0]!));
      const c = new TableCursor(pager, root);
      const probes = [...ids.filter((_, i) => i % 7 === 0), ...ids.filter((_, i) => i % 5 === 0).map((x) => x + 1n), -1n, 0n, 1n, 10n ** 18n, -(2n ** 63n), 2n ** 63n - 1n];
      let answeredNow = 0;
      for (const p of probes) {
        const expected = ids.find((x) => x >= p);
        // seekRowidNow answers on cached pages only (undefined: ask seekRowid), and then alike.
        const now = c.seekRowidNow(p);
        if (now !== undefined) {
          answeredNow++;
          expect(now).toBe(expected === p);
          expect(BigInt(c.rowid)).toBe(expected);
        }
        const hit = await c.seekRowid(p);
        expect(hit).toBe(expected === p);
        if (expected === undefined) expect(c.eof).toBe(true);
        else expect(BigInt(c.rowid)).toBe(expected);
      }
      expect(answeredNow).toBeGreaterThan(0);
    }
  });

  it('IndexCursor over an index and a WITHOUT ROWID table', async () => {
    const pager = await openBytes(bytes);
    const count = Number(scalar(path, 'SELECT count(*) FROM t1'));
    const idx = new IndexCursor(pager, rootOf(path, 't1n'));
    const entries: Value[][] = [];
    for (let ok = await idx.first(); ok; ok = await idx.next()) entries.push(decodeRecord(await idx.payload()));
    expect(entries.length).toBe(count);
    expect(entries).toEqual(rows(path, 'SELECT n, a FROM t1 ORDER BY n, a').map((r) => [Number(r[0]), Number(r[1])]));
    const back: Value[][] = [];
    for (let ok = await idx.last(); ok; ok = await idx.prev()) back.push(decodeRecord(await idx.payload()));
    expect(back).toEqual([...entries].reverse());
    expect(await countEntries(pager, rootOf(path, 't1n'))).toBe(count);

    const t2root = rootOf(path, 't2');
    const keys = rows(path, 'SELECT x, length(y) FROM t2 ORDER BY x');
    const wr = new IndexCursor(pager, t2root);
    const got: [string, number][] = [];
    for (let ok = await wr.first(); ok; ok = await wr.next()) {
      const rec = decodeRecord(await wr.payload());
      got.push([rec[0] as string, (rec[1] as Uint8Array).length]);
    }
    expect(got).toEqual(keys.map((r) => [r[0]!, Number(r[1])]));
    expect(await countEntries(pager, t2root)).toBe(keys.length);
    // A cursor of the wrong kind on a root is corruption, not garbage.
    await expect(new TableCursor(pager, t2root).first()).rejects.toMatchObject({ name: 'CorruptError', pgno: t2root });
    await expect(new IndexCursor(pager, rootOf(path, 't1')).first()).rejects.toMatchObject({ name: 'CorruptError' });
  });

  it('IndexCursor.seek with each bias agrees with SQL', async () => {
    const pager = await openBytes(bytes);
    const idx = new IndexCursor(pager, rootOf(path, 't1n'));
    const sqlFor: Record<SeekBias, string> = {
      ge: 'n >= K ORDER BY n, a',
      gt: 'n > K ORDER BY n, a',
      le: 'n <= K ORDER BY n DESC, a DESC',
      lt: 'n < K ORDER BY n DESC, a DESC',
    };
    // Ties on n: for ge/lt the key sorts before all entries with n == K, for gt/le after them.
    for (const k of [-20, -10, -3, 0, 7, 20, 39, 45]) {
      for (const bias of ['ge', 'gt', 'le', 'lt'] as const) {
        const cmp = (payload: Uint8Array): number => Math.sign((decodeRecord(payload)[0] as number) - k);
        const found = await idx.seek(cmp, bias);
        const want = rows(path, `SELECT n, a FROM t1 WHERE ${sqlFor[bias].replace('K', String(k))} LIMIT 1`)[0];
        if (want === undefined) {
          expect(found).toBe(false);
          expect(idx.eof).toBe(true);
        } else {
          expect(found).toBe(true);
          expect(decodeRecord(await idx.payload())).toEqual([Number(want[0]), Number(want[1])]);
        }
      }
    }
  });
});
