/**
 * The inspection commands as a user runs them (child process): schema, tables, rows (table, CSV,
 * JSON Lines), pages — checked against the sqlite3 shell and sql.js. The JSON output is read back
 * with a parser that keeps big integers and must reproduce every value and storage class exactly.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { isInteger, parse } from 'lossless-json';
import { afterAll, describe, expect, it } from 'vitest';
import type { SqlValue } from '../../src/record/value.js';
import { buildWithSqlJs, exactLiteral, typedQuery } from '../support/sqljs.js';
import { sqlite3, tempDir } from '../support/sqlite3.js';
import { runCli } from './support.js';

const FIXTURE = 'fixtures/sample.sqlite';
const { dir, cleanup } = tempDir('s3lite-read-cli');
afterAll(cleanup);

/** JSON Lines → rows, integers as bigint (all 64 bits), reals as number, blobs as Uint8Array. */
function parseJsonLines(text: string): unknown[][] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) =>
      (parse(line, null, (s: string) => (isInteger(s) ? BigInt(s) : Number(s))) as unknown[]).map((v) =>
        typeof v === 'object' && v !== null && 'blob' in v ? Uint8Array.from(Buffer.from(String((v as { blob: string }).blob), 'hex')) : v,
      ),
    );
}

/** What the JSON must say for a value SQLite returned with its storage class. */
function expectedJson(value: SqlValue, storageClass: string): unknown {
  if (storageClass === 'integer') return BigInt(value as number | bigint);
  if (storageClass === 'real') return Number(value);
  return value;
}

