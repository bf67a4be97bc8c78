/**
 * Auto-vacuum databases against sqlite3 (3.40.1), side by side: random transactions of CREATE
 * TABLE / CREATE TABLE AS / CREATE INDEX / INSERT (values from a few bytes to overflow chains of
 * several pages) / UPDATE / DELETE / DROP TABLE / DROP INDEX / REINDEX / an R*Tree created,
 * filled and dropped / PRAGMA incremental_vacuum(N) / VACUUM, on a database in
 * auto_vacuum = FULL or INCREMENTAL at page sizes 512, 1024 and 4096, run by s3lite and by the
 * sqlite3 shell on a copy. After every commit:
 *   - sqlite3's `PRAGMA integrity_check` on our file is ok (it checks every pointer-map entry,
 *     the largest-root header field and that no page is lost), and so are sql.js's and s3lite's own;
 *   - sqlite_schema (root pages included: they are where SQLite puts and moves them) and every
 *     row equal sqlite3's;
 *   - FULL: no free page is left (the file is compact); every `incremental_vacuum(N)` takes
 *     exactly min(N, free pages) pages off the freelist (all for N omitted or <= 0).
 * page_count / freelist_count equal to sqlite3's and byte-identical files are counted and
 * printed, not asserted: they also need the b-trees to use the same pages as SQLite's, and the
 * balancing is not SQLite's page for page (in a database without auto-vacuum either).
 * Our database is a plain file made by sqlite3, or a block directory made by s3lite (Database.create
 * then PRAGMA auto_vacuum on the empty database).
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../../../src/api/database.js';
import { integrityCheck, sqlite3, tempDir } from '../../support/sqlite3.js';
import { sqljs } from '../../support/sqljs.js';

const SQL = await sqljs();

const tmp = tempDir('s3lite-autovac');
afterAll(() => tmp.cleanup());

const TABLES: Record<string, string> = {
  a: 'CREATE TABLE a(id INTEGER PRIMARY KEY, x, y)',
  b: 'CREATE TABLE b(k TEXT PRIMARY KEY, v) WITHOUT ROWID',
  c: 'CREATE TABLE c(p, q UNIQUE)',
};
const INDEXES: Record<string, { table: string; sql: string }> = {
  a_y: { table: 'a', sql: 'CREATE INDEX a_y ON a(y)' },
  a_xy: { table: 'a', sql: 'CREATE INDEX a_xy ON a(x, y)' },
  c_p: { table: 'c', sql: 'CREATE INDEX c_p ON c(p)' },
};

/** A statement, chosen before we know what exists; `sqlFor` turns it into SQL (or nothing) then. */
type Op =
  | { kind: 'create'; table: string }
  | { kind: 'index'; index: string }
  | { kind: 'drop'; table: string }
  | { kind: 'dropIndex'; index: string }
  | { kind: 'insert'; table: string; sizes: number[]; seed: number }
  | { kind: 'update'; table: string; mod: number; size: number; seed: number }
  | { kind: 'delete'; table: string; mod: number; rem: number }
  | { kind: 'incremental'; n: number | undefined }
  | { kind: 'deleteAll'; table: string }
  | { kind: 'ctas' }
  | { kind: 'reindex' }
  | { kind: 'rtree'; boxes: number[] }
  | { kind: 'vacuum' };

