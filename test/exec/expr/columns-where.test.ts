/**
 * Differential test with columns: a table with a column of each affinity and collation holds
 * random rows; random WHERE predicates over those columns and literals select the same rowids
 * in compileExpr as in SQLite (sql.js). This exercises the comparison-affinity rules of
 * datatype3 §4.2 and the collation rules of §7.1 with real column affinities.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sqljs } from '../../support/sqljs.js';
import { compileExpr, exprAffinity, exprCollation, isTrue } from '../../../src/exec/expr/compile.js';
import type { Scope } from '../../../src/exec/expr-contract.js';
import type { Affinity } from '../../../src/schema/affinity.js';
import type { Value } from '../../../src/exec/value.js';
import { parseExpression } from '../../../src/sql/index.js';
import { ctx } from './oracle.js';

const COLUMNS: ReadonlyArray<{ name: string; decl: string; affinity: Affinity; collation: string }> = [
  { name: 'i', decl: 'INTEGER', affinity: 'INTEGER', collation: 'BINARY' },
  { name: 'r', decl: 'REAL', affinity: 'REAL', collation: 'BINARY' },
  { name: 'n', decl: 'NUMERIC', affinity: 'NUMERIC', collation: 'BINARY' },
  { name: 't', decl: 'TEXT', affinity: 'TEXT', collation: 'BINARY' },
  { name: 'tn', decl: 'TEXT COLLATE NOCASE', affinity: 'TEXT', collation: 'NOCASE' },
  { name: 'tr', decl: 'VARCHAR(10) COLLATE RTRIM', affinity: 'TEXT', collation: 'RTRIM' },
  { name: 'b', decl: 'BLOB', affinity: 'BLOB', collation: 'BINARY' },
  { name: 'x', decl: '', affinity: 'BLOB', collation: 'BINARY' },
];

const scope: Scope = {
  resolveColumn(table, column) {
    if (table !== undefined && table.toLowerCase() !== 't1') return undefined;
    const idx = COLUMNS.findIndex((c) => c.name === column.toLowerCase());
    if (idx < 0) return undefined;
    const c = COLUMNS[idx]!;
    return { slot: idx, affinity: c.affinity, collation: c.collation };
  },
};

const LITERALS = [
  '1', '2', '10', '(-1)', '0', '1.0', '2.5', '(-0.0)', '1e3', "'1'", "'2'", "'10'", "'1.0'", "' 1'", "'abc'", "'ABC'", "'abc  '",
  "'b'", "''", "x'31'", "x'616263'", 'NULL', '9223372036854775807',
];
const CELL_VALUES = [
  '1', '2', '10', '-1', '0', '1.0', '2.5', '1e3', "'1'", "'2'", "'10'", "'1.0'", "' 1'", "'abc'", "'ABC'", "'abc  '", "'b'", "''",
  "x'31'", "x'616263'", 'NULL', "'2.50'", "'0x10'", '3.0e0',
];

const colRef = fc.constantFrom(...COLUMNS.map((c) => c.name), 't1.i', 't1.tn');
const operand = fc.oneof({ weight: 3, arbitrary: colRef }, { weight: 2, arbitrary: fc.constantFrom(...LITERALS) },
  fc.tuple(colRef, fc.constantFrom('+ 0', "|| ''", '* 1')).map(([c, op]) => `(${c} ${op})`),
  fc.tuple(colRef, fc.constantFrom('INTEGER', 'TEXT', 'REAL', 'NUMERIC', 'BLOB')).map(([c, t]) => `CAST(${c} AS ${t})`),
  fc.tuple(colRef, fc.constantFrom('NOCASE', 'RTRIM', 'BINARY')).map(([c, k]) => `${c} COLLATE ${k}`),
  fc.tuple(fc.constantFrom('upper', 'lower', 'length', 'abs', 'typeof', 'coalesce'), colRef).map(([f, c]) => (f === 'coalesce' ? `coalesce(${c}, 'z')` : `${f}(${c})`)),
);

const { pred } = fc.letrec<{ pred: string }>((tie) => ({
  pred: fc.oneof(
    { depthSize: 'small' },
    fc.tuple(operand, fc.constantFrom('=', '<', '<=', '>', '>=', '!=', 'IS', 'IS NOT'), operand).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc.tuple(operand, fc.boolean(), fc.array(operand, { minLength: 1, maxLength: 3 })).map(([a, n, xs]) => `${a} ${n ? 'NOT ' : ''}IN (${xs.join(', ')})`),
    fc.tuple(operand, operand, operand).map(([a, b, c]) => `${a} BETWEEN ${b} AND ${c}`),
    fc.tuple(operand, fc.constantFrom("'a%'", "'%b%'", "'_'", "'1%'", "'A_C'")).map(([a, p]) => `${a} LIKE ${p}`),
    fc.tuple(operand, fc.constantFrom("'a*'", "'[0-9]*'", "'?'")).map(([a, p]) => `${a} GLOB ${p}`),
    fc.tuple(operand, fc.constantFrom('ISNULL', 'NOTNULL')).map(([a, t]) => `${a} ${t}`),
    fc.tuple(operand, operand, operand).map(([a, b, c]) => `CASE ${a} WHEN ${b} THEN 1 ELSE ${c} END`),
    fc.tuple(tie('pred'), fc.constantFrom('AND', 'OR'), tie('pred')).map(([a, op, b]) => `(${a}) ${op} (${b})`),
    tie('pred').map((p) => `NOT (${p})`),
  ),
}));

interface Table {
  bytes: Uint8Array;
  rows: Array<{ rowid: bigint; values: Value[] }>;
}

async function buildTable(rows: string[][]): Promise<{ db: { exec(sql: string): Array<{ values: unknown[][] }>; prepare(sql: string): { step(): boolean; get(p: null, c: { useBigInt: boolean }): unknown[]; free(): void } ; close(): void }; table: Table }> {
  const SQL = await sqljs();
  const db = new (SQL.Database as unknown as new () => {
    exec(sql: string): Array<{ values: unknown[][] }>;
    prepare(sql: string): { step(): boolean; get(p: null, c: { useBigInt: boolean }): unknown[]; free(): void };
    close(): void;
    export(): Uint8Array;
  })();
  db.exec(`CREATE TABLE t1(${COLUMNS.map((c) => `${c.name} ${c.decl}`).join(', ')})`);
  for (const r of rows) db.exec(`INSERT INTO t1 VALUES (${r.join(', ')})`);
  // Read the stored values back exactly (after SQLite applied the column affinities).
  const cols = COLUMNS.map((c) => c.name);
  const stmt = db.prepare(`SELECT rowid, ${cols.join(', ')}, ${cols.map((c) => `typeof(${c})`).join(', ')} FROM t1`);
  const out: Table['rows'] = [];
  while (stmt.step()) {
    const raw = stmt.get(null, { useBigInt: true });
    const values: Value[] = [];
    for (let k = 0; k < cols.length; k++) {
      const v = raw[1 + k];
      const cls = raw[1 + cols.length + k];
      values.push(cls === 'null' ? null : cls === 'integer' ? BigInt(v as bigint) : cls === 'real' ? Number(v) : (v as string | Uint8Array));
    }
    out.push({ rowid: BigInt(raw[0] as bigint), values });
  }
  stmt.free();
  return { db, table: { bytes: new Uint8Array(), rows: out } };
}

describe('WHERE over typed columns agrees with SQLite', () => {
  it('selects the same rowids for random predicates', async () => {
    const rowArb = fc.array(fc.array(fc.constantFrom(...CELL_VALUES), { minLength: COLUMNS.length, maxLength: COLUMNS.length }), {
      minLength: 5,
      maxLength: 12,
    });
    await fc.assert(
      fc.asyncProperty(rowArb, fc.array(pred, { minLength: 5, maxLength: 10 }), async (rows, preds) => {
        const { db, table } = await buildTable(rows);
        try {
          for (const p of preds) {
            const res = db.exec(`SELECT rowid FROM t1 WHERE ${p} ORDER BY rowid`);
            const expected = (res[0]?.values ?? []).map((r) => BigInt(r[0] as bigint | number)).join(',');
            const f = compileExpr(parseExpression(p), scope);
            const c = ctx();
            const got = table.rows
              .filter((r) => isTrue(f(r.values, c)))
              .map((r) => r.rowid)
              .join(',');
            if (got !== expected) throw new Error(`WHERE ${p}\n  ours:   [${got}]\n  sqlite: [${expected}]`);
          }
        } finally {
          db.close();
        }
      }),
      { numRuns: 120 },
    );
  }, 60_000);

  it('reports the affinity and collation of column expressions (datatype3 §3.2, §7.1)', () => {
    const aff = (s: string) => exprAffinity(parseExpression(s), scope);
    const coll = (s: string) => exprCollation(parseExpression(s), scope);
    expect(aff('i')).toBe('INTEGER');
    expect(aff('t COLLATE NOCASE')).toBe('TEXT');
    expect(aff('CAST(t AS REAL)')).toBe('REAL');
    expect(aff('i + 1')).toBeUndefined();
    expect(aff("'abc'")).toBeUndefined();
    expect(coll('tn')).toBe('NOCASE');
    expect(coll('t')).toBe('BINARY');
    expect(coll("t || 'x' COLLATE RTRIM")).toBe('RTRIM');
    expect(coll('tn || t')).toBe('BINARY');
    expect(coll('+tn')).toBe('NOCASE');
  });
});
