/**
 * EXPLAIN QUERY PLAN as a statement, against SQLite (sql.js): SQLite's four columns, a tree of
 * (id, parent) rows, and the detail text line for line where the plan is the planner's
 * plain choice (table scans, rowid and index searches, covering indexes, temp b-trees for
 * ORDER BY, joins in the written order, IN subqueries). Where s3lite's planner decides
 * otherwise (README: "EXPLAIN QUERY PLAN") the lines differ and are not compared.
 */
import { describe, expect, it } from 'vitest';
import { Database } from '../../../src/index.js';
import { MemoryObjectStore } from '../../../src/store/memory-store.js';
import { sqljs } from '../../support/sqljs.js';

const SETUP = `
  CREATE TABLE big(id INTEGER PRIMARY KEY, a INT, b TEXT, c INT);
  CREATE INDEX big_a ON big(a);
  CREATE INDEX big_bc ON big(b, c);
  CREATE TABLE small(x, y);
  CREATE TABLE w(k TEXT PRIMARY KEY, v) WITHOUT ROWID;
  CREATE TABLE w2(k TEXT PRIMARY KEY, v, z) WITHOUT ROWID;
  CREATE INDEX w2_v ON w2(v);
  INSERT INTO small VALUES (1, 2), (3, 4);
`;

const STABLE = [
  'SELECT * FROM big WHERE id = 5',
  'SELECT * FROM big WHERE rowid IN (1, 2, 3)',
  'SELECT * FROM big WHERE id > 10 AND id <= 20',
  'SELECT * FROM big WHERE id >= 10',
  'SELECT * FROM big WHERE a = 5',
  'SELECT id, a FROM big WHERE a > 5 AND a < 10',
  'SELECT id, a FROM big WHERE a >= 5 AND a <= 10',
  "SELECT * FROM big WHERE b = 'name-3' AND c > 100",
  "SELECT * FROM big WHERE b = 'name-3' AND c = 4",
  'SELECT * FROM big ORDER BY id DESC LIMIT 3',
  'SELECT * FROM big ORDER BY a LIMIT 3',
  'SELECT * FROM big ORDER BY c',
  "SELECT * FROM w WHERE k = 'k42'",
  'SELECT * FROM w',
  'SELECT k, v FROM w2',
  'SELECT * FROM w2',
  'SELECT count(*) FROM w2',
  'SELECT k FROM w2 ORDER BY k',
  'SELECT * FROM small',
  'SELECT * FROM small WHERE x = 1 ORDER BY y',
  'SELECT * FROM small JOIN big ON big.id = small.x',
  'SELECT * FROM small, big WHERE big.a = small.x',
  'SELECT count(*) FROM big',
  "SELECT b FROM big WHERE b > 'x' ORDER BY b",
];

/** (depth, detail) lines from EXPLAIN QUERY PLAN rows (id, parent, notused, detail). */
function lines(rows: readonly (readonly unknown[])[]): string[] {
  const depth = new Map<number, number>();
  return rows.map((r) => {
    const id = Number(r[0]);
    const parent = Number(r[1]);
    const d = parent === 0 ? 0 : (depth.get(parent) ?? -99) + 1;
    depth.set(id, d);
    return `${d}:${String(r[3])}`;
  });
}

describe('EXPLAIN QUERY PLAN', () => {
  it('returns SQLite columns and detail lines for the planner’s plain choices', async () => {
    const SQL = await sqljs();
    const reference = new SQL.Database();
    const db = await Database.create({ objects: new MemoryObjectStore(), prefix: 'eqp' });
    try {
      reference.run(SETUP);
      await db.exec(SETUP);
      for (const q of STABLE) {
        const st = await db.prepare(`EXPLAIN QUERY PLAN ${q}`);
        expect(st.columns()).toEqual(['id', 'parent', 'notused', 'detail']);
        const ours: unknown[][] = [];
        for await (const r of st.typedIterate()) ours.push(r.values);
        for (const r of ours) for (const v of r.slice(0, 3)) expect(typeof v).toBe('bigint');
        const st2 = reference.prepare(`EXPLAIN QUERY PLAN ${q}`);
        const theirs: unknown[][] = [];
        while (st2.step()) theirs.push(st2.get(null, { useBigInt: true }));
        st2.free();
        expect(lines(ours), q).toEqual(lines(theirs));
      }
    } finally {
      await db.close();
      reference.close();
    }
  });

  it('nests subquery plans under their parent row', async () => {
    const db = await Database.create({ objects: new MemoryObjectStore(), prefix: 'eqp2' });
    try {
      await db.exec(SETUP);
      const rows = await db.query('EXPLAIN QUERY PLAN SELECT * FROM small WHERE x IN (SELECT a FROM big WHERE a < 3)');
      expect(rows.map((r) => r.detail)).toEqual(['SCAN small', 'LIST SUBQUERY', 'SEARCH big USING COVERING INDEX big_a (a<?)']);
      const ids = rows.map((r) => r.id);
      expect(rows.map((r) => r.parent)).toEqual([0, 0, ids[1]]);
      expect(new Set(ids).size).toBe(rows.length);
    } finally {
      await db.close();
    }
  });
});
