/**
 * Property tests for the parser with real SQLite (sql.js) as the oracle:
 * - operator precedence: random unparenthesised expressions are parsed, printed back fully
 *   parenthesised, and SQLite must find both forms equal (and accept/reject the same texts);
 * - robustness: random mutations of valid SQL only ever throw SqlSyntaxError.
 */
import fc from 'fast-check';
import { openSqlJs, type SqlJsDatabase } from '../schema/oracle.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlSyntaxError } from '../../src/errors.js';
import { parseExpression, parseStatements } from '../../src/sql/parser.js';
import { printExpr } from './print-expr.js';

type Db = SqlJsDatabase;

const ATOMS = ['0', '1', '2', '3', '-1', 'NULL', "'a'", "'1'", '2.5', "'A'", "x'41'"];
const BINARY = ['+', '-', '*', '/', '%', '||', '&', '|', '<<', '>>', '<', '<=', '>', '>=', '=', '==', '!=', '<>',
  'IS', 'IS NOT', 'IS DISTINCT FROM', 'IS NOT DISTINCT FROM', 'AND', 'OR', 'LIKE', 'NOT LIKE', 'GLOB', 'NOT GLOB'];
const PREFIX = ['-', '+', '~', 'NOT'];
const POSTFIX = ['ISNULL', 'NOTNULL', 'NOT NULL', 'COLLATE nocase', 'COLLATE binary', 'IS NULL', 'IS NOT NULL'];

/** A flat (unparenthesised) expression: SQLite's precedence decides its shape. */
const flatExpr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...ATOMS),
    fc.tuple(fc.constantFrom(...PREFIX), tie('e')).map(([op, e]) => `${op} ${e}`),
    fc.tuple(tie('e'), fc.constantFrom(...BINARY), tie('e')).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc.tuple(tie('e'), fc.constantFrom(...POSTFIX)).map(([a, op]) => `${a} ${op}`),
    fc.tuple(tie('e'), fc.boolean(), tie('e'), tie('e')).map(([a, not, b, c]) => `${a}${not ? ' NOT' : ''} BETWEEN ${b} AND ${c}`),
    fc.tuple(tie('e'), fc.boolean(), fc.array(tie('e'), { minLength: 0, maxLength: 3 })).map(
      ([a, not, items]) => `${a}${not ? ' NOT' : ''} IN (${items.join(', ')})`,
    ),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `${a} LIKE ${b} ESCAPE 'x'`),
    fc.tuple(tie('e'), tie('e'), tie('e')).map(([a, b, c]) => `CASE ${a} WHEN ${b} THEN ${c} END`),
    tie('e').map((e) => `(${e})`),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `coalesce(${a}, ${b})`),
  ),
})).e;

/** true: SQLite prepares it; false: a syntax error; undefined: some other compile error. */
function sqliteAccepts(db: Db, sql: string): boolean | undefined {
  try {
    db.prepare(sql).free();
    return true;
  } catch (err) {
    return /syntax error|unrecognized token|incomplete input/.test(String(err)) ? false : undefined;
  }
}

function sqliteValue(db: Db, sql: string): unknown {
  return db.exec(sql)[0]?.values[0]?.[0];
}

describe('expression precedence matches SQLite', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openSqlJs();
  });
  afterAll(() => db.close());

  it('parses random flat expressions into the tree SQLite evaluates', () => {
    fc.assert(
      fc.property(flatExpr, (flat) => {
        const accepted = sqliteAccepts(db, `SELECT ${flat}`);
        if (accepted === undefined) return; // e.g. glob() with ESCAPE: not a parsing question
        let ours: string | undefined;
        try {
          ours = printExpr(parseExpression(flat));
        } catch (err) {
          if (!(err instanceof SqlSyntaxError)) throw err;
        }
        expect(ours !== undefined, `acceptance of: ${flat}`).toBe(accepted);
        if (ours === undefined) return;
        // Same value and type (or the same run-time error) for both texts.
        const row = (e: string): unknown => {
          try {
            return JSON.stringify(db.exec(`SELECT ${e}, typeof(${e})`)[0]?.values[0]);
          } catch (err) {
            return `error: ${String(err)}`;
          }
        };
        expect(row(ours), `${flat}\n  parsed as ${ours}`).toBe(row(flat));
      }),
      { numRuns: 600 },
    );
  });

  it('agrees on shapes where precedence alone decides the value', () => {
    // Each pair evaluates differently under any other grouping.
    const cases = [
      '1 + 2 * 3', '7 - 2 - 1', '2 * 3 % 4', '1 | 2 & 3', '1 << 2 + 1', "'a' || 1 + 2", '- 2 * 3',
      'NOT 0 = 1', '1 = 1 = 1', '0 AND 0 OR 1', '1 OR 0 AND 0', '1 < 2 = 1', '2 BETWEEN 1 AND 3 = 1',
      "'a' LIKE 'A' = 1", '1 IS NOT NULL = 0', '3 & 1 << 1', '~1 + 1', '- 1 || 2', "'x' COLLATE nocase = 'X'",
      '5 - - 3', 'NOT NOT 1', '1 IN (1, 2) = 0', '2 NOT BETWEEN 1 AND 3 OR 1', '0 = NOT 1 = 2',
    ];
    for (const flat of cases) {
      const ours = printExpr(parseExpression(flat));
      expect(sqliteValue(db, `SELECT (${flat}) IS (${ours})`), `${flat} → ${ours}`).toBe(1);
    }
  });
});

