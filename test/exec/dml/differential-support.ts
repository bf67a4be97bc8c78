/**
 * Model-based differential test: random sequences of CREATE TABLE / CREATE INDEX / INSERT /
 * UPDATE / DELETE / DROP / BEGIN / COMMIT / ROLLBACK, with random values and payload sizes
 * (small, about a page, overflow-sized), run on our engine over a MemoryObjectStore (through
 * BlockVfs) and on sql.js side by side, with the same SQL text and bound values. After every
 * statement both agree on success or failure (same error class; the same message for
 * constraint violations). After every commit (and every autocommit statement):
 *   - every table's rows equal sql.js's, values and storage classes;
 *   - sqlite_schema (type, name, tbl_name, sql) and sqlite_sequence equal sql.js's;
 *   - our integrity check finds nothing;
 *   - the exported file passes `sqlite3 … 'PRAGMA integrity_check'`;
 *   - a fresh Database opened on the same store reads the same rows.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { expect } from 'vitest';
import { Database } from '../../../src/api/database.js';
import { ConstraintError, SqliteError } from '../../../src/errors.js';
import type { SqlValue, StorageClass } from '../../../src/record/value.js';
import { MemoryObjectStore } from '../../../src/store/memory-store.js';
import { serializeToBytes } from '../../../src/transfer/serialize.js';
import { BlockVfs } from '../../../src/vfs/block-vfs.js';
import { OpenFlags } from '../../../src/vfs/vfs.js';
import { integrityCheck, tempDir } from '../../support/sqlite3.js';
import { exactLiteral, normalize, sqljs, sqljsClass } from '../../support/sqljs.js';

// ── The tables the commands may create ─────────────────────────────────────────────────────

interface TableDef {
  readonly name: string;
  readonly sql: string;
  /** Columns a command may set, with the kind of value they take. */
  readonly columns: readonly string[];
  readonly orderBy: string;
  readonly rowid: boolean;
}

export const TABLES: readonly TableDef[] = [
  {
    name: 't1',
    sql: 'CREATE TABLE t1(id INTEGER PRIMARY KEY, a TEXT, b REAL, c BLOB, d INT UNIQUE)',
    columns: ['id', 'a', 'b', 'c', 'd'],
    orderBy: 'rowid',
    rowid: true,
  },
  {
    name: 't2',
    sql: 'CREATE TABLE t2(k TEXT PRIMARY KEY, v, w INTEGER NOT NULL DEFAULT 7) WITHOUT ROWID',
    columns: ['k', 'v', 'w'],
    orderBy: 'k',
    rowid: false,
  },
  {
    name: 't3',
    sql: 'CREATE TABLE t3(x INTEGER PRIMARY KEY AUTOINCREMENT, y TEXT COLLATE NOCASE UNIQUE, z NUMERIC CHECK (z IS NULL OR z >= 0))',
    columns: ['x', 'y', 'z'],
    orderBy: 'rowid',
    rowid: true,
  },
  {
    name: 't4',
    sql: 'CREATE TABLE t4(p INT, q TEXT, r ANY, UNIQUE(p, q)) STRICT',
    columns: ['p', 'q', 'r'],
    orderBy: 'rowid',
    rowid: true,
  },
  {
    name: 't5',
    sql: 'CREATE TABLE t5(a, b NOT NULL, c DEFAULT 3.5, PRIMARY KEY(a, b))',
    columns: ['a', 'b', 'c'],
    orderBy: 'rowid',
    rowid: true,
  },
];

// ── Commands ───────────────────────────────────────────────────────────────────────────────

export interface Step {
  readonly sql: string;
  readonly params: SqlValue[];
}

const small = fc.string({ maxLength: 12 });
const text = fc.oneof(
  { weight: 6, arbitrary: small },
  { weight: 1, arbitrary: fc.string({ minLength: 300, maxLength: 1500 }) },
  { weight: 1, arbitrary: fc.string({ minLength: 3000, maxLength: 9000 }) },
);
const blob = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 16 }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 2000, maxLength: 6000 }) },
);
const value: fc.Arbitrary<SqlValue> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 5, arbitrary: fc.integer({ min: -5, max: 20 }) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }) },
  { weight: 2, arbitrary: fc.constantFrom(0.5, -1.25, 2.0, 1e20, 3.0, -0.0, 123456.789) },
  // Reals with short exact renderings: SQLite versions (sqlite3 3.40 vs sql.js) render long ones as text differently.
  { weight: 1, arbitrary: fc.integer({ min: -1_000_000, max: 1_000_000 }).map((n) => n / 64) },
  { weight: 4, arbitrary: text },
  { weight: 1, arbitrary: fc.constantFrom('1', '2.0', ' 3 ', 'abc', 'ABC', 'Abc') },
  { weight: 2, arbitrary: blob },
);

