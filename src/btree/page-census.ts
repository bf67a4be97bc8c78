/**
 * A census of every page of the database, and the read-side integrity walk: each b-tree (by
 * name, like dbstat), the freelist, the pointer-map pages and the lock-byte page claim their
 * pages; pages no one claims are orphans, pages claimed twice are reported as duplicates.
 * In auto-vacuum databases every pointer-map entry is checked against what the walk found.
 * Corruption found on the way is reported in `errors` (with the page) rather than thrown, so
 * that one bad tree does not hide the state of the others.
 *
 * Per-page figures follow dbstat (https://www.sqlite.org/dbstat.html):
 *  - b-tree page payload: the local payload bytes of its cells (0 for table interior pages);
 *  - b-tree page unused: gap between cell pointers and content area + fragmented bytes + freeblocks;
 *  - overflow page payload: U-4, or what remains on the last page of a chain; unused: U-4 - payload.
 */
import { CorruptError } from '../errors.js';
import { parseCell } from '../format/cell.js';
import { decodeFreelistTrunk } from '../format/freelist.js';
import { hasLockBytePage, lockBytePgno } from '../format/lock-byte.js';
import { overflowCapacity, overflowNext } from '../format/overflow.js';
import { overflowPageCount } from '../format/payload.js';
import { PageType, cellOffset, decodePageHeader, pageFreeBytes } from '../format/page-header.js';
import { PtrmapType, ptrmapPageFor, ptrmapPages, readPtrmapEntry } from '../format/ptrmap.js';
import type { Pager } from '../pager/pager.js';
import { MAX_BTREE_DEPTH } from './btree-page.js';

export interface CensusRoot {
  readonly name: string;
  readonly rootPgno: number;
}

export interface TreeCensus {
  readonly name: string;
  readonly rootPgno: number;
  tableInterior: number;
  tableLeaf: number;
  indexInterior: number;
  indexLeaf: number;
  overflow: number;
  /** Cells on the tree's pages (interior included). */
  cells: number;
  /** Payload bytes as dbstat counts them (local + overflow). */
  payloadBytes: number;
  /** Unused bytes as dbstat counts them. */
  unusedBytes: number;
}

export interface CensusProblem {
  readonly pgno: number | undefined;
  readonly message: string;
  /** The tree (or "freelist") being walked when the problem was found. */
  readonly owner: string;
}

export interface PageDuplicate {
  readonly pgno: number;
  readonly firstOwner: string;
  readonly secondOwner: string;
}

export interface PageCensus {
  readonly pageCount: number;
  readonly trees: TreeCensus[];
  freelistTrunk: number;
  freelistLeaf: number;
  ptrmap: number;
  lockByte: number;
  /** Pages no structure claims. */
  readonly orphans: number[];
  /** Pages claimed a second time (the second claim is not followed). */
  readonly duplicates: PageDuplicate[];
  readonly errors: CensusProblem[];
}

export const SCHEMA_TREE_NAME = 'sqlite_schema';
const FREELIST = 'freelist';
const PTRMAP = 'ptrmap';
const LOCK_BYTE = 'lock-byte';

/**
 * Walks sqlite_schema (root 1, unless `roots` already names page 1) and every tree in `roots`,
 * then the freelist, pointer-map and lock-byte pages.
 */
