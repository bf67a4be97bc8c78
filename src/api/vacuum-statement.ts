/**
 * VACUUM as a statement of a `Database`: `VACUUM [main]` rebuilds the database compactly
 * (exec/vacuum/vacuum-image.ts) and writes it back as one journaled transaction that rewrites
 * every page and truncates the rest away; `VACUUM INTO target` writes a compact copy, read in
 * one consistent read, to any location s3lite can write (vacuum-into.ts); `VACUUM temp` does
 * nothing (the TEMP database is in memory and nothing outside sees its pages).
 */
import { SqliteError } from '../errors.js';
import { NO_CHANGES, type StatementResult } from '../exec/dml/exec-env.js';
import { bindParameters, numberParameters, type BindParams } from '../exec/dml/params.js';
import { readConsistent } from '../pager/consistent-read.js';
import type { Pager } from '../pager/pager.js';
import type { SchemaRow } from '../schema/schema-types.js';
import type { Schema } from '../schema/read-schema.js';
import type { Statement } from '../sql/ast.js';
import type { StoreOptions } from './store-options.js';

/** What VACUUM needs of the connection running it. */
export interface VacuumHost {
  readonly pager: Pager;
  readonly inExplicitTransaction: boolean;
  readonly nextAutoVacuum: 0 | 1 | 2 | undefined;
  readonly storeOptions: StoreOptions;
  loadSchema(): Promise<{ rows: SchemaRow[]; main: Schema }>;
  beginPagerWrite(): Promise<void>;
  commitOrRollback(): Promise<void>;
  /** After the rebuild, committed or not: the schema is read anew and the pagers' transaction ended. */
  afterRebuild(): void;
}

export async function runVacuum(stmt: Statement & { kind: 'vacuum' }, params: BindParams | undefined, host: VacuumHost): Promise<StatementResult> {
  if (stmt.schema?.toLowerCase() === 'temp' && stmt.into === undefined && !host.inExplicitTransaction) return NO_CHANGES;
  if (stmt.schema !== undefined && stmt.schema.toLowerCase() !== 'main') throw new SqliteError('SQLITE_ERROR', `unknown database ${stmt.schema}`);
  if (host.inExplicitTransaction) throw new SqliteError('SQLITE_ERROR', 'cannot VACUUM from within a transaction');
  const { vacuumInPlace, vacuumCopy, vacuumTarget } = await import('../exec/vacuum/vacuum-image.js');
  if (stmt.into !== undefined) {
    // `VACUUM INTO ?` takes its file name from the bound values.
    const numbered = numberParameters(stmt);
    const into = (numbered.statement as Statement & { kind: 'vacuum' }).into!;
    const { compileExpr } = await import('../exec/expr/compile.js');
    const target = vacuumTarget(into, compileExpr, bindParameters(numbered, params));
    // One consistent read of the database, then the copy goes to its location.
    const image = await readConsistent(host.pager, async () => {
      const { rows, main } = await host.loadSchema();
      return vacuumCopy(host.pager, rows, main, host.nextAutoVacuum);
    });
    const { writeVacuumInto } = await import('./vacuum-into.js');
    await writeVacuumInto(target, image, host.storeOptions);
    return NO_CHANGES;
  }
  await host.beginPagerWrite();
  try {
    const { rows, main } = await host.loadSchema();
    await vacuumInPlace(host.pager, rows, main, host.nextAutoVacuum);
    await host.commitOrRollback();
  } finally {
    host.afterRebuild();
  }
  return NO_CHANGES;
}
