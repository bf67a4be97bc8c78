/**
 * The byte path of the CLI's JSON Lines / CSV output (src/cli/byte-rows.ts) prints exactly the
 * bytes the string path (output.ts) prints:
 * - for values given to the writer (executor values, or public values with storage classes);
 * - for rows written straight from the records in the pages (`rows`: recordVisitor over
 *   tableRecordBatches), against tableRows + the string writer — rowid alias, REAL columns
 *   holding integers, 64-bit integers, -0.0, text that needs escaping or quoting, non-ASCII
 *   text, overflow payloads, columns added by ALTER TABLE (DEFAULT), WITHOUT ROWID, limit/offset;
 * - for `query … 'SELECT * FROM t'` (the plain-scan fast path) against the executor's rows.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readSchemaRows } from '../../src/api/schema-rows.js';
import { prepareQuery } from '../../src/api/statement.js';
import { tableRecordBatches, tableRows, type RowsOptions } from '../../src/api/table-rows.js';
import { createByteRowWriter } from '../../src/cli/byte-rows.js';
import { printQuery } from '../../src/cli/commands/query.js';
import { createRowWriter } from '../../src/cli/output.js';
import { plainScanTable } from '../../src/cli/plain-scan.js';
import { BytesPageFile } from '../../src/pager/page-file.js';
import { Pager } from '../../src/pager/pager.js';
import type { SqlValue, StorageClass } from '../../src/record/value.js';
import { readSchema, type Schema } from '../../src/schema/read-schema.js';
import type { TableInfo } from '../../src/schema/schema-types.js';
import { buildWithSqlJs, exactLiteral } from '../support/sqljs.js';

const FORMATS = ['json', 'csv'] as const;

/** Runs `fill` against a byte writer and returns what it wrote, and the chunk count. */
async function bytesOf(format: 'json' | 'csv', columns: readonly string[], fill: (w: ReturnType<typeof createByteRowWriter>) => Promise<void> | void): Promise<{ text: Buffer; chunks: number }> {
  const chunks: Uint8Array[] = [];
  const w = createByteRowWriter(format, columns, (c) => chunks.push(c));
  await fill(w);
  w.end();
  return { text: Buffer.concat(chunks), chunks: chunks.length };
}

function stringOf(format: 'json' | 'csv', columns: readonly string[], fill: (w: ReturnType<typeof createRowWriter>) => void): Buffer {
  let text = '';
  const w = createRowWriter(format, columns, (t) => {
    text += t;
  });
  fill(w);
  w.end();
  // What process.stdout.write(text) sends.
  return Buffer.from(text, 'utf8');
}

const execValue: fc.Arbitrary<SqlValue> = fc.oneof(
  fc.constant(null),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.double(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }), // lone surrogates, control characters
  fc.constantFrom('a,b', 'say "hi"', 'line\nbreak', 'cr\r', 'tab\t', 'back\\slash', '\u007f', 'é', '\u2028'),
  fc.uint8Array({ maxLength: 60 }),
);

function classOf(v: SqlValue): StorageClass {
  if (v === null) return 'null';
  if (typeof v === 'bigint') return 'integer';
  if (typeof v === 'number') return 'real';
  return typeof v === 'string' ? 'text' : 'blob';
}

