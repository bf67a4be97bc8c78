/**
 * SQLite's ordering against real SQLite (sql.js): value-by-value comparison (`<`, `=`),
 * ORDER BY with each collation, and multi-column ORDER BY with DESC against
 * compareRecordToKey over the records SQLite itself wrote — in all three text encodings.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CollationName } from '../../src/record/collation.js';
import { compareBytes, compareNumbers, compareRecordToKey, compareValues } from '../../src/record/compare.js';
import { encodeRecord } from '../../src/record/record.js';
import type { TextEncoding } from '../../src/record/text-encoding.js';
import { encodingArb, integerArb, realArb, textArb, typedArb, type Typed } from './arbitraries.js';
import { ENCODING_NAMES, leafPayloads, loadSqlJs, sqlFor, type SqlJs, type SqlJsDatabase } from './sqlite-oracle.js';
import { show } from './support.js';

let SQL: SqlJs;
beforeAll(async () => {
  SQL = await loadSqlJs();
});

const COLLATIONS: CollationName[] = ['BINARY', 'NOCASE', 'RTRIM'];
const collationArb = fc.constantFrom(...COLLATIONS);

function sign(x: number): number {
  return x < 0 ? -1 : x > 0 ? 1 : 0;
}

/** A database of `encoding` with table t(c0..c{width-1}) holding `rows` at rowids 1..n. */
function makeTable(enc: TextEncoding, width: number, rows: readonly (readonly Typed[])[]): SqlJsDatabase {
  const db = new SQL.Database();
  db.run(`PRAGMA page_size = 65536; PRAGMA encoding = '${ENCODING_NAMES[enc]}'`);
  const cols = Array.from({ length: width }, (_, i) => `c${i}`);
  db.run(`CREATE TABLE t(${cols.join(', ')})`);
  rows.forEach((row, r) => {
    const exprs: string[] = [];
    const params: unknown[] = [r + 1];
    for (const { v, c } of row) {
      const s = sqlFor(v, c);
      exprs.push(s.expr);
      params.push(...s.params);
    }
    db.run(`INSERT INTO t(rowid, ${cols.join(', ')}) VALUES (?, ${exprs.join(', ')})`, params);
  });
  return db;
}

function query(db: SqlJsDatabase, sql: string): unknown[][] {
  const st = db.prepare(sql);
  const out: unknown[][] = [];
  while (st.step()) out.push(st.get());
  st.free();
  return out;
}

/**
 * SQLite's order must be sorted under our comparator: every pair (i before j) compares ≤ 0.
 * Equal-comparing elements may come in any order (ties are compared as a multiset).
 */
function expectSortedUnder(order: number[], cmp: (a: number, b: number) => number, describeRow: (i: number) => string): void {
  for (let i = 0; i < order.length; i++) {
    for (let j = i + 1; j < order.length; j++) {
      const c = cmp(order[i]!, order[j]!);
      if (c > 0) {
        expect.fail(`SQLite puts ${describeRow(order[i]!)} before ${describeRow(order[j]!)}, we say it is greater (${c})`);
      }
    }
  }
}

/** Strings over {NUL, a, A, b, space}: many collisions, so case folding, RTRIM and NOCASE's stop at NUL get exercised. */
const tinyAlphabetText = fc.array(fc.constantFrom('\0', 'a', 'A', 'b', ' '), { maxLength: 5 }).map((a) => a.join(''));

