/**
 * `Database`: the public face of s3lite. Opens a database where it lies — S3 blocks, a block
 * directory, a plain file, any `BlockStore`/`ObjectStore`, or a `VfsFile` — and reads it
 * through the pager's cache, a page at a time, never downloading it whole.
 */
import { loadStats } from '../schema/stat1.js';
import { censusPages, type PageCensus } from '../btree/page-census.js';
import { CorruptError, MisuseError, SqliteError } from '../errors.js';
import { NO_CHANGES, type ExecEnv, type StatementResult } from '../exec/dml/exec-env.js';
import { executeWrite } from '../exec/dml/execute.js';
import type { BindParams } from '../exec/dml/params.js';
import type { StatementContext } from '../exec/expr-contract.js';
import type { TextEncoding } from '../record/text-encoding.js';
import { parseStatementsWithText, type ParsedStatement } from '../sql/parser.js';
import type { Statement } from '../sql/ast.js';
import { ConnectionPagers } from './connection-pagers.js';
import { mentionsTemp, TempDatabase } from './temp-database.js';
import { appendPlanOf, isPreparedWrite, runContext, statementNeedsSavepoint, writeFacts, WriteStatement, type PreparedStatement as AnyPrepared, type WriteFacts } from './write-statement.js';
import { touchesMain } from './temp-routing.js';
import { connectionSchema } from '../schema/connection-schema.js';
import { storageClassOf, toPublic, type Value } from '../exec/value.js';
import { SavepointNames } from './savepoints.js';
import { conflictOf, endsAutocommitTransaction, failsWithFail, statementMayAbort, undoAction, type Undo } from './statement-rules.js';
import { hasForeignKeys } from '../exec/dml/foreign-key-schema.js';
import { checkStatementEnd, deferredOutstanding, foreignKeyFailed, NO_DEFERRED, resetCounters, restore, snapshot, type FkSnapshot } from '../exec/dml/foreign-key-state.js';
import { defaultPragmaState, isSettingPragma, runSettingPragma, type PragmaState } from '../exec/pragma-set.js';
import { optimizeRows, planOptimize, type OptimizePlan } from '../exec/optimize-pragma.js';
import { readConsistent, readConsistentBatches, readConsistentCounts, readConsistentStream } from '../pager/consistent-read.js';
import { prepareQuery, publicRow, type Statement as QueryStatement } from './statement.js';
import { PlanCache } from './plan-cache.js';
import { checkDatabase } from './integrity.js';
import type { DatabaseHeader } from '../format/db-header.js';
import type { ConnectionState } from '../exec/functions/scalar.js';
import type { Pager } from '../pager/pager.js';
import type { SqlValue } from '../record/value.js';
import { readSchema, type Schema } from '../schema/read-schema.js';
import type { SchemaRow, TableInfo } from '../schema/schema-types.js';
import { readSchemaRows } from './schema-rows.js';
import { createPager, openPager } from './open-database.js';
import { tableSummaries } from './table-summaries.js';
import type { StoreOptions } from './store-options.js';
import { readableTable, tableRecordBatches, tableRowValueBatches, tableRows, type RecordShape, type RecordVisitor, type RowsOptions, type TypedRow } from './table-rows.js';
import type { CreateDatabaseOptions, DatabaseSource, OpenOptions, ReturnedRows, RunResult, TableSummary } from './database-types.js';

export type { CreateDatabaseOptions, DatabaseSource, OpenOptions, ReturnedRows, RunResult, TableSummary } from './database-types.js';
export type { RowsOptions, TypedRow } from './table-rows.js';
export type { BindParams } from '../exec/dml/params.js';
export type { PreparedStatement, WriteStatement } from './write-statement.js';

