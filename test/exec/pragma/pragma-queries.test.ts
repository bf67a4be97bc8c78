/**
 * PRAGMAs as queries, against SQLite: databases made by the sqlite3 shell (varied schemas,
 * page sizes, encodings, auto-vacuum, header fields, a freelist) are opened by s3lite through
 * the public API and by sql.js from the same bytes; every PRAGMA is compared column names,
 * values and storage classes, as a statement and as a table-valued function in FROM.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../../../src/index.js';
import { sqlite3, tempDir } from '../../support/sqlite3.js';
import { sqljs, type SqlJsDatabase } from '../../support/sqljs.js';

const SCHEMAS: Record<string, string> = {
  tables: `
    CREATE TABLE p(x PRIMARY KEY, y UNIQUE);
    CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT NOT NULL DEFAULT 'x', c UNIQUE, d REAL DEFAULT (1+2), e AS (a+1) STORED,
      f varchar(10) REFERENCES p(x) ON DELETE CASCADE, UNIQUE(b, c),
      FOREIGN KEY(b, c) REFERENCES q ON UPDATE SET NULL MATCH FULL, FOREIGN KEY (d) REFERENCES p(y) ON DELETE SET DEFAULT ON UPDATE RESTRICT DEFERRABLE INITIALLY DEFERRED);
    CREATE INDEX ti ON t(d DESC, b COLLATE NOCASE, a + 1) WHERE d > 0;
    CREATE UNIQUE INDEX tu ON t(f, c DESC);
    CREATE TABLE w(x, y TEXT COLLATE NOCASE, z, PRIMARY KEY(y, x DESC)) WITHOUT ROWID;
    CREATE INDEX wz ON w(z);
    CREATE TABLE "My Table"("Col 1" int, [b] text collate nocase, \`c\` DEFAULT -5, d DEFAULT CURRENT_TIMESTAMP, e DEFAULT 'it''s',
      f DEFAULT x'00ff', g DEFAULT 1.5e3, h NOT NULL ON CONFLICT IGNORE, i DEFAULT +7, PRIMARY KEY("Col 1" DESC, b));
    CREATE TABLE seq(id INTEGER PRIMARY KEY AUTOINCREMENT, v);
    CREATE TABLE n(a, b, c);
    CREATE TABLE gen(a, g AS (b || 'g') VIRTUAL, b INT, s AS (a * 2) STORED NOT NULL);
    CREATE VIEW v AS SELECT a, b AS bb, 1 + 1 AS two, d * 2 AS dd, 'x' AS s, c, t.*, CAST(a AS TEXT), a FROM t WHERE e IS NOT NULL;
    CREATE VIEW v2(p, q) AS SELECT 1, 2 UNION SELECT 'a', 3;
    CREATE VIEW v3 AS SELECT n.*, w.y FROM n JOIN w ON n.a = w.x;
    INSERT INTO p VALUES (1, 2), (3, 4);
    INSERT INTO t(a, b, c, d, f) VALUES (1, 'b', 2, 3.5, 1);
    INSERT INTO seq(v) VALUES ('a'), ('b');
  `,
  header: `
    PRAGMA page_size = 1024;
    PRAGMA auto_vacuum = FULL;
    PRAGMA user_version = -7;
    PRAGMA application_id = 1234567;
    CREATE TABLE a(x);
    CREATE TABLE b(x);
    INSERT INTO b SELECT randomblob(900) FROM (SELECT 1 UNION SELECT 2 UNION SELECT 3);
  `,
  freelist: `
    PRAGMA page_size = 65536;
    CREATE TABLE a(x);
    CREATE TABLE b(x);
    INSERT INTO b SELECT randomblob(70000) FROM (SELECT 1 UNION SELECT 2 UNION SELECT 3);
    DROP TABLE b;
    PRAGMA user_version = 2147483647;
  `,
  utf16: `
    PRAGMA encoding = 'UTF-16le';
    PRAGMA auto_vacuum = INCREMENTAL;
    CREATE TABLE "tëst"("ç" TEXT DEFAULT 'é', x);
    CREATE INDEX "ïdx" ON "tëst"("ç");
  `,
  utf16be: `
    PRAGMA encoding = 'UTF-16be';
    PRAGMA application_id = -1;
    CREATE TABLE t(x);
  `,
};

/** Every PRAGMA statement to compare on a database with these schema object names. */
function pragmaStatements(names: readonly string[]): string[] {
  const out = [
    'PRAGMA page_size', 'PRAGMA page_count', 'PRAGMA freelist_count', 'PRAGMA encoding', 'PRAGMA user_version',
    'PRAGMA application_id', 'PRAGMA schema_version', 'PRAGMA auto_vacuum', 'PRAGMA integrity_check', 'PRAGMA quick_check',
    'PRAGMA main.page_count', 'PRAGMA integrity_check(3)', 'PRAGMA table_info', 'PRAGMA index_list',
  ];
  for (const n of [...names, 'nosuch']) {
    const q = `"${n.replace(/"/g, '""')}"`;
    for (const p of ['table_info', 'table_xinfo', 'index_list', 'index_info', 'index_xinfo', 'foreign_key_list']) {
      out.push(`PRAGMA ${p}(${q})`, `SELECT * FROM pragma_${p}('${n.replace(/'/g, "''")}')`);
    }
    out.push(`PRAGMA TABLE_INFO = ${q}`, `PRAGMA main.index_xinfo(${q})`);
  }
  for (const p of ['page_size', 'page_count', 'freelist_count', 'encoding', 'user_version', 'application_id', 'schema_version', 'auto_vacuum', 'integrity_check', 'quick_check']) {
    out.push(`SELECT * FROM pragma_${p}`, `SELECT * FROM pragma_${p}()`);
  }
  out.push(
    "SELECT m.name, p.* FROM sqlite_schema AS m JOIN pragma_table_info(m.name) AS p WHERE m.type IN ('table', 'view') ORDER BY 1, 2",
    "SELECT m.name, l.name, i.* FROM sqlite_schema AS m, pragma_index_list(m.name) AS l, pragma_index_xinfo(l.name) AS i WHERE m.type = 'table' ORDER BY 1, 2, 3",
    "SELECT name, (SELECT count(*) FROM pragma_foreign_key_list(m.name)) FROM sqlite_schema AS m WHERE type = 'table' ORDER BY 1",
    "SELECT cid, name, arg, schema FROM pragma_table_xinfo('t', 'main')",
    "SELECT * FROM pragma_table_info('t', 'aux')",
    "SELECT * FROM pragma_page_size('main', 1)",
  );
  return out;
}

