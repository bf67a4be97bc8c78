/**
 * PRAGMA table_info / table_xinfo of a virtual table: the columns its module declares. An
 * rtree declares `id INT`, its coordinates `REAL` (rtree_i32: `INT`) and its auxiliary columns
 * without a type; other modules (not read here) give no rows.
 */
import type { VirtualTableInfo } from '../../schema/schema-types.js';
import type { Value } from '../value.js';
import { isRtreeModule, rtreeDef } from './rtree-def.js';

export function virtualTableInfoRows(vt: VirtualTableInfo, extended: boolean): Value[][] {
  if (!isRtreeModule(vt.module)) return [];
  return rtreeDef(vt.name, vt.module, vt.args).columns.map((c, i) => {
    const type = c.affinity === 'INTEGER' ? 'INT' : c.affinity === 'REAL' ? 'REAL' : '';
    const row: Value[] = [BigInt(i), c.name, type, 0n, null, 0n];
    if (extended) row.push(0n);
    return row;
  });
}