export class Database {
  /** main's sqlite_schema rows and schema; `schema` is what statements run against (with TEMP's objects when there is a TEMP database). */
  private schemaCache: { rows: SchemaRow[]; schema: Schema; main: Schema; cookie: number } | undefined;
  /** The connection's TEMP database, once a statement needed it (temp-database.ts). */
  private tempDb: TempDatabase | undefined;
  /** The write transaction over main and TEMP (connection-pagers.ts). */
  private readonly pagers: ConnectionPagers;
  private closed = false;
  /** BEGIN was run and no COMMIT/ROLLBACK yet (the pager transaction starts at the first write). */
  private explicitTx = false;
  /** last_insert_rowid() (a number when the bulk append set it: no BigInt per row). */
  private lastRowid: bigint | number = 0n;
  /** Rows changed by the last INSERT/UPDATE/DELETE, and by all of them: changes(), total_changes(). */
  private lastChanges = 0;
  private totalChanges = 0;
  /** What changes(), total_changes() and last_insert_rowid() read, in queries and statements. */
  private readonly connection: ConnectionState = {
    lastInsertRowid: () => BigInt(this.lastRowid),
    changes: () => BigInt(this.lastChanges),
    totalChanges: () => BigInt(this.totalChanges),
  };
  /** What the connection PRAGMAs set (recursive_triggers, foreign_keys, …). */
  private readonly pragmas: PragmaState = defaultPragmaState();
  /** Open savepoints (SAVEPOINT name), outermost first. */
  private readonly savepoints = new SavepointNames();
  /** The deferred foreign key counts when each open savepoint began, and when the running statement began. */
  private readonly fkSaved: FkSnapshot[] = [];
  private fkStatementStart: FkSnapshot = { deferred: 0, deferredImm: 0 };
  /** Parsed statements by SQL text (a small LRU: repeated INSERTs are parsed once). */
  private readonly parsed = new Map<string, ParsedStatement[]>();
  /** Planned SELECTs of `query()` by SQL text, each valid for the schema it was planned against. */
  private readonly planned = new PlanCache<QueryStatement>();
  /** The write statements' environment (see `execute`). */
  private env: { -readonly [K in keyof ExecEnv]: ExecEnv[K] } | undefined;
  /** Serialises statements: one at a time on a connection, as SQLite's mutex does. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Operations queued or running (one that finished without waiting never counts). */
  private running = 0;

  /** How the database was opened (S3 endpoint, credentials …): `VACUUM INTO s3://…` writes with them. */
  private storeOptions: StoreOptions = {};

  private constructor(
    private readonly pager: Pager,
    private readonly release: () => Promise<void>,
    /** Where the database lives, as users write it. */
    readonly url: string,
  ) {
    this.pagers = new ConnectionPagers(pager);
  }

  /**
   * Opens a database: `s3://bucket/prefix`, a block directory (`dir/`), a plain `.sqlite` file,
   * a parsed `Location`, a `BlockStore`, `{ objects, prefix }`, or any `VfsFile`.
   */
  static async open(source: DatabaseSource, options: OpenOptions = {}): Promise<Database> {
    const { pager, release, url } = await openPager(source, options);
    const db = new Database(pager, release, url);
    db.storeOptions = options;
    return db;
  }

  /**
   * Creates a new, empty database (page 1 only: header + empty sqlite_schema) and opens it for
   * writing. MisuseError when something is already there.
   */
  static async create(source: DatabaseSource, options: CreateDatabaseOptions = {}): Promise<Database> {
    const made = await createPager(source, options);
    // Page 1 is written; every later write goes through the commit protocol like any writer's.
    return made !== undefined ? new Database(made.pager, made.release, made.url) : Database.open(source, { ...options, readonly: false });
  }

  /** Whether BEGIN has been run without a matching COMMIT/ROLLBACK. */
  get inTransaction(): boolean {
    return this.explicitTx;
  }

  /**
   * Runs every statement of `sql` in order (`;`-separated). The parameters, when given, are
   * bound to each statement. Stops at the first error; statements before it stay done.
   */
  async exec(sql: string, params?: BindParams): Promise<void> {
    await this.serialised(async () => {
      for (const parsed of this.parse(sql)) await this.runOne(writeFacts(parsed), params);
    });
  }

  /** Runs `sql` (one statement, or several: the last one's result is returned). */
  run(sql: string, params?: BindParams): Promise<RunResult> {
    let list: ParsedStatement[];
    try {
      list = this.parse(sql);
    } catch (err) {
      return Promise.reject(err);
    }
    // The bulk-load case: as a prepared statement's run (write-statement.ts).
    if (list.length === 1) return this.runPrepared(writeFacts(list[0]!), params);
    return this.serialised(() => {
      return (async () => {
        let result: StatementResult = NO_CHANGES;
        for (const parsed of list) result = await this.runOne(writeFacts(parsed), params);
        return this.runResult(result);
      })();
    });
  }

  private runResult(result: StatementResult): RunResult {
    const base = { changes: result.changes, lastInsertRowid: toPublic(this.lastRowid) as number | bigint };
    const returned = result.returned;
    if (returned === undefined) return base;
    return { ...base, columns: returned.columns, rows: returned.rows.map((values) => publicRow(returned.columns, values)) };
  }

  /**
   * Runs every statement of `sql` like `exec`, handing `onStatement` each statement's returned
   * rows (RETURNING, SELECT, PRAGMA — with their storage classes; undefined when it returns
   * none) and its change count, as soon as the statement is done.
   */
  async execRows(
    sql: string,
    params: BindParams | undefined,
    onStatement: (rows: ReturnedRows | undefined, result: { readonly changes: number }) => void,
  ): Promise<void> {
    await this.serialised(async () => {
      for (const parsed of this.parse(sql)) {
        const r = await this.runOne(writeFacts(parsed), params);
        const rows =
          r.returned === undefined
            ? undefined
            : { columns: r.returned.columns, rows: r.returned.rows.map((values) => ({ values: values.map(toPublic), classes: values.map(storageClassOf) })) };
        onStatement(rows, { changes: r.changes });
      }
    });
  }

