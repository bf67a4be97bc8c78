/**
 * Our own consistency checker (bbolt's `Check`, SQLite's PRAGMA integrity_check): used by the
 * tests after every mutation batch and by `s3lite check`.
 *
 * On top of the page census (every page accounted for exactly once: b-tree, overflow,
 * freelist, lock-byte; the freelist length equal to the header's count), it checks each b-tree:
 *  - page headers and cell pointers in range; a non-root page has at least one cell;
 *  - the content area: cells and freeblocks do not overlap, freeblocks are in ascending order,
 *    and usable - contentStart == cell bytes + freeblock bytes + fragmented bytes, with at most
 *    60 fragmented bytes;
 *  - key order: table rowids strictly increasing within a page and within the bounds its
 *    parent's separators set (left subtree <= separator < right subtree); index entries strictly
 *    increasing in tree order (interior entries between their subtrees), by the caller's
 *    comparison or, by default, SQLite's record order with BINARY collation;
 *  - every leaf at the same depth.
 * Returns the problems as strings naming the page; an empty list means the database is sound.
 */
import { CorruptError } from '../errors.js';
import { readU16 } from '../format/bytes.js';
import { parseCell, type Cell } from '../format/cell.js';
import { cellOffset, decodePageHeader } from '../format/page-header.js';
import { compareValues } from '../record/compare.js';
import { decodeRecord } from '../record/record.js';
import type { TextEncoding } from '../record/text-encoding.js';
import type { Pager } from '../pager/pager.js';
import { MAX_BTREE_DEPTH } from './btree-page.js';
import { cellSizeAt } from './cell-space.js';
import { SCHEMA_TREE_NAME, censusPages } from './page-census.js';
import { readPayload } from './payload-reader.js';
import { compareRowids } from './rowid.js';

/** Sign of (a - b) for two index entries (records). */
export type EntryCompare = (a: Uint8Array, b: Uint8Array) => number;

export interface IntegrityRoot {
  readonly name: string;
  readonly rootPgno: number;
  /** For index b-trees: the entry order (default: record order, BINARY collation). */
  readonly compare?: EntryCompare;
}

const MAX_FRAGMENTED_BYTES = 60;

/** SQLite's record order with BINARY collation and no DESC columns; a shorter equal prefix sorts first. */
export function compareRecords(a: Uint8Array, b: Uint8Array, encoding: TextEncoding = 1): number {
  const ra = decodeRecord(a, encoding);
  const rb = decodeRecord(b, encoding);
  const n = Math.min(ra.values.length, rb.values.length);
  for (let i = 0; i < n; i++) {
    const c = compareValues(ra.values[i]!, ra.classes[i]!, rb.values[i]!, rb.classes[i]!, 'BINARY', encoding);
    if (c !== 0) return c;
  }
  return ra.values.length - rb.values.length;
}

type Key = number | bigint | Uint8Array;

export async function integrityCheck(pager: Pager, roots: readonly IntegrityRoot[]): Promise<string[]> {
  const problems: string[] = [];
  const census = await censusPages(pager, roots.map((r) => ({ name: r.name, rootPgno: r.rootPgno })));
  for (const e of census.errors) problems.push(`${e.owner}: ${e.pgno === undefined ? '' : `page ${e.pgno}: `}${e.message}`);
  for (const d of census.duplicates) problems.push(`page ${d.pgno} used by ${d.firstOwner} and again by ${d.secondOwner}`);
  for (const p of census.orphans) problems.push(`page ${p} is never used`);
  const all = roots.some((r) => r.rootPgno === 1) ? roots : [{ name: SCHEMA_TREE_NAME, rootPgno: 1 }, ...roots];
  const encoding = pager.header.textEncoding;
  for (const root of all) {
    const compare = root.compare ?? ((a: Uint8Array, b: Uint8Array) => compareRecords(a, b, encoding));
    await new TreeChecker(pager, root, compare, problems).run();
  }
  return problems;
}

class TreeChecker {
  private readonly seen = new Set<number>();
  private leafDepth = -1;
  private readonly usable: number;

  constructor(
    private readonly pager: Pager,
    private readonly root: IntegrityRoot,
    private readonly compare: EntryCompare,
    private readonly problems: string[],
  ) {
    this.usable = pager.usableSize;
  }

  private report(pgno: number, message: string): void {
    this.problems.push(`${this.root.name}: page ${pgno}: ${message}`);
  }

  async run(): Promise<void> {
    const { rootPgno } = this.root;
    if (rootPgno < 1 || rootPgno > this.pager.pageCount) return; // the census reported it
    try {
      await this.page(rootPgno, 0, undefined, undefined, undefined);
    } catch (err) {
      if (!(err instanceof CorruptError)) throw err;
      this.report(err.pgno ?? rootPgno, err.message);
    }
  }

  /** Sign of (a - b) for two keys of this tree (rowids or entries). */
  private cmp(a: Key, b: Key): number {
    if (a instanceof Uint8Array) return this.compare(a, b as Uint8Array);
    return compareRowids(a, b as number | bigint);
  }

