/**
 * The SQL abstract syntax tree: plain, frozen, kind-tagged objects (the kysely habit), so that
 * later layers switch on `kind` and never mutate a parsed statement.
 *
 * Names are stored unquoted (`"a""b"` → `a"b`). Where SQLite keeps source text (a view's
 * SELECT, a trigger body, a column's declared type, a DEFAULT clause) we keep it too, because
 * `PRAGMA table_info` and friends report it verbatim.
 */

// ── Expressions (https://www.sqlite.org/lang_expr.html) ──────────────────────────────────────

export type LiteralExpr =
  | { readonly kind: 'literal'; readonly type: 'null'; readonly value: null; readonly text: string }
  /** Integers that fit in a safe integer are numbers, others bigints (the varint convention). */
  | { readonly kind: 'literal'; readonly type: 'integer'; readonly value: number | bigint; readonly text: string }
  | { readonly kind: 'literal'; readonly type: 'real'; readonly value: number; readonly text: string }
  | { readonly kind: 'literal'; readonly type: 'text'; readonly value: string; readonly text: string }
  | { readonly kind: 'literal'; readonly type: 'blob'; readonly value: Uint8Array; readonly text: string };

/** CURRENT_TIME, CURRENT_DATE, CURRENT_TIMESTAMP: evaluated per statement. */
export interface CurrentTimeExpr {
  readonly kind: 'current-time';
  readonly which: 'CURRENT_TIME' | 'CURRENT_DATE' | 'CURRENT_TIMESTAMP';
}

/**
 * `col`, `tbl.col`, `schema.tbl.col`. `doubleQuoted` is set for a lone `"name"`: SQLite reads
 * it as a string literal when no column of that name is in scope.
 */
export interface ColumnRefExpr {
  readonly kind: 'column';
  readonly schema?: string;
  readonly table?: string;
  readonly column: string;
  readonly doubleQuoted: boolean;
}

/** `?`, `?NNN`, `:name`, `@name`, `$name`; `name` is the text as written. */
export interface ParameterExpr {
  readonly kind: 'parameter';
  readonly name: string;
}

export type UnaryOp = '-' | '+' | '~' | 'NOT';
export interface UnaryExpr {
  readonly kind: 'unary';
  readonly op: UnaryOp;
  readonly operand: Expr;
}

/**
 * `==` is normalised to `=`, `<>` to `!=`, `IS NOT DISTINCT FROM` to `IS` and
 * `IS DISTINCT FROM` to `IS NOT` (they are the same operators in SQLite).
 */
export type BinaryOp =
  | '||' | '->' | '->>'
  | '*' | '/' | '%'
  | '+' | '-'
  | '&' | '|' | '<<' | '>>'
  | '<' | '<=' | '>' | '>='
  | '=' | '!=' | 'IS' | 'IS NOT'
  | 'AND' | 'OR';
export interface BinaryExpr {
  readonly kind: 'binary';
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
}

export interface CollateExpr {
  readonly kind: 'collate';
  readonly expr: Expr;
  readonly collation: string;
}

export interface CastExpr {
  readonly kind: 'cast';
  readonly expr: Expr;
  /** The type name as written (may be empty). */
  readonly type: string;
}

export interface CaseExpr {
  readonly kind: 'case';
  readonly operand?: Expr;
  readonly whens: readonly { readonly when: Expr; readonly then: Expr }[];
  readonly else?: Expr;
}

export interface FunctionExpr {
  readonly kind: 'function';
  /** As written (function names are case-insensitive). */
  readonly name: string;
  readonly args: readonly Expr[];
  readonly distinct: boolean;
  /** `count(*)` */
  readonly star: boolean;
  readonly orderBy?: readonly OrderingTerm[];
  readonly filter?: Expr;
  /** `OVER name` (the name) or `OVER (…)`: a window function. */
  readonly over?: string | WindowDefinition;
}

/**
 * `( [base] [PARTITION BY …] [ORDER BY …] [frame] )` (https://www.sqlite.org/windowfunctions.html).
 * A frame offset that is not a constant expression is parsed as NULL, as SQLite's parser does
 * (sqlite3WindowOffsetExpr), so that it fails at run time with SQLite's message.
 */