  /**
   * Runs `fn` inside BEGIN … COMMIT; a throw (or rejection) rolls everything back and is
   * rethrown. Not nestable (MisuseError inside another transaction).
   */
  async transaction<T>(fn: () => Promise<T> | T): Promise<T> {
    if (this.explicitTx) throw new MisuseError('cannot start a transaction within a transaction');
    await this.exec('BEGIN');
    let out: T;
    try {
      out = await fn();
    } catch (err) {
      if (this.explicitTx) await this.exec('ROLLBACK');
      throw err;
    }
    if (this.explicitTx) await this.exec('COMMIT');
    return out;
  }

  private parse(sql: string): ParsedStatement[] {
    let list = this.parsed.get(sql);
    if (list === undefined) {
      list = parseStatementsWithText(sql);
      if (this.parsed.size >= 64) this.parsed.delete(this.parsed.keys().next().value!);
      this.parsed.set(sql, list);
    }
    return list;
  }

  /**
   * Runs `f` after every statement queued before it. With nothing queued it runs at once, so a
   * statement that needs no Promise (a bulk load's usual INSERT) costs only its result's.
   */
  private serialised<T>(f: () => T | Promise<T>): Promise<T> {
    if (this.running === 0) {
      let out: T | Promise<T>;
      try {
        out = f();
      } catch (err) {
        return Promise.reject(err);
      }
      return out instanceof Promise ? this.track(out) : Promise.resolve(out);
    }
    return this.track(this.queue.then(f, f));
  }

  /** Makes `p` the tail of the queue until it settles. */
  private track<T>(p: Promise<T>): Promise<T> {
    this.running++;
    const done = (): void => {
      this.running--;
    };
    this.queue = p.then(done, done);
    return p;
  }

  /**
   * One statement with SQLite's transaction rules:
   * - autocommit (no BEGIN): the statement runs in its own pager transaction, committed when
   *   it succeeds and rolled back when it fails;
   * - inside BEGIN: the first writing statement opens the pager transaction; each statement
   *   runs under a statement savepoint (Pager.beginStatement), so a failing statement is
   *   undone alone (OR ROLLBACK undoes the whole transaction, OR FAIL keeps the rows done
   *   before the failure), and COMMIT/ROLLBACK end it. A one-row INSERT needs no savepoint
   *   (see `needsSavepoint`).
   * Synchronous when the statement is: a write transaction open, the schema loaded and the
   * statement done without waiting (a bulk load's INSERTs).
   */
  private runOne(facts: WriteFacts, params: BindParams | undefined): StatementResult | Promise<StatementResult> {
    if (this.closed) throw new MisuseError('the database is closed');
    const parsed = facts.parsed;
    const stmt = parsed.statement;
    if (!facts.write) return this.runControl(stmt, parsed.text, params);
    const numbered = facts.numbered;
    const ctx = runContext(facts, params, this.connection);
    const cached = this.schemaCache;
    const temp = this.tempDb;
    if (
      this.pager.inWriteTransaction &&
      (temp === undefined ? !facts.temp : temp.pager.inWriteTransaction) &&
      compiler !== undefined &&
      cached !== undefined &&
      cached.cookie === this.pager.header.schemaCookie
    ) {
      return this.execute(facts, numbered.statement, ctx, cached.schema, compiler);
    }
    return (async () => {
      let schema: Schema;
      let compile: Compiler;
      try {
        // A statement that changes only TEMP objects leaves main alone (a read-only main, or no
        // writer's lease taken over S3 for a TEMP table).
        if (await this.beginTempWrite(parsed)) {
          if (touchesMain(stmt, await this.tempDb!.schema()) && !this.pager.inWriteTransaction) await this.beginPagerWrite();
        } else if (!this.pager.inWriteTransaction) await this.beginPagerWrite();
        schema = (await this.loadSchema()).schema;
        compile = compiler ?? (await loadCompiler());
      } catch (err) {
        return this.failed(err, { conflict: conflictOf(stmt), autocommit: !this.explicitTx, savepoint: false, stampBefore: this.pagers.writeStamp });
      }
      return this.execute(facts, numbered.statement, ctx, schema, compile);
    })();
  }