const CORPUS = [
  `CREATE TABLE t(a INTEGER PRIMARY KEY AUTOINCREMENT, b TEXT NOT NULL DEFAULT 'x' COLLATE nocase, c REAL CHECK (c > 0), d BLOB UNIQUE, e AS (a + 1) STORED, FOREIGN KEY (b) REFERENCES u(x) ON DELETE CASCADE) WITHOUT ROWID, STRICT;`,
  `CREATE UNIQUE INDEX IF NOT EXISTS i ON t(a COLLATE nocase DESC, lower(b)) WHERE a IS NOT NULL;`,
  `CREATE VIEW v(x, y) AS SELECT DISTINCT a, count(*) FILTER (WHERE b > 1) OVER (PARTITION BY c) FROM t AS t1 LEFT JOIN u USING (a) WHERE a IN (SELECT 1 UNION ALL SELECT 2) GROUP BY a HAVING count(*) > 1 ORDER BY 1 DESC NULLS LAST LIMIT 10 OFFSET 2;`,
  `CREATE TRIGGER tr BEFORE UPDATE OF a, b ON t FOR EACH ROW WHEN new.a > old.a BEGIN UPDATE t SET b = CASE WHEN new.a THEN 1 ELSE 2 END WHERE a = new.a; SELECT RAISE(ABORT, 'no'); END;`,
  `CREATE VIRTUAL TABLE f USING fts5(a, b, tokenize = 'porter ascii');`,
  `INSERT OR REPLACE INTO main.t(a, b) VALUES (1, x'00ff'), (?2, :name); INSERT INTO t DEFAULT VALUES; REPLACE INTO t SELECT * FROM u;`,
  `UPDATE OR IGNORE t SET a = a + 1, (b, c) = (1, 2) WHERE rowid BETWEEN $x AND @y; DELETE FROM t WHERE a NOT LIKE 'a%' ESCAPE '\\';`,
  `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10) SELECT x FROM c;`,
  `BEGIN IMMEDIATE TRANSACTION; SAVEPOINT s; RELEASE s; ROLLBACK TO s; COMMIT; PRAGMA main.journal_mode = 'wal'; PRAGMA table_info(t); EXPLAIN QUERY PLAN SELECT 1;`,
  `DROP TABLE IF EXISTS t; DROP INDEX i; DROP VIEW v; DROP TRIGGER tr; SELECT CAST(a AS VARCHAR(10)), -0x7FFFFFFFFFFFFFFF, 1e10, .5, "quoted""id", [br], \`bt\` FROM t /* c */ -- end`,
];

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 8 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.oneof(
      fc.constantFrom('(', ')', ',', ';', "'", '"', '[', '`', 'x\'', '/*', '--', 'SELECT', 'END', 'CASE', 'NOT', '.', '?', ':', '$', '#1', '0x', '1e', '!', '\u00e9', '\n', ' '),
      fc.string({ maxLength: 4 }),
    ),
  }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 20 }) }),
);

