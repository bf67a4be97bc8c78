/**
 * Virtual tables in FROM and as write targets: the modules this engine reads (rtree and
 * rtree_i32; their writes go through rtree-dml.ts); any other module stays refused with a clear
 * message.
 */
import { SqliteError } from '../../errors.js';
import type { Schema } from '../../schema/read-schema.js';
import type { VirtualTableInfo } from '../../schema/schema-types.js';
import type { CoreScope, Source } from '../select/query-scope.js';
import { isRtreeModule } from './rtree-def.js';
import { rtreeTableFunction } from './rtree-plan.js';

function unsupported(vt: VirtualTableInfo): SqliteError {
  return new SqliteError('SQLITE_ERROR', `virtual table module ${vt.module} is not supported`);
}

/** Adds the FROM item for virtual table `vt` (named `name`) to the scope. */
export function virtualTableSource(scope: CoreScope, vt: VirtualTableInfo, name: string, leftJoin: boolean, schema: Schema): Source {
  if (!isRtreeModule(vt.module)) throw unsupported(vt);
  const { fn, def } = rtreeTableFunction(vt, schema);
  const width = def.columns.length;
  return scope.addSource(
    {
      name,
      columns: def.columns.map((c) => ({ name: c.name, affinity: c.affinity, collation: 'BINARY' })),
      // The id is also the rowid (rowid, oid, _rowid_), in the slot after the columns.
      rowidSlot: scope.columnWidth + width,
      table: undefined,
      query: undefined,
      leftJoin,
      usingHidden: new Set(),
      tableFunction: { fn, argExprs: [], args: [] },
    },
    width + 1,
  );
}

/** The error for INSERT, UPDATE, DELETE or DROP of virtual table `vt` where it cannot be written. */
export function virtualWriteError(vt: VirtualTableInfo): SqliteError {
  if (!isRtreeModule(vt.module)) return unsupported(vt);
  return new SqliteError('SQLITE_ERROR', `virtual table ${vt.name} (module ${vt.module}) cannot be changed by this statement`);
}
