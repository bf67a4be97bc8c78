/**
 * Balancing: what happens when a page's cells no longer fit, or when a page is less than a
 * third full after a delete. The approach is SQLite's (btree.c, balance / balance_deeper /
 * balance_nonroot / balance_quick), on cell lists (node-image.ts) rather than in place:
 *
 *  - root overflows  -> balance_deeper: the root keeps its pgno and becomes an interior page
 *    with no cells whose right child is a new page holding the root's old content; that child
 *    is then balanced as a non-root page.
 *  - non-root page overflows or is underfull -> balance_nonroot: take the page and up to two
 *    siblings (3 in all, the page in the middle when possible), pull their cells and the
 *    parent's dividers between them into one list, and cut that list into as few pages as hold
 *    it, the cut points moved right-to-left so that the right pages are not left nearly empty.
 *    Old pgnos are reused in ascending order, extra pages allocated, surplus ones freed. The
 *    parent gets new dividers and may itself overflow or become underfull: repeat one level up.
 *      table leaves:   dividers are rowid separators (u32 page | varint largest rowid of page);
 *                      no cell moves into the parent;
 *      index / interior pages: the cell between two new pages moves up into the parent (an
 *                      interior cell carries an entry / a key), the parent's old dividers come
 *                      down into the list; an interior page's right child is the left child
 *                      of the divider that follows it.
 *  - root interior page with no cells left and a single child whose content fits in the root
 *    -> the child is copied into the root and freed (the tree loses a level).
 *  - balance_quick: appending past the largest rowid of the right-most leaf of a table whose
 *    leaf is full puts the new cell alone on a new right-most leaf (append-only inserts then
 *    fill pages completely, as SQLite's do). Done by the insert code (table-write.ts).
 *
 * Invariants kept: every non-root page has at least one cell; all leaves at the same depth;
 * table interior separators bound their subtrees (left <= separator < right).
 */
import { CorruptError } from '../errors.js';
import { readU32 } from '../format/bytes.js';
import { parseCell } from '../format/cell.js';
import { PageType } from '../format/page-header.js';
import type { Pager } from '../pager/pager.js';
import { isUnderfull } from './cell-space.js';
import { tableInteriorCell, toInteriorIndexCell, toLeafIndexCell, withLeftChild } from './cell-builder.js';
import {
  headerSizeOf,
  imageFits,
  imageFree,
  imageFromPage,
  isLeafType,
  isTableType,
  writeImage,
  type NodeImage,
} from './node-image.js';
import type { PathStep } from './write-path.js';

/** Images of pages changed but not yet written (an interior page waiting for its turn). */
export type PendingImages = Map<number, NodeImage>;

export interface BalanceNode {
  readonly pgno: number;
  image: NodeImage;
}

async function readImage(pager: Pager, pgno: number, pending: PendingImages): Promise<NodeImage> {
  const p = pending.get(pgno);
  if (p !== undefined) {
    pending.delete(pgno);
    return p;
  }
  const data = pager.peekPage(pgno) ?? (await pager.getPage(pgno));
  return imageFromPage(data, pgno, pager.usableSize);
}

async function store(pager: Pager, pgno: number, image: NodeImage, pending: PendingImages): Promise<void> {
  pending.delete(pgno);
  writeImage(await pager.getWritable(pgno), pgno, pager.usableSize, image);
}

/**
 * Balances `node`, whose ancestors are `path` (each step's idx = the child leading down), and
 * continues upwards while a parent overflows or is underfull. Returns the depth (path length)
 * of the last page written: the levels above it were not touched.
 */
export async function balanceFrom(pager: Pager, path: readonly PathStep[], node: BalanceNode, pending: PendingImages = new Map()): Promise<number> {
  const usable = pager.usableSize;
  let steps = path.slice();
  let cur = node;
  for (let guard = 0; guard < 200; guard++) {
    if (steps.length === 0) {
      // The root.
      if (imageFits(cur.image, cur.pgno, usable)) {
        if (!isLeafType(cur.image.type) && cur.image.cells.length === 0) await collapseRoot(pager, cur, pending);
        else await store(pager, cur.pgno, cur.image, pending);
        return 0;
      }
      // balance_deeper
      const child = await pager.allocatePage();
      const interior = isTableType(cur.image.type) ? PageType.TableInterior : PageType.IndexInterior;
      const childImage = cur.image;
      await store(pager, cur.pgno, { type: interior, cells: [], rightChild: child.pgno }, pending);
      steps = [{ pgno: cur.pgno, idx: 0 }];
      cur = { pgno: child.pgno, image: childImage };
      continue;
    }
    const free = imageFree(cur.image, cur.pgno, usable);
    if (free >= 0 && !isUnderfull(free, usable)) {
      await store(pager, cur.pgno, cur.image, pending);
      return steps.length;
    }
    const parentStep = steps[steps.length - 1]!;
    const parent = await readImage(pager, parentStep.pgno, pending);
    const newParent = await balanceNonroot(pager, parentStep.pgno, parent, parentStep.idx, cur, pending);
    steps = steps.slice(0, -1);
    cur = { pgno: parentStep.pgno, image: newParent };
  }
  throw new Error('internal: balance did not terminate');
}