function literal(v: SqlValue, params: SqlValue[]): string {
  const lit = exactLiteral(v);
  if (lit.bind !== undefined) params.push(lit.bind);
  return lit.text;
}

const tableIdx = fc.integer({ min: 0, max: TABLES.length - 1 });

const createTable = tableIdx.map((i): Step => ({ sql: TABLES[i]!.sql, params: [] }));
const dropTable = tableIdx.map((i): Step => ({ sql: `DROP TABLE ${TABLES[i]!.name}`, params: [] }));
const createIndex = fc
  .record({ t: tableIdx, unique: fc.boolean(), desc: fc.boolean(), partial: fc.boolean(), n: fc.integer({ min: 0, max: 3 }), pick: fc.nat() })
  .map(({ t, unique, desc, partial, n, pick }): Step => {
    const def = TABLES[t]!;
    const col = def.columns[pick % def.columns.length]!;
    const other = def.columns[(pick + 1) % def.columns.length]!;
    const cols = pick % 2 === 0 ? `${col}${desc ? ' DESC' : ''}` : `${col}, ${other}${desc ? ' DESC' : ''}`;
    const where = partial ? ` WHERE ${col} IS NOT NULL` : '';
    return { sql: `CREATE ${unique ? 'UNIQUE ' : ''}INDEX ix_${def.name}_${n} ON ${def.name}(${cols})${where}`, params: [] };
  });
const dropIndex = fc
  .record({ t: tableIdx, n: fc.integer({ min: 0, max: 3 }) })
  .map(({ t, n }): Step => ({ sql: `DROP INDEX ix_${TABLES[t]!.name}_${n}`, params: [] }));
const orClause = fc.constantFrom('', '', '', 'OR REPLACE ', 'OR IGNORE ', 'OR ABORT ', 'OR FAIL ', 'OR ROLLBACK ');
const insert = fc
  .record({ t: tableIdx, or: orClause, rows: fc.array(fc.array(value, { minLength: 5, maxLength: 5 }), { minLength: 1, maxLength: 4 }), mask: fc.nat() })
  .map(({ t, or, rows, mask }): Step => {
    const def = TABLES[t]!;
    const cols = def.columns.filter((_c, i) => ((mask >> i) & 1) === 0 || i === 1);
    const params: SqlValue[] = [];
    const tuples = rows.map((r) => `(${cols.map((_c, i) => literal(r[i] ?? null, params)).join(', ')})`);
    return { sql: `INSERT ${or}INTO ${def.name}(${cols.join(', ')}) VALUES ${tuples.join(', ')}`, params };
  });
const where = (def: TableDef, col: string, v: SqlValue, params: SqlValue[], op: number): string => {
  switch (op % 4) {
    case 0:
      return `${col} = ${literal(v, params)}`;
    case 1:
      return `${col} IS NULL`;
    case 2:
      return `${col} > ${literal(v, params)}`;
    default:
      return def.rowid ? `rowid % 2 = 0` : `${col} IS NOT NULL`;
  }
};
const update = fc
  .record({ t: tableIdx, or: orClause, set: fc.nat(), v: value, wcol: fc.nat(), wv: value, op: fc.nat() })
  .map(({ t, or, set, v, wcol, wv, op }): Step => {
    const def = TABLES[t]!;
    const params: SqlValue[] = [];
    const col = def.columns[set % def.columns.length]!;
    const assignment = `${col} = ${literal(v, params)}`;
    const cond = where(def, def.columns[wcol % def.columns.length]!, wv, params, op);
    return { sql: `UPDATE ${or}${def.name} SET ${assignment} WHERE ${cond}`, params };
  });
const del = fc
  .record({ t: tableIdx, wcol: fc.nat(), wv: value, op: fc.nat(), all: fc.integer({ min: 0, max: 9 }) })
  .map(({ t, wcol, wv, op, all }): Step => {
    const def = TABLES[t]!;
    if (all === 0) return { sql: `DELETE FROM ${def.name}`, params: [] };
    const params: SqlValue[] = [];
    return { sql: `DELETE FROM ${def.name} WHERE ${where(def, def.columns[wcol % def.columns.length]!, wv, params, op)}`, params };
  });
const control = fc.constantFrom<Step>({ sql: 'BEGIN', params: [] }, { sql: 'COMMIT', params: [] }, { sql: 'ROLLBACK', params: [] });
const broken = fc.constantFrom<Step>(
  { sql: 'INSERT INTO nope VALUES (1)', params: [] },
  { sql: 'INSERT INTO t1(zz) VALUES (1)', params: [] },
  { sql: 'UPDATE t1 SET zz = 1', params: [] },
  { sql: 'INSERT INTO t1 VALUES (1, 2)', params: [] },
  { sql: 'INSERT INTO t1 VALUES (1, 2, 3, 4, 5', params: [] },
);

