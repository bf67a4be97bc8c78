/**
 * rtreecheck([schema,] table): SQLite's R*Tree integrity check (rtree.c's rtreeCheckTable),
 * with its report: "ok", or one line per problem (at most 100), in the order rtree.c finds them:
 *
 *   walk from node 1 (its first two bytes give the depth), depth-first in cell order; per node
 *     "Node N missing from database" / "Node N is too small (B bytes)" /
 *     "Rtree depth out of range (D)" (root only) / "Node N is too small for cell count of C (B bytes)"
 *   per cell, per dimension i
 *     "Dimension i of cell c on node N is corrupt"                      (min > max)
 *     "Dimension i of cell c on node N is corrupt relative to parent"   (outside the parent's box)
 *   per cell, its mapping: a child node in x_parent (child → N), an entry in x_rowid (id → N)
 *     "Mapping (K -> V) missing from %_parent table" / "Found (K -> X) in %_rowid table, expected (K -> V)"
 *   then the sizes: "Wrong number of entries in %_rowid table - expected L, actual A", same for %_parent.
 *
 * A table that is not an R*Tree: with fewer than three columns "Schema corrupt or not an rtree"
 * (a report, as in SQLite), otherwise — like a missing table or a schema other than main — the
 * error "SQL logic error". Untrusted bytes: the walk is bounded by the depth (≤ 40) and by a
 * number of node visits, so a node listed many times cannot make it run away.
 */
import { countEntries } from '../../btree/count-entries.js';
import { TableCursor } from '../../btree/table-cursor.js';
import { CorruptError, SqliteError } from '../../errors.js';
import type { Pager } from '../../pager/pager.js';
import type { TextEncoding } from '../../record/text-encoding.js';
import type { Schema } from '../../schema/read-schema.js';
import type { TableInfo } from '../../schema/schema-types.js';
import { RowDecoder } from '../select/table-decode.js';
import type { Value } from '../value.js';
import { isRtreeModule, rtreeDef } from './rtree-def.js';

/** rtree.c's RTREE_CHECK_MAX_ERROR and RTREE_MAX_DEPTH. */
const MAX_ERRORS = 100;
const MAX_DEPTH = 40;
/** Node visits beyond which the walk stops (a hostile tree listing nodes many times over). */
const MAX_VISITS = 1_000_000;

const logicError = (): SqliteError => new SqliteError('SQLITE_ERROR', 'SQL logic error');

class ShadowReader {
  private readonly decoder: RowDecoder;
  private readonly row: Value[] = [];
  constructor(
    private readonly pager: Pager,
    readonly table: TableInfo,
    encoding: TextEncoding,
  ) {
    this.decoder = new RowDecoder(table, encoding);
  }
  /** Column `column` of the row with this rowid; undefined when there is no such row. */
  async value(rowid: bigint, column: number): Promise<Value | undefined> {
    const cursor = new TableCursor(this.pager, this.table.rootPage);
    if (!(await cursor.seekRowid(rowid))) return undefined;
    const payload = cursor.localPayload() ?? (await cursor.payload());
    this.decoder.fillRow(this.row, 0, undefined, payload, cursor.rowid);
    return this.row[column] ?? null;
  }
  count(): Promise<number> {
    return countEntries(this.pager, this.table.rootPage);
  }
}

/** sqlite3_column_int64 of a value. */
function int64(v: Value): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n;
  if (typeof v === 'string') {
    const m = /^\s*[+-]?\d+/.exec(v);
    return m === null ? 0n : BigInt(m[0].trim());
  }
  return 0n;
}

/** sqlite3_column_blob of a node's data column. */
function bytesOf(v: Value): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v === null) return new Uint8Array(0);
  return new TextEncoder().encode(typeof v === 'string' ? v : String(v));
}

