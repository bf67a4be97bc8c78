/**
 * Row values from subqueries (https://www.sqlite.org/rowvalue.html), as the executor hands
 * them to compiled expressions through subquery slots:
 *
 * - `RowValue`: the first row of `(a, b) = (SELECT x, y …)`'s subquery (all NULL when it has
 *   no row);
 * - `RowSet`: the rows of `(a, b) IN (SELECT x, y …)`'s subquery, with IN's three-valued
 *   answer: true when some row equals the left row member by member (each member under its
 *   comparison affinity and collation), NULL when none does but some row might (a member
 *   comparison is NULL and the others are not false), false otherwise.
 */
import type { Affinity } from '../../schema/affinity.js';
import type { Value } from '../value.js';
import { compareOperands } from './compare.js';
import { groupKeyOf } from './row-key.js';

export class RowValue {
  constructor(readonly values: readonly Value[]) {}
}

export class RowSet {
  private readonly rows: (readonly Value[])[] = [];
  /** Keys of the rows without NULLs (exact matches are found without a scan). */
  private readonly keys = new Set<string>();
  private readonly withNull: (readonly Value[])[] = [];

  constructor(
    private readonly affinities: readonly (Affinity | undefined)[],
    private readonly collations: readonly string[],
  ) {}

  add(r: readonly Value[]): void {
    this.rows.push(r);
    const key = groupKeyOf(r, this.affinities, this.collations);
    if (key === undefined) this.withNull.push(r);
    else this.keys.add(key);
  }

  has(v: readonly Value[]): boolean | null {
    if (this.rows.length === 0) return false;
    const key = groupKeyOf(v, this.affinities, this.collations);
    if (key !== undefined) {
      if (this.keys.has(key)) return true;
      // Only a row with a NULL can still make the answer NULL.
      return this.scan(v, this.withNull);
    }
    return this.scan(v, this.rows);
  }

  private scan(v: readonly Value[], rows: readonly (readonly Value[])[]): boolean | null {
    let maybe = false;
    for (const r of rows) {
      let eq: boolean | null = true;
      for (let i = 0; i < v.length && eq !== false; i++) {
        const d = compareOperands(v[i] ?? null, r[i] ?? null, this.affinities[i], this.collations[i] ?? 'BINARY');
        if (d === null) eq = null;
        else if (d !== 0) eq = false;
      }
      if (eq === true) return true;
      if (eq === null) maybe = true;
    }
    return maybe ? null : false;
  }
}
