/**
 * Builds a whole index b-tree bottom-up from entries already in index order (CREATE INDEX on
 * a populated table): leaves are filled one after the other, full, and the entry that does not
 * fit ends the leaf and becomes a divider one level up; each upper level is packed the same
 * way from the dividers of the level below, until one node is left, which goes to the root.
 * One pass, no descents and no balancing — what inserting sorted entries one by one would
 * cost a seek and, on every full right-most leaf, a rebalance of its siblings for.
 *
 * Index b-tree pages (https://www.sqlite.org/fileformat2.html#b_tree_pages): interior cells
 * carry entries too, so a level of n children has n - 1 dividers between them:
 *
 *   children  C0   C1   C2  …  Cm          (all on the same level: every leaf at one depth)
 *   dividers     d0   d1  …  dm-1          (Ci < di < Ci+1)
 *
 * A node of the next level holds cells di (left child Ci) and, as its right child, the child
 * after its last cell. No node is ever empty: when the very last entry (or divider) of a level
 * would become a divider and leave an empty node behind it, the full node gives up its last
 * cell instead (that cell goes up, the last entry opens the new node).
 */
import { buildCell, buildLocalCell, toInteriorIndexCell } from '../../btree/cell-builder.js';
import { writeImage } from '../../btree/node-image.js';
import { readU32 } from '../../format/bytes.js';
import { PageType } from '../../format/page-header.js';
import type { Pager } from '../../pager/pager.js';

const LEAF_HEADER = 8;
const INTERIOR_HEADER = 12;

/** A node being filled: its cells (page format), their bytes on the page, and the leaf-format source of each cell. */
interface OpenNode {
  cells: Uint8Array[];
  sources: Uint8Array[];
  bytes: number;
}

function openNode(header: number): OpenNode {
  return { cells: [], sources: [], bytes: header };
}

/**
 * Fills the empty index b-tree at `root` with `payloads` (records, in the index's order, at
 * least one). `root` must be an empty index leaf in this write transaction.
 */
export async function buildIndexTree(pager: Pager, root: number, payloads: readonly Uint8Array[]): Promise<void> {
  const usable = pager.usableSize;
  const write = async (node: OpenNode, type: PageType, rightChild: number, isRoot: boolean): Promise<number> => {
    const image = { type, cells: node.cells, rightChild };
    if (isRoot) {
      writeImage(await pager.getWritable(root), root, usable, image);
      return root;
    }
    const { pgno, data } = await pager.allocatePage();
    writeImage(data, pgno, usable, image);
    return pgno;
  };

  // Level 0: the leaves.
  let children: number[] = [];
  let dividers: Uint8Array[] = []; // leaf-format cells
  let leaf = openNode(LEAF_HEADER);
  for (let i = 0; i < payloads.length; i++) {
    const payload = payloads[i]!;
    const cell = buildLocalCell(usable, payload) ?? (await buildCell(pager, payload));
    if (leaf.bytes + cell.length + 2 <= usable) {
      leaf.cells.push(cell);
      leaf.bytes += cell.length + 2;
      continue;
    }
    let up = cell;
    let next: Uint8Array[] = [];
    if (i === payloads.length - 1) {
      // The last entry: the leaf's own last cell goes up, so the last leaf is not empty.
      up = leaf.cells.pop()!;
      leaf.bytes -= up.length + 2;
      next = [cell];
    }
    children.push(await write(leaf, PageType.IndexLeaf, 0, false));
    dividers.push(up);
    leaf = openNode(LEAF_HEADER);
    for (const c of next) {
      leaf.cells.push(c);
      leaf.bytes += c.length + 2;
    }
  }
  children.push(await write(leaf, PageType.IndexLeaf, 0, children.length === 0));

  // Upper levels, until one node is left (it was written to the root).
  while (children.length > 1) {
    const nextChildren: number[] = [];
    const nextDividers: Uint8Array[] = [];
    let node = openNode(INTERIOR_HEADER);
    for (let i = 0; i < dividers.length; i++) {
      const source = dividers[i]!;
      const cell = toInteriorIndexCell(source, children[i]!, usable, root);
      if (node.bytes + cell.length + 2 <= usable) {
        node.cells.push(cell);
        node.sources.push(source);
        node.bytes += cell.length + 2;
        continue;
      }
      let upSource = source;
      let right = children[i]!;
      let carry: { cell: Uint8Array; source: Uint8Array } | undefined;
      if (i === dividers.length - 1) {
        // The last divider: the node's last cell goes up instead (its left child becomes the
        // node's right child), and this divider opens the next node.
        const popped = node.cells.pop()!;
        node.bytes -= popped.length + 2;
        upSource = node.sources.pop()!;
        right = readU32(popped, 0);
        carry = { cell, source };
      }
      nextChildren.push(await write(node, PageType.IndexInterior, right, false));
      nextDividers.push(upSource);
      node = openNode(INTERIOR_HEADER);
      if (carry !== undefined) {
        node.cells.push(carry.cell);
        node.sources.push(carry.source);
        node.bytes += carry.cell.length + 2;
      }
    }
    const isRoot = nextChildren.length === 0;
    nextChildren.push(await write(node, PageType.IndexInterior, children[children.length - 1]!, isRoot));
    children = nextChildren;
    dividers = nextDividers;
  }
}
