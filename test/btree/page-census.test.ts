/**
 * censusPages against dbstat (the shell is built with it) and the header's page/freelist counts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { censusPages, SCHEMA_TREE_NAME } from '../../src/btree/page-census.js';
import { BytesPageFile } from '../../src/pager/page-file.js';
import { Pager } from '../../src/pager/pager.js';
import { TempDir, makeDb, openBytes, randomDbSql, rows, scalar, type RandomDbOptions } from './sqlite-fixture.js';

const tmp = new TempDir();
afterAll(() => tmp.cleanup());

const CASES: RandomDbOptions[] = [
  { pageSize: 512, autoVacuum: 'none', rows: 400, seed: 11 },
  { pageSize: 1024, autoVacuum: 'full', rows: 300, seed: 12 },
  { pageSize: 4096, autoVacuum: 'incremental', rows: 300, seed: 13 },
  { pageSize: 2048, autoVacuum: 'full', rows: 200, seed: 15, reserve: 40 },
  { pageSize: 65536, autoVacuum: 'none', rows: 60, seed: 14 },
];

function schemaRoots(path: string): { name: string; rootPgno: number }[] {
  return rows(path, 'SELECT name, rootpage FROM sqlite_schema WHERE rootpage > 0').map((r) => ({ name: r[0]!, rootPgno: Number(r[1]) }));
}

describe.each(CASES)('census of %o', (opts) => {
  const path = tmp.file();
  const bytes = makeDb(path, randomDbSql(opts));

  it('accounts for every page exactly once and agrees with dbstat', async () => {
    const pager = await openBytes(bytes);
    const census = await censusPages(pager, schemaRoots(path));
    expect(census.errors).toEqual([]);
    expect(census.duplicates).toEqual([]);
    expect(census.orphans).toEqual([]);
    const treePages = census.trees.reduce((s, t) => s + t.tableInterior + t.tableLeaf + t.indexInterior + t.indexLeaf + t.overflow, 0);
    expect(treePages + census.freelistTrunk + census.freelistLeaf + census.ptrmap + census.lockByte).toBe(
      Number(scalar(path, 'PRAGMA page_count')),
    );
    expect(census.freelistTrunk + census.freelistLeaf).toBe(Number(scalar(path, 'PRAGMA freelist_count')));
    if (opts.autoVacuum !== 'none') expect(census.ptrmap).toBeGreaterThan(0);

    const stat = rows(path, 'SELECT name, count(*), sum(payload), sum(unused), sum(ncell) FROM dbstat GROUP BY name');
    const byName = new Map(census.trees.map((t) => [t.name === SCHEMA_TREE_NAME ? 'sqlite_schema' : t.name, t]));
    for (const [name, pages, payload, unused, ncell] of stat) {
      const t = byName.get(name!);
      expect(t, name).toBeDefined();
      expect(t!.tableInterior + t!.tableLeaf + t!.indexInterior + t!.indexLeaf + t!.overflow, name).toBe(Number(pages));
      expect(t!.payloadBytes, `${name} payload`).toBe(Number(payload));
      expect(t!.unusedBytes, `${name} unused`).toBe(Number(unused));
      expect(t!.cells, `${name} cells`).toBe(Number(ncell));
    }
    expect(byName.size).toBe(stat.length);
    const kinds = rows(path, "SELECT name, pagetype, count(*) FROM dbstat GROUP BY name, pagetype");
    for (const [name, type, n] of kinds) {
      const t = byName.get(name!)!;
      const ours = type === 'overflow' ? t.overflow : type === 'leaf' ? t.tableLeaf + t.indexLeaf : t.tableInterior + t.indexInterior;
      expect(ours, `${name} ${type}`).toBe(Number(n));
    }
  });
});

describe('census reports, not throws', () => {
  it('finds orphans when the freelist is cut and duplicates when two trees share a page', async () => {
    const path = tmp.file();
    const bytes = makeDb(path, randomDbSql({ pageSize: 512, autoVacuum: 'none', rows: 200, seed: 21 }));
    const freeCount = Number(scalar(path, 'PRAGMA freelist_count'));
    expect(freeCount).toBeGreaterThan(0);
    // Cut the freelist: header field 32 (first trunk) = 0, 36 (count) = 0.
    const cut = bytes.slice();
    cut.fill(0, 32, 40);
    const c1 = await censusPages(await Pager.open(new BytesPageFile(cut)), schemaRoots(path));
    expect(c1.orphans.length).toBe(freeCount);
    expect(c1.errors).toEqual([]);
    // Name the same tree twice: every page of the second walk is a duplicate.
    const roots = schemaRoots(path);
    const t1 = roots.find((r) => r.name === 't1')!;
    const c2 = await censusPages(await openBytes(bytes), [...roots, { name: 'again', rootPgno: t1.rootPgno }]);
    expect(c2.duplicates.length).toBe(1); // the root is claimed twice; its subtree is not followed again
    expect(c2.duplicates[0]).toEqual({ pgno: t1.rootPgno, firstOwner: 't1', secondOwner: 'again' });
  });
});

describe('pointer-map check', () => {
  it('reports a pointer-map entry that disagrees with the tree', async () => {
    const path = tmp.file();
    const bytes = makeDb(path, randomDbSql({ pageSize: 1024, autoVacuum: 'full', rows: 150, seed: 41 }));
    const roots = schemaRoots(path);
    expect((await censusPages(await openBytes(bytes), roots)).errors).toEqual([]);
    // Page 2 is the first pointer-map page; its entry for page 3 starts at offset 1024 + 0.
    const bad = bytes.slice();
    const off = 1024;
    bad[off + 4] = bad[off + 4]! ^ 0x01; // change the low byte of the parent pgno
    const census = await censusPages(await openBytes(bad), roots);
    expect(census.errors.length).toBe(1);
    expect(census.errors[0]).toMatchObject({ owner: 'ptrmap', pgno: 2 });
    expect(census.errors[0]!.message).toMatch(/page 3/);
  });
});