export const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: createTable },
  { weight: 1, arbitrary: dropTable },
  { weight: 2, arbitrary: createIndex },
  { weight: 1, arbitrary: dropIndex },
  { weight: 12, arbitrary: insert },
  { weight: 4, arbitrary: update },
  { weight: 3, arbitrary: del },
  { weight: 3, arbitrary: control },
  { weight: 1, arbitrary: broken },
);

// ── Running both sides ─────────────────────────────────────────────────────────────────────

interface Outcome {
  ok: boolean;
  code?: string;
  message?: string;
}

/** The error class SQLite's message implies (sql.js only gives the message). */
function oracleCode(message: string): string {
  // RAISE(ABORT|FAIL|ROLLBACK, 'raised: …') in the generated triggers is SQLITE_CONSTRAINT too.
  if (/constraint failed|cannot store|^raised:/.test(message)) return 'SQLITE_CONSTRAINT';
  if (/datatype mismatch/.test(message)) return 'SQLITE_MISMATCH';
  if (/database or disk is full/.test(message)) return 'SQLITE_FULL';
  return 'SQLITE_ERROR';
}

type Typed = { values: SqlValue[]; classes: StorageClass[] };

async function ourRows(db: Database, name: string): Promise<Typed[]> {
  const out: Typed[] = [];
  for await (const r of db.typedRows(name)) out.push({ values: r.values, classes: r.classes });
  return out;
}

/** Statements that succeeded, by first keyword (to show the runs do real work). */
export const succeeded = new Map<string, number>();
/** Statements both engines refused, by SQLite's message (to see what a generator wastes). */
export const failedBoth = new Map<string, number>();
/** Rows returned (RETURNING, SELECT, PRAGMA) and compared, by the statement's first keyword. */
export const returnedRows = new Map<string, number>();

function sortedRows(rows: readonly Typed[]): string[] {
  return rows
    .map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? `x${[...v].join(',')}` : v)))
    .sort();
}

