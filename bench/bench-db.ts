/**
 * The benchmark database, made by the sqlite3 shell so that its layout is SQLite's own:
 *
 *   t      (id INTEGER PRIMARY KEY, name TEXT, value REAL, payload BLOB)   ~262 file bytes a row
 *   t_name index on t(name)                                                 (names in scattered order)
 *   small  (k TEXT PRIMARY KEY, v INTEGER) WITHOUT ROWID                     two rows
 *
 * Shared by the benchmarks (no side effects on import), so that every scenario of a run measures
 * the same file.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export interface BenchDatabase {
  readonly path: string;
  /** Rows in t (ids 1..rows). */
  readonly rows: number;
}

/** Writes `bench.sqlite` of about `mb` MiB into `dir`. */
export function makeBenchDatabase(dir: string, mb: number, file = 'bench.sqlite'): BenchDatabase {
  const path = join(dir, file);
  const rows = Math.max(1, Math.round((mb * 2 ** 20) / 262));
  execFileSync('sqlite3', [path], {
    input: `PRAGMA page_size=4096;
CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, value REAL, payload BLOB);
CREATE INDEX t_name ON t(name);
CREATE TABLE small (k TEXT PRIMARY KEY, v INTEGER) WITHOUT ROWID;
INSERT INTO small VALUES ('a', 1), ('b', 2);
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM seq WHERE i < ${rows})
INSERT INTO t SELECT i, 'name-' || (i * 7919 % ${rows}), i / 3.0, randomblob(200) FROM seq;`,
  });
  return { path, rows };
}