  /**
   * Opens the TEMP database when the statement names it and there is none yet, and its write
   * transaction when there is one: whether the connection has a TEMP database.
   */
  private async beginTempWrite(parsed: ParsedStatement): Promise<boolean> {
    await this.openTempFor(parsed);
    if (this.tempDb === undefined) return false;
    await this.tempDb.beginWrite(this.savepoints.depth);
    return true;
  }

  /** Creates the TEMP database if `parsed` names it (temp-database.ts `mentionsTemp`). */
  private async openTempFor(parsed: ParsedStatement): Promise<void> {
    if (this.tempDb !== undefined || !mentionsTemp(parsed.text, parsed.statement)) return;
    this.tempDb = await TempDatabase.create(this.pager.header.textEncoding);
    this.pagers.temp = this.tempDb.pager;
    this.forgetSchema();
  }

  /** The cached schemas are stale (a schema change, a rollback, another writer). */
  private forgetSchema(): void {
    this.schemaCache = undefined;
    this.tempDb?.forget();
  }

  /** BEGIN, COMMIT, ROLLBACK (and what is refused: savepoints, statements that are not writes). */
  private async runControl(stmt: Statement, text: string, params: BindParams | undefined): Promise<StatementResult> {
    if (this.explicitTx) return this.runControlStatement(stmt, text, params);
    // In autocommit, a statement that opens (and so ends) a transaction turns defer_foreign_keys
    // off, as SQLite's commit or rollback at its end does; so does one that fails at run time.
    try {
      const out = await this.runControlStatement(stmt, text, params);
      if (!this.explicitTx && endsAutocommitTransaction(stmt, this.schemaCache?.schema)) resetCounters(this.pragmas.fk);
      return out;
    } catch (err) {
      if (!this.explicitTx && stmt.kind !== 'pragma' && stmt.kind !== 'select') resetCounters(this.pragmas.fk);
      throw err;
    }
  }

  private async runControlStatement(stmt: Statement, text: string, params: BindParams | undefined): Promise<StatementResult> {
    switch (stmt.kind) {
      case 'select':
      case 'explain':
        return this.runQuery(text, params);
      case 'pragma':
        if (stmt.name.toLowerCase() === 'optimize') {
          const decide = async (): Promise<OptimizePlan> => planOptimize(this.pager, (await this.loadSchema()).schema, stmt);
          const plan = await (this.pagers.inWriteTransaction ? decide() : readConsistent(this.pager, decide));
          for (const parsed of plan.debug ? [] : this.parse(plan.statements.join(';'))) await this.runOne(writeFacts(parsed), undefined);
          return plan.debug ? { ...NO_CHANGES, returned: optimizeRows(plan) } : NO_CHANGES;
        }
        if (isSettingPragma(stmt)) {
          // foreign_keys cannot change inside a transaction (SQLite ignores it there).
          if (this.explicitTx && stmt.value !== undefined && stmt.name.toLowerCase() === 'foreign_keys') return NO_CHANGES;
          return runSettingPragma(this.pager, this.pragmas, stmt);
        }
        return this.runQuery(text, params);
      case 'vacuum': {
        const { runVacuum } = await import('./vacuum-statement.js');
        return runVacuum(stmt, params, {
          pager: this.pager,
          inExplicitTransaction: this.explicitTx,
          nextAutoVacuum: this.pragmas.nextAutoVacuum,
          storeOptions: this.storeOptions,
          loadSchema: () => this.loadSchema(),
          beginPagerWrite: () => this.beginPagerWrite(),
          commitOrRollback: () => this.commitOrRollback(),
          afterRebuild: () => {
            this.forgetSchema();
            this.pagers.rollback();
          },
        });
      }
      case 'begin':
        if (this.explicitTx) throw new SqliteError('SQLITE_ERROR', 'cannot start a transaction within a transaction');
        this.explicitTx = true;
        if (stmt.mode !== 'DEFERRED') await this.beginPagerWrite();
        return NO_CHANGES;
      case 'commit':
        if (!this.explicitTx) throw new SqliteError('SQLITE_ERROR', 'cannot commit - no transaction is active');
        // Deferred foreign key violations outstanding: the COMMIT fails, the transaction stays open.
        if (deferredOutstanding(this.pragmas.fk)) throw foreignKeyFailed();
        if (this.pagers.inWriteTransaction) await this.pagers.commit();
        this.explicitTx = false;
        this.savepoints.truncate(0);
        this.fkSaved.length = 0;
        resetCounters(this.pragmas.fk);
        return NO_CHANGES;
      case 'rollback':
        if (stmt.savepoint !== undefined) {
          // ROLLBACK TO: undone back to the savepoint, which stays open.
          const depth = this.savepoints.find(stmt.savepoint);
          this.savepoints.truncate(depth + 1);
          this.fkSaved.length = depth + 1;
          const saved = this.fkSaved[depth];
          if (saved !== undefined) restore(this.pragmas.fk, saved);
          this.pagers.rollbackToSavepoint(depth);
          this.forgetSchema();
          return NO_CHANGES;
        }
        if (!this.explicitTx) throw new SqliteError('SQLITE_ERROR', 'cannot rollback - no transaction is active');
        this.rollbackAll();
        return NO_CHANGES;
      case 'savepoint':
        if (!this.explicitTx) {
          // Outside BEGIN a savepoint starts a transaction (deferred), ended by its RELEASE.
          this.explicitTx = true;
          this.savepoints.startedTransaction = true;
        }
        this.savepoints.push(stmt.name);
        this.fkSaved.push(snapshot(this.pragmas.fk));
        this.pagers.openSavepoint();
        return NO_CHANGES;
      case 'release': {
        const depth = this.savepoints.find(stmt.name);
        const commits = depth === 0 && this.savepoints.startedTransaction;
        if (commits && deferredOutstanding(this.pragmas.fk)) throw foreignKeyFailed();
        this.savepoints.truncate(depth);
        this.fkSaved.length = depth;
        this.pagers.releaseSavepoint(depth);
        if (commits) {
          if (this.pagers.inWriteTransaction) await this.commitOrRollback();
          this.explicitTx = false;
          resetCounters(this.pragmas.fk);
        }
        return NO_CHANGES;
      }
      default:
        throw new SqliteError('SQLITE_ERROR', `${stmt.kind.toUpperCase()} statements are not supported by exec/run`);
    }
  }

