/**
 * Every error s3lite throws is a `SqliteError` carrying SQLite's result code name (`code`) and
 * number (`errno`), so callers can switch on the same codes they know from SQLite.
 *
 * Grouped by when they occur (the bbolt habit): each class says in one line when it is thrown.
 */

/** SQLite's primary result codes (https://www.sqlite.org/rescode.html). */
export const ResultCode = {
  SQLITE_ERROR: 1,
  SQLITE_INTERNAL: 2,
  SQLITE_PERM: 3,
  SQLITE_ABORT: 4,
  SQLITE_BUSY: 5,
  SQLITE_LOCKED: 6,
  SQLITE_NOMEM: 7,
  SQLITE_READONLY: 8,
  SQLITE_INTERRUPT: 9,
  SQLITE_IOERR: 10,
  SQLITE_CORRUPT: 11,
  SQLITE_NOTFOUND: 12,
  SQLITE_FULL: 13,
  SQLITE_CANTOPEN: 14,
  SQLITE_PROTOCOL: 15,
  SQLITE_EMPTY: 16,
  SQLITE_SCHEMA: 17,
  SQLITE_TOOBIG: 18,
  SQLITE_CONSTRAINT: 19,
  SQLITE_MISMATCH: 20,
  SQLITE_MISUSE: 21,
  SQLITE_NOLFS: 22,
  SQLITE_AUTH: 23,
  SQLITE_FORMAT: 24,
  SQLITE_RANGE: 25,
  SQLITE_NOTADB: 26,
} as const;

export type ResultCodeName = keyof typeof ResultCode;

/** Root of every error s3lite throws. */
export class SqliteError extends Error {
  readonly code: ResultCodeName;
  readonly errno: number;

  constructor(code: ResultCodeName, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SqliteError';
    this.code = code;
    this.errno = ResultCode[code];
  }
}

// ── Opening ─────────────────────────────────────────────────────────────────────────────

/** Thrown when the bytes given as a database do not start with a valid SQLite header. */
export class NotADatabaseError extends SqliteError {
  constructor(message = 'file is not a database', options?: { cause?: unknown }) {
    super('SQLITE_NOTADB', message, options);
    this.name = 'NotADatabaseError';
  }
}

/** Thrown when a database, store or file cannot be opened at all (no such bucket, file, …). */
export class CantOpenError extends SqliteError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SQLITE_CANTOPEN', message, options);
    this.name = 'CantOpenError';
  }
}

// ── Reading ─────────────────────────────────────────────────────────────────────────────

/** Thrown when bytes read from a database contradict the file format; names the page. */
export class CorruptError extends SqliteError {
  readonly pgno: number | undefined;

  constructor(message: string, pgno?: number, options?: { cause?: unknown }) {
    super('SQLITE_CORRUPT', pgno === undefined ? message : `${message} (page ${pgno})`, options);
    this.name = 'CorruptError';
    this.pgno = pgno;
  }
}

/** Thrown when the store or file system fails (network fault, permission, missing bucket). */
export class IoError extends SqliteError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SQLITE_IOERR', message, options);
    this.name = 'IoError';
  }
}

/**
 * The store refused an operation for lack of permission (S3 AccessDenied / 403, a file system's
 * EACCES / EROFS / EPERM). An IoError, so callers that handle I/O failures handle it too; the
 * commit protocol tells it apart: a reader without write permission reads through a hot journal
 * instead of rolling it back.
 */
export class AccessDeniedError extends IoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AccessDeniedError';
  }
}

// ── Writing and locking ─────────────────────────────────────────────────────────────────

/** Thrown when another writer holds the lock (lease) and the busy timeout has run out. */
export class BusyError extends SqliteError {
  constructor(message = 'database is locked', options?: { cause?: unknown }) {
    super('SQLITE_BUSY', message, options);
    this.name = 'BusyError';
  }
}

/**
 * Thrown by an `ObjectStore` when a conditional write or delete (`If-None-Match: *`, `If-Match`)
 * finds the object not in the expected state: someone else got there first.
 */
export class PreconditionFailedError extends BusyError {
  readonly key: string;

  constructor(key: string, message = `precondition failed on ${key}`) {
    super(message);
    this.name = 'PreconditionFailedError';
    this.key = key;
  }
}

/** Thrown when a write is attempted on a database opened read-only or that we cannot write safely. */
export class ReadOnlyError extends SqliteError {
  constructor(message = 'attempt to write a readonly database', options?: { cause?: unknown }) {
    super('SQLITE_READONLY', message, options);
    this.name = 'ReadOnlyError';
  }
}

export type ConstraintKind =
  | 'UNIQUE'
  | 'PRIMARYKEY'
  | 'NOTNULL'
  | 'CHECK'
  | 'FOREIGNKEY'
  | 'DATATYPE'
  | 'ROWID'
  | 'TRIGGER'
  | 'VTAB';

/** Thrown when a statement would violate a constraint; the statement leaves no trace. */
export class ConstraintError extends SqliteError {
  readonly kind: ConstraintKind;

  constructor(kind: ConstraintKind, message: string) {
    super('SQLITE_CONSTRAINT', message);
    this.name = 'ConstraintError';
    this.kind = kind;
  }
}

/**
 * Thrown by `RAISE(ABORT | FAIL | ROLLBACK, message)` in a trigger program
 * (SQLITE_CONSTRAINT_TRIGGER, the message as given). `action` says how much is undone: the
 * statement (ABORT), nothing before the failing row (FAIL), or the transaction (ROLLBACK).
 */
export class TriggerRaiseError extends ConstraintError {
  readonly action: 'ABORT' | 'FAIL' | 'ROLLBACK';

  constructor(action: 'ABORT' | 'FAIL' | 'ROLLBACK', message: string) {
    super('TRIGGER', message);
    this.name = 'TriggerRaiseError';
    this.action = action;
  }
}

// ── SQL and API use ─────────────────────────────────────────────────────────────────────

/** Thrown when SQL text cannot be tokenized or parsed; `line` and `col` are 1-based. */
export class SqlSyntaxError extends SqliteError {
  readonly line: number;
  readonly col: number;

  constructor(message: string, line: number, col: number) {
    super('SQLITE_ERROR', `${message} at line ${line}, column ${col}`);
    this.name = 'SqlSyntaxError';
    this.line = line;
    this.col = col;
  }
}

/** Thrown when the API is used wrongly (closed database, bad option, wrong argument). */
export class MisuseError extends SqliteError {
  constructor(message: string) {
    super('SQLITE_MISUSE', message);
    this.name = 'MisuseError';
  }
}

/** Thrown when a parameter index or similar is out of range. */
export class RangeError extends SqliteError {
  constructor(message: string) {
    super('SQLITE_RANGE', message);
    this.name = 'RangeError';
  }
}

/** Converts anything thrown by lower code into a SqliteError, keeping typed errors as they are. */
export function asSqliteError(err: unknown, context: string): SqliteError {
  if (err instanceof SqliteError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new IoError(`${context}: ${message}`, { cause: err });
}
