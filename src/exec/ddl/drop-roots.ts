/**
 * Destroying the b-trees of dropped tables and indexes, largest root page first (SQLite's
 * destroyTable order). In an auto-vacuum database a dropped root that is not the largest takes
 * the largest root's content (btree/auto-vacuum-roots.ts): the sqlite_schema row that named the
 * moved root gets the new number, as SQLite's destroyRootPage does with
 * `UPDATE sqlite_schema SET rootpage=<dropped> WHERE rootpage=<moved>`.
 */
import { TableCursor } from '../../btree/table-cursor.js';
import { insertRow } from '../../btree/table-write.js';
import { dropTree } from '../../btree/tree-admin.js';
import { decodeRecord } from '../../record/record.js';
import type { ExecEnv } from '../dml/exec-env.js';
import { encodeValues } from '../dml/row-codec.js';

/**
 * Drops the b-trees at `roots` (as the schema read before the statement names them). `moves`
 * carries root moves from earlier drops of the same statement (several DROP TABLEs in one,
 * as an R*Tree's shadow tables): a root named by its old number is found at its new one.
 */
export async function dropRoots(env: ExecEnv, roots: Iterable<number>, moves: Map<number, number> = new Map()): Promise<void> {
  const current = (r: number): number => {
    for (let guard = 0; moves.has(r) && guard < 1_000_000; guard++) r = moves.get(r)!;
    return r;
  };
  const sorted = [...new Set([...roots].map(current))].sort((a, b) => b - a);
  for (const root of sorted) {
    const moved = await dropTree(env.pager, root);
    if (moved === 0) continue;
    moves.set(moved, root);
    await renumberRoot(env, moved, root);
  }
}

/** Points the sqlite_schema row whose rootpage is `from` at `to`. */
async function renumberRoot(env: ExecEnv, from: number, to: number): Promise<void> {
  const cur = new TableCursor(env.pager, 1);
  const changed: { rowid: number | bigint; values: unknown[] }[] = [];
  for (let ok = await cur.first(); ok; ok = await cur.next()) {
    const rec = decodeRecord(await cur.payload(), env.encoding);
    const root = rec.values[3];
    if ((typeof root === 'bigint' || typeof root === 'number') && Number(root) === from) changed.push({ rowid: cur.rowid, values: [...rec.values] });
  }
  for (const row of changed) {
    row.values[3] = BigInt(to);
    await insertRow(env.pager, 1, row.rowid, encodeValues(row.values as Parameters<typeof encodeValues>[0], env.encoding));
  }
  env.pager.markSchemaChanged();
}
