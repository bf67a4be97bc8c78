/**
 * What a failing statement inside BEGIN leaves behind, against SQLite (Python's sqlite3 module,
 * 3.40.1 here): SQLite undoes a statement alone only through a statement journal, which it opens
 * for a statement that writes several rows and has a constraint check that halts with ABORT
 * (NOT NULL, CHECK, UNIQUE / PRIMARY KEY, an explicit rowid, as the statement's and the
 * constraints' conflict clauses decide; an UPDATE only for what its SET touches). Without one,
 * a STRICT datatype error keeps the rows written before it. Every table × statement pair runs as
 * `BEGIN; statement; SELECT the table; ROLLBACK` in both engines.
 */
import { describe, expect, it } from 'vitest';
import { Database } from '../../../src/api/database.js';
import type { SqlValue } from '../../../src/record/value.js';
import { MemoryObjectStore } from '../../../src/store/memory-store.js';
import { runWithPython, type ScriptOutcome } from '../../support/python-sqlite.js';

const TABLES = [
  'CREATE TABLE t(a INT, b TEXT) STRICT',
  'CREATE TABLE t(a INT NOT NULL, b TEXT) STRICT',
  'CREATE TABLE t(a INT, b TEXT NOT NULL) STRICT',
  'CREATE TABLE t(a INT NOT NULL ON CONFLICT IGNORE, b TEXT) STRICT',
  "CREATE TABLE t(a INT, b TEXT NOT NULL DEFAULT 'd') STRICT",
  'CREATE TABLE t(a INT UNIQUE, b TEXT) STRICT',
  'CREATE TABLE t(a INT UNIQUE ON CONFLICT REPLACE, b TEXT) STRICT',
  'CREATE TABLE t(a INT, b TEXT UNIQUE) STRICT',
  'CREATE TABLE t(a INT CHECK (a < 100), b TEXT) STRICT',
  "CREATE TABLE t(a INT, b TEXT CHECK (b <> 'no')) STRICT",
  'CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT) STRICT',
  'CREATE TABLE t(a INTEGER PRIMARY KEY ON CONFLICT IGNORE, b TEXT) STRICT',
  'CREATE TABLE t(a INT PRIMARY KEY, b TEXT) STRICT, WITHOUT ROWID',
  'CREATE TABLE t(a INT, b TEXT) STRICT; CREATE UNIQUE INDEX tb ON t(b)',
  'CREATE TABLE t(a INT, b TEXT) STRICT; CREATE INDEX ta ON t(a)',
];

const STATEMENTS = [
  "INSERT INTO t VALUES (10, 'x'), ('bad', 'y')",
  "INSERT INTO t(b, a) VALUES ('x', 11), ('y', 'bad')",
  "INSERT INTO t(b) SELECT 'p' UNION ALL SELECT x'00'",
  "INSERT OR REPLACE INTO t VALUES (12, 'x'), ('bad', 'y')",
  "INSERT OR IGNORE INTO t VALUES (13, 'x'), ('bad', 'y')",
  "INSERT OR FAIL INTO t VALUES (14, 'x'), ('bad', 'y')",
  "INSERT OR ABORT INTO t VALUES (15, 'x'), ('bad', 'y')",
  "UPDATE t SET a = CASE WHEN a = 1 THEN 50 ELSE 'bad' END",
  "UPDATE t SET b = CASE WHEN a = 1 THEN 'q' ELSE x'01' END",
  "UPDATE OR IGNORE t SET a = CASE WHEN a = 1 THEN 51 ELSE 'bad' END",
];

type Outcome = { ok: true; rows: SqlValue[][] } | { ok: false; message: string };

function simplify(o: ScriptOutcome): Outcome {
  return o.ok ? { ok: true, rows: o.rows as SqlValue[][] } : { ok: false, message: o.message };
}

async function ours(statements: readonly string[]): Promise<Outcome[]> {
  const db = await Database.create({ objects: new MemoryObjectStore(), prefix: 'db' });
  const out: Outcome[] = [];
  try {
    for (const sql of statements) {
      try {
        const r = await db.run(sql);
        out.push({ ok: true, rows: (r.rows ?? []).map((row) => (r.columns ?? Object.keys(row)).map((c) => row[c] ?? null)) });
      } catch (err) {
        out.push({ ok: false, message: (err as Error).message });
      }
    }
  } finally {
    await db.close();
  }
  return out;
}

describe('a failing statement inside BEGIN leaves what SQLite leaves', () => {
  it('every table × statement', async () => {
    for (const table of TABLES) {
      const script = [...table.split('; '), "INSERT INTO t VALUES (1, 'one'), (2, 'two')"];
      for (const stmt of STATEMENTS) script.push('BEGIN', stmt, 'SELECT a, b FROM t ORDER BY a, b', 'ROLLBACK');
      const theirs = runWithPython(script).map(simplify);
      const mine = await ours(script);
      const normal = (o: Outcome): unknown => (o.ok ? { ok: true, rows: o.rows.map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v))) } : o);
      for (let i = 0; i < script.length; i++) {
        expect(normal(mine[i]!), `${table}\n${script[i]}\n(after ${script[i - 1]})`).toEqual(normal(theirs[i]!));
      }
    }
  }, 60_000);
});
