import { openSqlJs } from '../schema/oracle.js';
import { describe, expect, it } from 'vitest';
import { SqlSyntaxError } from '../../src/errors.js';
import type { CreateTableStatement, CreateTriggerStatement, SelectStatement } from '../../src/sql/ast.js';
import { parseExpression, parseStatement, parseStatements, parseStatementsWithText } from '../../src/sql/parser.js';

function syntaxError(sql: string): SqlSyntaxError {
  try {
    parseStatements(sql);
  } catch (err) {
    expect(err).toBeInstanceOf(SqlSyntaxError);
    return err as SqlSyntaxError;
  }
  throw new Error(`expected a syntax error for ${sql}`);
}

describe('parseStatements', () => {
  it('splits on semicolons and ignores empty statements', () => {
    expect(parseStatements('')).toEqual([]);
    expect(parseStatements(' ;; -- nothing\n ;')).toEqual([]);
    const list = parseStatementsWithText('SELECT 1;; SELECT 2 ;');
    expect(list.map((s) => [s.statement.kind, s.text, s.offset])).toEqual([
      ['select', 'SELECT 1', 0],
      ['select', 'SELECT 2', 11],
    ]);
  });

  it('produces frozen ASTs', () => {
    const stmt = parseStatement('SELECT a + 1 FROM t WHERE b') as SelectStatement;
    expect(Object.isFrozen(stmt)).toBe(true);
    expect(Object.isFrozen(stmt.first)).toBe(true);
    expect(Object.isFrozen(parseExpression('a + 1'))).toBe(true);
  });

  it('reports errors with SQLite wording and the offending position', () => {
    let e = syntaxError('SELECT a FROM');
    expect(e.message).toMatch(/^incomplete input/);
    e = syntaxError('SELECT FROM t');
    expect(e.message).toMatch(/^near "FROM": syntax error/);
    expect([e.line, e.col]).toEqual([1, 8]);
    e = syntaxError('SELECT 1;\nCREATE TABLE t(\n  a, select)');
    expect(e.message).toMatch(/^near "select": syntax error/);
    expect([e.line, e.col]).toEqual([3, 6]);
    e = syntaxError("SELECT 'abc");
    expect(e.message).toMatch(/^unrecognized token: "'abc"/);
    e = syntaxError('SELECT 1 2');
    expect(e.message).toMatch(/^near "2": syntax error/);
  });

  it('accepts and rejects the same statements as SQLite', async () => {
    const db = await openSqlJs();
    db.exec('CREATE TABLE t(a, b, c); CREATE TABLE u(a, x)');
    const cases = [
      'SELECT key, desc, end, "left", replace(a, 1, 2) FROM (SELECT 1 AS key, 2 AS desc, 3 AS end, 4 AS "left", 5 AS a)',
      'CREATE TABLE k(key, desc, end, left, replace, temp, row, action, if)',
      'CREATE TABLE k(select)',
      'CREATE TABLE k(a, b, PRIMARY KEY(a) UNIQUE(b))',
      'CREATE TABLE k(a, PRIMARY KEY(a), b)',
      'CREATE TABLE k(a INTEGER PRIMARY KEY ASC AUTOINCREMENT, b VARCHAR(1, 2), c DOUBLE PRECISION)',
      'CREATE TABLE k(a DEFAULT -1, b DEFAULT (1 + 2), c DEFAULT CURRENT_DATE, d DEFAULT foo, e DEFAULT x\'00\')',
      'CREATE TABLE k(a DEFAULT 1 + 2)',
      'CREATE TABLE k(a AS (1) STORED, b GENERATED ALWAYS AS (2) VIRTUAL, c)',
      'CREATE TABLE k(a, b) WITHOUT ROWID',
      'CREATE TABLE k(a PRIMARY KEY, b) STRICT, WITHOUT ROWID',
      'SELECT * FROM t NATURAL LEFT OUTER JOIN u',
      'SELECT * FROM t CROSS JOIN u ON 1, t AS t2 INNER JOIN u AS u2 USING (a)',
      'SELECT * FROM t left',
      'SELECT a FROM t WHERE a IN t',
      'SELECT a FROM t WHERE a NOT IN ()',
      'SELECT 1 WHERE 1 NOT NULL AND 2 ISNULL OR 3 NOTNULL',
      'SELECT CASE WHEN 1 THEN 2 END, CASE 1 WHEN 1 THEN 2 ELSE 3 END',
      'SELECT CASE END',
      'SELECT count(DISTINCT a), count(*), group_concat(a ORDER BY b) FROM t',
      'SELECT a FROM t GROUP BY a HAVING count(*) > 1 ORDER BY a DESC NULLS FIRST LIMIT 1, 2',
      'SELECT a FROM t UNION SELECT a FROM u INTERSECT VALUES (1) EXCEPT SELECT 3',
      'SELECT (1, 2) = (1, 2), EXISTS (SELECT 1), (SELECT 2)',
      'SELECT 1 IS DISTINCT FROM 2, 1 IS NOT DISTINCT FROM 1',
      'SELECT 1 BETWEEN 0 AND',
      'INSERT INTO t VALUES (1, 2, 3), (4, 5, 6)',
      'INSERT OR IGNORE INTO t(a) SELECT 1',
      'INSERT INTO t DEFAULT VALUES',
      'UPDATE t SET a = 1, (b, c) = (2, 3) WHERE a = 1',
      'UPDATE t SET a',
      'DELETE FROM t WHERE a > 1',
      'DELETE t',
      'DROP TABLE IF EXISTS nope',
      'BEGIN EXCLUSIVE TRANSACTION',
      'PRAGMA cache_size = -2000',
      'PRAGMA table_info(t)',
      'EXPLAIN QUERY PLAN SELECT * FROM t',
      'SELECT CAST(1 AS INTEGER), CAST(1 AS UNSIGNED BIG INT), CAST(2 AS)',
      'CREATE INDEX ti ON t(a COLLATE nocase DESC, b + 1) WHERE c IS NOT NULL',
      'CREATE INDEX ti2 ON t(a NULLS FIRST)',
      'CREATE VIEW tv(x) AS SELECT a FROM t',
      'CREATE TRIGGER tt AFTER INSERT ON t BEGIN UPDATE t SET a = CASE WHEN 1 THEN 2 END; END',
      'CREATE TRIGGER tt2 AFTER INSERT ON t BEGIN END',
      'SELECT 1 +',
      'SELECT a. FROM t',
      'SELECT t.* FROM t',
      'WITH c AS (SELECT 1) SELECT * FROM c',
      'WITH c AS (SELECT 1) DELETE FROM t',
    ];
    for (const sql of cases) {
      let sqlite = true;
      let message = '';
      try {
        db.exec(`SAVEPOINT s; ${sql}; ROLLBACK TO s; RELEASE s;`);
      } catch (err) {
        message = String(err);
        sqlite = !/syntax error|incomplete input|unrecognized token|unknown table option|unsupported use of NULLS/.test(message);
        db.exec('ROLLBACK');
      }
      let ours = true;
      try {
        parseStatements(sql);
      } catch (err) {
        if (!(err instanceof SqlSyntaxError)) throw err;
        ours = false;
        message = err.message;
      }
      expect(ours, `${sql}: ${message}`).toBe(sqlite);
    }
    db.close();
  });
});