  /** A statement that only reads (SELECT, EXPLAIN QUERY PLAN, a read-only PRAGMA): its rows. */
  private async runQuery(text: string, params: BindParams | undefined): Promise<StatementResult> {
    await this.openTempNamedIn(text);
    const read = async (): Promise<StatementResult> => {
      const { schema } = await this.loadSchema();
      const stmt = prepareQuery({ pager: this.pager, schema, file: this.url, connection: this.connection }, text, { consistent: false });
      const rows: Value[][] = [];
      for await (const r of stmt.typedIterate(params)) rows.push(r.values);
      return { ...NO_CHANGES, returned: { columns: stmt.columns(), rows } };
    };
    // Inside a write transaction the connection reads its own changes; else one committed state.
    return this.pagers.inWriteTransaction ? read() : readConsistent(this.pager, read);
  }

  /** The write statement inside the open pager transaction (see `runOne`); no closure unless it waits. */
  private execute(facts: WriteFacts, statement: Statement, ctx: StatementContext, schema: Schema, compile: Compiler): StatementResult | Promise<StatementResult> {
    const stmt = facts.parsed.statement;
    const autocommit = !this.explicitTx;
    const savepoint = !autocommit && (statementNeedsSavepoint(facts, schema) || (this.pragmas.foreignKeys && stmt.kind === 'insert' && hasForeignKeys(schema, stmt.table.name)));
    if (savepoint) this.pagers.beginStatement();
    const fk = this.pragmas.fk;
    fk.statement = 0;
    fk.noJournal = false;
    this.fkStatementStart = fk.deferred === 0 && fk.deferredImm === 0 ? NO_DEFERRED : snapshot(fk);
    const stamp = this.pagers.writeStamp;
    // One environment object per connection, its statement context replaced per statement (they
    // run one at a time; nothing keeps an environment past its statement): no object per run.
    const encoding = this.pager.header.textEncoding as TextEncoding;
    let env = this.env;
    if (env === undefined || env.schema !== schema || env.compile !== compile || env.encoding !== encoding) {
      env = this.env = { pager: this.pager, schema, encoding, ctx, compile, settings: this.pragmas };
    } else env.ctx = ctx;
    let out: StatementResult | Promise<StatementResult>;
    try {
      out = executeWrite(env, statement, facts.parsed.text);
    } catch (err) {
      return this.executeFailed(err, stmt, schema, autocommit, savepoint, stamp);
    }
    if (out instanceof Promise) {
      return out.then(
        (r) => this.executeDone(r, stmt, autocommit, savepoint, stamp),
        (err: unknown) => this.executeFailed(err, stmt, schema, autocommit, savepoint, stamp),
      );
    }
    return this.executeDone(out, stmt, autocommit, savepoint, stamp);
  }

