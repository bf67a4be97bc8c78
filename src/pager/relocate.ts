/**
 * Moving a page of an auto-vacuum database to another page number (SQLite's relocatePage):
 * its content goes to `to` (a page the caller allocated); the pages it points to get it as
 * their new parent in the pointer map; the page that pointed to it (its pointer-map parent)
 * points to `to` instead, and `to`'s entry says so. A root page has no parent pointer: the
 * caller changes whatever names it (sqlite_schema's rootpage, the header).
 */
import { readU32 } from '../format/bytes.js';
import { PtrmapType } from '../format/ptrmap.js';
import { modifyPagePointer } from './page-pointers.js';
import type { Pager } from './pager.js';
import { ptrmapPut } from './ptrmap-io.js';
import { setChildPtrmaps } from './ptrmap-sync.js';

export async function relocatePage(pager: Pager, from: number, type: PtrmapType, parent: number, to: number): Promise<void> {
  const src = pager.peekPage(from) ?? (await pager.getPage(from));
  const dst = await pager.getWritable(to);
  dst.set(src);
  if (type === PtrmapType.Btree || type === PtrmapType.RootPage) {
    await setChildPtrmaps(pager, to);
  } else {
    const next = readU32(dst, 0);
    if (next !== 0) await ptrmapPut(pager, next, PtrmapType.Overflow2, to);
  }
  if (type !== PtrmapType.RootPage) {
    const parentPage = await pager.getWritable(parent);
    modifyPagePointer(parentPage, parent, pager.usableSize, from, to, type);
    await ptrmapPut(pager, to, type, parent);
  }
}
