/** Equality for SqlValues that tells −0 from 0 and compares bytes by content. */
import type { SqlValue } from '../../src/record/value.js';

export function sameValue(a: SqlValue, b: SqlValue): boolean {
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  return Object.is(a, b);
}

export function show(v: SqlValue): string {
  if (v instanceof Uint8Array) return `x'${Array.from(v, (x) => x.toString(16).padStart(2, '0')).join('')}'`;
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v);
  return Object.is(v, -0) ? '-0' : String(v);
}
