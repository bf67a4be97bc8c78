/** Test helpers: open database bytes for the SELECT executor and run a query to typed rows. */
import { prepareQuery, type Statement } from '../../../src/api/statement.js';
import { readSchemaRows } from '../../../src/api/schema-rows.js';
import { BytesPageFile } from '../../../src/pager/page-file.js';
import { Pager } from '../../../src/pager/pager.js';
import type { SqlValue, StorageClass } from '../../../src/record/value.js';
import { readSchema } from '../../../src/schema/read-schema.js';
import type { QueryContext } from '../../../src/exec/select/query-types.js';
import { storageClassOf, toPublic } from '../../../src/exec/value.js';

export async function openBytes(bytes: Uint8Array, cacheBytes?: number): Promise<QueryContext> {
  const pager = await Pager.open(new BytesPageFile(bytes), cacheBytes === undefined ? {} : { cacheBytes });
  const schema = readSchema(await readSchemaRows(pager));
  return { pager, schema };
}

export interface TypedResult {
  values: SqlValue[];
  classes: StorageClass[];
}

export async function runTyped(ctx: QueryContext, sql: string, params?: readonly unknown[]): Promise<TypedResult[]> {
  const stmt: Statement = prepareQuery(ctx, sql);
  const out: TypedResult[] = [];
  for await (const { values } of stmt.typedIterate(params)) {
    out.push({ values: values.map(toPublic), classes: values.map(storageClassOf) });
  }
  return out;
}

/** A stable text form of a typed row, for comparing results as multisets. */
export function rowText(r: TypedResult): string {
  return JSON.stringify(
    r.values.map((v, i) => {
      const c = r.classes[i];
      if (v instanceof Uint8Array) return `${c}:x${Array.from(v, (b) => b.toString(16).padStart(2, '0')).join('')}`;
      if (typeof v === 'number' && Object.is(v, -0)) return `${c}:-0`;
      return `${c}:${String(v)}`;
    }),
  );
}
