/**
 * The rules around R*Tree writes, each against the real sqlite3 on the same statements: the
 * schema CREATE VIRTUAL TABLE leaves (shadow tables, root node, node size per page size), the
 * conversion of given values (float32 rounding outwards, rtree_i32 truncation, text, NULL), the
 * errors and their messages, conflict clauses, changes()/last_insert_rowid(), DROP TABLE, and
 * triggers that keep an R*Tree in step with a feature table (as GeoPackages do).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../../src/index.js';
import { sqlite3, tempDir } from '../../support/sqlite3.js';

let dir: string;
let cleanup: () => void;
let fileNo = 0;

beforeAll(() => {
  const t = tempDir('s3lite-rtree-rules');
  dir = t.dir;
  cleanup = t.cleanup;
});
afterAll(() => cleanup());

function newFile(): string {
  return join(dir, `db-${fileNo++}.sqlite`);
}

/** The message sqlite3 prints for the first failing statement, or undefined when all succeed. */
function shellError(file: string, sql: string): string | undefined {
  const r = spawnSync('sqlite3', ['-bail', file], { input: sql, encoding: 'utf8' });
  const line = r.stderr.split('\n')[0] ?? '';
  if (line === '') return undefined;
  const m = /(?:error near line \d+|Error)(?: near line \d+)?: (?:in prepare, |stepping, )?(.*?)(?: \(\d+\))?$/.exec(line);
  return m?.[1] ?? line;
}

const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;
const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/** Everything an R*Tree keeps, as sqlite3 prints it: the schema, every table's rows, node bytes. */
function dump(file: string, rootPages = true): string {
  const names = (sql: string): string[] => sqlite3(file, sql).split('\n').filter((t) => t !== '');
  const tables = names("SELECT name FROM sqlite_schema WHERE type = 'table' AND rootpage > 0 ORDER BY name;");
  const rtrees = names("SELECT name FROM sqlite_schema WHERE type = 'table' AND rootpage = 0 ORDER BY name;");
  return sqlite3(
    file,
    [
      `SELECT type, name, tbl_name, ${rootPages ? 'rootpage' : "rootpage > 0"}, sql FROM sqlite_schema;`,
      ...tables.map((t) => `SELECT ${literal(t)}, quote(rowid), * FROM ${ident(t)} ORDER BY rowid;`),
      ...rtrees.map((t) => `SELECT nodeno, hex(data) FROM ${ident(`${t}_node`)} ORDER BY nodeno;`),
    ].join('\n'),
  );
}

/** Runs `stmts` with s3lite (one connection) and sqlite3 (one session) on fresh files of `pageSize`. */
async function both(stmts: readonly string[], pageSize = 1024): Promise<{ ours: string; theirs: string; results: { changes: number; lastInsertRowid: number | bigint }[] }> {
  const ours = newFile();
  const theirs = newFile();
  sqlite3(theirs, `PRAGMA page_size=${pageSize};\n${stmts.join(';\n')};`);
  const db = await Database.create(ours, { pageSize });
  const results: { changes: number; lastInsertRowid: number | bigint }[] = [];
  try {
    for (const s of stmts) results.push(await db.run(s));
  } finally {
    await db.close();
  }
  return { ours, theirs, results };
}

async function expectSameFiles(stmts: readonly string[], pageSize = 1024): Promise<string> {
  const { ours, theirs } = await both(stmts, pageSize);
  expect(dump(ours)).toBe(dump(theirs));
  expect(sqlite3(ours, 'PRAGMA integrity_check;').trim()).toBe('ok');
  return ours;
}

