import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { limiter, mapLimit } from '../../src/store/concurrency.js';

/** Resolves after a few microtask/macrotask turns so that tasks overlap in varied ways. */
function pause(turns: number): Promise<void> {
  return turns === 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, turns));
}

describe('mapLimit', () => {
  it('never exceeds the limit, keeps input order, and runs every item once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 8 }),
        async (delays, limit) => {
          let active = 0;
          let peak = 0;
          const calls: number[] = [];
          const out = await mapLimit(delays, limit, async (delay, i) => {
            calls.push(i);
            active++;
            peak = Math.max(peak, active);
            await pause(delay);
            active--;
            return i * 10 + delay;
          });
          expect(out).toEqual(delays.map((d, i) => i * 10 + d));
          expect(peak).toBeLessThanOrEqual(limit);
          expect(peak).toBe(Math.min(limit, delays.length));
          expect([...calls].sort((a, b) => a - b)).toEqual(delays.map((_, i) => i));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('accepts any iterable, including a generator, pulling it lazily', async () => {
    function* gen(): Generator<string> {
      yield 'a';
      yield 'b';
      yield 'c';
    }
    expect(await mapLimit(gen(), 2, async (s, i) => `${s}${i}`)).toEqual(['a0', 'b1', 'c2']);
    expect(await mapLimit(new Set<number>(), 3, async (n) => n)).toEqual([]);
  });

  it('rethrows the first failure, starts nothing after it, and waits for in-flight work', async () => {
    const started: number[] = [];
    const settled: number[] = [];
    const boom = new Error('boom at 3');
    const promise = mapLimit(Array.from({ length: 20 }, (_, i) => i), 4, async (i) => {
      started.push(i);
      // Item 3 fails fast; the others in flight take longer and must still settle first.
      if (i === 3) throw boom;
      if (i === 5) throw new Error('a later failure must not win');
      await pause(5);
      settled.push(i);
      return i;
    });
    await expect(promise).rejects.toBe(boom);
    // 0..3 were launched together; once 3 failed, nothing new was launched.
    expect(started.sort((a, b) => a - b)).toEqual([0, 1, 2, 3]);
    expect(settled.sort((a, b) => a - b)).toEqual([0, 1, 2]);
  });

  it('treats a throwing iterator like a throwing task', async () => {
    function* bad(): Generator<number> {
      yield 1;
      throw new Error('iterator broke');
    }
    await expect(mapLimit(bad(), 2, async (n) => n)).rejects.toThrow('iterator broke');
  });

  it('rejects a limit that is not a positive integer', async () => {
    await expect(mapLimit([1], 0, async (n) => n)).rejects.toThrow(/positive integer/);
    await expect(mapLimit([1], 1.5, async (n) => n)).rejects.toThrow(/positive integer/);
  });
});

describe('limiter', () => {
  it('runs at most `limit` tasks at once, in FIFO order, and isolates failures', async () => {
    const run = limiter(2);
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    const task = (i: number) => async (): Promise<number> => {
      order.push(i);
      active++;
      peak = Math.max(peak, active);
      await pause(2);
      active--;
      if (i === 4) throw new Error('task 4 failed');
      return i;
    };
    const results = await Promise.allSettled([0, 1, 2, 3, 4, 5, 6].map((i) => run(task(i))));
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled',
    ]);
    // The limiter is still usable after a failure, and frees its slots.
    expect(await run(async () => 'again')).toBe('again');
  });

  it('rejects a limit that is not a positive integer', () => {
    expect(() => limiter(0)).toThrow(/positive integer/);
  });
});