export async function censusPages(pager: Pager, roots: readonly CensusRoot[]): Promise<PageCensus> {
  const pageCount = pager.pageCount;
  const usable = pager.usableSize;
  const owners: (string | undefined)[] = new Array<string | undefined>(pageCount + 1);
  const census: PageCensus = {
    pageCount,
    trees: [],
    freelistTrunk: 0,
    freelistLeaf: 0,
    ptrmap: 0,
    lockByte: 0,
    orphans: [],
    duplicates: [],
    errors: [],
  };
  const problem = (owner: string, err: unknown, pgno?: number): void => {
    if (!(err instanceof CorruptError)) throw err;
    census.errors.push({ pgno: err.pgno ?? pgno, message: err.message, owner });
  };
  // What each page's pointer-map entry should say, from the walk (auto-vacuum databases).
  const expectedType = new Uint8Array(pageCount + 1);
  const expectedParent = new Uint32Array(pageCount + 1);
  /**
   * Claims `pgno` for `owner`, noting the pointer-map entry the page should have; false (and a
   * recorded duplicate) if someone has it already.
   */
  const claim: Claim = (pgno, owner, type, parent) => {
    const first = owners[pgno];
    if (first !== undefined) {
      census.duplicates.push({ pgno, firstOwner: first, secondOwner: owner });
      return false;
    }
    owners[pgno] = owner;
    if (type !== undefined) {
      expectedType[pgno] = type;
      expectedParent[pgno] = parent;
    }
    return true;
  };

  const lockByte = hasLockBytePage(pageCount, pager.pageSize) ? lockBytePgno(pager.pageSize) : 0;
  if (lockByte !== 0) {
    claim(lockByte, LOCK_BYTE, undefined, 0);
    census.lockByte = 1;
  }
  if (pager.header.largestRootPage !== 0) {
    for (const p of ptrmapPages(pageCount, pager.pageSize, usable)) {
      if (claim(p, PTRMAP, undefined, 0)) census.ptrmap++;
    }
  }

  const allRoots = roots.some((r) => r.rootPgno === 1) ? roots : [{ name: SCHEMA_TREE_NAME, rootPgno: 1 }, ...roots];
  for (const root of allRoots) {
    const tree: TreeCensus = {
      name: root.name,
      rootPgno: root.rootPgno,
      tableInterior: 0,
      tableLeaf: 0,
      indexInterior: 0,
      indexLeaf: 0,
      overflow: 0,
      cells: 0,
      payloadBytes: 0,
      unusedBytes: 0,
    };
    census.trees.push(tree);
    await walkTree(pager, tree, claim, (err, pgno) => problem(root.name, err, pgno), lockByte);
  }

  await walkFreelist(pager, census, claim, (err, pgno) => problem(FREELIST, err, pgno));

  if (pager.header.largestRootPage !== 0) {
    await checkPtrmap(pager, expectedType, expectedParent, (err, pgno) => problem(PTRMAP, err, pgno));
  }

  for (let p = 1; p <= pageCount; p++) if (owners[p] === undefined) census.orphans.push(p);
  return census;
}

/** `type` is the pointer-map entry type the page should have (undefined for pages without one). */
type Claim = (pgno: number, owner: string, type: PtrmapType | undefined, parent: number) => boolean;
type Report = (err: unknown, pgno?: number) => void;

async function walkTree(pager: Pager, tree: TreeCensus, claim: Claim, report: Report, lockByte: number): Promise<void> {
  const usable = pager.usableSize;
  const pageCount = pager.pageCount;
  if (tree.rootPgno < 1 || tree.rootPgno > pageCount) {
    report(new CorruptError(`root page ${tree.rootPgno} out of range`, tree.rootPgno));
    return;
  }
  let isTable: boolean | undefined;
  const stack: { pgno: number; depth: number; parent: number }[] = [{ pgno: tree.rootPgno, depth: 1, parent: 0 }];
  while (stack.length > 0) {
    const { pgno, depth, parent } = stack.pop()!;
    const type = pgno === 1 ? undefined : parent === 0 ? PtrmapType.RootPage : PtrmapType.Btree;
    if (!claim(pgno, tree.name, type, parent)) continue;
    try {
      if (pgno === lockByte) throw new CorruptError('lock-byte page used as a b-tree page', pgno);
      const data = pager.peekPage(pgno) ?? (await pager.getPage(pgno));
      const header = decodePageHeader(data, pgno, usable);
      if (isTable === undefined) isTable = header.isTable;
      if (header.isTable !== isTable) throw new CorruptError('page of the wrong b-tree kind', pgno);
      switch (header.pageType) {
        case PageType.TableInterior:
          tree.tableInterior++;
          break;
        case PageType.TableLeaf:
          tree.tableLeaf++;
          break;
        case PageType.IndexInterior:
          tree.indexInterior++;
          break;
        case PageType.IndexLeaf:
          tree.indexLeaf++;
          break;
      }
      tree.unusedBytes += pageFreeBytes(data, header, pgno, usable);
      const n = header.cellCount;
      tree.cells += n;
      const children: number[] = [];
      const overflows: { first: number; rest: number }[] = [];
      for (let i = 0; i < n; i++) {
        const cell = parseCell(data, cellOffset(data, header, i, pgno, usable), header.pageType, pgno, usable);
        tree.payloadBytes += cell.localSize;
        if (cell.leftChild !== 0) children.push(cell.leftChild);
        if (cell.overflowPgno !== 0) overflows.push({ first: cell.overflowPgno, rest: cell.payloadSize - cell.localSize });
      }
      if (!header.isLeaf) {
        children.push(header.rightChild);
        if (depth >= MAX_BTREE_DEPTH) throw new CorruptError('b-tree too deep', pgno);
      }
      for (const child of children) {
        if (child < 2 || child > pageCount) {
          report(new CorruptError(`child page ${child} out of range`, pgno));
          continue;
        }
        stack.push({ pgno: child, depth: depth + 1, parent: pgno });
      }
      for (const ov of overflows) {
        try {
          await walkOverflow(pager, tree, pgno, ov.first, ov.rest, claim, lockByte);
        } catch (err) {
          report(err, pgno);
        }
      }
    } catch (err) {
      report(err, pgno);
    }
  }
}

