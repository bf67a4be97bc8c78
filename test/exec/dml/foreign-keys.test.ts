/**
 * Foreign keys against SQLite 3.40.1, script by script (see foreign-keys-harness.ts): every
 * statement's rows or error (message and extended code), the file sound, foreign_key_check equal.
 */
import { describe, expect, it } from 'vitest';
import { Database } from '../../../src/api/database.js';
import { MemoryObjectStore } from '../../../src/store/memory-store.js';
import { pythonSqliteVersion } from '../../support/python-sqlite.js';
import { compareScript } from './foreign-keys-harness.js';

const ON = 'PRAGMA foreign_keys = ON';

const SCRIPTS: Readonly<Record<string, readonly string[]>> = {
  'off by default (nothing checked), then on': [
    'PRAGMA foreign_keys',
    'CREATE TABLE p(id INTEGER PRIMARY KEY)',
    'CREATE TABLE c(x REFERENCES p ON DELETE CASCADE)',
    'INSERT INTO c VALUES (7)',
    'INSERT INTO p VALUES (1)',
    'INSERT INTO c VALUES (1)',
    'DELETE FROM p',
    'SELECT * FROM c ORDER BY rowid',
    ON,
    'INSERT INTO c VALUES (8)',
    'PRAGMA foreign_key_check',
  ],
  'child checks: missing parent, NULLs, affinity of the parent key, rowid parent': [
    ON,
    'PRAGMA foreign_keys',
    'CREATE TABLE p(id INTEGER PRIMARY KEY, code TEXT UNIQUE, n REAL UNIQUE)',
    'CREATE TABLE c(a REFERENCES p, b REFERENCES p(code), d REFERENCES p(n))',
    "INSERT INTO p VALUES (1, '10', 2.5), (2, 'x', 3)",
    'INSERT INTO c(a) VALUES (1)',
    'INSERT INTO c(a) VALUES (3)',
    "INSERT INTO c(a) VALUES ('1')",
    "INSERT INTO c(a) VALUES ('1.0'), (1.0)",
    "INSERT INTO c(a) VALUES ('one')",
    'INSERT INTO c(b) VALUES (10)',
    "INSERT INTO c(b) VALUES ('X')",
    'INSERT INTO c(d) VALUES (3), (2.5)',
    "INSERT INTO c(d) VALUES ('3')",
    'INSERT INTO c VALUES (NULL, NULL, NULL), (NULL, 99, NULL)',
    'INSERT OR IGNORE INTO c(a) VALUES (77)',
    'INSERT OR REPLACE INTO c(a) VALUES (78)',
    'SELECT rowid, a, typeof(a), b, typeof(b), d FROM c ORDER BY rowid',
    'UPDATE c SET a = 5 WHERE rowid = 1',
    'UPDATE c SET a = 2 WHERE rowid = 1',
    'SELECT rowid, a, b, d FROM c ORDER BY rowid',
  ],
  'parent checks: NO ACTION, RESTRICT, deleting and updating the parent key': [
    ON,
    'CREATE TABLE p(id INTEGER PRIMARY KEY, k TEXT UNIQUE)',
    'CREATE TABLE na(x REFERENCES p(k))',
    'CREATE TABLE rs(y REFERENCES p ON DELETE RESTRICT ON UPDATE RESTRICT)',
    "INSERT INTO p VALUES (1, 'a'), (2, 'b'), (3, 'c')",
    "INSERT INTO na VALUES ('a')",
    'INSERT INTO rs VALUES (2)',
    'DELETE FROM p WHERE id = 1',
    'DELETE FROM p WHERE id = 2',
    'DELETE FROM p WHERE id = 3',
    "UPDATE p SET k = 'z' WHERE id = 1",
    "UPDATE p SET k = 'a' WHERE id = 1",
    'UPDATE p SET id = 20 WHERE id = 2',
    'UPDATE p SET id = 2 WHERE id = 2',
    "UPDATE OR REPLACE p SET k = 'b' WHERE id = 1",
    'DELETE FROM p',
    "REPLACE INTO p VALUES (1, 'q')",
    "REPLACE INTO p VALUES (4, 'a')",
    'SELECT * FROM p ORDER BY id',
    'BEGIN',
    "DELETE FROM na",
    'DELETE FROM p WHERE id = 1',
    'COMMIT',
    'SELECT * FROM p ORDER BY id',
  ],
  'actions: CASCADE, SET NULL, SET DEFAULT on delete and update, composite keys': [
    ON,
    'CREATE TABLE p(a, b, c, PRIMARY KEY(a, b))',
    'INSERT INTO p VALUES (1, 1, 0), (1, 2, 0), (2, 1, 0), (0, 0, 0)',
    'CREATE TABLE cas(x, y, FOREIGN KEY(x, y) REFERENCES p ON DELETE CASCADE ON UPDATE CASCADE)',
    'CREATE TABLE nul(x, y, FOREIGN KEY(y, x) REFERENCES p(b, a) ON DELETE SET NULL ON UPDATE SET NULL)',
    'CREATE TABLE dfl(x DEFAULT 0, y DEFAULT 0, FOREIGN KEY(x, y) REFERENCES p(a, b) ON DELETE SET DEFAULT)',
    'CREATE TABLE bad(x DEFAULT 9, y DEFAULT 9, FOREIGN KEY(x, y) REFERENCES p(a, b) ON DELETE SET DEFAULT)',
    'INSERT INTO cas VALUES (1, 1), (1, 2), (1, 1), (NULL, 1)',
    'INSERT INTO nul VALUES (1, 1), (2, 1), (1, 2)',
    'INSERT INTO dfl VALUES (1, 1), (2, 1)',
    'INSERT INTO bad VALUES (1, 2)',
    'UPDATE p SET a = 5 WHERE a = 1 AND b = 1',
    'SELECT * FROM cas ORDER BY rowid',
    'SELECT * FROM nul ORDER BY rowid',
    'DELETE FROM p WHERE a = 2',
    'SELECT * FROM dfl ORDER BY rowid',
    'DELETE FROM p WHERE a = 1 AND b = 2',
    'DELETE FROM bad',
    'DELETE FROM p WHERE a = 1 AND b = 2',
    'SELECT * FROM cas ORDER BY rowid',
    'SELECT * FROM nul ORDER BY rowid',
    'SELECT * FROM p ORDER BY a, b',
    'UPDATE p SET c = 1',
    'DELETE FROM p WHERE a = 0',
  ],
  'self-reference: trees, cascades that recurse, rows that are their own parent': [
    ON,
    'CREATE TABLE t(id INTEGER PRIMARY KEY, parent REFERENCES t ON DELETE CASCADE, v)',
    'INSERT INTO t VALUES (1, NULL, 1), (2, 1, 2), (3, 2, 3), (4, 2, 4), (5, 5, 5)',
    'INSERT INTO t VALUES (6, 7, 6), (7, NULL, 7)',
    'INSERT INTO t VALUES (8, 9, 8)',
    'INSERT INTO t VALUES (9, 9, 9)',
    'DELETE FROM t WHERE id = 2',
    'SELECT * FROM t ORDER BY id',
    'UPDATE t SET id = 50 WHERE id = 5',
    'UPDATE t SET parent = 1 WHERE id = 5',
    'UPDATE t SET id = 10, parent = 10 WHERE id = 5',
    'DELETE FROM t WHERE id = 1',
    'SELECT * FROM t ORDER BY id',
    'CREATE TABLE w(k TEXT PRIMARY KEY, up TEXT REFERENCES w ON UPDATE CASCADE ON DELETE SET NULL) WITHOUT ROWID',
    "INSERT INTO w VALUES ('a', NULL), ('b', 'a'), ('c', 'b'), ('d', 'd')",
    "UPDATE w SET k = 'A' WHERE k = 'a'",
    "UPDATE w SET k = 'D' WHERE k = 'd'",
    'SELECT * FROM w ORDER BY k',
    "DELETE FROM w WHERE k = 'b'",
    'SELECT * FROM w ORDER BY k',
  ],
  'deferred constraints and defer_foreign_keys: COMMIT fails and the transaction stays open': [
    ON,
    'CREATE TABLE p(id INTEGER PRIMARY KEY)',
    'CREATE TABLE c(x REFERENCES p DEFERRABLE INITIALLY DEFERRED)',
    'CREATE TABLE i(x REFERENCES p)',
    'INSERT INTO c VALUES (1)',
    'SELECT count(*) FROM c',
    'BEGIN',
    'INSERT INTO c VALUES (1)',
    'COMMIT',
    'SELECT count(*) FROM c',
    'INSERT INTO p VALUES (1)',
    'COMMIT',
    'BEGIN',
    'DELETE FROM p',
    'SAVEPOINT s',
    'INSERT INTO p VALUES (1)',
    'ROLLBACK TO s',
    'COMMIT',
    'RELEASE s',
    'COMMIT',
    'INSERT INTO p VALUES (1)',
    'COMMIT',
    'PRAGMA defer_foreign_keys',
    'BEGIN',
    'PRAGMA defer_foreign_keys = ON',
    'PRAGMA defer_foreign_keys',
    'INSERT INTO i VALUES (2)',
    'COMMIT',
    'INSERT INTO p VALUES (2)',
    'COMMIT',
    'PRAGMA defer_foreign_keys',
    'BEGIN',
    'PRAGMA defer_foreign_keys = 1',
    'INSERT INTO i VALUES (3)',
    'PRAGMA defer_foreign_keys = 0',
    'COMMIT',
    'SELECT * FROM i ORDER BY rowid',
    'SAVEPOINT outer1',
    'INSERT INTO c VALUES (9)',
    'RELEASE outer1',
    'ROLLBACK',
    'SELECT * FROM c ORDER BY rowid',
  ],
  'statement-level counting: a multi-row statement may fix what it broke': [
    ON,
    'CREATE TABLE t(id INTEGER PRIMARY KEY, p REFERENCES t)',
    'INSERT INTO t VALUES (2, 1), (1, NULL)',
    'INSERT INTO t VALUES (4, 3)',
    'INSERT INTO t SELECT 3, 4 UNION ALL SELECT 4, NULL',
    'SELECT * FROM t ORDER BY id',
    'BEGIN',
    'INSERT INTO t VALUES (6, 5)',
    'INSERT INTO t VALUES (7, NULL)',
    'INSERT OR FAIL INTO t VALUES (8, NULL), (9, 99)',
    'INSERT OR ROLLBACK INTO t VALUES (10, 99)',
    'COMMIT',
    'SELECT * FROM t ORDER BY id',
  ],
  'prepare-time errors: missing parent table, foreign key mismatch': [
    ON,
    'CREATE TABLE c(x REFERENCES nope(id))',
    'INSERT INTO c VALUES (NULL)',
    'CREATE TABLE p(a, b, c UNIQUE, d, UNIQUE(a, b))',
    'CREATE TABLE c2(x REFERENCES p(a))',
    'CREATE TABLE c3(x REFERENCES p)',
    'CREATE TABLE c4(x, y, FOREIGN KEY (x, y) REFERENCES p(b, a))',
    'CREATE TABLE c5(x REFERENCES p(c))',
    'INSERT INTO c2 VALUES (1)',
    'INSERT INTO c3 VALUES (1)',
    "INSERT INTO p VALUES (1, 2, 3, 4)",
    'DELETE FROM p',
    'INSERT INTO c4 VALUES (2, 1)',
    'INSERT INTO c5 VALUES (3)',
    'DROP TABLE c2',
    'DROP TABLE c3',
    'INSERT INTO p VALUES (5, 6, 7, 8)',
    'UPDATE p SET d = 0',
    'DELETE FROM p WHERE c = 3',
    'PRAGMA foreign_key_check',
    'PRAGMA foreign_key_check(c5)',
    'PRAGMA foreign_key_check(nope)',
  ],
  'triggers: actions fire the child tables\u2019 triggers; RESTRICT stops them': [
    ON,
    'CREATE TABLE log(ev)',
    'CREATE TABLE p(id INTEGER PRIMARY KEY)',
    'CREATE TABLE c(x REFERENCES p ON DELETE CASCADE ON UPDATE SET NULL)',
    "CREATE TRIGGER c_ad AFTER DELETE ON c BEGIN INSERT INTO log VALUES ('c del ' || old.x); END",
    "CREATE TRIGGER c_au AFTER UPDATE ON c BEGIN INSERT INTO log VALUES ('c upd ' || quote(old.x) || '>' || quote(new.x)); END",
    "CREATE TRIGGER p_bd BEFORE DELETE ON p BEGIN INSERT INTO log VALUES ('p del ' || old.id); END",
    'INSERT INTO p VALUES (1), (2), (3)',
    'INSERT INTO c VALUES (1), (2), (2)',
    'DELETE FROM p WHERE id = 1',
    'UPDATE p SET id = 20 WHERE id = 2',
    'SELECT rowid, ev FROM log ORDER BY rowid',
    'SELECT * FROM c ORDER BY rowid',
    'CREATE TABLE r(x REFERENCES p ON DELETE RESTRICT)',
    'INSERT INTO r VALUES (3)',
    'DELETE FROM p WHERE id = 3',
    'DELETE FROM r',
    'DELETE FROM p WHERE id = 3',
    'SELECT rowid, ev FROM log ORDER BY rowid',
  ],
  'a child that matches only under the parent affinity is counted but not reached by the action': [
    ON,
    'CREATE TABLE p2(a INT, b TEXT, v, PRIMARY KEY(a, b))',
    'CREATE TABLE c2(b, a, w, FOREIGN KEY(b, a) REFERENCES p2(b, a) ON DELETE SET NULL)',
    "INSERT INTO p2 VALUES (0, 'a', 0), (1, 'b', 0)",
    "INSERT INTO c2(a, b, w) VALUES ('1', 'b', 2)",
    'DELETE FROM p2',
    "INSERT INTO c2(a, b, w) VALUES (1, 'b', 3)",
    'DROP TABLE p2',
    "DELETE FROM c2 WHERE a = '1'",
    'DROP TABLE p2',
    'SELECT * FROM c2',
  ],
  'OLD. and NEW. in trigger programs compare without affinity (as the actions do)': [
    'CREATE TABLE t(a INT)',
    'CREATE TABLE u(b)',
    'CREATE TABLE log(x)',
    "CREATE TRIGGER tr AFTER DELETE ON t BEGIN INSERT INTO log SELECT b FROM u WHERE old.a = b; INSERT INTO log SELECT 'rev' FROM u WHERE b = old.a; INSERT INTO log VALUES (typeof(old.a)); END",
    "CREATE TRIGGER tu AFTER UPDATE ON t BEGIN INSERT INTO log SELECT 'new ' || b FROM u WHERE new.a = b; INSERT INTO log SELECT 'int ' || b FROM u WHERE new.a = +b + 0; END",
    'INSERT INTO t VALUES (1)',
    "INSERT INTO u VALUES ('1'), (1)",
    'UPDATE t SET a = a',
    'DELETE FROM t',
    'SELECT * FROM log ORDER BY rowid',
  ],
  'WITHOUT ROWID children and parents, collations of the parent key': [
    ON,
    'CREATE TABLE p(k TEXT COLLATE NOCASE PRIMARY KEY, n INT) WITHOUT ROWID',
    'CREATE TABLE c(id TEXT PRIMARY KEY, pk REFERENCES p ON UPDATE CASCADE ON DELETE SET NULL) WITHOUT ROWID',
    'CREATE TABLE q(a TEXT, b TEXT COLLATE NOCASE UNIQUE)',
    'CREATE TABLE d(x REFERENCES q(a))',
    'CREATE TABLE e(x REFERENCES q(b))',
    "INSERT INTO p VALUES ('Abc', 1), ('x', 2)",
    "INSERT INTO c VALUES ('1', 'abc'), ('2', 'ABC'), ('3', 'X'), ('4', 'y')",
    "INSERT INTO c VALUES ('5', 'y')",
    "UPDATE p SET k = 'abc' WHERE n = 1",
    "UPDATE p SET k = 'zzz' WHERE n = 1",
    'SELECT * FROM c ORDER BY id',
    "DELETE FROM p WHERE k = 'X'",
    'SELECT * FROM c ORDER BY id',
    "INSERT INTO q VALUES ('a', 'b')",
    "INSERT INTO d VALUES ('a')",
    "INSERT INTO e VALUES ('B')",
    'PRAGMA foreign_keys = OFF',
    "INSERT INTO c VALUES ('6', 'nope')",
    'PRAGMA foreign_key_check(c)',
    'PRAGMA foreign_key_check',
  ],
  'cascades recurse up to 1000 levels': [
    ON,
    'CREATE TABLE t(id INTEGER PRIMARY KEY, up REFERENCES t ON DELETE CASCADE)',
    'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1200) INSERT INTO t SELECT i, CASE WHEN i = 1 THEN NULL ELSE i - 1 END FROM n',
    'DELETE FROM t WHERE id = 200',
    'SELECT count(*) FROM t',
    'DELETE FROM t WHERE id = 201',
    'SELECT count(*), max(id) FROM t',
  ],
  'ALTER TABLE RENAME keeps the references': [
    ON,
    'CREATE TABLE p(id INTEGER PRIMARY KEY)',
    'CREATE TABLE c(x REFERENCES p)',
    'ALTER TABLE p RENAME TO q',
    "SELECT sql FROM sqlite_schema WHERE name = 'c'",
    'INSERT INTO c VALUES (1)',
    'INSERT INTO q VALUES (1)',
    'INSERT INTO c VALUES (1)',
    'ALTER TABLE q RENAME COLUMN id TO ident',
    "SELECT sql FROM sqlite_schema WHERE name = 'c'",
    'DELETE FROM q',
    'PRAGMA foreign_key_list(c)',
  ],
  'UPSERT and REPLACE on parents and children': [
    ON,
    'CREATE TABLE p(id INTEGER PRIMARY KEY, k UNIQUE)',
    'CREATE TABLE c(x REFERENCES p(k) ON DELETE CASCADE)',
    "INSERT INTO p VALUES (1, 'a'), (2, 'b')",
    "INSERT INTO c VALUES ('a'), ('b')",
    "INSERT INTO p VALUES (3, 'a') ON CONFLICT(k) DO UPDATE SET k = 'aa'",
    "INSERT INTO p VALUES (3, 'b') ON CONFLICT(k) DO UPDATE SET id = 30",
    "INSERT OR REPLACE INTO p VALUES (4, 'b')",
    'SELECT * FROM p ORDER BY id',
    'SELECT * FROM c ORDER BY rowid',
    "INSERT INTO c VALUES ('zz') ON CONFLICT DO NOTHING",
  ],
  'DROP TABLE deletes first; foreign_keys cannot change inside a transaction': [
    ON,
    'CREATE TABLE p(id INTEGER PRIMARY KEY)',
    'CREATE TABLE c(x REFERENCES p)',
    'CREATE TABLE cc(x REFERENCES p ON DELETE CASCADE)',
    'INSERT INTO p VALUES (1), (2)',
    'INSERT INTO c VALUES (1)',
    'INSERT INTO cc VALUES (1), (2)',
    'DROP TABLE p',
    'DELETE FROM c',
    'DROP TABLE p',
    'SELECT count(*) FROM cc',
    'INSERT INTO cc VALUES (1)',
    'BEGIN',
    'PRAGMA foreign_keys = OFF',
    'PRAGMA foreign_keys',
    'INSERT INTO c VALUES (5)',
    'ROLLBACK',
    'PRAGMA foreign_keys = OFF',
    'INSERT INTO c VALUES (5)',
    'CREATE TABLE p(id INTEGER PRIMARY KEY)',
    'PRAGMA foreign_key_check',
    'PRAGMA foreign_key_check(c)',
    ON,
    'INSERT INTO c VALUES (6)',
    'DELETE FROM c WHERE x = 5',
    'UPDATE c SET x = x',
    'SELECT * FROM c',
  ],
};