describe('names and keywords', () => {
  it('uses fallback keywords and strings as names, as SQLite does', () => {
    const t = parseStatement("CREATE TABLE 'x y'(key, [desc] INT, \"end\", left, 'str')") as CreateTableStatement;
    expect(t.table.name).toBe('x y');
    expect(t.columns.map((c) => c.name)).toEqual(['key', 'desc', 'end', 'left', 'str']);
    expect(parseExpression('"a""b"')).toEqual({ kind: 'column', column: 'a"b', doubleQuoted: true });
    expect(parseExpression('main.t.c')).toEqual({ kind: 'column', schema: 'main', table: 't', column: 'c', doubleQuoted: false });
  });

  it('keeps GENERATED ALWAYS inside the type tokens (the schema layer strips them)', () => {
    const t = parseStatement('CREATE TABLE g(a INT GENERATED ALWAYS AS (1) STORED)') as CreateTableStatement;
    expect(t.columns[0]?.type).toBe('INT GENERATED ALWAYS');
    expect(t.columns[0]?.constraints).toMatchObject([{ kind: 'generated', stored: true }]);
  });
});

describe('literals', () => {
  it('reads integers as numbers or bigints and too-large ones as reals', () => {
    expect(parseExpression('12')).toMatchObject({ type: 'integer', value: 12 });
    expect(parseExpression('9223372036854775807')).toMatchObject({ type: 'integer', value: 9223372036854775807n });
    expect(parseExpression('9223372036854775808')).toMatchObject({ type: 'real', value: 9223372036854775808 });
    expect(parseExpression('0xFFFFFFFFFFFFFFFF')).toMatchObject({ type: 'integer', value: -1 });
    expect(parseExpression('0x7fffffffffffffff')).toMatchObject({ type: 'integer', value: 9223372036854775807n });
    expect(() => parseExpression('0x10000000000000000')).toThrow(/hex literal too big/);
    expect(parseExpression("x'00ff'")).toMatchObject({ type: 'blob', value: new Uint8Array([0, 255]) });
    expect(parseExpression("'it''s'")).toMatchObject({ type: 'text', value: "it's" });
    expect(parseExpression('1.5e3')).toMatchObject({ type: 'real', value: 1500 });
    expect(parseExpression('NULL')).toMatchObject({ type: 'null', value: null });
  });
});

