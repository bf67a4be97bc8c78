/**
 * A key for a row of values that is equal for exactly the rows SQLite's `=` calls equal,
 * member by member (after each member's comparison affinity, under its collation); undefined
 * when a member is NULL (then `=` is not true, and no key can say so).
 */
import type { Affinity } from '../../schema/affinity.js';
import type { Value } from '../value.js';
import { applyComparisonAffinity } from './compare.js';

export function groupKeyOf(values: readonly Value[], affinities: readonly (Affinity | undefined)[], collations: readonly string[]): string | undefined {
  const parts: string[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = applyComparisonAffinity(values[i] ?? null, affinities[i]);
    if (v === null) return undefined;
    parts.push(part(v, (collations[i] ?? 'BINARY').toUpperCase()));
  }
  return JSON.stringify(parts);
}

function part(v: Exclude<Value, null>, collation: string): string {
  if (typeof v === 'bigint') return `n${v}`;
  if (typeof v === 'number') return Number.isInteger(v) ? `n${BigInt(v)}` : `r${v}`;
  if (typeof v === 'string') {
    if (collation === 'NOCASE') return `t${v.replace(/[A-Z]+/g, (m) => m.toLowerCase())}`;
    if (collation === 'RTRIM') return `t${v.replace(/ +$/, '')}`;
    return `t${v}`;
  }
  let hex = 'b';
  for (const byte of v) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
