import { readFileSync, writeFileSync } from 'node:fs';
import { it } from 'vitest';
import { Database } from '../src/api/database.js';
import { sqlite3 } from './support/sqlite3.js';

function diff(a: Uint8Array, b: Uint8Array, ps: number): string {
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i] && !(i >= 24 && i < 28) && !(i >= 92 && i < 100)) out.push(`p${Math.floor(i / ps) + 1}+${i % ps}:${a[i]}/${b[i]}`);
  return out.length + ' ' + out.slice(0, 40).join(' ');
}
it('bytes', async () => {
  const mode = process.env.M ?? 'FULL';
  const steps = (process.env.STEPS ?? 'CREATE TABLE a(id INTEGER PRIMARY KEY, x, y)|INSERT INTO a VALUES (1, \'x\', 2)').split('|');
  for (const [i, q] of ['ours', 'ref'].entries()) void i, void q;
  const ref = '/tmp/av/ref.db', ours = '/tmp/av/ours.db';
  for (const f of [ref, ours]) { try { (await import('node:fs')).rmSync(f); } catch {} }
  sqlite3(ref, `PRAGMA page_size=1024; PRAGMA auto_vacuum=${mode}; CREATE TABLE seed(z); DROP TABLE seed;`);
  writeFileSync(ours, readFileSync(ref));
  const db = await Database.open(ours, { readonly: false });
  for (const q of steps) {
    await db.run(q); sqlite3(ref, q + ';');
    console.log(q.slice(0, 40), diff(readFileSync(ours), readFileSync(ref), 1024));
  }
  await db.close();
});