export interface WindowDefinition {
  /** A window named in the WINDOW clause that this one extends. */
  readonly base?: string;
  readonly partitionBy?: readonly Expr[];
  readonly orderBy?: readonly OrderingTerm[];
  readonly frame?: WindowFrame;
}

export type WindowBoundType = 'UNBOUNDED PRECEDING' | 'PRECEDING' | 'CURRENT ROW' | 'FOLLOWING' | 'UNBOUNDED FOLLOWING';

export interface WindowFrame {
  readonly units: 'ROWS' | 'RANGE' | 'GROUPS';
  readonly start: { readonly type: WindowBoundType; readonly offset?: Expr };
  readonly end: { readonly type: WindowBoundType; readonly offset?: Expr };
  /** 'NONE' when no EXCLUDE is written (SQLite runs a written EXCLUDE NO OTHERS differently). */
  readonly exclude: 'NONE' | 'NO OTHERS' | 'CURRENT ROW' | 'GROUP' | 'TIES';
}

export interface InExpr {
  readonly kind: 'in';
  readonly expr: Expr;
  readonly not: boolean;
  readonly target:
    | { readonly kind: 'list'; readonly items: readonly Expr[] }
    /** Also `x IN t` and `x IN f(args)`, which the parser reads as `x IN (SELECT * FROM t)`. */
    | { readonly kind: 'select'; readonly select: SelectStatement };
}

export interface BetweenExpr {
  readonly kind: 'between';
  readonly expr: Expr;
  readonly not: boolean;
  readonly low: Expr;
  readonly high: Expr;
}

export interface LikeExpr {
  readonly kind: 'like';
  readonly op: 'LIKE' | 'GLOB' | 'REGEXP' | 'MATCH';
  readonly not: boolean;
  readonly expr: Expr;
  readonly pattern: Expr;
  readonly escape?: Expr;
}

/** `x ISNULL`, `x NOTNULL`, `x NOT NULL` (`x IS NULL` parses as the binary IS). */
export interface NullTestExpr {
  readonly kind: 'null-test';
  readonly not: boolean;
  readonly expr: Expr;
}

export interface ExistsExpr {
  readonly kind: 'exists';
  readonly select: SelectStatement;
}

export interface SubqueryExpr {
  readonly kind: 'subquery';
  readonly select: SelectStatement;
}

/** A row value `(a, b, …)` with two or more members. */
export interface VectorExpr {
  readonly kind: 'vector';
  readonly items: readonly Expr[];
}

export interface RaiseExpr {
  readonly kind: 'raise';
  readonly action: 'IGNORE' | 'ROLLBACK' | 'ABORT' | 'FAIL';
  readonly message?: Expr;
}

export type Expr =
  | LiteralExpr
  | CurrentTimeExpr
  | ColumnRefExpr
  | ParameterExpr
  | UnaryExpr
  | BinaryExpr
  | CollateExpr
  | CastExpr
  | CaseExpr
  | FunctionExpr
  | InExpr
  | BetweenExpr
  | LikeExpr
  | NullTestExpr
  | ExistsExpr
  | SubqueryExpr
  | VectorExpr
  | RaiseExpr;

// ── SELECT (https://www.sqlite.org/lang_select.html) ────────────────────────────────────────

export interface OrderingTerm {
  readonly expr: Expr;
  readonly desc: boolean;
  readonly nulls?: 'FIRST' | 'LAST';
}

export type ResultColumn =
  | { readonly kind: 'star' }
  | { readonly kind: 'table-star'; readonly table: string }
  | { readonly kind: 'expr'; readonly expr: Expr; readonly alias?: string };

export interface TableRef {
  readonly kind: 'table';
  readonly schema?: string;
  readonly name: string;
  readonly alias?: string;
  /** Table-valued function arguments: `FROM json_each(x)`. */
  readonly args?: readonly Expr[];
  readonly indexedBy?: string;
  readonly notIndexed: boolean;
}

export interface SubqueryRef {
  readonly kind: 'subquery';
  readonly select: SelectStatement;
  readonly alias?: string;
}

