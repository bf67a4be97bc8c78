/**
 * Row-level changes to one table with every index maintained and every constraint checked,
 * in the order of sqlite3GenerateConstraintChecks: NOT NULL (column order), CHECK, then the
 * rowid / PRIMARY KEY, then each UNIQUE index in schema order.
 *
 * Conflict resolution (https://www.sqlite.org/lang_conflict.html): the statement's OR clause
 * wins over the constraint's own ON CONFLICT clause; the default is ABORT. ABORT, FAIL and
 * ROLLBACK throw ConstraintError (the caller undoes the statement or the transaction); IGNORE
 * skips the row; REPLACE deletes the conflicting rows (NOT NULL: uses the column DEFAULT).
 *
 * Layouts:
 *   rowid table   table b-tree keyed by rowid, record = columns (alias as NULL)
 *                 index entry = key columns…, rowid
 *   WITHOUT ROWID index b-tree ordered by the PRIMARY KEY prefix of its records
 *                 index entry = key columns…, PK columns not among them
 */
import { IndexCursor, type PayloadCompare } from '../../btree/index-cursor.js';
import { deleteIndexEntry, insertIndexEntry, insertIndexEntryCached } from '../../btree/index-write.js';
import { TableCursor } from '../../btree/table-cursor.js';
import { deleteRow, insertRow, insertRowCached, insertRowCachedWith } from '../../btree/table-write.js';
import { lastTableRowid, normalRowid, NOT_CACHED, rightEdgeCached, type WritePath } from '../../btree/write-path.js';
import { ConstraintError, SqliteError } from '../../errors.js';
import { readU16 } from '../../format/bytes.js';
import type { Pager } from '../../pager/pager.js';
import { pageHeaderOffset } from '../../format/page-header.js';
import { resolveCollation, type CollationName } from '../../record/collation.js';
import { compareRecordToKey, type KeyInfo } from '../../record/compare.js';
import { decodeRecord } from '../../record/record.js';
import type { ConflictClause } from '../../sql/ast.js';
import type { IndexInfo, TableInfo } from '../../schema/schema-types.js';
import type { CompiledExpr, Scope } from '../expr-contract.js';
import { fromStored, type Value } from '../value.js';
import { checkLabels } from './check-labels.js';
import type { ExecEnv } from './exec-env.js';
import { checkStrictType, columnDefault, decodeTableRow, encodeTableRecord, encodeValues, indexEntryValues, recordLayout, toStored, withAffinity, type RecordLayout } from './row-codec.js';
import { measureValueRecord, writeMeasuredRecord } from './record-writer.js';
import { sameValues, type RowDiff } from './row-diff.js';
import { tableScope } from './table-scope.js';
import { constraintConflicts } from './constraint-conflicts.js';
import { isTrue } from '../expr/value-ops.js';
import { generatedColumns, type GeneratedColumns } from '../generated/generated-columns.js';
import { uniqueCheckOrder } from './unique-order.js';
import { pagerOf } from '../../schema/connection-schema.js';

/** A conflict an upsert clause handles: the clause's position and the row in the way. */
export interface UpsertHit {
  readonly clause: number;
  readonly row: StoredRow;
}

/** A row with its identity: the rowid for rowid tables. */
export interface StoredRow {
  readonly rowid: bigint | undefined;
  readonly row: Value[];
}

interface IndexPlan {
  readonly index: IndexInfo;
  readonly keyInfo: KeyInfo;
  /** Number of leading record fields that make the key proper (uniqueness is judged on them). */
  readonly keyCount: number;
  readonly partial: CompiledExpr | undefined;
}

const MAX_ROWID = (1n << 63n) - 1n;
/** What a DEFAULT expression is compiled in: it names no column. */
const NO_COLUMNS: Scope = { resolveColumn: () => undefined };

export function keyInfoOf(columns: readonly { collation: string; desc: boolean }[], env: { readonly encoding: ExecEnv['encoding'] }): KeyInfo {
  return {
    collations: columns.map((c) => resolveCollation(c.collation) as CollationName),
    desc: columns.map((c) => c.desc),
    encoding: env.encoding,
  };
}

