/**
 * Import/export benchmark against a real S3-compatible server (fauxqs on 127.0.0.1):
 * wall time and requests by kind for a database made by the sqlite3 shell (~23 MB, the size of
 * the database sqlite-s3vfs was measured with), at several block sizes.
 *
 *   npm run bench            (all benchmarks)
 *   npx tsx bench/transfer.ts [--mb 23]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { startFauxqs } from 'fauxqs';
import { BlockStore } from '../src/store/block-store.js';
import { S3ObjectStore, suppressSdkNodeVersionWarning } from '../src/store/s3-store.js';
import { deserialize } from '../src/transfer/deserialize.js';
import { serialize } from '../src/transfer/serialize.js';
import { BlockVfs } from '../src/vfs/block-vfs.js';
import { OpenFlags } from '../src/vfs/vfs.js';

const mbArg = process.argv.indexOf('--mb');
const targetMb = mbArg > 0 ? Number(process.argv[mbArg + 1]) : 23;

function makeDatabase(dir: string): string {
  const path = join(dir, 'bench.sqlite');
  const rows = Math.round((targetMb * 2 ** 20) / 330);
  execFileSync('sqlite3', [path], {
    input: `PRAGMA page_size=4096;
CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, value REAL, payload BLOB);
CREATE INDEX t_name ON t(name);
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM seq WHERE i < ${rows})
INSERT INTO t SELECT i, 'name-' || (i * 7919 % ${rows}), i / 3.0, randomblob(200) FROM seq;`,
  });
  return path;
}

async function main(): Promise<void> {
  suppressSdkNodeVersionWarning();
  const dir = mkdtempSync(join(tmpdir(), 's3lite-bench-'));
  const server = await startFauxqs({ port: 0, logger: false, host: '127.0.0.1' });
  const endpoint = `http://127.0.0.1:${server.port}`;
  try {
    const path = makeDatabase(dir);
    const bytes = new Uint8Array(readFileSync(path));
    console.log(`database: ${(bytes.length / 2 ** 20).toFixed(1)} MiB, ${bytes.length / 4096} pages of 4096 bytes`);
    console.log('reference (sqlite-s3vfs, measured by the issue): one sequential request per block');
    console.log('block size | import ms | import requests | export ms | export requests | MiB/s export');
    for (const blockSize of [4096, 65536, 1 << 20]) {
      const objects = new S3ObjectStore({
        bucket: `bench-${blockSize}`,
        endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      });
      await objects.client.send(new CreateBucketCommand({ Bucket: `bench-${blockSize}` }));
      const chunks = function* (): Generator<Uint8Array> {
        for (let at = 0; at < bytes.length; at += 1 << 20) yield bytes.subarray(at, at + (1 << 20));
      };
      let t0 = performance.now();
      await deserialize(new BlockStore(objects, 'db'), chunks(), { blockSize, sourceSize: bytes.length });
      const importMs = performance.now() - t0;
      const importRequests = { ...objects.requests };
      const before = { ...objects.requests };
      t0 = performance.now();
      const file = await new BlockVfs(objects).xOpen('db', OpenFlags.SQLITE_OPEN_READONLY);
      let n = 0;
      for await (const chunk of serialize(file)) n += chunk.length;
      await file.xClose();
      const exportMs = performance.now() - t0;
      if (n !== bytes.length) throw new Error(`exported ${n} bytes, expected ${bytes.length}`);
      const exportRequests = Object.fromEntries(
        Object.entries(objects.requests).map(([k, v]) => [k, v - before[k as keyof typeof before]]),
      );
      console.log(
        [
          String(blockSize).padStart(10),
          importMs.toFixed(0).padStart(9),
          fmt(importRequests).padStart(15),
          exportMs.toFixed(0).padStart(9),
          fmt(exportRequests).padStart(15),
          (bytes.length / 2 ** 20 / (exportMs / 1000)).toFixed(1).padStart(12),
        ].join(' | '),
      );
      await objects.close();
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function fmt(r: Record<string, number>): string {
  return Object.entries(r)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
}

await main();