describe('CREATE VIRTUAL TABLE … USING rtree', () => {
  it('leaves sqlite3’s schema rows, shadow tables and root node for every page size', async () => {
    for (const pageSize of [512, 1024, 4096, 8192, 65536]) {
      const file = await expectSameFiles(
        [
          'CREATE VIRTUAL TABLE a USING rtree(id, x0, x1)',
          'create virtual table  "b ""q"""  using RTREE_I32 ( k , a INT , b , c , d , e , f , g , h , i , j , +aux1 TEXT, +"aux 2" )',
          'CREATE VIRTUAL TABLE IF NOT EXISTS main.c USING rtree(id, minx, maxx, miny, maxy, +geom)',
          'CREATE VIRTUAL TABLE IF NOT EXISTS a USING rtree(id, x0, x1)',
        ],
        pageSize,
      );
      for (const t of ['a', 'b "q"', 'c']) expect(sqlite3(file, `SELECT rtreecheck(${literal(t)});`).trim()).toBe('ok');
    }
  });

  it('reports sqlite3’s errors and writes nothing', async () => {
    const cases = [
      'CREATE VIRTUAL TABLE w USING rtree(id, a)',
      'CREATE VIRTUAL TABLE w USING rtree',
      'CREATE VIRTUAL TABLE w USING rtree(id, a, b, c)',
      'CREATE VIRTUAL TABLE w USING rtree(id, a, +b, c, d)',
      'CREATE VIRTUAL TABLE w USING rtree(id, a, b, c, d, e, f, g, h, i, j, k, l)',
      'CREATE VIRTUAL TABLE w USING nosuch(a)',
      'CREATE VIRTUAL TABLE t USING rtree(id, a, b)',
      'CREATE VIRTUAL TABLE u USING rtree(id, a, b)',
    ];
    for (const sql of cases) {
      const setup = ['CREATE VIRTUAL TABLE t USING rtree(id, a, b)', 'CREATE TABLE u_node(x)'];
      const theirs = newFile();
      sqlite3(theirs, `PRAGMA page_size=1024;${setup.join(';')};`);
      const expected = shellError(theirs, `${sql};`);
      expect(expected, sql).toBeDefined();
      const ours = newFile();
      const db = await Database.create(ours, { pageSize: 1024 });
      try {
        for (const s of setup) await db.exec(s);
        await expect(db.exec(sql), sql).rejects.toThrow(expected!);
      } finally {
        await db.close();
      }
      expect(dump(ours), sql).toBe(dump(theirs));
    }
  });
});

describe('values as rtree.c stores them', () => {
  it('rtree: float32 boxes rounded outwards; text, blobs, NULL and integers converted as sqlite3 does', async () => {
    const rows = [
      '(1, 0.1, 0.2)',
      '(2, -0.1, -0.1)',
      '(3, 1e-46, 1e-45)',
      '(4, -3.4028236e38, 3.4028236e38)',
      '(5, -1e39, 1e39)',
      '(6, 16777217, 16777217)',
      '(7, 9007199254740993, 9007199254740993)',
      "(8, '2.5', '3.5abc')",
      "(9, NULL, x'31')",
      "('10', 1, 2)",
      '(11.9, 1, 2)',
      '(-12, 123456.789, 123456.789)',
      '(13, 1e300, 1e300)',
    ];
    await expectSameFiles(['CREATE VIRTUAL TABLE t USING rtree(id, lo, hi, +a)', ...rows.map((r) => `INSERT INTO t(id, lo, hi) VALUES ${r}`), "INSERT INTO t VALUES (NULL, 1, 2, 'aux'), (NULL, 3, 4, x'00'), (100, 5, 6, 7.5)"]);
  });

  it('rtree_i32: reals truncated, values cut to 32 bits, text read as its number', async () => {
    const rows = ['(1, 1.9, 2.9)', '(2, -1.9, -1.1)', '(3, 4294967297, 4294967298)', "(4, '12abc', ' 13')", '(5, -2147483648, 2147483647)', '(6, 1e20, 1e20)', '(7, NULL, 0)'];
    await expectSameFiles(['CREATE VIRTUAL TABLE t USING rtree_i32(id, lo, hi)', ...rows.map((r) => `INSERT INTO t VALUES ${r}`)]);
  });
});

