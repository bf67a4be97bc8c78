/**
 * Prepared queries: `prepareQuery(ctx, sql)` parses and plans a SELECT once; the statement then
 * runs any number of times with different parameters. Rows stream: `iterate()` yields each row
 * as soon as the pages it needs are read, and stops reading when the caller stops iterating.
 *
 *   const stmt = prepareQuery({ pager, schema }, 'SELECT name FROM users WHERE id = ?');
 *   const row = await stmt.get([42]);          // { name: 'ada' } or undefined
 *
 * Every run reads one committed state (src/pager/consistent-read.ts): `all()` and `get()` are
 * retried when a commit by someone else overlapped them; `iterate()` is retried until its first
 * row, and ends with BusyError if a commit overlaps it after that. A statement prepared before
 * the schema changed refuses to run (SQLITE_SCHEMA): prepare it again.
 */
import { MisuseError, SqliteError } from '../errors.js';
import { readConsistent, readConsistentBatches, readConsistentBatchStream } from '../pager/consistent-read.js';
import type { SqlValue } from '../record/value.js';
import { StatementContext } from '../exec/expr-contract.js';
import { compileSelect } from '../exec/select/compile-select.js';
import { compilePragma } from '../exec/pragma/pragma-query.js';
import { coreSpans } from '../exec/select/column-names.js';
import { bindParameters, numberParameters, type BindParams, type ParameterInfo } from '../exec/select/parameters.js';
import type { CompiledQuery, QueryContext, RunContext } from '../exec/select/query-types.js';
import { toPublic, type Value } from '../exec/value.js';
import { parseStatement } from '../sql/parser.js';
import type { SelectStatement } from '../sql/ast.js';
import type { RunResult } from './database-types.js';

export type { QueryContext } from '../exec/select/query-types.js';
export type { BindParams } from '../exec/select/parameters.js';

/** A result row: column name → value (integers as numbers when safe, else bigints). */
export type Row = Record<string, SqlValue>;

/** A result row as the executor holds it: bigint = INTEGER, number = REAL (storage classes visible). */
export interface TypedRow {
  readonly values: Value[];
}

export class Statement {
  /** A query returns rows (a WriteStatement's `reader` says whether it does; write-statement.ts). */
  readonly reader = true;
  /** The schema cookie the statement was planned against. */
  private readonly cookie: number;
  /** Result column names (the keys of a Row). */
  private readonly names: readonly string[];

  private constructor(
    private readonly ctx: QueryContext,
    private readonly query: CompiledQuery,
    private readonly params: ParameterInfo,
    /** The SQL text as prepared. */
    readonly sql: string,
    /** Whether runs check for overlapping commits (false: the caller already does). */
    private readonly consistent: boolean,
  ) {
    this.cookie = ctx.pager.header.schemaCookie;
    this.names = query.columns.map((c) => c.name);
  }

  /** @internal */
  static prepare(ctx: QueryContext, sql: string, consistent = true): Statement {
    const parsed = parseStatement(sql);
    const explain = parsed.kind === 'explain';
    const stmt = parsed.kind === 'explain' ? parsed.statement : parsed;
    const file = ctx.file === undefined ? {} : { file: ctx.file };
    if (stmt.kind === 'pragma' && !explain) {
      const query = compilePragma(stmt, { schema: ctx.schema, file: ctx.file ?? '', compileView: (v) => compileSelect(v.select, { schema: ctx.schema, ctes: new Map(), viewStack: [v.name.toLowerCase()], spans: coreSpans(v.selectText, v.select), ...file }, undefined) });
      return new Statement(ctx, query, numberParameters(stmt).info, sql, consistent);
    }
    if (stmt.kind !== 'select' || (explain && !(parsed as { queryPlan: boolean }).queryPlan)) {
      const hint = stmt.kind === 'select' ? '' : ' — run it with db.run() or db.exec() (the same SQL text is parsed and planned once, then reused)';
      throw new MisuseError(`only SELECT, EXPLAIN QUERY PLAN SELECT and PRAGMA can be queried here (got ${stmt.kind.toUpperCase()})${hint}`);
    }
    const { node, info } = numberParameters<SelectStatement>(stmt);
    const query = compileSelect(node, { schema: ctx.schema, ctes: new Map(), viewStack: [], spans: coreSpans(sql, node), ...file }, undefined);
    return new Statement(ctx, explain ? planRows(query) : query, info, sql, consistent);
  }

