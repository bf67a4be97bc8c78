/**
 * Batches of result rows and LIMIT / OFFSET over them: one Promise per batch rather than per
 * row (see CompiledQuery.batches).
 */
import { SqliteError } from '../../errors.js';
import type { Value } from '../value.js';
import { applyAffinityValue } from './expr-api.js';
import type { TrackedExpr } from './query-scope.js';
import type { RunContext } from './query-types.js';
import { evaluate } from './run-terms.js';

/** Result rows per batch at most (a batch also ends where the scan must wait for a page). */
export const MAX_BATCH = 512;

/** One batch per row of a row stream (for the queries that do not batch by themselves). */
export async function* rowBatches(rows: AsyncGenerator<Value[]>, want: number | undefined): AsyncGenerator<Value[][]> {
  if (want !== undefined && want <= 0) return;
  let n = 0;
  for await (const r of rows) {
    yield [r];
    if (want !== undefined && ++n >= want) return;
  }
}

/** A row stream from a batch stream: what `run` hands to callers that take rows one by one. */
export async function* flattenBatches(batches: AsyncGenerator<Value[][]>): AsyncGenerator<Value[]> {
  for await (const b of batches) for (const r of b) yield r;
}

/** LIMIT / OFFSET value: an integer (text that looks like one is converted), else an error. */
function integerOf(v: Value, what: string): bigint {
  const n = applyAffinityValue(v, 'NUMERIC');
  if (typeof n === 'bigint') return n;
  if (typeof n === 'number' && Number.isInteger(n)) return BigInt(n);
  throw new SqliteError('SQLITE_MISMATCH', `datatype mismatch in ${what}`);
}

/**
 * LIMIT / OFFSET of one run: `max` rows at most (-1: no limit; also capped by `want`, the
 * caller's own limit), after skipping `skip`; `cap` is how many rows a sort must keep.
 */
export async function limits(
  rt: RunContext,
  outer: readonly Value[] | undefined,
  limit: TrackedExpr | undefined,
  offset: TrackedExpr | undefined,
  want: number | undefined,
): Promise<{ max: bigint; skip: bigint; cap: number | undefined }> {
  const scratch: Value[] = outer === undefined ? [] : [...outer];
  let max = -1n;
  if (limit !== undefined) max = integerOf(await evaluate(limit, scratch, rt), 'LIMIT');
  let skip = offset === undefined ? 0n : integerOf(await evaluate(offset, scratch, rt), 'OFFSET');
  if (max === 0n) return { max, skip, cap: undefined };
  if (skip < 0n) skip = 0n;
  if (want !== undefined && (max < 0n || BigInt(want) < max)) max = BigInt(Math.max(0, want));
  // A sort feeding LIMIT keeps only the rows that can still be output.
  const capBig = max > 0n ? max + skip : undefined;
  const cap = capBig !== undefined && capBig <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(capBig) : undefined;
  return { max, skip, cap };
}

/** `limits` without LIMIT and OFFSET: no Promise. */
export function wantOnly(want: number | undefined): { max: bigint; skip: bigint; cap: number | undefined } {
  const max = want === undefined ? -1n : BigInt(Math.max(0, want));
  return { max, skip: 0n, cap: want === undefined ? undefined : Math.max(0, want) };
}

/** The rows of a batch stream after OFFSET / LIMIT (for compounds and VALUES). */
export async function* limitBatches(
  rt: RunContext,
  outer: readonly Value[] | undefined,
  limit: TrackedExpr | undefined,
  offset: TrackedExpr | undefined,
  want: number | undefined,
  rows: (cap: number | undefined) => AsyncGenerator<Value[][]>,
): AsyncGenerator<Value[][]> {
  const { max, skip: skip0, cap } = limit === undefined && offset === undefined ? wantOnly(want) : await limits(rt, outer, limit, offset, want);
  if (max === 0n) return;
  let skip = skip0;
  let produced = 0n;
  for await (const b of rows(cap)) {
    let from = 0;
    if (skip > 0n) {
      const k = skip >= BigInt(b.length) ? b.length : Number(skip);
      skip -= BigInt(k);
      from = k;
    }
    if (from >= b.length) continue;
    let part = from === 0 ? b : b.slice(from);
    if (max > 0n && produced + BigInt(part.length) >= max) {
      part = part.slice(0, Number(max - produced));
      yield part;
      return;
    }
    produced += BigInt(part.length);
    yield part;
  }
}
