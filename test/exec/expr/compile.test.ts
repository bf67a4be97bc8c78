/**
 * The compiler's contract with the executors: name resolution through the Scope, parameters,
 * subquery slots (scalar / EXISTS / IN with ValueSet), aggregate slots, and SQLite's error
 * messages for unknown names.
 */
import { describe, expect, it } from 'vitest';
import { compileExpr, createParamNumbering, ValueSet } from '../../../src/exec/expr/compile.js';
import type { Scope, SubqueryBinding } from '../../../src/exec/expr-contract.js';
import type { Value } from '../../../src/exec/value.js';
import { SqliteError } from '../../../src/errors.js';
import { parseExpression } from '../../../src/sql/index.js';
import { ctx, emptyScope } from './oracle.js';

function run(sql: string, scope: Scope = emptyScope, row: Value[] = [], params: Value[] = [], named = new Map<string, Value>()): Value {
  return compileExpr(parseExpression(sql), scope)(row, ctx(params, named));
}

const tableScope: Scope = {
  resolveColumn(table, column) {
    if (table !== undefined && table !== 't') return undefined;
    if (column === 'a') return { slot: 0, affinity: 'INTEGER', collation: 'BINARY' };
    if (column === 'b') return { slot: 1, affinity: 'TEXT', collation: 'NOCASE' };
    if (column === 'amb') throw new SqliteError('SQLITE_ERROR', 'ambiguous column name: amb');
    return undefined;
  },
};

