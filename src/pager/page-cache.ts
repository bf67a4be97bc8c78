/**
 * A byte-budgeted page cache with two pools: interior b-tree pages (0x02, 0x05), which every
 * descent passes through and which are few, and everything else (leaves, overflow, freelist),
 * which a scan streams through. Each pool is an LRU (a Map in recency order); interior pages
 * get half of the budget so that a long scan cannot evict them.
 */

const INTERIOR_SHARE = 0.5;

class LruPool {
  private readonly map = new Map<number, Uint8Array>();
  private bytes = 0;

  constructor(private readonly budget: number) {}

  get(pgno: number): Uint8Array | undefined {
    const page = this.map.get(pgno);
    if (page !== undefined) {
      this.map.delete(pgno);
      this.map.set(pgno, page);
    }
    return page;
  }

  has(pgno: number): boolean {
    return this.map.has(pgno);
  }

  set(pgno: number, page: Uint8Array): void {
    const old = this.map.get(pgno);
    if (old !== undefined) {
      this.bytes -= old.length;
      this.map.delete(pgno);
    }
    this.map.set(pgno, page);
    this.bytes += page.length;
    // Keep at least the page just inserted, even if it alone exceeds the budget.
    while (this.bytes > this.budget && this.map.size > 1) {
      const oldest = this.map.keys().next();
      if (oldest.done === true) break;
      this.delete(oldest.value);
    }
  }

  delete(pgno: number): void {
    const page = this.map.get(pgno);
    if (page !== undefined) {
      this.bytes -= page.length;
      this.map.delete(pgno);
    }
  }

  clear(): void {
    this.map.clear();
    this.bytes = 0;
  }

  get size(): number {
    return this.map.size;
  }

  get byteSize(): number {
    return this.bytes;
  }
}

export class PageCache {
  private readonly interior: LruPool;
  private readonly other: LruPool;

  constructor(readonly budgetBytes: number) {
    const interiorBudget = Math.floor(budgetBytes * INTERIOR_SHARE);
    this.interior = new LruPool(interiorBudget);
    this.other = new LruPool(budgetBytes - interiorBudget);
  }

  get(pgno: number): Uint8Array | undefined {
    return this.interior.get(pgno) ?? this.other.get(pgno);
  }

  /** `typeByte` is the page's b-tree type byte (offset 0, or 100 on page 1). */
  set(pgno: number, page: Uint8Array, typeByte: number): void {
    const isInterior = typeByte === 0x02 || typeByte === 0x05;
    if (isInterior) {
      this.other.delete(pgno);
      this.interior.set(pgno, page);
    } else {
      this.interior.delete(pgno);
      this.other.set(pgno, page);
    }
  }

  delete(pgno: number): void {
    this.interior.delete(pgno);
    this.other.delete(pgno);
  }

  clear(): void {
    this.interior.clear();
    this.other.clear();
  }

  get size(): number {
    return this.interior.size + this.other.size;
  }

  get byteSize(): number {
    return this.interior.byteSize + this.other.byteSize;
  }
}