export function recordCompare(values: readonly Value[], info: KeyInfo): PayloadCompare {
  const stored = values.map(toStored);
  const key = stored.map((s) => s.value);
  const classes = stored.map((s) => s.cls);
  return (payload) => compareRecordToKey(payload, key, classes, info);
}

export class TableWriter {
  readonly table: TableInfo;
  private readonly plans: IndexPlan[];
  private readonly checks: { fn: CompiledExpr; label: string }[];
  /** WITHOUT ROWID: the table b-tree's PK prefix order. */
  private readonly pkInfo: KeyInfo | undefined;
  private readonly notNullConflict: (ConflictClause | undefined)[];
  /** The uniqueness constraints in SQLite's order (unique-order.ts): -1 the rowid / PRIMARY KEY, else index plans. */
  private readonly uniqueOrder: readonly number[];
  /** The ON CONFLICT clause of each uniqueness constraint's definition, where it has one. */
  private readonly conflictDefaults: ReadonlyMap<number, ConflictClause>;

  private env: ExecEnv;
  private readonly hasUnique: boolean;
  /** The table's generated columns, computed into every new row image (generated-columns.ts). */
  private readonly generated: GeneratedColumns | undefined;
  /**
   * How a row in the way of a REPLACE goes, when not simply deleted: with recursive_triggers on,
   * SQLite runs the table's DELETE triggers for it (triggers.ts sets this).
   */
  replaceDelete: ((victim: StoredRow) => Promise<void>) | undefined;
  /**
   * The last row appended at the table's right edge without a Promise: its path (the leaf step
   * on its cell), its rowid, and the pager's write stamp after it. While the stamp has not moved,
   * nothing changed any page, so the next append goes one cell further on the same path — no
   * descent per row of a bulk load.
   */
  private lastAppend: { readonly pager: Pager; readonly path: WritePath; rowid: number; stamp: number } | undefined;
  /** `checkRow` has nothing to do: no NOT NULL column but the rowid alias, no STRICT, no CHECK, no generated column. */
  private readonly noRowChecks: boolean;
  /** How the table's record is laid out (row-codec.ts), looked up once. */
  private readonly layout: RecordLayout;
  /** Where the rowid `newRowidCached` last returned goes (no result object per row). */
  cachedPath: WritePath | undefined;

  /** The pager of the table's database (the TEMP database's for a TEMP table). */
  private pager: Pager;

  constructor(env: ExecEnv, table: TableInfo) {
    this.env = env;
    this.table = table;
    this.pager = pagerOf(table, env.pager);
    this.generated = generatedColumns(table);
    this.layout = recordLayout(table);
    this.generated?.allSteps(); // a generated column loop fails the statement before any row
    const scope = tableScope(table);
    this.plans = table.indexes
      .filter((ix) => ix.rootPage > 0 && !(table.withoutRowid && ix === table.primaryKeyIndex))
      .map((index) => ({
        index,
        keyInfo: keyInfoOf(index.recordColumns, env),
        keyCount: index.columns.length,
        partial: index.partial === undefined ? undefined : env.compile(index.partial, scope),
      }));
    const labels = checkLabels(table.sql);
    this.hasUnique = this.plans.some((p) => p.index.unique);
    this.checks = table.checks.map((expr, i) => ({ fn: env.compile(expr, scope), label: labels[i] ?? '' }));
    this.pkInfo = table.withoutRowid
      ? keyInfoOf(
          table.primaryKey.map((c, i) => ({ collation: table.primaryKeyCollations[i] ?? 'BINARY', desc: table.primaryKeyDesc[i] ?? false })),
          env,
        )
      : undefined;
    this.uniqueOrder = uniqueCheckOrder(table, this.plans.map((p) => p.index));
    this.conflictDefaults = constraintConflicts(table, this.plans.map((p) => p.index));
    this.noRowChecks =
      this.generated === undefined &&
      !table.strict &&
      this.checks.length === 0 &&
      table.columns.every((c, i) => !c.notNull || (i === table.rowidAlias && !table.withoutRowid));
    this.notNullConflict = table.columns.map((_c, i) => {
      const def = table.ast?.columns[i];
      const nn = def?.constraints.find((k) => k.kind === 'not-null');
      return nn !== undefined && nn.kind === 'not-null' ? nn.conflict : undefined;
    });
  }

