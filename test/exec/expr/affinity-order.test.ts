/**
 * Column affinity on store (applyAffinityValue and the record-level applyAffinity) and the
 * ORDER BY order (compareForSort) against SQLite (sql.js).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sqljs } from '../../support/sqljs.js';
import { applyAffinityValue, castValue, compareForSort, valueToText } from '../../../src/exec/expr/compile.js';
import { applyAffinity } from '../../../src/exec/apply-affinity.js';
import type { Affinity } from '../../../src/schema/affinity.js';
import { fromStored, storageClassOf, type Value } from '../../../src/exec/value.js';
import { ours, sameValue } from './oracle.js';

const LITERALS = [
  '1', '-1', '0', '9223372036854775807', '-9223372036854775808', '1.0', '-0.0', '2.5', '1e20', '1e300', '9e999', '0.1', '1e15',
  '123456789012345.6', "'1'", "' 1 '", "'1.0'", "'1e5'", "'-0.0'", "'abc'", "''", "'12abc'", "'9223372036854775807'", "'9223372036854775808'",
  "'0x10'", "'1.5e+3'", "'.5'", "'5.'", "'+7'", "x'31'", "x''", 'NULL', "'1e400'", "'-9223372036854775809'", "'4503599627370497'",
];
const AFFINITIES: Array<{ decl: string; affinity: Affinity }> = [
  { decl: 'INTEGER', affinity: 'INTEGER' },
  { decl: 'REAL', affinity: 'REAL' },
  { decl: 'NUMERIC', affinity: 'NUMERIC' },
  { decl: 'TEXT', affinity: 'TEXT' },
  { decl: 'BLOB', affinity: 'BLOB' },
];

interface Db {
  exec(sql: string): Array<{ values: unknown[][] }>;
  prepare(sql: string): { step(): boolean; get(p: null, c: { useBigInt: boolean }): unknown[]; free(): void };
  close(): void;
}

async function openDb(): Promise<Db> {
  const SQL = await sqljs();
  return new (SQL.Database as unknown as new () => Db)();
}

function decode(v: unknown, cls: string): Value {
  if (cls === 'null') return null;
  if (cls === 'integer') return BigInt(v as bigint);
  if (cls === 'real') return Number(v);
  return v as string | Uint8Array;
}

describe('column affinity agrees with SQLite', () => {
  it('every literal stored into every affinity', async () => {
    const db = await openDb();
    try {
      db.exec(`CREATE TABLE t(${AFFINITIES.map((a, i) => `c${i} ${a.decl}`).join(', ')})`);
      const failures: string[] = [];
      for (const lit of LITERALS) {
        db.exec('DELETE FROM t');
        db.exec(`INSERT INTO t VALUES (${AFFINITIES.map(() => lit).join(', ')})`);
        const st = db.prepare(`SELECT ${AFFINITIES.map((_a, i) => `c${i}, typeof(c${i})`).join(', ')} FROM t`);
        st.step();
        const raw = st.get(null, { useBigInt: true });
        st.free();
        const input = ours(lit);
        if (!input.ok) throw new Error(input.error);
        AFFINITIES.forEach((a, i) => {
          const expected = decode(raw[2 * i], raw[2 * i + 1] as string);
          const got = applyAffinityValue(input.value, a.affinity);
          if (storageClassOf(got) !== raw[2 * i + 1] || !sameValue(got, expected)) {
            failures.push(`${lit} into ${a.decl}: ours ${String(got)} (${storageClassOf(got)}), sqlite ${String(expected)} (${String(raw[2 * i + 1])})`);
          }
          // The record-level form used by the read API gives the same answer.
          const pub = input.value;
          const legacy = applyAffinity(
            typeof pub === 'bigint' && Number.isSafeInteger(Number(pub)) ? Number(pub) : pub,
            storageClassOf(pub),
            a.affinity,
          );
          const back = fromStored(legacy.value, legacy.storageClass);
          if (!sameValue(back, got) || storageClassOf(back) !== storageClassOf(got)) failures.push(`applyAffinity(${lit}, ${a.decl}) differs`);
        });
      }
      expect(failures.join('\n')).toBe('');
    } finally {
      db.close();
    }
  });

  it('CAST and valueToText match SQLite on the same literals', async () => {
    const db = await openDb();
    try {
      const failures: string[] = [];
      for (const lit of LITERALS) {
        const input = ours(lit);
        if (!input.ok) throw new Error(input.error);
        for (const type of ['INTEGER', 'REAL', 'NUMERIC', 'TEXT', 'BLOB', '']) {
          const st = db.prepare(`SELECT CAST(${lit} AS ${type === '' ? '""' : type}), typeof(CAST(${lit} AS ${type === '' ? '""' : type}))`);
          st.step();
          const [v, t] = st.get(null, { useBigInt: true });
          st.free();
          const expected = decode(v, t as string);
          const got = castValue(input.value, type);
          if (storageClassOf(got) !== t || !sameValue(got, expected)) failures.push(`CAST(${lit} AS ${type}): ours ${String(got)}, sqlite ${String(expected)}`);
        }
        const st = db.prepare(`SELECT CAST(${lit} AS TEXT)`);
        st.step();
        const [text] = st.get(null, { useBigInt: true });
        st.free();
        if (valueToText(input.value) !== text) failures.push(`valueToText(${lit}): ${valueToText(input.value)} vs ${String(text)}`);
      }
      expect(failures.join('\n')).toBe('');
    } finally {
      db.close();
    }
  });

  it('compareForSort orders like ORDER BY under each collation', async () => {
    const pool = [...LITERALS, "'ABC'", "'abc '", "'b'", "'B'", "x'00'", "x'0000'", '2', '1.5', "'é'", "'E'"];
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...pool), { minLength: 2, maxLength: 12 }), fc.constantFrom('BINARY', 'NOCASE', 'RTRIM'), async (lits, coll) => {
        const db = await openDb();
        try {
          db.exec('CREATE TABLE s(k INTEGER PRIMARY KEY, v)');
          lits.forEach((l, i) => db.exec(`INSERT INTO s VALUES (${i}, ${l})`));
          const res = db.exec(`SELECT k FROM s ORDER BY v COLLATE ${coll}, k`);
          const expected = (res[0]?.values ?? []).map((r) => Number(r[0]));
          const values = lits.map((l) => {
            const o = ours(l);
            if (!o.ok) throw new Error(o.error);
            return o.value;
          });
          const got = values.map((_v, i) => i).sort((a, b) => compareForSort(values[a]!, values[b]!, coll) || a - b);
          expect(got).toEqual(expected);
        } finally {
          db.close();
        }
      }),
      { numRuns: 150 },
    );
  });
});