describe('compareValues agrees with SQLite', () => {
  it('pairwise: sign of our comparison equals SQLite’s < and = for every pair (property)', () => {
    fc.assert(
      fc.property(
        encodingArb,
        collationArb,
        fc.array(typedArb({ maxText: 8, maxBlob: 6 }), { minLength: 1, maxLength: 18 }),
        (enc, coll, vals) => {
          const db = makeTable(
            enc,
            1,
            vals.map((t) => [t]),
          );
          try {
            const rows = query(
              db,
              `SELECT a.rowid, b.rowid, a.c0 < b.c0 COLLATE ${coll}, a.c0 IS b.c0 COLLATE ${coll} FROM t a, t b`,
            );
            expect(rows.length).toBe(vals.length * vals.length);
            for (const [ra, rb, lt, eq] of rows) {
              const a = vals[(ra as number) - 1]!;
              const b = vals[(rb as number) - 1]!;
              const ours = sign(compareValues(a.v, a.c, b.v, b.c, coll, enc));
              const label = `${a.c}:${show(a.v)} vs ${b.c}:${show(b.v)} ${coll} enc ${enc}`;
              expect(ours === 0, label).toBe(eq === 1);
              // `<` is NULL when either side is NULL; otherwise it must match.
              if (lt !== null) expect(ours < 0, label).toBe(lt === 1);
            }
          } finally {
            db.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('ORDER BY v COLLATE X sorts like compareValues (property)', () => {
    fc.assert(
      fc.property(
        encodingArb,
        collationArb,
        fc.boolean(),
        fc.array(typedArb({ maxText: 12, maxBlob: 8 }), { minLength: 1, maxLength: 40 }),
        (enc, coll, desc, vals) => {
          const db = makeTable(
            enc,
            1,
            vals.map((t) => [t]),
          );
          try {
            const order = query(db, `SELECT rowid - 1 FROM t ORDER BY c0 COLLATE ${coll} ${desc ? 'DESC' : ''}`).map(
              (r) => r[0] as number,
            );
            expect([...order].sort((x, y) => x - y)).toEqual(vals.map((_, i) => i));
            expectSortedUnder(
              order,
              (i, j) => (desc ? -1 : 1) * compareValues(vals[i]!.v, vals[i]!.c, vals[j]!.v, vals[j]!.c, coll, enc),
              (i) => `${vals[i]!.c}:${show(vals[i]!.v)}`,
            );
          } finally {
            db.close();
          }
        },
      ),
      { numRuns: 80 },
    );
  });

  it('text collations in depth: case, trailing spaces, NULs, UTF-16 byte order', () => {
    fc.assert(
      fc.property(encodingArb, collationArb, fc.array(fc.oneof(textArb(10), tinyAlphabetText), { minLength: 2, maxLength: 25 }), (enc, coll, texts) => {
        const vals: Typed[] = texts.map((v) => ({ v, c: 'text' }));
        const db = makeTable(
          enc,
          1,
          vals.map((t) => [t]),
        );
        try {
          const rows = query(db, `SELECT a.rowid, b.rowid, a.c0 < b.c0 COLLATE ${coll}, a.c0 = b.c0 COLLATE ${coll} FROM t a, t b`);
          for (const [ra, rb, lt, eq] of rows) {
            const a = texts[(ra as number) - 1]!;
            const b = texts[(rb as number) - 1]!;
            const ours = sign(compareValues(a, 'text', b, 'text', coll, enc));
            const label = `${show(a)} vs ${show(b)} ${coll} enc ${enc}`;
            expect(ours === 0, label).toBe(eq === 1);
            expect(ours < 0, label).toBe(lt === 1);
          }
        } finally {
          db.close();
        }
      }),
      { numRuns: 80 },
    );
  });
});

describe('compareRecordToKey agrees with SQLite', () => {
  it('multi-column ORDER BY with collations and DESC, over the records SQLite wrote (property)', () => {
    const setup = fc.record({
      enc: encodingArb,
      width: fc.integer({ min: 1, max: 3 }),
      colls: fc.array(collationArb, { minLength: 3, maxLength: 3 }),
      desc: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
    });
    fc.assert(
      fc.property(
        setup,
        // A small pool per column makes ties in leading columns common, so later columns matter.
        fc.array(fc.array(typedArb({ maxText: 6, maxBlob: 4 }), { minLength: 2, maxLength: 4 }), { minLength: 3, maxLength: 3 }),
        fc.array(fc.array(fc.nat(), { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 30 }),
        ({ enc, width, colls, desc }, pools, picks) => {
          const rows: Typed[][] = picks.map((p) =>
            Array.from({ length: width }, (_, c) => pools[c]![p[c]! % pools[c]!.length]!),
          );
          const db = makeTable(enc, width, rows);
          try {
            const orderBy = Array.from(
              { length: width },
              (_, c) => `c${c} COLLATE ${colls[c]!}${desc[c] ? ' DESC' : ''}`,
            ).join(', ');
            const order = query(db, `SELECT rowid - 1 FROM t ORDER BY ${orderBy}`).map((r) => r[0] as number);
            const payloads = leafPayloads(db.export(), 2); // rowid order = row index
            expect(payloads.length).toBe(rows.length);
            const info = { collations: colls.slice(0, width), desc: desc.slice(0, width), encoding: enc };
            expectSortedUnder(
              order,
              (i, j) =>
                compareRecordToKey(
                  payloads[i]!,
                  rows[j]!.map((t) => t.v),
                  rows[j]!.map((t) => t.c),
                  info,
                ),
              (i) => rows[i]!.map((t) => `${t.c}:${show(t.v)}`).join('|'),
            );
            // A record compares equal to its own values, and to every prefix of them.
            rows.forEach((row, i) => {
              for (let k = 0; k <= width; k++) {
                const key = row.slice(0, k);
                expect(compareRecordToKey(payloads[i]!, key.map((t) => t.v), key.map((t) => t.c), info)).toBe(0);
              }
            });
          } finally {
            db.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('is antisymmetric with its arguments swapped, and honours DESC per column', () => {
    fc.assert(
      fc.property(
        encodingArb,
        fc.array(typedArb({ maxText: 6, maxBlob: 4 }), { minLength: 2, maxLength: 2 }),
        fc.array(typedArb({ maxText: 6, maxBlob: 4 }), { minLength: 2, maxLength: 2 }),
        fc.array(collationArb, { minLength: 2, maxLength: 2 }),
        fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }),
        (enc, a, b, collations, desc) => {
          const pa = encodeRecord(a.map((t) => t.v), enc, a.map((t) => t.c));
          const pb = encodeRecord(b.map((t) => t.v), enc, b.map((t) => t.c));
          const info = { collations, desc, encoding: enc };
          const ab = compareRecordToKey(pa, b.map((t) => t.v), b.map((t) => t.c), info);
          const ba = compareRecordToKey(pb, a.map((t) => t.v), a.map((t) => t.c), info);
          expect(sign(ab) + sign(ba)).toBe(0);
          // The first differing column decides, negated when DESC.
          const c0 = compareValues(a[0]!.v, a[0]!.c, b[0]!.v, b[0]!.c, collations[0]!, enc);
          const c1 = compareValues(a[1]!.v, a[1]!.c, b[1]!.v, b[1]!.c, collations[1]!, enc);
          const expected = c0 !== 0 ? (desc[0] ? -c0 : c0) : desc[1] ? -c1 : c1;
          expect(sign(ab)).toBe(sign(expected));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('numbers and bytes', () => {
  it('compares integers (number or bigint) and reals exactly, −0 equal to 0', () => {
    expect(compareNumbers(-0, 0)).toBe(0);
    expect(compareNumbers(2n ** 53n + 1n, 2 ** 53)).toBe(1);
    expect(compareNumbers(2n ** 63n - 1n, 2 ** 63)).toBe(-1);
    expect(compareNumbers(-(2n ** 63n), -(2 ** 63))).toBe(0);
    expect(compareNumbers(9007199254740993n, 9007199254740992)).toBe(1);
    expect(compareNumbers(-Infinity, -(2n ** 63n))).toBe(-1);
    expect(compareNumbers(Infinity, 2n ** 63n - 1n)).toBe(1);
    fc.assert(
      fc.property(integerArb, realArb, (i, r) => {
        // Reference: exact comparison through the double's floor, computed in bigints.
        if (!Number.isFinite(r)) {
          expect(sign(compareNumbers(i, r))).toBe(r > 0 ? -1 : 1);
          return;
        }
        const floor = BigInt(Math.floor(r));
        const bi = BigInt(i);
        const expected = bi < floor ? -1 : bi > floor ? 1 : Number.isInteger(r) ? 0 : -1;
        expect(sign(compareNumbers(i, r))).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('compares blobs as memcmp with the shorter prefix first', () => {
    expect(compareBytes(Uint8Array.from([1, 2]), Uint8Array.from([1, 2, 0]))).toBeLessThan(0);
    expect(compareBytes(Uint8Array.from([2]), Uint8Array.from([1, 255]))).toBeGreaterThan(0);
    expect(compareBytes(new Uint8Array(0), new Uint8Array(0))).toBe(0);
  });
});
