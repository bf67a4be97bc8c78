/**
 * Comparing executor values: SQLite's sort order (NULL < numbers < TEXT < BLOB), collations,
 * and the affinity conversions a comparison operator applies first
 * (https://www.sqlite.org/datatype3.html §4.1–§4.2, §7.1).
 */
import type { Affinity } from '../../schema/affinity.js';
import { compareText, resolveCollation, type CollationName } from '../../record/collation.js';
import { compareBytes } from '../../record/compare.js';
import { UTF8, type TextEncoding } from '../../record/text-encoding.js';
import type { Value } from '../value.js';
import { numericAffinityText, valueToText } from './value-ops.js';

function rank(v: Value): number {
  if (v === null) return 0;
  switch (typeof v) {
    case 'bigint':
    case 'number':
      return 1;
    case 'string':
      return 2;
    default:
      return 3;
  }
}

/** ORDER BY / GROUP BY / DISTINCT ordering of two values; `collation` applies to TEXT pairs. */
export function compareForSort(a: Value, b: Value, collation: string): number {
  return compareValuesIn(a, b, collationName(collation), UTF8);
}

/**
 * SQLite's order of two values as a database of `encoding` stores them (BINARY compares the
 * encoded bytes: UTF-16 text orders differently from UTF-8).
 */
export function compareValuesIn(a: Value, b: Value, collation: CollationName, encoding: TextEncoding): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return (a as number | bigint) < (b as number | bigint) ? -1 : (a as number | bigint) > (b as number | bigint) ? 1 : 0;
    case 2:
      return compareText(a as string, b as string, collation, encoding);
    default:
      return compareBytes(a as Uint8Array, b as Uint8Array);
  }
}

function collationName(c: string): CollationName {
  return c === 'BINARY' || c === 'NOCASE' || c === 'RTRIM' ? c : resolveCollation(c);
}

/** Equality as DISTINCT / GROUP BY see it: NULLs are equal to each other. */
export function valuesEqualForDistinct(a: Value, b: Value, collation: string): boolean {
  return compareForSort(a, b, collation) === 0;
}

/**
 * sqlite3CompareAffinity for two operand affinities (undefined = no affinity): the affinity the
 * comparison applies to both operands; undefined means "compare as they are".
 */
export function comparisonAffinity(a: Affinity | undefined, b: Affinity | undefined): Affinity | undefined {
  if (a !== undefined && b !== undefined) {
    return isNumericAffinity(a) || isNumericAffinity(b) ? 'NUMERIC' : undefined;
  }
  const one = a ?? b;
  if (one === undefined || one === 'BLOB') return undefined;
  return isNumericAffinity(one) ? 'NUMERIC' : one;
}

export function isNumericAffinity(a: Affinity): boolean {
  return a === 'NUMERIC' || a === 'INTEGER' || a === 'REAL';
}

/** What a comparison operator does to one operand under the comparison affinity. */
export function applyComparisonAffinity(v: Value, affinity: Affinity | undefined): Value {
  if (affinity === undefined || v === null) return v;
  if (affinity === 'TEXT') return typeof v === 'bigint' || typeof v === 'number' ? valueToText(v) : v;
  if (typeof v === 'string') return numericAffinityText(v, false);
  return v;
}

/** `a <op> b` after affinity: <0, 0, >0, or null when either is NULL. */
export function compareOperands(a: Value, b: Value, affinity: Affinity | undefined, collation: string): number | null {
  if (a === null || b === null) return null;
  return compareForSort(applyComparisonAffinity(a, affinity), applyComparisonAffinity(b, affinity), collation);
}