const tableName = fc.constantFrom('a', 'b', 'c');
// Sizes around the overflow thresholds of the small pages and across several overflow pages.
const size = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 40 }) },
  { weight: 2, arbitrary: fc.integer({ min: 100, max: 1200 }) },
  { weight: 2, arbitrary: fc.integer({ min: 1500, max: 9000 }) },
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: tableName.map((table): Op => ({ kind: 'create', table })) },
  { weight: 2, arbitrary: fc.constantFrom(...Object.keys(INDEXES)).map((index): Op => ({ kind: 'index', index })) },
  { weight: 1, arbitrary: tableName.map((table): Op => ({ kind: 'drop', table })) },
  { weight: 1, arbitrary: fc.constantFrom(...Object.keys(INDEXES)).map((index): Op => ({ kind: 'dropIndex', index })) },
  { weight: 8, arbitrary: fc.record({ table: tableName, sizes: fc.array(size, { minLength: 1, maxLength: 12 }), seed: fc.nat(1000) }).map((r): Op => ({ kind: 'insert', ...r })) },
  { weight: 2, arbitrary: fc.record({ table: tableName, mod: fc.integer({ min: 1, max: 4 }), size, seed: fc.nat(1000) }).map((r): Op => ({ kind: 'update', ...r })) },
  { weight: 3, arbitrary: fc.record({ table: tableName, mod: fc.integer({ min: 1, max: 3 }), rem: fc.nat(2) }).map((r): Op => ({ kind: 'delete', ...r })) },
  { weight: 2, arbitrary: fc.option(fc.integer({ min: -1, max: 30 }), { nil: undefined }).map((n): Op => ({ kind: 'incremental', n })) },
  { weight: 1, arbitrary: fc.constantFrom('a', 'b', 'c', 'd', 'r').map((table): Op => ({ kind: 'deleteAll', table })) },
  { weight: 1, arbitrary: fc.constant<Op>({ kind: 'ctas' }) },
  { weight: 1, arbitrary: fc.constantFrom('d', 'r').map((table): Op => ({ kind: 'drop', table })) },
  { weight: 1, arbitrary: fc.constant<Op>({ kind: 'reindex' }) },
  { weight: 1, arbitrary: fc.array(fc.integer({ min: -500, max: 500 }), { minLength: 1, maxLength: 40 }).map((boxes): Op => ({ kind: 'rtree', boxes })) },
  // VACUUM runs only as a transaction of its own (the runner drops it from longer ones, as SQLite refuses it there).
  { weight: 1, arbitrary: fc.constant<Op>({ kind: 'vacuum' }) },
);

/** A text of `n` characters that differs with `seed` (the same SQL for both engines). */
function text(n: number, seed: number): string {
  const base = `${seed}-${'abcdefghij'[seed % 10]!}`;
  return base.repeat(Math.ceil((n + 1) / base.length)).slice(0, n);
}

/** Tables and indexes that exist, so that every statement generated runs in both engines. */
interface Model {
  tables: Set<string>;
  indexes: Set<string>;
  seq: number;
}

function sqlFor(o: Op, m: Model): string | undefined {
  switch (o.kind) {
    case 'create':
      if (m.tables.has(o.table)) return undefined;
      m.tables.add(o.table);
      return TABLES[o.table];
    case 'index': {
      const def = INDEXES[o.index]!;
      if (m.indexes.has(o.index) || !m.tables.has(def.table)) return undefined;
      m.indexes.add(o.index);
      return def.sql;
    }
    case 'drop':
      if (!m.tables.has(o.table)) return undefined;
      m.tables.delete(o.table);
      for (const [name, def] of Object.entries(INDEXES)) if (def.table === o.table) m.indexes.delete(name);
      return `DROP TABLE ${o.table}`;
    case 'dropIndex':
      if (!m.indexes.has(o.index)) return undefined;
      m.indexes.delete(o.index);
      return `DROP INDEX ${o.index}`;
    case 'insert': {
      if (!m.tables.has(o.table)) return undefined;
      const rows = o.sizes.map((n, i) => {
        const s = ++m.seq;
        const v = `'${text(n, o.seed + i)}'`;
        if (o.table === 'a') return `(${s}, ${v}, ${i % 3 === 0 ? `x'${'ab'.repeat(n % 50)}'` : s % 7})`;
        if (o.table === 'b') return `('k${s % 97}', ${v})`;
        return `(${s % 5}, ${v})`;
      });
      return `INSERT OR REPLACE INTO ${o.table} VALUES ${rows.join(', ')}`;
    }
    case 'update': {
      if (!m.tables.has(o.table)) return undefined;
      const v = `'${text(o.size, o.seed)}'`;
      if (o.table === 'a') return `UPDATE a SET x = ${v} WHERE id % ${o.mod} = 0`;
      if (o.table === 'b') return `UPDATE b SET v = ${v} WHERE length(k) % ${o.mod} = 0`;
      return `UPDATE OR IGNORE c SET q = ${v} || rowid WHERE rowid % ${o.mod} = 0`;
    }
    case 'delete': {
      if (!m.tables.has(o.table)) return undefined;
      const key = o.table === 'a' ? 'id' : o.table === 'b' ? 'length(v)' : 'rowid';
      return `DELETE FROM ${o.table} WHERE ${key} % ${o.mod} = ${o.rem % o.mod}`;
    }
    case 'incremental':
      return o.n === undefined ? 'PRAGMA incremental_vacuum' : `PRAGMA incremental_vacuum(${o.n})`;
    case 'deleteAll':
      return m.tables.has(o.table) ? `DELETE FROM ${o.table}` : undefined;
    case 'ctas':
      if (m.tables.has('d') || !m.tables.has('a')) return undefined;
      m.tables.add('d');
      return 'CREATE TABLE d AS SELECT id, x, y FROM a WHERE id % 2 = 1';
    case 'reindex':
      return 'REINDEX';
    case 'rtree': {
      // An R*Tree's shadow tables are three more b-trees with roots of their own.
      const create = m.tables.has('r') ? [] : ['CREATE VIRTUAL TABLE r USING rtree(id, x0, x1)'];
      m.tables.add('r');
      const rows = o.boxes.map((b) => `(${++m.seq}, ${b}, ${b + (m.seq % 13)})`);
      return [...create, `INSERT INTO r VALUES ${rows.join(', ')}`].join(';\n');
    }
    case 'vacuum':
      return 'VACUUM';
  }
}

