/**
 * The window evaluator against a model written from the definitions: for random partitions of
 * integer rows (with NULLs and ties) and random frames, every row's frame is found by testing
 * each row of its partition against the frame's bounds and EXCLUDE, and count / sum / min / max /
 * first_value / last_value / nth_value are folded over it afresh. The evaluator slides (steps and
 * inverses, a deque for min/max), so this checks the frame arithmetic and the sliding states.
 * (Results against SQLite itself are in window-vs-sqlite.test.ts.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateWindows, type WindowCallInput } from '../../../src/exec/window/evaluate-windows.js';
import type { BoundType, Frame, FrameBound, FrameExclude, FrameUnits, OrderKey } from '../../../src/exec/window/window-spec.js';
import type { Value } from '../../../src/exec/value.js';

interface Row {
  part: bigint;
  key: bigint | null;
  x: bigint | null;
  keep: boolean;
}

const row = fc.record({
  part: fc.bigInt(0n, 2n),
  key: fc.option(fc.bigInt(-3n, 6n), { freq: 6 }),
  x: fc.option(fc.bigInt(-50n, 50n), { freq: 5 }),
  keep: fc.boolean(),
});

const boundTypes: BoundType[] = ['UNBOUNDED PRECEDING', 'PRECEDING', 'CURRENT ROW', 'FOLLOWING', 'UNBOUNDED FOLLOWING'];

/** Frames SQLite accepts: the start not later than the end in the bound order. */
const frame: fc.Arbitrary<Frame> = fc
  .record({
    units: fc.constantFrom<FrameUnits>('ROWS', 'RANGE', 'GROUPS'),
    start: fc.integer({ min: 0, max: 3 }),
    end: fc.integer({ min: 1, max: 4 }),
    startOffset: fc.integer({ min: 0, max: 3 }),
    endOffset: fc.integer({ min: 0, max: 3 }),
    exclude: fc.constantFrom<FrameExclude>('NONE', 'NONE', 'NO OTHERS', 'CURRENT ROW', 'GROUP', 'TIES'),
  })
  .filter((f) => f.start <= f.end || (f.start === 1 && f.end === 1))
  .filter((f) => !(f.start === 2 && f.end === 1) && !(f.start === 3 && f.end <= 2))
  .map((f) => {
    const bound = (i: number, offset: number): FrameBound => ({ type: boundTypes[i]!, offset: f.units === 'RANGE' ? BigInt(offset) : offset });
    return { units: f.units, start: bound(f.start, f.startOffset), end: bound(f.end, f.endOffset), exclude: f.exclude };
  });

const CALLS = ['count', 'sum', 'min', 'max', 'first_value', 'last_value', 'nth_value'] as const;

function cmpKey(k: OrderKey, a: bigint | null, b: bigint | null): number {
  if (a === b) return 0;
  const nullsFirst = k.nulls === undefined ? !k.desc : k.nulls === 'FIRST';
  if (a === null) return nullsFirst ? -1 : 1;
  if (b === null) return nullsFirst ? 1 : -1;
  const c = a < b ? -1 : a > b ? 1 : 0;
  return k.desc ? -c : c;
}

/** Whether sorted position q is in sorted position p's frame, straight from the definitions. */
function inFrame(f: Frame, k: OrderKey, keys: (bigint | null)[], group: number[], p: number, q: number): boolean {
  const pos = (i: number): number => (f.units === 'ROWS' ? i : group[i]!);
  const test = (b: FrameBound, isStart: boolean): boolean => {
    if (b.type === 'UNBOUNDED PRECEDING' || b.type === 'UNBOUNDED FOLLOWING') return true;
    const n = Number(b.offset);
    const signed = b.type === 'PRECEDING' ? -n : b.type === 'FOLLOWING' ? n : 0;
    if (f.units !== 'RANGE' || b.type === 'CURRENT ROW') {
      if (f.units === 'RANGE') return isStart ? group[q]! >= group[p]! : group[q]! <= group[p]!;
      return isStart ? pos(q) >= pos(p) + signed : pos(q) <= pos(p) + signed;
    }
    const v = keys[p]!;
    const target = v === null ? null : k.desc ? v - BigInt(signed) : v + BigInt(signed);
    const c = cmpKey(k, keys[q]!, target);
    return isStart ? c >= 0 : c <= 0;
  };
  if (!test(f.start, true) || !test(f.end, false)) return false;
  switch (f.exclude) {
    case 'CURRENT ROW':
      return q !== p;
    case 'GROUP':
      return group[q] !== group[p];
    case 'TIES':
      return q === p || group[q] !== group[p];
    default:
      return true;
  }
}