describe('parser robustness', () => {
  it('throws only SqlSyntaxError on mutated SQL', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CORPUS), fc.array(mutation, { minLength: 1, maxLength: 4 }), (sql, muts) => {
        let s = sql;
        for (const m of muts) {
          const at = m.at % (s.length + 1);
          if (m.kind === 'delete') s = s.slice(0, at) + s.slice(at + m.len);
          else if (m.kind === 'insert') s = s.slice(0, at) + m.text + s.slice(at);
          else s = s.slice(0, at) + s.slice(at, at + m.len) + s.slice(at);
        }
        try {
          parseStatements(s);
        } catch (err) {
          if (!(err instanceof SqlSyntaxError)) throw new Error(`non-syntax error on ${JSON.stringify(s)}: ${String(err)}`);
          expect(err.line).toBeGreaterThanOrEqual(1);
          expect(err.col).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('parses the unmutated corpus', () => {
    for (const sql of CORPUS) expect(() => parseStatements(sql), sql).not.toThrow();
  });

  it('rejects deep nesting with a syntax error, not a stack overflow', () => {
    const deep = '('.repeat(5000) + '1' + ')'.repeat(5000);
    expect(() => parseExpression(deep)).toThrow(SqlSyntaxError);
    const nots = 'NOT '.repeat(5000) + '1';
    expect(() => parseExpression(nots)).toThrow(SqlSyntaxError);
  });

  it('throws only SqlSyntaxError on random text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60, unit: 'binary' }), (s) => {
        try {
          parseStatements(s);
        } catch (err) {
          if (!(err instanceof SqlSyntaxError)) throw err;
        }
      }),
      { numRuns: 1000 },
    );
  });
});

/** Statements SQLite can prepare against the tables t(a, b, c) and u(a, x). */
const DIFF_CORPUS = [
  'SELECT a, b AS bee, count(*) FROM t AS t1 LEFT JOIN u ON t1.a = u.a WHERE b BETWEEN 1 AND 2 GROUP BY a HAVING count(*) > 0 ORDER BY 1 DESC LIMIT 3 OFFSET 1',
  "SELECT CASE a WHEN 1 THEN 'x' ELSE 'y' END, CAST(b AS TEXT), a IN (1, 2), EXISTS (SELECT 1 FROM u) FROM t",
  'SELECT * FROM t WHERE a NOT IN (SELECT a FROM u) AND b IS NOT NULL OR c LIKE \'%x\' ESCAPE \'!\'',
  'INSERT OR REPLACE INTO t(a, b) VALUES (1, 2), (3, ?)',
  'INSERT INTO t SELECT a, x, 1 FROM u UNION ALL SELECT 1, 2, 3',
  'UPDATE t SET a = a + 1, b = (SELECT max(x) FROM u) WHERE c IS NULL',
  'DELETE FROM t WHERE a = -1 OR b >= 2',
  'CREATE TABLE n(a INTEGER PRIMARY KEY, b TEXT NOT NULL DEFAULT \'z\' COLLATE nocase, c REAL CHECK (c > 0), UNIQUE (b, c))',
  'CREATE INDEX ni ON t(a DESC, b COLLATE nocase) WHERE c > 0',
  'CREATE VIEW nv AS SELECT a, b FROM t WHERE a > 0',
  'CREATE TRIGGER ntr AFTER DELETE ON t BEGIN DELETE FROM u WHERE a = old.a; END',
  'WITH w(x) AS (SELECT 1) SELECT x FROM w',
  'SELECT t.*, u.x FROM t NATURAL JOIN u, (SELECT 1 AS z) AS s CROSS JOIN t AS t2 USING (a) WHERE t.a IS NOT DISTINCT FROM s.z',
  'SELECT a FROM t UNION SELECT a FROM u EXCEPT SELECT 1 INTERSECT VALUES (2), (3) ORDER BY 1 LIMIT 1, 2',
  "SELECT group_concat(DISTINCT a), sum(b) FILTER (WHERE b > 0), a COLLATE nocase, -a, ~b, NOT c, x'00', :p, @q, $r FROM t",
  'SELECT (a, b) = (1, 2), a ISNULL, b NOTNULL, c NOT NULL, a GLOB b, a NOT LIKE b, (SELECT 1) FROM t',
  'CREATE TABLE n2(a INT PRIMARY KEY DESC ON CONFLICT FAIL, b REFERENCES u(x) ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED, c AS (a + 1) STORED, CONSTRAINT ck CHECK (a > 0) FOREIGN KEY (b) REFERENCES u(a)) WITHOUT ROWID',
  'CREATE TABLE n3 AS SELECT a, b FROM t WHERE 0',
  'CREATE UNIQUE INDEX IF NOT EXISTS ni2 ON t(lower(b), a + 1 DESC)',
  'CREATE TRIGGER IF NOT EXISTS ntr2 BEFORE UPDATE OF a, b ON t FOR EACH ROW WHEN new.a > 0 BEGIN UPDATE u SET x = CASE WHEN new.a THEN 1 END; SELECT RAISE(ABORT, \'no\'); END',
  'DROP TABLE IF EXISTS zz',
  'PRAGMA main.cache_size = -100',
  'SELECT a FROM t INDEXED BY sqlite_autoindex_t_1 WHERE a = 1',
  'SELECT max(a) OVER (PARTITION BY b ORDER BY c ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t',
  'INSERT INTO t(a, b) VALUES (1, 2) ON CONFLICT (a) WHERE a > 0 DO UPDATE SET b = excluded.b WHERE b IS NULL ON CONFLICT DO NOTHING RETURNING a, b AS bee, *',
  'INSERT INTO t SELECT a, x, 1 FROM u WHERE 1 ON CONFLICT DO UPDATE SET (b, c) = (1, 2)',
  'UPDATE t SET a = 1 WHERE b = 2 RETURNING a + 1 AS x',
  'DELETE FROM t WHERE a = 1 RETURNING *',
  "ALTER TABLE t ADD COLUMN d TEXT NOT NULL DEFAULT 'x' COLLATE nocase",
  'ALTER TABLE t RENAME COLUMN b TO bb',
  'ALTER TABLE u RENAME TO u2',
  'ALTER TABLE t DROP COLUMN c',
  'ANALYZE main.t',
  'REINDEX t',
  "ATTACH DATABASE ':memory:' AS aux",
];

