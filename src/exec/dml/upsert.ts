/**
 * UPSERT (https://www.sqlite.org/lang_upsert.html): `INSERT … ON CONFLICT [(cols) [WHERE …]]
 * DO NOTHING | DO UPDATE SET … [WHERE …]`, several clauses allowed, only the last without a
 * target. A clause's target names the columns of one PRIMARY KEY or UNIQUE constraint (in any
 * order), else SQLite's "ON CONFLICT clause does not match any PRIMARY KEY or UNIQUE
 * constraint"; a clause without target covers every constraint the others do not.
 *
 * When the row to insert conflicts on a covered constraint (those are checked first, see
 * TableWriter.checkUniqueUpsert), nothing is inserted: DO NOTHING skips the row; DO UPDATE
 * updates the row in the way as an UPDATE would (UPDATE triggers, constraints with ABORT,
 * RETURNING of the updated row), its expressions reading that row's columns by name and the
 * row proposed for insertion as `excluded.col`; its WHERE, when false, leaves the row alone.
 */
import { SqliteError } from '../../errors.js';
import { asciiLower } from '../../schema/affinity.js';
import type { TableInfo } from '../../schema/schema-types.js';
import type { UpsertClause } from '../../sql/ast.js';
import type { CoreScope, Source, TrackedExpr } from '../select/query-scope.js';
import { isTrue } from '../expr/value-ops.js';
import { addTableSource, evaluate, newScope, placeRow, rowBuffer, type DmlRun } from './dml-run.js';
import type { StoredRow, TableWriter, UpsertHit } from './table-writer.js';
import { applyUpdate, compileSets, evaluateSets, type UpdateContext } from './update.js';

type SetItems = ReturnType<typeof compileSets>;

interface CompiledClause {
  readonly action: { readonly kind: 'nothing' } | { readonly kind: 'update'; readonly sets: SetItems; readonly where: TrackedExpr | undefined };
}

export interface Upserts {
  /** The clause that handles a conflict on constraint `c` (TableWriter's numbering), if any. */
  readonly clauseOf: (c: number) => number | undefined;
  /** The clause whose target names constraint `c`, if any. */
  readonly targetOf: (c: number) => number | undefined;
  /** Every column a DO UPDATE assigns (for UPDATE OF triggers). */
  readonly setNames: readonly string[];
  readonly clauses: readonly CompiledClause[];
  readonly scope: CoreScope;
  readonly target: Source;
  readonly excluded: Source;
  readonly run: DmlRun;
}

/** The columns (lower-case) of constraint `c`. */
function constraintColumns(table: TableInfo, writer: TableWriter, c: number): string[] {
  const ix = writer.constraintIndex(c);
  if (ix !== undefined) return ix.columns.map((k) => asciiLower(k.name ?? '\u0000expr'));
  if (table.withoutRowid) return table.primaryKey.map((k) => asciiLower(table.columns[k]!.name));
  return table.rowidAlias >= 0 ? [asciiLower(table.columns[table.rowidAlias]!.name)] : ['rowid'];
}

export function compileUpserts(run: DmlRun, table: TableInfo, writer: TableWriter, name: string, list: readonly UpsertClause[]): Upserts | undefined {
  if (list.length === 0) return undefined;
  const scope = newScope(run);
  const target = addTableSource(scope, table, name);
  const excluded = addTableSource(scope, table, 'excluded', true);
  const covered = new Map<number, number>();
  let rest: number | undefined;
  const clauses = list.map((u, i): CompiledClause => {
    if (u.target === undefined) {
      if (i !== list.length - 1) throw new SqliteError('SQLITE_ERROR', 'near "ON": syntax error');
      rest = i;
    } else {
      const want = u.target.columns.map((k) => {
        const n = k.column ?? '';
        return ['rowid', 'oid', '_rowid_'].includes(asciiLower(n)) && !table.withoutRowid && table.rowidAlias < 0 ? 'rowid' : asciiLower(n);
      });
      const aliasName = table.rowidAlias >= 0 ? asciiLower(table.columns[table.rowidAlias]!.name) : undefined;
      const norm = (n: string): string => (aliasName !== undefined && ['rowid', 'oid', '_rowid_'].includes(n) ? aliasName : n);
      const wanted = new Set(want.map(norm));
      const match = writer.uniqueConstraints.find((c) => {
        const have = constraintColumns(table, writer, c).map(norm);
        const partial = writer.constraintIndex(c)?.partial !== undefined;
        return have.length === wanted.size && have.every((h) => wanted.has(h)) && partial === (u.target!.where !== undefined);
      });
      if (match === undefined) throw new SqliteError('SQLITE_ERROR', 'ON CONFLICT clause does not match any PRIMARY KEY or UNIQUE constraint');
      if (!covered.has(match)) covered.set(match, i);
    }
    if (u.action.kind === 'nothing') return { action: { kind: 'nothing' } };
    return {
      action: {
        kind: 'update',
        sets: compileSets(run, table, u.action.set, scope),
        where: u.action.where === undefined ? undefined : scope.compile(u.action.where),
      },
    };
  });
  const setNames = list.flatMap((u) => (u.action.kind === 'update' ? u.action.set.flatMap((s) => s.columns) : []));
  return { clauseOf: (c) => covered.get(c) ?? rest, targetOf: (c) => covered.get(c), setNames, clauses, scope, target, excluded, run };
}

/** Handles a conflict an upsert clause covers; returns whether a row changed. */
export async function runUpsert(u: Upserts, update: UpdateContext, hit: UpsertHit, proposed: StoredRow): Promise<boolean> {
  const clause = u.clauses[hit.clause]!;
  if (clause.action.kind === 'nothing') return false;
  const buffer = rowBuffer(u.scope, u.run);
  placeRow(buffer, u.target, hit.row.row, hit.row.rowid);
  placeRow(buffer, u.excluded, proposed.row, proposed.rowid);
  if (clause.action.where !== undefined) {
    const v = evaluate(clause.action.where, buffer, u.run.rt);
    if (!isTrue(v instanceof Promise ? await v : v)) return false;
  }
  const assign = await evaluateSets(clause.action.sets, buffer, u.run);
  return applyUpdate(update, hit.row, assign);
}
