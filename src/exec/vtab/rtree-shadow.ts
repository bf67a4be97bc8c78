/**
 * The shadow-table side of R*Tree writes: what rtree.c's prepared statements do, done on the
 * b-trees directly (the tables have no indexes, triggers or constraints of their own):
 *
 *   x_node(nodeno INTEGER PRIMARY KEY, data)          record [NULL, blob]
 *   x_rowid(rowid INTEGER PRIMARY KEY, nodeno, a0…)   record [NULL, nodeno, aux…]
 *   x_parent(nodeno INTEGER PRIMARY KEY, parentnode)  record [NULL, parentnode]
 *
 * New rowids are max + 1, as SQLite's OP_NewRowid gives them (x_node for a new node, x_rowid for
 * an entry inserted without an id). Writing x_rowid's nodeno keeps the auxiliary values (rtree.c
 * uses an upsert for that when there are any).
 */
import { TableCursor } from '../../btree/table-cursor.js';
import { deleteRow, insertRow } from '../../btree/table-write.js';
import { CorruptError, SqliteError } from '../../errors.js';
import type { Pager } from '../../pager/pager.js';
import { decodeRecord } from '../../record/record.js';
import type { TextEncoding } from '../../record/text-encoding.js';
import type { Schema } from '../../schema/read-schema.js';
import type { TableInfo } from '../../schema/schema-types.js';
import { encodeValues } from '../dml/row-codec.js';
import { fromStored, type Value } from '../value.js';
import type { RtreeDef } from './rtree-def.js';
import type { RtreeIo } from './rtree-tree.js';

/** The smallest node SQLite makes: a 512-byte page less 64 bytes. */
const MIN_NODE_SIZE = 448;
const MAX_ROWID = (1n << 63n) - 1n;

export interface RtreeShadowTables {
  readonly node: TableInfo;
  readonly rowid: TableInfo;
  readonly parent: TableInfo;
}

/** The three shadow tables of `def`, or SQLite's error naming the first one missing. */
export function rtreeShadowTables(def: RtreeDef, schema: Schema): RtreeShadowTables {
  const get = (suffix: string): TableInfo => {
    const t = schema.table(`${def.name}_${suffix}`);
    if (t === undefined) throw new SqliteError('SQLITE_ERROR', `no such table: main.${def.name}_${suffix}`);
    return t;
  };
  return { node: get('node'), rowid: get('rowid'), parent: get('parent') };
}

/**
 * What stays true of one R*Tree table while its schema entry does: its node size (the blob
 * length of every node, fixed when the table was made). Shared by the writers of successive
 * statements, so each does not read the root to learn it.
 */
export interface RtreeFacts {
  nodeSize?: number;
}

export class RtreeShadowIo implements RtreeIo {
  constructor(
    private readonly def: RtreeDef,
    private readonly tables: RtreeShadowTables,
    private readonly pager: Pager,
    private readonly encoding: TextEncoding,
    private readonly facts: RtreeFacts = {},
  ) {}

  private corrupt(message: string): CorruptError {
    return new CorruptError(`rtree ${this.def.name}: ${message}`);
  }

  /** The stored values of row `rowid` of `table`, or undefined. */
  private async row(table: TableInfo, rowid: bigint): Promise<Value[] | undefined> {
    const cur = new TableCursor(this.pager, table.rootPage);
    if (!(await cur.seekRowid(rowid))) return undefined;
    const payload = cur.localPayload() ?? (await cur.payload());
    const rec = decodeRecord(payload, this.encoding);
    return rec.values.map((v, i) => fromStored(v, rec.classes[i] ?? 'null'));
  }

  private async put(table: TableInfo, rowid: bigint, values: readonly Value[]): Promise<void> {
    await insertRow(this.pager, table.rootPage, rowid, encodeValues(values, this.encoding));
  }

  private async maxRowid(table: TableInfo): Promise<bigint> {
    const cur = new TableCursor(this.pager, table.rootPage);
    return (await cur.last()) ? BigInt(cur.rowid) : 0n;
  }

