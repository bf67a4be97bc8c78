/**
 * Reading a table-valued function in FROM: at each open (once per row of the items to its
 * left) its arguments are evaluated and its rows fill the source's slots — synchronously when
 * the function yields rows synchronously and no argument runs a subquery.
 */
import type { Value } from '../value.js';
import type { AccessPath, Later, RowSource, Step } from './access-path.js';
import type { Source } from './query-scope.js';
import type { RunContext } from './query-types.js';
import { evaluate } from './run-terms.js';
import type { TableFunctionContext } from './table-functions.js';
import type { Schema } from '../../schema/read-schema.js';

export function tableFunctionPath(s: Source, schema: Schema, file?: string): AccessPath {
  const tf = s.tableFunction!;
  const width = s.columns.length;
  return {
    // SQLite's plan names the argument constraints it uses; one per argument here.
    description: tf.fn.describe?.(s.name) ?? `SCAN ${s.name} VIRTUAL TABLE INDEX ${(1 << tf.args.length) - 1}:`,
    providesOrder: false,
    open(row: Value[], rt: RunContext): RowSource {
      const ctx: TableFunctionContext = { rt, schema, ...(file !== undefined && { file }) };
      let sync: Iterator<Value[]> | undefined;
      let async: AsyncIterator<Value[]> | undefined;
      let done = false;
      let rowid = tf.fn.rowidBase ?? 0;
      const fill = (r: Value[]): true => {
        for (let k = 0; k < width; k++) row[s.offset + k] = r[k] ?? null;
        if (s.rowidSlot !== undefined) row[s.rowidSlot] = BigInt(rowid++);
        return true;
      };
      const start = (args: readonly Value[]): void => {
        const rows = tf.fn.rows(args, ctx);
        if (Symbol.iterator in rows) sync = rows[Symbol.iterator]();
        else async = rows[Symbol.asyncIterator]();
      };
      const nextAsync: Later = async () => {
        const r = await async!.next();
        if (r.done === true) return (done = true), false;
        return fill(r.value);
      };
      const step = (): Step => {
        if (done) return false;
        if (sync !== undefined) {
          const r = sync.next();
          if (r.done === true) return (done = true), false;
          return fill(r.value);
        }
        return nextAsync;
      };
      return {
        next(): Step {
          if (sync !== undefined || async !== undefined || done) return step();
          const values: (Value | Promise<Value>)[] = tf.args.map((t) => evaluate(t, row, rt));
          if (values.every((v) => !(v instanceof Promise))) {
            start(values as Value[]);
            return step();
          }
          return async () => {
            start(await Promise.all(values));
            const r = step();
            return typeof r === 'function' ? r() : r;
          };
        },
        close() {
          done = true;
          sync?.return?.();
          async?.return?.().catch(() => undefined);
        },
      };
    },
  };
}