describe('errors and conflict clauses', () => {
  const setup = ['CREATE VIRTUAL TABLE t USING rtree(id, x0, x1, y0, y1, +a)', "INSERT INTO t VALUES (1, 0, 1, 0, 1, 'one'), (2, 2, 3, 2, 3, 'two'), (3, 4, 5, 4, 5, 'three')"];

  it('min > max and a taken id fail with sqlite3’s messages; the statement leaves nothing', async () => {
    const cases = [
      'INSERT INTO t VALUES (4, 1, 0, 0, 1, NULL)',
      'INSERT INTO t VALUES (4, 0, 1, 3, 2.5, NULL)',
      'INSERT INTO t VALUES (5, 0, 1, 0, 1, NULL), (1, 0, 1, 0, 1, NULL)',
      'UPDATE t SET x0 = 10 WHERE id = 2',
      'UPDATE t SET id = 1 WHERE id = 3',
      'INSERT OR REPLACE INTO t VALUES (1, 5, 4, 0, 1, NULL)',
      'INSERT INTO t VALUES (9, 0, 1, 0, 1, NULL) ON CONFLICT DO NOTHING',
      'UPDATE t SET x0 = 0 RETURNING *',
      'DELETE FROM t WHERE id = 1 RETURNING id',
    ];
    for (const sql of cases) {
      const theirs = newFile();
      sqlite3(theirs, `PRAGMA page_size=1024;${setup.join(';')};`);
      const expected = shellError(theirs, `${sql};`);
      expect(expected, sql).toBeDefined();
      const ours = newFile();
      const db = await Database.create(ours, { pageSize: 1024 });
      try {
        for (const s of setup) await db.exec(s);
        await expect(db.exec(sql), sql).rejects.toThrow(expected!);
      } finally {
        await db.close();
      }
      expect(dump(ours), sql).toBe(dump(theirs));
    }
  });

  it('OR IGNORE skips, OR REPLACE replaces a taken id, changes() and last_insert_rowid() as sqlite3', async () => {
    const stmts = [
      ...setup,
      'INSERT OR IGNORE INTO t VALUES (1, 9, 9, 9, 9, NULL), (7, 1, 0, 0, 1, NULL), (8, 1, 2, 1, 2, NULL)',
      'INSERT OR REPLACE INTO t VALUES (2, 7, 8, 7, 8, \'new two\')',
      'REPLACE INTO t VALUES (3, 7, 8, 7, 8, \'new three\')',
      'UPDATE OR REPLACE t SET id = 1 WHERE id = 8',
      'UPDATE OR IGNORE t SET id = 2 WHERE id = 1',
      'INSERT INTO t(x0, x1, y0, y1) VALUES (0, 0, 0, 0)',
      'INSERT INTO t(rowid, x0, x1, y0, y1) VALUES (50, 0, 0, 0, 0)',
      'UPDATE t SET rowid = 77 WHERE id = 2',
      'INSERT INTO t DEFAULT VALUES',
      'DELETE FROM t WHERE x0 >= 7',
      'UPDATE t SET a = upper(a) WHERE a IS NOT NULL',
    ];
    const { ours, theirs, results } = await both(stmts);
    expect(dump(ours)).toBe(dump(theirs));
    // The shell's changes() and last_insert_rowid() after each statement, replayed (after an
    // UPDATE or DELETE of an R*Tree, sqlite3 3.40 reports the node its rtree.c wrote last).
    const expected = stmts.map((_s, i) => {
      const f = newFile();
      return sqlite3(f, `PRAGMA page_size=1024;\n${stmts.slice(0, i + 1).join(';\n')};\nSELECT changes(), last_insert_rowid();`).trim().split('\n').pop()!;
    });
    expect(results.map((r) => `${r.changes}|${r.lastInsertRowid}`).slice(2)).toEqual(expected.slice(2));
  });

  it('last_insert_rowid() after UPDATE and DELETE of a deep tree is the node sqlite3 wrote last', async () => {
    const stmts = [
      'CREATE VIRTUAL TABLE t USING rtree(id, a, b)',
      'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) INSERT INTO t SELECT i, i, i + 1 FROM n',
      'UPDATE t SET a = a - 0.5 WHERE id = 1500',
      'UPDATE t SET a = a + 0.25 WHERE id BETWEEN 100 AND 140',
      'DELETE FROM t WHERE id = 2000',
      'CREATE TABLE x(y)',
      'INSERT INTO x VALUES (1)',
      'UPDATE t SET a = 2700, b = 2701 WHERE id = 10',
      'UPDATE t SET a = a WHERE id = 999999',
    ];
    const { results } = await both(stmts, 512);
    const f = newFile();
    const out = sqlite3(f, `PRAGMA page_size=512;\n${stmts.map((s) => `${s};\nSELECT changes(), last_insert_rowid();`).join('\n')}`).trim().split('\n');
    // DDL leaves sqlite3's changes() as it was; compare the data statements.
    const dml = stmts.map((s, i) => (/^\s*CREATE/i.test(s) ? -1 : i)).filter((i) => i >= 0);
    expect(dml.map((i) => `${results[i]!.changes}|${results[i]!.lastInsertRowid}`)).toEqual(dml.map((i) => out[i]));
    // CREATE VIRTUAL TABLE's own INSERT of the root node (nodeno 1) is the last insert sqlite3 saw.
    expect(String(results[0]!.lastInsertRowid)).toBe(out[0]!.split('|')[1]);
  });
});

