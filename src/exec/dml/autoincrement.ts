/**
 * AUTOINCREMENT bookkeeping in sqlite_sequence(name, seq) (https://www.sqlite.org/autoinc.html):
 * a new rowid is max(largest rowid, seq) + 1, and at the end of every INSERT statement into an
 * AUTOINCREMENT table its row is written (SQLite writes it even when no row was inserted:
 * seq = max(old seq, largest rowid inserted)).
 */
import { TableCursor } from '../../btree/table-cursor.js';
import { insertRow } from '../../btree/table-write.js';
import { CorruptError } from '../../errors.js';
import { decodeRecord } from '../../record/record.js';
import type { TableInfo } from '../../schema/schema-types.js';
import { fromStored } from '../value.js';
import { pagerOf } from '../../schema/connection-schema.js';
import type { ExecEnv } from './exec-env.js';
import { encodeValues } from './row-codec.js';

export interface SequenceRow {
  /** rowid of the table's row in sqlite_sequence, if any. */
  readonly rowid: bigint | undefined;
  readonly seq: bigint;
}

/** sqlite_sequence of the database `table` lives in (TEMP tables count in temp's). */
function sequenceTable(env: ExecEnv, table: TableInfo): TableInfo {
  const t = env.schema.homeOf(table).table('sqlite_sequence');
  if (t === undefined) throw new CorruptError('AUTOINCREMENT table without sqlite_sequence', 1);
  return t;
}

export async function readSequence(env: ExecEnv, table: TableInfo): Promise<SequenceRow> {
  const tableName = table.name;
  const seqTable = sequenceTable(env, table);
  const cur = new TableCursor(pagerOf(seqTable, env.pager), seqTable.rootPage);
  for (let ok = await cur.first(); ok; ok = await cur.next()) {
    const rec = decodeRecord(await cur.payload(), env.encoding);
    if (rec.values[0] === tableName) {
      const seq = fromStored(rec.values[1] ?? null, rec.classes[1] ?? 'null');
      return { rowid: BigInt(cur.rowid), seq: typeof seq === 'bigint' ? seq : 0n };
    }
  }
  return { rowid: undefined, seq: 0n };
}

export async function writeSequence(env: ExecEnv, table: TableInfo, before: SequenceRow, seq: bigint): Promise<void> {
  const tableName = table.name;
  const seqTable = sequenceTable(env, table);
  const pager = pagerOf(seqTable, env.pager);
  let rowid = before.rowid;
  if (rowid === undefined) {
    const cur = new TableCursor(pager, seqTable.rootPage);
    rowid = (await cur.last()) ? BigInt(cur.rowid) + 1n : 1n;
  }
  await insertRow(pager, seqTable.rootPage, rowid, encodeValues([tableName, seq], env.encoding));
}