  /**
   * Runs the writer against another statement's environment (its bound parameters, its pager
   * transaction). What the constructor derived from the schema stays valid while the schema
   * object is the same: INSERT caches writers per (statement, schema).
   */
  rebind(env: ExecEnv): void {
    this.env = env;
    this.pager = pagerOf(this.table, env.pager);
  }

  private slots(r: StoredRow): Value[] {
    return [...r.row, r.rowid ?? null];
  }

  private inIndex(plan: IndexPlan, r: StoredRow): boolean {
    return plan.partial === undefined || isTrue(plan.partial(this.slots(r), this.env.ctx));
  }

  /**
   * Computes the generated columns of a new row image (the caller shows it to BEFORE triggers;
   * `checkRow` computes them again once the rowid is known).
   */
  computeGenerated(r: StoredRow): void {
    this.generated?.computeAll(r.row);
  }

  // ── Reading rows ────────────────────────────────────────────────────────────────────────

  async readByRowid(rowid: bigint): Promise<StoredRow | undefined> {
    const cur = new TableCursor(this.pager, this.table.rootPage);
    if (!(await cur.seekRowid(rowid))) return undefined;
    return { rowid, row: decodeTableRow(this.table, rowid, await cur.payload(), this.env.encoding) };
  }

  private pkValues(row: readonly Value[]): Value[] {
    return this.table.primaryKey.map((c) => row[c] ?? null);
  }

  async readByPk(pk: readonly Value[]): Promise<StoredRow | undefined> {
    const cur = new IndexCursor(this.pager, this.table.rootPage);
    const cmp = recordCompare(pk, this.pkInfo!);
    if (!(await cur.seek(cmp, 'ge'))) return undefined;
    const payload = await cur.payload();
    if (cmp(payload) !== 0) return undefined;
    return { rowid: undefined, row: decodeTableRow(this.table, undefined, payload, this.env.encoding) };
  }

  /** Every row, read before any change (the caller filters, then changes). */
  async scan(visit: (r: StoredRow) => void | Promise<void>): Promise<void> {
    const { encoding } = this.env;
    const pager = this.pager;
    if (this.table.withoutRowid) {
      const cur = new IndexCursor(pager, this.table.rootPage);
      for (let ok = await cur.first(); ok; ok = await cur.next()) {
        const p = visit({ rowid: undefined, row: decodeTableRow(this.table, undefined, await cur.payload(), encoding) });
        if (p !== undefined) await p;
      }
      return;
    }
    const cur = new TableCursor(pager, this.table.rootPage);
    for (let ok = await cur.first(); ok; ok = await cur.next()) {
      const rowid = BigInt(cur.rowid);
      const p = visit({ rowid, row: decodeTableRow(this.table, rowid, await cur.payload(), encoding) });
      if (p !== undefined) await p;
    }
  }

  /** The row as it is now (re-read by its identity), or undefined when it is gone. */
  reread(r: StoredRow): Promise<StoredRow | undefined> {
    return this.table.withoutRowid ? this.readByPk(this.pkValues(r.row)) : this.readByRowid(r.rowid!);
  }

