/**
 * Statements for the model-based differential test of generated columns (VIRTUAL and STORED),
 * expression indexes and partial indexes, run side by side with sql.js by runDifferential
 * (differential-support.ts: after every statement the same outcome; after every commit the same
 * rows of every table, the same sqlite_schema, our check and sqlite3's integrity_check clean).
 *
 * The tables mix generated columns everywhere SQLite allows them: before and after the columns
 * they read, chained (a VIRTUAL column reading a STORED one and back), NOT NULL and CHECK on
 * them, UNIQUE on them, in a WITHOUT ROWID table and in a STRICT table.
 */
import fc from 'fast-check';
import type { SqlValue } from '../../../src/record/value.js';
import { exactLiteral } from '../../support/sqljs.js';
import type { Step } from './differential-support.js';

export const GEN_TABLES: readonly string[] = [
  // Rowid table: the INTEGER PRIMARY KEY read by a generated column; NOT NULL and CHECK on generated ones.
  'CREATE TABLE g1(id INTEGER PRIMARY KEY, a INT, v AS (a * 2 + length(b)), b TEXT, s TEXT AS (b || \'/\' || coalesce(v, id)) STORED, w REAL AS (v + 0.5) VIRTUAL, n AS (coalesce(a, id, 0) % 7) NOT NULL, CHECK (v IS NULL OR v < 500))',
  // WITHOUT ROWID: a STORED column before the key, UNIQUE on a STORED one (checked before the
  // key: SQLite judges the newest index first), a VIRTUAL one on a STORED one.
  'CREATE TABLE g2(u AS (upper(k)) STORED, k TEXT PRIMARY KEY, x, y AS (x + 1), z INT AS (x || \'\') STORED UNIQUE, q AS (u || y) VIRTUAL) WITHOUT ROWID',
  // STRICT: affinity and type checks of generated values; UNIQUE on a STORED one.
  'CREATE TABLE g3(a INT, b TEXT, c REAL AS (a / 2.0), d INT AS (a + length(b)) STORED UNIQUE, e ANY AS (b) STORED, f TEXT AS (a) NOT NULL) STRICT',
];

const INDEXES: readonly string[] = [
  'CREATE INDEX gi1 ON g1(v)',
  'CREATE INDEX gi2 ON g1(w DESC, s)',
  'CREATE UNIQUE INDEX gi3 ON g1(s)',
  'CREATE INDEX gi4 ON g2(y) WHERE y > 3',
  'CREATE INDEX gi5 ON g1(lower(b), a + 1)',
  'CREATE INDEX gi6 ON g1(a) WHERE b IS NOT NULL',
  'CREATE UNIQUE INDEX gi7 ON g2(lower(k) || x)',
  'CREATE INDEX gi8 ON g3(c, b COLLATE NOCASE)',
  'CREATE INDEX gi9 ON g3(abs(a) DESC) WHERE a > 0',
  'CREATE INDEX gi10 ON g1(substr(b, 1, 1) COLLATE NOCASE, v)',
];

const LOG = 'CREATE TABLE glog(ev TEXT, v)';

const TRIGGERS: readonly string[] = [
  "CREATE TRIGGER gt1 AFTER INSERT ON g1 BEGIN INSERT INTO glog VALUES ('g1 ins', new.v || ':' || new.s || ':' || new.w || ':' || new.n); END",
  "CREATE TRIGGER gt2 BEFORE UPDATE ON g1 BEGIN INSERT INTO glog VALUES ('g1 upd', quote(old.v) || '>' || quote(new.v) || ' ' || quote(old.s) || '>' || quote(new.s)); END",
  "CREATE TRIGGER gt3 AFTER DELETE ON g2 BEGIN INSERT INTO glog VALUES ('g2 del', old.u || old.q); END",
  "CREATE TRIGGER gt4 BEFORE INSERT ON g1 WHEN new.v > 100 BEGIN SELECT RAISE(IGNORE); END",
];

const small: fc.Arbitrary<SqlValue> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 5, arbitrary: fc.integer({ min: -3, max: 60 }) },
  { weight: 1, arbitrary: fc.constantFrom(0.5, 2.0, -1.25, 1e3) },
  { weight: 4, arbitrary: fc.constantFrom('a', 'b', 'abc', 'ABC', 'x', '1', '', '12', 'zz') },
  // Blobs of ASCII bytes: a blob read as text (lower(b), b || 'x') keeps invalid UTF-8 bytes as
  // they are in SQLite, which our text conversion does not (it substitutes U+FFFD).
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 3, min: 0x30, max: 0x7a }) },
);

function lit(v: SqlValue, params: SqlValue[]): string {
  const l = exactLiteral(v);
  if (l.bind !== undefined) params.push(l.bind);
  return l.text;
}