describe('s3lite schema / tables / pages', () => {
  it('schema prints exactly the stored CREATE statements', () => {
    const result = runCli(['schema', FIXTURE]);
    expect(result.status).toBe(0);
    expect(result.stdout.toString()).toBe(
      sqlite3(FIXTURE, "SELECT sql || ';' FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY rowid;"),
    );
  });

  it('tables lists every table, index and view with SQLite’s row counts', () => {
    const result = runCli(['tables', FIXTURE, '--json']);
    expect(result.status).toBe(0);
    const rows = parseJsonLines(result.stdout.toString());
    const expected = sqlite3(FIXTURE, "SELECT type, name, tbl_name, rootpage FROM sqlite_schema WHERE type != 'trigger' ORDER BY rowid;")
      .trim()
      .split('\n')
      .map((l) => l.split('|'));
    expect(rows.map((r) => [r[0], r[1], r[2], String(r[3])])).toEqual(expected);
    for (const r of rows) {
      if (r[0] === 'table') expect(r[4]).toBe(BigInt(sqlite3(FIXTURE, `SELECT count(*) FROM "${String(r[1])}";`).trim()));
      if (r[0] === 'view') expect(r[4]).toBeNull();
    }
  });

  it('pages accounts for every page as dbstat does', () => {
    const result = runCli(['pages', FIXTURE, '--csv']);
    expect(result.status).toBe(0);
    const lines = result.stdout.toString().trim().split('\r\n');
    expect(lines[0]).toBe('name,table_interior,table_leaf,index_interior,index_leaf,overflow,pages,payload_bytes,unused_bytes');
    const ours = new Map(lines.slice(1).map((l) => l.split(',')).map((f) => [f[0]!, Number(f[6])]));
    const dbstat = sqlite3(FIXTURE, 'SELECT name, count(*) FROM dbstat GROUP BY name;').trim().split('\n');
    for (const line of dbstat) {
      const [name, count] = line.split('|');
      expect(ours.get(name!)).toBe(Number(count));
    }
    const total = [...ours.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(Number(sqlite3(FIXTURE, 'PRAGMA page_count;').trim()));
    expect(result.stderr).toContain('every page accounted for');
  });
});

describe('s3lite rows', () => {
  it('--json round-trips every value and storage class exactly', async () => {
    const value: fc.Arbitrary<SqlValue> = fc.oneof(
      fc.constant(null),
      fc.integer(),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      fc.constantFrom(-(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n + 1n),
      fc.double({ noNaN: true }),
      fc.constantFrom(-0, 2.0, 1e300, 5e-324, Infinity, -Infinity, 0.1),
      fc.string({ unit: 'grapheme', maxLength: 30 }),
      fc.string({ unit: 'binary', maxLength: 30 }),
      fc.uint8Array({ maxLength: 40 }),
    );
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(value, value, value), { minLength: 1, maxLength: 30 }),
        fc.constantFrom('', 'REAL', 'TEXT', 'INTEGER', 'BLOB', 'NUMERIC'),
        async (rows, type) => {
          const statements: Array<{ sql: string; params?: SqlValue[] }> = [{ sql: `CREATE TABLE t (a ${type}, b, c BLOB);` }];
          for (const r of rows) {
            const lits = r.map((v) => exactLiteral(v));
            statements.push({
              sql: `INSERT INTO t VALUES (${lits.map((l) => l.text).join(', ')});`,
              params: lits.filter((l) => l.bind !== undefined).map((l) => l.bind!),
            });
          }
          const bytes = await buildWithSqlJs(statements);
          const path = join(dir, `json-${n++}.sqlite`);
          writeFileSync(path, bytes);
          const result = runCli(['rows', path, 't', '--json']);
          expect(result.stderr).toBe('');
          expect(result.status).toBe(0);
          const expected = (await typedQuery(bytes, 'SELECT a, b, c, typeof(a), typeof(b), typeof(c) FROM t ORDER BY rowid')).map((r) =>
            r.values.map((v, i) => expectedJson(v, r.classes[i]!)),
          );
          const got = parseJsonLines(result.stdout.toString());
          expect(got).toEqual(expected);
          // Reals always carry a '.' or an exponent in the JSON text, so readers can tell 2.0 from 2.
          for (const [i, line] of result.stdout.toString().trim().split('\n').entries()) {
            const texts = line.slice(1, -1);
            const classes = (await typedQuery(bytes, `SELECT typeof(a), typeof(b), typeof(c), 1, 1, 1 FROM t WHERE rowid = ${i + 1}`))[0]!;
            if (classes.values.includes('real')) expect(texts).toMatch(/[.e]/);
          }
        },
      ),
      { numRuns: 12 },
    );
  }, 240_000);

  it('prints a table by default, CSV on request, and honours --limit/--offset', () => {
    const table = runCli(['rows', FIXTURE, 'numbers', '--limit', '2']);
    expect(table.status).toBe(0);
    expect(table.stdout.toString()).toMatch(/│ n +│ r +│ label +│/);
    expect(table.stdout.toString()).toContain('zero');
    const csv = runCli(['rows', FIXTURE, 'orders', '--csv', '--offset', '10', '--limit', '5']);
    expect(csv.status).toBe(0);
    const lines = csv.stdout.toString().trim().split('\r\n');
    expect(lines[0]).toBe('id,customer_id,placed_at,amount_cents,status');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['11', '12', '13', '14', '15']);
  });

  it('refuses virtual tables clearly but reads their shadow tables; unknown tables are errors', () => {
    const path = join(dir, 'fts.sqlite');
    sqlite3(path, "CREATE VIRTUAL TABLE ft USING fts5(body); INSERT INTO ft VALUES ('hello world');");
    const virtual = runCli(['rows', path, 'ft']);
    expect(virtual.status).toBe(1);
    expect(virtual.stderr.trim()).toBe('SQLITE_ERROR: virtual table module fts5 is not supported');
    const shadow = runCli(['rows', path, 'ft_content', '--json']);
    expect(shadow.status).toBe(0);
    expect(shadow.stdout.toString()).toContain('hello world');
    const missing = runCli(['rows', FIXTURE, 'nope']);
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim()).toBe('SQLITE_ERROR: no such table: nope');
  });

  it('reports a corrupt page as SQLITE_CORRUPT naming the page, in one line', () => {
    const bytes = new Uint8Array(readFileSync(FIXTURE));
    // Page 4 is the root of `orders`: give it an impossible page type.
    bytes[3 * 4096] = 0x07;
    const path = join(dir, 'corrupt.sqlite');
    writeFileSync(path, bytes);
    const result = runCli(['rows', path, 'orders']);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^SQLITE_CORRUPT: .*page 4/);
  });
});
