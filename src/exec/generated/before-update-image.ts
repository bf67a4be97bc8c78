/**
 * The NEW row a BEFORE UPDATE trigger sees when the table has generated columns, as SQLite
 * builds it (update.c): the new values of the assigned columns; the unassigned ones only when
 * some BEFORE trigger reads them as `new.x` (or they are past the 32nd column), else NULL; and
 * the generated columns computed from that — so a generated column that reads an unassigned
 * column no trigger names shows NULL there. (After the BEFORE triggers the row is read again
 * and every generated column computed from the full row; this image is only what they see.)
 */
import { asciiLower } from '../../schema/affinity.js';
import type { TableInfo, TriggerInfo } from '../../schema/schema-types.js';
import type { Value } from '../value.js';
import { generatedColumns } from './generated-columns.js';

/** Columns named `new.x` anywhere in the triggers (WHEN and body). */
function newColumns(table: TableInfo, triggers: readonly TriggerInfo[]): Set<number> {
  const out = new Set<number>();
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return;
    if (Array.isArray(node)) {
      for (const n of node) visit(n);
      return;
    }
    const o = node as Record<string, unknown>;
    if (o.kind === 'column' && typeof o.table === 'string' && asciiLower(o.table) === 'new' && typeof o.column === 'string') {
      const key = asciiLower(o.column);
      const i = table.columns.findIndex((c) => asciiLower(c.name) === key);
      if (i >= 0) out.add(i);
      return;
    }
    for (const v of Object.values(o)) visit(v);
  };
  for (const t of triggers) visit(t.ast);
  return out;
}

const masks = new WeakMap<readonly TriggerInfo[], Set<number>>();

/**
 * `next` (the new image, with the assignments applied) as BEFORE UPDATE triggers see it;
 * `next` itself when the table has no generated columns.
 */
export function beforeUpdateImage<R extends { readonly rowid: bigint | undefined; readonly row: Value[] }>(
  table: TableInfo,
  triggers: readonly TriggerInfo[],
  assigned: readonly (readonly [number, Value])[],
  next: R,
): R {
  const generated = generatedColumns(table);
  if (generated === undefined) return next;
  let mask = masks.get(triggers);
  if (mask === undefined) {
    mask = newColumns(table, triggers);
    masks.set(triggers, mask);
  }
  const set = new Set(assigned.map(([slot]) => slot));
  const row = next.row.map((v, i) => {
    const keep = set.has(i) || mask.has(i) || i > 31 || i === table.rowidAlias || table.columns[i]!.generated !== undefined;
    return keep ? v : null;
  });
  generated.computeAll(row);
  return { ...next, row };
}
