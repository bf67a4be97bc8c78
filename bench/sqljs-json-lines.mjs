// The sql.js side of bench/cli-process.ts: what a user would write to do `s3lite query FILE SQL
// --json` with SQLite in WebAssembly — read the file, step the statement, print JSON Lines
// (blobs as {"blob":hex}, as the CLI prints them), a few large writes.
import { readFileSync, writeSync } from 'node:fs';
import initSqlJs from 'sql.js';

const [file, sql] = process.argv.slice(2);
const SQL = await initSqlJs();
const db = new SQL.Database(readFileSync(file));
const stmt = db.prepare(sql);
const json = (v) => (v instanceof Uint8Array ? `{"blob":"${Buffer.from(v).toString('hex')}"}` : JSON.stringify(v));
let out = '';
while (stmt.step()) {
  out += `[${stmt.get().map(json).join(',')}]\n`;
  if (out.length > 1 << 16) (writeSync(1, out), (out = ''));
}
writeSync(1, out);
stmt.free();
db.close();
