import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorruptError, SqliteError } from '../../src/errors.js';
import { assertReadable, readSchema, SQLITE_SCHEMA_TABLE } from '../../src/schema/read-schema.js';
import type { SchemaRow, TableInfo } from '../../src/schema/schema-types.js';
import { compareTable, openSqlJs, query, schemaRows, type SqlJsDatabase } from './oracle.js';

function table(sql: string): TableInfo {
  const name = /CREATE TABLE (\w+)/i.exec(sql)?.[1] ?? 't';
  const t = readSchema([{ type: 'table', name, tblName: name, rootPage: 2, sql }]).table(name);
  if (t === undefined) throw new Error('no table');
  return t;
}

describe('a database made by the sqlite3 shell', () => {
  let dir: string;
  let rows: SchemaRow[];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 's3lite-schema-'));
    const file = join(dir, 'db.sqlite');
    execFileSync('/usr/bin/sqlite3', [
      file,
      `CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, v REAL);
       CREATE INDEX t_v ON t(v DESC) WHERE v > 0;
       CREATE VIEW tv AS SELECT name, v FROM t WHERE v IS NOT NULL;
       CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN UPDATE t SET v = CASE WHEN new.v THEN 1 END WHERE id = new.id; END;
       CREATE VIRTUAL TABLE f USING fts5(title, body, tokenize = 'porter');
       INSERT INTO t(name, v) VALUES ('a', 1), ('b', 2);
       ANALYZE;`,
    ]);
    const json = execFileSync('/usr/bin/sqlite3', ['-json', file, 'SELECT type, name, tbl_name, rootpage, sql FROM sqlite_schema']).toString();
    rows = (JSON.parse(json) as { type: string; name: string; tbl_name: string; rootpage: number; sql: string | null }[]).map((r) => ({
      type: r.type,
      name: r.name,
      tblName: r.tbl_name,
      rootPage: r.rootpage,
      sql: r.sql,
    }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads every object', () => {
    const schema = readSchema(rows);
    expect(schema.tables.map((t) => t.name).sort()).toEqual(
      ['f_config', 'f_content', 'f_data', 'f_docsize', 'f_idx', 'sqlite_sequence', 'sqlite_stat1', 't'].sort(),
    );
    const t = schema.table('T') as TableInfo;
    expect(t.rowidAlias).toBe(0);
    expect(t.autoincrement).toBe(true);
    expect(t.indexes.map((i) => [i.name, i.origin, i.rootPage > 1])).toEqual([
      ['sqlite_autoindex_t_1', 'u', true],
      ['t_v', 'c', true],
    ]);
    expect(schema.index('T_V')?.partial).toMatchObject({ kind: 'binary', op: '>' });
    expect(schema.view('tv')?.selectText).toBe('SELECT name, v FROM t WHERE v IS NOT NULL');
    expect(schema.trigger('t_ins')).toMatchObject({ tableName: 't', timing: 'AFTER', event: 'INSERT' });
    expect(schema.triggersOf('t').map((x) => x.name)).toEqual(['t_ins']);
    expect(schema.virtualTable('f')).toMatchObject({ module: 'fts5', args: ['title', 'body', "tokenize = 'porter'"] });
    // Shadow tables are ordinary tables, with names that were written as strings.
    expect(schema.table('f_idx')).toMatchObject({ withoutRowid: true, primaryKey: [0, 1] });
    expect(schema.table('sqlite_sequence')?.columns.map((c) => c.name)).toEqual(['name', 'seq']);
    expect(schema.table('sqlite_stat1')?.columns.map((c) => c.name)).toEqual(['tbl', 'idx', 'stat']);
    expect(schema.relation('f')?.kind).toBe('virtual-table');
    expect(schema.object('t_ins')?.kind).toBe('trigger');
  });

  it('refuses to read a virtual table, with SQLite error code', () => {
    const schema = readSchema(rows);
    const f = schema.relation('f');
    expect(f).toBeDefined();
    try {
      assertReadable(f as NonNullable<typeof f>);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SqliteError);
      expect(err).toMatchObject({ code: 'SQLITE_ERROR', message: 'virtual table module fts5 is not supported' });
    }
    expect(() => assertReadable(schema.table('f_data') as TableInfo)).not.toThrow();
  });

  it('knows sqlite_schema itself', () => {
    const schema = readSchema(rows);
    expect(schema.table('sqlite_master')).toBe(SQLITE_SCHEMA_TABLE);
    expect(SQLITE_SCHEMA_TABLE.columns.map((c) => [c.name, c.affinity])).toEqual([
      ['type', 'TEXT'],
      ['name', 'TEXT'],
      ['tbl_name', 'TEXT'],
      ['rootpage', 'INTEGER'],
      ['sql', 'TEXT'],
    ]);
    expect(SQLITE_SCHEMA_TABLE.rootPage).toBe(1);
  });
});