/** Syntax-level verdict of SQLite on a script: true, false, or undefined (it failed otherwise). */
async function sqliteSyntax(sql: string): Promise<boolean | undefined> {
  const db = await openSqlJs();
  try {
    db.exec('CREATE TABLE t(a, b, c); CREATE TABLE u(a, x); CREATE UNIQUE INDEX t_a ON t(a)');
    db.exec(sql);
    return true;
  } catch (err) {
    // "malformed database schema": SQLite accepted the statement but cannot re-read the text it
    // stored (e.g. an index named IF after IF NOT EXISTS) — not a verdict on the statement.
    const m = String(err);
    return /syntax error|incomplete input|unrecognized token/.test(m) && !m.includes('malformed database schema') ? false : undefined;
  } finally {
    db.close();
  }
}

describe('statement grammar matches SQLite', () => {
  it('accepts exactly the mutated statements SQLite accepts', async () => {
    const tokens = ['(', ')', ',', 'SELECT', 'FROM', 'WHERE', 'AND', 'NOT', 'NULL', 'AS', 'a', '1', "'s'", 'END', 'CASE', 'IN', 'ON', 'BY', 'ORDER', '*', '+', '=', 'IS', 'DISTINCT', 'ALL', 'KEY', 'PRIMARY', 'DEFAULT', 'COLLATE',
      'UNIQUE', 'CHECK', 'JOIN', 'LEFT', 'USING', 'TABLE', 'INDEX', 'WITHOUT', 'ROWID', 'GENERATED', 'ALWAYS', 'STORED', 'VALUES', 'UNION', 'LIMIT', 'OFFSET', '.', 'EXISTS', 'BETWEEN', 'LIKE', 'ESCAPE', 'DESC', 'ASC', 'CONSTRAINT', 'REFERENCES', 'ROW', 'FOR', 'EACH', 'BEGIN', 'WHEN', 'THEN', 'ELSE', 'OVER', 'FILTER', 'AUTOINCREMENT', 'TEMP', 'IF', 'INDEXED', 'REPLACE', 'OR', 'RAISE', 'CAST', '-', 'ISNULL', 'GLOB',
      'CONFLICT', 'DO', 'NOTHING', 'UPDATE', 'SET', 'RETURNING', 'ALTER', 'ADD', 'COLUMN', 'RENAME', 'TO', 'DROP', 'DATABASE', 'KEY', 'INTO'];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...DIFF_CORPUS),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 2 }), fc.constantFrom(...tokens, '')), { minLength: 1, maxLength: 3 }),
        async (sql, edits) => {
          // Edit whole words so that the tokenizer is not the subject here.
          let words = sql.split(' ');
          for (const [at, del, ins] of edits) {
            const i = at % (words.length + 1);
            words = [...words.slice(0, i), ...(ins === '' ? [] : [ins]), ...words.slice(i + del)];
          }
          const text = words.join(' ');
          if (text.includes(';')) return;
          const verdict = await sqliteSyntax(text);
          if (verdict === undefined) return;
          let ours = true;
          let message = '';
          try {
            parseStatements(text);
          } catch (err) {
            if (!(err instanceof SqlSyntaxError)) throw err;
            ours = false;
            message = err.message;
          }
          expect(ours, `${text}\n  ours: ${message || "accepted"}; sqlite: ${verdict ? "accepted" : "syntax error"}`).toBe(verdict);
        },
      ),
      { numRuns: 1500 },
    );
  });
});