  /**
   * `newRowid` without a Promise when the table's right edge is cached and max + 1 is free (the
   * bulk-append case), leaving in `cachedPath` the path where that rowid goes (valid for
   * `writeStored` while the table is not changed in between); undefined otherwise (then await
   * `newRowid`).
   */
  newRowidCached(floor?: bigint): bigint | undefined {
    const pager = this.pager;
    const appended = this.lastAppend;
    if (appended !== undefined && floor === undefined) {
      // Nothing changed since this writer's last append: its path is still the right edge, and
      // the new row goes after the leaf's last cell.
      const leaf = appended.path.steps[appended.path.steps.length - 1]!;
      const page = appended.pager === pager && appended.stamp === pager.writeStamp ? pager.peekPage(leaf.pgno) : undefined;
      if (page !== undefined && appended.rowid < Number.MAX_SAFE_INTEGER) {
        leaf.idx = readU16(page, pageHeaderOffset(leaf.pgno) + 3);
        this.cachedPath = appended.path;
        return BigInt(appended.rowid + 1);
      }
      this.lastAppend = undefined;
    }
    const edge = rightEdgeCached(pager, this.table.rootPage);
    if (edge === NOT_CACHED || edge.last === null) return undefined;
    const last = edge.last ?? 0;
    this.cachedPath = edge.path;
    // One BigInt for the usual rowid (a safe integer), not three.
    if (floor === undefined && typeof last === 'number' && last < Number.MAX_SAFE_INTEGER) return BigInt(last + 1);
    let max = BigInt(last);
    if (floor !== undefined && floor > max) max = floor;
    return max < MAX_ROWID ? max + 1n : undefined;
  }

  /**
   * Whether `checkUnique` can find anything for a new row: not when its rowid is fresh (max + 1
   * or probed free) and the table has no UNIQUE index.
   */
  mayConflict(freshRowid: boolean): boolean {
    return this.table.withoutRowid || !freshRowid || this.hasUnique;
  }

  async maxRowid(): Promise<bigint> {
    const last = await lastTableRowid(this.pager, this.table.rootPage);
    if (last === undefined) return 0n;
    if (last !== null) return BigInt(last);
    // An empty right-most leaf: the cursor steps back over it.
    const cur = new TableCursor(this.pager, this.table.rootPage);
    return (await cur.last()) ? BigInt(cur.rowid) : 0n;
  }

  /** A new rowid as OP_NewRowid picks it: max + 1, or random probing once max is 2^63-1. */
  async newRowid(floor?: bigint): Promise<bigint> {
    let max = await this.maxRowid();
    if (floor !== undefined && floor > max) max = floor;
    if (max < MAX_ROWID) return max + 1n;
    if (floor !== undefined) throw new SqliteError('SQLITE_FULL', 'database or disk is full');
    const cur = new TableCursor(this.pager, this.table.rootPage);
    for (let attempt = 0; attempt < 100; attempt++) {
      // A random rowid in [1, 2^63 - 1] (52 + 11 random bits).
      const r = BigInt(Math.floor(Math.random() * 2 ** 52)) * 2048n + BigInt(Math.floor(Math.random() * 2048));
      if (r !== 0n && !(await cur.seekRowid(r))) return r;
    }
    throw new SqliteError('SQLITE_FULL', 'database or disk is full');
  }

  /**
   * What changes between the stored image `old` of a row and its new image `next` (UPDATE):
   * the identity, the record, and which index entries (see row-diff.ts). `next` must be final
   * (affinity applied, NOT NULL defaults filled in by `checkRow`).
   */
  diff(old: StoredRow, next: StoredRow): RowDiff {
    const t = this.table;
    const identity = t.withoutRowid ? !sameValues(this.pkValues(old.row), this.pkValues(next.row)) : old.rowid !== next.rowid;
    const record = identity || !sameValues(old.row, next.row);
    const entries = this.plans.map((plan) => {
      const was = this.inIndex(plan, old);
      if (was !== this.inIndex(plan, next)) return true;
      if (!was) return false;
      if (!record) return false; // the entry is a function of the row (and the rowid)
      const a = indexEntryValues(plan.index, t, old.row, old.rowid);
      const b = indexEntryValues(plan.index, t, next.row, next.rowid);
      return !sameValues(a, b);
    });
    return { identity, record, entries };
  }

  // ── Constraints ─────────────────────────────────────────────────────────────────────────

