/**
 * Corrupt files: random byte flips and truncations of real databases must end in success or in
 * CorruptError / NotADatabaseError — never another error, a crash or a hang — and hand-made
 * cycles (overflow chain, child pointer) must be reported with the page that closes the cycle.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { countEntries } from '../../src/btree/count-entries.js';
import { IndexCursor } from '../../src/btree/index-cursor.js';
import { censusPages } from '../../src/btree/page-census.js';
import { TableCursor } from '../../src/btree/table-cursor.js';
import { CorruptError, NotADatabaseError } from '../../src/errors.js';
import { readU32, writeU32 } from '../../src/format/bytes.js';
import { parseCell } from '../../src/format/cell.js';
import { cellOffset, decodePageHeader } from '../../src/format/page-header.js';
import { TempDir, makeDb, openBytes, randomDbSql, rows, scalar } from './sqlite-fixture.js';

const tmp = new TempDir();
afterAll(() => tmp.cleanup());

interface Fixture {
  bytes: Uint8Array;
  roots: { name: string; rootPgno: number; isTable: boolean }[];
}

function fixture(pageSize: number, autoVacuum: 'none' | 'full', seed: number, n: number): Fixture {
  const path = tmp.file();
  const bytes = makeDb(path, randomDbSql({ pageSize, autoVacuum, rows: n, seed }));
  const roots = rows(path, "SELECT name, rootpage, type = 'table' AND sql NOT LIKE '%WITHOUT ROWID%' FROM sqlite_schema WHERE rootpage > 0").map(
    (r) => ({ name: r[0]!, rootPgno: Number(r[1]), isTable: r[2] === '1' }),
  );
  return { bytes, roots };
}

/** Opens and fully scans every tree both ways, reading every payload; census too. */
async function exercise(bytes: Uint8Array, fx: Fixture): Promise<void> {
  const pager = await openBytes(bytes, 64 * 1024);
  await censusPages(pager, fx.roots);
  const schema = new TableCursor(pager, 1);
  for (let ok = await schema.first(); ok; ok = await schema.next()) await schema.payload();
  for (const r of fx.roots) {
    await countEntries(pager, r.rootPgno);
    const c = r.isTable ? new TableCursor(pager, r.rootPgno) : new IndexCursor(pager, r.rootPgno);
    for (let ok = await c.first(); ok; ok = await c.next()) await c.payload();
    for (let ok = await c.last(); ok; ok = await c.prev()) await c.payload();
  }
}

const outcomes = { ok: 0, corrupt: 0, notADatabase: 0 };

async function expectCleanFailure(bytes: Uint8Array, fx: Fixture): Promise<void> {
  try {
    await exercise(bytes, fx);
    outcomes.ok++;
  } catch (err) {
    if (err instanceof CorruptError) outcomes.corrupt++;
    else if (err instanceof NotADatabaseError) outcomes.notADatabase++;
    else throw err;
  }
}

const small = fixture(512, 'none', 31, 150);
const vacuumed = fixture(1024, 'full', 32, 150);

describe('random corruption', () => {
  it.each([
    ['512/none', small],
    ['1024/full', vacuumed],
  ])('byte flips in %s end in success or a corruption error', async (_label, fx) => {
    await exercise(fx.bytes, fx); // the pristine file scans cleanly
    const pageSize = (fx.bytes[16]! << 8) | fx.bytes[17]!;
    const pages = fx.bytes.length / pageSize;
    // Half of the edits aim at page headers and cell pointers, where structure lives.
    const anywhere = fc.record({ offset: fc.nat({ max: fx.bytes.length - 1 }), value: fc.integer({ min: 0, max: 255 }) });
    const structural = fc
      .record({ page: fc.nat({ max: pages - 1 }), at: fc.nat({ max: 31 }), value: fc.integer({ min: 0, max: 255 }) })
      .map(({ page, at, value }) => ({ offset: page * pageSize + (page === 0 ? 100 : 0) + at, value }));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(anywhere, structural), { minLength: 1, maxLength: 6 }), async (edits) => {
        const b = fx.bytes.slice();
        for (const e of edits) b[e.offset] = e.value;
        await expectCleanFailure(b, fx);
      }),
      { numRuns: 200 },
    );
  });

  it('truncations end in success or a corruption error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: small.bytes.length - 1 }), async (len) => {
        await expectCleanFailure(small.bytes.slice(0, len), small);
      }),
      { numRuns: 100 },
    );
    // The generators do reach the error paths (and the success path).
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(outcomes.corrupt).toBeGreaterThan(50);
    expect(outcomes.notADatabase).toBeGreaterThan(0);
  });
});

describe('hand-made cycles', () => {
  it('a cyclic overflow chain is CorruptError naming the page', async () => {
    const path = tmp.file();
    const bytes = makeDb(path, 'PRAGMA page_size=512; CREATE TABLE t(b); INSERT INTO t VALUES(zeroblob(3000));');
    const root = Number(scalar(path, "SELECT rootpage FROM sqlite_schema WHERE name='t'"));
    const pager0 = await openBytes(bytes);
    const c0 = new TableCursor(pager0, root);
    await c0.first();
    expect((await c0.payload()).length).toBe(c0.payloadSize);
    // Follow the chain from the cell's overflow pointer.
    const page = bytes.subarray((root - 1) * 512, root * 512);
    const hdr = decodePageHeader(page, root, 512);
    const cell = parseCell(page, cellOffset(page, hdr, 0, root, 512), hdr.pageType, root, 512);
    const first = cell.overflowPgno;
    const chain: number[] = [];
    for (let p = first; p !== 0; p = readU32(bytes, (p - 1) * 512)) chain.push(p);
    expect(chain.length).toBeGreaterThanOrEqual(3);
    const bad = bytes.slice();
    writeU32(bad, (chain[1]! - 1) * 512, chain[0]!); // second page points back to the first
    const pager = await openBytes(bad);
    const c = new TableCursor(pager, root);
    await c.first();
    const err = await c.payload().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CorruptError);
    expect((err as CorruptError).pgno).toBe(chain[1]);
    // The census reports the same cycle as a duplicate claim, without throwing.
    const census = await censusPages(pager, [{ name: 't', rootPgno: root }]);
    expect(census.duplicates.some((d) => d.pgno === chain[0])).toBe(true);
  });

  it('a child pointer back to the root is CorruptError naming the page', async () => {
    const path = tmp.file();
    const bytes = makeDb(path, 'PRAGMA page_size=512; CREATE TABLE t(b); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<2000) INSERT INTO t SELECT i FROM c;');
    const root = Number(scalar(path, "SELECT rootpage FROM sqlite_schema WHERE name='t'"));
    const off = (root - 1) * 512;
    expect(bytes[off]).toBe(0x05); // interior root
    const bad = bytes.slice();
    writeU32(bad, off + 8, root); // right child = the root itself
    const pager = await openBytes(bad);
    const scan = async (): Promise<void> => {
      const c = new TableCursor(pager, root);
      for (let ok = await c.first(); ok; ok = await c.next());
    };
    await expect(scan()).rejects.toMatchObject({ name: 'CorruptError', pgno: root });
    await expect(new TableCursor(pager, root).last()).rejects.toMatchObject({ name: 'CorruptError', pgno: root });
    await expect(new TableCursor(pager, root).seekRowid(1_000_000)).rejects.toMatchObject({ name: 'CorruptError', pgno: root });
    await expect(countEntries(pager, root)).rejects.toMatchObject({ name: 'CorruptError', pgno: root });
  });
});