  /**
   * Checks page `pgno` and its subtree. Keys must be > lower (exclusive); for tables <= upper,
   * for indexes < upper. Returns nothing; problems are collected.
   */
  private async page(pgno: number, depth: number, lower: Key | undefined, upper: Key | undefined, isTable: boolean | undefined): Promise<void> {
    if (this.seen.has(pgno)) return; // the census reports pages reached twice
    this.seen.add(pgno);
    if (depth >= MAX_BTREE_DEPTH) {
      this.report(pgno, 'b-tree too deep');
      return;
    }
    const usable = this.usable;
    const data = this.pager.peekPage(pgno) ?? (await this.pager.getPage(pgno));
    let header;
    try {
      header = decodePageHeader(data, pgno, usable);
    } catch (err) {
      if (!(err instanceof CorruptError)) throw err;
      this.report(pgno, err.message);
      return;
    }
    if (isTable !== undefined && header.isTable !== isTable) {
      this.report(pgno, 'page of the wrong b-tree kind');
      return;
    }
    const n = header.cellCount;
    if (n === 0 && pgno !== this.root.rootPgno) this.report(pgno, 'non-root page with no cells');

    // Content area accounting.
    const spans: [number, number, string][] = [];
    const cells: Cell[] = [];
    let cellBytes = 0;
    for (let i = 0; i < n; i++) {
      try {
        const off = cellOffset(data, header, i, pgno, usable);
        const cell = parseCell(data, off, header.pageType, pgno, usable);
        const size = cellSizeAt(data, header, off, pgno, usable);
        if (off + size > usable) throw new CorruptError(`cell ${i} runs past the usable size`, pgno);
        spans.push([off, off + size, `cell ${i}`]);
        cells.push(cell);
        cellBytes += size;
      } catch (err) {
        if (!(err instanceof CorruptError)) throw err;
        this.report(pgno, err.message);
        return;
      }
    }
    let freeBytes = 0;
    let fb = header.firstFreeblock;
    let prevEnd = 0;
    let count = 0;
    while (fb !== 0) {
      if (fb < header.cellContentStart || fb > usable - 4 || fb < prevEnd || ++count > usable / 4) {
        this.report(pgno, `bad freeblock at offset ${fb}`);
        break;
      }
      const size = readU16(data, fb + 2);
      if (size < 4 || fb + size > usable) {
        this.report(pgno, `freeblock at ${fb} of size ${size} runs past the usable size`);
        break;
      }
      spans.push([fb, fb + size, `freeblock at ${fb}`]);
      freeBytes += size;
      prevEnd = fb + size;
      const next = readU16(data, fb);
      if (next !== 0 && next < fb + size) {
        this.report(pgno, `freeblocks out of order or overlapping at ${fb}`);
        break;
      }
      fb = next;
    }
    spans.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) {
      if (spans[i]![0] < spans[i - 1]![1]) this.report(pgno, `${spans[i - 1]![2]} overlaps ${spans[i]![2]}`);
    }
    if (header.fragmentedFreeBytes > MAX_FRAGMENTED_BYTES) this.report(pgno, `${header.fragmentedFreeBytes} fragmented bytes (more than 60)`);
    const area = usable - header.cellContentStart;
    if (cellBytes + freeBytes + header.fragmentedFreeBytes !== area) {
      this.report(
        pgno,
        `content area of ${area} bytes holds ${cellBytes} cell bytes, ${freeBytes} freeblock bytes and ${header.fragmentedFreeBytes} fragmented bytes`,
      );
    }

    // Keys.
    const keys: Key[] = [];
    for (let i = 0; i < n; i++) {
      const cell = cells[i]!;
      if (header.isTable) {
        if (header.isLeaf || cell.leftChild !== 0) keys.push(cell.rowid);
      } else {
        try {
          keys.push((await readPayload(this.pager, pgno, data, cell)).slice());
        } catch (err) {
          if (!(err instanceof CorruptError)) throw err;
          this.report(err.pgno ?? pgno, err.message);
          return;
        }
      }
    }
    const strictUpper = !header.isTable;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (i > 0 && this.cmp(keys[i - 1]!, k) >= 0) this.report(pgno, `key of cell ${i} not greater than the key of cell ${i - 1}`);
      if (lower !== undefined && this.cmp(k, lower) <= 0) this.report(pgno, `key of cell ${i} not above the lower bound its parent sets`);
      if (upper !== undefined) {
        const c = this.cmp(k, upper);
        if (c > 0 || (strictUpper && c === 0)) this.report(pgno, `key of cell ${i} above the upper bound its parent sets`);
      }
    }

    if (header.isLeaf) {
      if (this.leafDepth === -1) this.leafDepth = depth;
      else if (this.leafDepth !== depth) this.report(pgno, `leaf at depth ${depth}, other leaves at depth ${this.leafDepth}`);
      return;
    }
    for (let i = 0; i <= n; i++) {
      const child = i === n ? header.rightChild : cells[i]!.leftChild;
      if (child < 2 || child > this.pager.pageCount) {
        this.report(pgno, `child page ${child} out of range`);
        continue;
      }
      const lo = i === 0 ? lower : keys[i - 1];
      const hi = i === n ? upper : keys[i];
      await this.page(child, depth + 1, lo, hi, header.isTable);
    }
  }
}