describe('statements', () => {
  it('parses CREATE TABLE with every kind of constraint', () => {
    const t = parseStatement(
      `CREATE TEMP TABLE IF NOT EXISTS s.t(
         a INTEGER CONSTRAINT pk PRIMARY KEY DESC ON CONFLICT REPLACE AUTOINCREMENT,
         b TEXT NOT NULL ON CONFLICT IGNORE DEFAULT 'x' COLLATE nocase UNIQUE CHECK (b <> ''),
         c REFERENCES u(x) ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED,
         CONSTRAINT u1 UNIQUE (b, c DESC) ON CONFLICT FAIL,
         CHECK (a > 0)
         FOREIGN KEY (c) REFERENCES u(x) MATCH FULL
       ) WITHOUT ROWID, STRICT`,
    ) as CreateTableStatement;
    expect(t).toMatchObject({
      kind: 'create-table',
      temp: true,
      ifNotExists: true,
      table: { schema: 's', name: 't' },
      withoutRowid: true,
      strict: true,
    });
    expect(t.columns[0]?.constraints).toEqual([
      { name: 'pk', kind: 'primary-key', desc: true, order: 'DESC', conflict: 'REPLACE', autoincrement: true },
    ]);
    expect(t.columns[1]?.constraints.map((c) => c.kind)).toEqual(['not-null', 'default', 'collate', 'unique', 'check']);
    expect(t.columns[2]?.constraints).toMatchObject([
      { kind: 'references', fk: { table: 'u', columns: ['x'], actions: 'ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED' } },
    ]);
    expect(t.constraints.map((c) => c.kind)).toEqual(['unique', 'check', 'foreign-key']);
    expect(t.constraints[0]).toMatchObject({ name: 'u1', conflict: 'FAIL', columns: [{ column: 'b' }, { column: 'c', desc: true }] });
  });

  it('keeps DEFAULT clause text as PRAGMA table_info reports it', () => {
    const t = parseStatement("CREATE TABLE d(a DEFAULT - 5, b DEFAULT ( 1 +2 ), c DEFAULT 'x''y', e DEFAULT true, f DEFAULT \"q\")") as CreateTableStatement;
    const texts = t.columns.map((c) => (c.constraints[0]?.kind === 'default' ? c.constraints[0].text : undefined));
    expect(texts).toEqual(['- 5', '1 +2', "'x''y'", 'true', '"q"']);
    expect(t.columns[3]?.constraints[0]).toMatchObject({ expr: { type: 'integer', value: 1 } });
    expect(t.columns[4]?.constraints[0]).toMatchObject({ expr: { type: 'text', value: 'q' } });
  });

  it('keeps a trigger body as text, past CASE … END and columns named end', () => {
    const sql = `CREATE TRIGGER IF NOT EXISTS tr INSTEAD OF UPDATE OF a, "end" ON v FOR EACH ROW WHEN new.a BEGIN
      UPDATE t SET "end" = CASE WHEN new.a THEN 1 ELSE CASE 2 WHEN 2 THEN 3 END END;
      SELECT RAISE(IGNORE);
    END`;
    const tr = parseStatement(sql) as CreateTriggerStatement;
    expect(tr).toMatchObject({ timing: 'INSTEAD OF', event: 'UPDATE', updateOf: ['a', 'end'], table: 'v', forEachRow: true });
    expect(tr.body).toBe('UPDATE t SET "end" = CASE WHEN new.a THEN 1 ELSE CASE 2 WHEN 2 THEN 3 END END;\n      SELECT RAISE(IGNORE);');
  });

  it('parses CREATE VIRTUAL TABLE arguments as text', () => {
    expect(parseStatement("CREATE VIRTUAL TABLE IF NOT EXISTS f USING fts5(a, b UNINDEXED, tokenize = 'porter', x(1, (2)))")).toEqual({
      kind: 'create-virtual-table',
      ifNotExists: true,
      table: { name: 'f' },
      module: 'fts5',
      args: ['a', 'b UNINDEXED', "tokenize = 'porter'", 'x(1, (2))'],
    });
    expect(parseStatement('CREATE VIRTUAL TABLE r USING rtree')).toMatchObject({ module: 'rtree', args: [] });
  });

  it('parses CREATE VIEW keeping the SELECT text', () => {
    expect(parseStatement('CREATE VIEW v (x) AS SELECT a FROM t WHERE a > 1')).toMatchObject({
      kind: 'create-view',
      columns: ['x'],
      selectText: 'SELECT a FROM t WHERE a > 1',
      select: { first: { kind: 'select-core', where: { kind: 'binary', op: '>' } } },
    });
  });

  it('parses data changes and transaction control', () => {
    expect(parseStatement('REPLACE INTO t(a) VALUES (1), (2)')).toMatchObject({
      kind: 'insert',
      conflict: 'REPLACE',
      columns: ['a'],
      source: { kind: 'values', rows: [[{ value: 1 }], [{ value: 2 }]] },
    });
    expect(parseStatement('INSERT INTO t VALUES (1) UNION SELECT 2')).toMatchObject({ source: { kind: 'select' } });
    expect(parseStatement('UPDATE OR ROLLBACK t AS x SET a = 1 WHERE rowid = ?')).toMatchObject({
      kind: 'update',
      conflict: 'ROLLBACK',
      alias: 'x',
      set: [{ columns: ['a'] }],
      where: { kind: 'binary', right: { kind: 'parameter', name: '?' } },
    });
    expect(parseStatement('DELETE FROM main.t')).toEqual({ kind: 'delete', table: { schema: 'main', name: 't' } });
    expect(parseStatement('DROP INDEX IF EXISTS i')).toEqual({ kind: 'drop', objectType: 'index', ifExists: true, name: { name: 'i' } });
    expect(parseStatement('BEGIN')).toEqual({ kind: 'begin', mode: 'DEFERRED' });
    expect(parseStatement('END TRANSACTION')).toEqual({ kind: 'commit' });
    expect(parseStatement('ROLLBACK')).toEqual({ kind: 'rollback' });
    expect(parseStatement('PRAGMA main.page_size')).toEqual({ kind: 'pragma', schema: 'main', name: 'page_size', call: false });
    expect(parseStatement("PRAGMA journal_mode = 'wal'")).toEqual({ kind: 'pragma', name: 'journal_mode', value: 'wal', call: false });
    expect(parseStatement('PRAGMA index_xinfo(i)')).toEqual({ kind: 'pragma', name: 'index_xinfo', value: 'i', call: true });
    expect(parseStatement('EXPLAIN SELECT 1')).toMatchObject({ kind: 'explain', queryPlan: false, statement: { kind: 'select' } });
  });

  it('parses upserts and RETURNING', () => {
    expect(
      parseStatement('INSERT INTO t(a) VALUES (1) ON CONFLICT (a) WHERE a > 0 DO UPDATE SET b = excluded.b WHERE b IS NULL ON CONFLICT DO NOTHING RETURNING a AS x, *'),
    ).toMatchObject({
      kind: 'insert',
      upsert: [
        { target: { columns: [{ column: 'a' }], where: { op: '>' } }, action: { kind: 'update', set: [{ columns: ['b'] }], where: { kind: 'binary', op: 'IS' } } },
        { action: { kind: 'nothing' } },
      ],
      returning: [{ kind: 'expr', alias: 'x' }, { kind: 'star' }],
    });
    expect(parseStatement('DELETE FROM t RETURNING *')).toMatchObject({ returning: [{ kind: 'star' }] });
    expect(parseStatement('UPDATE t SET a = 1 RETURNING a')).toMatchObject({ returning: [{ kind: 'expr' }] });
    // A target-less clause must be the last one.
    expect(() => parseStatement('INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING ON CONFLICT (a) DO NOTHING')).toThrow(SqlSyntaxError);
  });

  it('parses ALTER TABLE and maintenance statements', () => {
    expect(parseStatement("ALTER TABLE main.t ADD COLUMN d TEXT DEFAULT 'x'")).toMatchObject({
      kind: 'alter-table',
      table: { schema: 'main', name: 't' },
      action: { kind: 'add-column', column: { name: 'd', type: 'TEXT' }, text: "d TEXT DEFAULT 'x'" },
    });
    expect(parseStatement('ALTER TABLE t RENAME TO u')).toMatchObject({ action: { kind: 'rename-table', newName: 'u' } });
    expect(parseStatement('ALTER TABLE t RENAME a TO b')).toMatchObject({ action: { kind: 'rename-column', column: 'a', newName: 'b' } });
    expect(parseStatement('ALTER TABLE t DROP COLUMN a')).toMatchObject({ action: { kind: 'drop-column', column: 'a' } });
    expect(parseStatement("VACUUM INTO 'x.db'")).toMatchObject({ kind: 'vacuum', into: { type: 'text', value: 'x.db' } });
    expect(parseStatement('VACUUM main')).toEqual({ kind: 'vacuum', schema: 'main' });
    expect(parseStatement('ANALYZE')).toEqual({ kind: 'analyze' });
    expect(parseStatement('REINDEX main.i')).toEqual({ kind: 'reindex', name: { schema: 'main', name: 'i' } });
    expect(parseStatement("ATTACH 'f.db' AS aux")).toMatchObject({ kind: 'attach', schema: { kind: 'column', column: 'aux' } });
    expect(parseStatement('DETACH DATABASE aux')).toMatchObject({ kind: 'detach' });
  });

  it('treats OVER, FILTER and WINDOW as keywords only in context', () => {
    expect(parseStatement('SELECT over, filter, window FROM t')).toMatchObject({
      first: { columns: [{ expr: { column: 'over' } }, { expr: { column: 'filter' } }, { expr: { column: 'window' } }] },
    });
    expect(parseStatement('SELECT max(a) over FROM t')).toMatchObject({ first: { columns: [{ alias: 'over' }] } });
    expect(parseStatement('SELECT sum(a) FILTER (WHERE a > 0) OVER w FROM t WINDOW w AS (ORDER BY a)')).toMatchObject({
      first: {
        columns: [{ expr: { kind: 'function', over: 'w', filter: { op: '>' } } }],
        window: [{ name: 'w', definition: { orderBy: [{ expr: { column: 'a' } }] } }],
      },
    });
  });

  it('parses window definitions: base window, PARTITION BY, ORDER BY, frame, EXCLUDE', () => {
    const s = parseStatement('SELECT sum(a) OVER (w PARTITION BY b ORDER BY c GROUPS BETWEEN 2 PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE TIES) FROM t') as SelectStatement;
    expect(s.first).toMatchObject({
      columns: [
        {
          expr: {
            over: {
              base: 'w',
              partitionBy: [{ column: 'b' }],
              orderBy: [{ expr: { column: 'c' } }],
              frame: { units: 'GROUPS', start: { type: 'PRECEDING', offset: { value: 2 } }, end: { type: 'UNBOUNDED FOLLOWING' }, exclude: 'TIES' },
            },
          },
        },
      ],
    });
    // One bound ends at CURRENT ROW; a frame offset that is not constant becomes NULL (as SQLite's parser makes it).
    expect((parseStatement('SELECT sum(a) OVER (ROWS a PRECEDING) FROM t') as SelectStatement).first).toMatchObject({
      columns: [{ expr: { over: { frame: { start: { type: 'PRECEDING', offset: { kind: 'literal', type: 'null' } }, end: { type: 'CURRENT ROW' } } } } }],
    });
    expect(() => parseStatement('SELECT sum(a) OVER (ROWS BETWEEN 1 FOLLOWING AND CURRENT ROW) FROM t')).toThrow('unsupported frame specification');
    expect(() => parseStatement('SELECT sum(a) OVER (ROWS BETWEEN UNBOUNDED FOLLOWING AND CURRENT ROW) FROM t')).toThrow('syntax error');
  });

  it('parses joins left-deep', () => {
    const s = parseStatement('SELECT * FROM a, b LEFT JOIN c ON 1 NATURAL JOIN d') as SelectStatement;
    expect(s.first).toMatchObject({
      from: {
        kind: 'join',
        op: 'JOIN',
        natural: true,
        left: { kind: 'join', op: 'LEFT', left: { kind: 'join', op: ',', left: { name: 'a' }, right: { name: 'b' } }, right: { name: 'c' } },
        right: { name: 'd' },
      },
    });
  });

  it('requires exactly one statement in parseStatement', () => {
    expect(() => parseStatement('SELECT 1; SELECT 2')).toThrow(SqlSyntaxError);
    expect(() => parseStatement('  ')).toThrow(/incomplete input/);
  });
});