  /** The schema cookie the statement was planned against (it refuses to run under another). */
  get schemaCookie(): number {
    return this.cookie;
  }

  /** Result column names, as SQLite names them. */
  columns(): string[] {
    return this.query.columns.map((c) => c.name);
  }

  /** Number of parameters (the largest ?N). */
  get parameterCount(): number {
    return this.params.count;
  }

  /** EXPLAIN QUERY PLAN-style lines: which table or index each step scans or searches. */
  plan(): string[] {
    return this.query.plan.map((l) => `${'  '.repeat(l.depth)}${l.text}`);
  }

  /** Rows as executor values (bigint INTEGER, number REAL), streamed. */
  typedIterate(params?: BindParams): AsyncGenerator<TypedRow> {
    return this.stream(bindParameters(this.params, params), (values) => ({ values }));
  }

  /**
   * Rows as executor values in batches, as the executor makes them (a batch ends where the run
   * must wait for a page): one Promise per batch. Read each batch before asking for the next.
   * @internal
   */
  typedBatches(params?: BindParams): AsyncGenerator<Value[][]> {
    const bound = bindParameters(this.params, params);
    if (!this.consistent) return this.execute(bound);
    return readConsistentBatchStream(this.ctx.pager, () => this.execute(bound));
  }

  /** Rows as objects keyed by column name, streamed (a binding error comes from the first `next()`). */
  iterate(params?: BindParams): AsyncGenerator<Row> {
    let bound: ReturnType<typeof bindParameters>;
    try {
      bound = bindParameters(this.params, params);
    } catch (err) {
      return (async function* (): AsyncGenerator<Row> {
        throw err;
      })();
    }
    return this.stream(bound, (values) => this.toRow(values));
  }

  /**
   * The rows of one run, shaped by `shape`: the executor hands them out in batches (see
   * CompiledQuery.batches), so a consumer pays one Promise per row here and none inside.
   */
  private stream<T>(bound: ReturnType<typeof bindParameters>, shape: (values: Value[]) => T): AsyncGenerator<T> {
    const open = () => this.shaped(this.execute(bound), shape);
    if (!this.consistent) return flatten(open());
    return readConsistentBatches(this.ctx.pager, open);
  }

  private async *shaped<T>(batches: AsyncGenerator<Value[][]>, shape: (values: Value[]) => T): AsyncGenerator<T[]> {
    for await (const b of batches) {
      const out = new Array<T>(b.length);
      for (let i = 0; i < b.length; i++) out[i] = shape(b[i]!);
      yield out;
    }
  }

  /** One run, as it is (batches of rows; `want` caps them): the caller decides about consistency. */
  private async *execute(bound: ReturnType<typeof bindParameters>, want?: number): AsyncGenerator<Value[][]> {
    yield* this.query.batches(this.runContext(bound), undefined, want);
  }

  /** The state of one run; SQLITE_SCHEMA when the schema changed since the statement was planned. */
  private runContext(bound: ReturnType<typeof bindParameters>): RunContext {
    const pager = this.ctx.pager;
    if (pager.header.schemaCookie !== this.cookie) {
      throw new SqliteError('SQLITE_SCHEMA', 'database schema has changed since the statement was prepared; prepare it again');
    }
    return { eval: new StatementContext(bound, this.ctx.connection), pager, cache: new Map() };
  }

  private toRow(values: readonly Value[]): Row {
    return publicRow(this.names, values);
  }

  /** Every row (a run that a commit overlapped is run again). */
  async all(params?: BindParams): Promise<Row[]> {
    const bound = bindParameters(this.params, params);
    const collectRows = this.query.collect;
    if (collectRows !== undefined) {
      // Without a Promise per step when the rows need none (cached pages, no subquery).
      const toRows = (rows: Value[][]): Row[] => {
        const out = new Array<Row>(rows.length);
        for (let i = 0; i < rows.length; i++) out[i] = this.toRow(rows[i]!);
        return out;
      };
      const once = (): Row[] | Promise<Row[]> => {
        const rows = collectRows(this.runContext(bound), undefined);
        return rows instanceof Promise ? rows.then(toRows) : toRows(rows);
      };
      return this.consistent ? readConsistent(this.ctx.pager, once) : once();
    }
    const collect = async (): Promise<Row[]> => {
      const out: Row[] = [];
      for await (const b of this.execute(bound)) for (const values of b) out.push(this.toRow(values));
      return out;
    };
    return this.consistent ? readConsistent(this.ctx.pager, collect) : collect();
  }

