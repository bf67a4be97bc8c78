/**
 * The result of `x IN (SELECT …)`'s subquery, as the executor hands it to a compiled
 * expression through a subquery slot: a hashed set of the subquery's first column with
 * SQLite's IN semantics (https://www.sqlite.org/lang_expr.html#the_in_and_not_in_operators):
 *
 *   has(v) = true   when some member equals v (after the comparison affinity, under the collation)
 *            null   when v is NULL and the set is not empty, or no member equals v but one is NULL
 *            false  otherwise
 *
 * The executor builds it with the comparison affinity (see `comparisonAffinity` of the left
 * operand's and the subquery column's affinities) and the collation
 * (sqlite3BinaryCompareCollSeq of the left operand and the subquery column).
 */
import type { Affinity } from '../../schema/affinity.js';
import type { Value } from '../value.js';
import { applyComparisonAffinity } from './compare.js';

export class ValueSet {
  private readonly keys = new Set<string>();
  private hasNull = false;
  private size = 0;
  readonly affinity: Affinity | undefined;
  readonly collation: 'BINARY' | 'NOCASE' | 'RTRIM';

  constructor(values: Iterable<Value> = [], affinity?: Affinity, collation = 'BINARY') {
    this.affinity = affinity;
    const c = collation.toUpperCase();
    this.collation = c === 'NOCASE' || c === 'RTRIM' ? c : 'BINARY';
    for (const v of values) this.add(v);
  }

  add(v: Value): void {
    this.size++;
    const converted = applyComparisonAffinity(v, this.affinity);
    if (converted === null) this.hasNull = true;
    else this.keys.add(this.keyOf(converted));
  }

  get count(): number {
    return this.size;
  }

  has(v: Value): boolean | null {
    if (this.size === 0) return false;
    if (v === null) return null;
    const converted = applyComparisonAffinity(v, this.affinity) as Exclude<Value, null>;
    if (this.keys.has(this.keyOf(converted))) return true;
    return this.hasNull ? null : false;
  }

  /** A string equal for exactly the values SQLite's comparison calls equal. */
  private keyOf(v: Exclude<Value, null>): string {
    if (typeof v === 'bigint') return `n${v}`;
    if (typeof v === 'number') {
      // An integral finite REAL equals the INTEGER of the same value (compared exactly).
      if (Number.isInteger(v)) return `n${BigInt(v)}`;
      return `r${v}`;
    }
    if (typeof v === 'string') {
      if (this.collation === 'NOCASE') return `t${v.replace(/[A-Z]+/g, (m) => m.toLowerCase())}`;
      if (this.collation === 'RTRIM') return `t${v.replace(/ +$/, '')}`;
      return `t${v}`;
    }
    let hex = 'b';
    for (const byte of v) hex += byte.toString(16).padStart(2, '0');
    return hex;
  }
}
