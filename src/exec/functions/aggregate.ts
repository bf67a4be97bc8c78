/**
 * Aggregate functions (https://www.sqlite.org/lang_aggfunc.html): count, sum, total, avg,
 * min, max, group_concat/string_agg; json_group_array/json_group_object live in json/. sum/total/avg add INTEGERs exactly while they fit and
 * switch to Kahan–Babuška–Neumaier summation on the first REAL (or on overflow), as SQLite's
 * func.c does, so the rounding of the results matches SQLite's.
 */
import { SqliteError } from '../../errors.js';
import type { Value } from '../value.js';
import { compareForSort } from '../expr/compare.js';
import { ValueSet } from '../expr/value-set.js';
import { createJsonAggregate } from './json/json-aggregates.js';
import type { JsonArgKind } from './json/json-call.js';
import { INT64_MAX, INT64_MIN, numericAffinityText, toInt, toReal, valueToText, inInt64 } from '../expr/value-ops.js';

export interface Aggregate {
  step(args: Value[]): void;
  final(): Value;
}

const AGGREGATES: Record<string, { min: number; max: number }> = {
  count: { min: 0, max: 1 },
  sum: { min: 1, max: 1 },
  total: { min: 1, max: 1 },
  avg: { min: 1, max: 1 },
  min: { min: 1, max: 1 },
  max: { min: 1, max: 1 },
  group_concat: { min: 1, max: 2 },
  string_agg: { min: 2, max: 2 },
  json_group_array: { min: 1, max: 1 },
  json_group_object: { min: 2, max: 2 },
  jsonb_group_array: { min: 1, max: 1 },
  jsonb_group_object: { min: 2, max: 2 },
};

/** Whether `name` with `argc` arguments (−1: any) names an aggregate (min/max only with one). */
export function isAggregateFunction(name: string, argc: number): boolean {
  const spec = AGGREGATES[name.toLowerCase()];
  if (spec === undefined) return false;
  if (argc < 0) return true;
  if ((name === 'min' || name === 'max') && argc !== 1) return false;
  if (argc < spec.min || argc > spec.max) {
    throw new SqliteError('SQLITE_ERROR', `wrong number of arguments to function ${name}()`);
  }
  return true;
}

/**
 * A fresh accumulator for one group; undefined when `name`/`argc` is not an aggregate.
 * `collation` is the argument's collating sequence (min/max ordering, DISTINCT equality).
 */
export function createAggregate(
  name: string,
  distinct: boolean,
  argc: number,
  collation = 'BINARY',
  jsonArgs?: readonly JsonArgKind[],
): Aggregate | undefined {
  const lower = name.toLowerCase();
  const spec = AGGREGATES[lower];
  if (spec === undefined || argc < spec.min || argc > spec.max) return undefined;
  const inner = createJsonAggregate(lower, jsonArgs) ?? createPlain(lower, argc, collation);
  if (inner === undefined || !distinct) return inner;
  const seen = new ValueSet([], undefined, collation);
  return {
    step(args) {
      const v = args[0] ?? null;
      if (v !== null) {
        if (seen.has(v) === true) return;
        seen.add(v);
      }
      inner.step(args);
    },
    final: () => inner.final(),
  };
}

function createPlain(name: string, argc: number, collation: string): Aggregate | undefined {
  switch (name) {
    case 'count': {
      let n = 0n;
      return {
        step(args) {
          if (argc === 0 || (args[0] ?? null) !== null) n++;
        },
        final: () => n,
      };
    }
    case 'sum':
    case 'total':
    case 'avg': {
      const s = new KbnSum();
      return { step: (args) => s.step(args[0] ?? null), final: () => (name === 'sum' ? s.sum() : name === 'total' ? s.total() : s.avg()) };
    }
    case 'min':
    case 'max': {
      let best: Value = null;
      const sign = name === 'min' ? 1 : -1;
      return {
        step(args) {
          const v = args[0] ?? null;
          if (v === null) return;
          if (best === null || sign * compareForSort(v, best, collation) < 0) best = v;
        },
        final: () => best,
      };
    }
    case 'group_concat':
    case 'string_agg': {
      let acc: string | null = null;
      return {
        step(args) {
          const v = args[0] ?? null;
          if (v === null) return;
          const text = valueToText(v)!;
          if (acc === null) acc = text;
          else {
            const sep = argc === 2 ? valueToText(args[1] ?? null) ?? '' : ',';
            acc += sep + text;
          }
        },
        final: () => acc,
      };
    }
  }
  return undefined;
}