  /**
   * NOT NULL and CHECK for a new row image. Returns false when the row is to be skipped
   * (IGNORE); may replace NULLs by defaults (REPLACE); throws ConstraintError otherwise.
   */
  checkRow(r: StoredRow, orClause: ConflictClause | undefined): boolean {
    if (this.noRowChecks) return true;
    const t = this.table;
    const g = this.generated;
    if (g !== undefined) g.computeAll(r.row);
    // NOT NULL as SQLite's two passes (sqlite3GenerateConstraintChecks). The first: the stored
    // columns in order — IGNORE skips the row, REPLACE puts in the column's DEFAULT (without a
    // DEFAULT clause it is ABORT), anything else fails. The second, when there are generated
    // columns or a REPLACE's DEFAULT was NULL: those REPLACE columns, now as ABORT, and the
    // generated columns (computed again after a REPLACE changed their inputs), in column order.
    let replaced = false;
    let again: number[] | undefined;
    const n = t.columns.length;
    for (let i = 0; i < n; i++) {
      const col = t.columns[i]!;
      if (col.generated !== undefined || !col.notNull || (i === t.rowidAlias && !t.withoutRowid) || r.row[i] !== null) continue;
      const action = orClause ?? this.notNullConflict[i] ?? 'ABORT';
      if (action === 'IGNORE') return false;
      if (action === 'REPLACE' && col.defaultExpr !== undefined) {
        const d = this.defaultValue(i);
        if (d === null) (again ??= []).push(i);
        else {
          r.row[i] = withAffinity(d, col.affinity);
          replaced = true;
        }
        continue;
      }
      throw this.notNullError(i);
    }
    if (g !== undefined || again !== undefined) {
      if (replaced && g !== undefined) g.computeAll(r.row);
      for (let i = 0; i < n; i++) {
        const col = t.columns[i]!;
        if (again?.includes(i) === true) throw this.notNullError(i);
        if (col.generated === undefined || !col.notNull || r.row[i] !== null) continue;
        // A generated column has no DEFAULT: REPLACE fails as ABORT.
        if ((orClause ?? this.notNullConflict[i] ?? 'ABORT') === 'IGNORE') return false;
        throw this.notNullError(i);
      }
    }
    // SQLite's order: NOT NULL, then the STRICT types (the written columns in order, then the
    // generated ones), then CHECK.
    if (t.strict) {
      for (const generated of [false, true]) {
        for (let i = 0; i < t.columns.length; i++) {
          if ((t.columns[i]!.generated !== undefined) !== generated || (i === t.rowidAlias && !t.withoutRowid)) continue;
          checkStrictType(t, i, r.row[i] ?? null);
        }
      }
    }
    for (const check of this.checks) {
      const v = check.fn(this.slots(r), this.env.ctx);
      if (v !== null && !isTrue(v)) {
        if (orClause === 'IGNORE') return false;
        throw new ConstraintError('CHECK', `CHECK constraint failed: ${check.label}`);
      }
    }
    return true;
  }

  private notNullError(i: number): ConstraintError {
    return new ConstraintError('NOTNULL', `NOT NULL constraint failed: ${this.table.name}.${this.table.columns[i]!.name}`);
  }

  /** Column `i`'s DEFAULT for a NOT NULL REPLACE: a constant, or its expression evaluated (SQLite evaluates it then). */
  private defaultValue(i: number): Value {
    const d = columnDefault(this.table, i);
    if (d !== undefined) return d;
    const f = this.env.compile(this.table.columns[i]!.defaultExpr!, NO_COLUMNS);
    return f([], this.env.ctx);
  }

  private uniqueMessage(plan: IndexPlan | undefined): ConstraintError {
    const t = this.table;
    if (plan === undefined) {
      const name = t.rowidAlias >= 0 ? t.columns[t.rowidAlias]!.name : 'rowid';
      return new ConstraintError('PRIMARYKEY', `UNIQUE constraint failed: ${t.name}.${name}`);
    }
    // sqlite3UniqueConstraint: the key columns, or `index 'name'` when a key is an expression.
    const cols = plan.index.columns.some((c) => c.column === -2)
      ? `index '${plan.index.name}'`
      : plan.index.columns.map((c) => `${t.name}.${c.name ?? 'rowid'}`).join(', ');
    return new ConstraintError(plan.index.origin === 'pk' ? 'PRIMARYKEY' : 'UNIQUE', `UNIQUE constraint failed: ${cols}`);
  }