  /** The statement ran: its foreign keys checked, then `finish`. */
  private executeDone(r: StatementResult, stmt: Statement, autocommit: boolean, savepoint: boolean, stamp: number): StatementResult | Promise<StatementResult> {
    const fk = this.pragmas.fk;
    // Immediate foreign key violations left by the statement (deferred ones too in autocommit) fail it.
    if (this.pragmas.foreignKeys || fk.deferred + fk.deferredImm > 0) {
      try {
        checkStatementEnd(fk, autocommit);
      } catch (err) {
        return this.failed(err, { conflict: conflictOf(stmt), autocommit, savepoint, stampBefore: stamp });
      }
    }
    return this.finish(r, autocommit, savepoint, stmt.kind === 'insert' || stmt.kind === 'update' || stmt.kind === 'delete');
  }

  /** The statement failed: undone as its conflict clause says (see `undoStatement`). */
  private executeFailed(err: unknown, stmt: Statement, schema: Schema, autocommit: boolean, savepoint: boolean, stamp: number): Promise<never> {
    // A statement stopped by an OR FAIL conflict still has its foreign keys checked (SQLite's
    // halt does): outstanding violations turn the error into a foreign key one, which undoes it.
    if (this.pragmas.foreignKeys && failsWithFail(err, conflictOf(stmt))) {
      try {
        checkStatementEnd(this.pragmas.fk, autocommit);
      } catch (fkErr) {
        err = fkErr;
      }
    }
    return this.failed(err, { conflict: conflictOf(stmt), mayAbort: statementMayAbort(stmt, schema, this.pragmas.foreignKeys), autocommit, savepoint, stampBefore: stamp });
  }

  /** A statement succeeded: its savepoint released, or (autocommit) its transaction committed. */
  private finish(result: StatementResult, autocommit: boolean, savepoint: boolean, dml: boolean): StatementResult | Promise<StatementResult> {
    if (result.schemaChanged) this.forgetSchema();
    if (autocommit) {
      return this.commitOrRollback().then(() => {
        this.counted(result, dml);
        return result;
      });
    }
    if (savepoint) this.pagers.endStatement();
    this.counted(result, dml);
    return result;
  }

  /** A statement's effect on the connection's counters (only INSERT/UPDATE/DELETE change them, as in SQLite). */
  private counted(result: StatementResult, dml: boolean): void {
    if (result.lastInsertRowid !== undefined) this.lastRowid = result.lastInsertRowid;
    if (dml) {
      this.lastChanges = result.changes;
      this.totalChanges += result.changes;
    }
  }

  private async failed(err: unknown, undo: Undo): Promise<never> {
    await this.undoStatement(err, undo);
    throw err;
  }

  private async beginPagerWrite(): Promise<void> {
    await this.pager.beginWrite();
    // Savepoints opened before the first write start here (nothing changed since).
    for (let i = 0; i < this.savepoints.depth; i++) this.pager.openSavepoint();
    // beginWrite re-read the header: another writer may have changed the schema.
    if (this.schemaCache !== undefined && this.schemaCache.cookie !== this.pager.header.schemaCookie) this.forgetSchema();
  }

  private async commitOrRollback(): Promise<void> {
    try {
      await this.pagers.commit();
    } finally {
      resetCounters(this.pragmas.fk);
      this.pagers.rollback();
    }
  }

  private rollbackAll(): void {
    this.pagers.rollback();
    this.explicitTx = false;
    this.savepoints.truncate(0);
    this.fkSaved.length = 0;
    resetCounters(this.pragmas.fk);
    this.forgetSchema();
  }

  /** A statement failed: undo it (or more, or less, per its conflict clause). */
  private async undoStatement(err: unknown, undo: Undo): Promise<void> {
    this.forgetSchema();
    if (!this.pagers.inWriteTransaction) return;
    switch (undoAction(err, undo)) {
      case 'transaction':
        this.rollbackAll();
        return;
      case 'commit':
        await this.commitOrRollback();
        return;
      case 'keep':
        if (undo.savepoint) this.pagers.endStatement();
        return;
      case 'statement':
        if (this.pragmas.fk.noJournal !== true) restore(this.pragmas.fk, this.fkStatementStart);
        if (undo.savepoint) this.pagers.rollbackStatement();
        // Without a savepoint nothing can fail after the first change but I/O or a corrupt page;
        // then the whole transaction is rolled back, as SQLite does after an I/O error.
        else if (this.pagers.writeStamp !== undo.stampBefore) this.rollbackAll();
    }
  }

  /** The decoded 100-byte database header. */
  get header(): DatabaseHeader {
    return this.pager.header;
  }

  /** Pages read from the store so far and cache hits (for tests and benchmarks). */
  get stats(): { readonly reads: number; readonly hits: number } {
    return this.pager.stats;
  }

  /** The rows of sqlite_schema, in stored order. */
  async schema(): Promise<SchemaRow[]> {
    return this.read(async () => [...(await this.loadSchema()).rows]);
  }