type Tagged = { columns: string[]; rows: string[][] } | { error: string };

const tag = (v: unknown): string => {
  if (v === null) return 'null';
  if (typeof v === 'bigint') return `integer:${v}`;
  if (typeof v === 'number') return `real:${v}`;
  if (typeof v === 'string') return `text:${v}`;
  if (v instanceof Uint8Array) return `blob:${Buffer.from(v).toString('hex')}`;
  return `?:${String(v)}`;
};

function oracle(db: SqlJsDatabase, sql: string): Tagged {
  try {
    const st = db.prepare(sql);
    const rows: string[][] = [];
    while (st.step()) rows.push(st.get(null, { useBigInt: true }).map(tag));
    const columns = st.getColumnNames();
    st.free();
    return { columns, rows };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

async function ours(db: Database, sql: string): Promise<Tagged> {
  try {
    const st = await db.prepare(sql);
    const rows: string[][] = [];
    for await (const r of st.typedIterate()) rows.push(r.values.map(tag));
    return { columns: st.columns(), rows };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

const tmp = tempDir('s3lite-pragma');
afterAll(() => tmp.cleanup());

describe('PRAGMAs as queries agree with SQLite', () => {
  for (const [label, script] of Object.entries(SCHEMAS)) {
    it(`${label}: every PRAGMA, as a statement and in FROM`, async () => {
      const path = join(tmp.dir, `${label}.sqlite`);
      sqlite3(path, script);
      const SQL = await sqljs();
      const reference = new SQL.Database(new Uint8Array(readFileSync(path)));
      const db = await Database.open(path);
      try {
        const names = (oracle(reference, 'SELECT name FROM sqlite_schema') as { rows: string[][] }).rows.map((r) => r[0]!.slice('text:'.length));
        expect(names.length).toBeGreaterThan(0);
        for (const sql of pragmaStatements(names)) {
          const want = oracle(reference, sql);
          // SQLite returns no result columns at all for a name-taking PRAGMA without a match;
          // s3lite's statement keeps its columns. The rows (none) are what is compared then.
          const got = await ours(db, sql);
          if ('rows' in want && want.rows.length === 0 && want.columns.length === 0 && 'rows' in got) expect(got.rows, sql).toEqual([]);
          else expect(got, sql).toEqual(want);
        }
      } finally {
        await db.close();
        reference.close();
      }
    });
  }

  it('journal_mode and database_list as the sqlite3 shell gives them for a file', async () => {
    const path = join(tmp.dir, 'shell.sqlite');
    sqlite3(path, 'CREATE TABLE t(x);');
    const db = await Database.open(path);
    try {
      expect(sqlite3(path, 'PRAGMA journal_mode;').trim()).toBe('delete');
      expect(await ours(db, 'PRAGMA journal_mode')).toEqual({ columns: ['journal_mode'], rows: [['text:delete']] });
      // SQLite names the file by its absolute path; s3lite by the location it was opened with.
      expect(await ours(db, 'PRAGMA database_list')).toEqual({ columns: ['seq', 'name', 'file'], rows: [['integer:0', 'text:main', `text:${path}`]] });
      expect(await ours(db, 'SELECT name, file FROM pragma_database_list')).toEqual({ columns: ['name', 'file'], rows: [['text:main', `text:${path}`]] });
      expect(await db.query('PRAGMA user_version')).toEqual([{ user_version: 0 }]);
    } finally {
      await db.close();
    }
  });

  it('refuses PRAGMAs that set or that it does not know, naming them', async () => {
    const path = join(tmp.dir, 'refuse.sqlite');
    writeFileSync(path, new Uint8Array(0));
    sqlite3(path, 'CREATE TABLE t(x);');
    const db = await Database.open(path);
    try {
      await expect(db.query('PRAGMA user_version = 3')).rejects.toThrow('run it with db.run() or db.exec()');
      await expect(db.query('PRAGMA page_size = 512')).rejects.toThrow('PRAGMA page_size = … is not supported');
      await expect(db.query('PRAGMA no_such_pragma')).rejects.toThrow('PRAGMA no_such_pragma is not supported');
      await expect(db.query('PRAGMA aux.page_count')).rejects.toThrow('unknown database aux');
    } finally {
      await db.close();
    }
  });
});

describe('PRAGMAs through db.run and db.exec', () => {
  it('read-only PRAGMAs return their rows from run(), also inside a transaction', async () => {
    const path = join(tmp.dir, 'run.sqlite');
    sqlite3(path, 'CREATE TABLE t(a INTEGER PRIMARY KEY, b);');
    const db = await Database.open(path, { readonly: false });
    try {
      expect((await db.run('PRAGMA table_info(t)')).rows).toEqual([
        { cid: 0, name: 'a', type: 'INTEGER', notnull: 0, dflt_value: null, pk: 1 },
        { cid: 1, name: 'b', type: '', notnull: 0, dflt_value: null, pk: 0 },
      ]);
      expect((await db.run('PRAGMA database_list')).rows).toEqual([{ seq: 0, name: 'main', file: path }]);
      await db.exec('BEGIN; CREATE INDEX tb ON t(b)');
      expect((await db.run('PRAGMA index_list(t)')).rows).toEqual([{ seq: 0, name: 'tb', unique: 0, origin: 'c', partial: 0 }]);
      await db.exec('COMMIT');
      expect((await db.run('PRAGMA integrity_check')).rows).toEqual([{ integrity_check: 'ok' }]);
    } finally {
      await db.close();
    }
  });
});
