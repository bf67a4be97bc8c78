/**
 * Test support for write-ahead logs: databases with frames sqlite3 has not checkpointed, made by
 * the real sqlite3 shell, and sqlite3's view of a database + log as the oracle.
 *
 * Keeping the log: sqlite3 checkpoints and deletes the `-wal` when its last connection closes.
 * So the script copies the database and its log with `.shell cp` while its connection is still
 * open (with `wal_autocheckpoint=0`, nothing has been checkpointed since the last explicit
 * `PRAGMA wal_checkpoint`): the copies are exactly what a crash or a copy-while-in-use leaves.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Database } from '../../src/api/database.js';
import {
  WAL_FRAME_HEADER_SIZE,
  WAL_HEADER_SIZE,
  decodeWalFrameHeader,
  decodeWalHeader,
  encodeWalFrame,
  encodeWalHeader,
} from '../../src/format/wal-format.js';

const quoteShell = (p: string): string => `'${p.replace(/'/g, `'\\''`)}'`;

export interface WalScript {
  readonly pageSize: number;
  /** Run, then checkpointed into the database file (TRUNCATE): the state the file holds. */
  readonly base: string;
  /** Run after, left in the log: one string per transaction (autocommit statements each commit). */
  readonly logged: readonly string[];
  /** Also keep a copy of the `-shm` beside the copy. */
  readonly keepShm?: boolean;
}

/**
 * Makes `dir/name` and `dir/name-wal` with sqlite3: the database holds `base`, the log holds
 * `logged` (uncheckpointed). Returns the database path.
 */
export function makeWalDatabase(dir: string, name: string, script: WalScript): string {
  const work = join(dir, `${name}.work`);
  const out = join(dir, name);
  const sql = [
    `PRAGMA page_size=${script.pageSize};`,
    'PRAGMA journal_mode=wal;',
    'PRAGMA wal_autocheckpoint=0;',
    script.base,
    'PRAGMA wal_checkpoint(TRUNCATE);',
    ...script.logged,
    `.shell cp ${quoteShell(work)} ${quoteShell(out)} && cp ${quoteShell(`${work}-wal`)} ${quoteShell(`${out}-wal`)}` +
      (script.keepShm === true ? ` && cp ${quoteShell(`${work}-shm`)} ${quoteShell(`${out}-shm`)}` : ''),
    '',
  ].join('\n');
  execFileSync('sqlite3', ['-batch', work], { input: sql, encoding: 'utf8' });
  if (!existsSync(`${out}-wal`)) throw new Error('sqlite3 left no -wal to copy');
  return out;
}

/**
 * sqlite3's answer to `sql` on database `path` with whatever `-wal` / `-journal` lie beside it,
 * run on a copy (sqlite3 checkpoints and removes the log when it closes). List mode, `|`.
 */
export function sqlite3View(path: string, sql: string, scratch: string): string {
  const copy = join(scratch, `oracle-${Math.random().toString(36).slice(2)}.db`);
  copyFileSync(path, copy);
  for (const suffix of ['-wal', '-journal']) if (existsSync(path + suffix)) copyFileSync(path + suffix, copy + suffix);
  return execFileSync('sqlite3', ['-batch', copy], { input: sql, encoding: 'utf8' });
}

/** sqlite3 run directly on `path` (it may checkpoint and remove the log). */
export function sqlite3On(path: string, sql: string): string {
  return execFileSync('sqlite3', ['-batch', path], { input: sql, encoding: 'utf8' });
}

/** Our answer to `sql`, printed as sqlite3's list mode prints it (values joined by `|`). */
export async function ourView(path: string, sql: string): Promise<string> {
  const db = await Database.open(path);
  try {
    return await printRows(db, sql);
  } finally {
    await db.close();
  }
}

export async function printRows(db: Database, sql: string): Promise<string> {
  const rows = await db.query(sql);
  return rows.map((r) => `${Object.values(r).map((v) => (v === null ? '' : String(v))).join('|')}\n`).join('');
}

/** A table dump comparable between sqlite3 and us: every row of `table`, every column quoted. */
export function dumpSql(table: string, columns: readonly string[]): string {
  return `SELECT rowid, ${columns.map((c) => `quote(${c})`).join(', ')} FROM ${table} ORDER BY rowid;`;
}

/** The log's page size and frame size, and its frames' headers (as stored; no validation). */
export function walFrames(wal: Uint8Array): { pageSize: number; frameSize: number; frames: ReturnType<typeof decodeWalFrameHeader>[] } {
  const h = decodeWalHeader(wal);
  if (typeof h === 'string') throw new Error(`bad WAL header: ${h}`);
  const frameSize = WAL_FRAME_HEADER_SIZE + h.pageSize;
  const frames = [];
  for (let off = WAL_HEADER_SIZE; off + frameSize <= wal.length; off += frameSize) frames.push(decodeWalFrameHeader(wal, off));
  return { pageSize: h.pageSize, frameSize, frames };
}

/**
 * Re-encodes a log: same frames (up to `count`), checksums recomputed with `bigEndian`, and
 * `commitOverride` replacing frames' "database size after commit" fields by index.
 */
export function reencodeWal(wal: Uint8Array, options: { bigEndian: boolean; count?: number; commitOverride?: ReadonlyMap<number, number> }): Uint8Array {
  const h = decodeWalHeader(wal);
  if (typeof h === 'string') throw new Error(`bad WAL header: ${h}`);
  const header = encodeWalHeader({ ...h, bigEndianChecksum: options.bigEndian });
  const again = decodeWalHeader(header);
  if (typeof again === 'string') throw new Error('re-encoded header invalid');
  const { frameSize, frames } = walFrames(wal);
  const n = Math.min(options.count ?? frames.length, frames.length);
  const out = new Uint8Array(WAL_HEADER_SIZE + n * frameSize);
  out.set(header);
  let checksum: [number, number] = [again.checksum1, again.checksum2];
  for (let i = 0; i < n; i++) {
    const fh = frames[i]!;
    const at = WAL_HEADER_SIZE + i * frameSize;
    const page = wal.subarray(at + WAL_FRAME_HEADER_SIZE, at + frameSize);
    const commit = options.commitOverride?.get(i) ?? fh.dbPagesAfterCommit;
    const encoded = encodeWalFrame(options.bigEndian, checksum, [h.salt1, h.salt2], fh.pgno, commit, page);
    out.set(encoded.frame, at);
    checksum = encoded.checksum;
  }
  return out;
}

export function readBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

export function writeBytes(path: string, bytes: Uint8Array): void {
  writeFileSync(path, bytes);
}