describe('the INTEGER PRIMARY KEY rule', () => {
  let db: SqlJsDatabase;
  beforeAll(async () => {
    db = await openSqlJs();
  });
  afterAll(() => db.close());

  const cases = [
    'CREATE TABLE t(a INTEGER PRIMARY KEY, b)',
    'CREATE TABLE t(a integer primary key asc, b)',
    'CREATE TABLE t(a INTEGER PRIMARY KEY DESC, b)',
    'CREATE TABLE t(a INT PRIMARY KEY, b)',
    'CREATE TABLE t(a INTEGER, b, PRIMARY KEY(a DESC))',
    'CREATE TABLE t(a INTEGER, b, PRIMARY KEY(a, b))',
    'CREATE TABLE t(a "INTEGER" PRIMARY KEY, b)',
    'CREATE TABLE t(a [integer] PRIMARY KEY, b)',
    'CREATE TABLE t(a INTEGER(10) PRIMARY KEY, b)',
    'CREATE TABLE t(a BIGINT PRIMARY KEY, b)',
    'CREATE TABLE t(a UNSIGNED INTEGER PRIMARY KEY, b)',
    'CREATE TABLE t(b, a INTEGER, PRIMARY KEY(a COLLATE nocase))',
    'CREATE TABLE t(a INTEGER PRIMARY KEY, b ANY) STRICT',
  ];
  for (const sql of cases) {
    it(sql, () => {
      db.exec('DROP TABLE IF EXISTS t');
      db.exec(sql);
      db.exec('INSERT INTO t(a, b) VALUES (42, 1)');
      const rowid = query(db, 'SELECT rowid AS r FROM t')[0]?.['r'];
      const t = readSchema(schemaRows(db)).table('t') as TableInfo;
      const a = t.columns.findIndex((c) => c.name === 'a');
      expect(t.rowidAlias === a, `rowid ${String(rowid)}`).toBe(rowid === 42);
    });
  }

  it('never applies to WITHOUT ROWID tables', () => {
    const t = table('CREATE TABLE t(a INTEGER PRIMARY KEY, b) WITHOUT ROWID');
    expect(t.rowidAlias).toBe(-1);
    expect(t.primaryKey).toEqual([0]);
    expect(t.primaryKeyIndex?.name).toBe('sqlite_autoindex_t_1');
  });
});

describe('TableInfo', () => {
  it('folds constant defaults and leaves the rest to the evaluator', () => {
    const t = table(
      "CREATE TABLE t(a, b DEFAULT 5, c DEFAULT -5, d DEFAULT +1.5, e DEFAULT 'x', f DEFAULT NULL, g DEFAULT (1 + 2), h DEFAULT CURRENT_TIME, i DEFAULT x'ff', j DEFAULT (-7), k DEFAULT -9223372036854775808, l DEFAULT false, m DEFAULT word)",
    );
    const values = t.columns.map((c) => ('defaultValue' in c ? c.defaultValue : 'absent'));
    expect(values).toEqual([null, 5, -5, 1.5, 'x', null, 'absent', 'absent', new Uint8Array([255]), -7, -9223372036854775808n, 0, 'word']);
    expect(t.columns[7]?.defaultExpr).toEqual({ kind: 'current-time', which: 'CURRENT_TIME' });
    expect(t.columns.map((c) => c.defaultClass ?? 'absent')).toEqual([
      'null', 'integer', 'integer', 'real', 'text', 'null', 'absent', 'absent', 'blob', 'integer', 'integer', 'integer', 'text',
    ]);
    expect(table('CREATE TABLE t(a DEFAULT 1.0, b DEFAULT -2.0)').columns.map((c) => [c.defaultValue, c.defaultClass])).toEqual([
      [1, 'real'],
      [-2, 'real'],
    ]);
  });

  it('lays out WITHOUT ROWID records PK first and maps them back', () => {
    const t = table('CREATE TABLE t(a, b, c AS (a + 1) VIRTUAL, d, PRIMARY KEY(d, b DESC, d)) WITHOUT ROWID');
    expect(t.primaryKey).toEqual([3, 1]);
    expect(t.primaryKeyDesc).toEqual([false, true]);
    expect(t.primaryKeyCollations).toEqual(['BINARY', 'BINARY']);
    expect(t.storageToDeclared).toEqual([3, 1, 0]);
    expect(t.declaredToStorage).toEqual([2, 1, -1, 0]);
    expect(t.columns.map((c) => c.pk)).toEqual([0, 2, 0, 1]);
  });

  it('leaves VIRTUAL generated columns out of rowid-table records', () => {
    const t = table('CREATE TABLE t(a, b AS (a * 2), c, d AS (a) STORED)');
    expect(t.storageToDeclared).toEqual([0, 2, 3]);
    expect(t.declaredToStorage).toEqual([0, -1, 1, 2]);
    expect(t.columns.map((c) => c.hidden)).toEqual([0, 2, 0, 3]);
  });

  it('gives STRICT columns their exact affinities', () => {
    const t = table('CREATE TABLE t(a INT, b INTEGER, c REAL, d TEXT, e BLOB, f ANY) STRICT');
    expect(t.columns.map((c) => c.affinity)).toEqual(['INTEGER', 'INTEGER', 'REAL', 'TEXT', 'BLOB', 'BLOB']);
    expect(t.strict).toBe(true);
  });
});

