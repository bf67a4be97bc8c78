/**
 * Statements with integer literals beyond 2^53 (SQLite's 64-bit range, held as BigInt in the
 * syntax tree) run through every entry point — db.run, exec, execRows, query, prepare — and
 * `s3lite exec`, with sqlite3's answers. (db.run/exec of such a SELECT once failed with a
 * TypeError from serialising the tree.)
 */
import { describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import { formatReal15 } from '../../src/exec/format-real.js';
import { MemoryObjectStore } from '../../src/store/memory-store.js';
import { sqlite3, tempDir } from '../support/sqlite3.js';
import { runCli } from '../cli/support.js';

const QUERIES = [
  'SELECT 0x7FFFFFFFFFFFFFFF',
  'SELECT 9223372036854775807 + 1',
  'SELECT -9223372036854775808 - 1',
  'SELECT abs(-9223372036854775807), typeof(9223372036854775807 + 0)',
  'SELECT quote(-9223372036854775808), 9007199254740993 - 1, 9007199254740993 * 1.0',
  'SELECT x FROM (SELECT 9223372036854775807 AS x) WHERE x > 9223372036854775806',
];

/** What sqlite3 prints for a query in list mode: one line per row, values joined by |. */
function sqliteLines(sql: string): string {
  return sqlite3(':memory:', `${sql};`).trimEnd();
}

/** A row as sqlite3's list mode prints it (REALs as "%!.15g"). */
function listLine(values: readonly unknown[], classes: readonly string[]): string {
  return values.map((v, i) => (v === null ? '' : classes[i] === 'real' ? formatReal15(v as number) : String(v))).join('|');
}

describe('integer literals past 2^53', () => {
  it('every entry point answers as sqlite3 does', async () => {
    const db = await Database.create({ objects: new MemoryObjectStore(), prefix: 'big' });
    try {
      for (const sql of QUERIES) {
        const expected = sqliteLines(sql);
        const lines: string[] = [];
        const values: unknown[][] = [];
        await db.execRows(sql, undefined, (result) => {
          for (const r of result?.rows ?? []) {
            lines.push(listLine(r.values, r.classes));
            values.push([...r.values]);
          }
        });
        expect(lines.join('\n'), sql).toBe(expected);
        // The other entry points give the same values.
        expect((await db.query(sql)).map((r) => Object.values(r)), sql).toEqual(values);
        expect(((await (await db.prepare(sql)).all()) as Record<string, unknown>[]).map((r) => Object.values(r)), sql).toEqual(values);
        await expect(db.run(sql), sql).resolves.toBeDefined();
        await expect(db.exec(sql), sql).resolves.toBeUndefined();
      }
    } finally {
      await db.close();
    }
  });

  it('s3lite exec prints them', () => {
    const { dir, cleanup } = tempDir('s3lite-big-int');
    try {
      const file = `${dir}/db.sqlite`;
      sqlite3(file, 'CREATE TABLE t(x);');
      const r = runCli(['exec', file, 'SELECT 0x7FFFFFFFFFFFFFFF AS x', '--csv']);
      expect(r.stderr).toBe('');
      expect(r.stdout.toString()).toContain('9223372036854775807');
    } finally {
      cleanup();
    }
  });
});
