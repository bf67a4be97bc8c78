/**
 * json_each / json_tree in FROM (all columns, hidden ones, joins with correlated arguments,
 * aliases, WHERE on their columns) and the JSON aggregates, against SQLite (sql.js): fixed
 * queries over a table of documents, then random documents and root paths.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { buildWithSqlJs } from '../../support/sqljs.js';
import { expectSameAsSqlite } from './query-oracle.js';

const DOCS = [
  '{"a":[1,2,{"b":null}],"c":"x","d":{"e":true,"f":[]}}',
  '[1,2.5,"three",[4],{"five":5}]',
  '{"x y":1,"_a":2,"a1":3,"\\u0041":4,"a\\"b":5,"":6,"a":7,"a":8}',
  '"just text"',
  '42',
  'null',
  '[]',
  '{}',
  '{"deep":{"deeper":{"deepest":[[[1]]]}}}',
  '{"n":12345678901234567890,"r":1.0e2,"s":"\\u00e9\\n","t":[true,false,null]}',
];

async function database(): Promise<Uint8Array> {
  return buildWithSqlJs([
    { sql: 'CREATE TABLE docs(id INTEGER PRIMARY KEY, doc TEXT, p TEXT)' },
    ...DOCS.map((d, i) => ({ sql: 'INSERT INTO docs VALUES (?, ?, ?)', params: [i + 1, d, i % 2 === 0 ? '$' : '$.a'] })),
    { sql: "INSERT INTO docs VALUES (100, 'not json', '$')" },
    { sql: 'CREATE TABLE tags(name TEXT, v)' },
    { sql: "INSERT INTO tags VALUES ('a', 1), ('b', 2.5), ('a', 'x'), (NULL, 3), ('c', NULL), ('d', '[1]'), ('1', 9)" },
  ]);
}

const QUERIES: [string, boolean][] = [
  ["SELECT * FROM json_each('[1,2,3]')", true],
  ["SELECT key, value, type, atom, id, parent, fullkey, path, json, root FROM json_each(doc) JOIN docs WHERE id < 100", false],
  ['SELECT d.id, e.key, e.value, e.type, e.atom, e.id, e.parent, e.fullkey, e.path FROM docs AS d, json_each(d.doc) AS e WHERE d.id < 100 ORDER BY d.id, e.id', true],
  ['SELECT d.id, t.* FROM docs d, json_tree(d.doc) t WHERE d.id < 100 ORDER BY d.id, t.id', true],
  ['SELECT d.id, t.key, t.fullkey, t.path, t.id, t.parent, t.root FROM docs d, json_tree(d.doc, d.p) t WHERE d.id < 100 ORDER BY d.id, t.id', true],
  ['SELECT d.id, e.* FROM docs d, json_each(d.doc, d.p) e WHERE d.id < 100 ORDER BY d.id, e.id', true],
  ["SELECT * FROM json_tree('{\"a\":{\"b\":[1,\"\\u0041\"]}}', '$.a')", true],
  ["SELECT * FROM json_each('{\"a\":{\"b\":1}}', '$.a.b')", true],
  ["SELECT * FROM json_tree('[1,2]', '$[1]')", true],
  ["SELECT * FROM json_tree('{\"a\":{\"c\":1,\"b\":2}}', '$.a.b')", true],
  ["SELECT * FROM json_tree('[[],[1,1]]', '$[1][1]')", true],
  ["SELECT * FROM json_tree('[[1,1]]', '$[#-1][1]')", true],
  ["SELECT * FROM json_each('[1,2]', '$[#-1]')", true],
  ["SELECT * FROM json_each('[1]', '$.x')", true],
  ["SELECT * FROM json_each('[1]', 'x')", true],
  ["SELECT * FROM json_each('[1]', NULL)", true],
  ['SELECT * FROM json_each(NULL)', true],
  ['SELECT * FROM json_each', true],
  ["SELECT * FROM json_each('[1', '$')", true],
  ["SELECT * FROM json_each('[1]', '$', 3)", true],
  ["SELECT key FROM json_each(1)", true],
  ['SELECT id, e.value FROM docs, json_each(docs.doc) e WHERE docs.id = 100', true],
  ["SELECT e.value, json_type(e.value), json_array(e.value), e.value -> '$' FROM json_each('[1,\"[2]\",[3],{\"a\":4}]') e", true],
  ["SELECT a.value, b.value FROM json_each('[1,2,3]') a JOIN json_each('[2,3,4]') b ON a.value = b.value", true],
  ["SELECT a.value, b.value FROM json_each('[1,2,3]') a LEFT JOIN json_each('[2,3,4]') b ON a.value = b.value ORDER BY 1", true],
  ["SELECT count(*), sum(value) FROM json_each('[1,2,3,4]') WHERE value > 1", true],
  ['SELECT d.id, (SELECT count(*) FROM json_tree(d.doc)) FROM docs d WHERE d.id < 100 ORDER BY d.id', true],
  ['SELECT d.id FROM docs d WHERE d.id < 100 AND EXISTS (SELECT 1 FROM json_each(d.doc) WHERE type = \'array\') ORDER BY 1', true],
  ["SELECT json_each.key, json_each.value FROM json_each('{\"k\":\"v\"}')", true],
  ["SELECT j.json, j.root FROM json_each('[1]') AS j", true],
  ['SELECT json_group_array(v), json_group_object(name, v) FROM tags', true],
  ['SELECT name, json_group_array(v) FROM tags GROUP BY name ORDER BY name', true],
  ["SELECT json_group_array(json_object('n', name, 'v', v)) FROM tags", true],
  ['SELECT json_group_array(DISTINCT name) FROM tags', true],
  ['SELECT json_group_array(v) FROM tags WHERE 0', true],
  ['SELECT json_group_object(name, v) FROM tags WHERE 0', true],
  ["SELECT json_array(json_group_array(v)), json_group_array(json_extract('[[1]]', '$[0]')) FROM tags", true],
  ["SELECT json_array(x) FROM (SELECT json('[1]') AS x)", true],
  ["SELECT json_array((SELECT json('[1]')))", true],
  ["SELECT json_object('k', value) FROM json_each('[[1],\"s\",{\"a\":2}]')", true],
  ['SELECT doc -> \'$.a\', doc ->> \'$.a\', doc -> \'c\' FROM docs WHERE id = 1', true],
  ["SELECT json_extract(doc, '$.a[2]') FROM docs WHERE id < 100 ORDER BY id", true],
  ['SELECT id FROM docs WHERE json_valid(doc) ORDER BY 1', true],
  ['SELECT id, json_type(doc) FROM docs WHERE id < 100 ORDER BY 1', true],
  ["SELECT value FROM json_each('[3,1,2]') ORDER BY value", true],
  ["SELECT rowid, key FROM json_tree('[5,[6]]')", true],
  // Their columns are declared without a type: BLOB affinity, so against a TEXT column neither
  // side converts (a column of "no affinity" would take TEXT affinity and match '0' = 0).
  ["SELECT t.name, e.key FROM tags t, json_each('[\"a\",\"b\"]') e WHERE e.key = t.v ORDER BY 1", true],
  ["SELECT (SELECT count(*) FROM tags WHERE tags.name = e.key) FROM json_each('[1,2]') e", true],
  ["SELECT count(*) FROM tags, json_each('[0,1]') e WHERE tags.name = e.value || ''", true],
  ["SELECT j.rowid, j.value FROM json_each('[5,6]') j WHERE j.rowid > 0", true],
  ["SELECT key, value FROM json_each('{\"b\":1,\"a\":2}') ORDER BY key DESC LIMIT 1", true],
  // Unknown table-valued functions get SQLite's messages.
  ['SELECT * FROM nope(1)', true],
  ['SELECT * FROM tags(1)', true],
];

describe('json_each / json_tree and the JSON aggregates agree with SQLite', () => {
  it('fixed queries', async () => {
    const bytes = await database();
    for (const [sql, ordered] of QUERIES) await expectSameAsSqlite(bytes, sql, ordered);
  });

  it('random documents and root paths', async () => {
    const bytes = await database();
    const key = fc.constantFrom('a', 'b', 'x y', '');
    const { value } = fc.letrec<{ value: string }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.constantFrom('1', '-2.5', '"s"', 'true', 'null', '1e2', '"\\u0041"'),
        fc.array(tie('value'), { maxLength: 3 }).map((a) => `[${a.join(',')}]`),
        fc.array(fc.tuple(key, tie('value')), { maxLength: 3 }).map((m) => `{${m.map(([k, v]) => `"${k}":${v}`).join(',')}}`),
      ),
    }));
    const rootPath = fc.oneof(fc.constant('$'), fc.array(fc.constantFrom('.a', '.b', '."x y"', '[0]', '[1]', '[#-1]'), { minLength: 1, maxLength: 3 }).map((s) => `$${s.join('')}`));
    await fc.assert(
      fc.asyncProperty(value, rootPath, fc.constantFrom('json_each', 'json_tree'), async (doc, path, fn) => {
        const q = (s: string): string => `'${s.replace(/'/g, "''")}'`;
        await expectSameAsSqlite(bytes, `SELECT * FROM ${fn}(${q(doc)}, ${q(path)})`, true);
      }),
      { numRuns: 1000 },
    );
  });
});