export type JoinOp = ',' | 'JOIN' | 'INNER' | 'CROSS' | 'LEFT' | 'RIGHT' | 'FULL';
export interface Join {
  readonly kind: 'join';
  readonly op: JoinOp;
  readonly natural: boolean;
  readonly left: FromItem;
  readonly right: FromItem;
  readonly on?: Expr;
  readonly using?: readonly string[];
}

/** A left-deep tree: `a, b JOIN c` is join(join(a, b), c). */
export type FromItem = TableRef | SubqueryRef | Join;

export interface SelectCore {
  readonly kind: 'select-core';
  readonly distinct: boolean;
  readonly columns: readonly ResultColumn[];
  readonly from?: FromItem;
  readonly where?: Expr;
  readonly groupBy?: readonly Expr[];
  readonly having?: Expr;
  /** `WINDOW name AS (…), …` in order. */
  readonly window?: readonly { readonly name: string; readonly definition: WindowDefinition }[];
  /** Written without a SELECT keyword: `x IN t` reads as `x IN (SELECT * FROM t)`. */
  readonly implicit?: true;
}

export interface ValuesCore {
  readonly kind: 'values';
  readonly rows: readonly (readonly Expr[])[];
}

export type CompoundOp = 'UNION' | 'UNION ALL' | 'INTERSECT' | 'EXCEPT';

export interface CommonTableExpr {
  readonly name: string;
  readonly columns?: readonly string[];
  readonly materialized?: boolean;
  readonly select: SelectStatement;
}

export interface WithClause {
  readonly recursive: boolean;
  readonly ctes: readonly CommonTableExpr[];
}

export interface SelectStatement {
  readonly kind: 'select';
  readonly with?: WithClause;
  readonly first: SelectCore | ValuesCore;
  readonly compounds: readonly { readonly op: CompoundOp; readonly core: SelectCore | ValuesCore }[];
  readonly orderBy?: readonly OrderingTerm[];
  readonly limit?: Expr;
  readonly offset?: Expr;
}

// ── CREATE TABLE (https://www.sqlite.org/lang_createtable.html) ───────────────────────────

export type ConflictClause = 'ROLLBACK' | 'ABORT' | 'FAIL' | 'IGNORE' | 'REPLACE';

export interface ForeignKeyClause {
  readonly table: string;
  readonly columns: readonly string[];
  /** `ON DELETE …`, `ON UPDATE …`, `MATCH …`, `DEFERRABLE …` as source text. */
  readonly actions: string;
}

export type ColumnConstraint = { readonly name?: string } & (
  | {
      readonly kind: 'primary-key';
      readonly desc: boolean;
      /** `PRIMARY KEY ASC|DESC` written explicitly (matters for the INTEGER PRIMARY KEY rule). */
      readonly order?: 'ASC' | 'DESC';
      readonly conflict?: ConflictClause;
      readonly autoincrement: boolean;
    }
  | { readonly kind: 'not-null'; readonly conflict?: ConflictClause }
  | { readonly kind: 'null'; readonly conflict?: ConflictClause }
  | { readonly kind: 'unique'; readonly conflict?: ConflictClause }
  | { readonly kind: 'check'; readonly expr: Expr }
  | {
      readonly kind: 'default';
      readonly expr: Expr;
      /** The text `PRAGMA table_info` reports as dflt_value (SQLite's exact span). */
      readonly text: string;
    }
  | { readonly kind: 'collate'; readonly collation: string }
  | { readonly kind: 'references'; readonly fk: ForeignKeyClause }
  | { readonly kind: 'generated'; readonly expr: Expr; readonly stored: boolean }
);

export interface ColumnDef {
  readonly name: string;
  /**
   * The type tokens exactly as written (`VARCHAR( 10 )`, `"text"`), "" when absent. The schema
   * layer derives SQLite's declared type from it (dequoting, standard names upper-cased, and a
   * trailing `GENERATED ALWAYS` removed: those two are fallback keywords the type name swallows).
   */
  readonly type: string;
  readonly constraints: readonly ColumnConstraint[];
}

