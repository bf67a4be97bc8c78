/**
 * The bulk load's INSERT without the executor: `INSERT INTO t [(cols)] VALUES (?, 'x', …)` into a
 * plain rowid table, the new row appended after the table's last row, inside a transaction.
 *
 * Whether a statement qualifies is decided once per (statement, schema) by `appendPlanFor`: one
 * VALUES row of parameters and literals; a table of this database (no TEMP database, no
 * qualifier) that is not STRICT, has no index (so no UNIQUE), no CHECK, no generated column, no
 * AUTOINCREMENT, no trigger; no UPSERT, RETURNING or WITH; the rowid given by a parameter or not
 * at all; every column left out has a constant DEFAULT. Such a statement can only fail on a NOT
 * NULL column, and needs no statement savepoint (statement-rules.ts `needsSavepoint`).
 *
 * Each run (`AppendPlan.append`) binds the caller's values straight into the record — column
 * affinity applied as the executor applies it, without BigInts for integers that fit a double —
 * measures it and writes the cell into the free gap of the table's right-most leaf (or, when that
 * is full, into a new leaf after it: balance_quick), the rowid being the last one + 1 or the one
 * given past it (kept as a number). Anything else answers NOT_APPENDED before changing anything
 * but dirty copies of the leaf and its parent: a NULL in a NOT NULL column, values bound by name
 * or too many of them, a given rowid not past the largest, a full leaf that balance_quick cannot
 * take without a Promise (a full root leaf or parent, a freelist to allocate from), a row that
 * spills to overflow pages, a rowid past 2^53, pages not cached. The caller then runs the
 * statement through the executor (insert.ts), which decides (and reports errors) as always.
 *
 * A property test (test/exec/dml/insert-append.test.ts) checks the results, values and storage
 * classes against sql.js at the boundary between the two paths.
 */
import { isUnderfull, pageFree, reserveCellInPlace } from '../../btree/cell-space.js';
import { NOT_CACHED, rightEdgeCached } from '../../btree/write-path.js';
import { readU16, readU32, writeU16, writeU32 } from '../../format/bytes.js';
import type { Pager } from '../../pager/pager.js';
import { varintLength, writeVarint } from '../../format/varint.js';
import { INT_SIZES, putFloat, putInt, putInt64 } from '../../record/field-bytes.js';
import { integerSerialType, serialTypeSize } from '../../record/serial-type.js';
import { textByteLength, writeText, type TextEncoding } from '../../record/text-encoding.js';
import { asciiLower, type Affinity } from '../../schema/affinity.js';
import type { Schema } from '../../schema/read-schema.js';
import type { TableInfo } from '../../schema/schema-types.js';
import type { Expr, InsertStatement } from '../../sql/ast.js';
import { fromPublic, type Value } from '../value.js';
import { hasForeignKeys } from './foreign-key-schema.js';
import { insertTargets } from './insert-rows.js';
import { columnDefault, recordLayout, withAffinity } from './row-codec.js';

/** `append`'s answer when the row was not written (the general path takes the statement). */
export const NOT_APPENDED = -1;

/** Where a record field's value comes from (`source`): ≥ 0 a parameter's position; these, else. */
const FROM_NULL = -1; // the rowid alias (stored as NULL)
const FROM_CONSTANT = -2; // a literal or DEFAULT, affinity applied (in `constants`)

/** Affinity codes (`affinity`). */
const A_BLOB = 0;
const A_TEXT = 1;
const A_NUMERIC = 2; // NUMERIC and INTEGER store alike
const A_REAL = 3;

const AFFINITY_CODE: Record<Affinity, number> = { BLOB: A_BLOB, TEXT: A_TEXT, NUMERIC: A_NUMERIC, INTEGER: A_NUMERIC, REAL: A_REAL };
const AFFINITY_NAME: readonly Affinity[] = ['BLOB', 'TEXT', 'NUMERIC', 'REAL'];