describe('corrupt schemas', () => {
  const row = (over: Partial<SchemaRow>): SchemaRow => ({ type: 'table', name: 't', tblName: 't', rootPage: 2, sql: 'CREATE TABLE t(a)', ...over });
  const cases: [string, SchemaRow[]][] = [
    ['unparsable SQL', [row({ sql: 'CREATE TABLE t(a' })]],
    ['not a CREATE TABLE', [row({ sql: 'SELECT 1' })]],
    ['name mismatch', [row({ name: 'u', tblName: 'u' })]],
    ['table without SQL', [row({ sql: null })]],
    ['bad root page', [row({ rootPage: 0 })]],
    ['duplicate table', [row({}), row({ rootPage: 3 })]],
    ['orphan automatic index', [row({}), row({ type: 'index', name: 'sqlite_autoindex_t_1', sql: null, rootPage: 3 })]],
    ['index on a missing table', [row({ type: 'index', name: 'i', tblName: 'x', sql: 'CREATE INDEX i ON x(a)', rootPage: 3 })]],
    ['index on a missing column', [row({}), row({ type: 'index', name: 'i', sql: 'CREATE INDEX i ON t(zz)', rootPage: 3 })]],
    ['two primary keys', [row({ sql: 'CREATE TABLE t(a PRIMARY KEY, b PRIMARY KEY)' })]],
    ['WITHOUT ROWID without a primary key', [row({ sql: 'CREATE TABLE t(a) WITHOUT ROWID' })]],
    ['STRICT with an unknown type', [row({ sql: 'CREATE TABLE t(a VARCHAR) STRICT' })]],
    ['unknown object type', [row({ type: 'blob' })]],
  ];
  for (const [what, rows] of cases) {
    it(what, () => {
      try {
        readSchema(rows);
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(CorruptError);
        expect((err as CorruptError).pgno).toBe(1);
        expect((err as Error).message).toMatch(/^malformed database schema/);
      }
    });
  }

  it('keeps an automatic index that has no sqlite_schema row at root page 0', () => {
    const schema = readSchema([row({ sql: 'CREATE TABLE t(a UNIQUE)' })]);
    expect(schema.table('t')?.indexes.map((i) => [i.name, i.rootPage])).toEqual([['sqlite_autoindex_t_1', 0]]);
  });
});