/** What both files must agree on, read by sqlite3. */
function content(path: string, m: Model): string {
  const rows = [...m.tables].sort().map((t) => `SELECT '${t}', * FROM ${t} ORDER BY 2, 3;`);
  return sqlite3(path, ['PRAGMA auto_vacuum;', 'SELECT type, name, tbl_name, rootpage, sql FROM sqlite_schema ORDER BY rowid;', ...rows].join('\n'));
}

/** [page_count, freelist_count] by sqlite3. */
function counts(path: string): [number, number] {
  const [pages, free] = sqlite3(path, 'PRAGMA page_count; PRAGMA freelist_count;').trim().split('\n').map(Number);
  return [pages!, free!];
}

/** PRAGMA freelist_count as s3lite sees it (inside its transaction). */
async function freelistCount(db: Database): Promise<number> {
  const [row] = await db.query('PRAGMA freelist_count');
  return Number(Object.values(row!)[0]);
}

/** Bytes that differ between the files (the change counter and version fields aside). */
function differingBytes(x: Uint8Array, y: Uint8Array): number {
  let n = Math.abs(x.length - y.length);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i] && !(i >= 24 && i < 28) && !(i >= 92 && i < 100)) n++;
  return n;
}

const scenario = fc.record({
  mode: process.env.AV_MODE === undefined ? fc.constantFrom('FULL', 'INCREMENTAL') : fc.constant(process.env.AV_MODE),
  pageSize: fc.constantFrom(512, 1024, 4096),
  // Transactions of 1..4 statements; a single one runs in autocommit.
  transactions: fc.array(fc.array(op, { minLength: 1, maxLength: 4 }), { minLength: 3, maxLength: 14 }),
});

let runs = 0;
let commits = 0;
let identical = 0;
let sameCounts = 0;
const diffs: number[] = [];
afterAll(() => {
  console.log(`auto-vacuum differential: ${runs} runs, ${commits} commits checked; page_count and freelist_count equal to sqlite3's at ${sameCounts}; byte-identical files at ${identical} of ${commits} commits; differing bytes at the end of each run: ${diffs.join(', ')}`);
});