describe('DROP TABLE', () => {
  it('drops the shadow tables with the R*Tree; the name can be used again', async () => {
    const stmts = [
      'CREATE VIRTUAL TABLE t USING rtree(id, x0, x1, +a)',
      'CREATE TABLE keep(k)',
      'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) INSERT INTO t SELECT i, i, i + 1, i FROM n',
      'DROP TABLE t',
      'CREATE VIRTUAL TABLE t USING rtree_i32(id, a, b, c, d)',
      'INSERT INTO t VALUES (1, 1, 2, 3, 4)',
    ];
    const { ours, theirs } = await both(stmts);
    // Which freed pages the new tables get is the pager's business, not the R*Tree's.
    expect(dump(ours, false)).toBe(dump(theirs, false));
    expect(sqlite3(ours, "PRAGMA integrity_check; SELECT rtreecheck('t');").trim()).toBe('ok\nok');
    const db = await Database.open(ours, { readonly: false });
    try {
      await db.exec('DROP TABLE t');
      await expect(db.exec('DROP TABLE t')).rejects.toThrow('no such table: t');
      await db.exec('DROP TABLE IF EXISTS t');
    } finally {
      await db.close();
    }
    expect(sqlite3(ours, "SELECT group_concat(name) FROM sqlite_schema; PRAGMA integrity_check;").trim()).toBe('keep\nok');
  });
});

