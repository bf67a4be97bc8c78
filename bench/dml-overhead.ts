/**
 * Per-statement cost of small writes (issue 16's "the same per-statement costs hit every
 * application doing many small INSERT/UPDATEs with triggers or foreign keys"): N one-row
 * statements in one transaction, each run through `db.run(sql, params)` with the same SQL text,
 * against sql.js (SQLite compiled to WebAssembly) running the same statements through one
 * prepared statement (`stmt.run(params)`), in memory.
 *
 *   plain insert        INSERT INTO t (a, b) VALUES (?, ?)                     no trigger, no index
 *   + AFTER INSERT       the same with an audit trigger: INSERT INTO log VALUES (NEW.id, NEW.a)
 *   + counter trigger    AFTER INSERT: UPDATE counts SET n = n + 1 WHERE name = 't' (GDAL's pattern)
 *   + foreign key        INSERT INTO child (parent_id, v) VALUES (?, ?), PRAGMA foreign_keys = ON,
 *                        parent_id REFERENCES parent(id) (1,000 parents)
 *   update by id         UPDATE t SET b = ? WHERE id = ? (rows of the plain insert)
 *   update + trigger     the same on the table with an AFTER UPDATE trigger writing the log
 *   delete by id         DELETE FROM t WHERE id = ?
 *   + ON DELETE CASCADE  the same with a child table c(tid REFERENCES t(id) ON DELETE CASCADE), indexed,
 *                        one child row per row of t, foreign_keys = ON
 *
 * Ours is the built library (dist/, see engine.ts; --src for the sources through tsx) on a plain
 * file (COMMIT included; the file is checked by sqlite3 PRAGMA integrity_check). Best of three,
 * alternated; the ratio is ours ÷ sql.js in time. Figures are printed, never asserted.
 *
 *   npx tsx bench/dml-overhead.ts [--rows 20000] [--quick] [--src | --no-build]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEngine } from './engine.js';
import { sqljs } from '../test/support/sqljs.js';

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const QUICK = process.argv.includes('--quick');
const ROWS = Number(argValue('rows') ?? (QUICK ? 5000 : 20_000));
const RUNS = 3;

interface Scenario {
  readonly name: string;
  /** Schema and rows present before the timed statements (not timed). */
  readonly setup: string;
  /** Run before the transaction, on each connection (not timed). */
  readonly pragma?: string;
  readonly sql: string;
  readonly params: (i: number) => (string | number)[];
  /** Rows of t inserted by the setup (for the UPDATE/DELETE scenarios), by a recursive CTE. */
  readonly seedRows?: boolean;
}

