/**
 * s3lite's public API. Everything here runs in any JavaScript runtime; the directory store and
 * the plain-file VFS load Node's fs on demand when a local path is opened.
 */
export { Database } from './api/database.js';
export type { DatabaseSource, OpenOptions, RowsOptions, TableSummary, TypedRow } from './api/database.js';
export type { RunResult, BindParams } from './api/database.js';
export type { PreparedStatement, WriteStatement } from './api/write-statement.js';
export type { Statement, Row } from './api/statement.js';
export { parseLocation, formatLocation, redactUrl } from './api/location.js';
export type { Location } from './api/location.js';
export type { StoreOptions } from './api/store-options.js';

export {
  SqliteError,
  NotADatabaseError,
  CantOpenError,
  CorruptError,
  IoError,
  AccessDeniedError,
  BusyError,
  PreconditionFailedError,
  ReadOnlyError,
  ConstraintError,
  TriggerRaiseError,
  SqlSyntaxError,
  MisuseError,
  RangeError,
  ResultCode,
} from './errors.js';
export type { ResultCodeName, ConstraintKind } from './errors.js';

export type { ObjectStore, ObjectInfo, WriteConditions, RequestCounts } from './store/object-store.js';
export { MemoryObjectStore } from './store/memory-store.js';
export { S3ObjectStore } from './store/s3-store.js';
export type { S3ObjectStoreOptions } from './store/s3-store.js';
export { BlockStore, DEFAULT_BLOCK_SIZE } from './store/block-store.js';
export { blockKey, parseBlockKey } from './store/block-key.js';

export type { Vfs, VfsFile } from './vfs/vfs.js';
export { OpenFlags, LockLevel, SyncFlags, DeviceCharacteristics, isShortRead, markShortRead } from './vfs/vfs.js';
export { BlockVfs, BlockFile } from './vfs/block-vfs.js';
// One plain SQLite file as a remote object, read in place by ranges (S3 objects and URLs open this way).
export { RangeFile } from './vfs/range-file.js';
export type { RangeSource, RangePin, RangeResponse, RangeFileOptions, RangeCache } from './vfs/range-file.js';
export { HttpRanges } from './store/http-ranges.js';
export type { HttpRangesOptions } from './store/http-ranges.js';

export { serialize, serializeToBytes, serializeToReadableStream } from './transfer/serialize.js';
export type { SerializeOptions } from './transfer/serialize.js';
export { deserialize } from './transfer/deserialize.js';
export type { DeserializeOptions, DeserializeResult } from './transfer/deserialize.js';

export type { SqlValue, StorageClass } from './record/value.js';
export type { DatabaseHeader } from './format/db-header.js';
export type { SchemaRow } from './schema/schema-types.js';
export type { PageCensus, TreeCensus } from './btree/page-census.js';