/** The root has no cells and one child: copy the child up if it fits, else keep the root as it is. */
async function collapseRoot(pager: Pager, root: BalanceNode, pending: PendingImages): Promise<void> {
  const usable = pager.usableSize;
  const childPgno = root.image.rightChild;
  if (childPgno < 2 || childPgno > pager.pageCount || childPgno === root.pgno) throw new CorruptError(`child page ${childPgno} out of range`, root.pgno);
  const child = await readImage(pager, childPgno, pending);
  if (isTableType(child.type) !== isTableType(root.image.type)) throw new CorruptError('page of the wrong b-tree kind', childPgno);
  if (imageFits(child, root.pgno, usable)) {
    await store(pager, root.pgno, child, pending);
    await pager.freePage(childPgno);
  } else {
    await store(pager, root.pgno, root.image, pending);
  }
}

function childOf(parent: NodeImage, i: number): number {
  return i === parent.cells.length ? parent.rightChild : readU32(parent.cells[i]!, 0);
}

/**
 * Redistributes the cells of child `childIdx` of `parent` (whose new content is `node`) and up
 * to two of its siblings; writes the sibling pages and returns the parent's new image.
 */
async function balanceNonroot(
  pager: Pager,
  parentPgno: number,
  parent: NodeImage,
  childIdx: number,
  node: BalanceNode,
  pending: PendingImages,
): Promise<NodeImage> {
  const usable = pager.usableSize;
  const n = parent.cells.length;
  if (isLeafType(parent.type)) throw new CorruptError('leaf page on the path of a descent', parentPgno);
  if (childIdx < 0 || childIdx > n) throw new Error(`internal: child index ${childIdx} of ${n}`);
  if (childOf(parent, childIdx) !== node.pgno) throw new Error('internal: balance path does not match the parent');
  const first = n < 2 ? 0 : Math.max(0, Math.min(childIdx - 1, n - 2));
  const last = Math.min(n, first + 2);

  // Load the siblings.
  const oldPgnos: number[] = [];
  const olds: NodeImage[] = [];
  for (let i = first; i <= last; i++) {
    const pgno = childOf(parent, i);
    if (pgno < 2 || pgno > pager.pageCount || pgno === parentPgno || oldPgnos.includes(pgno)) {
      throw new CorruptError(`child page ${pgno} out of range or repeated`, parentPgno);
    }
    const image = i === childIdx ? node.image : await readImage(pager, pgno, pending);
    if (image.type !== node.image.type) throw new CorruptError('sibling pages of different types', pgno);
    oldPgnos.push(pgno);
    olds.push(image);
  }
  const type = node.image.type;
  const leaf = isLeafType(type);
  const leafData = leaf && isTableType(type);

  // One list: sibling cells with the parent's dividers between them (not for table leaves).
  const items: Uint8Array[] = [];
  for (let j = 0; j < olds.length; j++) {
    const img = olds[j]!;
    for (const c of img.cells) items.push(c);
    if (j < olds.length - 1) {
      const div = parent.cells[first + j]!;
      if (leafData) continue;
      if (leaf) items.push(toLeafIndexCell(div, usable, parentPgno));
      else items.push(withLeftChild(div, img.rightChild));
    }
  }
  const finalRight = leaf ? 0 : olds[olds.length - 1]!.rightChild;

  const { pages, dividers } = distribute(items, usable - headerSizeOf(type), leafData);
  const k = pages.length;

  // Page numbers: the old ones in ascending order, then new ones; surplus old ones freed.
  const sorted = oldPgnos.slice().sort((a, b) => a - b);
  const newPgnos: number[] = [];
  for (let j = 0; j < k; j++) newPgnos.push(j < sorted.length ? sorted[j]! : (await pager.allocatePage()).pgno);
  for (let j = k; j < sorted.length; j++) {
    pending.delete(sorted[j]!);
    await pager.freePage(sorted[j]!);
  }

  const newDividers: Uint8Array[] = [];
  for (let j = 0; j < k; j++) {
    const cells = pages[j]!;
    let rightChild = 0;
    if (!leaf) rightChild = j < k - 1 ? readU32(dividers[j]!, 0) : finalRight;
    await store(pager, newPgnos[j]!, { type, cells, rightChild }, pending);
    if (j === k - 1) break;
    if (leafData) {
      const lastCell = cells[cells.length - 1]!;
      const rowid = parseCell(lastCell, 0, PageType.TableLeaf, newPgnos[j]!, usable).rowid;
      newDividers.push(tableInteriorCell(newPgnos[j]!, rowid));
    } else if (leaf) {
      newDividers.push(toInteriorIndexCell(dividers[j]!, newPgnos[j]!, usable, newPgnos[j]!));
    } else {
      newDividers.push(withLeftChild(dividers[j]!, newPgnos[j]!));
    }
  }

  const cells = [...parent.cells.slice(0, first), ...newDividers, ...parent.cells.slice(last)];
  let rightChild = parent.rightChild;
  const lastNew = newPgnos[k - 1]!;
  if (last < n) cells[first + k - 1] = withLeftChild(cells[first + k - 1]!, lastNew);
  else rightChild = lastNew;
  return { type: parent.type, cells, rightChild };
}