export interface IndexedColumn {
  /** A plain column name when the term is just a name (possibly with COLLATE), else undefined. */
  readonly column?: string;
  readonly expr: Expr;
  readonly collation?: string;
  readonly desc: boolean;
}

export type TableConstraint = { readonly name?: string } & (
  | {
      readonly kind: 'primary-key';
      readonly columns: readonly IndexedColumn[];
      readonly conflict?: ConflictClause;
      readonly autoincrement: boolean;
    }
  | { readonly kind: 'unique'; readonly columns: readonly IndexedColumn[]; readonly conflict?: ConflictClause }
  | { readonly kind: 'check'; readonly expr: Expr; readonly conflict?: ConflictClause }
  | { readonly kind: 'foreign-key'; readonly columns: readonly string[]; readonly fk: ForeignKeyClause }
);

export interface QualifiedName {
  readonly schema?: string;
  readonly name: string;
}

export interface CreateTableStatement {
  readonly kind: 'create-table';
  readonly temp: boolean;
  readonly ifNotExists: boolean;
  readonly table: QualifiedName;
  readonly columns: readonly ColumnDef[];
  readonly constraints: readonly TableConstraint[];
  readonly withoutRowid: boolean;
  readonly strict: boolean;
  /** `CREATE TABLE … AS SELECT` */
  readonly asSelect?: SelectStatement;
}

export interface CreateIndexStatement {
  readonly kind: 'create-index';
  readonly unique: boolean;
  readonly ifNotExists: boolean;
  readonly index: QualifiedName;
  readonly table: string;
  readonly columns: readonly IndexedColumn[];
  readonly where?: Expr;
}

export interface CreateViewStatement {
  readonly kind: 'create-view';
  readonly temp: boolean;
  readonly ifNotExists: boolean;
  readonly view: QualifiedName;
  readonly columns?: readonly string[];
  readonly select: SelectStatement;
  /** Source text of the SELECT. */
  readonly selectText: string;
}

export interface CreateTriggerStatement {
  readonly kind: 'create-trigger';
  readonly temp: boolean;
  readonly ifNotExists: boolean;
  readonly trigger: QualifiedName;
  readonly timing: 'BEFORE' | 'AFTER' | 'INSTEAD OF';
  readonly event: 'DELETE' | 'INSERT' | 'UPDATE';
  readonly updateOf?: readonly string[];
  readonly table: string;
  /** `ON main.t` / `ON temp.t`: the schema written before the table name (TEMP triggers only). */
  readonly tableSchema?: string;
  readonly forEachRow: boolean;
  readonly when?: Expr;
  /** Source text between BEGIN and END (the body statements, each with its `;`). */
  readonly body: string;
}

export interface CreateVirtualTableStatement {
  readonly kind: 'create-virtual-table';
  readonly ifNotExists: boolean;
  readonly table: QualifiedName;
  readonly module: string;
  /** Each module argument as source text (SQLite passes them to the module verbatim). */
  readonly args: readonly string[];
}

// ── Data changes and the rest ──────────────────────────────────────────────────────────

export type InsertSource =
  | { readonly kind: 'values'; readonly rows: readonly (readonly Expr[])[] }
  | { readonly kind: 'select'; readonly select: SelectStatement }
  | { readonly kind: 'default-values' };

/** `ON CONFLICT [(target) [WHERE …]] DO NOTHING | DO UPDATE SET … [WHERE …]` */
export interface UpsertClause {
  readonly target?: { readonly columns: readonly IndexedColumn[]; readonly where?: Expr };
  readonly action:
    | { readonly kind: 'nothing' }
    | { readonly kind: 'update'; readonly set: readonly SetClause[]; readonly where?: Expr };
}

/** `col = expr` or `(a, b) = expr` in UPDATE and upserts. */
export interface SetClause {
  readonly columns: readonly string[];
  readonly value: Expr;
}

export interface InsertStatement {
  readonly kind: 'insert';
  readonly with?: WithClause;
  /** `REPLACE INTO` is INSERT OR REPLACE. */
  readonly conflict?: ConflictClause;
  readonly table: QualifiedName;
  readonly alias?: string;
  readonly columns?: readonly string[];
  readonly source: InsertSource;
  readonly upsert?: readonly UpsertClause[];
  readonly returning?: readonly ResultColumn[];
}