  /** The row an index entry points at. */
  private async rowOfEntry(plan: IndexPlan, entry: Uint8Array): Promise<StoredRow | undefined> {
    const rec = decodeRecord(entry, this.env.encoding);
    const values = rec.values.map((v, i) => fromStored(v, rec.classes[i] ?? 'null'));
    if (!this.table.withoutRowid) {
      const rowid = values[values.length - 1];
      if (typeof rowid !== 'bigint') throw new SqliteError('SQLITE_CORRUPT', `index ${plan.index.name} entry without a rowid`);
      return this.readByRowid(rowid);
    }
    const byColumn = new Map<number, Value>();
    plan.index.recordColumns.forEach((c, i) => byColumn.set(c.column, values[i] ?? null));
    return this.readByPk(this.table.primaryKey.map((c) => byColumn.get(c) ?? null));
  }

  /** The row that holds the new image's key of constraint `c` (-1: rowid / PRIMARY KEY, else an index plan), if any. */
  private async conflictOf(r: StoredRow, c: number, freshRowid: boolean, only: RowDiff | undefined): Promise<StoredRow | undefined> {
    const t = this.table;
    if (c < 0) {
      // freshRowid: the caller chose the rowid as max + 1 (or probed it free): no row has it.
      // only (UPDATE): an unchanged identity is the row's own.
      if (only !== undefined && !only.identity) return undefined;
      if (!t.withoutRowid) return freshRowid ? undefined : this.readByRowid(r.rowid!);
      return this.readByPk(this.pkValues(r.row));
    }
    const plan = this.plans[c]!;
    if (only?.entries[c] === false || !this.inIndex(plan, r)) return undefined;
    const values = indexEntryValues(plan.index, t, r.row, r.rowid).slice(0, plan.keyCount);
    if (values.some((v) => v === null)) return undefined;
    const cmp = recordCompare(values, plan.keyInfo);
    const cur = new IndexCursor(this.pager, plan.index.rootPage);
    if (!(await cur.seek(cmp, 'ge'))) return undefined;
    const entry = await cur.payload();
    if (cmp(entry) !== 0) return undefined;
    const victim = await this.rowOfEntry(plan, entry.slice());
    if (victim === undefined) throw new SqliteError('SQLITE_CORRUPT', `index ${plan.index.name} points at a missing row`);
    return victim;
  }

  private conflictError(c: number): ConstraintError {
    const t = this.table;
    if (c < 0 && t.withoutRowid) {
      const cols = t.primaryKey.map((k) => `${t.name}.${t.columns[k]!.name}`).join(', ');
      return new ConstraintError('PRIMARYKEY', `UNIQUE constraint failed: ${cols}`);
    }
    return this.uniqueMessage(c < 0 ? undefined : this.plans[c]);
  }

  /** The uniqueness constraints (-1: rowid / PRIMARY KEY; else an index plan) in SQLite's order. */
  get uniqueConstraints(): readonly number[] {
    return this.uniqueOrder;
  }

  /** Writes the row's entry of `index` only (REINDEX rebuilding it), when the row belongs in it. */
  async writeIndexEntry(r: StoredRow, index: IndexInfo): Promise<void> {
    const plan = this.plans.find((p) => p.index === index);
    if (plan === undefined || !this.inIndex(plan, r)) return;
    const values = indexEntryValues(plan.index, this.table, r.row, r.rowid);
    await insertIndexEntry(this.pager, plan.index.rootPage, encodeValues(values, this.env.encoding), recordCompare(values, plan.keyInfo));
  }

  /** Whether a uniqueness conflict may be resolved by REPLACE under `orClause`. */
  mayReplace(orClause: ConflictClause | undefined): boolean {
    if (orClause !== undefined) return orClause === 'REPLACE';
    return this.uniqueOrder.some((c) => this.conflictDefaults.get(c) === 'REPLACE');
  }

