/**
 * CREATE INDEX sorts entries by comparing record bytes and numeric prefix keys (index-sorter.ts,
 * entry-sort.ts) instead of decoded values: this property pins that order to SQLite's over
 * values chosen to hit every corner of it — TEXT with non-ASCII characters, embedded NULs,
 * shared prefixes longer than the 12-byte keys and empty strings; INTEGER and REAL mixed in one
 * column (1 = 1.0, 2^53 + 1 against 2^53 as a REAL, ±2^63, -0.0); NULL < numbers < TEXT <
 * BLOB; NOCASE and RTRIM; DESC columns; several columns; UNIQUE (its message); partial and
 * expression indexes (on TEXT: a REAL's text differs between the two SQLite versions); keys that overflow their page; rows inserted in the same transaction just
 * before (dirty pages). sqlite3 reads every entry back out of each index and must find what it
 * finds in a copy where it built the indexes itself, with the same pages and unused bytes, and
 * the file must pass PRAGMA integrity_check.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { Database } from '../../../src/api/database.js';
import { integrityCheck, sqlite3, tempDir } from '../../support/sqlite3.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

type V = null | { readonly int: bigint } | { readonly real: number } | { readonly text: string } | { readonly blob: Uint8Array };

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** A literal sqlite3 reads as exactly this value (TEXT through its UTF-8 bytes, so NULs survive the shell). */
function lit(v: V): string {
  if (v === null) return 'NULL';
  if ('int' in v) return v.int.toString();
  if ('real' in v) {
    if (Object.is(v.real, -0)) return '-0.0';
    return Number.isFinite(v.real) ? v.real.toExponential(17).replace('e+', 'e') : v.real > 0 ? '9e999' : '-9e999';
  }
  if ('text' in v) return `CAST(x'${hex(new TextEncoder().encode(v.text))}' AS TEXT)`;
  return `x'${hex(v.blob)}'`;
}

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 10 }),
  fc.constantFrom('', 'a', 'A', 'a\0', 'a\0b', 'a ', 'a  ', 'abc', 'ABC', 'é', 'É', 'z', '\u{10000}', '\u07ff'),
  // Shared prefixes past the sort keys' 12 bytes, case variants and trailing spaces after them.
  fc
    .tuple(fc.constantFrom('name ', 'prefix-common-', 'PREFIX-common-', 'xxxxxxxxxxxxxxx'), fc.string({ unit: 'binary', maxLength: 6 }), fc.constantFrom('', ' ', '  ', '\0'))
    .map(([p, s, t]) => p + s + t),
  // Keys that overflow a 512- or 1024-byte page.
  fc.tuple(fc.integer({ min: 100, max: 1500 }), fc.constantFrom('a', 'B', 'é')).map(([n, c]) => 'k'.repeat(n) + c),
);
const int = fc.oneof(
  fc.integer({ min: -300, max: 300 }).map(BigInt),
  fc.constantFrom(2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 47n, -(2n ** 47n) - 1n),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
);
const real = fc.oneof(fc.double({ noNaN: true }), fc.constantFrom(1, 0, -0, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1.5, -1.5, 9.2e18, 2 ** 63, -(2 ** 63), 1e300));
const blob = fc.oneof(fc.uint8Array({ maxLength: 14 }), fc.constantFrom(Uint8Array.of(0x61), Uint8Array.of(0x61, 0), new Uint8Array(0), new Uint8Array(700).fill(9)));
const value: fc.Arbitrary<V> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 3, arbitrary: int.map((v) => ({ int: v })) },
  { weight: 3, arbitrary: real.map((v) => ({ real: v })) },
  { weight: 5, arbitrary: text.map((v) => ({ text: v })) },
  { weight: 2, arbitrary: blob.map((v) => ({ blob: v })) },
);
/** Mostly TEXT, for the columns the one-column fast path reads. */
const mostlyText: fc.Arbitrary<V> = fc.oneof({ weight: 6, arbitrary: text.map((v) => ({ text: v })) }, { weight: 1, arbitrary: value });