describe('compileExpr', () => {
  it('reads columns from their slots and applies their affinity in comparisons', () => {
    expect(run('a + 1', tableScope, [41n, 'x'])).toBe(42n);
    expect(run("a = '41'", tableScope, [41n, 'x'])).toBe(1n); // INTEGER column: '41' gets numeric affinity
    expect(run("b = 'X'", tableScope, [41n, 'x'])).toBe(1n); // NOCASE column collation
    expect(run('t.a', tableScope, [7n, null])).toBe(7n);
  });

  it('falls back to a string for an unknown "double-quoted" name and reports unknown columns', () => {
    expect(run('"hello"', tableScope)).toBe('hello');
    expect(() => run('nope', tableScope)).toThrow(new SqliteError('SQLITE_ERROR', 'no such column: nope'));
    expect(() => run('u.a', tableScope)).toThrow('no such column: u.a');
    expect(() => run('amb', tableScope)).toThrow('ambiguous column name: amb');
  });

  it('binds parameters by position, number and name; unbound ones are NULL', () => {
    expect(run('? + ?', emptyScope, [], [1n, 2n])).toBe(3n);
    expect(run('?2 || ?1', emptyScope, [], ['a', 'b'])).toBe('ba');
    expect(run(':x * @y', emptyScope, [], [], new Map<string, Value>([[':x', 6n], ['@y', 7n]]))).toBe(42n);
    expect(run('$z IS NULL', emptyScope, [], [], new Map())).toBe(1n);
    expect(run('?3', emptyScope, [], [1n])).toBe(null);
    // One numbering for all expressions of a statement: `?` continues after the largest so far.
    const numbering = createParamNumbering();
    const first = compileExpr(parseExpression('?'), emptyScope, { params: numbering });
    const second = compileExpr(parseExpression('?5 + ?'), emptyScope, { params: numbering });
    const c = ctx([10n, 20n, 30n, 40n, 50n, 60n]);
    expect(first([], c)).toBe(10n);
    expect(second([], c)).toBe(110n);
  });

  it('reads subquery results from the slots the executor fills', () => {
    const bindings: Array<{ mode: SubqueryBinding['mode'] }> = [];
    const scope: Scope = {
      resolveColumn: () => undefined,
      bindSubquery(_select, mode) {
        bindings.push({ mode });
        return { slot: bindings.length - 1, mode };
      },
    };
    const f = compileExpr(parseExpression('(SELECT 1) + 1 = 3 AND EXISTS (SELECT 1) AND 2 IN (SELECT 2) AND 5 NOT IN (SELECT 1)'), scope);
    expect(bindings.map((b) => b.mode)).toEqual(['scalar', 'exists', 'in', 'in']);
    const row: Value[] = [2n, 1n, new ValueSet([1n, 2n]) as unknown as Value, new ValueSet([1n, null]) as unknown as Value];
    // 5 NOT IN (1, NULL) is NULL, so the whole AND is NULL
    expect(f(row, ctx())).toBe(null);
    row[3] = new ValueSet([1n]) as unknown as Value;
    expect(f(row, ctx())).toBe(1n);
    row[1] = 0n;
    expect(f(row, ctx())).toBe(0n);
  });

  it('ValueSet has SQLite IN semantics, with affinity and collation', () => {
    const s = new ValueSet([1n, 2.5, 'abc', null]);
    expect(s.has(1n)).toBe(true);
    expect(s.has(1.0)).toBe(true);
    expect(s.has('ABC')).toBe(null); // not found, but the set holds a NULL
    expect(s.has(null)).toBe(null);
    expect(new ValueSet([]).has(null)).toBe(false);
    expect(new ValueSet(['abc'], undefined, 'NOCASE').has('ABC')).toBe(true);
    expect(new ValueSet(['1'], 'NUMERIC').has(1n)).toBe(true);
    expect(new ValueSet(['1']).has(1n)).toBe(false);
    expect(new ValueSet([Uint8Array.of(1, 2)]).has(Uint8Array.of(1, 2))).toBe(true);
  });

  it('routes aggregates to slots and rejects them where they are not allowed', () => {
    const calls: string[] = [];
    const scope: Scope = {
      resolveColumn: tableScope.resolveColumn,
      bindAggregate(call) {
        calls.push(call.name);
        return { slot: 5 + calls.length - 1 };
      },
    };
    const f = compileExpr(parseExpression('count(*) + max(a)'), scope);
    expect(calls).toEqual(['count', 'max']);
    expect(f([0n, '', 0n, 0n, 0n, 3n, 10n], ctx())).toBe(13n);
    expect(() => compileExpr(parseExpression('count(*)'), emptyScope)).toThrow('misuse of aggregate function count()');
    expect(() => compileExpr(parseExpression('sum(a)'), scope, { aggregateAllowed: false })).toThrow('misuse of aggregate function sum()');
    expect(() => compileExpr(parseExpression('sum(max(a))'), scope)).toThrow('misuse of aggregate function sum()');
    expect(() => compileExpr(parseExpression("group_concat(DISTINCT a, ';')"), scope)).toThrow('DISTINCT aggregates must have exactly one argument');
    expect(() => compileExpr(parseExpression('count(1, 2)'), scope)).toThrow('wrong number of arguments to function count()');
    // max with two arguments is the scalar function
    expect(compileExpr(parseExpression('max(a, 3)'), scope)([1n], ctx())).toBe(3n);
  });

  it('reports unknown functions and wrong argument counts as SQLite does', () => {
    expect(() => run('frobnicate(1)')).toThrow(new SqliteError('SQLITE_ERROR', 'no such function: frobnicate'));
    expect(() => run('ABS(1, 2)')).toThrow('wrong number of arguments to function ABS()');
    expect(() => run('abs(-9223372036854775808)')).toThrow('integer overflow');
    expect(() => run("'a' LIKE 'b' ESCAPE 'xy'")).toThrow('ESCAPE expression must be a single character');
  });

  it('reads changes() and last_insert_rowid() from an optional connection in the context', () => {
    const c = { ...ctx(), connection: { lastInsertRowid: () => 7n, changes: () => 2n, totalChanges: () => 9n } };
    const f = compileExpr(parseExpression('last_insert_rowid() * 100 + changes() * 10 + total_changes()'), emptyScope);
    expect(f([], c)).toBe(729n);
    // Without one (the CLI's read-only queries): a connection that changed nothing, as SQLite's.
    expect(f([], ctx())).toBe(0n);
  });

  it('evaluates lazily where SQLite does (coalesce, iif, CASE, AND, OR)', () => {
    expect(run('coalesce(1, abs(-9223372036854775808))')).toBe(1n);
    expect(run('iif(1, 2, abs(-9223372036854775808))')).toBe(2n);
    expect(run('CASE WHEN 1 THEN 1 ELSE abs(-9223372036854775808) END')).toBe(1n);
    expect(run('0 AND abs(-9223372036854775808)')).toBe(0n);
    expect(run('1 OR abs(-9223372036854775808)')).toBe(1n);
  });
});
