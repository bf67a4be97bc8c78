/** Sorting result rows: ORDER BY keys with their collations and NULLS FIRST/LAST, and a bounded sorted buffer. */
import type { Value } from '../value.js';
import { compareForSort } from './expr-api.js';

export interface SortKey {
  readonly desc: boolean;
  readonly nulls: 'FIRST' | 'LAST' | undefined;
  readonly collation: string;
}

export function compareKeys(keys: readonly SortKey[], a: readonly Value[], b: readonly Value[]): number {
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (k.nulls !== undefined && (x === null) !== (y === null)) {
      return (x === null) === (k.nulls === 'FIRST') ? -1 : 1;
    }
    let c = compareForSort(x, y, k.collation);
    if (k.desc) c = -c;
    if (c !== 0) return c;
  }
  return 0;
}

// ── Compiling ────────────────────────────────────────────────────────────────────────────

/**
 * Keeps rows in sorted order (stably). With `cap`, only the first `cap` rows of the sorted
 * order are kept while adding (ORDER BY … LIMIT holds LIMIT + OFFSET rows, not the whole input).
 */
export class TopRows<T> {
  private readonly out: T[] = [];
  constructor(
    private readonly cmp: (a: T, b: T) => number,
    private readonly cap: number | undefined,
  ) {}

  /** Always true (a sink that never stops the input). */
  add(r: T): true {
    const { out, cap, cmp } = this;
    if (cap === undefined) {
      out.push(r);
      return true;
    }
    if (out.length === cap && cmp(r, out[out.length - 1]!) >= 0) return true;
    // Insert after every row that sorts before or equal to it (stable).
    let lo = 0;
    let hi = out.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp(out[mid]!, r) <= 0) lo = mid + 1;
      else hi = mid;
    }
    out.splice(lo, 0, r);
    if (out.length > cap) out.pop();
    return true;
  }

  rows(): T[] {
    return this.cap === undefined ? this.out.sort(this.cmp) : this.out;
  }
}
