/**
 * A second oracle: Python's sqlite3 module, which here links the same SQLite 3.40.1 as the
 * shell but, unlike the shell and sql.js, reports the extended result code of an error
 * (SQLITE_CONSTRAINT_FOREIGNKEY vs SQLITE_CONSTRAINT_TRIGGER). One process runs a whole script,
 * statement by statement, in autocommit mode (BEGIN/COMMIT as written), and returns each
 * statement's rows or error.
 */
import { execFileSync } from 'node:child_process';

export type OracleValue = null | bigint | number | string | Uint8Array;

export type ScriptOutcome =
  | { readonly ok: true; readonly rows: OracleValue[][] }
  | { readonly ok: false; readonly message: string; readonly code: string };

const PROGRAM = String.raw`
import json, sqlite3, sys
stmts = json.load(sys.stdin)
db = sqlite3.connect(sys.argv[1], isolation_level=None)
def enc(v):
    if v is None: return None
    if isinstance(v, bool): return {"i": str(int(v))}
    if isinstance(v, int): return {"i": str(v)}
    if isinstance(v, float): return {"r": repr(v)}
    if isinstance(v, bytes): return {"b": v.hex()}
    return {"t": v}
out = []
for s in stmts:
    try:
        rows = db.execute(s).fetchall()
        out.append({"ok": True, "rows": [[enc(v) for v in r] for r in rows]})
    except sqlite3.Error as e:
        out.append({"ok": False, "message": str(e), "code": getattr(e, "sqlite_errorname", "SQLITE_ERROR")})
print(json.dumps(out))
`;

type Encoded = null | { i: string } | { r: string } | { b: string } | { t: string };

function decode(v: Encoded): OracleValue {
  if (v === null) return null;
  if ('i' in v) return BigInt(v.i);
  if ('r' in v) return Number(v.r === 'inf' ? 'Infinity' : v.r === '-inf' ? '-Infinity' : v.r);
  if ('b' in v) return Uint8Array.from(Buffer.from(v.b, 'hex'));
  return v.t;
}

/** Runs `statements` in order on the database file `path` (':memory:' for none). */
export function runWithPython(statements: readonly string[], path = ':memory:'): ScriptOutcome[] {
  const text = execFileSync('python3', ['-c', PROGRAM, path], { input: JSON.stringify(statements), encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const raw = JSON.parse(text) as ({ ok: true; rows: Encoded[][] } | { ok: false; message: string; code: string })[];
  return raw.map((o) => (o.ok ? { ok: true, rows: o.rows.map((r) => r.map(decode)) } : o));
}

/** The SQLite version the Python module links (the tests expect 3.40.1, the shell's). */
export function pythonSqliteVersion(): string {
  return execFileSync('python3', ['-c', 'import sqlite3; print(sqlite3.sqlite_version)'], { encoding: 'utf8' }).trim();
}
