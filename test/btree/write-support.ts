/**
 * Test support for the write engine: databases in a MemoryPageFile, exported to a temp file for
 * the sqlite3 shell (the oracle).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { TableCursor } from '../../src/btree/table-cursor.js';
import { IndexCursor } from '../../src/btree/index-cursor.js';
import { MemoryPageFile } from '../../src/pager/page-file.js';
import { Pager } from '../../src/pager/pager.js';

export const SQLITE3 = '/usr/bin/sqlite3';

/** Runs SQL read-only with sqlite3 on `path`; returns stdout. */
export function sqliteRead(path: string, sql: string): string {
  return execFileSync(SQLITE3, ['-readonly', '-batch', '-noheader', '-separator', '|', path, sql], {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
}

/** Writes the file's bytes to `path` and returns sqlite3's PRAGMA integrity_check output. */
export function exportAndCheck(file: MemoryPageFile, path: string): string {
  writeFileSync(path, file.bytes);
  return sqliteRead(path, 'PRAGMA integrity_check;').trim();
}

export function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s.toUpperCase();
}

/** Every (rowid, payload) of a table b-tree, in order, through the read cursor. */
export async function scanTable(pager: Pager, root: number): Promise<[bigint, Uint8Array][]> {
  const out: [bigint, Uint8Array][] = [];
  const c = new TableCursor(pager, root);
  for (let ok = await c.first(); ok; ok = await c.next()) out.push([BigInt(c.rowid), (await c.payload()).slice()]);
  return out;
}

/** Every payload of an index b-tree, in order. */
export async function scanIndex(pager: Pager, root: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  const c = new IndexCursor(pager, root);
  for (let ok = await c.first(); ok; ok = await c.next()) out.push((await c.payload()).slice());
  return out;
}

/** A fresh pager over a copy of the file's bytes: what a reader opening the database sees. */
export function reopen(file: MemoryPageFile): Promise<Pager> {
  return Pager.open(new MemoryPageFile(file.bytes));
}

/** Deterministic bytes of length n from a seed. */
export function bytesOf(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = (seed * 2654435761) >>> 0;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}
