/**
 * Statements for the model-based differential test beyond plain INSERT/UPDATE/DELETE: RETURNING,
 * UPSERT, INSERT … SELECT, UPDATE … FROM, row-value SET, subqueries in WHERE/SET, REPLACE,
 * triggers (BEFORE/AFTER/INSTEAD OF, WHEN, UPDATE OF, RAISE), views, PRAGMA user_version and
 * recursive_triggers, savepoints. Run side by side with sql.js by runDifferential (differential-support.ts).
 *
 * The triggers log into `log(ev, v)`, compared as a multiset (the order rows are visited in is
 * each engine's plan); their other effects are chosen not to depend on that order.
 */
import fc from 'fast-check';
import type { SqlValue } from '../../../src/record/value.js';
import { exactLiteral } from '../../support/sqljs.js';
import type { Step } from './differential-support.js';

const LOG = 'CREATE TABLE log(ev TEXT, v)';

/** Triggers and views, each created (or dropped) by a step. */
const OBJECTS: readonly { readonly name: string; readonly type: 'trigger' | 'view'; readonly sql: string }[] = [
  { name: 'tg_t1_ai', type: 'trigger', sql: "CREATE TRIGGER tg_t1_ai AFTER INSERT ON t1 BEGIN INSERT INTO log(ev, v) VALUES ('t1 ins', new.id); END" },
  {
    name: 'tg_t1_bu',
    type: 'trigger',
    sql: "CREATE TRIGGER tg_t1_bu BEFORE UPDATE OF a, d ON t1 WHEN new.a IS NOT old.a BEGIN INSERT INTO log(ev, v) VALUES ('t1 upd a', old.id || ':' || quote(old.a) || '>' || quote(new.a)); END",
  },
  {
    name: 'tg_t1_ad',
    type: 'trigger',
    sql: "CREATE TRIGGER tg_t1_ad AFTER DELETE ON t1 BEGIN DELETE FROM t3 WHERE x = old.id; INSERT INTO log(ev, v) VALUES ('t1 del', old.id); END",
  },
  {
    name: 'tg_t3_bi',
    type: 'trigger',
    sql: "CREATE TRIGGER tg_t3_bi BEFORE INSERT ON t3 WHEN new.y = 'abc' BEGIN SELECT RAISE(IGNORE); END",
  },
  {
    name: 'tg_t3_bu',
    type: 'trigger',
    sql: "CREATE TRIGGER tg_t3_bu BEFORE UPDATE ON t3 WHEN new.z > 1000 BEGIN SELECT RAISE(ABORT, 'raised: z too large'); END",
  },
  {
    name: 'tg_t2_au',
    type: 'trigger',
    sql: 'CREATE TRIGGER tg_t2_au AFTER UPDATE OF v ON t2 BEGIN UPDATE t2 SET w = w + 1 WHERE k = new.k; END',
  },
  {
    name: 'tg_t5_bd',
    type: 'trigger',
    sql: "CREATE TRIGGER tg_t5_bd BEFORE DELETE ON t5 WHEN old.c = 3.5 BEGIN SELECT RAISE(FAIL, 'raised: keep default c'); END",
  },
  {
    name: 'tg_t4_ai',
    type: 'trigger',
    sql: "CREATE TRIGGER tg_t4_ai AFTER INSERT ON t4 WHEN new.q IS NOT NULL BEGIN INSERT INTO log(ev, v) SELECT 't4 ins', count(*) FROM t4 WHERE q = new.q; END",
  },
  { name: 'v1', type: 'view', sql: 'CREATE VIEW v1 AS SELECT id, a, d FROM t1' },
  {
    name: 'tg_v1_ii',
    type: 'trigger',
    sql: "CREATE TRIGGER tg_v1_ii INSTEAD OF INSERT ON v1 BEGIN INSERT OR IGNORE INTO t1(id, a, d) VALUES (new.id, new.a, new.d); INSERT INTO log VALUES ('v1 ins', new.a); END",
  },
  { name: 'tg_v1_iu', type: 'trigger', sql: 'CREATE TRIGGER tg_v1_iu INSTEAD OF UPDATE ON v1 BEGIN UPDATE t1 SET a = new.a WHERE id = old.id; END' },
  { name: 'tg_v1_id', type: 'trigger', sql: 'CREATE TRIGGER tg_v1_id INSTEAD OF DELETE ON v1 BEGIN DELETE FROM t1 WHERE id = old.id; END' },
];