const T = 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER);';
const LOG = 'CREATE TABLE log (tid INTEGER, what TEXT);';
const SEED = `INSERT INTO t (a, b) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS}) SELECT 'row ' || i, i FROM n;`;
const SCENARIOS: readonly Scenario[] = [
  { name: 'plain insert', setup: T, sql: 'INSERT INTO t (a, b) VALUES (?, ?)', params: (i) => [`row ${i}`, i] },
  {
    name: '+ AFTER INSERT trigger (audit row)',
    setup: `${T} ${LOG} CREATE TRIGGER t_ai AFTER INSERT ON t BEGIN INSERT INTO log VALUES (NEW.id, NEW.a); END;`,
    sql: 'INSERT INTO t (a, b) VALUES (?, ?)',
    params: (i) => [`row ${i}`, i],
  },
  {
    name: '+ AFTER INSERT trigger (counter UPDATE)',
    setup: `${T} CREATE TABLE counts (name TEXT PRIMARY KEY, n INTEGER); INSERT INTO counts VALUES ('t', 0);
            CREATE TRIGGER t_count AFTER INSERT ON t BEGIN UPDATE counts SET n = n + 1 WHERE name = 't'; END;`,
    sql: 'INSERT INTO t (a, b) VALUES (?, ?)',
    params: (i) => [`row ${i}`, i],
  },
  {
    name: '+ foreign key (foreign_keys = ON)',
    setup: `CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);
            INSERT INTO parent (name) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) SELECT 'p' || i FROM n;
            CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id), v TEXT);`,
    pragma: 'PRAGMA foreign_keys = ON',
    sql: 'INSERT INTO child (parent_id, v) VALUES (?, ?)',
    params: (i) => [1 + ((i * 7919) % 1000), `v${i}`],
  },
  { name: 'update by id', setup: `${T} ${SEED}`, sql: 'UPDATE t SET b = ? WHERE id = ?', params: (i) => [-i, 1 + ((i * 7919) % ROWS)] },
  {
    name: 'update by id + AFTER UPDATE trigger',
    setup: `${T} ${LOG} ${SEED} CREATE TRIGGER t_au AFTER UPDATE ON t BEGIN INSERT INTO log VALUES (NEW.id, 'update'); END;`,
    sql: 'UPDATE t SET b = ? WHERE id = ?',
    params: (i) => [-i, 1 + ((i * 7919) % ROWS)],
  },
  { name: 'delete by id', setup: `${T} ${SEED}`, sql: 'DELETE FROM t WHERE id = ?', params: (i) => [1 + ((i * 7919) % ROWS)] },
  {
    name: 'delete by id + ON DELETE CASCADE (1 child row each)',
    setup: `${T} ${SEED} CREATE TABLE c (id INTEGER PRIMARY KEY, tid INTEGER REFERENCES t(id) ON DELETE CASCADE); CREATE INDEX c_tid ON c(tid);
            INSERT INTO c (tid) SELECT id FROM t;`,
    pragma: 'PRAGMA foreign_keys = ON',
    sql: 'DELETE FROM t WHERE id = ?',
    params: (i) => [1 + ((i * 7919) % ROWS)],
  },
];

const engine = await loadEngine();
const SQL = await sqljs();
const dir = mkdtempSync(join(tmpdir(), 's3lite-bench-dml-'));
try {
  console.log(`\n## Per-statement cost of small writes: ${ROWS} one-row statements in one transaction, ${new Date().toISOString()}`);
  console.log(`s3lite: ${engine.label}, db.run(sql, params) on a plain file (COMMIT included); sql.js: one prepared statement, stmt.run(params), in memory. Best of ${RUNS}.\n`);
  console.log('| statement | s3lite | statements/s | sql.js | statements/s | ratio (time) | integrity_check |');
  console.log('|---|---:|---:|---:|---:|---:|---|');
  for (const s of SCENARIOS) {
    const ours: number[] = [];
    const theirs: number[] = [];
    let check = '';
    for (let run = 0; run < RUNS; run++) {
      const file = join(dir, `${run}-${SCENARIOS.indexOf(s)}.sqlite`);
      execFileSync('sqlite3', [file, s.setup]);
      const db = await engine.Database.open(file, { readonly: false });
      if (s.pragma !== undefined) await db.exec(s.pragma);
      let t0 = performance.now();
      await db.exec('BEGIN');
      for (let i = 0; i < ROWS; i++) await db.run(s.sql, s.params(i));
      await db.exec('COMMIT');
      ours.push(performance.now() - t0);
      await db.close();
      check = execFileSync('sqlite3', [file, 'PRAGMA integrity_check; PRAGMA foreign_key_check;'], { encoding: 'utf8' }).trim().replaceAll('\n', ' ');

      const mem = new SQL.Database();
      mem.run(s.setup);
      if (s.pragma !== undefined) mem.run(s.pragma);
      t0 = performance.now();
      mem.run('BEGIN');
      const stmt = mem.prepare(s.sql);
      for (let i = 0; i < ROWS; i++) stmt.run(s.params(i));
      stmt.free();
      mem.run('COMMIT');
      theirs.push(performance.now() - t0);
      mem.close();
    }
    const a = Math.min(...ours);
    const b = Math.min(...theirs);
    const rate = (ms: number): string => Math.round(ROWS / (ms / 1000)).toLocaleString('en-US');
    console.log(`| ${s.name} | ${(a / 1000).toFixed(2)} s | ${rate(a)} | ${(b / 1000).toFixed(2)} s | ${rate(b)} | ${(a / b).toFixed(1)} | ${check} |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