/** `$` places are filled with literals (or `?` with bound values). */
const TEMPLATES: readonly string[] = [
  'INSERT INTO g1(a, b) VALUES ($, $)',
  'INSERT INTO g1(a, b) VALUES ($, $), ($, $)',
  'INSERT INTO g1(id, a, b) VALUES ($, $, $)',
  'INSERT OR REPLACE INTO g1(id, a, b) VALUES ($, $, $) RETURNING *',
  'INSERT OR IGNORE INTO g1 VALUES ($, $, $)',
  'INSERT INTO g1 VALUES ($, $, $, $)',
  'INSERT INTO g1(a, v) VALUES ($, $)',
  'INSERT INTO g1(a, b) VALUES ($, $) ON CONFLICT(s) DO UPDATE SET a = excluded.v, b = excluded.s || \'+\' RETURNING id, v, s, w, n',
  'INSERT INTO g1(a, b) SELECT x, k FROM g2 WHERE y > $',
  'UPDATE g1 SET a = $ WHERE v = $',
  'UPDATE g1 SET b = $ WHERE id % 3 = 0 RETURNING v, s',
  'UPDATE OR IGNORE g1 SET a = a + $ WHERE w > $',
  'UPDATE g1 SET v = 1',
  'UPDATE g1 SET (a, b) = ($, $) WHERE n = $',
  'DELETE FROM g1 WHERE s = $ OR v < $',
  'DELETE FROM g1 WHERE lower(b) = $ RETURNING *',
  'INSERT INTO g2(k, x) VALUES ($, $)',
  'INSERT INTO g2 VALUES ($, $), ($, $)',
  'INSERT OR REPLACE INTO g2(k, x) VALUES ($, $) RETURNING u, q, z',
  'INSERT INTO g2(k, x) VALUES ($, $) ON CONFLICT(k) DO UPDATE SET x = excluded.y RETURNING *',
  'INSERT INTO g2(k, x) VALUES ($, $) ON CONFLICT DO NOTHING',
  'INSERT INTO g2(u, k) VALUES ($, $)',
  'UPDATE g2 SET x = $ WHERE y = $',
  'UPDATE g2 SET k = k || $ WHERE q > $',
  'UPDATE g2 SET z = 3',
  'DELETE FROM g2 WHERE z = $ OR y IS NULL',
  'INSERT INTO g3(a, b) VALUES ($, $)',
  'INSERT INTO g3(a, b) VALUES ($, $) ON CONFLICT(d) DO UPDATE SET b = excluded.e || \'!\' RETURNING *',
  'INSERT INTO g3 VALUES ($, $)',
  'INSERT OR IGNORE INTO g3(a, b) VALUES ($, $)',
  'UPDATE g3 SET a = $ WHERE c > $',
  'UPDATE g3 SET b = $ WHERE d = $',
  'DELETE FROM g3 WHERE e = $ OR f IS NULL',
  // Reads through the generated columns (and the indexes on them and on expressions).
  'SELECT id, v, s, w, n FROM g1 WHERE v = $',
  'SELECT * FROM g1 WHERE s > $ ORDER BY s',
  'SELECT w, count(*) FROM g1 GROUP BY w',
  'SELECT id FROM g1 WHERE lower(b) = $ AND a + 1 = $',
  'SELECT id FROM g1 WHERE lower(b) = $',
  'SELECT a FROM g1 WHERE a > $ AND b IS NOT NULL',
  'SELECT k, q FROM g2 WHERE y > 3 AND y < $',
  'SELECT * FROM g2 WHERE lower(k) || x = $',
  'SELECT c, d, e, f FROM g3 WHERE c = $',
  'SELECT a FROM g3 WHERE abs(a) > $ AND a > 0',
  'SELECT v FROM g1 WHERE substr(b, 1, 1) = $ COLLATE NOCASE',
  'PRAGMA table_xinfo(g1)',
  'PRAGMA table_info(g2)',
  // ALTER TABLE with generated columns
  'ALTER TABLE g1 ADD COLUMN t AS (a || b)',
  "ALTER TABLE g1 ADD COLUMN t2 AS (b || 'x') STORED",
  'ALTER TABLE g1 ADD COLUMN t3 AS (a + 1) NOT NULL',
  'ALTER TABLE g1 ADD COLUMN t4 AS (zz)',
  'ALTER TABLE g3 ADD COLUMN g INT AS (a * 2)',
  'ALTER TABLE g1 DROP COLUMN t',
  'ALTER TABLE g1 DROP COLUMN w',
  'ALTER TABLE g1 DROP COLUMN a',
  'ALTER TABLE g2 DROP COLUMN q',
  'ALTER TABLE g1 RENAME COLUMN b TO bb',
  'ALTER TABLE g1 RENAME COLUMN bb TO b',
  'VACUUM',
  'BEGIN',
  'COMMIT',
  'ROLLBACK',
];

const template = fc.record({ i: fc.integer({ min: 0, max: TEMPLATES.length - 1 }), values: fc.array(small, { minLength: 4, maxLength: 4 }) }).map(({ i, values }): Step => {
  const params: SqlValue[] = [];
  let k = 0;
  const sql = TEMPLATES[i]!.replace(/\$/g, () => lit(values[k++] ?? null, params));
  return { sql, params };
});

const index = fc.integer({ min: 0, max: INDEXES.length - 1 });
const createIndex = index.map((i): Step => ({ sql: INDEXES[i]!, params: [] }));
const dropIndex = index.map((i): Step => ({ sql: `DROP INDEX ${/INDEX (\w+)/.exec(INDEXES[i]!)![1]}`, params: [] }));

export const generatedStep: fc.Arbitrary<Step> = fc.oneof(
  { weight: 12, arbitrary: template },
  { weight: 2, arbitrary: createIndex },
  { weight: 1, arbitrary: dropIndex },
);

const SEED_ROWS: readonly string[] = [
  "INSERT INTO g1(a, b) VALUES (1, 'a'), (2, 'bb'), (NULL, 'c'), (4, NULL), (5, 'ABC'), (40, 'x')",
  "INSERT INTO g2(k, x) VALUES ('a', 1), ('b', 2), ('c', 'x'), ('D', NULL), ('e', 5)",
  "INSERT INTO g3(a, b) VALUES (1, 'a'), (2, 'bb'), (-3, 'c'), (4, NULL)",
];

/** What a run starts with: the tables, the log, seed rows, some indexes and triggers. */
export const generatedSetup: fc.Arbitrary<Step[]> = fc
  .tuple(fc.subarray([...INDEXES]), fc.subarray([...TRIGGERS]))
  .map(([indexes, triggers]) =>
    [...GEN_TABLES, LOG, ...SEED_ROWS, ...indexes, ...triggers].map((sql) => ({ sql, params: [] })),
  );
