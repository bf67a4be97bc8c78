/**
 * Parenthesized joins on the right, `a JOIN (b JOIN c ON x) ON y` or `a JOIN (b LEFT JOIN c ON
 * x) ON y`: an inner join of them is the flat join `a JOIN b ON y [LEFT] JOIN c ON x`
 * (from-clause.ts), answered as SQLite (sql.js) answers, x still seeing only b and c; a
 * LEFT/RIGHT/FULL join of the parentheses, USING/NATURAL on them or a RIGHT/FULL join inside stays
 * a named gap (USING/NATURAL inside them look only inside) ("parenthesized joins on the right are not supported"). An outer
 * join's ON that reads a table to its right is SQLite's error, as in SQLite.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeDatabaseBytes } from '../../support/sqlite3.js';
import { expectSameAsSqlite, ourOutcome } from './query-oracle.js';

let bytes: Uint8Array;
beforeAll(() => {
  bytes = makeDatabaseBytes(`
    CREATE TABLE a(k INTEGER PRIMARY KEY, v);
    CREATE TABLE b(k, w);
    CREATE TABLE c(k, z);
    CREATE TABLE d(k, q);
    CREATE INDEX b_k ON b(k);
    INSERT INTO a VALUES (1, 'a1'), (2, 'a2'), (3, NULL), (4, 'a4');
    INSERT INTO b VALUES (1, 10), (2, 20), (2, 21), (5, 50), (NULL, 0);
    INSERT INTO c VALUES (10, 'x'), (21, 'y'), (50, 'z'), (20, NULL);
    INSERT INTO d VALUES ('x', 1), ('y', 2), (NULL, 3);
  `);
});

describe('parenthesized joins', () => {
  it('fixed queries', async () => {
    for (const sql of [
      'SELECT * FROM a JOIN (b JOIN c ON b.w = c.k) ON a.k = b.k',
      'SELECT a.v, c.z FROM a, (b, c) WHERE a.k = b.k AND b.w = c.k',
      'SELECT count(*) FROM a CROSS JOIN (b JOIN c ON b.w = c.k)',
      'SELECT * FROM a JOIN (b JOIN (c JOIN d ON c.z = d.k) ON b.w = c.k) ON a.k = b.k',
      'SELECT * FROM a JOIN (b INNER JOIN c ON b.w = c.k AND a.k > 1) ON a.k = b.k',
      'SELECT * FROM a LEFT JOIN b ON a.k = b.k JOIN (c JOIN d ON c.z = d.k) ON b.w = c.k',
      'SELECT * FROM (a JOIN b ON a.k = b.k) JOIN c ON b.w = c.k',
      'SELECT * FROM a JOIN (b LEFT JOIN c ON b.w = c.k) ON a.k = b.k',
      'SELECT * FROM a JOIN (b LEFT JOIN c ON b.w = c.k) ON a.k = b.k AND c.z IS NULL',
      'SELECT a.v, c.z FROM a, (b LEFT JOIN c ON b.w = c.k AND c.z > \'x\') WHERE a.k = b.k',
      'SELECT * FROM a JOIN (b LEFT JOIN c ON b.w = c.k LEFT JOIN d ON c.z = d.k) ON a.k = b.k OR d.q = 1',
      'SELECT * FROM a JOIN (b LEFT JOIN c ON a.k = c.k) ON a.k = b.k',
      // An outer join's ON may not read a table to its right (SQLite's error), parentheses or not.
      'SELECT * FROM a LEFT JOIN b ON b.w = c.k JOIN c',
      'SELECT * FROM a RIGHT JOIN b ON b.w = c.k JOIN c',
      'SELECT * FROM a FULL JOIN b ON a.k = c.k JOIN c ON 1',
      'SELECT * FROM a LEFT JOIN b ON a.k = b.k LEFT JOIN c ON c.k = b.w',
      // USING and NATURAL inside parentheses look only inside them (a has a column k too).
      'SELECT * FROM a JOIN (b JOIN c USING (k)) ON a.k = b.k',
      'SELECT k, a.v FROM a JOIN (b LEFT JOIN c USING (k)) ON a.k = b.k',
      'SELECT * FROM a, (b NATURAL JOIN c)',
      'SELECT * FROM a JOIN (c NATURAL JOIN d) ON a.v = c.z',
      'SELECT * FROM a JOIN (b JOIN c USING (w)) ON 1',
    ]) {
      await expectSameAsSqlite(bytes, sql, false);
    }
  });

  it('names the nestings it does not evaluate', async () => {
    for (const sql of [
      'SELECT * FROM a LEFT JOIN (b JOIN c ON b.w = c.k) ON a.k = b.k',
      'SELECT * FROM a JOIN (b RIGHT JOIN c ON b.w = c.k) ON a.k = b.k',
      'SELECT * FROM a JOIN (b JOIN c ON 1) USING (k)',
      'SELECT * FROM a NATURAL JOIN (b JOIN c ON 1)',
    ]) {
      expect(await ourOutcome(bytes, sql)).toEqual({ ok: false, error: 'parenthesized joins on the right are not supported' });
    }
  });

  it('random nestings of inner joins, LEFT JOINs of a table among them', async () => {
    const tables = ['a', 'b', 'c', 'd'];
    const cond = fc.constantFrom('a.k = b.k', 'b.w = c.k', 'c.z = d.k', 'a.k < d.q', 'b.k IS NOT NULL', '1');
    // A join tree over the tables in order; each join is written with ON or as a comma/CROSS.
    const tree = (lo: number, hi: number): fc.Arbitrary<string> => {
      if (hi - lo === 1) return fc.constant(tables[lo]!);
      return fc.integer({ min: lo + 1, max: hi - 1 }).chain((mid) =>
        fc.tuple(tree(lo, mid), tree(mid, hi), fc.constantFrom('JOIN', 'INNER JOIN', ',', 'CROSS JOIN', 'LEFT JOIN'), cond).map(([l, r, chosen, on]) => {
          const nested = hi - mid > 1;
          // LEFT JOIN of a single table (inside parentheses or not); of a parenthesized join it is the named gap.
          const op = nested && chosen === 'LEFT JOIN' ? 'JOIN' : chosen;
          const right = nested ? `(${r})` : r;
          return op === ',' || op === 'CROSS JOIN' ? `${l} ${op} ${right}` : `${l} ${op} ${right} ON ${on}`;
        }),
      );
    };
    await fc.assert(
      fc.asyncProperty(tree(0, 4), async (from) => {
        await expectSameAsSqlite(bytes, `SELECT * FROM ${from}`, false);
      }),
      { numRuns: 60 },
    );
  });
});