const small: fc.Arbitrary<SqlValue> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 4, arbitrary: fc.integer({ min: -3, max: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom(0.5, 2.0, -1.25) },
  { weight: 3, arbitrary: fc.constantFrom('a', 'b', 'abc', 'ABC', 'x', '1', '') },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 4 }) },
);

function lit(v: SqlValue, params: SqlValue[]): string {
  const l = exactLiteral(v);
  if (l.bind !== undefined) params.push(l.bind);
  return l.text;
}

/** A statement template: `$` places are filled with literals (or `?` with bound values). */
const TEMPLATES: readonly string[] = [
  // RETURNING
  'INSERT INTO t1(a, b, d) VALUES ($, $, $) RETURNING *',
  'INSERT OR IGNORE INTO t1(id, a, d) VALUES ($, $, $) RETURNING id, a || \'!\' AS bang, typeof(d)',
  'UPDATE t1 SET b = b * 2 WHERE d > $ RETURNING id, b',
  'UPDATE t2 SET w = w + 1 WHERE v IS NOT NULL RETURNING k, w * 10 AS ww, typeof(v)',
  'DELETE FROM t3 WHERE z > $ RETURNING *',
  'DELETE FROM t5 WHERE a = $ RETURNING a, b, c',
  'DELETE FROM t1 WHERE d % 3 = 0 RETURNING id, d',
  'DELETE FROM t2 WHERE w > 7 OR v IS NULL RETURNING k, w',
  // UPSERT
  'INSERT INTO t1(id, a, d) VALUES ($, $, $) ON CONFLICT(d) DO UPDATE SET a = excluded.a, b = 1.5 WHERE excluded.id > 2 ON CONFLICT DO NOTHING RETURNING id, a, b, d',
  'INSERT INTO t1(id, a, d) VALUES ($, $, $) ON CONFLICT(id) DO UPDATE SET d = excluded.d RETURNING *',
  'INSERT INTO t1(id, a) VALUES ($, $) ON CONFLICT DO NOTHING',
  'INSERT INTO t2(k, v) VALUES ($, $) ON CONFLICT(k) DO UPDATE SET v = excluded.v, w = w + 1 RETURNING k, v, w',
  'INSERT INTO t3(y, z) VALUES ($, $) ON CONFLICT(y) DO UPDATE SET z = coalesce(z, 0) + 1 RETURNING y, z',
  'INSERT INTO t4(p, q, r) VALUES ($, $, $) ON CONFLICT(q, p) DO UPDATE SET r = excluded.r',
  'INSERT INTO t5(a, b) VALUES ($, $) ON CONFLICT(b, a) DO UPDATE SET c = c + 1 WHERE c < 10',
  'INSERT INTO t1(a) VALUES ($) ON CONFLICT(a) DO NOTHING',
  // REPLACE, INSERT … SELECT, subqueries
  'REPLACE INTO t1(id, a, d) VALUES ($, $, $)',
  'INSERT OR IGNORE INTO t1(a, b, d) SELECT a, b, d + 100 FROM t1 WHERE id % 3 = 0',
  'INSERT OR IGNORE INTO t3(y, z) SELECT a, abs(d) FROM t1 WHERE d IS NOT NULL AND abs(d) < 1000 ORDER BY id LIMIT 3',
  'INSERT INTO t2(k, v) SELECT \'k\' || id, a FROM t1 WHERE id > $ ON CONFLICT DO NOTHING',
  'INSERT INTO t5 SELECT x, y, z FROM t3 WHERE y IS NOT NULL AND true ON CONFLICT DO NOTHING',
  'INSERT INTO t1(a, d) VALUES ((SELECT max(y) FROM t3), (SELECT count(*) FROM t1))',
  'DELETE FROM t1 WHERE id IN (SELECT x FROM t3 WHERE z > $)',
  'UPDATE t3 SET z = (SELECT count(*) FROM t1 WHERE t1.id <= t3.x) WHERE x % 2 = 1',
  // UPDATE … FROM and row values
  'UPDATE t1 SET b = t3.z, a = t3.y FROM t3 WHERE t3.x = t1.id RETURNING id, a, b',
  'UPDATE t5 SET (b, c) = ($, $) WHERE a = $',
  'UPDATE t1 SET (a, b) = (SELECT y, z FROM t3 WHERE x = t1.id) WHERE id < $',
  'UPDATE OR IGNORE t2 SET (v, w) = (w, $) WHERE k > $',
  // views
  'INSERT INTO v1 VALUES ($, $, $)',
  'UPDATE v1 SET a = $ WHERE id < $',
  'DELETE FROM v1 WHERE d = $',
  // reads
  'SELECT count(*), sum(d) FROM t1',
  'PRAGMA user_version',
  'PRAGMA user_version = $',
  'PRAGMA recursive_triggers = 1',
  'PRAGMA recursive_triggers = 0',
  // ALTER TABLE (renames toggle back and forth)
  "ALTER TABLE t1 ADD COLUMN e TEXT DEFAULT 'dflt'",
  'ALTER TABLE t3 ADD COLUMN w INT DEFAULT -5',
  'ALTER TABLE t2 ADD COLUMN u',
  'ALTER TABLE t1 RENAME COLUMN b TO bb',
  'ALTER TABLE t1 RENAME COLUMN bb TO b',
  'ALTER TABLE t3 RENAME COLUMN z TO zz',
  'ALTER TABLE t3 RENAME COLUMN zz TO z',
  'ALTER TABLE t1 DROP COLUMN c',
  'ALTER TABLE t1 ADD COLUMN c BLOB',
  'ALTER TABLE t3 DROP COLUMN w',
  'ALTER TABLE t2 DROP COLUMN u',
  'ALTER TABLE t2 DROP COLUMN v',
  'ALTER TABLE t2 ADD COLUMN v',
  'ALTER TABLE t5 RENAME TO t5b',
  'ALTER TABLE t5b RENAME TO t5',
  'ALTER TABLE t4 RENAME TO "t 4"',
  'ALTER TABLE "t 4" RENAME TO t4',
  // savepoints
  'SAVEPOINT sp1',
  'SAVEPOINT sp2',
  'RELEASE sp1',
  'RELEASE SAVEPOINT sp2',
  'ROLLBACK TO sp1',
  'ROLLBACK TO SAVEPOINT sp2',
];