  /** Runs the query to its end, as `db.run` would (no changes; the rows; the connection's last insert rowid). */
  async run(params?: BindParams): Promise<RunResult> {
    const rows = await this.all(params);
    return { changes: 0, lastInsertRowid: toPublic(this.ctx.connection?.lastInsertRowid() ?? 0n) as number | bigint, columns: this.columns(), rows };
  }

  /** The first row, or undefined; computes no row after it. */
  async get(params?: BindParams): Promise<Row | undefined> {
    const bound = bindParameters(this.params, params);
    const firstRow = this.query.first;
    if (firstRow !== undefined) {
      // Without a Promise per step when the row needs none (a point lookup on cached pages).
      const once = (): Row | undefined | Promise<Row | undefined> => {
        const values = firstRow(this.runContext(bound), undefined);
        if (values instanceof Promise) return values.then((v) => (v === undefined ? undefined : this.toRow(v)));
        return values === undefined ? undefined : this.toRow(values);
      };
      return this.consistent ? readConsistent(this.ctx.pager, once) : once();
    }
    const first = async (): Promise<Row | undefined> => {
      for await (const b of this.execute(bound, 1)) {
        const values = b[0];
        if (values !== undefined) return this.toRow(values);
      }
      return undefined;
    };
    return this.consistent ? readConsistent(this.ctx.pager, first) : first();
  }
}

/** The items of a batch stream one by one (a hand-written iterator: no Promise per item beyond the consumer's own). */
function flatten<T>(source: AsyncGenerator<T[]>): AsyncGenerator<T> {
  let batch: readonly T[] = [];
  let at = 0;
  const it: AsyncGenerator<T> = {
    next(): Promise<IteratorResult<T>> {
      if (at < batch.length) return Promise.resolve({ done: false, value: batch[at++]! });
      return source.next().then((step) => {
        if (step.done === true) return { done: true, value: undefined };
        batch = step.value;
        at = 0;
        return it.next();
      });
    },
    async return(value?: unknown): Promise<IteratorResult<T>> {
      batch = [];
      await source.return(undefined);
      return { done: true, value: value as undefined };
    },
    async throw(err: unknown): Promise<IteratorResult<T>> {
      batch = [];
      await source.return(undefined);
      throw err;
    },
    [Symbol.asyncIterator]() {
      return it;
    },
  };
  return it;
}

/** EXPLAIN QUERY PLAN as rows (id, parent, notused, detail), as SQLite returns them. */
function planRows(query: CompiledQuery): CompiledQuery {
  const rows: Value[][] = [];
  const parents: number[] = [];
  query.plan.forEach((l, i) => {
    const id = i + 1;
    parents[l.depth] = id;
    rows.push([BigInt(id), BigInt(l.depth === 0 ? 0 : (parents[l.depth - 1] ?? 0)), 0n, l.text]);
  });
  return {
    columns: ['id', 'parent', 'notused', 'detail'].map((name) => ({ name, affinity: undefined, collation: 'BINARY' })),
    correlated: false,
    plan: query.plan,
    async *run() {
      for (const r of rows) yield [...r];
    },
    async *batches(_rt, _outer, want) {
      const out = rows.slice(0, want ?? rows.length).map((r) => [...r]);
      if (out.length > 0) yield out;
    },
  };
}

/** Parses and plans a SELECT (also `EXPLAIN QUERY PLAN SELECT …`, planned the same way). */
export function prepareQuery(ctx: QueryContext, sql: string, options: { readonly consistent?: boolean } = {}): Statement {
  return Statement.prepare(ctx, sql, options.consistent ?? true);
}

/** The plan of a SELECT as EXPLAIN QUERY PLAN-style lines. */
export function planQuery(ctx: QueryContext, sql: string): string[] {
  return prepareQuery(ctx, sql).plan();
}

/** A result row as an object keyed by column name (a later column of the same name wins). */
export function publicRow(columns: readonly string[], values: readonly Value[]): Row {
  const row: Row = {};
  for (let i = 0; i < columns.length; i++) row[columns[i]!] = toPublic(values[i] ?? null);
  return row;
}