describe('byte row writer', () => {
  it('writes the bytes the string writer writes, for executor values and for typed public values', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5 }).chain((n) => fc.array(fc.array(execValue, { minLength: n, maxLength: n }), { maxLength: 30 })), async (rows) => {
        const columns = rows[0]?.map((_, i) => `c${i}`) ?? ['only'];
        for (const format of FORMATS) {
          const expected = stringOf(format, columns, (w) => rows.forEach((r) => w.execRow(r)));
          expect((await bytesOf(format, columns, (w) => rows.forEach((r) => w.execRow(r)))).text.equals(expected)).toBe(true);
          // Public values: safe integers as numbers with class 'integer'.
          const pub = rows.map((r) => r.map((v) => (typeof v === 'bigint' && v >= -(2n ** 53n) + 1n && v <= 2n ** 53n - 1n ? Number(v) : v)));
          const classes = rows.map((r) => r.map(classOf));
          const expectedTyped = stringOf(format, columns, (w) => pub.forEach((r, i) => w.row(r, classes[i]!)));
          expect((await bytesOf(format, columns, (w) => pub.forEach((r, i) => w.row(r, classes[i]!)))).text.equals(expectedTyped)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('sends large chunks, in order, even for a value larger than a chunk', async () => {
    const big = new Uint8Array(300_000).map((_, i) => i & 0xff);
    const rows: SqlValue[][] = Array.from({ length: 20_000 }, (_, i) => [BigInt(i), `row ${i}`, i / 4]);
    rows.splice(10_000, 0, [1n, 'big', big]);
    const { text, chunks } = await bytesOf('json', ['a', 'b', 'c'], (w) => rows.forEach((r) => w.execRow(r)));
    expect(text.equals(stringOf('json', ['a', 'b', 'c'], (w) => rows.forEach((r) => w.execRow(r))))).toBe(true);
    expect(chunks).toBeLessThan(20);
  });

  it('fills the same buffer again once the destination says a chunk is written out, and only then', async () => {
    const big = new Uint8Array(300_000).map((_, i) => (i * 7) & 0xff);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(execValue, { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 40 }), fc.boolean(), async (some, withBig) => {
        // Enough rows for several chunks, blobs landing at odd and even offsets.
        const rows = Array.from({ length: 3000 }, (_, i) => some[i % some.length]!);
        if (withBig) rows.splice(1500, 0, [1n, big, 'after']);
        const expected = stringOf('json', ['a', 'b', 'c'], (w) => rows.forEach((r) => w.execRow(r)));
        for (const consumed of [true, false]) {
          const copies: Buffer[] = [];
          const buffers = new Set<ArrayBufferLike>();
          const w = createByteRowWriter('json', ['a', 'b', 'c'], (c) => {
            copies.push(Buffer.from(c)); // the bytes as they were when written out
            buffers.add(c.buffer);
          }, () => consumed);
          rows.forEach((r) => w.execRow(r));
          w.end();
          expect(Buffer.concat(copies).equals(expected)).toBe(true);
          if (copies.length > 2) {
            // Reused: one buffer (plus one made for the value larger than a chunk); else one per chunk.
            if (consumed) expect(buffers.size).toBeLessThanOrEqual(withBig ? 3 : 1);
            else expect(buffers.size).toBe(copies.length);
          }
        }
      }),
      { numRuns: 40 },
    );
  });
});

async function open(bytes: Uint8Array): Promise<{ pager: Pager; schema: Schema; table: (name: string) => TableInfo }> {
  const pager = await Pager.open(new BytesPageFile(bytes));
  const schema = readSchema(await readSchemaRows(pager));
  return {
    pager,
    schema,
    table: (name) => {
      const rel = schema.relation(name);
      if (rel === undefined || rel.kind !== 'table') throw new Error(`no table ${name}`);
      return rel;
    },
  };
}

/** `rows` through the byte path equals tableRows through the string writer, in both formats. */
async function expectRecordsAsRows(bytes: Uint8Array, name: string, options: RowsOptions = {}): Promise<void> {
  const { pager, table } = await open(bytes);
  const info = table(name);
  const columns = info.columns.map((c) => c.name);
  for (const format of FORMATS) {
    const typed: Array<{ values: SqlValue[]; classes: StorageClass[] }> = [];
    for await (const r of tableRows(pager, info, options)) typed.push(r);
    const expected = stringOf(format, columns, (w) => typed.forEach((r) => w.row(r.values, r.classes)));
    let counted = 0;
    const { text } = await bytesOf(format, columns, async (w) => {
      for await (const n of tableRecordBatches(pager, info, options, (shape) => w.recordVisitor(shape))) counted += n;
    });
    expect(text.toString('utf8')).toBe(expected.toString('utf8'));
    expect(text.equals(expected)).toBe(true);
    expect(counted).toBe(typed.length);
  }
}