describe('robustness', () => {
  const CREATES = [
    "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT UNIQUE COLLATE nocase, c DEFAULT (1 + 2), d AS (a) STORED, UNIQUE (b, c DESC), CHECK (a > 0))",
    'CREATE TABLE t(a, b, c, PRIMARY KEY (c, a DESC, c)) WITHOUT ROWID, STRICT',
    "CREATE TABLE t(a INT PRIMARY KEY DESC, b DEFAULT -1, c GENERATED ALWAYS AS (b) VIRTUAL)",
  ];
  it('mutated CREATE TABLE statements give a schema or a CorruptError, nothing else', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CREATES),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 6 }), fc.constantFrom('', ',', '(', ')', ' PRIMARY KEY', ' UNIQUE', ' a', ' WITHOUT ROWID', ' INTEGER', ' AS (1)', ' DESC', ' COLLATE x')), { minLength: 1, maxLength: 3 }),
        (sql, edits) => {
          let s = sql;
          for (const [at, del, ins] of edits) {
            const i = at % (s.length + 1);
            s = s.slice(0, i) + ins + s.slice(i + del);
          }
          try {
            const schema = readSchema([
              { type: 'table', name: 't', tblName: 't', rootPage: 2, sql: s },
              { type: 'index', name: 'sqlite_autoindex_t_1', tblName: 't', rootPage: 3, sql: null },
            ]);
            expect(schema.table('t')).toBeDefined();
          } catch (err) {
            if (!(err instanceof CorruptError)) throw new Error(`${s}: ${String(err)}`);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('automatic indexes in tricky cases agree with SQLite', () => {
  let db: SqlJsDatabase;
  beforeAll(async () => {
    db = await openSqlJs();
  });
  afterAll(() => db.close());

  const cases = [
    'CREATE TABLE t(a, b, UNIQUE(a, b), PRIMARY KEY(a, b))', // the PK takes over the UNIQUE index
    'CREATE TABLE t(a UNIQUE, b UNIQUE, UNIQUE(a), UNIQUE(b COLLATE nocase))',
    'CREATE TABLE t(a TEXT PRIMARY KEY COLLATE nocase, b UNIQUE COLLATE rtrim)', // COLLATE after the constraint
    'CREATE TABLE t(a INTEGER PRIMARY KEY, b UNIQUE, UNIQUE(a)) WITHOUT ROWID', // PK index created last
    'CREATE TABLE t(a, b, c, UNIQUE(c, b), PRIMARY KEY(b DESC, a)) WITHOUT ROWID',
    'CREATE TABLE t(a, b, c COLLATE nocase, PRIMARY KEY(c, c COLLATE binary, a)) WITHOUT ROWID',
    'CREATE TABLE t(a INTEGER PRIMARY KEY DESC, b)',
    'CREATE TABLE t(a INT, b TEXT, PRIMARY KEY(b, a), UNIQUE(a, b)) STRICT',
    "CREATE TABLE t(a, 'b' UNIQUE, \"c\", [d], `e`, UNIQUE('a', \"c\", [d] DESC))",
    'CREATE TABLE t(a, b AS (a + 1) VIRTUAL, c AS (a) STORED UNIQUE, d, PRIMARY KEY(d)) WITHOUT ROWID',
  ];
  for (const sql of cases) {
    it(sql, () => {
      db.exec('DROP TABLE IF EXISTS t');
      db.exec(sql);
      db.exec('CREATE INDEX IF NOT EXISTS ti ON t(a DESC, a + 1)');
      compareTable(db, readSchema(schemaRows(db)).table('t') as TableInfo);
    });
  }
});

describe('constant defaults fill the fields ALTER TABLE ADD COLUMN left out, as in SQLite', () => {
  it('has the value and storage class SQLite reads back', async () => {
    const db = await openSqlJs();
    const defaults = ['5', '-5', '+3.5', "'abc'", 'NULL', "x'0A'", 'abc', 'TRUE', 'false', '- 7', '0x10', '(-1)', '1.0', '-0.0', '(2.50)', '9223372036854775807', '-9223372036854775808', '1e308', "'1'"];
    for (const d of defaults) {
      db.exec('DROP TABLE IF EXISTS t; CREATE TABLE t(a); INSERT INTO t VALUES (1)');
      db.exec(`ALTER TABLE t ADD COLUMN b DEFAULT ${d}`);
      const row = query(db, 'SELECT typeof(b) AS ty, quote(b) AS q FROM t')[0];
      const col = readSchema(schemaRows(db)).table('t')?.columns[1];
      expect(col?.defaultClass, d).toBe(row?.['ty']);
      const v = col?.defaultValue;
      const quoted =
        v === null || v === undefined
          ? 'NULL'
          : typeof v === 'string'
            ? `'${v}'`
            : v instanceof Uint8Array
              ? `X'${[...v].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join('')}'`
              : col?.defaultClass === 'real'
                ? String(query(db, `SELECT quote(${Object.is(v, -0) ? '-0.0' : String(v)} + 0.0) AS q`)[0]?.['q'])
                : String(v);
      expect(quoted, d).toBe(row?.['q']);
    }
    db.close();
  });
});
