/**
 * Runs a script statement by statement on our engine (over a MemoryObjectStore) and on SQLite
 * 3.40.1 through Python's sqlite3 (which reports extended result codes), and compares each
 * statement's outcome: the same rows, or the same message and extended code. Then the file we
 * wrote must pass sqlite3's `PRAGMA integrity_check`, and `PRAGMA foreign_key_check` on it must
 * give what it gives on the oracle's file.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { Database } from '../../../src/api/database.js';
import { ConstraintError, SqliteError } from '../../../src/errors.js';
import { MemoryObjectStore } from '../../../src/store/memory-store.js';
import { serializeToBytes } from '../../../src/transfer/serialize.js';
import { BlockVfs } from '../../../src/vfs/block-vfs.js';
import { OpenFlags } from '../../../src/vfs/vfs.js';
import { runWithPython, type OracleValue, type ScriptOutcome } from '../../support/python-sqlite.js';
import { integrityCheck, sqlite3, tempDir } from '../../support/sqlite3.js';

/** Our error's extended code name, as Python's sqlite3 names it. */
export function extendedCode(err: SqliteError): string {
  return err instanceof ConstraintError ? `SQLITE_CONSTRAINT_${err.kind}` : err.code;
}

function ours(v: unknown): OracleValue {
  if (typeof v === 'number' && Number.isInteger(v) && !Object.is(v, -0)) return BigInt(v);
  return v as OracleValue;
}

export async function ourOutcomes(db: Database, statements: readonly string[]): Promise<ScriptOutcome[]> {
  const out: ScriptOutcome[] = [];
  for (const sql of statements) {
    try {
      let rows: OracleValue[][] = [];
      await db.execRows(sql, undefined, (r) => {
        if (r !== undefined) rows = r.rows.map((row) => row.values.map((v, i) => (row.classes[i] === 'real' ? Number(v) : ours(v))));
      });
      out.push({ ok: true, rows });
    } catch (err) {
      if (!(err instanceof SqliteError)) throw err;
      out.push({ ok: false, message: err.message, code: extendedCode(err) });
    }
  }
  return out;
}

/** Integer-valued reals come back from Python as floats and from us as numbers: compare classes too. */
function show(o: ScriptOutcome): unknown {
  if (!o.ok) return o;
  return { ok: true, rows: o.rows.map((r) => r.map((v) => (typeof v === 'number' ? `real:${v}` : typeof v === 'bigint' ? `int:${v}` : v))) };
}

/** Runs `script` on both engines and compares every outcome; returns how many statements failed. */
export async function compareScript(name: string, script: readonly string[], options: { sortRows?: boolean } = {}): Promise<number> {
  const { dir, cleanup } = tempDir('s3lite-fk');
  const objects = new MemoryObjectStore();
  const db = await Database.create({ objects, prefix: 'db' }, { pageSize: 1024 });
  try {
    const oraclePath = join(dir, 'oracle.sqlite');
    const expected = runWithPython(['PRAGMA page_size = 1024', ...script], oraclePath).slice(1);
    const actual = await ourOutcomes(db, script);
    script.forEach((sql, i) => {
      let e = show(expected[i]!);
      let a = show(actual[i]!);
      if (options.sortRows === true && expected[i]!.ok && actual[i]!.ok) {
        const sort = (x: unknown): unknown => ({ ok: true, rows: ((x as { rows: unknown[] }).rows.map((r) => JSON.stringify(r, (_k, v: unknown) => (v instanceof Uint8Array ? [...v] : v))) as string[]).sort() });
        e = sort(e);
        a = sort(a);
      }
      expect(a, `${name}, statement ${i}: ${sql}`).toEqual(e);
    });
    if (db.inTransaction) await db.run('ROLLBACK');
    const file = await new BlockVfs(objects).xOpen('db', OpenFlags.SQLITE_OPEN_READONLY);
    const bytes = await serializeToBytes(file);
    await file.xClose();
    const path = join(dir, 'ours.sqlite');
    writeFileSync(path, bytes);
    expect(integrityCheck(path), `${name}: integrity_check`).toBe('ok');
    // Its rows, or its error (a foreign key mismatch fails the whole PRAGMA) — the same on both files.
    const check = (p: string): string[] => {
      try {
        return sqlite3(p, 'PRAGMA foreign_key_check;').trim().split('\n').sort();
      } catch (err) {
        return [String((err as { stderr?: unknown }).stderr ?? err)];
      }
    };
    expect(check(path), `${name}: foreign_key_check`).toEqual(check(oraclePath));
    return expected.filter((o) => !o.ok).length;
  } finally {
    await db.close();
    cleanup();
  }
}
