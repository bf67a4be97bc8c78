/**
 * What a user of the public API pays for queries over S3, safety checks included (issue 6 goals,
 * issue 7 reader checks): each scenario opens the database cold with `Database.open` (block 0
 * and the journal's first block in one round trip, then the size HEADs) and runs one query with
 * `db.query`, whose read begins with the open's check and ends with the journal and block 0
 * again. `bench/s3-read.ts` measures the same reads at the pager level, without the checks.
 *
 *   client ─► latency proxy (worker thread, 20 ms) ─► fauxqs (child process)
 *
 *   npx tsx bench/s3-query.ts [--mb 23] [--latency 20]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { Database } from '../src/api/database.js';
import { BlockStore } from '../src/store/block-store.js';
import { S3ObjectStore, suppressSdkNodeVersionWarning } from '../src/store/s3-store.js';
import { deserialize } from '../src/transfer/deserialize.js';
import { makeBenchDatabase } from './bench-db.js';
import { startFauxqsProcess } from './fauxqs-process.js';
import { startLatencyProxy, type ProxyCounts } from './latency-proxy.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const LATENCY = arg('latency', 20);
const MB = arg('mb', 23);

function requests(c: ProxyCounts): string {
  return (['GET', 'HEAD', 'PUT', 'DELETE', 'LIST'] as const)
    .filter((k) => c[k] > 0)
    .map((k) => `${c[k]} ${k}`)
    .join(', ');
}

suppressSdkNodeVersionWarning();
const dir = mkdtempSync(join(tmpdir(), 's3lite-bench-query-'));
const server = await startFauxqsProcess();
const proxy = await startLatencyProxy({ target: server.endpoint, latencyMs: 0, worker: true });
const objects = (): S3ObjectStore =>
  new S3ObjectStore({ bucket: 'query', endpoint: proxy.url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
try {
  const { path, rows } = makeBenchDatabase(dir, MB);
  const setup = objects();
  await setup.client.send(new CreateBucketCommand({ Bucket: 'query' }));
  await deserialize(new BlockStore(setup, 'db'), [new Uint8Array(readFileSync(path))], { blockSize: 4096 });
  await setup.close();
  const name = (await (async () => {
    const db = await Database.open({ objects: objects(), prefix: 'db' });
    const [row] = await db.query('SELECT name FROM t WHERE id = ?', [Math.floor(rows / 2)]);
    await db.close();
    return row?.name;
  })()) as string;

  console.log(`\n## Queries through Database over S3 (cold open + one db.query; ${LATENCY} ms per request), ${new Date().toISOString()}`);
  console.log(`database: ${MB} MiB made by sqlite3, table t of ${rows} rows with an index on name; 4096-byte pages and blocks`);
  console.log('| query | requests | round trips (wall ÷ latency) | wall ms |');
  console.log('|---|---|---:|---:|');
  const scenarios: [string, string, unknown[]][] = [
    ['open only', '', []],
    ['point query by rowid', 'SELECT * FROM t WHERE id = ?', [Math.floor(rows / 3)]],
    ['point query through the index', 'SELECT id FROM t WHERE name = ?', [name]],
    ['SELECT * FROM t LIMIT 10', 'SELECT * FROM t LIMIT 10', []],
    ['SELECT count(*) FROM t', 'SELECT count(*) FROM t', []],
  ];
  for (const [label, sql, params] of scenarios) {
    const store = objects();
    proxy.latencyMs = LATENCY;
    proxy.reset();
    const t0 = performance.now();
    const db = await Database.open({ objects: store, prefix: 'db' });
    if (sql !== '') await db.query(sql, params as never);
    const ms = performance.now() - t0;
    const counts = { ...proxy.counts };
    // The same query again on the open connection: the cache holds its pages.
    proxy.reset();
    const t1 = performance.now();
    if (sql !== '') await db.query(sql, params as never);
    const warmMs = performance.now() - t1;
    const warm = { ...proxy.counts };
    await db.close();
    await store.close();
    console.log(`| ${label} (cold) | ${requests(counts)} | ${(ms / LATENCY).toFixed(1)} | ${ms.toFixed(0)} |`);
    if (sql !== '') console.log(`| ${label} (again, warm) | ${requests(warm) || '0'} | ${(warmMs / LATENCY).toFixed(1)} | ${warmMs.toFixed(0)} |`);
  }
  console.log('cold = Database.open + db.query; the reader checks are the GET of db-journal/0000000000 at open and, for a read that fetched pages, the journal and block 0 again at its end (see README, "Safe on shared S3").');
} finally {
  await proxy.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