async function walkOverflow(
  pager: Pager,
  tree: TreeCensus,
  cellPgno: number,
  first: number,
  rest: number,
  claim: Claim,
  lockByte: number,
): Promise<void> {
  const usable = pager.usableSize;
  const cap = overflowCapacity(usable);
  const needed = overflowPageCount(rest, 0, usable);
  let prev = cellPgno;
  let next = first;
  let remaining = rest;
  for (let k = 0; k < needed; k++) {
    if (next === 0) throw new CorruptError('overflow chain ends before the payload does', prev);
    if (next < 2 || next > pager.pageCount || next === lockByte) throw new CorruptError(`overflow page ${next} out of range`, prev);
    if (!claim(next, tree.name, k === 0 ? PtrmapType.Overflow1 : PtrmapType.Overflow2, prev)) return;
    const page = pager.peekPage(next) ?? (await pager.getPage(next));
    const here = Math.min(cap, remaining);
    tree.overflow++;
    tree.payloadBytes += here;
    tree.unusedBytes += cap - here;
    remaining -= here;
    prev = next;
    next = overflowNext(page);
  }
  if (next !== 0) throw new CorruptError(`overflow chain longer than the payload (next page ${next})`, prev);
}

async function walkFreelist(pager: Pager, census: PageCensus, claim: Claim, report: Report): Promise<void> {
  const expected = pager.header.freelistCount;
  let trunk = pager.header.firstFreelistTrunk;
  let seen = 0;
  try {
    while (trunk !== 0) {
      if (trunk < 2 || trunk > pager.pageCount) throw new CorruptError(`freelist trunk ${trunk} out of range`, trunk);
      if (!claim(trunk, FREELIST, PtrmapType.FreePage, 0)) return;
      census.freelistTrunk++;
      seen++;
      const page = pager.peekPage(trunk) ?? (await pager.getPage(trunk));
      const { next, leaves } = decodeFreelistTrunk(page, trunk, pager.usableSize, pager.pageCount);
      for (const leaf of leaves) {
        if (claim(leaf, FREELIST, PtrmapType.FreePage, 0)) census.freelistLeaf++;
        seen++;
      }
      if (seen > expected) throw new CorruptError(`freelist longer than the header's count ${expected}`, trunk);
      trunk = next;
    }
    if (seen !== expected) throw new CorruptError(`freelist has ${seen} pages, header says ${expected}`, 1);
  } catch (err) {
    report(err, trunk);
  }
}

/**
 * Compares every pointer-map entry with what the walk found: root pages (1, 0), non-root b-tree
 * pages (5, parent), first overflow pages (3, the cell's page), later overflow pages (4, the
 * previous overflow page), free pages (2, 0). Pages the walk did not reach are not checked.
 */
async function checkPtrmap(pager: Pager, expectedType: Uint8Array, expectedParent: Uint32Array, report: Report): Promise<void> {
  const usable = pager.usableSize;
  for (let p = 2; p <= pager.pageCount; p++) {
    const type = expectedType[p]!;
    if (type === 0) continue;
    const map = ptrmapPageFor(p, pager.pageSize, usable);
    try {
      const page = pager.peekPage(map) ?? (await pager.getPage(map));
      const entry = readPtrmapEntry(page, map, p, usable);
      if (entry.type !== type || entry.parent !== expectedParent[p]) {
        throw new CorruptError(
          `pointer-map entry for page ${p} is (${entry.type}, ${entry.parent}), expected (${type}, ${expectedParent[p]})`,
          map,
        );
      }
    } catch (err) {
      report(err, map);
    }
  }
}
