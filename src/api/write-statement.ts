/**
 * Prepared statements that are not queries: INSERT / UPDATE / DELETE (with or without
 * RETURNING), CREATE / DROP / ALTER, BEGIN / COMMIT / ROLLBACK / SAVEPOINT / RELEASE, a PRAGMA
 * that sets something, VACUUM. `db.prepare(sql)` returns one for such SQL (a query gets a
 * `Statement`, statement.ts):
 *
 *   const insert = await db.prepare('INSERT INTO t(name, score) VALUES (?, ?)');
 *   await db.transaction(async () => {
 *     for (const [name, score] of rows) await insert.run([name, score]);
 *   });
 *
 * `run(params)` is `db.run(sql, params)` without its per-call work: the SQL was parsed and its
 * parameters numbered once, here; the compiled plan (the INSERT's table writer and expressions,
 * an UPDATE's row search, the triggers) is kept with the statement's AST and reused while the
 * schema is the same object. Everything else is db.run's: the same parameter binding, the same
 * transaction rules (its own transaction in autocommit, a statement savepoint inside BEGIN, OR
 * clauses), one statement at a time with the connection's other statements.
 *
 * A schema change between runs (by this connection or another writer) is handled as SQLite's
 * sqlite3_prepare_v2 statements handle it: the next run plans the statement again against the
 * new schema, transparently (a table that is gone then fails that run with "no such table").
 */
import { MisuseError } from '../errors.js';
import { bindParameters, numberParameters, type BindParams, type NumberedStatement } from '../exec/dml/params.js';
import { StatementContext } from '../exec/expr-contract.js';
import type { ConnectionState } from '../exec/functions/scalar.js';
import { isWriteStatement } from '../exec/dml/execute.js';
import { appendPlanFor, type AppendPlan } from '../exec/dml/insert-append.js';
import type { StatementResult } from '../exec/dml/exec-env.js';
import { returningNames } from '../exec/dml/returning.js';
import { targetSchema } from '../exec/dml/target-table.js';
import type { Value } from '../exec/value.js';
import type { Schema } from '../schema/read-schema.js';
import { SqliteError } from '../errors.js';
import type { ParsedStatement } from '../sql/parser.js';
import type { Statement as Ast } from '../sql/ast.js';
import type { RunResult } from './database-types.js';
import { publicRow, type Row, type Statement, type TypedRow } from './statement.js';
import { needsSavepoint } from './statement-rules.js';
import { mentionsTemp } from './temp-database.js';

/**
 * What every run of one parsed statement reuses (db.run's runs of the same SQL text too, through
 * `writeFacts`): whether it writes, its parameter-numbered AST, whether it names TEMP.
 */
export interface WriteFacts {
  readonly parsed: ParsedStatement;
  /** INSERT / UPDATE / DELETE / DDL / a file PRAGMA write (else a control statement: BEGIN, SAVEPOINT, a setting PRAGMA …). */
  readonly write: boolean;
  readonly numbered: NumberedStatement;
  /** It names the TEMP database (temp-database.ts `mentionsTemp`). */
  readonly temp: boolean;
  /** Whether it needs a statement savepoint inside BEGIN, as of `schema` (statement-rules.ts `needsSavepoint`). */
  readonly savepoint: { schema: Schema | undefined; needed: boolean };
  /** The context of its runs, once made (see `runContext`). */
  context: StatementContext | undefined;
  /** Its bulk-append plan (insert-append.ts) as of `schema`; undefined plan: it does not qualify. */
  readonly append: { schema: Schema | undefined; plan: AppendPlan | undefined };
}

const factsOf = new WeakMap<ParsedStatement, WriteFacts>();

