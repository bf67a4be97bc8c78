/**
 * Aggregate states that can also take a row out again (SQLite's xInverse), so that a sliding
 * frame costs one step and one inverse per row instead of a recount of the whole frame:
 *
 *   count, sum, total, avg     a counter and SumCtx (aggregate.ts's KbnSum) with sumInverse
 *   group_concat, string_agg   the text and the separator lengths, groupConcatInverse
 *   min, max                   a monotonic deque (SQLite keeps an ephemeral index instead:
 *                              same answers, amortised O(1) here). Frames that start at the
 *                              partition's first row need no inverse and use the plain
 *                              aggregate, which keeps the first of equal values as SQLite does.
 *
 * Steps and inverses always come in row order (a frame's start and end only move forward), so
 * the n-th inverse takes out the n-th stepped row; the deque relies on it.
 */
import { compareForSort } from '../expr/compare.js';
import { valueToText } from '../expr/value-ops.js';
import { KbnSum } from '../functions/aggregate.js';
import type { Value } from '../value.js';

export interface InverseAggregate {
  step(args: readonly Value[]): void;
  inverse(args: readonly Value[]): void;
  /** The value for the rows stepped and not yet taken out (xValue; the state lives on). */
  value(): Value;
}

/** A factory for `name` with `argc` arguments, or undefined when it has no inverse here. */
export function inverseAggregate(name: string, argc: number, collation: string): (() => InverseAggregate) | undefined {
  switch (name) {
    case 'count':
      return () => countState(argc);
    case 'sum':
    case 'total':
    case 'avg':
      return () => sumState(name);
    case 'min':
    case 'max':
      return argc === 1 ? () => new MinMaxDeque(name === 'max', collation) : undefined;
    case 'group_concat':
    case 'string_agg':
      return () => new GroupConcat(argc === 2);
    default:
      return undefined;
  }
}

function countState(argc: number): InverseAggregate {
  let n = 0n;
  return {
    step(args) {
      if (argc === 0 || (args[0] ?? null) !== null) n++;
    },
    inverse(args) {
      if (argc === 0 || (args[0] ?? null) !== null) n--;
    },
    value: () => n,
  };
}

function sumState(name: 'sum' | 'total' | 'avg'): InverseAggregate {
  const s = new KbnSum();
  return {
    step: (args) => s.step(args[0] ?? null),
    inverse: (args) => s.inverse(args[0] ?? null),
    value: () => (name === 'sum' ? s.sum() : name === 'total' ? s.total() : s.avg()),
  };
}

/** The best value of the rows in the frame: a deque of candidates, best first. */
class MinMaxDeque implements InverseAggregate {
  private readonly ids: number[] = [];
  private readonly values: Value[] = [];
  private head = 0;
  private stepped = 0;
  private removed = 0;
  constructor(
    private readonly max: boolean,
    private readonly collation: string,
  ) {}

  /** >0 when `a` is a worse candidate than `b`. */
  private worse(a: Value, b: Value): number {
    const c = compareForSort(a, b, this.collation);
    return this.max ? -c : c;
  }

  step(args: readonly Value[]): void {
    const id = this.stepped++;
    const v = args[0] ?? null;
    if (v === null) return;
    // Drop candidates that can never be the answer again: older and not better. Of equal
    // values (under a collation: 'b' and 'B') the latest wins, as from SQLite's index.
    while (this.ids.length > this.head && this.worse(this.values[this.values.length - 1]!, v) >= 0) {
      this.ids.pop();
      this.values.pop();
    }
    this.ids.push(id);
    this.values.push(v);
  }

  inverse(): void {
    const id = this.removed++;
    if (this.ids.length > this.head && this.ids[this.head] === id) {
      this.head++;
      if (this.head > 1024 && this.head * 2 > this.ids.length) {
        this.ids.splice(0, this.head);
        this.values.splice(0, this.head);
        this.head = 0;
      }
    }
  }

  value(): Value {
    return this.ids.length > this.head ? this.values[this.head]! : null;
  }
}

/**
 * group_concat as SQLite's GroupConcatCtx does it, quirks included: the separator goes before
 * each value but the first; an inverse cuts the first value and the separator after it off the
 * front; when that leaves the text empty the next value counts as a first one again (no
 * separator). The text of values and separators is measured in UTF-16 units here and in bytes
 * there, which cuts at the same places.
 */
class GroupConcat implements InverseAggregate {
  private text = '';
  private fresh = true;
  private count = 0;
  private firstSepLength = 0;
  /** Lengths of the separators in the text, once they differ (pnSepLengths); a queue. */
  private sepLengths: number[] | undefined;
  private sepHead = 0;
  constructor(private readonly withSeparator: boolean) {}

  step(args: readonly Value[]): void {
    const v = args[0] ?? null;
    if (v === null) return;
    const first = this.fresh;
    this.fresh = false;
    if (!this.withSeparator) {
      if (!first) this.text += ',';
      else this.firstSepLength = 1;
    } else {
      const sep = valueToText(args[1] ?? null);
      if (!first) {
        const n = sep === null ? 0 : sep.length;
        if (sep !== null) this.text += sep;
        if (n !== this.firstSepLength || this.sepLengths !== undefined) {
          if (this.sepLengths === undefined) {
            this.sepLengths = new Array<number>(Math.max(0, this.count - 1)).fill(this.firstSepLength);
            this.sepHead = 0;
          }
          this.sepLengths.push(n);
        }
      } else this.firstSepLength = sep === null ? 0 : sep.length;
    }
    this.count++;
    this.text += valueToText(v)!;
  }

  inverse(args: readonly Value[]): void {
    const v = args[0] ?? null;
    if (v === null) return;
    let cut = valueToText(v)!.length;
    this.count--;
    if (this.sepLengths !== undefined) {
      if (this.count > 0) cut += this.sepLengths[this.sepHead++] ?? 0;
    } else cut += this.firstSepLength;
    this.text = cut >= this.text.length ? '' : this.text.slice(cut);
    if (this.text === '') {
      this.fresh = true;
      this.sepLengths = undefined;
    }
  }

  value(): Value {
    return this.count > 0 ? this.text : null;
  }
}
