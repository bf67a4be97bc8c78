import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { affinityOfType, declaredTypeOf, type Affinity } from '../../src/schema/affinity.js';
import { readSchema } from '../../src/schema/read-schema.js';
import { openSqlJs, query, schemaRows, type SqlJsDatabase } from './oracle.js';

describe('affinityOfType (datatype3.html §3.1)', () => {
  it('follows the documented examples', () => {
    const examples: [string, Affinity][] = [
      ['INT', 'INTEGER'], ['INTEGER', 'INTEGER'], ['TINYINT', 'INTEGER'], ['SMALLINT', 'INTEGER'],
      ['MEDIUMINT', 'INTEGER'], ['BIGINT', 'INTEGER'], ['UNSIGNED BIG INT', 'INTEGER'], ['INT2', 'INTEGER'], ['INT8', 'INTEGER'],
      ['CHARACTER(20)', 'TEXT'], ['VARCHAR(255)', 'TEXT'], ['VARYING CHARACTER(255)', 'TEXT'], ['NCHAR(55)', 'TEXT'],
      ['NATIVE CHARACTER(70)', 'TEXT'], ['NVARCHAR(100)', 'TEXT'], ['TEXT', 'TEXT'], ['CLOB', 'TEXT'],
      ['BLOB', 'BLOB'], ['REAL', 'REAL'], ['DOUBLE', 'REAL'], ['DOUBLE PRECISION', 'REAL'], ['FLOAT', 'REAL'],
      ['NUMERIC', 'NUMERIC'], ['DECIMAL(10,5)', 'NUMERIC'], ['BOOLEAN', 'NUMERIC'], ['DATE', 'NUMERIC'], ['DATETIME', 'NUMERIC'],
      // Order of the rules: INT wins over everything, CHAR before BLOB/REAL.
      ['FLOATING POINT', 'INTEGER'], ['CHARINT', 'INTEGER'], ['BLOBTEXT', 'TEXT'], ['TEXTBLOB', 'TEXT'], ['REALBLOB', 'BLOB'],
      ['STRING', 'NUMERIC'],
    ];
    for (const [type, aff] of examples) expect(affinityOfType(type), type).toBe(aff);
  });

  it('derives declared types as SQLite records them', () => {
    expect(declaredTypeOf('')).toEqual({ declaredType: '', affinity: 'BLOB' });
    expect(declaredTypeOf('integer')).toEqual({ declaredType: 'INTEGER', standard: 'INTEGER', affinity: 'INTEGER' });
    expect(declaredTypeOf('"text"')).toEqual({ declaredType: 'TEXT', standard: 'TEXT', affinity: 'TEXT' });
    expect(declaredTypeOf("'abc' def")).toMatchObject({ declaredType: 'abc' });
    expect(declaredTypeOf('INT GENERATED ALWAYS')).toMatchObject({ declaredType: 'INT', standard: 'INT' });
    expect(declaredTypeOf('GENERATED ALWAYS')).toEqual({ declaredType: '', affinity: 'BLOB' });
    expect(declaredTypeOf('[]')).toEqual({ declaredType: '', affinity: 'NUMERIC' });
  });
});

/** typeof() of five probe values after storing them in a column: SQLite's affinity, observed. */
const PROBES = "'123', '1.5', 1.0, x'31', 12";
const SIGNATURES: Record<Affinity, string> = {
  INTEGER: 'integer,real,integer,blob,integer',
  NUMERIC: 'integer,real,integer,blob,integer', // indistinguishable from INTEGER by storage
  REAL: 'real,real,real,blob,real',
  TEXT: 'text,text,text,blob,text',
  BLOB: 'text,text,real,blob,integer',
};

describe('affinity agrees with SQLite storage', () => {
  let db: SqlJsDatabase;
  beforeAll(async () => {
    db = await openSqlJs();
  });
  afterAll(() => db.close());

  const fragment = fc.constantFrom('INT', 'CHAR', 'CLOB', 'TEXT', 'BLOB', 'REAL', 'FLOA', 'DOUB', 'VAR', 'NUM', 'x', 'in', 't', 'a', 'b', 'DATE', ' ', '(10)');
  const typeName = fc
    .array(fragment, { minLength: 0, maxLength: 4 })
    .map((parts) => parts.join('').trim())
    .filter((t) => /^[A-Za-z]/.test(t) || t === '')
    .map((t) => t.replace(/\(10\)(?=.)/g, ''))
    .filter((t) => !/\(10\).*\(10\)/.test(t));

  it('for random declared types', () => {
    fc.assert(
      fc.property(typeName, (type) => {
        db.exec('DROP TABLE IF EXISTS t');
        try {
          db.exec(`CREATE TABLE t(c ${type})`);
        } catch {
          return;
        }
        const probes = PROBES.split(', ');
        const observed = probes
          .map((p) => {
            db.exec('DELETE FROM t');
            db.exec(`INSERT INTO t VALUES (${p})`);
            return String(query(db, 'SELECT typeof(c) AS ty FROM t')[0]?.['ty']);
          })
          .join(',');
        const ours = readSchema(schemaRows(db)).table('t')?.columns[0];
        expect(observed, `${type} → ${ours?.affinity}`).toBe(SIGNATURES[ours?.affinity ?? 'BLOB']);
        expect(ours?.declaredType).toBe(query(db, 'PRAGMA table_info(t)')[0]?.['type']);
      }),
      { numRuns: 150 },
    );
  });
});