export async function runDifferential(steps: readonly Step[], pageSize: number, fileLabel: string, plainFile?: boolean): Promise<void> {
  const SQL = await sqljs();
  const oracle = new SQL.Database() as unknown as {
    run(sql: string, params?: unknown[]): void;
    prepare(sql: string): { bind(p: unknown[]): void; step(): boolean; get(p: null, c: { useBigInt: boolean }): unknown[]; free(): void };
    export(): Uint8Array;
    close(): void;
  };
  oracle.run(`PRAGMA page_size=${pageSize}`);
  const objects = new MemoryObjectStore();
  const { dir, cleanup } = tempDir('s3lite-dml');
  // Over a MemoryObjectStore through BlockVfs, or (plainFile) an ordinary file through PlainFileVfs.
  const filePath = plainFile === true ? join(dir, `${fileLabel}-plain.sqlite`) : undefined;
  const source = filePath ?? { objects, prefix: 'db' };
  const db = await Database.create(source, { pageSize });
  const query = (sql: string): unknown[][] => {
    const st = oracle.prepare(sql);
    const rows: unknown[][] = [];
    while (st.step()) rows.push(st.get(null, { useBigInt: true }));
    st.free();
    return rows;
  };
  let inTx = false;
  const trace = (m: string): void => {
    if (process.env.DML_TRACE !== undefined) appendFileSync(process.env.DML_TRACE, `  ${m}\n`);
  };
  const verify = async (where: string): Promise<void> => {
    trace('verify');
    const schema = query("SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY rowid").map((r) => r.map(normalize));
    const ours = (await db.schema()).map((r) => [r.type, r.name, r.tblName, r.sql]);
    expect(ours, `${where}: sqlite_schema`).toEqual(schema);
    const names = query("SELECT name FROM sqlite_schema WHERE type = 'table'").map((r) => String(r[0]));
    const expected = new Map<string, Typed[]>();
    for (const name of names) {
      const def = TABLES.find((t) => t.name === name);
      if (def === undefined && name !== 'sqlite_sequence') {
        // A table of the feature steps (the triggers' log): its rows as a multiset, since the
        // order rows are visited in (and so logged in) depends on each engine's plan.
        const rows = query(`SELECT * FROM "${name}"`).map((r) => ({ values: r.map(normalize), classes: r.map(sqljsClass) }));
        expect(sortedRows(await ourRows(db, name)), `${where}: rows of ${name}`).toEqual(sortedRows(rows));
        continue;
      }
      // Every column (ALTER TABLE may have added or renamed some), in stored order.
      const rows = query(`SELECT * FROM ${name} ORDER BY ${def?.orderBy ?? 'rowid'}`).map((r) => ({
        values: r.map(normalize),
        classes: r.map(sqljsClass),
      }));
      expected.set(name, rows);
      expect(await ourRows(db, name), `${where}: rows of ${name}`).toEqual(rows);
    }
    trace('check');
    expect(await db.check(), `${where}: our integrity check`).toEqual([]);
    trace('export');
    let bytes: Uint8Array;
    if (filePath !== undefined) {
      bytes = new Uint8Array(readFileSync(filePath));
    } else {
      const file = await new BlockVfs(objects).xOpen('db', OpenFlags.SQLITE_OPEN_READONLY);
      bytes = await serializeToBytes(file);
      await file.xClose();
    }
    trace('serialized');
    const path = join(dir, `${fileLabel}.sqlite`);
    writeFileSync(path, bytes);
    expect(integrityCheck(path), `${where}: sqlite3 integrity_check`).toBe('ok');
    trace('sqlite3 ok');
    const fresh = await Database.open(source);
    trace('reopened');
    try {
      for (const [name, rows] of expected) trace(`reading ${name}`), expect(await ourRows(fresh, name), `${where}: reopened ${name}`).toEqual(rows);
    } finally {
      trace('closing');
      await fresh.close();
      trace('closed');
    }
  };
  try {
    for (const [i, s] of steps.entries()) {
      const where = `step ${i}: ${s.sql.slice(0, 200)}`;
      if (process.env.DML_TRACE !== undefined) appendFileSync(process.env.DML_TRACE, `${i === 0 ? `--- page size ${pageSize}\n` : ''}${JSON.stringify(s)}\n`);
      let expected: Outcome;
      let oracleRows: Typed[] = [];
      try {
        const st = oracle.prepare(s.sql);
        try {
          st.bind(s.params);
          while (st.step()) {
            const r = st.get(null, { useBigInt: true });
            oracleRows.push({ values: r.map(normalize), classes: r.map(sqljsClass) });
          }
        } finally {
          st.free();
        }
        expected = { ok: true };
      } catch (err) {
        oracleRows = [];
        const message = (err as Error).message;
        expected = { ok: false, code: oracleCode(message), message };
      }
      trace('ours');
      let actual: Outcome;
      let ourReturned: Typed[] = [];
      try {
        await db.execRows(s.sql, s.params, (rows) => {
          if (rows !== undefined) ourReturned = rows.rows.map((r) => ({ values: r.values, classes: r.classes }));
        });
        actual = { ok: true };
      } catch (err) {
        if (!(err instanceof SqliteError)) throw err;
        actual = { ok: false, code: err.code, message: err.message };
        if (err instanceof ConstraintError) actual.code = 'SQLITE_CONSTRAINT';
      }
      expect({ ok: actual.ok, code: actual.code }, `${where}: outcome (sqlite: ${expected.message ?? 'ok'}; ours: ${actual.message ?? 'ok'})`).toEqual({
        ok: expected.ok,
        code: expected.code,
      });
      if (expected.code === 'SQLITE_CONSTRAINT') expect(actual.message, where).toBe(expected.message);
      // Returned rows (RETURNING, SELECT, PRAGMA) as a multiset: the order RETURNING gives rows
      // in is the engine's visiting order, which SQLite leaves unspecified.
      if (expected.ok) {
        expect(sortedRows(ourReturned), `${where}: returned rows`).toEqual(sortedRows(oracleRows));
        if (oracleRows.length > 0) returnedRows.set(s.sql.split(' ')[0]!, (returnedRows.get(s.sql.split(' ')[0]!) ?? 0) + oracleRows.length);
      }
      trace(`outcome ${JSON.stringify(actual)}`);
      // Whether SQLite has a transaction open: BEGIN fails inside one (probe, then undo it).
      inTx = (() => {
        try {
          oracle.run('BEGIN');
        } catch {
          return true;
        }
        oracle.run('ROLLBACK');
        return false;
      })();
      const kind = s.sql.split(' ')[0]!;
      if (expected.ok) succeeded.set(kind, (succeeded.get(kind) ?? 0) + 1);
      else failedBoth.set(expected.message ?? '', (failedBoth.get(expected.message ?? '') ?? 0) + 1);
      expect(db.inTransaction, `${where}: transaction state`).toBe(inTx);
      trace(`inTx ${inTx}`);
      if (!inTx) await verify(where);
      trace('verified');
    }
    if (inTx) {
      await db.run('COMMIT');
      oracle.run('COMMIT');
      await verify('final commit');
    }
  } finally {
    trace('finally');
    await db.close();
    trace('db closed');
    oracle.close();
    cleanup();
    trace('done');
  }
}

