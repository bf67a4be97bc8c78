/**
 * VIRTUAL generated columns for the row API (api/table-rows.ts), which works on public values
 * (integers as numbers when safe) with their storage classes: the row goes to executor values,
 * its VIRTUAL columns are computed, and they come back as public values with their classes.
 * Loaded on demand, so that reading tables without them does not pull in the compiler.
 */
import type { SqlValue, StorageClass } from '../../record/value.js';
import type { TableInfo } from '../../schema/schema-types.js';
import { fromStored, storageClassOf, toPublic, type Value } from '../value.js';
import { generatedColumns } from './generated-columns.js';

/** Fills the VIRTUAL columns of public rows of `table` (undefined when it has none). */
export type VirtualFiller = (values: SqlValue[], classes: StorageClass[]) => void;

export function virtualFiller(table: TableInfo): VirtualFiller | undefined {
  const generated = generatedColumns(table);
  if (generated?.hasVirtual !== true) return undefined;
  generated.virtualSteps(); // a loop is an error before the first row
  const virtual = table.columns.flatMap((c, i) => (c.hidden === 2 ? [i] : []));
  const row: Value[] = [];
  return (values, classes) => {
    for (let i = 0; i < values.length; i++) row[i] = fromStored(values[i] ?? null, classes[i] ?? 'null');
    generated.computeVirtual(row);
    for (const i of virtual) {
      const v = row[i] ?? null;
      values[i] = toPublic(v);
      classes[i] = storageClassOf(v);
    }
  };
}