export interface UpdateStatement {
  readonly kind: 'update';
  readonly with?: WithClause;
  readonly conflict?: ConflictClause;
  readonly table: QualifiedName;
  readonly alias?: string;
  /** `SET (a, b) = (…)` has several columns for one value. */
  readonly set: readonly SetClause[];
  readonly from?: FromItem;
  readonly where?: Expr;
  readonly returning?: readonly ResultColumn[];
}

export interface DeleteStatement {
  readonly kind: 'delete';
  readonly with?: WithClause;
  readonly table: QualifiedName;
  readonly alias?: string;
  readonly where?: Expr;
  readonly returning?: readonly ResultColumn[];
}

export interface DropStatement {
  readonly kind: 'drop';
  readonly objectType: 'table' | 'index' | 'view' | 'trigger';
  readonly ifExists: boolean;
  readonly name: QualifiedName;
}

export interface BeginStatement {
  readonly kind: 'begin';
  readonly mode: 'DEFERRED' | 'IMMEDIATE' | 'EXCLUSIVE';
}

export interface CommitStatement {
  readonly kind: 'commit';
}

export interface RollbackStatement {
  readonly kind: 'rollback';
  /** `ROLLBACK TO [SAVEPOINT] name` */
  readonly savepoint?: string;
}

export interface SavepointStatement {
  readonly kind: 'savepoint';
  readonly name: string;
}

export interface ReleaseStatement {
  readonly kind: 'release';
  readonly name: string;
}

export interface PragmaStatement {
  readonly kind: 'pragma';
  readonly schema?: string;
  readonly name: string;
  /** The value as written without quotes (`-1`, `on`, `wal`, `t1`), when given. */
  readonly value?: string;
  /** `PRAGMA x(v)` (a query form) rather than `PRAGMA x = v`. */
  readonly call: boolean;
}

export interface AlterTableStatement {
  readonly kind: 'alter-table';
  readonly table: QualifiedName;
  readonly action:
    | { readonly kind: 'rename-table'; readonly newName: string }
    | { readonly kind: 'rename-column'; readonly column: string; readonly newName: string }
    /** `text` is the column definition as written (SQLite appends it to the stored CREATE TABLE). */
    | { readonly kind: 'add-column'; readonly column: ColumnDef; readonly text: string }
    | { readonly kind: 'drop-column'; readonly column: string };
}

export interface VacuumStatement {
  readonly kind: 'vacuum';
  readonly schema?: string;
  readonly into?: Expr;
}

/** ANALYZE / REINDEX with an optional `[schema.]name`. */
export interface MaintenanceStatement {
  readonly kind: 'analyze' | 'reindex';
  readonly name?: QualifiedName;
}

export interface AttachStatement {
  readonly kind: 'attach';
  readonly file: Expr;
  readonly schema: Expr;
  readonly key?: Expr;
}

export interface DetachStatement {
  readonly kind: 'detach';
  readonly schema: Expr;
}

export interface ExplainStatement {
  readonly kind: 'explain';
  readonly queryPlan: boolean;
  readonly statement: Statement;
}

export type Statement =
  | SelectStatement
  | CreateTableStatement
  | CreateIndexStatement
  | CreateViewStatement
  | CreateTriggerStatement
  | CreateVirtualTableStatement
  | InsertStatement
  | UpdateStatement
  | DeleteStatement
  | DropStatement
  | BeginStatement
  | CommitStatement
  | RollbackStatement
  | SavepointStatement
  | ReleaseStatement
  | PragmaStatement
  | AlterTableStatement
  | VacuumStatement
  | MaintenanceStatement
  | AttachStatement
  | DetachStatement
  | ExplainStatement;

/** Deep-freezes a freshly built AST node (the parser calls this once per statement). */
export function deepFreeze<T>(node: T): T {
  if (node !== null && typeof node === 'object' && !Object.isFrozen(node) && !(node instanceof Uint8Array)) {
    for (const v of Object.values(node as Record<string, unknown>)) deepFreeze(v);
    Object.freeze(node);
  }
  return node;
}