  /** Whether a conflict on constraint `c` is resolved by REPLACE under `orClause`. */
  replaces(c: number, orClause: ConflictClause | undefined): boolean {
    return (orClause ?? this.conflictDefaults.get(c)) === 'REPLACE';
  }

  /** Index plan `c`'s index (undefined for -1, the rowid / PRIMARY KEY). */
  constraintIndex(c: number): IndexInfo | undefined {
    return c < 0 ? undefined : this.plans[c]?.index;
  }

  /**
   * Uniqueness of a new row image (for UPDATE, the old image's changed parts are already removed). Returns false
   * to skip the row (IGNORE); deletes conflicting rows under REPLACE; else throws.
   */
  async checkUnique(r: StoredRow, orClause: ConflictClause | undefined, freshRowid = false, only?: RowDiff): Promise<boolean> {
    return (await this.checkUniqueUpsert(r, orClause, freshRowid, only, undefined)) as boolean;
  }

  /**
   * `checkUnique` with upsert clauses: `upsertOf(c)` names the clause that handles a conflict on
   * constraint c, if any (`targeted(c)`: only a clause that names c as its target). As SQLite
   * orders the checks (sqlite3GenerateConstraintChecks): constraints a clause targets first,
   * then those that fail or skip (or go to a clause without target), then those that REPLACE
   * (a REPLACE deletes rows, which must not happen before a later check could still fail).
   * Returns the first upsert-handled conflict found (nothing changed yet), else true / false.
   */
  async checkUniqueUpsert(
    r: StoredRow,
    orClause: ConflictClause | undefined,
    freshRowid: boolean,
    only: RowDiff | undefined,
    upsertOf: ((c: number) => number | undefined) | undefined,
    targeted?: (c: number) => number | undefined,
  ): Promise<boolean | UpsertHit> {
    const first: number[] = [];
    const middle: number[] = [];
    const last: number[] = [];
    for (const c of this.uniqueOrder) {
      if (targeted?.(c) !== undefined) first.push(c);
      else if ((orClause ?? this.conflictDefaults.get(c) ?? 'ABORT') === 'REPLACE') last.push(c);
      else middle.push(c);
    }
    // Constraints an ON CONFLICT clause names come first, in the order of the clauses.
    first.sort((x, y) => targeted!(x)! - targeted!(y)!);
    for (const c of [...first, ...middle, ...last]) {
      const victim = await this.conflictOf(r, c, freshRowid, only);
      if (victim === undefined) continue;
      const clause = upsertOf?.(c);
      if (clause !== undefined) return { clause, row: victim };
      const action = orClause ?? this.conflictDefaults.get(c) ?? 'ABORT';
      if (action === 'IGNORE') return false;
      if (action !== 'REPLACE') throw this.conflictError(c);
      if (this.replaceDelete !== undefined) await this.replaceDelete(victim);
      else await this.deleteStored(victim);
    }
    return true;
  }

  // ── Writing ─────────────────────────────────────────────────────────────────────────────

