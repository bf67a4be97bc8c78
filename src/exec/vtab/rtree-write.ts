/**
 * One row change of an R*Tree table, as rtree.c's xUpdate makes it: the values a statement
 * hands over (id, coordinates, auxiliary values) become a cell —
 *
 *   rtree       each min rounded down and each max rounded up to a float32 (rtreeValueDown /
 *               rtreeValueUp: the stored box always holds the given one)
 *   rtree_i32   sqlite3_value_int: the integer value (reals truncated) cut to 32 bits
 *   id          sqlite3_value_int64; NULL takes max(rowid) + 1
 *
 * — checked (min ≤ max per dimension: "rtree constraint failed: t.(a<=b)", whatever the conflict
 * clause but IGNORE; an id already taken: "UNIQUE constraint failed: t.id", or under REPLACE the
 * other entry is deleted first), then the old entry (UPDATE, DELETE) is deleted and the new one
 * inserted. x_rowid and x_parent are written at once; changed nodes stay in the tree's cache
 * until the statement ends (`finish`), as rtree.c's node hash does — a bulk insert so rewrites
 * the root and the upper nodes once, not once per row.
 */
import { ConstraintError } from '../../errors.js';
import type { Pager } from '../../pager/pager.js';
import type { TextEncoding } from '../../record/text-encoding.js';
import type { ConflictClause } from '../../sql/ast.js';
import { toInt, toReal } from '../expr/value-ops.js';
import type { Value } from '../value.js';
import { float32Down, float32Up, type Cell } from './rtree-cell.js';
import type { RtreeDef } from './rtree-def.js';
import { RtreeShadowIo, type RtreeFacts, type RtreeShadowTables } from './rtree-shadow.js';
import { RtreeTree, type RtreeSession } from './rtree-tree.js';

/** Per connection (pager) and table: the state rtree.c keeps in its Rtree object. */
const sessions = new WeakMap<Pager, Map<string, RtreeSession>>();

function sessionOf(pager: Pager, name: string): RtreeSession {
  let byName = sessions.get(pager);
  if (byName === undefined) sessions.set(pager, (byName = new Map()));
  const key = name.toLowerCase();
  let s = byName.get(key);
  if (s === undefined) byName.set(key, (s = { reinsertHeight: 0 }));
  return s;
}

/** A new (or re-created) table starts with a fresh state, as a new Rtree object does. */
export function resetRtreeSession(pager: Pager, name: string): void {
  sessions.get(pager)?.delete(name.toLowerCase());
}

/** What a row change did. */
export type RtreeOutcome = { readonly kind: 'written'; readonly id: bigint | undefined } | { readonly kind: 'ignored' };

export class RtreeWriter {
  private readonly io: RtreeShadowIo;
  private tree: RtreeTree | undefined;
  /**
   * The node sqlite3 3.40's rtree.c wrote last in the last row change: it writes a node when
   * its last reference goes, through an INSERT into x_node, and does not restore
   * last_insert_rowid afterwards — so after an UPDATE or DELETE of an R*Tree,
   * last_insert_rowid() is that node's number (the leaf that took the new cell; the root after
   * a delete). Undefined while no row has changed.
   */
  lastWritten: bigint | undefined;

  /** `tables`: the shadow tables as rtreeShadowTables finds them; `facts`: what the table's earlier writers learnt. */
  constructor(
    readonly def: RtreeDef,
    tables: RtreeShadowTables,
    private readonly pager: Pager,
    encoding: TextEncoding,
    facts?: RtreeFacts,
  ) {
    this.io = new RtreeShadowIo(def, tables, pager, encoding, facts);
  }

  private async treeOf(): Promise<RtreeTree> {
    this.tree ??= new RtreeTree(this.def.name, this.def, await this.io.nodeSize(), this.io, sessionOf(this.pager, this.def.name));
    return this.tree;
  }

  /** Whether entry `id` exists. */
  async has(id: bigint): Promise<boolean> {
    return (await this.io.readRowid(id)) !== undefined;
  }

  /**
   * xUpdate: deletes entry `oldId` (when given) and inserts `row` (id, the coordinates, the
   * auxiliary values; when given) under `conflict`.
   */
  async change(oldId: bigint | undefined, row: readonly Value[] | undefined, conflict: ConflictClause | undefined): Promise<RtreeOutcome> {
    const tree = await this.treeOf();
    const def = this.def;
    let cell: Cell | undefined;
    let haveId = false;
    if (row !== undefined) {
      const c: number[] = [];
      for (let k = 0; k < 2 * def.dims; k += 2) {
        const lo = row[1 + k] ?? null;
        const hi = row[2 + k] ?? null;
        const min = def.int32 ? Number(BigInt.asIntN(32, toInt(lo))) : float32Down(toReal(lo));
        const max = def.int32 ? Number(BigInt.asIntN(32, toInt(hi))) : float32Up(toReal(hi));
        if (min > max) {
          if (conflict === 'IGNORE') return { kind: 'ignored' };
          const a = def.columns[1 + k]!.name;
          const b = def.columns[2 + k]!.name;
          throw new ConstraintError('VTAB', `rtree constraint failed: ${def.name}.(${a}<=${b})`);
        }
        c.push(min, max);
      }
      cell = { id: 0n, c };
      const given = row[0] ?? null;
      if (given !== null) {
        cell.id = toInt(given);
        if ((oldId === undefined || oldId !== cell.id) && (await this.has(cell.id))) {
          if (conflict === 'REPLACE') {
            await tree.deleteEntry(cell.id);
            tree.release();
          } else if (conflict === 'IGNORE') {
            tree.release();
            return { kind: 'ignored' };
          } else {
            throw new ConstraintError('VTAB', `UNIQUE constraint failed: ${def.name}.${def.columns[0]!.name}`);
          }
        }
        haveId = true;
      }
    }
    if (oldId !== undefined) {
      await tree.deleteEntry(oldId);
      tree.release();
      this.lastWritten = 1n;
    }
    if (cell !== undefined && row !== undefined) {
      if (!haveId) cell.id = await this.io.newEntryId();
      this.lastWritten = await tree.insertEntry(cell);
      if (def.aux > 0) await this.io.writeAux(cell.id, row.slice(1 + 2 * def.dims));
    }
    tree.release();
    return { kind: 'written', id: cell?.id };
  }

  /** The end of the statement: changed nodes are written to x_node (rtree.c's xRelease/xSync). */
  async finish(): Promise<void> {
    await this.tree?.flush();
  }
}
