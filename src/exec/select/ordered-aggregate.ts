/**
 * Aggregates with an ORDER BY among their arguments (SQLite ≥ 3.44:
 * `group_concat(name, ', ' ORDER BY name DESC)`, `json_group_array(x ORDER BY y)`): the
 * group's rows are kept with their sort keys and handed to the aggregate in that order when
 * the group ends. Rows with equal keys keep their input order (the sort is stable).
 */
import type { Value } from '../value.js';
import type { Aggregate } from './expr-api.js';
import { compareKeys, type SortKey } from './sort-rows.js';

/**
 * Wraps `inner`: each step's `args` are the aggregate's `argc` arguments followed by one value
 * per key of `keys`.
 */
export function orderedAggregate(inner: Aggregate, argc: number, keys: readonly SortKey[]): Aggregate {
  const rows: { readonly args: Value[]; readonly key: Value[] }[] = [];
  return {
    step(args: Value[]): void {
      rows.push({ args: args.slice(0, argc), key: args.slice(argc) });
    },
    final(): Value {
      rows.sort((a, b) => compareKeys(keys, a.key, b.key));
      for (const r of rows) inner.step(r.args);
      rows.length = 0;
      return inner.final();
    },
  };
}