const BIG = 4503599627370496n; // 2^52: beyond it an int64 does not convert to a double exactly

/** SumCtx of SQLite's func.c (exported for the window functions, which also remove values). */
export class KbnSum {
  private count = 0;
  private approx = false;
  private overflow = false;
  private iSum = 0n;
  private rSum = 0;
  private rErr = 0;

  step(v: Value): void {
    if (v === null) return;
    // sqlite3_value_numeric_type: numeric-looking text counts as its number.
    const n = typeof v === 'string' ? numericAffinityText(v, false) : v;
    this.count++;
    if (!this.approx) {
      if (typeof n !== 'bigint') {
        this.init(this.iSum);
        this.approx = true;
        this.kbn(toReal(n));
      } else {
        const x = this.iSum + n;
        if (inInt64(x)) this.iSum = x;
        else {
          this.overflow = true;
          this.init(this.iSum);
          this.approx = true;
          this.kbnInt(n);
        }
      }
    } else if (typeof n === 'bigint') {
      this.kbnInt(n);
    } else {
      this.overflow = false;
      this.kbn(toReal(n));
    }
  }

  /**
   * sumInverse: takes `v` out again (a row leaving a window frame). As in SQLite, a sum that
   * once became approximate (a REAL, or an overflow) stays approximate.
   */
  inverse(v: Value): void {
    if (v === null) return;
    const n = typeof v === 'string' ? numericAffinityText(v, false) : v;
    this.count--;
    if (!this.approx) {
      // i64 arithmetic wraps in SQLite's C code here.
      this.iSum = BigInt.asIntN(64, this.iSum - (typeof n === 'bigint' ? n : toInt(n)));
    } else if (typeof n === 'bigint') {
      if (n === INT64_MIN) {
        this.kbnInt(INT64_MAX);
        this.kbnInt(1n);
      } else this.kbnInt(-n);
    } else {
      this.kbn(-toReal(n));
    }
  }

  private init(i: bigint): void {
    if (i <= -BIG || i >= BIG) {
      const small = i % 16384n;
      this.rSum = Number(i - small);
      this.rErr = Number(small);
    } else {
      this.rSum = Number(i);
      this.rErr = 0;
    }
  }

  private kbn(r: number): void {
    const s = this.rSum;
    const t = s + r;
    if (Math.abs(s) > Math.abs(r)) this.rErr += s - t + r;
    else this.rErr += r - t + s;
    this.rSum = t;
  }

  private kbnInt(i: bigint): void {
    if (i <= -BIG || i >= BIG) {
      const small = i % 16384n;
      this.kbn(Number(i - small));
      this.kbn(Number(small));
    } else {
      this.kbn(Number(i));
    }
  }

  private real(): number {
    return Number.isFinite(this.rErr) ? this.rSum + this.rErr : this.rSum;
  }

  sum(): Value {
    if (this.count === 0) return null;
    if (!this.approx) return this.iSum;
    if (this.overflow) throw new SqliteError('SQLITE_ERROR', 'integer overflow');
    return nanToNull(this.real());
  }

  total(): Value {
    if (this.count === 0) return 0;
    return nanToNull(this.approx ? this.real() : Number(this.iSum));
  }

  avg(): Value {
    if (this.count === 0) return null;
    return nanToNull((this.approx ? this.real() : Number(this.iSum)) / this.count);
  }
}

function nanToNull(r: number): Value {
  return Number.isNaN(r) ? null : r;
}