const template = fc.record({ i: fc.integer({ min: 0, max: TEMPLATES.length - 1 }), values: fc.array(small, { minLength: 4, maxLength: 4 }) }).map(({ i, values }): Step => {
  const params: SqlValue[] = [];
  let k = 0;
  const sql = TEMPLATES[i]!.replace(/\$/g, () => lit(values[k++] ?? null, params));
  // PRAGMA takes no bound values: a literal number.
  if (sql.startsWith('PRAGMA user_version =')) return { sql: `PRAGMA user_version = ${typeof values[0] === 'number' ? Math.trunc(values[0]) : 3}`, params: [] };
  return { sql, params };
});

const object = fc.integer({ min: 0, max: OBJECTS.length - 1 });
const createObject = object.map((i): Step => ({ sql: OBJECTS[i]!.sql, params: [] }));
const dropObject = object.map((i): Step => ({ sql: `DROP ${OBJECTS[i]!.type.toUpperCase()} ${OBJECTS[i]!.name}`, params: [] }));

export const featureStep: fc.Arbitrary<Step> = fc.oneof(
  { weight: 10, arbitrary: template },
  { weight: 3, arbitrary: createObject },
  { weight: 1, arbitrary: dropObject },
);

/** Rows the tables start with (so that UPDATE, DELETE and the upserts find something). */
const SEED_ROWS: readonly string[] = [
  "INSERT INTO t1(a, b, d) VALUES ('a', 1.5, 1), ('b', 2, 2), ('abc', NULL, 3), (NULL, -1, 4), ('x', 0.5, 5), ('ABC', 7, NULL)",
  "INSERT INTO t2(k, v) VALUES ('a', 1), ('b', NULL), ('k3', 'x'), ('k5', 2.5)",
  "INSERT INTO t3(y, z) VALUES ('a', 1), ('b', 2), ('x', NULL), ('1', 5)",
  "INSERT INTO t4(p, q, r) VALUES (1, 'a', 1), (2, 'b', 'x'), (3, NULL, NULL)",
  'INSERT INTO t5(a, b) VALUES (1, 1), (2, 2), (3, 3)',
];

/** What a run starts with: the log table, seed rows, and some triggers and views. */
export const featureSetup: fc.Arbitrary<Step[]> = fc
  .subarray(OBJECTS.filter((o) => o.type === 'trigger'))
  .map((objs) => [
    { sql: LOG, params: [] },
    ...SEED_ROWS.map((sql) => ({ sql, params: [] })),
    ...OBJECTS.filter((o) => o.type === 'view').map((o) => ({ sql: o.sql, params: [] })),
    ...objs.map((o) => ({ sql: o.sql, params: [] })),
  ]);