  /**
   * Runs a read of this connection so that it sees one committed state (retried when another
   * writer's commit overlapped it), one statement at a time.
   */
  private read<T>(fn: () => Promise<T>): Promise<T> {
    return this.serialised(() => readConsistent(this.pager, fn));
  }

  /** Every table, index, view and virtual table with its root page and entry count. */
  async tables(): Promise<TableSummary[]> {
    return this.read(async () => {
      const { rows, main } = await this.loadSchema();
      return tableSummaries(this.pager, rows, main);
    });
  }

  /**
   * Prepares one statement. A query (SELECT, EXPLAIN QUERY PLAN, a PRAGMA that reads) gives a
   * `Statement`: `all(params)`, `get(params)`, `iterate(params)` (rows stream while pages are still
   * being fetched), `columns()`, `plan()`; re-prepare it after changing the schema. Anything else
   * (INSERT/UPDATE/DELETE, RETURNING, DDL, BEGIN …) gives a `WriteStatement` (write-statement.ts):
   * `run(params)` as `db.run` without the per-call parsing and lookups.
   */
  async prepare(sql: string): Promise<AnyPrepared> {
    const list = this.parse(sql);
    if (list.length === 1 && isPreparedWrite(list[0]!.statement)) {
      const facts = writeFacts(list[0]!);
      return this.read(async () => new WriteStatement(this, facts, (await this.loadSchema()).schema));
    }
    return this.read(async () => {
      await this.openTempNamedIn(sql);
      const { schema } = await this.loadSchema();
      return prepareQuery({ pager: this.pager, schema, file: this.url, connection: this.connection }, sql);
    });
  }

  /** @internal A WriteStatement's `run` (write-statement.ts's WriteHost). */
  runPrepared(facts: WriteFacts, params: BindParams | undefined): Promise<RunResult> {
    // `serialised` without its closure: with nothing queued, a statement that needed no Promise
    // (a bulk load's usual INSERT) costs only its result's.
    if (this.running !== 0) return this.serialised(() => this.runPreparedNow(facts, params));
    let out: RunResult | Promise<RunResult>;
    try {
      out = this.appendRow(facts, params) ?? this.runPreparedNow(facts, params);
    } catch (err) {
      return Promise.reject(err);
    }
    return out instanceof Promise ? this.track(out) : Promise.resolve(out);
  }

  /**
   * A bulk load's INSERT inside BEGIN, appended without the executor (insert-append.ts): its
   * result; undefined, nothing changed, when the statement or the row does not qualify.
   */
  private appendRow(facts: WriteFacts, params: BindParams | undefined): RunResult | Promise<never> | undefined {
    const cached = this.schemaCache;
    const fk = this.pragmas.fk;
    if (!this.explicitTx || this.tempDb !== undefined || cached === undefined || fk.deferred + fk.deferredImm !== 0 || !this.pager.inWriteTransaction) return undefined;
    const header = this.pager.header;
    const plan = cached.cookie === header.schemaCookie ? appendPlanOf(facts, cached.schema) : undefined;
    if (plan === undefined || (this.pragmas.foreignKeys && plan.foreignKeys)) return undefined;
    const stamp = this.pagers.writeStamp;
    let rowid: number;
    try {
      rowid = plan.append(this.pager, params, header.textEncoding as TextEncoding);
    } catch (err) {
      return this.executeFailed(err, facts.parsed.statement, cached.schema, false, false, stamp);
    }
    if (rowid < 0) return undefined;
    // As `execute` and `counted` for the statement.
    fk.statement = 0;
    fk.noJournal = false;
    this.fkStatementStart = NO_DEFERRED;
    this.lastRowid = rowid;
    this.lastChanges = 1;
    this.totalChanges++;
    return { changes: 1, lastInsertRowid: rowid };
  }

  private runPreparedNow(facts: WriteFacts, params: BindParams | undefined): RunResult | Promise<RunResult> {
    const out = this.runOne(facts, params);
    return out instanceof Promise ? out.then((r) => this.runResult(r)) : this.runResult(out);
  }

  /** @internal A WriteStatement's runs that return rows (write-statement.ts's WriteHost). */
  execPrepared(facts: WriteFacts, params: BindParams | undefined): Promise<StatementResult> {
    return this.serialised(() => this.runOne(facts, params));
  }

  /** Runs a SELECT and returns all its rows (objects keyed by column name). */
  async query(sql: string, params?: BindParams): Promise<Record<string, SqlValue>[]> {
    // One consistent read around the schema, the plan and the rows (the statement itself does
    // not check again).
    return this.read(async () => {
      await this.openTempNamedIn(sql);
      const { schema } = await this.loadSchema();
      const stmt = this.planned.get(sql, schema, () => prepareQuery({ pager: this.pager, schema, file: this.url, connection: this.connection }, sql, { consistent: false }));
      return stmt.all(params);
    });
  }

