/**
 * INSERT, UPDATE and DELETE on an R*Tree table, row by row through rtree-write.ts in the order
 * SQLite hands rows to xUpdate:
 *
 *   INSERT   the source rows in order (all read before the first is written)
 *   UPDATE   the rows WHERE selects, in the table's scan order, their new values computed from
 *            the row before any change (SQLite's ephemeral table of the two-pass update)
 *   DELETE   the ids WHERE selects, ascending (SQLite's RowSet)
 *
 * As in SQLite: `rowid` in a column list or SET is accepted and ignored (the id column is the
 * rowid), INSERT … RETURNING returns the rows as given (rtreeReturning), UPSERT and UPDATE/DELETE
 * … RETURNING are refused with SQLite's messages, and
 * last_insert_rowid is the id of the last row inserted — after UPDATE and DELETE the number of
 * the node 3.40's rtree.c wrote last (see RtreeWriter.lastWritten).
 */
import { SqliteError } from '../../errors.js';
import { asciiLower } from '../../schema/affinity.js';
import type { VirtualTableInfo } from '../../schema/schema-types.js';
import type { Schema } from '../../schema/read-schema.js';
import type { DeleteStatement, Expr, InsertStatement, QualifiedName, ResultColumn, SelectStatement, UpdateStatement } from '../../sql/ast.js';
import { compileEnvOf, newScope, placeRow, rowBuffer, type DmlRun } from '../dml/dml-run.js';
import { compileReturningColumns, returningRow } from '../dml/returning.js';
import { applyAffinityValue } from '../expr/value-ops.js';
import { compileSelect } from '../select/compile-select.js';
import type { StatementResult } from '../dml/exec-env.js';
import type { Value } from '../value.js';
import { isRtreeModule, rtreeDef, type RtreeDef } from './rtree-def.js';
import { RtreeWriter } from './rtree-write.js';
import { rtreeShadowTables, type RtreeFacts, type RtreeShadowTables } from './rtree-shadow.js';

const ROWID_NAMES = new Set(['rowid', 'oid', '_rowid_']);

/** The R*Tree table a DML statement names, when it names one (in main). */
export function rtreeTarget(schema: Schema, name: QualifiedName): VirtualTableInfo | undefined {
  if (name.schema !== undefined && asciiLower(name.schema) !== 'main') return undefined;
  const vt = schema.virtualTable(name.name);
  return vt !== undefined && isRtreeModule(vt.module) ? vt : undefined;
}

/**
 * Per table (the info object belongs to one schema, so a changed schema starts afresh): its
 * definition parsed from the arguments, its shadow tables, and what writers learnt of it (the
 * node size) — looked up once, not per statement.
 */
const known = new WeakMap<VirtualTableInfo, { readonly schema: Schema; readonly def: RtreeDef; readonly tables: RtreeShadowTables; readonly facts: RtreeFacts }>();

function writerOf(run: DmlRun, vt: VirtualTableInfo): RtreeWriter {
  const schema = run.env.schema;
  let k = known.get(vt);
  if (k === undefined || k.schema !== schema) {
    const def = rtreeDef(vt.name, vt.module, vt.args);
    k = { schema, def, tables: rtreeShadowTables(def, schema), facts: {} };
    known.set(vt, k);
  }
  return new RtreeWriter(k.def, k.tables, run.env.pager, run.env.encoding, k.facts);
}

/** The column a name sets: its index, -1 for a rowid name (ignored), else SQLite's error. */
function columnIndex(def: RtreeDef, name: string, error: string): number {
  const key = asciiLower(name);
  const i = def.columns.findIndex((c) => asciiLower(c.name) === key);
  if (i >= 0) return i;
  if (ROWID_NAMES.has(key)) return -1;
  throw new SqliteError('SQLITE_ERROR', error);
}

/** `SELECT <columns> FROM vt [AS alias] [WHERE …]`, run to the end before anything changes. */
async function selectRows(run: DmlRun, vt: VirtualTableInfo, alias: string | undefined, where: Expr | undefined, columns: readonly ResultColumn[]): Promise<Value[][]> {
  const select: SelectStatement = {
    kind: 'select',
    first: {
      kind: 'select-core',
      distinct: false,
      columns,
      from: { kind: 'table', name: vt.name, ...(alias !== undefined && { alias }), notIndexed: false },
      ...(where !== undefined && { where }),
    },
    compounds: [],
  };
  const q = compileSelect(select, compileEnvOf(run), run.frame?.scope);
  const out: Value[][] = [];
  for await (const b of q.batches(run.rt, run.frame?.row)) out.push(...b);
  return out;
}

