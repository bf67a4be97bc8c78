/**
 * Writing R*Tree tables, against the real sqlite3 (3.40.1) as the oracle: the same random
 * sequence of inserts (with and without ids, OR REPLACE / OR IGNORE), window deletes and updates,
 * run by s3lite on one file and by sqlite3 on another, grows multi-level trees and shrinks them
 * again; afterwards the shadow tables (every node's bytes, x_rowid, x_parent) are identical,
 * sqlite3's rtreecheck() and integrity_check pass on s3lite's file, and random window queries
 * run by s3lite on its file return sqlite3's rows on its own, in the same order.
 *
 * SEED (default 20261206) and RUNS (sequences per shape, default 1) explore further.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../../src/index.js';
import { sqlite3, tempDir } from '../../support/sqlite3.js';
import { prng } from '../../support/prng.js';

const SEED = Number(process.env.SEED ?? 20261206);
const RUNS = Number(process.env.RUNS ?? 1);

let dir: string;
let cleanup: () => void;
let fileNo = 0;

beforeAll(() => {
  const t = tempDir('s3lite-rtree-write');
  dir = t.dir;
  cleanup = t.cleanup;
});
afterAll(() => cleanup());

function newFile(label: string): string {
  return join(dir, `${label}-${fileNo++}.sqlite`);
}

/** sqlite3 run over `sql`; the statements after a failing one still run (as the shell does). */
function shell(file: string, sql: string): { out: string; err: string } {
  const r = spawnSync('sqlite3', [file], { input: sql, encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
  return { out: r.stdout, err: r.stderr };
}

interface Shape {
  readonly dims: number;
  readonly int32: boolean;
  readonly pageSize: number;
  readonly aux: number;
  readonly ops: number;
  /** Every box a point of a 10×10… grid: duplicates everywhere, so ties decide. */
  readonly points?: boolean;
}

/** Literals for a box side: many digits (so float32 rounding matters), or an integer given as a real that truncates to it. */
function sideText(rnd: () => number, lo: number, hi: number, int32: boolean): [string, string] {
  if (!int32) return rnd() < 0.1 ? [String(Math.floor(lo)), String(Math.ceil(hi))] : [lo.toPrecision(17), hi.toPrecision(17)];
  const a = Math.round(lo);
  const b = Math.max(a, Math.round(hi));
  const text = (n: number): string => (n >= 0 && rnd() < 0.2 ? `${n}.5` : String(n));
  return [text(a), text(b)];
}

/** A random statement sequence: a growing phase, then a mixed one, then a shrinking one. */
function sequence(shape: Shape, seed: number): string[] {
  const rnd = prng(seed);
  const span = shape.int32 ? 100000 : 1000;
  const cols = Array.from({ length: shape.dims }, (_d, d) => [`lo${d}`, `hi${d}`]).flat();
  const auxCols = Array.from({ length: shape.aux }, (_a, i) => `+x${i}`);
  const out = [`CREATE VIRTUAL TABLE t USING ${shape.int32 ? 'rtree_i32' : 'rtree'}(id, ${[...cols, ...auxCols].join(', ')})`];
  const box = (): string[] => {
    const vs: string[] = [];
    // Some boxes sit on a coarse grid: equal boxes, extents and distances make rtree.c's
    // tie-breaking (its sorts, ChooseLeaf, the split choice) matter.
    const grid = rnd() < 0.4;
    for (let d = 0; d < shape.dims; d++) {
      if (shape.points === true) {
        const p = String((Math.floor(rnd() * 10) - 5) * (span / 20));
        vs.push(p, p);
        continue;
      }
      const lo = grid ? (Math.floor(rnd() * 40) - 20) * (span / 50) : (rnd() - 0.5) * span;
      const w = grid ? Math.floor(rnd() * 3) * (span / 200) : rnd() < 0.05 ? 0 : rnd() * span * 0.02;
      vs.push(...sideText(rnd, lo, lo + w, shape.int32));
    }
    return vs;
  };
  const aux = (i: number): string[] => Array.from({ length: shape.aux }, (_a, k) => (k === 0 ? `'a${i}'` : rnd() < 0.5 ? String(i * 7) : 'NULL'));
  const window = (): string => {
    const d = Math.floor(rnd() * shape.dims);
    const lo = (rnd() - 0.5) * span;
    const w = span * (0.005 + rnd() * 0.03);
    return `lo${d} >= ${lo.toFixed(3)} AND lo${d} < ${(lo + w).toFixed(3)}`;
  };
  let nextId = 1;
  const grow = Math.floor(shape.ops * 0.5);
  const mix = Math.floor(shape.ops * 0.3);
  for (let i = 0; i < shape.ops; i++) {
    const r = rnd();
    if (i < grow || (i < grow + mix && r < 0.5)) {
      const k = rnd();
      if (k < 0.15) out.push(`INSERT INTO t VALUES (NULL, ${[...box(), ...aux(i)].join(', ')})`);
      else if (k < 0.25) out.push(`INSERT OR REPLACE INTO t VALUES (${Math.floor(rnd() * nextId) + 1}, ${[...box(), ...aux(i)].join(', ')})`);
      else if (k < 0.3) out.push(`INSERT OR IGNORE INTO t VALUES (${Math.floor(rnd() * nextId) + 1}, ${[...box(), ...aux(i)].join(', ')})`);
      // Fresh ids are negative: no NULL-id insert (max + 1) or OR REPLACE id can take them.
      else if (k < 0.4) out.push(`INSERT INTO t VALUES ${[0, 1, 2].map(() => `(${-nextId++}, ${[...box(), ...aux(i)].join(', ')})`).join(', ')}`);
      else out.push(`INSERT INTO t VALUES (${-nextId++}, ${[...box(), ...aux(i)].join(', ')})`);
    } else if (i < grow + mix) {
      const k = rnd();
      if (k < 0.4) out.push(`UPDATE t SET lo0 = lo0 - 1, hi0 = hi0 + ${shape.int32 ? 3 : 2.5} WHERE ${window()}`);
      else if (k < 0.6) out.push(`UPDATE OR REPLACE t SET id = id + 1 WHERE ${window()}`);
      else if (k < 0.7 && shape.aux > 0) out.push(`UPDATE t SET x0 = 'u${i}' WHERE ${window()}`);
      else if (k < 0.85) out.push(`DELETE FROM t WHERE id = ${-Math.floor(rnd() * nextId) - 1}`);
      else out.push(`DELETE FROM t WHERE ${window()}`);
    } else {
      out.push(rnd() < 0.8 ? `DELETE FROM t WHERE ${window()} OR ${window()} OR ${window()}` : `DELETE FROM t WHERE id % ${2 + Math.floor(rnd() * 5)} = 0`);
    }
  }
  return out;
}

/** Shadow tables as sqlite3 prints them: every node's bytes, every mapping. */
function shadowDump(file: string): string {
  return sqlite3(
    file,
    `SELECT 'node', nodeno, hex(data) FROM t_node ORDER BY nodeno;
     SELECT 'rowid', quote(rowid), quote(nodeno) FROM t_rowid ORDER BY rowid;
     SELECT 'aux', * FROM t_rowid ORDER BY rowid;
     SELECT 'parent', nodeno, parentnode FROM t_parent ORDER BY nodeno;
     SELECT 'schema', type, name, tbl_name, rootpage, sql FROM sqlite_schema;`,
  );
}

async function runOurs(file: string, pageSize: number, stmts: readonly string[]): Promise<void> {
  const db = await Database.create(file, { pageSize });
  try {
    await db.exec(stmts[0]!);
    // Two transactions, so that a commit lies in the middle of the work.
    const half = Math.floor(stmts.length / 2);
    for (const part of [stmts.slice(1, half), stmts.slice(half)]) {
      await db.exec('BEGIN');
      for (const s of part) await db.exec(s);
      await db.exec('COMMIT');
    }
  } finally {
    await db.close();
  }
}

function runTheirs(file: string, pageSize: number, stmts: readonly string[]): void {
  const half = Math.floor(stmts.length / 2);
  const sql = [`PRAGMA page_size=${pageSize}`, stmts[0]!, 'BEGIN', ...stmts.slice(1, half), 'COMMIT', 'BEGIN', ...stmts.slice(half), 'COMMIT'].join(';\n');
  const r = shell(file, `${sql};\n`);
  expect(r.err).toBe('');
}

/** Random window queries: s3lite on its file against sqlite3 on its own (rows and order). */
async function compareQueries(ours: string, theirs: string, shape: Shape, seed: number): Promise<void> {
  const rnd = prng(seed ^ 0x5eed);
  const span = shape.int32 ? 100000 : 1000;
  const db = await Database.open(ours);
  try {
    for (let q = 0; q < 25; q++) {
      const conds: string[] = [];
      const n = Math.floor(rnd() * (2 * shape.dims + 1));
      for (let k = 0; k < n; k++) {
        const d = Math.floor(rnd() * shape.dims);
        const v = ((rnd() - 0.5) * span).toFixed(2);
        conds.push(rnd() < 0.5 ? `hi${d} >= ${v}` : `lo${d} <= ${v}`);
      }
      const sql = `SELECT id, ${Array.from({ length: shape.dims }, (_d, d) => `lo${d}, hi${d}`).join(', ')} FROM t${conds.length > 0 ? ` WHERE ${conds.join(' AND ')}` : ''}`;
      // Coordinates are float32 values: 15 significant digits name each exactly (compared
      // through Math.fround, as the shell's last digit may round a tie either way).
      const mine = (await db.query(sql)).map((r) => Object.values(r).map((v) => (typeof v === 'number' ? String(Math.fround(v)) : String(v))).join('|'));
      const shellRows = sqlite3(theirs, `SELECT id, ${Array.from({ length: shape.dims }, (_d, d) => `printf('%!.15g', lo${d}), printf('%!.15g', hi${d})`).join(', ')} FROM t${conds.length > 0 ? ` WHERE ${conds.join(' AND ')}` : ''};`);
      const theirsRows = shellRows === '' ? [] : shellRows.trimEnd().split('\n').map((l) => l.split('|').map((f, i) => (i === 0 ? f : String(Math.fround(Number(f))))).join('|'));
      expect(mine, sql).toEqual(theirsRows);
    }
  } finally {
    await db.close();
  }
}

const SHAPES: readonly Shape[] = [
  { dims: 2, int32: false, pageSize: 512, aux: 2, ops: 700 },
  { dims: 1, int32: false, pageSize: 1024, aux: 0, ops: 700 },
  { dims: 3, int32: true, pageSize: 512, aux: 1, ops: 600 },
  { dims: 5, int32: false, pageSize: 4096, aux: 0, ops: 500 },
  { dims: 4, int32: true, pageSize: 65536, aux: 0, ops: 300 },
  { dims: 2, int32: false, pageSize: 512, aux: 0, ops: 500, points: true },
];

describe('random inserts, updates and deletes give SQLite’s tree, byte for byte', () => {
  for (const shape of SHAPES) {
    it(`${shape.dims}-D ${shape.int32 ? 'rtree_i32' : 'rtree'}, page ${shape.pageSize}, ${shape.aux} aux${shape.points === true ? ', grid points' : ''}`, { timeout: 120_000 }, async () => {
      for (let run = 0; run < RUNS; run++) {
        const seed = SEED + run * 7919 + shape.dims * 31 + shape.pageSize;
        const stmts = sequence(shape, seed);
        const ours = newFile('ours');
        const theirs = newFile('theirs');
        runTheirs(theirs, shape.pageSize, stmts);
        await runOurs(ours, shape.pageSize, stmts);
        const a = shadowDump(ours);
        const b = shadowDump(theirs);
        if (a !== b) {
          const x = a.split('\n');
          const y = b.split('\n');
          const i = x.findIndex((l, k) => l !== y[k]);
          expect(x[i]?.slice(0, 300), `seed ${seed}: first difference, line ${i}`).toBe(y[i]?.slice(0, 300));
        }
        expect(sqlite3(ours, "SELECT rtreecheck('t'); PRAGMA integrity_check;").trim(), `seed ${seed}`).toBe('ok\nok');
        await compareQueries(ours, theirs, shape, seed);
              }
    });
  }

  it('the sequences grow trees of several levels and shrink them again', () => {
    // The default sequences exercise splits, reinsertion, condensing and depth changes.
    const shape = SHAPES[0]!;
    const stmts = sequence(shape, SEED + shape.dims * 31 + shape.pageSize);
    const file = newFile('depth');
    const grow = Math.floor(shape.ops * 0.5);
    runTheirs(file, shape.pageSize, stmts.slice(0, grow));
    const deep = Number(sqlite3(file, 'SELECT rtreedepth(data) FROM t_node WHERE nodeno = 1').trim());
    expect(deep).toBeGreaterThanOrEqual(2);
    const full = newFile('depth-full');
    runTheirs(full, shape.pageSize, stmts);
    const shallow = Number(sqlite3(full, 'SELECT rtreedepth(data) FROM t_node WHERE nodeno = 1').trim());
    expect(shallow).toBeLessThan(deep);
  });
});