/** The facts of a parsed statement (cached: the connection's parse cache hands back the same object for the same text). */
export function writeFacts(parsed: ParsedStatement): WriteFacts {
  let facts = factsOf.get(parsed);
  if (facts === undefined) {
    const stmt = parsed.statement;
    const write = isWriteStatement(stmt);
    facts = { parsed, write, numbered: write ? numberParameters(stmt) : { statement: stmt, count: 0, names: new Map() }, temp: mentionsTemp(parsed.text, stmt), savepoint: { schema: undefined, needed: true }, context: undefined, append: { schema: undefined, plan: undefined } };
    factsOf.set(parsed, facts);
  }
  return facts;
}

/**
 * The evaluation context of a run of a write statement: the statement's own, rebound to the new
 * values — a connection runs its statements one at a time, and nothing keeps a context past its
 * statement (the connection's ExecEnv holds the last one until the next) — so a bulk load's run
 * makes no context, no parameter array; values bound by name get their own.
 */
export function runContext(facts: WriteFacts, params: BindParams | undefined, connection: ConnectionState): StatementContext {
  const own = facts.context;
  const reuse = own !== undefined && own.connection === connection;
  const bound = bindParameters(facts.numbered, params, reuse ? (own.params as ReusableParams) : undefined);
  if (reuse && bound === own.params) {
    own.restart();
    return own;
  }
  const ctx = new StatementContext(bound, connection);
  // Kept for the next run when it can be refilled in place (positional values, no names).
  if (own === undefined && facts.numbered.names.size === 0 && Array.isArray(params)) facts.context = ctx;
  return ctx;
}

type ReusableParams = { readonly positional: Value[]; readonly named: ReadonlyMap<string, Value> };

/** `needsSavepoint` of the statement, worked out once per schema. */
export function statementNeedsSavepoint(facts: WriteFacts, schema: Schema): boolean {
  const memo = facts.savepoint;
  if (memo.schema !== schema) {
    memo.needed = needsSavepoint(facts.parsed.statement, schema);
    memo.schema = schema;
  }
  return memo.needed;
}

/** The statement's bulk-append plan under `schema` (insert-append.ts), worked out once per schema. */
export function appendPlanOf(facts: WriteFacts, schema: Schema): AppendPlan | undefined {
  const memo = facts.append;
  if (memo.schema !== schema) {
    const stmt = facts.numbered.statement;
    memo.plan = stmt.kind === 'insert' && !facts.temp ? appendPlanFor(stmt, schema, facts.numbered.count, facts.numbered.names.size > 0) : undefined;
    memo.schema = schema;
  }
  return memo.plan;
}

/** Whether `db.prepare` makes a WriteStatement of `stmt` (anything it does not plan as a query). */
export function isPreparedWrite(stmt: Ast): boolean {
  switch (stmt.kind) {
    case 'begin':
    case 'commit':
    case 'rollback':
    case 'savepoint':
    case 'release':
    case 'vacuum':
      return true;
    case 'pragma':
      // `PRAGMA x = v` / `PRAGMA x(v)`: a setting (it may still return a row, as journal_mode does).
      return stmt.value !== undefined || isWriteStatement(stmt);
    default:
      return isWriteStatement(stmt);
  }
}

/** What a WriteStatement runs through: its Database (database.ts). */
export interface WriteHost {
  /** One run with db.run's rules; the result as db.run reports it. */
  runPrepared(facts: WriteFacts, params: BindParams | undefined): Promise<RunResult>;
  /** One run with db.run's rules; the executor's result (rows as executor values). */
  execPrepared(facts: WriteFacts, params: BindParams | undefined): Promise<StatementResult>;
}

/** What `db.prepare()` returns: a query (`Statement`) or anything else (`WriteStatement`). */
export type PreparedStatement = Statement | WriteStatement;

export class WriteStatement {
  /** The SQL text as prepared. */
  readonly sql: string;
  /**
   * Whether the statement returns rows (RETURNING, or a PRAGMA setting, which may return one):
   * `all`, `get` and `iterate` are for those; `run` is for any statement.
   */
  readonly reader: boolean;
  private names: readonly string[];