/** [name, CREATE statement, the index's key expressions, extra WHERE] */
const INDEXES: readonly (readonly [string, string, readonly string[], string])[] = [
  ['i_a', 'CREATE INDEX i_a ON t(a)', ['a'], ''],
  ['i_b', 'CREATE INDEX i_b ON t(b)', ['b'], ''],
  ['i_e', 'CREATE INDEX i_e ON t(e)', ['e'], ''],
  ['i_ad', 'CREATE INDEX i_ad ON t(a DESC)', ['a'], ''],
  ['i_bn', 'CREATE INDEX i_bn ON t(b COLLATE NOCASE)', ['b'], ''],
  ['i_br', 'CREATE INDEX i_br ON t(b COLLATE RTRIM DESC)', ['b'], ''],
  ['i_ca', 'CREATE INDEX i_ca ON t(c, a DESC)', ['c', 'a'], ''],
  ['i_de', 'CREATE INDEX i_de ON t(d DESC, e)', ['d', 'e'], ''],
  ['i_an', 'CREATE INDEX i_an ON t(a COLLATE NOCASE DESC, b)', ['a', 'b'], ''],
  ['i_ep', 'CREATE INDEX i_ep ON t(e) WHERE e IS NOT NULL', ['e'], ' AND e IS NOT NULL'],
  ['i_x', "CREATE INDEX i_x ON t(b || '~')", ["b || '~'"], ''],
  ['i_id', 'CREATE INDEX i_id ON t(id DESC)', ['id'], ''],
];
const UNIQUE = ['CREATE UNIQUE INDEX u_a ON t(a)', 'CREATE UNIQUE INDEX u_bc ON t(b COLLATE NOCASE, c)', 'CREATE UNIQUE INDEX u_e ON t(e DESC)'];

/** Every entry of every index in index order (as sqlite3 walks it), each field as its class and bytes. */
const PROBE = INDEXES.map(([name, , keys, where]) => {
  const fields = keys.map((k) => `typeof(${k}), hex(${k})`).join(', ');
  return `SELECT '${name}', ${fields}, rowid FROM t INDEXED BY ${name} WHERE (${keys[0]} IS NULL OR ${keys[0]} IS NOT NULL)${where};`;
}).join('\n');
const SHAPE = "SELECT name, count(*), sum(unused), sum(ncell) FROM dbstat WHERE name IN (SELECT name FROM sqlite_schema WHERE type = 'index') GROUP BY name ORDER BY name;";

/** SQLite's UNIQUE failure message, or 'ok'. */
function sqliteUnique(path: string, sql: string): string {
  try {
    sqlite3(path, `${sql};`);
    return 'ok';
  } catch (e) {
    return /UNIQUE constraint failed: [^\n]*?(?= \(\d+\)|\n|$)/.exec(String((e as Error).message))?.[0] ?? String(e);
  }
}

describe('CREATE INDEX orders entries as SQLite does', () => {
  it('over mixed classes, collations, DESC, several columns, UNIQUE, partial and expression indexes, overflow, dirty pages', async () => {
    const row = fc.tuple(value, mostlyText, value, value, value);
    // Rows our engine inserts (in the transaction of the indexes): no REAL into the TEXT column,
    // whose conversion to text follows SQLite 3.47 here and 3.40 in the sqlite3 shell (format-real.ts).
    const laterRow = row.map(([a, b, c, d, e]): V[] => [a, b !== null && 'real' in b ? { text: String(b.real) } : b, c, d, e]);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(512, 1024, 4096),
        fc.array(row, { maxLength: 250 }),
        fc.array(laterRow, { maxLength: 40 }),
        async (pageSize, rows, later) => {
          const { dir, cleanup } = tempDir('s3lite-index-order');
          cleanups.push(cleanup);
          const ours = join(dir, 'ours.sqlite');
          const theirs = join(dir, 'theirs.sqlite');
          const insert = (r: readonly V[]): string => `INSERT INTO t(a, b, c, d, e) VALUES (${r.map(lit).join(', ')});`;
          sqlite3(ours, `PRAGMA page_size=${pageSize}; CREATE TABLE t(id INTEGER PRIMARY KEY, a, b TEXT, c NUMERIC, d REAL, e INTEGER);\nBEGIN;\n${rows.map(insert).join('\n')}\nCOMMIT;`);
          copyFileSync(ours, theirs);
          // The later rows go in in the same transaction as the indexes: CREATE INDEX reads
          // their leaves from the dirty pages.
          const script = `BEGIN;\n${later.map(insert).join('\n')}\n${INDEXES.map(([, sql]) => `${sql};`).join('\n')}\nCOMMIT;`;
          sqlite3(theirs, script);
          const db = await Database.open(ours, { readonly: false });
          await db.exec(script);
          for (const sql of UNIQUE) {
            const mine = await db.run(sql).then(
              () => 'ok',
              (e: unknown) => (e as Error).message,
            );
            expect(mine, sql).toBe(sqliteUnique(theirs, sql));
          }
          expect(await db.check()).toEqual([]);
          await db.close();
          expect(integrityCheck(ours)).toBe('ok');
          expect(sqlite3(ours, PROBE)).toBe(sqlite3(theirs, PROBE));
          expect(sqlite3(ours, SHAPE)).toBe(sqlite3(theirs, SHAPE));
        },
      ),
      { numRuns: 30 },
    );
  });
});