export async function rtreeCheck(args: readonly Value[], schema: Schema, pager: Pager): Promise<string> {
  if (args.length !== 1 && args.length !== 2) throw new SqliteError('SQLITE_ERROR', 'wrong number of arguments to function rtreecheck()');
  const db = args.length === 2 ? args[0] : 'main';
  const name = args[args.length - 1];
  if (typeof db !== 'string' || db.toLowerCase() !== 'main' || typeof name !== 'string') throw logicError();
  const encoding = pager.header.textEncoding as TextEncoding;
  const vt = schema.virtualTable(name);
  if (vt === undefined || !isRtreeModule(vt.module)) {
    const t = schema.table(name);
    if (t === undefined) throw logicError();
    const aux = schema.table(`${name}_rowid`);
    const dims = Math.trunc((t.columns.length - 1 - (aux === undefined ? 0 : aux.columns.length - 2)) / 2);
    if (dims < 1) return 'Schema corrupt or not an rtree';
    throw logicError(); // no x_node to read
  }
  const def = rtreeDef(vt.name, vt.module, vt.args);
  const shadow = (suffix: string): ShadowReader => {
    const t = schema.table(`${vt.name}_${suffix}`);
    if (t === undefined) throw logicError();
    return new ShadowReader(pager, t, encoding);
  };
  const nodes = shadow('node');
  const mappings = [shadow('parent'), shadow('rowid')] as const;
  const report: string[] = [];
  let errors = 0;
  const say = (message: string): void => {
    if (errors++ < MAX_ERRORS) report.push(message);
  };
  const dims = def.dims;
  const cellSize = 8 + dims * 8;
  let leaves = 0n;
  let interior = 0n;
  let visits = 0;

  const coord = (view: DataView, at: number): number => (def.int32 ? view.getInt32(at, false) : view.getFloat32(at, false));

  const checkCell = (node: bigint, cell: number, view: DataView, at: number, parent: { view: DataView; at: number } | undefined): void => {
    for (let i = 0; i < dims; i++) {
      const c1 = coord(view, at + 8 * i);
      const c2 = coord(view, at + 8 * i + 4);
      if (c1 > c2) say(`Dimension ${i} of cell ${cell} on node ${node} is corrupt`);
      if (parent !== undefined) {
        const p1 = coord(parent.view, parent.at + 8 * i);
        const p2 = coord(parent.view, parent.at + 8 * i + 4);
        if (c1 < p1 || c2 > p2) say(`Dimension ${i} of cell ${cell} on node ${node} is corrupt relative to parent`);
      }
    }
  };

  const checkMapping = async (leaf: boolean, key: bigint, expected: bigint): Promise<void> => {
    const table = leaf ? '%_rowid' : '%_parent';
    const v = await mappings[leaf ? 1 : 0].value(key, 1);
    if (v === undefined) say(`Mapping (${key} -> ${expected}) missing from ${table} table`);
    else if (int64(v) !== expected) say(`Found (${key} -> ${int64(v)}) in ${table} table, expected (${key} -> ${expected})`);
  };

  const checkNode = async (depthIn: number, parent: { view: DataView; at: number } | undefined, node: bigint): Promise<void> => {
    if (errors >= MAX_ERRORS) return; // nothing more would be reported
    if (++visits > MAX_VISITS) throw new CorruptError(`rtree ${vt.name}: nodes are listed more than ${MAX_VISITS} times`);
    const value = await nodes.value(node, 1);
    if (value === undefined) {
      say(`Node ${node} missing from database`);
      return;
    }
    const data = bytesOf(value);
    if (data.length < 4) {
      say(`Node ${node} is too small (${data.length} bytes)`);
      return;
    }
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    let depth = depthIn;
    if (parent === undefined) {
      depth = view.getUint16(0, false);
      if (depth > MAX_DEPTH) {
        say(`Rtree depth out of range (${depth})`);
        return;
      }
    }
    const cells = view.getUint16(2, false);
    if (4 + cells * cellSize > data.length) {
      say(`Node ${node} is too small for cell count of ${cells} (${data.length} bytes)`);
      return;
    }
    for (let i = 0; i < cells; i++) {
      const at = 4 + i * cellSize;
      const id = view.getBigInt64(at, false);
      checkCell(node, i, view, at + 8, parent);
      if (depth > 0) {
        await checkMapping(false, id, node);
        await checkNode(depth - 1, { view, at: at + 8 }, id);
        interior++;
      } else {
        await checkMapping(true, id, node);
        leaves++;
      }
    }
  };

  await checkNode(0, undefined, 1n);
  for (const [table, reader, expected] of [['_rowid', mappings[1], leaves], ['_parent', mappings[0], interior]] as const) {
    const actual = BigInt(await reader.count());
    if (actual !== expected) say(`Wrong number of entries in %${table} table - expected ${expected}, actual ${actual}`);
  }
  return report.length === 0 ? 'ok' : report.join('\n');
}