  /** Column names of a table in declaration order. */
  async columns(table: string): Promise<string[]> {
    return this.read(async () => (await this.table(table)).columns.map((c) => c.name));
  }

  /** Rows of a table in rowid (or primary key) order, values in declaration order. */
  rows(table: string, options: RowsOptions = {}): AsyncGenerator<SqlValue[]> {
    // As typedRows, without the storage classes, and in batches inside: no row objects, and a
    // Promise per run of rows that needed no page fetch rather than per row.
    return readConsistentBatches(this.pager, () => this.scan(table, (info) => tableRowValueBatches(this.pager, info, options)));
  }

  /** Rows with their storage classes (tells INTEGER 2 from REAL 2.0). */
  typedRows(table: string, options: RowsOptions = {}): AsyncGenerator<TypedRow> {
    return readConsistentStream(this.pager, () => this.scan(table, (info) => tableRows(this.pager, info, options)));
  }

  /**
   * The raw records of a table, for a consumer that decodes them itself (the CLI's JSON Lines and
   * CSV output): see `tableRecordBatches`. Yields how many rows were visited since the last yield.
   * @internal
   */
  recordBatches(table: string, options: RowsOptions, visitorFor: (shape: RecordShape) => RecordVisitor): AsyncGenerator<number> {
    return readConsistentCounts(this.pager, () => this.scan(table, (info) => tableRecordBatches(this.pager, info, options, visitorFor)));
  }

  /**
   * One attempt of a table scan for the consistent streams above (retried until the first row;
   * BusyError if a commit overlaps it after that). The table is looked up inside the attempt, so
   * a schema another writer changed is seen.
   */
  private async *scan<T>(table: string, open: (info: TableInfo) => AsyncIterable<T>): AsyncGenerator<T> {
    yield* open(await this.table(table));
  }

  /** A census of every page by kind and owner, like the dbstat virtual table. */
  async pages(): Promise<PageCensus> {
    return this.read(async () => {
      const { rows } = await this.loadSchema();
      return censusPages(
        this.pager,
        rows.filter((r) => r.rootPage > 0).map((r) => ({ name: r.name, rootPgno: r.rootPage })),
      );
    });
  }

  /**
   * Our integrity check over every b-tree (indexes in their own collation order) and the page
   * census: the problems found, or an empty list when the database is sound.
   */
  async check(): Promise<string[]> {
    return this.read(async () => {
      const { rows, main } = await this.loadSchema();
      return checkDatabase(this.pager, rows, main);
    });
  }

  /** Closes the database; an open transaction is rolled back. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue;
    this.closed = true;
    this.pagers.rollback();
    this.explicitTx = false;
    // The TEMP database goes with the connection.
    this.tempDb?.close();
    this.tempDb = undefined;
    this.pagers.temp = undefined;
    await this.release();
  }

  private async table(name: string): Promise<TableInfo> {
    // The inspection API (rows, columns, tables, pages, check) reads main's objects.
    return readableTable((await this.loadSchema()).main, name);
  }

  private async loadSchema(): Promise<{ rows: SchemaRow[]; schema: Schema; main: Schema }> {
    if (this.closed) throw new MisuseError('the database is closed');
    // The schema cookie moves whenever anyone (this connection or another writer) changes the schema.
    if (this.schemaCache === undefined || this.schemaCache.cookie !== this.pager.header.schemaCookie) {
      const cookie = this.pager.header.schemaCookie;
      const rows = await readSchemaRows(this.pager);
      const main = readSchema(rows);
      // With a TEMP database, statements see both (connection-schema.ts).
      const schema = this.tempDb === undefined ? main : connectionSchema(main, await this.tempDb.schema());
      // sqlite_stat1's numbers are read with the schema, as SQLite reloads them (stat1.ts).
      await loadStats(this.pager, schema);
      this.schemaCache = { rows, schema, main, cookie };
    }
    return this.schemaCache;
  }

  /** Opens the TEMP database before a query that names it (`sqlite_temp_schema`, `temp.x`). */
  private async openTempNamedIn(sql: string): Promise<void> {
    if (this.tempDb !== undefined || !/temp/i.test(sql)) return;
    for (const parsed of this.parse(sql)) await this.openTempFor(parsed);
  }
}

type Compiler = typeof import('../exec/expr/compile.js')['compileExpr'];
let compiler: Compiler | undefined;

/** The expression compiler, loaded on the first write (the read API does not pull it in). */
async function loadCompiler(): Promise<Compiler> {
  compiler ??= (await import('../exec/expr/compile.js')).compileExpr;
  return compiler;
}

export { CorruptError };