async function run(s: { mode: string; pageSize: number; transactions: Op[][] }, layout: 'file' | 'blocks', label: string): Promise<void> {
  runs++;
  const dir = join(tmp.dir, `${label}-${runs}`);
  const ref = `${dir}-ref.db`;
  const init = `PRAGMA page_size = ${s.pageSize}; PRAGMA auto_vacuum = ${s.mode};`;
  sqlite3(ref, `${init} CREATE TABLE seed(z); DROP TABLE seed;`);
  let db: Database;
  let ours: string;
  if (layout === 'file') {
    ours = `${dir}.db`;
    writeFileSync(ours, readFileSync(ref));
    db = await Database.open(ours, { readonly: false });
  } else {
    db = await Database.create(`${dir}/`, { pageSize: s.pageSize });
    await db.run(`PRAGMA auto_vacuum = ${s.mode}`);
    await db.run('CREATE TABLE seed(z)');
    await db.run('DROP TABLE seed');
    ours = `${dir}.joined.db`;
  }
  const current = (): Uint8Array => {
    if (layout === 'file') return new Uint8Array(readFileSync(ours));
    const parts = readdirSync(dir).filter((f) => /^\d{10}$/.test(f)).sort().map((f) => readFileSync(join(dir, f)));
    const bytes = new Uint8Array(Buffer.concat(parts));
    writeFileSync(ours, bytes);
    return bytes;
  };
  const model: Model = { tables: new Set(), indexes: new Set(), seq: 0 };
  try {
    for (const tx of s.transactions) {
      const ops = tx.length > 1 ? tx.filter((o) => o.kind !== 'vacuum') : tx;
      const sqls = ops.flatMap((o) => sqlFor(o, model)?.split(';\n') ?? []);
      if (sqls.length === 0) continue;
      const explicit = sqls.length > 1;
      if (explicit) await db.run('BEGIN');
      for (const q of sqls) {
        const incremental = /^PRAGMA incremental_vacuum(?:\((-?\d+)\))?$/.exec(q);
        if (incremental === null) {
          await db.run(q);
          continue;
        }
        // Each step takes one page off the freelist (the last page, or the one it moves into).
        const freeBefore = await freelistCount(db);
        await db.run(q);
        const n = incremental[1] === undefined ? 0 : Number(incremental[1]);
        const freeAfter = await freelistCount(db);
        expect(freeAfter, q).toBe(n <= 0 ? 0 : Math.max(0, freeBefore - n));
      }
      if (explicit) await db.run('COMMIT');
      sqlite3(ref, explicit ? `BEGIN;\n${sqls.join(';\n')};\nCOMMIT;` : `${sqls[0]};`);
      commits++;
      const bytes = current();
      const where = `${layout} ${s.mode} page size ${s.pageSize} after: ${sqls.map((q) => q.slice(0, 60)).join(' | ')}`;
      expect(integrityCheck(ours), where).toBe('ok');
      // So does sql.js's SQLite (another version and build) on the same bytes.
      const other = new SQL.Database(bytes);
      try {
        const check = other.prepare('PRAGMA integrity_check');
        check.step();
        expect(check.get()[0], `sql.js, ${where}`).toBe('ok');
        check.free();
      } finally {
        other.close();
      }
      // s3lite's own check (it checks the pointer map too) agrees.
      expect(Object.values((await db.query('PRAGMA integrity_check'))[0]!)[0], where).toBe('ok');
      expect(content(ours, model), where).toBe(content(ref, model));
      const [pages, free] = counts(ours);
      const [refPages, refFree] = counts(ref);
      if (s.mode === 'FULL') expect([free, refFree], where).toEqual([0, 0]);
      if (pages === refPages && free === refFree) sameCounts++;
      if (differingBytes(bytes, new Uint8Array(readFileSync(ref))) === 0) identical++;
    }
    diffs.push(differingBytes(current(), new Uint8Array(readFileSync(ref))));
  } finally {
    await db.close();
  }
}

describe('auto-vacuum databases written by s3lite, against sqlite3', () => {
  it('on a plain file: integrity, page counts, root pages and rows equal sqlite3 after every commit', async () => {
    await fc.assert(fc.asyncProperty(scenario, (s) => run(s, 'file', 'file')), { numRuns: Number(process.env.RUNS ?? 25), endOnFailure: true });
  }, 600_000);

  it('on a block directory made by s3lite (PRAGMA auto_vacuum on the empty database)', async () => {
    await fc.assert(fc.asyncProperty(scenario, (s) => run(s, 'blocks', 'blocks')), { numRuns: Number(process.env.RUNS ?? 10), endOnFailure: true });
  }, 600_000);
});
