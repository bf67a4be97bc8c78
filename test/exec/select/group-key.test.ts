/**
 * DISTINCT / GROUP BY keys at the edges of the 64-bit range, against SQLite: an integral
 * REAL equals the INTEGER of the same value exactly when that value is an int64 (-2^63 is one,
 * 2^63 is not); found by the SELECT property test (seed 707: -1 - 9223372036854775807 as an
 * INTEGER and -1.5 - 9223372036854775807 as a REAL are one DISTINCT row in SQLite).
 */
import { describe, expect, it } from 'vitest';
import { Database } from '../../../src/api/database.js';
import { MemoryObjectStore } from '../../../src/store/memory-store.js';
import { buildWithSqlJs, typedQuery } from '../../support/sqljs.js';

describe('group keys at the int64 edges', () => {
  it('DISTINCT and GROUP BY fold INTEGER and REAL as SQLite does', async () => {
    const setup = [
      'CREATE TABLE t(k)',
      // -2^63 as INTEGER and as REAL; 2^63 only as REAL; 2^53 + 1 as INTEGER next to 2^53 as REAL.
      "INSERT INTO t VALUES (-9223372036854775807 - 1), (-9223372036854775808.0), (9223372036854775808.0), (9223372036854775807), (9007199254740993), (9007199254740992.0), (0), (-0.0), (1.5), (-1.5)",
    ];
    // Each query returns its values followed by their typeof() (what typedQuery expects).
    const queries = [
      'SELECT k, typeof(k) FROM (SELECT DISTINCT k FROM t)',
      'SELECT k, n, typeof(k), typeof(n) FROM (SELECT k, count(*) AS n FROM t GROUP BY k)',
      "SELECT v, typeof(v) FROM (SELECT DISTINCT (k - 9223372036854775807) AS v FROM t WHERE typeof(k) = 'integer' AND k < 0 OR k = -1.5)",
    ];
    const db = await Database.create({ objects: new MemoryObjectStore(), prefix: 'db' });
    for (const sql of setup) await db.exec(sql);
    const bytes = await buildWithSqlJs(setup.map((sql) => ({ sql })));
    const show = (values: readonly unknown[]): string => JSON.stringify(values.map((v) => String(v)));
    for (const q of queries) {
      const theirs = (await typedQuery(bytes, q)).map((r) => show([...r.values, ...r.classes]));
      const ours = (await db.query(q)).map((r) => show(Object.values(r)));
      expect(ours.sort(), q).toEqual(theirs.sort());
    }
    await db.close();
  });
});
