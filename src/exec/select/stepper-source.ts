/**
 * A RowSource written as a synchronous generator (a "stepper"), for access paths whose steps
 * usually need no page fetch: the generator `yield`s (undefined) when it has filled a row, and
 * `yield () => promise` when it must wait for something — the thunk is called only when the
 * consumer asks for the row that needs it (see `Later`), and the promise's value is what the
 * `yield` evaluates to. So the generator reads like the async code it replaces, with
 * `(yield () => cursor.next()) as boolean` in place of `await cursor.next()`, and a step that
 * finds everything in memory (`cursor.nextInLeaf() ?? …`) costs no Promise.
 */
import type { RowSource, Step } from './access-path.js';

/** What a stepper yields: undefined for a row, or the wait that must come first. */
export type Wait = () => Promise<unknown>;

export type Stepper = Generator<Wait | undefined, void, unknown>;

export function stepperSource(gen: Stepper): RowSource {
  const resume = (input: unknown): Step => {
    const r = gen.next(input);
    if (r.done === true) return false;
    const wait = r.value;
    if (wait === undefined) return true;
    return () => wait().then((v) => {
      const s = resume(v);
      return typeof s === 'function' ? s() : s;
    });
  };
  return {
    next: () => resume(undefined),
    close: () => {
      gen.return(undefined);
    },
  };
}
