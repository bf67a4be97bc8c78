/**
 * Differential property test: random CREATE TABLE / CREATE INDEX statements from a small
 * grammar are run in real SQLite (sql.js); for those SQLite accepts, our schema must agree with
 * PRAGMA table_xinfo, index_list and index_xinfo — automatic indexes and WITHOUT ROWID included.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorruptError } from '../../src/errors.js';
import { readSchema } from '../../src/schema/read-schema.js';
import type { TableInfo } from '../../src/schema/schema-types.js';
import { compareTable, openSqlJs, schemaRows, type SqlJsDatabase } from './oracle.js';

const NAMES = ['a', 'b', 'c', 'd', 'Key', '"x y"', '[desc]', '`end`', 'left', "'s'"];
const TYPES = [
  '', '', 'INTEGER', 'integer', 'INT', 'TEXT', 'VARCHAR(10)', 'DECIMAL( 10 , 2 )', 'double precision',
  'BLOB', 'REAL', 'numeric', 'unsigned big int', '"text"', "'abc' def", 'FLOATING POINT', 'CHARINT',
  'BLOBTEXT', '[INTEGER]', 'ANY', 'boolean', 'datetime',
];
const STRICT_TYPES = ['INT', 'INTEGER', 'integer', 'REAL', 'TEXT', 'BLOB', 'ANY'];
const DEFAULTS = [
  '5', '-5', '+3.5', "'abc'", 'NULL', 'CURRENT_TIMESTAMP', '(1 + 2 )', "x'0A'", 'abc', 'TRUE',
  '- 7', '0x10', '(-1)', '"dq"',
];
const COLLATIONS = ['nocase', 'RTRIM', 'binary', 'NoCase'];

interface ColumnSpec {
  name: string;
  type: string;
  constraints: string[];
}

const collate = fc.option(fc.constantFrom(...COLLATIONS), { nil: undefined });

function columnSpec(strict: boolean): fc.Arbitrary<Omit<ColumnSpec, 'name'>> {
  const constraint = fc.oneof(
    fc.constant('NOT NULL'),
    fc.constant('NULL'),
    fc.constantFrom(...DEFAULTS).map((d) => `DEFAULT ${d}`),
    fc.constantFrom(...COLLATIONS).map((c) => `COLLATE ${c}`),
    fc.constant('UNIQUE'),
    fc.constantFrom('PRIMARY KEY', 'PRIMARY KEY ASC', 'PRIMARY KEY DESC', 'PRIMARY KEY AUTOINCREMENT', 'CONSTRAINT pk PRIMARY KEY'),
    fc.constant('CHECK (1 > 0)'),
    fc.constantFrom('GENERATED ALWAYS AS (1) STORED', 'AS (2) VIRTUAL', 'GENERATED ALWAYS AS (3)'),
    fc.constant('REFERENCES other(x) ON DELETE CASCADE'),
  );
  return fc.record({
    type: strict ? fc.constantFrom(...STRICT_TYPES) : fc.constantFrom(...TYPES),
    constraints: fc.array(constraint, { maxLength: 3 }),
  });
}

interface TableSpec {
  columns: ColumnSpec[];
  tableConstraints: string[];
  withoutRowid: boolean;
  strict: boolean;
  indexes: string[];
}

const tableSpec: fc.Arbitrary<TableSpec> = fc
  .record({
    strict: fc.boolean(),
    withoutRowid: fc.boolean(),
    names: fc.uniqueArray(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 5 }),
  })
  .chain(({ strict, withoutRowid, names }) =>
    fc.record({
      strict: fc.constant(strict),
      withoutRowid: fc.constant(withoutRowid),
      columns: fc.tuple(...names.map(() => columnSpec(strict))).map((cs) => cs.map((c, i) => ({ ...c, name: names[i] as string }))),
      tableConstraints: fc.array(
        fc.record({
          kind: fc.constantFrom('PRIMARY KEY', 'UNIQUE', 'UNIQUE', 'CONSTRAINT u UNIQUE'),
          terms: fc.array(
            fc.record({ name: fc.constantFrom(...names), coll: collate, desc: fc.boolean() }),
            { minLength: 1, maxLength: 3 },
          ),
        }).map(({ kind, terms }) =>
          `${kind} (${terms.map((t) => `${t.name}${t.coll === undefined ? '' : ` COLLATE ${t.coll}`}${t.desc ? ' DESC' : ''}`).join(', ')})`,
        ),
        { maxLength: 3 },
      ),
      indexes: fc.array(
        fc.record({
          unique: fc.boolean(),
          terms: fc.array(
            fc.record({
              term: fc.oneof(fc.constantFrom(...names), fc.constantFrom('1 + 1', `lower(${names[0] as string})`, `${names[0] as string} + 1`)),
              coll: collate,
              desc: fc.boolean(),
            }),
            { minLength: 1, maxLength: 3 },
          ),
          where: fc.boolean(),
        }).map(({ unique, terms, where }) => ({ unique, terms, where })),
        { maxLength: 2 },
      ).map((idxs) =>
        idxs.map(
          (ix, i) =>
            `CREATE ${ix.unique ? 'UNIQUE ' : ''}INDEX ix${i} ON t(${ix.terms
              .map((t) => `${t.term}${t.coll === undefined ? '' : ` COLLATE ${t.coll}`}${t.desc ? ' DESC' : ''}`)
              .join(', ')})${ix.where ? ` WHERE ${names[0] as string} IS NOT NULL` : ''}`,
        ),
      ),
    }),
  );

function createTableSql(spec: TableSpec): string {
  const parts = [
    ...spec.columns.map((c) => [c.name, c.type, ...c.constraints].filter((s) => s !== '').join(' ')),
    ...spec.tableConstraints,
  ];
  const opts = [spec.withoutRowid ? 'WITHOUT ROWID' : '', spec.strict ? 'STRICT' : ''].filter((s) => s !== '');
  return `CREATE TABLE t(${parts.join(', ')})${opts.length > 0 ? ' ' + opts.join(', ') : ''}`;
}

describe('readSchema agrees with SQLite', () => {
  let db: SqlJsDatabase;
  beforeAll(async () => {
    db = await openSqlJs();
  });
  afterAll(() => db.close());

  it('on random CREATE TABLE / CREATE INDEX statements', () => {
    let accepted = 0;
    let total = 0;
    fc.assert(
      fc.property(tableSpec, (spec) => {
        total++;
        db.exec('DROP TABLE IF EXISTS t');
        const statements = [createTableSql(spec), ...spec.indexes];
        try {
          db.exec(statements[0] as string);
        } catch (err) {
          // SQLite refused the table: so must we, when reading it from a (corrupt) schema.
          const row = { type: 'table', name: 't', tblName: 't', rootPage: 2, sql: statements[0] as string };
          expect(() => readSchema([row]), `${statements[0] as string}\nSQLite: ${String(err)}`).toThrow(CorruptError);
          return;
        }
        for (const s of statements.slice(1)) {
          try {
            db.exec(s);
          } catch {
            /* an index SQLite refuses is simply absent */
          }
        }
        accepted++;
        const schema = readSchema(schemaRows(db));
        const table = schema.table('t');
        expect(table, statements.join(';\n')).toBeDefined();
        try {
          compareTable(db, table as TableInfo);
        } catch (err) {
          throw new Error(`${statements.join(';\n')}\n${String(err)}`);
        }
      }),
      { numRuns: 400 },
    );
    // The grammar must mostly produce statements SQLite accepts, or the test proves little.
    expect(accepted).toBeGreaterThan(total / 3);
  });
});
