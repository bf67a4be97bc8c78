/**
 * A plain SQLite file as ONE S3 object, read in place (issue 12), against the same database as
 * 4096-byte blocks: requests for a cold open, a cold point lookup by rowid, LIMIT 10 and a full
 * scan, each through `Database.open('s3://bucket/key')` — so the object's figures include the
 * probe (the GET of `key/0000000000` that finds no blocks, with the journal look beside it).
 * Then the scan once more over the object through a recording source: the ranges it asked for.
 *
 *   client ─► latency proxy (worker thread, 20 ms) ─► fauxqs (child process)
 *
 *   npx tsx bench/single-object.ts [--mb 23] [--latency 20]
 *
 * Figures are printed, never asserted.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Database } from '../src/api/database.js';
import { BlockStore } from '../src/store/block-store.js';
import { S3ObjectRanges } from '../src/store/s3-object-ranges.js';
import { S3ObjectStore, suppressSdkNodeVersionWarning } from '../src/store/s3-store.js';
import { deserialize } from '../src/transfer/deserialize.js';
import { RangeFile, type RangePin, type RangeSource } from '../src/vfs/range-file.js';
import { Pager } from '../src/pager/pager.js';
import { BytesPageFile } from '../src/pager/page-file.js';
import { TableCursor } from '../src/btree/table-cursor.js';
import { readSchemaRows } from '../src/api/schema-rows.js';
import { readSchema } from '../src/schema/read-schema.js';
import { makeBenchDatabase } from './bench-db.js';
import { startFauxqsProcess } from './fauxqs-process.js';
import { startLatencyProxy, type ProxyCounts } from './latency-proxy.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const LATENCY = arg('latency', 20);
const MB = arg('mb', 23);
const BUCKET = 'single';

function requests(c: ProxyCounts): string {
  return (['GET', 'HEAD', 'PUT', 'DELETE', 'LIST'] as const)
    .filter((k) => c[k] > 0)
    .map((k) => `${c[k]} ${k}`)
    .join(', ');
}

/** The real source, recording each range and how many were in flight. */
class Recording implements RangeSource {
  readonly lengths: number[] = [];
  inFlight = 0;
  maxInFlight = 0;
  constructor(readonly inner: RangeSource) {}
  get url(): string {
    return this.inner.url;
  }
  get requests(): number {
    return this.inner.requests;
  }
  async fetchRange(offset: number, length: number, pin: RangePin | undefined) {
    this.lengths.push(length);
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    try {
      return await this.inner.fetchRange(offset, length, pin);
    } finally {
      this.inFlight--;
    }
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

suppressSdkNodeVersionWarning();
process.env['AWS_ACCESS_KEY_ID'] ??= 'x';
process.env['AWS_SECRET_ACCESS_KEY'] ??= 'x';
const dir = mkdtempSync(join(tmpdir(), 's3lite-bench-single-'));
const server = await startFauxqsProcess();
const proxy = await startLatencyProxy({ target: server.endpoint, latencyMs: 0, worker: true });
const s3 = { endpoint: proxy.url, region: 'us-east-1', forcePathStyle: true };
const store = (): S3ObjectStore => new S3ObjectStore({ bucket: BUCKET, ...s3, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
try {
  const { path, rows } = makeBenchDatabase(dir, MB);
  const bytes = new Uint8Array(readFileSync(path));
  const setup = store();
  await setup.client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  // As `s3lite export` uploads it: multipart (the test server refuses one 23 MB PUT).
  await new Upload({ client: setup.client, params: { Bucket: BUCKET, Key: 'whole/bench.sqlite', Body: bytes }, partSize: 8 * 2 ** 20 }).done();
  await deserialize(new BlockStore(setup, 'blocks/bench.sqlite'), [bytes], { blockSize: 4096 });
  await setup.close();

  // The bound of a point lookup: the pages on the path from t's root to a leaf, and page 1.
  const local = await Pager.open(new BytesPageFile(bytes));
  const t = readSchema(await readSchemaRows(local)).relation('t');
  if (t === undefined || t.kind !== 'table') throw new Error('no table t');
  const cursor = new TableCursor(local, t.rootPage);
  await cursor.first();
  const depth = (cursor as unknown as { stack: unknown[] }).stack.length;

  console.log(`\n## One S3 object vs blocks (cold Database.open + one db.query; ${LATENCY} ms per request), ${new Date().toISOString()}`);
  console.log(
    `database: ${(bytes.length / 2 ** 20).toFixed(1)} MiB made by sqlite3, ${bytes.length / 4096} pages of 4096 bytes; table t: ${rows} rows, root page ${t.rootPage}, depth ${depth}`,
  );
  console.log('| layout | query | requests | MiB down | most in flight | round trips (wall ÷ latency) | wall ms |');
  console.log('|---|---|---|---:|---:|---:|---:|');
  const scenarios: [string, string, unknown[]][] = [
    ['open only', '', []],
    ['point lookup by rowid', 'SELECT * FROM t WHERE id = ?', [Math.floor(rows / 3)]],
    ['SELECT * FROM t LIMIT 10', 'SELECT * FROM t LIMIT 10', []],
    ['full scan: sum(length(payload))', 'SELECT count(*), sum(length(payload)) FROM t', []],
    ['check (every b-tree, page by page)', 'check', []],
  ];
  for (const [label, sql, params] of scenarios) {
    for (const [layout, key] of [
      ['blocks', 'blocks/bench.sqlite'],
      ['one object', 'whole/bench.sqlite'],
    ] as const) {
      proxy.latencyMs = LATENCY;
      proxy.reset();
      const t0 = performance.now();
      const db = await Database.open(`s3://${BUCKET}/${key}`, s3);
      if (sql === 'check') await db.check();
      else if (sql !== '') await db.query(sql, params as never);
      const ms = performance.now() - t0;
      const c = { ...proxy.counts };
      await db.close();
      console.log(
        `| ${layout} | ${label} | ${requests(c)} | ${(c.bytesDown / 2 ** 20).toFixed(2)} | ${c.maxInFlight} | ${(ms / LATENCY).toFixed(1)} | ${ms.toFixed(0)} |`,
      );
    }
  }

  // The scan once more, straight over the object: the ranges it became.
  proxy.latencyMs = LATENCY;
  const source = new Recording(new S3ObjectRanges(store(), 'whole/bench.sqlite'));
  const file = (await RangeFile.open(source))!;
  const db = await Database.open(file);
  await db.query('SELECT count(*), sum(length(payload)) FROM t');
  await db.close();
  const large = source.lengths.filter((n) => n >= 65536);
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  console.log(
    `full scan over the object: ${source.lengths.length} ranges (the open's included), ${large.length} of them ≥ 64 KiB carrying ` +
      `${((100 * sum(large)) / sum(source.lengths)).toFixed(1)}% of ${(sum(source.lengths) / 2 ** 20).toFixed(1)} MiB; ` +
      `largest ${Math.max(...source.lengths) / 1024} KiB, median ${[...source.lengths].sort((a, b) => a - b)[source.lengths.length >> 1]! / 1024} KiB; ` +
      `at most ${source.maxInFlight} in flight`,
  );
  console.log('requests = all kinds seen by the proxy; the object\'s open = GET key/0000000000 (404) and GET key-journal/0000000000 (404) in parallel, then one ranged GET of 64 KiB.');
} finally {
  await proxy.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