  /**
   * Writes the row and its index entries (constraints already checked). `appendPath`: from
   * `newRowidCached` for this row's rowid, when nothing was written since. `only` (UPDATE):
   * writes only what `diff` says changed — the cell when the record (or identity) changed,
   * replacing the cell of the same rowid / PRIMARY KEY in place, and the changed index entries.
   *
   * Synchronous (undefined) while every change fits its cached leaf in place — a bulk load's
   * usual row; else a Promise from the first change that needs the pager or the balancer.
   */
  writeStored(r: StoredRow, appendPath?: WritePath, only?: RowDiff): Promise<void> | undefined {
    const { encoding } = this.env;
    const pager = this.pager;
    const t = this.table;
    /** The rowid as the b-tree takes it (a number when safe), converted once for the append. */
    let key: number | bigint | undefined;
    if (only === undefined || only.record) {
      if (t.withoutRowid) {
        const pk = recordCompare(this.pkValues(r.row), this.pkInfo!);
        return this.writeEntries(r, only, 0, insertIndexEntry(pager, t.rootPage, encodeTableRecord(t, r.row, encoding), pk));
      }
      // A new rowid's record goes straight into its cached leaf (no array of its own) — the bulk
      // load's row; anything else (a replaced cell, a full leaf, overflow) takes insertRow.
      const layout = this.layout;
      const size = appendPath !== undefined ? measureValueRecord(r.row, encoding, layout.order, layout.intReal) : -1;
      if (size < 0 || !insertRowCachedWith(pager, t.rootPage, (key = normalRowid(r.rowid!)), size, writeMeasuredRecord, appendPath)) {
        const record = encodeTableRecord(t, r.row, encoding);
        if (!insertRowCached(pager, t.rootPage, r.rowid!, record, appendPath)) {
          this.lastAppend = undefined;
          return this.writeEntries(r, only, 0, insertRow(pager, t.rootPage, r.rowid!, record, appendPath));
        }
      }
    }
    for (let i = 0; i < this.plans.length; i++) {
      const plan = this.plans[i]!;
      if (only?.entries[i] === false || !this.inIndex(plan, r)) continue;
      const values = indexEntryValues(plan.index, t, r.row, r.rowid);
      const entry = encodeValues(values, encoding);
      const compare = recordCompare(values, plan.keyInfo);
      if (!insertIndexEntryCached(pager, plan.index.rootPage, entry, compare)) {
        this.lastAppend = undefined;
        return this.writeEntries(r, only, i + 1, insertIndexEntry(pager, plan.index.rootPage, entry, compare));
      }
    }
    // An append done without a Promise: the next one starts from its path (see newRowidCached).
    if (appendPath !== undefined && typeof r.rowid === 'bigint') {
      key ??= normalRowid(r.rowid);
      const last = this.lastAppend;
      if (typeof key !== 'number') this.lastAppend = undefined;
      else if (last !== undefined && last.path === appendPath && last.pager === pager) {
        last.rowid = key;
        last.stamp = pager.writeStamp;
      } else this.lastAppend = { pager, path: appendPath, rowid: key, stamp: pager.writeStamp };
    }
    return undefined;
  }

  /** The rest of `writeStored` once a change needed a Promise: `pending`, then index entries `from` on. */
  private async writeEntries(r: StoredRow, only: RowDiff | undefined, from: number, pending: Promise<void>): Promise<void> {
    await pending;
    const { encoding } = this.env;
    const pager = this.pager;
    for (let i = from; i < this.plans.length; i++) {
      const plan = this.plans[i]!;
      if (only?.entries[i] === false || !this.inIndex(plan, r)) continue;
      const values = indexEntryValues(plan.index, this.table, r.row, r.rowid);
      await insertIndexEntry(pager, plan.index.rootPage, encodeValues(values, encoding), recordCompare(values, plan.keyInfo));
    }
  }

  /**
   * Deletes the row and its index entries. `only` (UPDATE): deletes only the index entries
   * `diff` says change, and the cell only when the identity changes (else `writeStored`
   * replaces it in place).
   */
  async deleteStored(r: StoredRow, only?: RowDiff): Promise<void> {
    const pager = this.pager;
    const t = this.table;
    for (let i = 0; i < this.plans.length; i++) {
      const plan = this.plans[i]!;
      if (only?.entries[i] === false || !this.inIndex(plan, r)) continue;
      const values = indexEntryValues(plan.index, t, r.row, r.rowid);
      if (!(await deleteIndexEntry(pager, plan.index.rootPage, recordCompare(values, plan.keyInfo)))) {
        throw new SqliteError('SQLITE_CORRUPT', `database disk image is malformed: index ${plan.index.name} lacks an entry`);
      }
    }
    if (only !== undefined && !only.identity) return;
    if (t.withoutRowid) {
      await deleteIndexEntry(pager, t.rootPage, recordCompare(this.pkValues(r.row), this.pkInfo!));
    } else {
      await deleteRow(pager, t.rootPage, r.rowid!);
    }
  }
}