/** REAL columns store integral values in [-2^47, 2^47) as integers (SQLite's IntReal; row-codec.ts). */
const INT_REAL_LIMIT = 2 ** 47;
const MAX_INT64 = (1n << 63n) - 1n;
const MIN_INT64 = -(1n << 63n);
const SERIAL_FLOAT = 7;



export class AppendPlan {
  /** The table b-tree's root page. */
  readonly root: number;
  /** The table has foreign keys (as child or parent): with PRAGMA foreign_keys on, the general path checks them. */
  readonly foreignKeys: boolean;
  /** Record fields in storage order (= declared order: no generated columns here). */
  private readonly fields: number;
  private readonly source: Int32Array;
  private readonly affinity: Uint8Array;
  private readonly notNull: Uint8Array;
  /** Per field from a constant: its value (affinity applied). */
  private readonly constants: Value[];
  /** Parameters the statement has (more given: the general path reports it). */
  private readonly paramCount: number;
  /** The parameter that gives the rowid (the INTEGER PRIMARY KEY's or `rowid`'s), or -1. */
  private readonly rowidParam: number;
  /** The last row appended: its pager, leaf, rowid, and the pager's write stamp after it (unchanged: nothing moved). */
  private pager: Pager | undefined;
  /** The right edge's pages, root first (the last one: the right-most leaf). */
  private path: number[] = [];
  private last = 0;
  private stamp = -1;
  /**
   * The record being written (`measure`, then `write`): per field its serial type, the number it
   * writes (integers that fit a double and REALs), or its value (text, blob, a 64-bit integer
   * beyond a double: NaN in `numbers`).
   */
  private readonly types: Float64Array;
  private readonly numbers: Float64Array;
  private readonly values: Value[];

  constructor(table: TableInfo, sourceOf: readonly number[], constants: Value[], paramCount: number, rowidParam: number, foreignKeys: boolean) {
    this.root = table.rootPage;
    this.foreignKeys = foreignKeys;
    const order = recordLayout(table).order;
    const n = order.length;
    this.fields = n;
    this.types = new Float64Array(n);
    this.numbers = new Float64Array(n);
    this.values = new Array<Value>(n).fill(null);
    this.source = new Int32Array(n);
    this.affinity = new Uint8Array(n);
    this.notNull = new Uint8Array(n);
    this.constants = new Array<Value>(n).fill(null);
    for (let f = 0; f < n; f++) {
      const col = order[f]!;
      if (col < 0) {
        this.source[f] = FROM_NULL;
        continue;
      }
      const c = table.columns[col]!;
      this.affinity[f] = AFFINITY_CODE[c.affinity];
      this.notNull[f] = c.notNull ? 1 : 0;
      const at = sourceOf[col]!;
      this.source[f] = at >= 0 ? at : FROM_CONSTANT;
      if (at < 0) this.constants[f] = constants[col] ?? null;
    }
    this.paramCount = paramCount;
    this.rowidParam = rowidParam;
  }