/**
 * Cuts `items` into pages of at most `cap` bytes each (a cell costs its length + 2). Without
 * leaf data, the item between two pages becomes a divider (moves up to the parent). Greedy
 * left-to-right fill, then from the right: move cells from the left neighbour while that makes
 * the two pages more even (SQLite's second pass in balance_nonroot).
 */
export function distribute(items: readonly Uint8Array[], cap: number, leafData: boolean): { pages: Uint8Array[][]; dividers: Uint8Array[] } {
  const sz = (c: Uint8Array): number => c.length + 2;
  const pages: Uint8Array[][] = [];
  const dividers: Uint8Array[] = [];
  let cur: Uint8Array[] = [];
  let used = 0;
  for (const c of items) {
    const s = sz(c);
    // Only a damaged page can hold a cell this large (ours are bounded by the local payload rules).
    if (s > cap) throw new CorruptError(`a ${c.length}-byte cell cannot fit any page`);
    if (used + s <= cap) {
      cur.push(c);
      used += s;
    } else if (leafData) {
      pages.push(cur);
      cur = [c];
      used = s;
    } else {
      pages.push(cur);
      dividers.push(c);
      cur = [];
      used = 0;
    }
  }
  pages.push(cur);
  const bytes = (p: Uint8Array[]): number => p.reduce((a, c) => a + sz(c), 0);
  for (let j = pages.length - 1; j >= 1; j--) {
    // How many cells move from the left page to the right one is decided first, then the
    // arrays are cut once (not an unshift per cell: pages hold hundreds of small cells).
    const left = pages[j - 1]!;
    const right = pages[j]!;
    let szL = bytes(left);
    let szR = bytes(right);
    let rightLen = right.length;
    let t = 0; // cells moved
    const L = left.length;
    for (;;) {
      if (L - t <= 1) break;
      const moving = left[L - 1 - t]!;
      if (leafData) {
        const m = sz(moving);
        if (!(rightLen === 0 || szR + m <= szL - m) || szR + m > cap) break;
        szL -= m;
        szR += m;
      } else {
        // The current divider moves down to the right page; `moving` becomes the divider.
        const d = t === 0 ? dividers[j - 1]! : left[L - t]!;
        const dsz = sz(d);
        if (!(rightLen === 0 || szR + dsz <= szL - sz(moving)) || szR + dsz > cap) break;
        szL -= sz(moving);
        szR += dsz;
      }
      rightLen++;
      t++;
    }
    if (t > 0) {
      if (leafData) {
        pages[j] = left.splice(L - t).concat(right);
      } else {
        // left = [..., x, m1 … m(t-1)], divider d0  →  left = [...], divider x, right = [m1 … m(t-1), d0, ...right]
        const tail = left.splice(L - t);
        const d0 = dividers[j - 1]!;
        dividers[j - 1] = tail[0]!;
        pages[j] = tail.slice(1).concat([d0], right);
      }
    }
    if (pages[j]!.length === 0 && (leafData || pages.length > 1)) throw new Error('internal: distribute left an empty page');
  }
  return { pages, dividers };
}