  /** @internal (`db.prepare` makes these) */
  constructor(
    private readonly host: WriteHost,
    private readonly facts: WriteFacts,
    schema: Schema,
  ) {
    this.sql = facts.parsed.text;
    const stmt = facts.parsed.statement;
    const returning = 'returning' in stmt ? stmt.returning : undefined;
    this.reader = returning !== undefined || stmt.kind === 'pragma';
    this.names = [];
    if (stmt.kind !== 'insert' && stmt.kind !== 'update' && stmt.kind !== 'delete') return;
    // SQLite reports an unknown table when the statement is prepared; so do we (other errors —
    // an unknown column, a constraint — come from the first run). The TEMP database may not be
    // open yet: a statement naming it is checked when it runs.
    const rel = facts.temp ? undefined : targetSchema(schema, stmt.table).relation(stmt.table.name);
    if (rel === undefined && !facts.temp) {
      throw new SqliteError('SQLITE_ERROR', `no such table: ${stmt.table.schema !== undefined ? `${stmt.table.schema}.` : ''}${stmt.table.name}`);
    }
    if (returning !== undefined && rel !== undefined && rel.kind === 'table') {
      const alias = rel.rowidAlias >= 0 && !rel.withoutRowid ? rel.columns[rel.rowidAlias]!.name : undefined;
      this.names = returningNames(returning, rel.columns.map((c) => c.name), alias, this.sql);
    }
  }

  /** Number of parameters (the largest ?N). */
  get parameterCount(): number {
    return this.facts.numbered.count;
  }

  /**
   * The names of the rows it returns (RETURNING's columns; [] for a statement that returns none):
   * as of the last run, or as planned against the schema at prepare time before the first.
   */
  columns(): string[] {
    return [...this.names];
  }

  /** A write statement has no EXPLAIN QUERY PLAN lines here (an empty list; a query's `plan()` has them). */
  plan(): string[] {
    return [];
  }

  /**
   * Runs the statement with `params` (an array binds ?, ?N; an object binds :name, @name, $name),
   * exactly as `db.run(sql, params)` would: changes, lastInsertRowid, and RETURNING's rows.
   */
  run(params?: BindParams): Promise<RunResult> {
    const out = this.host.runPrepared(this.facts, params);
    if (!this.reader) return out;
    return out.then((r) => {
      if (r.columns !== undefined) this.names = r.columns;
      return r;
    });
  }

  /** Runs the statement and returns every row it returns (MisuseError, without running it, when it returns none). */
  async all(params?: BindParams): Promise<Row[]> {
    const { columns, rows } = await this.rows(params);
    return rows.map((values) => publicRow(columns, values));
  }

  /** Runs the statement (all of it, as SQLite's first step does) and returns its first row, or undefined. */
  async get(params?: BindParams): Promise<Row | undefined> {
    const { columns, rows } = await this.rows(params);
    const first = rows[0];
    return first === undefined ? undefined : publicRow(columns, first);
  }

  /** Runs the statement (all of it, at the first `next()`) and yields the rows it returned. */
  async *iterate(params?: BindParams): AsyncGenerator<Row> {
    const { columns, rows } = await this.rows(params);
    for (const values of rows) yield publicRow(columns, values);
  }

  /** As `iterate`, rows as executor values (bigint INTEGER, number REAL: storage classes visible). */
  async *typedIterate(params?: BindParams): AsyncGenerator<TypedRow> {
    const { rows } = await this.rows(params);
    for (const values of rows) yield { values };
  }

  private async rows(params: BindParams | undefined): Promise<{ readonly columns: readonly string[]; readonly rows: Value[][] }> {
    if (!this.reader) throw new MisuseError('This statement does not return data. Use run() instead');
    const result = await this.host.execPrepared(this.facts, params);
    const returned = result.returned ?? { columns: [], rows: [] };
    this.names = returned.columns;
    return returned;
  }
}
