/**
 * Computing generated columns (https://www.sqlite.org/gencol.html) for one row.
 *
 * On disk (sqlite3TableColumnToStorage): a STORED column is a field of the table record like any
 * other column, in declaration order among the non-VIRTUAL columns; a VIRTUAL column is no field
 * at all. So a row read back computes its VIRTUAL columns from the others, and a row written
 * computes all of them (the STORED ones go into the record; the VIRTUAL ones feed NOT NULL,
 * CHECK, index entries, triggers and RETURNING).
 *
 * Order (sqlite3ComputeGeneratedColumns): passes over the columns in declaration order, each
 * computing every column whose generated inputs are already known, until a pass makes no
 * progress; a column still unknown then is a loop — "generated column loop on "x"", naming the
 * last such column of the pass.
 *
 * Each value gets the column's affinity (OP_Affinity in sqlite3ExprCodeGeneratedColumn). A STRICT
 * table also type-checks the generated values of a row being written ("cannot store TEXT value in
 * INT column t.g"), as SQLite does since 3.41: 3.40 stored them unchecked and then reported its
 * own file as broken ("non-INT value in t.g" from PRAGMA integrity_check).
 *
 * Evaluation context: no parameters (refused at CREATE), and 'now' refused when read, as SQLite
 * refuses a date function's 'now' in a generated column at run time.
 */
import { SqliteError } from '../../errors.js';
import { asciiLower } from '../../schema/affinity.js';
import type { TableInfo } from '../../schema/schema-types.js';
import type { CompiledExpr, EvalContext, Scope } from '../expr-contract.js';
import { compileExpr } from '../expr/compile.js';
import type { Value } from '../value.js';
import { columnConverter, storageAffinity, withAffinity } from '../dml/row-codec.js';
import { firstDateFunction, referencedColumns } from './expression-rules.js';

interface Step {
  readonly column: number;
  readonly fn: CompiledExpr;
  readonly ctx: EvalContext;
  readonly convert: (v: Value) => Value;
}

const NO_PARAMS = { positional: [], named: new Map<string, Value>() } as const;

/** An evaluation context whose 'now' is SQLite's run-time error for `site` ("a generated column", "an index"). */
export function nowRefusingContext(expr: Parameters<typeof firstDateFunction>[0], site: string): EvalContext {
  const fn = firstDateFunction(expr) ?? 'date';
  return {
    params: NO_PARAMS,
    get now(): Date {
      throw new SqliteError('SQLITE_ERROR', `non-deterministic use of ${fn}() in ${site}`);
    },
  };
}

/** Names resolve to the table's columns (slot = declared index); no rowid, no other table. */
export function columnsOnlyScope(table: Pick<TableInfo, 'name' | 'columns' | 'rowidAlias'>): Scope {
  const names = new Map<string, number>();
  table.columns.forEach((c, i) => {
    const k = asciiLower(c.name);
    if (!names.has(k)) names.set(k, i);
  });
  const tableName = asciiLower(table.name);
  return {
    resolveColumn(t: string | undefined, column: string) {
      if (t !== undefined && asciiLower(t) !== tableName) return undefined;
      const i = names.get(asciiLower(column));
      if (i === undefined) return undefined;
      const col = table.columns[i]!;
      return { slot: i, affinity: col.affinity, collation: col.collation, ...(i === table.rowidAlias && { rowid: true }) };
    },
  };
}

/** The generated columns of a table, compiled once per TableInfo (a schema object is immutable). */
export class GeneratedColumns {
  #all: readonly Step[] | SqliteError | undefined;
  #virtual: readonly Step[] | SqliteError | undefined;

  constructor(readonly table: TableInfo) {}

  /** Whether the table has VIRTUAL columns (a row read back needs `computeVirtual`). */
  get hasVirtual(): boolean {
    return this.table.columns.some((c) => c.hidden === 2);
  }

  /** The steps for every generated column; throws the loop error, if any (call at plan time). */
  allSteps(): readonly Step[] {
    this.#all ??= this.#plan(true);
    if (this.#all instanceof SqliteError) throw this.#all;
    return this.#all;
  }

  /** The steps for the VIRTUAL columns only (the STORED ones are read from the record). */
  virtualSteps(): readonly Step[] {
    this.#virtual ??= this.#plan(false);
    if (this.#virtual instanceof SqliteError) throw this.#virtual;
    return this.#virtual;
  }

  /** Fills every generated column of `row` (declaration order) from its other columns. */
  computeAll(row: Value[]): void {
    run(this.allSteps(), row);
  }

  /** Fills the VIRTUAL columns of `row` (declaration order). */
  computeVirtual(row: Value[]): void {
    run(this.virtualSteps(), row);
  }

  /** `all`: a row being written (STRICT types checked); else a row read back (affinity only). */
  #plan(all: boolean): readonly Step[] | SqliteError {
    const t = this.table;
    const scope = columnsOnlyScope(t);
    const known = t.columns.map((c) => c.generated === undefined || (!all && c.generated.stored));
    const deps = t.columns.map((c) => (c.generated === undefined ? [] : referencedColumns(c.generated.expr, t)));
    const order: number[] = [];
    for (;;) {
      let progress = false;
      let redo = -1;
      for (let i = 0; i < t.columns.length; i++) {
        if (known[i]) continue;
        if (deps[i]!.some((d) => !known[d])) {
          redo = i;
          continue;
        }
        order.push(i);
        known[i] = true;
        progress = true;
      }
      if (redo < 0) break;
      if (!progress) return new SqliteError('SQLITE_ERROR', `generated column loop on "${t.columns[redo]!.name}"`);
    }
    return order.map((column) => {
      const col = t.columns[column]!;
      const expr = col.generated!.expr;
      const affinity = storageAffinity(t, col);
      return {
        column,
        fn: compileExpr(expr, scope),
        ctx: nowRefusingContext(expr, 'a generated column'),
        // STRICT types of a row being written are judged in TableWriter.checkRow.
        convert: all ? columnConverter(t, column, false) : (v: Value) => withAffinity(v, affinity),
      };
    });
  }
}

function run(steps: readonly Step[], row: Value[]): void {
  for (const s of steps) row[s.column] = s.convert(s.fn(row, s.ctx));
}

const cache = new WeakMap<TableInfo, GeneratedColumns | null>();

/** The table's generated columns, or undefined when it has none. */
export function generatedColumns(table: TableInfo): GeneratedColumns | undefined {
  let g = cache.get(table);
  if (g === undefined) {
    g = table.columns.some((c) => c.generated !== undefined) ? new GeneratedColumns(table) : null;
    cache.set(table, g);
  }
  return g ?? undefined;
}