function model(rows: Row[], f: Frame, k: OrderKey, name: (typeof CALLS)[number], nth: number): Value[] {
  const out = new Array<Value>(rows.length).fill(null);
  const ids = rows.map((_, i) => i);
  ids.sort((a, b) => (rows[a]!.part < rows[b]!.part ? -1 : rows[a]!.part > rows[b]!.part ? 1 : cmpKey(k, rows[a]!.key, rows[b]!.key)) || a - b);
  for (const part of [0n, 1n, 2n]) {
    const mine = ids.filter((i) => rows[i]!.part === part);
    const keys = mine.map((i) => rows[i]!.key);
    const group: number[] = [];
    mine.forEach((_, p) => group.push(p === 0 ? 0 : group[p - 1]! + (cmpKey(k, keys[p - 1]!, keys[p]!) === 0 ? 0 : 1)));
    mine.forEach((i, p) => {
      const frameRows = mine.filter((_, q) => inFrame(f, k, keys, group, p, q)).map((j) => rows[j]!);
      const agg = frameRows.filter((r) => r.keep);
      const xs = agg.map((r) => r.x).filter((x): x is bigint => x !== null);
      switch (name) {
        case 'count':
          out[i] = BigInt(xs.length);
          break;
        case 'sum':
          out[i] = xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0n);
          break;
        case 'min':
          out[i] = xs.length === 0 ? null : xs.reduce((a, b) => (b < a ? b : a));
          break;
        case 'max':
          out[i] = xs.length === 0 ? null : xs.reduce((a, b) => (b > a ? b : a));
          break;
        case 'first_value':
          out[i] = frameRows[0]?.x ?? null;
          break;
        case 'last_value':
          out[i] = frameRows[frameRows.length - 1]?.x ?? null;
          break;
        case 'nth_value':
          out[i] = frameRows[nth - 1]?.x ?? null;
          break;
      }
    });
  }
  return out;
}

describe('window evaluator', () => {
  it('slides aggregates and picks frame rows exactly as the frame definitions say', () => {
    fc.assert(
      fc.property(
        fc.array(row, { maxLength: 40 }),
        frame,
        fc.constantFrom(...CALLS),
        fc.record({ desc: fc.boolean(), nulls: fc.constantFrom<'FIRST' | 'LAST' | undefined>('FIRST', 'LAST', undefined) }),
        fc.integer({ min: 1, max: 4 }),
        (rows, f, name, order, nth) => {
          const k: OrderKey = { ...order, collation: 'BINARY' };
          const aggregate = name === 'count' || name === 'sum' || name === 'min' || name === 'max';
          const call: WindowCallInput = {
            name,
            ordering: 0,
            frame: f,
            args: name === 'nth_value' ? [rows.map((r) => r.x), rows.map(() => BigInt(nth))] : [rows.map((r) => r.x)],
            filter: aggregate ? Uint8Array.from(rows.map((r) => (r.keep ? 1 : 0))) : undefined,
            collation: 'BINARY',
          };
          const keys = { partition: [rows.map((r) => r.part)], order: [rows.map((r) => r.key)] };
          const got = evaluateWindows(rows.length, [{ spec: { partition: ['BINARY'], order: [k] }, keys }], [call]);
          expect(got.values[0]).toEqual(model(rows, f, k, name, nth));
        },
      ),
      { numRuns: 1500 },
    );
  });

});
