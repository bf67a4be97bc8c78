/**
 * `x IN (SELECT y FROM u)` as the executor wires it — a ValueSet built with
 * inSubqueryComparison — against SQLite (sql.js) over columns of every affinity and collation.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sqljs } from '../../support/sqljs.js';
import { compileExpr, exprAffinity, inSubqueryComparison, isTrue, ValueSet } from '../../../src/exec/expr/compile.js';
import type { Scope } from '../../../src/exec/expr-contract.js';
import type { Affinity } from '../../../src/schema/affinity.js';
import type { Value } from '../../../src/exec/value.js';
import { parseExpression } from '../../../src/sql/index.js';
import { ctx } from './oracle.js';

const COLS: ReadonlyArray<{ name: string; decl: string; affinity: Affinity; collation: string }> = [
  { name: 'i', decl: 'INTEGER', affinity: 'INTEGER', collation: 'BINARY' },
  { name: 't', decl: 'TEXT', affinity: 'TEXT', collation: 'BINARY' },
  { name: 'tn', decl: 'TEXT COLLATE NOCASE', affinity: 'TEXT', collation: 'NOCASE' },
  { name: 'b', decl: 'BLOB', affinity: 'BLOB', collation: 'BINARY' },
  { name: 'r', decl: 'REAL', affinity: 'REAL', collation: 'BINARY' },
];
const CELLS = ['1', "'1'", '1.0', "'abc'", "'ABC'", 'NULL', "'2'", '2', "x'31'", "' 1'"];

const scope: Scope = {
  resolveColumn(_t, column) {
    const idx = COLS.findIndex((c) => c.name === column);
    if (idx < 0) return undefined;
    return { slot: idx, affinity: COLS[idx]!.affinity, collation: COLS[idx]!.collation };
  },
};

interface Db {
  exec(sql: string): Array<{ values: unknown[][] }>;
  prepare(sql: string): { step(): boolean; get(p: null, c: { useBigInt: boolean }): unknown[]; free(): void };
  close(): void;
}

function readRows(db: Db, table: string): Value[][] {
  const names = COLS.map((c) => c.name);
  const st = db.prepare(`SELECT ${names.join(', ')}, ${names.map((n) => `typeof(${n})`).join(', ')} FROM ${table} ORDER BY rowid`);
  const out: Value[][] = [];
  while (st.step()) {
    const raw = st.get(null, { useBigInt: true });
    out.push(
      names.map((_n, k) => {
        const v = raw[k];
        const cls = raw[names.length + k];
        return cls === 'null' ? null : cls === 'integer' ? BigInt(v as bigint) : cls === 'real' ? Number(v) : (v as string | Uint8Array);
      }),
    );
  }
  st.free();
  return out;
}

describe('IN (subquery) through ValueSet agrees with SQLite', () => {
  it('random tables, every pair of columns, optional COLLATE on the left', async () => {
    const SQL = await sqljs();
    const rows = fc.array(fc.array(fc.constantFrom(...CELLS), { minLength: COLS.length, maxLength: COLS.length }), { minLength: 1, maxLength: 6 });
    await fc.assert(
      fc.asyncProperty(rows, rows, fc.constantFrom('', ' COLLATE NOCASE', ' COLLATE BINARY'), fc.boolean(), async (tRows, uRows, coll, not) => {
        const db = new (SQL.Database as unknown as new () => Db)();
        try {
          const decl = COLS.map((c) => `${c.name} ${c.decl}`).join(', ');
          db.exec(`CREATE TABLE t(${decl}); CREATE TABLE u(${decl})`);
          for (const r of tRows) db.exec(`INSERT INTO t VALUES (${r.join(', ')})`);
          for (const r of uRows) db.exec(`INSERT INTO u VALUES (${r.join(', ')})`);
          const tValues = readRows(db, 't');
          const uValues = readRows(db, 'u');
          for (const left of COLS) {
            for (const [k, right] of COLS.entries()) {
              const leftSql = `${left.name}${coll}`;
              const sql = `${leftSql} ${not ? 'NOT ' : ''}IN (SELECT ${right.name} FROM u)`;
              const res = db.exec(`SELECT quote(${sql}) FROM t ORDER BY rowid`);
              const expected = (res[0]?.values ?? []).map((r) => String(r[0]));
              const leftExpr = parseExpression(leftSql);
              const rules = inSubqueryComparison(leftExpr, scope, { affinity: right.affinity, collation: right.collation });
              const set = new ValueSet(uValues.map((r) => r[k] ?? null), rules.affinity, rules.collation);
              const inScope: Scope = { ...scope, bindSubquery: (_s, mode) => ({ slot: COLS.length, mode }) };
              const f = compileExpr(parseExpression(sql), inScope);
              const got = tValues.map((r) => {
                const v = f([...r, set as unknown as Value], ctx());
                return v === null ? 'NULL' : String(v);
              });
              if (got.join(',') !== expected.join(',')) throw new Error(`${sql}\n  ours:   ${got.join(',')}\n  sqlite: ${expected.join(',')}`);
            }
          }
        } finally {
          db.close();
        }
      }),
      { numRuns: 60 },
    );
    expect(isTrue(1n)).toBe(true);
  }, 60_000);

  it('uses the scope’s subquery affinity when it offers one', () => {
    const withSub = { ...scope, subqueryAffinity: () => 'INTEGER' as Affinity };
    expect(exprAffinity(parseExpression('(SELECT 1)'), withSub)).toBe('INTEGER');
    expect(exprAffinity(parseExpression('(SELECT 1)'), scope)).toBeUndefined();
  });
});
