import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DirectoryObjectStore } from '../src/store/directory-store.js';
import { integrityCheck, makeDatabaseBytes, sqlite3, tempDir } from './support/sqlite3.js';
import { exportFile, uploadDatabase } from './safety/harness.js';
import { startSafetyS3 } from './safety/s3-fixture.js';

const ROOT = join(import.meta.dirname, '..');
const ROWS = 1200;
const initial = makeDatabaseBytes(`
  PRAGMA page_size = 4096;
  CREATE TABLE big(id INTEGER PRIMARY KEY, n INTEGER, v TEXT);
  WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ${ROWS})
  INSERT INTO big SELECT i, 0, printf('row %d %.200c', i, 'x') FROM c;
  CREATE TABLE ctr(v INTEGER);
  INSERT INTO ctr VALUES (0);
`);
function start(args: string[], env: Record<string,string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, stdio: ['ignore','pipe','pipe'], env: { ...process.env, ...env } });
  const p = { child, out: '', err: '', exited: new Promise<number|null>((r) => child.on('exit', (c) => r(c))) };
  child.stdout!.on('data', (d: Buffer) => (p.out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (p.err += d.toString()));
  return p;
}
const tmp = tempDir('repro');
const root = join(tmp.dir, 'dirs'); mkdirSync(root, { recursive: true });
import { it } from 'vitest';
it('repro', async () => {
const useS3 = process.env.S3 !== undefined;
const s3 = useS3 ? await startSafetyS3() : undefined;
const store = s3 ? s3.enforcing() : new DirectoryObjectStore(root);
const workerStore = s3 ? { endpoint: s3.proxy.endpoint, bucket: s3.bucket } : { dir: root };
const cli = (prefix: string) => s3 ? [`s3://${s3.bucket}/${prefix}`, '--endpoint', s3.proxy.endpoint] : [`${join(root, prefix)}/`];
let bad = 0, n = 0;
async function attempt(prefix: string) {
  await uploadDatabase(store, prefix, initial, 4096);
  const a = start([join(ROOT,'repro/worker.ts'), JSON.stringify({ store: workerStore, prefix })], { LEASE_MS: process.env.LEASE_MS ?? '4000', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' });
  const t0 = Date.now();
  while ((await store.head(`${prefix}-journal/0000000000`).catch(() => undefined)) === undefined) {
    if (Date.now() - t0 > 60000 || a.child.exitCode !== null) { console.log('no journal', a.out, a.err); return; }
    await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise((r) => setTimeout(r, Math.random() * 40));
  a.child.kill('SIGSTOP');
  const b = start(['src/cli/run.ts', 'exec', ...cli(prefix), 'UPDATE ctr SET v = v + 1', '--busy-timeout', '30000'], { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' });
  const bc = await b.exited;
  a.child.kill('SIGCONT');
  await a.exited;
  const bytes = (await exportFile(store, prefix))!;
  const path = join(tmp.dir, `${prefix}.db`); writeFileSync(path, bytes);
  const ic = integrityCheck(path);
  const [sumN] = sqlite3(path, 'SELECT sum(n) FROM big').trim().split('|').map(Number);
  const ctr = sqlite3(path, 'SELECT v FROM ctr').trim();
  n++;
  const okAll = ic === 'ok' && ctr === '1' && (sumN === 0 || sumN === ROWS) && bc === 0;
  if (!okAll) {
    bad++;
    const zeros = sqlite3(path, 'SELECT min(id), max(id), count(*) FROM big WHERE n = 0').trim();
    console.log(`BAD ${prefix}: ic=${ic.slice(0,80)} ctr=${ctr} sumN=${sumN} zeros(min,max,count)=${zeros} B=${bc} ${b.err.slice(0,300)}\n  A: ${a.out.trim()} ${a.err.slice(0,500)}\n  B out: ${b.out.slice(0,200)}`);
  } else console.log(`ok ${prefix} sumN=${sumN} A: ${a.out.trim().slice(0,120)}`);
}
const ROUNDS = Number(process.env.ROUNDS ?? 5), PAR = Number(process.env.PAR ?? 4);
for (let r = 0; r < ROUNDS; r++) await Promise.all(Array.from({ length: PAR }, (_, k) => attempt(`p${r}_${k}`)));
console.log(`done ${n} bad ${bad}`);
tmp.cleanup();
await s3?.close();
}, 3_000_000);