  /**
   * Appends the row of `params` (as the caller bound them: an array, or undefined for none) to
   * the table in `pager`'s open write transaction: its rowid (a number), or NOT_APPENDED with
   * nothing written (see the header).
   */
  append(pager: Pager, params: unknown, encoding: TextEncoding): number {
    let given = 0;
    let list: readonly unknown[] = NO_PARAMS;
    if (params !== undefined) {
      if (!Array.isArray(params)) return NOT_APPENDED;
      list = params;
      given = list.length;
      if (given > this.paramCount) return NOT_APPENDED;
    }
    // The table's largest rowid and the leaf it is on: this plan's last append while nothing
    // changed any page since, else the table's right edge.
    let last: number;
    if (this.pager === pager && this.stamp === pager.writeStamp) last = this.last;
    else {
      const edge = rightEdgeCached(pager, this.root);
      if (edge === NOT_CACHED || edge.last === null || typeof edge.last === 'bigint') return NOT_APPENDED;
      last = edge.last ?? 0;
      this.path = edge.path.steps.map((step) => step.pgno);
      this.pager = undefined;
    }
    const path = this.path;
    let leaf = path[path.length - 1]!;
    // The rowid: max + 1, or the one given when it is past the largest (else the general path
    // decides: a conflict, a mismatch, a rowid to insert in the middle). Positive and below 2^53
    // here (a negative one, max + 1 of a table of negative rowids, takes the general path too).
    const at = this.rowidParam;
    const explicit = at >= 0 && at < given ? list[at] : null;
    const rowid = explicit === null || explicit === undefined ? last + 1 : givenRowid(explicit);
    if (rowid <= last || rowid < 1 || rowid >= Number.MAX_SAFE_INTEGER) return NOT_APPENDED;
    const size = this.measure(list, given, encoding);
    if (size < 0) return this.notAppended();
    const usable = pager.usableSize;
    // A table leaf keeps at most usable - 35 payload bytes in the cell (more spills).
    if (size > usable - 35) return this.notAppended();
    const page = pager.writableCached(leaf);
    if (page === undefined) return this.notAppended();
    const h = leaf === 1 ? 100 : 0;
    if (page[h] !== 0x0d) return this.notAppended();
    const cellSize = Math.max(4, varintLength(size) + varintLength(rowid) + size);
    let target = page;
    let cell = reserveCellInPlace(page, leaf, usable, readU16(page, h + 3), cellSize);
    if (cell < 0) {
      // The leaf is full: the row starts a new right-most leaf (balance_quick).
      const fresh = last > 0 ? balanceQuickNow(pager, path, last, cellSize) : undefined;
      if (fresh === undefined) return this.notAppended();
      leaf = fresh.pgno;
      target = fresh.data;
      cell = usable - cellSize;
      path[path.length - 1] = leaf;
    }
    let off = cell + writeVarint(target, cell, size);
    off += writeVarint(target, off, rowid);
    this.write(target, off);
    if (off + size < cell + cellSize) target.fill(0, off + size, cell + cellSize);
    this.pager = pager;
    this.last = rowid;
    this.stamp = pager.writeStamp;
    return rowid;
  }

  /** NOT_APPENDED, the scratch let go of the caller's values. */
  private notAppended(): number {
    this.values.fill(null);
    return NOT_APPENDED;
  }

  /**
   * Binds field by field into the scratch (column affinity applied) and returns the record's
   * size; -1 for a NULL in a NOT NULL column (the general path applies the conflict clause).
   */
  private measure(params: readonly unknown[], given: number, encoding: TextEncoding): number {
    const n = this.fields;
    const { types, numbers, values } = this;
    let hdrBytes = 0;
    let bodyBytes = 0;
    for (let f = 0; f < n; f++) {
      const src = this.source[f]!;
      let type = 0;
      let size = 0;
      if (src < 0) {
        // The rowid alias (NULL), or a constant (an executor value, affinity applied).
        if (src === FROM_CONSTANT) {
          type = this.stored(f, this.constants[f]!, encoding);
          size = serialTypeSize(type);
        }
      } else {
        const v = src < given ? params[src] : null;
        const aff = this.affinity[f]!;
        if (typeof v === 'string' && (aff === A_TEXT || aff === A_BLOB)) {
          size = textByteLength(v, encoding);
          type = size * 2 + 13;
          values[f] = v;
        } else if (typeof v === 'number' && v === v && aff !== A_TEXT) {
          // What fromPublic + withAffinity make of a JavaScript number, without its BigInt: a
          // safe integer is an INTEGER (-0 too under NUMERIC; under BLOB it stays REAL -0.0);
          // REAL keeps any number, its integral values in [-2^47, 2^47) written as integers; a
          // number that is not integral stays REAL; larger integral numbers under NUMERIC or BLOB
          // take the general conversion.
          if (aff === A_REAL) {
            if (Number.isInteger(v) && v >= -INT_REAL_LIMIT && v < INT_REAL_LIMIT) {
              type = integerSerialType(v);
              size = INT_SIZES[type]!;
            } else {
              type = SERIAL_FLOAT;
              size = 8;
            }
            numbers[f] = v;
          } else if (!Number.isInteger(v)) {
            type = SERIAL_FLOAT;
            size = 8;
            numbers[f] = v;
          } else if (Number.isSafeInteger(v) && (aff === A_NUMERIC || !Object.is(v, -0))) {
            const x = v === 0 ? 0 : v; // -0 → 0
            type = integerSerialType(x);
            size = INT_SIZES[type]!;
            numbers[f] = x;
          } else {
            type = this.bound(f, v, encoding);
            if (type < 0) return -1;
            size = serialTypeSize(type);
          }
        } else if (v === null || v === undefined) {
          if (this.notNull[f] === 1) return -1;
        } else {
          type = this.bound(f, v, encoding);
          if (type < 0) return -1;
          size = serialTypeSize(type);
        }
      }
      types[f] = type;
      hdrBytes += type < 0x80 ? 1 : varintLength(type);
      bodyBytes += size;
    }
    // The header size counts its own varint (see record.ts's encodeRecord).
    let hdrSize = hdrBytes + 1;
    if (hdrBytes > 126) {
      hdrSize = hdrBytes + varintLength(hdrBytes);
      if (varintLength(hdrSize) > varintLength(hdrBytes)) hdrSize++;
    }
    this.headerSize = hdrSize;
    this.encoding = encoding;
    return hdrSize + bodyBytes;
  }

