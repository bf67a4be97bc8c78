/**
 * UPDATE and DELETE that find their row through an index, over S3 (issue 14: "`UPDATE t SET …
 * WHERE email = ?` on a 1,000,000-row table in S3 reads about the index's depth plus the table's
 * depth in pages, not the table"), against the same UPDATE on a column without an index (a full
 * scan) and by rowid (the table's depth alone).
 *
 * The table is built locally by sqlite3 (1,000,000 rows: id INTEGER PRIMARY KEY, email with a
 * UNIQUE index, name and score without one) and imported into blocks of 4 KiB on fauxqs behind
 * the conditional-write proxy (safe writers need it) and a latency proxy that counts requests by
 * kind (bench/latency-proxy.ts). Each statement runs on a NEW connection (cold page cache, safe
 * mode: lease and rollback journal), autocommit, so its count holds every request it costs:
 *
 *   open        Database.open: block 0, the size, the hot-journal check
 *   statement   the schema, the pages read to find the row(s), then the commit (lease, journal,
 *               dirty blocks, page 1, journal delete)
 *
 * Requests are counted by role (block / journal / lease) on the client side
 * (bench/recording-store.ts) and by kind at the proxy. Afterwards the blocks are exported and
 * checked by sqlite3 (integrity_check, the changed rows). Figures are printed, never asserted.
 *
 *   npx tsx bench/s3-update-index.ts [--rows 1000000] [--latency 0] [--quick] [--no-check]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { Database } from '../src/api/database.js';
import { BlockStore } from '../src/store/block-store.js';
import { S3ObjectStore, suppressSdkNodeVersionWarning } from '../src/store/s3-store.js';
import { deserialize } from '../src/transfer/deserialize.js';
import { serialize } from '../src/transfer/serialize.js';
import { BlockVfs } from '../src/vfs/block-vfs.js';
import { OpenFlags } from '../src/vfs/vfs.js';
import { startConditionalFauxqsProcess } from './conditional-fauxqs-process.js';
import { startLatencyProxy, type LatencyProxy } from './latency-proxy.js';
import { RecordingObjectStore, roleOf, sequentialRounds, summarizeByRole, type LoggedRequest } from './recording-store.js';

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const QUICK = process.argv.includes('--quick');
const ROWS = Number(argValue('rows') ?? (QUICK ? 100_000 : 1_000_000));
const LATENCY = Number(argValue('latency') ?? 0);
const PREFIX = 'db';
const PAGE = 4096;

/** The k-th row's values, as the build makes them. */
const email = (k: number): string => `user${k}@example.com`;
const name = (k: number): string => `name ${(k * 7919) % ROWS}`;

interface Scenario {
  readonly what: string;
  readonly sql: string;
  readonly params: (string | number)[];
  readonly access: string;
}

interface Measured {
  readonly scenario: Scenario;
  readonly open: LoggedRequest[];
  readonly stmt: LoggedRequest[];
  readonly proxy: string;
  readonly ms: number;
  readonly changes: number;
}

function fmtCounts(p: LatencyProxy): string {
  const c = p.counts;
  return (['GET', 'HEAD', 'PUT', 'DELETE', 'LIST', 'OTHER'] as const).filter((k) => c[k] > 0).map((k) => `${c[k]} ${k}`).join(', ') || '0';
}

const count = (log: readonly LoggedRequest[], role: string, op: string): number => log.filter((r) => roleOf(PREFIX, r.key) === role && r.op === op).length;

/** Depth of each b-tree of the local file (sqlite3's dbstat: a page's path has one '/' per level). */
function depths(file: string): Map<string, number> {
  const out = execFileSync('sqlite3', [file, "SELECT name, max(length(path) - length(replace(path, '/', ''))) FROM dbstat WHERE pagetype != 'overflow' GROUP BY name"], { encoding: 'utf8' });
  return new Map(out.trim().split('\n').map((l) => { const [n, d] = l.split('|'); return [n!, Number(d)]; }));
}

