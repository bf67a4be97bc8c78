/**
 * JSONB (SQLite ≥ 3.45's binary JSON) and json_error_position against sql.js (SQLite 3.54):
 * - json_error_position on random near-JSON text (JSON5 pieces, comments, bad escapes, leading
 *   zeros, trailing garbage, non-ASCII) gives SQLite's position;
 * - jsonb(text) gives SQLite's bytes for random JSON and JSON5 documents (INT5/FLOAT5/TEXT5
 *   forms, unquoted keys, Infinity/NaN, nesting), and json() reads them back as SQLite does;
 * - the jsonb_ twins of json_array/object/extract/insert/replace/set/remove/patch give SQLite's
 *   bytes (TEXTRAW for the SQL text an edit puts in and for labels made from a path), and so do
 *   jsonb_group_array / jsonb_group_object as aggregates and window functions.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Database } from '../../../src/index.js';
import { MemoryObjectStore } from '../../../src/store/memory-store.js';
import { sqljs } from '../../support/sqljs.js';
import { ours, sameOutcome, show, theirs } from '../expr/oracle.js';

const quote = (s: string): string => `'${s.replaceAll("'", "''")}'`;

async function same(sql: string): Promise<void> {
  const mine = ours(sql);
  const ref = await theirs(sql);
  if (!sameOutcome(mine, ref)) throw new Error(`${sql}\n  ours:   ${show(mine)}\n  sqlite: ${show(ref)}`);
}

const PIECES = ['[', ']', '{', '}', ',', ':', '"a"', "'b'", '1', '-2.5e3', '0x1F', 'true', 'null', 'nul', ' ', '\n', '/*c*/', '//x\n', '"\\u00e4"', '"\\q"', 'ä', 'x', '.5', '+1', 'Infinity', 'NaN', '"', '\\', '😀', '"\t"', '1.', '01', 'a:', '"\\x41"', '-Inf', '1e', '\u00a0'];
const nearJson = fc.array(fc.constantFrom(...PIECES), { maxLength: 8 }).map((a) => a.join(''));

/** Well-formed documents, JSON5 forms included. */
const scalar = fc.constantFrom('1', '-0', '2.50', '1e3', '-1.5E-2', '0x1f', '.5', '5.', '+7', 'Infinity', '-Infinity', 'NaN', 'true', 'false', 'null', '"x"', '"a\\"b"', '"\\u00e9"', "'single'", '"tab\\there"', '"ü€😀"', '"\\x41"', '""');
const key = fc.constantFrom('"k"', 'k', '$id', '"a b"', "'q'", '"\\n"', 'ü');
const doc: fc.Arbitrary<string> = fc.letrec<{ v: string }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('v'), { maxLength: 4 }).chain((items) => fc.constantFrom(`[${items.join(',')}]`, `[ ${items.join(' , ')} ]`, items.length > 0 ? `[${items.join(',')},]` : '[]')),
    fc.array(fc.tuple(key, tie('v')), { maxLength: 3 }).map((ms) => `{${ms.map(([k, v]) => `${k}:${v}`).join(',')}}`),
  ),
})).v;

describe('JSONB and json_error_position, as SQLite', () => {
  it('json_error_position on near-JSON text', async () => {
    await fc.assert(fc.asyncProperty(nearJson, async (t) => same(`json_error_position(${quote(t)})`)), { numRuns: 800 });
  });

  it('jsonb(text): the same bytes; json(jsonb(text)) the same text', async () => {
    await fc.assert(
      fc.asyncProperty(doc, async (d) => {
        await same(`hex(jsonb(${quote(d)}))`);
        await same(`json(jsonb(${quote(d)}))`);
        await same(`json_error_position(${quote(d)})`);
      }),
      { numRuns: 400 },
    );
  });

  it('the jsonb_ twins of the JSON functions', async () => {
    for (const sql of [
      `hex(jsonb_array('ab', 'a"b', 1.5, 2, null, 'x/y', char(10), 0.1))`,
      `hex(jsonb_object('k', 1, 'm', json('[1,2]'), 'n', jsonb('{a:1}')))`,
      `hex(jsonb_extract('{"a":[1,2]}', '$.a'))`,
      `jsonb_extract('{"a":[1,2]}', '$.a[0]')`,
      `hex(jsonb_extract('{"a":[1,2],"b":"x"}', '$.a', '$.b'))`,
      `hex(jsonb_set('[1]', '$[1]', 'x', '$[2]', 1.5, '$[3]', 0.1, '$[4]', json('{"z":"q"}'), '$[5]', 'a"b'))`,
      `hex(jsonb_insert('{"a":1}', '$.b', 'two', '$.c.d', 3, '$."e f"', 4, '$."g\\"h"', 5))`,
      `hex(jsonb_replace('{"a":1}', '$.a', 'two'))`,
      `hex(jsonb_remove('[1,2,3]', '$[1]'))`,
      `hex(jsonb_patch('{"a":1,"b":2}', '{"b":null,"c":"x"}'))`,
      `jsonb_extract(jsonb('{"a":{"b":"c"}}'), '$.a.b')`,
      `hex(jsonb(jsonb('[1]')))`,
      `hex(jsonb(x'8B133117613C176200'))`,
      `hex(jsonb(12.5))`,
      `jsonb('[1,')`,
      `hex(jsonb(json_array(1, 'a')))`,
      `json_error_position(x'0102')`,
      `json_error_position(jsonb('[1]'))`,
      `json_error_position(NULL)`,
    ]) {
      await same(sql);
    }
  });

  it('jsonb_group_array and jsonb_group_object, as aggregates and window functions', async () => {
    const setup = ['CREATE TABLE t(a, b)', `INSERT INTO t VALUES (1, 'x'), (2, 'y"z'), (3, NULL), (1.5, 'q'), (NULL, 'n')`];
    const queries = [
      'SELECT hex(jsonb_group_array(b)), hex(jsonb_group_object(b, a)) FROM t',
      'SELECT hex(jsonb_group_array(a) OVER (ORDER BY a)) FROM t',
      'SELECT a, hex(jsonb_group_array(json_object(\'b\', b))) FROM t GROUP BY a > 1 ORDER BY 1',
      `SELECT json_group_array(jsonb_extract('{"a":"1"}', '$.a')), json(jsonb_group_array(jsonb_array(a))) FROM t`,
    ];
    const db = await Database.create({ objects: new MemoryObjectStore(), prefix: 'jsonb' });
    const ref = new (await sqljs()).Database();
    for (const sql of setup) {
      await db.run(sql);
      ref.run(sql);
    }
    for (const sql of queries) {
      const mine = (await db.run(sql)).rows?.map((r) => Object.values(r).map((v) => (typeof v === 'bigint' ? Number(v) : v)));
      expect(mine, sql).toEqual(ref.exec(sql)[0]?.values);
    }
    await db.close();
    ref.close();
  });
});
