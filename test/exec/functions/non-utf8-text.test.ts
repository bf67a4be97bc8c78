/**
 * Text that is not UTF-8 (any bytes CAST to TEXT) through SQLite's text functions, against
 * sql.js: the answers are compared as hex() of the result, so they are the stored bytes, not
 * their decoding. length() counts as SQLite counts (a byte ≥ 0x80 takes the continuation
 * bytes after it); substr() cuts and instr() counts characters on the bytes as SQLite does;
 * concatenation, replace, trim, upper/lower, comparisons, quote() and CAST back to BLOB keep
 * every byte; indexes on such text (CREATE INDEX's sort, inserts, UPDATE of another column)
 * stay in SQLite's byte order (sqlite3's integrity_check).
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../../../src/api/database.js';
import { integrityCheck, sqlite3, tempDir } from '../../support/sqlite3.js';
import { ours, sameOutcome, show, theirs } from '../expr/oracle.js';

const tmp = tempDir('s3lite-non-utf8');
afterAll(tmp.cleanup);

const hexLiteral = (b: Uint8Array): string => `x'${Buffer.from(b).toString('hex')}'`;

/** Bytes without NUL (text stops there in some SQLite functions): mostly invalid UTF-8. */
const bytes = fc.uint8Array({ minLength: 0, maxLength: 8, min: 1, max: 0xff });
const text = bytes.map((b) => `CAST(${hexLiteral(b)} AS TEXT)`);

const EXPRESSIONS: ((a: string, b: string) => string)[] = [
  (a) => `length(${a})`,
  (a) => `hex(${a})`,
  (a, b) => `hex(${a} || ${b})`,
  (a) => `hex(upper(${a}))`,
  (a) => `hex(lower(${a}))`,
  (a) => `hex(trim(${a}, 'a'))`,
  (a, b) => `hex(replace(${a}, ${b}, 'x'))`,
  (a, b) => `${a} < ${b}`,
  (a, b) => `${a} = ${b}`,
  (a) => `hex(CAST(${a} AS BLOB))`,
  (a) => `typeof(${a})`,
  (a) => `hex(quote(${a}))`,
  (a) => `hex(substr(${a}, 2))`,
  (a) => `hex(substr(${a}, -3, 2))`,
  (a) => `hex(substr(${a}, 3, -2))`,
  (a, b) => `instr(${a}, ${b})`,
  (a, b) => `instr(${a} || ${b}, ${b})`,
  (a, b) => `instr(${b} || ${a}, substr(${a}, 2, 2))`,
];

describe('text that is not UTF-8, as SQLite handles it', () => {
  it('functions and operators over random bytes CAST to TEXT answer as sql.js', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: EXPRESSIONS.length - 1 }), text, text, async (i, a, b) => {
        const sql = EXPRESSIONS[i]!(a, b);
        const mine = ours(sql);
        const ref = await theirs(sql);
        if (!sameOutcome(mine, ref)) throw new Error(`${sql}\n  ours:   ${show(mine)}\n  sqlite: ${show(ref)}`);
      }),
      { numRuns: 1500 },
    );
  });
});

describe('indexes and rows of text that is not UTF-8', () => {
  it('keep the bytes and SQLite\'s byte order through CREATE INDEX, INSERT, UPDATE and DELETE', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(bytes, { minLength: 1, maxLength: 60 }), fc.array(bytes, { maxLength: 30 }), async (first, later) => {
        const path = join(tmp.dir, `t${n++}.sqlite`);
        const values = (list: Uint8Array[], from: number): string =>
          list.map((b, i) => `(${from + i}, CAST(${hexLiteral(b)} AS TEXT), 0)`).join(', ');
        sqlite3(path, `CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, n INT); INSERT INTO t VALUES ${values(first, 1)};`);
        const db = await Database.open(path, { readonly: false });
        try {
          await db.run('CREATE INDEX t_name ON t(name)');
          if (later.length > 0) await db.run(`INSERT INTO t VALUES ${values(later, 1000)}`);
          await db.run('UPDATE t SET n = n + 1');
          await db.run('DELETE FROM t WHERE id % 4 = 0');
        } finally {
          await db.close();
        }
        expect(integrityCheck(path)).toBe('ok');
        const expected = [...first.map((b, i) => [i + 1, b] as const), ...later.map((b, i) => [1000 + i, b] as const)]
          .filter(([id]) => id % 4 !== 0)
          .map(([id, b]) => `${id}|${Buffer.from(b).toString('hex').toUpperCase()}|1`);
        expect(sqlite3(path, 'SELECT id, hex(name), n FROM t ORDER BY id;').trim().split('\n').filter((l) => l !== '')).toEqual(expected);
        // The index's order is SQLite's (memcmp of the bytes): a scan through it equals a sort by sqlite3.
        expect(sqlite3(path, 'SELECT id FROM t INDEXED BY t_name ORDER BY name, id;')).toBe(sqlite3(path, 'SELECT id FROM t NOT INDEXED ORDER BY CAST(name AS BLOB), id;'));
      }),
      { numRuns: 25 },
    );
  }, 120_000);
});
