/**
 * The oracle: the real `sqlite3` shell, driven through child_process.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs SQL (several statements) with the sqlite3 shell on `path`; returns what it printed. */
export function sqlite3(path: string, sql: string, args: readonly string[] = []): string {
  return execFileSync('sqlite3', [...args, path], { input: sql, encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
}

/** `PRAGMA integrity_check` by the real SQLite: "ok" when the file is sound. */
export function integrityCheck(path: string): string {
  return sqlite3(path, 'PRAGMA integrity_check;').trim();
}

/** A fresh temporary directory, removed by the returned function. */
export function tempDir(label = 's3lite'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `${label}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Makes a database with the sqlite3 shell in a temp dir and returns its bytes. */
export function makeDatabaseBytes(sql: string): Uint8Array {
  const { dir, cleanup } = tempDir('s3lite-db');
  try {
    const path = join(dir, 'db.sqlite');
    sqlite3(path, sql);
    return new Uint8Array(readFileSync(path));
  } finally {
    cleanup();
  }
}

/** A SQL literal for a value (for building INSERT statements in tests). */
export function sqlLiteral(value: null | number | bigint | string | Uint8Array): string {
  if (value === null) return 'NULL';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NULL';
    if (value === Infinity) return '9e999';
    if (value === -Infinity) return '-9e999';
    if (Number.isInteger(value) && Math.abs(value) < 2 ** 53) return String(value);
    return value.toExponential(17).replace('e+', 'e');
  }
  if (typeof value === 'string') return `'${value.replace(/'/g, "''")}'`;
  return `x'${Array.from(value, (b) => b.toString(16).padStart(2, '0')).join('')}'`;
}