  private async nextRowid(table: TableInfo): Promise<bigint> {
    const max = await this.maxRowid(table);
    if (max >= MAX_ROWID) throw new SqliteError('SQLITE_FULL', 'database or disk is full');
    return max + 1n;
  }

  /** The node size (the root's blob length), checked as rtree.c's xConnect does. */
  async nodeSize(): Promise<number> {
    if (this.facts.nodeSize !== undefined) return this.facts.nodeSize;
    const data = (await this.row(this.tables.node, 1n))?.[1];
    const size = data instanceof Uint8Array ? data.length : 0;
    if (size < MIN_NODE_SIZE) throw this.corrupt(`undersize RTree blobs in "${this.def.name}_node"`);
    this.facts.nodeSize = size;
    return size;
  }

  async readNode(no: bigint): Promise<Uint8Array> {
    const size = await this.nodeSize();
    const data = (await this.row(this.tables.node, no))?.[1];
    if (!(data instanceof Uint8Array)) throw this.corrupt(`node ${no} is missing`);
    if (data.length !== size) throw this.corrupt(`node ${no} is ${data.length} bytes, not ${size}`);
    // decodeRecord made the blob a copy of its own (record/byte-pool.ts): the tree may change it.
    return data;
  }

  async writeNode(no: bigint, data: Uint8Array): Promise<void> {
    await this.put(this.tables.node, no, [null, data]);
  }

  async appendNode(data: Uint8Array): Promise<bigint> {
    const no = await this.nextRowid(this.tables.node);
    await this.writeNode(no, data);
    return no;
  }

  async deleteNode(no: bigint): Promise<void> {
    await deleteRow(this.pager, this.tables.node.rootPage, no);
  }

  async readRowid(id: bigint): Promise<bigint | undefined> {
    const row = await this.row(this.tables.rowid, id);
    if (row === undefined) return undefined;
    const no = row[1] ?? null;
    if (typeof no !== 'bigint') throw this.corrupt(`x_rowid names no node for ${id}`);
    return no;
  }

  /** The x_rowid row of `id` (nodeno, then the auxiliary values), or undefined. */
  async rowidRow(id: bigint): Promise<Value[] | undefined> {
    return this.row(this.tables.rowid, id);
  }

  async writeRowid(id: bigint, no: bigint): Promise<void> {
    const width = 2 + this.def.aux;
    const old = this.def.aux > 0 ? await this.row(this.tables.rowid, id) : undefined;
    const values: Value[] = new Array<Value>(width).fill(null);
    if (old !== undefined) for (let i = 2; i < width; i++) values[i] = old[i] ?? null;
    values[1] = no;
    await this.put(this.tables.rowid, id, values);
  }

  /** rtreeNewRowid: a row (max + 1, NULL, …) made now; its id. */
  async newEntryId(): Promise<bigint> {
    const id = await this.nextRowid(this.tables.rowid);
    await this.put(this.tables.rowid, id, new Array<Value>(2 + this.def.aux).fill(null));
    return id;
  }

  /** The auxiliary values of entry `id` (its row exists). */
  async writeAux(id: bigint, aux: readonly Value[]): Promise<void> {
    const old = await this.row(this.tables.rowid, id);
    if (old === undefined) return;
    const values: Value[] = [null, old[1] ?? null];
    for (let i = 0; i < this.def.aux; i++) values.push(aux[i] ?? null);
    await this.put(this.tables.rowid, id, values);
  }

  async deleteRowid(id: bigint): Promise<void> {
    await deleteRow(this.pager, this.tables.rowid.rootPage, id);
  }

  async readParent(no: bigint): Promise<bigint | undefined> {
    const row = await this.row(this.tables.parent, no);
    if (row === undefined) return undefined;
    const p = row[1] ?? null;
    return typeof p === 'bigint' ? p : undefined;
  }

  async writeParent(no: bigint, parent: bigint): Promise<void> {
    await this.put(this.tables.parent, no, [null, parent]);
  }

  async deleteParent(no: bigint): Promise<void> {
    await deleteRow(this.pager, this.tables.parent.rootPage, no);
  }
}
