/**
 * Reads an R*Tree's shadow tables (ordinary tables, written by SQLite's rtree.c):
 *
 *   CREATE TABLE "x_node"(nodeno INTEGER PRIMARY KEY, data)            one row per tree node
 *   CREATE TABLE "x_rowid"(rowid INTEGER PRIMARY KEY, nodeno, a0, …)   entry → its leaf, aux values
 *   CREATE TABLE "x_parent"(nodeno INTEGER PRIMARY KEY, parentnode)    (not needed to read)
 *
 * Every node blob has the size of the root's (node 1), as SQLite requires; the node size is
 * at least 448 bytes (a 512-byte page less 64). Bytes are untrusted: a missing or misshapen
 * node is a CorruptError.
 */
import { TableCursor } from '../../btree/table-cursor.js';
import { warmRowids } from '../../btree/warm-rowids.js';
import { CorruptError, SqliteError } from '../../errors.js';
import type { Pager } from '../../pager/pager.js';
import type { TextEncoding } from '../../record/text-encoding.js';
import type { Schema } from '../../schema/read-schema.js';
import type { TableInfo } from '../../schema/schema-types.js';
import { RowDecoder } from '../select/table-decode.js';
import type { Value } from '../value.js';
import type { RtreeDef } from './rtree-def.js';

/** The smallest node SQLite makes: a 512-byte page less 64 bytes. */
const MIN_NODE_SIZE = 448;

export interface RtreeShadow {
  readonly node: TableInfo;
  readonly rowid: TableInfo;
}

/** The shadow tables of `def`, or SQLite's error when one is missing. */
export function rtreeShadow(def: RtreeDef, schema: Schema): RtreeShadow {
  const get = (suffix: string): TableInfo => {
    const t = schema.table(`${def.name}_${suffix}`);
    if (t === undefined) throw new SqliteError('SQLITE_ERROR', `no such table: main.${def.name}_${suffix}`);
    return t;
  };
  return { node: get('node'), rowid: get('rowid') };
}

export class RtreeStore {
  private readonly nodeDecoder: RowDecoder;
  private readonly rowidDecoder: RowDecoder;
  private readonly scratch: Value[] = [];
  private nodeSize: number | undefined;
  /** Nodes read by this store (one query run): each is read once. */
  private readonly cache = new Map<bigint, Uint8Array>();

  constructor(
    readonly def: RtreeDef,
    private readonly shadow: RtreeShadow,
    private readonly pager: Pager,
  ) {
    const encoding = pager.header.textEncoding as TextEncoding;
    this.nodeDecoder = new RowDecoder(shadow.node, encoding);
    this.rowidDecoder = new RowDecoder(shadow.rowid, encoding);
  }

  /** Bytes per cell: an 8-byte id and two 4-byte coordinates per dimension. */
  get cellSize(): number {
    return 8 + 8 * this.def.dims;
  }

  private corrupt(message: string): CorruptError {
    return new CorruptError(`rtree ${this.def.name}: ${message}`);
  }

  /** The columns of the row with this rowid in a shadow table, or undefined when there is none. */
  private async readRow(table: TableInfo, decoder: RowDecoder, rowid: bigint): Promise<Value[] | undefined> {
    const cursor = new TableCursor(this.pager, table.rootPage);
    if (!(await cursor.seekRowid(rowid))) return undefined;
    const payload = cursor.localPayload() ?? (await cursor.payload());
    const row = this.scratch;
    decoder.fillRow(row, 0, undefined, payload, cursor.rowid);
    return row.slice(0, table.columns.length);
  }

  /** Node `nodeno`'s blob (checked: present, a blob, the root's size, a plausible cell count). */
  async node(nodeno: bigint): Promise<Uint8Array> {
    const cached = this.cache.get(nodeno);
    if (cached !== undefined) return cached;
    const row = await this.readRow(this.shadow.node, this.nodeDecoder, nodeno);
    const data = row?.[1];
    if (nodeno === 1n) {
      const size = data instanceof Uint8Array ? data.length : 0;
      if (size < MIN_NODE_SIZE) throw this.corrupt(`undersize RTree blobs in "${this.def.name}_node"`);
      this.nodeSize = size;
    } else if (this.nodeSize === undefined) {
      await this.node(1n);
    }
    if (!(data instanceof Uint8Array)) throw this.corrupt(`node ${nodeno} is missing`);
    if (data.length !== this.nodeSize) throw this.corrupt(`node ${nodeno} is ${data.length} bytes, not ${this.nodeSize}`);
    const cells = (data[2]! << 8) | data[3]!;
    if (cells > Math.floor((data.length - 4) / this.cellSize)) throw this.corrupt(`node ${nodeno} claims ${cells} cells`);
    const copy = data.slice();
    this.cache.set(nodeno, copy);
    return copy;
  }

  /** Brings the x_node leaves of these nodes into the page cache in parallel (when more than one is not read yet). */
  async prefetch(nodenos: readonly bigint[]): Promise<void> {
    const missing = nodenos.filter((n) => !this.cache.has(n));
    if (missing.length > 1) await warmRowids(this.pager, this.shadow.node.rootPage, missing);
  }

  /** The leaf node x_rowid names for entry `rowid`, and its auxiliary values; undefined when absent. */
  async entry(rowid: bigint): Promise<{ readonly nodeno: Value; readonly aux: readonly Value[] } | undefined> {
    const row = await this.readRow(this.shadow.rowid, this.rowidDecoder, rowid);
    if (row === undefined) return undefined;
    return { nodeno: row[1] ?? null, aux: row.slice(2) };
  }
}