describe('foreign keys against SQLite 3.40.1', () => {
  it('the oracle is SQLite 3.40.1', () => {
    expect(pythonSqliteVersion()).toBe('3.40.1');
  });
  for (const [name, script] of Object.entries(SCRIPTS)) {
    it(name, async () => {
      const failures = await compareScript(name, script);
      // Each script but the trigger one provokes errors on purpose (and they matched SQLite's).
      if (script[0] === ON) expect(failures).toBeGreaterThan(0);
    });
  }
});

describe('finding child rows', () => {
  /** Pages read by deleting one parent row (ON DELETE CASCADE) from a 4,000-row child table, on a cold cache. */
  async function readsForOneDelete(indexed: boolean): Promise<number> {
    const objects = new MemoryObjectStore();
    const db = await Database.create({ objects, prefix: 'db' }, { pageSize: 1024 });
    await db.exec('CREATE TABLE p(id INTEGER PRIMARY KEY); CREATE TABLE c(x INTEGER REFERENCES p ON DELETE CASCADE, pad)');
    if (indexed) await db.exec('CREATE INDEX cx ON c(x)');
    await db.exec(
      'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4000) INSERT INTO p SELECT i FROM n;' +
        'INSERT INTO c SELECT id, randomblob(60) FROM p',
    );
    await db.close();
    const cold = await Database.open({ objects, prefix: 'db' }, { readonly: false, locking: 'none', cacheBytes: 16 * 1024 });
    try {
      await cold.run('PRAGMA foreign_keys = ON');
      const before = cold.stats.reads;
      await cold.run('DELETE FROM p WHERE id = 2000');
      const reads = cold.stats.reads - before;
      expect(await cold.query('SELECT count(*) AS n FROM c WHERE x = 2000')).toEqual([{ n: 0 }]);
      expect(await cold.query('SELECT count(*) AS n FROM c')).toEqual([{ n: 3999 }]);
      return reads;
    } finally {
      await cold.close();
    }
  }

  it('go through an index on the child columns when there is one, else scan the child table', async () => {
    const withIndex = await readsForOneDelete(true);
    const withoutIndex = await readsForOneDelete(false);
    // The scan reads every page of c (about 300 of 1 KiB) at least twice (the check, then the
    // cascade's DELETE); the index, a path or two.
    expect(withoutIndex).toBeGreaterThan(300);
    expect(withIndex).toBeLessThan(40);
  }, 60_000);
});