  private headerSize = 0;
  private encoding: TextEncoding = 1;

  /**
   * Field `f` bound to `raw` the executor's way (fromPublic, then the column's affinity), for
   * what `measure` does not take directly: its serial type with the scratch set; -1 for a NULL in
   * a NOT NULL column, a value that cannot be bound or an integer beyond 64 bits (the general
   * path reports those).
   */
  private bound(f: number, raw: unknown, encoding: TextEncoding): number {
    if (typeof raw === 'bigint' ? raw < MIN_INT64 || raw > MAX_INT64 : typeof raw === 'object' ? !(raw instanceof Uint8Array) : typeof raw !== 'number' && typeof raw !== 'string' && typeof raw !== 'boolean') {
      return -1;
    }
    const v = withAffinity(fromPublic(raw), AFFINITY_NAME[this.affinity[f]!]!);
    if (v === null) return this.notNull[f] === 1 ? -1 : 0;
    return this.stored(f, v, encoding);
  }

  /** The serial type of executor value `v` (not NULL; affinity applied) as field `f`, the scratch set. */
  private stored(f: number, v: Value, encoding: TextEncoding): number {
    if (v === null) return 0;
    const { numbers, values } = this;
    if (typeof v === 'string') {
      values[f] = v;
      return textByteLength(v, encoding) * 2 + 13;
    }
    if (typeof v === 'number') {
      // NaN is never an executor value (the general path made it NULL).
      numbers[f] = v;
      if (this.affinity[f] === A_REAL && Number.isInteger(v) && v >= -INT_REAL_LIMIT && v < INT_REAL_LIMIT) return integerSerialType(v);
      return SERIAL_FLOAT;
    }
    if (typeof v === 'bigint') {
      const x = Number(v);
      if (Number.isSafeInteger(x)) numbers[f] = x;
      else {
        numbers[f] = NaN;
        values[f] = v;
      }
      return integerSerialType(v);
    }
    values[f] = v;
    return v.length * 2 + 12;
  }