export async function rtreeInsert(run: DmlRun, vt: VirtualTableInfo, stmt: InsertStatement, rows: readonly Value[][], text?: string): Promise<StatementResult> {
  if (stmt.upsert !== undefined && stmt.upsert.length > 0) throw new SqliteError('SQLITE_ERROR', `UPSERT not implemented for virtual table "${vt.name}"`);
  const writer = writerOf(run, vt);
  const def = writer.def;
  const returning = stmt.returning === undefined ? undefined : rtreeReturning(run, def, stmt.alias ?? vt.name, stmt.returning, text);
  const width = def.columns.length;
  const positions =
    stmt.source.kind === 'default-values'
      ? []
      : stmt.columns === undefined
        ? def.columns.map((_c, i) => i)
        : stmt.columns.map((c) => columnIndex(def, c, `table ${vt.name} has no column named ${c}`));
  const conflict = run.orOverride ?? stmt.conflict;
  let changes = 0;
  let lastInsertRowid: bigint | undefined;
  const returned: Value[][] = [];
  for (const values of rows) {
    if (stmt.source.kind !== 'default-values' && values.length !== positions.length) {
      throw new SqliteError(
        'SQLITE_ERROR',
        stmt.columns === undefined ? `table ${vt.name} has ${width} columns but ${values.length} values were supplied` : `${values.length} values for ${positions.length} columns`,
      );
    }
    const row = new Array<Value>(width).fill(null);
    positions.forEach((p, i) => {
      if (p >= 0) row[p] = values[i] ?? null;
    });
    if (returning !== undefined) returned.push(await returning.row(row));
    const outcome = await writer.change(undefined, row, conflict);
    if (outcome.kind === 'ignored') continue;
    changes++;
    lastInsertRowid = outcome.id;
  }
  await writer.finish();
  return { changes, lastInsertRowid, schemaChanged: false, ...(returning !== undefined && { returned: { columns: returning.columns, rows: returned } }) };
}

/**
 * INSERT … RETURNING on an R*Tree as SQLite 3.40 computes it: from the row handed to xUpdate,
 * before the module sees it — the values as given with the declared affinities (id INTEGER,
 * coordinates REAL, or INTEGER for rtree_i32, auxiliary columns none), so neither the float32
 * rounding nor an assigned id shows (a NULL id stays NULL), `rowid` is always -1, and a row
 * OR IGNORE skips is still returned.
 */
function rtreeReturning(run: DmlRun, def: RtreeDef, name: string, list: readonly ResultColumn[], text: string | undefined): { columns: readonly string[]; row(values: readonly Value[]): Promise<Value[]> } {
  const scope = newScope(run);
  const width = def.columns.length;
  const source = scope.addSource(
    {
      name,
      columns: def.columns.map((c) => ({ name: c.name, affinity: c.affinity, collation: 'BINARY' })),
      rowidSlot: scope.columnWidth + width,
      table: undefined,
      query: undefined,
      leftJoin: false,
      usingHidden: new Set(),
    },
    width + 1,
  );
  const spec = compileReturningColumns(list, scope, source, def.columns.map((c) => c.name), undefined, run, text);
  return {
    columns: spec.columns,
    row: (values) => {
      const buffer = rowBuffer(scope, run);
      const given = values.map((v, i) => {
        const affinity = def.columns[i]?.affinity;
        return affinity === undefined ? v : applyAffinityValue(v, affinity);
      });
      placeRow(buffer, source, given, -1n);
      return returningRow(spec, buffer, run);
    },
  };
}

export async function rtreeUpdate(run: DmlRun, vt: VirtualTableInfo, stmt: UpdateStatement): Promise<StatementResult> {
  if (stmt.returning !== undefined) throw new SqliteError('SQLITE_ERROR', 'UPDATE RETURNING is not available on virtual tables');
  if (stmt.from !== undefined) throw new SqliteError('SQLITE_ERROR', 'UPDATE … FROM on an R*Tree table is not supported');
  const writer = writerOf(run, vt);
  const def = writer.def;
  const width = def.columns.length;
  const slots: number[] = [];
  const values: Expr[] = [];
  for (const s of stmt.set) {
    const exprs = s.columns.length === 1 ? [s.value] : s.value.kind === 'vector' ? s.value.items : undefined;
    if (exprs === undefined || exprs.length !== s.columns.length) throw new SqliteError('SQLITE_ERROR', `${s.columns.length} columns assigned ${exprs?.length ?? 1} values`);
    s.columns.forEach((c, i) => {
      slots.push(columnIndex(def, c, `no such column: ${c}`));
      values.push(exprs[i]!);
    });
  }
  const columns: ResultColumn[] = [{ kind: 'star' }, ...values.map((expr): ResultColumn => ({ kind: 'expr', expr }))];
  const rows = await selectRows(run, vt, stmt.alias, stmt.where, columns);
  const conflict = run.orOverride ?? stmt.conflict;
  let changes = 0;
  for (const r of rows) {
    const old = r.slice(0, width);
    const neu = [...old];
    slots.forEach((slot, i) => {
      if (slot >= 0) neu[slot] = r[width + i] ?? null;
    });
    const oldId = old[0];
    if (typeof oldId !== 'bigint') continue;
    const outcome = await writer.change(oldId, neu, conflict);
    if (outcome.kind === 'written') changes++;
  }
  await writer.finish();
  return { changes, lastInsertRowid: writer.lastWritten, schemaChanged: false };
}

export async function rtreeDelete(run: DmlRun, vt: VirtualTableInfo, stmt: DeleteStatement): Promise<StatementResult> {
  if (stmt.returning !== undefined) throw new SqliteError('SQLITE_ERROR', 'DELETE RETURNING is not available on virtual tables');
  const writer = writerOf(run, vt);
  const idColumn: ResultColumn = { kind: 'expr', expr: { kind: 'column', table: stmt.alias ?? vt.name, column: writer.def.columns[0]!.name, doubleQuoted: false } };
  const rows = await selectRows(run, vt, stmt.alias, stmt.where, [idColumn]);
  const ids = [...new Set(rows.map((r) => r[0]).filter((v): v is bigint => typeof v === 'bigint'))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let changes = 0;
  for (const id of ids) {
    await writer.change(id, undefined, undefined);
    changes++;
  }
  await writer.finish();
  return { changes, lastInsertRowid: writer.lastWritten, schemaChanged: false };
}