async function main(): Promise<void> {
  suppressSdkNodeVersionWarning();
  const dir = mkdtempSync(join(tmpdir(), 's3lite-bench-update-index-'));
  const server = await startConditionalFauxqsProcess();
  const proxy = await startLatencyProxy({ target: server.endpoint, latencyMs: 0, worker: true });
  const stores: S3ObjectStore[] = [];
  try {
    // The table, built by sqlite3 (seconds), then imported as blocks.
    let t0 = performance.now();
    const file = join(dir, 'users.sqlite');
    execFileSync('sqlite3', [
      file,
      `PRAGMA page_size = ${PAGE}; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
       CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT, score INTEGER);
       INSERT INTO users (email, name, score) WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < ${ROWS})
         SELECT 'user' || k || '@example.com', 'name ' || ((k * 7919) % ${ROWS}), k % 1000 FROM n;
       CREATE UNIQUE INDEX users_email ON users(email);`,
    ]);
    const bytes = new Uint8Array(readFileSync(file));
    const d = depths(file);
    const built = performance.now() - t0;
    const bucket = `update-index-${Date.now() % 100000}`;
    const at = (endpoint: string): S3ObjectStore =>
      new S3ObjectStore({ bucket, endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const s3 = at(proxy.url);
    // The import goes straight to the server (not through the counting proxy), many blocks at a time.
    const direct = at(server.endpoint);
    stores.push(s3, direct);
    await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
    t0 = performance.now();
    await deserialize(new BlockStore(direct, PREFIX), [bytes], { blockSize: PAGE, sourceSize: bytes.length, concurrency: 256 });
    const imported = performance.now() - t0;
    console.log(`\n## UPDATE / DELETE through an index over S3 (${ROWS.toLocaleString('en-US')} rows), ${new Date().toISOString()}`);
    console.log(
      `database: ${(bytes.length / 2 ** 20).toFixed(1)} MiB, ${bytes.length / PAGE} blocks of ${PAGE} bytes (built by sqlite3 in ${(built / 1000).toFixed(1)} s, imported in ${(imported / 1000).toFixed(1)} s); ` +
        `depth: users ${d.get('users')}, users_email ${d.get('users_email')}, sqlite_schema ${d.get('sqlite_schema')}; latency ${LATENCY} ms; safe mode, a new connection per statement\n`,
    );
    proxy.latencyMs = LATENCY;

    const k = Math.floor(ROWS * 0.37);
    const scenarios: Scenario[] = [
      { what: 'UPDATE by rowid', sql: 'UPDATE users SET score = ? WHERE id = ?', params: [-1, Math.floor(ROWS * 0.61)], access: 'table depth' },
      { what: 'UPDATE by indexed email', sql: 'UPDATE users SET score = ? WHERE email = ?', params: [-2, email(k)], access: 'index depth + table depth' },
      { what: 'DELETE by indexed email', sql: 'DELETE FROM users WHERE email = ?', params: [email(k + 1)], access: 'index depth + table depth' },
      { what: 'UPDATE by unindexed name (full scan)', sql: 'UPDATE users SET score = ? WHERE name = ?', params: [-3, name(k + 2)], access: 'every table page' },
    ];
    const results: Measured[] = [];
    for (const s of scenarios) {
      const rec = new RecordingObjectStore(s3);
      proxy.reset();
      const db = await Database.open({ objects: rec, prefix: PREFIX }, { readonly: false });
      const open = [...rec.log];
      rec.reset();
      proxy.reset();
      t0 = performance.now();
      const r = await db.run(s.sql, s.params);
      const ms = performance.now() - t0;
      const stmt = [...rec.log];
      const proxyCounts = fmtCounts(proxy);
      await db.close();
      results.push({ scenario: s, open, stmt, proxy: proxyCounts, ms, changes: r.changes });
      console.log(`  ${s.what.padEnd(38)} ${String(r.changes).padStart(2)} row  ${ms.toFixed(0).padStart(6)} ms  proxy: ${proxyCounts}`);
      console.log(`      by role: ${summarizeByRole(PREFIX, stmt)}; ${sequentialRounds(stmt)} sequential rounds; the open before it: ${summarizeByRole(PREFIX, open)}`);
    }

    const scan = results[results.length - 1]!;
    const scanGets = count(scan.stmt, 'block', 'GET');
    // The capability probe (2 PUT, 1 DELETE of a scratch key) runs once per store and process, at
    // its first write: here once per connection; it is left out of the table's totals.
    const noProbe = (log: readonly LoggedRequest[]): LoggedRequest[] => log.filter((r) => roleOf(PREFIX, r.key) !== 'probe');
    console.log('\n| statement (new connection, autocommit) | rows | block GETs | block PUTs | journal PUTs | all requests (no probe) | sequential rounds | block GETs vs the scan | reads as |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---|');
    for (const m of results) {
      const gets = count(m.stmt, 'block', 'GET');
      console.log(
        `| \`${m.scenario.sql}\` | ${m.changes} | ${gets} | ${count(m.stmt, 'block', 'PUT')} | ${count(m.stmt, 'journal', 'PUT')} | ${noProbe(m.stmt).length} | ${sequentialRounds(noProbe(m.stmt))} | ` +
          `${m === scan ? '1' : `1/${(scanGets / Math.max(1, gets)).toFixed(0)}`} | ${m.scenario.access} |`,
      );
    }

    if (!process.argv.includes('--no-check')) {
      proxy.latencyMs = 0;
      const out = join(dir, 'check.sqlite');
      const f = await new BlockVfs(s3).xOpen(PREFIX, OpenFlags.SQLITE_OPEN_READONLY);
      const parts: Uint8Array[] = [];
      for await (const chunk of serialize(f)) parts.push(chunk);
      await f.xClose();
      writeFileSync(out, Buffer.concat(parts));
      const got = execFileSync('sqlite3', [
        out,
        `PRAGMA integrity_check; SELECT count(*) FROM users; SELECT score FROM users WHERE id = ${Math.floor(ROWS * 0.61)};
         SELECT score FROM users WHERE email = '${email(k)}'; SELECT count(*) FROM users WHERE email = '${email(k + 1)}'; SELECT score FROM users WHERE name = '${name(k + 2)}';`,
      ], { encoding: 'utf8' }).trim().split('\n');
      const expected = ['ok', String(ROWS - 1), '-1', '-2', '0', '-3'];
      console.log(`\nsqlite3 on the exported result: ${got.join(' | ')} ${got.join() === expected.join() ? '(as expected)' : `(EXPECTED ${expected.join(' | ')})`}`);
    }
  } finally {
    for (const s of stores) await s.close();
    await proxy.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