/** `query 'SELECT * FROM name'` takes the fast path and prints what the executor's rows print. */
async function expectPlainScanAsQuery(bytes: Uint8Array, name: string): Promise<void> {
  const { pager, schema } = await open(bytes);
  const ctx = { pager, schema };
  const sql = `SELECT * FROM ${name}`;
  expect(plainScanTable(sql, prepareQuery(ctx, sql), schema)?.name).toBe(name);
  for (const format of FORMATS) {
    let expected = '';
    const n = await printQuery(ctx, sql, [], format, (t) => {
      expected += t;
    });
    const chunks: Uint8Array[] = [];
    const m = await printQuery(ctx, sql, [], format, () => {
      throw new Error('the byte path writes no strings');
    }, { write: (c) => chunks.push(c) });
    expect(m).toBe(n);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(expected);
  }
}

const storedValue: fc.Arbitrary<SqlValue> = fc.oneof(
  fc.constant(null),
  fc.integer({ min: -200, max: 200 }),
  fc.integer(),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.constantFrom(0, 1, -0, 2 ** 53, -(2 ** 53) - 2, 2 ** 47, -(2 ** 47)),
  fc.double({ noNaN: true }),
  fc.string({ maxLength: 30 }),
  fc.constantFrom('a,b', 'say "hi"', 'line\nbreak', 'back\\slash', 'é', '\u{1F600}', '\ufeffbom', ''),
  fc.uint8Array({ maxLength: 40 }),
  fc.uint8Array({ minLength: 1000, maxLength: 5000 }),
);