describe('triggers that keep an R*Tree in step with a feature table', () => {
  it('GeoPackage-style triggers: feature inserts, moves and deletes give sqlite3’s tree', async () => {
    // The triggers GDAL writes for a GeoPackage's spatial index, with the envelope in plain
    // columns instead of ST_MinX(geom)…
    const stmts = [
      'CREATE TABLE features(fid INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, minx REAL, maxx REAL, miny REAL, maxy REAL)',
      'CREATE VIRTUAL TABLE rtree_features_geom USING rtree(id, minx, maxx, miny, maxy)',
      `CREATE TRIGGER rtree_features_geom_insert AFTER INSERT ON features WHEN (new.minx NOT NULL)
       BEGIN INSERT OR REPLACE INTO rtree_features_geom VALUES (NEW.fid, NEW.minx, NEW.maxx, NEW.miny, NEW.maxy); END`,
      `CREATE TRIGGER rtree_features_geom_update1 AFTER UPDATE OF minx, maxx, miny, maxy ON features WHEN OLD.fid = NEW.fid AND NEW.minx NOT NULL
       BEGIN INSERT OR REPLACE INTO rtree_features_geom VALUES (NEW.fid, NEW.minx, NEW.maxx, NEW.miny, NEW.maxy); END`,
      `CREATE TRIGGER rtree_features_geom_update2 AFTER UPDATE OF minx ON features WHEN OLD.fid = NEW.fid AND NEW.minx IS NULL
       BEGIN DELETE FROM rtree_features_geom WHERE id = OLD.fid; END`,
      `CREATE TRIGGER rtree_features_geom_delete AFTER DELETE ON features WHEN old.minx NOT NULL
       BEGIN DELETE FROM rtree_features_geom WHERE id = OLD.fid; END`,
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 800)
       INSERT INTO features(name, minx, maxx, miny, maxy)
       SELECT 'f' || i, -0.5 + (i * 7919 % 1000) / 1000.0, -0.5 + (i * 7919 % 1000) / 1000.0 + 0.01 * (i % 7),
              51.3 + (i * 104729 % 1000) / 2000.0, 51.3 + (i * 104729 % 1000) / 2000.0 + 0.01 FROM n`,
      'UPDATE features SET minx = minx + 0.25, maxx = maxx + 0.25 WHERE fid % 5 = 0',
      'UPDATE features SET minx = NULL WHERE fid % 11 = 0',
      'DELETE FROM features WHERE fid % 3 = 0',
      "INSERT INTO features(name, minx, maxx, miny, maxy) VALUES ('late', 0, 0.1, 51.5, 51.6)",
    ];
    const { ours, theirs } = await both(stmts, 4096);
    expect(dump(ours)).toBe(dump(theirs));
    expect(sqlite3(ours, "SELECT rtreecheck('rtree_features_geom'); PRAGMA integrity_check;").trim()).toBe('ok\nok');
  });
});

describe('damaged R*Trees', () => {
  /** A 2-level tree made by sqlite3, damaged by `sql`; `write` must fail with a CorruptError. */
  async function damaged(sql: string, write: string): Promise<void> {
    const file = newFile();
    sqlite3(
      file,
      `PRAGMA page_size=512;
       CREATE VIRTUAL TABLE t USING rtree(id, x0, x1);
       WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) INSERT INTO t SELECT i, i, i + 1 FROM n;
       ${sql}`,
    );
    const db = await Database.open(file, { readonly: false });
    try {
      await expect(db.exec(write), `${sql} / ${write}`).rejects.toMatchObject({ code: 'SQLITE_CORRUPT' });
    } finally {
      await db.close();
    }
  }

  it('cycles, missing nodes and lying mappings are CorruptErrors, never a hang', async () => {
    const child = 'SELECT nodeno FROM t_node WHERE nodeno > 1 LIMIT 1';
    // A child pointer back to the root: the descent would loop.
    await damaged("UPDATE t_node SET data = substr(data, 1, 4) || x'0000000000000001' || substr(data, 13) WHERE nodeno = 1", 'INSERT INTO t VALUES (1000, 5, 6)');
    // The leaf x_rowid names does not hold the entry.
    await damaged(`UPDATE t_rowid SET nodeno = 1 WHERE rowid = 7`, 'DELETE FROM t WHERE id = 7');
    // A parent mapping in a circle: the walk up would never end.
    await damaged(`UPDATE t_parent SET parentnode = nodeno WHERE nodeno = (${child})`, `DELETE FROM t WHERE id = (SELECT rowid FROM t_rowid WHERE nodeno = (${child}) LIMIT 1)`);
    // A node gone, a node of the wrong size, an absurd depth.
    await damaged('DELETE FROM t_node WHERE nodeno = (SELECT max(nodeno) FROM t_node)', 'INSERT INTO t SELECT 1000 + id, x0, x1 FROM t WHERE id < 100');
    await damaged(`UPDATE t_node SET data = substr(data, 1, 100) WHERE nodeno = (${child})`, 'INSERT INTO t SELECT 1000 + id, x0, x1 FROM t WHERE id < 100');
    await damaged("UPDATE t_node SET data = x'0100' || substr(data, 3) WHERE nodeno = 1", 'INSERT INTO t VALUES (1000, 5, 6)');
  });
});
