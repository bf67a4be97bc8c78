/**
 * `import --replace` against a plain import (issue 18: "requests and time of import --replace of a
 * 23 MB database against a plain import of it, at 20 ms per request").
 *
 *   client (this process) ─► latency proxy (bench/latency-proxy.ts, worker thread: delay + counts)
 *                         ─► conditional proxy + fauxqs in a child process (the stand-in for S3's
 *                            If-None-Match / If-Match, which a replace's lease needs)
 *
 * Each latency runs, on a fresh bucket: a plain import of the ~23 MiB database into an empty
 * prefix, then `import --replace` of a second database of the same size (different bytes) over it,
 * exactly as the CLI calls `deserialize` (lease, probe, journal, block 0 first, commit point). The
 * replace is then exported and checked against SQLite's own `.restore` of the same replace.
 *
 *   npx tsx bench/replace.ts [--mb 23] [--latency 20]
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { SQLITE_VERSION_NUMBER } from '../src/pager/pager.js';
import { BlockStore } from '../src/store/block-store.js';
import { S3ObjectStore, suppressSdkNodeVersionWarning } from '../src/store/s3-store.js';
import { deserialize } from '../src/transfer/deserialize.js';
import { serializeToBytes } from '../src/transfer/serialize.js';
import { BlockVfs } from '../src/vfs/block-vfs.js';
import { OpenFlags } from '../src/vfs/vfs.js';
import { makeBenchDatabase } from './bench-db.js';
import { startConditionalFauxqsProcess } from './conditional-fauxqs-process.js';
import { startLatencyProxy, type LatencyProxy } from './latency-proxy.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const MB = arg('mb', 23);
const LATENCY = arg('latency', 20);

function counts(proxy: LatencyProxy): string {
  const c = proxy.counts;
  return (['GET', 'HEAD', 'PUT', 'DELETE', 'LIST', 'OTHER'] as const)
    .filter((k) => c[k] > 0)
    .map((k) => `${c[k]} ${k}`)
    .join(', ');
}

async function timed(proxy: LatencyProxy, fn: () => Promise<unknown>): Promise<{ ms: number; counts: string; total: number }> {
  proxy.reset();
  const t0 = performance.now();
  await fn();
  return { ms: performance.now() - t0, counts: counts(proxy), total: proxy.total() };
}

/** SQLite's own replace (`.restore`), with offset 96 set to the version number s3lite writes. */
function restored(dir: string, old: string, src: string): Uint8Array {
  const dest = join(dir, 'restored.sqlite');
  execFileSync('cp', [old, dest]);
  execFileSync('sqlite3', [dest, `.restore ${src}`]);
  const out = new Uint8Array(readFileSync(dest));
  new DataView(out.buffer, out.byteOffset).setUint32(96, SQLITE_VERSION_NUMBER);
  return out;
}

async function main(): Promise<void> {
  suppressSdkNodeVersionWarning();
  const dir = mkdtempSync(join(tmpdir(), 's3lite-bench-replace-'));
  const server = await startConditionalFauxqsProcess();
  const proxy = await startLatencyProxy({ target: server.endpoint, latencyMs: 0, worker: true });
  try {
    const first = makeBenchDatabase(dir, MB, 'first.sqlite').path;
    const second = makeBenchDatabase(dir, MB, 'second.sqlite').path; // randomblob payloads: other bytes
    const size = statSync(first).size;
    const expected = restored(dir, first, second);
    console.log(`\n## import --replace against a plain import, ${new Date().toISOString()}`);
    console.log(
      `databases: ${(size / 2 ** 20).toFixed(1)} MiB and ${(statSync(second).size / 2 ** 20).toFixed(1)} MiB, 4096-byte pages and blocks; ` +
        'fauxqs behind the conditional-write proxy (child process) and the latency proxy (worker thread); concurrency 64',
    );
    console.log('| latency | op | wall ms | requests | total |');
    console.log('|---:|---|---:|---|---:|');
    let run = 0;
    for (const latency of [0, LATENCY]) {
      const bucket = `replace-${run++}-${Date.now() % 100000}`;
      const objects = new S3ObjectStore({
        bucket,
        endpoint: proxy.url,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      });
      try {
        proxy.latencyMs = 0;
        await objects.client.send(new CreateBucketCommand({ Bucket: bucket }));
        proxy.latencyMs = latency;
        const target = new BlockStore(objects, 'db');
        const file = (path: string) => ({ input: createReadStream(path, { highWaterMark: 1 << 20 }), size: statSync(path).size });
        const plain = await timed(proxy, async () => {
          const { input, size: sourceSize } = file(first);
          await deserialize(target, input, { sourceSize });
        });
        console.log(`| ${latency} | import (empty prefix) | ${plain.ms.toFixed(0)} | ${plain.counts} | ${plain.total} |`);
        const replace = await timed(proxy, async () => {
          const { input, size: sourceSize } = file(second);
          await deserialize(target, input, { sourceSize, replace: true });
        });
        console.log(`| ${latency} | import --replace | ${replace.ms.toFixed(0)} | ${replace.counts} | ${replace.total} |`);
        console.log(`|  | ratio | ${(replace.ms / plain.ms).toFixed(2)}× |  | ${(replace.total / plain.total).toFixed(2)}× |`);
        proxy.latencyMs = 0;
        const back = await new BlockVfs(objects).xOpen('db', OpenFlags.SQLITE_OPEN_READONLY);
        const bytes = await serializeToBytes(back);
        await back.xClose();
        if (Buffer.compare(bytes, expected) !== 0) throw new Error('the replaced database differs from what sqlite3 .restore makes');
      } finally {
        await objects.close();
      }
    }
    console.log('\nThe replace was checked byte for byte against sqlite3 ".restore" (offset 96: the writer\'s version number).');
  } finally {
    await proxy.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
