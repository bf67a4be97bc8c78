/**
 * Test support: databases made by the real sqlite3 shell, read back with node:fs, plus a tiny
 * record decoder (src/record/ is written in parallel; this one only serves the tests).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pager } from '../../src/pager/pager.js';
import { BytesPageFile } from '../../src/pager/page-file.js';

export const SQLITE3 = '/usr/bin/sqlite3';

export class TempDir {
  readonly path = mkdtempSync(join(tmpdir(), 's3lite-btree-'));
  private n = 0;
  file(name = `db${this.n++}.sqlite`): string {
    return join(this.path, name);
  }
  cleanup(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** Runs `sql` in the sqlite3 shell against `path`; returns stdout. */
export function sqlite(path: string, sql: string): string {
  return execFileSync(SQLITE3, ['-batch', '-bail', path], { input: sql, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}

/** Rows of a query as arrays of strings ('|'-separated, no header). */
export function rows(path: string, sql: string): string[][] {
  const out = execFileSync(SQLITE3, ['-batch', '-noheader', '-separator', '|', path, sql], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.split('|'));
}

export function scalar(path: string, sql: string): string {
  return rows(path, sql)[0]?.[0] ?? '';
}

export function makeDb(path: string, sql: string): Uint8Array {
  rmSync(path, { force: true });
  sqlite(path, sql);
  return new Uint8Array(readFileSync(path));
}

export function openBytes(bytes: Uint8Array, cacheBytes?: number): Promise<Pager> {
  return Pager.open(new BytesPageFile(bytes), cacheBytes === undefined ? {} : { cacheBytes });
}

export function writeBytes(path: string, bytes: Uint8Array): void {
  writeFileSync(path, bytes);
}

import { prng } from '../support/prng.js';

export { prng };

export type Value = null | number | bigint | string | Uint8Array;

function readVarintLocal(b: Uint8Array, pos: { o: number }): bigint {
  let v = 0n;
  for (let i = 0; i < 8; i++) {
    const byte = b[pos.o++]!;
    v = (v << 7n) | BigInt(byte & 0x7f);
    if (byte < 0x80) return v;
  }
  return (v << 8n) | BigInt(b[pos.o++]!);
}

/** Decodes a record (https://www.sqlite.org/fileformat2.html#record_format); enough for tests. */
export function decodeRecord(rec: Uint8Array): Value[] {
  const pos = { o: 0 };
  const headerSize = Number(readVarintLocal(rec, pos));
  const types: number[] = [];
  while (pos.o < headerSize) types.push(Number(readVarintLocal(rec, pos)));
  let o = headerSize;
  const out: Value[] = [];
  const dv = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
  for (const t of types) {
    if (t === 0) out.push(null);
    else if (t >= 1 && t <= 6) {
      const len = [0, 1, 2, 3, 4, 6, 8][t]!;
      let v = 0n;
      for (let i = 0; i < len; i++) v = (v << 8n) | BigInt(rec[o + i]!);
      v = BigInt.asIntN(len * 8, v);
      o += len;
      out.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
    } else if (t === 7) {
      out.push(dv.getFloat64(o));
      o += 8;
    } else if (t === 8) out.push(0);
    else if (t === 9) out.push(1);
    else if (t >= 12 && t % 2 === 0) {
      const n = (t - 12) / 2;
      out.push(rec.slice(o, o + n));
      o += n;
    } else {
      const n = (t - 13) / 2;
      out.push(new TextDecoder().decode(rec.subarray(o, o + n)));
      o += n;
    }
  }
  if (o !== rec.length) throw new Error(`record body ends at ${o}, payload is ${rec.length}`);
  return out;
}

export interface RandomDbOptions {
  pageSize: number;
  autoVacuum: 'none' | 'full' | 'incremental';
  rows: number;
  seed: number;
  /** Reserved bytes at the end of each page (usable size = page size - reserve). */
  reserve?: number;
}

function sqlBlob(r: () => number, n: number): string {
  // Deterministic content (randomblob is not reproducible): small hex literals, big zeroblobs.
  let hex = '';
  const byte = Math.floor(r() * 256);
  for (let i = 0; i < Math.min(n, 16); i++) hex += ((byte + i) & 0xff).toString(16).padStart(2, '0');
  return n <= 16 ? `X'${hex}'` : `zeroblob(${n})`;
}

/**
 * SQL for a random database: a rowid table with an integer index and big blob/text values
 * (overflow chains), a WITHOUT ROWID table, a plain table with extreme rowids, then random
 * deletes (freelist pages) and, for incremental vacuum, a partial vacuum.
 */
export function randomDbSql(o: RandomDbOptions): string {
  const r = prng(o.seed);
  const maxBig = o.pageSize * 3;
  const lines: string[] = [
    `PRAGMA page_size=${o.pageSize};`,
    // Must come before any other statement touches the new file.
    o.reserve !== undefined ? `.filectrl reserve_bytes ${o.reserve}` : '',
    `PRAGMA auto_vacuum=${o.autoVacuum};`,
    'CREATE TABLE t1(a INTEGER PRIMARY KEY, n INTEGER, b);',
    'CREATE INDEX t1n ON t1(n);',
    'CREATE TABLE t2(x TEXT PRIMARY KEY, y) WITHOUT ROWID;',
    'CREATE TABLE t3(p, q);',
    'BEGIN;',
  ];
  for (let i = 0; i < o.rows; i++) {
    const a = Math.floor(r() * o.rows * 4) + 1;
    const n = Math.floor(r() * 50) - 10;
    const kind = r();
    const size = kind < 0.15 ? Math.floor(r() * maxBig) : Math.floor(r() * 60);
    const b = r() < 0.5 ? sqlBlob(r, size) : `printf('%.*c', ${size}, 'x')`;
    lines.push(`INSERT OR REPLACE INTO t1 VALUES(${a}, ${n}, ${b});`);
    const x = `k${Math.floor(r() * o.rows * 10)}`.padEnd(1 + Math.floor(r() * 40), 'z');
    const ysize = r() < 0.1 ? Math.floor(r() * maxBig) : Math.floor(r() * 30);
    lines.push(`INSERT OR REPLACE INTO t2 VALUES('${x}', ${sqlBlob(r, ysize)});`);
    if (i % 3 === 0) lines.push(`INSERT INTO t3 VALUES(${i}, ${sqlBlob(r, Math.floor(r() * 100))});`);
  }
  lines.push("INSERT INTO t3(rowid, p, q) VALUES(9007199254740993, 'big', 1), (-9223372036854775808, 'min', 2), (9223372036854775807, 'max', 3);");
  lines.push('COMMIT;');
  lines.push(`DELETE FROM t1 WHERE a % ${2 + Math.floor(r() * 5)} = 0;`);
  lines.push(`DELETE FROM t2 WHERE length(y) > ${Math.floor(r() * maxBig)};`);
  if (o.autoVacuum === 'incremental') lines.push('PRAGMA incremental_vacuum(3);');
  return lines.join('\n');
}