  /** Writes the record just measured at `out[off…]`. */
  private write(out: Uint8Array, off: number): void {
    const n = this.fields;
    const { types, numbers, values } = this;
    const encoding = this.encoding;
    let h = off + writeVarint(out, off, this.headerSize);
    let b = off + this.headerSize;
    for (let f = 0; f < n; f++) {
      const type = types[f]!;
      h += type < 0x80 ? ((out[h] = type), 1) : writeVarint(out, h, type);
      if (type >= 12) {
        const v = values[f];
        values[f] = null;
        if (type & 1) {
          const s = v as string;
          const len = (type - 13) / 2;
          if (len === s.length && encoding === 1) {
            // ASCII (the UTF-8 length equals the UTF-16 length only then): the bytes are the char codes.
            for (let k = 0; k < len; k++) out[b + k] = s.charCodeAt(k);
          } else writeText(out, b, s, encoding);
          b += len;
        } else {
          const bytes = v as Uint8Array;
          out.set(bytes, b);
          b += bytes.length;
        }
      } else if (type === SERIAL_FLOAT) {
        putFloat(out, b, numbers[f]!);
        b += 8;
      } else if (type >= 1 && type <= 6) {
        const size = INT_SIZES[type]!;
        const x = numbers[f]!;
        if (x !== x) {
          putInt64(out, b, values[f] as bigint);
          values[f] = null;
        } else if (size === 8) putInt64(out, b, BigInt(x));
        else putInt(out, b, x, size);
        b += size;
      }
    }
  }
}

const NO_PARAMS: readonly unknown[] = [];

/**
 * SQLite's balance_quick without a Promise, as table-write.ts's `balanceQuick` does it: the
 * full right-most leaf `path[last]` (its largest rowid `largest`) gets a new right sibling, a
 * page appended to the file, which will hold the new row's cell alone (`cellSize` bytes, at the
 * end of the page: the caller writes it); the parent gets the divider (old leaf, `largest`)
 * after its last cell and the new leaf as its right child. Only where that needs nothing else:
 * a parent (not the root leaf) with room for the divider in place, not left under a third full
 * unless it is the root, and a page the pager appends without a Promise. Undefined, changing
 * nothing, otherwise (the general path balances).
 */
function balanceQuickNow(pager: Pager, path: readonly number[], largest: number, cellSize: number): { pgno: number; data: Uint8Array } | undefined {
  if (path.length < 2) return undefined;
  const leaf = path[path.length - 1]!;
  const parentPgno = path[path.length - 2]!;
  const usable = pager.usableSize;
  const parent = pager.writableCached(parentPgno);
  if (parent === undefined || parentPgno === 1 || parent[0] !== 0x05 || readU32(parent, 8) !== leaf) return undefined;
  const dividerSize = 4 + varintLength(largest);
  const free = pageFree(parent, parentPgno, usable);
  if (free < dividerSize + 2 || (path.length > 2 && isUnderfull(free - dividerSize - 2, usable))) return undefined;
  const fresh = pager.appendPageNow();
  if (fresh === undefined) return undefined;
  const at = reserveCellInPlace(parent, parentPgno, usable, readU16(parent, 3), dividerSize);
  writeU32(parent, at, leaf);
  writeVarint(parent, at + 4, largest);
  writeU32(parent, 8, fresh.pgno);
  // The new leaf: a table leaf header, one cell pointer, the cell at the end of the page.
  const data = fresh.data;
  const top = usable - cellSize;
  data[0] = 0x0d;
  writeU16(data, 3, 1);
  writeU16(data, 5, top);
  writeU16(data, 8, top);
  return fresh;
}

/** A rowid given as a safe integer (a number, not -0, or a bigint): its value; else -1 (the general path converts it, or fails). */
function givenRowid(v: unknown): number {
  if (typeof v === 'number') return Number.isSafeInteger(v) && !Object.is(v, -0) ? v : -1;
  if (typeof v === 'bigint') return v >= 1n && v < 9007199254740991n ? Number(v) : -1;
  return -1;
}

/**
 * The append plan of `stmt` (parameter-numbered: `?N`) under `schema`, or undefined when the
 * statement does not qualify (see the header). `named`: the statement has named parameters.
 */