describe('rows written straight from the records', () => {
  it('print as tableRows prints them: rowid alias, REAL affinity, big integers, overflow, ALTER TABLE defaults, WITHOUT ROWID', async () => {
    const big = new Uint8Array(9000).map((_, i) => (i * 31) & 0xff);
    const bytes = await buildWithSqlJs([
      { sql: 'PRAGMA page_size=1024;' },
      { sql: 'CREATE TABLE t (id INTEGER PRIMARY KEY, r REAL, i INTEGER, s TEXT, b BLOB);' },
      { sql: 'INSERT INTO t VALUES (1, 2, 9223372036854775807, ?, ?);', params: ['x'.repeat(3000), big] },
      { sql: "INSERT INTO t VALUES (5, 2.5, -9223372036854775808, NULL, x'00ff');" },
      { sql: "INSERT INTO t VALUES (9007199254740993, 1e300, 3, 'é\",', NULL);" },
      { sql: "INSERT INTO t VALUES (6, 140737488355328, -140737488355329, 'a\nb', x'');" },
      { sql: "ALTER TABLE t ADD COLUMN added INTEGER DEFAULT '42';" },
      { sql: 'ALTER TABLE t ADD COLUMN added2 REAL DEFAULT 7;' },
      { sql: "ALTER TABLE t ADD COLUMN added3 DEFAULT 'x,y';" },
      { sql: 'INSERT INTO t (id, added, added2) VALUES (7, 1, 3);' },
      { sql: 'CREATE TABLE w (k TEXT PRIMARY KEY, v REAL, blob BLOB) WITHOUT ROWID;' },
      { sql: "INSERT INTO w VALUES ('b', 1, ?), ('a', 2.5, NULL), ('c', NULL, x'01');", params: [big] },
      { sql: 'CREATE TABLE g (a INTEGER, b AS (a * 2) VIRTUAL, c AS (a || \'!\') STORED);' },
      { sql: 'INSERT INTO g (a) VALUES (1), (NULL), (-5);' },
    ]);
    await expectRecordsAsRows(bytes, 't');
    await expectRecordsAsRows(bytes, 't', { offset: 1, limit: 2 });
    await expectRecordsAsRows(bytes, 'w');
    await expectRecordsAsRows(bytes, 'w', { offset: 2, limit: 5 });
    await expectRecordsAsRows(bytes, 'w', { limit: 0 });
    await expectRecordsAsRows(bytes, 'g');
    for (const name of ['t', 'w', 'g']) await expectPlainScanAsQuery(bytes, name);
  });

  it('print as tableRows and as the executor print them, on random rows', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(storedValue, { minLength: 4, maxLength: 4 }), { maxLength: 50 }),
        fc.boolean(),
        fc.nat(10),
        async (rows, withoutRowid, offset) => {
          const statements: Array<{ sql: string; params?: SqlValue[] }> = [
            { sql: 'PRAGMA page_size=1024;' },
            {
              sql: withoutRowid
                ? 'CREATE TABLE t (a, b REAL, c INTEGER PRIMARY KEY, d TEXT, e BLOB) WITHOUT ROWID;'
                : 'CREATE TABLE t (a, b REAL, c INTEGER PRIMARY KEY, d TEXT, e BLOB);',
            },
          ];
          rows.forEach((r, i) => {
            const lits = r.map(exactLiteral);
            statements.push({
              sql: `INSERT INTO t (a, b, c, d, e) VALUES (${lits[0]!.text}, ${lits[1]!.text}, ${i * 3 - 50}, ${lits[2]!.text}, ${lits[3]!.text});`,
              params: lits.filter((l) => l.bind !== undefined).map((l) => l.bind!),
            });
          });
          if (offset % 3 === 0) statements.push({ sql: 'ALTER TABLE t ADD COLUMN f REAL DEFAULT 3' }, { sql: 'INSERT INTO t (c, f) VALUES (1000, 2)' });
          const bytes = await buildWithSqlJs(statements);
          await expectRecordsAsRows(bytes, 't');
          await expectRecordsAsRows(bytes, 't', { offset, limit: 7 });
          await expectPlainScanAsQuery(bytes, 't');
        },
      ),
      { numRuns: 40 },
    );
  }, 60_000);

  it('takes the fast path for a plain SELECT * only', async () => {
    const bytes = await buildWithSqlJs([
      { sql: 'CREATE TABLE t (a INTEGER, b TEXT);' },
      { sql: 'CREATE INDEX tb ON t(b, a);' },
      { sql: 'CREATE VIEW v AS SELECT * FROM t;' },
    ]);
    const { pager, schema } = await open(bytes);
    const ctx = { pager, schema };
    const plain = (sql: string): string | undefined => plainScanTable(sql, prepareQuery(ctx, sql), schema)?.name;
    expect(plain('SELECT * FROM t')).toBe('t');
    expect(plain('select x.* from main.t as x')).toBe('t');
    for (const sql of [
      'SELECT a, b FROM t',
      'SELECT * FROM t WHERE a > 1',
      'SELECT * FROM t ORDER BY b',
      'SELECT * FROM t LIMIT 3',
      'SELECT DISTINCT * FROM t',
      'SELECT * FROM t INDEXED BY tb',
      'SELECT * FROM v',
      'SELECT * FROM t, t AS u',
      'SELECT * FROM t UNION ALL SELECT * FROM t',
      'WITH c AS (SELECT 1) SELECT * FROM t',
      'SELECT *, 1 FROM t',
    ]) {
      expect(plain(sql), sql).toBeUndefined();
    }
    // The schema table is a table like any other.
    await expectPlainScanAsQuery(bytes, 'sqlite_schema');
  });

  it('waits for the destination to drain between batches, and writes nothing while it waits', async () => {
    const bytes = await buildWithSqlJs([
      { sql: 'PRAGMA page_size=1024;' },
      { sql: 'CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT, b BLOB);' },
      { sql: "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<6000) INSERT INTO t SELECT i, printf('%.*c', i % 90, 'x'), randomblob(i % 200) FROM c;" },
    ]);
    const { pager, schema } = await open(bytes);
    const ctx = { pager, schema };
    for (const sql of ['SELECT * FROM t', 'SELECT id, s, b FROM t WHERE id % 2 = 0']) {
      let expected = '';
      await printQuery(ctx, sql, [], 'json', (t) => {
        expected += t;
      });
      // A destination that is always "full": every batch must wait for its drain before going on.
      const chunks: Buffer[] = [];
      let waiting = false;
      let drains = 0;
      const output = {
        write: (c: Uint8Array) => {
          expect(waiting).toBe(false);
          chunks.push(Buffer.from(c));
        },
        drained: () => {
          drains++;
          waiting = true;
          return new Promise<void>((resolve) =>
            setImmediate(() => {
              waiting = false;
              resolve();
            }),
          );
        },
      };
      const n = await printQuery(ctx, sql, [], 'json', () => {
        throw new Error('the byte path writes no strings');
      }, output);
      expect(Buffer.concat(chunks).toString('utf8')).toBe(expected);
      expect(n).toBe(sql.includes('WHERE') ? 3000 : 6000);
      expect(drains).toBeGreaterThan(1);
    }
  });
});