export function appendPlanFor(stmt: InsertStatement, schema: Schema, paramCount: number, named: boolean): AppendPlan | undefined {
  if (named || stmt.upsert !== undefined || stmt.returning !== undefined || stmt.with !== undefined || stmt.table.schema !== undefined) return undefined;
  const src = stmt.source;
  if (src.kind !== 'values' || src.rows.length !== 1) return undefined;
  const key = asciiLower(stmt.table.name);
  if (key.startsWith('sqlite_')) return undefined;
  const rel = schema.relation(stmt.table.name);
  if (rel === undefined || rel.kind !== 'table' || schema.connection !== undefined) return undefined;
  const table: TableInfo = rel;
  if (
    table.withoutRowid ||
    table.strict ||
    table.autoincrement ||
    table.checks.length > 0 ||
    table.indexes.length > 0 ||
    table.rootPage < 2 ||
    table.columns.some((c) => c.generated !== undefined) ||
    schema.triggersOf(table.name).length > 0
  ) {
    return undefined;
  }
  let targets: number[];
  try {
    targets = insertTargets(table, stmt.columns);
  } catch {
    return undefined; // an unknown column: the general path reports it
  }
  const exprs = src.rows[0]!;
  if (exprs.length !== targets.length) return undefined;
  const nCol = table.columns.length;
  // A column named twice takes the last value given for it. The rowid: the INTEGER PRIMARY
  // KEY's value if it is given, else `rowid`'s (as insert.ts) — a parameter, or NULL.
  const sourceOf = new Array<number>(nCol + 1).fill(-1);
  const constants = new Array<Value>(nCol).fill(null);
  const rowidExpr: (Expr | undefined)[] = [undefined, undefined];
  for (let i = 0; i < targets.length; i++) {
    const slot = targets[i]!;
    if (slot === nCol || slot === table.rowidAlias) {
      rowidExpr[slot === nCol ? 1 : 0] = exprs[i]!;
      continue;
    }
    const p = parameterIndex(exprs[i]!, paramCount);
    if (p >= 0) {
      sourceOf[slot] = p;
      continue;
    }
    const lit = literalValue(exprs[i]!);
    if (lit === undefined) return undefined;
    sourceOf[slot] = -1;
    constants[slot] = withAffinity(lit, table.columns[slot]!.affinity);
  }
  for (let i = 0; i < nCol; i++) {
    if (i === table.rowidAlias || targets.includes(i)) continue;
    const d = columnDefault(table, i);
    if (d === undefined) return undefined; // an expression DEFAULT (CURRENT_TIMESTAMP, …)
    constants[i] = withAffinity(d, table.columns[i]!.affinity);
  }
  // A literal or DEFAULT NULL in a NOT NULL column fails (or is replaced) on every run: the general path.
  for (let i = 0; i < nCol; i++) {
    if (i !== table.rowidAlias && sourceOf[i]! < 0 && table.columns[i]!.notNull && constants[i] === null) return undefined;
  }
  const rowid = table.rowidAlias >= 0 && rowidExpr[0] !== undefined ? rowidExpr[0] : rowidExpr[1];
  let rowidParam = -1;
  if (rowid !== undefined) {
    rowidParam = parameterIndex(rowid, paramCount);
    if (rowidParam < 0 && literalValue(rowid) !== null) return undefined;
  }
  return new AppendPlan(table, sourceOf, constants, paramCount, rowidParam, hasForeignKeys(schema, table.name));
}

/** `?N`'s position (N - 1), or -1 for another expression. */
function parameterIndex(e: Expr, count: number): number {
  if (e.kind !== 'parameter' || !/^\?[1-9][0-9]*$/.test(e.name)) return -1;
  const n = Number(e.name.slice(1));
  return n <= count ? n - 1 : -1;
}

/** A literal's executor value (INTEGER as bigint), or undefined for anything else. */
function literalValue(e: Expr): Value | undefined {
  if (e.kind !== 'literal') return undefined;
  return e.type === 'integer' ? BigInt(e.value) : e.value;
}
